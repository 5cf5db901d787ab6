"""wakebench's errors, and the checks that raise them.

Every error raised for bad input derives from ``wakebench.Error`` and from
the built-in exception it is most like, so ``except wb.Error`` catches them
all and ``except ValueError`` keeps working. Each message is one line that
names the place (the scenario, the owner, the op, the argument).

The checks run before a value reaches the C++ core, so a value the core
cannot hold (an int past int64, a str that is not UTF-8) is the same clear
error as any other, never a binding's dump.
"""

from __future__ import annotations

from ._core import Error, PolicyError, ScenarioError, ScheduleError, UnknownNameError

__all__ = ["CheckpointError", "Error", "ScenarioError", "ScenarioTypeError", "ScheduleError", "UnknownNameError",
           "PolicyError", "ArgumentError", "ArgumentTypeError", "one_line", "printable",
           "check_int", "check_text", "check_schedule", "INT64", "UINT32", "UINT64"]

INT64 = (-(1 << 63), (1 << 63) - 1)
UINT32 = (0, (1 << 32) - 1)
UINT64 = (0, (1 << 64) - 1)


class ScenarioTypeError(ScenarioError, TypeError):
    """A scenario built from a value of the wrong type."""


class ArgumentError(Error, ValueError):
    """An argument of run(), explore() or the matrix out of its range."""


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of run(), explore() or the matrix of the wrong type."""


class CheckpointError(Error, ValueError):
    """A checkpoint file that cannot be read, or that belongs to another
    exploration (scenario, policy, settings)."""


def one_line(text: object, limit: int = 200) -> str:
    """``text`` quoted for a one-line message: control characters and lone
    surrogates escaped, cut to ``limit`` characters."""
    s = repr(str(text))
    if len(s) > limit:
        s = s[:limit - 4] + "...'"
    return s


def printable(text: object, limit: int = 2000) -> str:
    """``text`` as one line, unquoted: control characters and lone
    surrogates escaped, cut at ``limit`` characters."""
    s = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))
    return s if len(s) <= limit else s[:limit] + "..."


def check_int(x: object, what: str, lo: int = INT64[0], hi: int = INT64[1], *,
              error: type = ScenarioError) -> int:
    """``x`` as an int in [lo, hi], else one clear error naming ``what``."""
    type_error = ScenarioTypeError if error is ScenarioError else ArgumentTypeError
    if isinstance(x, bool) or not isinstance(x, int):
        raise type_error(f"{what}: expected an int, got {type(x).__name__} {one_line(x, 40)}")
    if not lo <= x <= hi:
        raise error(f"{what}: must be in [{lo}, {hi}], got {x}")
    return x


def check_text(x: object, what: str, *, name: bool = False) -> str:
    """``x`` as a str the core can hold (UTF-8). A ``name`` must also be
    non-empty and printable: it is shown in explanations and traces."""
    if not isinstance(x, str) or (name and not x):
        raise ScenarioTypeError(f"{what}: expected a {'non-empty ' if name else ''}str, "
                                f"got {one_line(x, 40)}")
    try:
        x.encode("utf-8")
    except UnicodeEncodeError:
        raise ScenarioError(f"{what}: {one_line(x, 60)} is not valid text "
                            f"(a lone surrogate)") from None
    if name and not x.isprintable():
        raise ScenarioError(f"{what}: a name must be printable, got {one_line(x, 60)}")
    return x


def check_schedule(schedule: object) -> str:
    """A schedule string is short ASCII ('v1.' then digits, letters and
    '(n)' groups); anything else is refused here, quoted, before the core
    would echo it into a message."""
    if not isinstance(schedule, str):
        raise ArgumentTypeError(f"schedule must be a str, got {type(schedule).__name__}")
    bad = next((i for i, ch in enumerate(schedule) if not (ch.isascii() and ch.isprintable())), None)
    if bad is not None:
        raise ScheduleError(f"malformed schedule {one_line(schedule, 60)}: character {bad} "
                            f"is {one_line(schedule[bad])}, not a schedule character")
    return schedule

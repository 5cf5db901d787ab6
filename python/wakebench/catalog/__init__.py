"""The built-in catalog: reported hazards, runnable by name.

Each entry names its seed (a file in the repository's ``docs/seeds/``),
quotes the seed's words it rests on (verbatim: a test finds them there),
says what it assumes, and summarises what it models.
Entries build fresh Scenario objects; the verdicts come from running them,
never from this catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List

from .._core import UnknownNameError
from ..scenario import Scenario

__all__ = ["Entry", "entry", "get", "names", "entries", "UnknownNameError"]


@dataclass(frozen=True)
class Entry:
    name: str
    source: str   #: the seed it reproduces: a file in docs/seeds/
    quote: str    #: the seed's words it rests on, verbatim
    assumes: str  #: what the model takes for granted (times, types' rules, orders)
    summary: str  #: one paragraph: what it models, and the verdicts that follow
    build: Callable[[], Scenario]

    def scenario(self) -> Scenario:
        s = self.build()
        s.doc, s.source = self.summary, self.source
        s.origin = self.name  # the command line names it so (until it is changed)
        return s

    def describe(self) -> str:
        """The entry as text: its summary, the seed's words, the assumptions."""
        return (f"{self.summary}\n  Seed ({self.source}): \"{self.quote}\"\n"
                f"  Assumed: {self.assumes}")


_ENTRIES: Dict[str, Entry] = {}


def entry(name: str, *, source: str, quote: str, assumes: str, summary: str):
    """Register a catalog entry (a function building its Scenario)."""

    def register(build: Callable[[], Scenario]) -> Callable[[], Scenario]:
        if name in _ENTRIES:
            raise ValueError(f"catalog entry {name!r} is registered twice")
        _ENTRIES[name] = Entry(name, source, " ".join(quote.split()), " ".join(assumes.split()),
                               " ".join(summary.split()), build)
        return build

    return register


def names() -> List[str]:
    return list(_ENTRIES)


def entries() -> List[Entry]:
    return list(_ENTRIES.values())


def lookup(name: str) -> Entry:
    try:
        return _ENTRIES[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown scenario {name!r} (valid: {', '.join(_ENTRIES)})") from None


def get(name: str) -> Scenario:
    """A fresh Scenario for a catalog entry."""
    return lookup(name).scenario()


# Import order is listing order: the foundation (nginx) first.
from . import nginx, rust_traps, futurelock, buffered, haskell  # noqa: E402,F401,I001  (register)

"""pytest plugin: fixtures to run and explore scenarios, readable failures.

Registered through the ``pytest11`` entry point, so installing wakebench is
enough::

    def test_deferred_wakes_are_safe(wakebench):
        wakebench.assert_ok("h2-drop-wake-cleanup", policy="ngx_posted")

    def test_inline_deadlocks(wakebench):
        wakebench.assert_verdict("h2-drop-wake-nested", "deadlock/reentrant_lock",
                                 policy="ngx_inline")

    def test_no_lock_cycle(wakebench):
        wakebench.assert_never("h2-drop-wake-nested", "deadlock/lock_cycle", policy="fifo")

The fixture is session-scoped (it holds no per-test state), so it also
serves hypothesis's ``@given`` tests without a health-check failure.
Assertion failures hide the plugin's own frames from the traceback.

On failure the report shows the verdict explanation, the trace around the
failing step, and the exact command that replays it: the run is saved under
``.wakebench/`` as a replay file with the scenario embedded, so
``wakebench replay FILE`` works for any scenario, one built in the test
included (a catalog scenario also gets its ``wakebench run NAME ...
--schedule S`` line); ``pytest --wakebench-replay FILE`` re-runs that
schedule (instead of exploring) in every assertion on the same scenario
(by name) and policy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Union

import pytest

from . import replay as replay_files
from .api import explore, run
from .outcome import Exploration, Outcome
from .policy import PolicyLike
from .scenario import Scenario

CONTEXT = 12  # trace events shown on each side of the failing step


class WakebenchFailure(AssertionError):
    """A verdict that was not the one asserted."""


def trace_window(out: Outcome, around: Optional[int] = None, context: int = CONTEXT) -> str:
    """The trace lines within ``context`` events of the verdict's step."""
    events = out.trace
    if not events:
        return "  (no trace)"
    step = out.verdict.step if around is None else around
    idx = min(range(len(events)), key=lambda i: abs(events[i].step - step))
    lo, hi = max(0, idx - context), min(len(events), idx + context + 1)
    lines = [e.text for e in events[lo:hi]]
    if lo > 0:
        lines.insert(0, f"  ... {lo} earlier events")
    if hi < len(events):
        lines.append(f"  ... {len(events) - hi} later events")
    return "\n".join(lines)


def failure_text(out: Outcome, expected: str, saved: Optional[Path]) -> str:
    parts = [
        f"{out.scenario} under {out.policy}: expected {expected}, got {out.verdict.kind}",
        f"  {out.verdict.explanation}",
        "trace around the failing step:",
        trace_window(out),
    ]
    if not out.replayable:
        parts.append(f"replay: none (a real run on {out.backend} does not replay)")
    if saved is not None:
        parts.append(f"replay: wakebench replay {saved}")
    if out.replay_command() is not None:
        parts.append(f"replay: {out.replay_command()}")
    elif saved is None and out.replayable:
        parts.append(f"replay: none (the replay file could not be written; schedule "
                     f"{out.schedule})")
    if saved is not None:
        parts.append(f"saved:  {saved}  (pytest --wakebench-replay {saved})")
    return "\n".join(parts)


def _matches(kind: str, wanted: str) -> bool:
    """``wanted`` is a verdict kind or a family (``deadlock`` for deadlock/...)."""
    return kind == wanted or kind.startswith(wanted + "/")


class Bench:
    """The ``wakebench`` fixture."""

    def __init__(self, config: pytest.Config) -> None:
        path = config.getoption("wakebench_replay")
        self._replay = replay_files.load(path) if path else None
        self._save_dir = Path(config.rootpath) / ".wakebench"
        self.test_id = "session"  # the running test's node id (pytest_runtest_setup sets it)

    def run(self, scenario: Union[str, Scenario], policy: PolicyLike = "fifo", **kw) -> Outcome:
        return run(scenario, policy, **kw)

    def explore(self, scenario: Union[str, Scenario], policy: PolicyLike = "fifo",
                **kw) -> Exploration:
        return explore(scenario, policy, **kw)

    def assert_verdict(self, scenario: Union[str, Scenario], kind: str, *,
                       policy: PolicyLike = "fifo", strategy: str = "exhaustive",
                       **kw) -> Outcome:
        """Some explored schedule gives ``kind`` (a replayed file: that schedule does)."""
        __tracebackhide__ = True
        out = self._replayed(scenario, policy)
        if out is None:
            ex = explore(scenario, policy, strategy=strategy, **kw)
            out = ex.counterexample or run(scenario, policy)
        if out.verdict.kind != kind:
            raise WakebenchFailure(failure_text(out, kind, self._save(out)))
        return out

    def assert_ok(self, scenario: Union[str, Scenario], *, policy: PolicyLike = "fifo",
                  strategy: str = "exhaustive", **kw) -> Exploration:
        """No schedule gives anything but ok: the search was complete within
        the bounds it names. An inconclusive exploration (a run stopped at a
        bound, the budget ran out, the deviation bound cut the search) fails,
        with the reason."""
        __tracebackhide__ = True
        out = self._replayed(scenario, policy)
        if out is not None:
            if not out.verdict.ok:
                raise WakebenchFailure(failure_text(out, "ok", None))
            return explore(scenario, policy, strategy="random", budget=1)
        ex = explore(scenario, policy, strategy=strategy, **kw)
        if ex.counterexample is not None:
            raise WakebenchFailure(failure_text(ex.counterexample, "ok",
                                                self._save(ex.counterexample)))
        if ex.verdict == "inconclusive":
            raise WakebenchFailure(
                f"{ex.scenario} under {ex.policy}: expected ok, the exploration is inconclusive: "
                f"{ex.inconclusive} ({ex.schedules} schedules, {ex.strategy})")
        return ex

    def assert_never(self, scenario: Union[str, Scenario], kind: str, *,
                     policy: PolicyLike = "fifo", strategy: str = "exhaustive",
                     **kw) -> Exploration:
        """No schedule gives ``kind`` (a verdict kind, or a family such as
        ``deadlock``); other hazards may. Fails when one does, and when the
        exploration is inconclusive (it cannot vouch for the schedules it
        did not run)."""
        __tracebackhide__ = True
        out = self._replayed(scenario, policy)
        if out is not None:
            if _matches(out.verdict.kind, kind):
                raise WakebenchFailure(failure_text(out, f"never {kind}", None))
            return explore(scenario, policy, strategy="random", budget=1)
        kw.setdefault("stop_at_first", False)
        ex = explore(scenario, policy, strategy=strategy, **kw)
        hits = {k: n for k, n in ex.outcomes.items() if _matches(k, kind)}
        if hits:
            cx = ex.counterexample
            if cx is not None and _matches(cx.verdict.kind, kind):
                raise WakebenchFailure(failure_text(cx, f"never {kind}", self._save(cx)))
            raise WakebenchFailure(
                f"{ex.scenario} under {ex.policy}: expected never {kind}, got "
                + ", ".join(f"{k} in {n} schedules" for k, n in sorted(hits.items()))
                + f" (of {ex.schedules}; the first hazard found was "
                + f"{cx.verdict.kind if cx else 'none'})")
        if ex.verdict == "inconclusive":
            raise WakebenchFailure(
                f"{ex.scenario} under {ex.policy}: expected never {kind}, the exploration is "
                f"inconclusive: {ex.inconclusive} ({ex.schedules} schedules, {ex.strategy})")
        return ex

    def _replayed(self, scenario: Union[str, Scenario], policy: PolicyLike) -> Optional[Outcome]:
        rf = self._replay
        name = scenario if isinstance(scenario, str) else scenario.name
        pname = policy if isinstance(policy, str) else policy.name
        if rf is None or rf.scenario.name != name or rf.policy != pname:
            return None
        return run(scenario, policy, schedule=rf.schedule)

    def _save(self, out: Outcome) -> Optional[Path]:
        if not out.replayable:
            return None
        test = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.test_id)
        try:
            return replay_files.save(self._save_dir / f"{test}.json", out)
        except (OSError, replay_files.ReplayError):
            return None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wakebench")
    group.addoption("--wakebench-replay", dest="wakebench_replay", default=None, metavar="FILE",
                    help="replay this saved schedule instead of exploring, in wakebench "
                         "assertions on the same scenario and policy")


def pytest_report_header(config: pytest.Config) -> Optional[str]:
    path = config.getoption("wakebench_replay")
    return f"wakebench: replaying {path}" if path else None


_BENCH = pytest.StashKey[Bench]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    bench = item.config.stash.get(_BENCH, None)
    if bench is not None:
        bench.test_id = item.nodeid  # where a failing test's schedule is saved


@pytest.fixture(scope="session")
def wakebench(pytestconfig: pytest.Config) -> Bench:
    """Run and explore scenarios; assertions report explanation, trace and replay command."""
    if _BENCH not in pytestconfig.stash:
        pytestconfig.stash[_BENCH] = Bench(pytestconfig)
    return pytestconfig.stash[_BENCH]

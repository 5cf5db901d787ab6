"""run() and explore(): scenarios in, outcomes out. The work happens in C++
with the GIL released."""

from __future__ import annotations

from typing import Optional, Union

from . import _core
from .outcome import Exploration, Outcome
from .policy import PolicyLike, resolve
from .scenario import Scenario

__all__ = ["run", "explore", "DEFAULT_LIMITS"]

#: Bounds of every run; each stops a run with a ``bound/...`` verdict.
DEFAULT_LIMITS = {
    "max_steps": 5_000_000,
    "max_seconds": 10.0,
    "max_memory": 1 << 30,
    "max_depth": 256,
}


def _scenario(s: Union[str, Scenario]) -> Scenario:
    if isinstance(s, Scenario):
        return s
    if isinstance(s, str):
        from . import catalog
        return catalog.get(s)
    raise TypeError(f"scenario must be a Scenario or a catalog name, got {type(s).__name__}")


def _limits(max_steps: Optional[int], max_seconds: Optional[float], max_memory: Optional[int],
            max_depth: Optional[int]) -> _core.Limits:
    lim = _core.Limits()
    values = {"max_steps": max_steps, "max_seconds": max_seconds, "max_memory": max_memory,
              "max_depth": max_depth}
    caps = {"max_steps": 4_000_000_000, "max_seconds": 24 * 3600.0, "max_memory": 1 << 36,
            "max_depth": 100_000}
    for key, v in values.items():
        if v is None:
            v = DEFAULT_LIMITS[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (
                key != "max_seconds" and not isinstance(v, int)):
            raise TypeError(f"{key}: expected a number, got {v!r}")
        if not 0 < v <= caps[key]:
            raise ValueError(f"{key}: must be in (0, {caps[key]}], got {v!r}")
        setattr(lim, key, v)
    return lim


def run(scenario: Union[str, Scenario], policy: PolicyLike = "fifo", *,
        seed: Optional[int] = None, schedule: Optional[str] = None, trace: bool = True,
        max_steps: Optional[int] = None, max_seconds: Optional[float] = None,
        max_memory: Optional[int] = None, max_depth: Optional[int] = None) -> Outcome:
    """Run a scenario once under a policy.

    With neither ``seed`` nor ``schedule`` the run takes the canonical schedule
    (the first option at every choice point: FIFO queues, declaration order).
    ``seed`` draws every choice at random from that seed; ``schedule`` replays
    a schedule string (``Outcome.schedule``). The same scenario, policy and
    schedule give a byte-identical trace.
    """
    sc = _scenario(scenario)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0
                             or seed >= 1 << 64):
        raise ValueError(f"seed must be an int in [0, 2**64), got {seed!r}")
    if schedule is not None and not isinstance(schedule, str):
        raise TypeError(f"schedule must be a str, got {type(schedule).__name__}")
    raw = _core.run(sc.build(), resolve(policy), seed, schedule, bool(trace),
                    _limits(max_steps, max_seconds, max_memory, max_depth))
    return Outcome(sc.name, raw)


def explore(scenario: Union[str, Scenario], policy: PolicyLike = "fifo", *,
            max_schedules: int = 10_000, stop_at_first: bool = False,
            max_steps: Optional[int] = None, max_seconds: Optional[float] = None,
            max_memory: Optional[int] = None, max_depth: Optional[int] = None) -> Exploration:
    """Enumerate every schedule depth-first (up to ``max_schedules``).

    The counterexample is the first run, in that order, whose verdict is not
    ok; ``complete`` tells whether every schedule was run.
    """
    sc = _scenario(scenario)
    if isinstance(max_schedules, bool) or not isinstance(max_schedules, int) or max_schedules < 1:
        raise ValueError(f"max_schedules must be a positive int, got {max_schedules!r}")
    raw = _core.explore_exhaustive(sc.build(), resolve(policy), max_schedules,
                                   bool(stop_at_first),
                                   _limits(max_steps, max_seconds, max_memory, max_depth))
    cx = Outcome(sc.name, raw.counterexample) if raw.counterexample is not None else None
    name = policy if isinstance(policy, str) else policy.name
    return Exploration(sc.name, name, raw.schedules, raw.complete, dict(raw.outcomes), cx,
                       raw.elapsed_s)

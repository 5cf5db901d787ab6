"""Outcomes of runs and explorations."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

from . import _core, catalog, serialise
from .errors import ArgumentError, check_int
from .scenario import Scenario

__all__ = ["Verdict", "Outcome", "Output", "TraceEvent", "Exploration", "scenario_ref"]


def replay_command(scenario: str, policy: str, schedule: str) -> str:
    """The command line that replays a schedule in the simulator;
    ``scenario`` is a reference the CLI takes (``wakebench.sources``)."""
    return f"wakebench run {shlex.quote(scenario)} --policy {policy} --schedule {schedule}"


def scenario_ref(s: Scenario) -> Optional[str]:
    """How the command line names ``s``: where it was loaded from
    (``origin``), or its name if it is a catalog entry as the catalog builds
    it; None for a scenario built in Python (save a replay file instead:
    ``wakebench.replay.save``, then ``wakebench replay FILE``)."""
    if s.origin is not None:
        return s.origin
    if s.name in catalog.names() and \
            serialise.dumps(catalog.get(s.name).spec) == serialise.dumps(s.spec):
        return s.name
    return None


@dataclass(frozen=True)
class Verdict:
    kind: str         #: "ok", "deadlock/reentrant_lock", ..., "bound/steps"
    explanation: str  #: the lock, the holder, the waiter (or the cycle), the step
    step: int

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    @property
    def inconclusive(self) -> bool:
        """A bound (steps, time, memory, depth) stopped the run."""
        return self.kind.startswith("bound/")

    def __str__(self) -> str:
        return f"{self.kind}: {self.explanation}"


@dataclass(frozen=True)
class Output:
    time: int
    step: int
    text: str


@dataclass(frozen=True)
class TraceEvent:
    step: int
    time: int
    thread: int
    depth: int
    kind: str
    task: str
    subject: str
    detail: str
    text: str


class Outcome:
    """One run: its verdict, its output, its trace and the schedule that replays it."""

    def __init__(self, scenario: Union[str, Scenario], raw: "_core.Outcome",
                 backend: str = "sim") -> None:
        #: the scenario's name
        self.scenario: str = scenario if isinstance(scenario, str) else scenario.name
        #: the Scenario that ran (a replay file embeds it); None if only named
        self.scenario_object: Optional[Scenario] = (None if isinstance(scenario, str)
                                                    else scenario)
        #: "sim" (virtual time, ms) or "libev" (a real loop; wall-clock microseconds)
        self.backend = backend
        self.time_unit = "ms" if backend == "sim" else "us"
        self._raw = raw
        self.policy: str = raw.policy
        self.verdict = Verdict(raw.verdict, raw.explanation, raw.step)
        #: the choices that replay the run in the simulator; None for a real
        #: run (libev), which no schedule reproduces
        self.schedule: Optional[str] = raw.schedule if backend == "sim" else None
        #: the trace hit max_trace and was cut; the run (and its verdict) went on
        self.trace_truncated: bool = raw.trace_truncated
        self.stats: Dict[str, float] = raw.stats
        self.output: List[Output] = [Output(*o) for o in raw.output]
        self._trace: Optional[List[TraceEvent]] = None

    @property
    def explanation(self) -> str:
        return self.verdict.explanation

    @property
    def trace(self) -> List[TraceEvent]:
        if self._trace is None:
            self._trace = [
                TraceEvent(r.step, r.time, r.thread, r.depth, r.kind, r.task, r.subject,
                           r.detail, r.text)
                for r in self._raw.trace()
            ]
        return self._trace

    @property
    def trace_text(self) -> str:
        return self._raw.trace_text()

    def window(self, step: Optional[int] = None, before: int = 10,
               after: int = 3) -> List[TraceEvent]:
        """The trace around ``step`` (default: the verdict's, where a hazard
        was found): every event of that step (or of the nearest step the
        trace has), the ``before`` events before them and the ``after``
        events after them."""
        lo, hi = self.window_bounds(step, before, after)
        return self.trace[lo:hi]

    def window_bounds(self, step: Optional[int] = None, before: int = 10,
                      after: int = 3) -> "tuple[int, int]":
        """``window()`` as positions in ``trace``: the events ``trace[lo:hi]``."""
        step = self.verdict.step if step is None else check_int(step, "step", 0,
                                                                error=ArgumentError)
        check_int(before, "before", 0, error=ArgumentError)
        check_int(after, "after", 0, error=ArgumentError)
        events = self.trace
        if not events:
            return 0, 0
        nearest = min(events, key=lambda e: abs(e.step - step)).step
        at = [i for i, e in enumerate(events) if e.step == nearest]
        return max(0, at[0] - before), min(len(events), at[-1] + after + 1)

    @property
    def choices(self) -> list:
        return self._raw.choices

    @property
    def replayable(self) -> bool:
        """A simulated run replays from its schedule; a real one (libev) does not."""
        return self.schedule is not None

    def replay_command(self) -> Optional[str]:
        """The command that replays this run: ``wakebench run REF --policy P
        --schedule S``, REF naming the scenario as the command line does (a
        catalog name, the file it was loaded from). None for a scenario
        built in Python, which no command line names: save the run
        (``wakebench.replay.save(path, outcome)``, the scenario embedded)
        and ``wakebench replay FILE``; and None for a real run (libev):
        ``wakebench run ... --backend libev --repeat N`` counts the verdicts
        of N new real runs instead."""
        if self.schedule is None:
            return None
        ref = (self.scenario if self.scenario_object is None
               else scenario_ref(self.scenario_object))
        return None if ref is None else replay_command(ref, self.policy, self.schedule)

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "policy": self.policy,
            "backend": self.backend,
            "time_unit": self.time_unit,
            "verdict": self.verdict.kind,
            "explanation": self.verdict.explanation,
            "step": self.verdict.step,
            "schedule": self.schedule,
            "replay": self.replay_command(),
            "output": [o.text for o in self.output],
            "stats": self.stats,
            "trace": [t.text for t in self.trace],
        }

    def __repr__(self) -> str:
        return f"<Outcome {self.scenario} under {self.policy}: {self.verdict.kind}>"


@dataclass
class Exploration:
    """What an exploration found: counts, outcomes and the minimised counterexample.

    ``verdict`` is the counterexample's kind when one was found; else "ok"
    only when the search was complete (every schedule, within the deviation
    bound if one was given) and no run stopped at a bound; else
    "inconclusive", and ``inconclusive`` says why."""

    scenario: str
    policy: str
    strategy: str
    schedules: int             #: schedules run to a verdict
    pruned: int                #: exhaustive: branches cut (sleep sets, the state cache, the bound)
    states: int                #: exhaustive: distinct states at choice points
    complete: bool             #: every schedule (within the bound) covered
    outcomes: Dict[str, int]   #: verdict kind -> schedules
    counterexample: Optional[Outcome]
    found_schedule: Optional[str]  #: the counterexample before minimisation
    elapsed_s: float
    interrupted: bool = False  #: Ctrl-C stopped it: a partial summary
    distinct: int = 0          #: schedules no earlier run took
    bound: Optional[int] = None  #: exhaustive: the deviation bound, if one was given
    deviation_cut: bool = False  #: the deviation bound left schedules out
    budget: int = 0            #: the schedule budget it was given
    revisits: int = 0          #: exhaustive: branches cut by the visited-state cache
    #: The model's own bounds the search covered everything within (an "ok"
    #: holds within them): spurious wake-ups, the deviation bound.
    within: Tuple[str, ...] = ()

    @property
    def inconclusive(self) -> Optional[str]:
        """Why no verdict can be claimed (None: there is one). Without a
        counterexample: a run stopped at a bound; or the search stopped
        before the space was exhausted (Ctrl-C, the schedule budget, the
        time budget); or the deviation bound left schedules out."""
        if self.counterexample is not None:
            return None
        bounds = sorted(k for k in self.outcomes if k.startswith("bound/"))
        if bounds:
            return ", ".join(f"{k} in {self.outcomes[k]} run(s)" for k in bounds)
        if self.interrupted:
            return "interrupted (Ctrl-C) before every schedule was run"
        if not self.complete:
            if self.budget and self.schedules + self.pruned >= self.budget:
                return (f"the budget of {self.budget} schedules ran out before every schedule "
                        "was run")
            return "the time budget (max_seconds_total) ran out before every schedule was run"
        if self.deviation_cut:
            return f"the deviation bound {self.bound} left schedules out"
        return None

    @property
    def verdict(self) -> str:
        """The counterexample's kind; "ok" when the search was complete and
        every run ended ok; else "inconclusive" (see ``inconclusive``)."""
        if self.counterexample is not None:
            return self.counterexample.verdict.kind
        return "ok" if self.inconclusive is None else "inconclusive"

    @property
    def rate(self) -> float:
        return self.schedules / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "policy": self.policy,
            "strategy": self.strategy,
            "verdict": self.verdict,
            "schedules": self.schedules,
            "pruned": self.pruned,
            "states": self.states,
            "complete": self.complete,
            "inconclusive": self.inconclusive,
            "distinct": self.distinct,
            "bound": self.bound,
            "deviation_cut": self.deviation_cut,
            "within": list(self.within),
            "interrupted": self.interrupted,
            "elapsed_s": self.elapsed_s,
            "rate": self.rate,
            "outcomes": dict(self.outcomes),
            "found_schedule": self.found_schedule,
            "counterexample": self.counterexample.to_dict() if self.counterexample else None,
        }

"""Outcomes of runs and explorations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from . import _core

__all__ = ["Verdict", "Outcome", "Output", "TraceEvent", "Exploration"]


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

    def __init__(self, scenario: str, raw: "_core.Outcome") -> None:
        self.scenario = scenario
        self._raw = raw
        self.policy: str = raw.policy
        self.verdict = Verdict(raw.verdict, raw.explanation, raw.step)
        self.schedule: str = raw.schedule
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

    @property
    def choices(self) -> list:
        return self._raw.choices

    def replay_command(self) -> str:
        return (f"wakebench run {self.scenario} --policy {self.policy} "
                f"--schedule {self.schedule}")

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "policy": self.policy,
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
    scenario: str
    policy: str
    schedules: int
    complete: bool
    outcomes: Dict[str, int]
    counterexample: Optional[Outcome]
    elapsed_s: float
    extra: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """The counterexample's kind, or "ok" when every explored run was ok."""
        return self.counterexample.verdict.kind if self.counterexample else "ok"

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "policy": self.policy,
            "verdict": self.verdict,
            "schedules": self.schedules,
            "complete": self.complete,
            "outcomes": dict(self.outcomes),
            "elapsed_s": self.elapsed_s,
            "counterexample": self.counterexample.to_dict() if self.counterexample else None,
        }

"""The policy matrix: every catalog entry explored under every policy.

A cell is the verdict of the first non-ok run found by exhaustive
exploration (depth-first over every choice point), or "ok" when every
schedule was ok. Each non-ok cell carries the schedule that replays it.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

from . import catalog
from .api import explore
from .policy import builtin_policies

__all__ = ["Cell", "compute", "render_text"]


@dataclass(frozen=True)
class Cell:
    scenario: str
    policy: str
    verdict: str
    schedules: int
    states: int
    complete: bool
    schedule: Optional[str]  #: replays the counterexample
    outcomes: dict

    @property
    def replay(self) -> Optional[str]:
        if self.schedule is None:
            return None
        return f"wakebench run {self.scenario} --policy {self.policy} --schedule {self.schedule}"

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "policy": self.policy, "verdict": self.verdict,
                "schedules": self.schedules, "states": self.states, "complete": self.complete,
                "schedule": self.schedule, "replay": self.replay, "outcomes": self.outcomes}


def compute(scenarios: Optional[Sequence[str]] = None, policies: Optional[Sequence[str]] = None,
            *, budget: int = 10_000,
            progress: Optional[Callable[[int, int, str], None]] = None) -> List[Cell]:
    scenarios = list(scenarios) if scenarios is not None else catalog.names()
    policies = list(policies) if policies is not None else builtin_policies()
    cells: List[Cell] = []
    total = len(scenarios) * len(policies)
    for name in scenarios:
        sc = catalog.get(name)
        for p in policies:
            if progress:
                progress(len(cells), total, f"{name} / {p}")
            ex = explore(sc, p, strategy="exhaustive", budget=budget)
            cx = ex.counterexample
            cells.append(Cell(name, p, ex.verdict, ex.schedules, ex.states, ex.complete,
                              cx.schedule if cx else None, dict(ex.outcomes)))
    if progress:
        progress(total, total, "done")
    return cells


def _short(kind: str) -> str:
    return kind.split("/", 1)[-1]


def render_text(cells: List[Cell]) -> str:
    """A Markdown table: scenarios as rows, policies as columns."""
    scenarios = list(dict.fromkeys(c.scenario for c in cells))
    policies = list(dict.fromkeys(c.policy for c in cells))
    by = {(c.scenario, c.policy): c for c in cells}
    rows = [["scenario", *policies]]
    for s in scenarios:
        row = [s]
        for p in policies:
            c = by[(s, p)]
            row.append(_short(c.verdict) + ("" if c.complete or c.schedule else "*"))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for i, r in enumerate(rows):
        out.append("| " + " | ".join(x.ljust(w) for x, w in zip(r, widths)) + " |")
        if i == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    if any(not c.complete and not c.schedule for c in cells):
        out.append("* exploration budget exhausted before every schedule was run")
    return "\n".join(out)


class ProgressBar:
    """A one-line progress bar on stderr, shown only on a terminal."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream = stream
        self.enabled = hasattr(stream, "isatty") and stream.isatty()
        self.t0 = time.monotonic()

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} {label[:40]:<40}")
        if done == total:
            self.stream.write(f"\r{' ' * (width + 60)}\r")
        self.stream.flush()

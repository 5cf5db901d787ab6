"""Outcomes as pandas DataFrames (needs the ``notebook`` extra).

    from wakebench.frames import trace_frame, window_frame
    out = wb.run("h2-drop-wake-nested", "ngx_inline")
    df = trace_frame(out)
    df[df.kind == "wake"]
    window_frame(out)          # the events around the step of the verdict
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import TYPE_CHECKING, List, Optional

from ._optional import require
from .outcome import Outcome, TraceEvent

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .matrix import Cell

__all__ = ["TRACE_COLUMNS", "trace_frame", "window_frame", "matrix_frame"]

#: step, time, thread, depth, kind, task, subject, detail, text
TRACE_COLUMNS = tuple(f.name for f in fields(TraceEvent))


def trace_frame(outcome: Outcome) -> "pandas.DataFrame":
    """The outcome's trace, one row per event, one column per TraceEvent field.

    ``df.attrs`` carries the scenario, policy, verdict and schedule.
    """
    pd = require("pandas", "trace_frame()")
    row = attrgetter(*TRACE_COLUMNS)
    df = pd.DataFrame([row(e) for e in outcome.trace], columns=list(TRACE_COLUMNS))
    df.attrs.update(scenario=outcome.scenario, policy=outcome.policy,
                    verdict=outcome.verdict.kind, schedule=outcome.schedule)
    return df


def window_frame(outcome: Outcome, step: Optional[int] = None, before: int = 10,
                 after: int = 3) -> "pandas.DataFrame":
    """The trace around ``step`` (default: the verdict's), as ``trace_frame``
    rows (``Outcome.window``): every event of that step, the ``before``
    events before them and the ``after`` after. The index is each event's
    position in the whole trace; ``df.attrs["step"]`` is the step it is
    centred on, ``df.attrs["events"]`` the trace's length."""
    pd = require("pandas", "window_frame()")
    lo, hi = outcome.window_bounds(step, before, after)
    row = attrgetter(*TRACE_COLUMNS)
    df = pd.DataFrame([row(e) for e in outcome.trace[lo:hi]], columns=list(TRACE_COLUMNS),
                      index=pd.RangeIndex(lo, hi, name="event"))
    df.attrs.update(scenario=outcome.scenario, policy=outcome.policy,
                    verdict=outcome.verdict.kind, schedule=outcome.schedule,
                    step=outcome.verdict.step if step is None else step,
                    events=len(outcome.trace))
    return df


def matrix_frame(cells: List["Cell"]) -> "pandas.DataFrame":
    """A policy matrix (``wakebench.matrix.compute()``) as a table of verdicts:
    scenarios as rows, policies as columns, in the order computed."""
    pd = require("pandas", "matrix_frame()")
    df = pd.DataFrame([c.to_dict() for c in cells], columns=["scenario", "policy", "verdict"])
    table = df.pivot(index="scenario", columns="policy", values="verdict")
    return table.reindex(index=list(dict.fromkeys(df.scenario)),
                         columns=list(dict.fromkeys(df.policy)))

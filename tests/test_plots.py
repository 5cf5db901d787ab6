"""The trace as a DataFrame and the timeline plot."""

import sys

import pytest

import wakebench as wb

# Installed by the test extra (scripts/test.sh): a missing one is a failure, not a skip.
import matplotlib  # noqa: E402
import pandas as pd  # noqa: E402
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from wakebench import frames, matrix, plot  # noqa: E402

COLUMNS = ["step", "time", "thread", "depth", "kind", "task", "subject", "detail", "text"]


@pytest.fixture(scope="module")
def counterexample():
    ex = wb.explore("h2-drop-wake-nested", "ngx_inline", strategy="exhaustive")
    assert ex.counterexample is not None
    return ex.counterexample


@pytest.fixture
def axes_of():
    """Draw a timeline and close its figure afterwards."""
    drawn = []

    def draw(outcome, **kw):
        ax = plot.timeline(outcome, **kw)
        drawn.append(ax.figure)
        return ax

    yield draw
    for fig in drawn:
        plt.close(fig)


def tasks_of(outcome):
    return {e.task for e in outcome.trace if e.task}


def test_trace_frame_has_one_row_per_event():
    out = wb.run("h2-drop-wake-nested", "ngx_inline")
    df = frames.trace_frame(out)
    assert list(df.columns) == COLUMNS
    assert len(df) == len(out.trace) > 0
    assert df.step.tolist() == [e.step for e in out.trace]
    assert df[df.kind == "wake"].detail.tolist()[-1] == "drop_hook -> inline"
    assert df.attrs["verdict"] == "deadlock/reentrant_lock"


def test_trace_frame_without_pandas_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install wakebench\[notebook\]"):
        frames.trace_frame(wb.run("h2-drop-wake-nested", "fifo"))


def test_matrix_frame_is_scenarios_by_policies():
    cells = matrix.compute(["h2-drop-wake-nested", "h2-drop-wake-cleanup"],
                              ["ngx_inline", "ngx_posted"])
    table = frames.matrix_frame(cells)
    assert table.index.tolist() == ["h2-drop-wake-nested", "h2-drop-wake-cleanup"]
    assert table.columns.tolist() == ["ngx_inline", "ngx_posted"]
    assert table.loc["h2-drop-wake-cleanup", "ngx_inline"] == "deadlock/reentrant_lock"


def test_timeline_of_the_drop_wake_counterexample(counterexample, axes_of):
    ax = axes_of(counterexample)
    assert isinstance(ax, Axes)
    lanes = [t.get_text() for t in ax.get_yticklabels()]
    for task in tasks_of(counterexample):
        assert lanes.count(task) == 1, lanes
    assert len(lanes) == len(set(lanes))
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "wake"]
    assert arrows
    assert "deadlock/reentrant_lock" in ax.get_title()


def test_layout_of_the_drop_wake_counterexample(counterexample):
    tl = plot.layout(counterexample)
    # the drop hook, running inside req's poll, wakes conn, which is polled inline, nested
    drop_wake = [w for w in tl.wakes if w.context == "drop_hook"]
    assert [(w.source, w.target, w.action) for w in drop_wake] == [("req", "conn", "inline")]
    nested = [s for s in tl.polls if s.level > 0]
    assert [(s.lane, s.open) for s in nested] == [("conn", True)]
    # the lock the drop hook took is still held when the thread blocks on it
    assert any(h.subject == "inner" and h.open for h in tl.locks)
    assert [m.kind for m in tl.marks] == ["lock_blocked"]


def test_cleanup_handler_wakes_from_the_handlers_lane(axes_of):
    out = wb.run("h2-drop-wake-cleanup", "ngx_defer_nested")
    tl = plot.layout(out)
    assert [(w.source, w.target) for w in tl.wakes if w.context == "drop_hook"] == \
        [("(handlers)", "conn")]
    ax = axes_of(out)
    assert [t.get_text() for t in ax.get_yticklabels()] == tl.lanes


def test_timeline_of_an_ok_run_draws_on_a_given_axes(axes_of):
    out = wb.run("hyper-pool-drop-wake", "ngx_posted")
    fig, given = plt.subplots()
    try:
        assert axes_of(out, ax=given) is given
        tl = plot.layout(out)
        assert all(not s.open for s in tl.polls) and all(not h.open for h in tl.locks)
        assert {w.action for w in tl.wakes} == {"posted"}
        assert given.get_title().endswith(": ok")
    finally:
        plt.close(fig)

"""The trace as a DataFrame and the timeline plot."""

import sys

import pytest

import wakebench as wb
from wakebench import ops

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


# -- the time axis, never-polled lanes, labels inside, the legend -----------

def texts(ax):
    return [t.get_text() for t in ax.texts]


def legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_the_step_axis_has_the_time_reached_above_it(axes_of):
    out = wb.explore("futurelock-select", "fifo").counterexample
    ax = axes_of(out)
    assert ax.get_xlabel() == "trace step"
    (top,) = [c for c in ax.child_axes if c.get_xlabel().startswith("virtual time (ms)")]
    ticks = {int(round(p)): t.get_text() for p, t in zip(top.get_xticks(),
                                                          top.get_xticklabels())}
    # each tick stands at the first step of a new time, labelled with that time
    first = {}
    for e in out.trace:
        first.setdefault(e.time, e.step)
    assert ticks == {step: str(t) for t, step in first.items()}
    assert set(ticks.values()) == {"0", "100", "600", "5000"}


def test_the_time_axis_puts_each_event_at_its_time(axes_of):
    out = wb.explore("futurelock-select", "fifo").counterexample
    ax = axes_of(out, x="time")
    assert ax.get_xlabel() == "virtual time (ms)"
    time_of = {e.step: e.time for e in reversed(out.trace)}  # a step's first event
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "wake"]
    tl = plot.layout(out)
    assert sorted(a._posA_posB[0][0] for a in arrows) == sorted(time_of[w.step] for w in tl.wakes)
    lo, hi = ax.get_xlim()
    assert lo < 0 and hi > 5000
    with pytest.raises(ValueError, match="x must be one of step, time"):
        plot.timeline(out, x="steps")


def test_a_libev_run_is_drawn_in_microseconds(axes_of):
    out = wb.run("h2-drop-wake-nested", "fifo", backend="libev")
    assert out.time_unit == "us"
    assert axes_of(out, x="time").get_xlabel() == "wall-clock time (µs, libev)"
    top = [c for c in axes_of(out).child_axes if "µs" in c.get_xlabel()]
    assert len(top) == 1


def test_futures_never_polled_have_lanes(axes_of):
    out = wb.explore("buffered-stream", "fifo").counterexample
    tl = plot.layout(out)
    declared = [f.name for f in out.scenario_object.spec.futures]
    polled = {s.lane for s in tl.polls}
    assert "A" in polled and tl.unpolled == [f for f in declared if f not in polled]
    assert "B" in tl.unpolled  # the future A waits for, still in the stream's queue
    assert set(tl.unpolled) <= set(tl.lanes)
    ax = axes_of(out)
    lanes = {t.get_text(): t for t in ax.get_yticklabels()}
    assert lanes["B"].get_fontstyle() == "italic" and lanes["A"].get_fontstyle() == "normal"
    dotted = [ln for ln in ax.lines if ln.get_gid() == "never_polled"]
    assert len(dotted) == len(tl.unpolled)
    assert "never polled" in legend_labels(ax)


def test_a_task_spawned_but_never_polled_is_marked():
    s = wb.Scenario("late")
    m = s.mutex("m")
    s.task("main", [m.lock(), m.lock(), m.unlock(), m.unlock()])  # re-entrant: the run
    # stops in main's first poll, 'other' spawned but never polled
    s.task("other", [ops.print("never")])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "deadlock/reentrant_lock"
    assert plot.layout(out).unpolled == ["other"]


@pytest.mark.parametrize("name,policy", [("h2-drop-wake-nested", "ngx_inline"),
                                         ("futurelock-select", "fifo"),
                                         ("sidecar-thread-wake", "ngx_inline")])
@pytest.mark.parametrize("x", ["step", "time"])
def test_no_label_is_clipped_or_outside_the_axes(name, policy, x, axes_of, tmp_path):
    out = wb.explore(name, policy).counterexample
    ax = axes_of(out, x=x)
    fig = ax.figure
    fig.savefig(tmp_path / "t.png")  # Agg, as a notebook or a script would
    assert (tmp_path / "t.png").stat().st_size > 0
    box = ax.get_window_extent()
    assert ax.texts
    for t in ax.texts:
        assert not t.get_clip_on(), t.get_text()
        ext = t.get_window_extent()
        assert box.x0 - 0.5 <= ext.x0 and ext.x1 <= box.x1 + 0.5, t.get_text()
        assert box.y0 - 0.5 <= ext.y0 and ext.y1 <= box.y1 + 0.5, t.get_text()
    # and the lane names, the legend and the title are inside the figure
    fig_box = fig.bbox
    for artist in [ax.get_legend(), ax.title, *ax.get_yticklabels()]:
        ext = artist.get_window_extent()
        assert fig_box.x0 <= ext.x0 and ext.x1 <= fig_box.x1 + 0.5, artist
        assert fig_box.y0 <= ext.y0 and ext.y1 <= fig_box.y1 + 0.5, artist


def two_locks_and_a_posted_wake():
    s = wb.Scenario("two-locks")
    a, b = s.mutex("a"), s.mutex("b")
    q = s.wait_queue("q")
    n = s.counter("n")
    s.task("waiter", [ops.wait_until(q, n == 1), a.lock(), a.unlock()])
    s.task("setter", [a.lock(), b.lock(), n.add(1), q.wake(), b.unlock(), a.unlock()])
    return s


def test_the_legend_names_each_lock_colour_and_each_wake_style(axes_of):
    out = wb.run(two_locks_and_a_posted_wake(), "ngx_posted")
    ax = axes_of(out)
    labels = legend_labels(ax)
    assert "lock 'a' held" in labels and "lock 'b' held" in labels
    handles = dict(zip(labels, ax.get_legend().legend_handles))
    bars = {}  # lock name -> the colour of its hold bars
    for t in ax.texts:
        if t.get_text().startswith("lock '"):
            bars[t.get_text()[6:-1]] = t.get_color()
    assert set(bars) == {"a", "b"} and bars["a"] != bars["b"]
    for name, colour in bars.items():
        assert matplotlib.colors.same_color(handles[f"lock '{name}' held"].get_facecolor(), colour)
    assert "deferred: posted" in labels and "polled inline" not in labels
    assert handles["deferred: posted"].get_linestyle() == "--"


def test_inline_and_deferred_wakes_are_told_apart():
    inline = plot.layout(wb.run("h2-drop-wake-nested", "ngx_inline"))
    assert ("-", "polled inline") in {plot.wake_style(w.action) for w in inline.wakes}
    assert plot.wake_style("run_queue") == ("--", "deferred: run_queue")
    assert plot.wake_style("posted_next (woken while running)") == ("--", "deferred: posted_next")
    assert plot.wake_style("coalesced")[0] == ":" and plot.wake_style("ignored")[0] == ":"


def test_window_frame_is_the_trace_around_the_failing_step():
    cx = wb.explore("futurelock-select", "fifo").counterexample
    step = cx.verdict.step
    df = frames.window_frame(cx, before=4, after=2)
    assert list(df.columns) == COLUMNS and df.index.name == "event"
    at = [i for i, e in enumerate(cx.trace) if e.step == step]
    assert df.index.tolist() == list(range(max(0, at[0] - 4), min(len(cx.trace), at[-1] + 3)))
    assert step in df.step.tolist() and df.attrs["step"] == step
    assert df.attrs["events"] == len(cx.trace) and df.attrs["verdict"] == "deadlock/futurelock"
    # the same rows as the whole frame has there
    whole = frames.trace_frame(cx)
    assert df.equals(whole.loc[df.index].rename_axis("event"))


def test_window_is_around_any_step_and_the_nearest_one_the_trace_has():
    out = wb.run("h2-drop-wake-nested", "ngx_inline")
    events = out.trace
    assert out.window(step=events[0].step, before=0, after=0) == \
        [e for e in events if e.step == events[0].step]
    # a step with no event: the nearest step that has one
    steps = sorted({e.step for e in events})
    gap = next((a + 1 for a, b in zip(steps, steps[1:]) if b - a > 1), None)
    if gap is not None:
        near = min(steps, key=lambda s: abs(s - gap))
        assert {e.step for e in out.window(gap, before=0, after=0)} == {near}
    assert out.window(10**6, before=2, after=5)[-1] is events[-1]
    with pytest.raises(wb.ArgumentError, match="before: must be in"):
        out.window(before=-1)

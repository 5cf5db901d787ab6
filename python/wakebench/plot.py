"""Timeline plots of outcomes (needs the ``notebook`` extra).

    import wakebench as wb
    from wakebench.plot import timeline
    cx = wb.explore("h2-drop-wake-nested", "ngx_inline").counterexample
    ax = timeline(cx)              # x: the trace step, the time on top
    ax = timeline(cx, x="time")    # x: virtual ms (a libev run: wall-clock us)

Tasks are horizontal lanes (plus one lane per thread for what runs outside
any poll: startup, event and cleanup handlers, drop hooks called from
them); a task or future of the scenario that was never polled has a lane
too, greyed, its name in italics (a Buffered stream's queued futures,
a select! branch that lost). A poll is a span from ``poll`` to its
``poll_end``; a poll started while another is on the same stack (inline) is
drawn thinner and labelled. A wake is an arrow from the waker's lane (the
task being polled at that moment, or the handlers lane) to the woken task's
lane, coloured by the wake context (``spawn``, ``drop_hook``...), solid when
the policy polled inline, dashed when it deferred (to the run queue, the
posted or posted-next events), dotted when it did nothing (already
queued, the task finished); a task's wake of itself drops onto its lane. A lock hold is a
thin bar under the holder's lane, one colour per lock, from ``lock`` to
``unlock``; an X marks a thread blocking on a lock, or a task waiting for
one. Spans still open when the trace ends are dashed. The legend names
each lock's colour and each wake style drawn. The x axis is the trace step
(the time the trace had reached on a second axis above), or the time; the
title is the verdict, the dotted line its step.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional

from ._optional import require
from .outcome import Outcome, TraceEvent

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["timeline", "layout", "Timeline", "Span", "Hold", "Wake", "Mark", "WAKE_COLOURS",
           "wake_style", "X_AXES"]

#: The colour of a wake arrow, by wake context (the part of a wake's detail before " -> ").
WAKE_COLOURS = {
    "spawn": "tab:gray",
    "own_poll": "tab:blue",
    "task_poll": "tab:green",
    "drop_hook": "tab:red",
    "event_handler": "tab:orange",
    "cleanup_handler": "tab:purple",
    "foreign_thread": "tab:cyan",
}
#: What timeline(x=...) takes: the trace step or the time.
X_AXES = ("step", "time")
_OTHER_COLOURS = ("tab:brown", "tab:pink", "tab:olive")
_LOCK_COLOURS = ("#8c564b", "#bcbd22", "#17becf", "#e377c2", "#7f7f7f")
_POLL_COLOUR = "#4c72b0"
_HANDLER_COLOUR = "#d9d9d9"
_UNPOLLED_COLOUR = "#9e9e9e"
_HANDLERS_LANE = "(handlers)"
#: A wake that did nothing: the task was already queued, or had finished.
_NO_EFFECT = ("coalesced", "ignored")


@dataclass
class Span:
    """A poll (or a handler) on a lane, from step ``start`` to ``end``."""
    lane: str
    start: int
    end: int = 0
    level: int = 0      #: polls already on the thread's stack when it began (0: not nested)
    label: str = ""     #: the poll's entry ("inline from drop_hook") or the handler's name
    open: bool = False  #: still running when the trace ends


@dataclass
class Hold:
    """A lock held by the frame drawn on ``lane``, from ``lock`` to ``unlock``."""
    lane: str
    subject: str
    start: int
    end: int = 0
    open: bool = False


@dataclass
class Wake:
    """A wake at ``step`` from the waker's lane to the woken task's lane."""
    step: int
    source: str
    target: str
    context: str  #: spawn, drop_hook, task_poll...
    #: inline, posted, posted_next, run_queue... (a task woken while being
    #: polled: "... (woken while running)", scheduled when its poll returned
    #: Pending); coalesced, ignored: nothing queued
    action: str


@dataclass
class Mark:
    """A point event on a lane: a thread blocking on a lock, a task waiting for one."""
    step: int
    lane: str
    kind: str
    subject: str


@dataclass
class Timeline:
    """What timeline() draws, laid out from an outcome's trace."""
    lanes: List[str] = field(default_factory=list)
    polls: List[Span] = field(default_factory=list)
    handlers: List[Span] = field(default_factory=list)
    locks: List[Hold] = field(default_factory=list)
    wakes: List[Wake] = field(default_factory=list)
    marks: List[Mark] = field(default_factory=list)
    end: int = 1  #: one past the last step
    #: the tasks and futures of the scenario that were never polled, each a lane
    unpolled: List[str] = field(default_factory=list)
    #: step -> the time of its first event (virtual ms; a libev run: wall-clock us)
    times: Dict[int, int] = field(default_factory=dict)
    time_unit: str = "ms"

    def time_at(self, step: float) -> float:
        """The time a step happened (a step with no event: the last one before it)."""
        steps = sorted(self.times)
        if not steps:
            return 0.0
        i = bisect.bisect_right(steps, step) - 1
        return float(self.times[steps[max(i, 0)]])


class _Layout:
    """Walks a trace once, keeping each thread's stack of polls, and fills a Timeline."""

    def __init__(self) -> None:
        self.tl = Timeline()
        self.stacks: Dict[int, List[Span]] = defaultdict(list)
        self.open_handlers: Dict[int, Span] = {}
        self.open_locks: Dict[str, Hold] = {}

    def lane(self, name: str) -> str:
        if name not in self.tl.lanes:
            self.tl.lanes.append(name)
        return name

    def handlers_lane(self, thread: int) -> str:
        return self.lane(_HANDLERS_LANE if thread == 0 else f"(thread {thread})")

    def current(self, e: TraceEvent) -> str:
        """The lane of the frame running ``e``: the innermost poll, else the handlers lane."""
        stack = self.stacks[e.thread]
        return stack[-1].lane if stack else self.handlers_lane(e.thread)

    def holder(self, e: TraceEvent) -> str:
        """The lane an event's task names, else the running frame's."""
        return self.lane(e.task) if e.task else self.current(e)

    def on_poll(self, e: TraceEvent) -> None:
        stack = self.stacks[e.thread]
        stack.append(Span(self.lane(e.task), e.step, level=len(stack), label=e.detail))

    def on_poll_end(self, e: TraceEvent) -> None:
        stack = self.stacks[e.thread]
        for i in range(len(stack) - 1, -1, -1):
            if stack[i].lane == e.task:
                span = stack.pop(i)
                span.end = e.step
                self.tl.polls.append(span)
                return

    def on_handler_begin(self, e: TraceEvent) -> None:
        self.open_handlers[e.thread] = Span(self.handlers_lane(e.thread), e.step, label=e.subject)

    def on_handler_end(self, e: TraceEvent) -> None:
        span = self.open_handlers.pop(e.thread, None)
        if span is not None:
            span.end = e.step
            self.tl.handlers.append(span)

    def on_wake(self, e: TraceEvent) -> None:
        context, _, action = e.detail.partition(" -> ")
        target = self.lane(e.task)
        # a task's wake of itself is scheduled once its poll has ended: its own lane
        source = target if context == "own_poll" else self.current(e)
        self.tl.wakes.append(Wake(e.step, source, target, context,
                                  action or e.kind.replace("wake_", "")))

    def on_lock(self, e: TraceEvent) -> None:
        self.release(e.subject, e.step)
        self.open_locks[e.subject] = Hold(self.holder(e), e.subject, e.step)

    def on_unlock(self, e: TraceEvent) -> None:
        self.release(e.subject, e.step)

    def release(self, subject: str, step: int) -> None:
        hold = self.open_locks.pop(subject, None)
        if hold is not None:
            hold.end = step
            self.tl.locks.append(hold)

    def on_mark(self, e: TraceEvent) -> None:
        self.tl.marks.append(Mark(e.step, self.holder(e), e.kind, e.subject))

    def on_other(self, e: TraceEvent) -> None:
        if e.task:
            self.lane(e.task)

    DISPATCH = {  # trace event kind -> what it adds to the timeline
        "poll": on_poll, "poll_end": on_poll_end,
        "handler_begin": on_handler_begin, "handler_end": on_handler_end,
        "wake": on_wake, "wake_coalesced": on_wake, "wake_ignored": on_wake,
        "lock": on_lock, "lock_handoff": on_lock, "unlock": on_unlock,
        "lock_blocked": on_mark, "lock_wait": on_mark,
    }

    def finish(self, end: int) -> Timeline:
        """Close what the trace left open (a deadlock stops mid-poll) at ``end``."""
        self.tl.end = end
        still_open: List[Span] = [s for st in self.stacks.values() for s in st]
        for s in still_open + list(self.open_handlers.values()):
            s.end, s.open = end, True
        for h in self.open_locks.values():
            h.end, h.open = end, True
        self.tl.polls += still_open
        self.tl.handlers += list(self.open_handlers.values())
        self.tl.locks += list(self.open_locks.values())
        return self.tl

    def never_polled(self, outcome: Outcome) -> None:
        """Mark the lanes of tasks that were spawned but never polled, and add
        one for each future of the scenario that was never polled (its
        owner never got to it: a Buffered stream's queue, a lost select!)."""
        polled = {s.lane for s in self.tl.polls}
        handlers = {s.lane for s in self.tl.handlers} | {_HANDLERS_LANE}
        sc = outcome.scenario_object
        futures = [f.name for f in sc.spec.futures] if sc is not None else []
        for name in self.tl.lanes + futures:
            if name not in polled and name not in handlers and not name.startswith("(thread "):
                self.tl.unpolled.append(self.lane(name))
        self.tl.unpolled = list(dict.fromkeys(self.tl.unpolled))


def layout(outcome: Outcome) -> Timeline:
    """The lanes, spans, lock holds, wakes, marks, never-polled lanes and
    step times of an outcome's trace."""
    walk = _Layout()
    for e in outcome.trace:
        walk.DISPATCH.get(e.kind, _Layout.on_other)(walk, e)
        walk.tl.times.setdefault(e.step, e.time)
    tl = walk.finish(outcome.trace[-1].step + 1 if outcome.trace else 1)
    walk.never_polled(outcome)
    tl.time_unit = outcome.time_unit
    return tl


def wake_colour(context: str) -> str:
    """The colour of a wake context; unknown contexts get a stable spare colour."""
    if context in WAKE_COLOURS:
        return WAKE_COLOURS[context]
    return _OTHER_COLOURS[sum(map(ord, context)) % len(_OTHER_COLOURS)]


def wake_style(action: str) -> tuple:
    """(line style, legend label) of a wake by what the policy did with it:
    solid: polled inline; dashed: deferred (queued; for a task woken while
    being polled, when its poll returned); dotted: nothing queued."""
    action = action.split(" (", 1)[0]  # "run_queue (woken while running)"
    if action == "inline":
        return "-", "polled inline"
    if action in _NO_EFFECT:
        return ":", "no effect (already queued / finished)"
    return "--", f"deferred: {action}"


class _X:
    """Where a step goes on the x axis: the step itself, or its time."""

    def __init__(self, tl: Timeline, axis: str) -> None:
        self.by_time = axis == "time"
        self.steps = sorted(tl.times)
        self.times = [float(tl.times[s]) for s in self.steps]
        first = self.steps[0] if self.steps else 0
        self.lo, self.hi = self(first), self(tl.end)
        #: the narrowest box drawn, and a small gap for labels, in data units
        self.min_width = 0.5 if not self.by_time else max(self.hi - self.lo, 1.0) * 0.006
        self.gap = 0.15 if not self.by_time else self.min_width / 2

    def __call__(self, step: float) -> float:
        if not self.by_time:
            return float(step)
        if not self.steps:
            return 0.0
        return self.times[max(bisect.bisect_right(self.steps, step) - 1, 0)]


def _box(patches, x: _X, lane_y: float, span, height: float, **style):
    """A rectangle centred on a lane covering [start, end] (at least a minimum width)."""
    left = x(span.start)
    width = max(x(span.end) - left, x.min_width)
    return patches.Rectangle((left, lane_y - height / 2), width, height,
                             linestyle="--" if span.open else "-", **style)


def _label(ax, labels: list, *args, **kw):
    """A text never clipped by the axes (timeline() then widens the limits to hold it)."""
    t = ax.text(*args, clip_on=False, **kw)
    labels.append(t)
    return t


def _draw_unpolled(ax, tl: Timeline, y: Dict[str, int], x: _X) -> None:
    for lane in tl.unpolled:
        ax.plot([x.lo, x.hi], [y[lane], y[lane]], color=_UNPOLLED_COLOUR, linestyle=":",
                linewidth=1.2, gid="never_polled")


def _draw_handlers(ax, patches, tl: Timeline, y: Dict[str, int], x: _X, labels: list) -> None:
    for s in tl.handlers:
        ax.add_patch(_box(patches, x, y[s.lane], s, 0.6, facecolor=_HANDLER_COLOUR,
                          edgecolor="grey"))
        _label(ax, labels, x(s.start) + x.gap, y[s.lane], s.label, va="center", fontsize=7)


def _draw_polls(ax, patches, tl: Timeline, y: Dict[str, int], x: _X, labels: list) -> None:
    for s in sorted(tl.polls, key=lambda s: s.level):
        height = 0.56 * 0.6 ** s.level
        ax.add_patch(_box(patches, x, y[s.lane], s, height, facecolor=_POLL_COLOUR,
                          alpha=0.45 + 0.2 * min(s.level, 2), edgecolor="black",
                          linewidth=0.8, hatch="//" if s.level else None))
        if s.level:  # label a nested poll with how it was entered, just left of it
            _label(ax, labels, x(s.start) - x.gap, y[s.lane], s.label, fontsize=7,
                   ha="right", va="center")


def _lock_colours(tl: Timeline) -> Dict[str, str]:
    return {name: _LOCK_COLOURS[i % len(_LOCK_COLOURS)]
            for i, name in enumerate(dict.fromkeys(h.subject for h in tl.locks))}


def _draw_locks(ax, patches, tl: Timeline, y: Dict[str, int], x: _X, labels: list) -> None:
    colours = _lock_colours(tl)
    for h in tl.locks:
        bar = _box(patches, x, y[h.lane] + 0.38, h, 0.1, facecolor=colours[h.subject],
                   edgecolor=colours[h.subject])
        ax.add_patch(bar)
        _label(ax, labels, x(h.start), y[h.lane] + 0.47, f"lock '{h.subject}'", fontsize=7,
               va="top", color=colours[h.subject])


def _draw_wakes(ax, patches, tl: Timeline, y: Dict[str, int], x: _X) -> None:
    for w in tl.wakes:
        dst = float(y[w.target])
        # a self-wake is a short arrow dropping onto the lane
        src = dst - 0.45 if w.source == w.target else float(y[w.source])
        ax.add_patch(patches.FancyArrowPatch(
            (x(w.step), src), (x(w.step), dst), arrowstyle="-|>", mutation_scale=12,
            color=wake_colour(w.context), linewidth=1.4,
            linestyle=wake_style(w.action)[0], gid="wake", zorder=4))


def _draw_marks(ax, tl: Timeline, y: Dict[str, int], x: _X, labels: list) -> None:
    for m in tl.marks:
        ax.plot([x(m.step)], [y[m.lane]], marker="X", color="crimson", markersize=10, zorder=5,
                linestyle="none")
        verb = "blocks on" if m.kind == "lock_blocked" else "waits for"
        _label(ax, labels, x(m.step) - 2 * x.gap, y[m.lane] - 0.2, f"{verb} '{m.subject}'",
               fontsize=7, ha="right", color="crimson")


def _legend(ax, patches, lines, tl: Timeline) -> None:
    handles = [patches.Patch(facecolor=_POLL_COLOUR, alpha=0.5, label="poll")]
    if any(s.level for s in tl.polls):
        handles.append(patches.Patch(facecolor=_POLL_COLOUR, alpha=0.65, hatch="//",
                                     label="nested poll (inline, or by its owner)"))
    if tl.unpolled:
        handles.append(lines.Line2D([], [], color=_UNPOLLED_COLOUR, linestyle=":",
                                    label="never polled"))
    for name, colour in _lock_colours(tl).items():
        handles.append(patches.Patch(facecolor=colour, label=f"lock '{name}' held"))
    if tl.marks:
        handles.append(lines.Line2D([], [], color="crimson", marker="X", linestyle="none",
                                    label="blocks on / waits for a lock"))
    for context in dict.fromkeys(w.context for w in tl.wakes):
        handles.append(lines.Line2D([], [], color=wake_colour(context),
                                    label=f"wake from {context}"))
    styles = dict.fromkeys(wake_style(w.action) for w in tl.wakes)
    for order in ("-", "--", ":"):  # inline, deferred, no effect
        for style, label in styles:
            if style == order:
                handles.append(lines.Line2D([], [], color="black", linestyle=style, label=label))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False)


def _unit(tl: Timeline) -> str:
    return ("wall-clock time (µs, libev)" if tl.time_unit == "us"
            else f"virtual time ({tl.time_unit})")


def _time_ticks(tl: Timeline, most: int = 10) -> Dict[int, int]:
    """step -> time at the steps where the time moves on (the first step of
    each new time), at most ``most`` of them, evenly picked."""
    changes: Dict[int, int] = {}
    last = None
    for step in sorted(tl.times):
        if tl.times[step] != last:
            changes[step] = last = tl.times[step]
    steps = list(changes)
    if len(steps) > most:
        steps = [steps[round(i * (len(steps) - 1) / (most - 1))] for i in range(most)]
    return {s: changes[s] for s in steps}


def _decorate(ax, ticker, outcome: Outcome, tl: Timeline, x: _X) -> None:
    ax.set_yticks(range(len(tl.lanes)))
    ax.set_yticklabels(tl.lanes)
    for tick in ax.get_yticklabels():
        if tick.get_text() in tl.unpolled:
            tick.set_color(_UNPOLLED_COLOUR)
            tick.set_fontstyle("italic")
    ax.set_ylim(len(tl.lanes) - 0.4, -0.6)
    pad = 0.5 if not x.by_time else x.min_width * 2
    ax.set_xlim(x.lo - pad, x.hi + pad)
    ax.grid(axis="x", alpha=0.3)
    if x.by_time:
        ax.set_xlabel(_unit(tl))
    else:
        ax.set_xlabel("trace step")
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ticks = _time_ticks(tl)
        top = ax.secondary_xaxis("top")
        top.set_xticks(list(ticks), [str(t) for t in ticks.values()], fontsize=7)
        top.set_xlabel(_unit(tl) + " reached", fontsize=8)
    if not outcome.verdict.ok:
        ax.axvline(x(outcome.verdict.step), color="crimson", linestyle=":", alpha=0.7)
    ax.set_title(f"{outcome.scenario} under {outcome.policy}: {outcome.verdict.kind}")


def _fit(ax, labels: list) -> None:
    """Widen the axes' limits until every label lies inside them: labels are
    never clipped, nor drawn over the lane names; a title wider than the
    figure puts the verdict on a second line. Measures the texts as drawn
    (constrained layout included), again after a change, as each rescales."""
    fig = ax.figure
    for _ in range(4):
        fig.canvas.draw()
        title = ax.title.get_window_extent()
        if (title.x0 < fig.bbox.x0 or title.x1 > fig.bbox.x1) and "\n" not in ax.get_title():
            ax.set_title(ax.get_title().replace(": ", ":\n", 1))  # the verdict below
            continue
        inv = ax.transData.inverted()
        (x0, x1), (y1, y0) = ax.get_xlim(), ax.get_ylim()  # y is inverted: lanes downwards
        lo, hi, top, bottom = x0, x1, y0, y1
        for t in labels:
            bb = t.get_window_extent()
            (a, b), (c, d) = inv.transform([(bb.x0, bb.y0), (bb.x1, bb.y1)])
            lo, hi = min(lo, a, c), max(hi, a, c)
            top, bottom = min(top, b, d), max(bottom, b, d)
        if (lo, hi, top, bottom) == (x0, x1, y0, y1):
            return
        ax.set_xlim(lo, hi)
        ax.set_ylim(bottom, top)


def timeline(outcome: Outcome, ax: Optional["Axes"] = None, x: str = "step") -> "Axes":
    """Draw an outcome's trace as a timeline (see the module docstring) and return the Axes.

    Draws on ``ax`` when given, else on a new figure sized to the trace.
    ``x="step"`` (default) puts the trace step on the x axis and the time
    reached above it; ``x="time"`` the time (virtual ms; a libev run's
    wall-clock us), where everything one step of time holds piles up.
    """
    if x not in X_AXES:
        raise ValueError(f"timeline: x must be one of {', '.join(X_AXES)}, got {x!r}")
    patches = require("matplotlib.patches", "timeline()")
    lines = require("matplotlib.lines", "timeline()")
    tl = layout(outcome)
    if ax is None:
        plt = require("matplotlib.pyplot", "timeline()")
        _, ax = plt.subplots(figsize=_figure_size(tl), layout="constrained")
    y = {lane: i for i, lane in enumerate(tl.lanes)}
    at = _X(tl, x)
    labels: list = []
    _draw_unpolled(ax, tl, y, at)
    _draw_handlers(ax, patches, tl, y, at, labels)
    _draw_polls(ax, patches, tl, y, at, labels)
    _draw_locks(ax, patches, tl, y, at, labels)
    _draw_wakes(ax, patches, tl, y, at)
    _draw_marks(ax, tl, y, at, labels)
    _legend(ax, patches, lines, tl)
    _decorate(ax, require("matplotlib.ticker", "timeline()"), outcome, tl, at)
    _fit(ax, labels)
    return ax


def _figure_size(tl: Timeline) -> tuple:
    """Wide enough for the steps and the legend beside them, a lane's height each."""
    return (min(max(8.0, tl.end * 0.3 + 3.0), 20.0), 1.8 + 0.7 * max(len(tl.lanes), 1))

"""Timeline plots of outcomes (needs the ``notebook`` extra).

    import wakebench as wb
    from wakebench.plot import timeline
    cx = wb.explore("h2-drop-wake-nested", "ngx_inline").counterexample
    ax = timeline(cx)

Tasks are horizontal lanes (plus one lane per thread for what runs outside
any poll: startup, event and cleanup handlers, drop hooks called from
them). A poll is a span from ``poll`` to its ``poll_end``; a poll started
while another is on the same stack (inline) is drawn thinner and labelled.
A wake is an arrow from the waker's lane (the task being polled at that
moment, or the handlers lane) to the woken task's lane, coloured by the
wake context (``spawn``, ``drop_hook``...), solid when the policy polled
inline, dashed when it deferred. A lock hold is a thin bar under the
holder's lane, from ``lock`` to ``unlock``; an X marks a thread blocking on
a lock. Spans still open when the trace ends are dashed. The x axis is the
trace step; the title is the verdict.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional

from ._optional import require
from .outcome import Outcome, TraceEvent

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["timeline", "layout", "Timeline", "Span", "Hold", "Wake", "Mark", "WAKE_COLOURS"]

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
_OTHER_COLOURS = ("tab:brown", "tab:pink", "tab:olive")
_LOCK_COLOURS = ("#8c564b", "#bcbd22", "#17becf", "#e377c2", "#7f7f7f")
_POLL_COLOUR = "#4c72b0"
_HANDLER_COLOUR = "#d9d9d9"
_HANDLERS_LANE = "(handlers)"


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
    action: str   #: inline, posted, run_queue... (coalesced / ignored when nothing was queued)


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
        self.tl.wakes.append(Wake(e.step, self.current(e), self.lane(e.task), context,
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


def layout(outcome: Outcome) -> Timeline:
    """The lanes, spans, lock holds, wakes and marks of an outcome's trace."""
    walk = _Layout()
    for e in outcome.trace:
        walk.DISPATCH.get(e.kind, _Layout.on_other)(walk, e)
    return walk.finish(outcome.trace[-1].step + 1 if outcome.trace else 1)


def wake_colour(context: str) -> str:
    """The colour of a wake context; unknown contexts get a stable spare colour."""
    if context in WAKE_COLOURS:
        return WAKE_COLOURS[context]
    return _OTHER_COLOURS[sum(map(ord, context)) % len(_OTHER_COLOURS)]


def _box(patches, lane_y: float, span, height: float, **style):
    """A rectangle centred on a lane covering [start, end] (at least half a step wide)."""
    width = max(span.end - span.start, 0.5)
    return patches.Rectangle((span.start, lane_y - height / 2), width, height,
                             linestyle="--" if span.open else "-", **style)


def _draw_handlers(ax, patches, tl: Timeline, y: Dict[str, int]) -> None:
    for s in tl.handlers:
        ax.add_patch(_box(patches, y[s.lane], s, 0.6, facecolor=_HANDLER_COLOUR,
                          edgecolor="grey"))
        ax.text(s.start + 0.1, y[s.lane], s.label, va="center", fontsize=7, clip_on=True)


def _draw_polls(ax, patches, tl: Timeline, y: Dict[str, int]) -> None:
    for s in sorted(tl.polls, key=lambda s: s.level):
        height = 0.56 * 0.6 ** s.level
        ax.add_patch(_box(patches, y[s.lane], s, height, facecolor=_POLL_COLOUR,
                          alpha=0.45 + 0.2 * min(s.level, 2), edgecolor="black",
                          linewidth=0.8, hatch="//" if s.level else None))
        if s.level:  # label a nested poll with how it was entered, just left of it
            ax.text(s.start - 0.15, y[s.lane], s.label, fontsize=7, ha="right",
                    va="center", clip_on=True)


def _draw_locks(ax, patches, tl: Timeline, y: Dict[str, int]) -> None:
    colours = {name: _LOCK_COLOURS[i % len(_LOCK_COLOURS)]
               for i, name in enumerate(dict.fromkeys(h.subject for h in tl.locks))}
    for h in tl.locks:
        bar = _box(patches, y[h.lane] + 0.38, h, 0.1, facecolor=colours[h.subject],
                   edgecolor=colours[h.subject])
        ax.add_patch(bar)
        ax.text(h.start, y[h.lane] + 0.47, f"lock '{h.subject}'", fontsize=7, va="top",
                color=colours[h.subject], clip_on=True)


def _draw_wakes(ax, patches, tl: Timeline, y: Dict[str, int]) -> None:
    for w in tl.wakes:
        dst = float(y[w.target])
        # a self-wake is a short arrow dropping onto the lane
        src = dst - 0.45 if w.source == w.target else float(y[w.source])
        ax.add_patch(patches.FancyArrowPatch(
            (w.step, src), (w.step, dst), arrowstyle="-|>", mutation_scale=12,
            color=wake_colour(w.context), linewidth=1.4,
            linestyle="-" if w.action == "inline" else "--", gid="wake", zorder=4))


def _draw_marks(ax, tl: Timeline, y: Dict[str, int]) -> None:
    for m in tl.marks:
        ax.plot([m.step], [y[m.lane]], marker="X", color="crimson", markersize=10, zorder=5)
        verb = "blocks on" if m.kind == "lock_blocked" else "waits for"
        ax.text(m.step - 0.3, y[m.lane] - 0.2, f"{verb} '{m.subject}'", fontsize=7,
                ha="right", color="crimson", clip_on=True)


def _legend(ax, patches, lines, tl: Timeline) -> None:
    handles = [patches.Patch(facecolor=_POLL_COLOUR, alpha=0.5, label="poll")]
    if tl.locks:
        handles.append(patches.Patch(facecolor=_LOCK_COLOURS[0], label="lock held"))
    for context in dict.fromkeys(w.context for w in tl.wakes):
        handles.append(lines.Line2D([], [], color=wake_colour(context),
                                    label=f"wake from {context}"))
    styles = {w.action == "inline" for w in tl.wakes}
    for inline in sorted(styles, reverse=True):
        handles.append(lines.Line2D([], [], color="black", linestyle="-" if inline else "--",
                                    label="polled inline" if inline else "deferred"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False)


def _decorate(ax, ticker, outcome: Outcome, tl: Timeline) -> None:
    ax.set_yticks(range(len(tl.lanes)))
    ax.set_yticklabels(tl.lanes)
    ax.set_ylim(len(tl.lanes) - 0.4, -0.6)
    ax.set_xlim(0.5, tl.end + 0.5)
    ax.set_xlabel("trace step")
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.grid(axis="x", alpha=0.3)
    if not outcome.verdict.ok:
        ax.axvline(outcome.verdict.step, color="crimson", linestyle=":", alpha=0.7)
    ax.set_title(f"{outcome.scenario} under {outcome.policy}: {outcome.verdict.kind}")


def _figure_size(tl: Timeline) -> tuple:
    return (min(max(7.0, tl.end * 0.3), 18.0), 1.3 + 0.7 * max(len(tl.lanes), 1))


def timeline(outcome: Outcome, ax: Optional["Axes"] = None) -> "Axes":
    """Draw an outcome's trace as a timeline (see the module docstring) and return the Axes.

    Draws on ``ax`` when given, else on a new figure sized to the trace.
    """
    patches = require("matplotlib.patches", "timeline()")
    lines = require("matplotlib.lines", "timeline()")
    tl = layout(outcome)
    if ax is None:
        plt = require("matplotlib.pyplot", "timeline()")
        _, ax = plt.subplots(figsize=_figure_size(tl), layout="constrained")
    y = {lane: i for i, lane in enumerate(tl.lanes)}
    _draw_handlers(ax, patches, tl, y)
    _draw_polls(ax, patches, tl, y)
    _draw_locks(ax, patches, tl, y)
    _draw_wakes(ax, patches, tl, y)
    _draw_marks(ax, tl, y)
    _legend(ax, patches, lines, tl)
    _decorate(ax, require("matplotlib.ticker", "timeline()"), outcome, tl)
    return ax

"""The policy matrix: every catalog entry explored under every policy.

A cell is the verdict of the first non-ok run found by exhaustive
exploration (depth-first over every choice point), "ok" when the search was
complete and every schedule was ok, or "inconclusive" (a bound, the budget)
with the reason. Each hazard cell carries the schedule that replays it.
"""

from __future__ import annotations

import concurrent.futures
import errno
import html
import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from . import catalog
from .api import explore, run
from .errors import ArgumentTypeError
from .outcome import Outcome, replay_command, scenario_ref
from .policy import builtin_policies
from .scenario import Scenario

__all__ = ["Cell", "compute", "render_text", "render_markdown", "render_html", "render_json",
           "write_outputs", "prepare_out_dir", "verdict_family", "counterexamples",
           "inconclusive", "Interrupted", "ProgressBar"]


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
    inconclusive: Optional[str] = None  #: why no verdict could be claimed (a bound, the budget)
    bound: Optional[int] = None  #: the deviation bound, if one was used
    #: what the policy costs on the scenario's canonical schedule: loop
    #: iterations, how many did not block, the longest wake-to-poll latency
    #: in loop iterations, the deepest stack of polls (inline polls nest), polls
    cost: Optional[Dict[str, int]] = None
    #: how the command line names the scenario (a catalog name, FILE.py:NAME,
    #: FILE.json); "": its name (a catalog entry); None: built in Python, no
    #: command names it
    ref: Optional[str] = ""

    @property
    def replay(self) -> Optional[str]:
        if self.schedule is None or self.ref is None:
            return None
        return replay_command(self.ref or self.scenario, self.policy, self.schedule)

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "policy": self.policy, "verdict": self.verdict,
                "schedules": self.schedules, "states": self.states, "complete": self.complete,
                "inconclusive": self.inconclusive, "bound": self.bound, "cost": self.cost,
                "schedule": self.schedule, "replay": self.replay, "outcomes": self.outcomes}


def compute(scenarios: Optional[Sequence[Union[str, Scenario]]] = None,
            policies: Optional[Sequence[str]] = None,
            *, budget: int = 1_000_000, bound: Optional[int] = None, jobs: Optional[int] = None,
            progress: Optional[Callable[[int, int, str], None]] = None) -> List[Cell]:
    """Explore every scenario (catalog names or ``Scenario`` objects; by
    default the catalog) under every policy, ``jobs`` cells at a time
    (default: one per core; each exploration runs in C++ without the GIL).
    The cells come back in table order, the same for any ``jobs``.
    ``progress(done, total, label)`` is called at the start and as each
    cell finishes.
    Ctrl-C raises ``Interrupted`` (a KeyboardInterrupt) within a fraction
    of a second, carrying the cells finished so far."""
    given = list(scenarios) if scenarios is not None else catalog.names()
    built: List[Scenario] = []
    for i, s in enumerate(given):
        if isinstance(s, str):
            s = catalog.get(s)
        elif not isinstance(s, Scenario):
            raise ArgumentTypeError(f"scenarios[{i}]: expected a catalog name or a Scenario, "
                                    f"got {type(s).__name__}")
        s.build()  # once, before the threads share it
        built.append(s)
    refs = [scenario_ref(s) for s in built]
    policies = list(policies) if policies is not None else builtin_policies()
    work = [(k, p) for k in range(len(built)) for p in policies]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(work) or 1))

    stop = threading.Event()  # set on Ctrl-C: running cells stop at their next slice

    def stopped(done: int, total: int) -> None:
        if stop.is_set():
            raise _Stopped()

    def cell(k: int, p: str) -> Cell:
        sc = built[k]
        ex = explore(sc, p, strategy="exhaustive", budget=budget, bound=bound, progress=stopped)
        cx = ex.counterexample
        return Cell(sc.name, p, ex.verdict, ex.schedules, ex.states, ex.complete,
                    cx.schedule if cx else None, dict(ex.outcomes), ex.inconclusive, ex.bound,
                    cost_of(run(sc, p, trace=False)), refs[k])

    cells: List[Optional[Cell]] = [None] * len(work)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    pending: Dict[concurrent.futures.Future, int] = {}
    try:
        if progress:
            progress(0, len(work), "")
        pending = {pool.submit(cell, k, p): i for i, (k, p) in enumerate(work)}
        done = 0
        for fut in concurrent.futures.as_completed(pending):
            i = pending[fut]
            cells[i] = fut.result()
            done += 1
            if progress:
                progress(done, len(work), f"{built[work[i][0]].name} / {work[i][1]}")
    except KeyboardInterrupt:
        # Ctrl-C: cells not begun are not run, running ones stop within a
        # slice of their exploration (api.SLICE_S); the cells finished so
        # far are the partial result
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        while True:
            try:
                concurrent.futures.wait(pending)
                break
            except KeyboardInterrupt:  # Ctrl-C again: they are stopping already
                continue
        for fut, i in pending.items():
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                cells[i] = fut.result()
        raise Interrupted([c for c in cells if c is not None], len(work)) from None
    except BaseException:  # an error: cells not begun are not run
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    if progress:
        progress(len(work), len(work), "done")
    return [c for c in cells if c is not None]


class _Stopped(Exception):
    """Raised inside a running cell's exploration once Ctrl-C was pressed."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped ``compute()``: a KeyboardInterrupt carrying the cells
    finished so far (``.partial``, in table order) and how many there were
    to compute (``.total``)."""

    def __init__(self, partial: List[Cell], total: int) -> None:
        super().__init__(f"interrupted after {len(partial)} of {total} cells")
        self.partial, self.total = partial, total


def cost_of(out: Outcome) -> Dict[str, int]:
    """The cost axis of one run (the canonical schedule's, in a cell)."""
    st = out.stats
    return {"iterations": int(st["iterations"]), "nonblocking": int(st["nonblocking_iterations"]),
            "latency": int(st["max_wake_latency"]), "depth": int(st["max_polls_nested"]),
            "polls": int(st["polls"])}


def cost_text(cost: Optional[Dict[str, int]]) -> str:
    """"3/1 it, lat 1, depth 2, 4 polls": iterations/non-blocking ones, the
    longest wake-to-poll latency in iterations, the deepest poll stack, polls."""
    if not cost:
        return ""
    return (f"{cost['iterations']}/{cost['nonblocking']} it, lat {cost['latency']}, "
            f"depth {cost['depth']}, {cost['polls']} polls")


def _short(kind: str) -> str:
    return kind.split("/", 1)[-1]


def _label(c: Cell) -> str:
    """A cell as the table shows it: the short verdict; an inconclusive one
    in capitals with its reason's key (BOUND/STEPS, BUDGET, DEVIATIONS<=K)."""
    if c.verdict != "inconclusive":
        return _short(c.verdict) + (f" ({cost_text(c.cost)})" if c.cost else "")
    why = c.inconclusive or ""
    key = (why.split(" ", 1)[0].upper() if why.startswith("bound/")
           else f"DEVIATIONS<={c.bound}" if "deviation bound" in why
           else "BUDGET")
    return f"INCONCLUSIVE ({key})"


def _grid(cells: List[Cell]):
    """The cells' scenarios (rows), policies (columns) and a (scenario, policy) -> Cell map."""
    scenarios = list(dict.fromkeys(c.scenario for c in cells))
    policies = list(dict.fromkeys(c.policy for c in cells))
    return scenarios, policies, {(c.scenario, c.policy): c for c in cells}


def counterexamples(cells: List[Cell]) -> List[Cell]:
    """The hazard cells, in table order: those that come with a replay command."""
    return [c for c in cells if c.verdict not in ("ok", "inconclusive")]


def inconclusive(cells: List[Cell]) -> List[Cell]:
    """The cells no verdict could be claimed for, in table order."""
    return [c for c in cells if c.verdict == "inconclusive"]


def verdict_family(kind: str) -> str:
    """The colour family of a verdict: "ok", "deadlock", "inconclusive" or "other"."""
    family = kind.split("/", 1)[0]
    return family if family in ("ok", "deadlock", "inconclusive") else "other"


def render_text(cells: List[Cell]) -> str:
    """A Markdown table: scenarios as rows, policies as columns."""
    scenarios, policies, by = _grid(cells)
    rows = [["scenario", *policies]]
    for s in scenarios:
        rows.append([s, *(_label(by[(s, p)]) if (s, p) in by else "(not run)"
                          for p in policies)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for i, r in enumerate(rows):
        out.append("| " + " | ".join(x.ljust(w) for x, w in zip(r, widths)) + " |")
        if i == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    if any(c.verdict == "inconclusive" for c in cells):
        out.append("INCONCLUSIVE: no verdict can be claimed: a run stopped at a bound, the "
                   "budget ran out, or the deviation bound left schedules out")
    return "\n".join(out)


def render_markdown(cells: List[Cell]) -> str:
    """The table as a Markdown document, each non-ok cell's replay command under it."""
    lines = ["# wakebench policy matrix", "", render_text(cells)]
    bad = counterexamples(cells)
    if bad:
        lines += ["", "## Counterexamples", ""]
        lines += [f"- {c.scenario} / {c.policy}: `{c.verdict}`: "
                  f"`{c.replay or 'schedule ' + str(c.schedule)}`" for c in bad]
    unsure = inconclusive(cells)
    if unsure:
        lines += ["", "## Inconclusive", ""]
        lines += [f"- {c.scenario} / {c.policy}: {c.inconclusive}" for c in unsure]
    return "\n".join(lines) + "\n"


_HTML_STYLE = """
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999; padding: 0.3em 0.7em; text-align: left; }
td.ok { background: #c8e6c9; }
td.deadlock { background: #ef9a9a; }
td.inconclusive { background: #e0e0e0; border: 2px dashed #555; font-weight: bold; }
td.other { background: #ffcc80; }
code { font-size: 90%; }
"""


def _html_cell(c: Cell) -> str:
    """One <td>: coloured by verdict family; a non-ok cell's tooltip gives the replay command."""
    e = html.escape
    title = (c.verdict if c.replay is None else f"{c.verdict}\n{c.replay}") + \
        (f"\n{c.inconclusive}" if c.inconclusive else "")
    return (f'<td class="{verdict_family(c.verdict)}" title="{e(title)}">{e(_label(c))}</td>')


def render_html(cells: List[Cell]) -> str:
    """The table as a self-contained HTML page (inline CSS, every text escaped)."""
    e = html.escape
    scenarios, policies, by = _grid(cells)
    head = "".join(f"<th>{e(x)}</th>" for x in ["scenario", *policies])
    rows = [f"<tr><th>{e(s)}</th>{''.join(_html_cell(by[(s, p)]) for p in policies)}</tr>"
            for s in scenarios]
    items = [f"<li>{e(c.scenario)} / {e(c.policy)}: <b>{e(c.verdict)}</b>: "
             f"<code>{e(c.replay or '')}</code></li>" for c in counterexamples(cells)]
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>wakebench policy matrix</title>", f"<style>{_HTML_STYLE}</style>",
             "</head><body>", "<h1>wakebench policy matrix</h1>",
             f"<table>\n<tr>{head}</tr>\n" + "\n".join(rows) + "\n</table>"]
    unsure = [f"<li>{e(c.scenario)} / {e(c.policy)}: {e(c.inconclusive or '')}</li>"
              for c in inconclusive(cells)]
    if unsure:
        parts += ["<h2>Inconclusive</h2>", "<ul>", *unsure, "</ul>"]
    if items:
        parts += ["<h2>Counterexamples</h2>", "<ul>", *items, "</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_json(cells: List[Cell]) -> str:
    """The cells as a JSON list of ``Cell.to_dict()``."""
    return json.dumps([c.to_dict() for c in cells], indent=2) + "\n"


def prepare_out_dir(out_dir: Union[str, Path]) -> Path:
    """Create the output directory if missing (raises OSError when it cannot be)."""
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(path))
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_outputs(cells: List[Cell], out_dir: Union[str, Path]) -> List[Path]:
    """Write matrix.md, matrix.html and matrix.json into out_dir; return their paths."""
    path = prepare_out_dir(out_dir)
    written = []
    for name, render in (("matrix.md", render_markdown), ("matrix.html", render_html),
                         ("matrix.json", render_json)):
        target = path / name
        target.write_text(render(cells), encoding="utf-8")
        written.append(target)
    return written


class ProgressBar:
    """A progress bar on stderr (tqdm) with the count, the rate and the time
    left, shown only on a terminal (``force``: True or False overrides);
    call it as a ``progress(done, total, label)`` callback."""

    def __init__(self, unit: str = " it", stream=None, force: Optional[bool] = None,
                 mininterval: float = 0.2) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.unit, self.mininterval = unit, mininterval
        self.enabled = (force if force is not None
                        else hasattr(self.stream, "isatty") and self.stream.isatty())
        self._bar: Any = None  # a tqdm, once shown

    def __call__(self, done: int, total: int, label: str = "") -> None:
        if not self.enabled or (self._bar is None and done >= total):
            return  # off, or finished (a last call after the bar was taken away)
        if self._bar is None:
            from tqdm import tqdm  # a dependency; imported only for a terminal
            self._bar = tqdm(total=total, unit=self.unit, file=self.stream, leave=False,
                             dynamic_ncols=True, mininterval=self.mininterval, unit_scale=total >= 10_000)
        self._bar.set_description_str(label[:40], refresh=False)
        step = max(done - self._bar.n, 0)
        self._bar.update(step)
        if step and total < 1000:  # a few long items (matrix cells): show each one's end
            self._bar.refresh()
        if done >= total:
            self.clear()

    def clear(self) -> None:
        """Take the bar off the screen (before printing a summary)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

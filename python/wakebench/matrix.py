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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Union

from . import catalog
from .api import explore, run
from .errors import ArgumentTypeError
from .outcome import Outcome, replay_command, scenario_ref
from .policy import builtin_policies
from .scenario import Scenario

__all__ = ["Cell", "compute", "render_text", "render_markdown", "render_html", "render_json",
           "write_outputs", "prepare_out_dir", "verdict_family", "counterexamples",
           "inconclusive"]


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
    The cells come back in table order, the same for any ``jobs``."""
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

    def cell(k: int, p: str) -> Cell:
        sc = built[k]
        ex = explore(sc, p, strategy="exhaustive", budget=budget, bound=bound)
        cx = ex.counterexample
        return Cell(sc.name, p, ex.verdict, ex.schedules, ex.states, ex.complete,
                    cx.schedule if cx else None, dict(ex.outcomes), ex.inconclusive, ex.bound,
                    cost_of(run(sc, p, trace=False)), refs[k])

    cells: List[Optional[Cell]] = [None] * len(work)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        pending = {pool.submit(cell, k, p): i for i, (k, p) in enumerate(work)}
        done = 0
        for fut in concurrent.futures.as_completed(pending):
            i = pending[fut]
            cells[i] = fut.result()
            done += 1
            if progress:
                progress(done, len(work), f"{built[work[i][0]].name} / {work[i][1]}")
    except BaseException:  # Ctrl-C, an error: cells not begun are not run
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    if progress:
        progress(len(work), len(work), "done")
    return [c for c in cells if c is not None]


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
        rows.append([s, *(_label(by[(s, p)]) for p in policies)])
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
    """A one-line progress bar on stderr, shown only on a terminal."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream = stream
        self.enabled = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} {label[:40]:<40}")
        if done == total:
            self.clear()
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled:
            self.stream.write(f"\r{' ' * 90}\r")
            self.stream.flush()

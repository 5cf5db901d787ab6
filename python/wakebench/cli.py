"""The wakebench command line.

    wakebench list
    wakebench show SCENARIO [--json]
    wakebench run SCENARIO --policy P [--seed N | --schedule S] [--json] [--trace]
    wakebench explore SCENARIO --policy P --strategy random|pct|exhaustive --budget N [--seed S] [--json]
    wakebench replay FILE
    wakebench matrix [--scenario SCENARIO ...] [--json] [--budget N] [--out DIR]

SCENARIO is a catalog name, a JSON scenario file (FILE.json: data, never
executed), a Python file (FILE.py[:NAME], NAME defaulting to ``scenario``:
a Scenario or a function returning one; the file is executed) or
``package.module:NAME`` (see ``wakebench.sources``).

Exit codes, for a CI to gate on: 0 ok; 1 a hazard was found (any verdict
but ok and the bounds); 3 inconclusive (a bound stopped the run or the
search); 2 a usage or input error; 130 interrupted. ``--expect KIND``
(run, explore, replay) turns the test around: 0 when the verdict is KIND
(``deadlock`` matches every deadlock/..., ``bound`` every bound/...), 1
otherwise. ``matrix`` exits 0 once every cell is decided, 3 if some cell is
inconclusive (its table of hazards is the point, not a failure).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import List, Optional

from . import catalog, sources
from ._core import verdict_kinds
from . import replay as replay_files
from .api import BACKENDS, STRATEGIES, Interrupted, explore, run
from .errors import Error, one_line, printable
from .matrix import Interrupted as MatrixInterrupted
from .matrix import (ProgressBar, compute, counterexamples, inconclusive, prepare_out_dir,
                     render_json, render_text, write_outputs)
from .policy import builtin_policies
from .scenario import Scenario

EXIT_OK = 0
EXIT_HAZARD = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3
EXIT_INTERRUPTED = 130  # as a shell reports SIGINT


def _exit_code(kind: str, expect: Optional[str]) -> int:
    """The exit code for a verdict kind (``inconclusive`` for an exploration
    a bound stopped), or, with ``--expect``, whether it is the one expected."""
    if expect is not None:
        if kind == expect or kind.startswith(expect + "/"):
            return EXIT_OK
        print(f"wakebench: expected {expect}, got {kind}", file=sys.stderr)
        return EXIT_HAZARD
    if kind == "ok":
        return EXIT_OK
    if kind == "inconclusive" or kind.startswith("bound/"):
        return EXIT_INCONCLUSIVE
    return EXIT_HAZARD


def _check_expect(expect: Optional[str]) -> Optional[str]:
    if expect is None:
        return None
    kinds = verdict_kinds() + ["inconclusive"]
    families = sorted({k.split("/")[0] for k in kinds if "/" in k})
    if expect not in kinds and expect not in families:
        raise _Fail(f"unknown verdict kind {expect!r} for --expect "
                    f"(valid: {', '.join(kinds + families)})")
    return expect


class _Fail(Exception):
    pass


def _check_policy(p: str) -> str:
    names = builtin_policies()
    if p not in names:
        raise _Fail(f"unknown policy {p!r} (valid: {', '.join(names)})")
    return p


def _check_scenario(ref: str) -> Scenario:
    """The scenario a reference names (``wakebench.sources``); its errors
    are one line, exit code 2."""
    return sources.load(ref)


def cmd_list(args: argparse.Namespace) -> int:
    entries = catalog.entries()
    if args.json:
        print(json.dumps([{"name": e.name, "source": e.source, "summary": e.summary,
                           "quote": e.quote, "assumes": e.assumes} for e in entries], indent=2))
        return 0
    for e in entries:
        print(f"{e.name}  [docs/seeds/{e.source}]")
        print(f"    {e.summary}")
        print(f"    Seed: \"{e.quote}\"")
        print(f"    Assumed: {e.assumes}\n")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    sc = _check_scenario(args.scenario)
    print(sc.to_json() if args.json else sc.to_python(), end="" if not args.json else "\n")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    sc = _check_scenario(args.scenario)
    name = sc.name
    policy = _check_policy(args.policy)
    expect = _check_expect(args.expect)
    if args.seed is not None and args.schedule is not None:
        raise _Fail("give --seed or --schedule, not both")
    if args.backend not in BACKENDS:
        raise _Fail(f"unknown backend {args.backend!r} (valid: {', '.join(BACKENDS)})")
    if args.repeat is not None:
        return _repeat(args, sc, policy, expect)
    out = run(sc, policy, seed=args.seed, schedule=args.schedule, max_steps=args.max_steps,
              backend=args.backend)
    if args.json:
        print(json.dumps(out.to_dict(), indent=2))
        return _exit_code(out.verdict.kind, expect)
    on = "" if out.backend == "sim" else f" on {out.backend}"
    print(f"{name} under {policy}{on}: {out.verdict.kind}")
    print(f"  {out.verdict.explanation}")
    if out.output:
        print("output:")
        for o in out.output:
            print(f"  [t={o.time}] {o.text}")
    if out.replayable:
        print(f"schedule: {out.schedule}   (replay: {out.replay_command()})")
    else:
        print(f"a real run on {out.backend}: no schedule replays it "
              "(--repeat N counts the verdicts of N runs)")
    if args.trace:
        print("trace:")
        print(out.trace_text, end="")
    return _exit_code(out.verdict.kind, expect)


def _repeat(args: argparse.Namespace, sc: Scenario, policy: str, expect: Optional[str]) -> int:
    """N real runs (libev): the verdicts they gave, counted. The exit code is
    1 if any gave a hazard, else 3 if any stopped at a bound; with --expect,
    0 only if every run gave the kind expected."""
    if args.backend == "sim":
        raise _Fail("--repeat counts the verdicts of real runs: use it with --backend libev "
                    "(a simulated run gives the same verdict every time; explore searches "
                    "its schedules)")
    if args.repeat < 1:
        raise _Fail(f"--repeat must be at least 1, got {args.repeat}")
    if args.seed is not None or args.schedule is not None:
        raise _Fail("--seed and --schedule choose a simulated run; a real run has neither")
    counts: dict = {}
    name = sc.name
    for _ in range(args.repeat):
        out = run(sc, policy, max_steps=args.max_steps, backend=args.backend)
        counts[out.verdict.kind] = counts.get(out.verdict.kind, 0) + 1
    if args.json:
        print(json.dumps({"scenario": name, "policy": policy, "backend": args.backend,
                          "runs": args.repeat, "verdicts": counts}, indent=2))
    else:
        print(f"{name} under {policy} on {args.backend}, {args.repeat} real runs: "
              + ", ".join(f"{k} x{n}" for k, n in sorted(counts.items())))
    codes = {_exit_code(k, expect) for k in counts}
    return next((c for c in (EXIT_HAZARD, EXIT_INCONCLUSIVE) if c in codes), EXIT_OK)


def cmd_explore(args: argparse.Namespace) -> int:
    sc = _check_scenario(args.scenario)
    name = sc.name
    policy = _check_policy(args.policy)
    if args.strategy not in STRATEGIES:
        raise _Fail(f"unknown strategy {args.strategy!r} (valid: {', '.join(STRATEGIES)})")
    expect = _check_expect(args.expect)
    if args.save:
        _writable_file(args.save)  # fail before the long computation
    bar = ProgressBar(" schedules", force=False if args.json else None)
    try:
        ex = explore(sc, policy, strategy=args.strategy, budget=args.budget, seed=args.seed,
                     depth=args.depth, bound=args.bound, max_seconds_total=args.seconds,
                     checkpoint=args.checkpoint, jobs=args.jobs,
                     progress=(lambda d, t: bar(d, t, f"{args.strategy} {name}"))
                     if bar.enabled else None)
    except Interrupted as stop:  # Ctrl-C: what was searched, then exit 130
        bar.clear()
        _show_exploration(stop.partial, args)
        return EXIT_INTERRUPTED
    finally:
        bar.clear()
    if ex.counterexample is not None and args.save:
        replay_files.save(args.save, ex.counterexample)
    _show_exploration(ex, args)
    return _exit_code(ex.verdict, expect)


def _show_exploration(ex, args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(ex.to_dict(), indent=2))
        return
    name, policy = ex.scenario, ex.policy
    stopped = " (interrupted: a partial summary)" if ex.interrupted else ""
    print(f"{name} under {policy}, {args.strategy}: {ex.verdict}{stopped}")
    if ex.verdict == "ok" and ex.within:
        print(f"  within: {'; '.join(ex.within)}")
    if ex.inconclusive:
        print(f"  inconclusive: {ex.inconclusive}")
    extra = f", {ex.states} states, {ex.pruned} pruned" if args.strategy == "exhaustive" else ""
    bound = f", deviation bound {ex.bound}" if ex.bound is not None else ""
    print(f"  {ex.schedules} schedules ({ex.distinct} distinct) in {ex.elapsed_s:.3f}s "
          f"({ex.rate:,.0f}/s){extra}{bound}{', complete' if ex.complete else ''}")
    print("  outcomes: " + ", ".join(f"{k} x{v}" for k, v in sorted(ex.outcomes.items())))
    cx = ex.counterexample
    if cx is not None:
        print(f"counterexample (minimised from {ex.found_schedule}): {cx.verdict.kind}")
        print(f"  {cx.explanation}")
        print(f"  replay: {cx.replay_command()}")
        if args.save and not ex.interrupted:
            print(f"  saved: {args.save}  (wakebench replay {args.save})")


def cmd_replay(args: argparse.Namespace) -> int:
    expect = _check_expect(args.expect)
    rf = replay_files.load(args.file)
    out = rf.run()
    if args.json:
        print(json.dumps({**out.to_dict(), "expected": rf.verdict}, indent=2))
    else:
        print(f"{rf.scenario.name} under {rf.policy}, schedule {rf.schedule}: {out.verdict.kind}")
        print(f"  {out.explanation}")
        if args.trace:
            print(out.trace_text, end="")
    if rf.verdict and out.verdict.kind != rf.verdict:
        print(f"wakebench: the file recorded {rf.verdict}, the run gave {out.verdict.kind}",
              file=sys.stderr)
    return _exit_code(out.verdict.kind, expect)


def cmd_matrix(args: argparse.Namespace) -> int:
    policies = [_check_policy(p) for p in args.policy] if args.policy else None
    scenarios = [_check_scenario(s) for s in args.scenario] if args.scenario else None
    if args.out is not None:
        _writable(args.out, prepare_out_dir)  # fail before the long computation
    t0 = time.monotonic()
    if args.jobs is not None and args.jobs < 1:
        raise _Fail(f"--jobs must be at least 1, got {args.jobs}")
    bar = ProgressBar(" cells", force=False if args.json else None)
    interrupted = None
    try:
        cells = compute(scenarios, policies, budget=args.budget, bound=args.bound,
                        jobs=args.jobs, progress=bar if bar.enabled else None)
    except MatrixInterrupted as stop:  # Ctrl-C: the cells finished, then exit 130
        cells, interrupted = stop.partial, stop
    finally:
        bar.clear()
    elapsed = time.monotonic() - t0
    written = (_writable(args.out, lambda d: write_outputs(cells, d))
               if args.out and not interrupted else [])
    code = (EXIT_INTERRUPTED if interrupted else
            EXIT_INCONCLUSIVE if inconclusive(cells) else EXIT_OK)
    if args.json:
        print(render_json(cells), end="")
        return code
    if interrupted:
        print(f"interrupted: a partial matrix, {len(cells)} of {interrupted.total} cells")
    print(render_text(cells))
    print()
    for c in counterexamples(cells):
        print(f"  {c.scenario} / {c.policy}: {c.verdict}  ->  {c.replay or 'schedule ' + str(c.schedule)}")
    for c in inconclusive(cells):
        print(f"  {c.scenario} / {c.policy}: inconclusive: {c.inconclusive}")
    n = sum(c.schedules for c in cells)
    print(f"\n{len(cells)} cells, {n} schedules explored in {elapsed:.2f}s")
    if written:
        print("wrote " + ", ".join(str(w) for w in written))
    return code


def _writable_file(path: str) -> None:
    """Fail now, in one line, if ``path`` cannot be written later."""
    p = Path(path)
    try:
        existed = p.exists()
        with open(p, "ab"):  # what replay.save will do, without writing a byte
            pass
        if not existed:
            p.unlink()
    except (OSError, ValueError) as e:  # ValueError: an embedded NUL
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise _Fail(f"cannot write {one_line(path)}: {why}") from None


def _writable(out_dir: str, write):
    """Run write(out_dir), turning an OSError into a one-line usage error."""
    try:
        return write(out_dir)
    except OSError as e:
        raise _Fail(f"cannot write the matrix to {out_dir!r}: {e.strerror or e}") from None


SCENARIO_HELP = ("a catalog name (wakebench list); FILE.json (a JSON scenario: data, never "
                 "executed); FILE.py[:NAME] (NAME, default `scenario`: a Scenario or a function "
                 "returning one; the file is executed: your code); package.module:NAME")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wakebench",
                                description="A test bench for async executors.")
    sub = p.add_subparsers(dest="command", required=True)

    pl = sub.add_parser("list", help="list the built-in scenarios")
    pl.add_argument("--json", action="store_true")
    pl.set_defaults(fn=cmd_list)

    ps = sub.add_parser("show", help="print a scenario as the Python that builds it "
                                     "(--json: its JSON form)")
    ps.add_argument("scenario", help=SCENARIO_HELP)
    ps.add_argument("--json", action="store_true", help="the JSON form (wakebench run FILE.json)")
    ps.set_defaults(fn=cmd_show)

    pr = sub.add_parser("run", help="run one scenario under one policy")
    pr.add_argument("scenario", help=SCENARIO_HELP)
    pr.add_argument("--policy", default="fifo")
    pr.add_argument("--seed", type=int, default=None, help="random choices from this seed")
    pr.add_argument("--schedule", default=None, help="replay this schedule string")
    pr.add_argument("--max-steps", type=int, default=None)
    pr.add_argument("--backend", default="sim", help="sim (default) or libev (a real loop)")
    pr.add_argument("--json", action="store_true")
    pr.add_argument("--trace", action="store_true", help="print the trace")
    pr.add_argument("--repeat", type=int, default=None, metavar="N",
                    help="libev: N real runs, their verdicts counted")
    pr.add_argument("--expect", default=None, metavar="KIND",
                    help="exit 0 when the verdict is KIND (or of the family KIND), 1 otherwise")
    pr.set_defaults(fn=cmd_run)

    pe = sub.add_parser("explore", help="search a scenario's schedules for a counterexample")
    pe.add_argument("scenario", help=SCENARIO_HELP)
    pe.add_argument("--policy", default="fifo")
    pe.add_argument("--strategy", default="exhaustive", help="random, pct or exhaustive")
    pe.add_argument("--budget", type=int, default=100_000, help="schedules at most")
    pe.add_argument("--seconds", type=float, default=None, help="wall-clock limit")
    pe.add_argument("--seed", type=int, default=0)
    pe.add_argument("--depth", type=int, default=3, help="pct: the bug depth")
    pe.add_argument("--bound", type=int, default=None,
                    help="exhaustive: at most this many choices off the natural order")
    pe.add_argument("--save", default=None, help="write the counterexample as a replay file")
    pe.add_argument("--checkpoint", default=None, metavar="FILE",
                    help="exhaustive: save the search's position to FILE (on Ctrl-C, when "
                         "the budget runs out); resume from it if it exists")
    pe.add_argument("--jobs", type=int, default=None,
                    help="random, pct: runs at once (default: one per core; same results)")
    pe.add_argument("--json", action="store_true")
    pe.add_argument("--expect", default=None, metavar="KIND",
                    help="exit 0 when the verdict is KIND (or of the family KIND), 1 otherwise")
    pe.set_defaults(fn=cmd_explore)

    py_ = sub.add_parser("replay", help="run a saved replay file")
    py_.add_argument("file")
    py_.add_argument("--json", action="store_true")
    py_.add_argument("--trace", action="store_true")
    py_.add_argument("--expect", default=None, metavar="KIND",
                    help="exit 0 when the verdict is KIND (or of the family KIND), 1 otherwise")
    py_.set_defaults(fn=cmd_replay)

    pm = sub.add_parser("matrix", help="explore every scenario under every policy")
    pm.add_argument("--json", action="store_true")
    pm.add_argument("--budget", type=int, default=1_000_000, help="schedules per cell")
    pm.add_argument("--bound", type=int, default=None,
                    help="deviation bound per schedule (cells it cuts are inconclusive)")
    pm.add_argument("--jobs", type=int, default=None,
                    help="cells explored at once (default: one per core)")
    pm.add_argument("--policy", action="append", help="only these policies (repeatable)")
    pm.add_argument("--scenario", action="append",
                    help="only these scenarios (repeatable; any form run takes)")
    pm.add_argument("--out", default=None, metavar="DIR",
                    help="also write DIR/matrix.md, matrix.html and matrix.json")
    pm.set_defaults(fn=cmd_matrix)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.fn(args)
    except (_Fail, Error, ValueError, TypeError) as e:  # ScenarioError, ReplayError...
        print(f"wakebench: {printable(e)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("wakebench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `wakebench list | head`: the reader left; so do we, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""Do the simulator and a real libev loop agree? For each scenario of
tests/test_interleaving.py with threads or workers, the verdict kinds the
simulator's exhaustive search reaches, and what N real runs on libev give.

    python benchmarks/libev_agreement.py [--runs N] [--policy P]

The real runs cannot be steered: a hazard shows up in some of them, or in
none. Agreement means every kind a real run gives is one the simulator
reaches; the script prints both and exits 1 on a disagreement.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys

import wakebench as wb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import test_interleaving as ti  # noqa: E402  (the scenarios the tests check)


def scenarios():
    yield ti.opposite_threads()
    for kind in ("std", "async"):
        for await_between in (False, True):
            yield ti.opposite_workers(kind, await_between)
    yield from ti.graph_scenarios()


def simulated_kinds(s, policy):
    ex = wb.explore(s, policy, strategy="exhaustive", stop_at_first=False, budget=300_000)
    return set(ex.outcomes), ex.complete


def agreement(runs: int, policy: str, out=print) -> bool:
    ok = True
    out(f"{'scenario':34} {'simulator (exhaustive)':46} libev, {runs} runs")
    for s in scenarios():
        sim, complete = simulated_kinds(s, policy)
        real = collections.Counter(
            wb.run(s, policy, backend="libev", watchdog_s=0.2).verdict.kind for _ in range(runs))
        agree = set(real) <= sim
        ok &= agree
        shown = ", ".join(sorted(sim)) + ("" if complete else " (budget)")
        counts = ", ".join(f"{k} {n}" for k, n in sorted(real.items()))
        out(f"{s.name:34} {shown:46} {counts}{'' if agree else '   DISAGREE'}")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--policy", default="fifo")
    args = ap.parse_args()
    sys.exit(0 if agreement(args.runs, args.policy) else 1)


if __name__ == "__main__":
    main()

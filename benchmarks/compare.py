"""This tree against another build of wakebench, side by side, in one run.

    python benchmarks/compare.py --old DIR [--rounds N] [--repeat K]

DIR holds another build of the package (e.g. a previous commit installed
with ``pip install --no-deps --target DIR .`` from a worktree). Each figure
is measured in a fresh interpreter for each build, the builds alternating,
K times; the best of each is printed with the ratio new/old. The machine is
noisy: alternating in one run keeps the comparison fair.

Figures: the wake ping-pong of benchmarks/core.py (ns per wake-to-poll, per
policy), the wall time of ``wakebench matrix`` over the catalog, and of the
exhaustive search of benchmarks/scale.py's mutex model on workers (each
capped at --cap seconds: a capped figure is marked ``cut``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

PROBE = r"""
import json, sys, time
sys.path.insert(0, {bench!r})
import wakebench as wb
from core import ping_pong
rounds = {rounds}
out = {{}}
sc = ping_pong(rounds)
for policy in wb.builtin_policies():
    r = wb.run(sc, policy, trace=False, max_steps=4_000_000_000, max_seconds=120)
    out["ping-pong " + policy] = r.stats["elapsed_s"] * 1e9 / max(r.stats["polls"], 1)
from wakebench.matrix import compute
t0 = time.perf_counter()
compute()
out["matrix"] = (time.perf_counter() - t0) * 1e9
from scale import mutex_model
for tasks, reps, workers in ((3, 3, 2), (3, 2, 3), (3, 3, 3)):
    t0 = time.perf_counter()
    ex = wb.explore(mutex_model(tasks, reps, workers), "fifo", strategy="exhaustive",
                    stop_at_first=False, budget=10**12, max_seconds_total={cap})
    key = f"mutex {{tasks}}x{{reps}}, {{workers}} workers" + ("" if ex.complete else " cut")
    out[key] = (time.perf_counter() - t0) * 1e9
print(json.dumps({{"file": wb._core.__file__, "figures": out}}))
"""


def measure(site: str, rounds: int, cap: float) -> dict:
    env = dict(os.environ)
    if site:
        env["PYTHONPATH"] = site
    code = PROBE.format(bench=os.path.dirname(os.path.abspath(__file__)), rounds=rounds, cap=cap)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       check=True, cwd="/")
    return json.loads(r.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="a directory holding the other build")
    ap.add_argument("--rounds", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cap", type=float, default=60.0, help="seconds per exhaustive search")
    args = ap.parse_args()
    best: dict = {"old": {}, "new": {}}
    files = {}
    for _ in range(args.repeat):
        for which, site in (("old", args.old), ("new", "")):
            r = measure(site, args.rounds, args.cap)
            files[which] = r["file"]
            for k, v in r["figures"].items():
                best[which][k] = min(v, best[which].get(k, float("inf")))
    print(f"old: {files['old']}\nnew: {files['new']}")
    print(f"{'figure':<34}{'old':>14}{'new':>14}{'new/old':>10}")
    for k in sorted(set(best["old"]) | set(best["new"]), key=lambda k: (k.split()[0], k)):
        old, new = best["old"].get(k), best["new"].get(k)
        unit, scale = ("ns/wake", 1.0) if k.startswith("ping-pong") else ("ms", 1e6)
        ratio = f"{new / old:.2f}" if old and new else "-"
        cell = lambda v: f"{v / scale:>11.1f} {unit:<2}" if v is not None else f"{'-':>14}"
        print(f"{k:<34}{cell(old)}{cell(new)}{ratio:>8}")


if __name__ == "__main__":
    main()

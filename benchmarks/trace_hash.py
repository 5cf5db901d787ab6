"""One hash of what the catalog does: for a refactoring that must not change
behaviour, run it before and after (or against another build with
PYTHONPATH) and compare.

    python benchmarks/trace_hash.py [--seeds N]

It hashes, for every catalog entry under every built-in policy, the trace,
verdict and explanation of N seeded runs, and the outcomes and counts
(schedules, states, pruned) of an exhaustive exploration.
"""

from __future__ import annotations

import argparse
import hashlib

import wakebench as wb


def catalog_hash(seeds: int) -> str:
    h = hashlib.sha256()
    for name in wb.catalog.names():
        for p in wb.builtin_policies():
            for seed in range(seeds):
                out = wb.run(name, p, seed=seed)
                for part in (out.trace_text, out.verdict.kind, out.explanation):
                    h.update(part.encode())
            ex = wb.explore(name, p, stop_at_first=False)
            h.update(repr(sorted(ex.outcomes.items())).encode())
            h.update(str((ex.schedules, ex.states, ex.pruned)).encode())
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    print(f"{catalog_hash(args.seeds)}  ({wb._core.__file__})")


if __name__ == "__main__":
    main()

"""How the core scales: spawning, parked tasks, exhaustive search of a
mutex model, and the matrix on every core. Figures side by side in one run.

    python benchmarks/scale.py [--seconds S]

- spawn + yield per task at 1 k and at 160 k tasks (linear: the ratio near 1);
- 1 M parked tasks run to completion (time);
- N tasks each doing R x (lock; yield; unlock; yield) on one async mutex,
  searched exhaustively, on one loop thread (FIFO queues: one schedule) and
  on a runtime with W workers (every visible operation a choice of
  thread): distinct states and schedules (the cost must grow with states,
  not schedules), whether the search completed within S seconds; on
  workers, with symmetry (identical tasks and workers taken as one) and
  without;
- random search of a racy scenario on 1 thread and on every core (jobs);
- `wakebench matrix` with one thread and with one per core.
"""

from __future__ import annotations

import argparse
import os
import time

import wakebench as wb
from core import parked  # benchmarks/core.py: each task parks once in one queue
from wakebench import ops


def spawner(n: int) -> wb.Scenario:
    s = wb.Scenario("spawn")
    s.task("child", [ops.yield_()], count=n, autostart=False)
    s.task("main", [ops.repeat(n, ops.spawn("child"), ops.yield_())])
    return s


def mutex_model(tasks: int, reps: int, workers: int) -> wb.Scenario:
    s = wb.Scenario(f"mutex-{tasks}x{reps}", workers=workers)
    m = s.async_mutex("m")
    for i in range(tasks):
        s.task(f"t{i}", [ops.repeat(reps, m.lock(), ops.yield_(), m.unlock(), ops.yield_())])
    return s


def per_task_ns(s: wb.Scenario, n: int) -> float:
    s.build()
    best = min(wb.run(s, "fifo", trace=False, max_steps=4_000_000_000, max_seconds=120).stats["elapsed_s"]
               for _ in range(3))
    return best / n * 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="time cap per exhaustive search")
    args = ap.parse_args()

    small, large = per_task_ns(spawner(1_000), 1_000), per_task_ns(spawner(160_000), 160_000)
    print(f"spawn + yield per task: {small:.0f} ns at 1 k, {large:.0f} ns at 160 k "
          f"(ratio {large / small:.2f}, target <= 2)")

    s = parked(1_000_000)
    s.build()
    t0 = time.perf_counter()
    out = wb.run(s, "fifo", trace=False, max_seconds=120)
    print(f"1 M parked tasks: {out.verdict.kind} in {time.perf_counter() - t0:.2f} s (target < 2 s)")

    models = ((3, 3, 1), (5, 2, 1), (2, 3, 2), (3, 3, 2), (3, 3, 3), (5, 2, 5))
    for (tasks, reps, workers), symmetry in [(m, sym) for m in models for sym in (True, False)
                                             if sym or m[2] > 1]:
        t0 = time.perf_counter()
        ex = wb.explore(mutex_model(tasks, reps, workers), "fifo", strategy="exhaustive",
                        stop_at_first=False, budget=10**12, max_seconds_total=args.seconds,
                        symmetry=symmetry)
        took = time.perf_counter() - t0
        where = "one loop thread" if workers == 1 else f"{workers} workers"
        print(f"{tasks} tasks x {reps} x (lock; yield; unlock; yield), {where}"
              f"{'' if symmetry else ', symmetry off'}: "
              f"{ex.verdict}, {ex.states:,} states, {ex.schedules:,} schedules, "
              f"{ex.revisits:,} cut by the state cache, {took:.2f} s"
              f"{'' if ex.complete else ' (not complete)'}")

    cores = os.cpu_count() or 1
    for jobs in (1, cores):
        t0 = time.perf_counter()
        ex = wb.explore("sidecar-thread-wake", "ngx_inline", strategy="random", jobs=jobs,
                        stop_at_first=False, budget=300_000)
        print(f"random search, 300 k schedules of sidecar-thread-wake, {jobs} thread(s): "
              f"{time.perf_counter() - t0:.2f} s ({dict(ex.outcomes)})")

    from wakebench import matrix
    for jobs in (1, os.cpu_count() or 1):
        t0 = time.perf_counter()
        matrix.compute(jobs=jobs)
        print(f"matrix, {jobs} thread(s): {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()

"""Explorer figures.

    python benchmarks/explore.py

1. Random exploration of h2-drop-wake-nested: schedules per second, one core,
   GIL released (measured in C++ by the explorer; a Python thread ticks
   alongside to show the GIL is free).
2. Exhaustive exploration of each catalog scenario under each policy: time,
   schedules, states.
3. A hypothesis property over generated scenarios: examples per second.
"""

from __future__ import annotations

import threading
import time

from hypothesis import given, settings

import wakebench as wb
from wakebench.strategies import drop_wake_scenarios, seeds


def random_rate() -> None:
    print("random exploration of h2-drop-wake-nested (no stop at first counterexample)")
    print(f"  {'policy':<18}{'schedules':>12}{'seconds':>10}{'schedules/s':>14}{'py ticks':>10}")
    for p in wb.builtin_policies():
        ticks = [0]
        stop = threading.Event()

        def tick() -> None:
            while not stop.is_set():
                ticks[0] += 1
                time.sleep(0.001)

        th = threading.Thread(target=tick)
        th.start()
        ex = wb.explore("h2-drop-wake-nested", p, strategy="random", budget=300_000,
                        stop_at_first=False)
        stop.set()
        th.join()
        print(f"  {p:<18}{ex.schedules:>12,}{ex.elapsed_s:>10.3f}{ex.rate:>14,.0f}{ticks[0]:>10}")


def exhaustive_times() -> None:
    print("\nexhaustive exploration, every catalog scenario x policy (all schedules, sleep sets)")
    print(f"  {'scenario':<24}{'policy':<18}{'verdict':<26}{'schedules':>10}{'states':>8}{'ms':>8}")
    worst = 0.0
    for name in wb.catalog.names():
        for p in wb.builtin_policies():
            t0 = time.perf_counter()
            ex = wb.explore(name, p, strategy="exhaustive", stop_at_first=False)
            ms = (time.perf_counter() - t0) * 1000
            worst = max(worst, ms)
            print(f"  {name:<24}{p:<18}{ex.verdict:<26}{ex.schedules:>10}{ex.states:>8}{ms:>8.2f}")
    print(f"  slowest: {worst:.2f} ms (target: under 1 s each)")


def hypothesis_rate() -> None:
    n = 1000
    count = [0]

    @settings(max_examples=n, deadline=None, database=None)
    @given(drop_wake_scenarios(), seeds())
    def prop(s, seed):
        count[0] += 1
        for p in ("ngx_posted", "fifo"):
            assert wb.run(s, p, seed=seed, trace=False).verdict.kind != "deadlock/reentrant_lock"

    t0 = time.perf_counter()
    prop()
    dt = time.perf_counter() - t0
    print(f"\nhypothesis property (generate a scenario, run it under 2 policies): "
          f"{count[0]} examples in {dt:.2f}s = {count[0] / dt:,.0f} examples/s (target 200)")


if __name__ == "__main__":
    random_rate()
    exhaustive_times()
    hypothesis_rate()

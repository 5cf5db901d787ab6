"""The libev backend, measured: one table.

    python benchmarks/loop.py [--seconds S]

1. Wake-to-poll ping-pong between two tasks on one real loop, per policy:
   the scenario of benchmarks/core.py run with backend="libev" (the machine
   interprets the programs; round trips = the rounds the scenario runs).
2. Raw libev, no scenario: in-loop ping-pong under the posted and posted-next
   pass rules; the cross-thread ev_async round trip (p50, p99), with loops
   that block at once and with loops that spin 50 us first; CPU burned per
   second of wall time by an idle loop whose task keeps re-posting itself,
   posted vs posted-next (getrusage).
3. Peers in the same run: asyncio (call_soon / call_soon_threadsafe) and, if
   installed, uvloop (`pip install uvloop`; never a wakebench dependency).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import wakebench as wb
from wakebench import _core

sys.path.insert(0, str(Path(__file__).parent))
from core import ping_pong  # noqa: E402
from loop_peers import cross_thread, in_loop, peers  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=2_000_000)
    a = ap.parse_args()

    print("1. scenario ping-pong on a real libev loop (2 tasks, tracing off)")
    print(f"   {'policy':<18}{'round trips/s':>16}{'loop iterations':>17}{'verdict':>9}")
    sc = ping_pong(a.rounds)
    best = 0.0
    for p in wb.builtin_policies():
        out = wb.run(sc, p, backend="libev", trace=False, max_steps=4_000_000_000,
                     max_seconds=60)
        # A round trip: ping wakes pong, pong wakes ping. Count the rounds,
        # not polls / 2: under ngx_inline ping's poll goes on after pong's
        # inline poll woke it, so a round takes one poll, not two.
        rate = a.rounds / out.stats["elapsed_s"]
        best = max(best, rate)
        print(f"   {p:<18}{rate:>16,.0f}{out.stats['iterations']:>17,}{out.verdict.kind:>9}")

    f = _core.loop_figures(a.seconds)
    print("\n2. raw libev")
    print(f"   in-loop ping-pong, posted pass       {f['in_loop_posted_per_s']:>14,.0f} round trips/s")
    print(f"   in-loop ping-pong, posted-next pass  {f['in_loop_posted_next_per_s']:>14,.0f} round trips/s")
    print(f"   cross-thread ev_async round trip     p50 {f['cross_thread_p50_us']:.1f} us, "
          f"p99 {f['cross_thread_p99_us']:.1f} us ({f['cross_thread_per_s']:,.0f}/s, "
          f"CPU {f['cross_thread_cpu_per_wall']:.2f} s/wall s): both loops block in epoll_wait")
    print(f"   same, spinning {f['cross_thread_spin_us']:.0f} us before blocking  "
          f"p50 {f['cross_thread_spin_p50_us']:.1f} us, p99 {f['cross_thread_spin_p99_us']:.1f} us "
          f"({f['cross_thread_spin_per_s']:,.0f}/s, CPU {f['cross_thread_spin_cpu_per_wall']:.2f} "
          f"s/wall s)")
    print("   (target p50 <= 20 us; a blocking wait pays the OS's, and a VM's, thread wake-up)")
    print(f"   idle task re-posting itself, CPU s per wall s: posted "
          f"{f['idle_cpu_per_wall_posted']:.3f} ({f['idle_iterations_posted']:,} iterations), "
          f"posted-next {f['idle_cpu_per_wall_posted_next']:.3f} "
          f"({f['idle_iterations_posted_next']:,} iterations)")

    print("\n3. peers (same machine, same run)")
    print(f"   {'loop':<16}{'in-loop/s':>14}{'cross p50 us':>14}{'cross p99 us':>14}"
          f"{'scenario x':>12}{'raw x':>10}")
    for name, factory in peers():
        il = in_loop(factory, 10_000_000, a.seconds)
        ct = cross_thread(factory, 100_000, a.seconds)
        print(f"   {name:<16}{il.per_second:>14,.0f}{ct.p50_us:>14.1f}{ct.p99_us:>14.1f}"
              f"{best / il.per_second:>11.1f}x{f['in_loop_posted_per_s'] / il.per_second:>9.1f}x")
    print("   (x: libev's in-loop ping-pong over the peer's; targets 10x asyncio, 3x uvloop)")


if __name__ == "__main__":
    main()

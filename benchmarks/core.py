"""Foundation figures: simulator wake ping-pong and memory per parked task.

    python benchmarks/core.py [--rounds N] [--tasks N]

Prints, for each policy, polls per second and ns per wake-to-poll of a
two-task ping-pong with tracing off (the run is in C++, GIL released, one
core), and the bytes per parked task for a million parked tasks: the
model's own accounting and the process's resident-set growth.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import wakebench as wb
from wakebench import ops


def ping_pong(rounds: int) -> wb.Scenario:
    """Two tasks hand a token back and forth over two one-slot channels:
    send = counter += 1 then wake; receive = loop until the counter is
    positive, parking in between. Safe under every policy, inline included
    (a naive wake-then-park ping-pong loses wakes when wakes poll inline)."""
    s = wb.Scenario("ping-pong")
    a, b = s.wait_queue("a"), s.wait_queue("b")
    to_ping, to_pong = s.counter("to_ping"), s.counter("to_pong")
    n = s.counter("rounds")

    def receive(box, q):
        return ops.loop(ops.if_(box > 0, box.add(-1), ops.break_()), q.park())

    s.task("ping", [ops.loop(
        ops.if_(n >= rounds, ops.break_()), n.add(1),
        to_pong.add(1), b.wake(),
        receive(to_ping, a),
    )])
    s.task("pong", [ops.loop(receive(to_pong, b), to_ping.add(1), a.wake())], daemon=True)
    return s


def parked(count: int) -> wb.Scenario:
    s = wb.Scenario("parked")
    q = s.wait_queue("q")
    s.task("t", [q.park()], count=count, daemon=True)
    return s


def bench_ping_pong(rounds: int) -> None:
    print(f"wake ping-pong, 2 tasks, {rounds:,} rounds, tracing off")
    print(f"  {'policy':<18}{'polls':>12}{'polls/s':>16}{'ns/wake-to-poll':>18}{'verdict':>10}")
    sc = ping_pong(rounds)
    for policy in wb.builtin_policies():
        best = None
        for _ in range(3):
            out = wb.run(sc, policy, trace=False, max_steps=4_000_000_000, max_seconds=120)
            st = out.stats
            if best is None or st["elapsed_s"] < best["elapsed_s"]:
                best = st
        rate = best["polls"] / best["elapsed_s"]
        print(f"  {policy:<18}{best['polls']:>12,}{rate:>16,.0f}{1e9 / rate:>18.1f}"
              f"{out.verdict.kind:>10}")


def bench_parked(count: int) -> None:
    # In a fresh process so the resident-set growth is this scenario's alone.
    code = f"""
import resource, wakebench as wb, sys
sys.path.insert(0, {repr(sys.path[0])})
from core import parked
sc = parked({count})
sc.build()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = wb.run(sc, "fifo", trace=False)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(out.verdict.kind, out.stats["polls"], out.stats["model_bytes"], (after - before) * 1024)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    kind, polls, model, rss = r.stdout.split()
    print(f"{count:,} parked tasks (each polled once, waker parked in one queue): {kind}")
    print(f"  model accounting: {int(model) / count:8.1f} bytes/task")
    print(f"  RSS growth:       {int(rss) / count:8.1f} bytes/task  (limit 256)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2_000_000)
    ap.add_argument("--tasks", type=int, default=1_000_000)
    a = ap.parse_args()
    bench_ping_pong(a.rounds)
    print()
    bench_parked(a.tasks)


if __name__ == "__main__":
    main()

"""Peers of the raw libev ping-pongs (cpp/loop/pingpong.hpp) on Python loops.

    python benchmarks/loop_peers.py [--seconds S] [--libev PATH/TO/loop_bench]

The same two measurements as loop_bench's (a) and (b), on asyncio and, if it
is importable, on uvloop (a benchmark peer only, never a wakebench
dependency; prints "uvloop: not installed" otherwise):

  in-loop       two callbacks wake each other with loop.call_soon; a round
                trip is two hops. Round trips per second.
  cross-thread  a loop in the main thread and a loop in a std thread wake
                each other with call_soon_threadsafe (the ev_async of asyncio);
                the foreign thread times every round trip. p50 / p99 in us.

Every measurement is bounded by a count and by --seconds (and a watchdog a
little later), joins its thread and closes both loops. With --libev, runs
that loop_bench binary with the same --seconds and prints the ratio of its
in-loop figure to each Python peer's.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import threading
import time
from typing import Callable, NamedTuple

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


class InLoop(NamedTuple):
    round_trips: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.round_trips / self.seconds if self.seconds > 0 else 0.0


class CrossThread(NamedTuple):
    round_trips: int
    seconds: float
    p50_us: float
    p99_us: float
    timed_out: bool


def in_loop(new_loop: LoopFactory, max_round_trips: int, max_seconds: float) -> InLoop:
    loop = new_loop()
    try:
        done = loop.create_future()
        hops = 0
        max_hops = 2 * max_round_trips
        deadline = time.perf_counter() + max_seconds
        call_soon = loop.call_soon
        clock = time.perf_counter

        def ping() -> None:
            nonlocal hops
            hops += 1
            if hops >= max_hops or (hops & 4095 == 0 and clock() >= deadline):
                done.set_result(None)
            else:
                call_soon(pong)

        def pong() -> None:
            nonlocal hops
            hops += 1
            if hops >= max_hops or (hops & 4095 == 0 and clock() >= deadline):
                done.set_result(None)
            else:
                call_soon(ping)

        t0 = time.perf_counter()
        loop.call_soon(ping)
        loop.run_until_complete(asyncio.wait_for(done, max_seconds + 1.0))
        return InLoop(hops // 2, time.perf_counter() - t0)
    finally:
        loop.close()


def cross_thread(new_loop: LoopFactory, max_round_trips: int, max_seconds: float) -> CrossThread:
    home, foreign = new_loop(), new_loop()
    home_done = home.create_future()
    latencies_us: list[float] = []
    sent_at = 0.0
    timed_out = False
    deadline = time.perf_counter() + max_seconds

    def on_ping() -> None:  # home loop: answer with a pong
        try:
            foreign.call_soon_threadsafe(on_pong)
        except RuntimeError:  # the foreign loop already stopped on its watchdog
            pass

    def ping() -> None:  # foreign loop
        nonlocal sent_at
        sent_at = time.perf_counter()
        home.call_soon_threadsafe(on_ping)

    def finish() -> None:  # foreign loop: release the home loop, stop this one
        home.call_soon_threadsafe(lambda: home_done.done() or home_done.set_result(None))
        foreign.stop()

    def on_pong() -> None:  # foreign loop
        nonlocal timed_out
        now = time.perf_counter()
        latencies_us.append((now - sent_at) * 1e6)
        if len(latencies_us) >= max_round_trips:
            finish()
        elif now >= deadline:
            timed_out = True
            finish()
        else:
            ping()

    def watchdog() -> None:
        nonlocal timed_out
        timed_out = True
        finish()

    def run_foreign() -> None:
        asyncio.set_event_loop(foreign)
        foreign.call_soon(ping)
        foreign.call_later(max_seconds + 0.5, watchdog)
        foreign.run_forever()

    t0 = time.perf_counter()
    thread = threading.Thread(target=run_foreign, name="loop-peer-foreign", daemon=True)
    thread.start()
    try:
        home.run_until_complete(asyncio.wait_for(home_done, max_seconds + 2.0))
    except asyncio.TimeoutError:
        timed_out = True
        foreign.call_soon_threadsafe(foreign.stop)
    finally:
        thread.join(max_seconds + 5.0)
        seconds = time.perf_counter() - t0
        if not thread.is_alive():
            foreign.close()
        home.close()
    lat = sorted(latencies_us)
    p50 = statistics.median(lat) if lat else 0.0
    p99 = lat[min(len(lat) - 1, int(0.99 * (len(lat) - 1)))] if lat else 0.0
    return CrossThread(len(lat), seconds, p50, p99, timed_out)


def peers() -> list[tuple[str, LoopFactory]]:
    found: list[tuple[str, LoopFactory]] = [("asyncio", asyncio.new_event_loop)]
    try:
        import uvloop  # noqa: PLC0415  (a benchmark peer, not a dependency)
    except ImportError:
        print("uvloop: not installed")
    else:
        found.append((f"uvloop {uvloop.__version__}", uvloop.new_event_loop))
    return found


def libev_in_loop(binary: str, seconds: float) -> float | None:
    """Run loop_bench, echo its table, return its "posted" round trips/s."""
    out = subprocess.run([binary, str(seconds)], check=True, capture_output=True, text=True,
                         timeout=60 * seconds + 60).stdout
    print(out)
    m = re.search(r"posted \(drain until empty\)\s+(\d+)", out)
    return float(m.group(1)) if m else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=1.0, help="bound per measurement (default 1)")
    ap.add_argument("--round-trips", type=int, default=5_000_000, help="count bound for in-loop")
    ap.add_argument("--cross-round-trips", type=int, default=100_000, help="count bound for cross-thread")
    ap.add_argument("--libev", metavar="LOOP_BENCH", help="also run this loop_bench binary and print ratios")
    args = ap.parse_args(argv)
    if not 0 < args.seconds <= 30:
        ap.error(f"--seconds must be in (0, 30], got {args.seconds}")

    print(f"Python {sys.version.split()[0]}, {args.seconds:g} s bound per row")
    rows = []
    loops = peers()
    print(f"  {'loop':<16} {'in-loop rt/s':>14} {'x-thread rt/s':>14} {'p50 us':>8} {'p99 us':>8}")
    for name, factory in loops:
        a = in_loop(factory, args.round_trips, args.seconds)
        b = cross_thread(factory, args.cross_round_trips, args.seconds)
        rows.append((name, a))
        print(f"  {name:<16} {a.per_second:>14.0f} {b.round_trips / b.seconds:>14.0f} "
              f"{b.p50_us:>8.1f} {b.p99_us:>8.1f}")

    if args.libev:
        print()
        ev = libev_in_loop(args.libev, args.seconds)
        if ev:
            for name, a in rows:
                print(f"libev posted in-loop / {name}: {ev / a.per_second:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

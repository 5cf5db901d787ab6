"""run(): outcomes, schedules, determinism, bounds, bad arguments."""

import json
import subprocess
import sys

import pytest

import wakebench as wb
from wakebench import ops


def racy():
    """Four tasks, two events at the same time and a thread: several choice points."""
    s = wb.Scenario("racy")
    m = s.async_mutex("m")
    q = s.wait_queue("q")
    c = s.counter("c")
    for name in ("a", "b", "c"):
        s.task(name, [m.lock(), c.add(1), ops.yield_(), m.unlock(), q.wake()])
    s.task("w", [ops.loop(ops.if_(c >= 3, ops.break_()), q.park())])
    s.on_event("tick", at=3, program=[q.wake()])
    s.on_event("tock", at=3, program=[ops.print("tock")])
    s.thread("side", program=[ops.repeat(3, q.wake())])  # interleaves at every step
    return s


def test_outcome_fields():
    out = wb.run("h2-drop-wake-nested", "ngx_inline")
    assert out.scenario == "h2-drop-wake-nested" and out.policy == "ngx_inline"
    assert out.schedule == "v1."
    d = out.to_dict()
    for key in ("scenario", "policy", "verdict", "explanation", "schedule", "trace"):
        assert key in d
    json.dumps(d)
    assert out.stats["inline_polls"] >= 2


def test_seeded_runs_replay_byte_for_byte():
    s = racy()
    schedules = set()
    for seed in range(20):
        a = wb.run(s, "fifo", seed=seed)
        assert a.verdict.ok, a.explanation
        b = wb.run(s, "fifo", seed=seed)
        r = wb.run(s, "fifo", schedule=a.schedule)
        assert a.trace_text == b.trace_text == r.trace_text
        schedules.add(a.schedule)
    assert len(schedules) > 5, "seeds must explore different schedules"


def test_trace_identical_in_a_fresh_process():
    code = ("import wakebench as wb, sys; sys.path.insert(0, %r); from test_run import racy; "
            "sys.stdout.write(wb.run(racy(), 'ngx_posted', seed=7).trace_text)") % __file__.rsplit("/", 1)[0]
    here = wb.run(racy(), "ngx_posted", seed=7).trace_text
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout == here
    assert len(here.splitlines()) > 30


def test_mismatched_or_malformed_schedules():
    with pytest.raises(wb.ScheduleError, match="must start with 'v1.'"):
        wb.run(racy(), schedule="garbage")
    with pytest.raises(wb.ScheduleError, match=r"choice #0 .* takes option 9"):
        wb.run(racy(), "fifo", schedule="v1.9")
    with pytest.raises(wb.ScheduleError, match="not both"):
        wb.run(racy(), seed=1, schedule="v1.")


def test_step_bound_is_a_bound_verdict():
    s = wb.Scenario("spin")
    s.task("t", [ops.loop(ops.yield_())])
    out = wb.run(s, max_steps=10_000)
    assert out.verdict.kind == "bound/steps" and out.verdict.inconclusive
    assert "'t'" in out.explanation


def test_time_bound_is_a_bound_verdict():
    s = wb.Scenario("spin")
    s.task("t", [ops.loop(ops.yield_())])
    out = wb.run(s, trace=False, max_steps=4_000_000_000, max_seconds=0.2)
    assert out.verdict.kind == "bound/time"
    assert out.stats["elapsed_s"] < 5


def test_memory_bound_is_a_bound_verdict():
    s = wb.Scenario("chatty")
    s.task("t", [ops.loop(ops.print("x"), ops.yield_())])
    out = wb.run(s, max_steps=4_000_000_000, max_memory=2_000_000)
    assert out.verdict.kind == "bound/memory"


def test_depth_bound_stops_inline_chains():
    s = wb.Scenario("chain")
    qs = [s.wait_queue(f"q{i}") for i in range(40)]
    for i in range(40):
        nxt = [qs[i + 1].wake()] if i + 1 < 40 else []
        s.task(f"t{i}", [qs[i].park(), *nxt])
    s.on_event("kick", at=1, program=[qs[0].wake()])
    assert wb.run(s, "ngx_inline", max_depth=16).verdict.kind == "bound/depth"
    assert wb.run(s, "ngx_posted", max_depth=16).verdict.ok


@pytest.mark.parametrize("kwargs,err", [
    ({"max_steps": 0}, ValueError), ({"max_steps": -5}, ValueError),
    ({"max_seconds": float("nan")}, ValueError), ({"max_depth": 10**9}, ValueError),
    ({"seed": -1}, ValueError), ({"max_steps": "many"}, TypeError),
])
def test_bad_limits(kwargs, err):
    with pytest.raises(err):
        wb.run("h2-drop-wake-nested", **kwargs)


def test_unknown_names():
    with pytest.raises(wb.UnknownNameError, match="valid: ngx_inline, ngx_defer_nested"):
        wb.run("h2-drop-wake-nested", "tokio")
    with pytest.raises(wb.UnknownNameError, match="valid: h2-drop-wake-nested"):
        wb.run("no-such-scenario")


def test_lost_wake_and_lock_cycle_verdicts():
    s = wb.Scenario("early-wake")
    q = s.wait_queue("q")
    s.task("notifier", [q.wake()])
    s.task("waiter", [q.park()])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/lost_wake"
    assert "found it empty" in out.explanation

    s = wb.Scenario("abba")
    a, b = s.async_mutex("a"), s.async_mutex("b")
    s.task("t1", [a.lock(), ops.yield_(), b.lock(), b.unlock(), a.unlock()])
    s.task("t2", [b.lock(), ops.yield_(), a.lock(), a.unlock(), b.unlock()])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/lock_cycle"
    assert "task 't1' waits" in out.explanation and "held by task 't2'" in out.explanation


def test_gil_is_released_during_runs():
    import threading
    import time
    s = wb.Scenario("spin")
    s.task("t", [ops.loop(ops.yield_())])
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    th = threading.Thread(target=ticker)
    th.start()
    wb.run(s, trace=False, max_steps=4_000_000_000, max_seconds=0.3)
    stop.set()
    th.join()
    assert len(ticks) > 50

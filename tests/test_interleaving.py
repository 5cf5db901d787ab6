"""Threads and workers that really interleave, time that flows while a
thread is blocked, and verdicts read from the wait-for graph (issue
"Threads and workers that really interleave"). Each test asserts the
verdict and the edges its explanation names."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wakebench as wb
from wakebench import ops


def exhaustive(s, policy="fifo"):
    return wb.explore(s, policy, strategy="exhaustive", stop_at_first=False, budget=200_000)


def replays(s, out):
    again = wb.run(s, out.policy, schedule=out.schedule)
    assert again.trace_text == out.trace_text and again.verdict == out.verdict


# ---- interleaving --------------------------------------------------------


def opposite_threads():
    s = wb.Scenario("opposite-threads")
    a, b = s.mutex("a"), s.mutex("b")
    s.thread("x", program=[a.lock(), b.lock(), b.unlock(), a.unlock()])
    s.thread("y", program=[b.lock(), a.lock(), a.unlock(), b.unlock()])
    return s


def test_two_threads_locking_two_std_mutexes_in_opposite_orders_deadlock():
    ex = exhaustive(opposite_threads())
    assert ex.complete and set(ex.outcomes) == {"ok", "deadlock/lock_cycle"}, ex.outcomes
    s = opposite_threads()
    cx = wb.explore(s, "fifo", strategy="exhaustive").counterexample
    assert cx.verdict.kind == "deadlock/lock_cycle"
    assert "thread 'x' waits for blocking mutex 'b' held by thread 'y'" in cx.explanation
    assert "thread 'y' waits for blocking mutex 'a' held by thread 'x'" in cx.explanation
    replays(s, cx)


def opposite_workers(kind, await_between):
    s = wb.Scenario(f"opposite-workers-{kind}-{await_between}", workers=2)
    make = (lambda n: s.mutex(n, kind="send_guard")) if kind == "std" else s.async_mutex
    a, b = make("a"), make("b")
    mid = [ops.yield_()] if await_between else []
    s.task("t1", [a.lock(), *mid, b.lock(), b.unlock(), a.unlock()])
    s.task("t2", [b.lock(), *mid, a.lock(), a.unlock(), b.unlock()])
    return s


@pytest.mark.parametrize("kind", ["std", "async"])
@pytest.mark.parametrize("await_between", [False, True])
def test_two_workers_locking_two_mutexes_in_opposite_orders_deadlock(kind, await_between):
    # A poll on one worker is not atomic with respect to the other: with no
    # await between the locks too, some schedule takes one lock on each.
    s = opposite_workers(kind, await_between)
    if not await_between:  # small enough to search completely without reductions
        ex = exhaustive(s)
        assert ex.complete and set(ex.outcomes) == {"ok", "deadlock/lock_cycle"}, ex.outcomes
    cx = wb.explore(s, "fifo", strategy="exhaustive").counterexample
    t = cx.explanation
    assert "task 't1'" in t and "task 't2'" in t and "mutex 'a'" in t and "mutex 'b'" in t, t
    if kind == "std":  # each worker blocks inside its poll
        assert "is being polled on thread" in t, t
    replays(s, cx)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), policy=st.sampled_from(["fifo", "thread_notify"]))
def test_a_task_being_polled_is_never_polled_by_a_second_worker(seed, policy):
    # A sidecar thread wakes 'main' while a worker polls it: the wake marks
    # it notified and it is queued again when that poll returns (tokio's
    # harness), so no second worker polls it meanwhile.
    s = wb.Scenario("woken-while-polled", workers=2)
    q, n = s.wait_queue("q", kind="slot"), s.counter("n")
    s.task("main", [ops.repeat(3, q.register(), ops.if_(n < 3, ops.pending()))])
    s.thread("sidecar", program=[ops.repeat(3, n.add(1), q.wake())])
    out = wb.run(s, policy, seed=seed)
    running = set()
    for e in out.trace:
        if e.kind == "poll_begin":
            assert e.task not in running, out.trace_text
            running.add(e.task)
        elif e.kind == "poll_end":
            running.discard(e.task)


# ---- time ------------------------------------------------------------------


def loop_waits_for_compute():
    s = wb.Scenario("loop-waits-for-compute")
    m = s.mutex("m")
    s.thread("holder", program=[m.lock(), ops.compute(60), m.unlock()])
    s.task("main", [ops.sleep(40), m.lock(), ops.print("got it"), m.unlock()])
    return s


def test_time_flows_while_the_loop_thread_waits_for_a_computing_thread():
    s = loop_waits_for_compute()
    ex = exhaustive(s)
    assert ex.complete and set(ex.outcomes) == {"ok"}, ex.outcomes
    out = wb.run(s)
    assert [(o.time, o.text) for o in out.output] == [(60, "got it")]


def worker_drives_timers():
    s = wb.Scenario("worker-drives-timers", workers=2)
    m = s.mutex("m", kind="send_guard")
    s.task("sleeper", [m.lock(), ops.sleep(10), m.unlock()])
    s.task("waiter", [ops.yield_(), m.lock(), ops.print("got it"), m.unlock()])
    return s


def test_an_idle_worker_fires_the_timer_while_the_loop_thread_is_blocked():
    # tokio: a parked worker drives the time driver. The holder sleeps with
    # the lock; the waiter blocks its worker on it; the other worker fires
    # the timer and polls the holder, which releases it.
    s = worker_drives_timers()
    ex = wb.explore(s, "fifo", stop_at_first=False)
    assert set(ex.outcomes) == {"ok"}, ex.outcomes
    assert [(o.time, o.text) for o in wb.run(s).output] == [(10, "got it")]


# ---- verdicts from the wait-for graph ---------------------------------------


def blocked_behind_daemon():
    s = wb.Scenario("blocked-behind-daemon")
    m, q = s.mutex("m"), s.wait_queue("q")
    s.task("d", [m.lock(), q.park(), m.unlock()], daemon=True)
    s.thread("t", at=1, program=[m.lock(), m.unlock()])
    return s


def test_a_thread_blocked_for_ever_behind_a_daemon_task_is_a_hazard():
    s = blocked_behind_daemon()
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/never_woken", out.explanation
    assert "thread 't' waits for blocking mutex 'm' held by task 'd'" in out.explanation


def test_an_owner_awaiting_the_future_that_holds_the_lock_is_no_futurelock():
    s = wb.Scenario("owner-awaits-holder")
    m, q = s.async_mutex("m"), s.wait_queue("q")
    s.future("f", owner="main", program=[m.lock(), q.park(), m.unlock()])
    s.task("main", [ops.await_("f")])
    s.task("other", [ops.yield_(), m.lock(), m.unlock()])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/never_woken", out.explanation
    assert "task 'other' waits for async mutex 'm' held by future 'f'" in out.explanation
    # The owner moved on past it (select! over &mut f, the other branch won): futurelock.
    s = wb.Scenario("owner-moved-on")
    m = s.async_mutex("m")
    s.task("holder", [m.lock(), ops.sleep(10), m.unlock()])
    s.future("f", owner="main", program=[m.lock(), m.unlock()])
    s.future("timer", owner="main", program=[ops.sleep(5)])
    s.task("main", [ops.select(ops.branch("f", borrowed=True),
                               ops.branch("timer", m.lock(), m.unlock()))])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/futurelock", out.explanation
    assert "task 'main' waits for async mutex 'm' held by future 'f'" in out.explanation


def test_a_never_polled_future_that_nothing_needs_is_not_blamed():
    s = wb.Scenario("idle-future")
    q = s.wait_queue("q")
    s.future("spare", owner="main", program=[ops.print("never needed")])
    s.task("main", [q.park()])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/never_woken", out.explanation
    assert "spare" not in out.explanation


def channel_oneshot_cycle():
    # The producer fills the channel and waits for room; the consumer first
    # waits for a oneshot the producer sends only after its sends.
    s = wb.Scenario("channel-oneshot-cycle", workers=2)
    ch, ready = s.channel("jobs", capacity=1), s.oneshot("ready")
    s.task("producer", [ch.send(), ch.send(), ready.send(), ch.drop_sender()])
    s.task("consumer", [ready.recv(), ops.loop(ch.recv(on_closed=[ops.break_()]))])
    return s


def test_a_cycle_through_a_channel_and_a_oneshot_is_a_wait_cycle():
    s = channel_oneshot_cycle()
    ex = wb.explore(s, "fifo", stop_at_first=False)
    assert ex.complete and set(ex.outcomes) == {"deadlock/wait_cycle"}, ex.outcomes
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/wait_cycle", out.explanation
    t = out.explanation
    assert "task 'producer' waits in send on full channel 'jobs', which task 'consumer' may " \
           "receive from" in t, t
    assert "task 'consumer' waits in recv on oneshot 'ready', which task 'producer' may send " \
           "to" in t, t
    replays(s, out)


def test_a_join_cycle_is_a_wait_cycle():
    s = wb.Scenario("join-cycle")
    s.task("a", [ops.join("b")])
    s.task("b", [ops.join("a")])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/wait_cycle", out.explanation
    assert "task 'a' waits for task 'b' to finish" in out.explanation


def test_lost_wake_only_when_nobody_holds_the_waker_or_the_wake_came_first():
    s = wb.Scenario("nobody-holds-it")
    s.task("t", [ops.pending()])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/lost_wake"
    assert "nobody holds its waker" in out.explanation
    s = wb.Scenario("wake-first")
    q = s.wait_queue("q")
    s.task("waker", [q.wake()])
    s.task("t", [ops.yield_(), q.park()])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/lost_wake", out.explanation
    assert "the wake came before the registration" in out.explanation
    s = wb.Scenario("held-not-woken")
    q = s.wait_queue("q")
    s.task("t", [q.park()])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/never_woken", out.explanation


def graph_scenarios():
    """The scenarios above with threads, workers or time, for
    benchmarks/libev_agreement.py."""
    return [loop_waits_for_compute(), worker_drives_timers(), blocked_behind_daemon(),
            channel_oneshot_cycle()]

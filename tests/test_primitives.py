"""tokio's primitives in the model: channels, oneshot, Notify, JoinHandle
(join, abort), timeout, and queue bounds."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wakebench as wb
from wakebench import ops

POLICIES = wb.builtin_policies()


def outcomes(sc, policy):
    ex = wb.explore(sc, policy, strategy="exhaustive", stop_at_first=False)
    assert ex.complete
    return dict(ex.outcomes)


def texts(out):
    return [o.text for o in out.output]


def pipeline(capacity, producers, messages, bound=0):
    s = wb.Scenario("pipeline")
    ch = s.channel("jobs", capacity=capacity, bound=bound)
    s.task("producer", [ops.repeat(messages, ch.send())], count=producers)
    s.task("consumer", [ops.repeat(producers * messages, ch.recv()), ops.print("drained")])
    return s


def queued(out):
    """How many messages each send left in the channel, from the trace."""
    return [int(r.detail) for r in out.trace if r.kind == "send"]


@settings(max_examples=40, deadline=None)
@given(capacity=st.integers(1, 3), producers=st.integers(1, 2), messages=st.integers(1, 3),
       policy=st.sampled_from(POLICIES), seed=st.integers(0, 2**32 - 1))
def test_a_bounded_channel_never_holds_more_than_its_capacity_and_loses_no_wake(
        capacity, producers, messages, policy, seed):
    # A lost wake would leave the consumer (or a producer) pending.
    s = pipeline(capacity, producers, messages)
    assert outcomes(s, policy).keys() == {"ok"}
    out = wb.run(s, policy, seed=seed)
    assert len(queued(out)) == producers * messages
    assert max(queued(out)) <= capacity


def test_a_full_channel_hands_its_freed_slot_to_the_first_waiting_sender():
    # tokio's bounded send waits its turn on the channel's semaphore: the
    # slot a recv frees is assigned to the sender that waited first.
    s = wb.Scenario("fifo-senders")
    ch = s.channel("jobs", capacity=1)
    s.task("first", [ch.send(), ops.yield_(), ch.send(), ops.print("first sent twice")])
    s.task("second", [ch.send(), ops.print("second sent")])
    s.task("consumer", [ops.repeat(3, ops.yield_(), ch.recv())])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and texts(out) == ["second sent", "first sent twice"], out.trace_text
    assert "'second' waits in send on 'jobs' (full)" in out.trace_text


def test_an_unbounded_channel_fed_faster_than_drained_exhausts_its_bound():
    s = wb.Scenario("firehose")
    ch = s.channel("events", bound=10)
    s.task("producer", [ops.loop(ch.send(), ops.sleep(1))])
    s.task("consumer", [ops.loop(ch.recv(), ops.sleep(5))])
    for p in POLICIES:
        out = wb.run(s, p)
        assert out.verdict.kind == "resource_exhausted", p
        assert "unbounded channel 'events' holds 11 messages, past its bound of 10" \
            in out.explanation
        assert "unbounded queue" in out.explanation
    s = wb.Scenario("bounded-firehose")
    ch = s.channel("events", capacity=10)
    s.task("producer", [ops.repeat(30, ch.send(), ops.sleep(1))])
    s.task("consumer", [ops.repeat(30, ch.recv(), ops.sleep(5)), ops.print("done")])
    assert texts(wb.run(s, "fifo")) == ["done"]  # back-pressure: the producer waits


def test_oneshot_delivers_once_to_a_waiting_receiver():
    s = wb.Scenario("oneshot")
    tx = s.oneshot("reply")
    s.task("receiver", [ops.print("waiting"), tx.recv(), ops.print("got it")])
    s.task("sender", [ops.sleep(10), ops.print("sending"), tx.send()])
    for p in POLICIES:
        assert outcomes(s, p).keys() == {"ok"}, p
    assert texts(wb.run(s, "fifo")) == ["waiting", "sending", "got it"]


def test_notify_stores_one_permit_and_wakes_a_waiter():
    s = wb.Scenario("notify-first")
    n = s.notify("ready")
    s.task("notifier", [n.notify_one(), n.notify_one()])  # one permit, not two
    s.task("waiter", [ops.sleep(5), n.notified(), ops.print("first"), n.notified(),
                      ops.print("second")], daemon=True)
    out = wb.run(s, "fifo")
    assert texts(out) == ["first"] and out.verdict.ok  # the second waits: a daemon
    s = wb.Scenario("notify-later")
    n = s.notify("ready")
    s.task("waiter", [n.notified(), ops.print("woken")])
    s.task("notifier", [ops.sleep(5), n.notify_one()])
    for p in POLICIES:
        assert outcomes(s, p).keys() == {"ok"}, p


def supervised(child_program, abort_after=10):
    s = wb.Scenario("supervised")
    child = s.task("child", child_program, autostart=False)
    s.task("parent", [child.spawn(), ops.sleep(abort_after), child.abort(), child.join(),
                      ops.print("joined")])
    return s


def test_abort_cancels_a_sleeping_task_and_join_returns():
    s = supervised([ops.sleep(100), ops.print("child done")])
    for p in POLICIES:
        assert outcomes(s, p).keys() == {"ok"}, p
    out = wb.run(s, "ngx_posted")
    assert texts(out) == ["joined"]
    assert "abort 'child': cancelled instead of its next poll" in out.trace_text
    assert out.output[0].time == 10  # not 100: the sleep was cancelled


def test_abort_of_a_finished_task_does_nothing():
    s = supervised([ops.print("child done")])
    assert texts(wb.run(s, "fifo")) == ["child done", "joined"]


def test_abort_releases_the_guard_the_task_held_across_its_await():
    s = wb.Scenario("abort-guard")
    m = s.async_mutex("m")
    child = s.task("child", [m.lock(), ops.sleep(100), m.unlock()], autostart=False)
    s.task("parent", [child.spawn(), ops.sleep(10), child.abort(), child.join(),
                      m.lock(), ops.print("locked"), m.unlock()])
    for p in POLICIES:
        assert outcomes(s, p).keys() == {"ok"}, p


def test_abort_inside_a_critical_region_is_an_interrupted_critical_section():
    s = supervised([ops.critical(ops.print("debit"), ops.sleep(50), ops.print("credit"))])
    for p in POLICIES:
        assert outcomes(s, p).keys() == {"interrupted_critical_section"}, p
    out = wb.run(s, "fifo")
    assert "task 'child' is dropped (cancelled) while suspended" in out.explanation


def test_a_task_aborting_itself_is_cancelled_when_its_poll_returns():
    s = wb.Scenario("self-abort")
    s.task("t", [ops.abort("t"), ops.print("still running"), ops.yield_(), ops.print("never")])
    s.task("watcher", [ops.join("t"), ops.print("t ended")])
    for p in POLICIES:
        assert outcomes(s, p).keys() == {"ok"}, p
    assert texts(wb.run(s, "fifo")) == ["still running", "t ended"]


@pytest.mark.parametrize("work_ms, printed", [(100, ["timed out"]), (10, ["finished"])])
def test_timeout(work_ms, printed):
    s = wb.Scenario("timeout")
    work = s.future("work", owner="caller", program=[ops.sleep(work_ms), ops.print("finished")])
    s.task("caller", [s.timeout(work, 50, on_elapsed=[ops.print("timed out")])])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and texts(out) == printed


def test_bad_input_names_the_place():
    s = wb.Scenario("bad-abort")
    s.future("f", owner="t", program=[ops.sleep(1)])
    s.task("t", [ops.abort("f")])
    with pytest.raises(wb.ScenarioError, match=r"task 't', op #0 \(abort 'f'\).*future, not a spawned"):
        s.build()
    s = wb.Scenario("bad-join")
    s.task("t", [ops.join("nobody")])
    with pytest.raises(wb.ScenarioError, match="unknown task 'nobody'"):
        s.build()
    with pytest.raises(ValueError, match="capacity must be at least 1"):
        wb.Scenario("c").channel("ch", capacity=0)
    s = wb.Scenario("bounded-and-bound")
    s.channel("ch", capacity=2, bound=5)
    with pytest.raises(wb.ScenarioError, match="channel 'ch': a bound is for an unbounded channel"):
        s.build()
    s = wb.Scenario("bad-bound")
    s.counter("c", bound=-1)
    with pytest.raises(wb.ScenarioError, match="counter 'c': bound must be non-negative"):
        s.build()
    with pytest.raises(TypeError, match="expected a Future"):
        wb.Scenario("t").timeout("work", 5)


def unordered_vs_ordered(unordered):
    # a is slow, b fast, c waits in the wrapped stream for a free slot.
    s = wb.Scenario("unordered")
    for name, ms in (("a", 30), ("b", 10), ("c", 5)):
        s.future(name, owner="t", program=[ops.sleep(ms), ops.print(name)])
    s.task("t", [ops.buffered(2, "a", "b", "c", unordered=unordered), ops.print("done")])
    return s


def test_buffer_unordered_frees_a_slot_as_soon_as_any_future_finishes():
    ordered = wb.run(unordered_vs_ordered(False), "fifo")
    unordered = wb.run(unordered_vs_ordered(True), "fifo")
    at = lambda out: {o.text: o.time for o in out.output}  # noqa: E731
    # buffered(2): b's slot stays taken until a (the head) is yielded at 30.
    assert at(ordered) == {"b": 10, "a": 30, "c": 35, "done": 35}
    # buffer_unordered(2): b is yielded at 10 and c starts at once.
    assert at(unordered) == {"b": 10, "c": 15, "a": 30, "done": 30}


def a_waits_for_b(size):
    s = wb.Scenario(f"buffer-unordered-{size}")
    got = s.oneshot("message")
    s.future("A", owner="consumer", program=[got.recv()])
    s.future("B", owner="consumer", program=[ops.sleep(10), got.send()])
    s.task("consumer", [ops.buffered(size, "A", "B", unordered=True)])
    return s


@pytest.mark.parametrize("size, verdict", [(1, "deadlock/unpolled_future"), (2, "ok")])
def test_buffer_unordered_has_the_same_unpolled_future_deadlock(size, verdict):
    # The seed's hazard holds for buffer_unordered(1) too: B waits in the
    # wrapped stream while A, in the buffer, waits for B.
    for p in POLICIES:
        assert outcomes(a_waits_for_b(size), p).keys() == {verdict}, p


def test_a_semaphore_release_reaches_a_waiter_behind_a_stale_waker():
    # A acquires a free permit (leaving its waker in the queue), B waits; A's
    # release must reach B, not just A's stale waker.
    s = wb.Scenario("semaphore-handoff")
    sem = s.semaphore("permits", 1)
    s.task("a", [sem.acquire(), ops.sleep(5), sem.release()])
    s.task("b", [ops.sleep(1), sem.acquire(), ops.print("b acquired"), sem.release()])
    for p in POLICIES:
        assert outcomes(s, p).keys() == {"ok"}, p


def test_spawn_then_abort_frees_the_live_task():
    s = wb.Scenario("spawn-abort", max_live_tasks=2)
    s.task("job", [ops.sleep(100)], count=3, autostart=False)
    s.task("boss", [ops.repeat(3, ops.spawn("job"))])
    assert wb.run(s, "fifo").verdict.kind == "resource_exhausted"  # 3 live + boss
    s = wb.Scenario("spawn-abort-each", max_live_tasks=2)
    for i in range(3):
        s.task(f"job{i}", [ops.sleep(100)], autostart=False)
    s.task("boss", [op for i in range(3) for op in (ops.spawn(f"job{i}"), ops.abort(f"job{i}"),
                                                   ops.join(f"job{i}"))] + [ops.print("done")])
    for p in POLICIES:
        assert outcomes(s, p).keys() == {"ok"}, p

"""User-defined wakers (cpp/exec/primitives/waker.hpp): a Waker whose
clone, wake, wake_by_ref and drop run programs inline on the thread that
calls them. A program that takes a lock the caller's stack holds
deadlocks (the wait-for graph says so); polling again with another waker
replaces the stored one where the real primitive does: tokio 1.24.2's
semaphore clones the new one and drops the old one inside the poll
(batch_semaphore.rs poll_acquire), futures-core 0.3.21's AtomicWaker on
every register."""

import pytest

import wakebench as wb
from wakebench import ops


def texts(out):
    return [o.text for o in out.output]


def kinds(s, policy="fifo"):
    ex = wb.explore(s, policy, strategy="exhaustive", stop_at_first=False, budget=200_000)
    assert ex.complete, ex
    return {k for k, n in dict(ex.outcomes).items() if n}


def wake_takes_a_lock(held):
    s = wb.Scenario("wake-takes-a-lock")
    m = s.mutex("m")
    q = s.wait_queue("q")
    w = s.waker("w", wake=[m.lock(), ops.print("w woke"), m.unlock()])
    s.task("waiter", [q.park(), ops.print("waiter done")], waker=w)
    if held:
        s.task("notifier", [m.lock(), q.wake(), m.unlock()])
    else:
        s.task("notifier", [m.lock(), m.unlock(), q.wake()])
    return s


def test_wake_taking_a_std_mutex_the_waking_task_holds_is_a_reentrant_deadlock():
    out = wb.run(wake_takes_a_lock(True), "fifo")
    assert out.verdict.kind == "deadlock/reentrant_lock", out.verdict
    assert "waker 'w' running its wake" in out.explanation
    assert "w.wake runs (the waker of 'waiter'" in out.trace_text
    assert kinds(wake_takes_a_lock(True)) == {"deadlock/reentrant_lock"}


def test_wake_taking_the_mutex_after_it_is_released_finishes():
    out = wb.run(wake_takes_a_lock(False), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["w woke", "waiter done"]
    assert kinds(wake_takes_a_lock(False)) == {"ok"}


def replaced(hold_lock):
    """t polled first with w1 (stored in `kick` and in the semaphore's
    list), then, woken through `kick`, with w2: the semaphore clones w2 and
    drops w1 inside that poll."""
    s = wb.Scenario("waker-replaced")
    m = s.mutex("m")
    sem = s.semaphore("s", 0)
    kick = s.wait_queue("kick")
    w1 = s.waker("w1", clone=[ops.print("w1 cloned")],
                 drop=[m.lock(), ops.print("w1 dropped"), m.unlock()])
    w2 = s.waker("w2", clone=[ops.print("w2 cloned")], wake=[ops.print("w2 woke")])
    body = [w2.poll_with(), kick.register(), sem.acquire(), ops.print("acquired"), sem.release()]
    if hold_lock:
        body = [body[0], m.lock(), *body[1:], m.unlock()]
    s.task("t", body, waker=w1)
    s.task("other", [kick.wake(), ops.yield_(), sem.release()])
    return s


def test_polling_again_with_another_waker_drops_the_old_one_inside_the_poll():
    out = wb.run(replaced(False), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["w1 cloned", "w1 cloned", "w2 cloned", "w1 dropped", "w2 woke",
                          "acquired"]
    lines = out.trace_text.splitlines()
    at = {key: [i for i, l in enumerate(lines) if key in l]
          for key in ("poll 't'", "'t' -> Pending", "w2.clone runs", "w1.drop runs")}
    second_poll, second_pending = at["poll 't'"][1], at["'t' -> Pending"][1]
    assert second_poll < at["w2.clone runs"][0] < at["w1.drop runs"][0] < second_pending, \
        out.trace_text


def test_a_drop_that_takes_a_lock_the_replacing_task_holds_deadlocks():
    out = wb.run(replaced(True), "fifo")
    assert out.verdict.kind == "deadlock/reentrant_lock", out.verdict
    assert "waker 'w1' running its drop" in out.explanation
    assert "ok" not in kinds(replaced(True))


@pytest.mark.parametrize("kind, want", [("list", ["cloned", "cloned"]),
                                        ("slot", ["cloned", "cloned", "cloned", "dropped"])])
def test_the_same_waker_again_is_kept_by_a_list_and_replaced_by_an_atomic_waker(kind, want):
    s = wb.Scenario("will-wake")
    q = s.wait_queue("q", kind=kind)
    kick = s.wait_queue("kick")
    w = s.waker("w", clone=[ops.print("cloned")], drop=[ops.print("dropped")])
    s.task("t", [kick.register(), q.register(), ops.pending(), q.register(), ops.pending()],
           waker=w)
    s.task("other", [kick.wake(), ops.yield_(), q.wake()])
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == want, out.trace_text


def test_yield_runs_wake_by_ref_and_a_finished_task_drops_what_it_stored():
    s = wb.Scenario("by-ref")
    q = s.wait_queue("q")
    w = s.waker("w", wake=[ops.print("wake")], wake_by_ref=[ops.print("by_ref")],
                clone=[ops.print("clone")], drop=[ops.print("drop")])
    s.task("t", [q.register(), ops.yield_(), ops.print("done")], waker=w)
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["clone", "by_ref", "done", "drop"]


def test_a_waker_program_on_a_foreign_thread_blocks_that_thread():
    s = wb.Scenario("foreign-wake")
    m = s.mutex("m")
    q = s.wait_queue("q")
    w = s.waker("w", wake=[m.lock(), m.unlock()])
    s.task("waiter", [q.park()], waker=w)
    s.thread("sidecar", program=[m.lock(), q.wake(), m.unlock()])
    got = kinds(s, "thread_notify")
    assert "ok" not in got and "deadlock/reentrant_lock" in got, got


def channel_wake(held):
    """tokio 1.24.2 mpsc: a send wakes the receiver's rx_waker, an
    AtomicWaker (chan.rs Chan::send: `self.rx_waker.wake()`, by value): its
    wake program runs on the sending task's thread."""
    s = wb.Scenario("channel-wake")
    m = s.mutex("m")
    ch = s.channel("ch")
    w = s.waker("w", wake=[m.lock(), ops.print("w woke"), m.unlock()])
    s.task("rx", [ch.recv(), ops.print("got")], waker=w)
    if held:
        s.task("tx", [m.lock(), ch.send(1), m.unlock()])
    else:
        s.task("tx", [m.lock(), m.unlock(), ch.send(1)])
    return s


def test_a_channel_send_runs_the_receivers_wake_where_it_sends():
    out = wb.run(channel_wake(True), "fifo")
    assert out.verdict.kind == "deadlock/reentrant_lock", out.verdict
    assert "w.wake runs (the waker of 'rx'" in out.trace_text
    assert kinds(channel_wake(True)) == {"deadlock/reentrant_lock"}  # fifo: rx waits first
    out = wb.run(channel_wake(False), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["w woke", "got"]
    assert kinds(channel_wake(False)) == {"ok"}


@pytest.mark.parametrize("hold_lock", [False, True])
def test_a_recv_polled_again_drops_the_rx_wakers_old_waker_inside_the_poll(hold_lock):
    """tokio's AtomicWaker (sync/task/atomic_waker.rs do_register) clones
    the new waker and drops the one held on every register: a drop that
    takes a lock the receiving task holds deadlocks in its own poll."""
    s = wb.Scenario("channel-replaced")
    m = s.mutex("m")
    ch = s.channel("ch")
    kick = s.wait_queue("kick")
    w1 = s.waker("w1", clone=[ops.print("w1 cloned")],
                 drop=[m.lock(), ops.print("w1 dropped"), m.unlock()])
    w2 = s.waker("w2", clone=[ops.print("w2 cloned")], wake=[ops.print("w2 woke")])
    body = [w2.poll_with(), kick.register(), ch.recv(), ops.print("got")]
    if hold_lock:
        body = [body[0], m.lock(), *body[1:], m.unlock()]
    s.task("t", body, waker=w1)
    s.task("tx", [kick.wake(), ops.yield_(), ch.send(1)])
    out = wb.run(s, "fifo")
    if hold_lock:
        assert out.verdict.kind == "deadlock/reentrant_lock", out.verdict
        assert "waker 'w1' running its drop" in out.explanation
        assert "ok" not in kinds(s)
    else:
        assert out.verdict.ok, out.verdict
        assert texts(out) == ["w1 cloned", "w1 cloned", "w2 cloned", "w1 dropped", "w2 woke", "got"]


def test_a_bounded_send_waits_with_its_waker_in_the_channels_semaphore():
    """A full bounded channel's send waits in its batch semaphore
    (poll_acquire: cloned when it queues); the recv's add_permit assigns it
    the permit and wakes it by value."""
    s = wb.Scenario("channel-bounded")
    ch = s.channel("ch", capacity=1)
    ws = s.waker("ws", clone=[ops.print("ws cloned")], wake=[ops.print("ws woke")],
                 drop=[ops.print("ws dropped")])
    s.task("tx", [ch.send(1), ch.send(2), ops.print("sent")], waker=ws)
    s.task("rx", [ch.recv(), ch.recv()])
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["ws cloned", "ws woke", "sent"]
    assert kinds(s) == {"ok"}


def join_wake(abort_joiner):
    s = wb.Scenario("join-wake")
    w = s.waker("w", clone=[ops.print("cloned")], wake_by_ref=[ops.print("by_ref")],
                drop=[ops.print("dropped")])
    s.task("joiner", [ops.join("child"), ops.print("joined")], waker=w)
    s.task("child", [ops.yield_(), ops.yield_(), ops.print("child ends")])
    if abort_joiner:
        s.task("killer", [ops.abort("joiner")])
    return s


def test_a_joined_tasks_end_runs_the_join_wakers_wake_by_ref_and_the_handle_drops_it():
    """tokio 1.24.2 runtime/task: the join waker is cloned into the task's
    trailer (harness.rs can_read_output / set_join_waker); the task's end
    calls its wake_by_ref and leaves it (core.rs Trailer::wake_join); the
    JoinHandle's drop once the output is read deallocates the task and
    drops it. A JoinHandle dropped first leaves it to the task's end."""
    out = wb.run(join_wake(False), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["cloned", "child ends", "by_ref", "dropped", "joined"]
    assert kinds(join_wake(False)) == {"ok"}
    out = wb.run(join_wake(True), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["cloned", "child ends", "dropped"]


def oneshot_wake(held):
    s = wb.Scenario("oneshot-wake")
    o = s.oneshot("o")
    m = s.mutex("m")
    w = s.waker("w", clone=[ops.print("cloned")], wake_by_ref=[ops.print("by_ref")],
                drop=[m.lock(), ops.print("dropped"), m.unlock()])
    body = [o.recv(), ops.print("got")]
    s.task("rx", [m.lock(), *body[:1], m.unlock(), *body[1:]] if held else body, waker=w)
    s.task("tx", [ops.yield_(), o.send(1)])
    return s


def test_a_oneshot_send_runs_wake_by_ref_and_the_recv_that_gets_the_value_drops_it():
    """tokio 1.24.2 sync/oneshot.rs: poll_recv clones the waker into the
    Inner's rx_task; Inner::complete wakes it by reference and leaves it;
    the recv that takes the value releases the Receiver's Arc (the Sender's
    went with the send): the Inner drops, and the waker, in that poll. A
    drop taking a mutex the receiver holds across the recv deadlocks."""
    out = wb.run(oneshot_wake(False), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["cloned", "by_ref", "dropped", "got"]
    assert "w.wake_by_ref runs (the waker of 'rx'" in out.trace_text
    assert kinds(oneshot_wake(False)) == {"ok"}
    out = wb.run(oneshot_wake(True), "fifo")
    assert out.verdict.kind == "deadlock/reentrant_lock", out.verdict
    assert "waker 'w' running its drop" in out.explanation, out.explanation
    # One worker, a run queue: rx's recv always waits before tx sends.
    assert kinds(oneshot_wake(True)) == {"deadlock/reentrant_lock"}


def test_a_oneshot_recv_polled_with_another_waker_drops_the_old_one_first():
    """poll_recv, RX_TASK_SET and !will_wake: unset, drop_task (the old
    one's drop), then set_task (the new one's clone)."""
    s = wb.Scenario("oneshot-replaced")
    o = s.oneshot("o")
    kick = s.wait_queue("kick")
    for n in ("w1", "w2"):
        s.waker(n, clone=[ops.print(n + " cloned")], drop=[ops.print(n + " dropped")],
                wake_by_ref=[ops.print(n + " by_ref")])
    s.task("t", [ops.poll_with("w2"), kick.register(), o.recv(), ops.print("got")], waker="w1")
    s.task("tx", [kick.wake(), ops.yield_(), o.send()])
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["w1 cloned", "w1 cloned", "w1 dropped", "w2 cloned", "w2 by_ref",
                          "w2 dropped", "got"]


def sleep_wake():
    s = wb.Scenario("sleep-wake")
    w = s.waker("w", clone=[ops.print("cloned")], wake=[ops.print("woke")],
                drop=[ops.print("dropped")])
    s.task("t", [ops.sleep(5), ops.print("slept")], waker=w)
    return s


def test_a_sleep_registers_every_poll_and_its_timer_wakes_it_by_value():
    """tokio 1.24.2 runtime/time: every poll of a Sleep registers its waker
    in the entry's AtomicWaker (clone the new, drop the held); the driver
    fires it under its lock, taking the waker out, and wakes it by value
    after the lock is released; the Ready poll registers again and the
    Sleep's drop at the end of the await drops that clone."""
    out = wb.run(sleep_wake(), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["cloned", "woke", "cloned", "dropped", "slept"]
    assert "w.wake runs (the waker of 't'" in out.trace_text
    assert kinds(sleep_wake()) == {"ok"}


def test_a_sleep_dropped_before_it_fires_drops_its_waker_and_is_not_woken():
    s = wb.Scenario("sleep-dropped")
    s.waker("w", clone=[ops.print("cloned")], wake=[ops.print("woke")], drop=[ops.print("dropped")])
    nap = s.future("nap", owner="t", program=[ops.sleep(100)])
    quick = s.future("quick", owner="t", program=[])
    s.task("t", [ops.select(ops.branch(nap), ops.branch(quick, ops.print("quick won")),
                            biased=True),
                 ops.sleep(200), ops.print("done")], waker="w")
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["cloned", "dropped", "quick won", "cloned", "woke", "cloned", "dropped",
                          "done"]


def bcast_wake(kind, held):
    """'c' waits first, then 'a': a send wakes them oldest first, each
    waker by value (broadcast.rs Tail::notify_rx, under the tail lock; a
    watch: notify.rs notify_waiters, after its lock): a's wake takes `m`."""
    s = wb.Scenario(f"{kind}-wake")
    m = s.mutex("m")
    b = s.broadcast("b", 4, receivers=["a", "c"]) if kind == "broadcast" else \
        s.watch("b", receivers=["a", "c"])
    recv = b.recv if kind == "broadcast" else b.changed
    wa = s.waker("wa", wake=[m.lock(), ops.print("a woke"), m.unlock()],
                 clone=[ops.print("a cloned")], drop=[ops.print("a dropped")])
    wc = s.waker("wc", wake=[ops.print("c woke")], clone=[ops.print("c cloned")])
    s.task("a", [ops.yield_(), recv(), ops.print("a got")], waker=wa)
    s.task("c", [recv(), ops.print("c got")], waker=wc)
    if held:
        s.task("tx", [ops.yield_(), m.lock(), b.send(7), m.unlock()])
    else:
        s.task("tx", [ops.yield_(), b.send(7)])
    return s


@pytest.mark.parametrize("kind", ["broadcast", "watch"])
def test_a_broadcast_or_watch_send_wakes_each_waiter_by_value_oldest_first(kind):
    out = wb.run(bcast_wake(kind, False), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["c cloned", "a cloned", "c woke", "a woke", "c got", "a got"]
    assert kinds(bcast_wake(kind, False)) == {"ok"}
    out = wb.run(bcast_wake(kind, True), "fifo")
    assert out.verdict.kind == "deadlock/reentrant_lock", out.verdict
    assert "waker 'wa' running its wake" in out.explanation


@pytest.mark.parametrize("kind", ["broadcast", "watch"])
def test_a_recv_polled_again_replaces_its_waker_and_an_aborted_one_drops_it(kind):
    """recv_ref: `(*ptr).waker = Some(waker.clone())` unless will_wake;
    a watch's Notified (poll_notified, Waiting) likewise; Drop for Recv /
    Notified drops the node's waker."""
    s = wb.Scenario(f"{kind}-replaced")
    kick = s.wait_queue("kick")
    b = s.broadcast("b", 4, receivers=["t", "u"]) if kind == "broadcast" else \
        s.watch("b", receivers=["t", "u"])
    recv = b.recv if kind == "broadcast" else b.changed
    w1 = s.waker("w1", wake=[ops.print("w1 woke")], clone=[ops.print("w1 cloned")],
                 drop=[ops.print("w1 dropped")])
    w2 = s.waker("w2", wake=[ops.print("w2 woke")], clone=[ops.print("w2 cloned")],
                 drop=[ops.print("w2 dropped")])
    s.task("t", [w2.poll_with(), kick.register(), recv(), ops.print("got")], waker=w1)
    s.task("u", [recv(), ops.print("u got")], waker=w1)
    s.task("tx", [kick.wake(), ops.yield_(), ops.abort("u"), ops.yield_(), b.send(1)])
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["w1 cloned", "w1 cloned", "w1 cloned", "w1 woke", "w2 cloned",
                          "w1 dropped", "w1 dropped", "w2 woke", "got"]


def rwlock_barrier(abort):
    s = wb.Scenario("rwlock-barrier")
    rw = s.rwlock("rw", kind="tokio")
    bar = s.barrier("bar", 2, kind="tokio")
    w = s.waker("w", wake=[ops.print("woke")], clone=[ops.print("cloned")],
                drop=[ops.print("dropped")])
    s.task("holder", [rw.write(), ops.yield_(), rw.unlock_write(), ops.yield_()]
           + ([] if abort else [bar.wait()]))
    s.task("t", [rw.read(), ops.print("read"), rw.unlock_read(), bar.wait(), ops.print("passed")],
           waker=w)
    if abort:
        s.task("killer", [ops.yield_(), ops.yield_(), ops.yield_(), ops.abort("t")])
    return s


def test_a_tokio_rwlock_and_barrier_clone_wake_and_drop_the_waker():
    """tokio's RwLock waits in its batch semaphore (poll_acquire; the
    unlock's add_permits wakes by value); its Barrier's waiter awaits a
    watch receiver's changed() (a Notified; the leader's send wakes it)."""
    out = wb.run(rwlock_barrier(False), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["cloned", "woke", "read", "cloned", "woke", "passed"]
    assert kinds(rwlock_barrier(False)) == {"ok"}
    out = wb.run(rwlock_barrier(True), "fifo")  # aborted while waiting at the barrier
    assert texts(out) == ["cloned", "woke", "read", "cloned", "dropped"], out.trace_text


def test_to_python_and_json_round_trip():
    s = replaced(True)
    code = s.to_python()
    assert 's.waker(' in code and "waker='w1'" in code and "ops.poll_with('w2')" in code, code
    assert "raw" not in code, code
    env = {}
    exec(code, env)
    again = env["scenario"]()
    assert again.to_json() == s.to_json()
    assert wb.Scenario.from_json(s.to_json()).to_json() == s.to_json()
    t = wb.Scenario("own")
    t.waker("w")
    t.task("t", [ops.poll_with(None), ops.yield_()], waker="w")
    assert "ops.poll_with(None)" in t.to_python()
    assert wb.run(t, "fifo").verdict.ok


def test_bad_input_is_one_clear_error():
    s = wb.Scenario("bad")
    s.task("t", [ops.sleep(1)], waker="nope")
    with pytest.raises(wb.ScenarioError, match="task 't': unknown waker 'nope'"):
        s.build()
    s = wb.Scenario("bad2")  # a broadcast's send in a clone: under its tail lock
    bc = s.broadcast("bc", 2, receivers=["t"])
    s.waker("w", clone=[bc.send(1)])
    s.task("t", [bc.recv()], waker="w")
    with pytest.raises(wb.ScenarioError, match=r"waker 'w' \(its clone\).*wait-list lock"):
        s.build()
    s = wb.Scenario("bad-wait")  # Control.Concurrent.Async's wait: no Rust waker there
    s.waker("w")
    s.task("u", [])
    s.task("t", [ops.wait("u", killed="boom")], waker="w")
    with pytest.raises(wb.ScenarioError, match="wait is Control.Concurrent.Async's wait.*"
                                               "not a Rust JoinHandle.*ops.join"):
        s.build()
    s = wb.Scenario("bad3")
    q = s.wait_queue("q")
    s.waker("w", drop=[q.park()])
    with pytest.raises(wb.ScenarioError, match=r"waker 'w' \(its drop\).*cannot await"):
        s.build()
    for fn in ("clone", "drop"):  # run under the storing primitive's own lock: not modelled
        s = wb.Scenario("bad-" + fn)
        sem = s.semaphore("sem", 1)
        s.waker("w", **{fn: [sem.release()]})
        with pytest.raises(wb.ScenarioError, match=f"waker 'w' \\(its {fn}\\).*wait-list lock"):
            s.build()
    for fn, op in (("clone", "send"), ("drop", "drop_sender")):
        # poll_recv runs them with RX_TASK_SET unset and reads the state again
        s = wb.Scenario("bad-oneshot-" + fn)
        o = s.oneshot("o")
        s.waker("w", **{fn: [getattr(o, op)()]})
        s.task("t", [o.recv()], waker="w")
        with pytest.raises(wb.ScenarioError, match=f"waker 'w' \\(its {fn}\\).*oneshot 'o'"):
            s.build()
    s = wb.Scenario("bad-sleep")  # a Sleep dropped unfired drops its waker under the driver lock
    s.task("sleeper", [ops.sleep(5)], autostart=False)
    s.waker("w", drop=[ops.drop("sleeper")])
    s.task("t", [ops.sleep(1)], waker="w")
    with pytest.raises(wb.ScenarioError, match="waker 'w' \\(its drop\\).*timer driver lock"):
        s.build()
    s = wb.Scenario("bad-bounded")  # try_recv's add_permit takes the semaphore's lock
    ch = s.channel("ch", capacity=1)
    s.waker("w", drop=[ch.try_recv()])
    with pytest.raises(wb.ScenarioError, match="a bounded channel's try_recv"):
        s.build()
    # A clone sending on a watch: under its Notify's lock; a wake sending on
    # the broadcast the task receives from: notify_rx wakes under the tail lock.
    for fn, channel, error in (("clone", "wt", "a broadcast or watch channel's send"),
                               ("wake", "b", "broadcast 'b''s tail lock")):
        s = wb.Scenario(f"bad-broadcast-{fn}")
        b = s.broadcast("b", 2, receivers=["t"])
        wt = s.watch("wt", receivers=["t"])
        s.waker("w", **{fn: [{"b": b, "wt": wt}[channel].send(1)]})
        s.task("t", [b.recv(), wt.changed()], waker="w")
        with pytest.raises(wb.ScenarioError, match=error):
            s.build()
    s = wb.Scenario("watch-wake-ok")  # notify_waiters wakes after its lock
    wt = s.watch("wt", receivers=["t"])
    s.waker("w", wake=[wt.send(1)])
    s.task("t", [wt.changed()], waker="w")
    s.build()
    s = wb.Scenario("bad-rwlock")
    rw = s.rwlock("rw", kind="tokio")
    s.waker("w", drop=[rw.read(), rw.unlock_read()])
    with pytest.raises(wb.ScenarioError, match="waker 'w' \\(its drop\\)"):
        s.build()
    s = wb.Scenario("wake-ok")  # a wake runs after the lock is released: allowed
    sem = s.semaphore("sem", 1)
    s.waker("w", wake=[sem.release()])
    s.build()
    with pytest.raises(wb.ScenarioTypeError):
        wb.Scenario("bad4").waker("w", wake=["not an op"])


def test_wakers_waking_wakers_nest_to_a_bound_not_a_crash():
    s = wb.Scenario("nesting")
    n = 20
    for i in range(n):
        q = s.wait_queue(f"q{i}")
        nxt = [ops.wake(f"q{i + 1}")] if i + 1 < n else []
        s.waker(f"w{i}", wake=nxt)
        s.task(f"t{i}", [q.park()], waker=f"w{i}")
    s.task("kick", [ops.yield_(), ops.wake("q0")])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "bound/depth", out.verdict
    assert "user-defined waker functions called past the bound" in out.explanation, out.explanation

"""Try-ops: try_lock, try_send, try_recv, try_acquire never wait and store
no waker; the program branches on the result. Each copies its real type
(std, tokio 1.24, futures 0.3: the primitives' files cite the source)."""

import pytest

import wakebench as wb
from wakebench import ops

POLICIES = wb.builtin_policies()


def kinds(sc, policy, **kw):
    ex = wb.explore(sc, policy, strategy="exhaustive", stop_at_first=False, **kw)
    assert ex.complete, ex
    return set(ex.outcomes)


def texts(out):
    return [o.text for o in out.output]


def h2_try_lock(name="h2-drop-wake-try-lock"):
    """The PR #295 shape (catalog h2-drop-wake-nested), the Connection's
    poll taking `inner` with try_lock: busy, it yields and tries again."""
    s = wb.Scenario(name)
    inner = s.mutex("inner")
    conn_waker = s.wait_queue("conn_waker")
    streams = s.counter("streams", 1)
    s.task("conn", [
        ops.loop(
            inner.try_lock(on_fail=[ops.print("inner is busy"), ops.yield_(), ops.continue_()]),
            ops.if_(streams == 0, inner.unlock(), ops.break_()),
            conn_waker.register(),
            inner.unlock(),
            ops.pending(),
        ),
        ops.print("connection closed"),
    ])
    req = s.task("req", [ops.print("response sent")])
    s.object("stream", owner=req, on_drop=[inner.lock(), streams.add(-1), conn_waker.wake(),
                                           inner.unlock()])
    return s


@pytest.mark.parametrize("policy", POLICIES)
def test_the_pr295_shape_with_try_lock_cannot_hang(policy):
    # Under ngx_inline lock() is reentrant_lock (the catalog entry); the
    # re-entrant try_lock fails instead (std: WouldBlock) and the task
    # yields: no schedule under any policy deadlocks.
    assert wb.run(wb.catalog.get("h2-drop-wake-nested"), "ngx_inline").verdict.kind == \
        "deadlock/reentrant_lock"
    assert kinds(h2_try_lock(), policy) == {"ok"}
    out = wb.run(h2_try_lock(), policy)
    busy = ["inner is busy"] if policy == "ngx_inline" else []
    assert texts(out) == ["response sent", *busy, "connection closed"], out.trace_text
    if busy:
        assert "try_lock 'inner' fails: it is held" in out.trace_text


@pytest.mark.parametrize("kind", ["blocking", "send_guard", "fair", "barging"])
def test_try_lock_on_a_mutex_this_task_holds_fails_for_every_kind(kind):
    s = wb.Scenario("relock")
    m = s.mutex("m", kind=kind)
    s.task("t", [m.lock(), m.try_lock(on_fail=[ops.print("would block")]), m.unlock()])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and texts(out) == ["would block"], out.explanation


def handoff(fair):
    s = wb.Scenario("try-lock-handoff")
    m = s.async_mutex("m", fair=fair)
    s.task("b", [m.lock(), ops.print("b locked"), m.unlock()], autostart=False)
    s.task("main", [
        m.lock(), ops.spawn("b"), ops.yield_(), m.unlock(),
        ops.loop(
            m.try_lock(on_fail=[ops.print("try_lock failed"), ops.break_()]),
            ops.print("try_lock took it"), m.unlock(), ops.break_(),
        ),
    ])
    return s


def test_tokio_try_lock_fails_once_the_lock_is_handed_to_a_waiter_futures_takes_it():
    # tokio: unlock assigns the permit to the queued 'b' (never back to the
    # count): try_lock (try_acquire(1)) fails. futures: unlock frees it and
    # wakes 'b'; try_lock barges in.
    assert texts(wb.run(handoff(True), "fifo")) == ["try_lock failed", "b locked"]
    assert texts(wb.run(handoff(False), "fifo")) == ["try_lock took it", "b locked"]
    for fair in (True, False):
        assert kinds(handoff(fair), "fifo") == {"ok"}


def test_a_try_lock_on_a_held_lock_never_blocks_the_thread():
    s = wb.Scenario("thread-try-lock")
    m = s.mutex("m")
    s.thread("th", at=0, program=[m.lock(), ops.compute(5), m.unlock()])
    s.task("t", [ops.loop(m.try_lock(on_fail=[ops.print("busy"), ops.break_()]),
                          ops.print("took it"), m.unlock(), ops.break_())])
    ex = wb.explore(s, "fifo", strategy="exhaustive", stop_at_first=False)
    assert set(ex.outcomes) == {"ok"}
    seen = {tuple(texts(wb.run(s, "fifo", seed=i))) for i in range(40)}
    assert seen == {("busy",), ("took it",)}


def test_try_lock_on_fail_must_end_with_the_lock_state_of_success():
    s = wb.Scenario("bad")
    m = s.async_mutex("m")
    s.task("t", [m.try_lock(on_fail=[ops.print("busy")]), m.unlock()])
    with pytest.raises(wb.ScenarioError, match=r"task 't', op #0 \(try_lock 'm'\): on success "
                       r"'m' is held after it.*end on_fail with a lock, a break or a continue"):
        s.build()
    s = wb.Scenario("fallback")
    m = s.async_mutex("m")
    s.task("t", [m.try_lock(on_fail=[m.lock()]), ops.print("locked"), m.unlock()])
    assert texts(wb.run(s, "fifo")) == ["locked"]


def test_continue_checks_its_place_and_lock_state():
    s = wb.Scenario("bad")
    m = s.mutex("m")
    s.task("t", [ops.continue_()])
    with pytest.raises(wb.ScenarioError, match="continue outside a loop"):
        s.build()
    s = wb.Scenario("bad2")
    m = s.mutex("m")
    s.task("t", [ops.loop(m.lock(), ops.continue_())])
    with pytest.raises(wb.ScenarioError, match="differs from the loop's start"):
        s.build()
    s = wb.Scenario("count")
    c = s.counter("c")
    s.task("t", [ops.repeat(3, c.add(1), ops.if_(c < 3, ops.continue_()), ops.print("third"))])
    assert texts(wb.run(s, "fifo")) == ["third"]


def test_try_acquire_fails_while_the_permit_is_assigned_to_a_waiter():
    # tokio's Semaphore is FIFO: a release assigns the permit to the first
    # waiter, not the count; try_acquire looks at the count only.
    s = wb.Scenario("fair")
    sem = s.semaphore("s", 1)
    s.task("holder", [sem.acquire(), ops.yield_(), sem.release(),
                      sem.try_acquire(on_fail=[ops.print("no permit")]), ops.print("holder done")])
    s.task("waiter", [sem.acquire(), ops.print("waiter got it")])
    out = wb.run(s, "fifo")
    assert texts(out) == ["no permit", "holder done", "waiter got it"], out.trace_text
    assert "try_acquire on 's' fails: no permit free" in out.trace_text
    assert kinds(s, "fifo") == {"ok"}


def test_a_failed_try_acquire_stores_no_waker():
    s = wb.Scenario("no-waker")
    sem = s.semaphore("s", 0)
    s.task("t", [sem.try_acquire(on_fail=[ops.pending()]), ops.print("never")])
    s.task("r", [ops.yield_(), sem.release()])
    assert wb.run(s, "fifo").verdict.kind == "deadlock/lost_wake"


def test_try_recv_tells_empty_from_disconnected():
    s = wb.Scenario("try-recv")
    ch = s.channel("ch", capacity=1)
    s.task("rx", [ops.loop(
        ch.try_recv(on_empty=[ops.print("empty"), ops.yield_(), ops.continue_()],
                    on_closed=[ops.print("disconnected"), ops.break_()]),
        ops.print("got"))])
    s.task("tx", [ops.yield_(), ch.try_send(), ch.drop_sender()])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and texts(out) == ["empty", "empty", "got", "disconnected"]
    assert "try_recv on 'ch' fails: empty" in out.trace_text
    assert "try_recv on 'ch' fails: disconnected" in out.trace_text
    for p in POLICIES:
        assert kinds(s, p) == {"ok"}, p


def test_try_recv_after_close_is_empty_while_a_sender_lives():
    # tokio 1.24: Receiver::close does not close the list; only the last
    # Sender's drop does (then Disconnected).
    s = wb.Scenario("closed")
    ch = s.channel("ch")
    probe = ch.try_recv(on_empty=[ops.print("empty")], on_closed=[ops.print("disconnected")])
    s.task("rx", [ch.close(), probe, ch.drop_sender(), probe])
    assert texts(wb.run(s, "fifo")) == ["empty", "disconnected"]


def test_oneshot_try_recv():
    s = wb.Scenario("oneshot")
    o = s.oneshot("o")
    probe = o.try_recv(on_empty=[ops.print("empty")], on_closed=[ops.print("closed")])
    s.task("t", [probe, o.send(), probe, ops.print("|"), probe])
    assert texts(wb.run(s, "fifo")) == ["empty", "|", "closed"]
    s = wb.Scenario("oneshot-dropped")
    o = s.oneshot("o")
    s.task("t", [o.drop_sender(), o.try_recv(on_closed=[ops.print("closed")])])
    assert texts(wb.run(s, "fifo")) == ["closed"]


def test_try_send_full_behind_waiting_senders_then_closed():
    s = wb.Scenario("try-send")
    ch = s.channel("ch", capacity=1)
    probe = ch.try_send(on_full=[ops.print("full")], on_closed=[ops.print("closed")])
    s.task("waiter", [ch.send(), ch.send(), ops.print("sent 2")])
    s.task("rx", [ch.recv(), probe, ch.close(), probe])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and texts(out) == ["full", "closed", "sent 2"], out.trace_text


def test_try_send_wakes_the_receiver_and_the_wait_for_graph_knows_it():
    s = wb.Scenario("wf")
    ch = s.channel("ch", capacity=1)
    q = s.wait_queue("q")
    s.task("rx", [ch.recv(), ops.print("received")])
    s.task("tx", [q.park(), ch.try_send()])
    out = wb.run(s, "fifo")
    assert "task 'rx' waits in recv on channel 'ch', which task 'tx' may send to" \
        in out.explanation, out.explanation
    s.on_event("go", at=1, program=[q.wake()])
    assert texts(wb.run(s, "fifo")) == ["received"]


def test_bad_try_ops_name_the_place():
    s = wb.Scenario("bad")
    u = s.channel("u")
    s.task("t", [u.try_send()])
    with pytest.raises(wb.ScenarioError, match=r"op #0 \(try_send 'u'\).*UnboundedSender has no try_send"):
        s.build()
    s = wb.Scenario("bad-oneshot")
    s.oneshot("o")
    s.task("t", [wb.Channel("o").try_send()])
    with pytest.raises(wb.ScenarioError, match="oneshot 'o': its send never waits"):
        s.build()
    s = wb.Scenario("bad-target")
    s.semaphore("s", 1)
    s.task("t", [ops.try_lock("s")])
    with pytest.raises(wb.ScenarioError, match="unknown mutex 's'"):
        s.build()
    with pytest.raises(wb.ScenarioTypeError):
        wb.Mutex("m").try_lock(on_fail=[1])


def test_try_ops_run_in_handlers_threads_and_drop_hooks():
    # They never wait: code that runs to completion may use them.
    s = wb.Scenario("sync-code")
    m, sem, ch = s.async_mutex("m"), s.semaphore("s", 1), s.channel("ch", capacity=1)
    s.on_event("h", at=1, program=[
        ops.loop(m.try_lock(on_fail=[ops.break_()]), ops.print("handler locked"), m.unlock(),
                 ops.break_()),
        sem.try_acquire(on_fail=[ops.print("no permit")]), ch.try_send(),
    ])
    s.thread("th", at=2, program=[sem.try_acquire(on_fail=[ops.print("thread: no permit")]),
                                  sem.release(),
                                  ch.try_recv(on_empty=[ops.print("thread: empty")])])
    s.task("t", [ops.sleep(5), ch.try_recv(on_empty=[ops.print("task: empty")]),
                 sem.acquire(), ops.print("task got a permit")])
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.explanation
    assert texts(out) == ["handler locked", "thread: no permit", "task: empty",
                          "task got a permit"], out.trace_text

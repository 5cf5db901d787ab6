"""Model rules as the real systems have them (issue "Primitives that behave
like the real ones"): each test fails on a model rule that differs from the
system it names, and says which source the rule comes from."""

import pytest

import wakebench as wb
from wakebench import ops


def iterations_of(out, task):
    """The loop iteration in which each poll of ``task`` ran."""
    it, seen = 0, []
    for e in out.trace:
        if e.kind == "iteration":
            it += 1
        elif e.kind == "poll" and e.task == task:
            seen.append(it)
    return seen


# -- 1. ngx-rust's scheduler (src/async_/spawn.rs) ----------------------------

def yield_until_flag():
    """A task that yields until an event handler sets a flag."""
    s = wb.Scenario("yield-until-flag")
    flag = s.counter("flag")
    s.task("spinner", [ops.loop(ops.if_(flag == 1, ops.break_()), ops.yield_()),
                       ops.print("saw the flag")])
    s.on_event("setter", at=1, program=[flag.set(1)])
    return s


def test_a_self_waking_task_runs_once_per_iteration_and_lets_handlers_run():
    # ngx-rust queues the runnable and posts its scheduler event to
    # ngx_posted_next_events; the handler runs what was queued before it
    # began (mem::take). A task woken while running goes that way under
    # ngx_inline and ngx_defer_nested too, so the loop turns and the
    # handler runs. (Deferring to this iteration's posted pass spun for ever.)
    for p in ("ngx_inline", "ngx_defer_nested", "ngx_posted_next"):
        ex = wb.explore(yield_until_flag(), p, stop_at_first=False)
        assert ex.complete and ex.outcomes.keys() == {"ok"}, (p, ex.outcomes)
        out = wb.run(yield_until_flag(), p)
        assert [o.text for o in out.output] == ["saw the flag"]
        its = iterations_of(out, "spinner")
        assert its == sorted(set(its)), "one poll per loop iteration"
        assert out.stats["nonblocking_iterations"] >= len(its) - 1
    # Re-posting to this iteration's ngx_posted_events never ends the pass:
    # nginx's ngx_event_process_posted would spin the same way.
    out = wb.run(yield_until_flag(), "ngx_posted", max_steps=100_000)
    assert out.verdict.kind == "bound/steps"


def busy_scheduler(with_spinner):
    """'parked' is woken by an event handler at t=1. With 'spinner' yielding
    all along, ngx-rust's scheduler event is already in this iteration's
    posted queue when the handler runs, so ngx_post_event does nothing and
    the event's handler (which takes the queue when it runs) polls 'parked'
    in the same iteration."""
    s = wb.Scenario("busy-scheduler")
    q, done = s.wait_queue("q"), s.counter("done")
    s.task("parked", [q.park(), done.set(1)])
    if with_spinner:
        s.task("spinner", [ops.loop(ops.if_(done == 1, ops.break_()), ops.yield_())])
    s.on_event("waker", at=1, program=[q.wake()])
    return s


def handler_iteration(out):
    it = 0
    for e in out.trace:
        if e.kind == "iteration":
            it += 1
        elif e.kind == "handler_begin" and e.subject == "waker":
            return it
    raise AssertionError("the handler did not run")


def test_a_wake_joins_the_scheduler_event_already_posted():
    busy = wb.run(busy_scheduler(True), "ngx_posted_next")
    assert busy.verdict.ok
    assert iterations_of(busy, "parked")[-1] == handler_iteration(busy)
    idle = wb.run(busy_scheduler(False), "ngx_posted_next")
    assert iterations_of(idle, "parked")[-1] == handler_iteration(idle) + 1
    assert "processing 2 deferred wakeups" in busy.trace_text


# -- 2. woken while running: scheduled when the poll returns ------------------

def woken_while_running():
    s = wb.Scenario("woken-while-running")
    mine, theirs = s.wait_queue("mine"), s.wait_queue("theirs")
    s.task("other", [theirs.park(), ops.print("other")])
    s.task("me", [mine.register(), mine.wake(),   # wakes itself while being polled
                  theirs.wake(),                   # then wakes 'other'
                  ops.pending(), ops.print("me again")])
    return s


def test_a_task_woken_while_running_is_queued_when_its_poll_returns():
    # async-task's RawTask::run and tokio's harness: the wake only marks the
    # running task; it is scheduled after its poll returns Pending, so
    # 'other', woken later in that poll, is queued first.
    for p in ("fifo", "ngx_posted", "ngx_posted_next", "thread_notify"):
        out = wb.run(woken_while_running(), p)
        assert [o.text for o in out.output] == ["other", "me again"], (p, out.trace_text)
        assert "it is being polled; scheduled when the poll returns Pending" in out.trace_text
        assert "schedule 'me' from own_poll" in out.trace_text


def test_a_wake_while_running_is_dropped_when_the_poll_completes():
    s = wb.Scenario("wake-then-finish")
    q = s.wait_queue("q")
    s.task("me", [q.register(), q.wake(), ops.print("done")])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and out.stats["polls"] == 1


# -- 3. FIFO queues pop in FIFO order ------------------------------------------

def posted_in_order():
    """A handler wakes 'a' then 'b'; only 'b' polled first pushes the
    counter past its bound. nginx's posted queue is FIFO: 'a' runs first."""
    s = wb.Scenario("posted-in-order")
    qa, qb = s.wait_queue("qa"), s.wait_queue("qb")
    c = s.counter("c", 0, bound=1)
    s.task("a", [qa.park(), c.set(-1)])
    s.task("b", [qb.park(), c.add(1), c.add(1)])
    s.on_event("h", at=1, program=[qa.wake(), qb.wake()])
    return s


def three_wakes():
    """Three events at once, each waking a parked task; only 'c' run
    after neither 'a' nor 'b' pushes the counter past its bound."""
    s = wb.Scenario("three-wakes")
    c = s.counter("c", 0, bound=1)
    for name, op in (("a", c.set(-10)), ("b", c.set(-10)), ("c", c.add(2))):
        q = s.wait_queue(f"q{name}")
        s.task(name, [q.park(), op])
        s.on_event(f"h{name}", at=1, program=[q.wake()])
    return s


def test_the_order_events_fill_a_queue_in_is_explored():
    # The event order is a choice; the queue then runs the woken tasks in
    # that order. Sleep sets must not treat the handlers as independent.
    for p in ("ngx_posted", "ngx_posted_next", "fifo", "thread_notify"):
        for sleep_sets in (True, False):
            ex = wb.explore(three_wakes(), p, stop_at_first=False, sleep_sets=sleep_sets)
            assert set(ex.outcomes) == {"ok", "resource_exhausted"}, (p, sleep_sets, ex.outcomes)


def test_queued_tasks_are_not_a_choice_point():
    for p in ("ngx_posted", "ngx_posted_next", "fifo", "thread_notify"):
        ex = wb.explore(posted_in_order(), p, stop_at_first=False)
        assert ex.complete and ex.outcomes == {"ok": 1}, (p, ex.outcomes)
    # The order the handler woke them in is the order they run in.
    out = wb.run(posted_in_order(), "ngx_posted")
    polls = [e.task for e in out.trace if e.kind == "poll"]
    assert polls[-2:] == ["a", "b"]


# -- 7. drop order as Rust does it ---------------------------------------------

def guard_then_owned_object():
    """A task holding a std mutex across an await is dropped (its connection
    closes); the object it owns from its start takes the same lock in its
    Drop. The guard was declared last, so it drops first."""
    s = wb.Scenario("drop-order")
    m, q = s.mutex("m"), s.wait_queue("q")
    s.task("t", [m.lock(), q.park(), m.unlock()])
    s.object("o", owner="t", on_drop=[m.lock(), ops.print("o dropped"), m.unlock()])
    s.on_cleanup("close", at=1, program=[ops.drop("t")])
    return s


def test_a_tasks_guard_drops_before_the_objects_it_owned_from_its_start():
    for p in wb.builtin_policies():
        ex = wb.explore(guard_then_owned_object(), p, stop_at_first=False)
        assert ex.outcomes.keys() == {"ok"}, (p, ex.outcomes)
    out = wb.run(guard_then_owned_object(), "ngx_posted")
    assert [o.text for o in out.output] == ["o dropped"]
    assert out.trace_text.index("unlock 'm'") < out.trace_text.index("drop 'o'")


# -- 8. leaving a region runs its end ------------------------------------------

def test_break_out_of_critical_ends_the_region():
    s = wb.Scenario("critical-break")
    s.task("worker", [ops.loop(ops.critical(ops.break_())), ops.sleep(10), ops.print("done")])
    s.task("killer", [ops.sleep(5), ops.abort("worker")])
    ex = wb.explore(s, stop_at_first=False)
    assert ex.outcomes.keys() == {"ok"}, ex.outcomes  # aborted outside the region


def test_break_out_of_a_mask_unmasks():
    s = wb.Scenario("mask-break")
    s.task("victim", [ops.loop(ops.uninterruptible_mask(ops.break_())), ops.sleep(10),
                      ops.print("survived")])
    s.task("thrower", [ops.sleep(5), ops.throw_to("victim")])
    out = wb.run(s)
    assert out.verdict.ok and [o.text for o in out.output] == []  # killed while sleeping
    assert "ThreadKilled" in out.trace_text or "exception" in out.trace_text


def test_break_out_of_a_catch_leaves_no_stale_handler():
    s = wb.Scenario("catch-break")
    s.task("victim", [ops.loop(ops.catch(ops.break_(), handler=[ops.print("stale handler")])),
                      ops.sleep(10), ops.print("survived")])
    s.task("thrower", [ops.sleep(5), ops.throw_to("victim")])
    out = wb.run(s)
    assert out.verdict.ok and [o.text for o in out.output] == []
    assert "ThreadKilled" in out.trace_text or "exception" in out.trace_text


def test_critical_is_for_tasks():
    import pytest
    for build in (lambda s: s.on_event("h", at=1, program=[ops.critical(ops.print("x"))]),
                  lambda s: s.thread("th", program=[ops.critical(ops.print("x"))]),
                  lambda s: s.object("o", on_drop=[ops.critical(ops.print("x"))])):
        s = wb.Scenario("critical-elsewhere")
        build(s)
        with pytest.raises(wb.ScenarioError, match="critical is for tasks"):
            s.build()


# -- 9. re-entrant locking is a run-time verdict -----------------------------

def test_locking_a_std_mutex_twice_is_reentrant_lock_at_that_op():
    s = wb.Scenario("relock")
    m = s.mutex("m")
    s.task("t", [m.lock(), ops.print("locked once"), m.lock(), m.unlock(), m.unlock()])
    out = wb.run(s)
    assert out.verdict.kind == "deadlock/reentrant_lock"
    assert "op #2 (lock 'm')" in out.explanation
    assert "it already holds it, and std::sync::Mutex is not re-entrant" in out.explanation
    assert [o.text for o in out.output] == ["locked once"]


# -- 6. select! without biased starts at a branch the explorer chooses -------

def two_ready(biased):
    """Both branches' futures are ready at their first poll; only the
    second branch's arm pushes the counter past its bound."""
    s = wb.Scenario("two-ready")
    c = s.counter("c", 0, bound=1)
    s.future("first", owner="main", program=[ops.print("first ready")])
    s.future("second", owner="main", program=[ops.print("second ready")])
    s.task("main", [ops.select(ops.branch("first"), ops.branch("second", c.add(2)),
                               biased=biased)])
    return s


def test_an_unbiased_select_lets_either_ready_branch_win():
    # tokio::select! picks the branch it polls first at random.
    ex = wb.explore(two_ready(False), stop_at_first=False)
    assert ex.complete and set(ex.outcomes) == {"ok", "resource_exhausted"}, ex.outcomes
    cx = wb.explore(two_ready(False)).counterexample
    assert [o.text for o in cx.output] == ["second ready"]
    # Every poll of the select chooses again: both futures are pending at
    # the first poll, and either can win the second.
    s = wb.Scenario("select-polled-twice")
    c = s.counter("c", 0, bound=1)
    s.future("left", owner="main", program=[ops.yield_(), ops.print("left")])
    s.future("right", owner="main", program=[ops.yield_(), ops.print("right"), c.add(2)])
    s.task("main", [ops.select(ops.branch("left"), ops.branch("right"))])
    chosen = wb.explore(s, stop_at_first=False)
    assert set(chosen.outcomes) == {"ok", "resource_exhausted"}, chosen.outcomes
    # select! { biased; ... } polls in order: the first branch always wins.
    ex = wb.explore(two_ready(True), stop_at_first=False)
    assert ex.outcomes == {"ok": 1}, ex.outcomes


# -- 4. wait queues without stale wakers ---------------------------------------

def permit_handover():
    """A takes the one permit at once, B waits; A gives it back and wakes
    one waiter: that must be B, not A's registration from a wait that is
    over (tokio's Semaphore drops a waiter's entry when its acquire ends)."""
    s = wb.Scenario("permit-handover")
    permits, q = s.counter("permits", 1), s.wait_queue("q")
    s.task("a", [ops.wait_until(q, permits > 0, permits.add(-1)), ops.yield_(),
                 permits.add(1), q.wake()])
    s.task("b", [ops.wait_until(q, permits > 0, permits.add(-1)), ops.print("b got it")])
    return s


def test_a_finished_wait_leaves_the_waiter_list():
    for p in wb.builtin_policies():
        ex = wb.explore(permit_handover(), p, stop_at_first=False)
        assert ex.complete and ex.outcomes.keys() == {"ok"}, (p, ex.outcomes)


def losing_branch_registered():
    """select! over a future waiting in q and a 1 ms sleep: the sleep wins
    and the waiting future is dropped, with its entry in q. A later waiter
    must get the wake."""
    s = wb.Scenario("losing-branch")
    q, flag = s.wait_queue("q"), s.counter("flag")
    s.future("waiting", owner="main", program=[ops.wait_until(q, flag > 0)])
    s.future("deadline", owner="main", program=[ops.sleep(1)])
    s.task("main", [ops.select(ops.branch("waiting"), ops.branch("deadline"), biased=True),
                    ops.print("timed out")])
    s.task("w", [ops.sleep(2), ops.wait_until(q, flag > 0), ops.print("w woke")])
    s.task("setter", [ops.sleep(3), flag.set(1), q.wake()])
    return s


def test_a_dropped_future_leaves_the_waiter_list():
    for p in wb.builtin_policies():
        ex = wb.explore(losing_branch_registered(), p, stop_at_first=False)
        assert ex.complete and ex.outcomes.keys() == {"ok"}, (p, ex.outcomes)
    out = wb.run(losing_branch_registered())
    assert [o.text for o in out.output] == ["timed out", "w woke"]


def two_waiters(kind):
    s = wb.Scenario("two-waiters")
    q, ready = s.wait_queue("q", kind=kind), s.counter("ready")
    s.task("first", [ops.wait_until(q, ready > 0), ops.print("first woke")])
    s.task("second", [ops.wait_until(q, ready > 0), ops.print("second woke")])
    s.task("setter", [ops.yield_(), ready.set(1), q.wake_all()])
    return s


def test_an_atomic_waker_slot_holds_one_waker():
    # A waiter list wakes both; an AtomicWaker keeps only the newest
    # registration, so the first waiter's waker is gone.
    assert wb.run(two_waiters("list")).verdict.ok
    out = wb.run(two_waiters("slot"))
    assert out.verdict.kind == "deadlock/lost_wake", out.explanation
    assert "'first'" in out.explanation
    import pytest
    with pytest.raises(wb.ScenarioError, match="unknown kind 'atomic'"):
        wb.Scenario("x").wait_queue("q", kind="atomic")


# -- 5. tokio's Semaphore in the core: FIFO-fair, permits handed over ---------

def futurelock_semaphore():
    """The seed's futurelock with a semaphore(1) in place of the mutex:
    contention holds the permit 5 s; main select!s over &mut xxx_future
    (which queues for the permit) and a 500 ms sleep; the sleep wins and
    do_yyy queues too. The release assigns the permit to xxx_future, first
    in line, which nobody polls any more."""
    s = wb.Scenario("futurelock-semaphore")
    sem = s.semaphore("permit", 1)
    s.task("simulate_contention", [sem.acquire(), ops.sleep(5000),
                                   ops.print("simulate contention done"), sem.release()],
           autostart=False)
    s.future("xxx_future", owner="main", program=[ops.print("xxx started"), sem.acquire(),
                                                  ops.print("xxx done"), sem.release()])
    s.future("sleep_500ms", owner="main", program=[ops.sleep(500)])
    s.task("main", [
        ops.spawn("simulate_contention"), ops.sleep(100),
        ops.select(ops.branch("xxx_future", ops.print("first branch has been run"),
                              borrowed=True),
                   ops.branch("sleep_500ms", ops.print("second branch has been run"),
                              ops.print("yyy started"), sem.acquire(), ops.print("yyy done"),
                              sem.release()),
                   biased=True),
    ])
    return s


def test_the_seeds_futurelock_through_a_fair_semaphore():
    for p in wb.builtin_policies():
        ex = wb.explore(futurelock_semaphore(), p, stop_at_first=False)
        assert ex.complete and ex.outcomes.keys() == {"deadlock/futurelock"}, (p, ex.outcomes)
    out = wb.run(futurelock_semaphore())
    assert [o.text for o in out.output] == ["xxx started", "second branch has been run",
                                            "yyy started", "simulate contention done"]
    assert "a permit of semaphore 'permit' (assigned to it by a release" in out.explanation
    assert "task 'main' waits for a permit of semaphore 'permit' handed to future 'xxx_future'" \
        in out.explanation


def test_a_semaphore_is_fifo_and_gives_back_what_a_dropped_future_held():
    s = wb.Scenario("fifo-permits")
    sem = s.semaphore("sem", 1)
    s.task("holder", [sem.acquire(), ops.yield_(), ops.yield_(), sem.release()])
    s.task("first", [sem.acquire(), ops.print("first"), sem.release()])
    s.task("second", [sem.acquire(), ops.print("second")])  # its permit drops when it ends
    s.task("third", [ops.yield_(), ops.yield_(), ops.yield_(), sem.acquire(), ops.print("third")])
    for p in wb.builtin_policies():
        out = wb.run(s, p)
        assert out.verdict.ok and [o.text for o in out.output] == ["first", "second", "third"], (
            p, out.trace_text)


def test_the_last_sender_dropped_ends_the_stream_after_its_messages():
    # tokio::sync::mpsc: recv() returns None once every Sender is gone and
    # what was sent has been taken.
    for capacity in (None, 1):
        s = wb.Scenario("drain-then-none")
        ch = s.channel("jobs", capacity=capacity, senders=2)
        s.task("producer", [ch.send(), ch.send(), ch.drop_sender()])
        s.task("other_sender", [ops.yield_(), ch.drop_sender()])
        s.task("consumer", [ops.loop(ch.recv(on_closed=[ops.print("none"), ops.break_()]),
                                     ops.print("job"))])
        for p in wb.builtin_policies():
            ex = wb.explore(s, p, stop_at_first=False)
            assert ex.outcomes.keys() == {"ok"}, (capacity, p, ex.outcomes)
            out = wb.run(s, p)
            assert [o.text for o in out.output] == ["job", "job", "none"], (capacity, p)


def test_a_closed_channel_fails_a_waiting_sender_and_a_live_sender_keeps_it_open():
    s = wb.Scenario("close-wakes-sender")
    ch = s.channel("jobs", capacity=1)
    s.task("sender", [ch.send(), ch.send(on_closed=[ops.print("send failed")])])
    s.task("receiver", [ops.yield_(), ops.yield_(), ch.close()])
    out = wb.run(s)
    assert out.verdict.ok and [o.text for o in out.output] == ["send failed"]
    t = out.trace_text  # the second send was waiting (full) when the channel closed
    assert t.index("'sender' waits in send on 'jobs' (full)") \
        < t.index("close 'jobs': 1 waiting sender(s) woken to fail") \
        < t.index("send on 'jobs' fails: the receiver is closed")
    # A receiver waiting while a sender is still alive waits for ever.
    s = wb.Scenario("sender-kept")
    ch = s.channel("jobs")
    s.task("consumer", [ch.recv(on_closed=[ops.print("none")])])
    out = wb.run(s)  # the channel holds its waker: not lost, but nobody left will send
    assert out.verdict.kind == "deadlock/never_woken", out.explanation
    assert "no live task or thread can still do what would wake it" in out.explanation


def test_a_oneshot_sender_dropped_without_sending():
    s = wb.Scenario("oneshot-dropped")
    tx = s.oneshot("reply")
    s.task("receiver", [tx.recv(on_closed=[ops.print("RecvError")])])
    s.task("sender", [ops.yield_(), tx.drop_sender()])
    out = wb.run(s)
    assert out.verdict.ok and [o.text for o in out.output] == ["RecvError"]


def test_notify_waiters_notifies_who_waits_now_and_stores_nothing():
    s = wb.Scenario("notify-waiters")
    n = s.notify("config_changed")
    for name in ("a", "b"):
        s.task(name, [n.notified(), ops.print(f"{name} notified")])
    s.task("late", [ops.sleep(5), n.notified(), ops.print("late notified")], daemon=True)
    s.task("notifier", [ops.sleep(1), n.notify_waiters()])
    out = wb.run(s)
    assert out.verdict.ok and [o.text for o in out.output] == ["a notified", "b notified"]
    assert "notify_waiters on 'config_changed': 2 waiter(s) notified" in out.trace_text
    # notify_one with nobody waiting stores a permit that a later waiter takes.
    s = wb.Scenario("notify-one-permit")
    n = s.notify("ready")
    s.task("notifier", [n.notify_one()])
    s.task("late", [ops.sleep(5), n.notified(), ops.print("late notified")])
    assert [o.text for o in wb.run(s).output] == ["late notified"]


def test_a_notified_future_dropped_before_it_saw_notify_one_passes_it_on():
    # tokio's Notified::drop forwards a notify_one notification it had not
    # consumed to the next waiter.
    s = wb.Scenario("notify-forwarded")
    n = s.notify("ready")
    s.future("deadline", owner="a", program=[ops.sleep(1)])
    s.future("waiting", owner="a", program=[n.notified(), ops.print("a notified")])
    s.task("a", [ops.select(ops.branch("deadline", ops.print("a timed out")),
                            ops.branch("waiting"), biased=True)])
    s.task("b", [ops.yield_(), n.notified(), ops.print("b notified")])
    s.on_event("notifier", at=1, program=[n.notify_one()])
    # Deferred, 'a' is polled after both its timer and the notify: its
    # deadline wins, and the notification chose 'waiting', which is dropped
    # and passes it on to 'b'.
    out = wb.run(s, "ngx_posted")
    t = out.trace_text
    assert t.index("notify_one on 'ready': 1 waiter(s) notified") < t.index("task 'waiting' dropped")
    assert "'b' is notified by 'ready'" in t
    for p in ("ngx_posted", "ngx_posted_next", "fifo", "thread_notify"):
        ex = wb.explore(s, p, stop_at_first=False)
        assert ex.outcomes.keys() == {"ok"}, (p, ex.outcomes)
        out = wb.run(s, p)
        assert sorted(o.text for o in out.output) == ["a timed out", "b notified"], p
    # Polled inline from the notifier before its timer fires, 'a' takes the
    # notification itself and 'b' waits for ever: a real schedule too.
    # Its waker stays in the Notify: never woken, not lost.
    ex = wb.explore(s, "ngx_inline", stop_at_first=False)
    assert set(ex.outcomes) == {"ok", "deadlock/never_woken"}, ex.outcomes


def test_a_release_outside_a_task_adds_a_permit_and_takes_none_from_a_task():
    # A handler, a Drop hook or a thread has no permit: release() there is
    # add_permits. (It used to take the permit of the task whose index the
    # frame's id happened to be.)
    s = wb.Scenario("release-from-handler")
    sem = s.semaphore("sem", 1)
    s.task("t0", [sem.acquire(), ops.sleep(5), ops.print("t0 done")])  # its permit drops at its end
    s.task("t1", [ops.sleep(1), sem.acquire(), sem.acquire(), ops.print("t1 got two")])
    s.on_event("h", at=2, program=[sem.release()])
    out = wb.run(s)
    assert out.verdict.ok and [o.text for o in out.output] == ["t0 done", "t1 got two"], (
        out.explanation)


def test_a_permit_acquired_in_a_future_is_its_owners():
    # What acquire() returns is the permit: acquired inside a timeout (a
    # future), it is the owner's until the owner releases it.
    s = wb.Scenario("permit-through-a-future")
    sem = s.semaphore("sem", 1)
    inside = s.counter("inside", 0, bound=1)  # two holders at once: resource_exhausted
    for name in ("a", "b"):
        fut = s.future(f"{name}_acquire", owner=name, program=[sem.acquire()])
        s.task(name, [s.timeout(fut, 50), inside.add(1), ops.yield_(), inside.add(-1),
                      sem.release()])
    for p in wb.builtin_policies():
        ex = wb.explore(s, p, stop_at_first=False)
        assert ex.outcomes.keys() == {"ok"}, (p, ex.outcomes)


def test_a_oneshot_send_fails_once_its_receiver_is_closed_and_cannot_send_twice():
    # tokio::sync::oneshot: Sender::send returns Err(value) when the
    # receiver is closed; send(self) consumes the one Sender.
    s = wb.Scenario("oneshot-closed")
    tx = s.oneshot("reply")
    s.task("receiver", [tx.close(), tx.recv(on_closed=[ops.print("RecvError")])])
    s.task("sender", [ops.yield_(), tx.send(on_closed=[ops.print("send failed")])])
    out = wb.run(s)
    assert out.verdict.ok and [o.text for o in out.output] == ["RecvError", "send failed"]
    s = wb.Scenario("oneshot-twice")
    tx = s.oneshot("reply")
    s.task("sender", [tx.send(), tx.send()])
    with pytest.raises(wb.ScenarioError, match=r"task 'sender'.*oneshot 'reply' was already sent"):
        wb.run(s)


def test_a_receiver_dropped_while_waiting_leaves_no_waker_behind():
    # The receiver's waker is the channel's only one (rx_waker): a recv
    # future dropped by a timeout takes its registration with it, and a
    # later recv registers afresh and is woken by the send.
    s = wb.Scenario("recv-timeout")
    ch = s.channel("jobs")
    first = s.future("first", owner="consumer", program=[ch.recv()])
    s.task("consumer", [s.timeout(first, 5, on_elapsed=[ops.print("timed out")]),
                        ch.recv(), ops.print("got one")])
    s.task("producer", [ops.sleep(10), ch.send()])
    for p in wb.builtin_policies():
        ex = wb.explore(s, p, stop_at_first=False)
        assert ex.complete and ex.outcomes.keys() == {"ok"}, (p, ex.outcomes)
    assert [o.text for o in wb.run(s).output] == ["timed out", "got one"]

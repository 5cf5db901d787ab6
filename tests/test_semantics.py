"""Model rules as the real systems have them (issue "Primitives that behave
like the real ones"): each test fails on a model rule that differs from the
system it names, and says which source the rule comes from."""

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


def test_queued_tasks_are_not_a_choice_point():
    for p in ("ngx_posted", "ngx_posted_next", "fifo", "thread_notify"):
        ex = wb.explore(posted_in_order(), p, stop_at_first=False)
        assert ex.complete and ex.outcomes == {"ok": 1}, (p, ex.outcomes)
    # The order the handler woke them in is the order they run in.
    out = wb.run(posted_in_order(), "ngx_posted")
    polls = [e.task for e in out.trace if e.kind == "poll"]
    assert polls[-2:] == ["a", "b"]

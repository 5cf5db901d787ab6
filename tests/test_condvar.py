"""Condition variables (std::sync::Condvar with a std Mutex) and barriers
(std::sync::Barrier, tokio::sync::Barrier). The rules and their sources are
in cpp/exec/primitives/condvar.hpp and barrier.hpp."""

import pytest

import wakebench as wb
from wakebench import ops


def kinds(sc, policy="fifo", **kw):
    ex = wb.explore(sc, policy, strategy="exhaustive", stop_at_first=False, **kw)
    assert ex.complete, ex
    assert not ex.inconclusive, ex.inconclusive
    return set(ex.outcomes)


def texts(out):
    return [o.text for o in out.output]


def handshake(name, loop, notify_first=False):
    """A waiter checks `ready` under `m` and waits on `cv` (in an `if` or a
    predicate loop); a setter sets it and notifies. With `loop=None` the
    waiter waits once, no predicate."""
    s = wb.Scenario(name)
    m = s.mutex("m")
    cv = s.condvar("cv")
    ready = s.counter("ready", 0)
    if loop is None:
        wait = [cv.wait(m)]
    elif loop:
        wait = [ops.loop(ops.if_(ready != 0, ops.break_()), cv.wait(m))]
    else:
        wait = [ops.if_(ready == 0, cv.wait(m))]
    check = [] if loop is None else [ops.if_(ready == 0, ops.panic("proceeded with ready false"))]
    s.thread("waiter", program=[m.lock(), *wait, *check, m.unlock(), ops.print("waiter done")])
    s.thread("setter", program=[m.lock(), *([] if loop is None else [ready.set(1)]),
                                cv.notify_one(), m.unlock()])
    return s


def test_an_if_around_the_wait_is_found_wrong_by_a_spurious_wake_up():
    s = handshake("if-wait", loop=False)
    assert kinds(s) == {"ok", "panic"}
    # The canonical run has no spurious wake-up.
    assert wb.run(s, "fifo").verdict.kind == "ok"
    cx = wb.explore(s, "fifo").counterexample
    assert cx.verdict.kind == "panic"
    assert "proceeded with ready false" in cx.explanation
    assert "spuriously (no notify)" in cx.trace_text
    again = wb.run(s, "fifo", schedule=cx.schedule)
    assert again.trace_text == cx.trace_text


def test_a_predicate_loop_is_ok():
    s = handshake("while-wait", loop=True)
    assert kinds(s) == {"ok"}
    assert wb.explore(s, "fifo").verdict == "ok"


def test_a_lost_notify_hangs_and_the_predicate_fixes_it():
    s = handshake("lost-notify", loop=None)
    assert "deadlock/never_woken" in kinds(s)
    cx = wb.explore(s, "fifo").counterexample
    assert cx.verdict.kind == "deadlock/never_woken"
    assert "waits on condvar 'cv'" in cx.explanation
    assert "a notify while nobody waits is lost" in cx.explanation
    assert kinds(handshake("lost-notify-fixed", loop=True)) == {"ok"}


@pytest.mark.parametrize("all_", [False, True])
def test_notify_one_leaves_a_second_waiter_and_notify_all_wakes_both(all_):
    s = wb.Scenario("two-waiters")
    m = s.mutex("m")
    cv = s.condvar("cv")
    ready = s.counter("ready", 0)
    for name in ("a", "b"):
        s.thread(name, program=[m.lock(), ops.loop(ops.if_(ready != 0, ops.break_()), cv.wait(m)),
                                m.unlock()])
    s.thread("setter", program=[m.lock(), ready.set(1),
                                cv.notify_all() if all_ else cv.notify_one(), m.unlock()])
    assert kinds(s) == ({"ok"} if all_ else {"ok", "deadlock/never_woken"})


def test_a_wait_in_a_task_blocks_the_loop_thread():
    s = wb.Scenario("cv-in-task")
    m = s.mutex("m")
    cv = s.condvar("cv")
    ready = s.counter("ready", 0)
    s.task("waiter", [m.lock(), ops.loop(ops.if_(ready != 0, ops.break_()), cv.wait(m)), m.unlock()])
    s.task("setter", [m.lock(), ready.set(1), cv.notify_one(), m.unlock()])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "deadlock/blocked_thread"
    assert "task 'setter' may notify" in out.explanation
    # The setter on a foreign thread instead: ok.
    s2 = wb.Scenario("cv-in-task-thread")
    m = s2.mutex("m")
    cv = s2.condvar("cv")
    ready = s2.counter("ready", 0)
    s2.task("waiter", [m.lock(), ops.loop(ops.if_(ready != 0, ops.break_()), cv.wait(m)), m.unlock()])
    s2.thread("setter", program=[m.lock(), ready.set(1), cv.notify_one(), m.unlock()])
    assert kinds(s2) == {"ok"}


def test_bad_condvar_use_names_the_place():
    s = wb.Scenario("unheld")
    m = s.mutex("m")
    cv = s.condvar("cv")
    s.thread("t", program=[cv.wait(m)])
    with pytest.raises(wb.ScenarioError, match=r"thread 't', op #0 \(wait 'cv'\): waits with mutex "
                                               r"'m', which it does not hold"):
        wb.run(s, "fifo")
    s = wb.Scenario("async")
    m = s.async_mutex("m")
    cv = s.condvar("cv")
    s.task("t", [m.lock(), cv.wait(m), m.unlock()])
    with pytest.raises(wb.ScenarioError, match="std::sync::Condvar waits with the guard of a "
                                               "std::sync::Mutex"):
        wb.run(s, "fifo")
    with pytest.raises(wb.ScenarioError, match="unknown kind"):
        wb.Scenario("k").barrier("b", 2, kind="crossbeam")


# ---- barriers ---------------------------------------------------------------


def test_std_barrier_releases_with_one_leader_and_is_reusable():
    s = wb.Scenario("std-barrier")
    b = s.barrier("b", 2)
    for name in ("x", "y"):
        s.thread(name, program=[b.wait(on_leader=[ops.print("leader")]), ops.print(f"{name} through"),
                                b.wait(on_leader=[ops.print("leader")])])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "ok"
    assert texts(out).count("leader") == 2
    assert sorted(t for t in texts(out) if "through" in t) == ["x through", "y through"]
    assert kinds(s) == {"ok"}


def test_std_barrier_with_fewer_parties_hangs():
    s = wb.Scenario("std-barrier-hang")
    b = s.barrier("b", 3)
    s.thread("x", program=[b.wait()])
    s.thread("y", program=[b.wait()])
    assert kinds(s) == {"deadlock/never_woken"}
    cx = wb.run(s, "fifo")
    assert "(2 of 3 arrived)" in cx.explanation


@pytest.mark.parametrize("policy", ["fifo", "ngx_inline", "ngx_posted_next"])
def test_tokio_barrier_releases_tasks_with_one_leader(policy):
    s = wb.Scenario("tokio-barrier")
    b = s.barrier("b", 2, kind="tokio")
    for name in ("x", "y"):
        s.task(name, [b.wait(on_leader=[ops.print("leader")]), ops.print(f"{name} through")])
    out = wb.run(s, policy)
    assert out.verdict.kind == "ok"
    assert texts(out).count("leader") == 1
    assert kinds(s, policy) == {"ok"}


def test_tokio_barrier_hang_and_a_dropped_waiter_still_counted():
    s = wb.Scenario("tokio-barrier-hang")
    b = s.barrier("b", 2, kind="tokio")
    s.task("x", [b.wait()])
    assert wb.run(s, "fifo").verdict.kind == "deadlock/never_woken"
    # tokio's wait future is not cancel-safe: aborted while waiting, its
    # arrival stays counted, and the next arrival alone leads.
    s = wb.Scenario("tokio-barrier-abort")
    b = s.barrier("b", 2, kind="tokio")
    w = s.task("w", [b.wait(on_leader=[ops.print("w leads")]), ops.print("w through")])
    s.task("k", [ops.yield_(), w.abort(), ops.yield_(), ops.yield_(),
                 b.wait(on_leader=[ops.print("k leads")])])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "ok"
    assert texts(out) == ["k leads"]


def test_tokio_barrier_wait_is_for_tasks():
    s = wb.Scenario("tokio-barrier-thread")
    b = s.barrier("b", 2, kind="tokio")
    s.thread("t", program=[b.wait()])
    with pytest.raises(wb.ScenarioError, match="cannot await"):
        wb.run(s, "fifo")


def test_an_ok_names_the_spurious_wake_up_bound_it_holds_within():
    s = wb.Scenario("cv-ok")
    m = s.mutex("m")
    cv = s.condvar("cv")
    c = s.counter("c")
    s.thread("waiter", program=[m.lock(), ops.loop(ops.if_(c == 1, ops.break_()), cv.wait(m)),
                                m.unlock()])
    s.thread("notifier", program=[m.lock(), c.add(1), cv.notify_one(), m.unlock()])
    ex = wb.explore(s, "fifo", strategy="exhaustive", stop_at_first=False)
    assert ex.verdict == "ok", ex.outcomes
    assert any("spurious" in b for b in ex.within)
    assert ex.to_dict()["within"] == list(ex.within)
    bounded = wb.explore(s, "fifo", strategy="exhaustive", bound=1, stop_at_first=False)
    assert any("at most 1 choices off" in b for b in bounded.within)
    plain = wb.explore("posted-next-idle", "fifo", strategy="exhaustive")
    assert plain.within == ()

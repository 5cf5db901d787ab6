"""Atomics (issue 15: "the vocabulary real bugs need"): load, store, swap,
compare_exchange and fetch_add on an integer cell, each a visible
operation, with programs branching on the value an op returned, atomically
with it. A spin lock built from compare_exchange is mutually exclusive in
every schedule; one built from a load then a store is not, and the bench
finds the schedule where both threads enter."""

import pytest

import wakebench as wb
from wakebench import ops


def exhaustive(s, policy="fifo"):
    ex = wb.explore(s, policy, strategy="exhaustive", stop_at_first=False, budget=200_000)
    assert ex.complete, ex
    return dict(ex.outcomes)


def texts(out):
    return [o.text for o in out.output]


def spin_lock(broken: bool, on: str, tries: int = 2) -> wb.Scenario:
    """Two threads (or two tasks on two workers) take a spin lock around a
    region that counts who is inside: two at once passes the counter's
    bound, resource_exhausted. Each gives up after `tries` attempts (a spin
    with no bound has schedules that never end: the holder never scheduled).
    `broken`: the lock is a load, then a store: two ops, not one."""
    s = wb.Scenario(f"spin-lock-{'load-store' if broken else 'cas'}-{on}",
                    workers=2 if on == "workers" else 1)
    lock = s.atomic("lock", 0)
    inside = s.counter("inside", 0, bound=1)
    region = [inside.add(1), ops.print("in"), inside.add(-1), lock.store(0), ops.break_()]
    if broken:
        attempt = ops.if_(lock.load() == 0, lock.store(1), *region)
    else:
        attempt = ops.if_(lock.compare_exchange(0, 1).is_ok(), *region)
    for name in ("x", "y"):
        if on == "threads":
            s.thread(name, program=[ops.repeat(tries, attempt)])
        else:  # a task yields between attempts (tokio::task::yield_now)
            s.task(name, [ops.repeat(tries, attempt, ops.yield_())])
    return s


@pytest.mark.parametrize("on", ["threads", "workers"])
def test_a_compare_exchange_spin_lock_is_mutually_exclusive_in_every_schedule(on):
    assert set(exhaustive(spin_lock(False, on))) == {"ok"}


@pytest.mark.parametrize("on", ["threads", "workers"])
def test_a_load_then_store_lock_has_a_schedule_where_both_enter(on):
    s = spin_lock(True, on)
    assert {"ok", "resource_exhausted"} <= set(exhaustive(s))
    cx = wb.explore(s, "fifo", strategy="exhaustive").counterexample
    assert cx.verdict.kind == "resource_exhausted"
    assert "counter 'inside' reached 2" in cx.explanation, cx.explanation
    # Both loaded 0 before either stored 1.
    loads = [r for r in cx.trace if r.kind == "atomic" and r.subject == "lock"]
    assert [r.detail for r in loads[:2]] == ["0", "0"], cx.trace_text
    again = wb.run(s, "fifo", schedule=cx.schedule)
    assert again.trace_text == cx.trace_text


def test_swap_lets_exactly_one_thread_do_the_one_time_init():
    s = wb.Scenario("init-once")
    init = s.atomic("init", False)
    done = s.counter("inits", 0, bound=1)
    for name in ("x", "y", "z"):
        s.thread(name, program=[ops.if_(init.swap(True) == False, done.add(1),  # noqa: E712
                                        ops.print(f"{name} inits"),
                                        orelse=[ops.print(f"{name} skips")])])
    assert set(exhaustive(s)) == {"ok"}
    for seed in range(20):
        lines = texts(wb.run(s, "fifo", seed=seed))
        assert sum(line.endswith("inits") for line in lines) == 1, lines
        assert len(lines) == 3


@pytest.mark.parametrize("on", ["threads", "workers"])
def test_fetch_add_hands_out_distinct_tickets(on):
    # Each taker records the ticket fetch_add returned in ticket<k> (bound 1:
    # a ticket handed out twice is resource_exhausted).
    s = wb.Scenario(f"tickets-{on}", workers=2 if on == "workers" else 1)
    nxt = s.atomic("next", 0)
    seen = [s.counter(f"ticket{k}", 0, bound=1) for k in range(2)]
    take = ops.if_(nxt.fetch_add(1) == 0, seen[0].add(1), orelse=[seen[1].add(1)])
    for name in ("x", "y"):
        if on == "threads":
            s.thread(name, program=[take])
        else:
            s.task(name, [take])
    assert set(exhaustive(s)) == {"ok"}
    # A load, then a store of the next value, is not a fetch_add: both may
    # take ticket 0.
    racy = wb.Scenario(f"tickets-racy-{on}", workers=2 if on == "workers" else 1)
    nxt = racy.atomic("next", 0)
    t0 = racy.counter("ticket0", 0, bound=1)
    take = ops.if_(nxt.load() == 0, nxt.store(1), t0.add(1))
    for name in ("x", "y"):
        if on == "threads":
            racy.thread(name, program=[take])
        else:
            racy.task(name, [take])
    assert "resource_exhausted" in exhaustive(racy)


def test_compare_exchange_returns_ok_or_err_with_the_value_found():
    s = wb.Scenario("cas")
    a = s.atomic("a", 3)
    s.task("t", [
        a.compare_exchange(0, 1, on_fail=[ops.print("Err: was not 0")]),
        ops.if_(a.compare_exchange(3, 4) == 3, ops.print("Ok(3)")),
        ops.if_(a.compare_exchange(3, 5).is_err(), ops.print("Err")),
        ops.if_(a.load() == 4, ops.print("4")),
        ops.if_(a.fetch_add(-5) == 4, ops.print("fetch_add returned 4")),
        ops.if_(a.swap(7) == -1, ops.print("swap returned -1")),
    ])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "ok", out.explanation
    assert texts(out) == ["Err: was not 0", "Ok(3)", "Err", "4", "fetch_add returned 4",
                          "swap returned -1"]
    assert "compare_exchange 'a' returns Err(3)" in out.trace_text
    assert "compare_exchange 'a' returns Ok(3)" in out.trace_text


def test_fetch_add_wraps_on_overflow_as_rust_does():
    s = wb.Scenario("wrap")
    a = s.atomic("a", (1 << 63) - 1)
    s.task("t", [a.fetch_add(1), ops.if_(a.load() == -(1 << 63), ops.print("wrapped"))])
    assert texts(wb.run(s, "fifo")) == ["wrapped"]


def test_a_task_waits_until_a_flag_a_thread_sets():
    # The AtomicWaker protocol: register, then check (a wake between them is
    # kept); the setter stores, then wakes.
    s = wb.Scenario("ready-flag")
    ready, waker = s.atomic("ready", False), s.wait_queue("waker", kind="slot")
    s.task("main", [ops.wait_until(waker, ready.load() == True), ops.print("ready")])  # noqa: E712
    s.thread("setter", program=[ready.store(True), waker.wake()])
    assert set(exhaustive(s)) == {"ok"}


def test_atomics_are_usable_from_handlers_drop_hooks_and_futures():
    s = wb.Scenario("everywhere")
    a = s.atomic("a")
    s.on_event("h", at=1, program=[a.fetch_add(1)])
    s.object("o", on_drop=[a.fetch_add(10)])
    f = s.future("f", owner="main", program=[ops.if_(a.swap(100) == 1, ops.print("handler ran"))])
    s.task("main", [ops.sleep(2), f.await_(), ops.drop("o"),
                    ops.if_(a.load() == 110, ops.print("110"))])
    assert texts(wb.run(s, "fifo")) == ["handler ran", "110"]


def test_each_atomic_op_is_an_interleaving_point():
    # Two threads, each one store: both orders are explored.
    s = wb.Scenario("two-stores")
    a = s.atomic("a")
    s.thread("x", program=[a.store(1)])
    s.thread("y", program=[a.store(2)])
    s.task("main", [ops.sleep(1), ops.if_(a.load() == 1, ops.print("x last"),
                                          orelse=[ops.print("y last")])])
    seen = {tuple(texts(wb.run(s, "fifo", seed=seed))) for seed in range(40)}
    assert seen == {("x last",), ("y last",)}


def test_bad_input_names_the_place():
    s = wb.Scenario("bad")
    a = s.atomic("a")
    c = s.counter("c")
    with pytest.raises(wb.ScenarioError, match=r"atomic 'x': must be in"):
        s.atomic("x", 1 << 63)
    with pytest.raises(wb.ScenarioTypeError, match="compare what an op returns"):
        ops.if_(a == 0)
    with pytest.raises(wb.ScenarioTypeError, match="only compare_exchange returns a Result"):
        a.swap(1).is_ok()
    with pytest.raises(wb.ScenarioTypeError, match="already has a branch"):
        ops.if_(a.compare_exchange(0, 1, on_fail=[ops.print("x")]).is_ok())
    with pytest.raises(wb.ScenarioTypeError, match="if_: the condition"):
        ops.if_(a.store(1) == 0)
    with pytest.raises(wb.ScenarioTypeError, match="no truth value"):
        if a.load() == 0:
            pass
    for op, msg in [
        (ops.add("a", 1), r"task 't', op #0 \(add 'a'\): 'a' is an atomic, not a counter"),
        (ops.if_(c == 0), r"op #0 \(if 'c'\)"),
        (wb.Atomic("c").swap(1), r"op #0 \(swap 'c'\): 'c' is a counter, not an atomic"),
        (wb.Atomic("ghost").load(), r"op #0 \(load 'ghost'\): unknown atomic 'ghost' \(known: a\)"),
    ]:
        bad = wb.Scenario("bad")
        bad.atomic("a")
        bad.counter("c")
        bad.task("t", [op])
        if "if 'c'" in msg:
            bad.build()  # a counter condition on a counter is fine
            continue
        with pytest.raises(wb.ScenarioError, match=msg):
            bad.build()

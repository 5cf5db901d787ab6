"""RefCell, panics and with_ (issue 15): Rust's borrow rules checked at run
time (std cell.rs); a panic is a verdict of its own, and a panic inside a
task's poll unwinds the task as tokio's harness does (its guards release,
its permits and borrows go back, what it owns drops); with_ releases its
guard on every way out of its body."""

import pytest

import wakebench as wb
from wakebench import ops

POLICIES = wb.builtin_policies()


def texts(out):
    return [o.text for o in out.output]


def kinds(sc, policy="fifo", **kw):
    ex = wb.explore(sc, policy, strategy="exhaustive", stop_at_first=False, **kw)
    assert ex.complete, ex
    return set(ex.outcomes)


def test_panic_is_a_verdict_kind():
    assert "panic" in wb.verdict_kinds()


# ---- the borrow rules ---------------------------------------------------------

def test_shared_borrows_coexist_and_end():
    s = wb.Scenario("shared")
    c = s.refcell("c")
    s.task("a", [c.borrow(), c.borrow(), ops.yield_(), c.end_borrow(), c.end_borrow(),
                 ops.print("a")])
    s.task("b", [ops.with_(c.borrow(), ops.print("b"))])
    for p in POLICIES:
        assert kinds(s, p) == {"ok"}, p


def test_borrow_mut_while_borrowed_panics_naming_the_borrow_in_the_way():
    s = wb.Scenario("held-across-await")
    c = s.refcell("c")
    s.task("reader", [c.borrow(), ops.yield_(), c.end_borrow(), ops.print("reader done")])
    s.task("writer", [c.borrow_mut(), c.end_borrow(), ops.print("writer done")])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "panic"
    x = out.explanation
    assert "task 'writer' panics at task 'writer' op #0 (borrow_mut 'c')" in x, x
    assert '"already borrowed: BorrowMutError"' in x, x
    assert "task 'reader' holds a shared borrow (Ref) of it, taken at step" in x, x
    assert "at task 'reader' op #0 (borrow 'c')" in x, x
    assert "JoinError::Panic" in x, x
    assert texts(out) == ["reader done"]  # the writer unwound; the reader went on
    assert "panic on 'c': already borrowed: BorrowMutError: task 'writer' unwinds" in \
        out.trace_text


def test_borrow_while_mutably_borrowed_panics():
    s = wb.Scenario("mut-then-shared")
    c = s.refcell("c")
    s.task("a", [ops.with_(c.borrow_mut(), ops.yield_())])
    s.task("b", [ops.with_(c.borrow(), ops.print("read"))])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "panic"
    assert '"already mutably borrowed: BorrowError"' in out.explanation
    assert "task 'a' holds a mutable borrow (RefMut)" in out.explanation


def test_borrow_mut_twice_in_one_task_panics_on_itself():
    s = wb.Scenario("twice")
    c = s.refcell("c")
    s.task("a", [ops.with_(c.borrow_mut(), ops.with_(c.borrow_mut()))])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "panic"
    assert "task 'a' (itself) holds a mutable borrow" in out.explanation


def test_try_borrow_fails_into_its_branch_without_a_panic():
    s = wb.Scenario("try")
    c = s.refcell("c")
    s.task("a", [ops.with_(c.borrow(), ops.yield_(), ops.yield_())])
    s.task("b", [ops.loop(c.try_borrow_mut(on_fail=[ops.print("busy"), ops.yield_(),
                                                    ops.continue_()]),
                          ops.print("got it"), c.end_borrow(), ops.break_())])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "ok", out.explanation
    assert texts(out)[-1] == "got it" and "busy" in texts(out)
    assert "try_borrow_mut on 'c' fails: already borrowed" in out.trace_text
    assert kinds(s) == {"ok"}


def test_a_refcell_touched_from_a_second_thread_is_not_send():
    s = wb.Scenario("shared-across-threads")
    c = s.refcell("c")
    s.task("a", [ops.with_(c.borrow(), ops.print("a"))])
    s.thread("sidecar", program=[ops.with_(c.borrow(), ops.print("t"))])
    ex = wb.explore(s, "fifo", strategy="exhaustive")
    assert ex.verdict == "not_send"
    assert "RefCell is !Sync" in ex.counterexample.explanation
    # and on a multi-thread runtime, a worker touching it
    s = wb.Scenario("shared-across-workers", workers=2)
    c = s.refcell("c")
    s.task("a", [ops.with_(c.borrow(), ops.yield_())])
    s.task("b", [ops.with_(c.borrow(), ops.yield_())])
    assert "not_send" in kinds(s, "fifo")


def test_refcell_misuse_is_one_clear_error():
    s = wb.Scenario("bad")
    c = s.refcell("c")
    s.task("a", [c.end_borrow()])
    with pytest.raises(wb.ScenarioError, match=r"task 'a', op #0 \(end_borrow 'c'\): ends a borrow"):
        s.build()
    s = wb.Scenario("bad2")
    c = s.refcell("c")
    s.task("a", [c.borrow()])
    with pytest.raises(wb.ScenarioError, match="ends holding a borrow of 'c'"):
        s.build()
    s = wb.Scenario("bad3")
    s.mutex("c")
    s.task("a", [ops.borrow("c"), ops.end_borrow("c")])
    with pytest.raises(wb.ScenarioError, match="unknown refcell 'c'"):
        s.build()


# ---- panics -----------------------------------------------------------------------

def test_explicit_panic_unwinds_the_task_and_its_tokio_mutex_goes_to_the_next_task():
    s = wb.Scenario("panic-holding-lock")
    m = s.async_mutex("m")
    s.task("a", [m.lock(), ops.yield_(), ops.panic("boom"), m.unlock()])
    s.task("b", [m.lock(), ops.print("b got m"), m.unlock()])
    for p in POLICIES:
        out = wb.run(s, p)
        assert out.verdict.kind == "panic", (p, out.explanation)
        assert texts(out) == ["b got m"], p
        assert "task 'a' panics at task 'a' op #2 (panic): \"boom\" (panic!)" in out.explanation
        assert kinds(s, p) == {"panic"}


def test_a_join_of_a_panicked_task_goes_on_and_owned_objects_drop():
    s = wb.Scenario("join-panicked")
    a = s.task("a", [ops.yield_(), ops.panic("boom")])
    s.object("captured", owner=a, on_drop=[ops.print("captured dropped")])
    s.task("b", [a.join(), ops.print("joined: JoinError::Panic")])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "panic"
    assert texts(out) == ["captured dropped", "joined: JoinError::Panic"]


def test_a_panic_in_a_drop_while_unwinding_aborts():
    s = wb.Scenario("double-panic")
    a = s.task("a", [ops.panic("first")])
    s.object("bomb", owner=a, on_drop=[ops.panic("second")])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "panic"
    assert "a panic while panicking aborts the process" in out.explanation, out.explanation


def test_a_std_mutex_held_by_a_panicking_task_is_poisoned():
    s = wb.Scenario("poison")
    m = s.mutex("m")
    s.task("a", [m.lock(), ops.panic("boom"), m.unlock()])
    s.task("b", [m.try_lock(on_fail=[ops.print("poisoned"), m.lock()]), m.unlock()])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "panic"
    assert texts(out) == ["poisoned"]
    assert "2 panics in the run" in out.explanation
    assert "panic on 'm': PoisonError (lock().unwrap())" in out.trace_text
    assert "'m' is poisoned: task 'a' drops its guard while it unwinds" in out.trace_text


def test_a_panic_in_a_future_unwinds_its_owner():
    s = wb.Scenario("future-panics")
    m = s.async_mutex("m")
    t = s.task("t", [ops.await_("f")])
    s.future("f", owner=t, program=[ops.with_(m.lock(), ops.yield_(), ops.panic("in f"))])
    s.task("u", [ops.with_(m.lock(), ops.print("u got m"))])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "panic"
    assert "future 'f' of task 't' panics" in out.explanation
    assert texts(out) == ["u got m"]


def test_a_panic_outside_a_task_stops_the_run():
    s = wb.Scenario("handler-panics")
    s.on_event("h", at=0, program=[ops.panic("in C code"), ops.print("after")])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "panic"
    assert "event handler 'h' panics" in out.explanation and "the run stops there" in \
        out.explanation
    assert texts(out) == []


def test_a_second_oneshot_send_is_still_an_error_not_a_panic():
    # Rust cannot even compile it: oneshot::Sender::send consumes the sender.
    s = wb.Scenario("oneshot-twice")
    o = s.oneshot("o")
    s.task("a", [o.send(), o.send()])
    with pytest.raises(wb.ScenarioError, match="already sent"):
        wb.run(s, "fifo")


# ---- with_: released on every way out ------------------------------------------

GUARDS = {
    "std": lambda s: (lambda m: (m.lock(), m.unlock()))(s.mutex("g")),
    "tokio": lambda s: (lambda m: (m.lock(), m.unlock()))(s.async_mutex("g")),
    "semaphore": lambda s: (lambda m: (m.acquire(), m.release()))(s.semaphore("g", 1)),
    "borrow": lambda s: (lambda c: (c.borrow_mut(), c.end_borrow()))(s.refcell("g")),
    "borrow_shared": lambda s: (lambda c: (c.borrow(), c.end_borrow()))(s.refcell("g")),
}


def _after(s, take, give):
    """A second task takes the guard after the first is done with it (a
    borrow_mut for a shared borrow: it would panic if one were left)."""
    again = ops.borrow_mut("g") if take.kind == wb._core.OpKind.BORROW else take
    give = ops.end_borrow("g") if take.kind == wb._core.OpKind.BORROW else give
    return [again, ops.print("free"), give]


@pytest.mark.parametrize("kind", sorted(GUARDS))
@pytest.mark.parametrize("way", ["end", "break", "continue"])
def test_with_releases_at_the_end_and_on_break_and_continue(kind, way):
    s = wb.Scenario(f"with-{kind}-{way}")
    take, give = GUARDS[kind](s)
    body = {"end": [ops.with_(take, ops.yield_())],
            "break": [ops.loop(ops.with_(take, ops.yield_(), ops.break_()))],
            "continue": [ops.repeat(2, ops.with_(take, ops.yield_(), ops.continue_(),
                                                 ops.print("never")))]}[way]
    s.task("a", body)
    s.task("b", [ops.sleep(5), *_after(s, take, give)])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "ok", out.explanation
    assert texts(out) == ["free"]


@pytest.mark.parametrize("kind", sorted(GUARDS))
def test_with_releases_when_its_future_is_cancelled_by_select(kind):
    s = wb.Scenario(f"with-{kind}-select")
    take, give = GUARDS[kind](s)
    t = s.task("a", [ops.select(ops.branch("holder"), ops.branch("quick"), biased=True)])
    s.future("holder", owner=t, program=[ops.with_(take, ops.sleep(10))])
    s.future("quick", owner=t, program=[ops.sleep(1)])
    s.task("b", [ops.sleep(5), *_after(s, take, give)])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "ok", out.explanation
    assert texts(out) == ["free"]
    assert "task_dropped" in [e.kind for e in out.trace]


@pytest.mark.parametrize("kind", sorted(GUARDS))
def test_with_releases_when_its_task_is_aborted(kind):
    s = wb.Scenario(f"with-{kind}-abort")
    take, give = GUARDS[kind](s)
    a = s.task("a", [ops.with_(take, ops.sleep(10))])
    s.task("b", [ops.sleep(1), a.abort(), ops.sleep(1), *_after(s, take, give)])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "ok", out.explanation
    assert texts(out) == ["free"]


@pytest.mark.parametrize("kind", sorted(GUARDS))
def test_with_releases_when_a_caught_exception_leaves_it(kind):
    s = wb.Scenario(f"with-{kind}-exception")
    take, give = GUARDS[kind](s)
    s.task("a", [ops.catch(ops.with_(take, ops.sleep(10)), handler=[ops.print("caught")]),
                 *_after(s, take, give)])
    s.task("killer", [ops.sleep(1), ops.throw_to("a")])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "ok", out.explanation
    assert texts(out) == ["caught", "free"]


@pytest.mark.parametrize("kind", sorted(GUARDS))
def test_with_releases_when_its_task_panics(kind):
    s = wb.Scenario(f"with-{kind}-panic")
    take, give = GUARDS[kind](s)
    s.task("a", [ops.with_(take, ops.yield_(), ops.panic("boom"))])
    s.task("b", [ops.sleep(5), *_after(s, take, give)])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "panic"
    expected = [] if kind == "std" else ["free"]  # a std mutex is poisoned: b panics too
    assert texts(out) == expected, out.trace_text


def test_with_misuse_names_the_place():
    s = wb.Scenario("with-bad")
    m = s.mutex("m")
    s.task("a", [ops.with_(m.lock(), m.unlock())])
    with pytest.raises(wb.ScenarioError, match=r"op #0.0 \(unlock 'm'\): 'm' is the guard of a with_"):
        s.build()
    s = wb.Scenario("with-bad2")
    s.mutex("m")
    s.task("a", [ops.with_(ops.print("x"))])
    with pytest.raises(wb.ScenarioError, match="with_ takes a lock"):
        s.build()
    with pytest.raises(wb.ScenarioTypeError, match="not an op"):
        ops.with_("m")

"""Reader-writer locks: std::sync::RwLock (futex on Linux: blocks the
thread, prefers writers, not re-entrant for writes) and tokio::sync::RwLock
(FIFO-fair over a batch semaphore). The rules and their sources are in
cpp/exec/primitives/rwlock.hpp."""

import pytest

import wakebench as wb
from wakebench import ops


def kinds(sc, policy="fifo", **kw):
    ex = wb.explore(sc, policy, strategy="exhaustive", stop_at_first=False, **kw)
    assert ex.complete, ex
    return set(ex.outcomes)


def texts(out):
    return [o.text for o in out.output]


def recursive_read(kind="std"):
    """Thread `a` reads twice; thread `w` writes in between (or not)."""
    s = wb.Scenario(f"recursive-read-{kind}")
    rw = s.rwlock("rw", kind=kind)
    s.thread("a", program=[rw.read(), rw.read(), ops.print("a read twice"), rw.unlock_read(),
                           rw.unlock_read()])
    s.thread("w", program=[rw.write(), ops.print("w wrote"), rw.unlock_write()])
    return s


def test_std_recursive_read_deadlocks_behind_a_waiting_writer():
    # The writer-preferring futex RwLock: a writer waiting between a
    # thread's two reads blocks the second read, and waits for the first.
    s = recursive_read()
    assert kinds(s) == {"ok", "deadlock/lock_cycle"}
    assert kinds(s, sleep_sets=False, state_cache=False) == {"ok", "deadlock/lock_cycle"}
    ex = wb.explore(s, "fifo")
    cx = ex.counterexample
    assert cx.verdict.kind == "deadlock/lock_cycle"
    assert "behind thread 'w', a writer waiting (std's RwLock prefers writers" in cx.explanation
    assert "a read guard of which thread 'a' holds" in cx.explanation
    # Replays byte for byte.
    again = wb.run(s, "fifo", schedule=cx.schedule)
    assert again.verdict.kind == "deadlock/lock_cycle"
    assert again.trace_text == cx.trace_text


def test_std_reads_share_with_no_writer():
    s = wb.Scenario("two-readers")
    rw = s.rwlock("rw")
    inside = s.counter("inside", 0, bound=2)  # both inside at once is fine: bound 2
    for name in ("r1", "r2"):
        s.thread(name, program=[rw.read(), inside.add(1), inside.add(-1), rw.unlock_read()])
    assert kinds(s) == {"ok"}
    # A bound of 1 is passed in some schedule: both hold a read guard at once.
    s2 = wb.Scenario("two-readers-overlap")
    rw = s2.rwlock("rw")
    inside = s2.counter("inside", 0, bound=1)
    for name in ("r1", "r2"):
        s2.thread(name, program=[rw.read(), inside.add(1), inside.add(-1), rw.unlock_read()])
    assert kinds(s2) == {"ok", "resource_exhausted"}
    # With writes, never two inside.
    s3 = wb.Scenario("two-writers")
    rw = s3.rwlock("rw")
    inside = s3.counter("inside", 0, bound=1)
    for name in ("w1", "w2"):
        s3.thread(name, program=[rw.write(), inside.add(1), inside.add(-1), rw.unlock_write()])
    assert kinds(s3) == {"ok"}


@pytest.mark.parametrize("first", ["read", "write"])
def test_std_write_is_not_reentrant(first):
    s = wb.Scenario("reentrant-write")
    rw = s.rwlock("rw")
    take, drop = (rw.read(), rw.unlock_read()) if first == "read" else (rw.write(), rw.unlock_write())
    s.task("t", [take, rw.write(), rw.unlock_write(), drop])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "deadlock/reentrant_lock"
    assert "requests the write guard of std RwLock 'rw'" in out.explanation
    assert "std::sync::RwLock is not re-entrant" in out.explanation


def test_std_try_read_fails_while_a_writer_waits():
    s = wb.Scenario("try-read")
    rw = s.rwlock("rw")
    failed = s.counter("failed", 0, bound=1)
    s.thread("a", program=[
        rw.read(),
        ops.loop(rw.try_read(on_fail=[failed.add(2), ops.break_()]), rw.unlock_read(), ops.break_()),
        rw.unlock_read(),
    ])
    s.thread("w", program=[rw.write(), rw.unlock_write()])
    # a holds a read guard, so w only ever waits: the failures are w waiting.
    assert kinds(s) == {"ok", "resource_exhausted"}


def test_std_guard_across_an_await():
    s = wb.Scenario("std-rwlock-current-thread")
    rw = s.rwlock("rw")
    s.task("a", [rw.write(), ops.yield_(), rw.unlock_write()])
    s.task("b", [rw.read(), rw.unlock_read()])
    assert wb.run(s, "fifo").verdict.kind == "deadlock/blocked_thread"
    s2 = wb.Scenario("std-rwlock-two-workers", workers=2)
    rw = s2.rwlock("rw")
    s2.task("a", [rw.read(), ops.yield_(), rw.unlock_read()])
    out = wb.run(s2, "fifo")
    assert out.verdict.kind == "not_send"
    assert "RwLockReadGuard and RwLockWriteGuard are !Send" in out.explanation


def test_tokio_is_fifo_a_reader_waits_behind_a_queued_writer():
    s = wb.Scenario("tokio-rwlock-fifo")
    rw = s.rwlock("rw", kind="tokio")
    s.task("a", [rw.read(), ops.print("a reads"), ops.yield_(), ops.print("a done"), rw.unlock_read()])
    s.task("w", [rw.write(), ops.print("w writes"), rw.unlock_write()])
    s.task("r", [rw.read(), ops.print("r reads"), rw.unlock_read()])
    for policy in wb.builtin_policies():
        out = wb.run(s, policy)
        assert out.verdict.kind == "ok", (policy, out.explanation)
        assert texts(out) == ["a reads", "a done", "w writes", "r reads"], policy
    assert kinds(s) == {"ok"}


def test_tokio_recursive_read_behind_a_queued_writer_is_a_lock_cycle():
    s = wb.Scenario("tokio-recursive-read")
    rw = s.rwlock("rw", kind="tokio")
    s.task("a", [rw.read(), ops.yield_(), rw.read(), rw.unlock_read(), rw.unlock_read()])
    s.task("w", [rw.write(), rw.unlock_write()])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "deadlock/lock_cycle"
    assert "queued ahead of it (tokio's RwLock is FIFO-fair)" in out.explanation


def test_tokio_try_ops_fail_while_anyone_is_queued():
    s = wb.Scenario("tokio-try")
    rw = s.rwlock("rw", kind="tokio")
    s.task("a", [rw.read(), ops.yield_(), rw.unlock_read()])
    s.task("w", [rw.write(), rw.unlock_write()])
    s.task("r", [rw.try_read(on_fail=[ops.print("busy")]), ops.print("after")])
    # 'r' either reads (and must unlock) or fails: a try_read whose on_fail
    # ends without the guard, where success holds it, is refused.
    with pytest.raises(wb.ScenarioError, match=r"op #0 \(try_read 'rw'\): on success a read guard"):
        wb.run(s, "fifo")
    s = wb.Scenario("tokio-try-2")
    rw = s.rwlock("rw", kind="tokio")
    s.task("a", [rw.read(), ops.yield_(), rw.unlock_read()])
    s.task("w", [rw.write(), rw.unlock_write()])
    s.task("r", [ops.loop(rw.try_read(on_fail=[ops.print("busy"), ops.yield_(), ops.continue_()]),
                          ops.print("r reads"), rw.unlock_read(), ops.break_())])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "ok", out.explanation
    assert texts(out)[0] == "busy" and texts(out)[-1] == "r reads"
    assert "try_read 'rw' fails: the write guard is held or an acquire is queued" in out.trace_text


def test_bad_rwlock_use_names_the_place():
    s = wb.Scenario("bad-rw")
    with pytest.raises(wb.ScenarioError, match="unknown kind 'fair' \\(valid: std, tokio\\)"):
        s.rwlock("x", kind="fair")
    rw = s.rwlock("rw", kind="tokio")
    s.task("t", [rw.read(), rw.write(), rw.unlock_write(), rw.unlock_read()])
    with pytest.raises(wb.ScenarioError,
                       match=r"task 't', op #1 \(write 'rw'\): write-locks 'rw' while holding a read "
                             r"guard: tokio's RwLock would wait for this task itself"):
        wb.run(s, "fifo")
    s = wb.Scenario("bad-rw-2")
    rw = s.rwlock("rw")
    s.task("t", [rw.unlock_write()])
    with pytest.raises(wb.ScenarioError, match=r"op #0 \(unlock_write 'rw'\): unlocks the write "
                                               r"guard of 'rw', which it does not hold"):
        wb.run(s, "fifo")
    with pytest.raises(wb.ScenarioTypeError):
        ops.read_lock(3)

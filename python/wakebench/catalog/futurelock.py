"""Futurelock (rust-async-traps.txt): a select! over a borrowed future that
holds, or is handed, a lock and is never polled again."""

from __future__ import annotations

from .. import ops
from ..scenario import Scenario
from . import entry

SEED = "rust-async-traps.txt"


def _futurelock(name: str, *, mutex: str, borrowed: bool) -> Scenario:
    """The seed's program, line for line (times in ms). ``mutex``: "fair"
    (tokio's Mutex), "barging" (futures'), or "semaphore" (a tokio
    Semaphore of one permit in its place)."""
    s = Scenario(name)
    if mutex == "semaphore":
        sem = s.semaphore("lock", 1)
        take, give = sem.acquire, sem.release
    else:
        lock = s.mutex("lock", kind=mutex)
        take, give = lock.lock, lock.unlock
    # async fn simulate_contention: hold the lock for 5 s.
    s.task("simulate_contention", [
        take(), ops.sleep(5000), ops.print("simulate contention done"), give(),
    ], autostart=False)
    # let mut xxx_future = do_xxx(lock.clone()).boxed();
    s.future("xxx_future", owner="main", program=[
        ops.print("xxx started"), take(), ops.print("xxx done"), give(),
    ])
    s.future("sleep_500ms", owner="main", program=[ops.sleep(500)])
    s.task("main", [
        ops.spawn("simulate_contention"),
        ops.sleep(100),  # let simulate_contention take the lock
        ops.select(
            ops.branch("xxx_future", ops.print("first branch has been run"), borrowed=borrowed),
            ops.branch("sleep_500ms",
                       ops.print("second branch has been run"),
                       # do_yyy(lock.clone()).await
                       ops.print("yyy started"), take(), ops.print("yyy done"), give()),
        ),
    ])
    return s


@entry("futurelock-select", source=SEED,
       quote="""
    In that example, the un-poll-ed future (xxx_future) holds lock. Its
    held lock will only release in two cases: 1. the future is polled
    and progresses, 2. the future is dropped. But that future is not
    poll-ed and also not dropped, thus lock cannot release.""",
       assumes="""
    tokio::sync::Mutex hands the lock to its first waiter on unlock
    (fair), and that waiter holds it whether or not it is polled again;
    the seed's times (100 ms, 500 ms, 5 s).""",
       summary="""
    The seed's futurelock, line for line: main lets simulate_contention take
    a tokio (fair) mutex, then select!s over &mut xxx_future (which queues
    for the lock) and a 500 ms sleep. The sleep wins; main runs do_yyy,
    which also queues. When contention releases the lock after 5 s, the fair
    mutex hands it to xxx_future, which is alive but never polled again:
    "xxx started", "second branch has been run", "yyy started", "simulate
    contention done", then deadlock/futurelock, under every policy.""")
def futurelock_select() -> Scenario:
    return _futurelock("futurelock-select", mutex="fair", borrowed=True)


@entry("futurelock-select-barging", source=SEED,
       quote="""
    Its held lock will only release in two cases: 1. the future is
    polled and progresses, 2. the future is dropped.""",
       assumes="""
    futures::lock::Mutex: unlock frees the lock and wakes one waiter
    without handing it over (futures-util lock/mutex.rs), so a waiter
    that is never polled again holds nothing; the seed's times.""",
       summary="""
    The same program with a barging mutex (futures::lock::Mutex): releasing
    it wakes xxx_future's waiter but hands nothing over, so do_yyy takes the
    free lock and finishes. Ok under every policy.""")
def futurelock_select_barging() -> Scenario:
    return _futurelock("futurelock-select-barging", mutex="barging", borrowed=True)


@entry("futurelock-select-owned", source=SEED,
       quote="""
    When finishing, tokio::select! will drop (cancel) the futures of all
    branches, as mentioned previously. However, if you pass a future
    borrow, it will only drop the borrow, but the borrowed future will
    not be dropped when tokio::select! finishes.""",
       assumes="""
    Dropping a future queued on tokio's Mutex removes it from the wait
    queue (batch_semaphore.rs Acquire's Drop); the seed's times.""",
       summary="""
    The same program passing xxx_future to select! by value: when the sleep
    wins, select! drops (cancels) xxx_future, which leaves the lock's queue,
    so the lock goes to do_yyy. Ok under every policy.""")
def futurelock_select_owned() -> Scenario:
    return _futurelock("futurelock-select-owned", mutex="fair", borrowed=False)


@entry("futurelock-select-semaphore", source=SEED,
       quote="""
    When the un-poll-ed future holds lock it will deadlock. This is
    called futurelock.""",
       assumes="""
    tokio::sync::Semaphore is FIFO-fair: a release assigns the permit to
    the first waiter (batch_semaphore.rs add_permits_locked), which
    holds it whether or not it is polled again; one permit; the seed's
    times.""",
       summary="""
    The seed's futurelock with a tokio Semaphore of one permit in place of
    the mutex. The semaphore is FIFO-fair too: the release assigns the
    permit to xxx_future, first in line, which is alive but never polled
    again: deadlock/futurelock, under every policy, as with the mutex (a
    barging stand-in, a counter plus wake_all, would hide it).""")
def futurelock_select_semaphore() -> Scenario:
    return _futurelock("futurelock-select-semaphore", mutex="semaphore", borrowed=True)

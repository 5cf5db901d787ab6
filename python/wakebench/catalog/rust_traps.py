"""Rust async traps (rust-async-traps.txt): a std::sync::Mutex held across
an await on a current-thread executor."""

from __future__ import annotations

from .. import ops
from ..scenario import Scenario
from . import entry

SEED = "rust-async-traps.txt"


def _holder_and_contender(s: Scenario, lock) -> None:
    # One task holds the guard across an await (a yield stands for any I/O);
    # another task on the same thread wants the lock meanwhile.
    s.task("holder", [lock.lock(), ops.print("holder locked"), ops.yield_(), lock.unlock(),
                      ops.print("holder unlocked")])
    s.task("contender", [lock.lock(), ops.print("contender locked"), lock.unlock()])


@entry("std-mutex-current-thread", source=SEED,
       quote="""
    How to deadlock Tokio application in Rust with just a single mutex""",
       assumes="""
    A current-thread runtime (one thread polls every task); the holder's
    await is a yield (any I/O would do); the contender is polled while
    the holder is suspended, and its std lock() blocks the thread.""",
       summary="""
    "How to deadlock Tokio application in Rust with just a single mutex": a
    task holds a std::sync::Mutex guard across an .await on a current-thread
    executor; another task on the same thread calls lock() and blocks the
    thread, so the holder, which only that thread can poll, never runs to
    release it. deadlock/blocked_thread under every policy.""")
def std_mutex_current_thread() -> Scenario:
    s = Scenario("std-mutex-current-thread")
    _holder_and_contender(s, s.mutex("m"))
    return s


@entry("std-mutex-two-workers", source=SEED,
       quote="""
    Holding std::sync::Mutex across await point will not compile when
    using Tokio. Tokio require future to be Send, but
    std::sync::MutexGuard is not Send.""",
       assumes="""
    A multi-thread runtime with two workers; tasks are spawned with
    tokio::spawn (a Send bound); the bench reports the guard held across
    the await where the compiler would refuse the program, instead of
    running what cannot be built.""",
       summary="""
    The same program on a multi-thread runtime with two workers. Rust does
    not compile it: tokio::spawn needs a Send future, and the holder's
    future keeps a std MutexGuard (!Send) across its await, after which
    either worker may poll it. The run stops at that await: not_send, under
    every policy, naming the guard and the task. (Holding no guard across
    the await, a tokio::sync::Mutex, or a Send guard, kind="send_guard",
    compiles.)""")
def std_mutex_two_workers() -> Scenario:
    s = Scenario("std-mutex-two-workers", workers=2)
    _holder_and_contender(s, s.mutex("m"))
    return s


@entry("std-mutex-async-mutex", source=SEED,
       quote="""
    In Tokio, use tokio::sync::Mutex for mutex and tokio::time::sleep
    and sleep. They will cooperatively pause and avoid that issue.""",
       assumes="""
    tokio::sync::Mutex is FIFO-fair: its unlock hands the lock to the
    first waiter (tokio sync/mutex.rs over batch_semaphore.rs).""",
       summary="""
    The fix the seed recommends: tokio::sync::Mutex. The contender's lock()
    is an await point; it queues behind the holder, the thread keeps
    polling, the holder releases and hands the lock over. Ok under every
    policy.""")
def std_mutex_async_mutex() -> Scenario:
    s = Scenario("std-mutex-async-mutex")
    _holder_and_contender(s, s.async_mutex("m"))
    return s


def _ticker(s: Scenario) -> None:
    # A task that should run every 10 ms (a heartbeat, a timeout, a client).
    s.task("ticker", [ops.repeat(3, ops.sleep(10), ops.print("tick"))])


@entry("blocking-scheduler", source=SEED,
       quote="""
    An async task can keep running without .await for long time, and the
    async runtime cannot force-suspend it. Then a scheduler thread will
    be kept occupied.""",
       assumes="""
    The computation takes 100 ms of virtual time without an await; the
    ticker should run every 10 ms; a task ready for more than the
    scenario's latency bound (50 ms) is starved.""",
       summary="""
    "Blocking scheduler thread": a task does 100 ms of heavy computation
    without an .await on the scheduler thread. The runtime cannot preempt
    it, so a task whose timer fires meanwhile waits for the whole
    computation; with a latency bound of 50 ms that is starvation, under
    every policy.""")
def blocking_scheduler() -> Scenario:
    s = Scenario("blocking-scheduler", latency_bound=50)
    _ticker(s)
    s.task("cruncher", [ops.sleep(5), ops.compute(100), ops.print("crunched")])
    return s


@entry("blocking-scheduler-pool", source=SEED,
       quote="""
    The task spawned by spawn_blocking runs in another thread pool and
    won't block the normal scheduler thread.""",
       assumes="""
    The pool thread starts when spawned and its completion reaches the
    scheduler thread through a thread-safe notification (ngx_notify /
    tokio's blocking-pool JoinHandle); the same 50 ms latency bound.""",
       summary="""
    The escape hatch: the computation runs in spawn_blocking's pool, on
    another thread; the task awaits its completion, which comes back to the
    scheduler thread through a thread-safe notification (as an nginx thread
    pool's ngx_notify). The scheduler thread stays free and the ticker keeps
    its 10 ms rhythm. Ok under every policy.""")
def blocking_scheduler_pool() -> Scenario:
    s = Scenario("blocking-scheduler-pool", latency_bound=50)
    _ticker(s)
    done = s.wait_queue("done")
    finished = s.counter("finished")
    s.thread("pool", autostart=False, program=[ops.compute(100), finished.add(1),
                                               ops.notify_loop(done)])
    s.task("cruncher", [
        ops.sleep(5), ops.spawn_blocking("pool"),
        ops.wait_until(done, finished > 0),
        ops.print("crunched"),
    ])
    return s


def _concurrency(name: str, permits: int) -> Scenario:
    # A scraper spawns a task per item; each holds its memory for 10 ms.
    s = Scenario(name, max_live_tasks=4)
    sem = s.semaphore("permits", permits) if permits else None
    work = [ops.sleep(10)] + ([sem.release()] if sem else [])
    s.task("fetch", work, count=6, autostart=False)
    spawn_one = ([sem.acquire()] if sem else []) + [ops.spawn("fetch")]
    s.task("scraper", [ops.repeat(6, *spawn_one)])
    return s


@entry("unbounded-concurrency", source=SEED,
       quote="""
    But in async, there is no concurrency limit by default. This is good
    for high-performance web server. But too high concurrency can cause
    OOM.""",
       assumes="""
    Each fetch holds its memory for 10 ms, until it finishes; memory is
    counted in live tasks, with a bound of 4 standing for the machine's
    memory; the spawner spawns without awaiting anything in between.""",
       summary="""
    "Unbound concurrency use up resources": a task spawns one task per item
    with nothing limiting how many run at once (as buffer_unordered(999999999)
    or a spawn per request); each holds its memory until it finishes. With a
    bound of 4 live tasks, the spawner and the first three fetches fill it
    and the fourth spawn exhausts it: resource_exhausted, under every
    policy.""")
def unbounded_concurrency() -> Scenario:
    return _concurrency("unbounded-concurrency", permits=0)


@entry("unbounded-concurrency-semaphore", source=SEED,
       quote="""
    For graph-traversing programs like scraper, it should use things
    like semapphore to limit concurrency.""",
       assumes="""
    The same fetches and bound; the semaphore (tokio's, FIFO-fair) has 2
    permits, acquired before each spawn and released by each fetch when
    it finishes.""",
       summary="""
    The seed's fix: a semaphore. The spawner acquires a permit before each
    spawn and each task releases it when done, so at most 2 fetches (and the
    spawner) are alive at once. Ok under every policy.""")
def unbounded_concurrency_semaphore() -> Scenario:
    return _concurrency("unbounded-concurrency-semaphore", permits=2)


def _transfer_ops(s: Scenario) -> list:
    lock = s.async_mutex("accounts")
    checking, savings = s.counter("checking", 100), s.counter("savings", 0)
    return [
        ops.critical(
            lock.lock(),
            checking.add(-10),
            ops.sleep(100),  # write the debit to the database (an await point)
            savings.add(10),
            lock.unlock(),
        ),
        ops.print("transfer done"),
    ]


@entry("cancel-critical-section", source=SEED,
       quote="""
    But the future can be cancelled in await point when lock is being
    held. Then the invariants that the lock aim to protect may break,
    and there is no related logging by default.""",
       assumes="""
    The transfer's debit and credit must both happen once the debit has
    (a critical region); the database write between them is a 100 ms
    await; the timeout is 50 ms.""",
       summary="""
    Cancellation safety: a handler runs a transfer under a tokio::sync::Mutex
    inside select! against a 50 ms timeout. The timeout wins while the
    transfer awaits between its debit and its credit; select! drops the
    transfer future there, the guard unlocks, and the accounts are left
    half-updated with nothing logged: interrupted_critical_section, under
    every policy.""")
def cancel_critical_section() -> Scenario:
    s = Scenario("cancel-critical-section")
    s.future("transfer", owner="handler", program=_transfer_ops(s))
    s.future("deadline", owner="handler", program=[ops.sleep(50)])
    s.task("handler", [ops.select(ops.branch("transfer"),
                                  ops.branch("deadline", ops.print("timed out")))])
    return s


@entry("cancel-critical-section-spawned", source=SEED,
       quote="""
    Although JoinHandle is Future, dropping it won't cancel the spawned
    task. So if you want to avoid cancellation, wrap it in tokio::spawn
    (and don't call JoinHandle::abort).""",
       assumes="""
    The same transfer, timeout and times; the JoinHandle is awaited
    through the task's completion and dropped when the timeout wins.""",
       summary="""
    The seed's remedy: tokio::spawn(transfer). Dropping the JoinHandle when
    the timeout wins does not cancel the task, which finishes its transfer.
    Ok under every policy.""")
def cancel_critical_section_spawned() -> Scenario:
    s = Scenario("cancel-critical-section-spawned")
    done, joined = s.counter("done"), s.wait_queue("joined")
    s.task("transfer", _transfer_ops(s) + [done.add(1), joined.wake()], autostart=False)
    s.future("join_handle", owner="handler", program=[
        ops.wait_until(joined, done > 0),
    ])
    s.future("deadline", owner="handler", program=[ops.sleep(50)])
    s.task("handler", [ops.spawn("transfer"),
                       ops.select(ops.branch("join_handle"),
                                  ops.branch("deadline", ops.print("timed out")))])
    return s

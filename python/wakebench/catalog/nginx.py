"""Drop-wake deadlocks on nginx's Rust executor (ngx-rust PR #295, ngx-tickle).

The pattern: a library's Drop takes one of its private locks and, holding
it, wakes a task that takes the same lock when polled. Whether that
deadlocks is the policy's choice: polling inline runs the woken task on the
dropper's stack, under the held lock.
"""

from __future__ import annotations

from .. import ops
from ..scenario import Scenario
from . import entry

SEED = "ngx-rust-pr295-defer-wakes.txt"


def _h2(name: str) -> tuple:
    """h2's shared state: Connection waits, under `inner`, for its streams to go."""
    s = Scenario(name)
    inner = s.mutex("inner")  # Arc<Mutex<Inner>>, a std::sync::Mutex
    conn_waker = s.wait_queue("conn_waker")
    streams = s.counter("streams", 1)
    s.task("conn", [
        ops.loop(
            inner.lock(),
            ops.if_(streams == 0, inner.unlock(), ops.break_()),
            conn_waker.register(),
            inner.unlock(),
            ops.pending(),
        ),
        ops.print("connection closed"),
    ])
    on_drop = [inner.lock(), streams.add(-1), conn_waker.wake(), inner.unlock()]
    return s, on_drop


@entry("h2-drop-wake-nested", source=SEED,
       quote="""
    when a wake fires from a `Drop` that holds a lock the woken task
    also needs — e.g. h2's `Streams::drop` waking its `Connection` task
    while holding `Arc<Mutex<Inner>>` — the synchronous re-poll
    re-enters and deadlocks on that lock.""",
       assumes="""
    `inner` is a std::sync::Mutex (not re-entrant: a second lock on the
    same thread deadlocks); the Connection task has registered its waker
    and waits for its one stream to go; the request task's stream is
    dropped when its future returns Ready, inside that poll.""",
       summary="""
    h2's Streams::drop takes the connection's `inner` lock and, holding it,
    wakes the Connection task. Here the request task finishes and drops its
    stream inside its own poll. Under ngx_inline that wake polls the
    Connection on the dropper's stack, and the Connection's poll takes
    `inner` again: a re-entrant lock (#294). Deferring wakes made while a
    task is being polled (ngx_defer_nested) is enough here.""")
def h2_drop_wake_nested() -> Scenario:
    s, on_drop = _h2("h2-drop-wake-nested")
    req = s.task("req", [ops.print("response sent")])
    s.object("stream", owner=req, on_drop=on_drop)
    return s


@entry("h2-drop-wake-cleanup", source=SEED,
       quote="""
    The connection will be destroyed, and all the tasks will be dropped
    without polling. This sounds oddly similar to the scenario Alice
    described, and depending on the drop order it is possible to get the
    same deadlock.""",
       assumes="""
    The close comes at 5 ms, while the request task is parked, and its
    pool cleanup drops the task's future outside any poll. With
    async-task the future of a dropped Task is dropped inside
    Runnable::run, before the task is marked RUNNING (async-task 4.3
    raw.rs `run`: `if state & CLOSED != 0 { Self::drop_future(ptr); ...
    }`); ngx_defer_nested here asks whether a task is being polled, so
    it does not see that drop. A guard around the whole runnable.run()
    call would see it and defer.""",
       summary="""
    The same Drop run by an nginx pool cleanup handler: the client closes
    the connection, nginx frees the request and with it the request task's
    future and its stream, outside any task's poll. ngx_defer_nested sees no
    poll in progress and polls the Connection inline, so it deadlocks like
    ngx_inline; only always-deferring policies (PR #295) survive.""")
def h2_drop_wake_cleanup() -> Scenario:
    s, on_drop = _h2("h2-drop-wake-cleanup")
    client = s.wait_queue("client")
    req = s.task("req", [client.park(), ops.print("response sent")])
    s.object("stream", owner=req, on_drop=on_drop)
    s.on_cleanup("close", at=5, program=[req.drop()])
    return s


@entry("hyper-pool-drop-wake", source=SEED,
       quote="""
    A very rare deadlock that happens when hyper connections are
    Dropped, related to a lock guarding its connection pool that is held
    while notifying a task waiting for a connection.""",
       assumes="""
    The pool lock is a std::sync::Mutex; the waiter checks for an idle
    connection under the lock and registers its waker before unlocking
    (so no wake is lost); the client drops its PooledConnection when its
    future returns Ready, inside that poll.""",
       summary="""
    hyper's connection pool, as hit in ngx-tickle: dropping a
    PooledConnection returns it to the pool under the pool lock and wakes a
    task waiting for a connection while still holding that lock; the
    waiter's checkout takes the pool lock. The client task drops its pooled
    connection when it finishes, inside its poll, so ngx_inline re-enters
    the pool lock and deferring nested wakes avoids it.""")
def hyper_pool_drop_wake() -> Scenario:
    s = Scenario("hyper-pool-drop-wake")
    pool = s.mutex("pool")
    idle = s.counter("idle", 0)
    waiters = s.wait_queue("waiters")
    s.task("waiter", [
        ops.loop(
            pool.lock(),
            ops.if_(idle > 0, idle.add(-1), pool.unlock(), ops.break_()),
            waiters.register(),
            pool.unlock(),
            ops.pending(),
        ),
        ops.print("waiter got a connection"),
    ])
    client = s.task("client", [ops.print("response received")])
    s.object("pooled_conn", owner=client, on_drop=[
        pool.lock(), idle.add(1), waiters.wake(), pool.unlock(),
    ])
    return s


@entry("sidecar-thread-wake", source=SEED,
       quote="""
    The code would still run unsafe { ngx_post_event(&raw mut
    self.event, &raw mut ngx_posted_next_events) }, from the tokio
    thread, as this is the one calling the Waker and this isn't safe.""",
       assumes="""
    The handler registers its waker before it checks the result
    (AtomicWaker's order), so no wake is lost; the tokio thread starts
    at once and its wake is the only thing it does on nginx's side;
    nginx's posted queues are unsynchronised, so a push from another
    thread is a data race whatever the timing.""",
       summary="""
    A handler future on nginx's thread awaits work done on a sidecar tokio
    runtime (pschyska's compat example): when the sidecar's future finishes
    it wakes the handler from the tokio thread. Polling inline then runs the
    !Send handler on the tokio thread (wrong_thread); posting pushes onto
    nginx's unsynchronised posted queue from the tokio thread (data_race),
    which deferring alone does not fix (footnote 3 of the PR thread). A
    thread-safe run queue (tokio LocalSet) or ngx-tickle's inbox plus
    notify is needed.""")
def sidecar_thread_wake() -> Scenario:
    s = Scenario("sidecar-thread-wake")
    reply = s.wait_queue("reply")      # the JoinHandle's waker
    done = s.counter("done")
    s.task("handler", [                 # future 1: uses the !Send Request
        # register, then check (AtomicWaker's order: a wake in between is kept)
        ops.wait_until(reply, done > 0),
        ops.print("handler resumed"),
    ])
    s.task("other", [ops.repeat(3, ops.yield_())])  # nginx keeps serving meanwhile
    s.thread("tokio", at=0, program=[done.add(1), reply.wake()])  # future 2 completes
    return s


@entry("stale-event-after-close", source=SEED,
       quote="""
    Deferred wakeup can be processed when it's no longer safe to access
    the event context or when the underlying IO object state has already
    changed, and it is not a theoretical issue.""",
       assumes="""
    The future outlives the connection: nothing ties it to the
    connection's pool, and the close runs no cleanup that reaches it.
    The server may close the connection at any point after the read
    event (the explorer chooses). The reader is a daemon: left pending
    if the close comes before its event.""",
       summary="""
    bavshin-f5's objection to always deferring ("Deferred wakeup can be
    processed when it's no longer safe to access the event context"): an
    nginx read event wakes a future that reads from the connection (a
    PeerConnection), and the future outlives the connection: nothing ties
    it to the connection's pool. The server may close the connection,
    freeing its context, between the event and a deferred poll (the
    explorer chooses when). Polling inside the handler (ngx_inline,
    ngx_defer_nested from a handler) reads while the context is alive;
    every deferring policy can poll after the close: use_after_free.
    Assumed: the close runs no cleanup that reaches the future. The reader
    is a daemon: left pending if the close comes before its event.""")
def stale_event_after_close() -> Scenario:
    s, _ = _reader("stale-event-after-close")
    return s


def _reader(name: str):
    """A reader task parked until a read event on connection 'peer' wakes
    it; then it reads from the connection."""
    s = Scenario(name)
    peer = s.connection("peer")
    readable = s.wait_queue("readable")
    s.task("reader", [readable.park(), peer.read(), ops.print("read from the peer")], daemon=True)
    s.on_event("read_event", at=1, program=[readable.wake()], connection=peer)
    return s, peer


@entry("stale-event-task-in-pool", source=SEED,
       quote="""
    The connection will be destroyed, and all the tasks will be dropped
    without polling.""",
       assumes="""
    The task's Task handle lives in the request pool, and the close runs
    the pool's cleanups (ngx_close_connection destroys the pool) before
    anything else of the loop runs; a dropped task's queued wake is
    cancelled with it (async-task: a closed task's Runnable drops the
    future instead of polling it).""",
       summary="""
    pschyska's answer, as bavshin-f5 also describes it ("The connection will
    be destroyed, and all the tasks will be dropped without polling"): the
    task lives in the request pool, so the pool's cleanup handler, which
    the close runs (ngx_close_connection destroys the pool, running its
    cleanups), drops it, and a wake it had queued is cancelled with it: no
    deferred poll runs after the close. The same reader and read event as
    stale-event-after-close; ok under every policy.""")
def stale_event_task_in_pool() -> Scenario:
    s, peer = _reader("stale-event-task-in-pool")
    s.on_cleanup("drop_reader", connection=peer, program=[ops.drop("reader")])
    return s


@entry("stale-event-staged", source=SEED,
       quote="""
    Resolver's stages its result into the future's own state
    (this.complete = …) and consumes the ctx before waking""",
       assumes="""
    The handler's read is the only use of the connection; the future's
    poll reads only its own staged state, never the event context; a
    close may come at any point after the event (the explorer chooses).""",
       summary="""
    The same read, staged the way CVanF5 reads ngx-rust's Resolver: the
    handler reads from the connection while its context is alive and stores
    the result in the future's own state (this.complete = ...) before
    waking; the poll, inline or deferred, uses only the staged result, so a
    close in between frees nothing the future still needs. Ok under every
    policy.""")
def stale_event_staged() -> Scenario:
    s = Scenario("stale-event-staged")
    peer = s.connection("peer")
    readable = s.wait_queue("readable")
    staged = s.counter("staged")
    s.task("reader", [
        readable.park(),
        ops.if_(staged > 0, ops.print("used the staged result")),
    ], daemon=True)
    s.on_event("read_event", at=1, program=[peer.read(), staged.add(1), readable.wake()],
               connection=peer)
    return s


@entry("posted-next-idle", source=SEED,
       quote="""
    always queuing events to the ngx_posted_next_events and thus waking
    up the event loop immediately and eliminating idle wait, but that's
    just a non-critical performance stuff.""",
       assumes="""
    The task's work between wakes takes no time; a loop iteration that
    has anything in ngx_posted_next_events does not block in its wait
    (ngx_process_events_and_timers sets the timer to 0); the run is the
    canonical schedule (no other events).""",
       summary="""
    bavshin-f5's "non-critical performance stuff": a task woken by a timer
    every 10 ms does a little work and yields. ngx-rust's scheduler
    (ngx_posted_next, PR #295) turns every deferred wake into an extra loop
    iteration whose wait does not block: the timer's wakes and the yields
    (11 of 17 iterations); ngx_inline and ngx_defer_nested pay it for the
    yields only (woken while running: 5), thread_notify for each notify
    (11); ngx_posted and fifo run the task in the same iteration and the
    loop goes back to sleep (0). The verdict is ok under every policy; the
    run's non-blocking iterations are the measure.""")
def posted_next_idle() -> Scenario:
    s = Scenario("posted-next-idle")
    ticks = s.counter("ticks")
    s.task("ticker", [ops.repeat(5, ops.sleep(10), ticks.add(1), ops.yield_())])
    return s

"""Operations: the vocabulary of task programs, Drop hooks and handlers.

Most ops come from resource handles (``mutex.lock()``, ``queue.park()``,
``counter.add(1)``); the ones here are not tied to a resource. Every
function returns a plain op value; a program is a list of them::

    ops.loop(
        inner.lock(),
        ops.if_(streams == 0, inner.unlock(), ops.break_()),
        conn_waker.register(),
        inner.unlock(),
        ops.pending(),
    )

Names may be given as handles or as strings; an unknown name is reported
when the scenario is built, with the place it appears.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Union

from . import _core
from ._core import Cond
from ._core import OpSpec as Op
from .errors import ScenarioError, ScenarioTypeError, check_int, check_text
from .serialise import struct_from_fields

__all__ = [
    "Op", "Cond", "print", "lock", "unlock", "register", "pending", "park", "wake",
    "wake_all", "yield_", "drop", "spawn", "add", "set", "loop", "repeat", "if_", "break_",
    "sleep", "read", "compute", "spawn_blocking", "notify_loop", "await_", "select", "branch",
    "buffered", "critical", "mask", "uninterruptible_mask", "restore", "catch", "throw_to",
    "wait", "join", "abort", "wait_until", "acquire", "release", "seq", "continue_",
    "try_lock", "try_acquire", "ValueOp", "AtomicOp", "Returned", "borrow", "borrow_mut", "end_borrow",
    "try_borrow", "try_borrow_mut", "panic", "with_",
    "read_lock", "write_lock", "unlock_read", "unlock_write", "try_read", "try_write",
    "raw", "struct",
    "condvar_wait", "condvar_notify_one", "condvar_notify_all", "barrier_wait", "JoinNextOp",
    "poll_with",
]

_NameLike = Union[str, "object"]


def _name(x: object, what: str) -> str:
    name = getattr(x, "name", x)
    if not isinstance(name, str):
        raise ScenarioTypeError(f"{what}: expected a name or a handle, got {type(x).__name__}")
    return check_text(name, what, name=True)


def _int(x: object, what: str) -> int:
    return check_int(x, what)


def _op(kind: _core.OpKind, target: str = "", value: int = 0) -> Op:
    o = _core.OpSpec()
    o.kind = kind
    o.target = target
    o.value = value
    return o


def _block(body: Iterable[Op], what: str) -> list:
    out = list(body)
    for i, o in enumerate(out):
        if not isinstance(o, _core.OpSpec):
            raise ScenarioTypeError(f"{what}: item {i} is {type(o).__name__}, not an op")
    return out


def print(text: str) -> Op:  # noqa: A001 - the op is called print
    """A printed mark: collected in ``Outcome.output`` and in the trace."""
    check_text(text, "print")
    o = _op(_core.OpKind.PRINT)
    o.text = text
    return o


def lock(mutex: _NameLike) -> Op:
    """Lock a mutex: blocking for a blocking mutex, ``.lock().await`` for an async one."""
    return _op(_core.OpKind.LOCK, _name(mutex, "lock"))


def unlock(mutex: _NameLike) -> Op:
    return _op(_core.OpKind.UNLOCK, _name(mutex, "unlock"))


def register(queue: _NameLike) -> Op:
    """Store this task's waker in a wait queue (and carry on)."""
    return _op(_core.OpKind.REGISTER, _name(queue, "register"))


def pending() -> Op:
    """Return Pending: the task is suspended until something wakes it."""
    return _op(_core.OpKind.PENDING)


def park(queue: _NameLike) -> Op:
    """register(queue) then pending()."""
    return _op(_core.OpKind.PARK, _name(queue, "park"))


def wake(queue: _NameLike) -> Op:
    """Take one waker from a wait queue and wake it (a no-op if empty)."""
    return _op(_core.OpKind.WAKE, _name(queue, "wake"))


def wake_all(queue: _NameLike) -> Op:
    return _op(_core.OpKind.WAKE_ALL, _name(queue, "wake_all"))


def yield_() -> Op:
    """Wake this task's own waker, then return Pending."""
    return _op(_core.OpKind.YIELD)


def poll_with(waker: Optional[_NameLike]) -> Op:
    """From this task's next poll on, its executor polls it with ``waker``
    (a ``Scenario.waker``; ``None``: the executor's own), as when the same
    future is polled again with another ``Context``. A primitive still
    holding the old waker replaces it when the task polls it again, where
    the real one does (see ``Scenario.waker``)."""
    return _op(_core.OpKind.POLL_WITH, "" if waker is None else _name(waker, "poll_with"))


def drop(thing: _NameLike) -> Op:
    """Drop an object (runs its Drop hook) or a task's future."""
    return _op(_core.OpKind.DROP, _name(thing, "drop"))


def spawn(task: _NameLike) -> Op:
    """Spawn a task declared with ``autostart=False``."""
    return _op(_core.OpKind.SPAWN, _name(task, "spawn"))


def add(counter: _NameLike, n: int = 1) -> Op:
    return _op(_core.OpKind.ADD, _name(counter, "add"), _int(n, "add"))


def set(counter: _NameLike, n: int) -> Op:  # noqa: A001
    return _op(_core.OpKind.SET, _name(counter, "set"), _int(n, "set"))


def loop(*body: Op) -> Op:
    """Repeat the body until a ``break_()``."""
    o = _op(_core.OpKind.LOOP)
    o.body = _block(body, "loop")
    return o


def repeat(n: int, *body: Op) -> Op:
    """Run the body n times (n >= 0)."""
    o = _op(_core.OpKind.REPEAT, "", _int(n, "repeat"))
    o.body = _block(body, "repeat")
    return o


def if_(cond: Union[Cond, "Returned"], *then: Op, orelse: Sequence[Op] = ()) -> Op:
    """Run ``then`` if the condition holds, else ``orelse``. The condition
    compares a counter (``streams == 0``: a read of it), what an atomic op
    returns (``flag.swap(1) == 0``, ``lock.compare_exchange(0, 1).is_ok()``),
    the message a recv receives (``ch.recv() == 2``, a broadcast's
    ``bc.recv() == 2``) or a watch's value (``w.borrow() == 2``): then the op itself is the if, and the branch is
    taken on the value it gave, atomically with it (``if flag.swap(true) ==
    false { ... }``, ``match rx.recv().await { Some(2) => ..., _ => ... }``).
    A recv that gets ``None`` (a broadcast's ``Closed`` or ``Lagged``) runs
    its ``on_closed`` (``on_lagged``) block and neither branch."""
    if isinstance(cond, Returned):
        return cond._branch(_block(then, "if_"), _block(orelse, "if_ orelse"))
    if not isinstance(cond, _core.Cond):
        raise ScenarioTypeError("if_: the condition must compare a counter (`streams == 0`), "
                                "what an atomic op returns (`flag.load() == 1`) or what a recv "
                                "receives (`ch.recv() == 2`)")
    o = _op(_core.OpKind.IF)
    o.cond = cond
    o.body = _block(then, "if_")
    o.orelse = _block(orelse, "if_ orelse")
    return o


def sleep(ms: int) -> Op:
    """Sleep ``ms`` of virtual time (tokio::time::sleep): a timer holds the
    task's waker and wakes it, from the loop's timer pass, when due."""
    return _op(_core.OpKind.SLEEP, "", _int(ms, "sleep"))


def read(connection: _NameLike) -> Op:
    """Use an nginx event context (read its socket, its buffers). If the server
    has closed (freed) it, the run stops with use_after_free."""
    return _op(_core.OpKind.READ, _name(connection, "read"))


def compute(ms: int) -> Op:
    """Work for ``ms`` without awaiting. On the loop thread nothing else runs
    meanwhile (virtual time jumps); on a foreign thread only that thread is busy."""
    return _op(_core.OpKind.COMPUTE, "", _int(ms, "compute"))


def spawn_blocking(thread: _NameLike) -> Op:
    """Start a thread declared with ``autostart=False`` (tokio::task::spawn_blocking,
    an nginx thread pool task)."""
    return _op(_core.OpKind.SPAWN_BLOCKING, _name(thread, "spawn_blocking"))


def notify_loop(queue: _NameLike) -> Op:
    """From a foreign thread: have the loop thread wake ``queue`` (nginx's
    ngx_thread_task_post completion through ngx_notify; thread-safe)."""
    return _op(_core.OpKind.NOTIFY_LOOP, _name(queue, "notify_loop"))


def await_(future: _NameLike) -> Op:
    """``future.await``: poll the task's future until it is ready."""
    return _op(_core.OpKind.AWAIT, _name(future, "await_"))


def branch(future: _NameLike, *arm: Op, borrowed: bool = False) -> Op:
    """A select branch: its future and the arm run if it wins. ``borrowed``:
    the branch polls ``&mut future``, which a win elsewhere does not drop."""
    o = _op(_core.OpKind.BRANCH, _name(future, "branch"), 1 if borrowed else 0)
    o.body = _block(arm, "branch")
    return o


def select(*branches: Op, biased: bool = False) -> Op:
    """``tokio::select!``: poll the branches' futures in turn; the first
    ready one wins and its arm runs; the losers are dropped (cancelled)
    unless borrowed, which live on unpolled. Each poll starts at a branch
    tokio picks at random (here the explorer chooses: a choice point);
    ``biased=True`` (``select! { biased; ... }``) polls them in order."""
    o = _op(_core.OpKind.SELECT)
    o.body = _block(branches, "select")
    o.flag = bool(biased)
    return o


def buffered(size: int, *items: _NameLike, always_poll: bool = False,
             unordered: bool = False) -> Op:
    """Drain ``stream::iter(items).buffered(size)`` over futures that already
    exist: at most ``size`` in flight, polled in order, yielded in order; the
    rest wait in the wrapped stream, unpolled. ``unordered``:
    ``buffer_unordered(size)``, which yields whichever finishes first, freeing
    its slot. ``always_poll`` pulls from the wrapped stream whenever the
    buffer is pending, even when full."""
    o = _op(_core.OpKind.BUFFERED, "", _int(size, "buffered"))
    o.flag = bool(always_poll)
    o.unordered = bool(unordered)
    o.body = [_op(_core.OpKind.BRANCH, _name(i, "buffered item")) for i in items]
    return o


def critical(*body: Op) -> Op:
    """A region that must run to its end once begun (an invariant in flux). A
    cancellation (or async exception) landing inside it stops the run with
    ``interrupted_critical_section``."""
    o = _op(_core.OpKind.CRITICAL)
    o.body = _block(body, "critical")
    return o


def mask(*body: Op) -> Op:
    """Haskell's ``mask``: asynchronous exceptions wait, except at interruptible
    operations (a sleep, a wait). ``restore(...)`` inside it runs with the
    state the mask found."""
    o = _op(_core.OpKind.MASK, "", 1)
    o.body = _block(body, "mask")
    return o


def uninterruptible_mask(*body: Op) -> Op:
    """``uninterruptibleMask_``: asynchronous exceptions wait, everywhere."""
    o = _op(_core.OpKind.MASK, "", 2)
    o.body = _block(body, "uninterruptible_mask")
    return o


def restore(*body: Op) -> Op:
    """``restore`` of the nearest enclosing ``mask``: back to the state it found."""
    o = _op(_core.OpKind.RESTORE)
    o.body = _block(body, "restore")
    return o


def catch(*body: Op, handler: Sequence[Op]) -> Op:
    """``body `catch` handler``: an asynchronous exception landing in ``body``
    runs ``handler``, with exceptions masked; then the program goes on."""
    o = _op(_core.OpKind.CATCH)
    o.body = _block(body, "catch")
    o.orelse = _block(handler, "catch handler")
    return o


def throw_to(task: _NameLike) -> Op:
    """``throwTo tid ThreadKilled``: raised at once, delivered when the
    target's mask state lets it in."""
    return _op(_core.OpKind.THROW_TO, _name(task, "throw_to"))


def wait(task: _NameLike, *, killed: str) -> Op:
    """``wait a``: until the task ends; if an exception killed it, ``wait``
    rethrows it: ``killed`` is printed (the runtime's message) and this task
    ends too."""
    o = _op(_core.OpKind.WAIT_TASK, _name(task, "wait"))
    if not isinstance(killed, str) or not killed:
        raise ScenarioTypeError("wait: killed must be a non-empty str (for a Rust JoinHandle, use join)")
    check_text(killed, "wait: killed")
    o.text = killed
    return o


def join(task: _NameLike) -> Op:
    """``JoinHandle.await``: until the task finishes or is aborted (an abort is
    ``Err(JoinError::Cancelled)``, a value: this task goes on either way)."""
    return _op(_core.OpKind.WAIT_TASK, _name(task, "join"))


def abort(task: _NameLike) -> Op:
    """``JoinHandle::abort()``: the task is scheduled, like a wake, and
    cancelled (its future dropped, what it owns dropped, its guards released)
    where it would have been polled; a task being polled is cancelled when
    its poll returns Pending. Cancelling inside a ``critical`` region is
    ``interrupted_critical_section``. A finished task: nothing happens."""
    return _op(_core.OpKind.ABORT, _name(task, "abort"))


def seq(*body: Op) -> Op:
    """The ops in order, as one op (a ``break_()`` inside leaves the
    enclosing loop, as if they were written in place)."""
    o = _op(_core.OpKind.SEQ)
    o.body = _block(body, "seq")
    return o


def _notify_op(kind: "_core.OpKind", notify: _NameLike) -> Op:
    return _op(kind, _name(notify, "notify"))


def _channel_op(kind: "_core.OpKind", channel: _NameLike, on_closed: Iterable[Op] = ()) -> Op:
    o = _op(kind, _name(channel, "channel"))
    o.body = _block(on_closed, f"{_name(channel, 'channel')}: on_closed")
    return o


def message_value(value: object, what: str) -> int:
    """A message's value: a small integer (an i32), or a bool (1 / 0)."""
    v = int(value) if isinstance(value, bool) else _int(value, what)
    if not -2**31 <= v < 2**31:
        raise ScenarioTypeError(f"{what}: a message's value is a small integer (32-bit), got {v}")
    return v


def _send_op(kind: "_core.OpKind", channel: _NameLike, value: object,
             on_closed: Iterable[Op] = ()) -> Op:
    o = _channel_op(kind, channel, on_closed)
    o.value = message_value(value, f"send on {o.target!r}")
    return o


def _recv_op(kind: "_core.OpKind", channel: _NameLike, on_closed: Iterable[Op] = ()) -> ValueOp:
    name = _name(channel, "channel")
    o = ValueOp()
    o.kind = kind
    o.target = name
    o.body = _block(on_closed, f"{name}: on_closed")
    return o


def _borrow_op(watch: _NameLike, update: bool) -> ValueOp:
    o = ValueOp()
    o.kind = _core.OpKind.WATCH_BORROW
    o.target = _name(watch, "borrow")
    o.value = 1 if update else 0
    return o


def _try_op(kind: "_core.OpKind", target: _NameLike, what: str, fail: Iterable[Op],
            fail_name: str, closed: Iterable[Op] = ()) -> Op:
    """A try-op: ``fail`` runs when it fails at once (held, no permit, full,
    empty), ``closed`` when a channel's is closed; then the program goes on
    after the op, as on success."""
    name = _name(target, what)
    o = _op(kind, name)
    o.body = _block(fail, f"{name}: {what} {fail_name}")
    o.orelse = _block(closed, f"{name}: {what} on_closed")
    return o


def try_lock(mutex: _NameLike, *, on_fail: Iterable[Op] = ()) -> Op:
    """``mutex.try_lock()``, any kind: never waits. Free, it is taken and held
    after the op, exactly as after ``lock()``; held by anyone (this task,
    this thread's stack, a waiter a fair mutex was handed to) it fails and
    ``on_fail`` runs, which must end holding the lock too (``lock()``) or
    leave (``break_()``, ``continue_()``)."""
    return _try_op(_core.OpKind.TRY_LOCK, mutex, "try_lock", on_fail, "on_fail")


def read_lock(rwlock: _NameLike) -> Op:
    """``rwlock.read()``: a read guard. std: blocks the thread while the write
    guard is held or a writer waits; tokio: ``.read().await``, queued FIFO."""
    return _op(_core.OpKind.RW_READ, _name(rwlock, "read"))


def write_lock(rwlock: _NameLike) -> Op:
    """``rwlock.write()``: the write guard, once no guard is held (tokio: in
    FIFO order)."""
    return _op(_core.OpKind.RW_WRITE, _name(rwlock, "write"))


def unlock_read(rwlock: _NameLike) -> Op:
    """Drop a read guard this program holds."""
    return _op(_core.OpKind.RW_UNLOCK_READ, _name(rwlock, "unlock_read"))


def unlock_write(rwlock: _NameLike) -> Op:
    """Drop the write guard this program holds."""
    return _op(_core.OpKind.RW_UNLOCK_WRITE, _name(rwlock, "unlock_write"))


def try_read(rwlock: _NameLike, *, on_fail: Iterable[Op] = ()) -> Op:
    """``rwlock.try_read()``: never waits. Taken, a read guard is held after
    the op; it fails (``on_fail`` runs, and must end as success does or
    leave) while the write guard is held or, std, a writer waits; tokio,
    while any acquire is queued."""
    return _try_op(_core.OpKind.TRY_READ, rwlock, "try_read", on_fail, "on_fail")


def try_write(rwlock: _NameLike, *, on_fail: Iterable[Op] = ()) -> Op:
    """``rwlock.try_write()``: never waits; fails while any guard is held
    (this program's too) or, tokio, while any acquire is queued."""
    return _try_op(_core.OpKind.TRY_WRITE, rwlock, "try_write", on_fail, "on_fail")


def condvar_wait(condvar: _NameLike, mutex: _NameLike) -> Op:
    """``condvar.wait(guard)`` (std::sync::Condvar): ``mutex`` (a std,
    blocking mutex) must be held here; the wait releases it and blocks the
    thread until a notify, then locks it again (blocking again while another
    holds it). It may also return without a notify: a spurious wake-up, which
    the explorer chooses (at most once per wait op per thread in a run), so
    wait in a loop that re-checks the condition. A notify while nobody waits
    is lost."""
    o = _op(_core.OpKind.CV_WAIT, _name(condvar, "wait"))
    o.text = _name(mutex, f"{o.target}: wait's mutex")
    return o


def condvar_notify_one(condvar: _NameLike) -> Op:
    """``condvar.notify_one()``: wakes one waiter (which one is a choice
    point: std promises no order); nobody waiting, nothing happens."""
    return _op(_core.OpKind.CV_NOTIFY_ONE, _name(condvar, "notify_one"))


def condvar_notify_all(condvar: _NameLike) -> Op:
    """``condvar.notify_all()``: wakes every waiter."""
    return _op(_core.OpKind.CV_NOTIFY_ALL, _name(condvar, "notify_all"))


def barrier_wait(barrier: _NameLike, *, on_leader: Iterable[Op] = ()) -> Op:
    """``barrier.wait()``: std blocks the thread, tokio awaits, until the
    barrier's n-th arrival, which is the leader
    (``BarrierWaitResult::is_leader``) and alone runs ``on_leader``; then
    the barrier starts its next generation."""
    name = _name(barrier, "barrier wait")
    o = _op(_core.OpKind.BARRIER_WAIT, name)
    o.body = _block(on_leader, f"{name}: wait on_leader")
    return o


def try_acquire(semaphore: _NameLike, *, on_fail: Iterable[Op] = ()) -> Op:
    """``semaphore.try_acquire()``: a permit from the count now, or
    ``on_fail`` (``NoPermits``, also while permits are assigned to waiters:
    tokio's fairness). Never waits. A task holds the permit until it
    releases it or its future ends; code outside a task (a handler, a
    thread, a Drop hook) holds it for nobody: it comes back only by an
    explicit ``release()`` (write one where Rust would drop the permit at
    the end of the scope), as if ``SemaphorePermit::forget`` had been
    called otherwise."""
    return _try_op(_core.OpKind.TRY_ACQUIRE, semaphore, "try_acquire", on_fail, "on_fail")


def borrow(cell: _NameLike) -> Op:
    """``cell.borrow()``: a shared borrow (a ``Ref``), held until ``end_borrow``
    (or the end of a ``with_``, or its task's end). While the cell is mutably
    borrowed it panics: "already mutably borrowed: BorrowError"."""
    return _op(_core.OpKind.BORROW, _name(cell, "borrow"))


def borrow_mut(cell: _NameLike) -> Op:
    """``cell.borrow_mut()``: the one mutable borrow (a ``RefMut``). While any
    borrow is outstanding, this task's own included, it panics: "already
    borrowed: BorrowMutError"."""
    return _op(_core.OpKind.BORROW_MUT, _name(cell, "borrow_mut"))


def end_borrow(cell: _NameLike) -> Op:
    """The ``Ref`` / ``RefMut`` this task (or frame) took last on the cell is dropped."""
    return _op(_core.OpKind.END_BORROW, _name(cell, "end_borrow"))


def try_borrow(cell: _NameLike, *, on_fail: Iterable[Op] = ()) -> Op:
    """``cell.try_borrow()``: a shared borrow now, or ``Err(BorrowError)`` and
    ``on_fail`` runs (which, as after a try_lock, must end holding a borrow
    too or leave: ``break_()``, ``continue_()``). Never panics."""
    return _try_op(_core.OpKind.TRY_BORROW, cell, "try_borrow", on_fail, "on_fail")


def try_borrow_mut(cell: _NameLike, *, on_fail: Iterable[Op] = ()) -> Op:
    """``cell.try_borrow_mut()``: the mutable borrow now, or
    ``Err(BorrowMutError)`` and ``on_fail`` runs. Never panics."""
    return _try_op(_core.OpKind.TRY_BORROW_MUT, cell, "try_borrow_mut", on_fail, "on_fail")


def panic(message: str = "explicit panic") -> Op:
    """``panic!(message)``. In a task's poll (or a future it polls) the
    runtime catches it, as tokio does: the task unwinds (its guards release,
    its permits and borrows go back, the objects it owns drop) and its
    JoinHandle gives ``JoinError::Panic``; the other tasks go on. Elsewhere
    (a Drop hook run by a handler or a thread, a handler, a thread), and in
    a Drop hook while a task unwinds (abort), the run stops there. Either
    way the verdict is ``panic``."""
    check_text(message, "panic")
    o = _op(_core.OpKind.PANIC)
    o.text = message
    return o


def with_(guard: Op, *body: Op) -> Op:
    """A scoped guard: ``guard`` (``m.lock()`` of any mutex, ``sem.acquire()``,
    ``cell.borrow()``, ``cell.borrow_mut()``) is taken, ``body`` runs holding
    it, and it is released on every way out: the body's end, a ``break_()``
    or ``continue_()`` out of it, cancellation (its task or future dropped),
    an asynchronous exception caught around it, a panic. As Rust's
    ``{ let _g = m.lock(); ... }`` and Haskell's ``withMVar``::

        ops.with_(m.lock(), counter.add(1), ops.yield_())

    The body must not unlock (release, end) the guard itself."""
    if not isinstance(guard, _core.OpSpec):
        raise ScenarioTypeError(f"with_: the guard is {type(guard).__name__}, not an op "
                                "(m.lock(), sem.acquire(), cell.borrow(), cell.borrow_mut())")
    o = _op(_core.OpKind.WITH, guard.target)
    o.orelse = [guard]
    o.body = _block(body, "with_")
    return o


def _unregister(queue: _NameLike) -> Op:
    """The wait in ``queue`` is over: a waiter list drops this task's entry."""
    return _op(_core.OpKind.UNREGISTER, _name(queue, "unregister"))


def wait_until(queue: _NameLike, cond: Cond, *then: Op) -> Op:
    """Wait until the condition holds, then run ``then``: register in
    ``queue``, check, return Pending if it does not hold yet (AtomicWaker's
    order: a wake between the register and the check is kept). When the
    condition holds the wait is over: a waiter list drops this task's entry
    (a later wake() goes to a task still waiting)."""
    return loop(register(queue), if_(cond, _unregister(queue), *then, break_()), pending())


def acquire(semaphore: _NameLike) -> Op:
    """``semaphore.acquire().await``: a permit now if nobody waits, else
    wait in FIFO order (tokio's Semaphore). The permit is held until a
    ``release`` or until the task's future finishes or is dropped."""
    return _op(_core.OpKind.ACQUIRE, _name(semaphore, "acquire"))


def release(semaphore: _NameLike) -> Op:
    """Give back a permit this task holds (or add one): the first waiter is
    assigned it and woken."""
    return _op(_core.OpKind.RELEASE, _name(semaphore, "release"))


def _atomic_int(x: object, what: str) -> int:
    """An atomic's value: an int64, or a bool for an AtomicBool (1 / 0)."""
    return int(x) if isinstance(x, bool) else _int(x, what)


class Compared:
    """Comparing makes a condition (``==``, ``<``, ...), not a bool: the run
    decides it. A subclass says what a comparison builds (``_cmp``)."""

    def _cmp(self, cmp: "_core.Cmp", value: object):
        raise NotImplementedError

    def __eq__(self, v):  # type: ignore[override]
        return self._cmp(_core.Cmp.EQ, v)

    def __ne__(self, v):  # type: ignore[override]
        return self._cmp(_core.Cmp.NE, v)

    def __lt__(self, v):
        return self._cmp(_core.Cmp.LT, v)

    def __le__(self, v):
        return self._cmp(_core.Cmp.LE, v)

    def __gt__(self, v):
        return self._cmp(_core.Cmp.GT, v)

    def __ge__(self, v):
        return self._cmp(_core.Cmp.GE, v)


class ValueOp(Compared, _core.OpSpec):
    """An op that gives the program a value: an atomic op (what it returns),
    a recv (the message it receives) or a watch's borrow (its value). An op in a program like any other
    (the value is dropped), and, compared (``==``, ``<``, ...), a condition
    on that value for ``if_``: the op itself then branches, atomically with
    it (``ops.if_(flag.swap(True) == False, ...)``, ``ops.if_(ch.recv() == 2,
    ...)``)."""

    __hash__ = None  # type: ignore[assignment]  # compared, it makes a condition

    def _cmp(self, cmp: "_core.Cmp", value: object) -> "Returned":
        return Returned(self, cmp, _atomic_int(value, f"condition on {op_label(self)}"))


class AtomicOp(ValueOp):
    """An atomic op that returns a value (``load``, ``swap``,
    ``compare_exchange``, ``fetch_add``): see ``ValueOp``.
    ``compare_exchange`` also has ``is_ok()`` / ``is_err()``."""

    def is_ok(self) -> "Returned":
        """compare_exchange succeeded: it returned ``Ok(current)``, i.e. the
        value it found was the one expected."""
        self._cas_only("is_ok")
        return Returned(self, _core.Cmp.EQ, self.expected)

    def is_err(self) -> "Returned":
        """compare_exchange failed: it returned ``Err(actual)``."""
        self._cas_only("is_err")
        return Returned(self, _core.Cmp.NE, self.expected)

    def _cas_only(self, what: str) -> None:
        if self.kind != _core.OpKind.COMPARE_EXCHANGE:
            raise ScenarioTypeError(f"{what}: only compare_exchange returns a Result, "
                                    f"not {op_label(self)}")


def op_label(op: Op) -> str:
    return f"{op.kind.name.lower()} {op.target!r}"


class Returned:
    """A condition on the value an op gives (what an atomic op returns, the
    message a recv receives): made by comparing a ``ValueOp``, used by
    ``if_`` (pure data once used: the op with the branches)."""

    __slots__ = ("op", "cmp", "value")

    def __init__(self, op: ValueOp, cmp: "_core.Cmp", value: int) -> None:
        self.op, self.cmp, self.value = op, cmp, value

    def __bool__(self) -> bool:
        raise ScenarioTypeError(f"a condition on what {op_label(self.op)} returns has no truth "
                                "value in Python: use it in ops.if_ (the run decides it)")

    def _branch(self, then: list, orelse: list) -> ValueOp:
        # A recv keeps its on_closed block in `body`: its then-block is `then`.
        recv = self.op.kind in _RECV_KINDS
        if (self.op.then if recv else self.op.body) or self.op.orelse:
            raise ScenarioTypeError(f"if_: {op_label(self.op)} already has a branch"
                                    f"{'' if recv else ' (on_fail=...)'}; give it one branch")
        o = _copy(self.op)
        c = _core.Cond()
        c.counter = self.op.target
        c.cmp = self.cmp
        c.value = self.value
        o.cond = c
        if recv:
            o.then = then
        else:
            o.body = then
        o.orelse = orelse
        return o


_RECV_KINDS = (_core.OpKind.RECV, _core.OpKind.BCAST_RECV)


class JoinNextOp(ValueOp):
    """``join_next().await`` on a JoinSet (``JoinSet.join_next``): an op,
    and, compared with a task (``js.join_next() == "worker"``, ``!=``), a
    condition on which task it joined (any replica of it), for ``if_``: the
    op itself then branches, as ``match set.join_next().await { ... }``
    does. None (the set is empty) runs ``on_none`` and neither branch."""

    __hash__ = None  # type: ignore[assignment]

    def _cmp(self, cmp: "_core.Cmp", value: object) -> "Returned":
        if cmp not in (_core.Cmp.EQ, _core.Cmp.NE):
            raise ScenarioTypeError(f"{op_label(self)}: join_next gives a task: compare it "
                                    "with == or != (a task's name or handle)")
        return _JoinedTask(self, cmp, _name(value, f"condition on {op_label(self)}"))


class _JoinedTask(Returned):
    """Which task a join_next joined: the task's name in the condition."""

    __slots__ = ("task",)

    def __init__(self, op: ValueOp, cmp: "_core.Cmp", task: str) -> None:
        super().__init__(op, cmp, 0)
        self.task = task

    def _branch(self, then: list, orelse: list) -> ValueOp:
        if self.op.then or self.op.orelse:
            raise ScenarioTypeError(f"if_: {op_label(self.op)} already has a branch; "
                                    "give it one branch")
        o = _copy(self.op)
        c = _core.Cond()
        c.counter = self.task
        c.cmp = self.cmp
        c.value = 0
        o.cond = c
        o.then = then
        o.orelse = orelse
        return o


def _copy(op: ValueOp) -> ValueOp:
    o = type(op)()  # a ValueOp stays one: comparing it again is refused with a reason
    for field in ("kind", "target", "text", "value", "expected", "flag", "unordered", "cond",
                  "body", "orelse", "then", "lagged"):
        setattr(o, field, getattr(op, field))
    return o


def _atomic_op(kind: "_core.OpKind", atomic: _NameLike, value: object = 0, *,
               returns: bool = True) -> Op:
    name = _name(atomic, kind.name.lower())
    o = AtomicOp() if returns else _core.OpSpec()
    o.kind = kind
    o.target = name
    o.value = _atomic_int(value, f"{kind.name.lower()} {name!r}")
    return o


def load(atomic: _NameLike) -> AtomicOp:
    """``atomic.load(SeqCst)``: compared, a condition on the value read."""
    return _atomic_op(_core.OpKind.LOAD, atomic)  # type: ignore[return-value]


def store(atomic: _NameLike, value: object) -> Op:
    """``atomic.store(value, SeqCst)``; returns nothing."""
    return _atomic_op(_core.OpKind.STORE, atomic, value, returns=False)


def swap(atomic: _NameLike, value: object) -> AtomicOp:
    """``atomic.swap(value, SeqCst)``: returns the value before."""
    return _atomic_op(_core.OpKind.SWAP, atomic, value)  # type: ignore[return-value]


def fetch_add(atomic: _NameLike, n: object = 1) -> AtomicOp:
    """``atomic.fetch_add(n, SeqCst)``: adds ``n`` (wrapping around on
    overflow, as Rust's does) and returns the value before."""
    return _atomic_op(_core.OpKind.FETCH_ADD, atomic, n)  # type: ignore[return-value]


def compare_exchange(atomic: _NameLike, current: object, new: object, *,
                     on_fail: Iterable[Op] = ()) -> AtomicOp:
    """``atomic.compare_exchange(current, new, SeqCst, SeqCst)``: if the
    value is ``current``, sets ``new``. Returns ``Ok(current)`` or
    ``Err(actual)``: ``.is_ok()`` / ``.is_err()`` are conditions on it, and
    compared it gives the value found either way. ``on_fail`` runs on Err
    (``if let Err(_) = ...``). Never fails spuriously (not ``_weak``)."""
    o: AtomicOp = _atomic_op(_core.OpKind.COMPARE_EXCHANGE, atomic, new)  # type: ignore[assignment]
    o.expected = _atomic_int(current, f"compare_exchange {o.target!r} current")
    fail = _block(on_fail, f"compare_exchange {o.target!r}: on_fail")
    if fail:
        return o.is_ok()._branch([], fail)  # type: ignore[return-value]  # an AtomicOp's copy
    return o


def break_() -> Op:
    """Leave the innermost loop or repeat."""
    return _op(_core.OpKind.BREAK)


def continue_() -> Op:
    """Back to the head of the innermost loop (a repeat: its next round), as
    Rust's ``continue``; the locks held must be the ones held at the loop's
    start. A try-op's retry: ``ops.loop(ch.try_recv(on_empty=[ops.yield_(),
    ops.continue_()], on_closed=[ops.break_()]), ...)``."""
    return _op(_core.OpKind.CONTINUE)


def raw(kind: Union[str, "_core.OpKind"], **fields: object) -> Op:
    """Any op, field by field, as the core's ``OpSpec`` has them:
    ``ops.raw("lock", target="m")`` is ``ops.lock("m")``. The generic form
    ``Scenario.to_python()`` writes for an op the DSL has no call for (an
    op kind added to the core, a field set by hand); the fields are checked
    when the scenario is built, as every op's are."""
    if isinstance(kind, str):
        members = getattr(_core.OpKind, "__members__")
        if kind.upper() not in members:
            raise ScenarioError(f"ops.raw: unknown op kind {kind!r}")
        kind = members[kind.upper()]
    return struct_from_fields(_core.OpSpec, "ops.raw", kind=kind, **fields)


def struct(type_name: str, **fields: object) -> object:
    """A core spec struct (``"Cond"``, ``"MutexSpec"``...) field by field:
    what ``Scenario.to_python()`` writes for a struct the DSL has no call for."""
    cls = getattr(_core, type_name, None) if isinstance(type_name, str) else None
    if cls is None or not type_name[:1].isupper():
        raise ScenarioError(f"ops.struct: no spec struct {type_name!r} in the core")
    return struct_from_fields(cls, f"ops.struct({type_name!r})", **fields)

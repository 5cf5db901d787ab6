"""Scenarios: resources, tasks, objects with Drop hooks and handlers, as data.

A Scenario is built in a few lines and run in C++; see ``wakebench.run``::

    s = Scenario("h2-drop-wake-nested")
    inner = s.mutex("inner")
    conn_waker = s.wait_queue("conn_waker")
    ...

Nothing is checked until ``build()`` (called by ``run``), which raises
``ScenarioError`` naming the scenario, the owner (task, Drop hook, handler)
and the op position, e.g. ``op #0.2``: op 2 inside op 0's body.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, Optional, Union

from . import _core, codegen, ops, serialise
from .errors import ScenarioError, ScenarioTypeError, check_text, one_line

__all__ = ["Scenario", "Mutex", "RwLock", "Condvar", "Barrier", "WaitQueue", "Counter", "Atomic",
           "Task", "Object", "Connection", "Semaphore", "Channel", "Oneshot", "Broadcast", "Watch",
           "Notify", "Future", "RefCell", "JoinSet", "Waker"]


class _Handle:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Mutex(_Handle):
    """A mutex: blocking (std::sync::Mutex) or async (fair hand-off or barging)."""

    def lock(self) -> ops.Op:
        return ops.lock(self)

    def unlock(self) -> ops.Op:
        return ops.unlock(self)

    def try_lock(self, *, on_fail: Iterable[ops.Op] = ()) -> ops.Op:
        """``try_lock()``: never waits; see ``ops.try_lock``. std's fails
        with WouldBlock even on a lock this thread holds (no deadlock);
        tokio's fails once unlock handed the lock to a queued waiter;
        futures' takes a free lock whoever waits."""
        return ops.try_lock(self, on_fail=on_fail)


class RwLock(_Handle):
    """A reader-writer lock: std::sync::RwLock (kind "std": blocks the
    thread, prefers writers, not re-entrant) or tokio::sync::RwLock (kind
    "tokio": async, FIFO-fair). See ``Scenario.rwlock``."""

    def read(self) -> ops.Op:
        return ops.read_lock(self)

    def write(self) -> ops.Op:
        return ops.write_lock(self)

    def unlock_read(self) -> ops.Op:
        return ops.unlock_read(self)

    def unlock_write(self) -> ops.Op:
        return ops.unlock_write(self)

    def try_read(self, *, on_fail: Iterable[ops.Op] = ()) -> ops.Op:
        """``try_read()``: a read guard now, or ``on_fail`` (see ``ops.try_read``)."""
        return ops.try_read(self, on_fail=on_fail)

    def try_write(self, *, on_fail: Iterable[ops.Op] = ()) -> ops.Op:
        """``try_write()``: the write guard now, or ``on_fail`` (see ``ops.try_write``)."""
        return ops.try_write(self, on_fail=on_fail)


class Condvar(_Handle):
    """std::sync::Condvar, used with a std (blocking) Mutex. See
    ``Scenario.condvar``."""

    def wait(self, mutex: "Mutex") -> ops.Op:
        """``cv.wait(guard)``: see ``ops.condvar_wait``."""
        return ops.condvar_wait(self, mutex)

    def notify_one(self) -> ops.Op:
        return ops.condvar_notify_one(self)

    def notify_all(self) -> ops.Op:
        return ops.condvar_notify_all(self)


class Barrier(_Handle):
    """std::sync::Barrier (blocking) or tokio::sync::Barrier (async). See
    ``Scenario.barrier``."""

    def wait(self, *, on_leader: Iterable[ops.Op] = ()) -> ops.Op:
        """``barrier.wait()``; ``on_leader`` runs in the n-th arrival only."""
        return ops.barrier_wait(self, on_leader=on_leader)


class WaitQueue(_Handle):
    """Where wakers wait: an AtomicWaker slot, a waiter list, a Notify."""

    def register(self) -> ops.Op:
        return ops.register(self)

    def park(self) -> ops.Op:
        return ops.park(self)

    def wake(self) -> ops.Op:
        return ops.wake(self)

    def wake_all(self) -> ops.Op:
        return ops.wake_all(self)


class Counter(ops.Compared, _Handle):
    """An integer the programs test and change (reference counts, idle lists)."""

    __hash__ = _Handle.__hash__

    def add(self, n: int = 1) -> ops.Op:
        return ops.add(self, n)

    def set(self, n: int) -> ops.Op:
        return ops.set(self, n)

    def _cmp(self, cmp: "_core.Cmp", value: object) -> ops.Cond:
        c = _core.Cond()
        c.counter = self.name
        c.cmp = cmp
        c.value = ops._int(value, f"condition on {self.name!r}")
        return c


class Atomic(_Handle):
    """``std::sync::atomic::AtomicI64`` (an ``AtomicBool`` with 0/1 or
    False/True), every op SeqCst (cpp/exec/primitives/atomic.hpp): each op is
    one visible operation, where threads and workers interleave. The ops that
    return a value give an ``ops.AtomicOp``: an op in a program, and,
    compared, a condition on the value it returned, taken atomically with
    it::

        ops.if_(flag.swap(True) == False, *init)                # the first one in
        ops.loop(ops.if_(lock.compare_exchange(0, 1).is_ok(), ops.break_()))
        ops.wait_until(q, ready.load() == 1)

    ``fetch_add`` wraps around on overflow, as Rust's does. There is no
    Ordering argument: the bench models sequential consistency only, and a
    verdict says nothing about weaker orderings. Counter ops (``add``,
    ``set``, ``atomic == 0``) do not apply: read it with ``load()``."""

    __hash__ = _Handle.__hash__

    def load(self) -> ops.AtomicOp:
        return ops.load(self)

    def store(self, value: object) -> ops.Op:
        return ops.store(self, value)

    def swap(self, value: object) -> ops.AtomicOp:
        return ops.swap(self, value)

    def compare_exchange(self, current: object, new: object, *,
                         on_fail: Iterable[ops.Op] = ()) -> ops.AtomicOp:
        return ops.compare_exchange(self, current, new, on_fail=on_fail)

    def fetch_add(self, n: object = 1) -> ops.AtomicOp:
        return ops.fetch_add(self, n)

    def _refuse(self, v: object) -> ops.Cond:
        raise ScenarioTypeError(f"atomic {self.name!r}: compare what an op returns, e.g. "
                                f"`{self.name}.load() == ...`, not the atomic itself")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse  # type: ignore[assignment]


class RefCell(_Handle):
    """``std::cell::RefCell`` (cpp/exec/primitives/refcell.hpp), Rust's rules
    checked at run time: any number of shared borrows or one mutable one.
    ``borrow_mut()`` while any borrow is outstanding panics ("already
    borrowed: BorrowMutError"), ``borrow()`` while it is mutably borrowed
    panics ("already mutably borrowed: BorrowError"); ``try_borrow`` /
    ``try_borrow_mut`` fail into ``on_fail`` instead. A borrow is held by the
    task (or frame) that took it, across awaits, until ``end_borrow()``, the
    end of a ``with_``, or its task's end (its future finished or dropped).
    It never blocks. It is !Sync: touched from a second thread (a foreign
    thread, another worker), the run stops with ``not_send``, as Rust
    rejects such a program::

        ops.with_(cell.borrow_mut(), counter.add(1))   # the RefMut dropped at the end
    """

    def borrow(self) -> ops.Op:
        return ops.borrow(self)

    def borrow_mut(self) -> ops.Op:
        return ops.borrow_mut(self)

    def end_borrow(self) -> ops.Op:
        return ops.end_borrow(self)

    def try_borrow(self, *, on_fail: Iterable[ops.Op] = ()) -> ops.Op:
        return ops.try_borrow(self, on_fail=on_fail)

    def try_borrow_mut(self, *, on_fail: Iterable[ops.Op] = ()) -> ops.Op:
        return ops.try_borrow_mut(self, on_fail=on_fail)


class Connection(_Handle):
    """An nginx event context (a connection, its pool). The server may close
    it, freeing it, between any two units: the explorer chooses when."""

    def read(self) -> ops.Op:
        return ops.read(self)


class Semaphore(_Handle):
    """tokio::sync::Semaphore, FIFO-fair: ``acquire()`` takes a permit when
    nobody waits, else waits its turn; ``release()`` hands the permit to the
    first waiter (it owns it from then on, polled or not) or returns it. A
    task's permits go back when its future finishes or is dropped
    (SemaphorePermit's Drop)."""

    def acquire(self) -> ops.Op:
        return ops.acquire(self)

    def release(self) -> ops.Op:
        return ops.release(self)

    def try_acquire(self, *, on_fail: Iterable[ops.Op] = ()) -> ops.Op:
        """``try_acquire()``: a permit now, or ``on_fail`` (see ``ops.try_acquire``)."""
        return ops.try_acquire(self, on_fail=on_fail)


class Channel(_Handle):
    """tokio::sync::mpsc, bounded or unbounded (cpp/exec/primitives/channel).
    A message is a small integer (``send(2)``; default 0), kept in the order
    sent; the trace names each value sent and received.

    ``send()`` waits its turn (FIFO) while a bounded channel is full; once
    the receiver is closed it fails (``SendError``) and runs ``on_closed``.
    ``recv()`` takes the oldest message, or stores the receiver's one waker
    (an ``AtomicWaker``: a second receiving task replaces the first's) and
    waits; once the channel is closed, or every sender is dropped, and it
    is drained, it returns ``None``: ``on_closed`` runs. Compared, it is a
    condition on the message it receives, for ``ops.if_(ch.recv() == 2,
    ...)``. ``close()`` is ``Receiver::close`` (waiting senders fail; it does
    not wake the receiver); ``drop_sender()`` drops one of the ``senders``
    the channel was declared with, and the last one wakes the receiver."""

    def send(self, value: object = 0, *, on_closed: Iterable[ops.Op] = ()) -> ops.Op:
        return ops._send_op(_core.OpKind.SEND, self, value, on_closed)

    def recv(self, *, on_closed: Iterable[ops.Op] = ()) -> ops.ValueOp:
        return ops._recv_op(_core.OpKind.RECV, self, on_closed)

    def try_send(self, value: object = 0, *, on_full: Iterable[ops.Op] = (),
                 on_closed: Iterable[ops.Op] = ()) -> ops.Op:
        """``Sender::try_send(value)`` (bounded channels only:
        ``UnboundedSender`` has no try_send): never waits.
        ``TrySendError::Closed`` (the receiver is closed) runs ``on_closed``;
        ``Full`` runs ``on_full``, also when a slot is free but assigned to
        a sender waiting in ``send`` (FIFO)."""
        o = ops._try_op(_core.OpKind.TRY_SEND, self, "try_send", on_full, "on_full", on_closed)
        o.value = ops.message_value(value, f"try_send on {self.name!r}")
        return o

    def try_recv(self, *, on_empty: Iterable[ops.Op] = (),
                 on_closed: Iterable[ops.Op] = ()) -> ops.Op:
        """``Receiver::try_recv``: a message now, or ``TryRecvError::Empty``
        (``on_empty``), or ``Disconnected`` (``on_closed``) once every sender
        is dropped and it is drained. After ``close()`` alone it stays
        Empty while a sender lives (tokio 1.24). Stores no waker."""
        return ops._try_op(_core.OpKind.TRY_RECV, self, "try_recv", on_empty, "on_empty",
                           on_closed)

    def close(self) -> ops.Op:
        return ops._channel_op(_core.OpKind.CLOSE_CHANNEL, self)

    def drop_sender(self) -> ops.Op:
        return ops._channel_op(_core.OpKind.DROP_SENDER, self)


class Broadcast(_Handle):
    """tokio::sync::broadcast (cpp/exec/primitives/broadcast, tokio 1.24.2
    src/sync/broadcast.rs). Every receiver sees every value sent after it
    was made: a small integer (``send(2)``; default 0). The capacity is
    rounded up to a power of two, as tokio does; a receiver belongs to a
    task or future (declared with ``s.broadcast(..., receivers=[...])``, at
    position 0, or made by ``subscribe()``, at the tail) and is dropped
    when its holder finishes.

    ``send()`` never waits; with no receiver alive it fails (``SendError``)
    and runs ``on_closed``; it wakes every waiting receiver. ``recv()``
    awaits the next value; a receiver that fell more than the capacity
    behind gets ``Lagged`` (``on_lagged`` runs, then the program goes on
    after the op; the next recv gets the oldest value held); once every
    sender is dropped and it has caught up, ``Closed`` (``on_closed``).
    ``drop_sender()`` drops one of the ``senders`` declared; the last wakes
    every waiting receiver. Compared, a recv is a condition on the value
    it receives, for ``if_``: ``ops.if_(bc.recv() == 2, ..., orelse=[...])``
    is ``match rx.recv().await { Ok(2) => ..., Ok(_) => ..., Err(Lagged(_))
    => on_lagged, Err(Closed) => on_closed }``; a recv that gets
    ``Lagged`` or ``Closed`` runs its block and neither branch."""

    def send(self, value: object = 0, *, on_closed: Iterable[ops.Op] = ()) -> ops.Op:
        return ops._send_op(_core.OpKind.BCAST_SEND, self, value, on_closed)

    def recv(self, *, on_lagged: Iterable[ops.Op] = (),
             on_closed: Iterable[ops.Op] = ()) -> ops.ValueOp:
        o = ops._recv_op(_core.OpKind.BCAST_RECV, self, on_closed)
        o.lagged = ops._block(on_lagged, f"{self.name}: on_lagged")
        return o

    def subscribe(self) -> ops.Op:
        """``Sender::subscribe()``: this task's (or future's) receiver, at the tail."""
        return ops._channel_op(_core.OpKind.SUBSCRIBE, self)

    def drop_sender(self) -> ops.Op:
        return ops._channel_op(_core.OpKind.BCAST_DROP_SENDER, self)


class Watch(_Handle):
    """tokio::sync::watch (tokio 1.24.2 src/sync/watch.rs), modelled as a
    broadcast of one slot and one Sender. ``send(value)`` replaces the value
    and wakes every receiver waiting in ``changed()``; with no receiver
    alive it fails (``SendError``: ``on_closed``). ``changed()`` awaits a
    version newer than the one this receiver saw and marks the newest seen
    (never lags: several sends in between are one change); once the Sender
    is dropped and nothing new is left, ``RecvError`` (``on_closed``). A
    receiver declared with the channel has seen the initial value;
    ``subscribe()`` sees the current one. ``borrow()`` reads the current
    value (``Receiver::borrow`` or ``Sender::borrow``: nothing marked seen;
    any program may); ``borrow_and_update()`` is the holder's receiver's,
    which marks it seen (a later ``changed()`` waits for a newer one).
    Compared, either is a condition on the value, for ``if_``:
    ``ops.if_(w.borrow() == 2, ..., orelse=[...])`` is ``if *rx.borrow() ==
    2 { ... }``; the ``Ref``'s read lock is released at once."""

    def send(self, value: object = 0, *, on_closed: Iterable[ops.Op] = ()) -> ops.Op:
        return ops._send_op(_core.OpKind.BCAST_SEND, self, value, on_closed)

    def changed(self, *, on_closed: Iterable[ops.Op] = ()) -> ops.Op:
        return ops._channel_op(_core.OpKind.BCAST_RECV, self, on_closed)

    def borrow(self) -> ops.ValueOp:
        """``*rx.borrow()`` (or ``*tx.borrow()``): the current value (the
        initial one until a send); marks nothing seen (tokio 1.24.2 watch.rs Receiver::borrow)."""
        return ops._borrow_op(self, False)

    def borrow_and_update(self) -> ops.ValueOp:
        """``*rx.borrow_and_update()``: the current value, marked seen by this
        task's (or future's) receiver (watch.rs Receiver::borrow_and_update)."""
        return ops._borrow_op(self, True)

    def subscribe(self) -> ops.Op:
        return ops._channel_op(_core.OpKind.SUBSCRIBE, self)

    def drop_sender(self) -> ops.Op:
        return ops._channel_op(_core.OpKind.BCAST_DROP_SENDER, self)


class JoinSet(_Handle):
    """tokio::task::JoinSet (tokio 1.24.2 src/task/join_set.rs, over
    src/util/idle_notified_set.rs; cpp/exec/primitives/join_set). Held by
    one task (``s.join_set(name, owner=)``, or the one task using it): only
    it and its futures use it, and when its future finishes or is dropped
    the set is dropped, aborting every task still in it.

    ``spawn(task)`` spawns a task declared with ``autostart=False`` into the
    set (a task spawned so has no JoinHandle of its own: no ``ops.join``,
    no ``ops.spawn``; ``ops.abort`` is its AbortHandle). ``join_next()``
    awaits the next task to finish, in completion order (a cancelled one
    too: ``Err(JoinError)``), storing the caller's waker in the set (the one
    waker: it replaces the one held, and stays after it returns); with the
    set empty it returns None at once and runs ``on_none``. Compared with a
    task, a condition on which one it joined: ``ops.if_(js.join_next() ==
    "a", ...)``. ``abort_all()`` aborts every task in it (they stay in it,
    to be joined); ``drop()`` drops the set: each task aborted, none
    joined."""

    def spawn(self, task: object) -> ops.Op:
        o = ops._op(_core.OpKind.JS_SPAWN, self.name)
        o.text = ops._name(task, f"{self.name}: spawn")
        return o

    def join_next(self, *, on_none: Iterable[ops.Op] = ()) -> ops.JoinNextOp:
        o = ops.JoinNextOp()
        o.kind = _core.OpKind.JOIN_NEXT
        o.target = self.name
        o.body = ops._block(on_none, f"{self.name}: on_none")
        return o

    def abort_all(self) -> ops.Op:
        return ops._op(_core.OpKind.JS_ABORT_ALL, self.name)

    def drop(self) -> ops.Op:
        """``drop(set)``: every task in it aborted, and the set gone."""
        return ops._op(_core.OpKind.JS_DROP, self.name)


class Oneshot(_Handle):
    """tokio::sync::oneshot (cpp/exec/primitives/channel): ``send(value)``
    stores the value (a small integer, default 0; ``ops.if_(rx.recv() == 1,
    ...)`` branches on it), consuming the one sender, and wakes the receiver; it fails
    (``on_closed``) if the receiver is closed. A sender dropped unsent
    (``drop_sender()``) makes ``recv()`` fail with ``RecvError``:
    ``on_closed`` runs. ``close()`` is ``Receiver::close``. ``try_recv()``:
    the value if sent, else ``Empty`` (``on_empty``), or ``Closed``
    (``on_closed``) once the sender is gone, the value taken or the
    receiver closed. ``send`` never waits: there is no ``try_send``."""

    send = Channel.send
    recv = Channel.recv
    try_recv = Channel.try_recv
    close = Channel.close
    drop_sender = Channel.drop_sender


class Notify(_Handle):
    """tokio::sync::Notify: ``notified()`` takes a stored permit or waits in
    FIFO order; ``notify_one()`` notifies the first waiter or, with none
    waiting, stores one permit; ``notify_waiters()`` notifies every task
    waiting now and stores nothing. A waiter dropped after notify_one chose
    it passes the notification on."""

    def notify_one(self) -> ops.Op:
        return ops._notify_op(_core.OpKind.NOTIFY_ONE, self)

    def notify_waiters(self) -> ops.Op:
        return ops._notify_op(_core.OpKind.NOTIFY_WAITERS, self)

    def notified(self) -> ops.Op:
        return ops._notify_op(_core.OpKind.NOTIFIED, self)


class Future(_Handle):
    """A future a task holds (an async fn's value, not spawned)."""
    __slots__ = ("owner",)

    def __init__(self, name: str, owner: str) -> None:
        super().__init__(name)
        self.owner = owner

    def await_(self) -> ops.Op:
        return ops.await_(self)

    def drop(self) -> ops.Op:
        return ops.drop(self)


class Task(_Handle):
    def drop(self) -> ops.Op:
        """Drop this task's future (as a cleanup handler does when nginx closes a connection)."""
        return ops.drop(self)

    def spawn(self) -> ops.Op:
        return ops.spawn(self)

    def join(self) -> ops.Op:
        """``JoinHandle.await``: see ``ops.join``."""
        return ops.join(self)

    def abort(self) -> ops.Op:
        """``JoinHandle::abort()``: see ``ops.abort``."""
        return ops.abort(self)


class Object(_Handle):
    def drop(self) -> ops.Op:
        return ops.drop(self)


class Waker(_Handle):
    """A user-defined waker (``Scenario.waker``): give it to a task
    (``s.task(..., waker=w)``) or switch to it (``ops.poll_with(w)``)."""

    def poll_with(self) -> ops.Op:
        return ops.poll_with(self)


_Spec = Union[_core.MutexSpec, _core.RwLockSpec, _core.CondvarSpec, _core.BarrierSpec, _core.WaitQueueSpec, _core.CounterSpec, _core.AtomicSpec,
              _core.TaskSpec,
              _core.ObjectSpec, _core.HandlerSpec, _core.ThreadSpec, _core.ConnectionSpec,
              _core.FutureSpec, _core.SemaphoreSpec, _core.NotifySpec, _core.ChannelSpec, _core.BroadcastSpec,
              _core.RefCellSpec, _core.JoinSetSpec, _core.WakerSpec]

_MUTEX_KINDS = {
    "blocking": _core.MutexKind.BLOCKING,
    "send_guard": _core.MutexKind.BLOCKING_SEND,
    "fair": _core.MutexKind.ASYNC_FAIR,
    "barging": _core.MutexKind.ASYNC_BARGING,
}


_RWLOCK_KINDS = {"std": _core.RwLockKind.STD, "tokio": _core.RwLockKind.TOKIO}
_BARRIER_KINDS = {"std": _core.BarrierKind.STD, "tokio": _core.BarrierKind.TOKIO}


def _check_name(name: object, what: str) -> str:
    return check_text(name, f"{what}: a name", name=True)


class Scenario:
    """A scenario: what runs, under which locks, and who wakes whom."""

    def __init__(self, name: str, *, doc: str = "", source: str = "",
                 latency_bound: int = 0, max_live_tasks: int = 0, workers: int = 1) -> None:
        """``latency_bound``: ms a woken task may wait before it is polled;
        past it the run stops with ``starvation``. ``max_live_tasks``: tasks
        spawned and not finished at once; past it, ``resource_exhausted``.
        0: no bound. ``workers``: executor threads sharing the loop thread's
        queues (tokio's multi-thread scheduler), which may poll any task."""
        self.name = _check_name(name, "Scenario")
        self.doc = doc
        self.source = source
        self._spec = _core.ScenarioSpec()
        self._spec.name = name
        self._spec.latency_bound = ops._int(latency_bound, f"scenario {name!r} latency_bound")
        self._spec.max_live_tasks = ops._int(max_live_tasks, f"scenario {name!r} max_live_tasks")
        self._spec.workers = ops._int(workers, f"scenario {name!r} workers")
        self._built: Optional[_core.Scenario] = None
        #: how to name it on the command line (a catalog name, ``file.py:fn``,
        #: ``file.json``), when it was loaded that way; see ``wakebench.sources``
        self.origin: Optional[str] = None

    def __repr__(self) -> str:
        return f"Scenario({self.name!r})"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython's and hypothesis's pretty printer (a falsifying example):
        the Python that builds it, unless it is long."""
        text = self.to_python() if not cycle else ""
        if cycle or text.count("\n") > 200:
            p.text(repr(self))
            return
        p.text(f"{self.name!r} built by\n{text}")

    # -- serialised forms ------------------------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """The versioned JSON form as data (see ``wakebench.serialise``)."""
        return json.loads(self.to_json())

    def to_json(self, *, indent: Optional[int] = 1) -> str:
        """The versioned JSON form: ``Scenario.from_json`` rebuilds the
        identical scenario, in any process, without running any code."""
        return serialise.dumps(self._spec, doc=self.doc, source=self.source, indent=indent)

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "scenario") -> "Scenario":
        """Rebuild a scenario from its JSON form (parsed); a malformed one is
        a ``ScenarioFileError`` naming the place (``tasks[0].ops[2].kind``)."""
        spec, doc, source = serialise.spec_from_dict(data, where)
        return cls._from_spec(spec, doc, source)

    @classmethod
    def from_json(cls, text: str, *, where: str = "scenario") -> "Scenario":
        """Rebuild a scenario from ``to_json()``'s text. Never executes code:
        the text is data, checked field by field (``wakebench.serialise``)."""
        if not isinstance(text, str):
            raise ScenarioTypeError(f"from_json: expected a str, got {type(text).__name__}")
        spec, doc, source = serialise.loads(text, where)
        return cls._from_spec(spec, doc, source)

    @classmethod
    def _from_spec(cls, spec: "_core.ScenarioSpec", doc: str, source: str) -> "Scenario":
        s = cls.__new__(cls)
        s.name = _check_name(spec.name, "Scenario")
        s.doc, s.source, s._spec, s._built, s.origin = doc, source, spec, None, None
        return s

    def to_python(self) -> str:
        """The Python module that builds this scenario (``scenario()``
        returns it), written with the DSL: ``wakebench run FILE.py`` runs it."""
        return codegen.to_python(self._spec, doc=self.doc, source=self.source)

    def raw(self, field: str, **fields: Any) -> None:
        """Declare an item of any of the spec's lists field by field:
        ``s.raw("mutexes", name="m", kind="async_fair")`` is
        ``s.mutex("m", kind="fair")``. The generic form ``to_python()``
        writes for what the DSL has no call for."""
        lists = {f.name: f for f in serialise.fields(_core.ScenarioSpec) if f.kind == "list"}
        if field not in lists:
            raise ScenarioError(f"scenario {self.name!r}: raw: no list {field!r} in a scenario "
                                f"(lists: {', '.join(lists)})")
        self._add(field, serialise.struct_from_fields(lists[field].type,
                                                      f"scenario {self.name!r}: {field}",
                                                      **fields))

    # -- resources -----------------------------------------------------------

    def mutex(self, name: str, *, kind: str = "blocking") -> Mutex:
        """A mutex. kind: "blocking" (std::sync::Mutex, non-reentrant, blocks the
        thread; its guard is !Send: held across an await on a runtime with
        workers, the run stops with ``not_send``), "send_guard" (blocking, a
        guard that is Send: parking_lot with send_guard), "fair"
        (tokio::sync::Mutex, FIFO hand-off) or "barging" (futures::lock::Mutex:
        released, a waiter woken, anyone may take it)."""
        if kind not in _MUTEX_KINDS:
            raise ScenarioError(f"scenario {self.name!r}: mutex {name!r}: unknown kind {kind!r} "
                             f"(valid: {', '.join(_MUTEX_KINDS)})")
        m = _core.MutexSpec()
        m.name = _check_name(name, "mutex")
        m.kind = _MUTEX_KINDS[kind]
        self._add("mutexes", m)
        return Mutex(name)

    def rwlock(self, name: str, *, kind: str = "std") -> RwLock:
        """A reader-writer lock. kind: "std" (std::sync::RwLock on Linux's
        futex: ``read`` blocks the thread while the write guard is held or
        a writer waits, ``write`` while any guard is held; a write (or a read
        under the write guard) by a stack that holds a guard is
        ``deadlock/reentrant_lock``; a second read behind a waiting writer
        is a lock cycle; its guards are !Send) or "tokio"
        (tokio::sync::RwLock: async and FIFO-fair, a reader queued behind a
        writer waits its turn; an unlock hands the guard to the first
        waiters)."""
        if kind not in _RWLOCK_KINDS:
            raise ScenarioError(f"scenario {self.name!r}: rwlock {name!r}: unknown kind "
                                f"{one_line(kind, 40)} (valid: std, tokio)")
        r = _core.RwLockSpec()
        r.name = _check_name(name, "rwlock")
        r.kind = _RWLOCK_KINDS[kind]
        self._add("rwlocks", r)
        return RwLock(name)

    def condvar(self, name: str) -> Condvar:
        """std::sync::Condvar: ``cv.wait(m)`` with a std mutex ``m`` held
        releases it and blocks the thread until ``notify_one()`` (one waiter,
        the explorer's choice) or ``notify_all()``, then re-locks ``m``; a
        notify while nobody waits is lost (a hang: ``deadlock/...``). A
        waiting thread may wake spuriously (a choice point, at most once per
        wait op per thread in a run): wait in a loop that re-checks."""
        c = _core.CondvarSpec()
        c.name = _check_name(name, "condvar")
        self._add("condvars", c)
        return Condvar(name)

    def barrier(self, name: str, parties: int, *, kind: str = "std") -> Barrier:
        """A barrier of ``parties`` (0 acts as 1). kind: "std"
        (std::sync::Barrier: ``wait()`` blocks the thread) or "tokio"
        (tokio::sync::Barrier: an await; a waiting future dropped stays
        counted). The n-th arrival is the leader and runs ``on_leader``; the
        barrier is reusable."""
        if kind not in _BARRIER_KINDS:
            raise ScenarioError(f"scenario {self.name!r}: barrier {name!r}: unknown kind "
                                f"{one_line(kind, 40)} (valid: std, tokio)")
        b = _core.BarrierSpec()
        b.name = _check_name(name, "barrier")
        b.parties = ops._int(parties, f"barrier {name!r} parties")
        b.kind = _BARRIER_KINDS[kind]
        self._add("barriers", b)
        return Barrier(name)

    def async_mutex(self, name: str, *, fair: bool = True) -> Mutex:
        return self.mutex(name, kind="fair" if fair else "barging")

    def wait_queue(self, name: str, *, kind: str = "list") -> WaitQueue:
        """Where wakers wait. ``kind="list"``: a waiter list (tokio's Notify
        and Semaphore waiters): each registration is an entry that leaves
        when woken, when its wait ends (``wait_until``'s condition held) and
        when its task or future finishes or is dropped; ``wake()`` wakes the
        oldest entry. ``kind="slot"``: an AtomicWaker (futures): one waker; a
        new registration replaces the one held."""
        if kind not in ("list", "slot"):
            raise ScenarioError(f"scenario {self.name!r}: wait_queue {name!r}: unknown kind "
                                f"{one_line(kind, 40)} (valid: list, slot)")
        q = _core.WaitQueueSpec()
        q.name = _check_name(name, "wait_queue")
        q.slot = kind == "slot"
        self._add("queues", q)
        return WaitQueue(name)

    def counter(self, name: str, initial: int = 0, *, bound: int = 0) -> Counter:
        """A counter; ``bound`` > 0: a value past it stops the run with
        ``resource_exhausted`` (a queue's length, memory in use)."""
        c = _core.CounterSpec()
        c.name = _check_name(name, "counter")
        c.initial = ops._int(initial, f"counter {name!r}")
        c.bound = ops._int(bound, f"counter {name!r} bound")
        self._add("counters", c)
        return Counter(name)

    def atomic(self, name: str, initial: object = 0) -> Atomic:
        """An atomic integer (``AtomicI64::new(initial)``; ``False``/``True``
        stand for 0/1, an ``AtomicBool``): see ``Atomic``."""
        a = _core.AtomicSpec()
        a.name = _check_name(name, "atomic")
        a.initial = ops._atomic_int(initial, f"atomic {name!r}")
        self._add("atomics", a)
        return Atomic(name)

    def refcell(self, name: str) -> RefCell:
        """A ``RefCell`` (see ``RefCell``)."""
        c = _core.RefCellSpec()
        c.name = _check_name(name, "refcell")
        self._add("refcells", c)
        return RefCell(name)

    def channel(self, name: str, *, capacity: Optional[int] = None, bound: int = 0,
                senders: int = 1) -> Channel:
        """An mpsc channel: bounded (``capacity`` messages; ``send`` waits
        while full) or unbounded (``capacity=None``). ``bound``: the most
        messages an unbounded channel may hold before ``resource_exhausted``.
        ``senders``: the ``Sender`` handles alive at the start (see
        ``Channel.drop_sender``)."""
        c = _core.ChannelSpec()
        c.name = _check_name(name, "channel")
        if capacity is not None:
            c.capacity = ops._int(capacity, f"channel {name!r} capacity")
            if c.capacity < 1:
                raise ScenarioError(f"scenario {self.name!r}: channel {name!r}: capacity must be "
                                    f"at least 1, got {capacity}")
        c.bound = ops._int(bound, f"channel {name!r} bound")
        c.senders = ops._int(senders, f"channel {name!r} senders")
        if c.senders < 1:
            raise ScenarioError(f"scenario {self.name!r}: channel {name!r}: senders must be at "
                                f"least 1, got {senders}")
        self._add("channels", c)
        return Channel(name)

    def broadcast(self, name: str, capacity: int = 1, *, senders: int = 1,
                  receivers: Iterable[object] = ()) -> Broadcast:
        """A tokio::sync::broadcast channel (see ``Broadcast``): ``capacity``
        values retained (rounded up to a power of two), ``senders`` Sender
        handles at the start, and the tasks or futures (names or handles)
        holding a Receiver from the start."""
        b = _core.BroadcastSpec()
        b.name = _check_name(name, "broadcast")
        b.capacity = ops._int(capacity, f"broadcast {name!r} capacity")
        if b.capacity < 1:
            raise ScenarioError(f"scenario {self.name!r}: broadcast {name!r}: capacity must be "
                                f"at least 1, got {capacity}")
        b.senders = ops._int(senders, f"broadcast {name!r} senders")
        if b.senders < 1:
            raise ScenarioError(f"scenario {self.name!r}: broadcast {name!r}: senders must be at "
                                f"least 1, got {senders}")
        rxs = []
        for r in receivers:
            rx = _core.BroadcastReceiverSpec()
            rx.holder = ops._name(r, f"broadcast {name!r} receiver")
            rxs.append(rx)
        b.receivers = rxs
        self._add("broadcasts", b)
        return Broadcast(name)

    def watch(self, name: str, *, initial: object = 0,
              receivers: Iterable[object] = ()) -> Watch:
        """A tokio::sync::watch channel (see ``Watch``): ``watch::channel(initial)``
        (a small integer, what ``borrow()`` reads before any send), one
        Sender, and the tasks or futures (names or handles) holding a
        Receiver from the start."""
        b = _core.BroadcastSpec()
        b.name = _check_name(name, "watch")
        b.watch = True
        b.initial = ops.message_value(initial, f"watch {name!r} initial")
        rxs = []
        for r in receivers:
            rx = _core.BroadcastReceiverSpec()
            rx.holder = ops._name(r, f"watch {name!r} receiver")
            rxs.append(rx)
        b.receivers = rxs
        self._add("broadcasts", b)
        return Watch(name)

    def join_set(self, name: str, *, owner: Optional[Union[str, Task]] = None) -> JoinSet:
        """A tokio::task::JoinSet (see ``JoinSet``) held by ``owner`` (a
        task of one replica); ``None``: the one task whose program (or
        whose futures' programs) uses it."""
        j = _core.JoinSetSpec()
        j.name = _check_name(name, "join_set")
        j.owner = "" if owner is None else ops._name(owner, f"join_set {name!r} owner")
        self._add("join_sets", j)
        return JoinSet(name)

    def oneshot(self, name: str) -> Oneshot:
        """A oneshot channel (tokio::sync::oneshot)."""
        c = _core.ChannelSpec()
        c.name = _check_name(name, "oneshot")
        c.oneshot = True
        self._add("channels", c)
        return Oneshot(name)

    def notify(self, name: str) -> Notify:
        """A tokio::sync::Notify (see ``Notify``)."""
        n = _core.NotifySpec()
        n.name = _check_name(name, "notify")
        self._add("notifies", n)
        return Notify(name)

    def timeout(self, future: "Future", ms: int, *, on_elapsed: Iterable[ops.Op] = ()) -> ops.Op:
        """``tokio::time::timeout(ms, future)``: a select between the future and
        a sleep of ``ms`` owned by the same task (declared here as
        ``<future>.deadline``), biased: tokio's Timeout polls the future
        before its deadline. If the deadline wins, the future is dropped
        (cancelled) and ``on_elapsed`` runs."""
        if not isinstance(future, Future):
            raise ScenarioTypeError(f"timeout: expected a Future handle, got {type(future).__name__}")
        deadline = self.future(f"{future.name}.deadline", owner=future.owner,
                               program=[ops.sleep(ms)])
        return ops.select(ops.branch(future), ops.branch(deadline, *on_elapsed), biased=True)

    def semaphore(self, name: str, permits: int) -> Semaphore:
        """tokio::sync::Semaphore::new(permits): FIFO-fair (see ``Semaphore``)."""
        sem = _core.SemaphoreSpec()
        sem.name = _check_name(name, "semaphore")
        sem.permits = ops._int(permits, f"semaphore {name!r} permits")
        if sem.permits < 0:
            raise ScenarioError(f"scenario {self.name!r}: semaphore {name!r}: permits must be "
                                f"non-negative, got {permits}")
        self._add("semaphores", sem)
        return Semaphore(name)

    def future(self, name: str, *, owner: Union[str, "Task"],
               program: Iterable[ops.Op]) -> "Future":
        """A future held by ``owner``: only it polls the future (``await_``,
        ``select``); the future's wakes wake the owner."""
        f = _core.FutureSpec()
        f.name = _check_name(name, "future")
        f.owner = ops._name(owner, f"future {name!r} owner")
        f.ops = ops._block(program, f"future {name!r}")
        self._add("futures", f)
        return Future(name, f.owner)

    def connection(self, name: str) -> Connection:
        """An nginx event context the server may close (and free) at any point
        between units; handlers bound to it (``on_event(..., connection=)``)
        never run once it is closed."""
        c = _core.ConnectionSpec()
        c.name = _check_name(name, "connection")
        self._add("connections", c)
        return Connection(name)

    # -- tasks, objects, handlers -------------------------------------------

    def waker(self, name: str, *, wake: Iterable[ops.Op] = (), wake_by_ref: Iterable[ops.Op] = (),
              clone: Iterable[ops.Op] = (), drop: Iterable[ops.Op] = ()) -> Waker:
        """A user-defined waker (a ``RawWakerVTable``, or a
        ``std::task::Wake`` impl) whose functions run programs, inline, on
        the thread that calls them (cpp/exec/primitives/waker.hpp):
        ``clone`` when a primitive stores it (a poll registering), ``wake``
        when a primitive takes it out and wakes it by value (then the task
        is woken; std's ``Waker::wake`` consumes the waker, so ``drop`` does
        not run after it), ``wake_by_ref`` on ``yield_``, ``drop`` when a
        stored one is replaced or its waiter leaves unwoken. Polled again
        with another waker (``ops.poll_with``), a primitive replaces the one
        it holds unless ``will_wake``: the new one cloned, the old one
        dropped, inside that poll (tokio's semaphore and Notify, futures'
        mutex, waiter lists); an AtomicWaker slot always does; a oneshot's
        recv drops the old one first, then clones the new. Modelled at
        wait queues, semaphores, Notify, async mutexes, mpsc and oneshot
        channels, joins, sleeps, broadcast and watch channels, tokio's
        RwLock and Barrier, and yield; ``ops.wait`` with it is an error
        (Control.Concurrent.Async's wait, not a Rust JoinHandle: no Rust
        waker there). The programs cannot await; they may lock, wake, drop,
        print. ``clone`` and ``drop`` run under the storing primitive's own
        lock, so they may not use a primitive that stores wakers; a
        broadcast wakes under its tail lock, so ``wake`` may not use a
        broadcast a task polled with a user-defined waker receives from
        (errors)."""
        w = _core.WakerSpec()
        w.name = _check_name(name, "waker")
        w.wake = ops._block(wake, f"waker {name!r} wake")
        w.wake_by_ref = ops._block(wake_by_ref, f"waker {name!r} wake_by_ref")
        w.clone = ops._block(clone, f"waker {name!r} clone")
        w.drop = ops._block(drop, f"waker {name!r} drop")
        self._add("wakers", w)
        return Waker(name)

    def task(self, name: str, program: Iterable[ops.Op], *, count: int = 1,
             autostart: bool = True, daemon: bool = False, masked: bool = False,
             must_finish: bool = False, kill_points: bool = False,
             waker: Optional[Union[str, Waker]] = None) -> Task:
        """A task running ``program``. ``count`` replicas share it (named
        name[i]); ``autostart=False`` waits for a spawn op; a ``daemon`` may be
        left pending at the end without a verdict. Asynchronous exceptions:
        ``masked`` starts it with exceptions masked (spawned inside a
        ``mask``); ``must_finish`` makes its death by an exception before its
        end ``interrupted_critical_section``; ``kill_points`` lets the explorer
        throw ThreadKilled into it at any of its instructions. ``waker``: the
        user-defined waker (``Scenario.waker``) its executor polls it with."""
        t = _core.TaskSpec()
        t.name = _check_name(name, "task")
        t.ops = ops._block(program, f"task {name!r}")
        t.count = ops._int(count, f"task {name!r} count")
        t.autostart = bool(autostart)
        t.daemon = bool(daemon)
        t.mask = 1 if masked else 0
        t.must_finish = bool(must_finish)
        t.kill_points = bool(kill_points)
        t.waker = "" if waker is None else ops._name(waker, f"task {name!r} waker")
        self._add("tasks", t)
        return Task(name)

    def object(self, name: str, *, on_drop: Iterable[ops.Op] = (),
               owner: Optional[Union[str, Task]] = None) -> Object:
        """A value with a Drop hook. Owned by a task, it is dropped when that
        task finishes or its future is dropped; otherwise by a drop op."""
        o = _core.ObjectSpec()
        o.name = _check_name(name, "object")
        o.on_drop = ops._block(on_drop, f"object {name!r} on_drop")
        o.owner = "" if owner is None else ops._name(owner, f"object {name!r} owner")
        self._add("objects", o)
        return Object(name)

    def on_event(self, name: str, *, at: int, program: Iterable[ops.Op],
                 connection: Optional[Union[str, Connection]] = None) -> None:
        """An nginx event handler that runs when the loop reaches virtual time
        ``at`` (unless its ``connection`` was closed first)."""
        self._handler(name, _core.HandlerKind.EVENT, at, program, connection)

    def on_cleanup(self, name: str, *, program: Iterable[ops.Op], at: Optional[int] = None,
                   connection: Optional[Union[str, Connection]] = None) -> None:
        """A pool cleanup handler (ngx_pool_cleanup_add). Attached to a
        ``connection``, it runs when the server closes that connection and
        destroys its pool (the newest cleanup first), as nginx runs a
        request pool's cleanups when it frees the request; the explorer
        chooses when the close comes. Unattached, it runs at time ``at``
        (nginx closing some connection then)."""
        if (at is None) == (connection is None):
            raise ScenarioError(f"scenario {self.name!r}: cleanup {name!r}: give either "
                                "connection= (it runs when that connection closes) or at=")
        self._handler(name, _core.HandlerKind.CLEANUP, 0 if at is None else at, program,
                      connection)

    def _handler(self, name: str, kind: "_core.HandlerKind", at: int,
                 program: Iterable[ops.Op],
                 connection: Optional[Union[str, Connection]] = None) -> None:
        h = _core.HandlerSpec()
        if connection is not None:
            h.connection = ops._name(connection, f"handler {name!r} connection")
        h.name = _check_name(name, "handler")
        h.kind = kind
        h.at = ops._int(at, f"handler {name!r} at")
        h.ops = ops._block(program, f"handler {name!r}")
        self._add("handlers", h)

    def thread(self, name: str, *, at: int = 0, program: Iterable[ops.Op],
               autostart: bool = True) -> None:
        """A foreign thread (a sidecar runtime, a blocking pool): from time
        ``at`` it runs ``program`` on its own stack, interleaved step by step
        with the loop thread (the explorer picks the interleaving). It may
        lock, unlock, wake and print; it cannot await. Tasks belong to the
        loop thread ("main") and are !Send. With ``autostart=False`` it waits
        for a ``spawn_blocking`` op (a blocking pool)."""
        t = _core.ThreadSpec()
        t.autostart = bool(autostart)
        t.name = _check_name(name, "thread")
        t.at = ops._int(at, f"thread {name!r} at")
        t.ops = ops._block(program, f"thread {name!r}")
        self._add("threads", t)

    def _add(self, field: str, item: "_Spec") -> None:
        items = getattr(self._spec, field)
        items.append(item)
        setattr(self._spec, field, items)
        self._built = None
        self.origin = None  # changed: no longer what its origin names

    # -- building --------------------------------------------------------------

    def build(self) -> _core.Scenario:
        """Check and compile; raises ScenarioError naming the place."""
        if self._built is None:
            self._built = _core.compile(self._spec)
        return self._built

    @property
    def spec(self) -> _core.ScenarioSpec:
        return self._spec

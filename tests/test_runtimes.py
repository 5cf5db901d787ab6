"""The bench against real runtimes: each Rust program in tests/runtimes/
(tokio, futures, async-task from Debian's packaged crates) is paired with its
DSL twin here. The real program's outcome (finish, or hang: its watchdog
exits 3; or a panic where a try_lock stands for the lock) must be the one
every schedule the bench explores gives (ok, or a deadlock kind), and where
it prints, the lines must be the twin's (up to where the twin's run stopped
at a hazard the real program only shows later, as a panic).

To add a pair: a program in tests/runtimes/src/bin/NAME.rs that starts
`wakebench_runtimes::watchdog(2)` and prints what its twin prints, and a
Pair(NAME, args, twin, expected verdict kind) below."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

import pytest

import wakebench as wb
from wakebench import ops

HERE = Path(__file__).parent
CRATE = HERE / "runtimes"
TARGET = HERE.parent / "build" / "runtimes"
HUNG = 3  # tests/runtimes/src/lib.rs: the watchdog's exit code


@dataclass
class Pair:
    program: str
    args: List[str]
    twin: Callable[[], wb.Scenario]
    kind: str                  # the verdict kind the bench gives in every schedule
    policy: str = "fifo"       # tokio's runtimes: a run queue
    real: Optional[str] = None  # the real outcome, if not hang (a deadlock kind) or finish (ok)


def lost_wake() -> wb.Scenario:
    s = wb.Scenario("lost-wake")
    s.task("main", [ops.pending(), ops.print("woken")])
    return s


def yield_now() -> wb.Scenario:
    s = wb.Scenario("yield-now")
    s.task("main", [ops.yield_(), ops.print("woken")])
    return s


def channel_cycle(capacity: int) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"channel-cycle-{capacity}", workers=2)
        ch, ready = s.channel("jobs", capacity=capacity), s.oneshot("ready")
        s.task("producer", [ch.send(), ch.send(), ready.send(), ch.drop_sender()])
        s.task("consumer", [ready.recv(), ops.loop(ch.recv(on_closed=[ops.break_()]))])
        s.task("main", [ops.join("producer"), ops.join("consumer"), ops.print("done")])
        return s
    return build


def notify(waiters: bool) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario("notify-waiters" if waiters else "notify-one")
        n = s.notify("n")
        s.task("main", [n.notify_waiters() if waiters else n.notify_one(), ops.print("notified"),
                        n.notified(), ops.print("late waiter woken")])
        return s
    return build


def std_condvar(mode: str) -> Callable[[], wb.Scenario]:
    """std::sync::Condvar: a notifier thread runs while the main thread
    computes (the forced window), then the main thread waits in a predicate
    loop; `lost`: the notifier never sets the flag (its notify came while
    nobody waited, and the loop waits again, also after a spurious
    wake-up); `fixed`: it sets it under the lock first. The notifier sets
    an atomic the main thread spins on in place of join()."""
    def build() -> wb.Scenario:
        s = wb.Scenario(f"std-condvar-{mode}")
        m, cv, ready = s.mutex("m"), s.condvar("cv"), s.counter("ready", 0)
        done = s.atomic("notifier_done", 0)
        s.thread("notifier", autostart=False,
                 program=[m.lock(), *([ready.set(1)] if mode == "fixed" else []), cv.notify_one(),
                          m.unlock(), done.store(1)])
        s.thread("waiter", program=[
            ops.spawn_blocking("notifier"), ops.compute(200), m.lock(),
            ops.loop(ops.if_(ready != 0, ops.break_()), cv.wait(m)), m.unlock(),
            ops.print("main woken"), ops.loop(ops.if_(done.load() == 1, ops.break_())),
            ops.print("notifier done")])
        return s
    return build


def std_barrier(mode: str) -> Callable[[], wb.Scenario]:
    """std::sync::Barrier of 3 (`short`: two arrive) or 2 (`two`): the main
    thread and another wait; the leader counts itself. A second barrier of
    2 stands in for join() (a spin on a flag would livelock the natural,
    unpreempted order)."""
    def build() -> wb.Scenario:
        s = wb.Scenario(f"std-barrier-{mode}")
        b, joined = s.barrier("b", 2 if mode == "two" else 3), s.barrier("joined", 2)
        leaders = s.atomic("leaders", 0)
        s.thread("other", program=[b.wait(on_leader=[leaders.fetch_add(1)]), joined.wait()])
        s.thread("waiter", program=[
            b.wait(on_leader=[leaders.fetch_add(1)]), joined.wait(),
            ops.if_(leaders.load() == 1, ops.print("released, leaders: 1"),
                    orelse=[ops.print("released, leaders: not 1")])])
        return s
    return build


def std_rwlock(mode: str) -> Callable[[], wb.Scenario]:
    """std::sync::RwLock (writer-preferring futex): the main thread reads,
    starts a writer, computes long enough for it to block in write(), and
    reads again: behind the waiting writer, which waits for its first guard
    (`recursive`), or after it (`released`: the first guard dropped first).
    The writer sets a flag the main thread spins on in place of join()."""
    def build() -> wb.Scenario:
        released = mode == "released"
        s = wb.Scenario(f"std-rwlock-{mode}")
        rw, done = s.rwlock("lock"), s.atomic("writer_done", 0)
        s.thread("writer", autostart=False, program=[rw.write(), rw.unlock_write(), done.store(1)])
        main = [rw.read(), ops.print("main reads")]
        if released:
            main.append(rw.unlock_read())
        main += [ops.spawn_blocking("writer"), ops.compute(200), rw.read(),
                 ops.print("main reads again"), rw.unlock_read()]
        if not released:
            main += [ops.print("main done"), rw.unlock_read()]
        main += [ops.loop(ops.if_(done.load() == 1, ops.break_())), ops.print("writer done")]
        s.thread("reader", program=main)  # the real main thread ("main" is the loop's)
        return s
    return build


def tokio_rwlock(mode: str) -> Callable[[], wb.Scenario]:
    """tokio::sync::RwLock (FIFO): `a` reads and holds its guard for 100 ms,
    `w` asks to write at 20 ms, `r` to read at 40 ms: `r` is served after
    `w`; with `recursive`, `a` reads again behind the queued `w`."""
    def build() -> wb.Scenario:
        s = wb.Scenario(f"tokio-rwlock-{mode}")
        rw = s.rwlock("lock", kind="tokio")
        again = [rw.read(), rw.unlock_read()] if mode == "recursive" else []
        s.task("a", [rw.read(), ops.print("a reads"), ops.sleep(100), *again, ops.print("a done"),
                     rw.unlock_read()])
        s.task("w", [ops.sleep(20), rw.write(), ops.print("w writes"), rw.unlock_write()])
        s.task("r", [ops.sleep(40), rw.read(), ops.print("r reads"), rw.unlock_read()])
        return s
    return build


def foreign_wake() -> wb.Scenario:
    s = wb.Scenario("foreign-wake")
    ready = s.oneshot("ready")
    s.thread("sidecar", at=10, program=[ready.send()])
    s.task("main", [ready.recv(), ops.print("woken by the sidecar")])
    return s


def lock_cycle(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"lock-cycle-{mode}", workers=2)
        a, b = s.async_mutex("a"), s.async_mutex("b")
        r1, r2 = s.oneshot("ready1"), s.oneshot("ready2")

        def worker(first, second, mine, theirs):
            locks = [first.lock(), second.lock(), second.unlock(), first.unlock()]
            handshake = [mine.send(), theirs.recv()]
            if mode == "same":
                return handshake + locks
            return locks[:1] + handshake + locks[1:]
        s.task("t1", worker(a, b, r1, r2))
        s.task("t2", worker(b, a, r2, r1) if mode == "opposite" else worker(a, b, r2, r1))
        s.task("main", [ops.join("t1"), ops.join("t2"), ops.print("done")])
        return s
    return build


def oneshot(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"oneshot-{mode}")
        o = s.oneshot("o")
        main = [o.recv(on_closed=[ops.print("sender dropped")]), ops.print("main goes on")]
        if mode == "dropped":
            s.task("sender", [o.drop_sender()], autostart=False)
            main.insert(0, ops.spawn("sender"))
        s.task("main", main)  # held: main keeps the sender
        return s
    return build


def timeout(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"timeout-{mode}")
        # futures::future::pending: Pending at every poll, the waker never kept
        never = s.future("never", owner="main", program=[ops.loop(ops.pending())])
        if mode == "with":
            s.task("main", [s.timeout(never, 50, on_elapsed=[ops.print("timed out")])])
        else:
            s.task("main", [never.await_(), ops.print("never")])
        return s
    return build


def semaphore(permits: int) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"semaphore-{permits}")
        sem = s.semaphore("sem", permits)
        s.task("main", [sem.acquire(), sem.acquire(), ops.print("two permits"),
                        sem.release(), sem.release()])
        return s
    return build


def sidecar() -> wb.Scenario:
    s = wb.Scenario("sidecar")
    result = s.oneshot("result")
    s.thread("sidecar", at=10, program=[result.send()])  # the handler waits by then
    s.task("handler", [result.recv(), ops.print("handler resumed")])
    return s


def abort_transfer() -> wb.Scenario:
    s = wb.Scenario("abort-transfer")
    lock = s.async_mutex("accounts")
    checking, savings = s.counter("checking", 100), s.counter("savings", 0)
    s.task("transfer", [
        ops.critical(lock.lock(), checking.add(-10), ops.sleep(100), savings.add(10),
                     lock.unlock()),
        ops.print("transfer done"),
    ], autostart=False)
    s.task("main", [ops.spawn("transfer"), ops.sleep(50), ops.abort("transfer"),
                    ops.print("aborted")])
    return s


def flag_wake(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"flag-wake-{mode}")
        ready, waker = s.atomic("ready", False), s.wait_queue("waker", kind="slot")
        go, done = s.oneshot("go"), s.oneshot("done")
        s.task("setter", [go.recv(),
                          ops.if_(ready.swap(True) == False, ops.print("set"), waker.wake()),  # noqa: E712
                          done.send()], autostart=False)
        window = [go.send(), done.recv()]  # the setter runs to its end in here
        if mode == "check-first":
            wait = [ops.if_(ready.load() == False, *window, waker.park())]  # noqa: E712
        else:
            wait = [waker.register(), *window, ops.wait_until(waker, ready.load() == True)]  # noqa: E712
        s.task("main", [ops.spawn("setter"), *wait, ops.print("ready")])
        return s
    return build


def values(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"values-{mode}")
        jobs = s.channel("jobs")
        # `match rx.recv().await { Some(0) => stop, Some(_) => job, None => closed }`
        s.task("worker", [ops.loop(ops.if_(
            jobs.recv(on_closed=[ops.print("closed"), ops.break_()]) == 0,
            ops.print("stop"), ops.break_(), orelse=[ops.print("job")]))], autostart=False)
        end = {"stop": [jobs.send(0)], "drop": [jobs.drop_sender()], "keep": []}[mode]
        s.task("main", [ops.spawn("worker"), jobs.send(1), jobs.send(1), *end,
                        ops.join("worker"), ops.print("joined")])
        return s
    return build


def broadcast(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"broadcast-{mode}")
        b = s.broadcast("b", 2, receivers=["receiver"])  # made with the channel: position 0
        s.task("receiver", [ops.loop(
            b.recv(on_lagged=[ops.print("lagged 1"), ops.continue_()],
                   on_closed=[ops.print("closed"), ops.break_()]),
            ops.print("got"))], autostart=False)
        end = {"drop": [b.drop_sender()], "keep": []}[mode]
        s.task("main", [b.send(1), b.send(2), b.send(3), ops.spawn("receiver"), *end,
                        ops.join("receiver"), ops.print("joined")])
        return s
    return build


def custom_waker(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"custom-waker-{mode}")
        m = s.mutex("m")
        slot = s.wait_queue("slot", kind="slot")
        w = s.waker("locking", wake=[m.lock(), m.unlock()])
        s.task("waiter", [slot.park(), ops.print("woken")], waker=w)
        wake = {"held": [m.lock(), slot.wake(), m.unlock()],
                "released": [m.lock(), m.unlock(), slot.wake()]}[mode]
        s.task("notifier", wake)
        return s
    return build


def oneshot_waker(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"oneshot-waker-{mode}")
        m, o = s.mutex("m"), s.oneshot("o")
        w = s.waker("w", clone=[ops.print("cloned")], wake_by_ref=[ops.print("by_ref")],
                    wake=[ops.print("woke")], drop=[m.lock(), ops.print("dropped"), m.unlock()])
        s.task("tx", [o.send(1)], autostart=False)
        recv = [ops.spawn("tx"), o.recv()]
        body = {"held": [m.lock(), *recv, m.unlock()], "released": recv}[mode]
        s.task("main", [*body, ops.print("got")], waker=w)
        return s
    return build


def sleep_waker(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"sleep-waker-{mode}")
        m = s.mutex("m")
        w = s.waker("w", clone=[ops.print("cloned")], wake=[m.lock(), ops.print("woke"), m.unlock()],
                    drop=[ops.print("dropped")])
        body = {"held": [m.lock(), ops.sleep(5), m.unlock()], "plain": [ops.sleep(5)]}[mode]
        s.task("main", [*body, ops.print("slept")], waker=w)
        return s
    return build


def broadcast_waker(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"broadcast-waker-{mode}")
        m = s.mutex("m")
        b = s.broadcast("b", 4, receivers=["a", "c"])
        wakers = {n: s.waker(f"w{n}", clone=[ops.print(f"{n} cloned")],
                             wake=[ops.print(f"{n} woke"), m.lock(), m.unlock()],
                             wake_by_ref=[ops.print(f"{n} by_ref")],
                             drop=[ops.print(f"{n} dropped")])
                  for n in ("a", "c")}
        # a's yield is polled with the executor's waker, its recv with wa.
        s.task("a", [wakers["a"].poll_with(), ops.yield_(), b.recv(), ops.print("a got")])
        s.task("c", [b.recv(), ops.print("c got")], waker=wakers["c"])
        send = {"held": [m.lock(), b.send(7), m.unlock()], "released": [b.send(7)]}[mode]
        s.task("sender", [ops.yield_(), *send])
        return s
    return build


def watch_borrow(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"watch-borrow-{mode}")
        w = s.watch("w", initial=0, receivers=["main"])
        read = w.borrow_and_update() if mode == "update" else w.borrow()
        s.task("main", [ops.if_(w.borrow() == 0, ops.print("zero")),  # Sender::borrow
                        w.send(2), ops.if_(read == 2, ops.print("two"), orelse=[ops.print("other")]),
                        w.changed(), ops.print("changed")])
        return s
    return build


def watch(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"watch-{mode}")
        w = s.watch("w", receivers=["receiver"])
        s.task("receiver", [ops.loop(w.changed(on_closed=[ops.break_()]), ops.print("changed")),
                            ops.print("closed")], autostart=False)
        end = {"drop": [w.drop_sender()], "keep": []}[mode]
        s.task("main", [w.send(1), w.send(2), ops.spawn("receiver"), *end,
                        ops.join("receiver"), ops.print("joined")])
        return s
    return build


def join_set(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"join-set-{mode}")
        js = s.join_set("js")
        if mode == "order":
            go = s.oneshot("go")
            s.task("a", [go.recv(), ops.print("a done")], autostart=False)
            s.task("b", [ops.print("b done")], autostart=False)
            s.task("main", [js.spawn("a"), js.spawn("b"), ops.loop(
                ops.if_(js.join_next(on_none=[ops.break_()]) == "a", ops.print("joined a"),
                        orelse=[ops.print("joined b"), go.send()])), ops.print("none")])
        elif mode == "hang":
            tx = s.oneshot("tx")
            s.task("a", [tx.recv()], autostart=False)
            s.task("main", [js.spawn("a"), js.join_next(), tx.send(), ops.print("joined")])
        else:  # drop: the set's drop aborts the task; its future's drop drops done's Sender
            never, done = s.oneshot("never"), s.oneshot("done")
            s.task("a", [never.recv()], autostart=False)
            s.object("guard", owner="a", on_drop=[done.drop_sender()])
            s.task("main", [js.spawn("a"), ops.yield_(), js.drop(),
                            done.recv(on_closed=[ops.print("cancelled")]), never.drop_sender()])
        return s
    return build


def try_lock_handoff(fair: bool) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario("try-lock-handoff-" + ("fair" if fair else "barging"))
        m = s.async_mutex("m", fair=fair)
        s.task("b", [m.lock(), ops.print("b locked"), m.unlock()], autostart=False)
        s.task("main", [
            m.lock(), ops.spawn("b"), ops.yield_(), m.unlock(),
            ops.loop(
                m.try_lock(on_fail=[ops.print("try_lock failed"), ops.join("b"), ops.break_()]),
                ops.print("try_lock took it"), ops.join("b"), m.unlock(), ops.break_(),
            ),
            ops.print("done"),
        ])
        return s
    return build


def try_recv_loop() -> wb.Scenario:
    s = wb.Scenario("try-recv-loop")
    ch = s.channel("ch", capacity=1)
    s.task("producer", [
        # (Rust returns on Closed; here on_closed only leaves the inner loop:
        # no schedule closes the channel before the producer is done)
        ops.repeat(2, ops.loop(ch.try_send(on_full=[ops.yield_(), ops.continue_()],
                                           on_closed=[ops.break_()]), ops.break_())),
        ch.drop_sender(),
    ], autostart=False)
    s.task("main", [
        ops.spawn("producer"),
        ops.loop(ch.try_recv(on_empty=[ops.yield_(), ops.continue_()],
                             on_closed=[ops.print("disconnected"), ops.break_()]),
                 ops.print("got")),
    ])
    return s


def barging_wake(mode: str) -> Callable[[], wb.Scenario]:
    def build() -> wb.Scenario:
        s = wb.Scenario(f"barging-wake-{mode}")
        m = s.async_mutex("m", fair=False)
        s.task("contention", [m.lock(), ops.sleep(50), ops.print("contention done"), m.unlock()],
               autostart=False)
        s.task("w2", [m.lock(), ops.print("w2 locked"), m.unlock()], autostart=False)
        s.future("xxx", owner="main", program=[m.lock(), ops.print("xxx locked"), m.unlock()])
        s.future("timer", owner="main", program=[ops.sleep(20)])
        if mode == "try":
            take = [ops.loop(m.try_lock(on_fail=[ops.sleep(1), ops.continue_()]), ops.break_())]
        else:
            take = [m.lock()]
        s.task("main", [
            ops.spawn("contention"), ops.sleep(5),
            ops.select(ops.branch("xxx", ops.print("xxx won"), borrowed=mode != "owned"),
                       ops.branch("timer", ops.print("timer won"))),
            ops.spawn("w2"), ops.sleep(5),  # w2 queues behind xxx
            *take, ops.print("main locked"), m.unlock(),
            ops.join("w2"), ops.print("main done"),
        ])
        return s
    return build


def refcell_await(held: bool) -> Callable[[], wb.Scenario]:
    """A RefCell on one thread (a LocalSet): `a` borrows it and awaits, `b`
    borrows it mutably meanwhile; main joins both and unwraps (in the twin a
    join goes on: the bench's verdict is the panic)."""
    def build() -> wb.Scenario:
        s = wb.Scenario("refcell-held" if held else "refcell-scoped")
        c = s.refcell("cell")
        a = (ops.with_(c.borrow(), ops.yield_()) if held
             else ops.seq(ops.with_(c.borrow()), ops.yield_()))
        s.task("a", [a, ops.print("a done")])
        s.task("b", [ops.with_(c.borrow_mut()), ops.print("b done")])
        s.task("main", [ops.join("a"), ops.join("b")])
        return s
    return build


def catalog(name: str) -> Callable[[], wb.Scenario]:
    return lambda: wb.catalog.get(name)


PAIRS = [
    # PR #295 on async-task: an inline schedule closure re-enters the lock
    # (it hangs, or try_lock panics); a deferring one finishes.
    Pair("pr295", ["inline", "lock"], catalog("h2-drop-wake-nested"), "deadlock/reentrant_lock",
         policy="ngx_inline"),
    Pair("pr295", ["inline", "try_lock"], catalog("h2-drop-wake-nested"),
         "deadlock/reentrant_lock", policy="ngx_inline", real="panic"),
    Pair("pr295", ["deferred", "lock"], catalog("h2-drop-wake-nested"), "ok", policy="fifo"),
    Pair("pr295", ["deferred", "try_lock"], catalog("h2-drop-wake-nested"), "ok", policy="fifo"),
    Pair("futurelock", ["fair", "borrowed"], catalog("futurelock-select"), "deadlock/futurelock"),
    Pair("futurelock", ["fair", "owned"], catalog("futurelock-select-owned"), "ok"),
    Pair("futurelock", ["semaphore", "borrowed"], catalog("futurelock-select-semaphore"),
         "deadlock/futurelock"),
    Pair("std_mutex", [], catalog("std-mutex-current-thread"), "deadlock/blocked_thread"),
    Pair("tokio_mutex", [], catalog("std-mutex-async-mutex"), "ok"),
    Pair("notify_waiters", [], notify(waiters=True), "deadlock/never_woken"),
    Pair("notify_one", [], notify(waiters=False), "ok"),
    Pair("lost_wake", [], lost_wake, "deadlock/lost_wake"),
    Pair("yield_now", [], yield_now, "ok"),
    Pair("channel_cycle", ["1"], channel_cycle(1), "deadlock/wait_cycle"),
    Pair("channel_cycle", ["2"], channel_cycle(2), "ok"),
    Pair("buffered", ["1"], catalog("buffered-stream"), "deadlock/unpolled_future"),
    Pair("buffered", ["2"], catalog("buffered-stream-2"), "ok"),
    Pair("buffered_spawned", [], catalog("buffered-stream-spawned"), "ok"),
    Pair("foreign_wake", [], foreign_wake, "ok"),
    # pschyska's sidecar on async-task's spawn_local: an inline schedule
    # closure polls the !Send handler on the sidecar thread.
    Pair("sidecar", ["inline"], sidecar, "wrong_thread", policy="ngx_inline", real="abort"),
    Pair("sidecar", ["notify"], sidecar, "ok", policy="thread_notify"),
    Pair("lock_cycle", ["opposite"], lock_cycle("opposite"), "deadlock/lock_cycle"),
    Pair("lock_cycle", ["handshake"], lock_cycle("handshake"), "deadlock/wait_cycle"),
    Pair("lock_cycle", ["same"], lock_cycle("same"), "ok"),
    Pair("oneshot", ["held"], oneshot("held"), "deadlock/never_woken"),
    Pair("oneshot", ["dropped"], oneshot("dropped"), "ok"),
    Pair("timeout", ["without"], timeout("without"), "deadlock/lost_wake"),
    Pair("timeout", ["with"], timeout("with"), "ok"),
    Pair("semaphore", ["1"], semaphore(1), "deadlock/never_woken"),
    Pair("semaphore", ["2"], semaphore(2), "ok"),
    # A ready flag and an AtomicWaker: checked, then registered, the wake
    # that came between is lost; registered, then checked, it is not.
    Pair("flag_wake", ["check-first"], flag_wake("check-first"), "deadlock/lost_wake"),
    Pair("flag_wake", ["register-first"], flag_wake("register-first"), "ok"),
    # The run stops where the bench sees the hazard; the real program goes
    # on to check the accounts' invariant, and panics.
    Pair("cancel_critical", ["select"], catalog("cancel-critical-section"),
         "interrupted_critical_section", real="panic"),
    Pair("cancel_critical", ["abort"], abort_transfer, "interrupted_critical_section",
         real="panic"),
    Pair("cancel_critical", ["spawned"], catalog("cancel-critical-section-spawned"), "ok"),
    Pair("futurelock", ["barging", "borrowed"], catalog("futurelock-select-barging"), "ok"),
    # futures' barging Mutex: a woken waiter never polled again absorbs
    # every later unlock's wake.
    Pair("barging_wake", ["try"], barging_wake("try"), "deadlock/never_woken"),
    Pair("barging_wake", ["lock"], barging_wake("lock"), "deadlock/never_woken"),
    Pair("barging_wake", ["owned"], barging_wake("owned"), "ok"),
    # try_lock right after an unlock with a waiter queued: tokio's fair
    # mutex handed it over (try_lock fails), futures' barging one lets it
    # in, and joining the waiter while holding it hangs.
    Pair("try_lock", ["fair"], try_lock_handoff(True), "ok"),
    Pair("try_lock", ["barging"], try_lock_handoff(False), "deadlock/wait_cycle"),
    Pair("try_recv", [], try_recv_loop, "ok"),
    # Messages with values: a worker stops on 0; joined while its Sender is
    # still held and no 0 sent, it waits in recv for good.
    Pair("values", ["stop"], values("stop"), "ok"),
    Pair("values", ["drop"], values("drop"), "ok"),
    Pair("values", ["keep"], values("keep"), "deadlock/never_woken"),
    # tokio::sync::broadcast: a receiver three sends behind a ring of two
    # gets Lagged(1), then 2 and 3; Closed once main drops its Sender; if
    # main keeps it, silent, and joins the receiver, it waits for good.
    Pair("broadcast", ["drop"], broadcast("drop"), "ok"),
    Pair("broadcast", ["keep"], broadcast("keep"), "deadlock/never_woken"),
    # tokio::sync::watch: two sends before the first look are one change;
    # the same ends as broadcast's.
    Pair("watch", ["drop"], watch("drop"), "ok"),
    Pair("watch", ["keep"], watch("keep"), "deadlock/never_woken"),
    # tokio::task::JoinSet: join_next yields in completion order (b, spawned
    # second, first), then None; a task in the set waiting for its joiner
    # hangs both; dropping the set aborts its task (its future's locals
    # dropped: main's receiver sees the Sender gone).
    Pair("join_set", ["order"], join_set("order"), "ok"),
    Pair("join_set", ["hang"], join_set("hang"), "deadlock/wait_cycle"),
    Pair("join_set", ["drop"], join_set("drop"), "ok"),
    # A std::task::Wake impl whose wake() takes a std Mutex: woken from an
    # AtomicWaker by a task holding that mutex, it locks it again on the
    # same thread and hangs; woken after the unlock, both finish.
    Pair("custom_waker", ["held"], custom_waker("held"), "deadlock/reentrant_lock"),
    Pair("custom_waker", ["released"], custom_waker("released"), "ok"),
    # A oneshot Receiver polled with a user-defined waker: the send wakes
    # it by reference and leaves it in the channel; the recv that takes the
    # value drops it in that poll: with a mutex held across the recv that
    # the drop takes, it hangs; without, cloned, by_ref, dropped, got.
    Pair("oneshot_waker", ["held"], oneshot_waker("held"), "deadlock/reentrant_lock"),
    Pair("oneshot_waker", ["released"], oneshot_waker("released"), "ok"),
    # A Sleep polled with a user-defined waker: cloned at each poll, the
    # Ready one too, woken by value when the timer fires, the last clone
    # dropped with the Sleep; a wake that takes a mutex the sleeping task
    # holds runs on that task's thread (the runtime parks on its timer
    # driver) while the task is suspended: it blocks the thread, a hang.
    Pair("sleep_waker", ["plain"], sleep_waker("plain"), "ok"),
    Pair("sleep_waker", ["held"], sleep_waker("held"), "deadlock/blocked_thread"),
    # A broadcast recv polled with a hand-written RawWakerVTable: cloned
    # into the Recv's waiter node; the send's notify_rx wakes the waiters
    # oldest first, by value, on the sender's stack: a wake() taking the
    # mutex the sender holds hangs.
    Pair("broadcast_waker", ["released"], broadcast_waker("released"), "ok"),
    Pair("broadcast_waker", ["held"], broadcast_waker("held"), "deadlock/reentrant_lock"),
    # A watch's borrow marks nothing seen: a changed() after it returns for
    # the value sent; borrow_and_update marks it seen: changed() then waits
    # for a send only the waiting task could make, and hangs.
    Pair("watch_borrow", ["borrow"], watch_borrow("borrow"), "ok"),
    Pair("watch_borrow", ["update"], watch_borrow("update"), "deadlock/never_woken"),
    # A RefCell's Ref held across an await: the other task's borrow_mut
    # panics (tokio catches it; main's unwrap of its JoinHandle exits 101);
    # the Ref dropped before the await, both finish.
    Pair("refcell", ["held"], refcell_await(True), "panic", real="panic"),
    Pair("refcell", ["scoped"], refcell_await(False), "ok"),
    # Reader-writer locks: std's prefers writers (a second read behind a
    # waiting writer hangs), tokio's is FIFO (a reader behind a queued
    # writer waits its turn; a second read there hangs).
    Pair("std_rwlock", ["recursive"], std_rwlock("recursive"), "deadlock/lock_cycle"),
    Pair("std_rwlock", ["released"], std_rwlock("released"), "ok"),
    Pair("tokio_rwlock", ["fair"], tokio_rwlock("fair"), "ok"),
    Pair("tokio_rwlock", ["recursive"], tokio_rwlock("recursive"), "deadlock/lock_cycle"),
    # std's Condvar stores no notification: a notify before the wait is
    # lost; the flag set under the lock first fixes it. std's Barrier of 3
    # with two parties hangs; of 2 it releases both, one of them the leader.
    Pair("std_condvar", ["lost"], std_condvar("lost"), "deadlock/never_woken"),
    Pair("std_condvar", ["fixed"], std_condvar("fixed"), "ok"),
    Pair("std_barrier", ["short"], std_barrier("short"), "deadlock/never_woken"),
    Pair("std_barrier", ["two"], std_barrier("two"), "ok"),
]


def cargo_env():
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    # Debian's Rust, as the set-up installs it (a rustup toolchain earlier on
    # PATH would build against a compiler the project does not install).
    if Path("/usr/bin/rustc").exists():
        env["RUSTC"] = "/usr/bin/rustc"
    return env


@pytest.fixture(scope="module")
def programs() -> Path:
    cargo = "/usr/bin/cargo" if Path("/usr/bin/cargo").exists() else shutil.which("cargo")
    assert cargo, "cargo is missing: scripts/setup.sh --test installs Debian's"
    r = subprocess.run([cargo, "build", "--release", "--quiet"], cwd=CRATE, env=cargo_env(),
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-4000:]
    return TARGET / "release"


def real_outcome(path: Path, args: List[str]):
    r = subprocess.run([str(path), *args], capture_output=True, text=True, timeout=120)
    lines = [line for line in r.stdout.splitlines() if not line.startswith("watchdog:")]
    # 101: a panic; SIGABRT: a panic while panicking (a Drop that panics
    # during the unwind) aborts the process.
    outcome = {0: "finish", HUNG: "hang", 101: "panic", -signal.SIGABRT: "abort"}.get(
        r.returncode, f"exit {r.returncode}")
    return outcome, lines, r


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: "-".join([p.program, *p.args]))
def test_the_bench_agrees_with_the_real_runtime(programs, pair):
    outcome, lines, raw = real_outcome(programs / pair.program, pair.args)
    s = pair.twin()
    ex = wb.explore(s, pair.policy, stop_at_first=False, budget=200_000)
    assert ex.complete, ex
    kinds = set(ex.outcomes)
    want = pair.real or ("hang" if pair.kind.startswith("deadlock/") else "finish")
    shown = (f"real: {outcome}, stdout {raw.stdout!r}, stderr {raw.stderr[-500:]!r}; "
             f"bench ({pair.policy}): {dict(ex.outcomes)}")
    assert outcome == want, shown
    assert kinds == {pair.kind}, shown
    twin_lines = [o.text for o in wb.run(s, pair.policy).output]
    if pair.kind == "ok" or pair.kind.startswith("deadlock/"):
        assert lines == twin_lines, shown
    else:  # the twin's run stopped at the hazard; the real program went on
        assert lines[:len(twin_lines)] == twin_lines, shown


def test_every_program_has_a_twin():
    programs = {p.stem for p in (CRATE / "src" / "bin").glob("*.rs")}
    assert programs == {p.program for p in PAIRS}

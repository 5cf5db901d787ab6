// User-defined wakers: a Waker whose vtable runs user code.
//
// A real Waker is a data pointer and a RawWakerVTable of four functions
// (std core/src/task/wake.rs): `clone`, `wake`, `wake_by_ref`, `drop`. An
// executor's own waker runs the executor's code; a std::task::Wake impl
// (alloc/src/task.rs) or a hand-written vtable runs the user's. Here a
// user-defined waker has a program for each function; the thread that calls
// the function runs the program inline, on its own stack (a Waker frame),
// as a Drop hook's program runs where the drop happens. Its ops are the
// visible ops of that thread (locks, wakes, drops, prints), so "this
// waker's drop takes a lock" or "wake() takes a lock" deadlocks exactly
// where the caller's stack holds that lock, and the verdict comes from the
// wait-for graph as usual.
//
// What calls which function, copied from std and from the primitives:
//  - Waker::wake(self) forgets self and calls the vtable's `wake`, which
//    consumes the waker: `drop` is NOT called after it (std wake.rs,
//    Waker::wake: "Don't call `drop` -- the waker will be consumed by
//    `wake`"). A Wake impl's `wake(self: Arc<Self>)` receives the Arc; a
//    program that wants the Arc's release written out puts it in `wake`.
//    Waker::wake_by_ref calls `wake_by_ref`; Waker::clone calls `clone`;
//    dropping a Waker calls `drop`.
//  - Waker::will_wake(other) is true when both have the same data pointer and
//    vtable: two clones of one user-defined waker; the executor's own wakers
//    of one task (tokio's task waker is the task header). A user-defined
//    waker and the executor's own never will_wake each other.
//  - A poll that stores its waker in a primitive clones cx.waker(), running
//    `clone` (a waker of the executor's own runs nothing). When the primitive
//    wakes it by value (it takes the waker out: Option::take, WakeList), the
//    program `wake` runs on the waking thread, then the task is woken as the
//    executor's waker would (the program's ops first, then the schedule).
//  - Polled again while still registered, with a waker that is not
//    will_wake the stored one, a primitive replaces it: the new one is
//    cloned (`clone` runs), then the old one dropped (`drop` runs), inside
//    the poll, before it returns Pending:
//      tokio 1.24.2 sync/batch_semaphore.rs poll_acquire (Semaphore,
//        tokio's Mutex): `if waker.as_ref().map(|waker|
//        !waker.will_wake(cx.waker())).unwrap_or(true) { *waker =
//        Some(cx.waker().clone()); }` under the wait list's lock;
//      tokio 1.24.2 sync/notify.rs Notified::poll_notified, Waiting: `if
//        should_update { w.waker = Some(waker.clone()); }` (on the first
//        registration the waker is cloned before the lock: "a waker clone
//        can be triggering arbitrary code");
//      futures-util 0.3.21 lock/mutex.rs Waiter::register: `Self::Waiting(w)
//        if waker.will_wake(w) => {}, _ => *self = Self::Waiting(waker.clone())`;
//      a waiter list wait queue, the same rule (tokio's lists, event-listener).
//    An AtomicWaker slot (futures-core 0.3.21 task/__internal/atomic_waker.rs
//    register, state WAITING) replaces unconditionally: `*self.waker.get() =
//    Some(waker.clone())`, so every register clones the new waker and drops
//    the one held, will_wake or not, whoever's it was.
//    tokio's own AtomicWaker does too (tokio 1.24.2 sync/task/atomic_waker.rs
//    do_register, WAITING: `waker.into_waker()` clones, the old one is
//    taken, the new one stored, the old one dropped): an mpsc channel's
//    rx_waker (sync/mpsc/chan.rs Rx::recv: `rx_waker.register_by_ref(
//    cx.waker())` whenever the list had no message, also before a None after
//    Receiver::close while a Sender lives). Its wake takes the waker out and
//    wakes it by value (atomic_waker.rs wake: take_waker, `waker.wake()`):
//    Chan::send, and the last Sender's drop (Tx::drop: `tx.close();
//    self.wake_rx()`). The slot keeps its waker when the receiving task
//    finishes or gets a message (the Chan, not the future, holds it): a
//    later send wakes that stale waker (its `wake` runs; the model wakes no
//    task for it, as it leaves out spurious wakes of the executor's own).
//  - A full bounded mpsc channel's send waits in the channel's batch
//    semaphore (mpsc/bounded.rs Sender::send -> reserve -> acquire(1)):
//    poll_acquire's rule above; the recv's add_permit assigns the permit
//    and wakes it by value; Receiver::close closes the semaphore, waking
//    every waiter by value (batch_semaphore.rs close: `waker.wake()`).
//  - A join (tokio 1.24.2 runtime/task/harness.rs can_read_output): the
//    JoinHandle's poll stores its waker in the task's trailer, `waker.clone()`
//    into set_join_waker (`trailer.set_waker(Some(waker))`: the old one
//    drops after the clone), skipped when `trailer.will_wake(waker)`. The
//    task's end (harness.rs complete) calls `trailer().wake_join()`, which
//    is `waker.wake_by_ref()` (core.rs Trailer::wake_join): `wake_by_ref`
//    runs on the completing thread, then the joiner is woken; the waker
//    stays in the trailer until the task is deallocated: by the JoinHandle's
//    drop once the joiner has the result (`handle.await` consumes it: `drop`
//    runs in that poll), or, when the JoinHandle went first (JOIN_INTEREST
//    unset, drop_join_handle_slow, so no wake_join), by the task's last
//    reference released as it completes: `drop` runs on the completing
//    thread.
//  - A oneshot recv (tokio 1.24.2 sync/oneshot.rs): the Inner holds one
//    receiver waker, rx_task, while RX_TASK_SET. Inner::poll_recv (lines
//    1127-1191), neither complete nor closed: with RX_TASK_SET and
//    `!will_wake`, it unsets RX_TASK_SET, drops the old waker
//    (`rx_task.drop_task()`), THEN clones the new one (`set_task`:
//    `cx.waker().clone()`) and sets RX_TASK_SET again: `drop` before
//    `clone`, the reverse of the semaphore's order; will_wake: nothing.
//    Inner::complete (lines 1110-1125; Sender::send, and the Sender's Drop
//    unsent) wakes it BY REFERENCE unless the Receiver closed
//    (`self.rx_task.with_task(Waker::wake_by_ref)`): `wake_by_ref` runs on
//    the sending thread, then the receiver is woken; the waker stays in the
//    Inner (a stale one, its poller gone, runs `wake_by_ref` waking no
//    task). It drops with the Inner (Drop for Inner, lines 1227-1242), the
//    Arc the Sender and the Receiver share, at the second release: the
//    Sender's at `send(self)` (line 591 takes it; dropped at its end) or
//    its drop; the Receiver's at a Ready(Ok) poll (`self.inner = None`,
//    line 1104), a try_recv returning a value or Closed (line 1028), or
//    where `rx.await` ends with RecvError (the Receiver dropped there).
//    So a recv that gets the value runs `drop` inside that poll; a
//    Receiver gone first (closed, then Closed) leaves it to drop in the
//    Sender's send or drop. The model's Receiver outlives a recv future
//    dropped unfinished (as `(&mut rx).await` in a select): its waker
//    stays in the Inner. Nothing here runs under a lock (the state is one
//    atomic word), but the clone and the old waker's drop run with
//    RX_TASK_SET unset and the state is read again after: a send or a
//    Sender's drop on that oneshot from a clone or drop program would be
//    seen by that poll (Ready, no wake) where the model wakes the task
//    and returns Pending; the compiler refuses that combination.
//  - A sleep (tokio 1.24.2 runtime/time/entry.rs): every poll of a Sleep,
//    the Ready one too, registers cx.waker() in its timer entry's
//    AtomicWaker first (StateCell::poll, lines 138-145:
//    `self.waker.0.register_by_ref(waker)`, then read_state): tokio's
//    do_register above, clone the new, drop the held. The driver fires a
//    due entry under its lock, taking the waker out (StateCell::fire,
//    lines 211-231: `self.waker.0.take_waker()`), and wakes the batch by
//    value after `drop(lock)` (runtime/time/mod.rs process_at_time, lines
//    257-308: `waker.take().unwrap().wake()` after `drop(lock)`): `wake`
//    runs on the firing thread, outside the driver lock. `sleep(..).await`
//    drops the Sleep after its Ready poll: TimerEntry::drop (entry.rs line
//    644) -> cancel -> Handle::clear_entry (mod.rs lines 321-331), fired
//    already, returns None, and the TimerShared's AtomicWaker drops the
//    Ready poll's clone: `clone` then `drop` in that poll. A Sleep dropped
//    before it fired (its future or task dropped, a sleep interrupted):
//    clear_entry's fire() takes the waker and drops it under the driver
//    lock: `drop` runs where the Sleep is dropped. A drop program that
//    itself dropped a sleeping task or future would take that lock again
//    (a deadlock the model lacks the lock for): refused by the compiler.
//    The driver fires every due entry before it wakes any; the model fires
//    them one at a time (ready events of the loop): a wake program runs
//    before a timer due at the same tick is marked fired.
//  - A broadcast recv (tokio 1.24.2 sync/broadcast.rs Recv::poll ->
//    recv_ref, line 773): at the tail, under the tail lock, the waker goes
//    in the Recv future's waiter node, `(*ptr).waker = Some(waker.clone())`
//    unless `w.will_wake(waker)` (line 821), and the node is pushed on the
//    tail's wait list unless already queued. A send or the last Sender's
//    drop (close_channel) runs Tail::notify_rx (line 673): it pops every
//    waiter, oldest first, and `waiter.waker.take().unwrap().wake()` by
//    value inside that loop, still holding the tail lock (1.24.2 has no
//    WakeList there). Drop for Recv (line 1089) unlinks a queued node under
//    the lock; the node's waker drops with the future, after it.
//  - A watch's changed() (sync/watch.rs line 526) awaits a Notified of the
//    shared `notify_rx: Notify` (1.24.2: a plain Notify): the Notify rule
//    above (the first poll clones the waker, before the lock; polled again,
//    replaced unless will_wake, under it); send (send_modify, line 770) and
//    the Sender's drop (line 973) call notify_waiters, which takes the
//    wakers into a WakeList and wakes them by value after releasing the
//    Notify's lock (notify.rs line 502). Its waiters wake oldest first
//    (`push_front`, `pop_back`), as a broadcast's.
//  - tokio's RwLock (sync/rwlock.rs: read = `s.acquire(1)`, write =
//    `s.acquire(mr)`) waits in its batch semaphore: poll_acquire's rule; the
//    unlock's add_permits_locked takes the served waiters' wakers into a
//    WakeList and wakes them after the lock; an Acquire dropped while queued
//    drops its node's waker.
//  - tokio's Barrier (sync/barrier.rs wait_internal): the arrival is
//    counted under a std Mutex over the state, released before the await;
//    a non-leader then awaits `wait.changed()` on a watch receiver: the
//    watch rule (a generation after the first first sees the previous
//    version: that changed() returns at once, its Notified dropped unpolled,
//    storing nothing, and the next one waits). The leader's
//    `state.waker.send(generation)` wakes them by value, while it holds the
//    Barrier's state Mutex.
//  - A waiter that leaves without being woken (its future dropped or done,
//    an Unregister, a barging lock taken with its entry still waiting)
//    drops the waker it stored: `drop` runs where the future is dropped.
//  - yield (the task's `cx.waker().wake_by_ref()`) runs `wake_by_ref`.
//
// Where a program runs: the function's caller pushes a Waker frame on its
// own thread at the end of the step that called it (so the primitive's
// state is already what the real primitive leaves before calling out); a
// poll that replaced a waker returns Pending once the programs are done
// (Frame::pending_after). Each frame's program is announced in the trace
// ("w.drop runs (the waker of 't')"). A wake program that wakes another
// user-defined waker nests: past kMaxWakerNesting Waker frames on one stack
// the run stops at the depth bound (inconclusive), never a crash.
//
// Not modelled (the compiler refuses a task that may be polled with a
// user-defined waker and uses them): nothing left but `wait` (WaitTask with
// a text), refused for another reason: it is Control.Concurrent.Async's
// wait on a Haskell thread, not a Rust JoinHandle, so no Rust Waker is
// stored there; a task joins another with `join`. The primitives' internal
// locks are not modelled: tokio runs the clone and the replaced waker's
// drop under the semaphore's, Notify's or broadcast tail's lock, so a
// program that touches that same primitive there deadlocks the real
// program; the model would let it go on, so the compiler refuses, in a
// clone or drop program, every op that takes such a lock (an async mutex, a
// semaphore, a Notify, a wait queue, a bounded channel's try_recv or close,
// a broadcast's or watch's send, drop_sender, a broadcast's subscribe, a
// tokio RwLock), and, in a wake program, a broadcast's send, subscribe and
// drop_sender when a task polled with a user-defined waker receives from
// that broadcast (notify_rx wakes under its tail lock); the oneshot and
// timer refusals are described above. Left out: a wake, clone or drop
// program that takes another lock (a std Mutex) that some thread holds
// while it waits for one of those internal locks (a lock-order cycle
// through the tail lock, the Notify's, or a Barrier's state Mutex held
// across the leader's wakes) is not found. The order of a waker's `drop`
// and the wakes a dropped Acquire hands on (tokio wakes first, the node's waker
// drops after Drop::drop) is reversed here.
//
// Invariants: a StoredWaker entry exists only for a user-defined waker; at
// most one per (holder, place, index) for places other than InHand; an
// InHand entry is consumed by the next wake() of its holder (the taking
// frame's own wake, made in the same step or from its Frame::wakes).
#pragma once

#include <cstdint>
#include <vector>

#include "model/program.hpp"

namespace wb {

// Where a stored user-defined waker is.
enum class WakerPlace : uint8_t {
  Queue,      // a wait queue (index: queue id)
  Semaphore,  // a semaphore's wait list
  Notify,     // a Notify's waiter list
  Mutex,      // an async mutex's wait list
  ChannelRx,  // an mpsc channel's rx_waker, an AtomicWaker slot (index: channel id)
  ChannelTx,  // a bounded mpsc channel's senders waiting for a permit (its semaphore)
  Join,       // a joined task's trailer (index: the task joined; holder: its joiner)
  OneshotRx,  // a oneshot Inner's rx_task (index: channel id; holder: its last poller)
  Timer,      // a Sleep's timer entry, an AtomicWaker (index: timer id; holder: the sleeper)
  Broadcast,  // a broadcast Recv's waiter node, a watch changed()'s Notified (index: broadcast id)
  RwLock,     // a tokio RwLock's batch semaphore wait list (index: rwlock id)
  Barrier,    // a tokio Barrier wait's watch changed() Notified (index: barrier id)
  InHand,     // taken out by a waking frame, to be woken by value
};

struct StoredWaker {
  uint32_t holder = 0;  // the task or future whose poll stored it
  uint32_t index = 0;   // the primitive's id
  WakerPlace place = WakerPlace::Queue;
  uint16_t waker = 0;   // user-defined waker id + 1
};

// A function of a user-defined waker to run on the calling thread.
struct WakerCall {
  uint16_t waker = 0;         // user-defined waker id + 1
  WakerFn fn = WakerFn::Wake;
  uint32_t holder = 0;        // whose waker it is (for the trace)
  uint32_t target = 0xffffffffu;  // wake / wake_by_ref: the task woken when the program ends
};

inline constexpr uint32_t kMaxWakerNesting = 16;

namespace waker {

// The entry for (holder, place, index), or -1.
inline int find(const std::vector<StoredWaker>& v, uint32_t holder, WakerPlace place, uint32_t index) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].holder == holder && v[i].place == place && (place == WakerPlace::InHand || v[i].index == index))
      return static_cast<int>(i);
  return -1;
}

// An AtomicWaker slot (a slot queue, a channel's rx_waker) holds one
// waker, whoever's: its entry, or -1.
inline int find_slot(const std::vector<StoredWaker>& v, WakerPlace place, uint32_t index) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].place == place && v[i].index == index) return static_cast<int>(i);
  return -1;
}

const char* fn_name(WakerFn fn);

}  // namespace waker
}  // namespace wb

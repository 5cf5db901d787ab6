// Mutexes: one state, three real types.
//  - std::sync::Mutex (blocking): `lock` takes it if free; held, the thread
//    blocks until it is released. Not re-entrant ("might panic or
//    deadlock"): the machine stops the run when the holder is lower on the
//    requester's own stack (deadlock/reentrant_lock) or is a task only the
//    requester's thread could poll (deadlock/blocked_thread). Its guard is
//    held by a task across awaits, or by a frame (a Drop hook, a handler).
//  - tokio::sync::Mutex (fair; tokio 1.x, built on its batch semaphore
//    with one permit): a locker queues in FIFO order when it is held;
//    unlock hands the lock to the first waiter, which holds it from then on
//    whether or not it is polled again (a future holding it that its owner
//    no longer polls: futurelock).
//  - futures::lock::Mutex (barging; futures-util 0.3.21 src/lock/mutex.rs):
//    its waiters are entries in a Slab, each Waiting(waker) or Woken. A
//    lock that finds it held inserts a Waiting entry at the end (a waiter
//    polled again re-registers its own entry, keeping its place); unlock
//    frees the mutex and wakes the *first* entry only if it is Waiting
//    (`waiters.iter_mut().next()` then `Waiter::wake`, which does nothing
//    to a Woken one): while the first waiter, woken, has not polled, later
//    unlocks wake nobody. Whoever locks first takes it (a barger, a
//    try_lock); the woken waiter, polled, takes it if free and leaves the
//    Slab, else waits again in its place. A lock future dropped while in
//    the Slab leaves it, and if it had been woken, wakes the new first
//    entry, held or not (`remove_waker(.., true)`). The Slab reuses freed
//    keys last-in first-out, so its iteration order is insertion order
//    only while no entry left from the middle; here it is insertion order.
//
// try_lock never waits and registers no waker: it takes the mutex if it is
// free and fails at once if anyone holds it, whoever that is:
//  - std::sync::Mutex::try_lock (library/std/src/sync/mutex.rs): "If the
//    lock could not be acquired at this time, then Err is returned"
//    (TryLockError::WouldBlock), also when the calling thread holds it: a
//    re-entrant try_lock fails instead of deadlocking (lock() "might panic
//    or deadlock"); parking_lot's try_lock returns None alike;
//  - tokio::sync::Mutex::try_lock (tokio 1.24.2 src/sync/mutex.rs) is
//    `self.s.try_acquire(1)` on its batch semaphore, which looks at the
//    permit count only (batch_semaphore.rs try_acquire: NoPermits when
//    `curr < num_permits`). An unlock with waiters queued assigns the permit
//    to the first waiter (add_permits_locked) without returning it to the
//    count, so try_lock fails from then on, even though the waiter has not
//    been polled yet: here the mutex is handed over, held by that waiter.
//    While nobody waits, the count has the permit exactly when the mutex is
//    free;
//  - futures::lock::Mutex::try_lock (futures-util 0.3.21 src/lock/mutex.rs)
//    is `state.fetch_or(IS_LOCKED)`: it takes a free mutex even when
//    waiters are queued or one was woken to take it (barging); the woken
//    waiter, polled later, finds it held and waits again.
//
// Invariants: a fair mutex with waiters is held; a task is in `waiters` at
// most once; `holder` names a task (kind Task) or a frame depth (Frame).
#pragma once

#include <cstdint>
#include "exec/fifo.hpp"

namespace wb {

enum class HolderKind : uint8_t { None, Task, Frame };

// A barging mutex's waiter entry woken by an unlock (Waiter::Woken), with
// the task id in the low bits.
inline constexpr uint32_t kEntryWoken = 0x80000000u;

struct MutexRt {
  HolderKind holder_kind = HolderKind::None;
  uint16_t holder_thread = 0;
  uint32_t holder = 0;      // task id, or frame depth on holder_thread's stack
  uint32_t since = 0;       // step it was taken
  uint32_t where_prog = 0;  // the instruction that took it
  uint32_t where_pc = 0;
  Fifo<uint32_t> waiters;  // async: tasks waiting, FIFO (barging: | kEntryWoken once woken)
  // std::sync::Mutex only (not parking_lot's): a guard was dropped while its
  // task unwound from a panic (library/std/src/sync/poison.rs: the guard's
  // Drop sets the flag when `thread::panicking()`); lock() then returns
  // Err(PoisonError), which the bench takes as `lock().unwrap()`: a panic.
  uint32_t poisoned_by = 0;  // the panicking task's id + 1, 0: not poisoned
};

namespace mutex {

// Where a lock was taken, for explanations.
struct Taken {
  uint32_t step = 0, prog = 0, pc = 0;
};

inline bool held(const MutexRt& m) { return m.holder_kind != HolderKind::None; }
inline bool held_by_task(const MutexRt& m, uint32_t task) {
  return m.holder_kind == HolderKind::Task && m.holder == task;
}

// The lock is taken (it was free) by a task, or by the frame at `depth`.
void take(MutexRt& m, HolderKind kind, uint32_t holder, uint16_t thread, Taken at);

// Unlock: the mutex is free; the first async waiter is taken off the list
// and returned (kNone: nobody waits). A fair mutex is then handed to it
// (hand_over: it holds it from now on); a barging one stays free, the
// waiter woken to try again.
inline constexpr uint32_t kNone = 0xffffffffu;
uint32_t unlock(MutexRt& m);
inline void hand_over(MutexRt& m, uint32_t task, uint16_t thread, Taken at) {
  take(m, HolderKind::Task, task, thread, at);
}

// try_lock (every kind): take it if free (true), else fail (false) with
// nothing changed: no waiter queued, no waker stored.
bool try_take(MutexRt& m, HolderKind kind, uint32_t holder, uint16_t thread, Taken at);

// An async lock by `task` while it is held by another: queue it (true) or
// it is queued already (false).
bool enqueue(MutexRt& m, uint32_t task);

// `task` leaves the wait list (its lock future is dropped); true if it was
// there.
bool leave(MutexRt& m, uint32_t task);

// Barging (futures): unlock frees it and marks the first entry woken if it
// was waiting; returns that task, to wake, or kNone.
uint32_t unlock_barging(MutexRt& m);
// Barging: `task` polls its lock future and finds the mutex held: a new
// Waiting entry at the end, or its Woken entry waiting again in place.
// True if the task's waker is now stored (it was not before).
bool register_barging(MutexRt& m, uint32_t task);
// `task`'s entry leaves the list (it took the mutex, or its lock future was
// dropped); `woken` says whether it was Woken. False if it had none.
bool remove(MutexRt& m, uint32_t task, bool& woken);
// Barging: the first entry, if Waiting, is marked woken and returned.
uint32_t wake_first(MutexRt& m);

}  // namespace mutex
}  // namespace wb

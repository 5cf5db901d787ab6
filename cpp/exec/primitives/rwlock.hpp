// Reader-writer locks: one state, two real types.
//  - std::sync::RwLock on Linux (library/std/src/sys/unix/locks/
//    futex_rwlock.rs, Rust 1.63): blocks the thread, prefers writers.
//    `read` takes a read guard only when the lock `is_read_lockable`: not
//    write-locked and no writer waiting ("We don't allow read-locking if
//    there's readers waiting ... writers, which have priority over
//    readers"); `write` takes it only when `is_unlocked` (no guard at all,
//    whoever waits: a writer that finds it free locks it regardless of the
//    waiting bits). `try_read` fails (WouldBlock) while a writer waits or
//    holds it; `try_write` fails while any guard is held. Not re-entrant
//    for writes ("This function might panic when called if the lock is
//    already held by the current thread"): a write by a frame whose stack
//    holds any guard of it, or a read by one whose stack holds its write
//    guard, never returns (deadlock/reentrant_lock at that op). A read by a
//    thread that holds a read guard succeeds while no writer waits, and
//    blocks behind a waiting writer, which waits for that very read guard:
//    the recursive-read deadlock (std's RwLock docs: "a writer which is
//    waiting to acquire the lock in `write` might or might not block
//    concurrent calls to `read`", with this very "Potential deadlock
//    example"; on Linux it does block them), a lock cycle the wait-for
//    graph gives. Its guards are !Send, as a MutexGuard is.
//    A waiting writer is a thread blocked in `write` (its blocked_on): while
//    one is blocked, readers block. The futex code clears WRITERS_WAITING
//    when it wakes one writer, so a brand-new reader may slip in between
//    that wake and the writer's retry; the model keeps the woken writer
//    waiting until it retries, so it does not give that window (a schedule
//    left out, never one added).
//  - tokio::sync::RwLock (tokio 1.24, src/sync/rwlock.rs): a batch
//    semaphore (batch_semaphore.rs) of MAX_READS permits; `read` acquires 1,
//    `write` acquires all MAX_READS. The semaphore is FIFO-fair: an acquire
//    takes its permits at once only when nobody waits (while a waiter is
//    queued, add_permits_locked assigns every released permit to the queue's
//    head, so the count stays 0), else it joins the back of the queue; a
//    release serves the queue from its front, and a head waiter that cannot
//    be served yet (a writer while readers hold) keeps everyone behind it
//    waiting: a reader queued behind a writer waits even while other readers
//    hold the lock. A waiter served is handed its guard whether or not it is
//    polled again (futurelock, as the fair Mutex). `try_read` /
//    `try_write` are `try_acquire(1)` / `try_acquire(MAX_READS)`, which
//    look at the count only: they fail while anyone is queued. Dropping a
//    queued acquire leaves the queue and gives back what it was assigned,
//    which serves the queue again (Acquire's Drop). Its guards are Send.
//    The model counts guards, not permits: MAX_READS (u32::MAX >> 3) readers
//    at once is not modelled.
//
// Invariants: at most one write guard, and never with read guards; a task
// is in `waiters` at most once and then not in `granted`; a tokio lock with
// waiters is held (the head is incompatible with the holders).
#pragma once

#include <cstdint>
#include "exec/fifo.hpp"
#include <vector>

#include "exec/primitives/mutex.hpp"

namespace wb {

// A guard's holder: a task (its guard lives in the task's state), or a
// frame at `id` (its depth) on `thread`'s stack (a Drop hook, a handler, a
// thread's program).
struct RwHolder {
  HolderKind kind = HolderKind::None;
  uint16_t thread = 0;
  uint32_t id = 0;
  uint32_t step = 0, prog = 0, pc = 0;  // where it was taken (explanations only)
  bool same(HolderKind k, uint32_t i) const { return kind == k && id == i; }
};

struct RwWaiter {
  uint32_t task = 0;
  bool write = false;
};

struct RwLockRt {
  std::vector<RwHolder> readers;  // one entry per read guard held
  RwHolder writer;                // kind None: no write guard
  Fifo<RwWaiter> waiters;   // tokio: queued acquires, FIFO
  std::vector<uint32_t> granted;  // tokio: served while queued, not polled since
};

namespace rwlock {

inline bool write_locked(const RwLockRt& rw) { return rw.writer.kind != HolderKind::None; }
inline bool unlocked(const RwLockRt& rw) { return !write_locked(rw) && rw.readers.empty(); }
// Compatible with the guards held now (ignoring who waits).
inline bool compatible(const RwLockRt& rw, bool write) {
  return write ? unlocked(rw) : !write_locked(rw);
}

void take(RwLockRt& rw, bool write, const RwHolder& h);
// Drops one guard of that kind held by the holder; false if it holds none.
bool release(RwLockRt& rw, bool write, HolderKind kind, uint32_t id);
// Every guard the task holds is dropped; returns how many.
uint32_t release_all(RwLockRt& rw, uint32_t task);
bool holds(const RwLockRt& rw, uint32_t task);  // a guard, held or handed over

// std: may `write` / `read` take it now? A read also needs no writer
// waiting (`writers_waiting`: threads blocked in write, other than the caller).
inline bool std_free(const RwLockRt& rw, bool write, bool writers_waiting) {
  return write ? unlocked(rw) : !write_locked(rw) && !writers_waiting;
}

// tokio: an acquire by `task` polling.
enum class Acquire : uint8_t {
  Taken,    // nobody queued and compatible: the guard is its own
  Handed,   // served while it was queued
  Queued,   // joined the back of the queue (its waker stored)
  Waiting,  // polled again while still queued
};
Acquire acquire(RwLockRt& rw, const RwHolder& h, bool write);
// tokio try_acquire: only when nobody is queued and it is compatible.
inline bool try_free_tokio(const RwLockRt& rw, bool write) {
  return rw.waiters.empty() && compatible(rw, write);
}

// tokio: serve the queue from its front while the head is compatible; each
// waiter served is handed its guard (`make` gives its holder) and appended
// to `served`, to be woken.
template <class MakeHolder>
void serve(RwLockRt& rw, std::vector<uint32_t>& served, MakeHolder make) {
  while (!rw.waiters.empty() && compatible(rw, rw.waiters.front().write)) {
    const RwWaiter w = rw.waiters.front();
    rw.waiters.pop_front();
    take(rw, w.write, make(w.task));
    rw.granted.push_back(w.task);
    served.push_back(w.task);
  }
}

// `task` leaves the queue (its acquire future dropped); true if it was there.
bool leave(RwLockRt& rw, uint32_t task);
// Is `task` queued, and for what?
const RwWaiter* queued(const RwLockRt& rw, uint32_t task);

}  // namespace rwlock
}  // namespace wb

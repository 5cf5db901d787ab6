// tokio::sync::Semaphore (tokio 1.x, src/sync/batch_semaphore.rs), one
// permit per acquire. The behaviour copied:
//  - FIFO-fair, no barging: `acquire` takes a permit at once only when the
//    count has one, and the count has permits only while nobody waits,
//    because a release assigns its permits to the waiters first
//    (add_permits_locked serves the wait list from its front);
//  - otherwise the acquirer joins the back of the wait list with its waker
//    and returns Pending;
//  - a release (add_permits, a SemaphorePermit's Drop) assigns the permit to
//    the first waiter and wakes it: from then on the permit is that
//    waiter's, whether or not its future is ever polled again (a future
//    its owner no longer polls, holding or assigned a permit others wait
//    for, is a futurelock); with nobody waiting the permit returns to the
//    count;
//  - dropping an Acquire future leaves the wait list and gives back a permit
//    already assigned to it (Acquire's Drop); dropping or finishing a
//    future that holds permits gives them back (SemaphorePermit's Drop).
//  - `try_acquire` (semaphore.rs: `ll_sem.try_acquire(1)`;
//    batch_semaphore.rs try_acquire) never waits and stores no waker: it
//    takes a permit from the count or fails with NoPermits. It looks at the
//    count only, so it fails while permits are assigned to waiters: a
//    release serves the wait list first (FIFO fairness), and a waiter
//    assigned a permit keeps it until it polls, however long that is.
//    Outside a task (a handler, a thread, a Drop hook) the permit it takes
//    belongs to nobody (as SemaphorePermit::forget); a release adds it back.
//    The model has no Semaphore::close, so TryAcquireError::Closed never
//    happens here.
//
// Invariants: waiters non-empty => permits == 0; a task is in at most one
// of `waiters` and `assigned`; `holders` has one entry per permit held.
// The module keeps the semaphore's state; the machine asks it what an
// acquire, a release or a drop does and does the wakes it returns.
#pragma once

#include <cstdint>
#include "exec/fifo.hpp"
#include <vector>

namespace wb {

struct SemaphoreRt {
  int64_t permits = 0;            // in the count: free, assigned to nobody
  Fifo<uint32_t> waiters;   // tasks or futures queued in acquire, FIFO
  std::vector<uint32_t> assigned; // handed a permit by a release, not polled since
  std::vector<uint32_t> holders;  // one entry per permit a task or future holds
};

namespace semaphore {

enum class Acquire : uint8_t {
  Taken,    // from the count: nobody was waiting
  Handed,   // a release had assigned it one while it waited
  Queued,   // joined the wait list (its waker stored)
  Waiting,  // polled again while still in the wait list
};

// An acquire by `task` polling. Queued adds one to the waiters the caller
// counts for the task (its stored waker).
Acquire acquire(SemaphoreRt& s, uint32_t task);

// try_acquire by `task` (kNone: no task, the permit is held by nobody):
// true with a permit from the count, false (nothing changed) when it has
// none.
bool try_acquire(SemaphoreRt& s, uint32_t task);

// One permit back: from `task` if it holds one (the task's permit dropped),
// else added (add_permits). Returns the waiter now assigned it, whose
// stored waker the caller takes and wakes, or kNone.
inline constexpr uint32_t kNone = 0xffffffffu;
uint32_t release(SemaphoreRt& s, uint32_t task);

// `task` is dropped, or finishes: it leaves the wait list (true if it was
// there: the caller drops its stored waker), and its assigned and held
// permits go back; each waiter they are assigned to is appended to
// `assigned_to`, to be woken.
bool drop(SemaphoreRt& s, uint32_t task, std::vector<uint32_t>& assigned_to);

// Does `task` hold, or was it assigned, a permit of this semaphore? Is it
// in the wait list?
bool owns(const SemaphoreRt& s, uint32_t task);
bool waits(const SemaphoreRt& s, uint32_t task);

// The permits `from` holds become `to`'s (a future's acquire() returned
// them to its owner).
void transfer(SemaphoreRt& s, uint32_t from, uint32_t to);

}  // namespace semaphore
}  // namespace wb

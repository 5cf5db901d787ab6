// Where wakers wait: two honest kinds (a queue is one or the other, as its
// scenario declares).
//  - A waiter list, as tokio's Notify and Semaphore keep (and
//    event-listener): each registration is an entry that leaves when it is
//    woken, when its wait ends (wait_until's condition held), and when its
//    task or future finishes or is dropped (the entry lives in the future).
//    Registering again while there is a no-op. wake() takes the oldest.
//  - An AtomicWaker slot (futures::task::AtomicWaker, whose register
//    replaces the stored waker): one waker; a new registration replaces
//    (drops) the one held; wake() takes it.
// Invariants: a task has at most one entry in a queue; a slot holds at most
// one. A wake that finds nobody is remembered (empty_wake_step) for the
// oracle's lost-wake explanation.
#pragma once

#include <cstdint>
#include "exec/fifo.hpp"
#include <vector>

namespace wb {

struct QueueRt {
  Fifo<uint32_t> wakers;
  uint32_t empty_wake_step = 0;  // last wake that found no waker (0: none)
};

namespace wait_queue {

inline constexpr uint32_t kNone = 0xffffffffu;

// A registration by `task`: false if its waker is there already. In a slot,
// `replaced` is set to the task whose waker it drops (else kNone).
// `maybe_there`: the caller cannot rule out that a list holds the task
// already (else the list is not searched: registering is O(1)).
bool add(QueueRt& q, bool slot, uint32_t task, uint32_t& replaced, bool maybe_there = true);

// `task`'s waker leaves (not woken); true if it was there.
bool leave(QueueRt& q, uint32_t task);

// wake(): the oldest waker, taken out, or kNone (remembered at `step`).
uint32_t take_one(QueueRt& q, uint32_t step);

// wake_all(): every waker, oldest first, appended to `out`; false if none
// (remembered at `step`).
bool take_all(QueueRt& q, uint32_t step, std::vector<uint32_t>& out);

}  // namespace wait_queue
}  // namespace wb

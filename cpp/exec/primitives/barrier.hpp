// Barriers: one state, two real types.
//  - std::sync::Barrier (Rust 1.63, library/std/src/sync/barrier.rs):
//    `wait` takes its inner mutex, counts itself; while `count <
//    num_threads` it waits on the inner condvar until the generation moves
//    on (its while loop guards against spurious wake-ups: none leak out),
//    and returns BarrierWaitResult(false); the n-th arrival resets the
//    count, moves the generation on, `notify_all`s and returns
//    BarrierWaitResult(true): it is the leader. Reusable: the next n
//    arrivals form the next generation. It blocks the thread. `new(0)`
//    behaves as `new(1)` (every wait leads at once).
//  - tokio::sync::Barrier (tokio 1.24, src/sync/barrier.rs): the same
//    count, generation and leader rule, the arrival counted at the first
//    poll under a synchronous lock; the others await a watch channel the
//    leader sends the generation on. `new(0)` is `new(1)` ("in
//    std::sync::Barrier, an n of 0 exhibits the same behavior as n == 1").
//    Not cancel-safe: a waiting future dropped (select!, timeout, abort)
//    keeps its arrival counted (nothing in wait_internal takes it back), so
//    the generation is released with one task fewer really waiting.
// The model keeps who waits and who was released but has not yet returned
// from its wait; the generation number itself is not state (nothing reads
// it: a released waiter knows it by being in `released`).
//
// Invariants: arrived < parties between ops; `waiting.size() <= arrived`
// (tokio: less when waiting futures were dropped); an id is in at most one
// of `waiting` / `released`. std: ids are threads; tokio: tasks.
#pragma once

#include <cstdint>
#include <vector>

namespace wb {

struct BarrierRt {
  uint32_t arrived = 0;            // arrivals in this generation (dropped tokio waiters too)
  std::vector<uint32_t> waiting;   // arrived, not released: threads (std) or tasks (tokio)
  std::vector<uint32_t> released;  // released by a leader, not yet back from wait
};

namespace barrier {

// An arrival: true if it is the n-th (the leader: the count restarts, and
// every waiter moves to `released`, appended to `out`); else it waits.
inline bool arrive(BarrierRt& b, uint32_t parties, uint32_t who, std::vector<uint32_t>& out) {
  if (++b.arrived < (parties == 0 ? 1u : parties)) {
    b.waiting.push_back(who);
    return false;
  }
  b.arrived = 0;
  for (uint32_t w : b.waiting) {
    b.released.push_back(w);
    out.push_back(w);
  }
  b.waiting.clear();
  return true;
}

}  // namespace barrier
}  // namespace wb

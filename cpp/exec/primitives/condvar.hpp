// std::sync::Condvar (Rust 1.63 on Linux: library/std/src/sys/unix/locks/
// futex_condvar.rs), used with a std::sync::Mutex of the scenario.
//  - `wait(guard)`: "Examine the notification counter _before_ we unlock
//    the mutex", unlock it, `futex_wait` (which returns at once if a notify
//    came in between), then lock the mutex again before returning. Here the
//    unlock and the start of the wait are one visible operation (nothing
//    can slip between them, as the counter guarantees), and the re-lock is a
//    separate BLock after it: woken, the thread blocks again while another
//    holds the mutex.
//  - `notify_one`: `futex_wake` of one waiter. Which one, std does not
//    promise ("wakes up one blocked thread"; the kernel's choice): a choice
//    point (ChoiceKind::CondvarNotify, options the waiting threads by id).
//    With nobody waiting it does nothing (no permit is stored: a notify
//    before the wait is lost).
//  - `notify_all`: every waiter.
//  - Spurious wake-ups: std's docs, Condvar::wait: "this function is
//    susceptible to spurious wakeups. Condition variables normally have a
//    boolean predicate associated with them, and the predicate must always
//    be checked each time this function returns". A waiting thread may
//    return from wait without a notify: a choice point
//    (ChoiceKind::Spurious, offered whenever the explorer picks the next
//    thread while someone waits; option 0, the natural order, wakes nobody).
//    Bound: a thread wakes spuriously at most once per wait op (a program
//    position) per run, so the choices are finite and exhaustive search
//    ends; `while !ready { wait }` then re-checks and waits again for a
//    real notify. Schedules with a second spurious wake at the same op of
//    the same thread are left out (see README: Verdicts).
// A wait blocks the *thread* (like a std Mutex's lock): in a task on a loop
// thread it blocks that executor thread.
//
// Invariants: a thread is in at most one of `waiters` / `woken` of one
// condvar, and then blocked_on names this condvar only while in `waiters`;
// both lists are sorted by thread id (order carries no meaning: which
// waiter a notify_one wakes is a choice).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace wb {

struct CondvarRt {
  std::vector<uint16_t> waiters;  // threads blocked in wait, by id
  std::vector<uint16_t> woken;    // notified (or woken spuriously), not yet back from wait
};

namespace condvar {

inline bool contains(const std::vector<uint16_t>& v, uint16_t t) {
  return std::binary_search(v.begin(), v.end(), t);
}
inline void insert(std::vector<uint16_t>& v, uint16_t t) {
  auto it = std::lower_bound(v.begin(), v.end(), t);
  if (it == v.end() || *it != t) v.insert(it, t);
}
inline bool erase(std::vector<uint16_t>& v, uint16_t t) {
  auto it = std::lower_bound(v.begin(), v.end(), t);
  if (it == v.end() || *it != t) return false;
  v.erase(it);
  return true;
}
// The waiter `t` leaves the wait (notified or spuriously): it may return.
inline void wake(CondvarRt& cv, uint16_t t) {
  if (erase(cv.waiters, t)) insert(cv.woken, t);
}

}  // namespace condvar
}  // namespace wb

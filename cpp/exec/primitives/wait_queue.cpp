// Wait queues of two kinds: a waiter list (tokio's Notify and Semaphore
// waiters: an entry leaves when woken, when its wait ends, when its task
// is gone) and an AtomicWaker slot (futures: one waker, replaced by the
// next registration). Still methods of Machine (see primitives/mutex.cpp).
#include "exec/machine.hpp"

#include <algorithm>
#include <string>

namespace wb {

void Machine::wake_one(uint16_t tid, uint32_t queue) {
  touch_queue(queue);
  QueueRt& q = w_.queues[queue];
  if (q.wakers.empty()) {
    q.empty_wake_step = static_cast<uint32_t>(step_);
    ev(tid, Ev::WakeEmpty, queue);
    return;
  }
  uint32_t t = q.wakers.front();
  q.wakers.pop_front();
  TaskRt& tr = w_.tasks[t];
  --tr.wakers;
  if (tr.parked_in == queue + 1) tr.parked_in = 0;
  wake(tid, t, ctx_of(tid, t));
}

// A waiter list keeps one entry per waiting task (registering again while
// there is a no-op); an AtomicWaker slot holds one waker, and a new
// registration replaces (drops) the one it holds.
void Machine::register_waker(uint16_t tid, uint32_t task, uint32_t q) {
  TaskRt& t = w_.tasks[task];
  touch_queue(q);
  std::deque<uint32_t>& wakers = w_.queues[q].wakers;
  if (sc_.queue_slot[q]) {
    if (!wakers.empty() && wakers.front() == task) return;
    if (!wakers.empty()) leave_queue(wakers.front(), q);
  } else if (t.parked_in == q + 1 ||
             std::find(wakers.begin(), wakers.end(), task) != wakers.end()) {
    return;  // its entry is already there
  }
  wakers.push_back(task);
  t.parked_in = q + 1;
  ++t.wakers;
  ev(tid, Ev::Register, task, q);
}

// The task's waker leaves the queue (not woken): its wait there is over,
// it was replaced, or the task is gone.
void Machine::leave_queue(uint32_t task, uint32_t q) {
  touch_queue(q);
  std::deque<uint32_t>& wakers = w_.queues[q].wakers;
  auto it = std::find(wakers.begin(), wakers.end(), task);
  if (it == wakers.end()) return;
  wakers.erase(it);
  TaskRt& t = w_.tasks[task];
  --t.wakers;
  if (t.parked_in == q + 1) t.parked_in = 0;
}

// A finished or dropped task or future leaves every waiter list it is in
// (the entry lived in its future); AtomicWaker slots keep their waker.
void Machine::leave_waiter_lists(uint32_t task) {
  if (w_.tasks[task].wakers == 0) return;
  for (uint32_t q = 0; q < w_.queues.size(); ++q)
    if (!sc_.queue_slot[q]) leave_queue(task, q);
}

}  // namespace wb

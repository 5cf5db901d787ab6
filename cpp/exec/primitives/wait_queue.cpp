// Wait queues (see wait_queue.hpp for the two kinds and the behaviour
// copied): the queue's rules, then the machine's register, wake and leave,
// which ask them and keep each task's count of stored wakers.
#include "exec/primitives/wait_queue.hpp"
#include "exec/primitives/ids.hpp"

#include <algorithm>
#include <string>

#include "exec/machine.hpp"

namespace wb::wait_queue {

bool add(QueueRt& q, bool slot, uint32_t task, uint32_t& replaced, bool maybe_there) {
  replaced = kNone;
  if (slot) {
    if (!q.wakers.empty() && q.wakers.front() == task) return false;
    if (!q.wakers.empty()) {
      replaced = q.wakers.front();
      q.wakers.clear();
    }
  } else if (maybe_there && ids::contains(q.wakers, task)) {
    return false;
  }
  q.wakers.push_back(task);
  return true;
}

bool leave(QueueRt& q, uint32_t task) { return ids::erase_one(q.wakers, task); }

uint32_t take_one(QueueRt& q, uint32_t step) {
  if (q.wakers.empty()) {
    q.empty_wake_step = step;
    return kNone;
  }
  uint32_t t = q.wakers.front();
  q.wakers.pop_front();
  return t;
}

bool take_all(QueueRt& q, uint32_t step, std::vector<uint32_t>& out) {
  if (q.wakers.empty()) {
    q.empty_wake_step = step;
    return false;
  }
  out.insert(out.end(), q.wakers.begin(), q.wakers.end());
  q.wakers.clear();
  return true;
}

}  // namespace wb::wait_queue

namespace wb {

// A task's waker leaves a queue (woken or not): one stored waker fewer.
void Machine::waker_taken(uint32_t task, uint32_t queue) {
  TaskRt& t = w_.tasks[task];
  --t.wakers;
  if (!sc_.queue_slot[queue] && t.in_lists > 0 && t.in_lists < 255) --t.in_lists;
  if (t.parked_in == queue + 1) t.parked_in = 0;
}

void Machine::wake_one(uint16_t tid, uint32_t queue) {
  touch_queue(queue);
  uint32_t t = wait_queue::take_one(w_.queues[queue], static_cast<uint32_t>(step_));
  if (t == wait_queue::kNone) {
    ev(tid, Ev::WakeEmpty, queue);
    return;
  }
  waker_taken(t, queue);
  waker_to_hand(t, WakerPlace::Queue, queue);
  wake(tid, t, ctx_of(tid, t));
}

// Every waker, woken in order from the top frame (exec() does its wakes
// first).
void Machine::wake_all(uint16_t tid, uint32_t queue) {
  touch_queue(queue);
  Frame& f = w_.threads[tid].stack.back();
  size_t before = f.wakes.size();
  if (!wait_queue::take_all(w_.queues[queue], static_cast<uint32_t>(step_), f.wakes)) {
    ev(tid, Ev::WakeEmpty, queue);
    return;
  }
  for (size_t i = before; i < f.wakes.size(); ++i) {
    waker_taken(f.wakes[i], queue);
    waker_to_hand(f.wakes[i], WakerPlace::Queue, queue);
  }
}

void Machine::register_waker(uint16_t tid, uint32_t task, uint32_t q) {
  TaskRt& t = w_.tasks[task];
  touch_queue(q);
  // A user-defined waker: a slot clones the new one and drops the one held,
  // always; a list replaces its entry's unless will_wake (primitives/waker).
  if (sc_.queue_slot[q]) waker_slot_stored(task, WakerPlace::Queue, q);
  if (!sc_.queue_slot[q] && t.parked_in == q + 1) {  // its entry is already there
    waker_stored(task, WakerPlace::Queue, q, true);
    return;
  }
  uint32_t replaced = wait_queue::kNone;
  // In this list already? Not if it is in no list, or in one that is its
  // latest registration's (a list queue, not this one): else look (a task
  // waiting in more than one queue).
  const bool latest_is_a_list = t.parked_in != 0 && !sc_.queue_slot[t.parked_in - 1];
  const bool maybe_there = t.in_lists > 1 || (t.in_lists == 1 && !latest_is_a_list);
  if (!wait_queue::add(w_.queues[q], sc_.queue_slot[q] != 0, task, replaced, maybe_there)) {
    if (!sc_.queue_slot[q]) waker_stored(task, WakerPlace::Queue, q, true);
    return;
  }
  if (!sc_.queue_slot[q]) waker_stored(task, WakerPlace::Queue, q, false);
  if (replaced != wait_queue::kNone) waker_taken(replaced, q);  // dropped, not woken
  if (!sc_.queue_slot[q] && t.in_lists < 255) ++t.in_lists;
  t.parked_in = q + 1;
  ++t.wakers;
  ev(tid, Ev::Register, task, q);
}

// The task's waker leaves the queue (not woken): its wait there is over,
// or the task is gone.
void Machine::leave_queue(uint32_t task, uint32_t q) {
  touch_queue(q);
  if (wait_queue::leave(w_.queues[q], task)) {
    waker_taken(task, q);
    waker_left(task, WakerPlace::Queue, q);
  }
}

// A finished or dropped task or future leaves every waiter list it is in
// (the entry lived in its future); AtomicWaker slots keep their waker.
void Machine::leave_waiter_lists(uint32_t task) {
  if (w_.tasks[task].wakers == 0 || w_.tasks[task].in_lists == 0) return;
  for (uint32_t q = 0; q < w_.queues.size(); ++q)
    if (!sc_.queue_slot[q]) leave_queue(task, q);
}

}  // namespace wb

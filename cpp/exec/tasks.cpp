// Task lifecycle: spawn, the live-task bound, drop (teardown in Rust's
// drop order), Drop hooks of objects, cancellation inside critical
// regions, join.
#include "exec/machine.hpp"
#include "exec/primitives/ids.hpp"

#include <algorithm>
#include <string>

namespace wb {

// Dropping a task's future drops its locals in reverse declaration order,
// as Rust does: first the guards its program took (declared last), whose
// Drop wakes the waiters they hand over, from here; then the futures it
// holds (locals of its body, declared before the guards); then the objects
// it owned from its start (captured values and arguments, dropped after the
// body's locals; in an order the explorer chooses, as a task's objects are
// declared apart from its program).
void Machine::teardown_step(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  Frame& f = th.stack.back();
  uint32_t task = f.id;
  if (f.pc == 0) {  // exec() wakes what they hand over next, on this frame
    f.pc = 1;
    release_task(task, f.wakes, tid);
    for (uint32_t fut : sc_.templates[sc_.template_of(task)].futures)
      if (w_.tasks[fut].status == TaskStatus::Idle || w_.tasks[fut].status == TaskStatus::Unstarted) {
        release_task(fut, f.wakes, tid);
        w_.tasks[fut].status = TaskStatus::Dropped;
      }
    return;
  }
  if (drop_next_owned(tid, task)) return;
  std::vector<uint32_t> to_wake;
  ev(tid, Ev::TaskDropped, task);
  pop_frame(tid);
  uint32_t joiner = take_joiner(task);
  if (joiner != kNoId) to_wake.push_back(joiner);
  if (!w_.join_sets.empty()) js_task_ended(tid, task, to_wake);  // its JoinSet entry notified
  // A joiner is woken from the dropper's frame (now, if the loop itself
  // dropped it: an aborted task).
  if (!to_wake.empty() && !th.stack.empty()) {
    Frame& below = th.stack.back();
    below.wakes.insert(below.wakes.begin(), to_wake.begin(), to_wake.end());
  } else {
    wake_after_pop(tid, to_wake);
  }
}

uint32_t Machine::take_joiner(uint32_t task) {
  if (custom_wakers()) join_wakers_at_end(task);
  if (w_.exc.empty() || !w_.exc[task].joiner) return kNoId;
  uint32_t j = w_.exc[task].joiner - 1;
  w_.exc[task].joiner = 0;
  --w_.tasks[j].wakers;
  // A user-defined join waker: its wake_by_ref runs, then the Waker frame's
  // end wakes the joiner (not the caller).
  const int at = waker::find(w_.stored_wakers, j, WakerPlace::Join, task);
  if (at >= 0) {
    call_waker(w_.stored_wakers[static_cast<size_t>(at)].waker, WakerFn::WakeByRef, j, j);
    return kNoId;
  }
  return j;
}

// tokio 1.24.2 runtime/task: the task completes (harness.rs complete):
// with a join waker set, `trailer().wake_join()` calls `wake_by_ref` and
// leaves it in the trailer (core.rs Trailer::wake_join), where it stays
// until the task is deallocated. A JoinHandle dropped before the end
// (drop_join_handle_slow: JOIN_INTEREST unset) left its waker there: the
// task's last reference, released as it completes, deallocates it, so
// that waker drops here, on the completing thread.
void Machine::join_wakers_at_end(uint32_t task) {
  uint32_t joiner = w_.exc.empty() || !w_.exc[task].joiner ? kNoId : w_.exc[task].joiner - 1;
  // A joiner gone (its JoinHandle dropped: JOIN_INTEREST unset) is not
  // woken (complete: `!snapshot.is_join_interested()`): its waker drops.
  if (joiner != kNoId && (w_.tasks[joiner].status == TaskStatus::Done ||
                          w_.tasks[joiner].status == TaskStatus::Dropped))
    joiner = kNoId;
  std::vector<StoredWaker>& v = w_.stored_wakers;
  for (size_t i = 0; i < v.size();) {
    if (v[i].place == WakerPlace::Join && v[i].index == task && v[i].holder != joiner) {
      const StoredWaker s = v[i];
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      call_waker(s.waker, WakerFn::Drop, s.holder);
    } else {
      ++i;
    }
  }
}

// A joiner goes: the JoinHandle it held drops. A join waker it left in a
// task that has ended is dropped with it (the handle's drop deallocates the
// task); in a task still running it stays (join_wakers_at_end).
void Machine::leave_joins(uint32_t task) {
  std::vector<StoredWaker>& v = w_.stored_wakers;
  for (size_t i = 0; i < v.size();) {
    const TaskStatus st = v[i].place == WakerPlace::Join && v[i].holder == task
                              ? w_.tasks[v[i].index].status
                              : TaskStatus::Idle;
    if (st == TaskStatus::Done || st == TaskStatus::Dropped) {
      const StoredWaker s = v[i];
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      call_waker(s.waker, WakerFn::Drop, s.holder);
    } else {
      ++i;
    }
  }
}

// The joiner, and the waker of the JoinSet the task is in (its entry notified).
void Machine::wake_joiner(uint16_t tid, uint32_t task) {
  std::vector<uint32_t> to_wake;
  uint32_t j = take_joiner(task);
  if (j != kNoId) to_wake.push_back(j);
  if (!w_.join_sets.empty()) js_task_ended(tid, task, to_wake);
  wake_after_pop(tid, to_wake);
}

// Cancelling a future or task inside a critical region leaves its invariant
// half-changed: stop the run there.
bool Machine::cut_short(uint32_t task) {
  if (!w_.critical[task]) return false;
  w_.cut = CutFact{task, static_cast<uint32_t>(step_), w_.tasks[task].pc};
  halt(Halt::Interrupted);
  return true;
}

bool Machine::pull_into_flight() {
  w_.peak_live = std::max(w_.peak_live, ++w_.live);
  if (sc_.max_live_tasks > 0) touch(res_.live, true);
  if (sc_.max_live_tasks > 0 && w_.live > sc_.max_live_tasks) {
    w_.exhausted_step = static_cast<uint32_t>(step_);
    halt(Halt::ResourceExhausted);
    return false;
  }
  return true;
}

// Objects a task owns drop together when its future ends or is dropped, in
// an order the explorer chooses: start the next one's Drop hook, if any.
bool Machine::drop_next_owned(uint16_t tid, uint32_t task) {
  std::vector<uint32_t>& alive = options_;
  alive.clear();
  for (uint32_t o : sc_.templates[sc_.template_of(task)].owned)
    if (w_.dropped[o] == 0) alive.push_back(o);
  if (alive.empty()) return false;
  uint32_t k = alive.size() > 1 ? choose(ChoiceKind::DropOrder, alive) : 0;
  begin_drop_hook(tid, alive[k]);  // not dropped yet: just checked
  return true;
}

// A semaphore assigned `task` a permit: its stored waker is taken (the
// caller wakes it) and it waits no more.
void Machine::assigned_permit(uint32_t task, uint32_t semaphore) {
  TaskRt& t = w_.tasks[task];
  --t.wakers;
  t.waits_on = 0;
  if (semaphore != kNoId) waker_to_hand(task, WakerPlace::Semaphore, semaphore);
}

// A task or future is dropped or finishes: it leaves the semaphores' wait
// lists and gives back its permits, assigned or held; the waiters they go to
// are appended to `to_wake`.
void Machine::release_permits(uint32_t task, std::vector<uint32_t>& to_wake) {
  TaskRt& t = w_.tasks[task];
  for (uint32_t s = 0; s < w_.semaphores.size(); ++s) {
    size_t before = to_wake.size();
    if (!semaphore::owns(w_.semaphores[s], task) && !semaphore::waits(w_.semaphores[s], task))
      continue;
    touch_semaphore(s);
    if (semaphore::drop(w_.semaphores[s], task, to_wake)) {
      --t.wakers;
      if (t.waits_on == semaphore_resource(sc_, s) + 1) t.waits_on = 0;
      waker_left(task, WakerPlace::Semaphore, s);  // the Acquire's node drops its waker
    }
    for (size_t i = before; i < to_wake.size(); ++i) assigned_permit(to_wake[i], s);
  }
}

// A task or future is dropped or finishes: it leaves the notifies' waiter
// lists; a notify_one notification it had not seen goes on to the next
// waiter, appended to `to_wake`.
void Machine::leave_notifies(uint32_t task, std::vector<uint32_t>& to_wake) {
  for (uint32_t n = 0; n < w_.notifies.size(); ++n) {
    size_t before = to_wake.size();
    const NotifyRt& nr = w_.notifies[n];
    if (!ids::contains(nr.waiters, task) && !ids::contains(nr.notified, task))
      continue;
    touch_notify(n);
    if (notify::drop(w_.notifies[n], task, to_wake)) {
      notified_waiter(task);
      waker_left(task, WakerPlace::Notify, n);  // the Notified's Waiter drops its waker
    }
    for (size_t i = before; i < to_wake.size(); ++i) {
      notified_waiter(to_wake[i]);
      waker_to_hand(to_wake[i], WakerPlace::Notify, n);
    }
  }
}

// What a dropped task or future holds goes back, primitive by primitive.
void Machine::release_task(uint32_t task, std::vector<uint32_t>& to_wake, uint16_t tid) {
  leave_waiter_lists(task);
  leave_sleep(task);  // a Sleep it was in drops (user-defined wakers)
  if (!w_.refcells.empty()) release_borrows(task);
  if (!w_.exc.empty()) w_.exc[task].scopes.clear();  // their guards go with the rest
  if (!w_.semaphores.empty()) release_permits(task, to_wake);
  if (!w_.notifies.empty()) leave_notifies(task, to_wake);
  if (!w_.channels.empty()) leave_channels(task, to_wake);
  if (!w_.broadcasts.empty()) leave_broadcasts(task);
  if (!w_.join_sets.empty()) leave_join_sets(tid, task, to_wake);
  if (custom_wakers()) leave_joins(task);
  release_mutexes(task, to_wake, tid);
  if (!w_.rwlocks.empty()) release_rwlocks(task, to_wake, tid);
  if (!w_.barriers.empty()) leave_barriers(task);
}

void Machine::drop_object(uint16_t tid, uint32_t o, const std::string& where) {
  if (w_.dropped[o] != 0)
    throw ScenarioError("scenario '" + sc_.name + "': object '" + sc_.objects[o].name +
                        "' is dropped twice (" + where + ")");
  begin_drop_hook(tid, o);
}

void Machine::begin_drop_hook(uint16_t tid, uint32_t o) {
  w_.dropped[o] = 1;
  touch_object(o);
  push_frame(tid, FrameKind::DropHook, o, sc_.objects[o].program);
  ev(tid, Ev::DropBegin, o);
}

void Machine::drop_task(uint16_t tid, uint32_t task, const std::string& where) {
  TaskRt& t = w_.tasks[task];
  if (t.status == TaskStatus::Running)
    throw ScenarioError("scenario '" + sc_.name + "': task '" + sc_.task_name(task) +
                        "' is dropped while it is being polled (" + where + ")");
  touch_task(task);
  if (t.status == TaskStatus::Done || t.status == TaskStatus::Dropped) {
    ev(tid, Ev::TaskDropped, task);
    return;
  }
  if (cut_short(task)) return;
  if (t.status != TaskStatus::Unstarted) live_down();
  t.status = TaskStatus::Dropped;
  t.last_step = static_cast<uint32_t>(step_);
  dequeue(task);
  push_frame(tid, FrameKind::Teardown, task, 0);
}

void Machine::spawn(uint16_t tid, uint32_t task, const std::string& where) {
  TaskRt& t = w_.tasks[task];
  if (t.status == TaskStatus::Dropped)
    throw ScenarioError("scenario '" + sc_.name + "': task '" + sc_.task_name(task) +
                        "' is spawned after it was dropped (" + where + ")");
  if (t.status != TaskStatus::Unstarted || t.queued != QueueId::None)
    throw ScenarioError("scenario '" + sc_.name + "': task '" + sc_.task_name(task) +
                        "' is spawned twice (" + where + ")");
  t.thread = tid;
  ev(tid, Ev::Spawn, task);
  if (!pull_into_flight()) return;
  wake(tid, task, WakeCtx::Spawn);
}

}  // namespace wb

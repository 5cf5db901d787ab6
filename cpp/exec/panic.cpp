// Panics: `panic!`, a conflicting RefCell borrow, `lock().unwrap()` on a
// poisoned std mutex. What the bench models, as tokio 1.x does it:
//  - a panic inside a task's poll (a spawned task, or a future its owner
//    polls: the panic goes up through the owner's poll) is caught by the
//    runtime (runtime/task/harness.rs poll_future: the poll runs under
//    catch_unwind, and a guard drops the future inside it, during the
//    unwinding); the task ends, its JoinHandle gives JoinError::Panic (a
//    join goes on), the other tasks go on. Here the task unwinds: its poll
//    frame becomes its teardown, which drops what its future holds in
//    Rust's order (guards: async mutexes unlock and hand over, permits go
//    back, RefCell borrows end, waiter entries leave; then the futures it
//    holds; then the objects it owns, their Drop hooks running);
//  - a std::sync::Mutex guard dropped while its task unwinds poisons the
//    mutex (std sync/poison.rs); lock() on it then returns Err, taken here
//    as `lock().unwrap()`: a panic. parking_lot's does not poison;
//  - a panic in a Drop hook while a task unwinds is a panic while
//    panicking: the process aborts (the run stops there);
//  - a panic no task's poll catches (a Drop hook run by a handler or a
//    thread, an event or cleanup handler, a foreign thread) stops the run
//    there: the bench does not model a thread dying of it.
// Either way the run's verdict is `panic` (oracle/verdict.cpp): a panic is
// the hazard found, however the run went on after it.
#include "exec/machine.hpp"

#include <string>

namespace wb {

void Machine::raise_panic(uint16_t tid, PanicFact p) {
  ThreadRt& th = w_.threads[tid];
  Frame& top = th.stack.back();
  p.any = true;
  p.thread = tid;
  p.step = static_cast<uint32_t>(step_);
  p.frame_kind = top.kind;
  p.frame_id = top.id;
  const uint32_t detail = p.cause == PanicCause::Explicit ? p.text : p.resource;
  p.count = w_.panic.count + 1;
  w_.panic.count = p.count;
  if (top.kind != FrameKind::Poll) {
    // Not caught by a task's poll. Inside a panicking task's teardown (a
    // Drop hook it runs), a panic while panicking: abort.
    for (const Frame& fr : th.stack)
      if (fr.kind == FrameKind::Teardown && (w_.tasks[fr.id].flags & kPanicked)) {
        p.abort = true;
        p.task = fr.id;
      }
    ev(tid, Ev::Panic, kNoId, detail, static_cast<uint8_t>(p.cause), 1);
    if (!w_.panic.any) w_.panic = p;
    w_.fatal = p;
    halt(Halt::Panic);
    return;
  }
  uint32_t task = top.id;
  if (sc_.is_future(task)) {
    p.future = task;
    task = static_cast<uint32_t>(sc_.templates[sc_.template_of(task)].parent);
  }
  p.task = task;
  p.unwound = true;
  ev(tid, Ev::Panic, task, detail, static_cast<uint8_t>(p.cause), 0);
  if (!w_.panic.any) w_.panic = p;
  else w_.panic.count = p.count;
  std::vector<uint32_t> to_wake;
  if (p.future != kNoId) {  // the future unwinds first: its locals drop, then its owner's
    TaskRt& ft = w_.tasks[p.future];
    ft.flags = static_cast<uint8_t>((ft.flags & ~kNotifiedBits) | kPanicked);
    release_task(p.future, to_wake, tid);
    ft.status = TaskStatus::Dropped;
    ft.last_step = static_cast<uint32_t>(step_);
    touch_task(p.future);
    ev(tid, Ev::TaskDropped, p.future);
    pop_frame(tid);
  }
  Frame& f = th.stack.back();  // the task's poll (a future's owner polls it right below)
  TaskRt& t = w_.tasks[task];
  t.flags = static_cast<uint8_t>((t.flags & ~(kNotifiedBits | kAborted)) | kPanicked);
  t.status = TaskStatus::Dropped;
  t.last_step = static_cast<uint32_t>(step_);
  touch_task(task);
  dequeue(task);
  live_down();
  w_.critical[task] = 0;
  if (!w_.exc.empty()) {
    w_.exc[task].scopes.clear();  // the teardown releases everything the task holds
    w_.exc[task].catches.clear();
  }
  // The poll frame becomes the task's teardown (tasks.cpp teardown_step):
  // the unwinding drops its future there, on this stack.
  if (--th.polls_on_stack == 0 && --w_.polling_threads == 0) touch_polling(true);
  f.kind = FrameKind::Teardown;
  f.pc = 0;
  f.child_polled = f.branch = f.start = 0;
  f.wakes.insert(f.wakes.end(), to_wake.begin(), to_wake.end());
}

// A with_ region's guard released for `task` (a caught exception left the
// region): the instruction that ends the region, done here.
void Machine::release_guard(uint16_t tid, uint32_t task, uint64_t scope,
                            std::vector<uint32_t>& to_wake) {
  const Code code = static_cast<Code>(scope >> 32);
  const uint32_t a = static_cast<uint32_t>(scope);
  switch (code) {
    case Code::BUnlock:
      blocking_unlock(a);
      ev(tid, Ev::Unlock, a);
      return;
    case Code::AUnlock: {
      const uint32_t next = async_unlock(a, tid);
      ev(tid, Ev::Unlock, a);
      if (next != kNoId) to_wake.push_back(next);
      return;
    }
    case Code::Release: {
      touch_semaphore(a);
      const uint32_t next = semaphore::release(w_.semaphores[a], task);
      ev(tid, Ev::SemRelease, a, next);
      if (next != semaphore::kNone) {
        assigned_permit(next, a);
        to_wake.push_back(next);
      }
      return;
    }
    case Code::EndBorrow: {
      touch_refcell(a);
      RefCellRt& cell = w_.refcells[a];
      const int i = refcell::find(cell, HolderKind::Task, task, tid);
      if (i >= 0) cell.borrows.erase(cell.borrows.begin() + i);
      ev(tid, Ev::EndBorrow, a, task, 0, 0, static_cast<int64_t>(cell.borrows.size()));
      return;
    }
    default:
      return;
  }
}

}  // namespace wb

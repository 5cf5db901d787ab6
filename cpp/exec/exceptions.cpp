// Haskell-style asynchronous exceptions: throwTo, where they land under
// mask / uninterruptibleMask, catch handlers.
#include "exec/machine.hpp"

#include <algorithm>
#include <string>

namespace wb {

// An exception raised in a task lands at an instruction boundary if its mask
// state allows: unmasked, anywhere; masked, only at an interruptible op (a
// sleep, a wait: GHC's blocking operations); uninterruptibly masked, never.
// With kill points, the explorer may raise one here first.
bool Machine::exception_lands(uint16_t tid, uint32_t task, Code code) {
  ExcRt& x = w_.exc[task];
  if (x.killed) return false;
  if (sc_.templates[sc_.template_of(task)].kill_points && !x.kill_offered) {
    options_.assign({0, 1});
    if (choose(ChoiceKind::Kill, options_) == 1) {
      x.kill_offered = true;
      ++x.pending;
      ev(tid, Ev::Throw, task);
    }
  }
  if (!x.pending) return false;
  bool interruptible = code == Code::Sleep || code == Code::WaitTask;
  if (!(x.mask == 0 || (x.mask == 1 && interruptible))) return false;
  deliver(tid, task);
  return true;
}

void Machine::deliver(uint16_t tid, uint32_t task) {
  ExcRt& x = w_.exc[task];
  TaskRt& t = w_.tasks[task];
  --x.pending;
  leave_sleep(task);      // an interrupted sleep is abandoned: its Sleep drops
  w_.sleeping[task] = 0;
  if (!x.catches.empty()) {
    CatchRt c = x.catches.back();
    x.catches.pop_back();
    x.mask_stack.resize(c.mask_depth);
    x.handler_states.push_back(c.mask);
    x.mask = std::max<uint8_t>(c.mask, 1);  // a handler runs with exceptions masked
    t.pc = c.handler;
    Frame& f = w_.threads[tid].stack.back();  // an await or select it was in is left
    f.branch = f.start = f.child_polled = 0;
    // The with_ regions the body is left from release their guards (as
    // Haskell's bracket / withMVar), innermost first; exec() wakes the
    // waiters they hand over before the handler runs.
    while (x.scopes.size() > c.scope_depth) {
      release_guard(tid, task, x.scopes.back(), f.wakes);
      x.scopes.pop_back();
    }
    ev(tid, Ev::Exception, task, 1);
    return;
  }
  // Uncaught: the thread dies here.
  ev(tid, Ev::Exception, task, 0);
  x.killed = true;
  if (sc_.templates[sc_.template_of(task)].must_finish && !w_.cut_recorded) {
    w_.cut = CutFact{task, static_cast<uint32_t>(step_), t.pc, true};
    w_.cut_recorded = true;
  }
  std::vector<uint32_t> to_wake;
  release_task(task, to_wake, tid);
  t.status = TaskStatus::Dropped;
  live_down();
  dequeue(task);
  ev(tid, Ev::TaskDropped, task);
  pop_frame(tid);
  wake_after_pop(tid, to_wake);  // waiters handed its locks
  wake_joiner(tid, task);
}

void Machine::throw_to(uint16_t tid, uint32_t target) {
  ExcRt& x = w_.exc[target];
  TaskRt& t = w_.tasks[target];
  touch_task(target);
  ev(tid, Ev::Throw, target);
  if (t.status == TaskStatus::Done || t.status == TaskStatus::Dropped || x.killed) return;
  ++x.pending;
  // A suspended target that can receive it now is woken to do so.
  bool receivable = x.mask == 0 || (x.mask == 1 && w_.sleeping[target]);
  if (t.status == TaskStatus::Idle && receivable) wake(tid, target, ctx_of(tid, target));
}

}  // namespace wb

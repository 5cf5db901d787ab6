// Mutexes. std::sync::Mutex (blocking, not re-entrant: a relock on the
// same stack stops the run for the oracle's reentrant_lock; a !Send guard);
// tokio::sync::Mutex (fair: unlock hands the lock to the first waiter) and
// futures::lock::Mutex (barging: unlock wakes a waiter, anyone may take it).
// Still methods of Machine; the next step gives them a module of their own
// as primitives/semaphore.hpp has.
#include "exec/machine.hpp"

#include <algorithm>
#include <string>

namespace wb {

bool Machine::blocking_lock(uint16_t tid, uint32_t m, uint32_t prog, uint32_t pc) {
  MutexRt& mx = w_.mutexes[m];
  ThreadRt& th = w_.threads[tid];
  const Frame& f = th.stack.back();
  touch_mutex(m);
  if (mx.holder_kind == HolderKind::None) {
    if (f.kind == FrameKind::Poll) {
      mx.holder_kind = HolderKind::Task;
      mx.holder = f.id;
    } else {
      mx.holder_kind = HolderKind::Frame;
      mx.holder = static_cast<uint32_t>(th.stack.size() - 1);
    }
    mx.holder_thread = tid;
    mx.since = static_cast<uint32_t>(step_);
    mx.where_prog = prog;
    mx.where_pc = pc;
    ev(tid, Ev::Lock, m, mx.holder_kind == HolderKind::Task ? mx.holder : kNoId);
    return true;
  }
  // Held. If the holder is lower on this stack (a re-entrant lock) or a
  // suspended task only this thread can poll (a blocked scheduler thread),
  // this thread never resumes: stop. Otherwise another thread holds it: wait.
  bool same_stack = mx.holder_kind == HolderKind::Frame
                        ? mx.holder_thread == tid
                        : w_.tasks[mx.holder].status == TaskStatus::Running &&
                              w_.tasks[mx.holder].thread == tid;
  // A suspended holder only this thread could poll; with workers, another
  // executor thread may poll it while this one waits.
  bool suspended_here = mx.holder_kind == HolderKind::Task &&
                        w_.tasks[mx.holder].status != TaskStatus::Running &&
                        executor_home(w_.tasks[mx.holder].thread) == executor_home(tid) &&
                        sc_.workers == 1;
  if (!same_stack && !suspended_here) {
    if (th.blocked_on != m + 1) ev(tid, Ev::LockBlocked, m);
    th.blocked_on = m + 1;
    return false;
  }
  ev(tid, Ev::LockBlocked, m);
  w_.block = BlockFact{tid, m, static_cast<uint32_t>(step_)};
  halt(Halt::Blocked);
  return false;
}

void Machine::blocking_unlock(uint32_t m) {
  touch_mutex(m);
  MutexRt& mx = w_.mutexes[m];
  mx.holder_kind = HolderKind::None;
  mx.holder = 0;
}

bool Machine::async_lock(uint32_t task, uint32_t m, uint32_t prog, uint32_t pc, uint16_t tid) {
  MutexRt& mx = w_.mutexes[m];
  TaskRt& t = w_.tasks[task];
  touch_mutex(m);
  t.barge_woken = 0;  // it polls: a barging wake, if any, has been used
  if (mx.holder_kind == HolderKind::Task && mx.holder == task && t.waits_on == 0) {
    // Handed off by a fair unlock while this task waited.
    return true;
  }
  if (mx.holder_kind == HolderKind::None) {
    mx.holder_kind = HolderKind::Task;
    mx.holder = task;
    mx.holder_thread = tid;
    mx.since = static_cast<uint32_t>(step_);
    mx.where_prog = prog;
    mx.where_pc = pc;
    ev(tid, Ev::Lock, m, task);
    return true;
  }
  if (t.waits_on != m + 1) {
    mx.waiters.push_back(task);
    t.waits_on = m + 1;
    ++t.wakers;
    ev(tid, Ev::LockWait, m, task);
  }
  return false;
}

uint32_t Machine::async_unlock(uint32_t m, uint16_t tid) {
  touch_mutex(m);
  MutexRt& mx = w_.mutexes[m];
  mx.holder_kind = HolderKind::None;
  mx.holder = 0;
  if (mx.waiters.empty()) return kNoId;
  uint32_t next = mx.waiters.front();
  mx.waiters.pop_front();
  TaskRt& t = w_.tasks[next];
  --t.wakers;
  t.waits_on = 0;
  if (sc_.mutexes[m].kind == MutexKind::AsyncFair) {
    mx.holder_kind = HolderKind::Task;
    mx.holder = next;
    mx.holder_thread = t.thread;
    mx.since = static_cast<uint32_t>(step_);
    const Program& p = sc_.programs[t.program];
    mx.where_prog = t.program;
    mx.where_pc = t.pc < p.code.size() ? t.pc : 0;
    ev(tid, Ev::LockHandoff, m, next);
  } else {
    t.barge_woken = m + 1;
  }
  return next;
}

}  // namespace wb

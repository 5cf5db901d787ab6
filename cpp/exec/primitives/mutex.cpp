// Mutexes (see mutex.hpp for the real types and the behaviour copied, and
// exec/panic.cpp for poisoning): the
// state's rules, then the machine's lock and unlock instructions, which ask
// them and add what only the machine knows (stacks, threads, traces).
#include "exec/primitives/mutex.hpp"
#include "exec/primitives/ids.hpp"

#include <algorithm>
#include <string>

#include "exec/machine.hpp"

namespace wb::mutex {

void take(MutexRt& m, HolderKind kind, uint32_t holder, uint16_t thread, Taken at) {
  m.holder_kind = kind;
  m.holder = holder;
  m.holder_thread = thread;
  m.since = at.step;
  m.where_prog = at.prog;
  m.where_pc = at.pc;
}

uint32_t unlock(MutexRt& m) {
  m.holder_kind = HolderKind::None;
  m.holder = 0;
  if (m.waiters.empty()) return kNone;
  uint32_t next = m.waiters.front();
  m.waiters.pop_front();
  return next;
}

bool try_take(MutexRt& m, HolderKind kind, uint32_t holder, uint16_t thread, Taken at) {
  if (held(m)) return false;  // by anyone, this stack included: WouldBlock, not a deadlock
  take(m, kind, holder, thread, at);
  return true;
}

bool enqueue(MutexRt& m, uint32_t task) {
  if (ids::contains(m.waiters, task)) return false;
  m.waiters.push_back(task);
  return true;
}

uint32_t wake_first(MutexRt& m) {
  if (m.waiters.empty() || (m.waiters.front() & kEntryWoken)) return kNone;
  m.waiters.front() |= kEntryWoken;
  return m.waiters.front() & ~kEntryWoken;
}

uint32_t unlock_barging(MutexRt& m) {
  m.holder_kind = HolderKind::None;
  m.holder = 0;
  return wake_first(m);
}

bool register_barging(MutexRt& m, uint32_t task) {
  for (uint32_t& e : m.waiters) {
    if ((e & ~kEntryWoken) != task) continue;
    if (!(e & kEntryWoken)) return false;  // waiting already
    e = task;  // Waiter::register: Waiting again, in its place
    return true;
  }
  m.waiters.push_back(task);
  return true;
}

bool remove(MutexRt& m, uint32_t task, bool& woken) {
  for (auto it = m.waiters.begin(); it != m.waiters.end(); ++it) {
    if ((*it & ~kEntryWoken) != task) continue;
    woken = (*it & kEntryWoken) != 0;
    m.waiters.erase(it);
    return true;
  }
  return false;
}

bool leave(MutexRt& m, uint32_t task) {
  bool woken = false;
  return remove(m, task, woken);
}

}  // namespace wb::mutex

namespace wb {

bool Machine::blocking_lock(uint16_t tid, uint32_t m, uint32_t prog, uint32_t pc) {
  MutexRt& mx = w_.mutexes[m];
  ThreadRt& th = w_.threads[tid];
  const Frame& f = th.stack.back();
  touch_mutex(m);
  if (!mutex::held(mx) && mx.poisoned_by) {
    // A panicking task dropped its guard: lock() returns Err(PoisonError),
    // and lock().unwrap() panics (the guard inside the error drops at once).
    PanicFact p;
    p.cause = PanicCause::Poisoned;
    p.resource = m;
    p.poisoned_by = mx.poisoned_by - 1;
    p.prog = prog;
    p.pc = pc;
    raise_panic(tid, std::move(p));
    return false;
  }
  if (!mutex::held(mx)) {
    const mutex::Taken at{static_cast<uint32_t>(step_), prog, pc};
    if (f.kind == FrameKind::Poll)
      mutex::take(mx, HolderKind::Task, f.id, tid, at);
    else
      mutex::take(mx, HolderKind::Frame, static_cast<uint32_t>(th.stack.size() - 1), tid, at);
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

// try_lock on any kind of mutex (see mutex.hpp): taken by the polled task,
// or by the frame running it (a Drop hook, a handler, a thread); or it
// fails at once. Either way the thread never blocks and no waker is stored.
bool Machine::try_lock(uint16_t tid, uint32_t m, uint32_t prog, uint32_t pc) {
  MutexRt& mx = w_.mutexes[m];
  ThreadRt& th = w_.threads[tid];
  const Frame& f = th.stack.back();
  touch_mutex(m);
  const mutex::Taken at{static_cast<uint32_t>(step_), prog, pc};
  const bool poll = f.kind == FrameKind::Poll;
  if (mx.poisoned_by && !mutex::held(mx)) {  // Err(TryLockError::Poisoned): on_fail runs
    ev(tid, Ev::TryFail, m, 0, static_cast<uint8_t>(TryFailure::Poisoned));
    return false;
  }
  if (!mutex::try_take(mx, poll ? HolderKind::Task : HolderKind::Frame,
                       poll ? f.id : static_cast<uint32_t>(th.stack.size() - 1), tid, at)) {
    ev(tid, Ev::TryFail, m, 0, static_cast<uint8_t>(TryFailure::LockHeld));
    return false;
  }
  ev(tid, Ev::Lock, m, mx.holder_kind == HolderKind::Task ? mx.holder : kNoId);
  return true;
}

void Machine::blocking_unlock(uint32_t m) {
  touch_mutex(m);
  mutex::unlock(w_.mutexes[m]);  // a blocking mutex has no async waiters
}

bool Machine::async_lock(uint32_t task, uint32_t m, uint32_t prog, uint32_t pc, uint16_t tid) {
  MutexRt& mx = w_.mutexes[m];
  TaskRt& t = w_.tasks[task];
  touch_mutex(m);
  t.barge_woken = 0;  // it polls: a barging wake, if any, has been used
  if (mutex::held_by_task(mx, task) && t.waits_on == 0) {
    // Handed off by a fair unlock while this task waited.
    return true;
  }
  const bool barging = sc_.mutexes[m].kind == MutexKind::AsyncBarging;
  if (!mutex::held(mx)) {
    mutex::take(mx, HolderKind::Task, task, tid, mutex::Taken{static_cast<uint32_t>(step_), prog, pc});
    bool woken = false;
    if (barging && mutex::remove(mx, task, woken) && !woken) {  // its entry goes
      --t.wakers;
      waker_left(task, WakerPlace::Mutex, m);  // remove_waker: the Waiter's waker drops
    }
    t.waits_on = 0;
    ev(tid, Ev::Lock, m, task);
    return true;
  }
  if (barging) {
    if (mutex::register_barging(mx, task)) {
      ++t.wakers;
      ev(tid, Ev::LockWait, m, task);
      waker_stored(task, WakerPlace::Mutex, m, false);
    } else {
      waker_stored(task, WakerPlace::Mutex, m, true);  // Waiter::register: unless will_wake
    }
    t.waits_on = m + 1;
    return false;
  }
  if (mutex::enqueue(mx, task)) {
    t.waits_on = m + 1;
    ++t.wakers;
    ev(tid, Ev::LockWait, m, task);
    waker_stored(task, WakerPlace::Mutex, m, false);
  } else {
    waker_stored(task, WakerPlace::Mutex, m, true);  // tokio's Acquire: unless will_wake
  }
  return false;
}

uint32_t Machine::async_unlock(uint32_t m, uint16_t tid) {
  touch_mutex(m);
  MutexRt& mx = w_.mutexes[m];
  const bool barging = sc_.mutexes[m].kind == MutexKind::AsyncBarging;
  uint32_t next = barging ? mutex::unlock_barging(mx) : mutex::unlock(mx);
  if (next == mutex::kNone) return kNoId;
  TaskRt& t = w_.tasks[next];
  --t.wakers;
  t.waits_on = 0;
  waker_to_hand(next, WakerPlace::Mutex, m);
  if (sc_.mutexes[m].kind == MutexKind::AsyncFair) {
    const Program& p = sc_.programs[t.program];
    mutex::hand_over(mx, next, t.thread,
                     mutex::Taken{static_cast<uint32_t>(step_), t.program,
                                  t.pc < p.code.size() ? t.pc : 0u});
    ev(tid, Ev::LockHandoff, m, next);
  } else {
    t.barge_woken = m + 1;
  }
  return next;
}

// A task or future is dropped: it leaves the wait list it is in, and a
// barging wake it had not used goes on to the new first waiter, held or not
// (futures' MutexLockFuture::drop, remove_waker(.., true)); every guard it
// holds is released (a fair mutex handed on). Waiters to wake are appended
// to `to_wake`.
void Machine::release_mutexes(uint32_t task, std::vector<uint32_t>& to_wake, uint16_t tid) {
  TaskRt& t = w_.tasks[task];
  const uint32_t in = t.barge_woken ? t.barge_woken : t.waits_on;
  if (in && in <= w_.mutexes.size()) {
    const uint32_t m = in - 1;
    MutexRt& mx = w_.mutexes[m];
    bool woken = false;
    if (mutex::remove(mx, task, woken)) {
      touch_mutex(m);
      if (!woken) {
        --t.wakers;
        waker_left(task, WakerPlace::Mutex, m);
      }
      uint32_t next = woken ? mutex::wake_first(mx) : mutex::kNone;
      if (next != mutex::kNone) {
        TaskRt& n = w_.tasks[next];
        --n.wakers;
        waker_to_hand(next, WakerPlace::Mutex, m);
        n.waits_on = 0;
        n.barge_woken = m + 1;
        to_wake.push_back(next);
      }
    }
    t.waits_on = 0;
    t.barge_woken = 0;
  }
  for (uint32_t m = 0; m < w_.mutexes.size(); ++m) {
    if (!mutex::held_by_task(w_.mutexes[m], task)) continue;
    if (is_blocking(sc_.mutexes[m].kind)) {
      if ((t.flags & kPanicked) && sc_.mutexes[m].kind == MutexKind::Blocking) {
        w_.mutexes[m].poisoned_by = task + 1;  // its guard drops while it unwinds
        ev(tid, Ev::Poisoned, m, task);
      }
      blocking_unlock(m);
    } else {
      uint32_t next = async_unlock(m, tid);
      if (next != kNoId) to_wake.push_back(next);
    }
    ev(tid, Ev::Unlock, m);
  }
}

// A task returns Pending on a runtime whose other workers may poll it next:
// a std::sync::MutexGuard its future holds (itself or a future it owns) is
// !Send, and tokio::spawn requires a Send future: Rust rejects the program
// (not_send), so no run may go on with a guard that could migrate. A
// parking_lot guard with `send_guard` is Send.
void Machine::check_send(uint32_t task) {
  const std::vector<uint32_t>& futures = sc_.templates[sc_.template_of(task)].futures;
  for (uint32_t m = 0; m < w_.mutexes.size(); ++m) {
    const MutexRt& mx = w_.mutexes[m];
    if (sc_.mutexes[m].kind != MutexKind::Blocking || mx.holder_kind != HolderKind::Task) continue;
    if (mx.holder != task && !ids::contains(futures, mx.holder))
      continue;
    w_.not_send = NotSendFact{task, mx.holder, m, static_cast<uint32_t>(step_)};
    halt(Halt::NotSend);
    return;
  }
  // std::sync::RwLock's guards are !Send too (tokio's are Send).
  for (uint32_t r = 0; r < w_.rwlocks.size(); ++r) {
    if (sc_.rwlocks[r].kind != RwLockKind::Std) continue;
    const RwLockRt& rw = w_.rwlocks[r];
    auto mine = [&](const RwHolder& h) {
      return h.kind == HolderKind::Task && (h.id == task || ids::contains(futures, h.id));
    };
    const RwHolder* h = mine(rw.writer) ? &rw.writer : nullptr;
    for (const RwHolder& g : rw.readers)
      if (!h && mine(g)) h = &g;
    if (!h) continue;
    w_.not_send = NotSendFact{task, h->id, static_cast<uint32_t>(w_.mutexes.size()) + r,
                              static_cast<uint32_t>(step_)};
    halt(Halt::NotSend);
    return;
  }
}

}  // namespace wb

// Reader-writer locks (see rwlock.hpp for the real types and the behaviour
// copied): the state's rules, then the machine's read, write, unlock and
// try instructions, which ask them and add what only the machine knows
// (stacks, threads, blocked threads, traces, stored wakers).
#include "exec/primitives/rwlock.hpp"
#include "exec/primitives/ids.hpp"

#include <algorithm>
#include <string>

#include "exec/machine.hpp"

namespace wb::rwlock {

void take(RwLockRt& rw, bool write, const RwHolder& h) {
  if (write) rw.writer = h;
  else rw.readers.push_back(h);
}

bool release(RwLockRt& rw, bool write, HolderKind kind, uint32_t id) {
  if (write) {
    if (!rw.writer.same(kind, id)) return false;
    rw.writer = RwHolder{};
    return true;
  }
  for (auto it = rw.readers.end(); it != rw.readers.begin();) {  // the newest guard first
    --it;
    if (it->same(kind, id)) {
      rw.readers.erase(it);
      return true;
    }
  }
  return false;
}

uint32_t release_all(RwLockRt& rw, uint32_t task) {
  uint32_t n = 0;
  if (rw.writer.same(HolderKind::Task, task)) {
    rw.writer = RwHolder{};
    ++n;
  }
  const size_t before = rw.readers.size();
  rw.readers.erase(std::remove_if(rw.readers.begin(), rw.readers.end(),
                                  [&](const RwHolder& h) { return h.same(HolderKind::Task, task); }),
                   rw.readers.end());
  ids::erase_one(rw.granted, task);
  return n + static_cast<uint32_t>(before - rw.readers.size());
}

bool holds(const RwLockRt& rw, uint32_t task) {
  if (rw.writer.same(HolderKind::Task, task)) return true;
  return std::any_of(rw.readers.begin(), rw.readers.end(),
                     [&](const RwHolder& h) { return h.same(HolderKind::Task, task); });
}

const RwWaiter* queued(const RwLockRt& rw, uint32_t task) {
  for (const RwWaiter& w : rw.waiters)
    if (w.task == task) return &w;
  return nullptr;
}

Acquire acquire(RwLockRt& rw, const RwHolder& h, bool write) {
  if (ids::erase_one(rw.granted, h.id)) return Acquire::Handed;
  if (queued(rw, h.id)) return Acquire::Waiting;
  if (try_free_tokio(rw, write)) {
    take(rw, write, h);
    return Acquire::Taken;
  }
  rw.waiters.push_back(RwWaiter{h.id, write});
  return Acquire::Queued;
}

bool leave(RwLockRt& rw, uint32_t task) {
  for (auto it = rw.waiters.begin(); it != rw.waiters.end(); ++it)
    if (it->task == task) {
      rw.waiters.erase(it);
      return true;
    }
  return false;
}

}  // namespace wb::rwlock

namespace wb {

RwHolder Machine::rw_holder(uint16_t tid, uint32_t prog, uint32_t pc) const {
  const ThreadRt& th = w_.threads[tid];
  const Frame& f = th.stack.back();
  RwHolder h;
  h.thread = tid;
  h.step = static_cast<uint32_t>(step_);
  h.prog = prog;
  h.pc = pc;
  if (f.kind == FrameKind::Poll) {
    h.kind = HolderKind::Task;
    h.id = f.id;
  } else {
    h.kind = HolderKind::Frame;
    h.id = static_cast<uint32_t>(th.stack.size() - 1);
  }
  return h;
}

bool Machine::writers_waiting(uint32_t r, uint16_t except) const {
  const uint32_t res = rw_block(sc_, r, true) + 1;
  for (uint16_t t = 0; t < w_.threads.size(); ++t)
    if (t != except && w_.threads[t].blocked_on == res) return true;
  return false;
}

// A thread blocked on a std RwLock may retry once what it waits for is gone.
bool Machine::rw_can_retry(uint16_t tid) const {
  const uint32_t res = w_.threads[tid].blocked_on - 1;
  const uint32_t r = (res - static_cast<uint32_t>(sc_.mutexes.size())) / 2;
  const bool write = (res - static_cast<uint32_t>(sc_.mutexes.size())) % 2;
  return rwlock::std_free(w_.rwlocks[r], write, !write && writers_waiting(r, tid));
}

// std::sync::RwLock::read / write on the frame on top of tid's stack: taken
// (true), or the thread blocks (false): it waits while another thread can
// release what stands in its way, and the run stops (Halt::Blocked) when a
// guard in its way is lower on its own stack, or held by a task suspended
// that only this thread could poll.
bool Machine::rw_blocking(uint16_t tid, uint32_t r, bool write, uint32_t prog, uint32_t pc) {
  RwLockRt& rw = w_.rwlocks[r];
  ThreadRt& th = w_.threads[tid];
  touch_rwlock(r);
  const uint32_t res = rw_block(sc_, r, write);
  if (rwlock::std_free(rw, write, !write && writers_waiting(r, tid))) {
    const RwHolder h = rw_holder(tid, prog, pc);
    rwlock::take(rw, write, h);
    th.blocked_on = 0;
    ev(tid, Ev::RwLock, r, h.kind == HolderKind::Task ? h.id : kNoId, write);
    return true;
  }
  // The guards in its way: a write waits for every guard, a read for the
  // write guard (and for the waiting writers, which are threads blocked
  // elsewhere: the wait-for graph has them).
  bool same_stack = false, suspended_here = false;
  auto consider = [&](const RwHolder& h) {
    if (h.kind == HolderKind::Frame) {
      same_stack |= h.thread == tid;
      return;
    }
    const TaskRt& t = w_.tasks[h.id];
    if (t.status == TaskStatus::Running) {
      same_stack |= t.thread == tid;
    } else {
      suspended_here |= executor_home(t.thread) == executor_home(tid) && sc_.workers == 1;
    }
  };
  if (rwlock::write_locked(rw)) consider(rw.writer);
  if (write)
    for (const RwHolder& h : rw.readers) consider(h);
  if (!same_stack && !suspended_here) {
    if (th.blocked_on != res + 1) ev(tid, Ev::RwBlocked, r, 0, write);
    th.blocked_on = res + 1;
    return false;
  }
  ev(tid, Ev::RwBlocked, r, 0, write);
  w_.block = BlockFact{tid, res, static_cast<uint32_t>(step_)};
  halt(Halt::Blocked);
  return false;
}

// tokio::sync::RwLock::read / write by the polled task: true when it holds
// the guard; false: it waits (queued, its waker stored), the caller returns
// Pending.
bool Machine::rw_async(uint16_t tid, uint32_t r, bool write, uint32_t prog, uint32_t pc) {
  RwLockRt& rw = w_.rwlocks[r];
  const RwHolder h = rw_holder(tid, prog, pc);
  TaskRt& t = w_.tasks[h.id];
  touch_rwlock(r);
  switch (rwlock::acquire(rw, h, write)) {
    case rwlock::Acquire::Taken:
      ev(tid, Ev::RwLock, r, h.id, write);
      return true;
    case rwlock::Acquire::Handed:
      return true;
    case rwlock::Acquire::Queued:
      t.waits_on = rwlock_resource(sc_, r) + 1;
      ++t.wakers;
      ev(tid, Ev::RwWait, r, h.id, write);
      // A user-defined waker (primitives/waker.hpp): batch_semaphore.rs
      // poll_acquire clones it into the Acquire's node; polled again while
      // queued, replaced unless will_wake.
      waker_stored(h.id, WakerPlace::RwLock, r, false);
      return false;
    case rwlock::Acquire::Waiting:
      waker_stored(h.id, WakerPlace::RwLock, r, true);
      return false;
  }
  return false;
}

// A tokio RwLock's queue served: each waiter handed its guard (it holds it
// from now on, polled or not) and appended to `to_wake`.
void Machine::rw_serve(uint32_t r, std::vector<uint32_t>& to_wake, uint16_t tid) {
  if (sc_.rwlocks[r].kind != RwLockKind::Tokio) return;
  const size_t before = to_wake.size();
  rwlock::serve(w_.rwlocks[r], to_wake, [&](uint32_t task) {
    const TaskRt& t = w_.tasks[task];
    const Program& p = sc_.programs[t.program];
    RwHolder h;
    h.kind = HolderKind::Task;
    h.thread = t.thread;
    h.id = task;
    h.step = static_cast<uint32_t>(step_);
    h.prog = t.program;
    h.pc = t.pc < p.code.size() ? t.pc : 0u;
    return h;
  });
  for (size_t i = before; i < to_wake.size(); ++i) {
    TaskRt& t = w_.tasks[to_wake[i]];
    --t.wakers;
    t.waits_on = 0;
    // add_permits_locked: `waiter.waker.take()` into a WakeList, woken by
    // value once the wait list's lock is released.
    waker_to_hand(to_wake[i], WakerPlace::RwLock, r);
    ev(tid, Ev::RwHandoff, r, to_wake[i], w_.rwlocks[r].writer.same(HolderKind::Task, to_wake[i]));
  }
}

// unlock_read / unlock_write by the frame on top of tid's stack (the
// compiler checked that it holds such a guard); a tokio lock's queue is
// served, the waiters handed a guard woken from this frame.
void Machine::rw_unlock(uint16_t tid, uint32_t r, bool write) {
  ThreadRt& th = w_.threads[tid];
  Frame& f = th.stack.back();
  touch_rwlock(r);
  const bool poll = f.kind == FrameKind::Poll;
  rwlock::release(w_.rwlocks[r], write, poll ? HolderKind::Task : HolderKind::Frame,
                  poll ? f.id : static_cast<uint32_t>(th.stack.size() - 1));
  ev(tid, Ev::RwUnlock, r, 0, write);
  rw_serve(r, f.wakes, tid);
}

// try_read / try_write (either kind): never waits, stores no waker.
bool Machine::rw_try(uint16_t tid, uint32_t r, bool write, uint32_t prog, uint32_t pc) {
  RwLockRt& rw = w_.rwlocks[r];
  touch_rwlock(r);
  const bool free = sc_.rwlocks[r].kind == RwLockKind::Tokio
                        ? rwlock::try_free_tokio(rw, write)
                        : rwlock::std_free(rw, write, !write && writers_waiting(r, tid));
  if (!free) {
    ev(tid, Ev::TryFail, r, write, static_cast<uint8_t>(TryFailure::RwLockHeld));
    return false;
  }
  const RwHolder h = rw_holder(tid, prog, pc);
  rwlock::take(rw, write, h);
  ev(tid, Ev::RwLock, r, h.kind == HolderKind::Task ? h.id : kNoId, write);
  return true;
}

// A task or future is dropped: it leaves the queues it waits in, and every
// guard it holds or was handed goes back (serving tokio's queues; the
// waiters served are appended to `to_wake`).
void Machine::release_rwlocks(uint32_t task, std::vector<uint32_t>& to_wake, uint16_t tid) {
  TaskRt& t = w_.tasks[task];
  for (uint32_t r = 0; r < w_.rwlocks.size(); ++r) {
    RwLockRt& rw = w_.rwlocks[r];
    const bool waited = rwlock::leave(rw, task);
    if (waited) {
      --t.wakers;
      t.waits_on = 0;
      waker_left(task, WakerPlace::RwLock, r);  // the Acquire's node drops its waker
    }
    const uint32_t n = rwlock::release_all(rw, task);
    if (!waited && n == 0) continue;
    touch_rwlock(r);
    if (n) ev(tid, Ev::RwUnlock, r, task, 2);
    rw_serve(r, to_wake, tid);
  }
}

}  // namespace wb

// Condition variables (see condvar.hpp for the real type and the behaviour
// copied): wait, notify_one, notify_all, and the spurious wake-up the
// explorer may choose where it picks the next thread.
#include "exec/primitives/condvar.hpp"

#include "exec/machine.hpp"

namespace wb {

namespace {
// The wait op a blocked thread is at: its top frame's program and pc.
uint64_t wait_site(const World& w, const ThreadRt& th) {
  const Frame& f = th.stack.back();
  const uint32_t pc = f.kind == FrameKind::Poll ? w.tasks[f.id].pc : f.pc;
  return static_cast<uint64_t>(f.program) << 32 | pc;
}
}  // namespace

// Condvar::wait on the frame on top of tid's stack, which holds blocking
// mutex m (the compiler checked it). First call: the mutex is released and
// the thread waits, in one visible operation (futex_condvar.rs reads the
// notify counter before unlocking, so no notify falls between). Called
// again once woken: it returns (true); the BLock after it re-locks.
bool Machine::cv_wait(uint16_t tid, uint32_t c, uint32_t m) {
  CondvarRt& cv = w_.condvars[c];
  ThreadRt& th = w_.threads[tid];
  touch_condvar(c);
  if (condvar::erase(cv.woken, tid)) {
    ev(tid, Ev::CvReturn, c);
    return true;
  }
  if (condvar::contains(cv.waiters, tid)) return false;  // still waiting
  touch_mutex(m);
  blocking_unlock(m);
  ev(tid, Ev::Unlock, m);
  condvar::insert(cv.waiters, tid);
  th.blocked_on = cv_block(sc_, c) + 1;
  ev(tid, Ev::CvWait, c, m);
  return false;
}

// notify_one wakes one waiter, the explorer's choice when several wait
// (std promises no order); notify_all wakes every one. Nobody waiting:
// nothing happens, nothing is stored.
void Machine::cv_notify(uint16_t tid, uint32_t c, bool all) {
  CondvarRt& cv = w_.condvars[c];
  touch_condvar(c);
  std::vector<uint16_t> woken;
  if (all) {
    woken = cv.waiters;
  } else if (!cv.waiters.empty()) {
    uint32_t k = 0;
    if (cv.waiters.size() > 1) {
      std::vector<uint32_t> opts(cv.waiters.begin(), cv.waiters.end());
      k = choose(ChoiceKind::CondvarNotify, opts);
    }
    woken.push_back(cv.waiters[k]);
  }
  ev(tid, Ev::CvNotify, c, 0, all ? 1 : 0, 0, static_cast<int64_t>(woken.size()));
  for (uint16_t t : woken) {
    condvar::wake(cv, t);
    w_.threads[t].blocked_on = 0;
    ev(tid, Ev::CvWake, c, t, 0);
  }
}

// Where the next thread is picked: a thread waiting on a condvar may wake
// spuriously (option 0: none does), at most once per wait op per run.
// Returns the thread woken, or -1.
int Machine::spurious_wake() {
  std::vector<uint32_t> opts{kNoWake};
  for (const CondvarRt& cv : w_.condvars)
    for (uint16_t t : cv.waiters) {
      const ThreadRt& th = w_.threads[t];
      if (!std::binary_search(th.spurious.begin(), th.spurious.end(), wait_site(w_, th)))
        opts.push_back(t);
    }
  if (opts.size() == 1) return -1;
  const uint32_t k = choose(ChoiceKind::Spurious, opts);
  if (k == 0 || w_.halt == Halt::Pruned) return -1;
  const uint16_t t = static_cast<uint16_t>(opts[k]);
  ThreadRt& th = w_.threads[t];
  const uint32_t c = th.blocked_on - 1 - cv_block(sc_, 0);
  const uint64_t site = wait_site(w_, th);
  th.spurious.insert(std::lower_bound(th.spurious.begin(), th.spurious.end(), site), site);
  touch_condvar(c);
  condvar::wake(w_.condvars[c], t);
  th.blocked_on = 0;
  ev(t, Ev::CvWake, c, t, 1);
  return t;
}

}  // namespace wb

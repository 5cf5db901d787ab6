// Barriers (see barrier.hpp for the real types and the behaviour copied):
// the wait of either kind, and a tokio waiter's future dropped.
#include "exec/primitives/barrier.hpp"
#include "exec/primitives/ids.hpp"

#include "exec/machine.hpp"

namespace wb {

// Barrier::wait by the frame on top of tid's stack: 1 it is the leader
// (the n-th arrival: every waiter is released; tokio's are appended to
// `to_wake`), 0 it was released and returns (not the leader), -1 it waits
// (std: the thread blocks; tokio: the task's waker is stored, it returns
// Pending).
int Machine::barrier_wait(uint16_t tid, uint32_t b, std::vector<uint32_t>& to_wake) {
  BarrierRt& br = w_.barriers[b];
  const BarrierSpec& spec = sc_.barriers[b];
  const bool tokio = spec.kind == BarrierKind::Tokio;
  const Frame& f = w_.threads[tid].stack.back();
  const uint32_t who = tokio ? f.id : tid;  // tokio: a task's poll (the compiler checked)
  const uint32_t task = tokio ? f.id : kNoId;
  touch_barrier(b);
  if (ids::erase_one(br.released, who)) {
    ev(tid, Ev::BarrierReturn, b, task);
    return 0;
  }
  if (ids::contains(br.waiting, who)) {  // polled again before the release
    if (tokio) waker_stored(who, WakerPlace::Barrier, b, true);  // poll_notified: unless will_wake
    return -1;
  }
  std::vector<uint32_t> out;
  if (!barrier::arrive(br, static_cast<uint32_t>(spec.parties), who, out)) {
    if (tokio) {
      ++w_.tasks[who].wakers;
      // changed() awaits the watch's Notified: its first poll clones the
      // waker into its node (notify.rs poll_notified, Init).
      waker_stored(who, WakerPlace::Barrier, b, false);
    } else {
      w_.threads[tid].blocked_on = barrier_block(sc_, b) + 1;
    }
    ev(tid, Ev::BarrierArrive, b, task, 0, 0, br.arrived);
    return -1;
  }
  ev(tid, Ev::BarrierLead, b, task, 0, 0, static_cast<int64_t>(out.size()));
  for (uint32_t w : out) {
    if (tokio) {
      notified_waiter(w);  // the watch channel's send wakes it
      // notify_waiters: taken into a WakeList, woken by value after the
      // Notify's lock (but inside the Barrier's state lock, which the
      // leader holds across `state.waker.send`).
      waker_to_hand(w, WakerPlace::Barrier, b);
      to_wake.push_back(w);
    } else {
      w_.threads[w].blocked_on = 0;
    }
  }
  return 1;
}

// A task or future is dropped: a tokio Barrier's wait future it was in goes
// away, its waker with it, but its arrival stays counted (wait_internal
// takes nothing back: not cancel-safe).
void Machine::leave_barriers(uint32_t task) {
  for (uint32_t b = 0; b < w_.barriers.size(); ++b) {
    if (sc_.barriers[b].kind != BarrierKind::Tokio) continue;
    BarrierRt& br = w_.barriers[b];
    if (ids::erase_one(br.waiting, task)) {
      touch_barrier(b);
      notified_waiter(task);
      waker_left(task, WakerPlace::Barrier, b);  // the Notified's node drops its waker
    }
    if (ids::erase_one(br.released, task)) touch_barrier(b);
  }
}

}  // namespace wb

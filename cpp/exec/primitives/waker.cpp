// User-defined wakers (see waker.hpp for what calls which function, and
// the real sources copied): the stored wakers each primitive holds, and
// the Waker frames that run their programs on the calling thread.
#include "exec/primitives/waker.hpp"

#include <string>

#include "exec/machine.hpp"

namespace wb::waker {

const char* fn_name(WakerFn fn) {
  switch (fn) {
    case WakerFn::Wake: return "wake";
    case WakerFn::WakeByRef: return "wake_by_ref";
    case WakerFn::Clone: return "clone";
    case WakerFn::Drop: return "drop";
  }
  return "?";
}

}  // namespace wb::waker

namespace wb {

uint16_t Machine::cx_waker(uint32_t holder) const {
  uint32_t task = holder;
  while (sc_.is_future(task)) task = static_cast<uint32_t>(sc_.templates[sc_.template_of(task)].parent);
  return w_.waker_now[task];
}

// A poll of `holder` stores cx.waker() at a primitive. The first time
// (again = false) it is cloned. Polled again while its entry is there
// (again = true): kept if it will_wake the stored one (the same waker, or
// the executor's own both times), else the new one is cloned and the old
// one dropped, in that order (`*waker = Some(cx.waker().clone())` evaluates
// the clone before the assignment drops the old).
void Machine::waker_stored_custom(uint32_t holder, WakerPlace place, uint32_t index, bool again) {
  std::vector<StoredWaker>& v = w_.stored_wakers;
  const uint16_t cx = cx_waker(holder);
  const int at = waker::find(v, holder, place, index);
  const uint16_t old = at >= 0 ? v[static_cast<size_t>(at)].waker : 0;
  if (again && old == cx) return;  // will_wake: nothing cloned, nothing dropped
  call_waker(cx, WakerFn::Clone, holder);
  if (again) call_waker(old, WakerFn::Drop, holder);
  if (at >= 0 && cx) {
    v[static_cast<size_t>(at)].waker = cx;
  } else if (at >= 0) {
    v.erase(v.begin() + at);
  } else if (cx) {
    v.push_back(StoredWaker{holder, index, place, cx});
  }
}

// futures' AtomicWaker::register (0.3.21): `*self.waker.get() =
// Some(waker.clone())` whatever the slot held: the new one is cloned, the
// one held (anyone's) dropped.
// tokio's own AtomicWaker (tokio 1.24.2 sync/task/atomic_waker.rs
// do_register, state WAITING) does the same: `waker.into_waker()` (the
// clone) first, then the old one is taken, the new one stored, and the old
// one dropped.
void Machine::waker_slot_stored_custom(uint32_t holder, WakerPlace place, uint32_t index) {
  std::vector<StoredWaker>& v = w_.stored_wakers;
  const uint16_t cx = cx_waker(holder);
  const int at = waker::find_slot(v, place, index);
  call_waker(cx, WakerFn::Clone, holder);
  if (at >= 0) {
    const StoredWaker old = v[static_cast<size_t>(at)];
    v.erase(v.begin() + at);
    call_waker(old.waker, WakerFn::Drop, old.holder);
  }
  if (cx) v.push_back(StoredWaker{holder, index, place, cx});
}

// An AtomicWaker slot's wake (atomic_waker.rs wake: take_waker, then
// `waker.wake()`, by value): the waker it holds, whoever's, is taken. When
// it is the task the primitive wakes (`woken`) its wake() runs it; else
// (a stale registration the model's wake skips: its task finished, or left
// the wait) the `wake` program runs alone, waking no task.
void Machine::waker_slot_taken_custom(WakerPlace place, uint32_t index, uint32_t woken) {
  std::vector<StoredWaker>& v = w_.stored_wakers;
  const int at = waker::find_slot(v, place, index);
  if (at < 0) return;
  StoredWaker& s = v[static_cast<size_t>(at)];
  if (s.holder == woken && waker::find(v, woken, WakerPlace::InHand, 0) < 0) {
    s.place = WakerPlace::InHand;
    return;
  }
  const StoredWaker old = s;
  v.erase(v.begin() + at);
  call_waker(old.waker, WakerFn::Wake, old.holder);
}

// The primitive took the waker out to wake it by value (after its own
// state is updated): the holder's next wake() runs it.
void Machine::waker_to_hand_custom(uint32_t holder, WakerPlace place, uint32_t index) {
  const int at = waker::find(w_.stored_wakers, holder, place, index);
  if (at >= 0) w_.stored_wakers[static_cast<size_t>(at)].place = WakerPlace::InHand;
}

// The waiter went without being woken: the waker it stored is dropped.
void Machine::waker_left_custom(uint32_t holder, WakerPlace place, uint32_t index) {
  std::vector<StoredWaker>& v = w_.stored_wakers;
  const int at = waker::find(v, holder, place, index);
  if (at < 0) return;
  const uint16_t w = v[static_cast<size_t>(at)].waker;
  v.erase(v.begin() + at);
  call_waker(w, WakerFn::Drop, holder);
}

bool Machine::wake_in_hand(uint32_t task) {
  std::vector<StoredWaker>& v = w_.stored_wakers;
  const int at = waker::find(v, task, WakerPlace::InHand, 0);
  if (at < 0) return false;
  const uint16_t w = v[static_cast<size_t>(at)].waker;
  v.erase(v.begin() + at);
  call_waker(w, WakerFn::Wake, task, task);
  return true;
}

// The calls this step made, as Waker frames: the first one called runs
// first (pushed last); each announces itself when it starts (exec_step).
void Machine::push_waker_calls(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  uint32_t nested = 0;
  for (const Frame& f : th.stack) nested += f.kind == FrameKind::Waker;
  if (nested + calls_.size() > kMaxWakerNesting) {
    calls_.clear();
    w_.waker_bound = tid;
    halt(Halt::DepthBound);  // waker programs calling wakers, past the bound: inconclusive
    return;
  }
  for (size_t i = calls_.size(); i-- > 0;) {
    const WakerCall& c = calls_[i];
    // Frame::id: whose waker it is; the program's owner names the waker and
    // the function (waker id * 4 + WakerFn).
    push_frame(tid, FrameKind::Waker, c.holder,
               sc_.wakers[c.waker - 1u].program[static_cast<unsigned>(c.fn)]);
    if (w_.halt != Halt::Running) break;
    th.stack.back().wake_target = c.target;
  }
  calls_.clear();
}

void Machine::end_waker(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  const uint32_t target = th.stack.back().wake_target;
  pop_frame(tid);
  if (target == kNoId) return;
  wake_now(tid, target, th.stack.empty() ? WakeCtx::Spawn : ctx_of(tid, target));
}

void Machine::pending_or_after(uint16_t tid) {
  if (calls_.empty()) {
    return_pending(tid);
  } else {
    w_.threads[tid].stack.back().pending_after = true;
  }
}

}  // namespace wb

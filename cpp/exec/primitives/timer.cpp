// Timers (see timer.hpp for the behaviour copied): the timer heap's rules,
// then the machine's sleep instruction and the firing of a due timer.
#include "exec/primitives/timer.hpp"

#include <algorithm>
#include <climits>

#include "exec/machine.hpp"

namespace wb::timer {

namespace {
// Heap order: the earliest (then lowest id) on top.
struct Later {
  const std::vector<TimerRt>& timers;
  bool operator()(uint32_t a, uint32_t b) const {
    const TimerRt &x = timers[a], &y = timers[b];
    return x.at != y.at ? x.at > y.at : a > b;
  }
};
}  // namespace

uint32_t set(std::vector<TimerRt>& timers, std::vector<uint32_t>& heap, int64_t at, uint32_t task) {
  uint32_t id = static_cast<uint32_t>(timers.size());
  timers.push_back(TimerRt{at, task});
  heap.push_back(id);
  std::push_heap(heap.begin(), heap.end(), Later{timers});
  return id;
}

int64_t next_due(const std::vector<TimerRt>& timers, const std::vector<uint32_t>& heap) {
  return heap.empty() ? INT64_MAX : timers[heap.front()].at;
}

void take_due(const std::vector<TimerRt>& timers, std::vector<uint32_t>& heap, int64_t now,
              uint32_t tag, std::vector<uint32_t>& due) {
  while (!heap.empty() && timers[heap.front()].at <= now) {
    std::pop_heap(heap.begin(), heap.end(), Later{timers});
    due.push_back(tag | heap.back());
    heap.pop_back();
  }
}

uint32_t take_next_due(const std::vector<TimerRt>& timers, std::vector<uint32_t>& heap, int64_t now) {
  while (!heap.empty() && timers[heap.front()].at <= now) {
    std::pop_heap(heap.begin(), heap.end(), Later{timers});
    uint32_t id = heap.back();
    heap.pop_back();
    if (!timers[id].fired) return id;
  }
  return kNone;
}

int64_t deadline(int64_t now, int64_t ms, int64_t ticks_per_ms) {
  int64_t ticks = ms > INT64_MAX / ticks_per_ms ? INT64_MAX : ms * ticks_per_ms;
  return ticks > INT64_MAX - now ? INT64_MAX : now + ticks;
}

}  // namespace wb::timer

namespace wb {

// A sleep: the first poll sets its timer and returns Pending; later polls
// return Pending until it fired; then it is over.
// With user-defined wakers (tokio 1.24.2 runtime/time/entry.rs; see
// primitives/waker.hpp): every poll, Ready too, registers cx.waker() in the
// entry's AtomicWaker first (StateCell::poll: `self.waker.register_by_ref(
// waker)`, then read_state): the new one cloned, the one held dropped. The
// Ready poll's clone is dropped with the Sleep at the end of
// `sleep(..).await` (TimerEntry::drop -> cancel -> clear_entry: fired
// already, fire() returns None; the TimerShared's AtomicWaker drops it).
void Machine::sleep_step(uint16_t tid, uint32_t task, int64_t ms, uint32_t& pc) {
  uint32_t& in_sleep = w_.sleeping[task];
  if (in_sleep) {
    const uint32_t id = in_sleep - 1;
    if (custom_wakers()) touch_timers();  // the AtomicWaker the fire takes from
    if (w_.timers[id].fired) {
      in_sleep = 0;
      ++pc;
      waker_slot_stored(task, WakerPlace::Timer, id);
      waker_left(task, WakerPlace::Timer, id);
    } else {
      waker_slot_stored(task, WakerPlace::Timer, id);
      pending_or_after(tid);  // polled before its deadline (a select, a stream)
    }
    return;
  }
  touch_clock(false);
  touch_timers();
  int64_t at = timer::deadline(w_.now, ms, cfg_.ticks_per_ms);
  const uint32_t id = timer::set(w_.timers, w_.timer_heap, at, task);
  in_sleep = id + 1;
  ++w_.tasks[task].wakers;
  ev(tid, Ev::TimerSet, task, 0, 0, 0, at);
  waker_slot_stored(task, WakerPlace::Timer, id);
  pending_or_after(tid);
}

// A Sleep dropped (its task or future dropped, a sleep interrupted) before
// its timer fired: TimerEntry::drop -> cancel -> Handle::clear_entry
// (runtime/time/mod.rs): under the driver lock, fire() takes the waker
// from the AtomicWaker and clear_entry drops it: `drop` runs here. Fired
// already: the fire took it (nothing is held).
void Machine::leave_sleep(uint32_t task) {
  const uint32_t in_sleep = w_.sleeping[task];
  if (!in_sleep || !custom_wakers()) return;
  touch_timers();
  waker_left(task, WakerPlace::Timer, in_sleep - 1);
}

// nginx's timer handler, a frame of its own: wake the task, then return.
// tokio's driver (runtime/time/mod.rs process_at_time) fires each due
// entry under its lock, taking the waker out of the AtomicWaker (entry.rs
// StateCell::fire: `self.waker.take_waker()`), and wakes them by value
// after `drop(lock)`: a user-defined waker's `wake` runs on this thread.
void Machine::timer_step(uint16_t tid, Frame& f) {
  if (f.pc != 0) {
    pop_frame(tid);
    return;
  }
  f.pc = 1;
  touch_timers();
  TimerRt& tm = w_.timers[f.id];
  tm.fired = true;
  --w_.tasks[tm.task].wakers;
  if (!w_.ready_since.empty()) w_.ready_since[tm.task] = tm.at;
  waker_to_hand(tm.task, WakerPlace::Timer, f.id);
  wake(tid, tm.task, WakeCtx::EventHandler);
}

}  // namespace wb

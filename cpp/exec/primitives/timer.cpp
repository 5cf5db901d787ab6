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
void Machine::sleep_step(uint16_t tid, uint32_t task, int64_t ms, uint32_t& pc) {
  uint32_t& in_sleep = w_.sleeping[task];
  if (in_sleep) {
    if (w_.timers[in_sleep - 1].fired) {
      in_sleep = 0;
      ++pc;
    } else {
      return_pending(tid);  // polled before its deadline (a select, a stream)
    }
    return;
  }
  touch_clock(false);
  touch_timers();
  int64_t at = timer::deadline(w_.now, ms, cfg_.ticks_per_ms);
  in_sleep = timer::set(w_.timers, w_.timer_heap, at, task) + 1;
  ++w_.tasks[task].wakers;
  ev(tid, Ev::TimerSet, task, 0, 0, 0, at);
  return_pending(tid);
}

// nginx's timer handler, a frame of its own: wake the task, then return.
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
  wake(tid, tm.task, WakeCtx::EventHandler);
}

}  // namespace wb

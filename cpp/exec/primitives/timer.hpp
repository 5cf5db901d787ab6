// Timers: tokio::time::Sleep and nginx's timer events (ngx_add_timer,
// expired in ngx_event_expire_timers before the posted events run).
//  - A sleep sets a timer at now + its duration (saturating) and returns
//    Pending; the timer holds the task's waker until it is due.
//  - Like tokio's Sleep, it stays Pending until its deadline however often
//    it is polled (a select, a stream polling it early).
//  - Due timers are ready events of the loop iteration that reaches their
//    time, ordered by (time, id): the natural order; ties are a choice the
//    explorer makes with the other ready events. Firing one wakes its task
//    from an event handler's context.
//  - A user-defined waker (waker.hpp): tokio's entry keeps it in an
//    AtomicWaker registered at every poll (runtime/time/entry.rs
//    StateCell::poll), taken out by the fire and woken by value after the
//    driver lock (runtime/time/mod.rs process_at_time), dropped with a
//    Sleep dropped before it fired (clear_entry).
// Invariant: `heap` holds the ids of the timers not yet due, a min-heap on
// (at, id).
#pragma once

#include <cstdint>
#include <vector>

namespace wb {

struct TimerRt {
  int64_t at = 0;
  uint32_t task = 0;
  bool fired = false;
};

namespace timer {

// A timer for `task` at `at`: its id.
uint32_t set(std::vector<TimerRt>& timers, std::vector<uint32_t>& heap, int64_t at, uint32_t task);

// The earliest pending timer's time, or INT64_MAX.
int64_t next_due(const std::vector<TimerRt>& timers, const std::vector<uint32_t>& heap);

// The timers due at `now`, taken off the heap in (time, id) order and
// appended to `due` (with `tag` or-ed in).
void take_due(const std::vector<TimerRt>& timers, std::vector<uint32_t>& heap, int64_t now,
              uint32_t tag, std::vector<uint32_t>& due);

// The earliest timer due at `now` and not fired yet, taken off the heap (a
// real loop fires timers from its own watchers: fired ones are skipped), or
// kNone.
inline constexpr uint32_t kNone = 0xffffffffu;
uint32_t take_next_due(const std::vector<TimerRt>& timers, std::vector<uint32_t>& heap, int64_t now);

// now + ms clock ticks, saturating.
int64_t deadline(int64_t now, int64_t ms, int64_t ticks_per_ms);

}  // namespace timer
}  // namespace wb

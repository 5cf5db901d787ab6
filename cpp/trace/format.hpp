// Traces as people and tools read them: one record per event with names
// resolved, and a text rendering that is byte-identical for the same
// scenario, policy and schedule (no addresses, no wall-clock time).
#pragma once

#include <string>
#include <vector>

#include "exec/event.hpp"
#include "model/program.hpp"

namespace wb {

struct TraceRecord {
  uint32_t step = 0;
  int64_t time = 0;
  uint32_t thread = 0;
  uint32_t depth = 0;
  std::string kind;     // "poll", "wake", "lock", ...
  std::string task;     // the task concerned, if any
  std::string subject;  // the lock, queue, object, handler or counter, if any
  std::string detail;   // context / action / result
  std::string text;     // the rendered line
};

const char* event_kind_name(Ev k);
// `unit`: the clock's unit, written after each time unless it is the
// simulator's ms ("us" on a real-time driver).
TraceRecord trace_record(const Scenario& sc, const Event& e, const std::string& unit = "ms");
std::string format_trace(const Scenario& sc, const std::vector<Event>& events,
                         const std::string& unit = "ms");

}  // namespace wb

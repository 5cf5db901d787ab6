// Runs and explorations: the executor, the oracle and the trace put together.
// This is the layer the bindings call; it holds no Python.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exec/executor.hpp"
#include "oracle/verdict.hpp"
#include "trace/format.hpp"

namespace wb {

// Which schedule a run follows: canonical (option 0 everywhere), random from
// a seed, or a replayed schedule string.
struct ScheduleSpec {
  std::optional<uint64_t> seed;
  std::optional<std::string> schedule;
};

struct Outcome {
  std::shared_ptr<const Scenario> scenario;
  std::string policy;
  Verdict verdict;
  std::string schedule;
  std::vector<Choice> choices;
  std::vector<Event> events;
  std::vector<OutputLine> output;
  Stats stats;

  std::vector<TraceRecord> trace() const;
  std::string trace_text() const;
};

Outcome run_scenario(std::shared_ptr<const Scenario> sc, Policy& policy, const ScheduleSpec& sched,
                     const RunConfig& cfg);

// Depth-first enumeration of every schedule (stateless: each schedule is a
// fresh run replaying a prefix), up to a budget of schedules. Stops at the
// first run whose verdict is not ok when stop_at_first is set.
struct Exploration {
  uint64_t schedules = 0;
  bool complete = false;  // every schedule was run
  std::map<std::string, uint64_t> outcomes;  // verdict kind -> schedules
  std::optional<Outcome> counterexample;     // the first non-ok run
  double elapsed_s = 0;
};

Exploration explore_exhaustive(std::shared_ptr<const Scenario> sc, Policy& policy,
                               const RunConfig& cfg, uint64_t max_schedules, bool stop_at_first);

}  // namespace wb

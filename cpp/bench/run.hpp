// Runs and explorations: the executor, the oracle and the trace put together.
// This is the layer the bindings call; it holds no Python.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exec/executor.hpp"
#include "oracle/verdict.hpp"
#include "trace/format.hpp"

namespace wb {

// Which schedule a run follows: canonical (option 0 everywhere), random from
// a seed, a replayed schedule string, or a stream of values taken modulo the
// options (hypothesis supplies it; see ModuloChooser). At most one.
struct ScheduleSpec {
  std::optional<uint64_t> seed;
  std::optional<std::string> schedule;
  std::optional<std::vector<uint64_t>> stream;
};

struct Outcome {
  std::shared_ptr<const Scenario> scenario;
  std::string policy;
  Verdict verdict;
  std::string schedule;
  std::vector<Choice> choices;
  std::vector<Event> events;
  bool trace_truncated = false;
  std::vector<OutputLine> output;
  Stats stats;
  std::string time_unit = "ms";  // of every time in the trace: "ms" simulated, "us" real

  std::vector<TraceRecord> trace() const;
  std::string trace_text() const;
};

Outcome run_scenario(std::shared_ptr<const Scenario> sc, Policy& policy, const ScheduleSpec& sched,
                     const RunConfig& cfg);

// An outcome from a finished world (any driver): verdict, schedule, trace.
Outcome make_outcome(std::shared_ptr<const Scenario> sc, Policy& policy, World&& w);

}  // namespace wb

#include "bench/run.hpp"

#include "explore/schedule.hpp"
#include "explore/strategies.hpp"

namespace wb {

std::vector<TraceRecord> Outcome::trace() const {
  std::vector<TraceRecord> out;
  out.reserve(events.size());
  for (const Event& e : events) out.push_back(trace_record(*scenario, e, time_unit));
  return out;
}

std::string Outcome::trace_text() const {
  std::string t = format_trace(*scenario, events, time_unit);
  if (trace_truncated) t += "... trace cut at " + std::to_string(events.size()) + " events\n";
  return t;
}

Outcome make_outcome(std::shared_ptr<const Scenario> sc, Policy& policy, World&& w) {
  Outcome o;
  o.policy = std::string(policy.name());
  o.verdict = judge(*sc, w, o.policy);
  o.schedule = encode_schedule(w.choices);
  o.time_unit = w.real_time ? "us" : "ms";
  o.choices = std::move(w.choices);
  o.events = std::move(w.trace);
  o.trace_truncated = w.trace_truncated;
  o.output = std::move(w.output);
  o.stats = w.stats;
  o.scenario = std::move(sc);
  return o;
}

Outcome run_scenario(std::shared_ptr<const Scenario> sc, Policy& policy, const ScheduleSpec& sched,
                     const RunConfig& cfg) {
  if (int(sched.seed.has_value()) + int(sched.schedule.has_value()) +
          int(sched.stream.has_value()) > 1)
    throw ScheduleError("give one of a seed, a schedule or a choice stream, not both");
  World w;
  if (sched.stream) {
    ModuloChooser chooser(*sched.stream);
    w = execute(*sc, policy, chooser, cfg);
  } else if (sched.schedule) {
    ReplayChooser chooser(decode_schedule(*sched.schedule));
    w = execute(*sc, policy, chooser, cfg);
    chooser.check_all_used();
  } else if (sched.seed) {
    RandomChooser chooser(*sched.seed);
    w = execute(*sc, policy, chooser, cfg);
  } else {
    FirstChooser chooser;
    w = execute(*sc, policy, chooser, cfg);
  }
  return make_outcome(std::move(sc), policy, std::move(w));
}

}  // namespace wb

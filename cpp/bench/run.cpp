#include "bench/run.hpp"

#include <chrono>

#include "explore/schedule.hpp"

namespace wb {

std::vector<TraceRecord> Outcome::trace() const {
  std::vector<TraceRecord> out;
  out.reserve(events.size());
  for (const Event& e : events) out.push_back(trace_record(*scenario, e));
  return out;
}

std::string Outcome::trace_text() const { return format_trace(*scenario, events); }

namespace {

Outcome finish(std::shared_ptr<const Scenario> sc, Policy& policy, World&& w) {
  Outcome o;
  o.policy = std::string(policy.name());
  o.verdict = judge(*sc, w, o.policy);
  o.schedule = encode_schedule(w.choices);
  o.choices = std::move(w.choices);
  o.events = std::move(w.trace);
  o.output = std::move(w.output);
  o.stats = w.stats;
  o.scenario = std::move(sc);
  return o;
}

}  // namespace

Outcome run_scenario(std::shared_ptr<const Scenario> sc, Policy& policy, const ScheduleSpec& sched,
                     const RunConfig& cfg) {
  if (sched.seed && sched.schedule)
    throw ScheduleError("give a seed or a schedule, not both");
  World w;
  if (sched.schedule) {
    ReplayChooser chooser(decode_schedule(*sched.schedule));
    w = execute(*sc, policy, chooser, cfg);
  } else if (sched.seed) {
    RandomChooser chooser(*sched.seed);
    w = execute(*sc, policy, chooser, cfg);
  } else {
    FirstChooser chooser;
    w = execute(*sc, policy, chooser, cfg);
  }
  return finish(std::move(sc), policy, std::move(w));
}

Exploration explore_exhaustive(std::shared_ptr<const Scenario> sc, Policy& policy,
                               const RunConfig& cfg, uint64_t max_schedules, bool stop_at_first) {
  auto t0 = std::chrono::steady_clock::now();
  Exploration ex;
  RunConfig quiet = cfg;
  quiet.trace = false;
  std::vector<uint32_t> prefix;
  for (;;) {
    if (ex.schedules >= max_schedules) break;
    ReplayChooser chooser(prefix);
    World w = execute(*sc, policy, chooser, quiet);
    ++ex.schedules;
    std::vector<Choice> made = w.choices;
    VerdictKind kind = judge(*sc, w, policy.name()).kind;
    ++ex.outcomes[verdict_kind_name(kind)];
    if (kind != VerdictKind::Ok && !ex.counterexample) {
      ScheduleSpec again;
      again.schedule = encode_schedule(made);
      ex.counterexample = run_scenario(sc, policy, again, cfg);  // with its trace
      if (stop_at_first) break;
    }
    // Next schedule: bump the deepest choice that has an untried option.
    size_t i = made.size();
    while (i > 0 && made[i - 1].k + 1 >= made[i - 1].n) --i;
    if (i == 0) {
      ex.complete = true;
      break;
    }
    prefix.clear();
    for (size_t j = 0; j + 1 < i; ++j) prefix.push_back(made[j].k);
    prefix.push_back(made[i - 1].k + 1);
  }
  ex.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return ex;
}

}  // namespace wb

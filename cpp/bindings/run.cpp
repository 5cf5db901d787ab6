#include <pybind11/stl.h>

#include "bench/explore.hpp"
#include "bench/run.hpp"
#include "bindings/areas.hpp"
#include "bindings/python_policy.hpp"
#include "loop/backend.hpp"
#include "loop/pingpong.hpp"

namespace wb::py_bind {
namespace py = pybind11;

namespace {

// A built-in policy by name, or a PythonPolicy object bound to this run's
// scenario (each run its own binding).
std::unique_ptr<Policy> policy_from(const py::object& p, const std::shared_ptr<const Scenario>& sc) {
  if (py::isinstance<PythonPolicy>(p))
    return std::make_unique<PythonPolicy::Bound>(p.cast<std::shared_ptr<PythonPolicy>>(), sc);
  return make_policy(p.cast<std::string>());
}

// Ctrl-C: long calls run without the GIL; this takes it back now and then
// to let Python see a pending signal (KeyboardInterrupt ends the call).
void check_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

RunConfig config(bool trace, const Limits& limits) {
  RunConfig cfg;
  cfg.trace = trace;
  cfg.limits = limits;
  cfg.interrupt_check = check_signals;
  return cfg;
}

Outcome run(std::shared_ptr<Scenario> sc, const py::object& policy, std::optional<uint64_t> seed,
            std::optional<std::string> schedule, std::optional<std::vector<uint64_t>> stream,
            bool trace, const Limits& limits) {
  std::unique_ptr<Policy> h = policy_from(policy, sc);
  ScheduleSpec spec{seed, schedule, stream};
  py::gil_scoped_release nogil;
  return run_scenario(sc, *h, spec, config(trace, limits));
}

// A resumable exploration; the Python side advances it in slices.
struct PyExplorer {
  std::unique_ptr<Policy> policy;
  std::unique_ptr<Explorer> explorer;
};

std::unique_ptr<PyExplorer> make_explorer(std::shared_ptr<Scenario> sc, const py::object& policy,
                                          const std::string& strategy, uint64_t seed,
                                          uint32_t pct_depth, bool sleep_sets, bool state_cache,
                                          uint32_t max_deviations, bool stop_at_first,
                                          bool count_bounds, const Limits& limits,
                                          double seconds_total, uint32_t jobs, bool snapshots,
                                          bool symmetry) {
  ExploreConfig cfg;
  if (strategy == "random") cfg.strategy = Strategy::Random;
  else if (strategy == "pct") cfg.strategy = Strategy::Pct;
  else if (strategy == "exhaustive") cfg.strategy = Strategy::Exhaustive;
  else throw UnknownName("unknown strategy '" + strategy + "' (valid: random, pct, exhaustive)");
  cfg.seed = seed;
  cfg.pct_depth = pct_depth;
  cfg.sleep_sets = sleep_sets;
  cfg.state_cache = state_cache;
  cfg.max_deviations = max_deviations;
  cfg.stop_at_first = stop_at_first;
  cfg.count_bounds = count_bounds;
  cfg.seconds_total = seconds_total;
  cfg.jobs = std::max<uint32_t>(jobs, 1);
  cfg.snapshots = snapshots;
  cfg.symmetry = symmetry;
  cfg.run = config(true, limits);
  auto e = std::make_unique<PyExplorer>();
  e->policy = policy_from(policy, sc);
  e->explorer = std::make_unique<Explorer>(sc, *e->policy, cfg);
  return e;
}

bool advance(PyExplorer& e, uint64_t max_schedules, double max_seconds) {
  py::gil_scoped_release nogil;
  return e.explorer->advance(max_schedules, max_seconds);
}

// The libev backend. Every ~20 ms the loop checks for signals under the GIL,
// so Ctrl-C interrupts a real-time run; the loop is torn down either way.
Outcome run_libev(std::shared_ptr<Scenario> sc, const py::object& policy, bool trace,
                  const Limits& limits, double time_scale, double watchdog_s) {
  std::unique_ptr<Policy> h = policy_from(policy, sc);
  loop::LoopConfig cfg;
  cfg.run = config(trace, limits);
  cfg.time_scale = time_scale;
  cfg.watchdog_s = watchdog_s;
  py::gil_scoped_release nogil;
  World w = loop::run_libev(*sc, *h, cfg);
  return make_outcome(sc, *h, std::move(w));
}

// Raw libev figures, no scenario: in-loop ping-pong under the posted and
// posted-next pass rules, the ev_async cross-thread round trip, and the CPU
// an idle loop burns when a task keeps re-posting itself.
py::dict loop_figures(double seconds) {
  constexpr double kSpinUs = 50;  // spin before blocking, for the second cross-thread row
  loop::InLoopResult posted, next;
  loop::CrossThreadResult cross, cross_spin;
  loop::IdleCpuResult idle_posted, idle_next;
  {
    py::gil_scoped_release nogil;
    loop::Bounds b;
    b.max_seconds = seconds;
    b.max_round_trips = 1'000'000'000;
    posted = loop::in_loop_pingpong(loop::kPostedRule, b);
    next = loop::in_loop_pingpong(loop::kPostedNextRule, b);
    cross = loop::cross_thread_pingpong(b);
    cross_spin = loop::cross_thread_pingpong(b, kSpinUs);
    idle_posted = loop::idle_repost_cpu(loop::kPostedOncePerPassRule, seconds);
    idle_next = loop::idle_repost_cpu(loop::kPostedNextRule, seconds);
  }
  py::dict d;
  d["in_loop_posted_per_s"] = posted.per_second();
  d["in_loop_posted_next_per_s"] = next.per_second();
  d["cross_thread_per_s"] = cross.per_second();
  d["cross_thread_p50_us"] = cross.p50_us;
  d["cross_thread_p99_us"] = cross.p99_us;
  d["cross_thread_cpu_per_wall"] = cross.cpu_per_wall();
  d["cross_thread_spin_us"] = kSpinUs;
  d["cross_thread_spin_per_s"] = cross_spin.per_second();
  d["cross_thread_spin_p50_us"] = cross_spin.p50_us;
  d["cross_thread_spin_p99_us"] = cross_spin.p99_us;
  d["cross_thread_spin_cpu_per_wall"] = cross_spin.cpu_per_wall();
  d["idle_cpu_per_wall_posted"] = idle_posted.cpu_per_wall();
  d["idle_cpu_per_wall_posted_next"] = idle_next.cpu_per_wall();
  d["idle_iterations_posted"] = idle_posted.loop_iterations;
  d["idle_iterations_posted_next"] = idle_next.loop_iterations;
  return d;
}

py::dict stats_dict(const Stats& s) {
  py::dict d;
  d["steps"] = s.steps;
  d["polls"] = s.polls;
  d["inline_polls"] = s.inline_polls;
  d["wakes"] = s.wakes;
  d["iterations"] = s.iterations;
  d["nonblocking_iterations"] = s.nonblocking_iterations;
  d["max_depth"] = s.max_depth;
  d["max_polls_nested"] = s.max_polls_nested;
  d["max_wake_latency"] = s.max_wake_latency;
  d["mean_wake_latency"] = s.wake_latency_samples
                               ? static_cast<double>(s.wake_latency_total) / static_cast<double>(s.wake_latency_samples)
                               : 0.0;
  d["elapsed_s"] = s.elapsed_s;
  d["model_bytes"] = s.model_bytes;
  return d;
}

}  // namespace

void register_run(py::module_& m) {
  py::class_<Limits>(m, "Limits")
      .def(py::init<>())
      .def_readwrite("max_steps", &Limits::max_steps)
      .def_readwrite("max_seconds", &Limits::max_seconds)
      .def_readwrite("max_memory", &Limits::max_memory)
      .def_readwrite("max_depth", &Limits::max_depth)
      .def_readwrite("max_trace", &Limits::max_trace);
  py::class_<TraceRecord>(m, "TraceRecord")
      .def_readonly("step", &TraceRecord::step)
      .def_readonly("time", &TraceRecord::time)
      .def_readonly("thread", &TraceRecord::thread)
      .def_readonly("depth", &TraceRecord::depth)
      .def_readonly("kind", &TraceRecord::kind)
      .def_readonly("task", &TraceRecord::task)
      .def_readonly("subject", &TraceRecord::subject)
      .def_readonly("detail", &TraceRecord::detail)
      .def_readonly("text", &TraceRecord::text);
  py::class_<Outcome>(m, "Outcome")
      .def_readonly("policy", &Outcome::policy)
      .def_property_readonly("verdict", [](const Outcome& o) { return verdict_kind_name(o.verdict.kind); })
      .def_property_readonly("explanation", [](const Outcome& o) { return o.verdict.explanation; })
      .def_property_readonly("step", [](const Outcome& o) { return o.verdict.step; })
      .def_readonly("schedule", &Outcome::schedule)
      .def_readonly("trace_truncated", &Outcome::trace_truncated)
      .def_property_readonly("choices", [](const Outcome& o) {
        py::list l;
        for (const Choice& c : o.choices) l.append(py::make_tuple(choice_kind_name(c.kind), c.k, c.n));
        return l;
      })
      .def_property_readonly("output", [](const Outcome& o) {
        py::list l;
        for (const OutputLine& x : o.output)
          l.append(py::make_tuple(x.time, x.step, o.scenario->texts[x.text]));
        return l;
      })
      .def_property_readonly("stats", [](const Outcome& o) { return stats_dict(o.stats); })
      .def("trace", &Outcome::trace)
      .def("trace_text", &Outcome::trace_text);
  py::class_<ExploreReport>(m, "ExploreReport")
      .def_readonly("schedules", &ExploreReport::schedules)
      .def_readonly("pruned", &ExploreReport::pruned)
      .def_readonly("revisits", &ExploreReport::revisits)
      .def_readonly("states", &ExploreReport::states)
      .def_readonly("complete", &ExploreReport::complete)
      .def_readonly("distinct", &ExploreReport::distinct)
      .def_readonly("deviation_cut", &ExploreReport::deviation_cut)
      .def_readonly("finished", &ExploreReport::finished)
      .def_readonly("elapsed_s", &ExploreReport::elapsed_s)
      .def_readonly("outcomes", &ExploreReport::outcomes)
      .def_readonly("counterexample", &ExploreReport::counterexample)
      .def_readonly("found_schedule", &ExploreReport::found_schedule)
      .def_readonly("minimise_runs", &ExploreReport::minimise_runs);
  py::class_<PyExplorer>(m, "Explorer")
      .def(py::init(&make_explorer), py::arg("scenario"), py::arg("policy"), py::arg("strategy"),
           py::arg("seed") = 0, py::arg("pct_depth") = 3, py::arg("sleep_sets") = true,
           py::arg("state_cache") = true,
           py::arg("max_deviations") = 0xffffffffu, py::arg("stop_at_first") = true,
           py::arg("count_bounds") = false, py::arg("limits") = Limits{},
           py::arg("seconds_total") = 1e300, py::arg("jobs") = 1,
           py::arg("snapshots") = true, py::arg("symmetry") = true)
      .def("advance", &advance, py::arg("max_schedules"), py::arg("max_seconds"))
      .def("checkpoint", [](const PyExplorer& e) { return e.explorer->checkpoint(); })
      .def("resume", [](PyExplorer& e, const std::string& text) { e.explorer->resume(text); },
           py::arg("text"))
      .def_property_readonly("report", [](const PyExplorer& e) { return e.explorer->report(); });
  m.def("run_libev", &run_libev, py::arg("scenario"), py::arg("policy"), py::arg("trace") = true,
        py::arg("limits") = Limits{}, py::arg("time_scale") = 1.0, py::arg("watchdog_s") = 2.0);
  m.def("loop_figures", &loop_figures, py::arg("seconds"));
  m.def("verdict_kinds", [] {
    std::vector<std::string> v;
    for (VerdictKind k : all_verdict_kinds()) v.push_back(verdict_kind_name(k));
    return v;
  });
  m.def("run", &run, py::arg("scenario"), py::arg("policy"), py::arg("seed") = py::none(),
        py::arg("schedule") = py::none(), py::arg("stream") = py::none(), py::arg("trace") = true,
        py::arg("limits") = Limits{});
}

}  // namespace wb::py_bind

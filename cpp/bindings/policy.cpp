// A policy written in Python: the slow path. Each wake re-acquires the GIL
// and calls the Python function; exploration speed drops by orders of
// magnitude. Use it to prototype, then write the policy in C++.
#include <pybind11/stl.h>

#include "bindings/areas.hpp"
#include "bindings/python_policy.hpp"

namespace wb::py_bind {
namespace py = pybind11;

Action PythonPolicy::Bound::decide(const WakeInfo& w) {
  py::gil_scoped_acquire gil;
  py::list held;
  for (uint32_t i = 0; i < w.nheld && i < WakeInfo::kMaxHeld; ++i)
    held.append(scenario_->mutexes[w.held[i]].name);
  py::dict info;
  info["task"] = scenario_->task_name(w.task);
  info["ctx"] = wake_ctx_name(w.ctx);
  info["task_running"] = w.task_running;
  info["polling"] = w.polling;
  info["depth"] = w.depth;
  info["waker_thread"] = scenario_->thread_name(w.waker_thread);
  info["home_thread"] = scenario_->thread_name(w.home_thread);
  info["locks_held"] = w.nheld;
  info["held"] = held;
  py::object r = p_->fn_(info);
  std::string s = py::str(r);
  for (Action a : {Action::PollInline, Action::Post, Action::PostNext, Action::RunQueue, Action::Inbox})
    if (s == action_name(a)) return a;
  throw PolicyError("policy '" + p_->name_ + "' returned '" + s +
                    "' (valid: inline, posted, posted_next, run_queue, inbox)");
}

void register_policy(py::module_& m) {
  py::class_<PythonPolicy, std::shared_ptr<PythonPolicy>>(m, "PythonPolicy")
      .def(py::init<std::string, py::function>(), py::arg("name"), py::arg("decide"))
      .def_property_readonly("name", &PythonPolicy::name);
  m.def("builtin_policies", &builtin_policies);
}

}  // namespace wb::py_bind

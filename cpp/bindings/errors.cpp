#include "bindings/areas.hpp"
#include "exec/policy.hpp"
#include "explore/schedule.hpp"
#include "model/program.hpp"

namespace wb::py_bind {
namespace py = pybind11;

void register_errors(py::module_& m) {
  py::register_exception<ScenarioError>(m, "ScenarioError", PyExc_ValueError);
  py::register_exception<ScheduleError>(m, "ScheduleError", PyExc_ValueError);
  py::register_exception<UnknownName>(m, "UnknownNameError", PyExc_ValueError);
  py::register_exception<PolicyError>(m, "PolicyError", PyExc_RuntimeError);
}

}  // namespace wb::py_bind

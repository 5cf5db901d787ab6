// Every error wakebench raises for bad input derives from one base,
// wakebench.Error, and from the built-in exception it is most like (a
// ScenarioError is a ValueError), so callers can catch either.
#include "bindings/areas.hpp"
#include "exec/policy.hpp"
#include "explore/schedule.hpp"
#include "model/program.hpp"

namespace wb::py_bind {
namespace py = pybind11;

void register_errors(py::module_& m) {
  py::exception<void> base(m, "Error", PyExc_Exception);  // the module keeps it
  auto both = [&](PyObject* builtin) { return py::make_tuple(base, py::handle(builtin)); };
  py::register_exception<ScenarioError>(m, "ScenarioError", both(PyExc_ValueError));
  py::register_exception<ScheduleError>(m, "ScheduleError", both(PyExc_ValueError));
  py::register_exception<UnknownName>(m, "UnknownNameError", both(PyExc_ValueError));
  py::register_exception<PolicyError>(m, "PolicyError", both(PyExc_RuntimeError));
}

}  // namespace wb::py_bind

// One register_<area>() per bindings file; module.cpp calls them in order.
#pragma once

#include <pybind11/pybind11.h>

namespace wb::py_bind {
void register_errors(pybind11::module_& m);
void register_model(pybind11::module_& m);
void register_policy(pybind11::module_& m);
void register_run(pybind11::module_& m);
}  // namespace wb::py_bind

// The private compiled module `wakebench._core`. Python owns the public names
// and docstrings; see python/wakebench.
#include "bindings/areas.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "wakebench simulation core (private; use the wakebench package)";
  wb::py_bind::register_errors(m);
  wb::py_bind::register_model(m);
  wb::py_bind::register_policy(m);
  wb::py_bind::register_run(m);
}

#pragma once

#include <memory>
#include <string>

#include <pybind11/pybind11.h>

#include "exec/policy.hpp"
#include "model/program.hpp"

namespace wb::py_bind {

class PythonPolicy final : public Policy {
 public:
  PythonPolicy(std::string name, pybind11::function fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string_view name() const override { return name_; }
  Action decide(const WakeInfo& w) override;
  void bind(std::shared_ptr<const Scenario> sc) { scenario_ = std::move(sc); }

 private:
  std::string name_;
  pybind11::function fn_;
  std::shared_ptr<const Scenario> scenario_;
};

}  // namespace wb::py_bind

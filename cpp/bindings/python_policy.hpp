#pragma once

#include <memory>
#include <string>

#include <pybind11/pybind11.h>

#include "exec/policy.hpp"
#include "model/program.hpp"

namespace wb::py_bind {

// A policy written in Python: the object users hold. It knows no scenario;
// each run binds it to its own (PythonPolicy::Bound), so one Policy can serve
// runs of different scenarios at once (from its own decide, from a progress
// callback, from another thread) without one run reading another's tables.
class PythonPolicy {
 public:
  PythonPolicy(std::string name, pybind11::function fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  const std::string& name() const { return name_; }

  class Bound final : public Policy {
   public:
    Bound(std::shared_ptr<const PythonPolicy> p, std::shared_ptr<const Scenario> sc)
        : p_(std::move(p)), scenario_(std::move(sc)) {}
    std::string_view name() const override { return p_->name_; }
    Action decide(const WakeInfo& w) override;

   private:
    std::shared_ptr<const PythonPolicy> p_;
    std::shared_ptr<const Scenario> scenario_;
  };

 private:
  std::string name_;
  pybind11::function fn_;
};

}  // namespace wb::py_bind

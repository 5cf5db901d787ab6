// Schedules: the sequence of choices a run made, as a short printable string.
//
//   "v1." followed by one base-36 digit per choice (0-9a-z); an option >= 36
//   is written in decimal between parentheses, "(41)". Trailing zeros are
//   dropped: a missing choice means option 0, the canonical one, so "v1."
//   is the canonical schedule and every prefix of a schedule is one too.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "exec/choice.hpp"

namespace wb {

struct ScheduleError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

std::string encode_schedule(const std::vector<Choice>& choices);
std::string encode_indices(const std::vector<uint32_t>& ks);  // the option indices alone
std::vector<uint32_t> decode_schedule(std::string_view text);  // throws ScheduleError

// Plays a decoded schedule back, then option 0 once it runs out. A choice
// that does not fit (option past the options offered) is a ScheduleError
// naming the choice: the schedule belongs to another scenario or policy.
class ReplayChooser final : public Chooser {
 public:
  explicit ReplayChooser(std::vector<uint32_t> ks) : ks_(std::move(ks)) {}
  uint32_t choose(const ChoicePoint& cp) override;
  // After the run: choices the run never reached mean the schedule was
  // recorded for another scenario or policy (a ScheduleError).
  void check_all_used() const;

 private:
  std::vector<uint32_t> ks_;
  size_t i_ = 0;
};

// Uniform random choices from one seeded source (splitmix64).
class RandomChooser final : public Chooser {
 public:
  explicit RandomChooser(uint64_t seed) : s_(seed) {}
  uint32_t choose(const ChoicePoint& cp) override;
  uint32_t below(uint32_t n);  // uniform in [0, n)
  uint64_t next();

 private:
  uint64_t s_;
};

}  // namespace wb

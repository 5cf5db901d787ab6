// Choice points. Every nondeterministic decision of a run goes through one
// Chooser call; option 0 is always the policy's natural order (FIFO, the
// declaration order), so an all-zero schedule is the canonical run.
#pragma once

#include <cstdint>

namespace wb {

enum class ChoiceKind : uint8_t {
  NextTask,    // which queued task the loop polls next
  EventOrder,  // which ready event handler runs next in this iteration
  DropOrder,   // which of the objects dropped together drops next
};
const char* choice_kind_name(ChoiceKind k);

struct Choice {
  uint32_t n = 0;  // options offered (always > 1: single options are not choices)
  uint32_t k = 0;  // option taken
  ChoiceKind kind = ChoiceKind::NextTask;
};

class Chooser {
 public:
  virtual ~Chooser() = default;
  // Pick one of n > 1 options. May throw to abort the run (e.g. a replayed
  // schedule that does not fit).
  virtual uint32_t choose(uint32_t n, ChoiceKind kind) = 0;
};

// Always option 0: the canonical schedule.
class FirstChooser final : public Chooser {
 public:
  uint32_t choose(uint32_t, ChoiceKind) override { return 0; }
};

}  // namespace wb

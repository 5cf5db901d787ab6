// Verdicts: what a halted run means, with an explanation a person can act on
// (the lock, the holding frame, the waiting frame or the cycle, the step).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exec/world.hpp"
#include "model/program.hpp"

namespace wb {

enum class VerdictKind : uint8_t {
  Ok,
  ReentrantLock,  // a non-reentrant lock requested while a frame lower on the same stack holds it
  LockCycle,      // a wait-for cycle among tasks
  BlockedThread,  // the thread blocks on a lock only a suspended task of that thread can release
  LostWake,       // a pending task that nothing left can wake
  BoundSteps,     // the run hit its step bound: inconclusive
  BoundTime,
  BoundMemory,
  BoundDepth,     // inline polls nested past the stack bound
};

const char* verdict_kind_name(VerdictKind k);  // "ok", "deadlock/reentrant_lock", "bound/steps"...
const std::vector<VerdictKind>& all_verdict_kinds();
inline bool is_bound(VerdictKind k) { return k >= VerdictKind::BoundSteps; }

struct Verdict {
  VerdictKind kind = VerdictKind::Ok;
  std::string explanation;
  uint64_t step = 0;
};

Verdict judge(const Scenario& sc, const World& w, std::string_view policy);

// "poll of 'conn' (inline, woken from drop_hook)"; used by traces too.
std::string describe_frame(const Scenario& sc, const Frame& f);

}  // namespace wb

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
  WrongThread,    // a !Send task polled off its home thread
  DataRace,       // an unsynchronised queue touched from two threads
  UseAfterFree,   // a poll or handler touched a closed (freed) event context
  Starvation,     // a ready task waited longer than the latency bound
  ResourceExhausted,  // live tasks past the scenario's bound
  Futurelock,     // a resource held by (or handed to) a future alive but never polled again
  UnpolledFuture, // progress needs a future nobody polls (Buffered)
  Interrupted,    // cancellation (or an async exception) landed inside a critical region
  NotSend,        // a !Send guard held across an await where the task may move to another worker
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

// What a halted run means, without words: the kind and the facts an
// explanation needs. Cheap: explorers call it once per schedule.
struct Finding {
  VerdictKind kind = VerdictKind::Ok;
  int holder_depth = -1;        // ReentrantLock: the holding frame's depth
  std::vector<uint32_t> cycle;  // LockCycle: tasks, each waiting on the next's mutex
  uint32_t root = 0;            // LostWake: the stuck task everything waits on
  std::vector<uint32_t> chain;  // LostWake: tasks waiting (via async mutexes) on the root
  std::vector<uint32_t> unpolled;  // UnpolledFuture: live futures of stuck tasks nobody polls
  size_t stuck = 0;             // tasks left pending that were not daemons
};

Finding decide(const Scenario& sc, const World& w);
Verdict explain(const Scenario& sc, const World& w, const Finding& f, std::string_view policy);
inline Verdict judge(const Scenario& sc, const World& w, std::string_view policy) {
  return explain(sc, w, decide(sc, w), policy);
}

// "poll of 'conn' (inline, woken from drop_hook)"; used by traces too.
std::string describe_frame(const Scenario& sc, const Frame& f);

}  // namespace wb

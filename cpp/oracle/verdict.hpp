// Verdicts: what a halted run means, with an explanation a person can act on
// (the lock, the holding frame, the waiting frame or the cycle, the step).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exec/world.hpp"
#include "model/program.hpp"
#include "oracle/waitfor.hpp"

namespace wb {

enum class VerdictKind : uint8_t {
  Ok,
  ReentrantLock,  // a non-reentrant lock requested while a frame lower on the same stack holds it
  LockCycle,      // a wait-for cycle among tasks and threads through locks
  WaitCycle,      // a wait-for cycle through channels, notifies, wait queues, joins or awaits
  BlockedThread,  // a scheduler thread blocks on what only it (or a thread it blocks) can release
  LostWake,       // a pending task whose waker nobody holds, or whose wake came before its registration
  NeverWoken,     // a pending task whose waker is held, but no live actor can ever wake it
  WrongThread,    // a !Send task polled off its home thread
  DataRace,       // an unsynchronised queue touched from two threads
  UseAfterFree,   // a poll or handler touched a closed (freed) event context
  Starvation,     // a ready task waited longer than the latency bound
  ResourceExhausted,  // live tasks past the scenario's bound
  Futurelock,     // a resource held by (or handed to) a future alive but never polled again
  UnpolledFuture, // progress needs a future nobody polls (Buffered)
  Interrupted,    // cancellation (or an async exception) landed inside a critical region
  NotSend,        // a !Send guard held across an await where the task may move to another
                  // worker, or a !Sync RefCell touched from two threads: Rust rejects the program
  Panic,          // a task, Drop hook, handler or thread panicked (panic!, a conflicting RefCell
                  // borrow, lock().unwrap() on a poisoned mutex); the first panic is named
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
  std::vector<WfEdge> edges;    // a cycle, or the chain of waits from `start` to the root
  WfNode start;                 // where the chain begins
  uint32_t root = 0;            // the task (or thread) the chain ends at: the future that holds
  bool root_thread = false;     // the lock, the unpolled future, the task nothing wakes
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

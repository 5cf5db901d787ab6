// The executor: one simulated thread running an nginx-like event loop and a
// run-queue executor, interpreting task programs as state machines.
//
// A run is a sequence of steps. A step is either one instruction of the frame
// on top of the thread's stack, or one decision of the loop driver when the
// stack is empty. The driver follows ngx_process_events_and_timers:
//
//   Wait    move posted-next into posted (the wait does not block), or block
//           until the next handler's time; nothing left at all: quiescent
//   Events  run each ready event/cleanup handler (their order is a choice)
//   Ready   poll posted tasks, then run-queue tasks, until both are empty
//
// A wake asks the Policy what to do: poll inline (a Poll frame pushed on the
// waker's stack, so the woken task runs nested inside the waker) or queue.
// Every nondeterministic pick goes through the Chooser.
//
// The executor records facts (World, trace events, choices) and stops at a
// Halt; it does not judge. oracle/verdict.hpp turns a halted World into a
// verdict.
#pragma once

#include <cstdint>
#include <functional>

#include "exec/world.hpp"

namespace wb {

struct Limits {
  uint64_t max_steps = 5'000'000;
  double max_seconds = 10.0;
  uint64_t max_memory = 1ull << 30;  // bytes of model state: tasks, queues, stacks, output
  uint32_t max_depth = 256;          // frames on one stack
  uint64_t max_trace = 1'000'000;    // trace events kept; past it the trace is cut, the run goes on
};

// tokio's event_interval: a run-queue executor checks for events (without
// blocking) after this many polls, so a task that keeps yielding cannot
// starve I/O and timers.
inline constexpr uint32_t kEventInterval = 61;

struct RunConfig {
  Limits limits;
  bool trace = true;
  bool footprints = false;  // report each unit's footprint to the chooser
  // Clock ticks per scenario millisecond: 1 in the simulator (virtual ms);
  // a real-time driver counts wall-clock microseconds (1000 x its time scale).
  int64_t ticks_per_ms = 1;
  // A real-time driver: compute() really keeps the thread busy.
  bool real_time = false;
  // The caller's interrupt check (Python's KeyboardInterrupt); may throw,
  // which ends the run. The simulator calls it about every 50 ms of a long
  // run; the libev driver every ~20 ms on the loop thread.
  std::function<void()> interrupt_check;
};

// Where a simulated run stood just before a thread choice (Machine::
// pick_thread asking which thread steps next): the world and the machine's
// own state. A run resumed from it makes that choice again and goes on as
// the run that took the snapshot would have, given the same answers: an
// explorer runs a node's other options from here instead of replaying the
// path to it from the start. A run's step bound counts from the run's start
// (the step count is kept); its time bound from where it resumed.
struct Snapshot {
  bool valid = false;  // the machine filled it (a world past the size limit is not kept)
  World world;
  uint64_t step = 0;
  uint16_t last_thread = 0;
  bool main_waiting = false;
  bool wait_blocked = false;
  std::vector<uint32_t> options;  // the thread choice's options, in their order
};

// Runs the scenario to a halt. Throws ScenarioError for a runtime misuse the
// compiler could not see (an object dropped twice, a task dropped while it
// is being polled) and PolicyError for an impossible policy answer.
World execute(const Scenario& sc, Policy& policy, Chooser& chooser, const RunConfig& cfg);

// Many runs of one scenario under one configuration without rebuilding the
// world each time: the first run keeps the world as set up, and every run
// starts from a copy of it assigned into the storage the last run's world
// left (vectors keep their capacity), so after a few runs a run allocates
// nothing. The runs are those execute() gives: same choices, same world.
class WorldReuse {
 public:
  World run(const Scenario& sc, Policy& policy, Chooser& chooser, const RunConfig& cfg);
  // The same run, resumed from a snapshot an earlier run of this
  // configuration left (see Snapshot).
  World resume(const Scenario& sc, Policy& policy, Chooser& chooser, const RunConfig& cfg,
               const Snapshot& from);
  void give_back(World&& w) { scratch_ = std::move(w); }  // the storage for the next run

 private:
  World initial_;
  bool ready_ = false;
  World scratch_;
};

}  // namespace wb

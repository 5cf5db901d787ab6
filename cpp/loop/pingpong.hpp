// Raw libev ping-pong measurements, independent of scenarios: what the loop
// machinery itself costs, as a floor for the libev backend's figures.
//
// Every measurement is bounded twice (a count and a wall-clock time), owns
// its loops, watchers and threads, and has released all of them (threads
// joined, fds closed) when it returns. None may be called while another
// measurement runs on the same thread.
#pragma once

#include <cstdint>

#include "loop/ready_queue.hpp"

namespace wb::loop {

struct Bounds {
  uint64_t max_round_trips = 10'000'000;
  double max_seconds = 1.0;
};

// (a) Two tasks on one loop; each run wakes the other, and a wake posts the
// woken task to a ReadyQueue drained under `rule`. A round trip is two runs.
struct InLoopResult {
  uint64_t round_trips = 0;
  double seconds = 0;
  uint64_t loop_iterations = 0;
  ReadyStats stats;
  bool hit_time_bound = false;
  double per_second() const { return seconds > 0 ? double(round_trips) / seconds : 0; }
};
InLoopResult in_loop_pingpong(const PassRule& rule, Bounds bounds);

// (b) A loop thread and a std::thread running its own loop wake each other
// through ev_async; the foreign thread times each round trip.
//
// With spin_us = 0 each loop blocks in epoll_wait as soon as it has nothing
// to do, so every wake pays the kernel's (and, on a VM, the hypervisor's)
// thread wake-up. With spin_us > 0 a loop about to block first spins (in
// ev_prepare) for up to spin_us, watching for the other side's message, the
// way runtimes spin before parking a worker; a wake that lands meanwhile
// costs no sleep. cpu_s is the CPU both threads used (the price of spinning).
struct CrossThreadResult {
  uint64_t round_trips = 0;
  double seconds = 0;
  double p50_us = 0, p99_us = 0, max_us = 0;
  double cpu_s = 0;
  bool hit_time_bound = false;
  double per_second() const { return seconds > 0 ? double(round_trips) / seconds : 0; }
  double cpu_per_wall() const { return seconds > 0 ? cpu_s / seconds : 0; }
};
CrossThreadResult cross_thread_pingpong(Bounds bounds, double spin_us = 0);

// (c) An otherwise idle loop (a heartbeat timer every `heartbeat_s`) with one
// task that re-posts itself every time it runs, for `seconds` of wall time or
// `max_runs` runs. CPU is this thread's user+sys time (RUSAGE_THREAD).
struct IdleCpuResult {
  double wall_s = 0;
  double cpu_s = 0;
  uint64_t runs = 0;
  uint64_t loop_iterations = 0;
  double cpu_per_wall() const { return wall_s > 0 ? cpu_s / wall_s : 0; }
};
IdleCpuResult idle_repost_cpu(const PassRule& rule, double seconds, double heartbeat_s = 0.01,
                              uint64_t max_runs = 100'000'000);

// The re-post rule of (c)(i): a pass runs what was queued when it began; a
// re-post made after the wait runs in the prepare pass of the same iteration,
// one made in the prepare pass waits out the (blocking) wait. No idle watcher.
inline constexpr PassRule kPostedOncePerPassRule{PassRule::Scope::Snapshot, true, true, false,
                                                 std::size_t{1} << 16};

// This thread's user+sys CPU seconds (getrusage RUSAGE_THREAD).
double thread_cpu_seconds();

}  // namespace wb::loop

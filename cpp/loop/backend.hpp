// The libev backend: the same scenario data, policies and machine as the
// simulator, driven by a real libev loop in real time.
//
//   handlers     each has a socketpair; an ev_timer at the handler's time (in
//                ms, times `time_scale`) writes a byte (event handler) or
//                closes the peer (cleanup handler: the connection closed);
//                an ev_io on the other end runs the handler
//   posted pass  on ev_prepare, before the loop would block: poll posted
//                tasks until none are left, then up to kEventInterval
//                run-queue tasks (tokio's event_interval)
//   posted-next  on ev_check, after the wait: posted-next becomes posted; an
//                ev_idle watcher is active while work is queued, so the wait
//                does not block (the cost ngx_posted_next pays)
//   threads      foreign threads and workers are std::threads running the
//                machine one instruction at a time under one mutex, which the
//                loop thread takes too (only then); a foreign thread starts
//                at its time or on spawn_blocking, computes for real, and
//                tells the loop through ev_async (thread_notify's inbox,
//                notify_loop completions, its end); the loop thread waits on
//                a std::mutex one of them holds as a real thread would
//   watchdog     a repeating ev_timer: the run's time bound, no progress for
//                `watchdog_s` (a deadlock the loop cannot see end), and the
//                caller's interrupt check (Python's KeyboardInterrupt)
//
// Choices the simulator explores are made here by the real loop (FIFO
// queues, handler timers firing in time order) and the OS (which thread
// takes the next instruction). Trace times are wall-clock
// microseconds since the run began. The loop, its fds and its watchers live
// for one run: nothing is left behind, whatever the run ends with.
#pragma once

#include "exec/executor.hpp"
#include "exec/world.hpp"

namespace wb::loop {

struct LoopConfig {
  RunConfig run;
  double time_scale = 1.0;     // real milliseconds per scenario millisecond
  double watchdog_s = 2.0;     // no instruction run for this long: stop, and judge
};

// Runs to a halt: quiescent (the loop has nothing left), a verdict the
// machine reached (a re-entrant lock...), a bound, or the watchdog. Throws
// what the machine, the policy or run.interrupt_check throws, after cleaning up.
World run_libev(const Scenario& sc, Policy& policy, const LoopConfig& cfg);

}  // namespace wb::loop

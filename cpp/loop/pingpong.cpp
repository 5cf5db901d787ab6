#include "loop/pingpong.hpp"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace wb::loop {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---- (a) in-loop ----------------------------------------------------------

struct InLoopShared {
  Loop* loop;
  uint64_t runs = 0;
  uint64_t max_runs;
  Clock::time_point deadline;
  bool timed_out = false;
};

// One of the two tasks: a run counts, then wakes the peer (posts it).
struct Pinger {
  ReadyQueue* queue;
  Pinger* peer;
  InLoopShared* shared;

  static void run(void* self) {
    auto* me = static_cast<Pinger*>(self);
    InLoopShared& s = *me->shared;
    ++s.runs;
    if (s.runs >= s.max_runs) return s.loop->break_loop();
    if ((s.runs & 4095) == 0 && Clock::now() >= s.deadline) {
      s.timed_out = true;
      return s.loop->break_loop();
    }
    me->queue->post({&Pinger::run, me->peer});
  }
};

// ---- (c) idle re-post -----------------------------------------------------

struct Reposter {
  ReadyQueue* queue;
  Loop* loop;
  uint64_t runs = 0;
  uint64_t max_runs;

  static void run(void* self) {
    auto* me = static_cast<Reposter*>(self);
    if (++me->runs >= me->max_runs) return me->loop->break_loop();
    me->queue->post({&Reposter::run, me});
  }
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * double(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

// The calling thread's CPU time, to the nanosecond (getrusage's is sampled
// by scheduler ticks: a short, busy run could read as zero).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

InLoopResult in_loop_pingpong(const PassRule& rule, Bounds bounds) {
  Loop loop;
  ReadyQueue queue(loop, rule);
  InLoopShared shared{&loop, 0, std::max<uint64_t>(2, 2 * bounds.max_round_trips), {}};
  Pinger a{&queue, nullptr, &shared}, b{&queue, &a, &shared};
  a.peer = &b;
  // Last resort if a rule lets the loop block with work queued.
  Timer watchdog(loop, [&](int) {
    shared.timed_out = true;
    loop.break_loop();
  });
  watchdog.start(bounds.max_seconds + 0.5);

  unsigned it0 = loop.iteration();
  auto t0 = Clock::now();
  shared.deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(bounds.max_seconds));
  queue.post({&Pinger::run, &a});
  loop.run();
  InLoopResult r;
  r.seconds = seconds_since(t0);
  r.round_trips = shared.runs / 2;
  r.loop_iterations = loop.iteration() - it0;
  r.stats = queue.stats();
  r.hit_time_bound = shared.timed_out;
  queue.clear();
  return r;
}

namespace {

// Spins (before the loop blocks) until `ready()` or `spin_us` have passed.
template <class Ready>
void spin_before_wait(double spin_us, Ready ready) {
  if (spin_us <= 0) return;
  auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double, std::micro>(spin_us));
  while (!ready() && Clock::now() < until) {
  }
}

}  // namespace

CrossThreadResult cross_thread_pingpong(Bounds bounds, double spin_us) {
  const uint64_t max_rt = std::clamp<uint64_t>(bounds.max_round_trips, 1, 10'000'000);
  // Shared between the threads; every field is atomic (see ev.hpp on TSan).
  std::atomic<uint64_t> ping_seq{0}, pong_seq{0};
  std::atomic<bool> stop{false};

  Loop home;     // run by this thread
  Loop foreign;  // run by the std::thread
  Async* pong_in_ptr = nullptr;
  uint64_t answered = 0;  // home side: the last ping answered

  // Home side: answer each ping with a pong carrying the same sequence number.
  Async ping_in(home, [&](int) {
    if (stop.load(std::memory_order_acquire)) return home.break_loop();
    answered = ping_seq.load(std::memory_order_acquire);
    pong_seq.store(answered, std::memory_order_release);
    pong_in_ptr->send();
  });
  Timer home_watchdog(home, [&](int) { home.break_loop(); });
  Prepare home_spin(home, [&](int) {
    spin_before_wait(spin_us, [&] {
      return ping_seq.load(std::memory_order_acquire) != answered ||
             stop.load(std::memory_order_acquire);
    });
  });

  // Foreign side: time the round trip, send the next ping or stop both.
  std::vector<double> lat_us;
  lat_us.reserve(std::min<uint64_t>(max_rt, 1'000'000));
  uint64_t seq = 0;
  bool timed_out = false;
  Clock::time_point sent_at{}, deadline{};
  auto ping = [&] {
    ++seq;
    sent_at = Clock::now();
    ping_seq.store(seq, std::memory_order_release);
    ping_in.send();
  };
  auto finish = [&] {
    stop.store(true, std::memory_order_release);
    ping_in.send();
    foreign.break_loop();
  };
  Async pong_in(foreign, [&](int) {
    if (pong_seq.load(std::memory_order_acquire) != seq) return;  // not our pong (cannot happen; be safe)
    auto now = Clock::now();
    if (lat_us.size() < lat_us.capacity()) lat_us.push_back(std::chrono::duration<double, std::micro>(now - sent_at).count());
    if (seq >= max_rt) return finish();
    if (now >= deadline) {
      timed_out = true;
      return finish();
    }
    ping();
  });
  pong_in_ptr = &pong_in;
  Prepare foreign_spin(foreign, [&](int) {
    spin_before_wait(spin_us, [&] { return pong_seq.load(std::memory_order_acquire) == seq; });
  });
  Timer foreign_watchdog(foreign, [&](int) {
    timed_out = true;
    finish();
  });

  ping_in.start();
  home_spin.start();
  foreign_spin.start();
  home_watchdog.start(bounds.max_seconds + 1.0);
  pong_in.start();
  foreign_watchdog.start(bounds.max_seconds + 0.5);

  auto t0 = Clock::now();
  deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(bounds.max_seconds));
  double home_cpu0 = thread_cpu_seconds(), foreign_cpu = 0;
  std::thread other([&] {
    double cpu0 = thread_cpu_seconds();
    ping();
    foreign.run();
    foreign_cpu = thread_cpu_seconds() - cpu0;
  });
  home.run();
  double home_cpu = thread_cpu_seconds() - home_cpu0;
  other.join();

  CrossThreadResult r;
  r.seconds = seconds_since(t0);
  r.round_trips = lat_us.size();
  r.hit_time_bound = timed_out;
  r.max_us = lat_us.empty() ? 0 : *std::max_element(lat_us.begin(), lat_us.end());
  r.p50_us = percentile(lat_us, 0.50);
  r.p99_us = percentile(lat_us, 0.99);
  r.cpu_s = home_cpu + foreign_cpu;
  return r;
}

IdleCpuResult idle_repost_cpu(const PassRule& rule, double seconds, double heartbeat_s, uint64_t max_runs) {
  Loop loop;
  ReadyQueue queue(loop, rule);
  Reposter task{&queue, &loop, 0, std::max<uint64_t>(1, max_runs)};
  Timer heartbeat(loop, [](int) {});
  Timer deadline(loop, [&](int) { loop.break_loop(); });
  heartbeat.start(heartbeat_s, heartbeat_s);
  deadline.start(seconds);

  unsigned it0 = loop.iteration();
  double cpu0 = thread_cpu_seconds();
  auto t0 = Clock::now();
  queue.post({&Reposter::run, &task});
  loop.run();
  IdleCpuResult r;
  r.wall_s = seconds_since(t0);
  r.cpu_s = thread_cpu_seconds() - cpu0;
  r.runs = task.runs;
  r.loop_iterations = loop.iteration() - it0;
  queue.clear();
  return r;
}

}  // namespace wb::loop

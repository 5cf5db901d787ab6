// The raw measurements run briefly, respect their bounds, and release every
// thread and fd they made.
#include <gtest/gtest.h>

#include <thread>

#include <chrono>

#include "loop/pingpong.hpp"
#include "proc_counts.hpp"

namespace {

using namespace wb::loop;
using wb::loop::testing::live_threads;
using wb::loop::testing::open_fds;
using Clock = std::chrono::steady_clock;

TEST(PingPong, InLoopStopsAtTheCountBound) {
  InLoopResult r = in_loop_pingpong(kPostedRule, Bounds{1000, 5.0});
  EXPECT_EQ(r.round_trips, 1000u);
  EXPECT_FALSE(r.hit_time_bound);
  InLoopResult n = in_loop_pingpong(kPostedNextRule, Bounds{1000, 5.0});
  EXPECT_EQ(n.round_trips, 1000u);
  EXPECT_GE(n.loop_iterations, 1999u);  // one hop per iteration
}

TEST(PingPong, InLoopStopsAtTheTimeBound) {
  auto t0 = Clock::now();
  InLoopResult r = in_loop_pingpong(kPostedNextRule, Bounds{~0ull / 4, 0.05});
  EXPECT_TRUE(r.hit_time_bound);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
}

TEST(PingPong, CrossThreadMeasuresEveryRoundTrip) {
  CrossThreadResult r = cross_thread_pingpong(Bounds{200, 5.0});
  EXPECT_EQ(r.round_trips, 200u);
  EXPECT_FALSE(r.hit_time_bound);
  EXPECT_GT(r.p50_us, 0.0);
  EXPECT_LE(r.p50_us, r.p99_us);
  EXPECT_LE(r.p99_us, r.max_us);
}

TEST(PingPong, SpinningBeforeBlockingStillMeasuresEveryRoundTrip) {
  CrossThreadResult r = cross_thread_pingpong(Bounds{200, 5.0}, 50);
  EXPECT_EQ(r.round_trips, 200u);
  EXPECT_FALSE(r.hit_time_bound);
  EXPECT_LE(r.p50_us, r.p99_us);
  EXPECT_GT(r.cpu_s, 0.0);
}

TEST(PingPong, IdleRepostBlocksUnderPostedAndSpinsUnderPostedNext) {
  IdleCpuResult blocks = idle_repost_cpu(kPostedOncePerPassRule, 0.2, 0.01);
  IdleCpuResult spins = idle_repost_cpu(kPostedNextRule, 0.2, 0.01);
  // ~20 heartbeats (plus the deadline) vs. as many iterations as the CPU allows.
  EXPECT_LT(blocks.loop_iterations, 40u);
  EXPECT_GT(spins.loop_iterations, 10 * blocks.loop_iterations);
  EXPECT_GT(spins.cpu_s, blocks.cpu_s);
}

TEST(PingPong, LeavesNoThreadOrFd) {
  // Sanitizer runtimes (TSan) start a helper thread at the first thread
  // creation: make that happen before counting.
  std::thread([] {}).join();
  std::size_t fds0 = open_fds(), threads0 = live_threads();
  in_loop_pingpong(kPostedRule, Bounds{100, 1.0});
  cross_thread_pingpong(Bounds{100, 1.0});
  idle_repost_cpu(kPostedNextRule, 0.01);
  EXPECT_EQ(open_fds(), fds0);
  EXPECT_EQ(live_threads(), threads0);
}

}  // namespace

// The libev backend runs the same scenarios as the simulator, in real time.
#include <gtest/gtest.h>

#include <stdexcept>

#include "build.hpp"
#include "loop/backend.hpp"
#include "proc_counts.hpp"

using namespace wb;
using namespace wb::test;

namespace {

Outcome run_on_loop(const ScenarioSpec& spec, const std::string& policy,
                    loop::LoopConfig cfg = {}) {
  auto sc = std::make_shared<const Scenario>(compile(spec));
  auto p = make_policy(policy);
  return make_outcome(sc, *p, loop::run_libev(*sc, *p, cfg));
}

}  // namespace

TEST(Backend, DropWakeVerdictsMatchTheSimulator) {
  for (bool cleanup : {false, true}) {
    ScenarioSpec s = h2_drop_wake(cleanup);
    for (const char* p : {"ngx_inline", "ngx_defer_nested", "ngx_posted", "ngx_posted_next", "fifo"}) {
      Outcome sim = run_spec(s, p);
      Outcome real = run_on_loop(s, p);
      EXPECT_EQ(real.verdict.kind, sim.verdict.kind)
          << s.name << " under " << p << ": " << real.verdict.explanation;
    }
  }
}

TEST(Backend, TheCleanupHandlerRunsWhenThePeerCloses) {
  Outcome o = run_on_loop(h2_drop_wake(true), "ngx_posted");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  std::string t = o.trace_text();
  EXPECT_NE(t.find("cleanup handler 'close' begins"), std::string::npos) << t;
  // Wall-clock microseconds: the handler fired about 5 ms in.
  int64_t at = -1;
  for (const Event& e : o.events)
    if (e.kind == Ev::HandlerBegin && e.a == 0) at = e.time;
  EXPECT_GE(at, 4000);
  EXPECT_LT(at, 2'000'000);
}

TEST(Backend, LostWakeIsJudgedWhenTheLoopRunsDry) {
  Outcome o = run_on_loop(early_wake(), "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::LostWake) << o.verdict.explanation;
  EXPECT_NE(o.verdict.explanation.find("'waiter'"), std::string::npos);
}

TEST(Backend, PostedNextKeepsTheLoopFromBlocking) {
  ScenarioSpec s;
  s.name = "spin-until-timer";
  s.counters = {CounterSpec{"flag", 0}};
  s.tasks.push_back(task("t", {wb::test::loop({if_("flag", Cmp::Eq, 1, {brk()}), yield()})}));
  s.handlers.push_back(handler("timer", 20, {op(OpKind::Set, "flag", 1)}));
  Outcome o = run_on_loop(s, "ngx_posted_next");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_GT(o.stats.nonblocking_iterations, 10u);
}

TEST(Backend, NothingLeaksAndAnInterruptLeavesNothingBehind) {
  size_t fds = loop::testing::open_fds(), threads = loop::testing::live_threads();
  for (int i = 0; i < 20; ++i) run_on_loop(h2_drop_wake(true), "ngx_posted");
  ScenarioSpec s;
  s.name = "spin";
  s.tasks.push_back(task("t", {wb::test::loop({yield()})}));
  loop::LoopConfig cfg;
  cfg.run.limits.max_steps = 4'000'000'000ull;
  cfg.run.trace = false;
  int calls = 0;
  cfg.run.interrupt_check = [&] {
    if (++calls == 3) throw std::runtime_error("interrupted");
  };
  EXPECT_THROW(run_on_loop(s, "ngx_posted_next", cfg), std::runtime_error);
  EXPECT_EQ(loop::testing::open_fds(), fds);
  EXPECT_EQ(loop::testing::live_threads(), threads);
  // And the backend is usable again.
  EXPECT_EQ(run_on_loop(h2_drop_wake(false), "fifo").verdict.kind, VerdictKind::Ok);
}

TEST(Backend, TimeBoundStopsASpinningRun) {
  ScenarioSpec s;
  s.name = "spin";
  s.tasks.push_back(task("t", {wb::test::loop({yield()})}));
  loop::LoopConfig cfg;
  cfg.run.limits.max_steps = 4'000'000'000ull;
  cfg.run.limits.max_seconds = 0.2;
  cfg.run.trace = false;
  EXPECT_EQ(run_on_loop(s, "ngx_posted_next", cfg).verdict.kind, VerdictKind::BoundTime);
}

TEST(Backend, SleepsAreRealTimers) {
  ScenarioSpec s;
  s.name = "sleepers";
  s.tasks.push_back(task("slow", {op(OpKind::Sleep, "", 30), print("slow")}));
  s.tasks.push_back(task("fast", {op(OpKind::Sleep, "", 10), print("fast")}));
  Outcome o = run_on_loop(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  ASSERT_EQ(o.output.size(), 2u);
  EXPECT_EQ(o.scenario->texts[o.output[0].text], "fast");
  EXPECT_GE(o.output[1].time, 29000);  // microseconds
  EXPECT_GE(o.stats.elapsed_s, 0.029);
}

// Foreign threads and workers are std::threads stepping the machine under one
// lock (the TSan build checks that every access is under it).
TEST(Backend, AForeignThreadWakesTheLoopThroughItsInbox) {
  ScenarioSpec s;
  s.name = "sidecar";
  s.queues = {WaitQueueSpec{"reply"}};
  s.counters = {CounterSpec{"done", 0}};
  s.tasks.push_back(task("handler", {wb::test::loop({reg("reply"), if_("done", Cmp::Gt, 0, {brk()}),
                                                     pending()}),
                                     print("resumed")}));
  s.threads.push_back(ThreadSpec{"tokio", 1, {add("done", 1), wake("reply")}, true});
  run_on_loop(s, "thread_notify");  // the first thread may start a sanitizer's helper thread
  size_t threads = loop::testing::live_threads();
  for (int i = 0; i < 10; ++i) {
    Outcome o = run_on_loop(s, "thread_notify");
    ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    ASSERT_EQ(o.output.size(), 1u);
  }
  EXPECT_EQ(loop::testing::live_threads(), threads);
}

// A guard that is Send (parking_lot with send_guard): held across the yield,
// it may be released on the other worker. (A std guard would be not_send.)
TEST(Backend, TwoWorkersShareTheQueues) {
  ScenarioSpec s;
  s.name = "two-workers";
  s.workers = 2;
  s.mutexes = {MutexSpec{"m", MutexKind::BlockingSend}};
  s.tasks.push_back(task("holder", {lock("m"), yield(), unlock("m")}));
  s.tasks.push_back(task("contender", {lock("m"), unlock("m")}));
  for (const char* p : {"ngx_posted", "ngx_posted_next", "fifo", "thread_notify"})
    for (int i = 0; i < 10; ++i) {
      Outcome o = run_on_loop(s, p);
      ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << p << ": " << o.verdict.explanation;
    }
  s.mutexes[0].kind = MutexKind::Blocking;
  EXPECT_EQ(run_on_loop(s, "fifo").verdict.kind, VerdictKind::NotSend);
}

// Each side takes its first lock, says so, and waits for the other's word
// before asking for its second: the cycle forms whatever the scheduling of
// the real threads (a busy machine only makes it slower).
TEST(Backend, ALockCycleAcrossRealThreadsIsReported) {
  ScenarioSpec s;
  s.name = "inversion";
  s.mutexes = {MutexSpec{"a", MutexKind::Blocking}, MutexSpec{"b", MutexKind::Blocking}};
  s.counters = {CounterSpec{"worker_has_a", 0}, CounterSpec{"task_has_b", 0}};
  s.threads.push_back(ThreadSpec{"worker", 0,
                                 {lock("a"), add("worker_has_a", 1),
                                  test::loop({if_("task_has_b", Cmp::Gt, 0, {brk()}),
                                        op(OpKind::Compute, "", 1)}),
                                  lock("b"), unlock("b"), unlock("a")},
                                 true});
  s.tasks.push_back(task("t", {lock("b"), add("task_has_b", 1),
                               test::loop({if_("worker_has_a", Cmp::Gt, 0, {brk()}),
                                     op(OpKind::Sleep, "", 1)}),
                               lock("a"), unlock("a"), unlock("b")}));
  loop::LoopConfig cfg;
  cfg.watchdog_s = 0.2;
  Outcome o = run_on_loop(s, "fifo", cfg);
  EXPECT_EQ(o.verdict.kind, VerdictKind::LockCycle) << o.verdict.explanation;
}

// Condition variables (exec/primitives/condvar.hpp) and barriers
// (exec/primitives/barrier.hpp): a spurious wake-up found by exhaustive
// search (an `if` around the wait) and ruled out by the predicate loop, a
// lost notify, notify_one vs notify_all, a wait blocking the loop thread,
// barrier release, leader, reuse and hang (std and tokio), tokio's dropped
// waiter still counted, the compile errors, and the same verdict kinds with
// reductions on and off.
#include <gtest/gtest.h>

#include <map>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

namespace {

using Kinds = std::map<std::string, uint64_t>;

struct Explored {
  Kinds kinds;
  std::string counterexample;
};

Explored explore(const ScenarioSpec& s, bool reductions = true, const std::string& policy = "fifo") {
  // Without reductions a spurious wake-up offered at every pick of a thread
  // multiplies the schedules (2 threads around one wait: about 743,000).
  auto sc = std::make_shared<const Scenario>(compile(s));
  auto p = make_policy(policy);
  Explored out;
  for (bool all : {true, false}) {
    ExploreConfig cfg;
    cfg.strategy = Strategy::Exhaustive;
    cfg.stop_at_first = !all;
    cfg.sleep_sets = reductions;
    cfg.state_cache = reductions;
    Explorer e(sc, *p, cfg);
    e.advance(reductions ? 400000 : 3000000, 120);
    EXPECT_TRUE(e.report().finished) << e.report().schedules << " schedules";
    if (all) {
      EXPECT_TRUE(e.report().complete && !e.report().deviation_cut);
    }
    for (const auto& [kind, n] : e.report().outcomes) EXPECT_NE(kind.rfind("bound/", 0), 0u) << kind;
    if (all) out.kinds = e.report().outcomes;
    else if (e.report().counterexample) out.counterexample = e.report().counterexample->verdict.explanation;
  }
  return out;
}

// Reductions on and off reach the same verdict kinds.
void same_off(const ScenarioSpec& s, const Explored& on) {
  Explored off = explore(s, false);
  EXPECT_EQ(off.kinds.size(), on.kinds.size());
  for (const auto& [kind, n] : on.kinds) EXPECT_TRUE(off.kinds.count(kind)) << kind;
}

OpSpec wait(const std::string& cv, const std::string& m) {
  OpSpec o = op(OpKind::CvWait, cv);
  o.text = m;
  return o;
}
OpSpec notify_one(const std::string& cv) { return op(OpKind::CvNotifyOne, cv); }
OpSpec notify_all(const std::string& cv) { return op(OpKind::CvNotifyAll, cv); }
OpSpec barrier_wait(const std::string& b, std::vector<OpSpec> on_leader = {}) {
  OpSpec o = op(OpKind::BarrierWait, b);
  o.body = std::move(on_leader);
  return o;
}
OpSpec set(const std::string& c, int64_t v) { return op(OpKind::Set, c, v); }
OpSpec panic(const std::string& text) {
  OpSpec o = op(OpKind::Panic);
  o.text = text;
  return o;
}
ThreadSpec thread(const std::string& name, std::vector<OpSpec> ops) {
  ThreadSpec t;
  t.name = name;
  t.ops = std::move(ops);
  return t;
}

// A waiter thread and a setter thread around `ready`, under mutex m.
ScenarioSpec handshake(const std::string& name, std::vector<OpSpec> waiter,
                       std::vector<OpSpec> setter) {
  ScenarioSpec s;
  s.name = name;
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.condvars = {CondvarSpec{"cv"}};
  s.counters = {CounterSpec{"ready", 0}};
  s.threads = {thread("waiter", std::move(waiter)), thread("setter", std::move(setter))};
  return s;
}

std::vector<OpSpec> set_and_notify() {
  return {lock("m"), set("ready", 1), notify_one("cv"), unlock("m")};
}

}  // namespace

// ---- std::sync::Condvar -----------------------------------------------------

TEST(Condvar, AnIfAroundTheWaitProceedsAfterASpuriousWakeUp) {
  // No lost notify here (ready is checked and set under m), so only a
  // spurious wake-up lets the waiter past its `if` with ready still 0.
  ScenarioSpec s = handshake(
      "if-wait",
      {lock("m"), if_("ready", Cmp::Eq, 0, {wait("cv", "m")}),
       if_("ready", Cmp::Eq, 0, {panic("proceeded with ready false")}), unlock("m")},
      set_and_notify());
  Explored e = explore(s);
  EXPECT_EQ(e.kinds.size(), 2u);
  EXPECT_TRUE(e.kinds.count("ok"));
  ASSERT_TRUE(e.kinds.count("panic"));
  EXPECT_TRUE(contains(e.counterexample, "proceeded with ready false")) << e.counterexample;
  same_off(s, e);
  // The canonical schedule has no spurious wake-up.
  EXPECT_EQ(run_spec(s, "fifo").verdict.kind, VerdictKind::Ok);
}

TEST(Condvar, APredicateLoopIsOk) {
  ScenarioSpec s = handshake(
      "while-wait",
      {lock("m"), loop({if_("ready", Cmp::Ne, 0, {brk()}), wait("cv", "m")}),
       if_("ready", Cmp::Eq, 0, {panic("proceeded with ready false")}), unlock("m")},
      set_and_notify());
  Explored e = explore(s);
  EXPECT_EQ(e.kinds.size(), 1u);
  EXPECT_TRUE(e.kinds.count("ok"));
  // Not compared with reductions off here: that is 743,000 schedules (15 s,
  // minutes under the sanitizers). The other condvar tests compare, and the
  // reductions property (tests/test_reductions.py) draws condvar waits.
}

TEST(Condvar, ANotifyBeforeTheWaitIsLost) {
  // No predicate: if the setter notifies first, nobody waits and nothing is
  // stored; the waiter then waits for good.
  ScenarioSpec s = handshake("lost-notify", {lock("m"), wait("cv", "m"), unlock("m")},
                             {lock("m"), notify_one("cv"), unlock("m")});
  Explored e = explore(s);
  ASSERT_TRUE(e.kinds.count("deadlock/never_woken"));
  EXPECT_TRUE(e.kinds.count("ok"));
  EXPECT_TRUE(contains(e.counterexample, "thread 'waiter' (thread 'waiter') waits on condvar 'cv'"))
      << e.counterexample;
  EXPECT_TRUE(contains(e.counterexample, "nothing left can act on thread 'waiter'")) << e.counterexample;
  same_off(s, e);
}

TEST(Condvar, ASecondWaiterLeftByNotifyOneHangsAndNotifyAllWakesBoth) {
  for (bool all : {false, true}) {
    ScenarioSpec s;
    s.name = "two-waiters";
    s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
    s.condvars = {CondvarSpec{"cv"}};
    s.counters = {CounterSpec{"ready", 0}};
    std::vector<OpSpec> waiter = {lock("m"), loop({if_("ready", Cmp::Ne, 0, {brk()}), wait("cv", "m")}),
                                  unlock("m")};
    s.threads = {thread("a", waiter), thread("b", waiter),
                 thread("setter", {lock("m"), set("ready", 1), all ? notify_all("cv") : notify_one("cv"),
                                   unlock("m")})};
    Explored e = explore(s);
    EXPECT_TRUE(e.kinds.count("ok"));
    EXPECT_EQ(e.kinds.count("deadlock/never_woken"), all ? 0u : 1u);
    EXPECT_EQ(e.kinds.size(), all ? 1u : 2u);
  }
}

TEST(Condvar, AWaitInATaskBlocksTheLoopThread) {
  // The notifier is a task on the same (current-thread) loop: the waiting
  // task blocks the only executor thread, so it never runs.
  ScenarioSpec s;
  s.name = "cv-in-task";
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.condvars = {CondvarSpec{"cv"}};
  s.counters = {CounterSpec{"ready", 0}};
  s.tasks.push_back(task("waiter", {lock("m"), loop({if_("ready", Cmp::Ne, 0, {brk()}), wait("cv", "m")}),
                                    unlock("m")}));
  s.tasks.push_back(task("setter", set_and_notify()));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::BlockedThread) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "waits on condvar 'cv'")) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "task 'setter' may notify")) << o.verdict.explanation;
  Explored e = explore(s);
  EXPECT_EQ(e.kinds.size(), 1u);
  EXPECT_TRUE(e.kinds.count("deadlock/blocked_thread"));
}

TEST(Condvar, CompileErrorsNameThePlace) {
  ScenarioSpec s = handshake("unheld", {wait("cv", "m")}, {});
  EXPECT_TRUE(contains(compile_error(s), "thread 'waiter', op #0 (wait 'cv'): waits with mutex 'm', "
                                         "which it does not hold"))
      << compile_error(s);
  s.mutexes[0].kind = MutexKind::AsyncFair;
  s.threads[0].ops = {wait("cv", "m")};
  EXPECT_TRUE(contains(compile_error(s), "std::sync::Condvar waits with the guard of a std::sync::Mutex"))
      << compile_error(s);
  s = handshake("unknown", {lock("m"), wait("cv", "n"), unlock("m")}, {});
  EXPECT_TRUE(contains(compile_error(s), "unknown mutex 'n'")) << compile_error(s);
  s = handshake("unknown-cv", {lock("m"), wait("cw", "m"), unlock("m")}, {});
  EXPECT_TRUE(contains(compile_error(s), "unknown condvar 'cw'")) << compile_error(s);
}

// ---- Barriers ---------------------------------------------------------------

namespace {
ScenarioSpec with_barrier(const std::string& name, int64_t parties, BarrierKind kind) {
  ScenarioSpec s;
  s.name = name;
  s.barriers = {BarrierSpec{"b", parties, kind}};
  return s;
}
size_t count_lines(const Outcome& o, const std::string& text) {
  size_t n = 0;
  for (const auto& l : o.output) n += o.scenario->texts[l.text] == text;
  return n;
}
}  // namespace

TEST(StdBarrier, ReleasesAllWithOneLeaderPerGenerationAndIsReusable) {
  ScenarioSpec s = with_barrier("std-barrier", 3, BarrierKind::Std);
  s.counters = {CounterSpec{"leaders", 0, 2}};  // past 2 leaders in 2 generations: exhausted
  std::vector<OpSpec> body = {barrier_wait("b", {add("leaders", 1), print("leader")}), print("through"),
                              barrier_wait("b", {add("leaders", 1), print("leader")})};
  s.threads = {thread("a", body), thread("b1", body), thread("c", body)};
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(count_lines(o, "leader"), 2u);
  EXPECT_EQ(count_lines(o, "through"), 3u);
  Explored e = explore(s);
  EXPECT_EQ(e.kinds.size(), 1u);
  EXPECT_TRUE(e.kinds.count("ok"));
  // Two parties, once each: the same with reductions off.
  ScenarioSpec two = with_barrier("std-barrier-2", 2, BarrierKind::Std);
  two.threads = {thread("a", {barrier_wait("b", {print("leader")})}),
                 thread("c", {barrier_wait("b", {print("leader")})})};
  Explored e2 = explore(two);
  EXPECT_EQ(e2.kinds.size(), 1u);
  same_off(two, e2);
}

TEST(StdBarrier, FewerPartiesThanNHang) {
  ScenarioSpec s = with_barrier("std-barrier-hang", 3, BarrierKind::Std);
  s.threads = {thread("a", {barrier_wait("b")}), thread("c", {barrier_wait("b")})};
  Explored e = explore(s);
  EXPECT_EQ(e.kinds.size(), 1u);
  ASSERT_TRUE(e.kinds.count("deadlock/never_woken"));
  EXPECT_TRUE(contains(e.counterexample, "waits at std Barrier 'b' at thread 'a' op #0 (barrier_wait 'b') "
                                         "(2 of 3 arrived)"))
      << e.counterexample;
}

TEST(StdBarrier, AWaiterWhoseLastPartyIsATaskOnTheSameLoopBlocksIt) {
  ScenarioSpec s = with_barrier("std-barrier-task", 2, BarrierKind::Std);
  s.tasks.push_back(task("first", {barrier_wait("b")}));
  s.tasks.push_back(task("second", {barrier_wait("b")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::BlockedThread) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "task 'second' may still reach")) << o.verdict.explanation;
}

TEST(TokioBarrier, ReleasesTasksWithOneLeader) {
  ScenarioSpec s = with_barrier("tokio-barrier", 2, BarrierKind::Tokio);
  std::vector<OpSpec> body = {barrier_wait("b", {print("leader")}), print("through")};
  s.tasks = {task("a", body), task("c", body)};
  for (const char* policy : {"fifo", "ngx_inline", "ngx_posted_next"}) {
    Outcome o = run_spec(s, policy);
    EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    EXPECT_EQ(count_lines(o, "leader"), 1u);
    EXPECT_EQ(count_lines(o, "through"), 2u);
  }
  s.tasks.pop_back();
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::NeverWoken) << o.verdict.explanation;
}

TEST(TokioBarrier, ADroppedWaiterStaysCounted) {
  // tokio's wait future is not cancel-safe: aborted while waiting, its
  // arrival is not taken back, so the next task alone completes the
  // generation (and leads).
  ScenarioSpec s = with_barrier("tokio-barrier-abort", 2, BarrierKind::Tokio);
  s.tasks.push_back(task("w", {barrier_wait("b", {print("w leads")}), print("w through")}));
  s.tasks.push_back(task("killer", {yield(), op(OpKind::Abort, "w"), yield(), yield(),
                                    barrier_wait("b", {print("killer leads")})}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(count_lines(o, "killer leads"), 1u);
  EXPECT_EQ(count_lines(o, "w through"), 0u);
}

TEST(TokioBarrier, CompileErrors) {
  ScenarioSpec s = with_barrier("tokio-in-thread", 2, BarrierKind::Tokio);
  s.threads = {thread("t", {barrier_wait("b")})};
  EXPECT_TRUE(contains(compile_error(s), "cannot await")) << compile_error(s);
  s = with_barrier("negative", -1, BarrierKind::Std);
  EXPECT_TRUE(contains(compile_error(s), "barrier 'b': parties must be in [0, ")) << compile_error(s);
}

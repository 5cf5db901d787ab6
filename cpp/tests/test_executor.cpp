#include <gtest/gtest.h>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

TEST(Policies, DecideFromWakeInfo) {
  WakeInfo w;
  w.ctx = WakeCtx::DropHook;
  auto inl = make_policy("ngx_inline");
  auto nested = make_policy("ngx_defer_nested");
  EXPECT_EQ(inl->decide(w), Action::PollInline);
  EXPECT_EQ(nested->decide(w), Action::PollInline);
  w.polling = true;
  EXPECT_EQ(inl->decide(w), Action::PollInline);
  EXPECT_EQ(nested->decide(w), Action::PostNext);
  w.task_running = true;  // woken while running: through ngx-rust's scheduler
  EXPECT_EQ(inl->decide(w), Action::PostNext);
  EXPECT_EQ(make_policy("ngx_posted")->decide(w), Action::Post);
  EXPECT_EQ(make_policy("ngx_posted_next")->decide(w), Action::PostNext);
  EXPECT_EQ(make_policy("fifo")->decide(w), Action::RunQueue);
  try {
    make_policy("nope");
    FAIL();
  } catch (const UnknownName& e) {
    EXPECT_TRUE(contains(e.what(), "valid: ngx_inline, ngx_defer_nested")) << e.what();
  }
}

// The state cache leaves out what a policy's declared actions cannot make
// matter, so a policy that returns an action it did not declare is refused.
TEST(Policies, AnUndeclaredActionIsRefused) {
  struct Liar final : Policy {
    std::string_view name() const override { return "liar"; }
    Action decide(const WakeInfo&) override { return Action::PostNext; }
    uint32_t actions() const override { return action_bit(Action::RunQueue); }
  } liar;
  auto sc = std::make_shared<const Scenario>(compile(early_wake()));
  try {
    run_scenario(sc, liar, {}, {});
    FAIL();
  } catch (const PolicyError& e) {
    EXPECT_TRUE(contains(e.what(), "policy 'liar' returned posted_next, which it does not declare"))
        << e.what();
  }
}

TEST(H2DropWake, NestedDeadlocksOnlyInline) {
  ScenarioSpec s = h2_drop_wake(false);
  Outcome o = run_spec(s, "ngx_inline");
  EXPECT_EQ(o.verdict.kind, VerdictKind::ReentrantLock) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "blocking mutex 'inner'")) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "drop hook of 'stream' holds it lower on the same stack")) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "poll of 'conn' (inline, woken from drop_hook)"))
      << o.verdict.explanation;
  for (const char* p : {"ngx_defer_nested", "ngx_posted", "ngx_posted_next", "fifo"}) {
    Outcome ok = run_spec(s, p);
    EXPECT_EQ(ok.verdict.kind, VerdictKind::Ok) << p << ": " << ok.verdict.explanation;
    ASSERT_EQ(ok.output.size(), 2u) << p;
    EXPECT_EQ(ok.scenario->texts[ok.output[1].text], "connection closed");
  }
}

TEST(H2DropWake, CleanupDeadlocksInlineAndDeferNested) {
  ScenarioSpec s = h2_drop_wake(true);
  for (const char* p : {"ngx_inline", "ngx_defer_nested"}) {
    Outcome o = run_spec(s, p);
    EXPECT_EQ(o.verdict.kind, VerdictKind::ReentrantLock) << p << ": " << o.verdict.explanation;
    EXPECT_TRUE(contains(o.verdict.explanation, "cleanup handler 'close'")) << o.verdict.explanation;
  }
  for (const char* p : {"ngx_posted", "ngx_posted_next", "fifo"})
    EXPECT_EQ(run_spec(s, p).verdict.kind, VerdictKind::Ok) << p;
}

TEST(Trace, ByteIdenticalForSameScheduleAndSeed) {
  ScenarioSpec s = h2_drop_wake(true);
  for (uint64_t seed : {1u, 2u, 3u}) {
    ScheduleSpec sp;
    sp.seed = seed;
    Outcome a = run_spec(s, "fifo", sp), b = run_spec(s, "fifo", sp);
    EXPECT_EQ(a.trace_text(), b.trace_text());
    EXPECT_EQ(a.schedule, b.schedule);
    ScheduleSpec replay;
    replay.schedule = a.schedule;
    EXPECT_EQ(run_spec(s, "fifo", replay).trace_text(), a.trace_text());
  }
}

TEST(AsyncMutex, CycleIsLockCycle) {
  ScenarioSpec s;
  s.name = "abba";
  s.mutexes = {MutexSpec{"a", MutexKind::AsyncFair}, MutexSpec{"b", MutexKind::AsyncFair}};
  s.tasks.push_back(task("t1", {lock("a"), yield(), lock("b"), unlock("b"), unlock("a")}));
  s.tasks.push_back(task("t2", {lock("b"), yield(), lock("a"), unlock("a"), unlock("b")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::LockCycle) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "task 't1' waits")) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "held by task 't2'")) << o.verdict.explanation;
}

TEST(AsyncMutex, FairHandOffCompletesBoth) {
  ScenarioSpec s;
  s.name = "handoff";
  s.mutexes = {MutexSpec{"a", MutexKind::AsyncFair}};
  s.tasks.push_back(task("t1", {lock("a"), yield(), unlock("a"), print("t1 done")}));
  s.tasks.push_back(task("t2", {lock("a"), unlock("a"), print("t2 done")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.trace_text(), "'a' handed off to 't2'"));
}

TEST(LostWake, PendingWithoutWaker) {
  ScenarioSpec s;
  s.name = "forgot-to-register";
  s.tasks.push_back(task("t", {pending(), print("never")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::LostWake);
  EXPECT_TRUE(contains(o.verdict.explanation, "nobody holds its waker")) << o.verdict.explanation;
}

TEST(LostWake, WakeBeforeRegister) {
  Outcome o = run_spec(early_wake(), "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::LostWake);
  EXPECT_TRUE(contains(o.verdict.explanation, "found it empty")) << o.verdict.explanation;
}

TEST(BlockedThread, StdMutexAcrossAwait) {
  ScenarioSpec s;
  s.name = "std-mutex-across-await";
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.tasks.push_back(task("holder", {lock("m"), yield(), unlock("m")}));
  s.tasks.push_back(task("other", {lock("m"), unlock("m")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::BlockedThread) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "task 'holder' holds it")) << o.verdict.explanation;
}

TEST(Bounds, StepBoundStopsALivelock) {
  ScenarioSpec s;
  s.name = "spin";
  s.tasks.push_back(task("t", {loop({yield()})}));
  RunConfig cfg;
  cfg.limits.max_steps = 1000;
  Outcome o = run_spec(s, "fifo", {}, cfg);
  EXPECT_EQ(o.verdict.kind, VerdictKind::BoundSteps);
  EXPECT_EQ(o.stats.steps, 1000u);
}

TEST(Bounds, DepthBoundStopsInlineChains) {
  ScenarioSpec s;
  s.name = "chain";
  const int n = 20;
  for (int i = 0; i < n; ++i) s.queues.push_back(WaitQueueSpec{"q" + std::to_string(i)});
  for (int i = 0; i < n; ++i) {
    std::vector<OpSpec> ops = {park("q" + std::to_string(i))};
    if (i + 1 < n) ops.push_back(wake("q" + std::to_string(i + 1)));
    s.tasks.push_back(task("t" + std::to_string(i), ops));
  }
  s.handlers.push_back(handler("kick", 1, {wake("q0")}));
  RunConfig cfg;
  cfg.limits.max_depth = 8;
  EXPECT_EQ(run_spec(s, "ngx_inline", {}, cfg).verdict.kind, VerdictKind::BoundDepth);
  EXPECT_EQ(run_spec(s, "ngx_posted", {}, cfg).verdict.kind, VerdictKind::Ok);
}

TEST(Explore, ExhaustiveFindsEveryOrderAndSleepSetsPrune) {
  ScenarioSpec s;
  s.name = "three";
  s.counters = {CounterSpec{"c", 0}, CounterSpec{"d", 0}, CounterSpec{"e", 0}};
  // Three event handlers ready at once (one epoll_wait reports them in any
  // order), touching three different counters: every order is equivalent.
  const char* names[] = {"a", "b", "c"};
  const char* ctrs[] = {"c", "d", "e"};
  for (int i = 0; i < 3; ++i) {
    HandlerSpec h;
    h.name = names[i];
    h.at = 1;
    h.ops = {add(ctrs[i], 1)};
    s.handlers.push_back(h);
  }
  auto sc = std::make_shared<const Scenario>(compile(s));
  auto p = make_policy("fifo");
  ExploreConfig full;
  full.strategy = Strategy::Exhaustive;
  full.sleep_sets = false;
  Explorer a(sc, *p, full);
  a.advance(100000, 10);
  ExploreConfig reduced = full;
  reduced.sleep_sets = true;
  Explorer b(sc, *p, reduced);
  b.advance(100000, 10);
  EXPECT_TRUE(a.report().complete);
  EXPECT_TRUE(b.report().complete);
  EXPECT_EQ(a.report().schedules, 6u);  // 3! orders
  EXPECT_LT(b.report().schedules, a.report().schedules);
  EXPECT_EQ(a.report().outcomes.at("ok"), a.report().schedules);
  EXPECT_GT(b.report().states, 1u);
}

TEST(Explore, EveryStrategyFindsTheNestedDropWakeAndMinimises) {
  auto sc = std::make_shared<const Scenario>(compile(h2_drop_wake(false)));
  auto p = make_policy("ngx_inline");
  for (Strategy st : {Strategy::Random, Strategy::Pct, Strategy::Exhaustive}) {
    ExploreConfig cfg;
    cfg.strategy = st;
    Explorer e(sc, *p, cfg);
    e.advance(1000, 10);
    ASSERT_TRUE(e.report().counterexample);
    EXPECT_EQ(e.report().counterexample->verdict.kind, VerdictKind::ReentrantLock);
    EXPECT_EQ(e.report().counterexample->schedule, "v1.");
  }
}

TEST(Replicas, MillionParkedTasksStaySmall) {
  ScenarioSpec s;
  s.name = "parked";
  s.queues = {WaitQueueSpec{"q"}};
  TaskSpec t = task("t", {park("q")});
  t.count = 20000;  // benchmarks/core.py measures a million
  t.daemon = true;
  s.tasks.push_back(t);
  RunConfig cfg;
  cfg.trace = false;
  cfg.limits.max_seconds = 600;  // sanitizer builds are slow
  Outcome o = run_spec(s, "fifo", {}, cfg);
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(o.stats.polls, 20000u);
  EXPECT_LT(o.stats.model_bytes / 20000, 256u);
}

// ---- regressions from the core review --------------------------------------

TEST(Review, CounterOverflowIsAScenarioError) {
  ScenarioSpec s;
  s.name = "overflow";
  s.counters = {CounterSpec{"c", INT64_MAX}};
  s.tasks.push_back(task("t", {add("c", 1)}));
  EXPECT_THROW(run_spec(s, "fifo"), ScenarioError);
}

TEST(Review, BargingWakePassesOnWhenTheWokenWaiterIsDropped) {
  ScenarioSpec s;
  s.name = "barging-drop";
  s.mutexes = {MutexSpec{"m", MutexKind::AsyncBarging}};
  s.tasks.push_back(task("h", {lock("m"), yield(), unlock("m"), drop("w1")}));
  s.tasks.push_back(task("w1", {lock("m"), unlock("m")}));
  s.tasks.push_back(task("w2", {lock("m"), unlock("m"), print("w2 done")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
}

TEST(Review, AWaiterOnAFreeMutexIsNotACycle) {
  ScenarioSpec s;
  s.name = "free-mutex-waiter";
  s.mutexes = {MutexSpec{"m", MutexKind::AsyncFair}};
  s.queues = {WaitQueueSpec{"q"}};
  // 'w' waits for m; 'h' holds m and then parks forever holding it: no cycle,
  // the root is 'h', whose waker the queue holds but nothing will use.
  s.tasks.push_back(task("h", {lock("m"), park("q"), unlock("m")}));
  s.tasks.push_back(task("w", {lock("m"), unlock("m")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::NeverWoken) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "task 'w' waits for async mutex 'm' held by task 'h'"))
      << o.verdict.explanation;
}

// Rust drops a future's locals in reverse declaration order: the guard its
// program took (declared after the object it owns from its start) drops
// first, so the object's Drop can take the lock. (Dropping the object first
// gave a false reentrant_lock.)
TEST(Review, AGuardDropsBeforeTheObjectsItsTaskOwnedFromItsStart) {
  ScenarioSpec s;
  s.name = "teardown-guard";
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.queues = {WaitQueueSpec{"q"}};
  s.tasks.push_back(task("t", {lock("m"), park("q"), unlock("m")}));
  ObjectSpec o;
  o.name = "o";
  o.owner = "t";
  o.on_drop = {lock("m"), unlock("m")};
  s.objects.push_back(o);
  s.handlers.push_back(handler("close", 1, {drop("t")}, HandlerKind::Cleanup));
  Outcome out = run_spec(s, "ngx_posted");
  EXPECT_EQ(out.verdict.kind, VerdictKind::Ok) << out.verdict.explanation;
  std::string t = out.trace_text();
  EXPECT_LT(t.find("unlock 'm'"), t.find("drop 'o'")) << t;
}

TEST(Review, TimePassesWhileTheLoopSpinsOnPostedNext) {
  ScenarioSpec s;
  s.name = "spin-until-timer";
  s.counters = {CounterSpec{"flag", 0}};
  s.tasks.push_back(task("t", {loop({if_("flag", Cmp::Eq, 1, {brk()}), yield()})}));
  s.handlers.push_back(handler("timer", 5, {op(OpKind::Set, "flag", 1)}));
  for (const char* p : {"ngx_posted_next", "fifo"}) {
    Outcome o = run_spec(s, p);
    EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << p << ": " << o.verdict.explanation;
  }
  EXPECT_TRUE(contains(run_spec(s, "ngx_posted_next").trace_text(), "(posted_next)"));
}

TEST(Review, BadEnumsAndAmbiguousNamesAreErrors) {
  ScenarioSpec s;
  s.name = "bad-enums";
  s.mutexes = {MutexSpec{"m", static_cast<MutexKind>(7)}};
  s.tasks.push_back(task("t", {}));
  EXPECT_THROW(compile(s), ScenarioError);
  s.mutexes.clear();
  OpSpec bad = if_("c", static_cast<Cmp>(9), 0, {});
  s.counters = {CounterSpec{"c", 0}};
  s.tasks[0].ops = {bad};
  EXPECT_THROW(compile(s), ScenarioError);
  s.tasks[0].ops = {};
  ObjectSpec o;
  o.name = "t";
  s.objects.push_back(o);
  EXPECT_THROW(compile(s), ScenarioError);
}

TEST(Review, HandlerRepeatsDoNotGrowEveryTask) {
  ScenarioSpec s;
  s.name = "locals";
  s.queues = {WaitQueueSpec{"q"}};
  TaskSpec t = task("t", {park("q")});
  t.count = 10000;
  t.daemon = true;
  s.tasks.push_back(t);
  OpSpec nested = print("x");
  for (int i = 0; i < 20; ++i) nested = repeat(1, {nested});
  s.handlers.push_back(handler("h", 1, {nested}));
  Scenario sc = compile(s);
  EXPECT_EQ(sc.task_locals, 0u);
}

TEST(Review, VerdictDoesNotDependOnTracing) {
  ScenarioSpec s;
  s.name = "long";
  s.counters = {CounterSpec{"c", 0}};
  s.tasks.push_back(task("t", {repeat(20000, {add("c", 1)}), pending()}));
  RunConfig traced, quiet;
  traced.limits.max_memory = quiet.limits.max_memory = 200000;
  traced.limits.max_trace = 1000;
  quiet.trace = false;
  Outcome a = run_spec(s, "fifo", {}, traced), b = run_spec(s, "fifo", {}, quiet);
  EXPECT_EQ(a.verdict.kind, b.verdict.kind);
  EXPECT_EQ(a.verdict.kind, VerdictKind::LostWake);
  EXPECT_TRUE(a.trace_truncated);
  EXPECT_TRUE(contains(a.trace_text(), "trace cut at 1000 events"));
}

// ---- virtual time ------------------------------------------------------------

TEST(Sleep, TimersWakeInTimeOrderAndTiesAreChoices) {
  ScenarioSpec s;
  s.name = "sleepers";
  s.tasks.push_back(task("slow", {op(OpKind::Sleep, "", 10), print("slow")}));
  s.tasks.push_back(task("fast", {op(OpKind::Sleep, "", 5), print("fast")}));
  s.tasks.push_back(task("tie", {op(OpKind::Sleep, "", 5), print("tie")}));
  Outcome o = run_spec(s, "ngx_posted");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  ASSERT_EQ(o.output.size(), 3u);
  EXPECT_EQ(o.scenario->texts[o.output[0].text], "fast");
  EXPECT_EQ(o.output[0].time, 5);
  EXPECT_EQ(o.scenario->texts[o.output[2].text], "slow");
  EXPECT_EQ(o.output[2].time, 10);
  EXPECT_TRUE(contains(o.trace_text(), "'slow' sleeps until t=10"));
  auto sc = std::make_shared<const Scenario>(compile(s));
  auto p = make_policy("ngx_posted");
  ExploreConfig cfg;
  cfg.strategy = Strategy::Exhaustive;
  cfg.stop_at_first = false;
  cfg.sleep_sets = false;
  Explorer e(sc, *p, cfg);
  e.advance(1000, 10);
  EXPECT_TRUE(e.report().complete);
  EXPECT_GE(e.report().schedules, 2u);  // the tie at t=5 goes both ways
}

TEST(Sleep, InlinePolicyPollsFromTheTimerHandler) {
  ScenarioSpec s;
  s.name = "timer-inline";
  s.tasks.push_back(task("t", {op(OpKind::Sleep, "", 3), print("woke")}));
  Outcome o = run_spec(s, "ngx_inline");
  EXPECT_TRUE(contains(o.trace_text(), "wake 't' from event_handler -> inline")) << o.trace_text();
}

TEST(Sleep, BadDurationsAndPlaces) {
  ScenarioSpec s;
  s.name = "bad-sleep";
  s.tasks.push_back(task("t", {op(OpKind::Sleep, "", -1)}));
  EXPECT_THROW(compile(s), ScenarioError);
  s.tasks[0].ops = {};
  ObjectSpec o;
  o.name = "o";
  o.on_drop = {op(OpKind::Sleep, "", 1)};
  s.objects.push_back(o);
  EXPECT_THROW(compile(s), ScenarioError);
}

// ---- foreign threads -----------------------------------------------------------

namespace {
ScenarioSpec sidecar() {
  ScenarioSpec s;
  s.name = "sidecar";
  s.queues = {WaitQueueSpec{"reply"}};
  s.counters = {CounterSpec{"done", 0}};
  s.tasks.push_back(task("handler", {loop({reg("reply"), if_("done", Cmp::Gt, 0, {brk()}), pending()}),
                                     print("handler resumed")}));
  s.tasks.push_back(task("other", {repeat(3, {yield()})}));
  ThreadSpec t;
  t.name = "tokio";
  t.ops = {add("done", 1), wake("reply")};
  s.threads.push_back(t);
  return s;
}

std::map<std::string, uint64_t> explore_all(const ScenarioSpec& spec, const char* policy) {
  auto sc = std::make_shared<const Scenario>(compile(spec));
  auto p = make_policy(policy);
  ExploreConfig cfg;
  cfg.strategy = Strategy::Exhaustive;
  cfg.stop_at_first = false;
  Explorer e(sc, *p, cfg);
  e.advance(1'000'000, 30);
  EXPECT_TRUE(e.report().complete);
  return e.report().outcomes;
}
}  // namespace

TEST(Threads, SidecarWakeVerdictsPerPolicy) {
  ScenarioSpec s = sidecar();
  Outcome o = run_spec(s, "ngx_inline");
  EXPECT_EQ(o.verdict.kind, VerdictKind::WrongThread) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "thread 'tokio' wakes task 'handler'"))
      << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "belongs to thread 'main'")) << o.verdict.explanation;
  auto nested = explore_all(s, "ngx_defer_nested");
  EXPECT_TRUE(nested.count("wrong_thread") && nested.count("data_race"));
  auto posted = explore_all(s, "ngx_posted");
  EXPECT_TRUE(posted.count("data_race"));  // whenever the wake finds the handler registered
  EXPECT_FALSE(posted.count("wrong_thread"));
  for (const char* p : {"fifo", "thread_notify"}) {
    auto ok = explore_all(s, p);
    EXPECT_EQ(ok.size(), 1u) << p;
    EXPECT_TRUE(ok.count("ok")) << p;
  }
}

TEST(Threads, ALockHeldOnAnotherThreadIsWaitedForAndACycleIsFound) {
  ScenarioSpec s;
  s.name = "abba-threads";
  s.mutexes = {MutexSpec{"a", MutexKind::Blocking}, MutexSpec{"b", MutexKind::Blocking}};
  s.tasks.push_back(task("t", {lock("a"), yield(), lock("b"), unlock("b"), unlock("a")}));
  ThreadSpec th;
  th.name = "worker";
  th.ops = {lock("b"), print("worker has b"), lock("a"), unlock("a"), unlock("b")};
  s.threads.push_back(th);
  auto out = explore_all(s, "fifo");
  EXPECT_TRUE(out.count("ok"));           // one order runs through
  EXPECT_TRUE(out.count("deadlock/lock_cycle") || out.count("deadlock/blocked_thread"));
}

// ---- futures inside a task ----------------------------------------------------

TEST(Futures, AwaitPollsTheFutureOnTheOwnersStackAndItsWakesWakeTheOwner) {
  ScenarioSpec s;
  s.name = "await";
  s.queues = {WaitQueueSpec{"q"}};
  FutureSpec f;
  f.name = "inner";
  f.owner = "outer";
  f.ops = {park("q"), print("inner done")};
  s.futures.push_back(f);
  s.tasks.push_back(task("outer", {op(OpKind::Await, "inner"), print("outer done")}));
  s.tasks.push_back(task("waker", {yield(), wake("q")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  ASSERT_EQ(o.output.size(), 2u);
  EXPECT_EQ(o.scenario->texts[o.output[1].text], "outer done");
  EXPECT_TRUE(contains(o.trace_text(), "poll 'inner' (by its owner)")) << o.trace_text();
  EXPECT_TRUE(contains(o.trace_text(), "wake 'outer' from task_poll")) << o.trace_text();
}

TEST(Futures, AnOwnedLoserIsDroppedAndLeavesTheLockQueue) {
  ScenarioSpec s;
  s.name = "select-owned";
  s.mutexes = {MutexSpec{"m", MutexKind::AsyncFair}};
  FutureSpec a;
  a.name = "wants_lock";
  a.owner = "t";
  a.ops = {lock("m"), unlock("m")};
  FutureSpec b;
  b.name = "quick";
  b.owner = "t";
  b.ops = {};
  s.futures = {a, b};
  OpSpec sel = op(OpKind::Select);
  OpSpec br1 = op(OpKind::Branch, "wants_lock", 0);
  OpSpec br2 = op(OpKind::Branch, "quick", 0);
  br2.body = {print("quick won")};
  sel.body = {br1, br2};
  s.tasks.push_back(task("holder", {lock("m"), yield(), yield(), unlock("m")}));
  s.tasks.push_back(task("t", {sel}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.trace_text(), "task 'wants_lock' dropped")) << o.trace_text();
}

// JoinHandle::abort: the task is cancelled where it would be polled; its
// guards are released, its joiner woken; a counter past its bound stops the run.
TEST(Executor, AbortCancelsAtTheNextPollAndJoinReturns) {
  ScenarioSpec s;
  s.name = "abort";
  s.mutexes = {MutexSpec{"m", MutexKind::AsyncFair}};
  TaskSpec child = task("child", {lock("m"), op(OpKind::Sleep, "", 100), unlock("m"), print("child")});
  child.autostart = false;
  s.tasks.push_back(child);
  s.tasks.push_back(task("parent", {op(OpKind::Spawn, "child"), op(OpKind::Sleep, "", 10),
                                    op(OpKind::Abort, "child"), op(OpKind::WaitTask, "child"),
                                    lock("m"), print("parent"), unlock("m")}));
  for (const char* p : {"ngx_inline", "ngx_posted", "ngx_posted_next", "fifo", "thread_notify"}) {
    Outcome o = run_spec(s, p);
    ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << p << ": " << o.verdict.explanation;
    ASSERT_EQ(o.output.size(), 1u) << p;
    EXPECT_EQ(o.scenario->texts[o.output[0].text], "parent");
    EXPECT_TRUE(contains(o.trace_text(), "abort 'child'")) << o.trace_text();
  }
}

TEST(Executor, ACounterPastItsBoundIsResourceExhausted) {
  ScenarioSpec s;
  s.name = "queue";
  s.counters = {CounterSpec{"len", 0, 3}};
  s.tasks.push_back(task("producer", {repeat(5, {add("len", 1)})}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::ResourceExhausted);
  EXPECT_TRUE(contains(o.verdict.explanation, "counter 'len' reached 4, past its bound of 3"))
      << o.verdict.explanation;
}

// RefCell (Rust's borrow rules checked at run time), panics (a task unwinds,
// the verdict is panic) and with_ (a scoped guard released on every way out).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

namespace {

using Lines = std::vector<std::string>;

OpSpec borrow(const std::string& c) { return op(OpKind::Borrow, c); }
OpSpec borrow_mut(const std::string& c) { return op(OpKind::BorrowMut, c); }
OpSpec end_borrow(const std::string& c) { return op(OpKind::EndBorrow, c); }
OpSpec panic_(const std::string& text) {
  OpSpec o = op(OpKind::Panic);
  o.text = text;
  return o;
}
OpSpec with(OpSpec guard, std::vector<OpSpec> body) {
  OpSpec o = op(OpKind::With, guard.target);
  o.orelse = {std::move(guard)};
  o.body = std::move(body);
  return o;
}

ScenarioSpec cells(std::vector<TaskSpec> tasks) {
  ScenarioSpec s;
  s.name = "refcell";
  s.refcells = {RefCellSpec{"c"}};
  s.mutexes = {MutexSpec{"m", MutexKind::AsyncFair}, MutexSpec{"std", MutexKind::Blocking}};
  s.semaphores = {SemaphoreSpec{"sem", 1}};
  s.queues = {WaitQueueSpec{"q"}};
  s.tasks = std::move(tasks);
  return s;
}

std::map<std::string, uint64_t> kinds(const ScenarioSpec& s, bool reductions) {
  auto sc = std::make_shared<const Scenario>(compile(s));
  auto p = make_policy("fifo");
  ExploreConfig cfg;
  cfg.strategy = Strategy::Exhaustive;
  cfg.stop_at_first = false;
  cfg.sleep_sets = reductions;
  cfg.state_cache = reductions;
  Explorer e(sc, *p, cfg);
  e.advance(100000, 30);
  EXPECT_TRUE(e.report().complete);
  return e.report().outcomes;
}

}  // namespace

TEST(RefCell, SharedBorrowsCoexist) {
  Outcome o = run_spec(cells({task("a", {borrow("c"), borrow("c"), yield(), end_borrow("c"),
                                         end_borrow("c"), print("done")}),
                              task("b", {borrow("c"), end_borrow("c")})}),
                       "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"done"}));
}

TEST(RefCell, BorrowMutWhileBorrowedPanicsNamingTheBorrow) {
  // a holds a shared borrow across an await; b's borrow_mut panics.
  Outcome o = run_spec(cells({task("a", {borrow("c"), yield(), end_borrow("c"), print("a done")}),
                              task("b", {borrow_mut("c"), end_borrow("c"), print("b done")})}),
                       "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Panic) << o.verdict.explanation;
  const std::string& x = o.verdict.explanation;
  EXPECT_TRUE(contains(x, "task 'b' panics at task 'b' op #0 (borrow_mut 'c')")) << x;
  EXPECT_TRUE(contains(x, "already borrowed: BorrowMutError")) << x;
  EXPECT_TRUE(contains(x, "task 'a' holds a shared borrow (Ref) of it")) << x;
  EXPECT_TRUE(contains(x, "task 'a' op #0 (borrow 'c')")) << x;
  EXPECT_TRUE(contains(x, "unwinds")) << x;
  EXPECT_EQ(printed(o), (Lines{"a done"}));  // b unwound; a went on
}

TEST(RefCell, BorrowWhileMutablyBorrowedPanics) {
  Outcome o = run_spec(cells({task("a", {borrow_mut("c"), borrow("c"), end_borrow("c"), end_borrow("c")})}),
                       "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Panic);
  EXPECT_TRUE(contains(o.verdict.explanation, "already mutably borrowed: BorrowError"));
  EXPECT_TRUE(contains(o.verdict.explanation, "task 'a' (itself) holds a mutable borrow (RefMut)"))
      << o.verdict.explanation;
}

TEST(RefCell, TryBorrowFailsIntoItsBranch) {
  OpSpec tb = try_op(OpKind::TryBorrowMut, "c", {print("busy"), brk()});
  Outcome o = run_spec(cells({task("a", {borrow("c"), loop({tb, print("got it"), end_borrow("c"), brk()}),
                                         end_borrow("c")})}),
                       "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"busy"}));
  EXPECT_TRUE(contains(o.trace_text(), "try_borrow_mut on 'c' fails: already borrowed"));
}

TEST(RefCell, ABorrowEndsWhenItsTaskIsDropped) {
  ScenarioSpec s = cells({task("a", {borrow_mut("c"), park("q"), end_borrow("c")}),
                          task("b", {yield(), drop("a"), borrow_mut("c"), end_borrow("c"), print("b")})});
  s.tasks[0].daemon = true;
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"b"}));
}

TEST(RefCell, TouchedFromASecondThreadIsNotSend) {
  ScenarioSpec s = cells({task("a", {borrow("c"), end_borrow("c")})});
  ThreadSpec t;
  t.name = "sidecar";
  t.ops = {borrow("c"), end_borrow("c")};
  s.threads.push_back(t);
  auto sc = std::make_shared<const Scenario>(compile(s));
  auto p = make_policy("fifo");
  ExploreConfig cfg;
  cfg.strategy = Strategy::Exhaustive;
  Explorer e(sc, *p, cfg);
  e.advance(1000, 10);
  ASSERT_TRUE(e.report().counterexample) << "no counterexample";
  EXPECT_EQ(e.report().counterexample->verdict.kind, VerdictKind::NotSend);
  EXPECT_TRUE(contains(e.report().counterexample->verdict.explanation, "RefCell is !Sync"));
}

TEST(Panic, ExplicitPanicUnwindsTheTaskAndReleasesItsAsyncMutex) {
  // tokio: the panicking task's MutexGuard drops while it unwinds; b gets the lock.
  Outcome o = run_spec(cells({task("a", {lock("m"), yield(), panic_("boom"), unlock("m")}),
                              task("b", {lock("m"), print("b got m"), unlock("m")})}),
                       "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Panic) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "task 'a' panics at task 'a' op #2 (panic): \"boom\""))
      << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"b got m"}));
}

TEST(Panic, AJoinOfAPanickedTaskGoesOn) {
  ScenarioSpec s = cells({task("a", {panic_("boom")}), task("b", {op(OpKind::WaitTask, "a"), print("joined")})});
  s.tasks[0].autostart = true;
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Panic);
  EXPECT_EQ(printed(o), (Lines{"joined"}));  // JoinError::Panic is a value
}

TEST(Panic, OwnedObjectsDropAndAPanicInTheirDropAborts) {
  ScenarioSpec s = cells({task("a", {panic_("first")})});
  ObjectSpec ok{"guard", "a", {print("guard dropped")}};
  s.objects.push_back(ok);
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Panic);
  EXPECT_EQ(printed(o), (Lines{"guard dropped"}));
  s.objects[0].on_drop = {panic_("second")};
  o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Panic);
  EXPECT_TRUE(contains(o.verdict.explanation, "a panic while panicking aborts the process"))
      << o.verdict.explanation;
}

TEST(Panic, AStdMutexHeldByAPanickingTaskIsPoisoned) {
  Outcome o = run_spec(cells({task("a", {lock("std"), panic_("boom"), unlock("std")}),
                              task("b", {lock("std"), print("never"), unlock("std")})}),
                       "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Panic);
  EXPECT_TRUE(contains(o.verdict.explanation, "2 panics in the run")) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.trace_text(), "'std' is poisoned")) << o.trace_text();
  EXPECT_TRUE(printed(o).empty());
}

TEST(Panic, InAHandlerStopsTheRun) {
  ScenarioSpec s = cells({});
  s.handlers.push_back(handler("h", 0, {panic_("in C"), print("after")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Panic);
  EXPECT_TRUE(contains(o.verdict.explanation, "event handler 'h' panics")) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "the run stops there")) << o.verdict.explanation;
}

TEST(With, ReleasesOnEveryWayOut) {
  // Normal end, break, continue: the next lock finds it free.
  for (OpKind k : {OpKind::Lock, OpKind::Acquire, OpKind::BorrowMut}) {
    const std::string r = k == OpKind::Lock ? "m" : k == OpKind::Acquire ? "sem" : "c";
    OpSpec g = op(k, r);
    OpSpec again = k == OpKind::BorrowMut ? borrow_mut("c") : k == OpKind::Lock ? lock("m") : op(OpKind::Acquire, "sem");
    OpSpec undo = k == OpKind::BorrowMut ? end_borrow("c") : k == OpKind::Lock ? unlock("m") : op(OpKind::Release, "sem");
    Outcome o = run_spec(
        cells({task("a", {with(g, {print("in")}), loop({with(g, {brk()})}),
                          repeat(2, {with(g, {cont()})}), again, print("free"), undo})}),
        "fifo");
    EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << r << ": " << o.verdict.explanation;
    EXPECT_EQ(printed(o), (Lines{"in", "free"})) << r;
  }
}

TEST(With, ReleasesWhenItsFutureIsCancelled) {
  // select!: the branch holding the scoped lock loses and is dropped.
  ScenarioSpec s = cells({task("a", {op(OpKind::Select)}), task("b", {yield(), lock("m"), print("b got m"), unlock("m")})});
  OpSpec sel = op(OpKind::Select);
  sel.flag = true;  // biased
  sel.body = {op(OpKind::Branch, "holder"), op(OpKind::Branch, "quick")};
  s.tasks[0].ops = {sel};
  FutureSpec holder{"holder", "a", {with(lock("m"), {yield(), yield()})}};
  FutureSpec quick{"quick", "a", {yield()}};
  s.futures = {holder, quick};
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"b got m"}));
}

TEST(With, ReleasesWhenACaughtExceptionLeavesIt) {
  OpSpec c = op(OpKind::Catch);
  c.body = {with(lock("m"), {with(borrow("c"), {op(OpKind::Sleep, "", 10)})})};
  c.orelse = {print("caught")};
  ScenarioSpec s = cells({task("a", {c, lock("m"), borrow_mut("c"), print("free"), end_borrow("c"), unlock("m")}),
                          task("k", {op(OpKind::Sleep, "", 5), op(OpKind::ThrowTo, "a")})});
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"caught", "free"}));
}

TEST(With, ReleasesWhenItsTaskPanics) {
  Outcome o = run_spec(cells({task("a", {with(lock("m"), {yield(), panic_("boom")})}),
                              task("b", {with(lock("m"), {print("b got m")})})}),
                       "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Panic);
  EXPECT_EQ(printed(o), (Lines{"b got m"}));
}

TEST(With, CompileErrorsNameThePlace) {
  EXPECT_TRUE(contains(compile_error(cells({task("a", {with(lock("m"), {unlock("m")})})})),
                       "task 'a', op #0.0 (unlock 'm'): 'm' is the guard of a with_ around it"));
  EXPECT_TRUE(contains(compile_error(cells({task("a", {end_borrow("c")})})),
                       "ends a borrow of 'c' which it does not hold"));
  EXPECT_TRUE(contains(compile_error(cells({task("a", {borrow("c")})})),
                       "ends holding a borrow of 'c'"));
  EXPECT_TRUE(contains(compile_error(cells({task("a", {with(print("x"), {})})})),
                       "with_ takes a lock(), an acquire(), a borrow() or a borrow_mut()"));
  EXPECT_TRUE(contains(compile_error(cells({task("a", {with(op(OpKind::Acquire, "sem"), {op(OpKind::Release, "sem")})})})),
                       "do not release one inside"));
}

TEST(RefCell, ReductionsReachTheSameVerdicts) {
  ScenarioSpec s = cells({task("a", {borrow("c"), yield(), end_borrow("c")}),
                          task("b", {with(borrow_mut("c"), {yield()})}),
                          task("d", {op(OpKind::TryBorrow, "c"), end_borrow("c")})});
  s.tasks[2].ops[0].body = {print("busy"), op(OpKind::Borrow, "c")};
  auto on = kinds(s, true), off = kinds(s, false);
  std::set<std::string> a, b;
  for (auto& [k, n] : on) a.insert(k);
  for (auto& [k, n] : off) b.insert(k);
  EXPECT_EQ(a, b);
  EXPECT_TRUE(a.count("panic"));
}

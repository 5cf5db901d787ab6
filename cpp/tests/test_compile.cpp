#include <gtest/gtest.h>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

namespace {

ScenarioSpec one_task(std::vector<OpSpec> ops) {
  ScenarioSpec s;
  s.name = "bad";
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.queues = {WaitQueueSpec{"q"}};
  s.counters = {CounterSpec{"c", 0}};
  s.tasks.push_back(task("t", std::move(ops)));
  return s;
}

}  // namespace

TEST(Compile, UnknownLockNamesScenarioTaskAndPosition) {
  std::string e = compile_error(one_task({print("x"), lock("nope")}));
  EXPECT_NE(e.find("scenario 'bad'"), std::string::npos) << e;
  EXPECT_NE(e.find("task 't'"), std::string::npos) << e;
  EXPECT_NE(e.find("op #1"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown mutex 'nope'"), std::string::npos) << e;
  EXPECT_NE(e.find("known: m"), std::string::npos) << e;
}

TEST(Compile, UnlockNotHeld) {
  std::string e = compile_error(one_task({lock("m"), unlock("m"), unlock("m")}));
  EXPECT_NE(e.find("op #2"), std::string::npos) << e;
  EXPECT_NE(e.find("does not hold"), std::string::npos) << e;
}

TEST(Compile, RelockWhileHeld) {
  // An async mutex relocked is refused; a blocking one is a run-time verdict.
  ScenarioSpec s = one_task({lock("m"), lock("m")});
  s.mutexes[0].kind = MutexKind::AsyncFair;
  EXPECT_NE(compile_error(s).find("again while holding"), std::string::npos);
  EXPECT_NO_THROW(compile(one_task({lock("m"), lock("m"), unlock("m"), unlock("m")})));
}

TEST(Compile, EndsHoldingALock) {
  EXPECT_NE(compile_error(one_task({lock("m")})).find("ends holding 'm'"), std::string::npos);
}

TEST(Compile, BranchesMustAgreeOnLocks) {
  std::string e = compile_error(one_task({if_("c", Cmp::Eq, 0, {lock("m")}), unlock("m")}));
  EXPECT_NE(e.find("disagree"), std::string::npos) << e;
}

TEST(Compile, NegativeCounts) {
  std::string e = compile_error(one_task({repeat(-1, {print("x")})}));
  EXPECT_NE(e.find("op #0"), std::string::npos) << e;
  EXPECT_NE(e.find("non-negative"), std::string::npos) << e;
  ScenarioSpec s = one_task({print("x")});
  s.tasks[0].count = -3;
  EXPECT_NE(compile_error(s).find("count must be at least 1"), std::string::npos);
  s.tasks[0].count = 1'000'000'000'000;
  EXPECT_NE(compile_error(s).find("exceeds the limit"), std::string::npos);
}

TEST(Compile, AbsurdNesting) {
  OpSpec inner = print("deep");
  for (int i = 0; i < 100; ++i) inner = loop({inner, brk()});
  std::string e = compile_error(one_task({inner}));
  EXPECT_NE(e.find("nests deeper"), std::string::npos) << e;
}

TEST(Compile, DropHooksCannotAwait) {
  ScenarioSpec s = one_task({print("x")});
  ObjectSpec o;
  o.name = "o";
  o.on_drop = {park("q")};
  s.objects.push_back(o);
  std::string e = compile_error(s);
  EXPECT_NE(e.find("drop hook of 'o'"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot await"), std::string::npos) << e;
}

TEST(Compile, BreakOutsideLoopAndDuplicates) {
  EXPECT_NE(compile_error(one_task({brk()})).find("break outside a loop"), std::string::npos);
  ScenarioSpec s = one_task({print("x")});
  s.tasks.push_back(task("t", {}));
  EXPECT_NE(compile_error(s).find("declared twice"), std::string::npos);
}

TEST(Compile, FlattensLoopsWithJumps) {
  Scenario sc = compile(h2_drop_wake(false));
  const Program& conn = sc.programs[sc.templates[0].program];
  ASSERT_GE(conn.code.size(), 8u);
  EXPECT_EQ(conn.code.back().code, Code::End);
  EXPECT_EQ(conn.where[0], "task 'conn' op #0.0 (lock 'inner')");
}

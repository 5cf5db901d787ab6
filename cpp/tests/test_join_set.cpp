// tokio::task::JoinSet (primitives/join_set.hpp): join_next yields tasks in
// completion order, None at once on an empty set; a task's end wakes the
// waker the set holds; abort_all cancels (the tasks are joined as
// Err(JoinError)); dropping the set, or its owner's end, aborts what is in
// it; a join_next whose tasks all wait for the joiner is a wait cycle.
#include <gtest/gtest.h>

#include <map>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

namespace {

OpSpec js_spawn(const std::string& set, const std::string& task) {
  OpSpec o = op(OpKind::JsSpawn, set);
  o.text = task;
  return o;
}
// join_next; `then` runs when it joined `which` (if given), `orelse` otherwise.
OpSpec join_next(const std::string& set, std::vector<OpSpec> on_none = {}, const std::string& which = "",
                 std::vector<OpSpec> then = {}, std::vector<OpSpec> orelse = {}) {
  OpSpec o = op(OpKind::JoinNext, set);
  o.body = std::move(on_none);
  if (!which.empty()) o.cond = Cond{which, Cmp::Eq, 0};
  o.then = std::move(then);
  o.orelse = std::move(orelse);
  return o;
}
ChannelSpec oneshot(const std::string& name) {
  ChannelSpec c;
  c.name = name;
  c.oneshot = true;
  return c;
}
OpSpec send(const std::string& c) { return op(OpKind::Send, c); }
OpSpec recv(const std::string& c) { return op(OpKind::Recv, c); }
TaskSpec spawned(const std::string& name, std::vector<OpSpec> ops) {
  TaskSpec t = task(name, std::move(ops));
  t.autostart = false;
  return t;
}

// main: spawn a (waits for `go`) and b (done at once) into the set; the
// first join is b, though a was spawned first; then `go`, then a, then None.
ScenarioSpec completion_order() {
  ScenarioSpec s;
  s.name = "joinset-order";
  s.channels = {oneshot("go")};
  s.join_sets = {JoinSetSpec{"js", ""}};
  s.tasks.push_back(spawned("a", {recv("go")}));
  s.tasks.push_back(spawned("b", {print("b runs")}));
  OpSpec next = join_next("js", {print("none"), brk()}, "a", {print("joined a")}, {print("joined b"), send("go")});
  s.tasks.push_back(task("main", {js_spawn("js", "a"), js_spawn("js", "b"), loop({next})}));
  return s;
}

TEST(JoinSet, JoinNextYieldsTasksInCompletionOrderThenNone) {
  ScenarioSpec s = completion_order();
  auto outcomes = explore_all(s);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"b runs", "joined b", "joined a", "none"}));
  const std::string t = o.trace_text();
  EXPECT_TRUE(contains(t, "spawn 'a' into join set 'js' (1 task(s))")) << t;
  EXPECT_TRUE(contains(t, "'main' waits in join_next on join set 'js'")) << t;
  EXPECT_TRUE(contains(t, "'b' ends: its entry in join set 'js' is notified, waking 'main'")) << t;
  EXPECT_TRUE(contains(t, "'main' joins 'b' from join set 'js' (Ok)")) << t;
  EXPECT_TRUE(contains(t, "join_next on join set 'js' by 'main': None (the set is empty)")) << t;
}

TEST(JoinSet, AnEmptySetIsNoneAtOnceAndStoresNoWaker) {
  ScenarioSpec s;
  s.name = "joinset-empty";
  s.join_sets = {JoinSetSpec{"js", "main"}};
  s.tasks.push_back(task("main", {join_next("js", {print("none")}), print("after")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"none", "after"}));
  EXPECT_FALSE(contains(o.trace_text(), "waits in join_next")) << o.trace_text();
}

TEST(JoinSet, AHangThroughTheSetIsAWaitCycle) {
  // a waits for a oneshot main sends only after joining a.
  ScenarioSpec s;
  s.name = "joinset-hang";
  s.channels = {oneshot("o")};
  s.join_sets = {JoinSetSpec{"js", ""}};
  s.tasks.push_back(spawned("a", {recv("o")}));
  s.tasks.push_back(task("main", {js_spawn("js", "a"), join_next("js"), send("o")}));
  auto outcomes = explore_all(s);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "deadlock/wait_cycle");
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::WaitCycle) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation,
                       "task 'main' waits in join_next on join set 'js' for task 'a', a task in it, "
                       "to finish")) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "task 'a' waits in recv on oneshot 'o', which task 'main'"))
      << o.verdict.explanation;
}

TEST(JoinSet, AbortAllCancelsAndTheTasksAreJoinedAsErrors) {
  ScenarioSpec s;
  s.name = "joinset-abort-all";
  s.channels = {oneshot("never")};
  s.join_sets = {JoinSetSpec{"js", ""}};
  TaskSpec w = spawned("w", {recv("never")});
  w.count = 2;
  s.tasks.push_back(w);
  s.tasks.push_back(task("main", {js_spawn("js", "w"), js_spawn("js", "w"), op(OpKind::Yield),
                                  op(OpKind::JsAbortAll, "js"),
                                  loop({join_next("js", {brk()}), print("joined")}),
                                  op(OpKind::DropSender, "never")}));
  auto outcomes = explore_all(s);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(printed(o), (std::vector<std::string>{"joined", "joined"}));
  EXPECT_TRUE(contains(o.trace_text(), "abort_all on join set 'js': 2 task(s) aborted")) << o.trace_text();
  EXPECT_TRUE(contains(o.trace_text(), "'main' joins 'w[0]' from join set 'js' (cancelled: Err(JoinError))"))
      << o.trace_text();
}

TEST(JoinSet, DroppingTheSetOrItsOwnerAbortsEveryTaskInIt) {
  // w waits forever; main drops the set (or just ends): w is cancelled, no hang.
  for (bool explicit_drop : {true, false}) {
    ScenarioSpec s;
    s.name = "joinset-drop";
    s.queues = {WaitQueueSpec{"q"}};
    s.join_sets = {JoinSetSpec{"js", ""}};
    s.tasks.push_back(spawned("w", {park("q"), print("woken")}));
    std::vector<OpSpec> main = {js_spawn("js", "w"), op(OpKind::Yield)};
    if (explicit_drop) main.push_back(op(OpKind::JsDrop, "js"));
    main.push_back(print("main done"));
    s.tasks.push_back(task("main", main));
    auto outcomes = explore_all(s);
    ASSERT_EQ(outcomes.size(), 1u) << explicit_drop;
    EXPECT_EQ(outcomes.begin()->first, "ok") << explicit_drop;
    Outcome o = run_spec(s, "fifo");
    EXPECT_TRUE(contains(o.trace_text(), "join set 'js' is dropped: 1 task(s) aborted")) << o.trace_text();
  }
}

TEST(JoinSet, CompileErrors) {
  ScenarioSpec s = completion_order();
  s.tasks.push_back(task("other", {op(OpKind::JsAbortAll, "js")}));
  EXPECT_TRUE(contains(compile_error(s), "join set 'js' belongs to task 'main'")) << compile_error(s);
  s = completion_order();
  s.tasks.push_back(task("other", {op(OpKind::WaitTask, "b")}));
  EXPECT_TRUE(contains(compile_error(s), "task 'b' is spawned into join set 'js', which holds its "
                                         "JoinHandle")) << compile_error(s);
  s = completion_order();
  s.tasks[1].autostart = true;
  EXPECT_TRUE(contains(compile_error(s), "declare it with autostart=False")) << compile_error(s);
  s = completion_order();
  s.tasks[2].ops.push_back(join_next("js", {}, "nobody", {print("x")}));
  EXPECT_TRUE(contains(compile_error(s), "unknown task 'nobody'")) << compile_error(s);
  s = completion_order();
  s.join_sets[0].owner = "a";
  EXPECT_TRUE(contains(compile_error(s), "join set 'js' belongs to task 'a'")) << compile_error(s);
}

}  // namespace

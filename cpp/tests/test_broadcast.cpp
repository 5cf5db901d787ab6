// tokio::sync::broadcast (primitives/broadcast.hpp): every receiver sees
// every value, a receiver that fell behind by more than the capacity gets
// Lagged, Closed only once it caught up after the last sender's drop, a
// send with no receiver fails, and a receiver no one can send to waits
// forever.
#include <gtest/gtest.h>

#include <map>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

namespace {

BroadcastSpec bcast(const std::string& name, int64_t capacity, std::vector<std::string> rx = {}) {
  BroadcastSpec b;
  b.name = name;
  b.capacity = capacity;
  for (const std::string& r : rx) b.receivers.push_back(BroadcastReceiverSpec{r});
  return b;
}
OpSpec bsend(const std::string& b, int64_t v, std::vector<OpSpec> on_closed = {}) {
  OpSpec o = op(OpKind::BcastSend, b, v);
  o.body = std::move(on_closed);
  return o;
}
OpSpec brecv(const std::string& b, std::vector<OpSpec> on_closed = {},
             std::vector<OpSpec> on_lagged = {}) {
  OpSpec o = op(OpKind::BcastRecv, b);
  o.body = std::move(on_closed);
  o.lagged = std::move(on_lagged);
  return o;
}
// match rx.recv().await { Ok(v) if v <cmp> value => then, Ok(_) => orelse,
// Err(Lagged(_)) => on_lagged, Err(Closed) => on_closed }
OpSpec brecv_if(const std::string& b, Cmp cmp, int64_t v, std::vector<OpSpec> then,
                std::vector<OpSpec> orelse = {}, std::vector<OpSpec> on_closed = {},
                std::vector<OpSpec> on_lagged = {}) {
  OpSpec o = brecv(b, std::move(on_closed), std::move(on_lagged));
  o.cond = Cond{b, cmp, v};
  o.then = std::move(then);
  o.orelse = std::move(orelse);
  return o;
}

TEST(Broadcast, EveryReceiverSeesEveryValueThenClosed) {
  ScenarioSpec s;
  s.name = "bcast-all";
  s.broadcasts = {bcast("b", 4, {"rx"})};
  s.tasks.push_back(task("tx", {bsend("b", 1), bsend("b", 2), op(OpKind::BcastDropSender, "b")}));
  TaskSpec rx = task("rx", {loop({brecv("b", {print("closed"), brk()}, {print("lagged")}),
                                  print("got")})});
  rx.count = 2;
  s.tasks.push_back(rx);
  auto outcomes = explore_all(s);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(printed(o), (std::vector<std::string>{"got", "got", "closed", "got", "got", "closed"}));
  EXPECT_TRUE(contains(o.trace_text(), "receives 2 from broadcast 'b'")) << o.trace_text();
}

TEST(Broadcast, CapacityRoundsUpAndALaggingReceiverResumesAtTheOldest) {
  ScenarioSpec s;
  s.name = "bcast-lag";
  s.broadcasts = {bcast("b", 3, {"tx"})};  // rounded up to 4
  s.tasks.push_back(task("tx", {bsend("b", 1), bsend("b", 2), bsend("b", 3), bsend("b", 4),
                                bsend("b", 5), op(OpKind::BcastDropSender, "b"),
                                loop({brecv("b", {print("closed"), brk()}, {print("lagged"), cont()}),
                                      print("got")})}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"lagged", "got", "got", "got", "got", "closed"}));
  EXPECT_TRUE(contains(o.trace_text(), "Lagged(1)")) << o.trace_text();
  EXPECT_TRUE(contains(o.trace_text(), "receives 2 from broadcast 'b'")) << o.trace_text();
}

TEST(Broadcast, ASendWithNoReceiverFailsAndASubscriberStartsAtTheTail) {
  ScenarioSpec s;
  s.name = "bcast-nobody";
  s.broadcasts = {bcast("b", 2)};
  s.tasks.push_back(task("t", {bsend("b", 1, {print("no receiver")}), op(OpKind::Subscribe, "b"),
                               bsend("b", 2, {print("unexpected")}), op(OpKind::BcastDropSender, "b"),
                               brecv("b", {print("closed")}), print("got one"),
                               brecv("b", {print("closed")})}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"no receiver", "got one", "closed"}));
  EXPECT_TRUE(contains(o.trace_text(), "no receiver (SendError)")) << o.trace_text();
}

TEST(Broadcast, AReceiverNoSenderCanReachWaitsForever) {
  ScenarioSpec s;
  s.name = "bcast-hang";
  s.broadcasts = {bcast("b", 2, {"rx"})};
  s.tasks.push_back(task("holder", {print("keeps its sender, silent")}));
  s.tasks.push_back(task("rx", {brecv("b"), print("never")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::NeverWoken) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "recv 'b'")) << o.verdict.explanation;
  // With a sender that will send, every schedule finishes.
  s.tasks[0] = task("holder", {bsend("b", 7)});
  auto outcomes = explore_all(s);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
}

TEST(Watch, ChangedTakesTheNewestVersionNeverLagsAndErrsOnceTheSenderIsGone) {
  ScenarioSpec s;
  s.name = "watch";
  BroadcastSpec w = bcast("w", 1, {"rx"});
  w.watch = true;
  s.broadcasts = {w};
  s.tasks.push_back(task("tx", {bsend("w", 1), bsend("w", 2), bsend("w", 3),
                                op(OpKind::BcastDropSender, "w")}));
  TaskSpec rx = task("rx", {loop({brecv("w", {print("closed"), brk()}), print("changed")})});
  rx.autostart = false;
  s.tasks.push_back(rx);
  s.tasks.push_back(task("main", {op(OpKind::WaitTask, "tx"), op(OpKind::Spawn, "rx")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"changed", "closed"}));
  EXPECT_TRUE(contains(o.trace_text(), "'rx' receives 3 from watch 'w'")) << o.trace_text();
  s.broadcasts[0].capacity = 2;
  EXPECT_TRUE(contains(compile_error(s), "a watch holds one value")) << compile_error(s);
}

TEST(Broadcast, ARecvBranchesOnTheValueItReceives) {
  ScenarioSpec s;
  s.name = "bcast-value";
  s.broadcasts = {bcast("b", 4, {"rx"})};
  s.tasks.push_back(task("tx", {bsend("b", 1), bsend("b", 2), bsend("b", 3),
                                op(OpKind::BcastDropSender, "b")}));
  s.tasks.push_back(task("rx", {loop({brecv_if("b", Cmp::Eq, 2, {print("two")}, {print("other")},
                                               {print("closed"), brk()}),
                                      print("next")})}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"other", "next", "two", "next", "other", "next",
                                                  "closed"}));
  EXPECT_TRUE(contains(o.trace_text(), "'rx' receives 2 from broadcast 'b'")) << o.trace_text();
  auto outcomes = explore_all(s);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
  // Without an else-branch, a value that fails the test goes on after the op.
  s.tasks[1] = task("rx", {loop({brecv_if("b", Cmp::Ge, 2, {print("big")}, {}, {brk()}),
                                 print("next")})});
  o = run_spec(s, "fifo");
  EXPECT_EQ(printed(o), (std::vector<std::string>{"next", "big", "next", "big", "next"}));
}

TEST(Broadcast, WhichValueArrivesFirstDecidesTheBranch) {
  // Two tasks send on one Sender: the receiver's first value is either; the
  // branch on it panics on one of them, and exploring finds both outcomes.
  ScenarioSpec s;
  s.name = "bcast-race";
  s.workers = 2;  // two executor threads: the senders interleave
  s.broadcasts = {bcast("b", 4, {"rx"})};
  s.tasks.push_back(task("one", {bsend("b", 1)}));
  s.tasks.push_back(task("two", {bsend("b", 2)}));
  OpSpec boom = op(OpKind::Panic);
  boom.text = "got 2 first";
  s.tasks.push_back(task("rx", {brecv_if("b", Cmp::Eq, 2, {boom}, {print("got 1 first")})}));
  auto outcomes = explore_all(s);
  EXPECT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes.count("ok"));
  auto unreduced = explore_all(s, false);
  EXPECT_EQ(unreduced.size(), 2u);
}

TEST(Broadcast, LaggedAndClosedStillRunWithAValueBranch) {
  ScenarioSpec s;
  s.name = "bcast-lag-value";
  s.broadcasts = {bcast("b", 3, {"tx"})};  // rounded up to 4
  std::vector<OpSpec> sends = {bsend("b", 1), bsend("b", 2), bsend("b", 3), bsend("b", 4),
                               bsend("b", 5), op(OpKind::BcastDropSender, "b")};
  std::vector<OpSpec> prog = sends;
  prog.push_back(loop({brecv_if("b", Cmp::Eq, 2, {print("two")}, {print("other")},
                                {print("closed"), brk()}, {print("lagged"), cont()}),
                       print("next")}));
  s.tasks.push_back(task("tx", prog));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"lagged", "two", "next", "other", "next", "other",
                                                  "next", "other", "next", "closed"}));
  EXPECT_TRUE(contains(o.trace_text(), "Lagged(1)")) << o.trace_text();
  // Lagged with no on_lagged block runs neither branch: the program goes on after the op.
  prog = sends;
  prog.push_back(loop({brecv_if("b", Cmp::Eq, 2, {print("two")}, {print("other")},
                                {print("closed"), brk()}),
                       print("next")}));
  s.tasks[0] = task("tx", prog);
  o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"next", "two", "next", "other", "next", "other",
                                                  "next", "other", "next", "closed"}));
}

TEST(Broadcast, ValueBranchCompileErrors) {
  ScenarioSpec s;
  s.name = "bcast-value-errors";
  s.broadcasts = {bcast("b", 2, {"t"}), bcast("c", 2, {"t"})};
  OpSpec other = brecv_if("b", Cmp::Eq, 1, {print("x")});
  other.cond.counter = "c";
  s.tasks.push_back(task("t", {other}));
  EXPECT_TRUE(contains(compile_error(s), "an op branches on its own result")) << compile_error(s);
  OpSpec untested = brecv("b");
  untested.orelse = {print("lagged, as the old form had it")};
  s.tasks[0] = task("t", {untested});
  EXPECT_TRUE(contains(compile_error(s), "it has no test (cond)")) << compile_error(s);
  OpSpec bad_cmp = brecv_if("b", Cmp::Eq, 1, {print("x")});
  bad_cmp.cond.cmp = static_cast<Cmp>(17);
  s.tasks[0] = task("t", {bad_cmp});
  EXPECT_TRUE(contains(compile_error(s), "invalid comparison")) << compile_error(s);
  OpSpec lag_elsewhere = op(OpKind::Yield);
  lag_elsewhere.lagged = {print("x")};
  s.tasks[0] = task("t", {lag_elsewhere});
  EXPECT_TRUE(contains(compile_error(s), "only a broadcast recv has an on_lagged block"))
      << compile_error(s);
  s.broadcasts[0].watch = true;
  s.broadcasts[0].capacity = 1;
  s.tasks[0] = task("t", {brecv_if("b", Cmp::Eq, 1, {print("x")})});
  EXPECT_TRUE(contains(compile_error(s), "changed() returns no value to branch on"))
      << compile_error(s);
  s.tasks[0] = task("t", {brecv("b", {}, {print("x")})});
  EXPECT_TRUE(contains(compile_error(s), "changed() never lags")) << compile_error(s);
}

TEST(Broadcast, CompileErrors) {
  ScenarioSpec s;
  s.name = "bcast-errors";
  s.broadcasts = {bcast("b", 0)};
  EXPECT_TRUE(contains(compile_error(s), "capacity must be in")) << compile_error(s);
  s.broadcasts = {bcast("b", 2, {"nobody"})};
  EXPECT_TRUE(contains(compile_error(s), "receiver 'nobody' is not a task")) << compile_error(s);
  s.broadcasts = {bcast("b", 2)};
  s.tasks.push_back(task("t", {brecv("b")}));
  std::string err;
  try {
    run_spec(s, "fifo");
  } catch (const ScenarioError& e) {
    err = e.what();
  }
  EXPECT_TRUE(contains(err, "holds no receiver")) << err;
}

// watch.rs Receiver::borrow (line 388) reads the current value and marks
// nothing; borrow_and_update (line 431) marks it seen. A borrow may branch
// on the value, as an atomic load does (body: then, orelse).
OpSpec borrow_if(const std::string& w, bool update, Cmp cmp, int64_t v, std::vector<OpSpec> then,
                 std::vector<OpSpec> orelse = {}) {
  OpSpec o = op(OpKind::WatchBorrow, w, update ? 1 : 0);
  o.cond = Cond{w, cmp, v};
  o.body = std::move(then);
  o.orelse = std::move(orelse);
  return o;
}

TEST(Watch, BorrowReadsTheValueAndOnlyBorrowAndUpdateMarksItSeen) {
  for (bool update : {false, true}) {
    ScenarioSpec s;
    s.name = "watch-borrow";
    BroadcastSpec w = bcast("w", 1, {"rx"});
    w.watch = true;
    s.broadcasts = {w};
    s.tasks.push_back(task("rx", {borrow_if("w", false, Cmp::Eq, 0, {print("initial")}),
                                  op(OpKind::Yield),
                                  borrow_if("w", update, Cmp::Eq, 2, {print("two")}, {print("other")}),
                                  op(OpKind::BcastRecv, "w"), print("changed")}));
    s.tasks.push_back(task("tx", {bsend("w", 2)}));
    Outcome o = run_spec(s, "fifo");
    if (update) {
      EXPECT_EQ(o.verdict.kind, VerdictKind::NeverWoken) << o.verdict.explanation;
      EXPECT_EQ(printed(o), (std::vector<std::string>{"initial", "two"}));
      EXPECT_TRUE(contains(o.trace_text(), "'rx' borrow_and_update of watch 'w' reads 2 (marked seen)"))
          << o.trace_text();
    } else {
      ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
      EXPECT_EQ(printed(o), (std::vector<std::string>{"initial", "two", "changed"}));
    }
  }
  ScenarioSpec s;
  s.name = "watch-borrow-errors";
  s.broadcasts = {bcast("b", 2, {"t"})};
  s.atomics = {AtomicSpec{"at"}};
  s.tasks.push_back(task("t", {op(OpKind::WatchBorrow, "b")}));
  EXPECT_TRUE(contains(compile_error(s), "borrow() is a watch's")) << compile_error(s);
  s.broadcasts[0].watch = true;
  s.broadcasts[0].capacity = 1;
  s.tasks[0].ops = {borrow_if("b", false, Cmp::Eq, 1, {})};
  s.tasks[0].ops[0].cond.counter = "at";
  s.tasks[0].ops[0].body = {print("x")};
  EXPECT_TRUE(contains(compile_error(s), "an op branches on its own result")) << compile_error(s);
  s.tasks[0].ops = {op(OpKind::WatchBorrow, "b", 2)};
  EXPECT_TRUE(contains(compile_error(s), "value must be 0 (borrow) or 1")) << compile_error(s);
  s.broadcasts[0].initial = 4;  // watch::channel(4): what a borrow reads before a send
  s.tasks[0].ops = {borrow_if("b", false, Cmp::Eq, 4, {print("four")}, {print("other")})};
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"four"}));
  s.broadcasts[0].watch = false;
  EXPECT_TRUE(contains(compile_error(s), "only a watch has an initial value")) << compile_error(s);
  s.broadcasts[0].watch = true;
  s.tasks[0].ops = {};
  s.threads.push_back(ThreadSpec{});
  s.threads[0].name = "th";
  s.threads[0].ops = {op(OpKind::WatchBorrow, "b", 1)};
  EXPECT_TRUE(contains(compile_error(s), "only a task or future holds a receiver")) << compile_error(s);
  s.threads[0].ops = {op(OpKind::WatchBorrow, "b", 0)};  // Sender::borrow: anywhere
  EXPECT_EQ(compile_error(s), "");
}

}  // namespace

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
  o.orelse = std::move(on_lagged);
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

}  // namespace

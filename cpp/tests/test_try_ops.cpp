// Try-ops (try_lock, try_send, try_recv, try_acquire): each succeeds or
// fails at once, never waits, stores no waker, and the program branches on
// the result. The rules are the real types' (see the primitives' files).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

namespace {

using Lines = std::vector<std::string>;

std::map<std::string, uint64_t> kinds(const ScenarioSpec& s, const std::string& policy,
                                      bool reductions) {
  auto sc = std::make_shared<const Scenario>(compile(s));
  auto p = make_policy(policy);
  ExploreConfig cfg;
  cfg.strategy = Strategy::Exhaustive;
  cfg.stop_at_first = false;
  cfg.sleep_sets = reductions;
  cfg.state_cache = reductions;
  Explorer e(sc, *p, cfg);
  e.advance(100000, 30);
  EXPECT_TRUE(e.report().complete) << e.report().schedules << " schedules, " << e.report().elapsed_s
                                   << " s, deviation cut " << e.report().deviation_cut;
  return e.report().outcomes;
}

// The h2 drop-wake shape with try_lock in the Connection's poll: on failure
// it yields (reschedules itself) and tries again.
ScenarioSpec h2_try_lock() {
  ScenarioSpec s = h2_drop_wake(false);
  s.name = "h2-drop-wake-try-lock";
  s.tasks[0].ops = {
      loop({try_lock("inner", {print("inner is busy"), yield(), cont()}),
            if_("streams", Cmp::Eq, 0, {unlock("inner"), brk()}), reg("conn_waker"),
            unlock("inner"), pending()}),
      print("connection closed")};
  return s;
}

}  // namespace

TEST(TryLock, AReentrantTryLockFailsInsteadOfDeadlocking) {
  // PR #295's shape under ngx_inline: the Drop holds `inner` and wakes the
  // Connection, polled inline on the same stack; its lock() is a
  // reentrant_lock, its try_lock fails (std: WouldBlock) and the task yields.
  Outcome o = run_spec(h2_try_lock(), "ngx_inline");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"response sent", "inner is busy", "connection closed"}));
  EXPECT_TRUE(contains(o.trace_text(), "try_lock 'inner' fails: it is held")) << o.trace_text();
  for (const char* p : {"ngx_inline", "ngx_defer_nested", "ngx_posted", "ngx_posted_next", "fifo",
                        "thread_notify"})
    EXPECT_EQ(kinds(h2_try_lock(), p, false), (std::map<std::string, uint64_t>{{"ok", 1}})) << p;
}

TEST(TryLock, HeldByTheSameTaskFailsForEveryKind) {
  for (MutexKind k : {MutexKind::Blocking, MutexKind::BlockingSend, MutexKind::AsyncFair,
                      MutexKind::AsyncBarging}) {
    ScenarioSpec s;
    s.name = "relock";
    s.mutexes = {MutexSpec{"m", k}};
    // The program holds 'm': the try_lock always fails; only on_fail goes on.
    s.tasks.push_back(task("t", {lock("m"), try_lock("m", {print("again")}), unlock("m")}));
    Outcome o = run_spec(s, "fifo");
    EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << mutex_kind_name(k) << o.verdict.explanation;
    EXPECT_EQ(printed(o), (Lines{"again"})) << mutex_kind_name(k);
  }
}

TEST(TryLock, FairFailsOnceHandedToAWaiterBargingTakesIt) {
  // main locks, b queues, main unlocks and try_locks at once: tokio's
  // unlock assigned the permit to b (try_acquire sees none); futures' left
  // it free (b only woken), so try_lock takes it and b waits again.
  for (bool fair : {true, false}) {
    ScenarioSpec s;
    s.name = "handoff";
    s.mutexes = {MutexSpec{"m", fair ? MutexKind::AsyncFair : MutexKind::AsyncBarging}};
    TaskSpec b = task("b", {lock("m"), print("b locked"), unlock("m")});
    b.autostart = false;
    s.tasks.push_back(b);
    s.tasks.push_back(task("main", {lock("m"), op(OpKind::Spawn, "b"), yield(), unlock("m"),
                                    loop({try_lock("m", {print("try_lock failed"), brk()}),
                                          print("try_lock took it"), unlock("m"), brk()})}));
    Outcome o = run_spec(s, "fifo");
    EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    if (fair)
      EXPECT_EQ(printed(o), (Lines{"try_lock failed", "b locked"}));
    else
      EXPECT_EQ(printed(o), (Lines{"try_lock took it", "b locked"}));
  }
}

TEST(TryLock, ABlockingTryLockHeldByAnotherThreadFailsWithoutBlocking) {
  ScenarioSpec s;
  s.name = "threads";
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  ThreadSpec th;
  th.name = "th";
  th.ops = {lock("m"), op(OpKind::Compute, "", 5), unlock("m")};
  s.threads.push_back(th);
  s.tasks.push_back(task("t", {loop({try_lock("m", {print("busy"), brk()}), print("took it"),
                                     unlock("m"), brk()})}));
  auto k = kinds(s, "fifo", false);
  EXPECT_EQ(k, (std::map<std::string, uint64_t>{{"ok", k["ok"]}}));
  EXPECT_GE(k["ok"], 2u);  // either order: it took it, or it was busy
}

TEST(TryLock, CompileChecksTheLockStateAfterIt) {
  ScenarioSpec s;
  s.name = "bad";
  s.mutexes = {MutexSpec{"m", MutexKind::AsyncFair}};
  s.tasks.push_back(task("t", {try_lock("m", {print("busy")}), unlock("m")}));
  std::string e = compile_error(s);
  EXPECT_TRUE(contains(e, "task 't', op #0 (try_lock 'm')")) << e;
  EXPECT_TRUE(contains(e, "end on_fail with a lock, a break or a continue")) << e;
  s.tasks[0].ops = {try_lock("m", {lock("m")}), unlock("m")};  // falls back to lock().await
  EXPECT_EQ(compile_error(s), "");
  s.tasks[0].ops = {cont()};
  EXPECT_TRUE(contains(compile_error(s), "continue outside a loop"));
  s.tasks[0].ops = {loop({lock("m"), cont()})};
  EXPECT_TRUE(contains(compile_error(s), "differs from the loop's start"));
}

TEST(TryAcquire, FailsWhilePermitsAreAssignedToWaiters) {
  // One permit, held by 'holder'; 'waiter' queues; the release assigns the
  // permit to it (FIFO), so a try_acquire right after fails, though the
  // waiter has not run yet.
  ScenarioSpec s;
  s.name = "fair";
  s.semaphores = {SemaphoreSpec{"s", 1}};
  s.tasks.push_back(task("holder", {op(OpKind::Acquire, "s"), yield(), op(OpKind::Release, "s"),
                                    try_acquire("s", {print("no permit")}), print("holder done")}));
  s.tasks.push_back(task("waiter", {op(OpKind::Acquire, "s"), print("waiter got it")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"no permit", "holder done", "waiter got it"}));
  EXPECT_TRUE(contains(o.trace_text(), "try_acquire on 's' fails: no permit free"));
  // Nobody waiting: it takes the permit, which its end gives back.
  s.tasks.pop_back();
  o = run_spec(s, "fifo");
  EXPECT_EQ(printed(o), (Lines{"holder done"}));
}

TEST(TryAcquire, AFailedTryStoresNoWaker) {
  // A try_acquire that fails then Pending: nobody holds its waker (lost_wake),
  // where acquire() would have queued and been woken.
  ScenarioSpec s;
  s.name = "no-waker";
  s.semaphores = {SemaphoreSpec{"s", 0}};
  s.tasks.push_back(task("t", {try_acquire("s", {pending()}), print("never")}));
  s.tasks.push_back(task("r", {yield(), op(OpKind::Release, "s")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::LostWake) << o.verdict.explanation;
}

TEST(TryChannel, TryRecvEmptyThenDisconnected) {
  // mpsc: Empty while a sender lives; Disconnected once every sender is
  // dropped and it is drained.
  ScenarioSpec s;
  s.name = "try-recv";
  s.channels = {ChannelSpec{"ch", 1, 0, 1, false}};
  OpSpec recv = try_op(OpKind::TryRecv, "ch", {print("empty"), yield(), cont()},
                       {print("disconnected"), brk()});
  s.tasks.push_back(task("rx", {loop({recv, print("got")})}));
  s.tasks.push_back(task("tx", {yield(), try_op(OpKind::TrySend, "ch"), op(OpKind::DropSender, "ch")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"empty", "empty", "got", "disconnected"}));
}

TEST(TryChannel, TryRecvAfterReceiverCloseIsEmptyWhileSendersLive) {
  // tokio 1.24 Rx::try_recv: Receiver::close does not close the list, so a
  // drained channel whose sender lives is Empty (recv would return None).
  ScenarioSpec s;
  s.name = "closed";
  s.channels = {ChannelSpec{"ch", 0, 0, 1, false}};
  s.tasks.push_back(task("rx", {op(OpKind::CloseChannel, "ch"),
                                try_op(OpKind::TryRecv, "ch", {print("empty")}, {print("disconnected")}),
                                op(OpKind::DropSender, "ch"),
                                try_op(OpKind::TryRecv, "ch", {print("empty")}, {print("disconnected")})}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(printed(o), (Lines{"empty", "disconnected"}));
}

TEST(TryChannel, OneshotTryRecv) {
  ScenarioSpec s;
  s.name = "oneshot";
  ChannelSpec os{"o", 0, 0, 1, true};
  s.channels = {os};
  auto tr = [] { return try_op(OpKind::TryRecv, "o", {print("empty")}, {print("closed")}); };
  s.tasks.push_back(task("t", {tr(), op(OpKind::Send, "o"), tr(), print("|"), tr()}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(printed(o), (Lines{"empty", "|", "closed"}));  // the second took the value
}

TEST(TryChannel, TrySendFullClosedAndFifoBehindWaitingSenders) {
  ScenarioSpec s;
  s.name = "try-send";
  s.channels = {ChannelSpec{"ch", 1, 0, 1, false}};
  auto ts = [] { return try_op(OpKind::TrySend, "ch", {print("full")}, {print("closed")}); };
  // 'waiter' fills it and waits in send; the receiver takes one: its slot is
  // assigned to the waiter, so a try_send right after is Full.
  s.tasks.push_back(task("waiter", {op(OpKind::Send, "ch"), op(OpKind::Send, "ch"), print("sent 2")}));
  s.tasks.push_back(task("rx", {op(OpKind::Recv, "ch"), ts(), op(OpKind::CloseChannel, "ch"), ts()}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"full", "closed", "sent 2"}));
  EXPECT_TRUE(contains(o.trace_text(), "try_send on 'ch' fails: full"));
}

TEST(TryChannel, TrySendOnAnUnboundedOrOneshotIsAnError) {
  ScenarioSpec s;
  s.name = "bad";
  s.channels = {ChannelSpec{"u", 0, 0, 1, false}, ChannelSpec{"o", 0, 0, 1, true}};
  s.tasks.push_back(task("t", {try_op(OpKind::TrySend, "u")}));
  EXPECT_TRUE(contains(compile_error(s), "UnboundedSender has no try_send")) << compile_error(s);
  s.tasks[0].ops = {try_op(OpKind::TrySend, "o")};
  EXPECT_TRUE(contains(compile_error(s), "oneshot 'o': its send never waits")) << compile_error(s);
}

TEST(TryChannel, ATrySenderIsWhoWakesAWaitingReceiver) {
  // The wait-for graph: a receiver waiting while the only live sender's
  // program may still try_send is not never_woken; once it can no longer,
  // it is.
  ScenarioSpec s;
  s.name = "wf";
  s.channels = {ChannelSpec{"ch", 1, 0, 1, false}};
  s.queues = {WaitQueueSpec{"q"}};
  s.tasks.push_back(task("rx", {op(OpKind::Recv, "ch")}));
  s.tasks.push_back(task("tx", {park("q"), try_op(OpKind::TrySend, "ch")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_TRUE(contains(o.verdict.explanation, "task 'rx' waits in recv on channel 'ch', which task 'tx' may send to"))
      << o.verdict.explanation;
}

TEST(TryOps, ReductionsReachTheSameKinds) {
  // A foreign thread's try-ops raced against a task's: sleep sets and the
  // state cache must keep every verdict kind (their footprints are the
  // resource each touches, success or not).
  ScenarioSpec s;
  s.name = "mix";
  s.mutexes = {MutexSpec{"k", MutexKind::Blocking}, MutexSpec{"m", MutexKind::AsyncFair}};
  s.semaphores = {SemaphoreSpec{"s", 1}};
  s.channels = {ChannelSpec{"ch", 1, 0, 1, false}};
  s.counters = {CounterSpec{"c", 0, 1}};
  ThreadSpec th;
  th.name = "th";
  th.ops = {loop({try_lock("k", {print("busy"), brk()}), try_acquire("s", {add("c", 1)}),
                  unlock("k"), brk()}),
            try_op(OpKind::TrySend, "ch", {print("full")}),
            loop({try_lock("m", {add("c", 1), brk()}), unlock("m"), brk()})};
  s.threads.push_back(th);
  s.tasks.push_back(task("a", {lock("k"), try_op(OpKind::TryRecv, "ch", {print("empty")}, {print("gone")}),
                               unlock("k"), op(OpKind::Acquire, "s"), lock("m"), yield(),
                               unlock("m"), add("c", 1)}));
  auto full = kinds(s, "fifo", false), reduced = kinds(s, "fifo", true);
  std::set<std::string> a, b;
  for (auto& [k, n] : full) a.insert(k);
  for (auto& [k, n] : reduced) b.insert(k);
  EXPECT_EQ(a, b);
  // never_woken: the thread's permit belongs to nobody (taken outside a
  // task: forgotten), so 'a' waits in acquire for good.
  EXPECT_EQ(a, (std::set<std::string>{"deadlock/never_woken", "ok", "resource_exhausted"}));
}

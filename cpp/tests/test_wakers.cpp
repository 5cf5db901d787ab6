// User-defined wakers (primitives/waker.hpp): their programs run inline on
// the thread that clones, wakes or drops them, where the real primitive
// does; a waker program that takes a lock the caller's stack holds
// deadlocks; polling again with another waker replaces the stored one as
// tokio's semaphore does (clone the new, drop the old, inside the poll).
#include <gtest/gtest.h>

#include <map>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

namespace {

WakerSpec waker(const std::string& name, std::vector<OpSpec> wake = {},
                std::vector<OpSpec> drop = {}, std::vector<OpSpec> clone = {},
                std::vector<OpSpec> wake_by_ref = {}) {
  WakerSpec w;
  w.name = name;
  w.wake = std::move(wake);
  w.wake_by_ref = std::move(wake_by_ref);
  w.clone = std::move(clone);
  w.drop = std::move(drop);
  return w;
}
TaskSpec task_with(const std::string& name, const std::string& w, std::vector<OpSpec> ops) {
  TaskSpec t = task(name, std::move(ops));
  t.waker = w;
  return t;
}
OpSpec poll_with(const std::string& w) { return op(OpKind::PollWith, w); }
OpSpec acquire(const std::string& s) { return op(OpKind::Acquire, s); }
OpSpec release(const std::string& s) { return op(OpKind::Release, s); }

std::map<std::string, uint64_t> explore_all(const ScenarioSpec& spec, const std::string& policy = "fifo") {
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

// The lines of the trace, in order, that contain `part`.
std::vector<size_t> lines_with(const std::string& text, const std::string& part) {
  std::vector<size_t> at;
  size_t line = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (text.substr(pos, end - pos).find(part) != std::string::npos) at.push_back(line);
    ++line;
    pos = end + 1;
  }
  return at;
}

// (b) wake() takes a std mutex: the task waking it holds that mutex.
ScenarioSpec wake_takes_lock(bool held_while_waking) {
  ScenarioSpec s;
  s.name = "waker-wake-locks";
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.queues = {WaitQueueSpec{"q"}};
  s.wakers = {waker("w", {lock("m"), print("w woke"), unlock("m")})};
  s.tasks.push_back(task_with("waiter", "w", {op(OpKind::Park, "q"), print("waiter done")}));
  if (held_while_waking)
    s.tasks.push_back(task("notifier", {lock("m"), wake("q"), unlock("m")}));
  else
    s.tasks.push_back(task("notifier", {lock("m"), unlock("m"), wake("q")}));
  return s;
}

TEST(Wakers, WakeTakingALockTheWakingTaskHoldsDeadlocks) {
  Outcome o = run_spec(wake_takes_lock(true), "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::ReentrantLock) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "waker 'w' running its wake")) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.trace_text(), "w.wake runs (the waker of 'waiter'")) << o.trace_text();
  auto outcomes = explore_all(wake_takes_lock(true));
  EXPECT_EQ(outcomes.count("ok"), 0u);
  EXPECT_EQ(outcomes.count("deadlock/reentrant_lock"), 1u);
}

TEST(Wakers, WakeTakingALockAfterItIsReleasedFinishes) {
  Outcome o = run_spec(wake_takes_lock(false), "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"w woke", "waiter done"}));
  auto outcomes = explore_all(wake_takes_lock(false));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
}

TEST(Wakers, WakeRunsInlineOnAForeignThreadAndTheWakeIsItsOwn) {
  // The waker's program runs on the thread that calls wake(): a foreign
  // thread holding `m` while it wakes blocks on `m` itself.
  ScenarioSpec s = wake_takes_lock(true);
  s.tasks.pop_back();
  ThreadSpec th;
  th.name = "sidecar";
  th.ops = {lock("m"), wake("q"), unlock("m")};
  s.threads.push_back(th);
  auto outcomes = explore_all(s, "thread_notify");
  EXPECT_EQ(outcomes.count("ok"), 0u);  // a wake before the park is lost; after it, deadlock
  bool deadlock = false;
  for (const auto& [k, n] : outcomes) deadlock |= contains(k, "deadlock/reentrant_lock");
  EXPECT_TRUE(deadlock);
}

// (a), (c): tokio's semaphore replaces the stored waker when the task is
// polled again with one that is not will_wake it: the new one cloned, the
// old one dropped, inside that poll, before it returns Pending.
ScenarioSpec replaced_at_semaphore(bool hold_lock) {
  ScenarioSpec s;
  s.name = "waker-replaced";
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.semaphores = {SemaphoreSpec{"s", 0}};
  s.queues = {WaitQueueSpec{"kick"}};
  s.wakers = {waker("w1", {}, {lock("m"), print("w1 dropped"), unlock("m")}, {print("w1 cloned")}),
              waker("w2", {print("w2 woke")}, {}, {print("w2 cloned")})};
  std::vector<OpSpec> body = {poll_with("w2"), op(OpKind::Register, "kick"), acquire("s"),
                              print("acquired"), release("s")};
  if (hold_lock) {
    body.insert(body.begin() + 1, lock("m"));
    body.push_back(unlock("m"));
  }
  s.tasks.push_back(task_with("t", "w1", body));
  s.tasks.push_back(task("other", {wake("kick"), op(OpKind::Yield), release("s")}));
  return s;
}

TEST(Wakers, PollingAgainWithAnotherWakerDropsTheOldOneInsideThePoll) {
  Outcome o = run_spec(replaced_at_semaphore(false), "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  // First poll: w1 cloned into the queue and into the semaphore's list. The
  // kick wakes w1 (its wake: nothing); the second poll brings w2: the
  // semaphore clones w2, drops w1; the release wakes w2.
  EXPECT_EQ(printed(o), (std::vector<std::string>{"w1 cloned", "w1 cloned", "w2 cloned",
                                                  "w1 dropped", "w2 woke", "acquired"}));
  const std::string tr = o.trace_text();
  auto polls = lines_with(tr, "poll 't'");
  auto ends = lines_with(tr, "'t' -> Pending");
  auto clone2 = lines_with(tr, "w2.clone runs");
  auto drop1 = lines_with(tr, "w1.drop runs");
  ASSERT_GE(polls.size(), 2u) << tr;
  ASSERT_EQ(clone2.size(), 1u) << tr;
  ASSERT_EQ(drop1.size(), 1u) << tr;
  EXPECT_LT(polls[1], clone2[0]) << tr;
  EXPECT_LT(clone2[0], drop1[0]) << tr;
  ASSERT_GE(ends.size(), 2u) << tr;
  EXPECT_LT(drop1[0], ends[1]) << tr;  // inside the second poll, before it returns Pending
}

TEST(Wakers, ADropThatTakesALockTheReplacingTaskHoldsDeadlocks) {
  Outcome o = run_spec(replaced_at_semaphore(true), "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::ReentrantLock) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "waker 'w1' running its drop")) << o.verdict.explanation;
  auto outcomes = explore_all(replaced_at_semaphore(true));
  EXPECT_EQ(outcomes.count("ok"), 0u);
}

TEST(Wakers, TheSameWakerAgainIsKeptByASemaphoreButReplacedByAnAtomicWakerSlot) {
  for (bool slot : {false, true}) {
    ScenarioSpec s;
    s.name = "waker-will-wake";
    WaitQueueSpec q{"q"};
    q.slot = slot;
    s.queues = {q, WaitQueueSpec{"kick"}};
    s.wakers = {waker("w", {}, {print("dropped")}, {print("cloned")})};
    s.tasks.push_back(task_with("t", "w", {op(OpKind::Register, "kick"), op(OpKind::Register, "q"),
                                           op(OpKind::Pending), op(OpKind::Register, "q"),
                                           op(OpKind::Pending)}));
    s.tasks.push_back(task("other", {wake("kick"), op(OpKind::Yield), wake("q")}));
    Outcome o = run_spec(s, "fifo");
    ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    // kick: cloned; q: cloned; again at q: a list keeps it (will_wake), a
    // slot (futures 0.3.21 AtomicWaker::register) clones and drops.
    std::vector<std::string> want = {"cloned", "cloned"};
    if (slot) want.insert(want.end(), {"cloned", "dropped"});
    EXPECT_EQ(printed(o), want) << "slot=" << slot << "\n" << o.trace_text();
  }
}

TEST(Wakers, YieldRunsWakeByRefAndAFinishedTaskDropsItsListEntries) {
  ScenarioSpec s;
  s.name = "waker-yield";
  s.queues = {WaitQueueSpec{"q"}};
  s.wakers = {waker("w", {print("wake")}, {print("drop")}, {print("clone")}, {print("by_ref")})};
  s.tasks.push_back(task_with("t", "w", {op(OpKind::Register, "q"), op(OpKind::Yield), print("done")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"clone", "by_ref", "done", "drop"}));
}

TEST(Wakers, NotifyAndAsyncMutexesCloneWakeAndDrop) {
  ScenarioSpec s;
  s.name = "waker-notify-mutex";
  s.notifies = {NotifySpec{"n"}};
  s.mutexes = {MutexSpec{"am", MutexKind::AsyncFair}};
  s.wakers = {waker("w", {print("wake")}, {print("drop")}, {print("clone")})};
  s.tasks.push_back(task("holder", {lock("am"), op(OpKind::Yield), unlock("am")}));
  s.tasks.push_back(task_with("t", "w", {lock("am"), unlock("am"), op(OpKind::Notified, "n"),
                                         print("notified")}));
  s.tasks.push_back(task("n1", {op(OpKind::Yield), op(OpKind::Yield), op(OpKind::NotifyOne, "n")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"clone", "wake", "clone", "wake", "notified"}))
      << o.trace_text();
}

// mpsc (tokio 1.24.2 sync/mpsc/chan.rs): a send wakes the receiver's
// rx_waker (Chan::send: `self.rx_waker.wake()`, by value), so a wake
// program taking a lock the sending task holds deadlocks.
ScenarioSpec channel_wake_takes_lock(bool held_while_sending) {
  ScenarioSpec s;
  s.name = "waker-channel-wake";
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.channels = {ChannelSpec{"ch", 0, 0, 1, false}};
  s.wakers = {waker("w", {lock("m"), print("w woke"), unlock("m")})};
  s.tasks.push_back(task_with("rx", "w", {op(OpKind::Recv, "ch"), print("got")}));
  if (held_while_sending)
    s.tasks.push_back(task("tx", {lock("m"), op(OpKind::Send, "ch"), unlock("m")}));
  else
    s.tasks.push_back(task("tx", {lock("m"), unlock("m"), op(OpKind::Send, "ch")}));
  return s;
}

TEST(Wakers, AChannelSendRunsTheReceiversWake) {
  Outcome o = run_spec(channel_wake_takes_lock(true), "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::ReentrantLock) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.trace_text(), "w.wake runs (the waker of 'rx'")) << o.trace_text();
  auto outcomes = explore_all(channel_wake_takes_lock(true));
  EXPECT_EQ(outcomes.count("deadlock/reentrant_lock"), 1u);
  EXPECT_EQ(outcomes.count("ok"), 0u);  // fifo: rx is polled first and waits
  Outcome fine = run_spec(channel_wake_takes_lock(false), "fifo");
  ASSERT_EQ(fine.verdict.kind, VerdictKind::Ok) << fine.verdict.explanation;
  EXPECT_EQ(printed(fine), (std::vector<std::string>{"w woke", "got"}));
}

// rx_waker is tokio's AtomicWaker (sync/task/atomic_waker.rs do_register):
// every register clones the new waker and drops the one held, will_wake or
// not, inside the recv's poll, before Pending.
TEST(Wakers, ARecvPolledAgainReplacesTheRxWakerInsideThePoll) {
  for (bool other : {true, false}) {
    ScenarioSpec s;
    s.name = "waker-channel-replaced";
    s.channels = {ChannelSpec{"ch", 0, 0, 1, false}};
    s.queues = {WaitQueueSpec{"kick"}};
    s.wakers = {waker("w1", {print("w1 woke")}, {print("w1 dropped")}, {print("w1 cloned")}),
                waker("w2", {print("w2 woke")}, {print("w2 dropped")}, {print("w2 cloned")})};
    std::vector<OpSpec> body = {op(OpKind::Register, "kick"), op(OpKind::Recv, "ch"), print("got")};
    if (other) body.insert(body.begin(), poll_with("w2"));
    s.tasks.push_back(task_with("t", "w1", body));
    s.tasks.push_back(task("tx", {wake("kick"), op(OpKind::Yield), op(OpKind::Send, "ch")}));
    Outcome o = run_spec(s, "fifo");
    ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    std::vector<std::string> want =
        other ? std::vector<std::string>{"w1 cloned", "w1 cloned", "w1 woke", "w2 cloned",
                                         "w1 dropped", "w2 woke", "got"}
              : std::vector<std::string>{"w1 cloned", "w1 cloned", "w1 woke", "w1 cloned",
                                         "w1 dropped", "w1 woke", "got"};
    EXPECT_EQ(printed(o), want) << o.trace_text();
    const std::string tr = o.trace_text();
    auto drop1 = lines_with(tr, "w1.drop runs");
    auto ends = lines_with(tr, "'t' -> Pending");
    ASSERT_EQ(drop1.size(), 1u) << tr;
    ASSERT_GE(ends.size(), 2u) << tr;
    EXPECT_LT(ends[0], drop1[0]) << tr;
    EXPECT_LT(drop1[0], ends[1]) << tr;  // inside the second poll
  }
}

// A bounded channel's send waiting for a permit stores its waker in the
// channel's batch semaphore (poll_acquire); a recv's add_permit assigns
// the permit and wakes it by value; the last Sender's drop wakes rx_waker.
TEST(Wakers, ABoundedSendWaitsWithItsWakerAndTheLastSenderDropWakesTheReceiver) {
  ScenarioSpec s;
  s.name = "waker-channel-bounded";
  s.channels = {ChannelSpec{"ch", 1, 0, 1, false}};
  s.wakers = {waker("ws", {print("ws woke")}, {print("ws dropped")}, {print("ws cloned")}),
              waker("wr", {print("wr woke")}, {print("wr dropped")}, {print("wr cloned")})};
  s.tasks.push_back(task_with("tx", "ws", {op(OpKind::Send, "ch"), op(OpKind::Send, "ch"),
                                           print("sent"), op(OpKind::Yield),
                                           op(OpKind::DropSender, "ch")}));
  s.tasks.push_back(task_with("rx", "wr", {op(OpKind::Recv, "ch"), op(OpKind::Recv, "ch"),
                                           op(OpKind::Recv, "ch"), print("none")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  // tx: the second send waits (ws cloned); rx's first recv's add_permit
  // wakes ws, its second waits (wr cloned) until tx's second send wakes it;
  // its third waits again until the last Sender's drop wakes it.
  EXPECT_EQ(printed(o), (std::vector<std::string>{"ws cloned", "ws woke", "wr cloned", "wr woke",
                                                  "sent", "wr cloned", "wr woke", "none"}))
      << o.trace_text();
  auto outcomes = explore_all(s);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
}

// Joins (tokio 1.24.2 runtime/task/harness.rs can_read_output,
// set_join_waker; core.rs Trailer::wake_join): the join waker goes in the
// joined task's trailer (cloned; replaced unless will_wake); the task's end
// calls its wake_by_ref on the completing thread and leaves it there; the
// JoinHandle's drop after the output is read drops it.
ScenarioSpec join_wake() {
  ScenarioSpec s;
  s.name = "waker-join";
  s.wakers = {waker("w", {print("wake")}, {print("dropped")}, {print("cloned")}, {print("by_ref")})};
  s.tasks.push_back(task_with("joiner", "w", {op(OpKind::WaitTask, "child"), print("joined")}));
  s.tasks.push_back(task("child", {op(OpKind::Yield)}));
  return s;
}

TEST(Wakers, AJoinedTaskEndingRunsTheJoinWakersWakeByRefThenTheHandleDropsIt) {
  Outcome o = run_spec(join_wake(), "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"cloned", "by_ref", "dropped", "joined"}))
      << o.trace_text();
  auto outcomes = explore_all(join_wake());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
}

// A JoinHandle dropped before the task ends leaves its waker in the
// trailer (drop_join_handle_slow): the task's end does not wake it
// (JOIN_INTEREST unset) and its deallocation drops it, on that thread.
TEST(Wakers, AJoinersWakerLeftInATaskDropsWhereTheTaskEnds) {
  ScenarioSpec s = join_wake();
  s.tasks[1].ops = {op(OpKind::Yield), op(OpKind::Yield), print("child ends")};
  s.tasks.push_back(task("killer", {op(OpKind::Abort, "joiner")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"cloned", "child ends", "dropped"})) << o.trace_text();
}

TEST(Wakers, AJoinedTaskPolledAgainWithAnotherWakerReplacesItInsideThePoll) {
  ScenarioSpec s;
  s.name = "waker-join-replaced";
  s.queues = {WaitQueueSpec{"kick"}};
  s.wakers = {waker("w1", {}, {print("w1 dropped")}, {print("w1 cloned")}),
              waker("w2", {}, {print("w2 dropped")}, {print("w2 cloned")}, {print("w2 by_ref")})};
  s.tasks.push_back(task_with("joiner", "w1", {poll_with("w2"), op(OpKind::Register, "kick"),
                                               op(OpKind::WaitTask, "child"), print("joined")}));
  s.tasks.push_back(task("child", {wake("kick"), op(OpKind::Yield), op(OpKind::Yield)}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"w1 cloned", "w1 cloned", "w2 cloned", "w1 dropped",
                                                  "w2 by_ref", "w2 dropped", "joined"}))
      << o.trace_text();
}

// tokio 1.24.2 sync/oneshot.rs: poll_recv clones the waker into rx_task;
// the send's complete() wakes it by reference and leaves it there; the
// recv that gets the value releases the Receiver's Arc<Inner> (the
// Sender's went with the send): the Inner drops, and the waker, inside
// that poll.
ScenarioSpec oneshot_wake(bool held) {
  ScenarioSpec s;
  s.name = "waker-oneshot";
  s.channels = {ChannelSpec{"o", 0, 0, 1, true}};
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.wakers = {waker("w", {print("woke")}, {lock("m"), print("dropped"), unlock("m")},
                    {print("cloned")}, {print("by_ref")})};
  if (held)  // the receiver holds m across the recv: the Inner's drop locks it again
    s.tasks.push_back(task_with("rx", "w", {lock("m"), op(OpKind::Recv, "o"), unlock("m"), print("got")}));
  else
    s.tasks.push_back(task_with("rx", "w", {op(OpKind::Recv, "o"), print("got")}));
  s.tasks.push_back(task("tx", {op(OpKind::Yield), op(OpKind::Send, "o")}));
  return s;
}

TEST(Wakers, AOneshotSendRunsWakeByRefAndTheRecvThatGetsTheValueDropsIt) {
  Outcome o = run_spec(oneshot_wake(false), "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"cloned", "by_ref", "dropped", "got"}))
      << o.trace_text();
  EXPECT_TRUE(contains(o.trace_text(), "w.wake_by_ref runs (the waker of 'rx'")) << o.trace_text();
  auto outcomes = explore_all(oneshot_wake(false));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
  // Held across the recv, m is taken again by the waker's drop inside the
  // Ready poll (the same stack): a reentrant lock, in every schedule where
  // the recv waits; where the send came first nothing was stored.
  Outcome h = run_spec(oneshot_wake(true), "fifo");
  EXPECT_EQ(h.verdict.kind, VerdictKind::ReentrantLock) << h.verdict.explanation;
  auto ho = explore_all(oneshot_wake(true));
  EXPECT_EQ(ho.count("deadlock/reentrant_lock"), 1u);
}

TEST(Wakers, AOneshotRecvPolledWithAnotherWakerDropsTheOldOneBeforeCloningTheNew) {
  ScenarioSpec s;
  s.name = "waker-oneshot-replaced";
  s.channels = {ChannelSpec{"o", 0, 0, 1, true}};
  s.queues = {WaitQueueSpec{"kick"}};
  s.wakers = {waker("w1", {print("w1 woke")}, {print("w1 dropped")}, {print("w1 cloned")},
                    {print("w1 by_ref")}),
              waker("w2", {print("w2 woke")}, {print("w2 dropped")}, {print("w2 cloned")},
                    {print("w2 by_ref")})};
  for (bool other : {true, false}) {
    std::vector<OpSpec> body = {op(OpKind::Register, "kick"), op(OpKind::Recv, "o"), print("got")};
    if (other) body.insert(body.begin(), poll_with("w2"));
    s.tasks = {task_with("t", "w1", body),
               task("tx", {wake("kick"), op(OpKind::Yield), op(OpKind::Send, "o")})};
    Outcome o = run_spec(s, "fifo");
    ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    // t registers at kick and recv (w1 cloned twice); kick's wake takes its
    // clone (w1 woke); polled again: with w2 the rx_task is replaced, the
    // old dropped first (will_wake false); with w1 it is kept.
    std::vector<std::string> want =
        other ? std::vector<std::string>{"w1 cloned", "w1 cloned", "w1 woke", "w1 dropped",
                                         "w2 cloned", "w2 by_ref", "w2 dropped", "got"}
              : std::vector<std::string>{"w1 cloned", "w1 cloned", "w1 woke", "w1 by_ref",
                                         "w1 dropped", "got"};
    EXPECT_EQ(printed(o), want) << o.trace_text();
  }
}

// A Receiver gone first (closed, then try_recv: Closed) leaves its rx_task
// waker in the Inner; the Sender's drop then drops the Inner: `drop` runs
// on the sender's thread, and no wake_by_ref (complete() sees CLOSED).
TEST(Wakers, AOneshotWakerOutlivingItsReceiverDropsWithTheSender) {
  ScenarioSpec s;
  s.name = "waker-oneshot-sender-last";
  s.channels = {ChannelSpec{"o", 0, 0, 1, true}};
  s.wakers = {waker("w", {print("woke")}, {print("dropped")}, {print("cloned")}, {print("by_ref")})};
  FutureSpec rx;
  rx.name = "rx";
  rx.owner = "t";
  rx.ops = {op(OpKind::Recv, "o")};
  FutureSpec quick;
  quick.name = "quick";
  quick.owner = "t";
  s.futures = {rx, quick};
  OpSpec sel = op(OpKind::Select);
  OpSpec br1 = op(OpKind::Branch, "rx", 0);
  OpSpec br2 = op(OpKind::Branch, "quick", 0);
  OpSpec tryrx = op(OpKind::TryRecv, "o");
  tryrx.body = {print("empty")};
  tryrx.orelse = {print("closed")};
  sel.body = {br1, br2};
  s.tasks.push_back(task_with("t", "w", {sel, op(OpKind::CloseChannel, "o"), tryrx}));
  s.tasks.push_back(task("tx", {op(OpKind::Yield), op(OpKind::Yield), print("tx drops"),
                                op(OpKind::DropSender, "o")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"cloned", "closed", "tx drops", "dropped"}))
      << o.trace_text();
}

// tokio 1.24.2 runtime/time/entry.rs: every poll of a Sleep registers
// cx.waker() in its entry's AtomicWaker (clone the new, drop the held);
// the driver takes it out when it fires and wakes it by value; the Ready
// poll registers again (clone) and the Sleep's drop at the end of the
// await drops that clone.
TEST(Wakers, ASleepClonesEachPollTheFireRunsWakeAndTheReadyPollClonesAndDrops) {
  ScenarioSpec s;
  s.name = "waker-sleep";
  s.wakers = {waker("w", {print("woke")}, {print("dropped")}, {print("cloned")}, {print("by_ref")})};
  s.tasks.push_back(task_with("t", "w", {op(OpKind::Sleep, "", 5), print("slept")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"cloned", "woke", "cloned", "dropped", "slept"}))
      << o.trace_text();
  auto outcomes = explore_all(s);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
}

// A Sleep dropped before it fired (a select's loser): clear_entry takes
// its waker and drops it there; the timer's later firing wakes nothing.
TEST(Wakers, ASleepDroppedBeforeItFiresDropsItsWakerThere) {
  ScenarioSpec s;
  s.name = "waker-sleep-dropped";
  s.wakers = {waker("w", {print("woke")}, {print("dropped")}, {print("cloned")})};
  FutureSpec nap;
  nap.name = "nap";
  nap.owner = "t";
  nap.ops = {op(OpKind::Sleep, "", 100)};
  FutureSpec quick;
  quick.name = "quick";
  quick.owner = "t";
  quick.ops = {op(OpKind::Yield)};
  s.futures = {nap, quick};
  OpSpec sel = op(OpKind::Select);
  OpSpec br1 = op(OpKind::Branch, "nap", 0);
  OpSpec br2 = op(OpKind::Branch, "quick", 0);
  br2.body = {print("quick won")};
  sel.body = {br1, br2};
  s.tasks.push_back(task_with("t", "w", {sel, op(OpKind::Sleep, "", 200), print("done")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  // nap's poll clones; quick's yield runs wake_by_ref (nothing printed);
  // polled again, nap registers again (the AtomicWaker clones the new and
  // drops the held, the same waker or not); quick wins and nap drops (its
  // waker dropped there); the second sleep: cloned, woke, cloned, dropped.
  EXPECT_EQ(printed(o), (std::vector<std::string>{"cloned", "cloned", "dropped", "dropped",
                                                  "quick won", "cloned", "woke", "cloned",
                                                  "dropped", "done"}))
      << o.trace_text();
}

BroadcastSpec bcast_spec(const std::string& name, std::vector<std::string> rx, bool watch) {
  BroadcastSpec b;
  b.name = name;
  b.capacity = watch ? 1 : 4;
  b.watch = watch;
  for (const std::string& r : rx) b.receivers.push_back(BroadcastReceiverSpec{r});
  return b;
}

ScenarioSpec bcast_wake(bool watch, bool held_while_sending) {
  ScenarioSpec s;
  s.name = watch ? "waker-watch" : "waker-broadcast";
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  s.broadcasts = {bcast_spec("b", {"a", "c"}, watch)};
  s.wakers = {waker("wa", {lock("m"), print("a woke"), unlock("m")}, {print("a dropped")},
                    {print("a cloned")}),
              waker("wc", {print("c woke")}, {print("c dropped")}, {print("c cloned")})};
  // 'c' waits first: the wait list is FIFO, so its waker runs first.
  s.tasks.push_back(task_with("a", "wa", {op(OpKind::Yield), op(OpKind::BcastRecv, "b"), print("a got")}));
  s.tasks.push_back(task_with("c", "wc", {op(OpKind::BcastRecv, "b"), print("c got")}));
  if (held_while_sending)
    s.tasks.push_back(task("tx", {op(OpKind::Yield), lock("m"), op(OpKind::BcastSend, "b", 7), unlock("m")}));
  else
    s.tasks.push_back(task("tx", {op(OpKind::Yield), op(OpKind::BcastSend, "b", 7)}));
  return s;
}

TEST(Wakers, ABroadcastOrWatchSendWakesEachWaiterByValueOldestFirst) {
  for (bool watch : {false, true}) {
    Outcome o = run_spec(bcast_wake(watch, false), "fifo");
    ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    EXPECT_EQ(printed(o), (std::vector<std::string>{"c cloned", "a cloned", "c woke", "a woke",
                                                    "c got", "a got"}))
        << o.trace_text();
    auto outcomes = explore_all(bcast_wake(watch, false));
    ASSERT_EQ(outcomes.size(), 1u) << watch;
    EXPECT_EQ(outcomes.begin()->first, "ok");
    Outcome dl = run_spec(bcast_wake(watch, true), "fifo");
    EXPECT_EQ(dl.verdict.kind, VerdictKind::ReentrantLock) << dl.verdict.explanation;
    EXPECT_TRUE(contains(dl.verdict.explanation, "waker 'wa' running its wake")) << dl.verdict.explanation;
  }
}

// Polled again while waiting with a waker that is not will_wake the stored
// one: the new one is cloned and the old one dropped inside the poll
// (recv_ref: `(*ptr).waker = Some(waker.clone())`; poll_notified, Waiting).
// A Recv dropped while waiting drops its waker (Drop for Recv).
TEST(Wakers, ABroadcastRecvPolledAgainReplacesItsWakerAndADroppedOneDropsIt) {
  for (bool watch : {false, true}) {
    ScenarioSpec s;
    s.name = "waker-broadcast-replaced";
    s.queues = {WaitQueueSpec{"kick"}};
    s.broadcasts = {bcast_spec("b", {"t", "u"}, watch)};
    s.wakers = {waker("w1", {print("w1 woke")}, {print("w1 dropped")}, {print("w1 cloned")}),
                waker("w2", {print("w2 woke")}, {print("w2 dropped")}, {print("w2 cloned")})};
    s.tasks.push_back(task_with("t", "w1", {poll_with("w2"), op(OpKind::Register, "kick"),
                                            op(OpKind::BcastRecv, "b"), print("got")}));
    s.tasks.push_back(task_with("u", "w1", {op(OpKind::BcastRecv, "b"), print("u got")}));
    s.tasks.push_back(task("tx", {wake("kick"), op(OpKind::Yield), op(OpKind::Abort, "u"),
                                  op(OpKind::Yield), op(OpKind::BcastSend, "b", 1)}));
    Outcome o = run_spec(s, "fifo");
    ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    EXPECT_EQ(printed(o), (std::vector<std::string>{"w1 cloned", "w1 cloned", "w1 cloned", "w1 woke",
                                                    "w2 cloned", "w1 dropped", "w1 dropped",
                                                    "w2 woke", "got"}))
        << watch << "\n" << o.trace_text();
  }
}

// tokio's RwLock is a batch semaphore (poll_acquire's rule); its Barrier's
// waiters await a watch receiver's changed() (the Notify rule): cloned when
// they wait, woken by value by the unlock's add_permits / the leader's send,
// dropped when the waiting future is dropped.
TEST(Wakers, TokioRwLockAndBarrierCloneWakeAndDrop) {
  ScenarioSpec s;
  s.name = "waker-rwlock-barrier";
  s.rwlocks = {RwLockSpec{"rw", RwLockKind::Tokio}};
  s.barriers = {BarrierSpec{"bar", 2, BarrierKind::Tokio}};
  s.wakers = {waker("w", {print("woke")}, {print("dropped")}, {print("cloned")})};
  s.tasks.push_back(task("holder", {op(OpKind::RwWrite, "rw"), op(OpKind::Yield),
                                    op(OpKind::RwUnlockWrite, "rw"), op(OpKind::Yield),
                                    op(OpKind::BarrierWait, "bar")}));
  s.tasks.push_back(task_with("t", "w", {op(OpKind::RwRead, "rw"), print("read"),
                                         op(OpKind::RwUnlockRead, "rw"), op(OpKind::BarrierWait, "bar"),
                                         print("passed")}));
  Outcome o = run_spec(s, "fifo");
  ASSERT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (std::vector<std::string>{"cloned", "woke", "read", "cloned", "woke", "passed"}))
      << o.trace_text();
  auto outcomes = explore_all(s);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes.begin()->first, "ok");
  // A waiter dropped: the Acquire's / Notified's node drops its waker.
  for (bool at_barrier : {false, true}) {
    ScenarioSpec d;
    d.name = "waker-rwlock-barrier-dropped";
    d.rwlocks = s.rwlocks;
    d.barriers = s.barriers;
    d.wakers = s.wakers;
    if (at_barrier)
      d.tasks.push_back(task_with("t", "w", {op(OpKind::BarrierWait, "bar"), print("passed")}));
    else
      d.tasks.push_back(task("holder", {op(OpKind::RwWrite, "rw"), op(OpKind::Yield), op(OpKind::Yield),
                                        op(OpKind::RwUnlockWrite, "rw")}));
    if (!at_barrier)
      d.tasks.push_back(task_with("t", "w", {op(OpKind::RwRead, "rw"), print("read"),
                                             op(OpKind::RwUnlockRead, "rw")}));
    d.tasks.push_back(task("killer", {op(OpKind::Abort, "t")}));
    Outcome od = run_spec(d, "fifo");
    ASSERT_EQ(od.verdict.kind, VerdictKind::Ok) << od.verdict.explanation;
    EXPECT_EQ(printed(od), (std::vector<std::string>{"cloned", "dropped"})) << od.trace_text();
  }
}

TEST(Wakers, WakersWakingWakersNestUpToABound) {
  // w_i's wake wakes the queue where the next task parked with w_{i+1}:
  // each wake program runs inside the one before it.
  for (int n : {4, 20}) {
    ScenarioSpec s;
    s.name = "waker-nesting";
    for (int i = 0; i < n; ++i) {
      s.queues.push_back(WaitQueueSpec{"q" + std::to_string(i)});
      std::vector<OpSpec> wk;
      if (i + 1 < n) wk.push_back(wake("q" + std::to_string(i + 1)));
      s.wakers.push_back(waker("w" + std::to_string(i), wk));
      s.tasks.push_back(task_with("t" + std::to_string(i), "w" + std::to_string(i),
                                  {op(OpKind::Park, "q" + std::to_string(i))}));
    }
    s.tasks.push_back(task("kick", {op(OpKind::Yield), wake("q0")}));
    Outcome o = run_spec(s, "fifo");
    if (n == 4) {
      EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    } else {
      EXPECT_EQ(o.verdict.kind, VerdictKind::BoundDepth) << o.verdict.explanation;
      EXPECT_TRUE(contains(o.verdict.explanation, "waker functions called past the bound of 16"))
          << o.verdict.explanation;
    }
  }
}

TEST(Wakers, CompileErrorsNameThePlace) {
  ScenarioSpec s;
  s.name = "waker-errors";
  s.wakers = {waker("w")};
  s.tasks.push_back(task_with("t", "nope", {}));
  EXPECT_TRUE(contains(compile_error(s), "task 't': unknown waker 'nope'")) << compile_error(s);
  s.tasks[0].waker = "w";
  s.tasks[0].ops = {op(OpKind::Sleep, "", 5)};
  EXPECT_EQ(compile_error(s), "");
  s.tasks[0].waker = "";
  s.tasks[0].ops = {poll_with("w"), op(OpKind::Sleep, "", 5)};
  EXPECT_EQ(compile_error(s), "");  // sleeps are followed
  s.barriers = {BarrierSpec{"bar", 1, BarrierKind::Tokio}};
  s.tasks[0].ops = {poll_with("w"), op(OpKind::BarrierWait, "bar")};  // a watch's changed()
  EXPECT_EQ(compile_error(s), "");
  s.barriers = {};
  s.tasks.push_back(task("u", {}));
  OpSpec wait = op(OpKind::WaitTask, "u");
  wait.text = "boom";  // Control.Concurrent.Async's wait: no Rust waker there
  s.tasks[0].ops = {poll_with("w"), wait};
  EXPECT_TRUE(contains(compile_error(s), "not a Rust JoinHandle")) << compile_error(s);
  s.tasks.pop_back();
  s.channels = {ChannelSpec{"o", 0, 0, 1, true}, ChannelSpec{"b", 1, 0, 1, false}};
  s.tasks[0].ops = {poll_with("w"), op(OpKind::Recv, "o")};  // oneshots are followed
  EXPECT_EQ(compile_error(s), "");
  // A send there would be seen by the poll that runs the clone (RX_TASK_SET unset).
  s.wakers[0].clone = {op(OpKind::Send, "o")};
  EXPECT_TRUE(contains(compile_error(s), "may not send on oneshot 'o'")) << compile_error(s);
  s.wakers[0].clone = {};
  s.wakers[0].drop = {op(OpKind::DropSender, "o")};
  EXPECT_TRUE(contains(compile_error(s), "may not drop the sender of oneshot 'o'")) << compile_error(s);
  s.wakers[0].wake_by_ref = {op(OpKind::TryRecv, "o")};
  s.wakers[0].drop = {};
  EXPECT_EQ(compile_error(s), "");  // wake_by_ref runs after complete(): nothing to refuse
  s.wakers[0].wake_by_ref = {};
  // A drop program dropping a sleeping task: under the timer driver's lock.
  TaskSpec sleeper = task("sleeper", {op(OpKind::Sleep, "", 5)});
  sleeper.autostart = false;
  s.tasks.push_back(sleeper);
  s.tasks[0].ops = {poll_with("w"), op(OpKind::Sleep, "", 1)};
  s.wakers[0].drop = {op(OpKind::Drop, "sleeper")};
  EXPECT_TRUE(contains(compile_error(s), "timer driver lock")) << compile_error(s);
  s.tasks[0].ops = {poll_with("w"), op(OpKind::Recv, "o")};  // no task polled with it sleeps
  EXPECT_EQ(compile_error(s), "");
  s.wakers[0].drop = {};
  s.tasks.pop_back();
  s.tasks[0].ops = {poll_with("w"), op(OpKind::Send, "b"), op(OpKind::Recv, "b")};
  EXPECT_EQ(compile_error(s), "");
  // A broadcast or watch send in a clone or drop program: under the tail's
  // or the Notify's lock. A broadcast send in a wake program, when a task
  // polled with a user-defined waker receives from it: under the tail lock.
  s.broadcasts = {bcast_spec("bc", {"t"}, false), bcast_spec("wt", {"t"}, true)};
  s.tasks[0].ops = {poll_with("w"), op(OpKind::BcastRecv, "bc"), op(OpKind::BcastRecv, "wt")};
  EXPECT_EQ(compile_error(s), "");
  s.wakers[0].clone = {op(OpKind::BcastSend, "wt", 1)};
  EXPECT_TRUE(contains(compile_error(s), "a broadcast or watch channel's send")) << compile_error(s);
  s.wakers[0].clone = {};
  s.wakers[0].wake = {op(OpKind::BcastSend, "wt", 1)};  // notify_waiters wakes after its lock
  EXPECT_EQ(compile_error(s), "");
  s.wakers[0].wake = {op(OpKind::BcastSend, "bc", 1)};
  EXPECT_TRUE(contains(compile_error(s), "broadcast 'bc''s tail lock")) << compile_error(s);
  s.wakers[0].wake = {};
  s.broadcasts = {};
  s.rwlocks = {RwLockSpec{"rw", RwLockKind::Tokio}};
  s.tasks[0].ops = {poll_with("w"), op(OpKind::RwRead, "rw"), op(OpKind::RwUnlockRead, "rw")};
  EXPECT_EQ(compile_error(s), "");
  s.rwlocks = {};
  s.tasks[0].ops = {poll_with("w"), op(OpKind::Send, "b"), op(OpKind::Recv, "b")};
  s.wakers[0].drop = {op(OpKind::TryRecv, "b")};  // under the semaphore's wait-list lock
  EXPECT_TRUE(contains(compile_error(s), "a bounded channel's try_recv")) << compile_error(s);
  s.wakers[0].drop = {};
  s.channels = {};
  s.tasks[0].ops = {};
  s.wakers[0].wake = {op(OpKind::Park, "q")};
  s.queues = {WaitQueueSpec{"q"}};
  EXPECT_TRUE(contains(compile_error(s), "waker 'w' (its wake)")) << compile_error(s);
  s.wakers[0].wake = {poll_with("w")};
  EXPECT_TRUE(contains(compile_error(s), "is not a task")) << compile_error(s);
  s.wakers[0].wake = {lock("m")};
  s.mutexes = {MutexSpec{"m", MutexKind::Blocking}};
  EXPECT_TRUE(contains(compile_error(s), "ends holding 'm'")) << compile_error(s);
}

TEST(Wakers, DeterministicTraces) {
  auto a = run_spec(replaced_at_semaphore(false), "fifo").trace_text();
  auto b = run_spec(replaced_at_semaphore(false), "fifo").trace_text();
  EXPECT_EQ(a, b);
}

}  // namespace

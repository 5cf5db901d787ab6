// Reader-writer locks (exec/primitives/rwlock.hpp): std's writer preference
// and its recursive-read deadlock, re-entrant writes, tokio's FIFO fairness
// (a reader queued behind a writer waits), hand-offs, a queued writer
// dropped, the try-ops, !Send guards, the wait-for graph's words, the
// compile errors, and the same verdict kinds with reductions on and off.
#include <gtest/gtest.h>

#include <map>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

namespace {

using Lines = std::vector<std::string>;
using Kinds = std::map<std::string, uint64_t>;

struct Explored {
  Kinds kinds;
  std::string counterexample;  // the first hazard's explanation, minimised
};

Explored explore(const ScenarioSpec& s, bool reductions = true, const std::string& policy = "fifo") {
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
    e.advance(200000, 60);
    EXPECT_TRUE(e.report().finished) << e.report().schedules << " schedules";
    if (all) out.kinds = e.report().outcomes;
    else if (e.report().counterexample) out.counterexample = e.report().counterexample->verdict.explanation;
  }
  return out;
}

OpSpec read(const std::string& r) { return op(OpKind::RwRead, r); }
OpSpec write(const std::string& r) { return op(OpKind::RwWrite, r); }
OpSpec unlock_read(const std::string& r) { return op(OpKind::RwUnlockRead, r); }
OpSpec unlock_write(const std::string& r) { return op(OpKind::RwUnlockWrite, r); }
OpSpec try_read(const std::string& r, std::vector<OpSpec> on_fail) {
  return try_op(OpKind::TryRead, r, std::move(on_fail));
}
OpSpec try_write(const std::string& r, std::vector<OpSpec> on_fail) {
  return try_op(OpKind::TryWrite, r, std::move(on_fail));
}

ThreadSpec thread(const std::string& name, std::vector<OpSpec> ops) {
  ThreadSpec t;
  t.name = name;
  t.ops = std::move(ops);
  return t;
}

ScenarioSpec with_rwlock(const std::string& name, RwLockKind kind) {
  ScenarioSpec s;
  s.name = name;
  s.rwlocks = {RwLockSpec{"rw", kind}};
  return s;
}

}  // namespace

// ---- std::sync::RwLock ----------------------------------------------------

TEST(StdRwLock, ARecursiveReadDeadlocksBehindAWaitingWriter) {
  // Thread A reads twice; thread W writes. If W asks between A's two reads,
  // W waits for A's read guard and A's second read waits for W (writers
  // first): a lock cycle. Reader-preferring, it could never hang.
  ScenarioSpec s = with_rwlock("recursive-read", RwLockKind::Std);
  s.threads = {thread("a", {read("rw"), read("rw"), print("a read twice"), unlock_read("rw"),
                            unlock_read("rw")}),
               thread("w", {write("rw"), print("w wrote"), unlock_write("rw")})};
  Explored e = explore(s);
  EXPECT_EQ(e.kinds.size(), 2u);
  EXPECT_TRUE(e.kinds.count("ok"));
  ASSERT_TRUE(e.kinds.count("deadlock/lock_cycle"));
  const std::string& ex = e.counterexample;
  EXPECT_TRUE(contains(ex, "thread 'a' waits for a read guard of std RwLock 'rw', behind thread "
                           "'w', a writer waiting")) << ex;
  EXPECT_TRUE(contains(ex, "thread 'w' waits for the write guard of std RwLock 'rw', a read "
                           "guard of which thread 'a' holds")) << ex;
  Explored off = explore(s, false);
  EXPECT_EQ(off.kinds.size(), e.kinds.size());
  for (const auto& [kind, n] : e.kinds) EXPECT_TRUE(off.kinds.count(kind)) << kind;
}

TEST(StdRwLock, TryReadFailsWhileAWriterWaits) {
  // A holds a read guard, so W can only wait; a try_read by A fails in the
  // schedules where W is waiting (std prefers writers), succeeds otherwise.
  ScenarioSpec s = with_rwlock("try-read-writer-waits", RwLockKind::Std);
  // Its failure is made visible: 'failed' past its bound is resource_exhausted.
  s.counters = {CounterSpec{"failed", 0, 1}};
  s.threads = {thread("a", {read("rw"),
                            loop({try_read("rw", {add("failed", 2), brk()}), unlock_read("rw"), brk()}),
                            unlock_read("rw")}),
               thread("w", {write("rw"), unlock_write("rw")})};
  Explored e = explore(s);
  EXPECT_EQ(e.kinds.size(), 2u);
  EXPECT_TRUE(e.kinds.count("ok"));
  EXPECT_TRUE(e.kinds.count("resource_exhausted"));
  // Without a writer about, it never fails.
  s.threads.pop_back();
  EXPECT_EQ(explore(s).kinds.size(), 1u);
}

TEST(StdRwLock, AWriteWhileHoldingAGuardIsReentrant) {
  for (bool first_write : {false, true}) {
    ScenarioSpec s = with_rwlock("reentrant-write", RwLockKind::Std);
    s.tasks.push_back(task("t", {first_write ? write("rw") : read("rw"), write("rw"),
                                 unlock_write("rw"), first_write ? unlock_write("rw") : unlock_read("rw")}));
    Outcome o = run_spec(s, "fifo");
    EXPECT_EQ(o.verdict.kind, VerdictKind::ReentrantLock) << o.verdict.explanation;
    EXPECT_TRUE(contains(o.verdict.explanation, "requests the write guard of std RwLock 'rw'"))
        << o.verdict.explanation;
    EXPECT_TRUE(contains(o.verdict.explanation, first_write ? "it already holds its write guard"
                                                            : "it already holds a read guard"))
        << o.verdict.explanation;
  }
  // A read while holding the write guard never returns either.
  ScenarioSpec s = with_rwlock("reentrant-read", RwLockKind::Std);
  s.tasks.push_back(task("t", {write("rw"), read("rw"), unlock_read("rw"), unlock_write("rw")}));
  EXPECT_EQ(run_spec(s, "fifo").verdict.kind, VerdictKind::ReentrantLock);
  // try_write while holding a guard of it fails at once (on_fail only).
  for (RwLockKind k : {RwLockKind::Std, RwLockKind::Tokio}) {
    ScenarioSpec t = with_rwlock("try-write-held", k);
    t.tasks.push_back(task("t", {read("rw"), try_write("rw", {print("held")}), unlock_read("rw")}));
    Outcome o = run_spec(t, "fifo");
    EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
    EXPECT_EQ(printed(o), (Lines{"held"}));
    EXPECT_TRUE(contains(o.trace_text(), "try_write 'rw' fails")) << o.trace_text();
  }
  // Two reads with no writer about: fine.
  ScenarioSpec ok = with_rwlock("read-twice", RwLockKind::Std);
  ok.tasks.push_back(task("t", {read("rw"), read("rw"), unlock_read("rw"), unlock_read("rw"),
                                print("done")}));
  Outcome o = run_spec(ok, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"done"}));
}

TEST(StdRwLock, AGuardAcrossAnAwaitBlocksTheSchedulerThread) {
  // As with std::sync::Mutex on a current-thread runtime: 'a' holds the
  // write guard across an await; 'b', polled on the same thread, blocks it
  // for good.
  ScenarioSpec s = with_rwlock("std-rwlock-current-thread", RwLockKind::Std);
  s.tasks.push_back(task("a", {write("rw"), yield(), unlock_write("rw")}));
  s.tasks.push_back(task("b", {read("rw"), unlock_read("rw")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::BlockedThread) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "task 'a' holds its write guard")) << o.verdict.explanation;
  // With two workers, Rust rejects it: the guard is !Send.
  s.workers = 2;
  o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::NotSend) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "std::sync::RwLock 'rw'")) << o.verdict.explanation;
}

TEST(StdRwLock, ReadersShareAndAWriterWaitsForThemAll) {
  ScenarioSpec s = with_rwlock("readers-share", RwLockKind::Std);
  s.atomics = {AtomicSpec{"inside", 0}};
  s.counters = {CounterSpec{"writing", 0, 1}};
  // Two readers and a writer; the writer counts itself in 'writing' (bound
  // 1) and checks no reader is inside: never violated.
  s.threads = {thread("r1", {read("rw"), op(OpKind::FetchAdd, "inside", 1),
                             op(OpKind::FetchAdd, "inside", -1), unlock_read("rw")}),
               thread("r2", {read("rw"), op(OpKind::FetchAdd, "inside", 1),
                             op(OpKind::FetchAdd, "inside", -1), unlock_read("rw")}),
               thread("w", {write("rw"), add("writing", 1), add("writing", 1), unlock_write("rw")})};
  // 'writing' reaching 2 is resource_exhausted: the writer is then alone.
  // The property is that nothing else (no deadlock) happens.
  Explored e = explore(s);
  EXPECT_EQ(e.kinds.size(), 1u);
  EXPECT_TRUE(e.kinds.count("resource_exhausted"));
}

// ---- tokio::sync::RwLock --------------------------------------------------

TEST(TokioRwLock, AReaderQueuedBehindAWriterWaitsItsTurn) {
  ScenarioSpec s = with_rwlock("tokio-fifo", RwLockKind::Tokio);
  s.tasks.push_back(task("a", {read("rw"), print("a reads"), yield(), print("a done"), unlock_read("rw")}));
  s.tasks.push_back(task("w", {write("rw"), print("w writes"), unlock_write("rw")}));
  s.tasks.push_back(task("r", {read("rw"), print("r reads"), unlock_read("rw")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  // 'r' could share with 'a', but 'w' queued first: FIFO.
  EXPECT_EQ(printed(o), (Lines{"a reads", "a done", "w writes", "r reads"}));
  EXPECT_TRUE(contains(o.trace_text(), "'r' queues for a read guard of tokio RwLock 'rw'")) << o.trace_text();
  EXPECT_TRUE(contains(o.trace_text(), "the write guard of tokio RwLock 'rw' is handed to 'w'"))
      << o.trace_text();
}

TEST(TokioRwLock, TryReadFailsWhileAnAcquireIsQueued) {
  ScenarioSpec s = with_rwlock("tokio-try-read", RwLockKind::Tokio);
  s.tasks.push_back(task("a", {read("rw"), yield(), unlock_read("rw")}));
  s.tasks.push_back(task("w", {write("rw"), unlock_write("rw")}));
  s.tasks.push_back(task("r", {try_read("rw", {print("busy"), yield(), op(OpKind::Continue)})}));
  // 'r' retries in a loop until the writer is through.
  s.tasks[2].ops = {loop({try_read("rw", {print("busy"), yield(), op(OpKind::Continue)}),
                          print("r reads"), unlock_read("rw"), brk()})};
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  ASSERT_GE(printed(o).size(), 2u);
  EXPECT_EQ(printed(o).front(), "busy");
  EXPECT_TRUE(contains(o.trace_text(), "try_read 'rw' fails: the write guard is held or an acquire is queued"))
      << o.trace_text();
}

TEST(TokioRwLock, ARecursiveReadBehindAQueuedWriterIsALockCycle) {
  ScenarioSpec s = with_rwlock("tokio-recursive-read", RwLockKind::Tokio);
  s.tasks.push_back(task("a", {read("rw"), yield(), read("rw"), unlock_read("rw"), unlock_read("rw")}));
  s.tasks.push_back(task("w", {write("rw"), unlock_write("rw")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::LockCycle) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation,
                       "task 'a' waits for a read guard of tokio RwLock 'rw', behind task 'w', "
                       "queued ahead of it")) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "a read guard of which task 'a' holds"))
      << o.verdict.explanation;
}

TEST(TokioRwLock, AQueuedWriterAbortedLetsTheReadersBehindItThrough) {
  ScenarioSpec s = with_rwlock("tokio-abort-writer", RwLockKind::Tokio);
  s.tasks.push_back(task("a", {read("rw"), yield(), yield(), yield(), unlock_read("rw")}));
  s.tasks.push_back(task("w", {write("rw"), print("w writes"), unlock_write("rw")}));
  s.tasks.push_back(task("r", {read("rw"), print("r reads"), unlock_read("rw")}));
  s.tasks.push_back(task("k", {yield(), op(OpKind::Abort, "w")}));
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(o), (Lines{"r reads"}));
}

TEST(TokioRwLock, AWriteGuardHandedToAFutureNobodyPollsIsAFuturelock) {
  // The futurelock shape: a select! over &mut a future queued for the
  // write guard; the other branch wins, the owner then reads: the guard is
  // handed to the future, which nobody polls.
  ScenarioSpec s = with_rwlock("tokio-futurelock", RwLockKind::Tokio);
  s.tasks.push_back(task("holder", {read("rw"), yield(), unlock_read("rw")}));
  TaskSpec t = task("main", {});
  FutureSpec fut;
  fut.name = "w";
  fut.owner = "main";
  fut.ops = {write("rw"), unlock_write("rw")};
  FutureSpec other;
  other.name = "other";
  other.owner = "main";
  other.ops = {print("other")};
  s.futures = {fut, other};
  OpSpec sel = op(OpKind::Select);
  sel.flag = true;  // biased: 'w' first
  OpSpec b1 = op(OpKind::Branch, "w", 1);
  OpSpec b2 = op(OpKind::Branch, "other");
  sel.body = {b1, b2};
  t.ops = {sel, read("rw"), unlock_read("rw")};
  s.tasks.push_back(t);
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Futurelock) << o.verdict.explanation;
  EXPECT_TRUE(contains(o.verdict.explanation, "the write guard of tokio RwLock 'rw' (handed to it"))
      << o.verdict.explanation;
}

// ---- the compiler ---------------------------------------------------------

TEST(RwLockCompile, BadUseNamesThePlace) {
  ScenarioSpec s = with_rwlock("bad", RwLockKind::Tokio);
  s.tasks.push_back(task("t", {read("rw"), write("rw"), unlock_write("rw"), unlock_read("rw")}));
  EXPECT_TRUE(contains(compile_error(s), "task 't', op #1 (write 'rw'): write-locks 'rw' while holding "
                                         "a read guard")) << compile_error(s);
  s.tasks[0].ops = {unlock_read("rw")};
  EXPECT_TRUE(contains(compile_error(s), "op #0 (unlock_read 'rw'): unlocks a read guard of 'rw', "
                                         "which it does not hold")) << compile_error(s);
  s.tasks[0].ops = {read("nope")};
  EXPECT_TRUE(contains(compile_error(s), "unknown rwlock 'nope'")) << compile_error(s);
  s.tasks[0].ops = {write("rw")};
  EXPECT_TRUE(contains(compile_error(s), "ends holding the write guard of 'rw'")) << compile_error(s);
  s.tasks.clear();
  s.handlers.push_back(handler("h", 0, {read("rw"), unlock_read("rw")}));
  EXPECT_TRUE(contains(compile_error(s), "cannot await")) << compile_error(s);
  // A std RwLock may be read from a handler (it blocks the thread).
  s.rwlocks[0].kind = RwLockKind::Std;
  EXPECT_EQ(compile_error(s), "");
  s.rwlocks[0].kind = static_cast<RwLockKind>(7);
  EXPECT_TRUE(contains(compile_error(s), "rwlock 'rw': invalid kind 7")) << compile_error(s);
}

// Atomics (exec/primitives/atomic.hpp): what each op returns, branching on
// it atomically, wrapping, the interleavings threads get at each op, the
// footprints sleep sets read, and the compile errors.
#include <gtest/gtest.h>

#include "build.hpp"

using namespace wb;
using namespace wb::test;

namespace {

OpSpec atomic_op(OpKind k, const std::string& a, int64_t v = 0) { return op(k, a, v); }
OpSpec load(const std::string& a) { return atomic_op(OpKind::Load, a); }
OpSpec store(const std::string& a, int64_t v) { return atomic_op(OpKind::Store, a, v); }
OpSpec swap(const std::string& a, int64_t v) { return atomic_op(OpKind::Swap, a, v); }
OpSpec fetch_add(const std::string& a, int64_t v) { return atomic_op(OpKind::FetchAdd, a, v); }
OpSpec cas(const std::string& a, int64_t expected, int64_t desired) {
  OpSpec o = atomic_op(OpKind::CompareExchange, a, desired);
  o.expected = expected;
  return o;
}
// `op` branching on what it returned: then if `returned cmp v`, else orelse.
OpSpec when(OpSpec o, Cmp cmp, int64_t v, std::vector<OpSpec> then, std::vector<OpSpec> orelse = {}) {
  o.cond = Cond{o.target, cmp, v};
  o.body = std::move(then);
  o.orelse = std::move(orelse);
  return o;
}

std::vector<std::string> printed(const Scenario& sc, const Outcome& o) {
  std::vector<std::string> out;
  for (const auto& line : o.output) out.push_back(sc.texts[line.text]);
  return out;
}

// A spin lock on `lock` around a region that counts who is inside ('inside',
// bound 1: two at once is resource_exhausted). Each thread tries `tries`
// times and gives up after that (a spin with no bound has runs that never
// end, where the holder is never scheduled). `broken`: a load, then a store
// (two ops: both may see 0).
ScenarioSpec spin_lock(bool broken, int tries = 2) {
  ScenarioSpec s;
  s.name = broken ? "spin-lock-load-store" : "spin-lock-cas";
  s.atomics = {AtomicSpec{"lock", 0}};
  s.counters = {CounterSpec{"inside", 0, 1}};
  const std::vector<OpSpec> region = {add("inside", 1), add("inside", -1), store("lock", 0), brk()};
  std::vector<OpSpec> region_then = region;
  if (broken) region_then.insert(region_then.begin(), store("lock", 1));
  OpSpec attempt = broken ? when(load("lock"), Cmp::Eq, 0, region_then)
                          : when(cas("lock", 0, 1), Cmp::Eq, 0, region_then);
  for (const char* name : {"x", "y"}) {
    ThreadSpec t;
    t.name = name;
    t.ops = {repeat(tries, {attempt})};
    s.threads.push_back(t);
  }
  return s;
}

}  // namespace

TEST(Atomic, EachOpReturnsTheValueBeforeAndTheBranchTakesIt) {
  ScenarioSpec s;
  s.name = "atomic-ops";
  s.atomics = {AtomicSpec{"a", 5}, AtomicSpec{"big", INT64_MAX}};
  s.tasks.push_back(task("t", {
      when(load("a"), Cmp::Eq, 5, {print("load 5")}),
      when(swap("a", 7), Cmp::Eq, 5, {print("swap was 5")}),
      when(fetch_add("a", 3), Cmp::Eq, 7, {print("fetch_add was 7")}),
      when(cas("a", 10, 0), Cmp::Eq, 10, {print("cas ok")}),
      when(cas("a", 10, 99), Cmp::Eq, 10, {print("cas ok again")}, {print("cas err")}),
      when(cas("a", 10, 99), Cmp::Eq, 0, {print("err carries 0")}),
      store("a", 42),
      when(load("a"), Cmp::Eq, 42, {print("stored 42")}),
      fetch_add("big", 1),  // wraps, as Rust's fetch_add
      when(load("big"), Cmp::Eq, INT64_MIN, {print("wrapped")}),
  }));
  const Scenario sc = compile(s);
  Outcome o = run_spec(s, "fifo");
  EXPECT_EQ(o.verdict.kind, VerdictKind::Ok) << o.verdict.explanation;
  EXPECT_EQ(printed(sc, o), (std::vector<std::string>{"load 5", "swap was 5", "fetch_add was 7",
                                                      "cas ok", "cas err", "err carries 0",
                                                      "stored 42", "wrapped"}));
  EXPECT_TRUE(contains(o.trace_text(), "swap 'a' returns 5")) << o.trace_text();
  EXPECT_TRUE(contains(o.trace_text(), "compare_exchange 'a' returns Err(0)")) << o.trace_text();
  EXPECT_TRUE(contains(o.trace_text(), "'a' = 42")) << o.trace_text();
}

TEST(Atomic, ACompareExchangeSpinLockIsMutuallyExclusiveInEverySchedule) {
  auto out = explore_all(spin_lock(false));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(out.count("ok"));
}

TEST(Atomic, ALoadThenStoreLockLetsBothIn) {
  auto out = explore_all(spin_lock(true));
  EXPECT_TRUE(out.count("ok"));
  EXPECT_TRUE(out.count("resource_exhausted"));  // both inside at once
}

TEST(Atomic, SwapHandsOutOneWinAndFetchAddDistinctTickets) {
  ScenarioSpec s;
  s.name = "tickets";
  s.atomics = {AtomicSpec{"flag", 0}, AtomicSpec{"next", 0}};
  s.counters = {CounterSpec{"winners", 0, 1}, CounterSpec{"t0", 0, 1}, CounterSpec{"t1", 0, 1}};
  for (const char* name : {"x", "y", "z"}) {
    ThreadSpec t;
    t.name = name;
    t.ops = {when(swap("flag", 1), Cmp::Eq, 0, {add("winners", 1)}),
             when(fetch_add("next", 1), Cmp::Eq, 0, {add("t0", 1)}, {
                 when(load("next"), Cmp::Ge, 2, {})})};  // a load: one more interleaving point
    s.threads.push_back(t);
  }
  auto out = explore_all(s);
  EXPECT_EQ(out.size(), 1u);  // never two winners, never ticket 0 twice
  EXPECT_TRUE(out.count("ok"));
}

// Three handlers ready at once, in any order: loads and failed
// compare_exchanges only read the cell, so sleep sets prune the orders;
// swaps write it, and every order is its own.
TEST(Atomic, ReadsCommuteForSleepSetsAndWritesDoNot) {
  auto three = [](OpSpec op) {
    ScenarioSpec s;
    s.name = "three";
    s.atomics = {AtomicSpec{"a", 0}};
    for (const char* name : {"h1", "h2", "h3"}) s.handlers.push_back(handler(name, 1, {op}));
    return s;
  };
  for (const OpSpec& reader : {load("a"), cas("a", 5, 6)}) {
    uint64_t full = 0, reduced = 0;
    explore_all(three(reader), false, &full);
    explore_all(three(reader), true, &reduced);
    EXPECT_EQ(full, 6u);
    EXPECT_LT(reduced, full) << op_name(reader.kind);
  }
  uint64_t reduced = 0;
  explore_all(three(swap("a", 1)), true, &reduced);
  EXPECT_EQ(reduced, 6u);
}

TEST(Atomic, MisuseIsAnErrorNamingThePlace) {
  auto with = [](std::vector<OpSpec> ops) {
    ScenarioSpec s;
    s.name = "bad";
    s.atomics = {AtomicSpec{"a", 0}};
    s.counters = {CounterSpec{"c", 0}};
    s.tasks.push_back(task("t", std::move(ops)));
    return s;
  };
  auto message = [](const ScenarioSpec& s) -> std::string {
    try {
      compile(s);
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_TRUE(contains(message(with({add("a", 1)})), "task 't', op #0 (add 'a'): 'a' is an atomic, not a counter"));
  EXPECT_TRUE(contains(message(with({if_("a", Cmp::Eq, 0, {})})), "'a' is an atomic, not a counter"));
  EXPECT_TRUE(contains(message(with({swap("c", 1)})), "op #0 (swap 'c'): 'c' is a counter, not an atomic"));
  EXPECT_TRUE(contains(message(with({load("nope")})), "unknown atomic 'nope' (known: a)"));
  EXPECT_TRUE(contains(message(with({when(store("a", 1), Cmp::Eq, 0, {print("x")})})),
                       "store returns nothing to branch on"));
  ScenarioSpec twice = with({});
  twice.counters.push_back(CounterSpec{"a", 0});
  EXPECT_TRUE(contains(message(twice), "'a' names both a counter and an atomic"));
}

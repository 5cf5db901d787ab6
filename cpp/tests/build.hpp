// Tiny builders for scenarios in C++ tests.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/explore.hpp"
#include "bench/run.hpp"
#include "model/spec.hpp"

namespace wb::test {

inline OpSpec op(OpKind k, std::string target = "", int64_t value = 0) {
  OpSpec o;
  o.kind = k;
  o.target = std::move(target);
  o.value = value;
  return o;
}
inline OpSpec lock(const std::string& m) { return op(OpKind::Lock, m); }
inline OpSpec unlock(const std::string& m) { return op(OpKind::Unlock, m); }
inline OpSpec park(const std::string& q) { return op(OpKind::Park, q); }
inline OpSpec reg(const std::string& q) { return op(OpKind::Register, q); }
inline OpSpec wake(const std::string& q) { return op(OpKind::Wake, q); }
inline OpSpec pending() { return op(OpKind::Pending); }
inline OpSpec yield() { return op(OpKind::Yield); }
inline OpSpec drop(const std::string& x) { return op(OpKind::Drop, x); }
inline OpSpec add(const std::string& c, int64_t v) { return op(OpKind::Add, c, v); }
inline OpSpec print(const std::string& t) {
  OpSpec o = op(OpKind::Print);
  o.text = t;
  return o;
}
inline OpSpec brk() { return op(OpKind::Break); }
inline OpSpec loop(std::vector<OpSpec> body) {
  OpSpec o = op(OpKind::Loop);
  o.body = std::move(body);
  return o;
}
inline OpSpec repeat(int64_t n, std::vector<OpSpec> body) {
  OpSpec o = op(OpKind::Repeat, "", n);
  o.body = std::move(body);
  return o;
}
inline OpSpec if_(const std::string& counter, Cmp cmp, int64_t v, std::vector<OpSpec> body,
                  std::vector<OpSpec> orelse = {}) {
  OpSpec o = op(OpKind::If);
  o.cond = Cond{counter, cmp, v};
  o.body = std::move(body);
  o.orelse = std::move(orelse);
  return o;
}
inline OpSpec cont() { return op(OpKind::Continue); }
// Try-ops: `fail` runs when it fails (Full / Empty for a channel), `closed`
// on a channel's Closed / Disconnected.
inline OpSpec try_op(OpKind k, const std::string& target, std::vector<OpSpec> fail = {},
                     std::vector<OpSpec> closed = {}) {
  OpSpec o = op(k, target);
  o.body = std::move(fail);
  o.orelse = std::move(closed);
  return o;
}
inline OpSpec try_lock(const std::string& m, std::vector<OpSpec> on_fail = {}) {
  return try_op(OpKind::TryLock, m, std::move(on_fail));
}
inline OpSpec try_acquire(const std::string& s, std::vector<OpSpec> on_fail = {}) {
  return try_op(OpKind::TryAcquire, s, std::move(on_fail));
}
inline TaskSpec task(const std::string& name, std::vector<OpSpec> ops) {
  TaskSpec t;
  t.name = name;
  t.ops = std::move(ops);
  return t;
}

inline HandlerSpec handler(const std::string& name, int64_t at, std::vector<OpSpec> ops,
                           HandlerKind kind = HandlerKind::Event) {
  HandlerSpec h;
  h.name = name;
  h.kind = kind;
  h.at = at;
  h.ops = std::move(ops);
  return h;
}

// A wake before anyone registers: the waiter parks for good (lost_wake).
inline ScenarioSpec early_wake() {
  ScenarioSpec s;
  s.name = "early-wake";
  s.queues = {WaitQueueSpec{"q"}};
  s.tasks.push_back(task("notifier", {wake("q")}));
  s.tasks.push_back(task("waiter", {park("q")}));
  return s;
}

// The h2 drop-wake pattern: the Connection task waits for its streams to
// close, checking under the `inner` lock; a stream's Drop hook takes `inner`
// and wakes the Connection while holding it.
inline ScenarioSpec h2_drop_wake(bool from_cleanup) {
  ScenarioSpec s;
  s.name = from_cleanup ? "h2-drop-wake-cleanup" : "h2-drop-wake-nested";
  s.mutexes = {MutexSpec{"inner", MutexKind::Blocking}};
  s.queues = {WaitQueueSpec{"conn_waker"}, WaitQueueSpec{"client"}};
  s.counters = {CounterSpec{"streams", 1}};
  s.tasks.push_back(task("conn", {loop({lock("inner"), if_("streams", Cmp::Eq, 0, {unlock("inner"), brk()}),
                                        reg("conn_waker"), unlock("inner"), pending()}),
                                  print("connection closed")}));
  if (from_cleanup) {
    s.tasks.push_back(task("req", {park("client")}));
    s.handlers.push_back(handler("close", 5, {drop("req")}, HandlerKind::Cleanup));
  } else {
    s.tasks.push_back(task("req", {print("response sent")}));
  }
  ObjectSpec stream;
  stream.name = "stream";
  stream.owner = "req";
  stream.on_drop = {lock("inner"), add("streams", -1), wake("conn_waker"), unlock("inner")};
  s.objects.push_back(stream);
  return s;
}

inline Outcome run_spec(const ScenarioSpec& spec, const std::string& policy,
                        ScheduleSpec sched = {}, RunConfig cfg = {}) {
  auto sc = std::make_shared<const Scenario>(compile(spec));
  auto p = make_policy(policy);
  return run_scenario(sc, *p, sched, cfg);
}

// What tests ask of outcomes and compilations.
inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

inline std::vector<std::string> printed(const Outcome& o) {
  std::vector<std::string> out;
  for (const auto& line : o.output) out.push_back(o.scenario->texts[line.text]);
  return out;
}

// The compiler's error for `s`, or "" if it compiles.
inline std::string compile_error(const ScenarioSpec& s) {
  try {
    compile(s);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

// An exhaustive search under fifo that must complete, every schedule (`cfg`
// for the reductions).
inline ExploreReport explore_report(const ScenarioSpec& spec, ExploreConfig cfg = {}) {
  auto sc = std::make_shared<const Scenario>(compile(spec));
  auto p = make_policy("fifo");
  cfg.strategy = Strategy::Exhaustive;
  cfg.stop_at_first = false;
  Explorer e(sc, *p, cfg);
  e.advance(10'000'000, 60);
  EXPECT_TRUE(e.report().complete);
  return e.report();
}

// Its verdict kinds -> schedules; `schedules`, if given, gets how many
// were run.
inline std::map<std::string, uint64_t> explore_all(const ScenarioSpec& spec, bool sleep_sets = true,
                                                   uint64_t* schedules = nullptr) {
  ExploreConfig cfg;
  cfg.sleep_sets = sleep_sets;
  const ExploreReport r = explore_report(spec, cfg);
  if (schedules) *schedules = r.schedules;
  return r.outcomes;
}

}  // namespace wb::test

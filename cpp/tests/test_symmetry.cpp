// Symmetry of identical tasks and workers (explore/symmetry.hpp): which
// scenarios it applies to, that renaming takes symmetric states as one and
// tells other states apart, and that a search with it reaches the kinds a
// search without it reaches.
#include <gtest/gtest.h>

#include <optional>
#include <set>

#include "build.hpp"
#include "exec/executor.hpp"
#include "explore/strategies.hpp"
#include "explore/symmetry.hpp"

namespace wb {
namespace {

using namespace wb::test;

// N replicas of (lock; yield; unlock; yield) x reps on one async mutex.
ScenarioSpec mutex_model(int64_t tasks, int64_t reps, int64_t workers) {
  ScenarioSpec s;
  s.name = "mutex";
  s.workers = workers;
  s.mutexes.push_back(MutexSpec{"m", MutexKind::AsyncFair});
  TaskSpec t = task("t", {repeat(reps, {lock("m"), yield(), unlock("m"), yield()})});
  t.count = tasks;
  s.tasks.push_back(t);
  return s;
}

// The world at the first thread choice of the canonical run with two tasks
// in the run queue (the startup spawns them one by one).
struct FirstWorld final : Chooser {
  std::optional<World> world;
  uint32_t choose(const ChoicePoint& cp) override {
    if (!world && cp.kind == ChoiceKind::Thread && cp.world.threads[0].run_queue.size() >= 2)
      world = cp.world;
    return 0;
  }
};

World first_choice(const Scenario& sc) {
  auto p = make_policy("fifo");
  FirstWorld c;
  execute(sc, *p, c, RunConfig{});
  EXPECT_TRUE(c.world.has_value());
  return *c.world;
}

// The verdict kinds an exhaustive search reaches (the schedules per kind
// differ: symmetry cuts schedules too).
std::set<std::string> explore(const ScenarioSpec& spec, bool symmetry, uint64_t& states) {
  ExploreConfig cfg;
  cfg.symmetry = symmetry;
  const ExploreReport r = explore_report(spec, cfg);
  states = r.states;
  std::set<std::string> kinds;
  for (const auto& [kind, n] : r.outcomes) kinds.insert(kind);
  return kinds;
}

TEST(Symmetry, AppliesOnlyToTheVocabularyItRenames) {
  EXPECT_TRUE(Symmetry(compile(mutex_model(3, 1, 1)), true).on());   // identical tasks
  ScenarioSpec one = mutex_model(1, 1, 3);
  EXPECT_TRUE(Symmetry(compile(one), true).on());    // two workers past the loop thread
  EXPECT_FALSE(Symmetry(compile(one), false).on());  // ... not renamed under a deviation bound
  ScenarioSpec sleeps = mutex_model(3, 1, 2);
  sleeps.tasks[0].ops.push_back(op(OpKind::Sleep, "", 1));  // timers keep task ids: not renamed
  EXPECT_FALSE(Symmetry(compile(sleeps), true).on());
  ScenarioSpec blocking = mutex_model(3, 1, 2);
  blocking.mutexes[0].kind = MutexKind::Blocking;  // its holder's thread is read
  EXPECT_FALSE(Symmetry(compile(blocking), true).on());
}

TEST(Symmetry, IdleWorkersSwapAndSymmetricStatesShareAKey) {
  const Scenario sc = compile(mutex_model(3, 1, 3));
  World w = first_choice(sc);
  Symmetry sym(sc, true);
  const Renaming r = sym.canonical(w);
  const uint64_t h = state_hash(w, 0, &r);
  // At the start both workers (threads 1 and 2) are idle: swapping them
  // leaves the state as it is.
  std::vector<std::pair<uint32_t, uint32_t>> swaps;
  sym.swappable(w, 0, h, swaps);
  ASSERT_EQ(swaps.size(), 1u);
  EXPECT_EQ(swaps[0], (std::pair<uint32_t, uint32_t>{1, 2}));
  // Swapping two replicas' places in the run queue and their records is
  // the same state renamed; changing one's program counter is not.
  World swapped = w;
  auto& q = swapped.threads[0].run_queue;
  std::vector<uint32_t> ids(q.begin(), q.end());
  ASSERT_GE(ids.size(), 2u);
  std::swap(ids[0], ids[1]);
  q.clear();
  for (uint32_t id : ids) q.push_back(id);
  std::swap(swapped.tasks[ids[0]], swapped.tasks[ids[1]]);
  EXPECT_NE(state_hash(swapped), state_hash(w));
  const Renaming r2 = sym.canonical(swapped);
  EXPECT_EQ(state_hash(swapped, 0, &r2), h);
  World other = w;
  other.tasks[ids[0]].pc += 1;
  const Renaming r3 = sym.canonical(other);
  EXPECT_NE(state_hash(other, 0, &r3), h);
}

TEST(Symmetry, FewerStatesAndTheSameKinds) {
  uint64_t on = 0, off = 0;
  EXPECT_EQ(explore(mutex_model(3, 1, 3), true, on), explore(mutex_model(3, 1, 3), false, off));
  EXPECT_LT(on * 5, off);
  // A lock-order deadlock between replicas of two templates, on workers.
  ScenarioSpec s;
  s.name = "abba";
  s.workers = 2;
  s.mutexes = {MutexSpec{"a", MutexKind::AsyncFair}, MutexSpec{"b", MutexKind::AsyncFair}};
  TaskSpec ab = task("ab", {lock("a"), yield(), lock("b"), unlock("b"), unlock("a")});
  TaskSpec ba = task("ba", {lock("b"), yield(), lock("a"), unlock("a"), unlock("b")});
  ab.count = ba.count = 2;
  s.tasks = {ab, ba};
  const auto with = explore(s, true, on);
  EXPECT_EQ(with, explore(s, false, off));
  EXPECT_EQ(with, (std::set<std::string>{"deadlock/lock_cycle", "ok"}));
  EXPECT_LT(on, off);
}

}  // namespace
}  // namespace wb

// ReadyQueue: what a pass runs under each PassRule, and when the loop may
// block. Counts runs and iterations exactly.
#include <gtest/gtest.h>

#include <vector>

#include "loop/ready_queue.hpp"

namespace {

using namespace wb::loop;

// A runnable that records its id and re-posts itself `reposts` more times.
struct Probe {
  ReadyQueue* queue;
  std::vector<int>* log;
  int id;
  int reposts = 0;
  static void run(void* self) {
    auto* p = static_cast<Probe*>(self);
    p->log->push_back(p->id);
    if (p->reposts > 0) {
      --p->reposts;
      p->queue->post({&Probe::run, p});
    }
  }
};

TEST(RunnableRing, FifoAcrossGrowth) {
  RunnableRing ring;
  int ctx[200];
  for (int i = 0; i < 50; ++i) ring.push({nullptr, &ctx[i]});
  for (int i = 0; i < 30; ++i) EXPECT_EQ(ring.pop().ctx, &ctx[i]);
  for (int i = 50; i < 200; ++i) ring.push({nullptr, &ctx[i]});  // wraps, then grows
  EXPECT_EQ(ring.size(), 170u);
  for (int i = 30; i < 200; ++i) EXPECT_EQ(ring.pop().ctx, &ctx[i]);
  EXPECT_TRUE(ring.empty());
}

TEST(ReadyQueue, PostedRunsRepostsInTheSamePass) {
  Loop loop;
  ReadyQueue q(loop, kPostedRule);
  std::vector<int> log;
  Probe a{&q, &log, 1, 3}, b{&q, &log, 2, 0};
  q.post({&Probe::run, &a});
  q.post({&Probe::run, &b});
  EXPECT_TRUE(log.empty());  // post never runs anything itself
  loop.run_nowait();
  EXPECT_EQ(log, (std::vector<int>{1, 2, 1, 1, 1}));
  EXPECT_EQ(q.stats().passes, 1u);
  EXPECT_EQ(q.stats().runs, 5u);
  EXPECT_EQ(q.size(), 0u);
}

TEST(ReadyQueue, PostedNextRunsOnePassPerIteration) {
  Loop loop;
  ReadyQueue q(loop, kPostedNextRule);
  std::vector<int> log;
  Probe a{&q, &log, 1, 3};
  q.post({&Probe::run, &a});
  for (int i = 1; i <= 4; ++i) {
    loop.run_once();  // never blocks: the idle watcher is on while work remains
    EXPECT_EQ(log.size(), std::size_t(i));
  }
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.stats().passes, 4u);
}

TEST(ReadyQueue, MaxPerPassBoundsASelfRepostingRunnable) {
  Loop loop;
  PassRule rule = kPostedRule;
  rule.max_per_pass = 10;
  ReadyQueue q(loop, rule);
  std::vector<int> log;
  Probe a{&q, &log, 1, 1'000'000};
  q.post({&Probe::run, &a});
  loop.run_once();  // one iteration: a prepare pass and a check pass
  EXPECT_EQ(log.size(), 20u);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.stats().kept_awake_waits, 1u);
  q.clear();
}

TEST(ReadyQueue, WithoutKeepAwakeLeftoverWorkWaitsOutTheWait) {
  // Snapshot passes, no idle watcher: a re-post made in the prepare pass
  // waits for the blocking wait (here: a 20 ms timer), then runs in check.
  Loop loop;
  PassRule rule{PassRule::Scope::Snapshot, true, true, false, 1000};
  ReadyQueue q(loop, rule);
  std::vector<int> log;
  Probe a{&q, &log, 1, 1};
  int ticks = 0;
  Timer tick(loop, [&](int) { ++ticks; });
  tick.start(0.02);
  q.post({&Probe::run, &a});
  loop.run_once();
  EXPECT_EQ(ticks, 1);  // the wait blocked until the timer
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(q.stats().kept_awake_waits, 0u);
}

TEST(ReadyQueue, DestroyingDropsQueuedWorkUnrun) {
  Loop loop;
  std::vector<int> log;
  {
    ReadyQueue q(loop, kPostedRule);
    Probe a{&q, &log, 1, 0};
    q.post({&Probe::run, &a});
  }
  EXPECT_FALSE(loop.run_nowait());  // no watcher left behind
  EXPECT_TRUE(log.empty());
}

}  // namespace

#include "loop/ready_queue.hpp"

#include <algorithm>

namespace wb::loop {

void RunnableRing::push(Runnable r) {
  if (size() == buf_.size()) grow();
  buf_[tail_++ & mask_] = r;
}

void RunnableRing::grow() {
  std::vector<Runnable> bigger(buf_.size() * 2);
  std::size_t n = size();
  for (std::size_t i = 0; i < n; ++i) bigger[i] = buf_[(head_ + i) & mask_];
  buf_.swap(bigger);
  mask_ = buf_.size() - 1;
  head_ = 0;
  tail_ = n;
}

ReadyQueue::ReadyQueue(Loop& loop, PassRule rule)
    : loop_(loop),
      rule_(rule),
      prepare_(loop, [this](int) {
        if (rule_.before_wait) pass();
        after_pass(true);
      }),
      check_(loop, [this](int) {
        pass();
        after_pass(false);
      }),
      idle_(loop, [](int) {}) {
  // The prepare always runs, even when it does not drain: it is where the
  // idle watcher is switched on or off before the wait.
  prepare_.start();
  if (rule_.after_wait) check_.start();
}

void ReadyQueue::pass() {
  std::size_t budget = rule_.max_per_pass;
  if (rule_.scope == PassRule::Scope::Snapshot) budget = std::min(budget, ring_.size());
  if (budget == 0 || ring_.empty()) return;
  ++stats_.passes;
  std::size_t n = 0;
  while (n < budget && !ring_.empty()) {
    Runnable r = ring_.pop();
    ++n;
    ++stats_.runs;
    r();
  }
}

void ReadyQueue::after_pass(bool before_wait) noexcept {
  bool work_left = !ring_.empty();
  if (rule_.keep_awake && work_left) {
    if (!idle_.active()) idle_.start();
    if (before_wait) ++stats_.kept_awake_waits;
  } else if (idle_.active()) {
    idle_.stop();
  }
}

void ReadyQueue::clear() noexcept {
  ring_.clear();
  idle_.stop();
}

}  // namespace wb::loop

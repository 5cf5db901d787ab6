// A ready queue on a libev loop: the runnables a wake made ready, run in
// passes from an ev_prepare (right before the loop waits) and an ev_check
// (right after), with an ev_idle that keeps the wait from blocking while work
// remains. This is nginx's posted-event machinery, written with libev's verbs;
// a PassRule picks which flavour (see the presets below).
//
// Ownership: a ReadyQueue owns its ring and its three watchers, and borrows
// the Loop (which must outlive it). A Runnable borrows its context: whoever
// posts it keeps the context alive until it has run or the queue is
// destroyed. Destroying the queue drops queued runnables without running them.
//
// Thread-safety: loop thread only. Another thread hands work over with an
// Async whose callback calls post() on the loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "loop/ev.hpp"

namespace wb::loop {

// A task to run: a plain function and a borrowed context. Two words, no
// allocation, no ownership.
struct Runnable {
  void (*fn)(void* ctx) = nullptr;
  void* ctx = nullptr;
  void operator()() const { fn(ctx); }
};

// FIFO ring of Runnables. Capacity doubles when full and never shrinks, so a
// steady state allocates nothing. Single-threaded.
class RunnableRing {
 public:
  bool empty() const noexcept { return head_ == tail_; }
  std::size_t size() const noexcept { return tail_ - head_; }
  void push(Runnable r);
  Runnable pop() noexcept { return buf_[head_++ & mask_]; }  // precondition: !empty()
  void clear() noexcept { head_ = tail_ = 0; }

 private:
  void grow();
  std::vector<Runnable> buf_ = std::vector<Runnable>(64);
  std::size_t mask_ = 63;
  std::size_t head_ = 0, tail_ = 0;  // monotonically increasing; index & mask_
};

// How the queue is drained.
struct PassRule {
  enum class Scope : uint8_t {
    UntilEmpty,  // a pass also runs what it posts itself (nginx's posted events)
    Snapshot,    // a pass runs only what was queued when it began; the rest waits for the next pass
  };
  Scope scope = Scope::UntilEmpty;
  bool before_wait = true;  // drain from the ev_prepare
  bool after_wait = true;   // drain from the ev_check
  // Keep an ev_idle active while work remains, so the wait does not block.
  // Without it, work left after the prepare pass waits out a blocking wait.
  bool keep_awake = true;
  // Bound on runs per pass, so a runnable that re-posts itself under
  // UntilEmpty cannot trap the loop in one pass; leftovers wait for the next.
  std::size_t max_per_pass = std::size_t{1} << 16;
};

// nginx's ngx_posted_events: everything, including re-posts, before the wait.
inline constexpr PassRule kPostedRule{PassRule::Scope::UntilEmpty, true, true, true, std::size_t{1} << 16};
// nginx's ngx_posted_next_events: one pass per loop iteration, after a
// non-blocking wait (the idle watcher is nginx's "timer = 0").
inline constexpr PassRule kPostedNextRule{PassRule::Scope::Snapshot, false, true, true, std::size_t{1} << 16};

struct ReadyStats {
  uint64_t posts = 0;
  uint64_t runs = 0;
  uint64_t passes = 0;            // passes that ran at least one runnable
  uint64_t kept_awake_waits = 0;  // prepare passes that left work and the idle watcher on
};

class ReadyQueue {
 public:
  ReadyQueue(Loop& loop, PassRule rule);
  ReadyQueue(const ReadyQueue&) = delete;
  ReadyQueue& operator=(const ReadyQueue&) = delete;

  // Make `r` ready. Never runs it here: it runs in a later pass.
  void post(Runnable r) {
    ring_.push(r);
    ++stats_.posts;
    if (rule_.keep_awake && !idle_.active()) idle_.start();
  }
  std::size_t size() const noexcept { return ring_.size(); }
  const ReadyStats& stats() const noexcept { return stats_; }
  const PassRule& rule() const noexcept { return rule_; }
  Loop& loop() const noexcept { return loop_; }
  // Drop everything queued (without running it) and stop keeping the loop awake.
  void clear() noexcept;

 private:
  void pass();
  void after_pass(bool before_wait) noexcept;

  Loop& loop_;
  PassRule rule_;
  RunnableRing ring_;
  ReadyStats stats_;
  Prepare prepare_;
  Check check_;
  Idle idle_;
};

}  // namespace wb::loop

// Scheduling policies: what wake() does.
//
// A policy sees one wake at a time, described by a WakeInfo (who wakes whom,
// from which context, with which locks held on the waker's stack) and answers
// with an Action. It decides; the executor acts. WakeInfo is a struct so it
// can gain fields without touching every policy.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wb {

// Who called wake(), as seen from the top frame of the waker's stack.
enum class WakeCtx : uint8_t {
  OwnPoll,         // a task woke itself during its own poll (yield, woken while running)
  TaskPoll,        // another task's poll
  DropHook,        // a Drop hook (of an object, or of a dropped task's future)
  EventHandler,    // an nginx event handler
  CleanupHandler,  // an nginx pool cleanup handler (connection closed)
  Spawn,           // spawn(): the first schedule of a task
  Foreign,         // a foreign thread (a sidecar runtime, a blocking pool)
};
const char* wake_ctx_name(WakeCtx c);

enum class Action : uint8_t {
  PollInline,  // poll the woken task now, on the waker's stack
  Post,        // ngx_post_event(&ngx_posted_events): this iteration's posted pass
  PostNext,    // ngx-rust's scheduler: queued, its one event posted to
               // ngx_posted_next_events; the next iteration does not block and
               // runs what was queued before the event's handler began
  RunQueue,    // a run-queue executor's queue, polled after the current poll returns;
               // thread-safe (tokio's remote queue): a push from another thread wakes the loop
  Inbox,       // a thread-safe inbox the loop drains after its wait, with a notify
               // (eventfd / ev_async) that ends the wait: ngx-tickle
};
const char* action_name(Action a);

struct WakeInfo {
  static constexpr int kMaxHeld = 8;
  uint32_t task = 0;         // the woken task
  WakeCtx ctx = WakeCtx::Spawn;
  bool task_running = false; // the woken task is being polled (woken_while_running)
  bool polling = false;      // some task is being polled, on any thread
  uint16_t waker_thread = 0; // the thread calling wake()
  uint16_t home_thread = 0;  // the thread the woken task belongs to (it is !Send)
  uint32_t depth = 0;        // frames on the waker's stack
  uint32_t nheld = 0;        // blocking mutexes held on the waker's stack
  uint32_t held[kMaxHeld] = {};  // the first kMaxHeld of them (mutex ids)
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  virtual Action decide(const WakeInfo& w) = 0;
  // Does decide() read the locks held on the waker's stack (nheld, held)?
  // Finding them scans the mutexes: a policy that does not read them is
  // spared the scan on every wake.
  virtual bool reads_locks() const { return true; }
  // The actions decide() may return, as a mask of action_bit(a). The state
  // cache relies on it (explore/strategies.cpp), so the machine refuses an
  // action outside it.
  virtual uint32_t actions() const { return kAllActions; }
  // May decide() run on several threads at once (parallel exploration)?
  virtual bool thread_safe() const { return false; }
  static constexpr uint32_t action_bit(Action a) { return 1u << static_cast<unsigned>(a); }
  static constexpr uint32_t kAllActions = 0x1f;
};

// A policy answered something the executor cannot do (e.g. poll inline a
// task that is already being polled).
struct PolicyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct UnknownName : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

const std::vector<std::string>& builtin_policies();
std::unique_ptr<Policy> make_policy(std::string_view name);  // throws UnknownName

}  // namespace wb

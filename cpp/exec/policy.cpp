// The built-in policies of DESIGN.md section 1, each a few lines.
#include "exec/policy.hpp"

namespace wb {

const char* wake_ctx_name(WakeCtx c) {
  switch (c) {
    case WakeCtx::OwnPoll: return "own_poll";
    case WakeCtx::TaskPoll: return "task_poll";
    case WakeCtx::DropHook: return "drop_hook";
    case WakeCtx::EventHandler: return "event_handler";
    case WakeCtx::CleanupHandler: return "cleanup_handler";
    case WakeCtx::Spawn: return "spawn";
    case WakeCtx::Foreign: return "foreign_thread";
  }
  return "?";
}

const char* action_name(Action a) {
  switch (a) {
    case Action::PollInline: return "inline";
    case Action::Post: return "posted";
    case Action::PostNext: return "posted_next";
    case Action::RunQueue: return "run_queue";
    case Action::Inbox: return "inbox";
  }
  return "?";
}

namespace {

template <class Decide>
class Builtin final : public Policy {
 public:
  Builtin(std::string_view name, uint32_t actions, Decide d)
      : name_(name), actions_(actions), decide_(d) {}
  std::string_view name() const override { return name_; }
  Action decide(const WakeInfo& w) override { return decide_(w); }
  bool reads_locks() const override { return false; }  // none of the built-in ones does
  uint32_t actions() const override { return actions_; }
  bool thread_safe() const override { return true; }  // a pure function of the WakeInfo

 private:
  std::string_view name_;
  uint32_t actions_;
  Decide decide_;
};

template <class Decide>
std::unique_ptr<Policy> builtin(std::string_view name, std::initializer_list<Action> actions,
                                Decide d) {
  uint32_t mask = 0;
  for (Action a : actions) mask |= Policy::action_bit(a);
  return std::make_unique<Builtin<Decide>>(name, mask, d);
}

}  // namespace

const std::vector<std::string>& builtin_policies() {
  static const std::vector<std::string> names = {"ngx_inline", "ngx_defer_nested", "ngx_posted",
                                                 "ngx_posted_next", "fifo", "thread_notify"};
  return names;
}

std::unique_ptr<Policy> make_policy(std::string_view name) {
  // ngx-rust before PR #295: run inline unless woken while running, which
  // goes through the scheduler (ngx_posted_next_events).
  if (name == "ngx_inline")
    return builtin("ngx_inline", {Action::PostNext, Action::PollInline}, [](const WakeInfo& w) {
      return w.task_running ? Action::PostNext : Action::PollInline;
    });
  // The maintainer's proposal: defer through the scheduler whenever any task
  // is being polled, inline otherwise.
  if (name == "ngx_defer_nested")
    return builtin("ngx_defer_nested", {Action::PostNext, Action::PollInline}, [](const WakeInfo& w) {
      return (w.task_running || w.polling) ? Action::PostNext : Action::PollInline;
    });
  // PR #295, ngx-rust's scheduler today: always defer through its event on
  // ngx_posted_next_events (src/async_/spawn.rs); the next iteration does
  // not idle.
  if (name == "ngx_posted_next")
    return builtin("ngx_posted_next", {Action::PostNext}, [](const WakeInfo&) { return Action::PostNext; });
  // The alternative that keeps idle waits: ngx_post_event(&ngx_posted_events),
  // this iteration's posted pass.
  if (name == "ngx_posted")
    return builtin("ngx_posted", {Action::Post}, [](const WakeInfo&) { return Action::Post; });
  // tokio LocalSet / async-executor / futures LocalPool.
  if (name == "fifo")
    return builtin("fifo", {Action::RunQueue}, [](const WakeInfo&) { return Action::RunQueue; });
  // ngx-tickle: any thread pushes to a thread-safe inbox and notifies the loop.
  if (name == "thread_notify")
    return builtin("thread_notify", {Action::Inbox}, [](const WakeInfo&) { return Action::Inbox; });
  std::string msg = "unknown policy '" + std::string(name) + "' (valid: ";
  const auto& names = builtin_policies();
  for (size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : "") + names[i];
  throw UnknownName(msg + ")");
}

}  // namespace wb

// The wake path: the policy decides (WakeInfo -> Action), the machine acts
// on the queue set keyed by the action. A wake of a running task marks it
// and is scheduled when its poll returns (async-task's RawTask::run).
#include "exec/machine.hpp"

#include <algorithm>
#include <string>

namespace wb {

WakeCtx Machine::ctx_of(uint16_t tid, uint32_t target) const {
  // A user-defined waker's program runs on its caller's stack: the caller's
  // frame is the context.
  const std::vector<Frame>& stack = w_.threads[tid].stack;
  size_t i = stack.size();
  while (i > 1 && stack[i - 1].kind == FrameKind::Waker) --i;
  const Frame& f = stack[i - 1];
  switch (f.kind) {
    case FrameKind::Poll: return f.id == target ? WakeCtx::OwnPoll : WakeCtx::TaskPoll;
    case FrameKind::DropHook:
    case FrameKind::Teardown: return WakeCtx::DropHook;
    case FrameKind::Handler:
      return sc_.handlers[f.id].kind == HandlerKind::Cleanup ? WakeCtx::CleanupHandler
                                                             : WakeCtx::EventHandler;
    case FrameKind::Startup: return WakeCtx::Spawn;
    case FrameKind::Timer: return WakeCtx::EventHandler;
    case FrameKind::Thread: return WakeCtx::Foreign;
    case FrameKind::Notify: return WakeCtx::EventHandler;
    case FrameKind::Waker: return WakeCtx::Spawn;  // only Waker frames: none of them a poll
  }
  return WakeCtx::Spawn;
}

void Machine::wake(uint16_t tid, uint32_t task, WakeCtx ctx) {
  // A user-defined waker taken out of a primitive: its `wake` program runs
  // first, on this thread; the Waker frame's end wakes the task.
  if (!w_.stored_wakers.empty() && wake_in_hand(task)) return;
  wake_now(tid, task, ctx);
}

void Machine::wake_now(uint16_t tid, uint32_t task, WakeCtx ctx) {
  // A future has no waker of its own: it was given its owner's. Remember it
  // was woken, and wake the task that polls it.
  while (sc_.is_future(task)) {
    TaskRt& fut = w_.tasks[task];
    if (fut.status == TaskStatus::Done || fut.status == TaskStatus::Dropped) break;
    fut.flags |= kWoken;
    task = static_cast<uint32_t>(sc_.templates[sc_.template_of(task)].parent);
  }
  TaskRt& t = w_.tasks[task];
  ++w_.stats.wakes;
  touch_task(task);
  if (t.status == TaskStatus::Done || t.status == TaskStatus::Dropped) {
    ev(tid, Ev::WakeIgnored, task, static_cast<uint32_t>(ctx));
    return;
  }
  if (t.queued != QueueId::None) {
    ev(tid, Ev::WakeCoalesced, task, static_cast<uint32_t>(ctx));
    return;
  }
  if (t.status == TaskStatus::Running) {
    // async-task's RawTask::run (and tokio's harness): a wake while the task
    // is being polled only marks it; when the poll returns Pending it is
    // scheduled, with woken_while_running. A Ready poll drops the mark.
    if (!(t.flags & kNotified))
      t.flags |= static_cast<uint8_t>(kNotified | static_cast<unsigned>(ctx) << kNotifiedCtxShift);
    ev(tid, Ev::WakeRunning, task, static_cast<uint32_t>(ctx));
    return;
  }
  schedule(tid, task, ctx, false);
}

// The policy decides what this wake does; the executor acts.
void Machine::schedule(uint16_t tid, uint32_t task, WakeCtx ctx, bool woken_while_running) {
  TaskRt& t = w_.tasks[task];
  ThreadRt& th = w_.threads[tid];
  // Ready from this loop iteration: its poll measures the wake-to-poll latency.
  if (w_.woken_iter[task] == kNoId) w_.woken_iter[task] = static_cast<uint32_t>(w_.stats.iterations);
  WakeInfo info;
  info.task = task;
  info.ctx = ctx;
  info.task_running = woken_while_running;
  info.polling = w_.polling_threads > 0;
  touch_polling(false);
  info.waker_thread = tid;
  info.home_thread = t.thread;
  info.depth = static_cast<uint32_t>(th.stack.size());
  for (uint32_t m = 0; policy_.reads_locks() && m < w_.mutexes.size(); ++m) {
    const MutexRt& mx = w_.mutexes[m];
    if (!is_blocking(sc_.mutexes[m].kind)) continue;
    bool on_stack =
        (mx.holder_kind == HolderKind::Frame && mx.holder_thread == tid) ||
        (mx.holder_kind == HolderKind::Task && w_.tasks[mx.holder].status == TaskStatus::Running &&
         w_.tasks[mx.holder].thread == tid);
    if (!on_stack) continue;
    if (info.nheld < WakeInfo::kMaxHeld) info.held[info.nheld] = m;
    ++info.nheld;
  }
  Action act = policy_.decide(info);
  if (!(policy_.actions() & Policy::action_bit(act)))
    throw PolicyError("policy '" + std::string(policy_.name()) + "' returned " + action_name(act) +
                      ", which it does not declare among its actions");
  ev(tid, Ev::Wake, task, static_cast<uint32_t>(ctx), woken_while_running ? 1 : 0,
     static_cast<uint16_t>(act));
  ThreadRt& home = w_.threads[executor_home(t.thread)];
  if (executor_home(tid) != executor_home(t.thread) &&
      (act == Action::PollInline || act == Action::Post || act == Action::PostNext)) {
    // A !Send task polled off its home thread, or the home thread's
    // unsynchronised posted queue touched from another thread.
    const Frame* f = th.stack.empty() ? nullptr : &th.stack.back();
    w_.cross = CrossFact{tid, task, act, static_cast<uint32_t>(step_), f ? f->program : 0,
                         f && f->pc > 0 ? f->pc - 1 : 0, home.polls_on_stack > 0};
    halt(act == Action::PollInline ? Halt::WrongThread : Halt::DataRace);
    return;
  }
  if (act != Action::PollInline) touch_exec_queues();
  // Ready from now on (a timer's wake already set its due time).
  if (!w_.ready_since.empty() && (th.stack.empty() || th.stack.back().kind != FrameKind::Timer)) {
    touch_clock(false);
    w_.ready_since[task] = w_.now;
  }
  switch (act) {
    case Action::PollInline:
      if (info.task_running)
        throw PolicyError("policy '" + std::string(policy_.name()) + "' asked to poll task '" +
                          sc_.task_name(task) +
                          "' inline while it is being polled; a task woken while running must "
                          "be queued");
      push_poll(tid, task, Entry::Inline, ctx);
      return;
    case Action::Post:
      t.queued = QueueId::Posted;
      home.posted.push_back(task);
      return;
    case Action::PostNext:  // ngx-rust's scheduler: queue it, post the scheduler event
      t.queued = QueueId::PostedNext;
      home.sched_queue.push_back(task);
      if (home.sched_posted == SchedPost::No) home.sched_posted = SchedPost::Next;
      return;
    case Action::RunQueue:  // thread-safe: a push from another thread also unparks the loop
      t.queued = QueueId::RunQueue;
      home.run_queue.push_back(task);
      if (executor_home(t.thread) == 0) main_waiting_ = false;
      return;
    case Action::Inbox:
      t.queued = QueueId::Inbox;
      home.inbox.push_back(task);
      if (executor_home(t.thread) == 0) main_waiting_ = false;
      return;
  }
  throw PolicyError("policy '" + std::string(policy_.name()) + "' returned an unknown action");
}

void Machine::dequeue(uint32_t task) {
  TaskRt& t = w_.tasks[task];
  if (t.queued == QueueId::None) return;
  touch_exec_queues();
  ThreadRt& th = w_.threads[executor_home(t.thread)];
  auto drop_from = [task](Fifo<uint32_t>& q) {
    auto it = std::find(q.begin(), q.end(), task);
    if (it == q.end()) return false;
    q.erase(it);
    return true;
  };
  switch (t.queued) {
    case QueueId::Posted: drop_from(th.posted); break;
    case QueueId::PostedNext:  // the scheduler's queue, or the batch it is running
      if (!drop_from(th.sched_queue)) drop_from(th.sched_batch);
      break;
    case QueueId::Inbox: drop_from(th.inbox); break;
    case QueueId::RunQueue: drop_from(th.run_queue); break;
    case QueueId::None: break;
  }
  t.queued = QueueId::None;
}

// Wakes owed by a frame that has just been popped: made by the frame below
// (its next step), or now if the stack is empty.
void Machine::wake_after_pop(uint16_t tid, const std::vector<uint32_t>& tasks) {
  if (tasks.empty()) return;
  ThreadRt& th = w_.threads[tid];
  if (!th.stack.empty()) {
    Frame& below = th.stack.back();
    below.wakes.insert(below.wakes.end(), tasks.begin(), tasks.end());
  } else {
    for (uint32_t t : tasks) wake(tid, t, WakeCtx::TaskPoll);
  }
}

}  // namespace wb

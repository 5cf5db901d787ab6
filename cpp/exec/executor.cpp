#include "exec/machine.hpp"

#include <algorithm>
#include <string>

namespace wb {


// ---------------------------------------------------------------------------

void Machine::init() {
  w_.tasks.resize(sc_.ntasks);
  for (const TaskTemplate& tt : sc_.templates)
    for (uint32_t i = 0; i < tt.count; ++i) w_.tasks[tt.first + i].program = tt.program;
  w_.task_locals.assign(static_cast<size_t>(sc_.ntasks) * sc_.task_locals, 0);
  w_.mutexes.resize(sc_.mutexes.size());
  w_.semaphores.resize(sc_.semaphores.size());
  w_.notifies.resize(sc_.notifies.size());
  for (size_t s = 0; s < sc_.semaphores.size(); ++s) w_.semaphores[s].permits = sc_.semaphores[s].permits;
  w_.queues.resize(sc_.queues.size());
  w_.counters.reserve(sc_.counters.size());
  for (const CounterSpec& c : sc_.counters) w_.counters.push_back(c.initial);
  w_.dropped.assign(sc_.objects.size(), 0);
  w_.closed_at.assign(sc_.connections.size(), 0);
  if (sc_.latency_bound > 0) w_.ready_since.assign(sc_.ntasks, 0);
  w_.ticks_per_ms = cfg_.ticks_per_ms;
  w_.real_time = cfg_.real_time;
  w_.next_replica.assign(sc_.templates.size(), 0);
  w_.sleeping.assign(sc_.ntasks, 0);
  w_.critical.assign(sc_.ntasks, 0);
  if (sc_.exceptions) {
    w_.exc.resize(sc_.ntasks);
    for (uint32_t t = 0; t < sc_.ntasks; ++t) {
      const TaskTemplate& tt = sc_.templates[sc_.template_of(t)];
      w_.exc[t].mask = tt.mask;
      if (tt.mask) w_.exc[t].mask_stack.push_back(0);  // what the spawner's mask saved
    }
  }
  w_.threads.resize(1 + sc_.threads.size() + (sc_.workers - 1));
  chain_ = w_.threads.size() == 1;
  w_.threads[0].stack.reserve(16);
  for (size_t i = 1; i < w_.threads.size(); ++i)
    w_.threads[i].status = sc_.is_worker(static_cast<uint32_t>(i)) ? ThreadStatus::Worker
                                                                   : ThreadStatus::Unstarted;
}

uint64_t Machine::memory_estimate() const {
  // Model state only (not the trace), counted by size, so the bound stops a
  // run at the same step whether or not it is traced, with any library.
  uint64_t bytes = w_.tasks.size() * sizeof(TaskRt) + w_.task_locals.size() * sizeof(int64_t) +
                   w_.output.size() * sizeof(OutputLine) + w_.choices.size() * sizeof(Choice);
  for (const QueueRt& q : w_.queues) bytes += q.wakers.size() * sizeof(uint32_t);
  for (const SemaphoreRt& s : w_.semaphores)
    bytes += (s.waiters.size() + s.assigned.size() + s.holders.size()) * sizeof(uint32_t);
  for (const NotifyRt& n : w_.notifies)
    bytes += (n.waiters.size() + n.notified.size()) * sizeof(uint32_t);
  for (const MutexRt& m : w_.mutexes) bytes += m.waiters.size() * sizeof(uint32_t);
  for (const ThreadRt& th : w_.threads)
    bytes += (th.posted.size() + th.sched_queue.size() + th.sched_batch.size() + th.run_queue.size() +
              th.inbox.size()) *
                 sizeof(uint32_t) +
             th.stack.size() * sizeof(Frame) + th.locals.size() * sizeof(int64_t);
  for (const ThreadRt& th : w_.threads)
    for (const Frame& f : th.stack) bytes += f.wakes.size() * sizeof(uint32_t);
  bytes += w_.timers.size() * sizeof(TimerRt) + w_.timer_heap.size() * sizeof(uint32_t);
  return bytes;
}

bool Machine::over_budget() {
  auto now = std::chrono::steady_clock::now();
  // The interrupt check, in a long unit: the simulator's, and a real-time
  // driver's with one thread (with more, steps run under the driver's lock
  // and the driver checks between them). It may throw: the run ends with it.
  if (cfg_.interrupt_check && (!cfg_.real_time || w_.threads.size() == 1) &&
      now - checked_ >= std::chrono::milliseconds(50)) {
    checked_ = now;
    cfg_.interrupt_check();
  }
  std::chrono::duration<double> dt = now - t0_;
  if (dt.count() > cfg_.limits.max_seconds) {
    halt(Halt::TimeBound);
    return true;
  }
  if (memory_estimate() > cfg_.limits.max_memory) {
    halt(Halt::MemoryBound);
    return true;
  }
  return false;
}

World Machine::run_simulated() {
  init();
  const uint64_t max_steps = cfg_.limits.max_steps;
  while (w_.halt == Halt::Running) {
    if (step_ >= max_steps) {
      halt(Halt::StepBound);
      break;
    }
    if ((step_ & 0x3fff) == 0x3fff && over_budget()) break;
    uint16_t tid = 0;
    if (w_.threads.size() > 1) {
      int t = pick_thread();
      if (t < 0) {  // every thread waits on a lock another thread holds
        if (!stop_blocked()) halt(Halt::Blocked);
        break;
      }
      tid = static_cast<uint16_t>(t);
    }
    ++step_;
    if (!w_.threads[tid].stack.empty())
      exec(tid);
    else if (tid == 0)
      drive_simulated(0);
    else if (w_.threads[tid].status == ThreadStatus::Worker)
      worker_take(tid);
  }
  return finish();
}

bool Machine::worker_take(uint16_t tid) {
  ThreadRt& shared = w_.threads[0];
  if (shared.posted.empty() && shared.sched_batch.empty() && shared.run_queue.empty()) {
    // Any executor thread turns the shared queues over.
    if (!shared.inbox.empty()) take_inbox(0);
    else move_posted_next(0);
  }
  return next_posted(tid, shared) || poll_next(tid, shared.run_queue, Entry::RunQueue);
}

bool Machine::runnable(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  if (th.blocked_on) {
    if (w_.mutexes[th.blocked_on - 1].holder_kind != HolderKind::None) return false;
    th.blocked_on = 0;  // released: it retries its lock
  }
  if (tid == 0) return !main_waiting_;
  if (th.status == ThreadStatus::Worker) {  // busy with a task, or one is waiting for it
    const ThreadRt& shared = w_.threads[0];
    return !th.stack.empty() || !shared.posted.empty() || !shared.sched_batch.empty() ||
           !shared.run_queue.empty() || shared.sched_posted == SchedPost::Next ||
           !shared.inbox.empty();
  }
  return th.status == ThreadStatus::Running && th.busy_until <= w_.now;
}

void Machine::maybe_close(uint16_t tid) {
  if (sc_.connections.empty()) return;
  std::vector<uint32_t>& opts = options_;
  opts.assign(1, kNoClose);
  for (uint32_t c = 0; c < sc_.connections.size(); ++c)
    if (!w_.closed_at[c]) opts.push_back(c);
  if (opts.size() == 1) return;
  uint32_t k = choose(ChoiceKind::Close, opts);
  if (k == 0) return;
  uint32_t c = opts[k];
  w_.closed_at[c] = static_cast<uint32_t>(std::max<uint64_t>(step_, 1));
  ev(tid, Ev::Close, c);
}

bool Machine::others_runnable() {
  for (uint16_t t = 1; t < w_.threads.size(); ++t)
    if (runnable(t)) return true;
  return false;
}

// The natural order keeps the thread that stepped last (no preemption), so
// the explorer's deviation bound is a preemption bound, as in CHESS.
// Executor threads (the loop thread and its workers) interleave with each
// other between units (polls, handlers), not inside them; foreign threads
// interleave with anything at every step.
int Machine::pick_thread() {
  auto executor = [&](uint16_t t) { return t == 0 || sc_.is_worker(t); };
  bool mid_unit = runnable(last_thread_) && executor(last_thread_) &&
                  !w_.threads[last_thread_].stack.empty();
  std::vector<uint32_t>& ids = options_;
  ids.clear();
  for (uint16_t t = 0; t < w_.threads.size(); ++t)
    if (runnable(t) && (!mid_unit || t == last_thread_ || !executor(t))) ids.push_back(t);
  if (ids.empty()) {
    if (!main_waiting_) return -1;
    main_waiting_ = false;  // nobody else can act: the loop's wait ends (time passes)
    return runnable(0) ? 0 : -1;
  }
  auto last = std::find(ids.begin(), ids.end(), last_thread_);
  if (last != ids.end()) std::rotate(ids.begin(), last, last + 1);
  uint32_t k = ids.size() > 1 ? choose(ChoiceKind::Thread, ids) : 0;
  last_thread_ = static_cast<uint16_t>(ids[k]);
  return last_thread_;
}

World Machine::finish() {
  w_.stats.steps = step_;
  w_.stats.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  w_.stats.model_bytes = memory_estimate();
  return std::move(w_);
}

void Machine::run_unit(uint16_t tid) {  // step() in a loop, kept tight: the hot path
  const uint64_t max_steps = cfg_.limits.max_steps;
  const ThreadRt& th = w_.threads[tid];
  // A compute makes the thread busy: back to the driver, which burns it.
  while (w_.halt == Halt::Running && !th.stack.empty() && th.busy_until <= w_.now) {
    if (step_ >= max_steps) {
      halt(Halt::StepBound);
      return;
    }
    if ((step_ & 0x3fff) == 0x3fff && over_budget()) return;
    ++step_;
    exec(tid);
  }
}

bool Machine::step(uint16_t tid) {
  if (w_.halt != Halt::Running) return false;
  if (step_ >= cfg_.limits.max_steps) {
    halt(Halt::StepBound);
    return false;
  }
  if ((step_ & 0x3fff) == 0x3fff && over_budget()) return false;
  ++step_;
  exec(tid);
  return true;
}

void Machine::start_thread(uint16_t tid) {
  w_.threads[tid].status = ThreadStatus::Running;
  push_frame(tid, FrameKind::Thread, tid - 1u, sc_.threads[tid - 1u].program);
}

bool Machine::begin_notified(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  if (th.notified.empty()) return false;
  uint32_t q = th.notified.front();
  th.notified.pop_front();
  push_frame(tid, FrameKind::Notify, q, 0);
  return true;
}

bool Machine::stop_blocked() {
  for (uint16_t i = 0; i < w_.threads.size(); ++i)
    if (w_.threads[i].blocked_on) {
      w_.block = BlockFact{i, w_.threads[i].blocked_on - 1, static_cast<uint32_t>(step_)};
      halt(Halt::Blocked);
      return true;
    }
  return false;
}

void Machine::begin_startup(uint16_t tid) {
  ++w_.stats.iterations;
  push_frame(tid, FrameKind::Startup, kNoId, sc_.startup);
  ev(tid, Ev::HandlerBegin, kNoId);
}

int64_t Machine::next_due() const {
  int64_t due = INT64_MAX;
  if (w_.next_event < sc_.handlers.size()) due = sc_.handlers[w_.next_event].at;
  if (!w_.timer_heap.empty()) due = std::min(due, w_.timers[w_.timer_heap.front()].at);
  for (size_t i = 1; i < w_.threads.size(); ++i) {
    const ThreadRt& ft = w_.threads[i];
    if (ft.status == ThreadStatus::Unstarted && sc_.threads[i - 1].autostart)
      due = std::min(due, sc_.threads[i - 1].at);
    if (ft.status == ThreadStatus::Running && ft.busy_until > w_.now) due = std::min(due, ft.busy_until);
  }
  return due;
}

// Handlers in declaration order (they are sorted by time), then timers by
// (time, id): the natural order; the explorer may pick any.
void Machine::collect_ready(ThreadRt& th) {
  for (uint16_t i = 1; i < w_.threads.size(); ++i) {  // foreign threads due to start
    ThreadRt& ft = w_.threads[i];
    if (ft.status != ThreadStatus::Unstarted || !sc_.threads[i - 1].autostart ||
        sc_.threads[i - 1].at > w_.now)
      continue;
    start_thread(i);
  }
  for (uint32_t q : th.notified) th.ready_events.push_back(kNotifyBit | q);
  th.notified.clear();
  while (w_.next_event < sc_.handlers.size() && sc_.handlers[w_.next_event].at <= w_.now)
    th.ready_events.push_back(w_.next_event++);
  while (!w_.timer_heap.empty() && w_.timers[w_.timer_heap.front()].at <= w_.now) {
    std::pop_heap(w_.timer_heap.begin(), w_.timer_heap.end(), timer_later_);
    th.ready_events.push_back(kTimerBit | w_.timer_heap.back());
    w_.timer_heap.pop_back();
  }
}

void Machine::begin_timer(uint16_t tid, uint32_t id) {
  push_frame(tid, FrameKind::Timer, id, 0);
  ev(tid, Ev::TimerFire, w_.timers[id].task);
}

void Machine::begin_handler(uint16_t tid, uint32_t h) {
  push_frame(tid, FrameKind::Handler, h, sc_.handlers[h].program);
  ev(tid, Ev::HandlerBegin, h);
}

bool Machine::begin_posted(uint16_t tid) { return next_posted(tid, w_.threads[tid]); }

// One unit of the posted pass (ngx_event_process_posted): the next runnable
// of the batch ngx-rust's scheduler event handler is running, else the next
// posted event: a task posted alone, or the scheduler event, whose handler
// takes the scheduler's queue as its batch (mem::take: what is scheduled
// while the batch runs waits for the event's next run).
bool Machine::next_posted(uint16_t tid, ThreadRt& home) {
  for (;;) {
    if (!home.sched_batch.empty()) return poll_next(tid, home.sched_batch, Entry::PostedNext);
    if (home.posted.empty()) return false;
    if (home.posted.front() != kSchedulerEvent) return poll_next(tid, home.posted, Entry::Posted);
    touch_exec_queues();
    home.posted.pop_front();
    home.sched_posted = SchedPost::No;  // ngx_delete_posted_event, then the handler runs
    home.sched_batch.swap(home.sched_queue);
    ev(tid, Ev::SchedulerRun, static_cast<uint32_t>(home.sched_batch.size()));
  }
}

bool Machine::begin_run_queue(uint16_t tid) {
  return poll_next(tid, w_.threads[tid].run_queue, Entry::RunQueue);
}

// Poll the first task of a queue. Every queue here is FIFO (nginx's posted
// queues, ngx-rust's VecDeque, tokio's run queues): its order is not a
// choice point.
bool Machine::poll_next(uint16_t tid, std::deque<uint32_t>& q, Entry entry) {
  if (q.empty()) return false;
  touch_exec_queues();
  uint32_t t = q.front();
  q.pop_front();
  w_.tasks[t].queued = QueueId::None;
  push_poll(tid, t, entry, WakeCtx::Spawn);
  return true;
}

void Machine::take_inbox(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  if (!th.inbox.empty()) touch_exec_queues();
  for (uint32_t t : th.inbox) {
    w_.tasks[t].queued = QueueId::Posted;
    th.posted.push_back(t);
  }
  th.inbox.clear();
}

// ngx_event_move_posted_next: the posted-next events (here only ngx-rust's
// scheduler event) join the end of this iteration's posted events.
bool Machine::move_posted_next(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  if (th.sched_posted != SchedPost::Next) return false;
  touch_exec_queues();
  th.sched_posted = SchedPost::Now;
  th.posted.push_back(kSchedulerEvent);
  return true;
}

uint32_t Machine::choose(ChoiceKind kind, const std::vector<uint32_t>& options) {
  uint32_t n = static_cast<uint32_t>(options.size());
  // Units (and so sleep sets) are defined for the loop thread alone; a close
  // is not a unit.
  bool between = w_.threads.size() == 1 && w_.threads[0].stack.empty() && kind != ChoiceKind::Close;
  uint32_t k = chooser_.choose(ChoicePoint{kind, options, between, w_});
  if (k >= n)
    throw PolicyError("chooser picked option " + std::to_string(k) + " of " + std::to_string(n));
  w_.choices.push_back(Choice{n, k, kind});
  return k;
}

// ---------------------------------------------------------------------------
// The loop driver.

void Machine::drive_simulated(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  switch (th.phase) {
    case Phase::Wait: {
      // ngx_process_events_and_timers: posted-next events make the wait
      // non-blocking (timer = 0) and join the posted events; a notify
      // (eventfd, ev_async) already signalled ends the wait at once; queued
      // work also keeps it from blocking; else it blocks until a notify from
      // another thread or the next timer or event.
      bool nonblocking = false;
      const bool blocked = wait_blocked_;  // this wait blocked before a notify came
      wait_blocked_ = false;
      if (!w_.started) {
        w_.started = true;
      } else {
        nonblocking = move_posted_next(tid);
        if (!th.inbox.empty()) {
          take_inbox(tid);
          nonblocking |= !blocked;
        } else if (!th.notified.empty()) {
          // ngx_notify ended the wait; collect_ready takes the notifications in.
          nonblocking |= !blocked;
        } else if (nonblocking || !th.posted.empty() || !th.run_queue.empty()) {
          nonblocking = nonblocking || !blocked;  // queued while it blocked: it did block
        } else if (others_runnable()) {
          main_waiting_ = true;  // blocks until a notify, or until no other thread can act
          wait_blocked_ = true;
          return;
        } else if (next_due() != INT64_MAX) {
          w_.now = std::max(w_.now, next_due());
        } else {
          halt(Halt::Quiescent);
          return;
        }
      }
      // A wait that does not block still lets time pass: a non-blocking
      // iteration costs about a microsecond, so a thousand of them make a
      // virtual millisecond (a loop spinning on posted-next reaches its timers).
      if (nonblocking && ++w_.spin_us >= 1000) {
        w_.spin_us = 0;
        ++w_.now;
      }
      ++w_.stats.iterations;
      th.run_queue_polls = 0;
      if (nonblocking) ++w_.stats.nonblocking_iterations;
      ev(tid, Ev::Iteration, static_cast<uint32_t>(w_.stats.iterations), nonblocking ? 1 : 0);
      collect_ready(th);
      th.phase = Phase::Events;
      if (w_.stats.iterations == 1) {
        push_frame(tid, FrameKind::Startup, kNoId, sc_.startup);
        ev(tid, Ev::HandlerBegin, kNoId);
      }
      return;
    }
    case Phase::Events: {
      maybe_close(tid);
      if (th.ready_events.empty()) {
        th.phase = Phase::Ready;
        return;
      }
      uint32_t n = static_cast<uint32_t>(th.ready_events.size());
      uint32_t k = n > 1 ? choose(ChoiceKind::EventOrder, th.ready_events) : 0;
      uint32_t h = th.ready_events[k];
      th.ready_events.erase(th.ready_events.begin() + k);
      if (h & kTimerBit) {
        begin_timer(tid, h & ~kTimerBit);
      } else if (h & kNotifyBit) {  // a thread pool's completion, run on the loop thread
        push_frame(tid, FrameKind::Notify, h & ~kNotifyBit, 0);
      } else if (sc_.handlers[h].connection >= 0 && w_.closed_at[sc_.handlers[h].connection]) {
        ev(tid, Ev::Cancelled, h);  // ngx_close_connection deleted the event
      } else {
        begin_handler(tid, h);
      }
      return;
    }
    case Phase::Ready: {
      maybe_close(tid);
      if (begin_posted(tid)) {
      } else if (th.run_queue_polls < kEventInterval && begin_run_queue(tid)) {
        ++th.run_queue_polls;
      } else {
        th.phase = Phase::Wait;
      }
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// Frames.

void Machine::push_frame(uint16_t tid, FrameKind kind, uint32_t id, uint32_t program) {
  ThreadRt& th = w_.threads[tid];
  if (th.stack.size() >= cfg_.limits.max_depth) {
    halt(Halt::DepthBound);
    return;
  }
  Frame f;
  f.kind = kind;
  f.id = id;
  f.program = program;
  if (kind != FrameKind::Poll && kind != FrameKind::Teardown && kind != FrameKind::Timer &&
      kind != FrameKind::Notify) {
    f.locals = static_cast<uint32_t>(th.locals.size());
    th.locals.resize(th.locals.size() + sc_.programs[program].nlocals, 0);
  } else {
    f.locals = static_cast<uint32_t>(th.locals.size());
  }
  th.stack.push_back(std::move(f));
  w_.stats.max_depth = std::max<uint32_t>(w_.stats.max_depth, static_cast<uint32_t>(th.stack.size()));
}

void Machine::pop_frame(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  const Frame& f = th.stack.back();
  th.locals.resize(f.locals);
  if (f.kind == FrameKind::Poll) --th.polls_on_stack;
  th.stack.pop_back();
  if (cfg_.footprints && tid == 0 && th.stack.empty()) {
    normalize(unit_);
    chooser_.unit_done(unit_);
    unit_.keys.clear();
  }
}

void Machine::push_poll(uint16_t tid, uint32_t task, Entry entry, WakeCtx via) {
  ThreadRt& th = w_.threads[tid];
  if (th.stack.size() >= cfg_.limits.max_depth) {
    halt(Halt::DepthBound);
    return;
  }
  TaskRt& t = w_.tasks[task];
  if (!w_.ready_since.empty() && entry != Entry::Child &&
      w_.now - w_.ready_since[task] > sc_.latency_bound * cfg_.ticks_per_ms) {
    w_.late = LateFact{task, w_.ready_since[task], w_.now, static_cast<uint32_t>(step_)};
    halt(Halt::Starvation);
    return;
  }
  if (t.flags & kAborted) {  // tokio's harness: cancel_task instead of poll
    if (t.status == TaskStatus::Unstarted) t.status = TaskStatus::Idle;  // spawned: it is live
    drop_task(tid, task, "abort of task '" + sc_.task_name(task) + "'");
    return;
  }
  t.status = TaskStatus::Running;
  t.thread = tid;
  touch_task(task);
  push_frame(tid, FrameKind::Poll, task, t.program);
  Frame& f = th.stack.back();
  f.entry = entry;
  f.via = via;
  ++th.polls_on_stack;
  ++w_.stats.polls;
  if (entry == Entry::Inline) ++w_.stats.inline_polls;
  ev(tid, Ev::PollBegin, task, static_cast<uint32_t>(entry), static_cast<uint8_t>(via));
}

// ---------------------------------------------------------------------------
// Wakes.

WakeCtx Machine::ctx_of(uint16_t tid, uint32_t target) const {
  const Frame& f = w_.threads[tid].stack.back();
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
  }
  return WakeCtx::Spawn;
}

void Machine::wake(uint16_t tid, uint32_t task, WakeCtx ctx) {
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
  WakeInfo info;
  info.task = task;
  info.ctx = ctx;
  info.task_running = woken_while_running;
  for (const ThreadRt& other : w_.threads) info.polling |= other.polls_on_stack > 0;
  info.waker_thread = tid;
  info.home_thread = t.thread;
  info.depth = static_cast<uint32_t>(th.stack.size());
  for (uint32_t m = 0; m < w_.mutexes.size(); ++m) {
    const MutexRt& mx = w_.mutexes[m];
    if (sc_.mutexes[m].kind != MutexKind::Blocking) continue;
    bool on_stack =
        (mx.holder_kind == HolderKind::Frame && mx.holder_thread == tid) ||
        (mx.holder_kind == HolderKind::Task && w_.tasks[mx.holder].status == TaskStatus::Running &&
         w_.tasks[mx.holder].thread == tid);
    if (!on_stack) continue;
    if (info.nheld < WakeInfo::kMaxHeld) info.held[info.nheld] = m;
    ++info.nheld;
  }
  Action act = policy_.decide(info);
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
  if (!w_.ready_since.empty() && (th.stack.empty() || th.stack.back().kind != FrameKind::Timer))
    w_.ready_since[task] = w_.now;
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
  auto drop_from = [task](std::deque<uint32_t>& q) {
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

// ---------------------------------------------------------------------------
// Instructions.

void Machine::exec(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  Frame& f = th.stack.back();
  if (!f.wakes.empty()) {
    uint32_t t = f.wakes.front();
    f.wakes.erase(f.wakes.begin());
    wake(tid, t, ctx_of(tid, t));
    return;
  }
  if (f.kind == FrameKind::Teardown) {
    teardown_step(tid);
    return;
  }
  if (f.kind == FrameKind::Timer) {  // nginx's timer handler: wake, then return
    if (f.pc == 0) {
      f.pc = 1;
      uint32_t t = w_.timers[f.id].task;
      w_.timers[f.id].fired = true;
      --w_.tasks[t].wakers;
      if (!w_.ready_since.empty()) w_.ready_since[t] = w_.timers[f.id].at;
      wake(tid, t, WakeCtx::EventHandler);
    } else {
      pop_frame(tid);
    }
    return;
  }
  if (f.kind == FrameKind::Notify) {  // the completion handler of a thread pool task
    if (f.pc == 0) {
      f.pc = 1;
      wake_one(tid, f.id);
    } else {
      pop_frame(tid);
    }
    return;
  }
  const bool poll = f.kind == FrameKind::Poll;
  const uint32_t prog = f.program;
  const Program& p = sc_.programs[prog];
  const uint32_t self = f.id;
  uint32_t& pc = poll ? w_.tasks[self].pc : f.pc;
  int64_t* locals = poll ? w_.task_locals.data() + static_cast<size_t>(self) * sc_.task_locals
                         : th.locals.data() + f.locals;
  for (;;) {
  const Instr& in = p.code[pc];
  if (!w_.exc.empty() && poll && in.code != Code::End && exception_lands(tid, self, in.code))
    return;
  switch (in.code) {
    case Code::Print:
      w_.output.push_back(OutputLine{w_.now, static_cast<uint32_t>(step_), in.a});
      ev(tid, Ev::Print, in.a);
      ++pc;
      return;
    case Code::BLock:
      if (blocking_lock(tid, in.a, prog, pc)) ++pc;
      return;
    case Code::BUnlock:
      blocking_unlock(in.a);
      ev(tid, Ev::Unlock, in.a);
      ++pc;
      return;
    case Code::ALock:
      if (async_lock(self, in.a, prog, pc, tid))
        ++pc;
      else
        return_pending(tid);
      return;
    case Code::AUnlock: {
      ++pc;
      uint32_t next = async_unlock(in.a, tid);
      ev(tid, Ev::Unlock, in.a);
      if (next != kNoId) wake(tid, next, ctx_of(tid, next));
      return;
    }
    case Code::Acquire: {
      touch_semaphore(in.a);
      TaskRt& t = w_.tasks[self];
      switch (semaphore::acquire(w_.semaphores[in.a], self)) {
        case semaphore::Acquire::Taken:
        case semaphore::Acquire::Handed:
          t.waits_on = 0;
          ev(tid, Ev::SemAcquire, in.a, self);
          ++pc;
          return;
        case semaphore::Acquire::Queued:
          t.waits_on = semaphore_resource(sc_, in.a) + 1;
          ++t.wakers;
          ev(tid, Ev::SemWait, in.a, self);
          break;
        case semaphore::Acquire::Waiting:
          break;
      }
      return_pending(tid);
      return;
    }
    case Code::Release: {
      ++pc;
      touch_semaphore(in.a);
      uint32_t next = semaphore::release(w_.semaphores[in.a], self);
      ev(tid, Ev::SemRelease, in.a, next);
      if (next != semaphore::kNone) {
        assigned_permit(next);
        wake(tid, next, ctx_of(tid, next));
      }
      return;
    }
    case Code::Notified:
      touch_notify(in.a);
      switch (notify::notified(w_.notifies[in.a], self)) {
        case notify::Wait::Done:
          ev(tid, Ev::NotifyDone, in.a, self);
          ++pc;
          return;
        case notify::Wait::Queued:
          ++w_.tasks[self].wakers;
          ev(tid, Ev::NotifyWait, in.a, self);
          break;
        case notify::Wait::Waiting:
          break;
      }
      return_pending(tid);
      return;
    case Code::NotifyOne:
    case Code::NotifyWaiters: {
      ++pc;
      touch_notify(in.a);
      std::vector<uint32_t>& woken = f.wakes;  // woken in order, from this frame
      size_t before = woken.size();
      if (in.code == Code::NotifyOne) {
        uint32_t t = notify::notify_one(w_.notifies[in.a]);
        if (t != notify::kNone) woken.push_back(t);
      } else {
        notify::notify_waiters(w_.notifies[in.a], woken);
      }
      for (size_t i = before; i < woken.size(); ++i) notified_waiter(woken[i]);
      ev(tid, Ev::NotifySend, in.a, in.code == Code::NotifyWaiters, 0, 0,
         static_cast<int64_t>(woken.size() - before));
      return;
    }
    case Code::Register:
      register_waker(tid, self, in.a);
      ++pc;
      return;
    case Code::Unregister:
      ++pc;
      touch_queue(in.a);
      if (!sc_.queue_slot[in.a]) leave_queue(self, in.a);
      return;
    case Code::Park:
      register_waker(tid, self, in.a);
      ++pc;
      return_pending(tid);
      return;
    case Code::Pending:
      ++pc;
      return_pending(tid);
      return;
    case Code::Touch:
      ++pc;
      touch(res_.connections + in.a, false);
      ev(tid, Ev::Touch, in.a);
      if (w_.closed_at[in.a]) {
        w_.freed = FreedFact{tid, in.a, static_cast<uint32_t>(step_), w_.closed_at[in.a]};
        halt(Halt::UseAfterFree);
      }
      return;
    case Code::Sleep: {
      // Like tokio's Sleep: pending until its deadline, however often polled.
      uint32_t& in_sleep = w_.sleeping[self];
      if (in_sleep) {
        if (w_.timers[in_sleep - 1].fired) {
          in_sleep = 0;
          ++pc;
        } else {
          return_pending(tid);  // polled before its deadline (a select, a stream)
        }
        return;
      }
      uint32_t id = static_cast<uint32_t>(w_.timers.size());
      in_sleep = id + 1;
      int64_t ticks = in.v > INT64_MAX / cfg_.ticks_per_ms ? INT64_MAX : in.v * cfg_.ticks_per_ms;
      int64_t at = ticks > INT64_MAX - w_.now ? INT64_MAX : w_.now + ticks;
      w_.timers.push_back(TimerRt{at, self});
      w_.timer_heap.push_back(id);
      std::push_heap(w_.timer_heap.begin(), w_.timer_heap.end(), timer_later_);
      ++w_.tasks[self].wakers;
      ev(tid, Ev::TimerSet, self, 0, 0, 0, at);
      return_pending(tid);
      return;
    }
    case Code::Yield:
      ++pc;
      wake(tid, self, WakeCtx::OwnPoll);
      return_pending(tid);
      return;
    case Code::Wake:
      ++pc;
      wake_one(tid, in.a);
      return;
    case Code::Await:
      await_step(tid, in.a);
      return;
    case Code::Select:
      select_step(tid, in.a);
      return;
    case Code::Buffered:
      buffered_step(tid, in.a);
      return;
    case Code::CriticalBegin:
      ++w_.critical[self];
      ++pc;
      return;
    case Code::MaskBegin: {
      ExcRt& x = w_.exc[self];
      x.mask_stack.push_back(x.mask);
      x.mask = std::max<uint8_t>(x.mask, static_cast<uint8_t>(in.v));
      ++pc;
      return;
    }
    case Code::RestoreBegin: {  // back to what the nearest enclosing mask found
      ExcRt& x = w_.exc[self];
      uint8_t before = x.mask_stack.empty() ? 0 : x.mask_stack.back();
      x.mask_stack.push_back(x.mask);
      x.mask = before;
      ++pc;
      return;
    }
    case Code::MaskEnd:
    case Code::RestoreEnd: {
      ExcRt& x = w_.exc[self];
      x.mask = x.mask_stack.back();
      x.mask_stack.pop_back();
      ++pc;
      return;
    }
    case Code::CatchBegin: {
      ExcRt& x = w_.exc[self];
      x.catches.push_back(CatchRt{in.jump, x.mask, static_cast<uint32_t>(x.mask_stack.size())});
      ++pc;
      return;
    }
    case Code::CatchEnd:
      w_.exc[self].catches.pop_back();
      pc = in.jump;
      return;
    case Code::HandlerEnd: {
      ExcRt& x = w_.exc[self];
      x.mask = x.handler_states.back();
      x.handler_states.pop_back();
      ++pc;
      return;
    }
    case Code::ThrowTo:
      ++pc;
      throw_to(tid, in.a);
      return;
    case Code::Abort: {
      ++pc;
      TaskRt& t = w_.tasks[in.a];
      touch_task(in.a);
      ev(tid, Ev::Abort, in.a);
      if (t.status == TaskStatus::Done || t.status == TaskStatus::Dropped) return;  // too late
      t.flags |= kAborted;
      // Scheduled, like any wake, to be cancelled where it would be polled;
      // a running task is cancelled when its poll returns.
      if (t.status == TaskStatus::Idle) wake(tid, in.a, ctx_of(tid, in.a));
      return;
    }
    case Code::WaitTask: {
      const TaskRt& target = w_.tasks[in.a];
      if (target.status == TaskStatus::Done) {
        ++pc;
      } else if (target.status == TaskStatus::Dropped && in.v < 0) {
        ++pc;  // a join: JoinError::Cancelled is a value, not a panic
      } else if (target.status == TaskStatus::Dropped && w_.exc[in.a].killed) {
        // `wait` rethrows the exception that killed it; uncaught here too.
        w_.output.push_back(OutputLine{w_.now, static_cast<uint32_t>(step_),
                                       static_cast<uint32_t>(in.v)});
        ev(tid, Ev::Print, static_cast<uint32_t>(in.v));
        pc = static_cast<uint32_t>(p.code.size() - 1);
      } else {
        ExcRt& x = w_.exc[in.a];
        if (x.joiner != self + 1) {
          x.joiner = self + 1;
          ++w_.tasks[self].wakers;
        }
        return_pending(tid);
      }
      return;
    }
    case Code::CriticalEnd:
      --w_.critical[self];
      ++pc;
      return;
    case Code::Compute:
      ++pc;
      ev(tid, Ev::Compute, 0, 0, 0, 0, in.v);
      if (tid == 0) {  // the loop thread does nothing else meanwhile: time passes
        w_.busy = BusyFact{prog, pc - 1, w_.now, in.v, static_cast<uint32_t>(step_), true};
        if (cfg_.real_time) {
          // The driver burns it (run_unit returns to it), honouring its time
          // bound and Ctrl-C, with its lock released: other threads go on.
          w_.threads[0].busy_until = w_.now + in.v * cfg_.ticks_per_ms;
        } else {
          w_.now = in.v > INT64_MAX - w_.now ? INT64_MAX : w_.now + in.v;
        }
      } else {
        w_.threads[tid].busy_until = w_.now + in.v * cfg_.ticks_per_ms;
      }
      return;
    case Code::StartThread: {
      ++pc;
      ThreadRt& ft = w_.threads[in.a];
      if (ft.status != ThreadStatus::Unstarted)
        throw ScenarioError("scenario '" + sc_.name + "': thread '" + sc_.thread_name(in.a) +
                            "' is started twice (" + p.where[pc - 1] + ")");
      ft.status = ThreadStatus::Running;
      ev(tid, Ev::ThreadStart, in.a);
      push_frame(static_cast<uint16_t>(in.a), FrameKind::Thread, in.a - 1,
                 sc_.threads[in.a - 1].program);
      return;
    }
    case Code::NotifyLoop:
      ++pc;
      ev(tid, Ev::NotifyLoop, in.a);
      w_.threads[0].notified.push_back(in.a);
      main_waiting_ = false;  // ngx_notify: the loop's wait ends
      return;
    case Code::WakeAll: {
      ++pc;
      touch_queue(in.a);
      QueueRt& q = w_.queues[in.a];
      if (q.wakers.empty()) {
        q.empty_wake_step = static_cast<uint32_t>(step_);
        ev(tid, Ev::WakeEmpty, in.a);
        return;
      }
      for (uint32_t t : q.wakers) {
        TaskRt& tr = w_.tasks[t];
        --tr.wakers;
        if (tr.parked_in == in.a + 1) tr.parked_in = 0;
        f.wakes.push_back(t);
      }
      q.wakers.clear();
      return;
    }
    case Code::DropObject:
      ++pc;
      drop_object(tid, in.a, p.where[pc - 1]);
      return;
    case Code::DropTask:
      ++pc;
      drop_task(tid, in.a, p.where[pc - 1]);
      return;
    case Code::Spawn:
      ++pc;
      spawn(tid, in.a, p.where[pc - 1]);
      return;
    case Code::SpawnNext: {
      ++pc;
      const TaskTemplate& tt = sc_.templates[in.a];
      uint32_t& next = w_.next_replica[in.a];
      if (next >= tt.count)
        throw ScenarioError("scenario '" + sc_.name + "': all " + std::to_string(tt.count) +
                            " replicas of task '" + tt.name + "' are already spawned (" +
                            p.where[pc - 1] + ")");
      spawn(tid, tt.first + next++, p.where[pc - 1]);
      return;
    }
    case Code::SpawnAll: {
      const TaskTemplate& tt = sc_.templates[in.a];
      int64_t& i = locals[0];
      if (i + 1 >= tt.count) {
        ++pc;
        uint32_t t = tt.first + static_cast<uint32_t>(i);
        i = 0;
        spawn(tid, t, p.where[pc - 1]);
      } else {
        uint32_t t = tt.first + static_cast<uint32_t>(i++);
        spawn(tid, t, p.where[pc]);
      }
      return;
    }
    case Code::Add:
    case Code::Set: {
      touch_counter(in.a, true);
      int64_t& c = w_.counters[in.a];
      if (in.code == Code::Set) {
        c = in.v;
      } else if (__builtin_add_overflow(c, in.v, &c)) {
        throw ScenarioError("scenario '" + sc_.name + "': counter '" + sc_.counters[in.a].name +
                            "' overflows at " + p.where[pc]);
      }
      ev(tid, Ev::Counter, in.a, 0, 0, 0, c);
      ++pc;
      if (sc_.counters[in.a].bound > 0 && c > sc_.counters[in.a].bound) {
        w_.exhausted_step = static_cast<uint32_t>(step_);
        w_.exhausted_counter = in.a;
        halt(Halt::ResourceExhausted);
      }
      break;
    }
    case Code::Jump:
      pc = in.jump;
      break;
    case Code::JumpUnless: {
      touch_counter(in.a, false);
      int64_t c = w_.counters[in.a];
      bool t = false;
      switch (in.cmp) {
        case Cmp::Eq: t = c == in.v; break;
        case Cmp::Ne: t = c != in.v; break;
        case Cmp::Lt: t = c < in.v; break;
        case Cmp::Le: t = c <= in.v; break;
        case Cmp::Gt: t = c > in.v; break;
        case Cmp::Ge: t = c >= in.v; break;
      }
      pc = t ? pc + 1 : in.jump;
      break;
    }
    case Code::LocalSet:
      locals[in.a] = in.v;
      ++pc;
      break;
    case Code::LocalLoop:
      if (locals[in.a] == 0) {
        pc = in.jump;
      } else {
        --locals[in.a];
        ++pc;
      }
      break;
    case Code::End:
      end_of_program(tid);
      return;
  }
  // Here after a pure instruction (a jump, a counter, a local: no wake, no
  // choice). With one thread nothing could run between it and the next
  // instruction of this frame, so run that one now, as its own step, under
  // the same bounds as the caller's loop: the same steps, the same trace.
  if (!chain_ || w_.halt != Halt::Running || step_ >= cfg_.limits.max_steps ||
      (step_ & 0x3fff) == 0x3fff)
    return;
  ++step_;
  }
}

void Machine::wake_one(uint16_t tid, uint32_t queue) {
  touch_queue(queue);
  QueueRt& q = w_.queues[queue];
  if (q.wakers.empty()) {
    q.empty_wake_step = static_cast<uint32_t>(step_);
    ev(tid, Ev::WakeEmpty, queue);
    return;
  }
  uint32_t t = q.wakers.front();
  q.wakers.pop_front();
  TaskRt& tr = w_.tasks[t];
  --tr.wakers;
  if (tr.parked_in == queue + 1) tr.parked_in = 0;
  wake(tid, t, ctx_of(tid, t));
}

void Machine::return_pending(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  uint32_t task = th.stack.back().id;
  TaskRt& t = w_.tasks[task];
  t.status = TaskStatus::Idle;
  t.last_step = static_cast<uint32_t>(step_);
  ev(tid, Ev::PollEnd, task, 0);
  pop_frame(tid);
  const uint8_t flags = t.flags;
  t.flags &= static_cast<uint8_t>(~kNotifiedBits);
  if (flags & kAborted) {
    wake_after_pop(tid, {task});  // aborted while running: cancel it now
  } else if (flags & kNotified) {  // woken while running: scheduled now
    schedule(tid, task, static_cast<WakeCtx>((flags & kNotifiedBits) >> kNotifiedCtxShift), true);
  }
}

// The program of the top frame has run to its end.
void Machine::end_of_program(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  Frame& f = th.stack.back();
  switch (f.kind) {
    case FrameKind::Poll: {
      // A finished future drops what it owns, on its poll's stack.
      uint32_t task = f.id;
      if (drop_next_owned(tid, task)) return;
      drop_futures_of(tid, task);
      TaskRt& t = w_.tasks[task];
      if (!sc_.is_future(task)) --w_.live;
      leave_waiter_lists(task);
      std::vector<uint32_t> assigned;  // its permits drop with it (SemaphorePermit's Drop)
      if (!w_.semaphores.empty()) release_permits(task, assigned);
      if (!w_.notifies.empty()) leave_notifies(task, assigned);
      t.status = TaskStatus::Done;
      t.flags &= static_cast<uint8_t>(~kNotifiedBits);  // a wake while running is moot
      t.last_step = static_cast<uint32_t>(step_);
      dequeue(task);
      ev(tid, Ev::PollEnd, task, 1);
      pop_frame(tid);
      wake_after_pop(tid, assigned);
      wake_joiner(tid, task);  // after the pop: the wake may poll the joiner inline
      return;
    }
    case FrameKind::DropHook:
      w_.dropped[f.id] = 2;
      ev(tid, Ev::DropEnd, f.id);
      pop_frame(tid);
      return;
    case FrameKind::Handler:
    case FrameKind::Startup:
      ev(tid, Ev::HandlerEnd, f.id);
      pop_frame(tid);
      return;
    case FrameKind::Thread:
      th.status = ThreadStatus::Done;
      pop_frame(tid);
      return;
    case FrameKind::Teardown:
    case FrameKind::Timer:
    case FrameKind::Notify:
      return;  // handled in exec()
  }
}

// Dropping a task's future drops its locals in reverse declaration order,
// as Rust does: first the guards its program took (declared last), whose
// Drop wakes the waiters they hand over, from here; then the futures it
// holds (locals of its body, declared before the guards); then the objects
// it owned from its start (captured values and arguments, dropped after the
// body's locals; in an order the explorer chooses, as a task's objects are
// declared apart from its program).
void Machine::teardown_step(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  Frame& f = th.stack.back();
  uint32_t task = f.id;
  if (f.pc == 0) {  // exec() wakes what they hand over next, on this frame
    f.pc = 1;
    release_task(task, f.wakes, tid);
    for (uint32_t fut : sc_.templates[sc_.template_of(task)].futures)
      if (w_.tasks[fut].status == TaskStatus::Idle || w_.tasks[fut].status == TaskStatus::Unstarted) {
        release_task(fut, f.wakes, tid);
        w_.tasks[fut].status = TaskStatus::Dropped;
      }
    return;
  }
  if (drop_next_owned(tid, task)) return;
  std::vector<uint32_t> to_wake;
  ev(tid, Ev::TaskDropped, task);
  pop_frame(tid);
  uint32_t joiner = take_joiner(task);
  if (joiner != kNoId) to_wake.push_back(joiner);
  // A joiner is woken from the dropper's frame (now, if the loop itself
  // dropped it: an aborted task).
  if (!to_wake.empty() && !th.stack.empty()) {
    Frame& below = th.stack.back();
    below.wakes.insert(below.wakes.begin(), to_wake.begin(), to_wake.end());
  } else {
    wake_after_pop(tid, to_wake);
  }
}

void Machine::drop_future(uint16_t tid, uint32_t fut) {
  TaskRt& t = w_.tasks[fut];
  if (t.status == TaskStatus::Done || t.status == TaskStatus::Dropped) return;
  if (cut_short(fut)) return;
  std::vector<uint32_t> to_wake;
  release_task(fut, to_wake, tid);
  t.status = TaskStatus::Dropped;
  ev(tid, Ev::TaskDropped, fut);
  Frame& f = w_.threads[tid].stack.back();
  f.wakes.insert(f.wakes.end(), to_wake.begin(), to_wake.end());
}

// An exception raised in a task lands at an instruction boundary if its mask
// state allows: unmasked, anywhere; masked, only at an interruptible op (a
// sleep, a wait: GHC's blocking operations); uninterruptibly masked, never.
// With kill points, the explorer may raise one here first.
bool Machine::exception_lands(uint16_t tid, uint32_t task, Code code) {
  ExcRt& x = w_.exc[task];
  if (x.killed) return false;
  if (sc_.templates[sc_.template_of(task)].kill_points && !x.kill_offered) {
    options_.assign({0, 1});
    if (choose(ChoiceKind::Kill, options_) == 1) {
      x.kill_offered = true;
      ++x.pending;
      ev(tid, Ev::Throw, task);
    }
  }
  if (!x.pending) return false;
  bool interruptible = code == Code::Sleep || code == Code::WaitTask;
  if (!(x.mask == 0 || (x.mask == 1 && interruptible))) return false;
  deliver(tid, task);
  return true;
}

void Machine::deliver(uint16_t tid, uint32_t task) {
  ExcRt& x = w_.exc[task];
  TaskRt& t = w_.tasks[task];
  --x.pending;
  w_.sleeping[task] = 0;  // an interrupted sleep is abandoned
  if (!x.catches.empty()) {
    CatchRt c = x.catches.back();
    x.catches.pop_back();
    x.mask_stack.resize(c.mask_depth);
    x.handler_states.push_back(c.mask);
    x.mask = std::max<uint8_t>(c.mask, 1);  // a handler runs with exceptions masked
    t.pc = c.handler;
    Frame& f = w_.threads[tid].stack.back();  // an await or select it was in is left
    f.branch = f.start = f.child_polled = 0;
    ev(tid, Ev::Exception, task, 1);
    return;
  }
  // Uncaught: the thread dies here.
  ev(tid, Ev::Exception, task, 0);
  x.killed = true;
  if (sc_.templates[sc_.template_of(task)].must_finish && !w_.cut_recorded) {
    w_.cut = CutFact{task, static_cast<uint32_t>(step_), t.pc, true};
    w_.cut_recorded = true;
  }
  std::vector<uint32_t> to_wake;
  release_task(task, to_wake, tid);
  t.status = TaskStatus::Dropped;
  --w_.live;
  dequeue(task);
  ev(tid, Ev::TaskDropped, task);
  pop_frame(tid);
  wake_after_pop(tid, to_wake);  // waiters handed its locks
  wake_joiner(tid, task);
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

uint32_t Machine::take_joiner(uint32_t task) {
  if (w_.exc.empty() || !w_.exc[task].joiner) return kNoId;
  uint32_t j = w_.exc[task].joiner - 1;
  w_.exc[task].joiner = 0;
  --w_.tasks[j].wakers;
  return j;
}

void Machine::wake_joiner(uint16_t tid, uint32_t task) {
  uint32_t j = take_joiner(task);
  if (j != kNoId) wake_after_pop(tid, {j});
}

void Machine::throw_to(uint16_t tid, uint32_t target) {
  ExcRt& x = w_.exc[target];
  TaskRt& t = w_.tasks[target];
  ev(tid, Ev::Throw, target);
  if (t.status == TaskStatus::Done || t.status == TaskStatus::Dropped || x.killed) return;
  ++x.pending;
  // A suspended target that can receive it now is woken to do so.
  bool receivable = x.mask == 0 || (x.mask == 1 && w_.sleeping[target]);
  if (t.status == TaskStatus::Idle && receivable) wake(tid, target, ctx_of(tid, target));
}

// Cancelling a future or task inside a critical region leaves its invariant
// half-changed: stop the run there.
bool Machine::cut_short(uint32_t task) {
  if (!w_.critical[task]) return false;
  w_.cut = CutFact{task, static_cast<uint32_t>(step_), w_.tasks[task].pc};
  halt(Halt::Interrupted);
  return true;
}

void Machine::drop_futures_of(uint16_t tid, uint32_t task) {
  for (uint32_t fut : sc_.templates[sc_.template_of(task)].futures) drop_future(tid, fut);
}

// Await: poll the future (a frame on this stack); ready: go on; pending: so
// is this task (the future holds this task's waker).
void Machine::await_step(uint16_t tid, uint32_t fut) {
  Frame& f = w_.threads[tid].stack.back();
  uint32_t& pc = w_.tasks[f.id].pc;
  TaskStatus st = w_.tasks[fut].status;
  if (f.child_polled || st == TaskStatus::Done) {
    f.child_polled = 0;
    if (st == TaskStatus::Done) {
      ++pc;
    } else {
      return_pending(tid);
    }
    return;
  }
  if (st == TaskStatus::Dropped)
    throw ScenarioError("scenario '" + sc_.name + "': future '" + sc_.task_name(fut) +
                        "' is awaited after it was dropped");
  f.child_polled = 1;
  w_.tasks[fut].flags &= static_cast<uint8_t>(~kWoken);
  push_poll(tid, fut, Entry::Child, WakeCtx::TaskPoll);
}

// Select (tokio::select! with `biased;`): poll the branches' futures in
// order; the first ready wins, the other owned ones are dropped (cancelled),
// borrowed ones (&mut fut) live on, unpolled. All pending: this task is too.
// select!: each poll polls the branches' futures in turn, from the first
// (biased) or from one the explorer chooses (tokio's default picks it at
// random), until one is ready; its arm runs and the losers are dropped
// (cancelled) unless borrowed.
void Machine::select_step(uint16_t tid, uint32_t table) {
  const SelectTable& sel = sc_.selects[table];
  const uint32_t n = static_cast<uint32_t>(sel.branches.size());
  Frame& f = w_.threads[tid].stack.back();
  if (!f.child_polled && f.branch == 0 && !sel.biased && n > 1) {  // a new poll of the select
    std::vector<uint32_t>& opts = options_;
    opts.resize(n);
    for (uint32_t i = 0; i < n; ++i) opts[i] = i;
    f.start = static_cast<uint8_t>(choose(ChoiceKind::SelectStart, opts));
  }
  auto branch = [&](uint32_t i) { return (f.start + i) % n; };
  uint32_t i = f.branch;
  if (f.child_polled) {
    f.child_polled = 0;
    uint32_t b = branch(i);
    if (w_.tasks[sel.branches[b].future].status != TaskStatus::Done) {
      f.branch = static_cast<uint8_t>(++i);
    } else {
      f.branch = 0;
      f.start = 0;
      for (uint32_t j = 0; j < n; ++j)
        if (j != b && !sel.branches[j].borrowed) drop_future(tid, sel.branches[j].future);
      w_.tasks[f.id].pc = sel.branches[b].arm;
      return;
    }
  }
  if (i >= n) {
    f.branch = 0;
    f.start = 0;
    return_pending(tid);
    return;
  }
  uint32_t fut = sel.branches[branch(i)].future;
  TaskStatus st = w_.tasks[fut].status;
  if (st == TaskStatus::Done) {  // a borrowed future that finished earlier: ready at once
    f.child_polled = 1;
    return;
  }
  if (st == TaskStatus::Dropped)
    throw ScenarioError("scenario '" + sc_.name + "': future '" + sc_.task_name(fut) +
                        "' is selected after it was dropped");
  f.child_polled = 1;
  w_.tasks[fut].flags &= static_cast<uint8_t>(~kWoken);
  push_poll(tid, fut, Entry::Child, WakeCtx::TaskPoll);
}

bool Machine::pull_into_flight() {
  w_.peak_live = std::max(w_.peak_live, ++w_.live);
  if (sc_.max_live_tasks > 0 && w_.live > sc_.max_live_tasks) {
    w_.exhausted_step = static_cast<uint32_t>(step_);
    halt(Halt::ResourceExhausted);
    return false;
  }
  return true;
}

// Buffered (futures::stream::Buffered over a FuturesOrdered): take items
// from the wrapped stream while fewer than `size` are in flight, poll the
// ones in flight in order, yield the finished ones from the head. While the
// buffer is full the wrapped stream is not polled: a future still in it is
// never polled at all, whatever it was needed for.
void Machine::buffered_step(uint16_t tid, uint32_t table) {
  const BufferedTable& bt = sc_.buffereds[table];
  Frame& f = w_.threads[tid].stack.back();
  uint32_t task = f.id;
  int64_t* loc = w_.task_locals.data() + static_cast<size_t>(task) * sc_.task_locals + bt.local;
  int64_t& head = loc[0];
  int64_t& next = loc[1];
  int64_t& done = loc[2];
  const int64_t len = static_cast<int64_t>(bt.items.size());
  if (f.child_polled) {
    f.child_polled = 0;
    ++f.branch;
  } else if (f.branch == 0) {  // a new pass: fill the buffer from the wrapped stream
    while (next < len && next - head - done < bt.size) {
      ++next;
      if (!pull_into_flight()) return;
    }
  }
  // Poll the in-flight futures in order.
  while (head + f.branch < next) {
    uint32_t fut = bt.items[head + f.branch];
    if (w_.tasks[fut].status == TaskStatus::Done) {
      ++f.branch;
      continue;
    }
    f.child_polled = 1;
    w_.tasks[fut].flags &= static_cast<uint8_t>(~kWoken);
    push_poll(tid, fut, Entry::Child, WakeCtx::TaskPoll);
    return;
  }
  f.branch = 0;
  bool yielded = false;
  if (bt.unordered) {  // FuturesUnordered yields whichever finished: each frees its slot
    int64_t finished = 0;
    for (int64_t i = head; i < next; ++i)
      finished += w_.tasks[bt.items[i]].status == TaskStatus::Done;
    if (finished > done) {
      w_.live -= finished - done;
      yielded = true;
    }
    done = finished;
    for (; head < next && w_.tasks[bt.items[head]].status == TaskStatus::Done; ++head) --done;
  } else {
    while (head < next && w_.tasks[bt.items[head]].status == TaskStatus::Done) {
      ++head;  // FuturesOrdered yields in order
      --w_.live;
      yielded = true;
    }
  }
  if (head == len) {  // the stream is exhausted: go on
    head = next = done = 0;
    ++w_.tasks[task].pc;
    return;
  }
  if (yielded) return;  // a new pass: there is room again
  if (bt.always_poll && next < len) {
    // "Every day I'm pollin'": poll the wrapped stream although the buffer is full.
    ++next;
    pull_into_flight();
    return;
  }
  return_pending(tid);
}

// Objects a task owns drop together when its future ends or is dropped, in
// an order the explorer chooses: start the next one's Drop hook, if any.
bool Machine::drop_next_owned(uint16_t tid, uint32_t task) {
  std::vector<uint32_t>& alive = options_;
  alive.clear();
  for (uint32_t o : sc_.templates[sc_.template_of(task)].owned)
    if (w_.dropped[o] == 0) alive.push_back(o);
  if (alive.empty()) return false;
  uint32_t k = alive.size() > 1 ? choose(ChoiceKind::DropOrder, alive) : 0;
  begin_drop_hook(tid, alive[k]);  // not dropped yet: just checked
  return true;
}

// A semaphore assigned `task` a permit: its stored waker is taken (the
// caller wakes it) and it waits no more.
void Machine::assigned_permit(uint32_t task) {
  TaskRt& t = w_.tasks[task];
  --t.wakers;
  t.waits_on = 0;
}

// A task or future is dropped or finishes: it leaves the semaphores' wait
// lists and gives back its permits, assigned or held; the waiters they go to
// are appended to `to_wake`.
void Machine::release_permits(uint32_t task, std::vector<uint32_t>& to_wake) {
  TaskRt& t = w_.tasks[task];
  for (uint32_t s = 0; s < w_.semaphores.size(); ++s) {
    size_t before = to_wake.size();
    if (!semaphore::owns(w_.semaphores[s], task) && t.waits_on != semaphore_resource(sc_, s) + 1)
      continue;
    touch_semaphore(s);
    if (semaphore::drop(w_.semaphores[s], task, to_wake)) {
      --t.wakers;
      t.waits_on = 0;
    }
    for (size_t i = before; i < to_wake.size(); ++i) assigned_permit(to_wake[i]);
  }
}

// A task or future is dropped or finishes: it leaves the notifies' waiter
// lists; a notify_one notification it had not seen goes on to the next
// waiter, appended to `to_wake`.
void Machine::leave_notifies(uint32_t task, std::vector<uint32_t>& to_wake) {
  for (uint32_t n = 0; n < w_.notifies.size(); ++n) {
    size_t before = to_wake.size();
    const NotifyRt& nr = w_.notifies[n];
    if (std::find(nr.waiters.begin(), nr.waiters.end(), task) == nr.waiters.end() &&
        std::find(nr.notified.begin(), nr.notified.end(), task) == nr.notified.end())
      continue;
    touch_notify(n);
    if (notify::drop(w_.notifies[n], task, to_wake)) notified_waiter(task);
    for (size_t i = before; i < to_wake.size(); ++i) notified_waiter(to_wake[i]);
  }
}

void Machine::release_task(uint32_t task, std::vector<uint32_t>& to_wake, uint16_t tid) {
  TaskRt& t = w_.tasks[task];
  leave_waiter_lists(task);
  if (!w_.semaphores.empty()) release_permits(task, to_wake);
  if (!w_.notifies.empty()) leave_notifies(task, to_wake);
  if (t.barge_woken) {
    // Woken by a barging unlock and dropped before it could poll: pass the
    // wake on, as futures' MutexLockFuture::drop does.
    uint32_t m = t.barge_woken - 1;
    t.barge_woken = 0;
    MutexRt& mx = w_.mutexes[m];
    if (mx.holder_kind == HolderKind::None && !mx.waiters.empty()) {
      touch_mutex(m);
      uint32_t next = mx.waiters.front();
      mx.waiters.pop_front();
      TaskRt& n = w_.tasks[next];
      --n.wakers;
      n.waits_on = 0;
      n.barge_woken = m + 1;
      to_wake.push_back(next);
    }
  }
  if (t.waits_on && t.waits_on <= w_.mutexes.size()) {
    MutexRt& mx = w_.mutexes[t.waits_on - 1];
    auto it = std::find(mx.waiters.begin(), mx.waiters.end(), task);
    if (it != mx.waiters.end()) {
      mx.waiters.erase(it);
      --t.wakers;
    }
    t.waits_on = 0;
  }
  for (uint32_t m = 0; m < w_.mutexes.size(); ++m) {
    MutexRt& mx = w_.mutexes[m];
    if (mx.holder_kind != HolderKind::Task || mx.holder != task) continue;
    if (sc_.mutexes[m].kind == MutexKind::Blocking) {
      blocking_unlock(m);
    } else {
      uint32_t next = async_unlock(m, tid);
      if (next != kNoId) to_wake.push_back(next);
    }
    ev(tid, Ev::Unlock, m);
  }
}

void Machine::drop_object(uint16_t tid, uint32_t o, const std::string& where) {
  if (w_.dropped[o] != 0)
    throw ScenarioError("scenario '" + sc_.name + "': object '" + sc_.objects[o].name +
                        "' is dropped twice (" + where + ")");
  begin_drop_hook(tid, o);
}

void Machine::begin_drop_hook(uint16_t tid, uint32_t o) {
  w_.dropped[o] = 1;
  touch_object(o);
  push_frame(tid, FrameKind::DropHook, o, sc_.objects[o].program);
  ev(tid, Ev::DropBegin, o);
}

void Machine::drop_task(uint16_t tid, uint32_t task, const std::string& where) {
  TaskRt& t = w_.tasks[task];
  if (t.status == TaskStatus::Running)
    throw ScenarioError("scenario '" + sc_.name + "': task '" + sc_.task_name(task) +
                        "' is dropped while it is being polled (" + where + ")");
  if (t.status == TaskStatus::Done || t.status == TaskStatus::Dropped) {
    ev(tid, Ev::TaskDropped, task);
    return;
  }
  touch_task(task);
  if (cut_short(task)) return;
  if (t.status != TaskStatus::Unstarted) --w_.live;
  t.status = TaskStatus::Dropped;
  t.last_step = static_cast<uint32_t>(step_);
  dequeue(task);
  push_frame(tid, FrameKind::Teardown, task, 0);
}

void Machine::spawn(uint16_t tid, uint32_t task, const std::string& where) {
  TaskRt& t = w_.tasks[task];
  if (t.status == TaskStatus::Dropped)
    throw ScenarioError("scenario '" + sc_.name + "': task '" + sc_.task_name(task) +
                        "' is spawned after it was dropped (" + where + ")");
  if (t.status != TaskStatus::Unstarted || t.queued != QueueId::None)
    throw ScenarioError("scenario '" + sc_.name + "': task '" + sc_.task_name(task) +
                        "' is spawned twice (" + where + ")");
  t.thread = tid;
  ev(tid, Ev::Spawn, task);
  if (!pull_into_flight()) return;
  wake(tid, task, WakeCtx::Spawn);
}

// A waiter list keeps one entry per waiting task (registering again while
// there is a no-op); an AtomicWaker slot holds one waker, and a new
// registration replaces (drops) the one it holds.
void Machine::register_waker(uint16_t tid, uint32_t task, uint32_t q) {
  TaskRt& t = w_.tasks[task];
  touch_queue(q);
  std::deque<uint32_t>& wakers = w_.queues[q].wakers;
  if (sc_.queue_slot[q]) {
    if (!wakers.empty() && wakers.front() == task) return;
    if (!wakers.empty()) leave_queue(wakers.front(), q);
  } else if (t.parked_in == q + 1 ||
             std::find(wakers.begin(), wakers.end(), task) != wakers.end()) {
    return;  // its entry is already there
  }
  wakers.push_back(task);
  t.parked_in = q + 1;
  ++t.wakers;
  ev(tid, Ev::Register, task, q);
}

// The task's waker leaves the queue (not woken): its wait there is over,
// it was replaced, or the task is gone.
void Machine::leave_queue(uint32_t task, uint32_t q) {
  touch_queue(q);
  std::deque<uint32_t>& wakers = w_.queues[q].wakers;
  auto it = std::find(wakers.begin(), wakers.end(), task);
  if (it == wakers.end()) return;
  wakers.erase(it);
  TaskRt& t = w_.tasks[task];
  --t.wakers;
  if (t.parked_in == q + 1) t.parked_in = 0;
}

// A finished or dropped task or future leaves every waiter list it is in
// (the entry lived in its future); AtomicWaker slots keep their waker.
void Machine::leave_waiter_lists(uint32_t task) {
  if (w_.tasks[task].wakers == 0) return;
  for (uint32_t q = 0; q < w_.queues.size(); ++q)
    if (!sc_.queue_slot[q]) leave_queue(task, q);
}

bool Machine::blocking_lock(uint16_t tid, uint32_t m, uint32_t prog, uint32_t pc) {
  MutexRt& mx = w_.mutexes[m];
  ThreadRt& th = w_.threads[tid];
  const Frame& f = th.stack.back();
  touch_mutex(m);
  if (mx.holder_kind == HolderKind::None) {
    if (f.kind == FrameKind::Poll) {
      mx.holder_kind = HolderKind::Task;
      mx.holder = f.id;
    } else {
      mx.holder_kind = HolderKind::Frame;
      mx.holder = static_cast<uint32_t>(th.stack.size() - 1);
    }
    mx.holder_thread = tid;
    mx.since = static_cast<uint32_t>(step_);
    mx.where_prog = prog;
    mx.where_pc = pc;
    ev(tid, Ev::Lock, m, mx.holder_kind == HolderKind::Task ? mx.holder : kNoId);
    return true;
  }
  // Held. If the holder is lower on this stack (a re-entrant lock) or a
  // suspended task only this thread can poll (a blocked scheduler thread),
  // this thread never resumes: stop. Otherwise another thread holds it: wait.
  bool same_stack = mx.holder_kind == HolderKind::Frame
                        ? mx.holder_thread == tid
                        : w_.tasks[mx.holder].status == TaskStatus::Running &&
                              w_.tasks[mx.holder].thread == tid;
  // A suspended holder only this thread could poll; with workers, another
  // executor thread may poll it while this one waits.
  bool suspended_here = mx.holder_kind == HolderKind::Task &&
                        w_.tasks[mx.holder].status != TaskStatus::Running &&
                        executor_home(w_.tasks[mx.holder].thread) == executor_home(tid) &&
                        sc_.workers == 1;
  if (!same_stack && !suspended_here) {
    if (th.blocked_on != m + 1) ev(tid, Ev::LockBlocked, m);
    th.blocked_on = m + 1;
    return false;
  }
  ev(tid, Ev::LockBlocked, m);
  w_.block = BlockFact{tid, m, static_cast<uint32_t>(step_)};
  halt(Halt::Blocked);
  return false;
}

void Machine::blocking_unlock(uint32_t m) {
  touch_mutex(m);
  MutexRt& mx = w_.mutexes[m];
  mx.holder_kind = HolderKind::None;
  mx.holder = 0;
}

bool Machine::async_lock(uint32_t task, uint32_t m, uint32_t prog, uint32_t pc, uint16_t tid) {
  MutexRt& mx = w_.mutexes[m];
  TaskRt& t = w_.tasks[task];
  touch_mutex(m);
  t.barge_woken = 0;  // it polls: a barging wake, if any, has been used
  if (mx.holder_kind == HolderKind::Task && mx.holder == task && t.waits_on == 0) {
    // Handed off by a fair unlock while this task waited.
    return true;
  }
  if (mx.holder_kind == HolderKind::None) {
    mx.holder_kind = HolderKind::Task;
    mx.holder = task;
    mx.holder_thread = tid;
    mx.since = static_cast<uint32_t>(step_);
    mx.where_prog = prog;
    mx.where_pc = pc;
    ev(tid, Ev::Lock, m, task);
    return true;
  }
  if (t.waits_on != m + 1) {
    mx.waiters.push_back(task);
    t.waits_on = m + 1;
    ++t.wakers;
    ev(tid, Ev::LockWait, m, task);
  }
  return false;
}

uint32_t Machine::async_unlock(uint32_t m, uint16_t tid) {
  touch_mutex(m);
  MutexRt& mx = w_.mutexes[m];
  mx.holder_kind = HolderKind::None;
  mx.holder = 0;
  if (mx.waiters.empty()) return kNoId;
  uint32_t next = mx.waiters.front();
  mx.waiters.pop_front();
  TaskRt& t = w_.tasks[next];
  --t.wakers;
  t.waits_on = 0;
  if (sc_.mutexes[m].kind == MutexKind::AsyncFair) {
    mx.holder_kind = HolderKind::Task;
    mx.holder = next;
    mx.holder_thread = t.thread;
    mx.since = static_cast<uint32_t>(step_);
    const Program& p = sc_.programs[t.program];
    mx.where_prog = t.program;
    mx.where_pc = t.pc < p.code.size() ? t.pc : 0;
    ev(tid, Ev::LockHandoff, m, next);
  } else {
    t.barge_woken = m + 1;
  }
  return next;
}

World execute(const Scenario& sc, Policy& policy, Chooser& chooser, const RunConfig& cfg) {
  return Machine(sc, policy, chooser, cfg).run_simulated();
}

}  // namespace wb

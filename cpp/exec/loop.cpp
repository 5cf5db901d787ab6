// One nginx loop iteration, as ngx_process_events_and_timers runs it: the
// wait (posted-next makes it non-blocking), the ready events, the posted
// pass (ngx-rust's scheduler event among them), the run queue. The
// simulator drives it in virtual time with every pick a choice point; the
// libev driver (cpp/loop) calls the same begin_* steps from its watchers.
// Threads: which one steps next, and workers taking from the shared queues.
#include "exec/machine.hpp"

#include <algorithm>
#include <string>

namespace wb {

World Machine::resume_simulated(const Snapshot& from, World* storage) {
  if (storage) w_ = std::move(*storage);  // its vectors' capacity, for the copy below
  w_ = from.world;
  init_members();
  step_ = from.step;
  last_thread_ = from.last_thread;
  main_waiting_ = from.main_waiting;
  wait_blocked_ = from.wait_blocked;
  options_ = from.options;
  resuming_ = true;
  return simulate();
}

World Machine::run_simulated(const World* initial, World* storage) {
  if (initial) {
    if (storage) w_ = std::move(*storage);  // its vectors' capacity, for the copy below
    w_ = *initial;
    init_members();
  } else {
    init();
  }
  return simulate();
}

World Machine::simulate() {
  const uint64_t max_steps = cfg_.limits.max_steps;
  while (w_.halt == Halt::Running) {
    if (step_ >= max_steps) {
      halt(Halt::StepBound);
      break;
    }
    if ((step_ & 0x3fff) == 0x3fff && over_budget()) break;
    uint16_t tid = 0;
    if (w_.threads.size() > 1 || w_.threads[0].blocked_on) {  // one thread: blocked on a condvar
      int t = pick_thread();
      if (t < 0) {  // no thread can step now
        if (let_time_pass()) {
          if (cfg_.footprints) {  // threads start, computes end, timers fall due: a unit of its own
            touch_all();
            unit_ends();
          }
          continue;
        }
        if (!stop_blocked()) halt(Halt::Blocked);  // every thread waits on a lock
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
    if (step_units_ && cfg_.footprints && w_.halt != Halt::Pruned) unit_ends();
  }
  return finish();
}

// No thread can step, and the loop thread is not in its wait (it would
// let time pass there): threads that compute, and timers an idle worker
// drives (tokio: a parked worker drives the time driver), make time pass
// while the loop thread is blocked. False if nothing will ever happen.
bool Machine::let_time_pass() {
  int64_t due = INT64_MAX;
  bool idle_worker = false;
  for (uint16_t i = 1; i < w_.threads.size(); ++i) {
    const ThreadRt& th = w_.threads[i];
    if (th.busy_until > w_.now && !th.stack.empty()) due = std::min(due, th.busy_until);
    if (i <= sc_.threads.size() && th.status == ThreadStatus::Unstarted &&
        sc_.threads[i - 1].autostart)
      due = std::min(due, sc_.threads[i - 1].at);
    if (th.status == ThreadStatus::Worker && th.stack.empty() && !th.blocked_on) idle_worker = true;
  }
  if (idle_worker) due = std::min(due, timer::next_due(w_.timers, w_.timer_heap));
  if (due == INT64_MAX) return false;
  w_.now = std::max(w_.now, due);
  for (uint16_t i = 1; i <= sc_.threads.size(); ++i)  // threads start on their own
    if (w_.threads[i].status == ThreadStatus::Unstarted && sc_.threads[i - 1].autostart &&
        sc_.threads[i - 1].at <= w_.now)
      start_thread(i);
  return true;
}

// A timer due while the loop thread is blocked on a lock: an idle worker
// fires it (the earliest; the next idle step fires the next). False if none.
bool Machine::worker_timer(uint16_t tid) {
  if (!w_.threads[0].blocked_on) return false;
  uint32_t id = timer::take_next_due(w_.timers, w_.timer_heap, w_.now);
  if (id == timer::kNone) return false;
  begin_timer(tid, id);
  return true;
}

bool Machine::worker_take(uint16_t tid) {
  // It reads the shared queues (empty or not), and whether the loop thread
  // is blocked, which no key names, when a timer may be due.
  touch_exec_queues();
  if (!w_.timer_heap.empty()) touch_all();
  if (worker_timer(tid)) return true;
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
    switch (block_on(sc_, th.blocked_on - 1)) {
      case BlockOn::RwLock:
        // A std RwLock: it retries once nothing stands in its way, and counts
        // as a waiting writer (or reader) until it has the guard.
        if (!rw_can_retry(tid)) return false;
        break;
      case BlockOn::Mutex:
        if (mutex::held(w_.mutexes[th.blocked_on - 1])) return false;
        th.blocked_on = 0;  // released: it retries its lock
        break;
      case BlockOn::Condvar:  // until a notify (or a spurious wake) clears blocked_on
      case BlockOn::Barrier:  // until the leader releases it
        return false;
    }
  }
  if (tid == 0) return !main_waiting_;
  if (th.status == ThreadStatus::Worker) {  // busy with a task, or one is waiting for it
    if (th.busy_until > w_.now) return false;  // computing
    const ThreadRt& shared = w_.threads[0];
    return !th.stack.empty() || !shared.posted.empty() || !shared.sched_batch.empty() ||
           !shared.run_queue.empty() || shared.sched_posted == SchedPost::Next ||
           !shared.inbox.empty() ||
           (shared.blocked_on && timer::next_due(w_.timers, w_.timer_heap) <= w_.now);
  }
  return th.status == ThreadStatus::Running && th.busy_until <= w_.now;
}

bool Machine::local_next(uint16_t tid) const {
  const ThreadRt& th = w_.threads[tid];
  if (th.stack.empty() || th.blocked_on) return false;
  const Frame& f = th.stack.back();
  if (!f.wakes.empty() || f.kind == FrameKind::Teardown || f.kind == FrameKind::Timer ||
      f.kind == FrameKind::Notify || f.pending_after)
    return false;
  const uint32_t pc = f.kind == FrameKind::Poll ? w_.tasks[f.id].pc : f.pc;
  const Program& p = sc_.programs[f.program];
  if (pc >= p.code.size()) return false;
  switch (p.code[pc].code) {
    case Code::Print:
    case Code::Jump:
    case Code::LocalSet:
    case Code::LocalLoop:
    case Code::JumpUnlessLocal:  // reads what an atomic op returned, a local
      return w_.exc.empty() || f.kind != FrameKind::Poll;  // else an exception may land here
    default:
      return false;
  }
}

bool Machine::others_runnable() {
  for (uint16_t t = 1; t < w_.threads.size(); ++t)
    if (runnable(t)) return true;
  return false;
}

// The natural order keeps the thread that stepped last (no preemption), so
// the explorer's deviation bound is a preemption bound, as in CHESS.
// Every thread (the loop thread, workers, foreign threads) may be preempted
// before each visible operation: one that touches what another thread can
// see (a lock, a counter, a wake, a queue, a channel, a spawn, the loop's
// own queues). An operation local to its frame (a jump, a local, a print)
// runs on without a choice: no other thread can tell the difference.
int Machine::pick_thread() {
  if (resuming_) {  // a snapshot taken just before this choice
    resuming_ = false;
    return choose_thread();
  }
  if (local_next(last_thread_) && runnable(last_thread_)) return last_thread_;
  if (!w_.condvars.empty()) {  // a waiter may wake spuriously here (primitives/condvar)
    const int t = spurious_wake();
    if (t >= 0) return last_thread_ = static_cast<uint16_t>(t);
  }
  std::vector<uint32_t>& ids = options_;
  ids.clear();
  for (uint16_t t = 0; t < w_.threads.size(); ++t)
    if (runnable(t)) ids.push_back(t);
  if (ids.empty()) {
    if (!main_waiting_) return -1;
    main_waiting_ = false;  // nobody else can act: the loop's wait ends (time passes)
    return runnable(0) ? 0 : -1;
  }
  auto last = std::find(ids.begin(), ids.end(), last_thread_);
  if (last != ids.end()) std::rotate(ids.begin(), last, last + 1);
  if (ids.size() == 1) return last_thread_ = static_cast<uint16_t>(ids[0]);
  if (Snapshot* s = chooser_.snapshot_slot()) save(*s);
  return choose_thread();
}

int Machine::choose_thread() {
  uint32_t k = choose(ChoiceKind::Thread, options_);
  last_thread_ = static_cast<uint16_t>(options_[k]);
  return last_thread_;
}

// Worlds up to this size are kept at thread choices when an explorer asks;
// copying a larger one costs more than running a prefix again.
constexpr uint64_t kSnapshotBytes = 256 * 1024;

void Machine::save(Snapshot& s) const {
  s.valid = memory_estimate() <= kSnapshotBytes;
  if (!s.valid) return;
  s.world = w_;
  s.step = step_;
  s.last_thread = last_thread_;
  s.main_waiting = main_waiting_;
  s.wait_blocked = wait_blocked_;
  s.options = options_;
}

bool Machine::begin_notified(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  if (th.notified.empty()) return false;
  uint32_t q = th.notified.front();
  th.notified.pop_front();
  push_frame(tid, FrameKind::Notify, q, 0);
  return true;
}

void Machine::begin_startup(uint16_t tid) {
  ++w_.stats.iterations;
  push_frame(tid, FrameKind::Startup, kNoId, sc_.startup);
  ev(tid, Ev::HandlerBegin, kNoId);
}

int64_t Machine::next_due() const {
  int64_t due = INT64_MAX;
  if (w_.next_event < sc_.timed_handlers) due = sc_.handlers[w_.next_event].at;
  due = std::min(due, timer::next_due(w_.timers, w_.timer_heap));
  for (size_t i = 1; i < w_.threads.size(); ++i) {
    const ThreadRt& ft = w_.threads[i];
    if (ft.status == ThreadStatus::Unstarted && sc_.threads[i - 1].autostart)
      due = std::min(due, sc_.threads[i - 1].at);
    // A thread or worker computing: its compute ends then.
    if (!ft.stack.empty() && ft.busy_until > w_.now) due = std::min(due, ft.busy_until);
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
  while (w_.next_event < sc_.timed_handlers && sc_.handlers[w_.next_event].at <= w_.now)
    th.ready_events.push_back(w_.next_event++);
  timer::take_due(w_.timers, w_.timer_heap, w_.now, kTimerBit, th.ready_events);
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
bool Machine::poll_next(uint16_t tid, Fifo<uint32_t>& q, Entry entry) {
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

// A closed connection's pool cleanups, one unit each, before anything else.
bool Machine::run_cleanup(uint16_t tid, ThreadRt& th) {
  if (th.cleanups.empty()) return false;
  uint32_t h = th.cleanups.front();
  th.cleanups.pop_front();
  begin_handler(tid, h);
  return true;
}

void Machine::drive_simulated(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  // With other threads, a unit is one step: the wait (it asks whether any
  // other thread can act) and the events conflict with every step; the
  // ready pass reads and changes the queues.
  if (step_units_) {
    if (th.phase == Phase::Ready) touch_exec_queues();
    else touch_all();
  }
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
      if (run_cleanup(tid, th)) return;
      maybe_close(tid);
      if (run_cleanup(tid, th)) return;
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
      if (run_cleanup(tid, th)) return;
      maybe_close(tid);
      if (run_cleanup(tid, th)) return;
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

}  // namespace wb

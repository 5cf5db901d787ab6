// The machine's frame: set-up, bounds, the step entry points drivers call,
// choice points, and the World handed to the oracle at the end.
#include "exec/machine.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace wb {

void Machine::init_members() {
  constexpr uint32_t loop_queues = Policy::action_bit(Action::Post) |
                                   Policy::action_bit(Action::PostNext) |
                                   Policy::action_bit(Action::Inbox);
  unread_ = 0;
  if (sc_.timeless) {
    unread_ |= kClockUnread;
    if (sc_.handlers.empty() && sc_.connections.empty() && sc_.threads.empty() &&
        !(policy_.actions() & loop_queues))
      unread_ |= kIterationUnread;
  }
  chain_ = 1 + sc_.threads.size() + (sc_.workers - 1) == 1;
  step_units_ = !chain_;
}

void Machine::unit_ends() {
  normalize(unit_);
  chooser_.unit_done(unit_);
  unit_.keys.clear();
  unit_.all = false;
}

void Machine::init() {
  init_members();
  w_.tasks.resize(sc_.ntasks);
  for (const TaskTemplate& tt : sc_.templates)
    for (uint32_t i = 0; i < tt.count; ++i) w_.tasks[tt.first + i].program = tt.program;
  w_.task_locals.assign(static_cast<size_t>(sc_.ntasks) * sc_.task_locals, 0);
  w_.mutexes.resize(sc_.mutexes.size());
  w_.semaphores.resize(sc_.semaphores.size());
  w_.notifies.resize(sc_.notifies.size());
  w_.channels.resize(sc_.channels.size());
  w_.refcells.resize(sc_.refcells.size());
  w_.rwlocks.resize(sc_.rwlocks.size());
  w_.condvars.resize(sc_.condvars.size());
  w_.barriers.resize(sc_.barriers.size());
  w_.broadcasts.resize(sc_.broadcasts.size());
  for (size_t b = 0; b < sc_.broadcasts.size(); ++b) {
    w_.broadcasts[b].senders = sc_.broadcasts[b].senders;
    for (uint32_t t : sc_.broadcast_receivers[b]) w_.broadcasts[b].rxs.push_back(BcastRx{t, 0, false});
  }
  w_.join_sets.resize(sc_.join_sets.size());
  for (size_t c = 0; c < sc_.channels.size(); ++c) {
    w_.channels[c].senders = sc_.channels[c].senders;
    w_.channels[c].slots.permits = sc_.channels[c].capacity;
  }
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
  w_.woken_iter.assign(sc_.ntasks, kNoId);
  w_.critical.assign(sc_.ntasks, 0);
  if (!sc_.wakers.empty()) {  // user-defined wakers: the one each task's polls bring at first
    w_.waker_now.assign(sc_.ntasks, 0);
    for (const TaskTemplate& tt : sc_.templates)
      for (uint32_t i = 0; i < tt.count; ++i) w_.waker_now[tt.first + i] = tt.waker;
    w_.waker_next = w_.waker_now;
  }
  if (sc_.exceptions) {
    w_.exc.resize(sc_.ntasks);
    for (uint32_t t = 0; t < sc_.ntasks; ++t) {
      const TaskTemplate& tt = sc_.templates[sc_.template_of(t)];
      w_.exc[t].mask = tt.mask;
      if (tt.mask) w_.exc[t].mask_stack.push_back(0);  // what the spawner's mask saved
    }
  }
  w_.threads.resize(1 + sc_.threads.size() + (sc_.workers - 1));
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
  for (const ChannelRt& c : w_.channels)  // a message is a node in tokio's block list
    bytes += static_cast<uint64_t>(c.len()) * sizeof(uint64_t) +
             (c.slots.waiters.size() + c.slots.assigned.size()) * sizeof(uint32_t);
  for (const BroadcastRt& b : w_.broadcasts)
    bytes += b.buf.size() * sizeof(int64_t) + b.rxs.size() * sizeof(BcastRx);
  for (const JoinSetRt& s : w_.join_sets) bytes += join_set::len(s) * sizeof(uint32_t);
  for (const MutexRt& m : w_.mutexes) bytes += m.waiters.size() * sizeof(uint32_t);
  for (const RefCellRt& c : w_.refcells) bytes += c.borrows.size() * sizeof(BorrowRt);
  for (const RwLockRt& r : w_.rwlocks)
    bytes += r.readers.size() * sizeof(RwHolder) + (r.waiters.size() + r.granted.size()) * sizeof(uint32_t);
  for (const CondvarRt& c : w_.condvars) bytes += (c.waiters.size() + c.woken.size()) * sizeof(uint16_t);
  for (const BarrierRt& b : w_.barriers) bytes += (b.waiting.size() + b.released.size()) * sizeof(uint32_t);
  for (const ThreadRt& th : w_.threads)
    bytes += th.spurious.size() * sizeof(uint64_t);
  for (const ThreadRt& th : w_.threads)
    bytes += (th.posted.size() + th.sched_queue.size() + th.sched_batch.size() + th.run_queue.size() +
              th.inbox.size()) *
                 sizeof(uint32_t) +
             th.stack.size() * sizeof(Frame) + th.locals.size() * sizeof(int64_t);
  for (const ThreadRt& th : w_.threads)
    for (const Frame& f : th.stack) bytes += f.wakes.size() * sizeof(uint32_t);
  bytes += w_.stored_wakers.size() * sizeof(StoredWaker);
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

World Machine::finish() {
  if (w_.halt == Halt::Pruned) return std::move(w_);
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

bool Machine::stop_blocked() {
  for (uint16_t i = 0; i < w_.threads.size(); ++i)
    if (w_.threads[i].blocked_on) {
      w_.block = BlockFact{i, w_.threads[i].blocked_on - 1, static_cast<uint32_t>(step_)};
      halt(Halt::Blocked);
      return true;
    }
  return false;
}

uint32_t Machine::choose(ChoiceKind kind, const std::vector<uint32_t>& options) {
  if (w_.halt == Halt::Pruned) return 0;  // pruned earlier in this step
  uint32_t n = static_cast<uint32_t>(options.size());
  // Where sleep sets apply: with one thread, between units of the loop
  // thread (a poll, a handler; a close is not a unit); with more, at the
  // choice of the thread that steps next (a unit is one step: see
  // step_units_). A choice inside a step (a drop order, a close, a select!
  // start) explores every option, and the step that made it never sleeps.
  const bool between = step_units_ ? kind == ChoiceKind::Thread
                                   : w_.threads[0].stack.empty() && kind != ChoiceKind::Close;
  // The loop driver's own state is part of where a run stands.
  const uint64_t context = static_cast<uint64_t>(main_waiting_) | static_cast<uint64_t>(wait_blocked_) << 1 |
                           static_cast<uint64_t>(last_thread_) << 8;
  uint32_t k = chooser_.choose(ChoicePoint{kind, options, between, w_, context, unread_});
  if (k == Chooser::kPrune) {
    // The rest of this step runs on option 0, which is always valid, and
    // asks no chooser again; the run stops at the end of the step.
    halt(Halt::Pruned);
    return 0;
  }
  if (k >= n)
    throw PolicyError("chooser picked option " + std::to_string(k) + " of " + std::to_string(n));
  w_.choices.push_back(Choice{n, k, kind});
  return k;
}

World execute(const Scenario& sc, Policy& policy, Chooser& chooser, const RunConfig& cfg) {
  return Machine(sc, policy, chooser, cfg).run_simulated();
}

World WorldReuse::run(const Scenario& sc, Policy& policy, Chooser& chooser, const RunConfig& cfg) {
  if (!ready_) {
    Machine m(sc, policy, chooser, cfg);
    m.init();
    initial_ = m.world();
    ready_ = true;
  }
  return Machine(sc, policy, chooser, cfg).run_simulated(&initial_, &scratch_);
}

World WorldReuse::resume(const Scenario& sc, Policy& policy, Chooser& chooser, const RunConfig& cfg,
                         const Snapshot& from) {
  return Machine(sc, policy, chooser, cfg).resume_simulated(from, &scratch_);
}

}  // namespace wb

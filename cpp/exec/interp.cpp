// The interpreter: frames on a thread's stack and the dispatch of one
// instruction. Each instruction's semantics live with its area: wakes
// (wake.cpp), tasks (tasks.cpp), futures (futures.cpp), async exceptions
// (exceptions.cpp) and the primitives (primitives/).
#include "exec/machine.hpp"
#include "exec/primitives/atomic.hpp"
#include "exec/primitives/counter.hpp"

#include <algorithm>
#include <string>

namespace wb {

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
  if (f.kind == FrameKind::Poll && --th.polls_on_stack == 0 && --w_.polling_threads == 0)
    touch_polling(true);
  th.stack.pop_back();
  if (cfg_.footprints && !step_units_ && th.stack.empty() && w_.halt != Halt::Pruned) unit_ends();
}

void Machine::push_poll(uint16_t tid, uint32_t task, Entry entry, WakeCtx via) {
  ThreadRt& th = w_.threads[tid];
  if (th.stack.size() >= cfg_.limits.max_depth) {
    halt(Halt::DepthBound);
    return;
  }
  TaskRt& t = w_.tasks[task];
  if (!w_.ready_since.empty() && entry != Entry::Child) touch_clock(false);
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
  if (!w_.waker_now.empty() && entry != Entry::Child) w_.waker_now[task] = w_.waker_next[task];
  push_frame(tid, FrameKind::Poll, task, t.program);
  Frame& f = th.stack.back();
  f.entry = entry;
  f.via = via;
  if (th.polls_on_stack++ == 0 && w_.polling_threads++ == 0) touch_polling(true);
  w_.stats.max_polls_nested = std::max(w_.stats.max_polls_nested, th.polls_on_stack);
  if (entry != Entry::Child && w_.woken_iter[task] != kNoId) {  // the wake-to-poll latency
    const uint64_t latency = w_.stats.iterations - w_.woken_iter[task];
    w_.stats.max_wake_latency = std::max(w_.stats.max_wake_latency, latency);
    w_.stats.wake_latency_total += latency;
    ++w_.stats.wake_latency_samples;
    w_.woken_iter[task] = kNoId;
  }
  ++w_.stats.polls;
  if (entry == Entry::Inline) ++w_.stats.inline_polls;
  ev(tid, Ev::PollBegin, task, static_cast<uint32_t>(entry), static_cast<uint8_t>(via));
}

void Machine::exec(uint16_t tid) {
  exec_step(tid);
  // The user-defined waker functions this step called run next, on this
  // thread, in the order called (primitives/waker).
  if (!calls_.empty()) push_waker_calls(tid);
}

void Machine::exec_step(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  Frame& f = th.stack.back();
  if (!f.wakes.empty()) {
    uint32_t t = f.wakes.front();
    f.wakes.erase(f.wakes.begin());
    wake(tid, t, ctx_of(tid, t));
    return;
  }
  if (f.pending_after) {  // the waker programs its poll called are done
    f.pending_after = false;
    return_pending(tid);
    return;
  }
  if (f.kind == FrameKind::Waker && !f.child_polled) {  // announced as it starts
    f.child_polled = 1;
    const uint32_t owner = sc_.programs[f.program].owner;
    ev(tid, Ev::WakerRun, owner / 4, f.id, static_cast<uint8_t>(owner % 4),
       f.wake_target != kNoId ? 1 : 0);
  }
  if (f.kind == FrameKind::Teardown) {
    teardown_step(tid);
    return;
  }
  if (f.kind == FrameKind::Timer) {
    timer_step(tid, f);
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
      if (blocking_lock(tid, in.a, prog, pc)) {
        if (in.b && poll && !w_.exc.empty()) push_scope(self, Code::BUnlock, in.a);
        ++pc;
      }
      return;
    case Code::BUnlock:
      blocking_unlock(in.a);
      ev(tid, Ev::Unlock, in.a);
      if (in.b && poll && !w_.exc.empty()) w_.exc[self].scopes.pop_back();
      ++pc;
      return;
    case Code::ALock:
      if (async_lock(self, in.a, prog, pc, tid)) {
        if (in.b && !w_.exc.empty()) push_scope(self, Code::AUnlock, in.a);
        ++pc;
      } else {
        pending_or_after(tid);
      }
      return;
    case Code::AUnlock: {
      ++pc;
      if (in.b && poll && !w_.exc.empty()) w_.exc[self].scopes.pop_back();
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
          if (in.b && !w_.exc.empty()) push_scope(self, Code::Release, in.a);
          ++pc;
          return;
        case semaphore::Acquire::Queued:
          t.waits_on = semaphore_resource(sc_, in.a) + 1;
          ++t.wakers;
          ev(tid, Ev::SemWait, in.a, self);
          waker_stored(self, WakerPlace::Semaphore, in.a, false);
          break;
        case semaphore::Acquire::Waiting:
          waker_stored(self, WakerPlace::Semaphore, in.a, true);  // replaced unless will_wake
          break;
      }
      pending_or_after(tid);
      return;
    }
    case Code::Release: {
      ++pc;
      touch_semaphore(in.a);
      if (in.b && poll && !w_.exc.empty()) w_.exc[self].scopes.pop_back();
      // In a poll frame the task gives back a permit it holds; elsewhere (a
      // handler, a Drop hook, a thread) there is no task: add_permits.
      uint32_t next = semaphore::release(w_.semaphores[in.a], poll ? self : semaphore::kNone);
      ev(tid, Ev::SemRelease, in.a, next);
      if (next != semaphore::kNone) {
        assigned_permit(next, in.a);
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
          waker_stored(self, WakerPlace::Notify, in.a, false);
          break;
        case notify::Wait::Waiting:
          waker_stored(self, WakerPlace::Notify, in.a, true);  // replaced unless will_wake
          break;
      }
      pending_or_after(tid);
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
      for (size_t i = before; i < woken.size(); ++i) {
        notified_waiter(woken[i]);
        waker_to_hand(woken[i], WakerPlace::Notify, in.a);
      }
      ev(tid, Ev::NotifySend, in.a, in.code == Code::NotifyWaiters, 0, 0,
         static_cast<int64_t>(woken.size() - before));
      return;
    }
    case Code::Send:
      chan_send(tid, f, in, pc);
      return;
    case Code::Recv:
      chan_recv(tid, f, in, pc, locals);
      return;
    case Code::TrySend:
      chan_try_send(tid, f, in, pc);
      return;
    case Code::BSend:
      bcast_send(tid, f, in, pc);
      return;
    case Code::BRecv:
      bcast_recv(tid, f, in, pc, locals);
      return;
    case Code::WBorrow:
      watch_borrow(tid, f, in, pc, locals);
      return;
    case Code::BSubscribe:
      bcast_subscribe(tid, f, in, pc);
      return;
    case Code::BDropSender:
      bcast_drop_sender(tid, f, in, pc);
      return;
    case Code::JsSpawn:
      js_spawn(tid, f, in, pc);
      return;
    case Code::JoinNext:
      js_join_next(tid, f, in, pc, locals);
      return;
    case Code::JsAbortAll:
      js_abort_all(tid, f, in, pc);
      return;
    case Code::JsDrop:
      js_drop(tid, f, in, pc);
      return;
    case Code::TryRecv:
      chan_try_recv(tid, f, in, pc);
      return;
    case Code::TryLock:
      pc = try_lock(tid, in.a, prog, pc) ? in.jump : pc + 1;
      return;
    case Code::Borrow:
    case Code::BorrowMut:
      if (cell_borrow(tid, in.a, in.code == Code::BorrowMut, false, prog, pc) == CellOp::Taken) {
        if (in.b && poll && !w_.exc.empty()) push_scope(self, Code::EndBorrow, in.a);
        ++pc;
      }
      return;
    case Code::EndBorrow:
      if (cell_end(tid, in.a, prog, pc)) {
        if (in.b && poll && !w_.exc.empty()) w_.exc[self].scopes.pop_back();
        ++pc;
      }
      return;
    case Code::TryBorrow:
    case Code::TryBorrowMut:
      switch (cell_borrow(tid, in.a, in.code == Code::TryBorrowMut, true, prog, pc)) {
        case CellOp::Taken: pc = in.jump; break;
        case CellOp::Failed: ++pc; break;
        case CellOp::Stopped: break;
      }
      return;
    case Code::Panic: {
      PanicFact fact;
      fact.cause = PanicCause::Explicit;
      fact.text = in.a;
      fact.prog = prog;
      fact.pc = pc;
      raise_panic(tid, std::move(fact));
      return;
    }
    case Code::RwLock: {
      const bool write = in.v != 0;
      if (sc_.rwlocks[in.a].kind == RwLockKind::Std) {
        if (rw_blocking(tid, in.a, write, prog, pc)) ++pc;
      } else if (rw_async(tid, in.a, write, prog, pc)) {
        ++pc;
      } else {
        pending_or_after(tid);
      }
      return;
    }
    case Code::RwUnlock:
      ++pc;
      rw_unlock(tid, in.a, in.v != 0);  // tokio: the waiters served wake from this frame
      return;
    case Code::TryRwLock:
      pc = rw_try(tid, in.a, in.v != 0, prog, pc) ? in.jump : pc + 1;
      return;
    case Code::CvWait:
      if (cv_wait(tid, in.a, in.b)) ++pc;  // woken: the BLock after it re-locks
      return;
    case Code::CvNotifyOne:
    case Code::CvNotifyAll:
      ++pc;
      cv_notify(tid, in.a, in.code == Code::CvNotifyAll);
      return;
    case Code::BarrierWait: {
      const int r = barrier_wait(tid, in.a, f.wakes);
      if (r < 0) {
        if (sc_.barriers[in.a].kind == BarrierKind::Tokio) pending_or_after(tid);
        return;
      }
      pc = r == 1 ? pc + 1 : in.jump;  // the leader runs its on_leader block
      return;
    }
    case Code::TryAcquire:
      // Outside a poll there is no task to hold the permit (see semaphore.hpp).
      touch_semaphore(in.a);
      if (semaphore::try_acquire(w_.semaphores[in.a], poll ? self : semaphore::kNone)) {
        ev(tid, Ev::SemAcquire, in.a, poll ? self : kNoId);
        pc = in.jump;
      } else {
        ev(tid, Ev::TryFail, in.a, 0, static_cast<uint8_t>(TryFailure::NoPermits));
        ++pc;
      }
      return;
    case Code::ChanClose: {
      ++pc;
      touch_channel(in.a);
      size_t before = f.wakes.size();
      channel::close(w_.channels[in.a], f.wakes);  // waiting senders wake, to fail
      for (size_t i = before; i < f.wakes.size(); ++i) {
        notified_waiter(f.wakes[i]);
        waker_to_hand(f.wakes[i], WakerPlace::ChannelTx, in.a);  // Semaphore::close wakes them
      }
      ev(tid, Ev::ChanClose, in.a, 0, 0, 0, static_cast<int64_t>(f.wakes.size() - before));
      return;
    }
    case Code::DropSender: {
      touch_channel(in.a);
      ChannelRt& c = w_.channels[in.a];
      if (c.senders <= 0)
        throw ScenarioError("scenario '" + sc_.name + "': " + sc_.program_owner(prog) + ", " +
                            p.where[pc] + ": every sender of '" + sc_.channels[in.a].name +
                            "' is already dropped");
      ++pc;
      uint32_t rx = channel::drop_sender(c);
      ev(tid, Ev::SenderDrop, in.a, 0, 0, 0, c.senders);
      // The last Tx's drop: `tx.close(); self.wake_rx()` (chan.rs Tx::drop).
      const bool oneshot = sc_.channels[in.a].oneshot;
      if (c.senders == 0 && !oneshot) waker_slot_taken(WakerPlace::ChannelRx, in.a, rx);
      // A oneshot Sender's Drop: Inner::complete (unless CLOSED, wake_by_ref
      // on rx_task), then its Arc<Inner> goes (tokio 1.24.2 oneshot.rs).
      bool by_frame = false;
      if (oneshot) {
        by_frame = !c.closed && oneshot_rx_woken(in.a, rx);
        oneshot_released(in.a, false);
      }
      if (rx != channel::kNone) {
        notified_waiter(rx);
        if (!by_frame) wake(tid, rx, ctx_of(tid, rx));
      }
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
      pending_or_after(tid);
      return;
    case Code::Pending:
      ++pc;
      return_pending(tid);
      return;
    case Code::Touch:
      ++pc;
      use_connection(tid, in.a);
      return;
    case Code::Sleep:
      sleep_step(tid, self, in.v, pc);
      return;
    case Code::Yield:
      ++pc;
      if (custom_wakers() && cx_waker(self)) {  // cx.waker().wake_by_ref(): its program first
        call_waker(cx_waker(self), WakerFn::WakeByRef, self, self);
        pending_or_after(tid);
        return;
      }
      wake(tid, self, WakeCtx::OwnPoll);
      return_pending(tid);
      return;
    case Code::PollWith: {  // the executor's next polls of this task bring this waker
      ++pc;
      touch_task(self);
      w_.waker_next[self] = static_cast<uint16_t>(in.a);
      ev(tid, Ev::PollWith, self, in.a);
      return;
    }
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
      x.catches.push_back(CatchRt{in.jump, x.mask, static_cast<uint32_t>(x.mask_stack.size()),
                                  static_cast<uint32_t>(x.scopes.size())});
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
      // Scheduled, like any wake, to be cancelled where it would be polled;
      // a running task is cancelled when its poll returns.
      std::vector<uint32_t> to_wake;
      abort_task(tid, in.a, to_wake);
      for (uint32_t t : to_wake) wake(tid, t, ctx_of(tid, t));
      return;
    }
    case Code::WaitTask: {
      touch_task(in.a);
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
        // harness.rs can_read_output: the join waker goes in the task's
        // trailer, replaced unless will_wake (set_join_waker).
        if (x.joiner != self + 1) {
          x.joiner = self + 1;
          ++w_.tasks[self].wakers;
          waker_stored(self, WakerPlace::Join, in.a, false);
        } else {
          waker_stored(self, WakerPlace::Join, in.a, true);
        }
        pending_or_after(tid);
        return;
      }
      // Ready: `handle.await` consumes the JoinHandle, whose drop (the
      // task done, its references released) deallocates the task and the
      // join waker in its trailer.
      if (custom_wakers() && in.v < 0) waker_left(self, WakerPlace::Join, in.a);
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
        touch_clock(true);
        w_.busy = BusyFact{prog, pc - 1, w_.now, in.v, static_cast<uint32_t>(step_), true};
        if (cfg_.real_time) {
          // The driver burns it (run_unit returns to it), honouring its time
          // bound and Ctrl-C, with its lock released: other threads go on.
          w_.threads[0].busy_until = w_.now + in.v * cfg_.ticks_per_ms;
        } else {
          w_.now = in.v > INT64_MAX - w_.now ? INT64_MAX : w_.now + in.v;
        }
      } else {
        touch_clock(false);
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
    case Code::WakeAll:
      ++pc;
      wake_all(tid, in.a);
      return;
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
      } else if (!counter::add(c, in.v)) {
        throw ScenarioError("scenario '" + sc_.name + "': counter '" + sc_.counters[in.a].name +
                            "' overflows at " + p.where[pc]);
      }
      ev(tid, Ev::Counter, in.a, 0, 0, 0, c);
      ++pc;
      if (counter::exhausted(sc_.counters[in.a], c)) {
        w_.exhausted_step = static_cast<uint32_t>(step_);
        w_.exhausted_counter = in.a;
        halt(Halt::ResourceExhausted);
      }
      break;
    }
    case Code::Load: {
      touch_counter(in.a, false);
      const int64_t v = w_.counters[in.a];
      if (in.b != kNoLocal) locals[in.b] = v;
      ev(tid, Ev::Atomic, in.a, 0, static_cast<uint8_t>(AtomicEv::Load), 0, v);
      ++pc;
      break;
    }
    case Code::Store:
      touch_counter(in.a, true);
      w_.counters[in.a] = in.v;
      ev(tid, Ev::Counter, in.a, 0, 0, 0, in.v);
      ++pc;
      break;
    case Code::Swap:
    case Code::CompareExchange:
    case Code::FetchAdd: {
      int64_t& c = w_.counters[in.a];
      const atomic::Rmw r = in.code == Code::Swap       ? atomic::swap(c, in.v)
                            : in.code == Code::FetchAdd ? atomic::fetch_add(c, in.v)
                                                        : atomic::compare_exchange(c, locals[in.b], in.v);
      touch_counter(in.a, r.wrote);  // a failed compare_exchange only reads
      if (in.b != kNoLocal) locals[in.b] = r.old;
      ev(tid, Ev::Atomic, in.a, r.wrote,
         static_cast<uint8_t>(in.code == Code::Swap       ? AtomicEv::Swap
                              : in.code == Code::FetchAdd ? AtomicEv::FetchAdd
                                                          : AtomicEv::CompareExchange),
         0, r.old);
      if (r.wrote) ev(tid, Ev::Counter, in.a, 0, 0, 0, c);
      ++pc;
      break;
    }
    case Code::JumpUnlessLocal:
      pc = counter::test(locals[in.a], in.cmp, in.v) ? pc + 1 : in.jump;
      locals[in.a] = 0;
      break;
    case Code::Jump:
      pc = in.jump;
      break;
    case Code::JumpUnless: {
      touch_counter(in.a, false);
      pc = counter::test(w_.counters[in.a], in.cmp, in.v) ? pc + 1 : in.jump;
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

void Machine::return_pending(uint16_t tid) {
  ThreadRt& th = w_.threads[tid];
  uint32_t task = th.stack.back().id;
  TaskRt& t = w_.tasks[task];
  t.status = TaskStatus::Idle;
  t.last_step = static_cast<uint32_t>(step_);
  ev(tid, Ev::PollEnd, task, 0);
  if (sc_.workers > 1 && !sc_.is_future(task)) check_send(task);
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
      // A finished task drops its body's locals first, then what it owned
      // from its start, on its poll's stack. Its permits: a future's go to
      // its owner (what acquire() returns is the permit, moved to the
      // caller); a task's drop (SemaphorePermit's Drop), handing them to
      // waiters woken from this frame (idempotent: nothing is left to drop
      // the next time round).
      uint32_t task = f.id;
      if (!w_.semaphores.empty()) {
        if (sc_.is_future(task))
          for (SemaphoreRt& s : w_.semaphores)
            semaphore::transfer(s, task, static_cast<uint32_t>(sc_.templates[sc_.template_of(task)].parent));
        else
          release_permits(task, f.wakes);
      }
      if (!w_.notifies.empty()) leave_notifies(task, f.wakes);
      if (!w_.channels.empty()) leave_channels(task, f.wakes);
      if (!w_.broadcasts.empty()) leave_broadcasts(task);
      if (!w_.join_sets.empty()) leave_join_sets(tid, task, f.wakes);  // its sets dropped
      // Its waiter-list entries (in its future) drop with its body's locals:
      // a user-defined waker's drop runs here, in the poll, then it comes back.
      if (custom_wakers()) {
        leave_waiter_lists(task);
        if (!calls_.empty()) return;
      }
      if (!f.wakes.empty()) return;  // exec() wakes them first, then comes back here
      if (drop_next_owned(tid, task)) return;
      drop_futures_of(tid, task);
      TaskRt& t = w_.tasks[task];
      if (!sc_.is_future(task)) live_down();
      touch_task(task);  // Done: a join, a wait, an abort reads it
      leave_waiter_lists(task);
      t.status = TaskStatus::Done;
      t.flags &= static_cast<uint8_t>(~kNotifiedBits);  // a wake while running is moot
      t.last_step = static_cast<uint32_t>(step_);
      dequeue(task);
      ev(tid, Ev::PollEnd, task, 1);
      pop_frame(tid);
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
    case FrameKind::Waker:
      end_waker(tid);
      return;
    case FrameKind::Teardown:
    case FrameKind::Timer:
    case FrameKind::Notify:
      return;  // handled in exec()
  }
}

}  // namespace wb

#include "trace/format.hpp"

#include <cstdio>

#include "exec/policy.hpp"
#include "exec/world.hpp"

namespace wb {

const char* event_kind_name(Ev k) {
  switch (k) {
    case Ev::Iteration: return "iteration";
    case Ev::HandlerBegin: return "handler_begin";
    case Ev::HandlerEnd: return "handler_end";
    case Ev::Spawn: return "spawn";
    case Ev::PollBegin: return "poll";
    case Ev::PollEnd: return "poll_end";
    case Ev::Wake: return "wake";
    case Ev::WakeCoalesced: return "wake_coalesced";
    case Ev::WakeRunning: return "wake_running";
    case Ev::WakeIgnored: return "wake_ignored";
    case Ev::WakeEmpty: return "wake_empty";
    case Ev::Register: return "register";
    case Ev::Lock: return "lock";
    case Ev::Unlock: return "unlock";
    case Ev::LockWait: return "lock_wait";
    case Ev::LockHandoff: return "lock_handoff";
    case Ev::LockBlocked: return "lock_blocked";
    case Ev::DropBegin: return "drop";
    case Ev::DropEnd: return "drop_end";
    case Ev::TaskDropped: return "task_dropped";
    case Ev::Print: return "print";
    case Ev::Counter: return "counter";
    case Ev::TimerSet: return "sleep";
    case Ev::TimerFire: return "timer";
    case Ev::Close: return "close";
    case Ev::Touch: return "read";
    case Ev::Cancelled: return "cancelled";
    case Ev::Compute: return "compute";
    case Ev::ThreadStart: return "thread_start";
    case Ev::NotifyLoop: return "notify_loop";
    case Ev::Throw: return "throw";
    case Ev::Exception: return "exception";
    case Ev::Abort: return "abort";
    case Ev::SchedulerRun: return "scheduler";
    case Ev::SemAcquire: return "acquire";
    case Ev::SemWait: return "acquire_wait";
    case Ev::SemRelease: return "release";
    case Ev::NotifyWait: return "notified_wait";
    case Ev::NotifyDone: return "notified";
    case Ev::NotifySend: return "notify";
    case Ev::StreamYield: return "stream_yield";
    case Ev::ChanSend: return "send";
    case Ev::ChanRecv: return "recv";
    case Ev::ChanWait: return "channel_wait";
    case Ev::Bcast: return "broadcast";
    case Ev::ChanFail: return "channel_closed";
    case Ev::ChanClose: return "close";
    case Ev::SenderDrop: return "drop_sender";
    case Ev::Atomic: return "atomic";
    case Ev::TryFail: return "try_failed";
    case Ev::Borrow: return "borrow";
    case Ev::EndBorrow: return "end_borrow";
    case Ev::Panic: return "panic";
    case Ev::Poisoned: return "poisoned";
    case Ev::RwLock: return "rw_lock";
    case Ev::RwUnlock: return "rw_unlock";
    case Ev::RwWait: return "rw_wait";
    case Ev::RwHandoff: return "rw_handoff";
    case Ev::RwBlocked: return "rw_blocked";
    case Ev::CvWait: return "cv_wait";
    case Ev::CvNotify: return "cv_notify";
    case Ev::CvWake: return "cv_wake";
    case Ev::CvReturn: return "cv_return";
    case Ev::BarrierArrive: return "barrier_arrive";
    case Ev::BarrierLead: return "barrier_lead";
    case Ev::BarrierReturn: return "barrier_return";
    case Ev::JoinSet: return "join_set";
    case Ev::WakerRun: return "waker_run";
    case Ev::PollWith: return "poll_with";
  }
  return "?";
}

namespace {

const char* entry_name(uint32_t e) {
  switch (static_cast<Entry>(e)) {
    case Entry::Inline: return "inline";
    case Entry::Posted: return "posted";
    case Entry::PostedNext: return "posted_next";
    case Entry::RunQueue: return "run_queue";
    case Entry::Child: return "by its owner";
  }
  return "?";
}

std::string handler_name(const Scenario& sc, uint32_t h) {
  if (h == kNoId) return "startup";
  return sc.handlers[h].name;
}

}  // namespace

TraceRecord trace_record(const Scenario& sc, const Event& e, const std::string& unit) {
  const std::string suffix = unit == "ms" ? "" : unit;
  TraceRecord r;
  r.step = e.step;
  r.time = e.time;
  r.thread = e.thread;
  r.depth = e.depth;
  r.kind = event_kind_name(e.kind);
  std::string msg;
  auto task = [&](uint32_t t) { return r.task = sc.task_name(t); };
  switch (e.kind) {
    case Ev::Iteration:
      r.detail = e.b ? "nonblocking" : "blocking";
      msg = "loop iteration " + std::to_string(e.a) + (e.b ? " (did not block: posted work)" : "");
      break;
    case Ev::HandlerBegin:
    case Ev::HandlerEnd: {
      r.subject = handler_name(sc, e.a);
      std::string what = e.a == kNoId ? "startup"
                         : sc.handlers[e.a].kind == HandlerKind::Cleanup
                             ? "cleanup handler '" + r.subject + "'"
                             : "event handler '" + r.subject + "'";
      r.detail = e.kind == Ev::HandlerBegin ? "begin" : "end";
      msg = what + (e.kind == Ev::HandlerBegin ? " begins" : " ends");
      break;
    }
    case Ev::Spawn: msg = "spawn '" + task(e.a) + "'"; break;
    case Ev::PollBegin:
      r.detail = entry_name(e.b);
      if (static_cast<Entry>(e.b) == Entry::Inline)
        r.detail += std::string(" from ") + wake_ctx_name(static_cast<WakeCtx>(e.b8));
      msg = "poll '" + task(e.a) + "' (" + r.detail + ")";
      break;
    case Ev::PollEnd:
      r.detail = e.b ? "ready" : "pending";
      msg = "'" + task(e.a) + "' -> " + (e.b ? "Ready" : "Pending");
      break;
    case Ev::Wake:
      r.detail = std::string(wake_ctx_name(static_cast<WakeCtx>(e.b))) + " -> " +
                 action_name(static_cast<Action>(e.c));
      if (e.b8) r.detail += " (woken while running)";
      msg = (e.b8 ? "schedule '" : "wake '") + task(e.a) + "' from " + r.detail;
      break;
    case Ev::WakeRunning:
      r.detail = wake_ctx_name(static_cast<WakeCtx>(e.b));
      msg = "wake '" + task(e.a) + "' from " + r.detail +
            ": it is being polled; scheduled when the poll returns Pending";
      break;
    case Ev::SemAcquire:
      r.subject = sc.semaphores[e.a].name;
      msg = (e.b == kNoId ? std::string("take") : "'" + task(e.b) + "' acquires") +
            " a permit of semaphore '" + r.subject + "'";
      break;
    case Ev::SemWait:
      r.subject = sc.semaphores[e.a].name;
      msg = "'" + task(e.b) + "' waits for a permit of semaphore '" + r.subject + "'";
      break;
    case Ev::SemRelease:
      r.subject = sc.semaphores[e.a].name;
      msg = "release a permit of semaphore '" + r.subject + "'" +
            (e.b == kNoId ? std::string() : " (assigned to '" + task(e.b) + "')");
      break;
    case Ev::NotifyWait:
      r.subject = sc.notifies[e.a].name;
      msg = "'" + task(e.b) + "' waits in notify '" + r.subject + "'";
      break;
    case Ev::NotifyDone:
      r.subject = sc.notifies[e.a].name;
      msg = "'" + task(e.b) + "' is notified by '" + r.subject + "'";
      break;
    case Ev::NotifySend:
      r.subject = sc.notifies[e.a].name;
      r.detail = e.b ? "notify_waiters" : "notify_one";
      msg = r.detail + " on '" + r.subject + "': " +
            (e.v ? std::to_string(e.v) + " waiter(s) notified"
                 : std::string(e.b ? "nobody waits" : "nobody waits, the permit is stored"));
      break;
    case Ev::Bcast: {
      r.subject = sc.broadcasts[e.a].name;
      const std::string kind = sc.broadcasts[e.a].watch ? "watch" : "broadcast";
      const std::string who = e.b == kNoId ? std::string() : "'" + task(e.b) + "' ";
      switch (static_cast<BcastEv>(e.b8)) {
        case BcastEv::Send:
          r.detail = "send";
          msg = "send " + std::to_string(e.x) + " on " + kind + " '" + r.subject + "'" +
                (e.v ? ", wakes " + std::to_string(e.v) + " receiver(s)" : std::string());
          break;
        case BcastEv::SendFail:
          r.detail = "send_failed";
          msg = "send " + std::to_string(e.x) + " on " + kind + " '" + r.subject +
                "' fails: no receiver (SendError)";
          break;
        case BcastEv::Recv:
          r.detail = "recv";
          msg = who + "receives " + std::to_string(e.x) + " from " + kind + " '" + r.subject + "'";
          break;
        case BcastEv::Lagged:
          r.detail = "lagged";
          msg = "recv on " + kind + " '" + r.subject + "' by " + who + "fails: Lagged(" +
                std::to_string(e.v) + ")";
          break;
        case BcastEv::Closed:
          r.detail = "closed";
          msg = "recv on " + kind + " '" + r.subject + "' by " + who +
                "fails: Closed (every sender dropped, caught up)";
          break;
        case BcastEv::Wait:
          r.detail = "wait";
          msg = who + "waits in recv on " + kind + " '" + r.subject + "'";
          break;
        case BcastEv::Subscribe:
          r.detail = "subscribe";
          msg = who + "subscribes to " + kind + " '" + r.subject + "' (" + std::to_string(e.v) +
                " receiver(s))";
          break;
        case BcastEv::Borrow:
          r.detail = e.v ? "borrow_and_update" : "borrow";
          msg = (who.empty() ? std::string() : who) + (e.v ? "borrow_and_update" : "borrow") +
                " of " + kind + " '" + r.subject + "' reads " + std::to_string(e.x) +
                (e.v ? " (marked seen)" : "");
          break;
        case BcastEv::DropSender:
          r.detail = "drop_sender";
          msg = "a sender of " + kind + " '" + r.subject + "' is dropped (" + std::to_string(e.v) +
                " left)" + (e.v == 0 ? ": receivers that caught up get Closed" : "");
          break;
      }
      break;
    }
    case Ev::JoinSet: {
      r.subject = sc.join_sets[e.a];
      const std::string set = "join set '" + r.subject + "'";
      switch (static_cast<JsEv>(e.b8)) {
        case JsEv::Spawn:
          r.detail = "spawn";
          msg = "spawn '" + task(e.b) + "' into " + set + " (" + std::to_string(e.v) + " task(s))";
          break;
        case JsEv::Complete: {  // names taken in order: r.task is the task that ended
          r.detail = "complete";
          const std::string woken = e.v >= 0 ? task(static_cast<uint32_t>(e.v)) : std::string();
          const std::string ended = task(e.b);
          msg = "'" + ended + "' ends: its entry in " + set + " is notified" +
                (e.v >= 0 ? ", waking '" + woken + "'" : std::string(" (no waker stored)"));
          break;
        }
        case JsEv::Joined: {  // r.task is the joiner
          r.detail = "joined";
          const std::string joined = task(static_cast<uint32_t>(e.v));
          const std::string joiner = task(e.b);
          msg = "'" + joiner + "' joins '" + joined + "' from " + set +
                (e.x ? " (cancelled: Err(JoinError))" : " (Ok)");
          break;
        }
        case JsEv::Empty:
          r.detail = "empty";
          msg = "join_next on " + set + " by '" + task(e.b) + "': None (the set is empty)";
          break;
        case JsEv::Wait:
          r.detail = "wait";
          msg = "'" + task(e.b) + "' waits in join_next on " + set;
          break;
        case JsEv::AbortAll:
          r.detail = "abort_all";
          msg = "abort_all on " + set + ": " + std::to_string(e.v) + " task(s) aborted";
          break;
        case JsEv::Drop:
          r.detail = "drop";
          msg = set + " is dropped: " + std::to_string(e.v) + " task(s) aborted";
          break;
      }
      break;
    }
    case Ev::StreamYield:
      r.subject = task(e.a);
      msg = "the buffered stream in '" + task(e.b) + "' yields '" + r.subject + "'";
      break;
    case Ev::ChanSend:
      r.subject = sc.channels[e.a].name;
      r.detail = std::to_string(e.v);  // messages queued now
      msg = "send " + std::to_string(e.x) + " on '" + r.subject + "': " + std::to_string(e.v) +
            " message(s) queued" +
            (e.b == kNoId ? std::string() : ", wakes the receiver '" + task(e.b) + "'");
      break;
    case Ev::ChanRecv:
      r.subject = sc.channels[e.a].name;
      r.detail = std::to_string(e.x);  // the value received
      msg = (e.b == kNoId ? std::string("receive ") : "'" + task(e.b) + "' receives ") +
            r.detail + " from '" + r.subject + "' (" + std::to_string(e.v) + " left)";
      break;
    case Ev::ChanWait:
      r.subject = sc.channels[e.a].name;
      r.detail = e.b8 ? "recv" : "send";
      msg = "'" + task(e.b) + "' waits in " + r.detail + " on '" + r.subject + "' (" +
            (e.b8 ? "empty" : "full") + ")";
      break;
    case Ev::ChanFail:
      r.subject = sc.channels[e.a].name;
      r.detail = e.b8 ? "recv" : "send";
      msg = e.b8 ? "recv on '" + r.subject + "' returns None: closed and drained"
                 : "send on '" + r.subject + "' fails: the receiver is closed";
      break;
    case Ev::ChanClose:
      r.subject = sc.channels[e.a].name;
      msg = "close '" + r.subject + "'" +
            (e.v ? ": " + std::to_string(e.v) + " waiting sender(s) woken to fail" : std::string());
      break;
    case Ev::TryFail:
      switch (static_cast<TryFailure>(e.b8)) {
        case TryFailure::LockHeld:
          r.subject = sc.mutexes[e.a].name;
          r.detail = "held";
          msg = "try_lock '" + r.subject + "' fails: it is held";
          break;
        case TryFailure::RwLockHeld:
          r.subject = sc.rwlocks[e.a].name;
          r.detail = e.b ? "write" : "read";
          msg = std::string(e.b ? "try_write '" : "try_read '") + r.subject + "' fails: " +
                (e.b ? "a guard is held" : "the write guard is held or a writer waits");
          if (sc.rwlocks[e.a].kind == RwLockKind::Tokio && !e.b)
            msg = "try_read '" + r.subject + "' fails: the write guard is held or an acquire is queued";
          else if (sc.rwlocks[e.a].kind == RwLockKind::Tokio)
            msg = "try_write '" + r.subject + "' fails: a guard is held or an acquire is queued";
          break;
        case TryFailure::NoPermits:
          r.subject = sc.semaphores[e.a].name;
          r.detail = "no_permits";
          msg = "try_acquire on '" + r.subject + "' fails: no permit free";
          break;
        case TryFailure::Full:
        case TryFailure::SendClosed:
          r.subject = sc.channels[e.a].name;
          r.detail = e.b8 == static_cast<uint8_t>(TryFailure::Full) ? "full" : "closed";
          msg = "try_send on '" + r.subject + "' fails: " +
                (r.detail == "full" ? "full" : "the receiver is closed");
          break;
        case TryFailure::Empty:
        case TryFailure::Disconnected:
          r.subject = sc.channels[e.a].name;
          r.detail = e.b8 == static_cast<uint8_t>(TryFailure::Empty) ? "empty"
                     : sc.channels[e.a].oneshot                      ? "closed"
                                                                     : "disconnected";
          msg = "try_recv on '" + r.subject + "' fails: " + r.detail;
          break;
        case TryFailure::Borrow:
        case TryFailure::BorrowMut: {
          const bool mut = e.b8 == static_cast<uint8_t>(TryFailure::BorrowMut);
          r.subject = sc.refcells[e.a].name;
          r.detail = mut ? "BorrowMutError" : "BorrowError";
          msg = std::string(mut ? "try_borrow_mut" : "try_borrow") + " on '" + r.subject +
                "' fails: " + (mut ? "already borrowed" : "already mutably borrowed");
          break;
        }
        case TryFailure::Poisoned:
          r.subject = sc.mutexes[e.a].name;
          r.detail = "poisoned";
          msg = "try_lock '" + r.subject + "' fails: poisoned by a panic";
          break;
      }
      break;
    case Ev::Borrow:
      r.subject = sc.refcells[e.a].name;
      if (e.b != kNoId) task(e.b);
      r.detail = e.b8 ? "mut" : "shared";
      msg = std::string(e.b8 ? "borrow_mut '" : "borrow '") + r.subject + "' (" +
            std::to_string(e.v) + " borrow(s) outstanding)";
      break;
    case Ev::EndBorrow:
      r.subject = sc.refcells[e.a].name;
      if (e.b != kNoId) task(e.b);
      msg = "a borrow of '" + r.subject + "' ends (" + std::to_string(e.v) + " left)";
      break;
    case Ev::Poisoned:
      r.subject = sc.mutexes[e.a].name;
      task(e.b);
      msg = "'" + r.subject + "' is poisoned: task '" + r.task + "' drops its guard while it unwinds";
      break;
    case Ev::Panic: {
      static const char* const why[] = {"panic!", "already mutably borrowed: BorrowError",
                                        "already borrowed: BorrowMutError",
                                        "PoisonError (lock().unwrap())"};
      const auto cause = static_cast<PanicCause>(e.b8);
      if (e.a != kNoId) task(e.a);
      if (cause == PanicCause::Explicit) {
        r.detail = sc.texts[e.b];
        msg = "panic: \"" + r.detail + "\"";
      } else {
        r.subject = cause == PanicCause::Poisoned ? sc.mutexes[e.b].name : sc.refcells[e.b].name;
        r.detail = why[e.b8 & 3];
        msg = "panic on '" + r.subject + "': " + r.detail;
      }
      msg += e.c ? std::string(": no task's poll catches it, the run stops")
                 : ": task '" + r.task + "' unwinds";
      break;
    }
    case Ev::CvWait:
      r.subject = sc.condvars[e.a].name;
      msg = "wait on condvar '" + r.subject + "': release mutex '" + sc.mutexes[e.b].name +
            "' and block until notified";
      break;
    case Ev::CvNotify:
      r.subject = sc.condvars[e.a].name;
      r.detail = e.b8 ? "all" : "one";
      msg = std::string(e.b8 ? "notify_all" : "notify_one") + " on condvar '" + r.subject + "': " +
            (e.v ? std::to_string(e.v) + " waiter(s) woken" : std::string("nobody waits (nothing is stored)"));
      break;
    case Ev::CvWake:
      r.subject = sc.condvars[e.a].name;
      r.detail = e.b8 ? "spurious" : "notified";
      msg = "thread '" + sc.thread_name(e.b) + "' is woken on condvar '" + r.subject + "'" +
            (e.b8 ? " spuriously (no notify)" : "");
      break;
    case Ev::CvReturn:
      r.subject = sc.condvars[e.a].name;
      msg = "returns from wait on condvar '" + r.subject + "' (re-locks its mutex next)";
      break;
    case Ev::BarrierArrive:
    case Ev::BarrierLead:
    case Ev::BarrierReturn: {
      r.subject = sc.barriers[e.a].name;
      const std::string who = e.b == kNoId ? std::string() : "'" + task(e.b) + "' ";
      const std::string what = std::string(barrier_kind_name(sc.barriers[e.a].kind)) + " '" + r.subject + "'";
      if (e.kind == Ev::BarrierArrive)
        msg = who + "waits at " + what + " (" + std::to_string(e.v) + " of " +
              std::to_string(sc.barriers[e.a].parties) + " arrived)";
      else if (e.kind == Ev::BarrierLead)
        msg = who + "arrives last at " + what + ": the leader, releasing " + std::to_string(e.v) +
              " waiter(s)";
      else
        msg = who + "returns from " + what + " (released, not the leader)";
      break;
    }
    case Ev::WakerRun: {
      r.subject = sc.wakers[e.a].name;
      const char* fn = waker::fn_name(static_cast<WakerFn>(e.b8));
      r.detail = fn;
      msg = r.subject + "." + fn + " runs (the waker of '" + task(e.b) + "'" +
            (e.c ? std::string(", woken when it returns)") : std::string(")"));
      break;
    }
    case Ev::PollWith:
      r.subject = e.b ? sc.wakers[e.b - 1].name : std::string();
      msg = "'" + task(e.a) + "' is polled next with " +
            (e.b ? "waker '" + r.subject + "'" : std::string("its executor's own waker"));
      break;
    case Ev::RwLock:
    case Ev::RwUnlock:
    case Ev::RwWait:
    case Ev::RwHandoff:
    case Ev::RwBlocked: {
      r.subject = sc.rwlocks[e.a].name;
      const std::string guard = e.b8 == 1 ? "the write guard" : "a read guard";
      r.detail = e.b8 == 2 ? "all" : e.b8 ? "write" : "read";
      const std::string what = std::string(rwlock_kind_name(sc.rwlocks[e.a].kind)) + " '" + r.subject + "'";
      switch (e.kind) {
        case Ev::RwLock:
          msg = (e.b == kNoId ? std::string("take ") : "'" + task(e.b) + "' takes ") + guard + " of " + what;
          break;
        case Ev::RwUnlock:
          msg = e.b8 == 2 ? "'" + task(e.b) + "' is gone: its guards of " + what + " are dropped"
                          : "drop " + guard + " of " + what;
          break;
        case Ev::RwWait:
          msg = "'" + task(e.b) + "' queues for " + guard + " of " + what;
          break;
        case Ev::RwHandoff:
          msg = guard + " of " + what + " is handed to '" + task(e.b) + "' (first in the queue)";
          break;
        default:
          msg = std::string("blocks: cannot take ") + guard + " of " + what +
                (e.b8 ? " (a guard is held)" : " (the write guard is held, or a writer waits)");
          break;
      }
      break;
    }
    case Ev::SenderDrop:
      r.subject = sc.channels[e.a].name;
      msg = "a sender of '" + r.subject + "' is dropped (" + std::to_string(e.v) + " left)" +
            (e.v == 0 ? ": the channel is closed for the receiver" : "");
      break;
    case Ev::SchedulerRun:
      r.detail = std::to_string(e.a);
      msg = "ngx-rust scheduler event: processing " + r.detail + " deferred wakeups";
      break;
    case Ev::WakeCoalesced:
      r.detail = wake_ctx_name(static_cast<WakeCtx>(e.b));
      msg = "wake '" + task(e.a) + "' from " + r.detail + ": already queued";
      break;
    case Ev::WakeIgnored:
      r.detail = wake_ctx_name(static_cast<WakeCtx>(e.b));
      msg = "wake '" + task(e.a) + "' from " + r.detail + ": task already finished";
      break;
    case Ev::WakeEmpty:
      r.subject = sc.queues[e.a];
      msg = "wake '" + r.subject + "': no waker registered";
      break;
    case Ev::Register:
      r.subject = sc.queues[e.b];
      msg = "'" + task(e.a) + "' registers its waker in '" + r.subject + "'";
      break;
    case Ev::Lock:
      r.subject = sc.mutexes[e.a].name;
      if (e.b != kNoId) task(e.b);
      msg = "lock '" + r.subject + "'";
      break;
    case Ev::Unlock:
      r.subject = sc.mutexes[e.a].name;
      msg = "unlock '" + r.subject + "'";
      break;
    case Ev::LockWait:
      r.subject = sc.mutexes[e.a].name;
      msg = "'" + task(e.b) + "' waits for '" + r.subject + "'";
      break;
    case Ev::LockHandoff:
      r.subject = sc.mutexes[e.a].name;
      msg = "'" + r.subject + "' handed off to '" + task(e.b) + "'";
      break;
    case Ev::LockBlocked:
      r.subject = sc.mutexes[e.a].name;
      msg = "lock '" + r.subject + "': held, the thread blocks";
      break;
    case Ev::DropBegin:
      r.subject = sc.objects[e.a].name;
      msg = "drop '" + r.subject + "'";
      break;
    case Ev::DropEnd:
      r.subject = sc.objects[e.a].name;
      msg = "dropped '" + r.subject + "'";
      break;
    case Ev::TaskDropped: msg = "task '" + task(e.a) + "' dropped"; break;
    case Ev::Print:
      r.detail = sc.texts[e.a];
      msg = "print \"" + r.detail + "\"";
      break;
    case Ev::TimerSet:
      r.detail = std::to_string(e.v);
      msg = "'" + task(e.a) + "' sleeps until t=" + r.detail + suffix;
      break;
    case Ev::TimerFire:
      msg = "timer of '" + task(e.a) + "' fires";
      break;
    case Ev::Close:
      r.subject = sc.connections[e.a];
      msg = "the server closes connection '" + r.subject + "' (its context is freed)";
      break;
    case Ev::Touch:
      r.subject = sc.connections[e.a];
      msg = "read from connection '" + r.subject + "'";
      break;
    case Ev::Compute:
      r.detail = std::to_string(e.v);
      msg = "compute " + r.detail + " ms without awaiting";
      break;
    case Ev::ThreadStart:
      r.subject = sc.thread_name(e.a);
      msg = "start thread '" + r.subject + "' (spawn_blocking)";
      break;
    case Ev::NotifyLoop:
      r.subject = sc.queues[e.a];
      msg = "notify the loop: wake '" + r.subject + "'";
      break;
    case Ev::Throw:
      msg = "throwTo '" + task(e.a) + "' ThreadKilled";
      break;
    case Ev::Abort:
      msg = "abort '" + task(e.a) + "': cancelled instead of its next poll";
      break;
    case Ev::Exception:
      r.detail = e.b ? "caught" : "uncaught";
      msg = "ThreadKilled lands in '" + task(e.a) + "': " +
            (e.b ? std::string("a handler catches it") : std::string("the thread dies"));
      break;
    case Ev::Cancelled:
      r.subject = sc.handlers[e.a].name;
      msg = "event handler '" + r.subject + "' does not run: its connection was closed";
      break;
    case Ev::Atomic: {
      static const char* const names[] = {"load", "swap", "compare_exchange", "fetch_add"};
      r.subject = sc.counters[e.a].name;
      const auto op = static_cast<AtomicEv>(e.b8);
      const std::string v = std::to_string(e.v);
      r.detail = op == AtomicEv::CompareExchange ? (e.b ? "Ok(" : "Err(") + v + ")" : v;
      msg = std::string(names[e.b8 & 3]) + " '" + r.subject + "' returns " + r.detail;
      break;
    }
    case Ev::Counter:
      r.subject = sc.counters[e.a].name;
      r.detail = std::to_string(e.v);
      msg = "'" + r.subject + "' = " + r.detail;
      break;
  }
  char head[96];
  const std::string when = std::to_string(e.time) + suffix;
  std::snprintf(head, sizeof head, "%6u t=%-5s ", e.step, when.c_str());
  std::string who = e.thread ? "[" + sc.thread_name(e.thread) + "] " : "";
  r.text = head + std::string(2 * static_cast<size_t>(e.depth), ' ') + who + msg;
  return r;
}

std::string format_trace(const Scenario& sc, const std::vector<Event>& events,
                         const std::string& unit) {
  std::string out;
  for (const Event& e : events) {
    out += trace_record(sc, e, unit).text;
    out += '\n';
  }
  return out;
}

}  // namespace wb

#include "oracle/verdict.hpp"

#include <algorithm>

namespace wb {

const char* verdict_kind_name(VerdictKind k) {
  switch (k) {
    case VerdictKind::Ok: return "ok";
    case VerdictKind::ReentrantLock: return "deadlock/reentrant_lock";
    case VerdictKind::LockCycle: return "deadlock/lock_cycle";
    case VerdictKind::BlockedThread: return "deadlock/blocked_thread";
    case VerdictKind::LostWake: return "deadlock/lost_wake";
    case VerdictKind::WrongThread: return "wrong_thread";
    case VerdictKind::DataRace: return "data_race";
    case VerdictKind::UseAfterFree: return "use_after_free";
    case VerdictKind::Starvation: return "starvation";
    case VerdictKind::ResourceExhausted: return "resource_exhausted";
    case VerdictKind::Futurelock: return "deadlock/futurelock";
    case VerdictKind::UnpolledFuture: return "deadlock/unpolled_future";
    case VerdictKind::Interrupted: return "interrupted_critical_section";
    case VerdictKind::NotSend: return "not_send";
    case VerdictKind::BoundSteps: return "bound/steps";
    case VerdictKind::BoundTime: return "bound/time";
    case VerdictKind::BoundMemory: return "bound/memory";
    case VerdictKind::BoundDepth: return "bound/depth";
  }
  return "?";
}

const std::vector<VerdictKind>& all_verdict_kinds() {
  static const std::vector<VerdictKind> kinds = {
      VerdictKind::Ok,         VerdictKind::ReentrantLock, VerdictKind::LockCycle,
      VerdictKind::BlockedThread, VerdictKind::LostWake,   VerdictKind::WrongThread,
      VerdictKind::DataRace,   VerdictKind::UseAfterFree, VerdictKind::Starvation,
      VerdictKind::ResourceExhausted, VerdictKind::Futurelock, VerdictKind::UnpolledFuture,
      VerdictKind::Interrupted, VerdictKind::NotSend,
      VerdictKind::BoundSteps,
      VerdictKind::BoundTime,  VerdictKind::BoundMemory,   VerdictKind::BoundDepth};
  return kinds;
}

std::string describe_frame(const Scenario& sc, const Frame& f) {
  switch (f.kind) {
    case FrameKind::Startup: return "startup";
    case FrameKind::Handler:
      return std::string(sc.handlers[f.id].kind == HandlerKind::Cleanup ? "cleanup handler '"
                                                                         : "event handler '") +
             sc.handlers[f.id].name + "'";
    case FrameKind::Poll: {
      std::string s = (sc.is_future(f.id) ? "poll of future '" : "poll of '") +
                       sc.task_name(f.id) + "' (";
      switch (f.entry) {
        case Entry::Inline: s += std::string("inline, woken from ") + wake_ctx_name(f.via); break;
        case Entry::Posted: s += "posted"; break;
        case Entry::PostedNext: s += "posted next"; break;
        case Entry::RunQueue: s += "run queue"; break;
        case Entry::Child: s += "by its owner"; break;
      }
      return s + ")";
    }
    case FrameKind::DropHook: return "drop hook of '" + sc.objects[f.id].name + "'";
    case FrameKind::Teardown: return "drop of task '" + sc.task_name(f.id) + "'";
    case FrameKind::Timer: return "timer";
    case FrameKind::Thread: return "thread '" + sc.threads[f.id].name + "'";
    case FrameKind::Notify: return "notify handler";
  }
  return "?";
}

namespace {

// The frames of a stack, bottom first; the middle of a very deep one elided.
std::string stack_text(const Scenario& sc, const ThreadRt& th) {
  const size_t n = th.stack.size(), keep = 5;
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (n > 2 * keep && i == keep) {
      s += " > ... " + std::to_string(n - 2 * keep) + " frames ...";
      i = n - keep - 1;
      continue;
    }
    s += (i ? " > " : "") + describe_frame(sc, th.stack[i]);
  }
  return s;
}

// The op a frame is executing (its current instruction; `done`: the one it
// just executed).
std::string frame_op(const Scenario& sc, const World& w, const Frame& f, bool done = false) {
  uint32_t pc = f.kind == FrameKind::Poll ? w.tasks[f.id].pc : f.pc;
  if (done && pc > 0) --pc;
  if (f.kind == FrameKind::Teardown || f.kind == FrameKind::Timer || f.kind == FrameKind::Notify)
    return "";
  const Program& p = sc.programs[f.program];
  if (pc >= p.where.size()) return "";
  return p.where[pc];
}

// Where a pending task is suspended: the await it returned Pending from.
std::string await_where(const Scenario& sc, const TaskRt& t) {
  const Program& p = sc.programs[t.program];
  uint32_t pc = t.pc;
  if (pc < p.code.size()) {
    Code c = p.code[pc].code;  // awaits that stay on their instruction while pending
    if (c == Code::ALock || c == Code::Await || c == Code::Select || c == Code::Buffered ||
        c == Code::Sleep || c == Code::Acquire || c == Code::Notified || c == Code::Send ||
        c == Code::Recv)
      return p.where[pc];
  }
  return pc > 0 ? p.where[pc - 1] : p.where[0];
}

std::string holder_text(const Scenario& sc, const World& w, const MutexRt& mx) {
  if (mx.holder_kind == HolderKind::Task) return "task '" + sc.task_name(mx.holder) + "'";
  if (mx.holder_kind == HolderKind::Frame)
    return describe_frame(sc, w.threads[mx.holder_thread].stack[mx.holder]);
  return "nobody";
}

std::string taken_at(const Scenario& sc, const MutexRt& mx) {
  return "since step " + std::to_string(mx.since) + ", at " +
         sc.programs[mx.where_prog].where[mx.where_pc];
}

// Where the holder of the mutex a blocked thread wants sits on that thread's
// stack, or -1.
int holder_depth(const World& w) {
  const BlockFact& b = w.block;
  const ThreadRt& th = w.threads[b.thread];
  const MutexRt& mx = w.mutexes[b.mutex];
  if (mx.holder_kind == HolderKind::Frame && mx.holder_thread == b.thread)
    return static_cast<int>(mx.holder);
  // A task's guards live in its poll frame, or in the frame dropping its future.
  if (mx.holder_kind == HolderKind::Task)
    for (size_t i = 0; i < th.stack.size(); ++i)
      if ((th.stack[i].kind == FrameKind::Poll || th.stack[i].kind == FrameKind::Teardown) &&
          th.stack[i].id == mx.holder)
        return static_cast<int>(i);
  return -1;
}

// Who owns the lock-like resource r (TaskRt::waits_on - 1) its waiters
// wait for: an async mutex's holder; for a semaphore, a future its owner no
// longer polls if one holds or was assigned a permit (what makes waiting on
// it a futurelock), else the first task owning a permit. kNoId: no task
// (a free mutex, or one a frame holds).
uint32_t lock_holder(const Scenario& sc, const World& w, uint32_t r) {
  if (r < w.mutexes.size()) {
    const MutexRt& mx = w.mutexes[r];
    return mx.holder_kind == HolderKind::Task ? mx.holder : kNoId;
  }
  const SemaphoreRt& s = w.semaphores[r - w.mutexes.size()];
  uint32_t first = kNoId;
  for (const std::vector<uint32_t>* owners : {&s.assigned, &s.holders})
    for (uint32_t t : *owners) {
      if (first == kNoId) first = t;
      TaskStatus st = w.tasks[t].status;
      if (sc.is_future(t) && (st == TaskStatus::Idle || st == TaskStatus::Unstarted)) return t;
    }
  return first;
}

std::string lock_name(const Scenario& sc, uint32_t r) {
  if (r < sc.mutexes.size()) return "async mutex '" + sc.mutexes[r].name + "'";
  return "semaphore '" + sc.semaphores[r - sc.mutexes.size()].name + "'";
}

// What a pending task waits for: the async mutex or semaphore it (or a
// future it is polling) queued on, as a lock resource + 1, and who queued
// (0 if none).
std::pair<uint32_t, uint32_t> waiting(const Scenario& sc, const World& w, uint32_t t) {
  if (w.tasks[t].waits_on) return {w.tasks[t].waits_on, t};
  for (uint32_t fut : sc.templates[sc.template_of(t)].futures)
    if (w.tasks[fut].status == TaskStatus::Idle && w.tasks[fut].waits_on)
      return {w.tasks[fut].waits_on, fut};
  return {0, t};
}

// Wakers held for a task: its own and its live futures' (they hold its waker).
uint32_t wakers_of(const Scenario& sc, const World& w, uint32_t t) {
  uint32_t n = w.tasks[t].wakers;
  for (uint32_t fut : sc.templates[sc.template_of(t)].futures)
    if (w.tasks[fut].status == TaskStatus::Idle) n += w.tasks[fut].wakers;
  return n;
}

void decide_quiescent(const Scenario& sc, const World& w, Finding& f) {
  std::vector<uint32_t> stuck;
  for (uint32_t t = 0; t < w.tasks.size(); ++t) {
    TaskStatus st = w.tasks[t].status;
    if ((st == TaskStatus::Idle || st == TaskStatus::Running) && !sc.is_future(t) &&
        !sc.templates[sc.template_of(t)].daemon)
      stuck.push_back(t);
  }
  f.stuck = stuck.size();
  if (stuck.empty()) {
    f.kind = VerdictKind::Ok;
    return;
  }
  // A wait-for cycle through async mutexes?
  for (uint32_t start : stuck) {
    std::vector<uint32_t> path;
    uint32_t t = start;
    for (;;) {
      auto seen = std::find(path.begin(), path.end(), t);
      if (seen != path.end()) {  // back at a task on the path: a cycle
        f.kind = VerdictKind::LockCycle;
        f.cycle.assign(seen, path.end());
        return;
      }
      uint32_t m = waiting(sc, w, t).first;
      if (!m) break;
      path.push_back(t);
      uint32_t holder = lock_holder(sc, w, m - 1);
      if (holder == kNoId) break;  // a free lock: no cycle here
      t = holder;  // a future holder goes on as itself: its owner may not poll it
    }
  }
  // Otherwise follow the waits to a task that waits on no lock: the root.
  // Start from a waiter, if any, so the explanation shows who waits on whom.
  uint32_t root = stuck.front();
  for (uint32_t t : stuck)
    if (waiting(sc, w, t).first) {
      root = t;
      break;
    }
  for (size_t guard = 0; guard <= w.tasks.size(); ++guard) {
    auto [m, who] = waiting(sc, w, root);
    if (!m) break;
    f.chain.push_back(who);
    uint32_t holder = lock_holder(sc, w, m - 1);
    if (holder == kNoId) break;
    root = holder;
  }
  // The chain ends at a future that holds (or was handed) the lock but that
  // its owner no longer polls: futurelock.
  TaskStatus rs = w.tasks[root].status;
  f.kind = sc.is_future(root) && (rs == TaskStatus::Idle || rs == TaskStatus::Unstarted)
               ? VerdictKind::Futurelock
               : VerdictKind::LostWake;
  f.root = root;
  if (f.kind == VerdictKind::LostWake) {
    // Stuck tasks holding live futures that were never polled, or were woken
    // and not polled since: progress needs a future nobody polls.
    for (uint32_t t : stuck)
      for (uint32_t fut : sc.templates[sc.template_of(t)].futures) {
        const TaskRt& ft = w.tasks[fut];
        if (ft.status == TaskStatus::Unstarted || (ft.status == TaskStatus::Idle && (ft.flags & kWoken)))
          f.unpolled.push_back(fut);
      }
    if (!f.unpolled.empty()) f.kind = VerdictKind::UnpolledFuture;
  }
}

Verdict explain_blocked(const Scenario& sc, const World& w, const Finding& f,
                        std::string_view policy) {
  const BlockFact& b = w.block;
  const ThreadRt& th = w.threads[b.thread];
  const MutexRt& mx = w.mutexes[b.mutex];
  const std::string& name = sc.mutexes[b.mutex].name;
  const Frame& waiter = th.stack.back();
  Verdict v;
  v.kind = f.kind;
  v.step = b.step;
  std::string where = "step " + std::to_string(b.step) + ": " + describe_frame(sc, waiter) +
                      " requests blocking mutex '" + name + "' at " + frame_op(sc, w, waiter);
  if (f.kind == VerdictKind::ReentrantLock) {
    const bool same_frame = static_cast<size_t>(f.holder_depth) + 1 == th.stack.size();
    v.explanation = where + "; " +
                    (same_frame ? "it already holds it, and std::sync::Mutex is not re-entrant ("
                                : describe_frame(sc, th.stack[f.holder_depth]) +
                                      " holds it lower on the same stack (") +
                    taken_at(sc, mx) + ") and cannot return until the request is granted. Stack of thread " +
                    std::to_string(b.thread) + ": " + stack_text(sc, th) + ". Policy " +
                    std::string(policy) + ".";
    return v;
  }
  v.explanation = where + "; " + holder_text(sc, w, mx) + " holds it (" + taken_at(sc, mx) +
                  ") and is suspended at " + (mx.holder_kind == HolderKind::Task
                                                  ? await_where(sc, w.tasks[mx.holder])
                                                  : std::string("?")) +
                  "; only this blocked thread could poll it. Stack of thread " +
                  std::to_string(b.thread) + ": " + stack_text(sc, th) + ".";
  return v;
}

Verdict explain_quiescent(const Scenario& sc, const World& w, const Finding& f) {
  Verdict v;
  v.kind = f.kind;
  if (f.kind == VerdictKind::Ok) {
    size_t done = 0, daemons = 0, unstarted = 0;
    for (uint32_t t = 0; t < w.tasks.size(); ++t) {
      TaskStatus st = w.tasks[t].status;
      if (st == TaskStatus::Done || st == TaskStatus::Dropped) ++done;
      else if (st == TaskStatus::Unstarted) ++unstarted;
      else ++daemons;
    }
    v.explanation = std::to_string(done) + " task(s) finished";
    if (daemons) v.explanation += ", " + std::to_string(daemons) + " daemon task(s) left pending";
    if (unstarted) v.explanation += ", " + std::to_string(unstarted) + " never spawned";
    v.explanation += "; the loop has nothing left to do at t=" + std::to_string(w.now) + ".";
    return v;
  }
  if (f.kind == VerdictKind::LockCycle) {
    std::string s = "wait-for cycle: ";
    for (uint32_t t : f.cycle) {
      uint32_t r = waiting(sc, w, t).first - 1;
      s += "task '" + sc.task_name(t) + "' waits (" + await_where(sc, w.tasks[t]) + ") for " +
           lock_name(sc, r) + " held by task '" + sc.task_name(lock_holder(sc, w, r)) + "'" +
           (r < w.mutexes.size() ? " (" + taken_at(sc, w.mutexes[r]) + ")" : std::string()) + "; ";
      v.step = std::max<uint64_t>(v.step, w.tasks[t].last_step);
    }
    v.explanation = s + "none can proceed.";
    return v;
  }
  std::string chain;
  for (uint32_t t : f.chain) {
    uint32_t r = w.tasks[t].waits_on - 1;
    uint32_t holder = lock_holder(sc, w, r);
    chain += std::string(sc.is_future(t) ? "future '" : "task '") + sc.task_name(t) +
             "' waits for " + lock_name(sc, r) + " held by " +
             (holder != kNoId ? std::string(sc.is_future(holder) ? "future '" : "task '") +
                                    sc.task_name(holder) + "'; "
                              : std::string("nobody, yet it was never woken; "));
  }
  const TaskRt& r = w.tasks[f.root];
  v.step = r.last_step;
  if (f.kind == VerdictKind::Futurelock) {
    uint32_t owner = static_cast<uint32_t>(sc.templates[sc.template_of(f.root)].parent);
    std::string held;
    for (uint32_t m = 0; m < w.mutexes.size(); ++m)
      if (w.mutexes[m].holder_kind == HolderKind::Task && w.mutexes[m].holder == f.root)
        held = "async mutex '" + sc.mutexes[m].name + "' (" + taken_at(sc, w.mutexes[m]) + ")";
    for (uint32_t s = 0; s < w.semaphores.size(); ++s)
      if (semaphore::owns(w.semaphores[s], f.root))
        held = "a permit of semaphore '" + sc.semaphores[s].name + "' (" +
               (std::find(w.semaphores[s].assigned.begin(), w.semaphores[s].assigned.end(),
                          f.root) != w.semaphores[s].assigned.end()
                    ? "assigned to it by a release while it waited"
                    : "acquired") +
               ")";
    v.explanation = chain + "future '" + sc.task_name(f.root) + "' holds " +
                    (held.empty() ? std::string("what the others wait for") : held) +
                    ", but it is alive and nothing polls it any more: its owner, task '" +
                    sc.task_name(owner) + "', has moved on (a select! over &mut future that "
                    "another branch won) and now waits itself. Drop the future, poll it, or "
                    "pass it by value.";
    return v;
  }
  if (f.kind == VerdictKind::UnpolledFuture) {
    const TaskRt& first = w.tasks[f.unpolled[0]];
    std::string names = "future '" + sc.task_name(f.unpolled[0]) + "' (" +
                        (first.status == TaskStatus::Unstarted ? std::string("never polled")
                                                               : "woken, not polled since") + ")";
    if (f.unpolled.size() > 1)
      names += " (and " + std::to_string(f.unpolled.size() - 1) + " more unpolled)";
    uint32_t owner = static_cast<uint32_t>(sc.templates[sc.template_of(f.unpolled[0])].parent);
    v.explanation = chain + "task '" + sc.task_name(f.root) + "' is stuck (" +
                    await_where(sc, r) + ") while its " + names + " would make progress if "
                    "polled; task '" + sc.task_name(owner) +
                    "' does not poll it (a Buffered stream whose buffer is full polls only the "
                    "futures in flight, never its wrapped stream).";
    return v;
  }
  std::string s = chain + "task '" + sc.task_name(f.root) + "' returned Pending at step " +
                  std::to_string(r.last_step) + " (" + await_where(sc, r) + ")";
  if (wakers_of(sc, w, f.root) == 0) {
    s += " and nobody holds its waker: it can never be woken.";
  } else if (r.parked_in) {
    const QueueRt& q = w.queues[r.parked_in - 1];
    s += " with its waker in wait queue '" + sc.queues[r.parked_in - 1] +
         "', and nothing left will wake that queue";
    if (q.empty_wake_step)
      s += " (its last wake, at step " + std::to_string(q.empty_wake_step) +
           ", found it empty: the wake came before the registration)";
    s += ".";
  } else {
    s += "; nothing left will wake it.";
  }
  if (f.stuck > 1) s += " " + std::to_string(f.stuck) + " task(s) are stuck in all.";
  v.explanation = s;
  return v;
}

Verdict explain_cross(const Scenario& sc, const World& w, const Finding& f,
                      std::string_view policy) {
  const CrossFact& c = w.cross;
  Verdict v;
  v.kind = f.kind;
  v.step = c.step;
  const Program& p = sc.programs[c.prog];
  std::string waker = sc.thread_name(c.thread);
  std::string home = sc.thread_name(w.tasks[c.task].thread);
  std::string head = "step " + std::to_string(c.step) + ": thread '" + waker + "' wakes task '" +
                     sc.task_name(c.task) + "' at " + p.where[c.pc < p.where.size() ? c.pc : 0];
  if (f.kind == VerdictKind::WrongThread) {
    v.explanation = head + "; policy " + std::string(policy) + " polls it inline there, but '" +
                    sc.task_name(c.task) + "' is !Send and belongs to thread '" + home +
                    "': its state (and whatever it borrows of nginx's) is touched off its thread.";
  } else {
    v.explanation = head + "; policy " + std::string(policy) + " pushes it onto thread '" + home +
                    "''s " + (c.action == Action::PostNext ? "ngx_posted_next_events" : "ngx_posted_events") +
                    ", an unsynchronised queue that thread '" + home + "' uses too (" +
                    (c.home_polling ? "it is polling a task right now" : "in its event loop") + ").";
  }
  return v;
}

// Threads waiting on blocking mutexes held on other threads, none runnable.
Verdict explain_threads_blocked(const Scenario& sc, const World& w) {
  Verdict v;
  v.kind = VerdictKind::LockCycle;
  v.step = w.block.step;
  std::string s = "wait-for cycle among threads: ";
  for (uint16_t t = 0; t < w.threads.size(); ++t) {
    uint32_t m = w.threads[t].blocked_on;
    if (!m) continue;
    const MutexRt& mx = w.mutexes[m - 1];
    s += "thread '" + sc.thread_name(t) + "' waits for blocking mutex '" + sc.mutexes[m - 1].name +
         "' held by " + holder_text(sc, w, mx) + " on thread '" + sc.thread_name(mx.holder_thread) +
         "' (" + taken_at(sc, mx) + "); ";
  }
  v.explanation = s + "none can proceed.";
  return v;
}

std::string pending_list(const Scenario& sc, const World& w) {
  std::string s;
  int shown = 0, total = 0;
  for (uint32_t t = 0; t < w.tasks.size(); ++t) {
    TaskStatus st = w.tasks[t].status;
    if (st != TaskStatus::Idle && st != TaskStatus::Running) continue;
    if (shown < 5) {
      s += (shown ? ", '" : "'") + sc.task_name(t) + "'";
      ++shown;
    }
    ++total;
  }
  if (total > shown) s += " and " + std::to_string(total - shown) + " more";
  return total ? s : "none";
}

}  // namespace

Finding decide(const Scenario& sc, const World& w) {
  Finding f;
  switch (w.halt) {
    case Halt::Running:
    case Halt::Quiescent:
      if (w.cut_recorded) {  // a task that had to finish was killed on the way
        f.kind = VerdictKind::Interrupted;
        break;
      }
      decide_quiescent(sc, w, f);
      break;
    case Halt::Blocked: {
      f.holder_depth = holder_depth(w);
      const MutexRt& mx = w.mutexes[w.block.mutex];
      bool holder_elsewhere = mx.holder_thread != w.block.thread;
      f.kind = f.holder_depth >= 0   ? VerdictKind::ReentrantLock
               : holder_elsewhere    ? VerdictKind::LockCycle  // threads waiting on each other
                                     : VerdictKind::BlockedThread;
      break;
    }
    case Halt::WrongThread: f.kind = VerdictKind::WrongThread; break;
    case Halt::DataRace: f.kind = VerdictKind::DataRace; break;
    case Halt::UseAfterFree: f.kind = VerdictKind::UseAfterFree; break;
    case Halt::Starvation: f.kind = VerdictKind::Starvation; break;
    case Halt::ResourceExhausted: f.kind = VerdictKind::ResourceExhausted; break;
    case Halt::Interrupted: f.kind = VerdictKind::Interrupted; break;
    case Halt::NotSend: f.kind = VerdictKind::NotSend; break;
    case Halt::StepBound: f.kind = VerdictKind::BoundSteps; break;
    case Halt::TimeBound: f.kind = VerdictKind::BoundTime; break;
    case Halt::MemoryBound: f.kind = VerdictKind::BoundMemory; break;
    case Halt::DepthBound: f.kind = VerdictKind::BoundDepth; break;
  }
  return f;
}

Verdict explain(const Scenario& sc, const World& w, const Finding& f, std::string_view policy) {
  Verdict v;
  v.kind = f.kind;
  v.step = w.stats.steps;
  const std::string unfinished = " Unfinished tasks: " + pending_list(sc, w) + ".";
  switch (f.kind) {
    case VerdictKind::LockCycle:
      if (w.halt == Halt::Blocked) return explain_threads_blocked(sc, w);
      return explain_quiescent(sc, w, f);
    case VerdictKind::Ok:
    case VerdictKind::LostWake:
    case VerdictKind::Futurelock:
    case VerdictKind::UnpolledFuture: return explain_quiescent(sc, w, f);
    case VerdictKind::ReentrantLock:
    case VerdictKind::BlockedThread: return explain_blocked(sc, w, f, policy);
    case VerdictKind::WrongThread:
    case VerdictKind::DataRace: return explain_cross(sc, w, f, policy);
    case VerdictKind::NotSend: {
      const NotSendFact& n = w.not_send;
      v.step = n.step;
      const std::string& name = sc.mutexes[n.mutex].name;
      v.explanation =
          "step " + std::to_string(n.step) + ": task '" + sc.task_name(n.task) +
          "' awaits at " + await_where(sc, w.tasks[n.task]) + " while " +
          (n.holder == n.task ? std::string("it") : "its future '" + sc.task_name(n.holder) + "'") +
          " holds the guard of std::sync::Mutex '" + name + "' (" + taken_at(sc, w.mutexes[n.mutex]) +
          "), on a runtime with " + std::to_string(sc.workers) +
          " workers, any of which may poll it next: MutexGuard is !Send and tokio::spawn needs a "
          "Send future, so Rust rejects this program. Release the guard before the await, use "
          "tokio::sync::Mutex, or a lock whose guard is Send (kind=\"send_guard\": parking_lot "
          "with send_guard).";
      return v;
    }
    case VerdictKind::Interrupted: {
      const CutFact& c = w.cut;
      const Program& p = sc.programs[w.tasks[c.task].program];
      v.step = c.step;
      if (c.killed) {
        v.explanation = "step " + std::to_string(c.step) + ": an asynchronous exception "
                        "(ThreadKilled) lands in task '" + sc.task_name(c.task) + "' at " +
                        p.where[c.pc < p.where.size() ? c.pc : 0] +
                        ", where its mask state lets it in and no handler catches it: the task "
                        "dies before its end (it never reports its result).";
        return v;
      }
      v.explanation = "step " + std::to_string(c.step) + ": " +
                      (sc.is_future(c.task) ? "future '" : "task '") + sc.task_name(c.task) +
                      "' is dropped (cancelled) while suspended at " +
                      p.where[c.pc < p.where.size() ? c.pc : 0] +
                      ", inside a critical region it had begun: whatever the region was changing "
                      "is left half-changed, and nothing reports it.";
      return v;
    }
    case VerdictKind::ResourceExhausted: {
      v.step = w.exhausted_step;
      const std::string from = w.threads[0].stack.empty()
                                   ? std::string("the loop")
                                   : describe_frame(sc, w.threads[0].stack.back());
      if (w.exhausted_channel != kNoId) {
        const ChannelSpec& c = sc.channels[w.exhausted_channel];
        v.explanation = "step " + std::to_string(w.exhausted_step) + ": unbounded channel '" +
                        c.name + "' holds " + std::to_string(w.channels[w.exhausted_channel].len) +
                        " messages, past its bound of " + std::to_string(c.bound) +
                        ": nothing stops it growing (an unbounded queue filled faster than it "
                        "is drained). The last send came from " + from + ".";
      } else if (w.exhausted_counter != kNoId) {
        const CounterSpec& c = sc.counters[w.exhausted_counter];
        v.explanation = "step " + std::to_string(w.exhausted_step) + ": counter '" + c.name +
                        "' reached " + std::to_string(w.counters[w.exhausted_counter]) +
                        ", past its bound of " + std::to_string(c.bound) +
                        ": nothing stops it growing (an unbounded queue filled faster than it "
                        "is drained). The last add came from " + from + ".";
      } else {
        v.explanation = "step " + std::to_string(w.exhausted_step) + ": " +
                        std::to_string(w.live) +
                        " tasks and in-flight futures alive at once, past the bound of " +
                        std::to_string(sc.max_live_tasks) +
                        ": nothing limits how many start before earlier ones finish "
                        "(unbounded concurrency). The last one came from " + from + ".";
      }
      return v;
    }
    case VerdictKind::Starvation: {
      const LateFact& l = w.late;
      v.step = l.step;
      // Times are clock ticks: ms in the simulator, us on a real loop.
      const bool real = w.real_time;
      const std::string unit = real ? " us" : " ms";
      v.explanation = "task '" + sc.task_name(l.task) + "' was ready at t=" +
                      std::to_string(l.ready) + " but first polled at t=" +
                      std::to_string(l.polled) + ", " + std::to_string(l.polled - l.ready) + unit +
                      " later" +
                      (real ? " (" + std::to_string((l.polled - l.ready) / w.ticks_per_ms) +
                                  " ms of scenario time)"
                            : std::string()) +
                      ", past the latency bound of " + std::to_string(sc.latency_bound) + " ms";
      if (w.busy.any)
        v.explanation += ": the loop thread was busy from t=" + std::to_string(w.busy.from) +
                         " for " + std::to_string(w.busy.ms) + " ms without awaiting (" +
                         sc.programs[w.busy.prog].where[w.busy.pc] + ", step " +
                         std::to_string(w.busy.step) + ")";
      v.explanation += ".";
      return v;
    }
    case VerdictKind::UseAfterFree: {
      const FreedFact& u = w.freed;
      const ThreadRt& th = w.threads[u.thread];
      v.step = u.step;
      v.explanation = "step " + std::to_string(u.step) + ": " + describe_frame(sc, th.stack.back()) +
                      " uses event context '" + sc.connections[u.connection] + "' at " +
                      frame_op(sc, w, th.stack.back(), true) + ", but the server closed it at step " +
                      std::to_string(u.closed_at) + " and freed it. Policy " + std::string(policy) +
                      " let the poll run after the event's handler returned. Stack: " +
                      stack_text(sc, th) + ".";
      return v;
    }
    case VerdictKind::BoundSteps:
      v.explanation = "stopped at the step bound (" + std::to_string(w.stats.steps) +
                      " steps) before the run settled: inconclusive (a livelock, or raise "
                      "max_steps)." + unfinished;
      return v;
    case VerdictKind::BoundTime:
      v.explanation = "stopped at the time bound after " + std::to_string(w.stats.steps) +
                      " steps: inconclusive." + unfinished;
      return v;
    case VerdictKind::BoundMemory:
      v.explanation = "stopped at the memory bound after " + std::to_string(w.stats.steps) +
                      " steps (trace, output and queues): inconclusive; run without a trace or "
                      "raise max_memory." + unfinished;
      return v;
    case VerdictKind::BoundDepth: {
      const ThreadRt& th = w.threads[0];
      v.explanation = "inline polls nested " + std::to_string(th.stack.size()) +
                      " frames deep, past the stack bound, at step " + std::to_string(w.stats.steps) +
                      ": " + stack_text(sc, th) + ".";
      return v;
    }
  }
  return v;
}

}  // namespace wb

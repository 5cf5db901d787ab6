#include "oracle/verdict.hpp"

#include <algorithm>

#include "exec/primitives/ids.hpp"
#include "oracle/waitfor.hpp"

namespace wb {

const char* verdict_kind_name(VerdictKind k) {
  switch (k) {
    case VerdictKind::Ok: return "ok";
    case VerdictKind::ReentrantLock: return "deadlock/reentrant_lock";
    case VerdictKind::LockCycle: return "deadlock/lock_cycle";
    case VerdictKind::BlockedThread: return "deadlock/blocked_thread";
    case VerdictKind::WaitCycle: return "deadlock/wait_cycle";
    case VerdictKind::LostWake: return "deadlock/lost_wake";
    case VerdictKind::NeverWoken: return "deadlock/never_woken";
    case VerdictKind::WrongThread: return "wrong_thread";
    case VerdictKind::DataRace: return "data_race";
    case VerdictKind::UseAfterFree: return "use_after_free";
    case VerdictKind::Starvation: return "starvation";
    case VerdictKind::ResourceExhausted: return "resource_exhausted";
    case VerdictKind::Futurelock: return "deadlock/futurelock";
    case VerdictKind::UnpolledFuture: return "deadlock/unpolled_future";
    case VerdictKind::Interrupted: return "interrupted_critical_section";
    case VerdictKind::NotSend: return "not_send";
    case VerdictKind::Panic: return "panic";
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
      VerdictKind::WaitCycle,  VerdictKind::BlockedThread, VerdictKind::LostWake,
      VerdictKind::NeverWoken, VerdictKind::WrongThread,
      VerdictKind::DataRace,   VerdictKind::UseAfterFree, VerdictKind::Starvation,
      VerdictKind::ResourceExhausted, VerdictKind::Futurelock, VerdictKind::UnpolledFuture,
      VerdictKind::Interrupted, VerdictKind::NotSend, VerdictKind::Panic,
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
    case FrameKind::Waker: {
      const uint32_t owner = sc.programs[f.program].owner;
      return "waker '" + sc.wakers[owner / 4].name + "' running its " +
             waker::fn_name(static_cast<WakerFn>(owner % 4)) + " (the waker of '" +
             sc.task_name(f.id) + "')";
    }
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
        c == Code::Recv || c == Code::RwLock || c == Code::BarrierWait || c == Code::BRecv ||
        c == Code::JoinNext)
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

// A std RwLock a blocked thread waits for: its id and whether it asked to write.
struct RwAsk {
  uint32_t r = 0;
  bool write = false;
};
RwAsk rw_ask(const Scenario& sc, uint32_t resource) {
  const uint32_t k = resource - static_cast<uint32_t>(sc.mutexes.size());
  return RwAsk{k / 2, (k % 2) != 0};
}

// The guards of a std RwLock that stand in the way of the blocked thread's
// request: every guard for a write, the write guard for a read.
std::vector<const RwHolder*> rw_in_the_way(const World& w, RwAsk a) {
  const RwLockRt& rw = w.rwlocks[a.r];
  std::vector<const RwHolder*> out;
  if (rwlock::write_locked(rw)) out.push_back(&rw.writer);
  if (a.write)
    for (const RwHolder& h : rw.readers) out.push_back(&h);
  return out;
}

// Where a guard holder sits on `thread`'s stack, or -1.
int depth_on(const ThreadRt& th, uint16_t thread, HolderKind kind, uint16_t holder_thread, uint32_t holder) {
  if (kind == HolderKind::Frame && holder_thread == thread) return static_cast<int>(holder);
  // A task's guards live in its poll frame, or in the frame dropping its future.
  if (kind == HolderKind::Task)
    for (size_t i = 0; i < th.stack.size(); ++i)
      if ((th.stack[i].kind == FrameKind::Poll || th.stack[i].kind == FrameKind::Teardown) &&
          th.stack[i].id == holder)
        return static_cast<int>(i);
  return -1;
}

// Where the holder of the mutex (or of a guard of the RwLock in the way) a
// blocked thread wants sits on that thread's stack, or -1.
int holder_depth(const Scenario& sc, const World& w) {
  const BlockFact& b = w.block;
  const ThreadRt& th = w.threads[b.thread];
  const BlockOn on = block_on(sc, b.mutex);
  if (on == BlockOn::Condvar || on == BlockOn::Barrier) return -1;  // nobody holds a wait
  if (on == BlockOn::RwLock) {
    for (const RwHolder* h : rw_in_the_way(w, rw_ask(sc, b.mutex))) {
      int d = depth_on(th, b.thread, h->kind, h->thread, h->id);
      if (d >= 0) return d;
    }
    return -1;
  }
  const MutexRt& mx = w.mutexes[b.mutex];
  return depth_on(th, b.thread, mx.holder_kind, mx.holder_thread, mx.holder);
}

// Wakers held for a task: its own and its live futures' (they hold its waker).
uint32_t wakers_of(const Scenario& sc, const World& w, uint32_t t) {
  uint32_t n = w.tasks[t].wakers;
  for (uint32_t fut : sc.templates[sc.template_of(t)].futures)
    if (w.tasks[fut].status == TaskStatus::Idle) n += w.tasks[fut].wakers;
  return n;
}

// A wait queue holding `t`'s waker whose last wake found it empty: the
// wake came before the registration.
int32_t early_wake_queue(const World& w, uint32_t t) {
  for (uint32_t q = 0; q < w.queues.size(); ++q)
    if (w.queues[q].empty_wake_step && ids::contains(w.queues[q].wakers, t))
      return static_cast<int32_t>(q);
  return -1;
}

// Would the root of a blocked thread's chain make progress if a scheduler
// thread were free: a task queued, sleeping on a timer, or with events still
// to come on the loop; or a thread that can step.
bool would_run(const Scenario& sc, const World& w, WfNode root) {
  if (root.thread) return !w.threads[root.id].blocked_on;
  const TaskRt& t = w.tasks[root.id];
  if (t.status == TaskStatus::Running || t.queued != QueueId::None) return true;
  if (w.sleeping[root.id]) return true;
  const ThreadRt& loop = w.threads[0];
  return w.next_event < sc.timed_handlers || !loop.ready_events.empty() ||
         !loop.notified.empty() || !loop.inbox.empty();
}

// The end of a run with threads blocked or tasks left pending, read from
// the wait-for graph: a cycle; else the chain of waits from the first
// stuck node to its root, and what the root is.
void decide_stuck(const Scenario& sc, const World& w, Finding& f) {
  const bool blocked_halt = w.halt == Halt::Blocked;
  std::vector<WfNode> stuck;
  if (blocked_halt) stuck.push_back(WfNode{true, w.block.thread});
  for (uint16_t t = 0; t < w.threads.size(); ++t)
    if (w.threads[t].blocked_on && !(blocked_halt && t == w.block.thread))
      stuck.push_back(WfNode{true, t});
  for (uint32_t t = 0; t < w.tasks.size(); ++t) {
    TaskStatus st = w.tasks[t].status;
    if ((st == TaskStatus::Idle || st == TaskStatus::Running) && !sc.is_future(t) &&
        !sc.templates[sc.template_of(t)].daemon) {
      stuck.push_back(WfNode{false, t});
      ++f.stuck;
    }
  }
  if (stuck.empty()) {
    f.kind = VerdictKind::Ok;
    return;
  }
  if (blocked_halt) {
    f.holder_depth = holder_depth(sc, w);
    if (f.holder_depth >= 0) {
      f.kind = VerdictKind::ReentrantLock;
      return;
    }
  }
  WaitFor g(sc, w);
  for (const WfNode& s : stuck) {
    std::vector<WfEdge> cycle = g.cycle_from(s);
    if (cycle.empty()) continue;
    const bool locks = std::all_of(cycle.begin(), cycle.end(), [](const WfEdge& e) {
      return e.kind == WfEdgeKind::Lock || e.kind == WfEdgeKind::Polled;
    });
    f.kind = locks ? VerdictKind::LockCycle : VerdictKind::WaitCycle;
    f.edges = std::move(cycle);
    return;
  }
  // The chain: from the blocked thread, else from the first stuck node that
  // waits for a lock (the explanation shows who holds what), else for anything.
  WfNode start = stuck.front();
  if (!blocked_halt) {
    int best = 0;  // 2: waits for a lock, 1: waits for something
    for (const WfNode& s : stuck) {
      std::vector<WfEdge> out = g.edges(s);
      int rank = out.empty() ? 0 : out.front().kind == WfEdgeKind::Lock ? 2 : 1;
      if (rank > best) {
        best = rank;
        start = s;
      }
    }
  }
  f.edges = g.chain_from(start);
  f.start = start;
  // A lock held by (or handed to) a future its owner does not poll where it stands.
  for (size_t i = 0; i < f.edges.size(); ++i) {
    const WfEdge& e = f.edges[i];
    if (e.kind == WfEdgeKind::Lock && !e.to.thread && sc.is_future(e.to.id) &&
        !g.polled_by_owner(e.to.id)) {
      f.edges.resize(i + 1);
      f.kind = VerdictKind::Futurelock;
      f.root = e.to.id;
      return;
    }
  }
  // Progress needs a future still in its owner's stream (Buffered), not in flight.
  std::vector<WfNode> on_chain{start};
  for (const WfEdge& e : f.edges) on_chain.push_back(e.to);
  for (const WfNode& n : on_chain)
    for (const WfEdge& e : g.edges(n))
      if (!e.to.thread && sc.is_future(e.to.id) && g.waiting_in_stream(e.to.id)) {
        while (!f.edges.empty() && !(f.edges.back().to == n)) f.edges.pop_back();
        f.edges.push_back(e);
        f.kind = VerdictKind::UnpolledFuture;
        f.root = e.to.id;
        return;
      }
  const WfNode end = f.edges.empty() ? start : f.edges.back().to;
  if (blocked_halt && would_run(sc, w, end)) {
    // What the thread waits for is ready (queued, or its timer or an event
    // pending), but only a scheduler thread could run it, and they are blocked.
    f.kind = VerdictKind::BlockedThread;
    return;
  }
  f.root = end.id;
  f.root_thread = end.thread;
  f.kind = !end.thread && (wakers_of(sc, w, end.id) == 0 || early_wake_queue(w, end.id) >= 0)
               ? VerdictKind::LostWake
               : VerdictKind::NeverWoken;
}

// A thread blocked on a std RwLock (explain_blocked's second half).
Verdict explain_blocked_rw(const Scenario& sc, const World& w, const Finding& f,
                           std::string_view policy) {
  const BlockFact& b = w.block;
  const ThreadRt& th = w.threads[b.thread];
  const RwAsk a = rw_ask(sc, b.mutex);
  const std::string& name = sc.rwlocks[a.r].name;
  const Frame& waiter = th.stack.back();
  Verdict v;
  v.kind = f.kind;
  v.step = b.step;
  const std::string guard = a.write ? "the write guard" : "a read guard";
  std::string where = "step " + std::to_string(b.step) + ": " + describe_frame(sc, waiter) +
                      " requests " + guard + " of std RwLock '" + name + "' at " +
                      frame_op(sc, w, waiter);
  // The guard in the way, and where it was taken.
  const RwHolder* in_way = nullptr;
  for (const RwHolder* h : rw_in_the_way(w, a))
    if (!in_way || (f.kind == VerdictKind::ReentrantLock &&
                    depth_on(th, b.thread, h->kind, h->thread, h->id) == f.holder_depth))
      in_way = h;
  const bool writer = in_way == &w.rwlocks[a.r].writer;
  const std::string taken = in_way ? "since step " + std::to_string(in_way->step) + ", at " +
                                         sc.programs[in_way->prog].where[in_way->pc]
                                   : std::string("?");
  const std::string held = writer ? "its write guard" : "a read guard";
  if (f.kind == VerdictKind::ReentrantLock) {
    const bool same_frame = static_cast<size_t>(f.holder_depth) + 1 == th.stack.size();
    v.explanation = where + "; " +
                    (same_frame ? "it already holds " + held
                                : describe_frame(sc, th.stack[f.holder_depth]) + " holds " + held +
                                      " lower on the same stack") +
                    " (" + taken + "), and std::sync::RwLock is not re-entrant (" +
                    (a.write ? "a write waits for every guard" : "a read waits for the write guard") +
                    "): the request never returns. Stack of thread " + std::to_string(b.thread) +
                    ": " + stack_text(sc, th) + ". Policy " + std::string(policy) + ".";
    return v;
  }
  const std::string holder = !in_way ? "nobody"
                             : in_way->kind == HolderKind::Task
                                 ? "task '" + sc.task_name(in_way->id) + "'"
                                 : describe_frame(sc, w.threads[in_way->thread].stack[in_way->id]);
  v.explanation = where + "; " + holder + " holds " + held + " (" + taken +
                  ") and is suspended at " +
                  (in_way && in_way->kind == HolderKind::Task ? await_where(sc, w.tasks[in_way->id])
                                                               : std::string("?")) +
                  "; only this blocked thread could poll it. Stack of thread " +
                  std::to_string(b.thread) + ": " + stack_text(sc, th) + ".";
  return v;
}

// What a thread blocked on a condvar or a std Barrier waits for, in words.
std::string thread_wait_text(const Scenario& sc, const World& w, uint16_t thread) {
  const ThreadRt& th = w.threads[thread];
  if (!th.blocked_on || th.stack.empty()) return "";
  const uint32_t res = th.blocked_on - 1;
  const std::string who = "thread '" + sc.thread_name(thread) + "' (" + describe_frame(sc, th.stack.back()) +
                          ") ";
  const std::string at = frame_op(sc, w, th.stack.back());
  if (block_on(sc, res) == BlockOn::Condvar)
    return who + "waits on condvar '" + sc.condvars[res - cv_block(sc, 0)].name + "' at " + at +
           " (std::sync::Condvar stores no notification: a notify while nobody waits is lost)";
  if (block_on(sc, res) == BlockOn::Barrier) {
    const uint32_t b = res - barrier_block(sc, 0);
    return who + "waits at std Barrier '" + sc.barriers[b].name + "' at " + at + " (" +
           std::to_string(w.barriers[b].arrived) + " of " + std::to_string(sc.barriers[b].parties) +
           " arrived)";
  }
  return "";
}

Verdict explain_blocked(const Scenario& sc, const World& w, const Finding& f,
                        std::string_view policy) {
  const BlockFact& b = w.block;
  const BlockOn on = block_on(sc, b.mutex);
  if (on == BlockOn::Condvar || on == BlockOn::Barrier) {
    // blocked_thread: what would end the wait is ready to run, only on a
    // scheduler thread, and they are blocked.
    WaitFor g(sc, w);
    Verdict v;
    v.kind = f.kind;
    v.step = b.step;
    std::string chain;
    for (const WfEdge& e : f.edges) chain += g.describe(e) + "; ";
    v.explanation = "step " + std::to_string(b.step) + ": " + thread_wait_text(sc, w, b.thread) +
                    ", blocking the thread; " + chain +
                    "what would end the wait is ready to run, but only on a scheduler thread, "
                    "and they are blocked. Stack of thread " + std::to_string(b.thread) + ": " +
                    stack_text(sc, w.threads[b.thread]) + ". Policy " + std::string(policy) + ".";
    return v;
  }
  if (on == BlockOn::RwLock) return explain_blocked_rw(sc, w, f, policy);
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

std::string edges_text(const WaitFor& g, const std::vector<WfEdge>& edges) {
  std::string s;
  for (const WfEdge& e : edges) s += g.describe(e) + "; ";
  return s;
}

Verdict explain_stuck(const Scenario& sc, const World& w, const Finding& f) {
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
  WaitFor g(sc, w);
  v.step = w.halt == Halt::Blocked ? w.block.step : 0;
  for (const WfEdge& e : f.edges)
    if (!e.from.thread) v.step = std::max<uint64_t>(v.step, w.tasks[e.from.id].last_step);
  const std::string chain = edges_text(g, f.edges);
  const std::string tail =
      f.stuck > 1 ? " " + std::to_string(f.stuck) + " task(s) are stuck in all." : std::string();
  switch (f.kind) {
    case VerdictKind::LockCycle:
    case VerdictKind::WaitCycle:
      v.explanation = "wait-for cycle: " + chain + "none can proceed." + tail;
      return v;
    case VerdictKind::Futurelock: {
      const uint32_t owner = static_cast<uint32_t>(sc.templates[sc.template_of(f.root)].parent);
      const TaskRt& o = w.tasks[owner];
      std::string held;
      for (uint32_t m = 0; m < w.mutexes.size(); ++m)
        if (w.mutexes[m].holder_kind == HolderKind::Task && w.mutexes[m].holder == f.root)
          held = "async mutex '" + sc.mutexes[m].name + "' (" + taken_at(sc, w.mutexes[m]) + ")";
      for (uint32_t r = 0; r < w.rwlocks.size(); ++r)
        if (rwlock::holds(w.rwlocks[r], f.root))
          held = std::string(w.rwlocks[r].writer.same(HolderKind::Task, f.root) ? "the write guard"
                                                                                 : "a read guard") +
                 " of tokio RwLock '" + sc.rwlocks[r].name + "' (" +
                 (ids::contains(w.rwlocks[r].granted, f.root) ? "handed to it from the queue while it waited"
                                                              : "taken") +
                 ")";
      for (uint32_t s = 0; s < w.semaphores.size(); ++s)
        if (semaphore::owns(w.semaphores[s], f.root))
          held = "a permit of semaphore '" + sc.semaphores[s].name + "' (" +
                 (ids::contains(w.semaphores[s].assigned, f.root)
                      ? "assigned to it by a release while it waited"
                      : "acquired") +
                 ")";
      v.explanation = chain + "future '" + sc.task_name(f.root) + "' holds " +
                      (held.empty() ? std::string("what the others wait for") : held) +
                      ", but it is alive and nothing polls it: its owner, task '" +
                      sc.task_name(owner) + "', is " +
                      (o.status == TaskStatus::Idle ? "suspended at " + await_where(sc, o)
                                                    : std::string("running elsewhere")) +
                      ", which does not poll it (a select! over &mut future that another branch "
                      "won, then moved on). Drop the future, poll it, or pass it by value." + tail;
      return v;
    }
    case VerdictKind::UnpolledFuture: {
      const TaskRt& fut = w.tasks[f.root];
      const uint32_t owner = static_cast<uint32_t>(sc.templates[sc.template_of(f.root)].parent);
      v.explanation = chain + "future '" + sc.task_name(f.root) + "' (" +
                      (fut.status == TaskStatus::Unstarted ? std::string("never polled")
                                                           : "woken, not polled since") +
                      ") is still in the stream task '" + sc.task_name(owner) + "' buffers at " +
                      await_where(sc, w.tasks[owner]) +
                      ", not in flight: a Buffered stream whose buffer is full polls only the "
                      "futures in flight, never its wrapped stream." + tail;
      return v;
    }
    default: break;
  }
  // LostWake, NeverWoken: the root of the chain.
  if (f.root_thread) {
    const std::string waits = thread_wait_text(sc, w, static_cast<uint16_t>(f.root));
    v.explanation = chain + (waits.empty() ? std::string() : waits + "; ") +
                    "nothing left can act on thread '" + sc.thread_name(f.root) + "'." + tail;
    return v;
  }
  const TaskRt& r = w.tasks[f.root];
  v.step = std::max<uint64_t>(v.step, r.last_step);
  std::string s = chain + g.name(WfNode{false, f.root}) + " returned Pending at step " +
                  std::to_string(r.last_step) + " (" + await_where(sc, r) + ")";
  if (f.kind == VerdictKind::LostWake) {
    int32_t q = early_wake_queue(w, f.root);
    if (q >= 0)
      s += " with its waker in wait queue '" + sc.queues[q] + "', whose last wake, at step " +
           std::to_string(w.queues[q].empty_wake_step) +
           ", found it empty: the wake came before the registration, and nothing left will wake "
           "it again.";
    else
      s += " and nobody holds its waker: it can never be woken.";
  } else {
    s += "; its waker is held (by what it waits in), but no live task or thread can still do "
         "what would wake it.";
  }
  v.explanation = s + tail;
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

// A frame that is not a task's poll, in words ("drop hook of 'o'"), from
// its kind and id (the frame itself may be gone by the end of the run).
std::string frame_words(const Scenario& sc, FrameKind kind, uint32_t id) {
  Frame f;
  f.kind = kind;
  f.id = id;
  return describe_frame(sc, f);
}

std::string task_words(const Scenario& sc, uint32_t t) {
  return (sc.is_future(t) ? "future '" : "task '") + sc.task_name(t) + "'";
}

// One panic: where, which frame, why (for a borrow: the one in the way,
// who took it, where and when).
std::string panic_text(const Scenario& sc, const PanicFact& p) {
  const Program& prog = sc.programs[p.prog];
  const std::string where = prog.where[p.pc < prog.where.size() ? p.pc : 0];
  std::string who;
  if (p.frame_kind == FrameKind::Poll)
    who = p.future != kNoId ? "future '" + sc.task_name(p.future) + "' of task '" +
                                  sc.task_name(p.task) + "'"
                            : "task '" + sc.task_name(p.task) + "'";
  else
    who = frame_words(sc, p.frame_kind, p.frame_id);
  std::string s = "step " + std::to_string(p.step) + ": " + who + " panics at " + where + ": ";
  switch (p.cause) {
    case PanicCause::Explicit:
      return s + "\"" + sc.texts[p.text] + "\" (panic!).";
    case PanicCause::BorrowError:
    case PanicCause::BorrowMutError: {
      const BorrowRt& b = p.outstanding;
      const Program& bp = sc.programs[b.prog];
      const std::string holder = b.holder_kind == HolderKind::Task
                                     ? task_words(sc, b.holder)
                                     : frame_words(sc, p.holder_frame, p.holder_frame_id);
      const bool mut = p.cause == PanicCause::BorrowMutError;
      const bool own = b.holder_kind == HolderKind::Task && p.frame_kind == FrameKind::Poll &&
                       b.holder == (p.future != kNoId ? p.future : p.task);
      return s + "RefCell '" + sc.refcells[p.resource].name + "'." +
             (mut ? "borrow_mut() panics with \"already borrowed: BorrowMutError\""
                  : "borrow() panics with \"already mutably borrowed: BorrowError\"") +
             ": " + holder + (own ? " (itself)" : "") + " holds a " +
             (b.mut ? "mutable borrow (RefMut)" : "shared borrow (Ref)") + " of it, taken at step " +
             std::to_string(b.step) + " at " + bp.where[b.pc < bp.where.size() ? b.pc : 0] +
             (mut ? ", and a RefCell allows one mutable borrow or any number of shared ones, "
                    "never both."
                  : ", and a RefCell allows no shared borrow beside a mutable one.");
    }
    case PanicCause::Poisoned:
      return s + "std::sync::Mutex '" + sc.mutexes[p.resource].name +
             "'.lock() returns Err(PoisonError), taken as lock().unwrap(): task '" +
             sc.task_name(p.poisoned_by) +
             "' panicked while holding its guard, which poisoned it (std sync/poison.rs).";
  }
  return s;
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
  if (w.panic.any && w.halt != Halt::Pruned) {  // the hazard found, however the run went on
    f.kind = VerdictKind::Panic;
    return f;
  }
  switch (w.halt) {
    case Halt::Running:
    case Halt::Quiescent:
      if (w.cut_recorded) {  // a task that had to finish was killed on the way
        f.kind = VerdictKind::Interrupted;
        break;
      }
      decide_stuck(sc, w, f);
      break;
    case Halt::Blocked:
      decide_stuck(sc, w, f);
      break;
    case Halt::WrongThread: f.kind = VerdictKind::WrongThread; break;
    case Halt::DataRace: f.kind = VerdictKind::DataRace; break;
    case Halt::UseAfterFree: f.kind = VerdictKind::UseAfterFree; break;
    case Halt::Starvation: f.kind = VerdictKind::Starvation; break;
    case Halt::ResourceExhausted: f.kind = VerdictKind::ResourceExhausted; break;
    case Halt::Interrupted: f.kind = VerdictKind::Interrupted; break;
    case Halt::NotSend:
    case Halt::NotSync: f.kind = VerdictKind::NotSend; break;
    case Halt::Panic: f.kind = VerdictKind::Panic; break;  // w.panic.any: not reached
    case Halt::StepBound: f.kind = VerdictKind::BoundSteps; break;
    case Halt::TimeBound: f.kind = VerdictKind::BoundTime; break;
    case Halt::MemoryBound: f.kind = VerdictKind::BoundMemory; break;
    case Halt::DepthBound: f.kind = VerdictKind::BoundDepth; break;
    case Halt::Pruned: throw std::logic_error("a pruned run has no verdict");
  }
  return f;
}

Verdict explain(const Scenario& sc, const World& w, const Finding& f, std::string_view policy) {
  Verdict v;
  v.kind = f.kind;
  v.step = w.stats.steps;
  const std::string unfinished = " Unfinished tasks: " + pending_list(sc, w) + ".";
  switch (f.kind) {
    case VerdictKind::Ok:
    case VerdictKind::LockCycle:
    case VerdictKind::WaitCycle:
    case VerdictKind::LostWake:
    case VerdictKind::NeverWoken:
    case VerdictKind::Futurelock:
    case VerdictKind::UnpolledFuture: return explain_stuck(sc, w, f);
    case VerdictKind::ReentrantLock:
    case VerdictKind::BlockedThread: return explain_blocked(sc, w, f, policy);
    case VerdictKind::WrongThread:
    case VerdictKind::DataRace: return explain_cross(sc, w, f, policy);
    case VerdictKind::Panic: {
      const PanicFact& p = w.panic;
      v.step = p.step;
      std::string s = panic_text(sc, p);
      if (p.unwound)
        s += " Task '" + sc.task_name(p.task) +
             "' unwinds, as tokio's harness catches a panic in a task's poll (catch_unwind): its "
             "future is dropped, releasing what it holds (mutex guards, permits, RefCell "
             "borrows) and running the Drop hooks of what it owns; its JoinHandle gives "
             "JoinError::Panic and the other tasks go on.";
      else
        s += p.abort ? "" : " No task's poll catches it (a Drop hook, a handler or a thread "
                            "runs it): the run stops there.";
      const PanicFact& fatal = w.fatal;
      if (fatal.any && fatal.abort)
        s += (fatal.step == p.step ? std::string(" ") : " Then " + panic_text(sc, fatal) + " ") +
             "It panics while task '" + sc.task_name(fatal.task) +
             "' unwinds from a panic (a Drop hook its teardown runs): a panic while panicking "
             "aborts the process.";
      else if (fatal.any && fatal.step != p.step)
        s += " Then " + panic_text(sc, fatal) + " No task's poll catches that one: the run stops there.";
      if (p.count > 1) s += " " + std::to_string(p.count) + " panics in the run.";
      v.explanation = s + " A panic is a bug: the run's verdict is panic however it went on.";
      return v;
    }
    case VerdictKind::NotSend: {
      if (w.halt == Halt::NotSync) {
        const UnsyncFact& u = w.unsync;
        const Program& p = sc.programs[u.prog];
        v.step = u.step;
        v.explanation =
            "step " + std::to_string(u.step) + ": thread '" + sc.thread_name(u.thread) +
            "' touches RefCell '" + sc.refcells[u.cell].name + "' at " +
            p.where[u.pc < p.where.size() ? u.pc : 0] + ", but it belongs to thread '" +
            sc.thread_name(u.first) + "', which touched it first: RefCell is !Sync (and an "
            "Rc<RefCell<T>> is !Send), so Rust rejects a program that shares one across threads, "
            "or moves a task holding one between the workers of a multi-thread runtime. Keep it "
            "on one thread (a LocalSet, a current-thread runtime) or use a Mutex or an RwLock.";
        return v;
      }
      const NotSendFact& n = w.not_send;
      v.step = n.step;
      if (n.mutex >= sc.mutexes.size()) {
        const uint32_t r = n.mutex - static_cast<uint32_t>(sc.mutexes.size());
        v.explanation =
            "step " + std::to_string(n.step) + ": task '" + sc.task_name(n.task) + "' awaits at " +
            await_where(sc, w.tasks[n.task]) + " while " +
            (n.holder == n.task ? std::string("it") : "its future '" + sc.task_name(n.holder) + "'") +
            " holds a guard of std::sync::RwLock '" + sc.rwlocks[r].name + "', on a runtime with " +
            std::to_string(sc.workers) +
            " workers, any of which may poll it next: RwLockReadGuard and RwLockWriteGuard are "
            "!Send and tokio::spawn needs a Send future, so Rust rejects this program. Drop the "
            "guard before the await, or use tokio::sync::RwLock.";
        return v;
      }
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
                        c.name + "' holds " + std::to_string(w.channels[w.exhausted_channel].len()) +
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
      if (w.waker_bound != kNoId) {  // user-defined waker programs nested past their bound
        const ThreadRt& wt = w.threads[w.waker_bound];
        v.explanation = "user-defined waker functions called past the bound of " +
                        std::to_string(kMaxWakerNesting) + " nested on one stack (waker programs "
                        "calling wakers), at step " + std::to_string(w.stats.steps) +
                        ": inconclusive: " + stack_text(sc, wt) + ".";
        return v;
      }
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

// The wait-for graph (see waitfor.hpp).
#include "oracle/waitfor.hpp"

#include <algorithm>

#include "exec/primitives/ids.hpp"

namespace wb {

WaitFor::WaitFor(const Scenario& sc, const World& w)
    : sc_(sc), w_(w), acts_(sc.ntasks + w.threads.size()), acts_done_(acts_.size(), 0) {}

namespace {
uint32_t owner_of(const Scenario& sc, uint32_t task) {
  int64_t p = sc.templates[sc.template_of(task)].parent;
  return p < 0 ? kNoId : static_cast<uint32_t>(p);
}

bool task_live(const TaskRt& t) { return t.status == TaskStatus::Idle || t.status == TaskStatus::Running; }
}  // namespace

bool WaitFor::live(WfNode x) const {
  if (x.thread) {
    ThreadStatus s = w_.threads[x.id].status;
    return s != ThreadStatus::Done && s != ThreadStatus::Unstarted;
  }
  const TaskRt& t = w_.tasks[x.id];
  if (task_live(t)) return true;
  uint32_t owner = owner_of(sc_, x.id);  // a future not polled yet lives in its owner
  return t.status == TaskStatus::Unstarted && owner != kNoId && task_live(w_.tasks[owner]);
}

// ---- what an actor can still do ----

void WaitFor::reach(uint32_t program, uint32_t pc, std::vector<uint8_t>& seen_prog,
                    std::vector<std::pair<Code, uint32_t>>& out) const {
  auto whole = [&](uint32_t prog) {
    if (seen_prog[prog]) return;
    seen_prog[prog] = 1;
    reach(prog, 0, seen_prog, out);
  };
  auto task_program = [&](uint32_t tmpl) {
    const TaskTemplate& tt = sc_.templates[tmpl];
    whole(tt.program);
    for (uint32_t o : tt.owned) whole(sc_.objects[o].program);
  };
  const Program& p = sc_.programs[program];
  std::vector<uint8_t> seen(p.code.size(), 0);
  std::vector<uint32_t> todo{pc};
  while (!todo.empty()) {
    uint32_t i = todo.back();
    todo.pop_back();
    if (i >= p.code.size() || seen[i]) continue;
    seen[i] = 1;
    const Instr& in = p.code[i];
    out.emplace_back(in.code, in.a);
    switch (in.code) {
      case Code::DropObject: whole(sc_.objects[in.a].program); break;
      case Code::Spawn:
      case Code::DropTask: task_program(sc_.template_of(in.a)); break;
      case Code::SpawnAll:
      case Code::SpawnNext: task_program(in.a); break;
      case Code::JsSpawn: task_program(in.v == 1 ? in.b : sc_.template_of(in.b)); break;
      case Code::StartThread: whole(sc_.threads[in.a - 1].program); break;
      default: break;
    }
    switch (in.code) {
      case Code::End:
      case Code::Panic: break;  // it never returns (a Drop hook the unwinding runs: owned objects)
      case Code::Jump: todo.push_back(in.jump); break;
      case Code::TrySend:  // success, full / empty, closed
      case Code::TryRecv:
      case Code::BRecv:    // a value, closed, lagged
        todo.push_back(static_cast<uint32_t>(in.v));
        [[fallthrough]];
      case Code::JumpUnless:
      case Code::JumpUnlessLocal:
      case Code::LocalLoop:
      case Code::Send:
      case Code::Recv:
      case Code::JoinNext:  // a task joined, None
      case Code::BSend:
      case Code::CatchBegin:
      case Code::CatchEnd:
      case Code::TryLock:  // success, on_fail
      case Code::TryAcquire:
      case Code::TryBorrow:
      case Code::TryBorrowMut:
      case Code::TryRwLock:
      case Code::BarrierWait:  // the leader's block, the others
        todo.push_back(in.jump);
        todo.push_back(i + 1);
        break;
      default: todo.push_back(i + 1);
    }
  }
}

bool WaitFor::may_do(WfNode x, Code code, uint32_t a) const {
  const size_t k = x.thread ? sc_.ntasks + x.id : x.id;
  if (!acts_done_[k]) {
    acts_done_[k] = 1;
    std::vector<uint8_t> seen_prog(sc_.programs.size(), 0);
    auto& out = acts_[k];
    if (!x.thread) {
      const TaskRt& t = w_.tasks[x.id];
      reach(t.program, t.status == TaskStatus::Unstarted ? 0 : t.pc, seen_prog, out);
      for (uint32_t o : sc_.templates[sc_.template_of(x.id)].owned)
        if (!seen_prog[sc_.objects[o].program]) {
          seen_prog[sc_.objects[o].program] = 1;
          reach(sc_.objects[o].program, 0, seen_prog, out);
        }
    } else {
      // A thread's frames other than polls (a task's own node covers its
      // poll), from where each stands; the loop thread's handlers to come.
      for (const Frame& f : w_.threads[x.id].stack)
        if (f.kind == FrameKind::Thread || f.kind == FrameKind::Handler ||
            f.kind == FrameKind::DropHook || f.kind == FrameKind::Startup ||
            f.kind == FrameKind::Waker)
          reach(f.program, f.pc, seen_prog, out);
      if (x.id == 0)
        for (size_t h = w_.next_event; h < sc_.timed_handlers; ++h)
          reach(sc_.handlers[h].program, 0, seen_prog, out);
    }
  }
  for (const auto& [c, operand] : acts_[k])
    if (c == code && operand == a) return true;
  return false;
}

void WaitFor::waker_edges(WfNode x, WfEdgeKind kind, uint32_t resource,
                          std::initializer_list<Code> codes, uint32_t operand,
                          std::vector<WfEdge>& out) const {
  auto consider = [&](WfNode n) {
    if (n == x || !live(n)) return;
    for (Code c : codes)
      if (may_do(n, c, operand)) {
        out.push_back(WfEdge{x, n, kind, resource});
        return;
      }
  };
  for (uint32_t t = 0; t < sc_.ntasks; ++t) consider(WfNode{false, t});
  for (uint32_t th = 0; th < w_.threads.size(); ++th) consider(WfNode{true, th});
}

// ---- edges ----

std::vector<WfEdge> WaitFor::edges(WfNode x) const {
  std::vector<WfEdge> out;
  auto to_task = [&](WfEdgeKind kind, uint32_t task, uint32_t resource) {
    WfNode n{false, task};
    if (!(n == x) && live(n)) out.push_back(WfEdge{x, n, kind, resource});
  };
  auto mutex_holder = [&](uint32_t m) {
    const MutexRt& mx = w_.mutexes[m];
    if (mx.holder_kind == HolderKind::Task) to_task(WfEdgeKind::Lock, mx.holder, m);
    else if (mx.holder_kind == HolderKind::Frame)
      out.push_back(WfEdge{x, WfNode{true, mx.holder_thread}, WfEdgeKind::Lock, m});
  };
  // A reader-writer lock's guards in the way of a request: every guard for
  // a write, the write guard for a read. Edges to a holder's task or frame
  // thread, once each.
  const uint32_t rw_base = static_cast<uint32_t>(w_.mutexes.size() + w_.semaphores.size());
  auto rw_holders = [&](uint32_t r, bool write) {
    const RwLockRt& rw = w_.rwlocks[r];
    auto add = [&](const RwHolder& h) {
      WfNode n = h.kind == HolderKind::Task ? WfNode{false, h.id} : WfNode{true, h.thread};
      if (n == x || !live(n)) return;
      for (const WfEdge& e : out)
        if (e.to == n && e.kind == WfEdgeKind::Lock && e.resource == rw_base + r) return;
      out.push_back(WfEdge{x, n, WfEdgeKind::Lock, rw_base + r});
    };
    if (rwlock::write_locked(rw)) add(rw.writer);
    if (write)
      for (const RwHolder& h : rw.readers) add(h);
  };
  // Who may still act on a condvar waiter or a barrier: live actors whose
  // program can still reach one of `codes` on it (a task spawned and not
  // yet polled included: it is queued to run), less what cannot act (`skip`).
  auto actors = [&](WfEdgeKind kind, uint32_t resource, std::initializer_list<Code> codes,
                    auto skip) {
    auto consider = [&](WfNode n) {
      if (n == x || skip(n)) return;
      const bool queued_unstarted = !n.thread && w_.tasks[n.id].status == TaskStatus::Unstarted &&
                                    w_.tasks[n.id].queued != QueueId::None;
      if (!live(n) && !queued_unstarted) return;
      for (Code c : codes)
        if (may_do(n, c, resource)) {
          out.push_back(WfEdge{x, n, kind, resource});
          return;
        }
    };
    for (uint32_t t = 0; t < sc_.ntasks; ++t) consider(WfNode{false, t});
    for (uint32_t th = 0; th < w_.threads.size(); ++th) consider(WfNode{true, th});
  };
  // At barrier b already: a thread blocked there, a task waiting in it (tokio),
  // or a task being polled on a thread blocked there.
  auto at_barrier = [&](uint32_t b, WfNode n) {
    const uint32_t here = barrier_block(sc_, b) + 1;
    if (n.thread) return w_.threads[n.id].blocked_on == here;
    const TaskRt& t = w_.tasks[n.id];
    if (ids::contains(w_.barriers[b].waiting, n.id)) return true;
    return t.status == TaskStatus::Running && w_.threads[t.thread].blocked_on == here;
  };
  if (x.thread) {
    const ThreadRt& th = w_.threads[x.id];
    if (!th.blocked_on) return out;
    const uint32_t res = th.blocked_on - 1;
    if (block_on(sc_, res) == BlockOn::Mutex) {
      mutex_holder(res);
      return out;
    }
    if (block_on(sc_, res) == BlockOn::Condvar) {
      actors(WfEdgeKind::Condvar, res - cv_block(sc_, 0), {Code::CvNotifyOne, Code::CvNotifyAll},
             [&](WfNode n) {
               return !n.thread && w_.tasks[n.id].status == TaskStatus::Running &&
                      w_.tasks[n.id].thread == x.id;
             });
      return out;
    }
    if (block_on(sc_, res) == BlockOn::Barrier) {
      const uint32_t b = res - barrier_block(sc_, 0);
      actors(WfEdgeKind::Barrier, b, {Code::BarrierWait}, [&](WfNode n) { return at_barrier(b, n); });
      return out;
    }
    // A std RwLock: its guards in the way, and for a read, the writers
    // waiting (std prefers them: a reader waits until they are through).
    const uint32_t r = (res - static_cast<uint32_t>(w_.mutexes.size())) / 2;
    const bool write = (res - static_cast<uint32_t>(w_.mutexes.size())) % 2;
    rw_holders(r, write);
    if (!write)
      for (uint32_t t = 0; t < w_.threads.size(); ++t)
        if (t != x.id && w_.threads[t].blocked_on == rw_block(sc_, r, true) + 1 && live(WfNode{true, t}))
          out.push_back(WfEdge{x, WfNode{true, t}, WfEdgeKind::Lock, rw_base + r});
    return out;
  }
  const TaskRt& t = w_.tasks[x.id];
  if (t.status == TaskStatus::Running) {
    out.push_back(WfEdge{x, WfNode{true, t.thread}, WfEdgeKind::Polled, 0});
    return out;
  }
  if (t.status != TaskStatus::Idle || t.queued != QueueId::None) return out;  // ready: no wait
  // Locks first: what it queued on.
  if (t.waits_on) {
    uint32_t r = t.waits_on - 1;
    if (r < w_.mutexes.size()) {
      mutex_holder(r);
    } else if (r >= rw_base) {
      // A tokio RwLock's queue: the guards in the way, and every waiter
      // queued ahead of it (FIFO: they are served first).
      const RwLockRt& rw = w_.rwlocks[r - rw_base];
      const RwWaiter* me = rwlock::queued(rw, x.id);
      rw_holders(r - rw_base, me && me->write);
      for (const RwWaiter& q : rw.waiters) {
        if (q.task == x.id) break;
        to_task(WfEdgeKind::Lock, q.task, r);
      }
    } else {
      const uint32_t s = r - static_cast<uint32_t>(w_.mutexes.size());
      const SemaphoreRt& sem = w_.semaphores[s];
      std::vector<uint32_t> owners(sem.assigned.begin(), sem.assigned.end());
      for (uint32_t h : sem.holders)
        if (!ids::contains(owners, h)) owners.push_back(h);
      for (uint32_t h : owners) to_task(WfEdgeKind::Lock, h, r);
      std::vector<WfEdge> releasers;  // who may release one, besides its owners
      waker_edges(x, WfEdgeKind::Lock, r, {Code::Release}, s, releasers);
      for (const WfEdge& e : releasers)
        if (e.to.thread || !ids::contains(owners, e.to.id)) out.push_back(e);
    }
  }
  const Program& p = sc_.programs[t.program];
  if (t.pc < p.code.size()) {
    const Instr& in = p.code[t.pc];
    switch (in.code) {
      case Code::ALock:
        if (!t.waits_on) mutex_holder(in.a);
        break;
      // A try-op never waits (no case here), but it acts like its blocking
      // twin on whoever waits: a try_send wakes the receiver, a try_recv
      // frees a slot for a waiting sender.
      case Code::Recv:
        waker_edges(x, WfEdgeKind::Channel, in.a, {Code::Send, Code::TrySend, Code::DropSender},
                    in.a, out);
        break;
      case Code::BRecv:  // a send or the last sender's drop wakes it
        waker_edges(x, WfEdgeKind::Broadcast, in.a, {Code::BSend, Code::BDropSender}, in.a, out);
        break;
      case Code::Send:
        waker_edges(x, WfEdgeKind::Channel, in.a | 1u << 31,
                    {Code::Recv, Code::TryRecv, Code::ChanClose}, in.a, out);
        break;
      case Code::Notified:
        waker_edges(x, WfEdgeKind::Notify, in.a, {Code::NotifyOne, Code::NotifyWaiters}, in.a, out);
        break;
      case Code::Await: to_task(WfEdgeKind::Await, in.a, 0); break;
      case Code::Select:
        for (const SelectBranch& b : sc_.selects[in.a].branches) to_task(WfEdgeKind::Await, b.future, 0);
        break;
      case Code::Buffered: {
        const BufferedTable& bt = sc_.buffereds[in.a];
        const int64_t* loc = w_.task_locals.data() + static_cast<size_t>(x.id) * sc_.task_locals + bt.local;
        for (int64_t i = loc[0]; i < loc[1] && i < static_cast<int64_t>(bt.items.size()); ++i)
          to_task(WfEdgeKind::Await, bt.items[static_cast<size_t>(i)], 0);
        break;
      }
      case Code::WaitTask: to_task(WfEdgeKind::Join, in.a, 0); break;
      case Code::JoinNext: {  // every task still in the set: any one's end wakes it
        const JoinSetRt& js = w_.join_sets[in.a];
        if (!js.dropped && js.notified.empty())
          for (uint32_t m : js.idle) to_task(WfEdgeKind::JoinSet, m, in.a);
        break;
      }
      default: break;
    }
  }
  for (uint32_t b = 0; b < w_.barriers.size(); ++b)  // a tokio Barrier's waiter
    if (ids::contains(w_.barriers[b].waiting, x.id))
      actors(WfEdgeKind::Barrier, b, {Code::BarrierWait}, [&](WfNode n) { return at_barrier(b, n); });
  for (uint32_t q = 0; q < w_.queues.size(); ++q)
    if (ids::contains(w_.queues[q].wakers, x.id))
      waker_edges(x, WfEdgeKind::Queue, q, {Code::Wake, Code::WakeAll, Code::NotifyLoop}, q, out);
  return out;
}

// ---- cycles and chains ----

std::vector<WfEdge> WaitFor::cycle_from(WfNode start) const {
  const size_t n = sc_.ntasks + w_.threads.size();
  auto index = [&](WfNode x) { return x.thread ? sc_.ntasks + x.id : x.id; };
  std::vector<uint8_t> color(n, 0);  // 0 new, 1 on the path, 2 done (no cycle through it)
  struct Step {
    WfNode node;
    std::vector<WfEdge> out;
    size_t next = 0;
  };
  std::vector<Step> path;
  path.push_back(Step{start, edges(start)});
  color[index(start)] = 1;
  while (!path.empty()) {
    Step& top = path.back();
    if (top.next == top.out.size()) {
      color[index(top.node)] = 2;
      path.pop_back();
      continue;
    }
    const WfEdge e = top.out[top.next++];
    const size_t k = index(e.to);
    if (color[k] == 1) {  // back on the path: the cycle is from there to here
      std::vector<WfEdge> cycle;
      size_t i = 0;
      while (!(path[i].node == e.to)) ++i;
      for (; i + 1 < path.size(); ++i) cycle.push_back(path[i].out[path[i].next - 1]);
      cycle.push_back(e);
      return cycle;
    }
    if (color[k] == 0) {
      color[k] = 1;
      path.push_back(Step{e.to, edges(e.to)});
    }
  }
  return {};
}

std::vector<WfEdge> WaitFor::chain_from(WfNode start) const {
  std::vector<WfEdge> chain;
  std::vector<WfNode> seen{start};
  WfNode x = start;
  for (;;) {
    std::vector<WfEdge> out = edges(x);
    if (out.empty()) return chain;
    const WfEdge& e = out.front();
    chain.push_back(e);
    if (std::find(seen.begin(), seen.end(), e.to) != seen.end()) return chain;
    seen.push_back(e.to);
    x = e.to;
  }
}

bool WaitFor::polled_by_owner(uint32_t future) const {
  const uint32_t owner = owner_of(sc_, future);
  if (owner == kNoId || !task_live(w_.tasks[owner])) return false;
  const TaskRt& o = w_.tasks[owner];
  const Program& p = sc_.programs[o.program];
  if (o.pc >= p.code.size()) return false;
  const Instr& in = p.code[o.pc];
  switch (in.code) {
    case Code::Await: return in.a == future;
    case Code::Select:
      for (const SelectBranch& b : sc_.selects[in.a].branches)
        if (b.future == future) return true;
      return false;
    case Code::Buffered: {
      const BufferedTable& bt = sc_.buffereds[in.a];
      const int64_t* loc = w_.task_locals.data() + static_cast<size_t>(owner) * sc_.task_locals + bt.local;
      for (int64_t i = loc[0]; i < loc[1] && i < static_cast<int64_t>(bt.items.size()); ++i)
        if (bt.items[static_cast<size_t>(i)] == future) return true;
      return false;
    }
    default: return false;
  }
}

bool WaitFor::waiting_in_stream(uint32_t future) const {
  const uint32_t owner = owner_of(sc_, future);
  if (owner == kNoId || !task_live(w_.tasks[owner])) return false;
  const TaskRt& o = w_.tasks[owner];
  const Program& p = sc_.programs[o.program];
  if (o.pc >= p.code.size() || p.code[o.pc].code != Code::Buffered) return false;
  const BufferedTable& bt = sc_.buffereds[p.code[o.pc].a];
  const int64_t* loc = w_.task_locals.data() + static_cast<size_t>(owner) * sc_.task_locals + bt.local;
  for (size_t i = static_cast<size_t>(std::max<int64_t>(loc[1], 0)); i < bt.items.size(); ++i)
    if (bt.items[i] == future) return true;
  return false;
}

// ---- words ----

std::string WaitFor::name(WfNode x) const {
  if (x.thread) return "thread '" + sc_.thread_name(x.id) + "'";
  return (sc_.is_future(x.id) ? "future '" : "task '") + sc_.task_name(x.id) + "'";
}

std::string WaitFor::describe(const WfEdge& e) const {
  const std::string from = name(e.from), to = name(e.to);
  switch (e.kind) {
    case WfEdgeKind::Lock:
      if (e.resource < sc_.mutexes.size()) {
        const MutexSpec& m = sc_.mutexes[e.resource];
        return from + " waits for " + (is_blocking(m.kind) ? "blocking" : "async") + " mutex '" +
               m.name + "' held by " + to;
      }
      if (e.resource >= sc_.mutexes.size() + sc_.semaphores.size()) {
        const uint32_t r = e.resource - static_cast<uint32_t>(sc_.mutexes.size() + sc_.semaphores.size());
        const RwLockRt& rw = w_.rwlocks[r];
        const std::string what = std::string(rwlock_kind_name(sc_.rwlocks[r].kind)) + " '" +
                                 sc_.rwlocks[r].name + "'";
        // What `from` asks for: a blocked thread's request, or a queued task's.
        bool write = false;
        if (e.from.thread) {
          const uint32_t res = w_.threads[e.from.id].blocked_on - 1;
          write = (res - static_cast<uint32_t>(sc_.mutexes.size())) % 2;
        } else if (const RwWaiter* q = rwlock::queued(rw, e.from.id)) {
          write = q->write;
        }
        const std::string asks = from + " waits for " + (write ? "the write guard" : "a read guard") +
                                 " of " + what;
        auto holds = [&](const RwHolder& h) {
          return e.to.thread ? h.kind == HolderKind::Frame && h.thread == e.to.id
                             : h.same(HolderKind::Task, e.to.id);
        };
        if (holds(rw.writer)) return asks + ", whose write guard " + to + " holds";
        for (const RwHolder& h : rw.readers)
          if (holds(h)) return asks + ", a read guard of which " + to + " holds";
        if (e.to.thread) return asks + ", behind " + to + ", a writer waiting (std's RwLock "
                                       "prefers writers: a read blocks while one waits)";
        return asks + ", behind " + to + ", queued ahead of it (tokio's RwLock is FIFO-fair)";
      }
      {
        const uint32_t si = e.resource - static_cast<uint32_t>(sc_.mutexes.size());
        const SemaphoreRt& sem = w_.semaphores[si];
        const std::string what = from + " waits for a permit of semaphore '" + sc_.semaphores[si].name + "'";
        if (!e.to.thread && ids::contains(sem.assigned, e.to.id)) return what + " handed to " + to;
        if (!e.to.thread && ids::contains(sem.holders, e.to.id)) return what + " held by " + to;
        return what + ", which " + to + " may release";
      }
    case WfEdgeKind::Polled: return from + " is being polled on " + to;
    case WfEdgeKind::Await: return from + " polls " + to + " and waits for it";
    case WfEdgeKind::Join: return from + " waits for " + to + " to finish";
    case WfEdgeKind::JoinSet:
      return from + " waits in join_next on join set '" + sc_.join_sets[e.resource] + "' for " + to +
             ", a task in it, to finish";
    case WfEdgeKind::Channel: {
      const bool send = e.resource >> 31;
      const ChannelSpec& c = sc_.channels[e.resource & ~(1u << 31)];
      const std::string what = (c.oneshot ? "oneshot '" : "channel '") + c.name + "'";
      return send ? from + " waits in send on full " + what + ", which " + to +
                        " may receive from (or close)"
                  : from + " waits in recv on " + what + ", which " + to +
                        " may send to (or drop a sender of)";
    }
    case WfEdgeKind::Broadcast:
      return from + (sc_.broadcasts[e.resource].watch ? " waits in changed() on watch '"
                                                       : " waits in recv on broadcast '") +
             sc_.broadcasts[e.resource].name + "', which " + to + " may send to (or drop a sender of)";
    case WfEdgeKind::Notify:
      return from + " waits in notified() on '" + sc_.notifies[e.resource].name + "', which " + to +
             " may notify";
    case WfEdgeKind::Queue:
      return from + " waits in wait queue '" + sc_.queues[e.resource] + "', which " + to +
             " may wake";
    case WfEdgeKind::Condvar:
      return from + " waits on condvar '" + sc_.condvars[e.resource].name + "', which " + to +
             " may notify";
    case WfEdgeKind::Barrier: {
      const BarrierSpec& b = sc_.barriers[e.resource];
      return from + " waits at " + barrier_kind_name(b.kind) + " '" + b.name + "' (" +
             std::to_string(w_.barriers[e.resource].arrived) + " of " + std::to_string(b.parties) +
             " arrived), which " + to + " may still reach";
    }
  }
  return "?";
}

}  // namespace wb

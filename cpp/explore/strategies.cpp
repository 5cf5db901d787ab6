#include "explore/strategies.hpp"

#include <algorithm>
#include <iterator>
#include <sstream>

#include "exec/footprint.hpp"

namespace wb {

// ---- PCT ------------------------------------------------------------------

PctChooser::PctChooser(uint32_t depth, uint64_t seed, uint32_t k_estimate)
    : rng_(seed), depth_(std::max<uint32_t>(depth, 1)) {
  uint32_t k = std::max<uint32_t>(k_estimate, 1);
  for (uint32_t i = 1; i < depth_; ++i) change_points_.push_back(rng_.below(k));
  std::sort(change_points_.begin(), change_points_.end());
}

uint64_t PctChooser::priority(uint32_t task) {
  auto it = prio_.find(task);
  if (it != prio_.end()) return it->second;
  // Distinct random priorities above every change-point priority.
  uint64_t p = depth_ + (rng_.next() >> 16) * 64 + prio_.size();
  prio_.emplace(task, p);
  return p;
}

uint32_t PctChooser::choose(const ChoicePoint& cp) {
  uint32_t n = static_cast<uint32_t>(cp.options.size());
  uint32_t here = index_++;
  if (cp.kind != ChoiceKind::Thread) return rng_.below(n);
  auto best = [&] {
    uint32_t b = 0;
    for (uint32_t i = 1; i < n; ++i)
      if (priority(cp.options[i]) > priority(cp.options[b])) b = i;
    return b;
  };
  uint32_t b = best();
  while (changes_ < change_points_.size() && change_points_[changes_] == here) {
    prio_[cp.options[b]] = changes_ + 1;  // lowered below every initial priority
    ++changes_;
    b = best();
  }
  while (changes_ < change_points_.size() && change_points_[changes_] < here) ++changes_;
  return b;
}

// ---- Modulo ----------------------------------------------------------------

uint32_t ModuloChooser::choose(const ChoicePoint& cp) {
  if (i_ >= values_.size()) return 0;
  return static_cast<uint32_t>(values_[i_++] % cp.options.size());
}

// ---- State fingerprint -----------------------------------------------------

namespace {
struct Hasher {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  void add(uint64_t v) {  // wyhash's mix: the 128-bit product of both, its halves folded
    const __uint128_t p = static_cast<__uint128_t>(h ^ 0xa0761d6478bd642full) *
                          (v ^ 0xe7037ed1a0b428dbull);
    h = static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
  }
  template <class C>
  void seq(const C& c, uint64_t end) {
    for (auto v : c) add(static_cast<uint64_t>(v));
    add(end);
  }
};
}  // namespace

// Everything a run's future depends on, except the step count (a run's
// bounds), what only explanations read (steps, where a lock was taken), and
// what `unread` says no decision reads (exec/choice.hpp). Timer ids are
// replaced by what they order: pending timers by (time, id) give their
// tasks in firing order.
//
// With a Renaming (explore/symmetry.hpp), every task and thread id is
// hashed as its canonical id, every per-task record and the threads in
// canonical order, and a frame's program as the first program with the
// same code.
uint64_t state_hash(const World& w, uint32_t unread, const Renaming* r) {
  const bool clock = !(unread & kClockUnread);
  Hasher x;
  const uint32_t ntasks = static_cast<uint32_t>(w.tasks.size());
  auto task = [&](uint32_t id) -> uint64_t { return r && id < ntasks ? r->task[id] : id; };
  auto nth = [&](uint32_t i) { return r ? r->order[i] : i; };  // the i-th task in canonical order
  auto thread = [&](uint32_t id) -> uint64_t { return r && id < r->thread.size() ? r->thread[id] : id; };
  auto tasks = [&](const auto& c, uint64_t end) {  // a queue of task ids (and markers)
    for (uint32_t v : c) x.add(task(v));
    x.add(end);
  };
  auto per_task = [&](const auto& v, uint64_t end) {  // a vector indexed by task
    for (uint32_t i = 0; i < v.size(); ++i) x.add(static_cast<uint64_t>(v[nth(i)]));
    x.add(end);
  };
  for (uint32_t i = 0; i < ntasks; ++i) {
    const TaskRt& t = w.tasks[nth(i)];
    x.add(t.pc);
    x.add(static_cast<uint64_t>(t.status) | static_cast<uint64_t>(t.queued) << 8 |
          static_cast<uint64_t>(t.flags) << 16 |
          static_cast<uint64_t>(!r || t.status == TaskStatus::Running ? thread(t.thread)
                                                                       : r->home[t.thread]) << 24 |
          static_cast<uint64_t>(t.barge_woken) << 32);
    x.add(t.wakers);
    x.add(t.parked_in);
    x.add(t.waits_on);
  }
  const uint32_t nlocals = ntasks ? static_cast<uint32_t>(w.task_locals.size() / ntasks) : 0;
  for (uint32_t i = 0; i < ntasks; ++i)
    for (uint32_t k = 0; k < nlocals; ++k) x.add(static_cast<uint64_t>(w.task_locals[nth(i) * nlocals + k]));
  x.add(0xfff0);
  for (const MutexRt& m : w.mutexes) {
    const uint64_t holder_thread = !r || m.holder_kind == HolderKind::Frame ? thread(m.holder_thread) : 0;
    x.add(static_cast<uint64_t>(m.holder_kind) | holder_thread << 8 |
          static_cast<uint64_t>(m.poisoned_by) << 32);
    x.add(m.holder_kind == HolderKind::Task ? task(m.holder) : m.holder);
    for (uint32_t v : m.waiters) x.add(task(v & ~kEntryWoken) | (v & kEntryWoken));
    x.add(0xffff);
  }
  for (const RwLockRt& r : w.rwlocks) {  // guards (not where they were taken), queue, hand-offs
    auto holder = [&](const RwHolder& h) {
      x.add(static_cast<uint64_t>(h.kind) | static_cast<uint64_t>(h.thread) << 8 |
            static_cast<uint64_t>(h.id) << 32);
    };
    holder(r.writer);
    for (const RwHolder& h : r.readers) holder(h);
    x.add(0xffde);
    for (const RwWaiter& q : r.waiters) x.add(static_cast<uint64_t>(q.task) << 1 | q.write);
    x.add(0xffdd);
    x.seq(r.granted, 0xffdc);
  }
  for (const CondvarRt& c : w.condvars) {  // who waits, who was woken and has not returned
    x.seq(c.waiters, 0xffcf);
    x.seq(c.woken, 0xffce);
  }
  for (const BarrierRt& b : w.barriers) {  // arrivals, waiters, released (not the generation)
    x.add(static_cast<uint64_t>(b.arrived) << 8 | 0xcd);
    x.seq(b.waiting, 0xffcc);
    x.seq(b.released, 0xffcb);
  }
  for (const QueueRt& q : w.queues) {
    x.add(q.empty_wake_step != 0);
    x.seq(q.wakers, 0xfffe);
  }
  for (const SemaphoreRt& s : w.semaphores) {
    x.add(static_cast<uint64_t>(s.permits));
    x.seq(s.waiters, 0xfff8);
    x.seq(s.assigned, 0xfff7);
    x.seq(s.holders, 0xfff6);
  }
  for (const NotifyRt& n : w.notifies) {
    x.add(n.permit);
    x.seq(n.waiters, 0xfff5);
    for (size_t i = 0; i < n.notified.size(); ++i) x.add(n.notified[i] << 1 | n.by_one[i]);
    x.add(0xfff4);
  }
  for (const ChannelRt& c : w.channels) {
    x.add(static_cast<uint64_t>(c.len()) << 2 | (c.closed ? 2u : 0u) | (c.rx != channel::kNone));
    x.seq(c.values, 0xffcf);  // the messages, in order: what recvs will hand out
    x.add(static_cast<uint64_t>(c.senders) << 32 | c.rx);
    if (c.rx_gone) x.add(0xffbf);  // only with user-defined wakers
    x.add(static_cast<uint64_t>(c.slots.permits));
    x.seq(c.slots.waiters, 0xfff3);
    x.seq(c.slots.assigned, 0xfff2);
    x.seq(c.slots.holders, 0xfff1);
  }
  for (const BroadcastRt& b : w.broadcasts) {  // the ring, the tail, each receiver's place
    x.add(static_cast<uint64_t>(b.tail));
    x.add(static_cast<uint64_t>(b.senders));
    x.seq(b.buf, 0xffce);
    for (const BcastRx& r : b.rxs)
      x.add(static_cast<uint64_t>(r.holder) << 32 | static_cast<uint64_t>(b.tail - r.next) << 1 |
            (r.waiting ? 1u : 0u));
    x.seq(b.waiters, 0xffcd);  // the order they wake in
  }
  for (const JoinSetRt& s : w.join_sets) {  // members in their orders, the waker, dropped
    x.add(static_cast<uint64_t>(s.waker) << 1 | (s.dropped ? 1u : 0u));
    x.seq(s.idle, 0xffc9);
    x.seq(s.notified, 0xffc8);
  }
  for (const RefCellRt& c : w.refcells) {  // who holds which borrow, and its thread
    x.add(static_cast<uint64_t>(c.thread) | static_cast<uint64_t>(c.borrows.size()) << 16);
    for (const BorrowRt& b : c.borrows)
      x.add(static_cast<uint64_t>(b.holder_kind) | static_cast<uint64_t>(b.mut) << 8 |
            static_cast<uint64_t>(b.thread) << 16 | static_cast<uint64_t>(b.holder) << 32);
  }
  x.add(0xffd0 | static_cast<uint64_t>(w.panic.any) << 32);  // a panic decides the verdict
  x.seq(w.counters, 0xffe0);
  if (!w.waker_now.empty()) {  // user-defined wakers: what each poll brings, who stores which
    x.seq(w.waker_now, 0xffc8);
    x.seq(w.waker_next, 0xffc7);
    for (const StoredWaker& s : w.stored_wakers) {
      x.add(static_cast<uint64_t>(s.holder) | static_cast<uint64_t>(s.index) << 32);
      x.add(static_cast<uint64_t>(s.waker) | static_cast<uint64_t>(s.place) << 16);
    }
    x.add(0xffc6);
  }
  x.seq(w.dropped, 0xffe1);
  for (uint32_t c : w.closed_at) x.add(c != 0);
  for (uint32_t i = 0; i < w.threads.size(); ++i) {
    const ThreadRt& th = w.threads[r ? r->thread_order[i] : i];
    x.add(static_cast<uint64_t>(th.status) | static_cast<uint64_t>(th.blocked_on) << 8);
    x.seq(th.spurious, 0xffca);  // the spurious wake-ups it has left decide choices
    x.add(static_cast<uint64_t>(clock ? th.busy_until : 0));
    x.seq(th.notified, 0xffe2);
    tasks(th.inbox, 0xfffa);
    x.add(th.stack.size());
    for (const Frame& f : th.stack) {
      x.add(static_cast<uint64_t>(f.kind) | static_cast<uint64_t>(f.entry) << 8 |
            static_cast<uint64_t>(f.via) << 16 | static_cast<uint64_t>(f.branch) << 24 |
            static_cast<uint64_t>(f.start) << 32 | static_cast<uint64_t>(f.child_polled) << 40);
      x.add(f.kind == FrameKind::Poll ? task(f.id) : f.id);
      x.add(static_cast<uint64_t>(r ? r->program[f.program] : f.program) << 32 | f.pc);
      x.seq(f.wakes, 0xffe3);
      if (f.pending_after || f.wake_target != kNoId)
        x.add(static_cast<uint64_t>(f.wake_target) | static_cast<uint64_t>(f.pending_after) << 32 |
              0xffc9ull << 40);
    }
    x.seq(th.locals, 0xffe4);
    x.add(static_cast<uint64_t>(th.phase) | static_cast<uint64_t>(th.polls_on_stack) << 8 |
          static_cast<uint64_t>(unread & kIterationUnread ? 0 : th.run_queue_polls) << 32);
    tasks(th.posted, 0xfffd);
    tasks(th.sched_queue, 0xfff9);
    tasks(th.sched_batch, 0xffe5);
    x.add(static_cast<uint64_t>(th.sched_posted) | 0xfffc0);
    tasks(th.run_queue, 0xfffb);
    x.seq(th.ready_events, 0xffe6);
    x.seq(th.cleanups, 0xffee);
  }
  x.add(w.next_event);
  x.seq(w.next_replica, 0xffe7);
  if (clock) x.add(static_cast<uint64_t>(w.now));
  x.add((clock ? w.spin_us : 0) | static_cast<uint64_t>(w.started) << 32 |
        static_cast<uint64_t>(w.cut_recorded) << 33 | static_cast<uint64_t>(w.halt) << 40);
  x.add(w.live);
  // Pending timers in firing order (time, then id), as (time, task).
  std::vector<std::pair<int64_t, uint32_t>> pending;
  for (uint32_t id : w.timer_heap) pending.emplace_back(w.timers[id].at, id);
  std::sort(pending.begin(), pending.end());
  for (const auto& [at, id] : pending) {
    x.add(static_cast<uint64_t>(at));
    x.add(w.timers[id].task);
  }
  x.add(0xffe8);
  for (uint32_t i = 0; i < w.sleeping.size(); ++i) {  // the sleep a task is in: its timer's time and whether it fired
    const uint32_t s = w.sleeping[nth(i)];
    x.add(s ? static_cast<uint64_t>(w.timers[s - 1].at) << 1 | w.timers[s - 1].fired : ~0ull);
  }
  per_task(w.critical, 0xffe9);
  if (clock) per_task(w.ready_since, 0xffea);  // times of wakes: read by the latency bound only
  for (const ExcRt& e : w.exc) {
    x.add(static_cast<uint64_t>(e.mask) | static_cast<uint64_t>(e.pending) << 8 |
          static_cast<uint64_t>(e.killed) << 16 | static_cast<uint64_t>(e.kill_offered) << 17 |
          static_cast<uint64_t>(e.joiner) << 24);
    x.seq(e.mask_stack, 0xffeb);
    for (const CatchRt& c : e.catches) x.add(c.handler | static_cast<uint64_t>(c.mask) << 32 |
                                             static_cast<uint64_t>(c.mask_depth) << 40);
    x.seq(e.handler_states, 0xffec);
    x.seq(e.scopes, 0xffd1);
    for (const CatchRt& c : e.catches) x.add(c.scope_depth);
  }
  return x.h;
}

// ---- DFS with sleep sets -----------------------------------------------------

void Dfs::begin_run() {
  depth_ = 0;
  units_.clear();
  resume_ = nullptr;
  // A slot filled in the last run for a choice that was never asked (the
  // run was pruned in that step) belongs to no node.
  if (pending_) pending_->valid = false;
  for (size_t j = nodes_.size(); j-- > 0;)
    if (nodes_[j].snap) {  // the prefix up to node j is the last run's
      depth_ = j;
      resume_ = nodes_[j].snap.get();
      break;
    }
}

Snapshot* Dfs::snapshot_slot() {
  if (!snapshots_ || depth_ < nodes_.size()) return nullptr;  // a replayed node has its own
  if (!pending_) {
    if (pool_.empty()) {
      pending_ = std::make_unique<Snapshot>();
    } else {
      pending_ = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  pending_->valid = false;
  return pending_.get();
}

void Dfs::recycle(std::unique_ptr<Snapshot> s) {
  if (!s) return;
  s->valid = false;
  pool_.push_back(std::move(s));
}

void Dfs::pop_node() {
  recycle(std::move(nodes_.back().snap));
  nodes_.pop_back();
}

bool Dfs::skipped(const Node& n, uint32_t id) const {
  return asleep(n, id) || std::find(n.mirrored.begin(), n.mirrored.end(), id) != n.mirrored.end();
}

bool Dfs::asleep(const Node& n, uint32_t id) const {
  for (const Entry& e : n.sleep)
    if (e.kind == n.kind && e.id == id) return true;
  return false;
}

// The sleep set of the node about to be created at depth_: the previous
// node's sleepers and explored siblings that no unit run since conflicts with.
std::vector<Dfs::Entry> Dfs::sleep_for_new_node() const {
  std::vector<Entry> out;
  if (!sleep_sets_ || depth_ == 0) return out;
  const Node& prev = nodes_[depth_ - 1];
  if (!prev.between_units || !prev.have_fp) return out;
  auto survives = [&](const Entry& e) {
    if (!e.known || conflicts(e.fp, prev.chosen_fp)) return false;
    for (size_t i = 1; i < units_.size(); ++i)
      if (conflicts(e.fp, units_[i])) return false;
    return true;
  };
  for (const Entry& e : prev.sleep)
    if (survives(e)) out.push_back(e);
  for (const Entry& e : prev.done)
    if (survives(e)) out.push_back(e);
  return out;
}

uint32_t Dfs::choose(const ChoicePoint& cp) {
  // The unit the previous choice ran is the first one since it.
  if (depth_ > 0) {
    Node& prev = nodes_[depth_ - 1];
    if (!prev.have_fp && prev.between_units && !units_.empty()) {
      prev.chosen_fp = units_.front();
      prev.have_fp = true;
    }
  }
  if (depth_ < nodes_.size()) {  // replaying the prefix
    Node& n = nodes_[depth_];
    if (n.options != cp.options || n.kind != cp.kind)
      throw std::logic_error("exhaustive search: a replayed prefix diverged (nondeterminism)");
    units_.clear();
    ++depth_;
    return n.chosen;  // its state was counted when the node was made
  }
  // The snapshot the machine left for this choice (it asks only for new nodes).
  std::unique_ptr<Snapshot> snap;
  if (pending_ && pending_->valid && cp.kind == ChoiceKind::Thread) snap = std::move(pending_);
  if (pending_) pending_->valid = false;
  Hasher key;
  unread_ = cp.unread;
  // Other choices' options may be task ids (a drop order): renamed, they
  // would need renaming too, so those states keep their own names. A
  // thread choice's options and sleep set are renamed with its state.
  const bool renamed = cp.kind == ChoiceKind::Thread && symmetry_.on() && state_cache_;
  key.add(renamed ? key_of(cp.world, cp.unread) : state_hash(cp.world, cp.unread));
  auto name = [&](uint32_t t) { return renamed ? symmetry_.thread_name(t) : t; };
  if (cp.kind == ChoiceKind::Thread && max_deviations_ == kUnbounded) {
    // Which thread stepped last only puts it first among the options (the
    // natural order); every option is explored whatever the order, and each
    // successor is the same (after a step, that thread stepped last), so
    // without a deviation bound it is left out, and the options are a set.
    key.add(cp.context & ~kLastThread);
    sorted_.clear();
    for (uint32_t t : cp.options) sorted_.push_back(name(t));
    std::sort(sorted_.begin(), sorted_.end());
    key.add(static_cast<uint64_t>(cp.kind));
    key.seq(sorted_, 0xffed);
  } else {
    key.add(cp.context);
    key.add(static_cast<uint64_t>(cp.kind));
    key.seq(cp.options, 0xffed);
  }
  states_.insert(key.h);
  Node n;
  n.kind = cp.kind;
  n.options = cp.options;
  n.between_units = cp.between_units;
  n.sleep = cp.between_units ? sleep_for_new_node() : std::vector<Entry>{};
  n.key = key.h;
  uint32_t parent_dev = depth_ > 0 ? nodes_[depth_ - 1].deviations : 0;
  n.parent_dev = parent_dev;
  if (state_cache_) {
    auto sleeping = ids(n.sleep);
    if (renamed) {
      for (auto& [kind, id] : sleeping) id = name(id);
      std::sort(sleeping.begin(), sleeping.end());
    }
    n.visit_sleep = sleeping;
    auto [it, fresh] = visited_.try_emplace(key.h);
    Visit& v = *it;
    if (!fresh && v.on_path == 0 && v.deviations <= parent_dev &&
        std::includes(sleeping.begin(), sleeping.end(), v.sleep.begin(), v.sleep.end())) {
      ++revisits_;
      units_.clear();
      recycle(std::move(snap));
      return kPrune;  // explored before, from here, with no more asleep
    }
    if (fresh) {
      v.sleep = std::move(sleeping);
      v.deviations = parent_dev;
    }
    ++v.on_path;
  }
  // Of two workers whose swap leaves the state as it is, the second need
  // not run where the first does (explore/symmetry.hpp): its successor is
  // the first's renamed. Only where the first is awake, so it is explored.
  if (renamed) {
    symmetry_.swappable(cp.world, cp.unread, renamed_hash_, swaps_);
    for (const auto& [a, b] : swaps_)
      if (!asleep(n, a) && std::find(n.options.begin(), n.options.end(), a) != n.options.end())
        n.mirrored.push_back(b);
  }
  // Take the first option that does not sleep (option 0 when nothing sleeps).
  uint32_t pick = 0;
  while (pick < n.options.size() && skipped(n, n.options[pick])) ++pick;
  if (pick > 0 && pick < n.options.size() && parent_dev >= max_deviations_) deviation_cut_ = true;
  if (pick == n.options.size() || (pick > 0 && parent_dev >= max_deviations_)) {
    // Every option sleeps, or the only ones awake deviate past the bound.
    leave(n);
    units_.clear();
    recycle(std::move(snap));
    return kPrune;
  }
  n.snap = std::move(snap);
  n.chosen = pick;
  n.deviations = parent_dev + (pick > 0 ? 1 : 0);
  nodes_.push_back(std::move(n));
  units_.clear();
  ++depth_;
  return pick;
}

uint64_t Dfs::key_of(const World& w, uint32_t unread) {
  if (!symmetry_.on() || !state_cache_) return state_hash(w, unread);
  const Renaming r = symmetry_.canonical(w);
  renamed_hash_ = state_hash(w, unread, &r);
  return renamed_hash_ ^ 0x5e77e7c1a55e5ull;  // apart from the plain fingerprints
}

void Dfs::visit(const World& w) { states_.insert(key_of(w, unread_)); }

void Dfs::unit_done(const Footprint& f) { units_.push_back(f); }

std::vector<std::pair<ChoiceKind, uint32_t>> Dfs::ids(const std::vector<Entry>& sleep) {
  std::vector<std::pair<ChoiceKind, uint32_t>> out;
  for (const Entry& e : sleep) out.emplace_back(e.kind, e.id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Dfs::leave(const Node& n) {
  if (!state_cache_) return;
  Visit* it = visited_.find(n.key);
  if (!it) return;
  Visit& v = *it;
  --v.on_path;
  // Covered now: what this visit explored and what earlier ones did. (A
  // node read from a checkpoint under symmetry does not know its sleep set's
  // canonical names: the visit keeps what it had, which claims no more.)
  if (n.visit_sleep_known) {
    std::vector<std::pair<ChoiceKind, uint32_t>> both;
    std::set_intersection(v.sleep.begin(), v.sleep.end(), n.visit_sleep.begin(),
                          n.visit_sleep.end(), std::back_inserter(both));
    v.sleep = std::move(both);
  }
  v.deviations = std::min(v.deviations, n.parent_dev);
}

bool Dfs::next() {
  // The last node's unit, if the run ended right after it.
  if (depth_ > 0 && depth_ == nodes_.size()) {
    Node& last = nodes_[depth_ - 1];
    if (!last.have_fp && last.between_units && !units_.empty()) {
      last.chosen_fp = units_.front();
      last.have_fp = true;
    }
  }
  for (size_t i = depth_; i < nodes_.size(); ++i) leave(nodes_[i]);
  while (nodes_.size() > depth_) pop_node();
  while (!nodes_.empty()) {
    Node& n = nodes_.back();
    Entry was{n.kind, n.options[n.chosen], n.chosen_fp, n.have_fp};
    n.done.push_back(was);
    uint32_t parent_dev = nodes_.size() > 1 ? nodes_[nodes_.size() - 2].deviations : 0;
    if (parent_dev >= max_deviations_) {  // the siblings left deviate past the bound
      for (uint32_t k = n.chosen + 1; k < n.options.size() && !deviation_cut_; ++k)
        deviation_cut_ = !asleep(n, n.options[k]);
    } else {
      for (uint32_t k = n.chosen + 1; k < n.options.size(); ++k) {
        uint32_t id = n.options[k];
        bool skip = skipped(n, id);
        for (const Entry& e : n.done)
          if (e.kind == n.kind && e.id == id) skip = true;
        if (skip) continue;
        n.chosen = k;
        n.have_fp = false;
        n.chosen_fp = Footprint{};
        n.deviations = parent_dev + 1;
        return true;
      }
    }
    leave(n);
    pop_node();
  }
  return false;
}

// ---- checkpoints --------------------------------------------------------------
//
// One node per line: kind chosen between have_fp deviations parent_dev key
// | options | chosen_fp | done entries | sleep entries; an entry is
// kind id known footprint, a footprint is all:count,key,key,... and lists
// are space-separated.

namespace {
void put_fp(std::ostringstream& o, const Footprint& fp) {
  o << fp.all << ':' << fp.keys.size();
  for (uint32_t k : fp.keys) o << ',' << k;
}

Footprint get_fp(std::istringstream& in) {
  Footprint fp;
  size_t n = 0;
  char colon = 0;
  in >> fp.all >> colon >> n;
  if (!in || colon != ':' || n > (1u << 24)) throw std::invalid_argument("bad footprint");
  fp.keys.resize(n);
  for (uint32_t& k : fp.keys) {
    char comma = 0;
    in >> comma >> k;
    if (!in || comma != ',') throw std::invalid_argument("bad footprint");
  }
  return fp;
}
}  // namespace

std::string Dfs::save() const {
  std::ostringstream o;
  o << "dfs2 " << nodes_.size() << ' ' << pruned_ << ' ' << revisits_ << ' ' << deviation_cut_ << '\n';
  auto entries = [&](const std::vector<Entry>& es) {
    o << es.size();
    for (const Entry& e : es) {
      o << ' ' << static_cast<unsigned>(e.kind) << ' ' << e.id << ' ' << e.known << ' ';
      put_fp(o, e.fp);
    }
  };
  for (const Node& n : nodes_) {
    o << static_cast<unsigned>(n.kind) << ' ' << n.chosen << ' ' << n.between_units << ' '
      << n.have_fp << ' ' << n.deviations << ' ' << n.parent_dev << ' ' << n.key << ' '
      << n.options.size();
    for (uint32_t x : n.options) o << ' ' << x;
    o << ' ';
    put_fp(o, n.chosen_fp);
    o << ' ';
    entries(n.done);
    o << ' ';
    entries(n.sleep);
    o << '\n';
  }
  // The state cache: a state, the deviations and the sleeping options it
  // was explored with (how many path nodes stand on it is the path's).
  o << "cache " << visited_.size() << '\n';
  visited_.for_each([&o](uint64_t key, const Visit& v) {
    o << key << ' ' << v.deviations << ' ' << v.sleep.size();
    for (const auto& [kind, id] : v.sleep) o << ' ' << static_cast<unsigned>(kind) << ':' << id;
    o << '\n';
  });
  return o.str();
}

void Dfs::load(const std::string& text) {
  std::istringstream in(text);
  std::string magic;
  size_t count = 0;
  in >> magic >> count >> pruned_ >> revisits_ >> deviation_cut_;
  if (!in || magic != "dfs2" || count > (1u << 26)) throw std::invalid_argument("not a search checkpoint");
  auto entries = [&](std::vector<Entry>& es) {
    size_t n = 0;
    in >> n;
    if (!in || n > (1u << 20)) throw std::invalid_argument("bad entries");
    es.resize(n);
    for (Entry& e : es) {
      unsigned kind = 0;
      in >> kind >> e.id >> e.known;
      if (!in || kind > static_cast<unsigned>(ChoiceKind::Spurious)) throw std::invalid_argument("bad entry");
      e.kind = static_cast<ChoiceKind>(kind);
      e.fp = get_fp(in);
    }
  };
  std::vector<Node> nodes(count);
  for (Node& n : nodes) {
    unsigned kind = 0;
    size_t options = 0;
    in >> kind >> n.chosen >> n.between_units >> n.have_fp >> n.deviations >> n.parent_dev >> n.key >> options;
    if (!in || kind > static_cast<unsigned>(ChoiceKind::Spurious) || options < 2 || options > (1u << 24))
      throw std::invalid_argument("bad node");
    n.kind = static_cast<ChoiceKind>(kind);
    n.options.resize(options);
    for (uint32_t& x : n.options) in >> x;
    if (!in || n.chosen >= options) throw std::invalid_argument("bad node");
    n.chosen_fp = get_fp(in);
    entries(n.done);
    entries(n.sleep);
    n.visit_sleep = ids(n.sleep);
    n.visit_sleep_known = !symmetry_.on();
  }
  std::string word;
  size_t cached = 0;
  in >> word >> cached;
  if (!in || word != "cache" || cached > (size_t{1} << 32)) throw std::invalid_argument("bad cache");
  FlatMap<Visit> visited;
  for (size_t i = 0; i < cached; ++i) {
    uint64_t key = 0;
    size_t asleep = 0;
    Visit v;
    in >> key >> v.deviations >> asleep;
    if (!in || asleep > (1u << 20)) throw std::invalid_argument("bad cache entry");
    for (size_t j = 0; j < asleep; ++j) {
      unsigned kind = 0;
      char colon = 0;
      uint32_t id = 0;
      in >> kind >> colon >> id;
      if (!in || colon != ':' || kind > static_cast<unsigned>(ChoiceKind::Spurious))
        throw std::invalid_argument("bad cache entry");
      v.sleep.emplace_back(static_cast<ChoiceKind>(kind), id);
    }
    *visited.try_emplace(key).first = std::move(v);
  }
  nodes_ = std::move(nodes);
  depth_ = 0;
  units_.clear();
  visited_ = state_cache_ ? std::move(visited) : FlatMap<Visit>{};
  for (const Node& n : nodes_)  // the path's states are on the path again
    if (Visit* v = visited_.find(n.key)) ++v->on_path;
}

}  // namespace wb

#include "explore/strategies.hpp"

#include <algorithm>

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
  uint64_t h = 0xcbf29ce484222325ull;
  void add(uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0x100000001b3ull;
  }
};
}  // namespace

uint64_t state_hash(const World& w) {
  Hasher x;
  for (const TaskRt& t : w.tasks) {
    x.add(t.pc);
    x.add(static_cast<uint64_t>(t.status) | static_cast<uint64_t>(t.queued) << 8 |
          static_cast<uint64_t>(t.flags) << 16 | static_cast<uint64_t>(t.barge_woken) << 24);
    x.add(t.wakers);
    x.add(t.parked_in);
    x.add(t.waits_on);
  }
  for (int64_t v : w.task_locals) x.add(static_cast<uint64_t>(v));
  for (const MutexRt& m : w.mutexes) {
    x.add(static_cast<uint64_t>(m.holder_kind));
    x.add(m.holder);
    for (uint32_t t : m.waiters) x.add(t);
    x.add(0xffff);
  }
  for (const QueueRt& q : w.queues) {
    for (uint32_t t : q.wakers) x.add(t);
    x.add(0xfffe);
  }
  for (const SemaphoreRt& s : w.semaphores) {
    x.add(static_cast<uint64_t>(s.permits));
    for (uint32_t t : s.waiters) x.add(t);
    x.add(0xfff8);
    for (uint32_t t : s.assigned) x.add(t);
    x.add(0xfff7);
    for (uint32_t t : s.holders) x.add(t);
    x.add(0xfff6);
  }
  for (const NotifyRt& n : w.notifies) {
    x.add(n.permit);
    for (uint32_t t : n.waiters) x.add(t);
    x.add(0xfff5);
    for (size_t i = 0; i < n.notified.size(); ++i) x.add(n.notified[i] << 1 | n.by_one[i]);
    x.add(0xfff4);
  }
  for (const ChannelRt& c : w.channels) {
    x.add(static_cast<uint64_t>(c.len) << 2 | (c.closed ? 2u : 0u) | (c.rx != channel::kNone));
    x.add(static_cast<uint64_t>(c.senders) << 32 | c.rx);
    x.add(static_cast<uint64_t>(c.slots.permits));
    for (uint32_t t : c.slots.waiters) x.add(t);
    x.add(0xfff3);
    for (uint32_t t : c.slots.assigned) x.add(t);
    x.add(0xfff2);
  }
  for (int64_t c : w.counters) x.add(static_cast<uint64_t>(c));
  for (uint8_t d : w.dropped) x.add(d);
  for (uint32_t c : w.closed_at) x.add(c != 0);
  for (const ThreadRt& th : w.threads) {
    x.add(static_cast<uint64_t>(th.status) | static_cast<uint64_t>(th.blocked_on) << 8);
    x.add(static_cast<uint64_t>(th.busy_until));
    for (uint32_t q : th.notified) x.add(q);
    for (uint32_t t : th.inbox) x.add(t);
    x.add(0xfffa);
    x.add(th.stack.size());
    for (const Frame& f : th.stack) {
      x.add(static_cast<uint64_t>(f.kind));
      x.add(f.id);
      x.add(f.pc);
      x.add(static_cast<uint64_t>(f.branch) | static_cast<uint64_t>(f.start) << 8 |
            static_cast<uint64_t>(f.child_polled) << 16);
    }
    x.add(static_cast<uint64_t>(th.phase));
    for (uint32_t t : th.posted) x.add(t);
    x.add(0xfffd);
    for (uint32_t t : th.sched_queue) x.add(t);
    x.add(0xfff9);
    for (uint32_t t : th.sched_batch) x.add(t);
    x.add(static_cast<uint64_t>(th.sched_posted) | 0xfffc0);
    for (uint32_t t : th.run_queue) x.add(t);
    x.add(0xfffb);
    for (uint32_t h : th.ready_events) x.add(h);
  }
  x.add(w.next_event);
  for (uint32_t n : w.next_replica) x.add(n);
  x.add(static_cast<uint64_t>(w.now));
  for (uint32_t id : w.timer_heap) {
    x.add(static_cast<uint64_t>(w.timers[id].at));
    x.add(w.timers[id].task);
  }
  return x.h;
}

// ---- DFS with sleep sets -----------------------------------------------------

void Dfs::begin_run() {
  depth_ = 0;
  units_.clear();
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
  states_.insert(state_hash(cp.world));
  Node n;
  n.kind = cp.kind;
  n.options = cp.options;
  n.between_units = cp.between_units;
  n.sleep = cp.between_units ? sleep_for_new_node() : std::vector<Entry>{};
  uint32_t parent_dev = depth_ > 0 ? nodes_[depth_ - 1].deviations : 0;
  // Take the first option that does not sleep (option 0 when nothing sleeps).
  uint32_t pick = 0;
  while (pick < n.options.size() && asleep(n, n.options[pick])) ++pick;
  if (pick == n.options.size()) {
    units_.clear();
    throw Pruned{};
  }
  if (pick > 0 && parent_dev >= max_deviations_) {
    units_.clear();
    throw Pruned{};  // the only non-sleeping options deviate past the bound
  }
  n.chosen = pick;
  n.deviations = parent_dev + (pick > 0 ? 1 : 0);
  nodes_.push_back(std::move(n));
  units_.clear();
  ++depth_;
  return pick;
}

void Dfs::unit_done(const Footprint& f) { units_.push_back(f); }

bool Dfs::next() {
  // The last node's unit, if the run ended right after it.
  if (depth_ > 0 && depth_ == nodes_.size()) {
    Node& last = nodes_[depth_ - 1];
    if (!last.have_fp && last.between_units && !units_.empty()) {
      last.chosen_fp = units_.front();
      last.have_fp = true;
    }
  }
  nodes_.resize(std::min(nodes_.size(), depth_));
  while (!nodes_.empty()) {
    Node& n = nodes_.back();
    Entry was{n.kind, n.options[n.chosen], n.chosen_fp, n.have_fp};
    n.done.push_back(was);
    uint32_t parent_dev = nodes_.size() > 1 ? nodes_[nodes_.size() - 2].deviations : 0;
    if (parent_dev < max_deviations_) {
      for (uint32_t k = n.chosen + 1; k < n.options.size(); ++k) {
        uint32_t id = n.options[k];
        bool skip = asleep(n, id);
        for (const Entry& e : n.done)
          if (e.kind == n.kind && e.id == id) skip = true;
        if (skip) continue;
        n.chosen = k;
        n.have_fp = false;
        n.chosen_fp.keys.clear();
        n.deviations = parent_dev + 1;
        return true;
      }
    }
    nodes_.pop_back();
  }
  return false;
}

}  // namespace wb

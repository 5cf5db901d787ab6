#include "explore/symmetry.hpp"

#include "explore/strategies.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace wb {

namespace {
uint64_t mix(uint64_t h, uint64_t v) {  // splitmix64's finaliser over h ^ v
  uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

bool same_code(const Program& a, const Program& b) {
  if (a.code.size() != b.code.size()) return false;
  for (size_t i = 0; i < a.code.size(); ++i) {
    const Instr &x = a.code[i], &y = b.code[i];
    if (x.code != y.code || x.cmp != y.cmp || x.a != y.a || x.jump != y.jump || x.b != y.b ||
        x.v != y.v)
      return false;
  }
  return true;
}

// The vocabulary whose task ids symmetry.hpp lists and renames.
bool renamable(const Scenario& sc) {
  if (!sc.threads.empty() || !sc.handlers.empty() || !sc.connections.empty() ||
      !sc.wakers.empty() || sc.exceptions || !sc.timeless || sc.latency_bound != 0)
    return false;
  // Declared resources that keep task ids whatever the programs do (a
  // channel's or broadcast's receiving task, a join set's owner).
  if (!sc.channels.empty() || !sc.broadcasts.empty() || !sc.join_sets.empty()) return false;
  for (const Program& p : sc.programs)
    for (const Instr& in : p.code) switch (in.code) {
        case Code::ALock:
        case Code::AUnlock:
        case Code::TryLock:
          if (is_blocking(sc.mutexes[in.a].kind)) return false;
          break;
        case Code::SpawnAll:
          if (p.kind != ProgramKind::Startup) return false;
          break;
        case Code::Print: case Code::Yield: case Code::Pending: case Code::Add: case Code::Set:
        case Code::Jump: case Code::JumpUnless: case Code::LocalSet: case Code::LocalLoop:
        case Code::Load: case Code::Store: case Code::Swap: case Code::CompareExchange:
        case Code::FetchAdd: case Code::JumpUnlessLocal: case Code::End:
          break;
        default:
          return false;
      }
  return true;
}
}  // namespace

Symmetry::Symmetry(const Scenario& sc, bool workers) {
  if (!renamable(sc)) return;
  program_.resize(sc.programs.size());
  for (uint32_t p = 0; p < sc.programs.size(); ++p) {
    program_[p] = p;
    for (uint32_t q = 0; q < p; ++q)
      if (program_[q] == q && same_code(sc.programs[q], sc.programs[p])) {
        program_[p] = q;
        break;
      }
  }
  // Templates that agree on everything a run reads but their names.
  using Key = std::tuple<uint32_t, bool, bool, bool, bool, uint8_t>;
  std::map<Key, std::vector<uint32_t>> classes;
  for (uint32_t i = 0; i < sc.templates.size(); ++i) {
    const TaskTemplate& t = sc.templates[i];
    if (t.parent >= 0 || !t.futures.empty() || !t.owned.empty() || t.waker != 0 ||
        (i < sc.join_set_of.size() && sc.join_set_of[i] != Scenario::kNoOwner))
      continue;
    auto& ids = classes[Key{program_[t.program], t.autostart, t.daemon, t.must_finish,
                            t.kill_points, t.mask}];
    for (uint32_t r = 0; r < t.count; ++r) ids.push_back(t.first + r);
  }
  task_.resize(sc.ntasks);
  order_.resize(sc.ntasks);
  for (uint32_t i = 0; i < sc.ntasks; ++i) task_[i] = order_[i] = i;
  for (auto& [key, ids] : classes) {
    if (ids.size() < 2) continue;
    std::sort(ids.begin(), ids.end());
    start_.push_back(static_cast<uint32_t>(members_.size()));
    members_.insert(members_.end(), ids.begin(), ids.end());
  }
  start_.push_back(static_cast<uint32_t>(members_.size()));
  const uint32_t nthreads = static_cast<uint32_t>(1 + sc.threads.size() + (sc.workers - 1));
  thread_.resize(nthreads);
  thread_order_.resize(nthreads);
  for (uint32_t t = 0; t < nthreads; ++t) {
    thread_[t] = thread_order_[t] = t;
    if (workers && sc.is_worker(t)) workers_.push_back(t);
    home_.push_back(sc.is_worker(t) ? 0 : t);
  }
  if (workers_.size() < 2) workers_.clear();
  on_ = !members_.empty() || !workers_.empty();
  base_.resize(sc.ntasks);  // a task no class renames stands for itself
  for (uint32_t i = 0; i < sc.ntasks; ++i) base_[i] = mix(0x7a5c, i);
  sig_.assign(sc.ntasks, 0);
  tsig_.assign(nthreads, 0);
}

Renaming Symmetry::canonical(const World& w) {
  // Each renamed task's own record and locals (not the thread polling it).
  const size_t nlocals = w.tasks.empty() ? 0 : w.task_locals.size() / w.tasks.size();
  for (uint32_t id : members_) {
    const TaskRt& t = w.tasks[id];
    uint64_t h = mix(t.pc, static_cast<uint64_t>(t.status) | static_cast<uint64_t>(t.queued) << 8 |
                               static_cast<uint64_t>(t.flags) << 16 |
                               static_cast<uint64_t>(t.wakers) << 32);
    h = mix(h, static_cast<uint64_t>(t.barge_woken) << 32 | t.waits_on);
    h = mix(h, t.parked_in);
    for (size_t k = 0; k < nlocals; ++k) h = mix(h, static_cast<uint64_t>(w.task_locals[id * nlocals + k]));
    base_[id] = h;
  }
  auto task_part = [&](uint32_t id) -> uint64_t {  // what a task contributes to a thread's signature
    return id < base_.size() ? base_[id] : id;     // (a marker, kSchedulerEvent: itself)
  };
  // The workers in order of their own state: their stacks (with what the
  // tasks they poll are), queues and phase, then their ids.
  if (!workers_.empty()) {
    sorted_.clear();
    for (uint32_t th : workers_) {
      const ThreadRt& t = w.threads[th];
      uint64_t h = mix(static_cast<uint64_t>(t.status) | static_cast<uint64_t>(t.phase) << 8 |
                           static_cast<uint64_t>(t.polls_on_stack) << 16,
                       t.blocked_on);
      for (const Frame& f : t.stack) {
        h = mix(h, static_cast<uint64_t>(f.kind) | static_cast<uint64_t>(f.entry) << 8 |
                       static_cast<uint64_t>(f.via) << 16 | static_cast<uint64_t>(f.pending_after) << 24 |
                       static_cast<uint64_t>(program_[f.program]) << 32);
        h = mix(h, f.kind == FrameKind::Poll ? task_part(f.id) : static_cast<uint64_t>(f.pc) << 32 | f.id);
      }
      for (int64_t v : t.locals) h = mix(h, static_cast<uint64_t>(v));
      for (const Fifo<uint32_t>* f : {&t.posted, &t.sched_queue, &t.sched_batch, &t.run_queue, &t.inbox}) {
        for (uint32_t x : *f) h = mix(h, task_part(x));
        h = mix(h, 0xf1f0);
      }
      sorted_.emplace_back(h, th);
    }
    std::sort(sorted_.begin(), sorted_.end());
    for (uint32_t j = 0; j < sorted_.size(); ++j) {
      thread_[sorted_[j].second] = workers_[j];
      thread_order_[workers_[j]] = sorted_[j].second;
    }
    workers_sorted_ = sorted_;
  }
  // Then each renamed task's signature: its own part, the (renamed) thread
  // polling it, and where it stands in the places that keep task ids, found
  // in an order that does not depend on ids.
  for (uint32_t id : members_) {
    const TaskRt& t = w.tasks[id];
    sig_[id] = mix(base_[id], t.status == TaskStatus::Running ? thread_[t.thread] : home_[t.thread]);
  }
  auto at = [&](uint32_t id, uint64_t where) {
    if (id < sig_.size()) sig_[id] = mix(sig_[id], where);
  };
  for (uint32_t m = 0; m < w.mutexes.size(); ++m) {
    const MutexRt& mx = w.mutexes[m];
    if (mx.holder_kind == HolderKind::Task) at(mx.holder, 1ull << 60 | m);
    uint64_t i = 0;
    for (uint32_t x : mx.waiters)
      at(x & ~kEntryWoken, 2ull << 60 | static_cast<uint64_t>(m) << 32 | i++ << 1 | (x >> 31));
  }
  for (uint32_t th = 0; th < w.threads.size(); ++th) {
    const ThreadRt& t = w.threads[th];
    const uint64_t named = thread_[th];
    uint64_t q = 0;
    for (const Fifo<uint32_t>* f : {&t.posted, &t.sched_queue, &t.sched_batch, &t.run_queue, &t.inbox}) {
      uint64_t i = 0;
      for (uint32_t x : *f) at(x, 3ull << 60 | named << 40 | q << 32 | i++);
      ++q;
    }
    for (uint64_t d = 0; d < t.stack.size(); ++d)
      if (t.stack[d].kind == FrameKind::Poll) at(t.stack[d].id, 4ull << 60 | named << 32 | d);
  }
  // Within each class, the members in signature order take the class's ids
  // in ascending order.
  for (size_t c = 0; c + 1 < start_.size(); ++c) {
    sorted_.clear();
    for (uint32_t k = start_[c]; k < start_[c + 1]; ++k) sorted_.emplace_back(sig_[members_[k]], members_[k]);
    std::sort(sorted_.begin(), sorted_.end());
    for (uint32_t j = 0; j < sorted_.size(); ++j) {
      const uint32_t canon = members_[start_[c] + j];
      task_[sorted_[j].second] = canon;
      order_[canon] = sorted_[j].second;
    }
  }
  return Renaming{task_, order_, program_, thread_, thread_order_, home_};
}

void Symmetry::swappable(const World& w, uint32_t unread, uint64_t hash,
                         std::vector<std::pair<uint32_t, uint32_t>>& out) {
  out.clear();
  for (size_t i = 0; i < workers_sorted_.size();) {
    size_t j = i + 1;
    while (j < workers_sorted_.size() && workers_sorted_[j].first == workers_sorted_[i].first) ++j;
    const uint32_t a = workers_sorted_[i].second;
    for (size_t k = i + 1; k < j; ++k) {
      const uint32_t b = workers_sorted_[k].second;
      swapped_ = thread_;
      swapped_order_ = thread_order_;
      std::swap(swapped_[a], swapped_[b]);
      swapped_order_[swapped_[a]] = a;
      swapped_order_[swapped_[b]] = b;
      const Renaming r{task_, order_, program_, swapped_, swapped_order_, home_};
      if (state_hash(w, unread, &r) == hash) out.emplace_back(a, b);
    }
    i = j;
  }
}

}  // namespace wb

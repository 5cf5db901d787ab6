#include "bench/explore.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <atomic>

namespace wb {

namespace {
std::vector<uint32_t> taken(const std::vector<Choice>& choices) {
  std::vector<uint32_t> ks;
  for (const Choice& c : choices) ks.push_back(c.k);
  while (!ks.empty() && ks.back() == 0) ks.pop_back();  // as encode_schedule trims them
  return ks;
}

// Shorter first, then smaller choices: the order minimisation descends.
bool simpler(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}
}  // namespace

Explorer::Explorer(std::shared_ptr<const Scenario> sc, Policy& policy, ExploreConfig cfg)
    : sc_(std::move(sc)),
      policy_(policy),
      cfg_(cfg),
      dfs_(cfg.sleep_sets, cfg.max_deviations, cfg.state_cache),
      next_seed_(cfg.seed) {
  quiet_ = cfg_.run;
  quiet_.trace = false;
  replay_ = quiet_;  // minimisation: footprints feed sleep sets only
  replay_.footprints = false;
  if (cfg_.strategy == Strategy::Exhaustive) quiet_.footprints = cfg_.sleep_sets;
  // A policy that is a function of the wake alone answers a resumed run as
  // it answered the run that left the snapshot.
  dfs_.use_snapshots(cfg_.snapshots && policy_.thread_safe());
  // A Python policy might tell identical tasks apart by their ids.
  if (cfg_.strategy == Strategy::Exhaustive && cfg_.symmetry && policy_.thread_safe())
    dfs_.use_symmetry(Symmetry(*sc_, cfg_.max_deviations == 0xffffffffu));
}

bool Explorer::advance(uint64_t max_schedules, double max_seconds) {
  if (interrupted_)
    throw std::logic_error("this exploration stopped in the middle of a run (Ctrl-C or an error); start a new one");
  auto t0 = std::chrono::steady_clock::now();
  // The report holds what was done, also when an interrupt check throws:
  // the caller shows it as the partial summary.
  struct Settle {
    Explorer& e;
    std::chrono::steady_clock::time_point t0;
    ~Settle() {
      ExploreReport& r = e.report_;
      r.elapsed_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      r.states = e.dfs_.states();
      r.pruned = e.dfs_.pruned();
      r.revisits = e.dfs_.revisits();
      r.deviation_cut = e.dfs_.deviation_cut();
      for (VerdictKind k : all_verdict_kinds())
        if (e.counts_[static_cast<size_t>(k)])
          r.outcomes[verdict_kind_name(k)] = e.counts_[static_cast<size_t>(k)];
    }
  } settle{*this, t0};
  try {
    if (cfg_.strategy == Strategy::Pct && pct_k_ == 0) {
      // k for PCT: the choice points of the canonical run.
      FirstChooser first;
      World w = execute(*sc_, policy_, first, quiet_);
      pct_k_ = static_cast<uint32_t>(std::max<size_t>(w.choices.size(), 1));
    }
    const bool parallel = cfg_.jobs > 1 && cfg_.strategy != Strategy::Exhaustive &&
                          policy_.thread_safe();
    for (uint64_t i = 0; i < max_schedules && !report_.finished;) {
      if (parallel) {
        uint64_t before = report_.schedules;
        bool more = batch(max_schedules - i);
        i += report_.schedules - before;
        if (!more) break;
      } else {
        check_interrupt();
        if (!one()) break;
        ++i;
      }
      if ((parallel || (i & 63) == 0) &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > max_seconds)
        break;
    }
  } catch (...) {  // an interrupt, or an error: a run was cut in the middle
    interrupted_ = true;
    throw;
  }
  return report_.finished;
}

void Explorer::check_interrupt(bool every_call) {
  // Most runs take far under a millisecond: look at the clock every 64th.
  if (!cfg_.run.interrupt_check || (!every_call && (++since_check_ & 63) != 0)) return;
  auto now = std::chrono::steady_clock::now();
  if (now - checked_ < std::chrono::milliseconds(50)) return;
  checked_ = now;
  cfg_.run.interrupt_check();
}

World Explorer::run_seed(uint64_t seed, const RunConfig& cfg, WorldReuse& reuse) {
  if (cfg_.strategy == Strategy::Pct) {
    PctChooser c(cfg_.pct_depth, seed, pct_k_);
    return reuse.run(*sc_, policy_, c, cfg);
  }
  RandomChooser c(seed);
  return reuse.run(*sc_, policy_, c, cfg);
}

bool Explorer::batch(uint64_t max_runs) {
  check_interrupt(true);  // a batch may take long: look at the clock each time
  const uint32_t jobs = cfg_.jobs;
  // About 20 ms of runs per batch (threads start once per batch), from the
  // time the runs took so far.
  const double per_run = batch_runs_ ? batch_seconds_ / static_cast<double>(batch_runs_) : 1e-3;
  const uint64_t want = static_cast<uint64_t>(0.02 / std::max(per_run, 1e-7)) * jobs;
  const uint64_t n = std::min<uint64_t>(max_runs, std::clamp<uint64_t>(want, jobs * 8ull,
                                                                          jobs * 4096ull));
  const auto t0 = std::chrono::steady_clock::now();
  // What recording a run needs: its choices and its verdict kind (decided
  // on the worker, so no world outlives its run).
  std::vector<std::pair<std::vector<Choice>, VerdictKind>> runs(n);
  std::vector<std::exception_ptr> errors(n);
  // Only this thread calls the caller's interrupt check (Python's signals
  // need the main thread); when it throws, `stop` ends the other threads'
  // runs at their next check, and the interrupt is what this call throws.
  std::atomic<bool> stop{false};
  std::exception_ptr interrupt;
  struct Stopped {};
  RunConfig others = quiet_, mine = quiet_;
  others.interrupt_check = [&stop] {
    if (stop.load(std::memory_order_relaxed)) throw Stopped{};
  };
  mine.interrupt_check = [&] {
    try {
      check_interrupt();
    } catch (...) {
      interrupt = std::current_exception();
      stop = true;
      throw;
    }
  };
  std::atomic<uint64_t> next{0}, done{0};
  auto work = [&](const RunConfig& cfg, bool main) {
    WorldReuse own;
    WorldReuse& reuse = main ? reuse_ : own;
    for (uint64_t i; !stop.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < n;
         done.fetch_add(1)) {
      try {
        if (main) cfg.interrupt_check();  // reads the clock now and then
        World w = run_seed(next_seed_ + i, cfg, reuse);
        runs[i] = {w.choices, decide(*sc_, w).kind};
        reuse.give_back(std::move(w));
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  for (uint32_t t = 1; t < jobs; ++t) threads.emplace_back(work, std::cref(others), false);
  work(mine, true);
  // The others' last runs: keep answering Ctrl-C while they end.
  while (!stop.load() && done.load() < n) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    try {
      check_interrupt(true);
    } catch (...) {
      interrupt = std::current_exception();
      stop = true;
    }
  }
  for (std::thread& th : threads) th.join();
  if (interrupt) std::rethrow_exception(interrupt);
  batch_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() *
                    jobs;
  batch_runs_ += n;
  for (uint64_t i = 0; i < n; ++i) {
    if (errors[i]) std::rethrow_exception(errors[i]);  // the first in seed order, as one thread
    ++next_seed_;
    if (!record(runs[i].first, runs[i].second)) return false;
  }
  return true;
}

bool Explorer::one() {
  World w;
  switch (cfg_.strategy) {
    case Strategy::Random:
    case Strategy::Pct:
      w = run_seed(next_seed_++, quiet_, reuse_);
      break;
    case Strategy::Exhaustive: {
      dfs_.begin_run();
      if (const Snapshot* from = dfs_.resume_point())
        w = reuse_.resume(*sc_, policy_, dfs_, quiet_, *from);
      else
        w = reuse_.run(*sc_, policy_, dfs_, quiet_);
      const bool pruned = w.halt == Halt::Pruned;
      if (pruned)
        dfs_.count_pruned();
      else
        dfs_.visit(w);
      bool more = dfs_.next();
      if (!more) {
        report_.complete = true;
        report_.finished = true;
      }
      if (pruned) {
        reuse_.give_back(std::move(w));
        return more;
      }
      break;
    }
  }
  const bool more = record(w.choices, decide(*sc_, w).kind);
  reuse_.give_back(std::move(w));
  return more;
}

bool Explorer::record(const std::vector<Choice>& choices, VerdictKind kind) {
  ++report_.schedules;
  if (cfg_.strategy == Strategy::Exhaustive) {
    ++report_.distinct;
  } else {
    report_.distinct += trie_.insert(choices);
    if (trie_.complete()) report_.complete = report_.finished = true;  // every schedule was run
  }
  ++counts_[static_cast<size_t>(kind)];
  bool counts = kind != VerdictKind::Ok && (cfg_.count_bounds || !is_bound(kind));
  if (counts && !report_.counterexample) found(choices, kind);
  if (counts && cfg_.stop_at_first) report_.finished = true;
  return !report_.finished;
}

bool Explorer::reproduces(const std::vector<uint32_t>& ks, VerdictKind kind,
                          std::vector<uint32_t>& made) {
  ++report_.minimise_runs;
  check_interrupt();
  ReplayChooser c(ks);
  World w;
  try {
    w = execute(*sc_, policy_, c, replay_);
    c.check_all_used();
  } catch (const ScheduleError&) {
    return false;  // the shorter schedule no longer fits this run
  }
  if (decide(*sc_, w).kind != kind) return false;
  made = taken(w.choices);
  return true;
}

bool Explorer::minimise_budget_left() const {
  return report_.minimise_runs < cfg_.minimise_runs &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() <
             cfg_.seconds_total;
}

// Shrinking towards the shortest, smallest schedule with the same verdict
// kind, within the run and time budgets (the best so far when they run
// out). A missing choice is option 0, the natural order, so a schedule
// shrinks by cutting its tail and by zeroing choices:
//  1. the shortest prefix that still reproduces, by bisection over its
//     length (not monotonic in general: a failed half keeps the longer);
//     then the fewest deviations from the natural order that reproduce
//     (iterative context bounding);
//  2. delta debugging (Zeller and Hildebrandt, TSE 2002, ddmin): remove
//     chunks of choices, then zero chunks of the non-zero ones, halving the
//     chunk size when no chunk helps;
//  3. each remaining choice lowered by one, while that helps.
// Every accepted candidate is replaced by the choices the run really took.
std::vector<uint32_t> Explorer::minimise(std::vector<uint32_t> best, VerdictKind kind) {
  std::vector<uint32_t> made;
  auto accept = [&](const std::vector<uint32_t>& cand) {
    if (!minimise_budget_left()) return false;
    if (reproduces(cand, kind, made) && simpler(made, best)) {
      best = made;
      return true;
    }
    return false;
  };
  // 1. Bisect the length.
  size_t lo = 0, hi = best.size();  // best[0, hi) reproduces
  while (lo < hi && minimise_budget_left()) {
    size_t mid = lo + (hi - lo) / 2;
    if (accept(std::vector<uint32_t>(best.begin(), best.begin() + static_cast<long>(mid))))
      hi = std::min(hi, best.size());
    else
      lo = mid + 1;
    hi = std::min(hi, best.size());
  }
  // 1b. The fewest deviations (iterative context bounding, as CHESS): an
  //     exhaustive search of the schedules with at most 1, then 2, choices
  //     off the natural order, for the same kind, within the budget.
  for (uint32_t bound = 1; bound <= 2 && minimise_budget_left(); ++bound) {
    size_t deviations = 0;
    for (uint32_t k : best) deviations += k != 0;
    if (deviations <= bound) break;
    Dfs dfs(false, bound, true);
    bool more = true;
    while (more && minimise_budget_left()) {
      ++report_.minimise_runs;
      check_interrupt();
      dfs.begin_run();
      World w = execute(*sc_, policy_, dfs, replay_);
      more = dfs.next();
      if (w.halt != Halt::Pruned && decide(*sc_, w).kind == kind) {
        std::vector<uint32_t> ks = taken(w.choices);
        if (simpler(ks, best) || std::count_if(ks.begin(), ks.end(), [](uint32_t k) { return k; }) <
                                     static_cast<long>(deviations))
          best = ks;
        bound = 3;  // found with the fewest: on to the other steps
        break;
      }
    }
  }
  // 2. ddmin: remove chunks of choices (the later ones move up to take the
  //    removed ones' places), then zero chunks of the non-zero ones; halve
  //    the chunk when none helps.
  for (int zeroing = 0; zeroing < 2; ++zeroing) {
    for (size_t chunk = std::max<size_t>(best.size() / 2, 1); minimise_budget_left();) {
      std::vector<size_t> at;  // the positions this pass works on
      for (size_t i = 0; i < best.size(); ++i)
        if (!zeroing || best[i]) at.push_back(i);
      if (at.empty()) break;
      chunk = std::min(chunk, at.size());
      bool any = false;
      for (size_t from = 0; from < at.size() && minimise_budget_left(); from += chunk) {
        const size_t to = std::min(at.size(), from + chunk);
        std::vector<uint32_t> cand;
        if (zeroing) {
          cand = best;
          for (size_t j = from; j < to; ++j) cand[at[j]] = 0;
        } else {
          cand.assign(best.begin(), best.begin() + static_cast<long>(at[from]));
          cand.insert(cand.end(), best.begin() + static_cast<long>(at[to - 1]) + 1, best.end());
        }
        if (accept(cand)) {
          any = true;
          break;  // positions moved: start over at this chunk size
        }
      }
      if (!any) {
        if (chunk == 1) break;
        chunk = (chunk + 1) / 2;
      }
    }
  }
  // 3. Lower each choice by one while that helps.
  for (bool progress = true; progress && minimise_budget_left();) {
    progress = false;
    for (size_t i = 0; i < best.size() && !progress; ++i) {
      if (best[i] < 2) continue;  // 1 -> 0 was step 2's
      std::vector<uint32_t> cand = best;
      --cand[i];
      progress = accept(cand);
    }
  }
  return best;
}

void Explorer::found(const std::vector<Choice>& choices, VerdictKind kind) {
  std::vector<uint32_t> ks = taken(choices);
  report_.found_schedule = encode_schedule(choices);
  ScheduleSpec spec;
  spec.schedule = encode_indices(minimise(ks, kind));
  report_.counterexample = run_scenario(sc_, policy_, spec, cfg_.run);
}

std::string Explorer::checkpoint() const {
  if (cfg_.strategy != Strategy::Exhaustive)
    throw std::invalid_argument("only an exhaustive search can be checkpointed");
  // Stopped in the middle of a run (Ctrl-C): the path saved is that run's,
  // which a resumed search runs again from its start.
  std::ostringstream o;
  o << "explore1 " << report_.schedules << ' ' << report_.distinct << ' ' << report_.complete << ' '
    << report_.finished;
  for (uint64_t c : counts_) o << ' ' << c;
  o << '\n' << dfs_.save();
  return o.str();
}

void Explorer::resume(const std::string& text) {
  if (cfg_.strategy != Strategy::Exhaustive)
    throw std::invalid_argument("only an exhaustive search can be resumed");
  if (report_.schedules)
    throw std::invalid_argument("resume an exploration before it runs");
  std::istringstream in(text);
  std::string magic;
  ExploreReport r;
  decltype(counts_) counts{};
  in >> magic >> r.schedules >> r.distinct >> r.complete >> r.finished;
  for (uint64_t& c : counts) in >> c;
  if (!in || magic != "explore1") throw std::invalid_argument("not a search checkpoint");
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  dfs_.load(rest);
  report_.schedules = r.schedules;
  report_.distinct = r.distinct;
  report_.complete = r.complete;
  report_.finished = r.finished;
  counts_ = counts;
  for (VerdictKind k : all_verdict_kinds())
    if (counts_[static_cast<size_t>(k)]) report_.outcomes[verdict_kind_name(k)] = counts_[static_cast<size_t>(k)];
}

}  // namespace wb

// Exploration: many runs of one scenario under one policy, following a
// strategy, until a counterexample or a budget. Resumable, so a caller can
// advance it in slices (a progress bar, a deadline) without ever sitting on
// the hot path: each slice runs in C++ only.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "bench/run.hpp"
#include "explore/strategies.hpp"
#include "explore/trie.hpp"

namespace wb {

enum class Strategy : uint8_t { Random, Pct, Exhaustive };

struct ExploreConfig {
  Strategy strategy = Strategy::Random;
  uint64_t seed = 0;
  uint32_t pct_depth = 3;
  bool sleep_sets = true;                  // exhaustive
  bool state_cache = true;                 // exhaustive: skip states explored before (see Dfs)
  bool snapshots = true;                   // exhaustive, a pure policy: resume runs from
                                           // snapshots at thread choices (the same results)
  bool symmetry = true;                    // exhaustive, with the state cache and a built-in
                                           // policy: identical tasks' states as one
                                           // (explore/symmetry.hpp)
  uint32_t max_deviations = 0xffffffffu;   // exhaustive: the choice bound
  bool stop_at_first = true;               // stop at the first counterexample
  bool count_bounds = false;               // a bound verdict is a counterexample too
  uint64_t minimise_runs = 2000;           // budget for shrinking a counterexample
  double seconds_total = 1e300;            // the whole exploration's time, minimisation included
  uint32_t jobs = 1;                       // random, PCT: runs at once, on as many threads
                                           // (the same results for any number)
  RunConfig run;                           // limits of each run
};

struct ExploreReport {
  uint64_t schedules = 0;
  uint64_t pruned = 0;          // exhaustive: branches cut by sleep sets, the cache or the bound
  uint64_t revisits = 0;        // exhaustive: of which, states the cache had explored before
  uint64_t states = 0;          // exhaustive: distinct states at choice points
  uint64_t distinct = 0;        // schedules no earlier run took (exhaustive: all of them)
  bool complete = false;        // every schedule (within the deviation bound) was run
  bool deviation_cut = false;   // exhaustive: the deviation bound left schedules out
  bool finished = false;        // nothing more to do (complete, or stopped at a counterexample)
  double elapsed_s = 0;
  std::map<std::string, uint64_t> outcomes;  // verdict kind -> schedules
  std::optional<Outcome> counterexample;     // minimised, with its trace
  std::string found_schedule;                // the counterexample as first found
  uint64_t minimise_runs = 0;
};

class Explorer {
 public:
  Explorer(std::shared_ptr<const Scenario> sc, Policy& policy, ExploreConfig cfg);
  // Run up to `max_schedules` more schedules, or until `max_seconds` pass.
  // Returns report().finished.
  bool advance(uint64_t max_schedules, double max_seconds);
  const ExploreReport& report() const { return report_; }
  // Exhaustive search: where it stands, as text (between advance() calls),
  // and resuming from such a text (before the first advance()). Throws
  // std::invalid_argument on a text that is not one.
  std::string checkpoint() const;
  void resume(const std::string& text);

 private:
  bool one();  // one schedule; false when there is nothing more to run
  // Random and PCT on cfg_.jobs threads: a batch of runs with the next
  // seeds at once, recorded in seed order, so the results are those of one
  // thread. False when there is nothing more to run.
  bool batch(uint64_t max_runs);
  World run_seed(uint64_t seed, const RunConfig& cfg, WorldReuse& reuse);  // random or PCT
  // Count a finished run; false when the exploration is finished.
  bool record(const std::vector<Choice>& choices, VerdictKind kind);
  // Between runs: the caller's interrupt check, about every 50 ms (it may
  // throw; the report keeps what was done).
  void check_interrupt(bool every_call = false);
  void found(const std::vector<Choice>& choices, VerdictKind kind);
  std::vector<uint32_t> minimise(std::vector<uint32_t> ks, VerdictKind kind);
  bool reproduces(const std::vector<uint32_t>& ks, VerdictKind kind, std::vector<uint32_t>& made);
  bool minimise_budget_left() const;  // runs and seconds

  std::shared_ptr<const Scenario> sc_;
  Policy& policy_;
  ExploreConfig cfg_;
  RunConfig quiet_;   // the runs explored: no trace
  RunConfig replay_;  // minimisation's runs: no trace, no footprints
  ExploreReport report_;
  std::array<uint64_t, static_cast<size_t>(VerdictKind::BoundDepth) + 1> counts_{};  // by kind
  Dfs dfs_;
  ScheduleTrie trie_;  // random, PCT: the schedules run
  WorldReuse reuse_;   // the explored runs' world, reset instead of rebuilt (quiet_ runs only)
  uint32_t pct_k_ = 0;  // PCT: choice points of the canonical run (0: not yet run)
  bool interrupted_ = false;  // advance() threw: the search state is mid-run
  uint64_t next_seed_;
  std::chrono::steady_clock::time_point checked_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  uint32_t since_check_ = 0;  // calls of check_interrupt since it read the clock
  double batch_seconds_ = 0;  // thread-seconds the batches took (their runs' time)
  uint64_t batch_runs_ = 0;
};

}  // namespace wb

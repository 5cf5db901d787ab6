// Exploration strategies: how the choices of one run are made, and (for
// exhaustive search) which run comes next. They see choice points and unit
// footprints; they know nothing of verdicts (bench/explore.hpp does).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/choice.hpp"
#include "exec/executor.hpp"
#include "exec/world.hpp"
#include "explore/flat_map.hpp"
#include "explore/schedule.hpp"
#include "explore/symmetry.hpp"

namespace wb {

// PCT: probabilistic concurrency testing. Burckhardt, Kothari, Musuvathi,
// Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
// Finding Bugs", ASPLOS 2010. The priorities order the threads (foreign
// threads and workers: the Thread choice points, the paper's setting): each
// gets a random distinct priority >= depth; d-1 change points are drawn
// uniformly among the first k choice points; at change point i the thread
// about to be chosen drops to priority i (below every initial priority).
// The highest-priority option always runs. The paper's bound, with n
// threads and k steps a bug of depth d is found with probability
// >= 1 / (n * k^(d-1)) per run, holds for interleavings of threads only;
// every other choice (event order, drop order, closes, kills, select!
// starts) is drawn uniformly from the same seeded source, which the bound
// does not cover. Queued tasks are not a choice (FIFO queues), so a
// scenario without threads gets plain random search.
class PctChooser final : public Chooser {
 public:
  PctChooser(uint32_t depth, uint64_t seed, uint32_t k_estimate);
  uint32_t choose(const ChoicePoint& cp) override;

 private:
  uint64_t priority(uint32_t task);
  RandomChooser rng_;
  uint32_t depth_;
  std::vector<uint32_t> change_points_;  // sorted choice-point indices
  std::unordered_map<uint32_t, uint64_t> prio_;
  uint32_t index_ = 0;
  uint32_t changes_ = 0;
};

// Choices from an outside stream (hypothesis draws a list of integers):
// value i picks option values[i] mod n; past the end, option 0. Shrinking
// the list towards shorter and smaller values shrinks the schedule.
class ModuloChooser final : public Chooser {
 public:
  explicit ModuloChooser(std::vector<uint64_t> values) : values_(std::move(values)) {}
  uint32_t choose(const ChoicePoint& cp) override;

 private:
  std::vector<uint64_t> values_;
  size_t i_ = 0;
};

// A fingerprint of the state at a choice point: the state cache's key, and
// what counts distinct states; with a Renaming, of the state with its
// identical tasks in canonical order (explore/symmetry.hpp).
uint64_t state_hash(const World& w, uint32_t unread = 0, const Renaming* r = nullptr);


// Stateless depth-first enumeration of schedules with sleep sets
// (Godefroid, "Partial-Order Methods for the Verification of Concurrent
// Systems", LNCS 1032, 1996). A node is a choice point; its options are
// units (a task's poll, a handler). After exploring option a at node N, a
// sibling b's subtree starts with a asleep if a and b are independent
// (their footprints do not conflict); a stays asleep until a unit that
// conflicts with it runs. Only choices made between units take part;
// a choice inside a unit (drop order) explores every option.
//
// `max_deviations` bounds the choices that take another option than the
// natural one (0) along a schedule, as CHESS bounds preemptions.
//
// With `state_cache`, a choice point whose state (state_hash, the driver's
// context, the choice's kind and options) was met before, off the current
// path, is not explored again when the earlier visit's subtree covers this
// one's: its sleep set was a subset of this one's (Godefroid, section 6.3:
// a state revisited with a sleep set including the stored one reaches
// nothing new) and it had no more deviations spent. A state met again on
// the current path (a loop) is explored as without the cache, so a run that
// loops still ends at its bound. What the cache leaves out: the step count
// (a run's bounds) and the facts only explanations read.
class Dfs final : public Chooser {
 public:
  Dfs(bool sleep_sets, uint32_t max_deviations, bool state_cache = false)
      : sleep_sets_(sleep_sets), max_deviations_(max_deviations), state_cache_(state_cache) {}

  // Call before each run; then run with *this as the chooser, from
  // resume_point() when it is not null (WorldReuse::resume), else from the
  // start.
  void begin_run();
  const Snapshot* resume_point() const { return resume_; }
  // Keep a snapshot at each new thread choice (for a policy whose answers
  // are a function of the wake alone), so the next run starts at the deepest
  // one on the path to the node it changes instead of at the beginning.
  void use_snapshots(bool on) { snapshots_ = on; }
  // Take states that differ only in which of two identical tasks does what
  // as one state at thread choices (explore/symmetry.hpp); with the state
  // cache only.
  void use_symmetry(Symmetry s) { symmetry_ = std::move(s); }
  Snapshot* snapshot_slot() override;
  // Call after each run (also a pruned one: a run that halted with
  // Halt::Pruned because choose() answered kPrune, when every option at a
  // new choice point sleeps or the state cache knows the state); false when
  // every schedule is done.
  bool next();

  uint32_t choose(const ChoicePoint& cp) override;
  void unit_done(const Footprint& f) override;

  void visit(const World& w);  // a final state
  // The search's position (the path of choice points with what each has
  // explored and what sleeps there), as text, and back: a long search can
  // stop and resume where it was. The state cache and the state count are
  // not kept (a resumed search may explore a state again: never less).
  std::string save() const;
  void load(const std::string& text);  // throws std::invalid_argument on a malformed text
  uint64_t states() const { return states_.size(); }
  uint64_t pruned() const { return pruned_; }
  uint64_t revisits() const { return revisits_; }  // branches the state cache cut
  bool deviation_cut() const { return deviation_cut_; }  // the bound left a schedule out
  void count_pruned() { ++pruned_; }

 private:
  struct Entry {
    ChoiceKind kind;
    uint32_t id;
    Footprint fp;
    bool known;  // fp is the unit's whole footprint (it ran to its end)
  };
  struct Node {
    ChoiceKind kind = ChoiceKind::EventOrder;
    std::vector<uint32_t> options;
    uint32_t chosen = 0;
    bool between_units = true;
    bool have_fp = false;        // chosen_fp is known
    Footprint chosen_fp;         // the unit the chosen option ran
    std::vector<Entry> done;     // explored options (with footprints)
    std::vector<Entry> sleep;    // options asleep on arrival
    uint32_t deviations = 0;     // non-zero choices on the path up to and including this one
    uint64_t key = 0;            // the state cache's key
    uint32_t parent_dev = 0;     // deviations spent on arrival
    std::unique_ptr<Snapshot> snap;  // the run just before this choice, if kept
    std::vector<std::pair<ChoiceKind, uint32_t>> visit_sleep;  // the sleep set as the cache
                                                               // names it (sorted; renamed)
    bool visit_sleep_known = true;
    std::vector<uint32_t> mirrored;  // options whose successor is another's renamed (symmetry)
  };
  // A state the cache has met: the sleep set and deviations it was explored
  // with (intersected and minimised over complete visits), and how many
  // nodes of the current path stand on it.
  struct Visit {
    std::vector<std::pair<ChoiceKind, uint32_t>> sleep;  // sorted
    uint32_t deviations = 0;
    uint32_t on_path = 0;
  };
  static std::vector<std::pair<ChoiceKind, uint32_t>> ids(const std::vector<Entry>& sleep);
  void leave(const Node& n);  // n's subtree is done: its visit is complete
  bool asleep(const Node& n, uint32_t id) const;
  std::vector<Entry> sleep_for_new_node() const;
  void recycle(std::unique_ptr<Snapshot> s);  // its storage serves a later snapshot
  void pop_node();

  bool sleep_sets_;
  uint32_t max_deviations_;
  std::vector<Node> nodes_;
  size_t depth_ = 0;                // choice points met in the current run
  std::vector<Footprint> units_;    // units since the last choice point
  FlatMap<bool> states_;
  uint64_t pruned_ = 0;
  bool state_cache_;
  FlatMap<Visit> visited_;
  uint64_t revisits_ = 0;
  bool deviation_cut_ = false;
  uint32_t unread_ = 0;  // the choice points' ChoicePoint::unread
  std::vector<uint32_t> sorted_;  // scratch: a thread choice's options as a set
  static constexpr uint32_t kUnbounded = 0xffffffffu;
  static constexpr uint64_t kLastThread = 0xffffull << 8;  // Machine::choose's context
  bool snapshots_ = false;
  std::unique_ptr<Snapshot> pending_;  // the slot handed out for the next choice
  std::vector<std::unique_ptr<Snapshot>> pool_;
  const Snapshot* resume_ = nullptr;
  Symmetry symmetry_;
  uint64_t key_of(const World& w, uint32_t unread);  // state_hash, renamed when symmetry is on
  uint64_t renamed_hash_ = 0;                        // the last key_of's state_hash
  std::vector<std::pair<uint32_t, uint32_t>> swaps_;  // scratch
  bool skipped(const Node& n, uint32_t id) const;    // asleep, or mirrored
};

}  // namespace wb

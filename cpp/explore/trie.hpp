// The schedules a random or PCT search has run, as a trie of choices, so
// the search can count distinct schedules and tell when it has run every
// one (a scenario with few choice points has few schedules; drawing more
// at random only repeats them). A node is one choice point reached by a
// prefix; it is complete when each of its options has been taken and its
// subtree is complete; a run's end is a complete leaf. Past a size cap the
// trie stops growing: counts stay exact for what it holds, and the space is
// then never called exhausted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "exec/choice.hpp"

namespace wb {

class ScheduleTrie {
 public:
  explicit ScheduleTrie(size_t max_slots = size_t{1} << 24) : max_slots_(max_slots) { nodes_.push_back({}); }

  // Records a run's choices; true if no run took them before. After the cap:
  // always false, and complete() stays false.
  bool insert(const std::vector<Choice>& choices);
  bool complete() const { return nodes_[0].complete; }
  bool overflowed() const { return overflowed_; }

 private:
  struct Node {
    uint32_t first = 0;     // its children's slots in slots_
    uint32_t n = 0;         // options (0: a leaf, or not reached past)
    uint32_t done = 0;      // complete children
    bool complete = false;
  };
  std::vector<Node> nodes_;
  std::vector<int32_t> slots_;  // child node per option, -1: not taken
  size_t max_slots_;
  bool overflowed_ = false;
};

}  // namespace wb

#include "explore/trie.hpp"

namespace wb {

bool ScheduleTrie::insert(const std::vector<Choice>& choices) {
  if (overflowed_) return false;
  std::vector<uint32_t> path{0};
  uint32_t at = 0;
  for (const Choice& c : choices) {
    if (nodes_[at].n == 0) {  // first time past this node: make room for its options
      if (slots_.size() + c.n > max_slots_) {
        overflowed_ = true;
        return false;
      }
      nodes_[at].first = static_cast<uint32_t>(slots_.size());
      nodes_[at].n = c.n;
      slots_.insert(slots_.end(), c.n, -1);
    }
    int32_t& child = slots_[nodes_[at].first + c.k];
    if (child < 0) {
      child = static_cast<int32_t>(nodes_.size());
      nodes_.push_back({});
    }
    at = static_cast<uint32_t>(child);
    path.push_back(at);
  }
  if (nodes_[at].complete) return false;  // the same schedule again
  nodes_[at].complete = true;
  // Completion climbs while every option of the parent is complete.
  for (size_t i = path.size() - 1; i > 0; --i) {
    Node& parent = nodes_[path[i - 1]];
    if (++parent.done < parent.n) break;
    parent.complete = true;
  }
  return true;
}

}  // namespace wb

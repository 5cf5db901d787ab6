// Task-id lists, as the primitives keep them (wait lists, holders): small,
// searched linearly, at most one entry per task unless a primitive says so.
#pragma once

#include <algorithm>
#include <cstdint>

namespace wb::ids {

template <class List>
bool contains(const List& list, uint32_t id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

// Removes the first `id`; false if there was none.
template <class List>
bool erase_one(List& list, uint32_t id) {
  auto it = std::find(list.begin(), list.end(), id);
  if (it == list.end()) return false;
  list.erase(it);
  return true;
}

}  // namespace wb::ids

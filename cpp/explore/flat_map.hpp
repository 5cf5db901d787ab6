// A hash table of 64-bit state fingerprints, open addressing with linear
// probing: a lookup touches one or two cache lines where std::unordered_map
// chases a heap node per bucket (two thirds of an exhaustive search's time
// in the state cache went there). Keys are already hashes; 0 marks an empty
// slot, so a key of 0 is stored as 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace wb {

template <class V>
class FlatMap {
 public:
  size_t size() const { return size_; }

  V* find(uint64_t key) {
    if (slots_.empty()) return nullptr;
    key = stored(key);
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == 0) return nullptr;
    }
  }

  // The value under key, and whether it was made now (default-constructed).
  std::pair<V*, bool> try_emplace(uint64_t key) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // at most three quarters full
    key = stored(key);
    size_t i = home(key);
    for (; slots_[i].key != 0; i = (i + 1) & mask_)
      if (slots_[i].key == key) return {&slots_[i].value, false};
    slots_[i].key = key;
    ++size_;
    return {&slots_[i].value, true};
  }
  bool insert(uint64_t key) { return try_emplace(key).second; }

  template <class F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_)
      if (s.key) f(s.key, s.value);
  }

 private:
  struct Slot {
    uint64_t key = 0;
    V value{};
  };
  static uint64_t stored(uint64_t key) { return key ? key : 1; }
  size_t home(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    const size_t n = old.empty() ? 1024 : old.size() * 2;
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 64;
    for (size_t m = n; m > 1; m >>= 1) --shift_;
    for (Slot& s : old) {
      if (!s.key) continue;
      size_t i = home(s.key);
      while (slots_[i].key != 0) i = (i + 1) & mask_;
      slots_[i] = std::move(s);
    }
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
  size_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace wb

// A counter: plain shared state a scenario reads and writes (a queue's
// length, a flag, a reference count), with no waiting of its own. Its
// rules: `add` never wraps (an overflow is the scenario's error, not a
// value); a value past the counter's bound is resource_exhausted (nothing
// stopped it growing); a comparison reads it. Every access is a footprint
// key (a read for a comparison, a write otherwise).
#pragma once

#include <cstdint>

#include "model/spec.hpp"

namespace wb::counter {

// c += v; false if it would overflow (c unchanged).
inline bool add(int64_t& c, int64_t v) {
  int64_t r;
  if (__builtin_add_overflow(c, v, &r)) return false;
  c = r;
  return true;
}

inline bool test(int64_t c, Cmp cmp, int64_t v) {
  switch (cmp) {
    case Cmp::Eq: return c == v;
    case Cmp::Ne: return c != v;
    case Cmp::Lt: return c < v;
    case Cmp::Le: return c <= v;
    case Cmp::Gt: return c > v;
    case Cmp::Ge: return c >= v;
  }
  return false;
}

// Past its bound (a bound of 0: none)?
inline bool exhausted(const CounterSpec& spec, int64_t c) { return spec.bound > 0 && c > spec.bound; }

}  // namespace wb::counter

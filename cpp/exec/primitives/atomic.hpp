// An atomic: an integer cell read and changed only by atomic operations,
// modelled on Rust's std::sync::atomic::AtomicI64 (AtomicBool and
// AtomicUsize are the same ops on 0/1 and on small non-negative values):
//  - load() returns the value; store(v) sets it and returns nothing;
//  - swap(v) sets it and returns the value before;
//  - compare_exchange(current, new): if the value is `current`, sets it to
//    `new`; returns Result<old, actual>, Ok(old) when it was `current`,
//    Err(actual) otherwise: both carry the value before the op, so "is Ok"
//    is "returned == current". It never fails spuriously (that is
//    compare_exchange_weak, which the bench does not offer);
//  - fetch_add(n) adds n and returns the value before. It wraps around on
//    overflow, as Rust's does ("This operation wraps around on overflow"):
//    i64 two's complement, so an AtomicUsize's fetch_sub below 0 gives -1
//    here, not usize::MAX. A counter refuses an overflow as the scenario's
//    error instead; an atomic copies Rust.
//
// Ordering: sequential consistency only. The bench runs one interleaving
// of visible operations at a time: every op is one step, all threads see
// one total order of them, which is SeqCst. It is not a weak-memory checker:
// Relaxed / Acquire / Release behaviours (a store buffered, a load seeing an
// older value) are never produced, so the ops take no Ordering argument; a
// verdict is about the program with every ordering SeqCst, and says nothing
// about the same program with weaker ones.
//
// Each op is a visible operation: threads and workers may be preempted
// before it (it is not local_next). A program branches on the value an op
// returned atomically with the op (`if flag.swap(1) == 0 { ... }`): the op
// keeps it in a local of the frame, and the test right after it reads that
// local, which no other thread sees; so no interleaving between op and test
// can change the outcome.
//
// Why a distinct primitive on the counters' cells. A counter is plain shared
// state whose accesses the scenario writes as add / set / comparisons: an
// overflow is the scenario's error and a bound makes growth a verdict. An
// atomic is Rust's type: every access is an explicit op that returns a
// value, arithmetic wraps, there is no bound. One name per idea, so a
// counter op on an atomic (or an atomic op on a counter) is a compile error
// that says which ops it has. At run time an atomic is one more cell of
// World::counters (after the counters): the state hash, the footprints (one
// resource per cell) and the trace's "'name' = value" lines cover it with no
// code of their own.
//
// Footprints (for sleep sets): load is a read; store, swap, fetch_add and a
// successful compare_exchange write. A failed compare_exchange only reads
// (in Rust it is a load with the failure ordering) and is recorded as a
// read: the sleep-set argument needs a unit's recorded footprint to stay
// true while no other unit writes what it read; a failed CAS re-run after
// other units that did not write the cell reads the same value and fails
// again, touching the same keys. Recording it as a write would also be
// sound, only coarser (it would wake sleeping readers needlessly).
#pragma once

#include <cstdint>

namespace wb::atomic {

// What a read-modify-write did: the value it returns (the cell's value
// before it) and whether it wrote the cell.
struct Rmw {
  int64_t old = 0;
  bool wrote = false;
};

inline Rmw swap(int64_t& cell, int64_t v) {
  Rmw r{cell, true};
  cell = v;
  return r;
}

inline Rmw compare_exchange(int64_t& cell, int64_t current, int64_t desired) {
  Rmw r{cell, cell == current};
  if (r.wrote) cell = desired;
  return r;
}

// Wrapping, as Rust's fetch_add (two's complement: through uint64_t, where
// overflow is defined).
inline Rmw fetch_add(int64_t& cell, int64_t n) {
  Rmw r{cell, true};
  cell = static_cast<int64_t>(static_cast<uint64_t>(cell) + static_cast<uint64_t>(n));
  return r;
}

}  // namespace wb::atomic

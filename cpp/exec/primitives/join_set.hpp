// tokio::task::JoinSet (tokio 1.24.2, src/task/join_set.rs over
// src/util/idle_notified_set.rs). The behaviour copied:
//  - `spawn` (join_set.rs line 133) spawns the task and inserts its
//    JoinHandle in the set's `idle` list (`insert`, line 206), with the
//    entry's own waker as the task's join waker: the task's completion (it
//    returns, or it is cancelled by an abort) wakes the entry;
//  - an entry woken (`ListEntry::wake_by_ref`, idle_notified_set.rs line
//    407) moves from `idle` to the front of `notified` and takes the set's
//    one stored waker (`lock.waker.take()`) and wakes it: a completion
//    while nobody waits in join_next wakes nobody and is kept;
//  - `join_next` (`poll_join_next`, join_set.rs line 306): an empty set
//    (`length == 0`) is `Ready(None)` at once, storing no waker
//    (`pop_notified`'s fast path, line 175); otherwise it stores the
//    caller's waker, replacing the one held (line 182, kept after it
//    returns: a later completion wakes its holder again), then pops the
//    back of `notified` (the oldest completion: completion order, not
//    spawn order) and returns its output, removing the entry; none
//    notified: Pending;
//  - `abort_all` (line 269) aborts every task (`for_each`: the idle list
//    oldest first, then the notified one), leaving them in the set;
//    `Drop for JoinSet` (line 398) `drain`s the set, aborting each task in
//    the same order (idle_notified_set.rs line 253): they are no longer in
//    it, and nothing is woken when they end.
// Not modelled: the coop budget (a JoinHandle that is ready may return
// Pending once the budget is spent: join_next then wakes itself), and
// `detach_all`. The stored waker belongs to a task or future here; when
// its holder ends it is dropped (in tokio a future's waker is its task's,
// which a later completion would wake once more, spuriously).
//
// Invariants: a task is in at most one of `idle` and `notified`; `idle` is
// in insertion order, `notified` in completion order (oldest first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wb {

struct JoinSetRt {
  std::vector<uint32_t> idle;      // tasks in the set, not finished, oldest spawn first
  std::vector<uint32_t> notified;  // finished (or cancelled) and not joined yet, oldest first
  uint32_t waker = 0xffffffffu;    // the task or future whose waker the set holds, or kNone
  bool dropped = false;            // the JoinSet itself was dropped
};

namespace join_set {

inline constexpr uint32_t kNone = 0xffffffffu;

// A task spawned into the set.
void insert(JoinSetRt& s, uint32_t task);

// `task` finished or was cancelled: if it is in the set's idle list it
// moves to `notified`; returns the holder of the waker taken (the caller
// wakes it), or kNone.
uint32_t complete(JoinSetRt& s, uint32_t task, bool* in_set);

enum class Next : uint8_t {
  Empty,    // Ready(None): nothing in the set (no waker stored)
  Joined,   // *task: the oldest completion, removed from the set
  Pending,  // the caller's waker is stored
};

// join_next by `holder`: *replaced is the holder whose waker the set held
// before and no longer holds (kNone: none, or the same holder); *stored is
// true when `holder`'s waker was not held before and is now.
Next join_next(JoinSetRt& s, uint32_t holder, uint32_t* task, uint32_t* replaced, bool* stored);

// Every task in the set, in tokio's for_each / drain order (idle oldest
// first, then notified oldest first).
std::vector<uint32_t> members(const JoinSetRt& s);

// Drop for JoinSet: the set forgets its tasks (the caller aborts them);
// returns the holder whose waker it held, or kNone.
uint32_t drain(JoinSetRt& s);

// `holder` finished or was dropped: the set stops holding its waker;
// returns true if it held it.
bool forget_waker(JoinSetRt& s, uint32_t holder);

size_t len(const JoinSetRt& s);

}  // namespace join_set
}  // namespace wb

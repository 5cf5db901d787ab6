// Symmetry of identical tasks and of a runtime's workers: a state and the
// state with two identical tasks' roles (or two workers') swapped have the
// same futures up to that swap, so the state cache may take them as one
// state (Ip & Dill, "Better verification through symmetry", FMSD 9, 1996;
// Emerson & Sistla, "Symmetry and model checking", same volume). The cache
// key is then the fingerprint of the state with its tasks and workers
// renamed into a canonical order (state_hash with a Renaming).
//
// Tasks are identical when their templates' programs have the same code and
// the templates agree on everything else a run reads (autostart, daemon,
// must_finish, mask, kill points, no futures, no owned objects, no
// user-defined waker). A runtime's workers past the first (the loop thread,
// thread 0, holds the shared queues and drives the loop) all run the same
// loop. Renaming them is a symmetry of the machine only when nothing it
// does depends on an id rather than on the state, and when every place an
// id is kept is renamed. Both were checked for a vocabulary and no more: a
// scenario whose programs use only
//   async mutexes (tokio's fair one, futures' barging one): lock, unlock,
//   try_lock; yield; a Pending that is never woken; counters and atomics;
//   prints, locals, jumps and loops; and the startup's spawns,
// with no foreign thread, handler, connection, timer, clock, exception or
// user-defined waker, no channel, broadcast or join set declared (their
// receivers and owners are task ids), under a built-in policy (a Python policy might read
// a task id). Task ids are then kept in: the tasks' own records and locals,
// a mutex's holder and wait list, a thread's queues (posted, ngx-rust's
// scheduler, run queue, inbox) and the Poll frames on its stack; thread ids
// in a task's record (the thread that polls it), a mutex's holder thread
// and the order of the threads. Any other scenario gets no renaming: the
// plain fingerprint.
//
// Two facts that only name a worker no run reads in that vocabulary are
// left out of the renamed fingerprint, as the clock is when nothing reads
// it: the worker that last polled a task not running now (a task's thread
// is read through its executor's home, the loop thread for every worker,
// by the wait-for graph while it runs, and by the blocking primitives and
// Python policies the vocabulary leaves out: machine.hpp executor_home,
// wake.cpp), and the thread of an async mutex's holder task (read only for
// a guard held by a frame: primitives/mutex.cpp, oracle/waitfor.cpp). Two
// states that differ in them have the same futures.
//
// Strictly, renaming identical tasks is a symmetry of the machine only for
// renamings that fix the tasks not started yet (the startup spawns them in
// id order, counting in its frame's local); those have identical records
// and appear nowhere else, so some symmetry between two states with one key
// always fixes them, and the cache stays sound. The oracle, too, reads ids
// in one place: with no cycle, a stuck chain starts at the lowest-id stuck
// task with a lock edge (oracle/verdict.cpp decide_stuck), and whether it
// is a lost wake or never woken depends on where that chain ends; in this
// vocabulary it can only end at a task with no waker stored (a lost wake),
// whichever task starts it. Widening the vocabulary (Notify, channels, wait
// queues) must revisit that.
//
// Sound by construction: the canonical order is a permutation within each
// class of identical tasks (and of the workers), whatever ties it breaks by
// id, so two states with the same key are symmetric (up to a hash
// collision, as without symmetry); a tie broken badly only costs a state
// explored twice. Verdict kinds do not depend on which of two identical
// tasks or workers a hazard names. A thread choice's options and the sleep
// set a visit is stored with are renamed too (Dfs::choose), so the cache's
// sleep-set inclusion test compares the two visits in one naming: from
// states s1 and s2 = rho(s1), what s1's visit explored outside its sleep
// set S1 covers s2's subtree outside rho(S1), and rho(S1) is within S2
// exactly when the canonical names of S1 are within those of S2. Where two
// workers' swap leaves the state as it is (both idle, say), a thread choice
// explores one of them (Dfs::choose): the other's successor is the first's
// renamed. Workers
// are not renamed under a deviation bound: the natural order of a thread
// choice is by thread id, so renaming would move what counts as a
// deviation.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "exec/world.hpp"
#include "model/program.hpp"

namespace wb {

// How state_hash renames: task ids (old -> canonical), the tasks in
// canonical order (canonical -> old), programs (to the first one with the
// same code), thread ids and the threads in canonical order.
struct Renaming {
  const std::vector<uint32_t>& task;
  const std::vector<uint32_t>& order;
  const std::vector<uint32_t>& program;
  const std::vector<uint32_t>& thread;
  const std::vector<uint32_t>& thread_order;
  const std::vector<uint32_t>& home;  // per thread: its executor's home (0 for a worker)
};

class Symmetry {
 public:
  Symmetry() = default;
  // The classes of identical tasks of `sc`, and its workers past the first
  // when `workers` (no deviation bound), if its vocabulary allows renaming
  // (see above) and some class has two members; else none.
  Symmetry(const Scenario& sc, bool workers);
  bool on() const { return on_; }
  // The renaming of w's tasks and workers into the canonical order (valid
  // until the next call).
  Renaming canonical(const World& w);
  // A thread's canonical id in the last canonical() (workers renamed only
  // under no deviation bound).
  uint32_t thread_name(uint32_t t) const { return t < thread_.size() ? thread_[t] : t; }
  // Pairs (a, b) of workers whose swap leaves w as it is (after
  // canonical(w), whose state_hash was `hash`): a thread choice offering
  // both reaches symmetric states through either, so b need not be
  // explored where a is. Found among workers whose own states tie, each
  // tested by hashing w with a and b's names exchanged.
  void swappable(const World& w, uint32_t unread, uint64_t hash,
                 std::vector<std::pair<uint32_t, uint32_t>>& out);

 private:
  bool on_ = false;
  std::vector<uint32_t> program_;  // per program: the first program with its code
  std::vector<uint32_t> members_;  // task ids by class, ascending within each
  std::vector<uint32_t> start_;    // per class: where its members begin (one past: the end)
  std::vector<uint32_t> workers_;  // the renamed workers' thread ids, ascending
  std::vector<uint32_t> home_;     // per thread: 0 for a worker, else itself
  // Scratch.
  std::vector<uint64_t> base_, sig_, tsig_;
  std::vector<std::pair<uint64_t, uint32_t>> sorted_, workers_sorted_;
  std::vector<uint32_t> task_, order_, thread_, thread_order_, swapped_, swapped_order_;
};

}  // namespace wb

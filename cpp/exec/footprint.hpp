// Resource keys for footprints: every mutex, rwlock, condvar, barrier, wait queue, counter (an
// atomic is a counter's cell: see primitives/atomic.hpp), object, task and
// RefCell of a scenario (and each broadcast and JoinSet) gets a dense resource number, and so do the executor's
// queues (posted, ngx-rust's scheduler, the run queue, the inbox: one
// resource, as they pop in FIFO order the order of pushes matters); a key is
// that number shifted left once, with the low bit set for a write.
#pragma once

#include <algorithm>
#include <cstdint>

#include "exec/choice.hpp"
#include "model/program.hpp"

namespace wb {

struct ResourceMap {
  uint32_t semaphores, notifies, channels, rwlocks, condvars, barriers, queues, counters, objects,
      connections, tasks, refcells, exec_queues, clock, timers, live, broadcasts, join_sets,
      polling;
  explicit ResourceMap(const Scenario& sc)
      : semaphores(static_cast<uint32_t>(sc.mutexes.size())),
        notifies(semaphores + static_cast<uint32_t>(sc.semaphores.size())),
        channels(notifies + static_cast<uint32_t>(sc.notifies.size())),
        rwlocks(channels + static_cast<uint32_t>(sc.channels.size())),
        condvars(rwlocks + static_cast<uint32_t>(sc.rwlocks.size())),
        barriers(condvars + static_cast<uint32_t>(sc.condvars.size())),
        queues(barriers + static_cast<uint32_t>(sc.barriers.size())),
        counters(queues + static_cast<uint32_t>(sc.queues.size())),
        objects(counters + static_cast<uint32_t>(sc.counters.size())),
        connections(objects + static_cast<uint32_t>(sc.objects.size())),
        tasks(connections + static_cast<uint32_t>(sc.connections.size())),
        refcells(tasks + sc.ntasks),
        exec_queues(refcells + static_cast<uint32_t>(sc.refcells.size())),
        clock(exec_queues + 1),  // virtual time: a compute on the loop thread moves it
        timers(clock + 1),       // the timer heap (ties fire in id order)
        live(timers + 1),        // the count of live tasks (max_live_tasks)
        broadcasts(live + 1),    // tokio::sync::broadcast channels
        join_sets(broadcasts + static_cast<uint32_t>(sc.broadcasts.size())),  // JoinSets
        // whether any thread is polling a task (a policy's WakeInfo::polling)
        polling(join_sets + static_cast<uint32_t>(sc.join_sets.size())) {}
  static uint32_t key(uint32_t resource, bool write) { return (resource << 1) | (write ? 1 : 0); }
};

// Two units conflict when they touch a resource in common and one writes it.
inline bool conflicts(const Footprint& a, const Footprint& b) {
  if (a.all || b.all) return true;
  size_t i = 0, j = 0;
  while (i < a.keys.size() && j < b.keys.size()) {
    uint32_t ra = a.keys[i] >> 1, rb = b.keys[j] >> 1;
    if (ra < rb) {
      ++i;
    } else if (rb < ra) {
      ++j;
    } else {
      bool wa = false, wb_ = false;
      while (i < a.keys.size() && (a.keys[i] >> 1) == ra) wa |= a.keys[i++] & 1;
      while (j < b.keys.size() && (b.keys[j] >> 1) == rb) wb_ |= b.keys[j++] & 1;
      if (wa || wb_) return true;
    }
  }
  return false;
}

inline void normalize(Footprint& f) {
  std::sort(f.keys.begin(), f.keys.end());
  f.keys.erase(std::unique(f.keys.begin(), f.keys.end()), f.keys.end());
}

}  // namespace wb

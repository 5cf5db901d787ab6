// tokio::sync::Semaphore: see semaphore.hpp for the behaviour copied.
#include "exec/primitives/semaphore.hpp"

#include <algorithm>

#include "exec/primitives/ids.hpp"

namespace wb::semaphore {

namespace {
// A permit comes back: the first waiter gets it, else the count does.
uint32_t give_back(SemaphoreRt& s) {
  if (s.waiters.empty()) {
    ++s.permits;
    return kNone;
  }
  uint32_t next = s.waiters.front();
  s.waiters.pop_front();
  s.assigned.push_back(next);
  return next;
}
}  // namespace

Acquire acquire(SemaphoreRt& s, uint32_t task) {
  if (ids::erase_one(s.assigned, task)) {
    s.holders.push_back(task);
    return Acquire::Handed;
  }
  if (ids::contains(s.waiters, task)) return Acquire::Waiting;
  if (s.permits > 0) {  // only while nobody waits (see the invariants)
    --s.permits;
    s.holders.push_back(task);
    return Acquire::Taken;
  }
  s.waiters.push_back(task);
  return Acquire::Queued;
}

bool try_acquire(SemaphoreRt& s, uint32_t task) {
  if (s.permits <= 0) return false;  // none, or every one assigned to a waiter
  --s.permits;
  if (task != kNone) s.holders.push_back(task);
  return true;
}

uint32_t release(SemaphoreRt& s, uint32_t task) {
  ids::erase_one(s.holders, task);
  return give_back(s);
}

bool drop(SemaphoreRt& s, uint32_t task, std::vector<uint32_t>& assigned_to) {
  const bool waited = ids::erase_one(s.waiters, task);
  while (ids::erase_one(s.assigned, task) || ids::erase_one(s.holders, task)) {
    uint32_t next = give_back(s);
    if (next != kNone) assigned_to.push_back(next);
  }
  return waited;
}

bool waits(const SemaphoreRt& s, uint32_t task) {
  return ids::contains(s.waiters, task);
}

void transfer(SemaphoreRt& s, uint32_t from, uint32_t to) {
  std::replace(s.holders.begin(), s.holders.end(), from, to);
}

bool owns(const SemaphoreRt& s, uint32_t task) {
  return ids::contains(s.assigned, task) || ids::contains(s.holders, task);
}

}  // namespace wb::semaphore

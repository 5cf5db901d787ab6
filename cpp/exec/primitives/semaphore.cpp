// tokio::sync::Semaphore: see semaphore.hpp for the behaviour copied.
#include "exec/primitives/semaphore.hpp"

#include <algorithm>

namespace wb::semaphore {

namespace {
bool take_one(std::vector<uint32_t>& v, uint32_t task) {
  auto it = std::find(v.begin(), v.end(), task);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

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
  if (take_one(s.assigned, task)) {
    s.holders.push_back(task);
    return Acquire::Handed;
  }
  if (std::find(s.waiters.begin(), s.waiters.end(), task) != s.waiters.end())
    return Acquire::Waiting;
  if (s.permits > 0) {  // only while nobody waits (see the invariants)
    --s.permits;
    s.holders.push_back(task);
    return Acquire::Taken;
  }
  s.waiters.push_back(task);
  return Acquire::Queued;
}

uint32_t release(SemaphoreRt& s, uint32_t task) {
  take_one(s.holders, task);
  return give_back(s);
}

bool drop(SemaphoreRt& s, uint32_t task, std::vector<uint32_t>& assigned_to) {
  bool waited = false;
  auto it = std::find(s.waiters.begin(), s.waiters.end(), task);
  if (it != s.waiters.end()) {
    s.waiters.erase(it);
    waited = true;
  }
  while (take_one(s.assigned, task) || take_one(s.holders, task)) {
    uint32_t next = give_back(s);
    if (next != kNone) assigned_to.push_back(next);
  }
  return waited;
}

bool waits(const SemaphoreRt& s, uint32_t task) {
  return std::find(s.waiters.begin(), s.waiters.end(), task) != s.waiters.end();
}

void transfer(SemaphoreRt& s, uint32_t from, uint32_t to) {
  std::replace(s.holders.begin(), s.holders.end(), from, to);
}

bool owns(const SemaphoreRt& s, uint32_t task) {
  return std::find(s.assigned.begin(), s.assigned.end(), task) != s.assigned.end() ||
         std::find(s.holders.begin(), s.holders.end(), task) != s.holders.end();
}

}  // namespace wb::semaphore

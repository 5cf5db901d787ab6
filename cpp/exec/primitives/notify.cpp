// tokio::sync::Notify: see notify.hpp for the behaviour copied.
#include "exec/primitives/notify.hpp"

#include <algorithm>

#include "exec/primitives/ids.hpp"

namespace wb::notify {

namespace {
// The index of `task` in n.notified, or -1.
long find_notified(const NotifyRt& n, uint32_t task) {
  auto it = std::find(n.notified.begin(), n.notified.end(), task);
  return it == n.notified.end() ? -1 : it - n.notified.begin();
}

void forget_notified(NotifyRt& n, long i) {
  n.notified.erase(n.notified.begin() + i);
  n.by_one.erase(n.by_one.begin() + i);
}
}  // namespace

Wait notified(NotifyRt& n, uint32_t task) {
  if (long i = find_notified(n, task); i >= 0) {
    forget_notified(n, i);
    return Wait::Done;
  }
  if (ids::contains(n.waiters, task)) return Wait::Waiting;
  if (n.permit) {  // only while nobody waits
    n.permit = false;
    return Wait::Done;
  }
  n.waiters.push_back(task);
  return Wait::Queued;
}

uint32_t notify_one(NotifyRt& n) {
  if (n.waiters.empty()) {
    n.permit = true;
    return kNone;
  }
  uint32_t t = n.waiters.front();
  n.waiters.pop_front();
  n.notified.push_back(t);
  n.by_one.push_back(1);
  return t;
}

void notify_waiters(NotifyRt& n, std::vector<uint32_t>& woken) {
  for (uint32_t t : n.waiters) {
    n.notified.push_back(t);
    n.by_one.push_back(0);
    woken.push_back(t);
  }
  n.waiters.clear();
}

bool drop(NotifyRt& n, uint32_t task, std::vector<uint32_t>& woken) {
  if (ids::erase_one(n.waiters, task)) return true;
  if (long i = find_notified(n, task); i >= 0) {
    bool pass_on = n.by_one[static_cast<size_t>(i)] != 0;
    forget_notified(n, i);
    if (pass_on) {
      uint32_t next = notify_one(n);
      if (next != kNone) woken.push_back(next);
    }
  }
  return false;
}

}  // namespace wb::notify

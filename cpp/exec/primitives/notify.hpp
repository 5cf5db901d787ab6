// tokio::sync::Notify (tokio 1.x, src/sync/notify.rs). The behaviour copied:
//  - `notified().await` completes at once if a permit is stored (taking
//    it), or if a notification was sent to this waiter; otherwise the task
//    joins the back of the waiter list with its waker;
//  - `notify_one()` notifies the first waiter (it completes at its next
//    poll) and wakes it; with nobody waiting it stores the permit (at most
//    one: notify_one twice stores one);
//  - `notify_waiters()` notifies every task waiting now and wakes each; it
//    stores no permit, so a task that starts waiting later is not notified;
//  - a Notified future dropped after notify_one chose it, before it saw the
//    notification, passes it on to the next waiter (or stores the permit);
//    one notified by notify_waiters passes nothing on; one still waiting
//    leaves the list.
// Invariants: a permit is stored only while nobody waits; a task is in at
// most one of `waiters` and `notified`.
#pragma once

#include <cstdint>
#include "exec/fifo.hpp"
#include <vector>

namespace wb {

struct NotifyRt {
  bool permit = false;
  Fifo<uint32_t> waiters;    // tasks or futures in notified(), FIFO
  std::vector<uint32_t> notified;  // sent a notification, not polled since
  std::vector<uint8_t> by_one;     // per `notified` entry: 1 if by notify_one
};

namespace notify {

enum class Wait : uint8_t { Done, Queued, Waiting };

// notified().await by `task` polling: Done (a permit or a notification),
// Queued (its waker stored: one more waker for the caller to count) or
// Waiting (polled again, still in the list).
Wait notified(NotifyRt& n, uint32_t task);

// notify_one: the waiter notified, whose stored waker the caller takes and
// wakes; kNone if it stored the permit.
inline constexpr uint32_t kNone = 0xffffffffu;
uint32_t notify_one(NotifyRt& n);

// notify_waiters: every task waiting now is notified; appended to `woken`.
void notify_waiters(NotifyRt& n, std::vector<uint32_t>& woken);

// `task` is dropped or finishes: it leaves the list (true if it waited: the
// caller drops its stored waker); a notify_one notification it had not seen
// goes to the next waiter, appended to `woken` (or becomes the permit).
bool drop(NotifyRt& n, uint32_t task, std::vector<uint32_t>& woken);

}  // namespace notify
}  // namespace wb

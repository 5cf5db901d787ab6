// tokio::sync::broadcast (tokio 1.24.2, src/sync/broadcast.rs). A message
// is a small integer, as in channel.hpp. The behaviour copied:
//  - `channel(capacity)` rounds the capacity up to a power of two
//    (`capacity.next_power_of_two()`, line 447): the ring holds that many
//    values, a send past it overwrites the oldest;
//  - `Sender::send` (line 538) fails (SendError) only when there is no
//    receiver (`tail.rx_cnt == 0`); otherwise it writes the value at the
//    tail, advances it and wakes every waiting receiver (`notify_rx`): it
//    never waits, and returns the receiver count;
//  - `Sender::subscribe` / `new_receiver` (lines 601, 656): a new receiver
//    starts at the current tail (it sees only later values); the receivers
//    made with the channel start at position 0;
//  - `Receiver::recv` (`recv_ref`, line 773): a value at the receiver's
//    position is returned and the position advances; a receiver that fell
//    more than the capacity behind gets `RecvError::Lagged(missed)` and
//    resumes at the oldest value the ring holds (`tail - capacity`, line
//    846); at the tail, `Closed` once every Sender is dropped
//    (`close_channel` on the last Sender's drop, line 647, which also wakes
//    the waiters), else the receiver's waker joins the waiter list and it
//    returns Pending;
//  - `Receiver::recv` (line 969) gives `Result<T, RecvError>`: `Recv::poll`
//    (line 1075) maps `recv_ref`'s Ok to `Ok(value)` (the slot's value
//    cloned) and its errors to `Err(Lagged(n))` / `Err(Closed)`, so a
//    program may match on the value it got, in the same poll that took it
//    (a recv's test reads it from the task's local, as a channel recv's),
//    while Lagged and Closed run their own blocks, neither branch;
//  - a Receiver's drop leaves the waiter list and lowers `rx_cnt`; it wakes
//    nobody;
//  - the wait list is FIFO: `recv_ref` pushes a waiter node at the front
//    (`tail.waiters.push_front`, line 831), `notify_rx` pops from the back
//    (line 674), so receivers wake in the order they began to wait (a
//    watch's Notify too: notify.rs notify_waiters, `waiters.pop_back()` of
//    Notified's `push_front`).
// tokio::sync::watch (src/sync/watch.rs) is the same state with a ring of
// one and one Sender: `send` (line 626) fails when `receiver_count() == 0`,
// else replaces the value, bumps the version and wakes every `changed()`
// waiter; `changed` (`maybe_changed`, line 565) returns Ok at once if the
// version differs from the receiver's (and marks it seen), else Err once
// the Sender is dropped (`Drop for Sender`, line 970: closed, notify_waiters),
// else waits; `subscribe` (line 938) marks the current version seen; a
// receiver made with the channel has seen the initial value. `changed`
// (line 526) returns `Result<(), RecvError>`: no value to branch on; the
// value is read with `borrow()` (Receiver::borrow, line 388: the value's
// read lock, nothing marked seen; Sender::borrow, line 815) or
// `borrow_and_update()` (line 431: marks the newest version seen), as a
// value a program may branch on: the last one sent, or the watch's
// initial value before any send (`watch::channel(initial)`). The Ref's read lock is released in the step that
// reads it: a Ref held across a send (send_modify's write lock: the
// "Potential deadlock example" of borrow's docs) is not modelled.
// Receivers here belong to a task or future (one per holder and channel):
// the holders declared with the channel, or one made by a subscribe op; a
// holder's receiver is dropped when it finishes or is dropped.
//
// Invariants: buf.size() == min(tail, capacity); every receiver's next is in
// [0, tail]; `rxs` is sorted by holder (the state hash reads it in order);
// `waiters` holds exactly the holders of the receivers marked waiting.
#pragma once

#include <cstdint>
#include <vector>

namespace wb {

struct BcastRx {
  uint32_t holder = 0;   // task or future id
  int64_t next = 0;      // position of the next value it receives
  bool waiting = false;  // its waker is in the waiter list
  bool operator==(const BcastRx& o) const {
    return holder == o.holder && next == o.next && waiting == o.waiting;
  }
};

struct BroadcastRt {
  std::vector<int64_t> buf;  // the ring's values, oldest first (the last `capacity` sent)
  int64_t tail = 0;          // values sent so far
  int64_t senders = 1;       // Sender handles alive
  std::vector<BcastRx> rxs;  // live receivers, by holder
  std::vector<uint32_t> waiters;  // the holders waiting, oldest first (the wait list's order)
};

namespace broadcast {

inline constexpr uint32_t kNone = 0xffffffffu;

enum class Recv : uint8_t {
  Got,      // *value received
  Lagged,   // RecvError::Lagged(*missed): it resumes at the oldest value held
  Closed,   // RecvError::Closed: every sender dropped, and it has caught up
  Pending,  // its waker is stored (it was not before: *stored true)
  NoReceiver,  // the holder has no receiver on this channel (a scenario error)
};

int64_t round_capacity(int64_t capacity);  // next_power_of_two

// Sender::send of `value`: false when there is no receiver (SendError);
// else the value is in and the waiting receivers' holders are appended to
// `woken` (their wakers taken).
bool send(BroadcastRt& b, int64_t capacity, int64_t value, std::vector<uint32_t>& woken);

// A receiver for `holder` at the tail; false if it already has one.
bool subscribe(BroadcastRt& b, uint32_t holder, int64_t at);

// `watch`: Receiver::changed (watch.rs `maybe_changed`): a newer version is
// taken whole (the receiver marks the newest seen, never Lagged); the
// value is the newest.
Recv recv(BroadcastRt& b, uint32_t holder, int64_t* value, int64_t* missed, bool* stored,
          bool watch = false);

// One Sender dropped; the last wakes every waiting receiver (appended).
void drop_sender(BroadcastRt& b, std::vector<uint32_t>& woken);

// `holder` finishes or is dropped: its receiver goes; returns 1 if it had
// a waker stored (the caller counts wakers), else 0.
int drop(BroadcastRt& b, uint32_t holder);

// A watch's current value (watch.rs Receiver::borrow / Sender::borrow):
// the last one sent, or `initial` (`watch::channel(initial)`).
int64_t current(const BroadcastRt& b, int64_t initial);

// Receiver::borrow_and_update: the holder's receiver marks the newest
// version seen; false if it has no receiver.
bool mark_seen(BroadcastRt& b, uint32_t holder);

bool has_receiver(const BroadcastRt& b, uint32_t holder);
bool waits(const BroadcastRt& b, uint32_t holder);

}  // namespace broadcast
}  // namespace wb

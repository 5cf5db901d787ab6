// tokio::sync::mpsc and tokio::sync::oneshot (tokio 1.x). A message is a
// small integer (an i32: enough for a receiver to branch on which message
// it got); the channel keeps them in the order sent (mpsc's block list is
// FIFO: list.rs `Tx::push` appends, `Rx::pop` takes the head) and a recv
// hands the program the head. The behaviour copied:
//
// mpsc (src/sync/mpsc/chan.rs, bounded.rs, unbounded.rs):
//  - a bounded channel is a FIFO-fair semaphore of `capacity` permits
//    (bounded::Sender::send awaits `reserve`, batch_semaphore::acquire(1)):
//    a sender waits its turn while the channel is full, and the permit it
//    gets travels with its message; `Rx::recv` pops a message and gives one
//    permit back (`semaphore.add_permit()`), which the first waiting sender
//    is assigned (see semaphore.hpp). An unbounded channel never waits;
//  - every send wakes the receiver's waker, `rx_waker`, an AtomicWaker:
//    one waker, a new registration replaces the old;
//  - `recv` returns a message while there is one; once the channel is
//    closed (`Receiver::close`) or every Sender is dropped (`Tx::drop` of
//    the last one: `tx.close(); rx_waker.wake()`) and it is drained, None;
//    otherwise it registers its waker and returns Pending;
//  - `Receiver::close` closes the semaphore: senders waiting for a permit
//    fail (their wakers woken), later sends fail (`SendError`); it does not
//    wake the receiver, which drains what was sent. A sender polled after
//    the close fails even if a permit had been assigned to it (given back).
// oneshot (src/sync/oneshot.rs): one message and one Sender, consumed by
//  `send`; `send` stores the value and wakes the receiver's task waker (one
//  slot, as above); a Sender dropped unsent sets CLOSED and wakes it, and
//  `recv` then fails (RecvError); `send` fails when the receiver is closed.
//  A user-defined receiver waker (waker.hpp): poll_recv replaces it drop
//  first, then clone, unless will_wake; complete() wakes it by reference
//  and leaves it; it drops with the Inner, at the second of the Sender's
//  and the Receiver's releases of their Arc.
//
// Try-ops (never wait, store no waker; tokio 1.24.2):
//  - bounded::Sender::try_send (mpsc/bounded.rs) is `semaphore.try_acquire(1)`
//    then the send: TrySendError::Closed first if the receiver is closed
//    (the semaphore is closed), else Full when the count has no permit,
//    which includes every permit assigned to senders waiting in send (FIFO:
//    a try_send does not overtake them); on success it wakes the receiver
//    like a send. UnboundedSender has no try_send and oneshot's send never
//    waits: the compiler rejects try_send on them;
//  - mpsc Receiver::try_recv (mpsc/chan.rs Rx::try_recv, list.rs try_pop):
//    a message if there is one (its permit given back, as recv does);
//    Disconnected only once the list is closed, which the last Sender's
//    drop does (Tx::drop: `tx.close()`); Receiver::close does not close the
//    list, so after it try_recv on a drained channel whose senders live is
//    Empty, where recv returns None. (TryPopResult::Busy, a send half
//    written, cannot happen here: a send is one step.) It leaves the
//    receiver's AtomicWaker as it is;
//  - oneshot Receiver::try_recv (oneshot.rs): the value if sent (once; the
//    receiver is spent after it); Closed once the sender was dropped unsent
//    or consumed, or the receiver closed with nothing sent; else Empty.
//
// Invariants: bounded: len() + slots.permits + permits assigned to
// waiting senders <= capacity; `rx` is the one task whose waker the channel
// holds, or kNone.
#pragma once

#include <cstdint>
#include <vector>

#include "exec/primitives/semaphore.hpp"

namespace wb {

struct ChannelRt {
  std::vector<int64_t> values;  // messages sent, not yet received, oldest first
  int64_t len() const { return static_cast<int64_t>(values.size()); }
  int64_t senders = 1;  // Sender handles alive
  bool closed = false;  // Receiver::close
  uint32_t rx = semaphore::kNone;  // the task whose waker is in rx_waker
  // A oneshot's Receiver has released its Arc<Inner> (a recv returned, a
  // try_recv returned a value or Closed). Kept only with user-defined
  // wakers: the Inner, and the rx_task waker in it, drops at the second of
  // the two releases (primitives/waker.hpp).
  bool rx_gone = false;
  SemaphoreRt slots;    // bounded: free capacity, senders waiting FIFO
};

namespace channel {

enum class Send : uint8_t {
  Sent,     // the message is in; wake `rx` if the result's waker is not kNone
  Closed,   // SendError: the receiver is closed
  Queued,   // full: the sender waits for a permit (its waker stored)
  Waiting,  // polled again while still waiting
};
enum class Recv : uint8_t {
  Got,       // a message taken; a sender may have been assigned its permit
  Closed,    // None: closed or every Sender dropped, and drained
  Pending,   // the receiver's waker is stored (replacing `replaced`'s)
};

enum class TrySend : uint8_t {
  Sent,    // the message is in; wake `*woken` unless kNone
  Full,    // TrySendError::Full: no free slot (or every free one assigned to a waiting sender)
  Closed,  // TrySendError::Closed: the receiver is closed
};
enum class TryRecv : uint8_t {
  Got,           // a message taken; `*woken` was assigned its slot (bounded), or kNone
  Empty,         // TryRecvError::Empty
  Disconnected,  // TryRecvError::Disconnected (mpsc) / TryRecvError::Closed (oneshot)
};

inline constexpr uint32_t kNone = semaphore::kNone;

// try_send of `value` on a bounded channel (see above). Sent: `*woken` is
// the receiver whose waker was taken, or kNone.
TrySend try_send(ChannelRt& c, int64_t value, uint32_t* woken);

// try_recv (see above); `oneshot`: the oneshot's rules. Got: `*value` is the
// message taken.
TryRecv try_recv(ChannelRt& c, bool bounded, bool oneshot, uint32_t* woken, int64_t* value);

// A send of `value` by `task` (kNone outside a poll: only a channel that
// never waits). `bounded`: the channel has a capacity. On Sent, `*woken` is
// the receiver whose waker was taken, or kNone.
Send send(ChannelRt& c, bool bounded, uint32_t task, int64_t value, uint32_t* woken);

// A recv by `task`. On Got, `*value` is the message taken (the oldest) and
// `*woken` the sender assigned the freed permit, or kNone. On Pending,
// `*replaced` is the task whose waker the new registration replaced (kNone:
// none, or its own).
Recv recv(ChannelRt& c, bool bounded, uint32_t task, uint32_t* woken, uint32_t* replaced,
          int64_t* value);

// Receiver::close: the senders waiting for a permit, to be woken (they fail).
void close(ChannelRt& c, std::vector<uint32_t>& woken);

// One Sender dropped: the receiver to wake when it was the last, or kNone.
uint32_t drop_sender(ChannelRt& c);

// `task` is dropped or finishes: a waker it stored in the channel is
// dropped (returns how many: the caller counts them), and a permit
// assigned to it goes to the next sender, appended to `woken`.
int drop(ChannelRt& c, uint32_t task, std::vector<uint32_t>& woken);

// Does `task` wait in this channel (as the receiver, or a sender)?
bool waits(const ChannelRt& c, uint32_t task);

}  // namespace channel
}  // namespace wb

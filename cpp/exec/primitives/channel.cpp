// tokio::sync::mpsc and oneshot: see channel.hpp for the behaviour copied.
#include "exec/primitives/channel.hpp"

#include "exec/primitives/ids.hpp"

namespace wb::channel {

namespace {
uint32_t take_rx(ChannelRt& c) {
  uint32_t t = c.rx;
  c.rx = kNone;
  return t;
}

int64_t pop(ChannelRt& c) {  // the head of the list (list.rs Rx::pop)
  const int64_t v = c.values.front();
  c.values.erase(c.values.begin());
  return v;
}
}  // namespace

Send send(ChannelRt& c, bool bounded, uint32_t task, int64_t value, uint32_t* woken) {
  *woken = kNone;
  if (c.closed) {
    if (bounded && task != kNone) {  // a permit assigned before the close goes back
      std::vector<uint32_t> next;
      semaphore::drop(c.slots, task, next);
      (void)next;  // closed: nobody waits any more
    }
    return Send::Closed;
  }
  if (bounded) {
    switch (semaphore::acquire(c.slots, task)) {
      case semaphore::Acquire::Taken:
      case semaphore::Acquire::Handed:
        ids::erase_one(c.slots.holders, task);  // the permit travels with the message
        break;
      case semaphore::Acquire::Queued: return Send::Queued;
      case semaphore::Acquire::Waiting: return Send::Waiting;
    }
  }
  c.values.push_back(value);
  *woken = take_rx(c);
  return Send::Sent;
}

Recv recv(ChannelRt& c, bool bounded, uint32_t task, uint32_t* woken, uint32_t* replaced,
          int64_t* value) {
  *woken = *replaced = kNone;
  if (!c.values.empty()) {
    *value = pop(c);
    if (bounded) *woken = semaphore::release(c.slots, semaphore::kNone);
    if (c.rx == task) c.rx = kNone;  // its registration is spent
    return Recv::Got;
  }
  if (c.closed || c.senders <= 0) {
    if (c.rx == task) c.rx = kNone;
    return Recv::Closed;
  }
  if (c.rx != task) *replaced = c.rx;
  c.rx = task;
  return Recv::Pending;
}

TrySend try_send(ChannelRt& c, int64_t value, uint32_t* woken) {
  *woken = kNone;
  if (c.closed) return TrySend::Closed;  // TryAcquireError::Closed, checked first
  if (!semaphore::try_acquire(c.slots, kNone)) return TrySend::Full;  // the permit goes with it
  c.values.push_back(value);
  *woken = take_rx(c);
  return TrySend::Sent;
}

TryRecv try_recv(ChannelRt& c, bool bounded, bool oneshot, uint32_t* woken, int64_t* value) {
  *woken = kNone;
  if (!c.values.empty()) {
    *value = pop(c);
    if (bounded) *woken = semaphore::release(c.slots, semaphore::kNone);
    return TryRecv::Got;
  }
  // mpsc: the list is closed only by the last Sender's drop; a oneshot's
  // state is CLOSED by a sender gone or a receiver closed.
  if (c.senders <= 0 || (oneshot && c.closed)) return TryRecv::Disconnected;
  return TryRecv::Empty;
}

void close(ChannelRt& c, std::vector<uint32_t>& woken) {
  c.closed = true;
  for (uint32_t t : c.slots.waiters) woken.push_back(t);
  c.slots.waiters.clear();
}

uint32_t drop_sender(ChannelRt& c) {
  --c.senders;
  return c.senders == 0 ? take_rx(c) : kNone;
}

int drop(ChannelRt& c, uint32_t task, std::vector<uint32_t>& woken) {
  int stored = 0;
  if (c.rx == task) {
    c.rx = kNone;
    ++stored;
  }
  if (semaphore::waits(c.slots, task)) ++stored;
  semaphore::drop(c.slots, task, woken);
  return stored;
}

bool waits(const ChannelRt& c, uint32_t task) {
  return c.rx == task || semaphore::waits(c.slots, task);
}

}  // namespace wb::channel

// ---- the machine's channel instructions: they ask the rules above, then
// count stored wakers, trace, and wake. ----

#include "exec/machine.hpp"

namespace wb {

namespace {
// A send's value, an i32 the compiler checked, travels in the instruction's `b`.
int32_t message_value(const Instr& in) { return static_cast<int32_t>(in.b); }
}  // namespace

void Machine::chan_send(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc) {
  const bool poll = f.kind == FrameKind::Poll;
  const uint32_t self = poll ? f.id : channel::kNone;
  const ChannelSpec& spec = sc_.channels[in.a];
  ChannelRt& c = w_.channels[in.a];
  touch_channel(in.a);
  if (c.senders <= 0)
    throw ScenarioError("scenario '" + sc_.name + "': " + sc_.program_owner(f.program) + ", " +
                        sc_.programs[f.program].where[pc] + ": " +
                        (spec.oneshot ? "oneshot '" + spec.name + "' was already sent or its sender dropped"
                                      : "every sender of channel '" + spec.name + "' is dropped"));
  const bool bounded = spec.capacity > 0;
  const int32_t value = message_value(in);
  uint32_t woken = channel::kNone;
  switch (channel::send(c, bounded, self, value, &woken)) {
    case channel::Send::Sent:
      ev(tid, Ev::ChanSend, in.a, woken == channel::kNone ? kNoId : woken, 0, 0, c.len(), value);
      pc = in.jump;
      if (spec.oneshot) --c.senders;  // send(self) consumes the Sender
      if (spec.capacity == 0 && spec.bound > 0 && c.len() > spec.bound) {
        w_.exhausted_step = static_cast<uint32_t>(step_);
        w_.exhausted_channel = in.a;
        halt(Halt::ResourceExhausted);
        return;
      }
      if (!spec.oneshot) waker_slot_taken(WakerPlace::ChannelRx, in.a, woken);  // rx_waker.wake()
      if (woken != channel::kNone) {
        --w_.tasks[woken].wakers;
        wake(tid, woken, ctx_of(tid, woken));
      }
      return;
    case channel::Send::Closed:
      if (spec.oneshot) --c.senders;
      ev(tid, Ev::ChanFail, in.a, 0, 0);
      ++pc;  // into the on_closed block
      return;
    case channel::Send::Queued:
      ++w_.tasks[self].wakers;
      ev(tid, Ev::ChanWait, in.a, self, 0);
      waker_stored(self, WakerPlace::ChannelTx, in.a, false);  // batch_semaphore poll_acquire
      break;
    case channel::Send::Waiting:
      waker_stored(self, WakerPlace::ChannelTx, in.a, true);  // replaced unless will_wake
      break;
  }
  pending_or_after(tid);
}

// The value a Recv receives goes to the program's local `in.b` (kNoLocal:
// nothing reads it), which the JumpUnlessLocal right after the Recv tests:
// the branch is on the message this recv took, atomically with it.
void Machine::chan_recv(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc, int64_t* locals) {
  const uint32_t self = f.id;  // a task or future polling (recv is an await)
  const ChannelSpec& spec = sc_.channels[in.a];
  ChannelRt& c = w_.channels[in.a];
  touch_channel(in.a);
  const bool bounded = spec.capacity > 0;
  const bool registered = c.rx == self;
  uint32_t woken = channel::kNone, replaced = channel::kNone;
  int64_t value = 0;
  switch (channel::recv(c, bounded, self, &woken, &replaced, &value)) {
    case channel::Recv::Got:
      if (registered) --w_.tasks[self].wakers;
      if (in.b != kNoLocal) locals[in.b] = value;
      ev(tid, Ev::ChanRecv, in.a, self, 0, 0, c.len(), static_cast<int32_t>(value));
      pc = in.jump;
      if (woken != channel::kNone) {  // a waiting sender is assigned the freed slot
        assigned_permit(woken);
        waker_to_hand(woken, WakerPlace::ChannelTx, in.a);
        wake(tid, woken, ctx_of(tid, woken));
      }
      return;
    case channel::Recv::Closed:
      if (registered) --w_.tasks[self].wakers;
      // Rx::recv: the list is not closed while a Sender lives, so a recv
      // after Receiver::close registers (rx_waker.register_by_ref) before
      // it returns None; the last Sender's drop closed the list: none.
      if (!spec.oneshot && c.senders > 0) waker_slot_stored(self, WakerPlace::ChannelRx, in.a);
      ev(tid, Ev::ChanFail, in.a, 0, 1);
      ++pc;  // into the on_closed block
      return;
    case channel::Recv::Pending:
      if (replaced != channel::kNone) --w_.tasks[replaced].wakers;  // AtomicWaker: replaced
      if (!registered) {
        ++w_.tasks[self].wakers;
        ev(tid, Ev::ChanWait, in.a, self, 1);
      }
      waker_slot_stored(self, WakerPlace::ChannelRx, in.a);  // every poll: register_by_ref
      break;
  }
  pending_or_after(tid);
}

// try_send and try_recv (see channel.hpp): in any frame, never a wait.
// Success goes on at `in.jump`; Full / Empty into the block after the
// instruction; Closed / Disconnected to its on_closed block (`in.v`).
void Machine::chan_try_send(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc) {
  const ChannelSpec& spec = sc_.channels[in.a];
  ChannelRt& c = w_.channels[in.a];
  touch_channel(in.a);
  if (c.senders <= 0)
    throw ScenarioError("scenario '" + sc_.name + "': " + sc_.program_owner(f.program) + ", " +
                        sc_.programs[f.program].where[pc] + ": every sender of channel '" +
                        spec.name + "' is dropped");
  uint32_t woken = channel::kNone;
  const int32_t value = message_value(in);
  switch (channel::try_send(c, value, &woken)) {
    case channel::TrySend::Sent:
      ev(tid, Ev::ChanSend, in.a, woken == channel::kNone ? kNoId : woken, 0, 0, c.len(), value);
      pc = in.jump;
      waker_slot_taken(WakerPlace::ChannelRx, in.a, woken);  // rx_waker.wake()
      if (woken != channel::kNone) {
        --w_.tasks[woken].wakers;
        wake(tid, woken, ctx_of(tid, woken));
      }
      return;
    case channel::TrySend::Full:
      ev(tid, Ev::TryFail, in.a, 0, static_cast<uint8_t>(TryFailure::Full));
      ++pc;
      return;
    case channel::TrySend::Closed:
      ev(tid, Ev::TryFail, in.a, 0, static_cast<uint8_t>(TryFailure::SendClosed));
      pc = static_cast<uint32_t>(in.v);
      return;
  }
}

void Machine::chan_try_recv(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc) {
  const uint32_t self = f.kind == FrameKind::Poll ? f.id : kNoId;
  const ChannelSpec& spec = sc_.channels[in.a];
  ChannelRt& c = w_.channels[in.a];
  touch_channel(in.a);
  uint32_t woken = channel::kNone;
  int64_t value = 0;
  switch (channel::try_recv(c, spec.capacity > 0, spec.oneshot, &woken, &value)) {
    case channel::TryRecv::Got:
      ev(tid, Ev::ChanRecv, in.a, self, 0, 0, c.len(), static_cast<int32_t>(value));
      pc = in.jump;
      if (woken != channel::kNone) {  // a waiting sender is assigned the freed slot
        assigned_permit(woken);
        waker_to_hand(woken, WakerPlace::ChannelTx, in.a);
        wake(tid, woken, ctx_of(tid, woken));
      }
      return;
    case channel::TryRecv::Empty:
      ev(tid, Ev::TryFail, in.a, 0, static_cast<uint8_t>(TryFailure::Empty));
      ++pc;
      return;
    case channel::TryRecv::Disconnected:
      ev(tid, Ev::TryFail, in.a, 0, static_cast<uint8_t>(TryFailure::Disconnected));
      pc = static_cast<uint32_t>(in.v);
      return;
  }
}

// A task or future is dropped or finishes: the wakers it stored in channels
// are dropped, and a slot assigned to it goes to the next sender (appended
// to `to_wake`).
void Machine::leave_channels(uint32_t task, std::vector<uint32_t>& to_wake) {
  for (uint32_t c = 0; c < w_.channels.size(); ++c) {
    ChannelRt& ch = w_.channels[c];
    if (!channel::waits(ch, task) && !semaphore::owns(ch.slots, task)) continue;
    touch_channel(c);
    size_t before = to_wake.size();
    const bool sending = semaphore::waits(ch.slots, task);
    w_.tasks[task].wakers -= channel::drop(ch, task, to_wake);
    // The send's Acquire node drops its waker; the rx_waker slot keeps
    // what it holds (an AtomicWaker, in the channel, not in the future).
    if (sending) waker_left(task, WakerPlace::ChannelTx, c);
    for (size_t i = before; i < to_wake.size(); ++i) {
      assigned_permit(to_wake[i]);
      waker_to_hand(to_wake[i], WakerPlace::ChannelTx, c);
    }
  }
}

}  // namespace wb

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
  bool by_frame = false;
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
      // oneshot: Inner::complete wakes rx_task by reference, then send's
      // Arc<Inner> goes (the Receiver still holds one: nothing drops).
      by_frame = spec.oneshot && oneshot_rx_woken(in.a, woken);
      if (spec.oneshot) oneshot_released(in.a, false);
      if (woken != channel::kNone) {
        --w_.tasks[woken].wakers;
        if (!by_frame) wake(tid, woken, ctx_of(tid, woken));
      }
      return;
    case channel::Send::Closed:
      if (spec.oneshot) {
        --c.senders;  // complete() sees CLOSED: no wake; send's Arc<Inner> goes
        oneshot_released(in.a, false);
      }
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
      // oneshot: Ready(Ok) sets `self.inner = None` (Receiver::poll): its
      // Arc<Inner> goes; the Sender's went with the send: the Inner drops.
      if (spec.oneshot) oneshot_released(in.a, true);
      if (woken != channel::kNone) {  // a waiting sender is assigned the freed slot
        assigned_permit(woken);
        waker_to_hand(woken, WakerPlace::ChannelTx, in.a);
        wake(tid, woken, ctx_of(tid, woken));
      }
      return;
    case channel::Recv::Closed:
      if (registered) --w_.tasks[self].wakers;
      // oneshot: RecvError; `rx.await` drops the Receiver with its Arc<Inner>.
      if (spec.oneshot) oneshot_released(in.a, true);
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
      if (spec.oneshot) {
        oneshot_rx_stored(self, in.a);  // poll_recv: set_task, replaced unless will_wake
      } else {
        waker_slot_stored(self, WakerPlace::ChannelRx, in.a);  // every poll: register_by_ref
      }
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
      if (spec.oneshot) oneshot_released(in.a, true);  // try_recv: `self.inner = None`
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
      if (spec.oneshot) oneshot_released(in.a, true);  // Closed: `self.inner = None` too
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

// ---- a oneshot's rx_task with user-defined wakers (tokio 1.24.2
// sync/oneshot.rs; see primitives/waker.hpp). The Inner holds one
// receiver waker, `rx_task`, while RX_TASK_SET; the model keeps an entry
// only for a user-defined one (the executor's own run no program). ----

// Inner::poll_recv, not complete nor closed (oneshot.rs lines 1143-1184):
// with RX_TASK_SET, `will_wake` keeps it (the same user-defined waker, or
// the executor's own of the same task); else RX_TASK_SET is unset and the
// old waker dropped (`drop_task`), THEN the new one cloned (`set_task`:
// `cx.waker().clone()`) and RX_TASK_SET set again: drop before clone,
// the reverse of the batch semaphore's order.
void Machine::oneshot_rx_stored_custom(uint32_t holder, uint32_t chan) {
  std::vector<StoredWaker>& v = w_.stored_wakers;
  const uint16_t cx = cx_waker(holder);
  const int at = waker::find_slot(v, WakerPlace::OneshotRx, chan);
  if (at >= 0) {
    StoredWaker& s = v[static_cast<size_t>(at)];
    if (s.waker == cx) {  // will_wake: kept (the poller is whose wake it serves now)
      s.holder = holder;
      return;
    }
    const StoredWaker old = s;
    v.erase(v.begin() + at);
    call_waker(old.waker, WakerFn::Drop, old.holder);
  }
  call_waker(cx, WakerFn::Clone, holder);  // (none for the executor's own)
  if (cx) v.push_back(StoredWaker{holder, chan, WakerPlace::OneshotRx, cx});
}

// Inner::complete (lines 1110-1125), from Sender::send and Sender's Drop:
// unless CLOSED, `self.rx_task.with_task(Waker::wake_by_ref)`: the waker is
// woken by reference and stays in the Inner. A stale one (its poller gone
// or done) runs `wake_by_ref` waking no task. True when the Waker frame's
// end wakes `woken` (the caller then does not).
bool Machine::oneshot_rx_woken_custom(uint32_t chan, uint32_t woken) {
  const std::vector<StoredWaker>& v = w_.stored_wakers;
  const int at = waker::find_slot(v, WakerPlace::OneshotRx, chan);
  if (at < 0) return false;
  const StoredWaker& s = v[static_cast<size_t>(at)];
  const bool target = woken != channel::kNone && s.holder == woken;
  call_waker(s.waker, WakerFn::WakeByRef, s.holder, target ? woken : kNoId);
  return target;
}

// The Sender and the Receiver share an Arc<Inner>. The Sender's goes when
// it sends (`send(self)` takes it and drops it at the end) or is dropped;
// the Receiver's when a poll returns Ready(Ok) or a try_recv a value or
// Closed (`self.inner = None`), or when `rx.await` ends with RecvError (the
// Receiver is dropped there). The second release drops the Inner, whose
// Drop drops rx_task (lines 1227-1242): `drop` runs on that thread.
void Machine::oneshot_released_custom(uint32_t chan, bool receiver) {
  ChannelRt& c = w_.channels[chan];
  if (receiver) {
    if (c.rx_gone) return;  // released before (a try_recv after the value)
    c.rx_gone = true;
    if (c.senders > 0) return;
  } else if (!c.rx_gone) {
    return;
  }
  std::vector<StoredWaker>& v = w_.stored_wakers;
  const int at = waker::find_slot(v, WakerPlace::OneshotRx, chan);
  if (at < 0) return;
  const StoredWaker old = v[static_cast<size_t>(at)];
  v.erase(v.begin() + at);
  call_waker(old.waker, WakerFn::Drop, old.holder);
}

}  // namespace wb

// tokio::sync::broadcast: see broadcast.hpp for the behaviour copied.
#include "exec/primitives/broadcast.hpp"

#include <algorithm>

namespace wb::broadcast {

namespace {
BcastRx* find(BroadcastRt& b, uint32_t holder) {
  for (BcastRx& r : b.rxs)
    if (r.holder == holder) return &r;
  return nullptr;
}
void stop_waiting(BroadcastRt& b, BcastRx& r) {
  if (!r.waiting) return;
  r.waiting = false;
  b.waiters.erase(std::find(b.waiters.begin(), b.waiters.end(), r.holder));
}
void wake_all(BroadcastRt& b, std::vector<uint32_t>& woken) {  // Tail::notify_rx, oldest first
  for (uint32_t h : b.waiters) {
    find(b, h)->waiting = false;
    woken.push_back(h);
  }
  b.waiters.clear();
}
}  // namespace

int64_t round_capacity(int64_t capacity) {
  int64_t c = 1;
  while (c < capacity) c <<= 1;
  return c;
}

bool send(BroadcastRt& b, int64_t capacity, int64_t value, std::vector<uint32_t>& woken) {
  if (b.rxs.empty()) return false;  // tail.rx_cnt == 0: SendError
  b.buf.push_back(value);
  if (static_cast<int64_t>(b.buf.size()) > capacity) b.buf.erase(b.buf.begin());
  ++b.tail;
  wake_all(b, woken);
  return true;
}

bool subscribe(BroadcastRt& b, uint32_t holder, int64_t at) {
  if (find(b, holder)) return false;
  auto it = std::lower_bound(b.rxs.begin(), b.rxs.end(), holder,
                             [](const BcastRx& r, uint32_t h) { return r.holder < h; });
  b.rxs.insert(it, BcastRx{holder, at, false});
  return true;
}

Recv recv(BroadcastRt& b, uint32_t holder, int64_t* value, int64_t* missed, bool* stored,
          bool watch) {
  *stored = false;
  BcastRx* r = find(b, holder);
  if (!r) return Recv::NoReceiver;
  if (r->next < b.tail) {
    stop_waiting(b, *r);
    if (watch) {  // maybe_changed: the newest version, marked seen
      *value = b.buf.back();
      r->next = b.tail;
      return Recv::Got;
    }
    const int64_t oldest = b.tail - static_cast<int64_t>(b.buf.size());
    if (r->next < oldest) {  // overwritten: Lagged, resume at the oldest held
      *missed = oldest - r->next;
      r->next = oldest;
      return Recv::Lagged;
    }
    *value = b.buf[static_cast<size_t>(r->next - oldest)];
    ++r->next;
    return Recv::Got;
  }
  if (b.senders <= 0) {
    stop_waiting(b, *r);
    return Recv::Closed;
  }
  *stored = !r->waiting;
  if (!r->waiting) b.waiters.push_back(holder);
  r->waiting = true;
  return Recv::Pending;
}

void drop_sender(BroadcastRt& b, std::vector<uint32_t>& woken) {
  if (--b.senders == 0) wake_all(b, woken);  // close_channel
}

int drop(BroadcastRt& b, uint32_t holder) {
  for (size_t i = 0; i < b.rxs.size(); ++i)
    if (b.rxs[i].holder == holder) {
      const int stored = b.rxs[i].waiting ? 1 : 0;
      stop_waiting(b, b.rxs[i]);
      b.rxs.erase(b.rxs.begin() + static_cast<std::ptrdiff_t>(i));
      return stored;
    }
  return 0;
}

int64_t current(const BroadcastRt& b, int64_t initial) { return b.buf.empty() ? initial : b.buf.back(); }

bool mark_seen(BroadcastRt& b, uint32_t holder) {
  BcastRx* r = find(b, holder);
  if (!r) return false;
  r->next = b.tail;
  return true;
}

bool has_receiver(const BroadcastRt& b, uint32_t holder) {
  for (const BcastRx& r : b.rxs)
    if (r.holder == holder) return true;
  return false;
}

bool waits(const BroadcastRt& b, uint32_t holder) {
  for (const BcastRx& r : b.rxs)
    if (r.holder == holder) return r.waiting;
  return false;
}

}  // namespace wb::broadcast

// ---- the machine's broadcast instructions: they ask the rules above, then
// count stored wakers, trace, and wake (a send's and the last drop's wakes
// go to the frame's list, woken in order after the step, as notify_waiters').

#include "exec/machine.hpp"

namespace wb {

namespace {
std::string bcast_where(const Scenario& sc, uint32_t prog, uint32_t pc) {
  return "scenario '" + sc.name + "': " + sc.program_owner(prog) + ", " + sc.programs[prog].where[pc];
}
}  // namespace

void Machine::bcast_send(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc) {
  const BroadcastSpec& spec = sc_.broadcasts[in.a];
  BroadcastRt& b = w_.broadcasts[in.a];
  touch_broadcast(in.a);
  if (b.senders <= 0)
    throw ScenarioError(bcast_where(sc_, f.program, pc) + ": every sender of " +
                        (spec.watch ? "watch '" : "broadcast '") + spec.name + "' is dropped");
  const int32_t value = static_cast<int32_t>(in.b);
  const size_t before = f.wakes.size();
  if (!broadcast::send(b, spec.capacity, value, f.wakes)) {
    ev(tid, Ev::Bcast, in.a, kNoId, static_cast<uint8_t>(BcastEv::SendFail), 0, 0, value);
    ++pc;  // into the on_closed block
    return;
  }
  for (size_t i = before; i < f.wakes.size(); ++i) {
    notified_waiter(f.wakes[i]);
    // notify_rx / notify_waiters: `waiter.waker.take()`, woken by value.
    waker_to_hand(f.wakes[i], WakerPlace::Broadcast, in.a);
  }
  ev(tid, Ev::Bcast, in.a, kNoId, static_cast<uint8_t>(BcastEv::Send), 0,
     static_cast<int64_t>(f.wakes.size() - before), value);
  pc = in.jump;
}

// The value received goes to the program's local `in.b` (kNoLocal: nothing
// reads it), tested by the JumpUnlessLocal at `jump`, as a channel Recv's.
void Machine::bcast_recv(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc, int64_t* locals) {
  const uint32_t self = f.id;  // a task or future polling (recv is an await)
  BroadcastRt& b = w_.broadcasts[in.a];
  touch_broadcast(in.a);
  int64_t value = 0, missed = 0;
  bool stored = false;
  const bool was_waiting = broadcast::waits(b, self);
  switch (broadcast::recv(b, self, &value, &missed, &stored, sc_.broadcasts[in.a].watch)) {
    case broadcast::Recv::NoReceiver:
      throw ScenarioError(bcast_where(sc_, f.program, pc) + ": '" + sc_.task_name(self) +
                          "' holds no receiver of broadcast '" + sc_.broadcasts[in.a].name +
                          "' (declare it a receiver, or subscribe first)");
    case broadcast::Recv::Got:
      if (was_waiting) --w_.tasks[self].wakers;
      if (in.b != kNoLocal) locals[in.b] = value;
      ev(tid, Ev::Bcast, in.a, self, static_cast<uint8_t>(BcastEv::Recv), 0, 0,
         static_cast<int32_t>(value));
      pc = in.jump;
      return;
    case broadcast::Recv::Lagged:
      if (was_waiting) --w_.tasks[self].wakers;
      ev(tid, Ev::Bcast, in.a, self, static_cast<uint8_t>(BcastEv::Lagged), 0, missed);
      pc = static_cast<uint32_t>(in.v);  // on_lagged (or past the blocks)
      return;
    case broadcast::Recv::Closed:
      if (was_waiting) --w_.tasks[self].wakers;
      ev(tid, Ev::Bcast, in.a, self, static_cast<uint8_t>(BcastEv::Closed));
      ++pc;  // into the on_closed block
      return;
    case broadcast::Recv::Pending:
      if (stored) {
        ++w_.tasks[self].wakers;
        ev(tid, Ev::Bcast, in.a, self, static_cast<uint8_t>(BcastEv::Wait));
      }
      // A user-defined waker (primitives/waker.hpp): cloned into the waiter
      // node, or replaced unless will_wake when polled again while waiting
      // (broadcast.rs recv_ref; a watch: notify.rs poll_notified).
      waker_stored(self, WakerPlace::Broadcast, in.a, !stored);
      break;
  }
  pending_or_after(tid);
}

void Machine::bcast_subscribe(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc) {
  BroadcastRt& b = w_.broadcasts[in.a];
  touch_broadcast(in.a);
  if (!broadcast::subscribe(b, f.id, b.tail))
    throw ScenarioError(bcast_where(sc_, f.program, pc) + ": '" + sc_.task_name(f.id) +
                        "' already holds a receiver of broadcast '" + sc_.broadcasts[in.a].name + "'");
  ev(tid, Ev::Bcast, in.a, f.id, static_cast<uint8_t>(BcastEv::Subscribe), 0,
     static_cast<int64_t>(b.rxs.size()));
  ++pc;
}

// A watch's borrow (watch.rs Receiver::borrow, line 388: the value's read
// lock, the version compared, nothing marked; Sender::borrow, line 815):
// the current value to the program's local `in.b` (kNoLocal: nothing reads
// it), tested by the JumpUnlessLocal right after, as an atomic load's.
// borrow_and_update (line 431) also marks the holder's receiver seen, so a
// later changed() waits for a newer version. The Ref's read lock is
// released in the same step (the model holds no Ref across ops).
void Machine::watch_borrow(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc, int64_t* locals) {
  BroadcastRt& b = w_.broadcasts[in.a];
  const bool update = in.v != 0;
  touch(res_.broadcasts + in.a, update);
  const int64_t value = broadcast::current(b, sc_.broadcasts[in.a].initial);
  if (update && !broadcast::mark_seen(b, f.id))
    throw ScenarioError(bcast_where(sc_, f.program, pc) + ": '" + sc_.task_name(f.id) +
                        "' holds no receiver of watch '" + sc_.broadcasts[in.a].name +
                        "' (declare it a receiver, or subscribe first)");
  if (in.b != kNoLocal) locals[in.b] = value;
  const bool task = f.kind == FrameKind::Poll;
  ev(tid, Ev::Bcast, in.a, task ? f.id : kNoId, static_cast<uint8_t>(BcastEv::Borrow), 0, update ? 1 : 0,
     static_cast<int32_t>(value));
  ++pc;
}

void Machine::bcast_drop_sender(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc) {
  BroadcastRt& b = w_.broadcasts[in.a];
  touch_broadcast(in.a);
  if (b.senders <= 0)
    throw ScenarioError(bcast_where(sc_, f.program, pc) + ": every sender of broadcast '" +
                        sc_.broadcasts[in.a].name + "' is already dropped");
  ++pc;
  const size_t before = f.wakes.size();
  broadcast::drop_sender(b, f.wakes);
  for (size_t i = before; i < f.wakes.size(); ++i) {
    notified_waiter(f.wakes[i]);
    waker_to_hand(f.wakes[i], WakerPlace::Broadcast, in.a);  // close_channel: notify_rx
  }
  ev(tid, Ev::Bcast, in.a, kNoId, static_cast<uint8_t>(BcastEv::DropSender), 0, b.senders);
}

void Machine::leave_broadcasts(uint32_t task) {
  for (uint32_t i = 0; i < w_.broadcasts.size(); ++i) {
    BroadcastRt& b = w_.broadcasts[i];
    if (!broadcast::has_receiver(b, task)) continue;
    touch_broadcast(i);
    const int waited = broadcast::drop(b, task);
    w_.tasks[task].wakers -= waited;
    // The Recv (Notified) future dropped while waiting: its node leaves the
    // list under the lock, the waker it holds drops after (Drop for Recv).
    if (waited) waker_left(task, WakerPlace::Broadcast, i);
  }
}

}  // namespace wb

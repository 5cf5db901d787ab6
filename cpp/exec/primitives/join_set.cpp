// tokio::task::JoinSet: see join_set.hpp for the behaviour copied.
#include "exec/primitives/join_set.hpp"

#include <algorithm>

namespace wb::join_set {

void insert(JoinSetRt& s, uint32_t task) { s.idle.push_back(task); }

uint32_t complete(JoinSetRt& s, uint32_t task, bool* in_set) {
  auto it = std::find(s.idle.begin(), s.idle.end(), task);
  *in_set = it != s.idle.end();
  if (!*in_set) return kNone;
  s.idle.erase(it);
  s.notified.push_back(task);
  const uint32_t w = s.waker;  // lock.waker.take()
  s.waker = kNone;
  return w;
}

Next join_next(JoinSetRt& s, uint32_t holder, uint32_t* task, uint32_t* replaced, bool* stored) {
  *replaced = kNone;
  *stored = false;
  if (s.idle.empty() && s.notified.empty()) return Next::Empty;  // length == 0: fast path
  if (s.waker != holder) {  // !waker.will_wake(cur_waker): replaced
    *replaced = s.waker;
    *stored = true;
    s.waker = holder;
  }
  if (s.notified.empty()) return Next::Pending;
  *task = s.notified.front();  // notified.pop_back(): the oldest completion
  s.notified.erase(s.notified.begin());
  return Next::Joined;
}

std::vector<uint32_t> members(const JoinSetRt& s) {
  std::vector<uint32_t> out(s.idle);
  out.insert(out.end(), s.notified.begin(), s.notified.end());
  return out;
}

uint32_t drain(JoinSetRt& s) {
  s.idle.clear();
  s.notified.clear();
  s.dropped = true;
  const uint32_t w = s.waker;
  s.waker = kNone;
  return w;
}

bool forget_waker(JoinSetRt& s, uint32_t holder) {
  if (s.waker != holder) return false;
  s.waker = kNone;
  return true;
}

size_t len(const JoinSetRt& s) { return s.idle.size() + s.notified.size(); }

}  // namespace wb::join_set

// ---- the machine's JoinSet instructions: they ask the rules above, then
// count stored wakers, trace, spawn, abort and wake (woken from the frame's
// list, in order, after the step).

#include "exec/machine.hpp"

namespace wb {

namespace {
std::string js_where(const Scenario& sc, uint32_t prog, uint32_t pc) {
  return "scenario '" + sc.name + "': " + sc.program_owner(prog) + ", " + sc.programs[prog].where[pc];
}
}  // namespace

// JoinHandle::abort (harness.rs remote_abort): cancelled where it would be
// polled next; an idle task is scheduled for that (appended to `to_wake`),
// a queued one is cancelled when popped, a running one when its poll
// returns. A finished task: nothing.
void Machine::abort_task(uint16_t tid, uint32_t task, std::vector<uint32_t>& to_wake) {
  TaskRt& t = w_.tasks[task];
  touch_task(task);
  ev(tid, Ev::Abort, task);
  if (t.status == TaskStatus::Done || t.status == TaskStatus::Dropped) return;  // too late
  t.flags |= kAborted;
  if (t.status == TaskStatus::Idle) to_wake.push_back(task);
}

void Machine::js_spawn(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc) {
  JoinSetRt& s = w_.join_sets[in.a];
  touch_join_set(in.a);
  const Program& p = sc_.programs[f.program];
  if (s.dropped)
    throw ScenarioError(js_where(sc_, f.program, pc) + ": join set '" + sc_.join_sets[in.a] +
                        "' is used after it was dropped");
  uint32_t task = in.b;
  if (in.v == 1) {  // the template's next replica
    const TaskTemplate& tt = sc_.templates[in.b];
    uint32_t& next = w_.next_replica[in.b];
    if (next >= tt.count)
      throw ScenarioError(js_where(sc_, f.program, pc) + ": all " + std::to_string(tt.count) +
                          " replicas of task '" + tt.name + "' are already spawned");
    task = tt.first + next++;
  }
  ++pc;
  join_set::insert(s, task);
  ev(tid, Ev::JoinSet, in.a, task, static_cast<uint8_t>(JsEv::Spawn), 0,
     static_cast<int64_t>(join_set::len(s)));
  spawn(tid, task, p.where[pc - 1]);
}

void Machine::js_join_next(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc, int64_t* locals) {
  const uint32_t self = f.id;  // a task or future polling (join_next is an await)
  JoinSetRt& s = w_.join_sets[in.a];
  touch_join_set(in.a);
  if (s.dropped)
    throw ScenarioError(js_where(sc_, f.program, pc) + ": join set '" + sc_.join_sets[in.a] +
                        "' is used after it was dropped");
  uint32_t task = kNoId, replaced = kNoId;
  bool stored = false;
  const join_set::Next r = join_set::join_next(s, self, &task, &replaced, &stored);
  if (replaced != join_set::kNone) --w_.tasks[replaced].wakers;  // the old waker dropped
  if (stored) ++w_.tasks[self].wakers;
  switch (r) {
    case join_set::Next::Empty:
      ev(tid, Ev::JoinSet, in.a, self, static_cast<uint8_t>(JsEv::Empty));
      ++pc;  // into the on_none block
      return;
    case join_set::Next::Joined:
      ev(tid, Ev::JoinSet, in.a, self, static_cast<uint8_t>(JsEv::Joined), 0, task,
         w_.tasks[task].status == TaskStatus::Dropped ? 1 : 0);
      if (in.b != kNoLocal) locals[in.b] = sc_.template_of(task);
      pc = in.jump;
      return;
    case join_set::Next::Pending:
      if (stored) ev(tid, Ev::JoinSet, in.a, self, static_cast<uint8_t>(JsEv::Wait));
      break;
  }
  return_pending(tid);
}

void Machine::js_abort_all(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc) {
  JoinSetRt& s = w_.join_sets[in.a];
  touch_join_set(in.a);
  if (s.dropped)
    throw ScenarioError(js_where(sc_, f.program, pc) + ": join set '" + sc_.join_sets[in.a] +
                        "' is used after it was dropped");
  ++pc;
  const std::vector<uint32_t> tasks = join_set::members(s);
  ev(tid, Ev::JoinSet, in.a, kNoId, static_cast<uint8_t>(JsEv::AbortAll), 0,
     static_cast<int64_t>(tasks.size()));
  for (uint32_t t : tasks) abort_task(tid, t, f.wakes);
}

// Drop for JoinSet: drain, aborting each task. `to_wake` gets the idle ones.
void Machine::drop_join_set(uint16_t tid, uint32_t set, std::vector<uint32_t>& to_wake) {
  JoinSetRt& s = w_.join_sets[set];
  touch_join_set(set);
  const std::vector<uint32_t> tasks = join_set::members(s);
  const uint32_t holder = join_set::drain(s);
  if (holder != join_set::kNone) --w_.tasks[holder].wakers;
  ev(tid, Ev::JoinSet, set, kNoId, static_cast<uint8_t>(JsEv::Drop), 0,
     static_cast<int64_t>(tasks.size()));
  for (uint32_t t : tasks) abort_task(tid, t, to_wake);
}

void Machine::js_drop(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc) {
  if (w_.join_sets[in.a].dropped)
    throw ScenarioError(js_where(sc_, f.program, pc) + ": join set '" + sc_.join_sets[in.a] +
                        "' is dropped twice");
  ++pc;
  drop_join_set(tid, in.a, f.wakes);
}

// A task finished or was cancelled: its JoinSet entry is notified, and the
// set's waker, if it held one, is taken and its holder appended to `to_wake`.
void Machine::js_task_ended(uint16_t tid, uint32_t task, std::vector<uint32_t>& to_wake) {
  const uint32_t set = sc_.join_set_of[sc_.template_of(task)];
  if (set == Scenario::kNoOwner) return;
  JoinSetRt& s = w_.join_sets[set];
  touch_join_set(set);
  bool in_set = false;
  const uint32_t holder = join_set::complete(s, task, &in_set);
  if (!in_set) return;
  ev(tid, Ev::JoinSet, set, task, static_cast<uint8_t>(JsEv::Complete), 0,
     holder == join_set::kNone ? -1 : static_cast<int64_t>(holder));
  if (holder == join_set::kNone) return;
  --w_.tasks[holder].wakers;
  to_wake.push_back(holder);
}

// A task or future finished or was dropped: no set holds its waker any
// more, and the sets it owns are dropped (their tasks aborted: the idle
// ones appended to `to_wake`, to be cancelled).
void Machine::leave_join_sets(uint16_t tid, uint32_t task, std::vector<uint32_t>& to_wake) {
  for (uint32_t i = 0; i < w_.join_sets.size(); ++i) {
    JoinSetRt& s = w_.join_sets[i];
    touch(res_.join_sets + i, false);  // what it finds decides what it does
    if (s.dropped) continue;
    if (s.waker == task) {
      touch_join_set(i);
      join_set::forget_waker(s, task);
      --w_.tasks[task].wakers;
    }
    if (sc_.join_set_owner[i] == task) drop_join_set(tid, i, to_wake);
  }
}

}  // namespace wb

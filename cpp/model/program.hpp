// A compiled scenario: names resolved to dense ids, programs flattened into
// instructions with jumps. This is what the executor runs; it is immutable
// once built and shared by every run and every explored schedule.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/spec.hpp"

namespace wb {

// A scenario the user built is wrong (unknown name, misuse of a lock, an
// absurd size, ...). The message names the scenario, the owner and the op.
struct ScenarioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Code : uint8_t {
  Print,       // a = text id
  BLock,       // a = mutex id (blocking); b = 1: the guard of a with_ region (BLock, ALock,
               // Acquire, Borrow, BorrowMut take it; BUnlock, AUnlock, Release, EndBorrow
               // with b = 1 release it): a task keeps a stack of them for a caught
               // exception to release (exec/exceptions.cpp)
  BUnlock,
  ALock,       // a = mutex id (async); an await point
  AUnlock,
  Register,    // a = queue id
  Unregister,  // a = queue id
  Pending,     // await: return Pending
  Park,        // a = queue id; Register then Pending
  Wake,        // a = queue id
  WakeAll,     // a = queue id
  Yield,       // wake own waker, return Pending
  DropObject,  // a = object id
  DropTask,    // a = task id
  Spawn,       // a = task id
  SpawnAll,    // a = template id (startup only): spawns each replica in turn
  SpawnNext,   // a = template id: spawns its next replica not yet spawned
  Add,         // a = counter id, v
  Set,         // a = counter id, v
  Jump,        // jump = target
  JumpUnless,  // if !(counter[a] cmp v) goto jump
  LocalSet,    // local[a] = v
  LocalLoop,   // if local[a] == 0 goto jump else local[a] -= 1
  Sleep,       // v = ms; an await point
  Touch,       // a = connection id: use the event context
  Compute,     // v = ms busy
  StartThread, // a = thread index (1-based thread id)
  NotifyLoop,  // a = queue id
  Await,       // a = future (task id): poll it until ready
  Select,      // a = select table id
  Buffered,    // a = buffered table id
  CriticalBegin,
  CriticalEnd,
  MaskBegin,    // v = level (1 masked, 2 uninterruptible)
  MaskEnd,
  RestoreBegin,
  RestoreEnd,
  CatchBegin,   // jump = the handler
  CatchEnd,     // jump = after the handler
  HandlerEnd,
  ThrowTo,      // a = task
  WaitTask,     // a = task, v = text id printed if it was killed (-1: a join, no rethrow)
  Abort,        // a = task
  Acquire,      // a = semaphore; an await point
  Release,      // a = semaphore
  Notified,     // a = notify; an await point
  NotifyOne,    // a = notify
  NotifyWaiters,  // a = notify
  Send,         // a = channel, jump = past its on_closed block (run when it fails),
                // b = the message's value (an i32's bits)
  Recv,         // a = channel, jump = past its on_closed block (run on None); an await point;
                // b = the local the value received goes to (kNoLocal: unread), tested by
                // the JumpUnlessLocal at `jump` when the program branches on it
  ChanClose,    // a = channel
  DropSender,   // a = channel
  // Atomics: a = cell (counter id), b = the local that receives the value
  // returned (kNoLocal: discarded); see exec/primitives/atomic.hpp.
  Load,             // local[b] = cell
  Store,            // cell = v
  Swap,             // local[b] = cell, cell = v
  CompareExchange,  // old = cell; if old == local[b] (expected, set just before): cell = v;
                    // local[b] = old
  FetchAdd,         // local[b] = cell, cell += v (wrapping)
  JumpUnlessLocal,  // if !(local[a] cmp v) goto jump; local[a] = 0 (the returned value is
                    // consumed: a dead value would split states the cache could merge)
  // Try-ops never wait: success goes to `jump`, failure to pc + 1 (the
  // on_fail / on_full / on_empty block); the closed failure of a channel's
  // try-op to `v` (its on_closed block; v == jump when it has none).
  TryLock,      // a = mutex (any kind)
  TrySend,      // a = bounded channel, b = the message's value (as Send)
  TryRecv,      // a = channel or oneshot
  TryAcquire,   // a = semaphore
  // RefCell (exec/primitives/refcell.hpp): a = cell; b = 1 on a with_ region's guard (its
  // acquire and its release: see BLock below).
  Borrow,       // shared; a conflicting borrow panics (BorrowError)
  BorrowMut,    // exclusive; any borrow outstanding panics (BorrowMutError)
  EndBorrow,    // the holder's latest borrow of the cell ends
  TryBorrow,    // success to `jump`, failure (BorrowError) to pc + 1
  TryBorrowMut,
  Panic,        // a = text id: panic!(text)
  // Reader-writer locks (exec/primitives/rwlock.hpp): a = rwlock, v = 1 for
  // the write guard, 0 for a read guard.
  RwLock,       // std: blocks the thread; tokio: an await point
  RwUnlock,
  TryRwLock,    // success to `jump`, failure to pc + 1
  // Condition variables (exec/primitives/condvar.hpp): a = condvar.
  CvWait,       // b = mutex: release it and block until woken (the BLock after it re-locks)
  CvNotifyOne,
  CvNotifyAll,
  // Barriers (exec/primitives/barrier.hpp): a = barrier; the leader goes on at pc + 1 (its
  // on_leader block), the others at `jump` (past it). std: blocks the thread; tokio: an await.
  BarrierWait,
  // tokio::sync::broadcast (exec/primitives/broadcast.hpp): a = broadcast.
  BSend,        // b = the message's value; success to `jump`, SendError (no receiver) to
                // pc + 1 (its on_closed block)
  BRecv,        // an await point: a value to `jump` (b = the local it goes to, kNoLocal:
                // unread, tested by the JumpUnlessLocal at `jump`), Closed to pc + 1
                // (on_closed), Lagged to `v` (on_lagged; past every block when it has none)
  BSubscribe,
  BDropSender,
  WBorrow,      // a watch's current value to local b (kNoLocal: unread); v = 1: the holder's
                // receiver marks the newest version seen (borrow_and_update)
  // tokio::task::JoinSet (exec/primitives/join_set.hpp): a = join set.
  JsSpawn,      // b = task id (v = 0), or template id whose next replica it spawns (v = 1)
  JoinNext,     // an await point: a task joined to `jump` (its template id to local b, kNoLocal:
                // unread), None to pc + 1 (its on_none block)
  JsAbortAll,
  JsDrop,
  PollWith,     // a = user-defined waker id + 1 (0: the executor's own): the task's later polls
  End,         // the program returns (task: Ready)
};

inline constexpr uint32_t kNoLocal = 0xffffffffu;

struct Instr {
  Code code = Code::End;
  Cmp cmp = Cmp::Eq;
  uint32_t a = 0;
  uint32_t jump = 0;
  uint32_t b = 0;  // an atomic op: its local (in what was padding: Instr stays 24 bytes)
  int64_t v = 0;
};
static_assert(sizeof(Instr) == 24, "Instr is the hot loop's unit: keep it small");

enum class ProgramKind : uint8_t { Task, DropHook, Handler, Startup, Thread, Waker };

struct Program {
  ProgramKind kind = ProgramKind::Task;
  uint32_t owner = 0;  // template, object or handler id
  uint32_t nlocals = 0;
  std::vector<Instr> code;
  std::vector<std::string> where;  // source position of each instruction
};

struct TaskTemplate {
  std::string name;
  uint32_t program = 0;
  uint32_t first = 0;  // first task id of its replicas
  uint32_t count = 1;
  bool autostart = true;
  bool daemon = false;
  std::vector<uint32_t> owned;  // object ids, in declaration order
  int64_t parent = -1;          // a future: the task id of the task that owns it
  uint8_t mask = 0;             // initial mask state (async exceptions)
  bool must_finish = false;
  bool kill_points = false;
  std::vector<uint32_t> futures;  // a task: the futures it owns (task ids)
  uint16_t waker = 0;             // a task: the user-defined waker id + 1 its polls bring at
                                  // first (0: the executor's own)
};

// A user-defined waker (exec/primitives/waker.hpp): the program of each of
// its vtable's functions.
enum class WakerFn : uint8_t { Wake, WakeByRef, Clone, Drop };
struct WakerDef {
  std::string name;
  uint32_t program[4] = {0, 0, 0, 0};  // by WakerFn
};

// A select: its branches in polling order.
struct SelectBranch {
  uint32_t future = 0;    // task id of the branch's future
  bool borrowed = false;  // &mut fut: not dropped when another branch wins
  uint32_t arm = 0;       // pc of the branch's arm
};
struct SelectTable {
  std::vector<SelectBranch> branches;
  // tokio::select! without `biased;` starts each poll at a random branch and
  // goes round from there (a choice point); biased polls them in order.
  bool biased = false;
};

// A buffered stream (futures::stream::Buffered) over futures that exist
// before it is polled: the wrapped stream's items, in order.
struct BufferedTable {
  std::vector<uint32_t> items;  // task ids of the futures
  uint32_t size = 1;            // max_buffer_size
  bool always_poll = false;     // pull from the wrapped stream whenever the buffer is pending
  bool unordered = false;       // buffer_unordered: any finished future is yielded, its slot freed
  uint32_t local = 0;           // three task locals: head (first not yielded), next (next to
                                // pull), done (finished, counted, past head: unordered only)
};

struct Object {
  std::string name;
  uint32_t program = 0;        // its Drop hook
};

struct Handler {
  std::string name;
  HandlerKind kind = HandlerKind::Event;
  int64_t at = 0;
  uint32_t program = 0;
  int64_t connection = -1;  // an event: closing it deletes this event (ngx_close_connection);
                            // a cleanup: closing it runs this one (its pool's cleanup)
};

struct ForeignThread {
  std::string name;
  int64_t at = 0;
  uint32_t program = 0;
  bool autostart = true;
};

struct Scenario {
  std::string name;
  std::vector<MutexSpec> mutexes;
  std::vector<SemaphoreSpec> semaphores;
  std::vector<NotifySpec> notifies;
  std::vector<ChannelSpec> channels;
  std::vector<BroadcastSpec> broadcasts;  // capacity rounded up to a power of two
  std::vector<std::vector<uint32_t>> broadcast_receivers;  // per broadcast: holders from the start
  std::vector<std::string> join_sets;
  std::vector<uint32_t> join_set_owner;  // per join set: its owner task, or kNoOwner (unused)
  std::vector<uint32_t> join_set_of;     // per template: the join set it is spawned into, or kNoOwner
  static constexpr uint32_t kNoOwner = 0xffffffffu;
  std::vector<RwLockSpec> rwlocks;
  std::vector<CondvarSpec> condvars;
  std::vector<BarrierSpec> barriers;
  std::vector<std::string> queues;
  std::vector<uint8_t> queue_slot;  // per queue: 1 an AtomicWaker slot, 0 a waiter list
  std::vector<CounterSpec> counters;  // the integer cells: the counters, then the atomics
  uint32_t first_atomic = 0;          // cells from here on are atomics (bound 0)
  std::vector<RefCellSpec> refcells;
  bool is_atomic(uint32_t cell) const { return cell >= first_atomic; }
  std::vector<Object> objects;
  std::vector<TaskTemplate> templates;
  std::vector<Handler> handlers;  // sorted by time, then declaration order; then the
                                  // cleanups run when their connection closes
  uint32_t timed_handlers = 0;    // the handlers that run at a time (the first ones)
  std::vector<ForeignThread> threads;  // thread i + 1 (thread 0 runs the loop)
  std::vector<WakerDef> wakers;        // user-defined wakers
  std::vector<std::string> connections;
  std::vector<SelectTable> selects;
  std::vector<BufferedTable> buffereds;
  bool exceptions = false;  // some program throws, masks or catches
  // Nothing reads the clock: no sleep, no compute, no handler or thread at
  // a time, no latency bound (the clock and its sub-millisecond count then
  // decide nothing; see explore/strategies.cpp state_hash).
  bool timeless = false;
  uint32_t workers = 1;     // executor threads: 0 and the last workers - 1 thread ids
  bool is_worker(uint32_t thread) const {
    return thread != 0 && thread > threads.size();
  }
  int64_t latency_bound = 0;
  int64_t max_live_tasks = 0;
  std::vector<Program> programs;
  std::vector<std::string> texts;
  uint32_t startup = 0;     // program spawning the autostart tasks
  uint32_t ntasks = 0;      // replicas included
  uint32_t task_locals = 0;  // local slots of each task (the most any task program needs)

  uint32_t template_of(uint32_t task) const;
  std::string task_name(uint32_t task) const;
  bool is_future(uint32_t task) const { return templates[template_of(task)].parent >= 0; }
  std::string program_owner(uint32_t program) const;  // "task 'x'", "drop hook of 'o'"
  std::string thread_name(uint32_t thread) const;  // "main", a foreign thread's name, "worker-N"
};

// Limits on what a scenario may ask for: past them it is an error, not a run.
struct SpecLimits {
  static constexpr int64_t max_tasks = 10'000'000;
  static constexpr int64_t max_repeat = 1'000'000'000;
  static constexpr int64_t max_sleep_ms = 1'000'000'000'000;
  static constexpr int max_nesting = 32;
  static constexpr size_t max_ops = 1'000'000;
  static constexpr size_t max_resources = 100'000;
  static constexpr int64_t max_permits = 1'000'000'000;
  static constexpr uint64_t max_task_local_bytes = 1ull << 31;
};

// Resolve, check and flatten. Throws ScenarioError naming the place.
Scenario compile(const ScenarioSpec& spec);

}  // namespace wb

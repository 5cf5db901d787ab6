// The state of one run: tasks, resources, threads and their stacks.
//
// Invariants (the executor keeps them, the oracle relies on them):
//  - a task is Running iff exactly one Poll frame for it is on a stack;
//  - `queued` names the one queue holding a live entry for the task, or None;
//    a Done or Dropped task is never queued;
//  - `wakers` counts the wakers of the task stored in wait queues and async
//    mutex wait lists; a pending task with wakers == 0 that is not queued can
//    never be polled again (lost wake);
//  - a blocking mutex is held by a task (its guard lives in the task's state,
//    possibly across an await) or by a non-poll frame (a Drop hook, a
//    handler); an async mutex is held by a task.
#pragma once

#include <cstdint>
#include "exec/fifo.hpp"
#include <vector>

#include "exec/choice.hpp"
#include "exec/event.hpp"
#include "exec/policy.hpp"
#include "exec/primitives/mutex.hpp"
#include "exec/primitives/barrier.hpp"
#include "exec/primitives/broadcast.hpp"
#include "exec/primitives/channel.hpp"
#include "exec/primitives/condvar.hpp"
#include "exec/primitives/join_set.hpp"
#include "exec/primitives/notify.hpp"
#include "exec/primitives/refcell.hpp"
#include "exec/primitives/rwlock.hpp"
#include "exec/primitives/semaphore.hpp"
#include "exec/primitives/timer.hpp"
#include "exec/primitives/wait_queue.hpp"
#include "exec/primitives/waker.hpp"
#include "model/program.hpp"

namespace wb {

enum class TaskStatus : uint8_t { Unstarted, Idle, Running, Done, Dropped };

// What a task waiting for a lock-like resource waits on (TaskRt::waits_on):
// async mutexes first, then semaphores.
inline uint32_t semaphore_resource(const Scenario& sc, uint32_t s) {
  return static_cast<uint32_t>(sc.mutexes.size()) + s;
}
// ... then tokio RwLocks.
inline uint32_t rwlock_resource(const Scenario& sc, uint32_t r) {
  return static_cast<uint32_t>(sc.mutexes.size() + sc.semaphores.size()) + r;
}
// What a blocked thread waits for (ThreadRt::blocked_on - 1, BlockFact):
// a blocking mutex id; past the mutexes, a std RwLock's read (2r) or write
// (2r + 1).
inline uint32_t rw_block(const Scenario& sc, uint32_t r, bool write) {
  return static_cast<uint32_t>(sc.mutexes.size()) + 2 * r + (write ? 1u : 0u);
}
inline bool blocks_on_mutex(const Scenario& sc, uint32_t resource) {
  return resource < sc.mutexes.size();
}
// ... past the RwLocks, a condvar's wait; past those, a std Barrier's wait.
inline uint32_t cv_block(const Scenario& sc, uint32_t c) {
  return static_cast<uint32_t>(sc.mutexes.size() + 2 * sc.rwlocks.size()) + c;
}
inline uint32_t barrier_block(const Scenario& sc, uint32_t b) {
  return cv_block(sc, static_cast<uint32_t>(sc.condvars.size())) + b;
}
enum class BlockOn : uint8_t { Mutex, RwLock, Condvar, Barrier };
inline BlockOn block_on(const Scenario& sc, uint32_t resource) {
  if (resource < sc.mutexes.size()) return BlockOn::Mutex;
  if (resource < cv_block(sc, 0)) return BlockOn::RwLock;
  if (resource < barrier_block(sc, 0)) return BlockOn::Condvar;
  return BlockOn::Barrier;
}
// Where a queued task waits. PostedNext: in ngx-rust's scheduler (its queue
// or the batch its event handler is running).
enum class QueueId : uint8_t { None, Posted, PostedNext, RunQueue, Inbox };

struct TaskRt {
  uint32_t program = 0;
  uint32_t pc = 0;
  TaskStatus status = TaskStatus::Unstarted;
  QueueId queued = QueueId::None;
  uint8_t thread = 0;
  uint8_t flags = 0;        // TaskFlag bits
  uint16_t wakers = 0;
  uint8_t in_lists = 0;     // waiter-list queues holding its waker (saturates at 255)
  uint8_t spare = 0;
  uint32_t parked_in = 0;   // wait queue id + 1 of its latest registration
  uint32_t waits_on = 0;    // lock resource + 1 it waits for: an async mutex id, or
                            // mutexes + a semaphore id, or a tokio RwLock (see
                            // semaphore_resource, rwlock_resource); a tokio Barrier's
                            // waiters are in its BarrierRt
  uint32_t last_step = 0;   // step of its last poll end
  uint32_t barge_woken = 0; // barging mutex id + 1 whose unlock woke it; cleared when it polls
};

enum TaskFlag : uint8_t {
  kNotified = 1,        // woken while running: scheduled when its poll returns Pending
  kWoken = 2,           // a future: woken since its owner last polled it
  kAborted = 4,         // a task: aborted; dropped instead of its next poll
  kPanicked = 64,       // a task: it panicked and is unwinding (its teardown poisons the std
                        // mutexes it holds; a Drop hook panicking meanwhile aborts)
  // bits 3-5: the WakeCtx of the wake that set kNotified
};
inline constexpr unsigned kNotifiedCtxShift = 3;
inline constexpr uint8_t kNotifiedBits = kNotified | (7u << kNotifiedCtxShift);
static_assert(static_cast<unsigned>(WakeCtx::Foreign) < 8, "a WakeCtx fits the 3 bits kept for it");
static_assert(sizeof(TaskRt) <= 32, "TaskRt is per task: keep it small");

// Waker: a user-defined waker's function running its program (its id: the
// program's owner, waker id * 4 + WakerFn; see primitives/waker.hpp).
enum class FrameKind : uint8_t { Startup, Handler, Poll, DropHook, Teardown, Timer, Thread, Notify, Waker };

struct Frame {
  FrameKind kind = FrameKind::Poll;
  Entry entry = Entry::Inline;   // Poll: how it was reached
  WakeCtx via = WakeCtx::Spawn;  // Poll inline: the waker's context
  uint32_t id = 0;               // task / object / handler / timer id
  uint32_t program = 0;
  uint32_t pc = 0;               // non-Poll frames (a task keeps its own pc)
  uint32_t locals = 0;           // base in the thread's local stack (non-Poll)
  std::vector<uint32_t> wakes;   // WakeAll: tasks still to wake, in order
  uint8_t child_polled = 0;      // Await / Select: a child future's poll just returned
  uint8_t branch = 0;            // Select: branches polled so far in this poll
  uint8_t start = 0;             // Select: the branch this poll began with
  bool pending_after = false;    // Poll: return Pending when it runs next (the waker
                                 // programs its last instruction called are done)
  uint32_t wake_target = kNoId;  // Waker (wake, wake_by_ref): the task its end wakes
};

enum class Phase : uint8_t { Wait, Events, Ready };

// In a ready-event list, timers and loop notifications are told from
// handlers by these bits.
inline constexpr uint32_t kTimerBit = 0x80000000u;
inline constexpr uint32_t kNotifyBit = 0x40000000u;

enum class ThreadStatus : uint8_t { Loop, Unstarted, Running, Done, Worker };

// ngx-rust's scheduler event: not posted, in ngx_posted_next_events (the
// next iteration's wait will not block), or moved into ngx_posted_events.
// ngx_post_event does nothing to an event already posted.
enum class SchedPost : uint8_t { No, Next, Now };
inline constexpr uint32_t kSchedulerEvent = 0xfffffffeu;  // in `posted`

struct ThreadRt {
  ThreadStatus status = ThreadStatus::Loop;
  uint32_t blocked_on = 0;      // what it blocks on + 1 (see rw_block, block_on): a blocking
                                // mutex or a std RwLock another thread holds, a condvar's wait,
                                // a std Barrier's wait
  std::vector<uint64_t> spurious;  // wait ops (program << 32 | pc) it has woken spuriously from,
                                   // sorted: at most once each per run (condvar.hpp)
  Fifo<uint32_t> inbox;   // thread_notify: tasks pushed from any thread
  Fifo<uint32_t> notified;  // notify_loop: wait queues the loop is asked to wake
  int64_t busy_until = 0;       // a foreign thread computing: not runnable before then
  std::vector<Frame> stack;
  std::vector<int64_t> locals;  // frame-local slots of non-Poll frames
  uint32_t polls_on_stack = 0;
  uint32_t run_queue_polls = 0;  // in this iteration (see kEventInterval)
  Phase phase = Phase::Wait;
  // nginx's ngx_posted_events, in post order: task ids (posted one by one,
  // ngx_posted) and kSchedulerEvent, ngx-rust's one scheduler event.
  Fifo<uint32_t> posted;
  // ngx-rust's scheduler (src/async_/spawn.rs): `queue` holds the runnables
  // scheduled since its event handler last ran; the handler runs the ones
  // queued before it started (mem::take), `batch` here, one poll a unit.
  Fifo<uint32_t> sched_queue, sched_batch;
  SchedPost sched_posted = SchedPost::No;  // where its event is posted
  Fifo<uint32_t> run_queue;
  std::vector<uint32_t> ready_events;  // handler ids ready in this iteration
  Fifo<uint32_t> cleanups;       // pool cleanups of a closed connection, to run now
};

struct OutputLine {
  int64_t time = 0;
  uint32_t step = 0;
  uint32_t text = 0;
};

enum class Halt : uint8_t {
  Running, Quiescent, Blocked, StepBound, TimeBound, MemoryBound, DepthBound, WrongThread, DataRace,
  UseAfterFree, Starvation, ResourceExhausted, Interrupted, NotSend,
  NotSync,  // a RefCell touched from a second thread (UnsyncFact)
  Panic,    // a panic no task's poll catches (a Drop hook, a handler, a thread; or a panic
            // while unwinding: abort): the run stops there (PanicFact)
  Pruned  // the chooser ended the run (an explorer's pruned branch): no verdict
};

// A future or task dropped (cancelled) inside a critical region, or a task
// that must finish killed by an async exception.
struct CutFact {
  uint32_t task = 0;  // the future or task cut short
  uint32_t step = 0;
  uint32_t pc = 0;    // where it was suspended, or where the exception landed
  bool killed = false;
};

// Haskell-style asynchronous exceptions, per task.
struct CatchRt {
  uint32_t handler = 0;
  uint8_t mask = 0;         // the mask state when the catch began
  uint32_t mask_depth = 0;
  uint32_t scope_depth = 0; // with_ guards held when the catch began (ExcRt::scopes)
};
struct ExcRt {
  uint8_t mask = 0;         // 0 unmasked, 1 masked (interruptible ops receive), 2 uninterruptible
  uint8_t pending = 0;      // exceptions raised, not yet delivered
  bool killed = false;
  bool kill_offered = false;  // the explorer's one extra kill has been spent
  uint32_t joiner = 0;      // task id + 1 waiting for this one (WaitTask)
  std::vector<uint8_t> mask_stack;
  std::vector<CatchRt> catches;
  std::vector<uint8_t> handler_states;
  // The guards of the with_ regions the task is inside, innermost last: the
  // instruction that releases each (its code, and its operand in the low
  // 32 bits). A caught exception releases the ones its catch body took.
  std::vector<uint64_t> scopes;
};

// The loop thread's last stretch of work without an await.
struct BusyFact {
  uint32_t prog = 0, pc = 0;  // the compute instruction
  int64_t from = 0, ms = 0;   // when (clock ticks), and for how long (ms)
  uint32_t step = 0;
  bool any = false;
};

// A task polled later than the latency bound allows (Halt::Starvation).
struct LateFact {
  uint32_t task = 0;
  int64_t ready = 0, polled = 0;  // virtual ms
  uint32_t step = 0;
};

// A frame touched a closed (freed) event context (Halt::UseAfterFree).
struct FreedFact {
  uint16_t thread = 0;
  uint32_t connection = 0;
  uint32_t step = 0;       // the touch
  uint32_t closed_at = 0;  // the step that closed it
};

// A wake from one thread acting on another thread's task (Halt::WrongThread:
// polled inline off its home thread; Halt::DataRace: pushed onto the home
// thread's unsynchronised posted queue).
struct CrossFact {
  uint16_t thread = 0;  // the waker's thread
  uint32_t task = 0;
  Action action = Action::PollInline;
  uint32_t step = 0;
  uint32_t prog = 0, pc = 0;  // the waking instruction
  bool home_polling = false;  // the home thread was polling at that moment
};

// A task returned Pending holding a std::sync::MutexGuard (!Send) on a
// runtime whose workers may poll it next (Halt::NotSend).
struct NotSendFact {
  uint32_t task = 0;    // the task whose future holds the guard
  uint32_t holder = 0;  // the task or future holding it
  uint32_t mutex = 0;   // a mutex id; past the mutexes, mutexes + a std RwLock id
  uint32_t step = 0;
};

// A panic (VerdictKind::Panic). The first one of a run is kept: a panic
// inside a task's poll unwinds the task and the run goes on (tokio's
// harness catches it), so later ones may follow; the verdict names the
// first, and the one that stopped the run if another did (World::fatal).
enum class PanicCause : uint8_t {
  Explicit,        // panic!(text)
  BorrowError,     // RefCell::borrow while mutably borrowed: "already mutably borrowed"
  BorrowMutError,  // RefCell::borrow_mut while borrowed: "already borrowed"
  Poisoned,        // std::sync::Mutex::lock().unwrap() on a mutex poisoned by a panic
};
struct PanicFact {
  bool any = false;         // a panic happened in this run
  PanicCause cause = PanicCause::Explicit;
  bool unwound = false;     // caught at a task's poll: the task unwound, the run went on
  bool abort = false;       // a panic while a task unwound (a Drop hook): the process aborts
  uint16_t thread = 0;
  uint32_t task = kNoId;    // the task whose poll caught it (kNoId: none)
  uint32_t future = kNoId;  // the future of `task` it began in, if any
  uint32_t step = 0;
  uint32_t prog = 0, pc = 0;  // the panicking instruction
  FrameKind frame_kind = FrameKind::Poll;  // the frame it began in (its id: a task, an object,
  uint32_t frame_id = 0;                   // a handler, a thread)
  uint32_t text = 0;        // Explicit: the message (a text id)
  uint32_t resource = 0;    // a borrow: the cell; Poisoned: the mutex
  BorrowRt outstanding;     // a borrow: the one in the way (who, where, since when)
  FrameKind holder_frame = FrameKind::Poll;  // ... a Frame holder's kind and id (that frame
  uint32_t holder_frame_id = 0;              // may be gone by the end of the run)
  uint32_t count = 0;       // panics in the run
  uint32_t poisoned_by = kNoId;  // Poisoned: the task whose panic poisoned it
};

// A RefCell touched from a second thread (Halt::NotSync): RefCell is !Sync
// (an Rc<RefCell<T>> is !Send), so Rust rejects the program.
struct UnsyncFact {
  uint32_t cell = 0;
  uint16_t first = 0, thread = 0;  // the thread it belongs to, the one touching it now
  uint32_t step = 0;
  uint32_t prog = 0, pc = 0;
};

// Why a thread stopped on a blocking mutex, an RwLock, a condvar or a
// barrier (Halt::Blocked).
struct BlockFact {
  uint16_t thread = 0;
  uint32_t mutex = 0;   // what it blocks on, as ThreadRt::blocked_on - 1 (see rw_block)
  uint32_t step = 0;
};

struct Stats {
  uint64_t steps = 0;
  uint64_t polls = 0;
  uint64_t inline_polls = 0;
  uint64_t wakes = 0;
  uint64_t iterations = 0;
  uint64_t nonblocking_iterations = 0;
  uint32_t max_depth = 0;
  uint32_t max_polls_nested = 0;    // the deepest stack of polls (inline polls nest)
  uint64_t max_wake_latency = 0;    // loop iterations from a wake to the poll it asked for
  uint64_t wake_latency_total = 0;  // ... summed over the polls that followed a wake
  uint64_t wake_latency_samples = 0;
  double elapsed_s = 0;
  uint64_t model_bytes = 0;
};

struct World {
  std::vector<TaskRt> tasks;
  std::vector<int64_t> task_locals;  // ntasks * Scenario::task_locals
  std::vector<MutexRt> mutexes;
  std::vector<SemaphoreRt> semaphores;
  std::vector<NotifyRt> notifies;
  std::vector<ChannelRt> channels;
  std::vector<BroadcastRt> broadcasts;
  std::vector<JoinSetRt> join_sets;
  std::vector<RefCellRt> refcells;
  std::vector<RwLockRt> rwlocks;
  std::vector<CondvarRt> condvars;
  std::vector<BarrierRt> barriers;
  std::vector<QueueRt> queues;
  std::vector<int64_t> counters;
  std::vector<uint8_t> dropped;  // per object: 0 alive, 1 dropping, 2 dropped
  std::vector<ThreadRt> threads;
  uint32_t next_event = 0;       // first handler not yet ready
  std::vector<TimerRt> timers;   // every timer ever set, by id
  std::vector<uint32_t> sleeping;  // per task: timer id + 1 of the sleep it is in, 0: none
  std::vector<uint32_t> woken_iter;  // per task: the iteration its pending wake came in, or kNoId
  std::vector<uint16_t> critical;  // per task: critical regions it is inside
  CutFact cut;
  bool cut_recorded = false;       // a must-finish task was killed (the run went on)
  std::vector<ExcRt> exc;          // per task, if the scenario uses async exceptions
  std::vector<uint32_t> timer_heap;  // ids of pending timers, a min-heap on (at, id)
  int64_t now = 0;      // virtual ms (simulator), or wall-clock ticks
  int64_t ticks_per_ms = 1;  // clock ticks per scenario ms (real-time drivers: us per scaled ms)
  bool real_time = false;    // ticks are wall-clock microseconds
  uint32_t spin_us = 0; // microseconds spent in non-blocking iterations, below 1 ms
  bool started = false;
  Halt halt = Halt::Running;
  BlockFact block;
  NotSendFact not_send;
  UnsyncFact unsync;
  PanicFact panic;  // the run's first panic
  PanicFact fatal;  // the panic that stopped the run (no task's poll caught it), if any
  CrossFact cross;
  FreedFact freed;
  BusyFact busy;
  LateFact late;
  std::vector<int64_t> ready_since;  // per task: when it last became ready (latency bound)
  std::vector<uint32_t> next_replica;  // per template: replicas spawned by SpawnNext
  // User-defined wakers (primitives/waker.hpp), if the scenario has any:
  // per task, the waker id + 1 its current poll brings and the one its next
  // polls will (0: the executor's own); the user-defined wakers stored.
  std::vector<uint16_t> waker_now, waker_next;
  std::vector<StoredWaker> stored_wakers;
  uint32_t waker_bound = kNoId;  // the thread whose waker calls passed kMaxWakerNesting
  uint32_t live = 0;                   // tasks spawned and not yet finished or dropped
  uint32_t polling_threads = 0;        // threads with a poll on their stack
  uint32_t peak_live = 0;
  uint32_t exhausted_step = 0;
  uint32_t exhausted_counter = kNoId;  // a counter past its bound
  uint32_t exhausted_channel = kNoId;  // an unbounded channel past its bound (neither: live tasks)
  std::vector<uint32_t> closed_at;  // per connection: the step that closed it, 0 if open
  std::vector<OutputLine> output;
  std::vector<Event> trace;
  bool trace_truncated = false;  // the trace hit its bound; the run went on
  std::vector<Choice> choices;
  Stats stats;
};

}  // namespace wb

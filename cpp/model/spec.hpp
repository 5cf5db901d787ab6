// Scenario specification: what a user writes, as plain data.
//
// A scenario names its resources (mutexes, wait queues, counters, atomics), its tasks
// (programs of operations), its objects (values with Drop hooks, owned by a
// task or free-standing) and its handlers (nginx-like event and cleanup
// handlers that fire at a virtual time). Operations refer to resources by
// name; `compile()` (compile.hpp) resolves the names, checks the programs and
// flattens them into instructions. Nothing here executes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wb {

// The vocabulary of operations. Each is one await point or one synchronous
// action; Loop / If / Repeat carry nested blocks.
enum class OpKind : uint8_t {
  Print,     // text: a printed mark (collected as output and traced)
  Lock,      // target mutex: a blocking lock, or `.lock().await` on an async mutex
  Unlock,    // target mutex
  Register,  // target wait queue: store this task's waker there
  Unregister,  // target wait queue: this task's wait there is over (a waiter list drops
               // its entry; an AtomicWaker slot keeps what it holds)
  Pending,   // return Pending (an await that does not register anything itself)
  Park,      // target wait queue: Register then Pending
  Wake,      // target wait queue: take one waker and wake it
  WakeAll,   // target wait queue: take every waker and wake each
  Yield,     // wake this task's own waker, then return Pending
  Drop,      // target object (run its Drop hook now) or task (drop its future)
  Spawn,     // target task (one declared with autostart = false)
  Add,       // target counter += value
  Set,       // target counter = value
  Loop,      // body, repeated until a Break
  Repeat,    // body, repeated `value` times
  If,        // cond ? body : orelse
  Break,     // leave the innermost Loop / Repeat
  Sleep,     // value ms of virtual time: a timer holds the task's waker until then
  Read,      // target connection: touch the nginx event context (read its socket, its buffers)
  Compute,   // value ms of work without awaiting: the thread does nothing else meanwhile
  SpawnBlocking,  // target thread (declared with autostart = false): start it now
  NotifyLoop,     // target wait queue: from a foreign thread, have the loop thread wake it
                  // (ngx_thread_task_post's ngx_notify: thread-safe, runs on the loop)
  Await,     // target future: poll it (on this task's stack) until it is ready
  Select,    // body: Branch ops; poll each branch's future in order, the first ready wins
  Branch,    // (in a Select) target future, value 1 = borrowed (&mut fut), body = its arm
  Buffered,  // body: Branch ops naming the wrapped stream's futures, in order; value = buffer
             // size; flag: poll the wrapped stream even when the buffer is full;
             // unordered: buffer_unordered
  Critical,  // body: a region that must run to its end once begun (an invariant in flux)
  // Haskell-style asynchronous exceptions:
  Mask,      // body, value 1 = mask (interruptible ops still receive), 2 = uninterruptibleMask
  Restore,   // body: run with the mask state the nearest enclosing Mask found (mask's restore)
  Catch,     // body; orelse = the handler, run masked, when an async exception lands in body
  ThrowTo,   // target task: raise ThreadKilled in it (delivered when its mask state allows)
  WaitTask,  // target task: wait for it; text: printed if it was killed (the rethrow), then end;
             // no text: JoinHandle.await (returns whether the task finished or was aborted)
  Abort,     // target task: JoinHandle::abort(): cancelled (dropped) instead of its next poll
  Acquire,   // target semaphore: `acquire().await`; the permit is held until a Release
             // (or until the task's future is dropped: SemaphorePermit's Drop)
  Release,   // target semaphore: give back one permit this task holds, or add one
  Seq,       // body, run once in order: ops grouped as one (a break inside leaves the
             // enclosing loop, as if the body were written in place)
  Notified,       // target notify: `notified().await`
  NotifyOne,      // target notify
  NotifyWaiters,  // target notify
  Send,           // target channel, value: the message (an i32); body: what runs if it
                  // fails (the receiver is closed)
  Recv,           // target channel; body: what runs on None / RecvError; it may branch on
                  // the value received, atomically with the recv: cond compares it, `then`
                  // runs if it holds, orelse if not
  CloseChannel,   // target channel: Receiver::close
  DropSender,     // target channel: one Sender dropped
  // Atomics (exec/primitives/atomic.hpp), each one visible operation. Those
  // that return a value (all but Store) may branch on it, atomically with the
  // op: cond compares the returned value (the cell's value before the op),
  // body runs if it holds, orelse if not.
  Load,             // target atomic
  Store,            // target atomic = value
  Swap,             // target atomic = value; returns the value before
  CompareExchange,  // target atomic: if it holds `expected`, = value; returns the value
                    // before (Ok when it equals `expected`, Err otherwise, as in Rust)
  FetchAdd,         // target atomic += value, wrapping; returns the value before
  // Try-ops: they never wait, they succeed or fail at once and the program
  // branches on the result (the primitives' files cite the real rules):
  TryLock,        // target mutex; body: runs when it fails (held: WouldBlock / None /
                  // TryLockError); on success the lock is held, as after Lock
  TrySend,        // target bounded channel, value: the message; body: on Full; orelse: on
                  // Closed (TrySendError)
  TryRecv,        // target channel; body: on Empty; orelse: on Disconnected / Closed
                  // (TryRecvError)
  TryAcquire,     // target semaphore; body: on NoPermits (TryAcquireError)
  Continue,       // back to the head of the innermost Loop / Repeat (Rust's `continue`)
  // RefCell (exec/primitives/refcell.hpp), each a visible operation:
  Borrow,         // target refcell: `cell.borrow()`, a shared borrow held until EndBorrow
                  // (a conflicting one panics: BorrowError)
  BorrowMut,      // target refcell: `cell.borrow_mut()` (any borrow outstanding: BorrowMutError)
  EndBorrow,      // target refcell: drop the Ref / RefMut this holder took last
  TryBorrow,      // target refcell; body: runs on BorrowError (`try_borrow`), nothing taken
  TryBorrowMut,   // target refcell; body: runs on BorrowMutError (`try_borrow_mut`)
  Panic,          // text: `panic!("text")`: the task unwinds (see exec/panic.cpp)
  With,           // orelse: one guard op (lock, acquire, borrow, borrow_mut); body runs
                  // holding it, and every way out of the body releases it (a scope's end,
                  // break, continue, cancellation, a caught exception, a panic)
  // Reader-writer locks (exec/primitives/rwlock.hpp): target rwlock.
  RwRead,         // read(): a shared guard (std: blocks the thread; tokio: an await)
  RwWrite,        // write(): the exclusive guard
  RwUnlockRead,   // drop a read guard this program holds
  RwUnlockWrite,  // drop the write guard this program holds
  TryRead,        // try_read(); body: runs when it fails (WouldBlock / TryLockError)
  TryWrite,       // try_write(); body: runs when it fails
  // Condition variables (exec/primitives/condvar.hpp): target condvar.
  CvWait,         // text: the std mutex it waits with (the program must hold it): releases
                  // it, blocks the thread until notified (or a spurious wake-up), re-locks it
  CvNotifyOne,    // wake one waiter (which one: a choice point)
  CvNotifyAll,    // wake every waiter
  // Barriers (exec/primitives/barrier.hpp): target barrier.
  BarrierWait,    // std: blocks the thread; tokio: an await; body: runs in the leader only
                  // (BarrierWaitResult::is_leader), after the release
  // tokio::sync::broadcast (exec/primitives/broadcast.hpp): target broadcast.
  BcastSend,      // value: the message; body: runs when it fails (no receiver: SendError)
  BcastRecv,      // await the next value with this holder's receiver; body: on Closed;
                  // lagged: on Lagged (it resumes at the oldest value held); it may branch
                  // on the value received, as a Recv: cond, then, orelse (not a watch's)
  Subscribe,      // Sender::subscribe(): this holder's receiver, at the tail
  BcastDropSender,  // one Sender dropped (the last: receivers that caught up get Closed)
  WatchBorrow,    // a watch's borrow(): the current value, which it may branch on (cond,
                  // body: then, orelse); value 1: borrow_and_update (marks it seen)
  // tokio::task::JoinSet (exec/primitives/join_set.hpp): target join set.
  JsSpawn,        // text: the task (declared with autostart = false) spawned into the set
  JoinNext,       // `join_next().await`: the next task to finish, in completion order; body:
                  // on None (the set is empty); it may branch on which task it was: cond's
                  // counter names a task, cmp Eq or Ne, `then` runs if it holds, orelse if not
  JsAbortAll,     // abort_all(): every task in the set is aborted (they stay in it)
  JsDrop,         // the JoinSet dropped: every task in it aborted and forgotten
  // User-defined wakers (exec/primitives/waker.hpp): target waker, or "" for the executor's own.
  PollWith,       // from this task's next poll on, its executor polls it with this waker
};

enum class Cmp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

// A condition on resource state: `counter <cmp> value` (If), or on what an
// atomic op returned or a recv received: `returned <cmp> value` (counter:
// the atomic's or the channel's name).
struct Cond {
  std::string counter;
  Cmp cmp = Cmp::Eq;
  int64_t value = 0;
};

struct OpSpec {
  OpKind kind = OpKind::Print;
  std::string target;  // resource, object or task name
  std::string text;    // Print
  int64_t value = 0;   // Add / Set / Repeat / Buffered size / an atomic op's operand
  int64_t expected = 0;  // CompareExchange: the value it expects (Rust's `current`)
  bool flag = false;   // Buffered: always poll the wrapped stream; Select: biased
  bool unordered = false;  // Buffered: buffer_unordered (yield in completion order)
  Cond cond;           // If; an atomic op's branch on the value it returned; a Recv's on the
                       // value it received
  std::vector<OpSpec> body;
  std::vector<OpSpec> orelse;
  std::vector<OpSpec> then;  // Recv: runs when the value received meets cond (its body is
                             // on_closed; an atomic op's then-block is its body)
  std::vector<OpSpec> lagged;  // BcastRecv: runs on RecvError::Lagged (its orelse is the
                               // else-branch of a test on the value, as a Recv's)
};

enum class MutexKind : uint8_t {
  Blocking,      // std::sync::Mutex: non-reentrant, blocks the thread
  AsyncFair,     // tokio::sync::Mutex: FIFO hand-off to the first waiter
  AsyncBarging,  // futures::lock::Mutex: release, wake a waiter, anyone may take it
  BlockingSend,  // parking_lot::Mutex with `send_guard`: blocking, its guard is Send
};
inline bool is_blocking(MutexKind k) { return k == MutexKind::Blocking || k == MutexKind::BlockingSend; }

struct MutexSpec {
  std::string name;
  MutexKind kind = MutexKind::Blocking;
};

enum class RwLockKind : uint8_t {
  Std,    // std::sync::RwLock (futex, Linux): blocks the thread, prefers writers
  Tokio,  // tokio::sync::RwLock: async, fair (FIFO over a batch semaphore)
};

struct RwLockSpec {
  std::string name;
  RwLockKind kind = RwLockKind::Std;
};

// std::sync::Condvar (exec/primitives/condvar.hpp).
struct CondvarSpec {
  std::string name;
};

enum class BarrierKind : uint8_t {
  Std,    // std::sync::Barrier: blocks the thread
  Tokio,  // tokio::sync::Barrier: async
};

// A barrier of `parties` (0 acts as 1, in std and tokio alike).
struct BarrierSpec {
  std::string name;
  int64_t parties = 1;
  BarrierKind kind = BarrierKind::Std;
};

// tokio::sync::Semaphore: `permits` to start with; acquire waits in FIFO
// order and a release hands permits to the first waiters.
struct SemaphoreSpec {
  std::string name;
  int64_t permits = 0;
};

// tokio::sync::Notify.
struct NotifySpec {
  std::string name;
};

// tokio::sync::mpsc (bounded when capacity > 0) or tokio::sync::oneshot.
struct ChannelSpec {
  std::string name;
  int64_t capacity = 0;  // 0: unbounded
  int64_t bound = 0;     // unbounded: > 0, more messages than this is resource_exhausted
  int64_t senders = 1;   // Sender handles alive at the start
  bool oneshot = false;  // one message; send consumes the Sender
};

// tokio::sync::broadcast: `capacity` (rounded up to a power of two, as
// tokio does), `senders` Sender handles at the start, and the tasks or
// futures that hold a Receiver from the start (each replica of a task one).
struct BroadcastReceiverSpec {
  std::string holder;  // a task (each replica holds one) or future
};
// watch: tokio::sync::watch, the same state with one slot and one Sender
// (not Clone in tokio 1.24): a recv is `changed().await`, which takes the
// newest version and never lags.
struct BroadcastSpec {
  std::string name;
  int64_t capacity = 1;
  int64_t senders = 1;
  std::vector<BroadcastReceiverSpec> receivers;
  bool watch = false;
  int64_t initial = 0;  // a watch's value before any send: watch::channel(initial)
};

// tokio::task::JoinSet: the tasks spawned into it (JsSpawn ops) belong to
// it; `owner` is the task holding it (empty: the one task whose programs, or
// whose futures' programs, use it). When the owner's future finishes or is
// dropped, the set is dropped with it: every task still in it is aborted.
struct JoinSetSpec {
  std::string name;
  std::string owner;
};

// Where wakers wait: two honest kinds.
//  - a waiter list (tokio's Notify and Semaphore waiters, event-listener):
//    each registration is an entry that leaves when it is woken, when its
//    wait ends (Unregister: wait_until's condition held) and when its task
//    or future finishes or is dropped;
//  - an AtomicWaker slot (futures::task::AtomicWaker): one waker; a new
//    registration replaces the one held, which is dropped.
struct WaitQueueSpec {
  std::string name;
  bool slot = false;  // an AtomicWaker slot; else a waiter list
};

// A user-defined waker (exec/primitives/waker.hpp): a RawWakerVTable (or a
// std::task::Wake impl) whose four functions run programs, inline, on the
// thread that calls them. None of them can await.
struct WakerSpec {
  std::string name;
  std::vector<OpSpec> wake;         // Waker::wake (by value: the vtable's wake consumes it)
  std::vector<OpSpec> wake_by_ref;  // Waker::wake_by_ref
  std::vector<OpSpec> clone;        // Waker::clone (a primitive storing it)
  std::vector<OpSpec> drop;         // Waker's Drop (a stored one replaced or left behind)
};

struct CounterSpec {
  std::string name;
  int64_t initial = 0;
  int64_t bound = 0;  // > 0: a value past it is resource_exhausted (a queue's length)
};

// An atomic integer cell (std::sync::atomic::AtomicI64, SeqCst): see
// exec/primitives/atomic.hpp. It lives among the counters' cells at run time.
struct AtomicSpec {
  std::string name;
  int64_t initial = 0;
};

// A std::cell::RefCell: see exec/primitives/refcell.hpp.
struct RefCellSpec {
  std::string name;
};

struct ObjectSpec {
  std::string name;
  std::string owner;  // task name, or empty for an object only an op drops
  std::vector<OpSpec> on_drop;
};

struct TaskSpec {
  std::string name;
  std::vector<OpSpec> ops;
  int64_t count = 1;       // replicas name[0..count) share the program
  bool autostart = true;   // spawned at startup, else by a Spawn op
  bool daemon = false;     // may stay pending at the end without a verdict
  uint8_t mask = 0;        // initial mask state: 0 unmasked, 1 masked (spawned inside a mask)
  bool must_finish = false;  // killed by an async exception before its end: interrupted
  bool kill_points = false;  // the explorer may throw ThreadKilled at any of its instructions
  std::string waker;         // the user-defined waker its polls bring ("": the executor's own)
};

enum class HandlerKind : uint8_t {
  Event,    // an nginx event handler (read/write/timer)
  Cleanup,  // a pool cleanup handler run when the server closes a connection
};

struct HandlerSpec {
  std::string name;
  HandlerKind kind = HandlerKind::Event;
  int64_t at = 0;  // virtual time (ms) at which the event is ready
  std::vector<OpSpec> ops;
  std::string connection;  // the event context it belongs to: closing it deletes the event
};

// A foreign thread (a sidecar runtime, a blocking pool): from time `at`, it
// runs its program to the end on its own stack, interleaved with the loop
// thread step by step. It can lock, unlock, wake, print; it cannot await.
struct ThreadSpec {
  std::string name;
  int64_t at = 0;
  std::vector<OpSpec> ops;
  bool autostart = true;  // else started by a SpawnBlocking op
};

// An nginx event context (a connection, its request pool). The server may
// close it, freeing it, at any point between units: the explorer chooses.
struct ConnectionSpec {
  std::string name;
};

// A future owned by a task (an async fn's value, not spawned): only its
// owner polls it, through Await or Select; its wakes wake the owner.
struct FutureSpec {
  std::string name;
  std::string owner;  // the task that holds it
  std::vector<OpSpec> ops;
};

struct ScenarioSpec {
  std::string name;
  std::vector<MutexSpec> mutexes;
  std::vector<SemaphoreSpec> semaphores;
  std::vector<NotifySpec> notifies;
  std::vector<ChannelSpec> channels;
  std::vector<BroadcastSpec> broadcasts;
  std::vector<JoinSetSpec> join_sets;
  std::vector<RwLockSpec> rwlocks;
  std::vector<CondvarSpec> condvars;
  std::vector<BarrierSpec> barriers;
  std::vector<WaitQueueSpec> queues;
  std::vector<CounterSpec> counters;
  std::vector<AtomicSpec> atomics;
  std::vector<RefCellSpec> refcells;
  std::vector<ObjectSpec> objects;
  std::vector<TaskSpec> tasks;
  std::vector<HandlerSpec> handlers;
  std::vector<ThreadSpec> threads;
  std::vector<ConnectionSpec> connections;
  std::vector<FutureSpec> futures;
  std::vector<WakerSpec> wakers;
  int64_t latency_bound = 0;  // ms a woken task may wait to be polled; 0: no bound
  int64_t max_live_tasks = 0; // spawned and not finished at once; past it: resource_exhausted
  int64_t workers = 1;        // executor threads sharing the loop thread's queues (tokio's
                              // multi-thread scheduler); tasks are Send among them
};

const char* op_name(OpKind k);
const char* mutex_kind_name(MutexKind k);
const char* rwlock_kind_name(RwLockKind k);
const char* barrier_kind_name(BarrierKind k);

}  // namespace wb

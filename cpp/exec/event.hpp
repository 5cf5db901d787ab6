// Trace events: fixed-size records the executor appends when tracing is on.
// Names are resolved only when a trace is formatted (trace/format.hpp).
#pragma once

#include <cstdint>

namespace wb {

enum class Ev : uint8_t {
  Iteration,     // a = iteration, b = 1 when the wait did not block
  HandlerBegin,  // a = handler id (kNoId: startup)
  HandlerEnd,    // a = handler id
  Spawn,         // a = task
  PollBegin,     // a = task, b = how it was reached (Entry)
  PollEnd,       // a = task, b = 1 ready / 0 pending
  Wake,          // a = task, b = WakeCtx, c = Action, b8 = 1: woken while running
  WakeCoalesced, // a = task, b = WakeCtx: already queued
  WakeRunning,   // a = task, b = WakeCtx: being polled; scheduled when the poll returns Pending
  WakeIgnored,   // a = task, b = WakeCtx: finished or dropped
  WakeEmpty,     // a = queue: nobody registered
  Register,      // a = task, b = queue
  Lock,          // a = mutex, b = holder task or kNoId (a frame)
  Unlock,        // a = mutex
  LockWait,      // a = mutex, b = task waiting (async)
  LockHandoff,   // a = mutex, b = new holder task (fair async mutex)
  LockBlocked,   // a = mutex: the thread cannot take it
  DropBegin,     // a = object
  DropEnd,       // a = object
  TaskDropped,   // a = task
  Print,         // a = text id
  Counter,       // a = counter, v = new value
  TimerSet,      // a = task, v = due time
  TimerFire,     // a = task
  Close,         // a = connection: the server closed it
  Touch,         // a = connection: a frame used it
  Cancelled,     // a = handler: its connection was closed, the event deleted
  Compute,       // v = ms of work without awaiting
  ThreadStart,   // a = thread id
  NotifyLoop,    // a = queue: a foreign thread asks the loop to wake it
  Throw,         // a = task: ThreadKilled raised in it
  Exception,     // a = task, b = 1 caught by a handler / 0 the task dies
  Abort,         // a = task: its JoinHandle's abort()
  SchedulerRun,  // a = runnables: ngx-rust's scheduler event handler takes its queue
  SemAcquire,    // a = semaphore, b = task: it has a permit
  SemWait,       // a = semaphore, b = task: queued for one
  SemRelease,    // a = semaphore, b = the waiter assigned the permit, or kNoId
  NotifyWait,    // a = notify, b = task: it waits in notified()
  NotifyDone,    // a = notify, b = task: notified() completes
  NotifySend,    // a = notify, b = 1 notify_waiters / 0 notify_one, v = tasks notified
  ChanSend,      // a = channel, b = the receiver woken or kNoId, v = messages now, x = the value
  ChanRecv,      // a = channel, b = task, v = messages now, x = the value received
  ChanWait,      // a = channel, b = task, b8 = 1 recv (empty) / 0 send (full)
  ChanFail,      // a = channel, b8 = 1 recv (None) / 0 send (SendError)
  ChanClose,     // a = channel, v = waiting senders woken (to fail)
  SenderDrop,    // a = channel, v = senders left
  Atomic,        // a = cell, b8 = AtomicEv, b = 1 if it wrote, v = the value it returned
                 // (a write is followed by Counter: the new value)
  TryFail,       // a = mutex, semaphore, channel, refcell or rwlock, b8 = TryFailure: a try-op
                 // failed at once (an rwlock's: b = 1 try_write / 0 try_read)
  Borrow,        // a = refcell, b = holder task or kNoId (a frame), b8 = 1 borrow_mut, v = borrows now
  EndBorrow,     // a = refcell, b = holder task or kNoId, v = borrows left
  Panic,         // a = task whose poll catches it or kNoId, b8 = PanicCause, b = text id (explicit),
                 // refcell or mutex; c = 1: no poll catches it, the run stops
  Poisoned,      // a = mutex: a panicking task's guard dropped, poisoning it
  RwLock,        // a = rwlock, b = holder task or kNoId (a frame), b8 = 1 write / 0 read guard
  RwUnlock,      // a = rwlock, b8 = 1 write / 0 read guard; 2: every guard of task b (dropped)
  RwWait,        // a = rwlock, b = task queued (tokio), b8 = write
  RwHandoff,     // a = rwlock, b = task served from the queue (tokio), b8 = write
  RwBlocked,     // a = rwlock, b8 = write: the thread cannot take it (std)
  Bcast,         // a = broadcast, b8 = BcastEv, b = the receiver's holder (kNoId: a send or a
                 // sender's drop), v = send: receivers woken / lagged: missed / drop: senders
                 // left, x = the value sent or received
  StreamYield,   // a = the future whose output a buffered stream yields, b = the task draining it
  CvWait,        // a = condvar, b = the mutex released: the thread waits
  CvNotify,      // a = condvar, b8 = 1 notify_all / 0 notify_one, v = waiters woken
  CvWake,        // a = condvar, b = thread woken, b8 = 1 spuriously / 0 by a notify
  CvReturn,      // a = condvar: the thread returns from wait (it re-locks next)
  BarrierArrive, // a = barrier, b = task or kNoId (a thread), v = arrivals now (it waits)
  BarrierLead,   // a = barrier, b = task or kNoId, v = waiters released: the n-th, the leader
  BarrierReturn, // a = barrier, b = task or kNoId: a released waiter returns (not the leader)
  JoinSet,       // a = join set, b8 = JsEv; see JsEv for b, v and x
  WakerRun,      // a = user-defined waker id, b8 = WakerFn, b = the task or future whose waker
                 // it is, c = 1: a wake or wake_by_ref (the task b is woken when it ends)
  PollWith,      // a = task, b = user-defined waker id + 1 its next polls bring (0: its own)
};

// Why a try-op failed (Ev::TryFail's b8).
enum class TryFailure : uint8_t {
  LockHeld,      // try_lock: held (WouldBlock / None / TryLockError)
  NoPermits,     // try_acquire
  Full,          // try_send: TrySendError::Full
  SendClosed,    // try_send: TrySendError::Closed
  Empty,         // try_recv: TryRecvError::Empty
  Disconnected,  // try_recv: TryRecvError::Disconnected (mpsc) / Closed (oneshot)
  Borrow,        // try_borrow: BorrowError (mutably borrowed)
  BorrowMut,     // try_borrow_mut: BorrowMutError (borrowed)
  Poisoned,      // try_lock on a std mutex a panic poisoned: TryLockError::Poisoned
  RwLockHeld,    // try_read / try_write: WouldBlock (std) / TryLockError (tokio)
};

// What an Ev::Bcast records.
enum class BcastEv : uint8_t { Send, SendFail, Recv, Lagged, Closed, Wait, Subscribe, DropSender, Borrow };

// What an Ev::JoinSet records.
enum class JsEv : uint8_t {
  Spawn,     // b = task spawned into it, v = tasks in the set now
  Complete,  // b = task finished or cancelled (now notified), v = the holder woken, or -1
  Joined,    // b = the joiner, v = the task joined, x = 1: it was cancelled (Err(JoinError))
  Empty,     // b = the joiner: join_next returns None
  Wait,      // b = the joiner: its waker stored, it waits
  AbortAll,  // v = tasks aborted
  Drop,      // v = tasks aborted: the JoinSet dropped
};

// Which atomic op an Ev::Atomic records (a store is a Counter event only).
enum class AtomicEv : uint8_t { Load, Swap, CompareExchange, FetchAdd };

// How a poll frame was entered.
enum class Entry : uint8_t { Inline, Posted, PostedNext, RunQueue, Child };

inline constexpr uint32_t kNoId = 0xffffffffu;

struct Event {
  uint32_t step = 0;
  uint16_t thread = 0;
  uint16_t depth = 0;
  Ev kind = Ev::Print;
  uint8_t b8 = 0;
  uint16_t c = 0;
  uint32_t a = 0;
  uint32_t b = 0;
  int32_t x = 0;  // a message's value (in what was padding: Event stays 40 bytes)
  int64_t time = 0;
  int64_t v = 0;
};
static_assert(sizeof(Event) == 40, "an event per step when tracing: keep it small");

}  // namespace wb

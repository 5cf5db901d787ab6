// The machine: a scenario's world and the instructions that change it.
//
// It owns the World of one run and executes instructions of the frames on a
// thread's stack: locks, wakes (asking the Policy), drops, spawns. Drivers
// decide when a unit begins: the simulated loop (Machine::run_simulated, an
// nginx-like loop in virtual time, every pick a choice point) or a real
// event loop (loop/backend.hpp). Drivers share the machine, not a base class.
//
// Its parts, a file each: machine.cpp (set-up, bounds, steps, choices),
// loop.cpp (one nginx loop iteration, threads), interp.cpp (frames, the
// dispatch of an instruction), wake.cpp (policy -> queue), tasks.cpp
// (spawn, drop in Rust's order, Drop hooks, join), futures.cpp (await,
// select!, Buffered), exceptions.cpp (async exceptions), panic.cpp (a
// panic: the task unwinds), and primitives/, a module per primitive (mutex,
// rwlock, condvar, barrier, wait_queue, semaphore, notify, channel, timer,
// counter, atomic, refcell, connection): its state,
// the rules of its ops and of a holder or waiter dropped, which the machine
// asks, then adds what only it knows (stacks, threads, traces, the count of
// each task's stored wakers).
#pragma once

#include <chrono>
#include <cstdint>
#include "exec/fifo.hpp"
#include <string>
#include <vector>

#include "exec/executor.hpp"
#include "exec/footprint.hpp"

namespace wb {

class Machine {
 public:
  Machine(const Scenario& sc, Policy& policy, Chooser& chooser, const RunConfig& cfg)
      : sc_(sc), policy_(policy), chooser_(chooser), cfg_(cfg), res_(sc) {}

  // The simulated loop (virtual time, every pick a choice point) to a halt.
  // `initial`: the world as init() sets it up for this scenario and
  // configuration, copied into `storage` instead of building it again.
  World run_simulated(const World* initial = nullptr, World* storage = nullptr);
  // The simulated loop from a snapshot (see Snapshot in executor.hpp).
  World resume_simulated(const Snapshot& from, World* storage = nullptr);

  // ---- for other drivers (the libev loop in loop/): they decide when a
  // unit starts; the machine runs it. Call init() first, finish() last. ----
  void init();
  void init_members();  // the machine's own set-up (init() does it, and the world's)
  bool halted() const { return w_.halt != Halt::Running; }
  void stop(Halt h) { halt(h); }
  const World& world() const { return w_; }
  void set_now(int64_t now) { w_.now = now; }
  uint64_t steps() const { return step_; }
  void note_iteration(bool nonblocking) {
    ++w_.stats.iterations;
    if (nonblocking) ++w_.stats.nonblocking_iterations;
  }
  void begin_startup(uint16_t tid);
  void begin_handler(uint16_t tid, uint32_t handler);
  void begin_timer(uint16_t tid, uint32_t timer);  // a sleep's timer is due
  bool begin_posted(uint16_t tid);     // poll the next posted task; false if none
  bool begin_run_queue(uint16_t tid);  // poll the next run-queue task; false if none
  bool move_posted_next(uint16_t tid); // a new iteration: posted-next joins posted; false if none
  void take_inbox(uint16_t tid);       // the notify ended the wait: the inbox becomes posted
  // Run the unit on the stack to its end (or a halt, or a bound), or until
  // a compute makes the thread busy (the driver burns it, then calls again).
  void run_unit(uint16_t tid);

  // ---- for drivers that run the other threads (foreign threads, workers)
  // as real threads: each call under one lock the driver holds. ----
  bool step(uint16_t tid);          // one instruction on tid's stack; false: halted, or a bound
  bool can_step(uint16_t tid) { return runnable(tid); }  // not waiting for a lock or a compute
  void start_thread(uint16_t tid);  // a foreign thread begins its program
  bool begin_shared(uint16_t tid) { return worker_take(tid); }  // a worker polls a queued task
  bool begin_notified(uint16_t tid);  // a notify_loop completion runs here; false if none
  bool stop_blocked();              // threads wait on locks: halt, naming one (false: none waits)
  // Close the run: stats, the time bound's clock.
  World finish();

 private:
  // ---- set-up and bounds ----
  bool over_budget();
  uint64_t memory_estimate() const;

  // ---- the simulated loop driver (stack empty) ----
  void drive_simulated(uint16_t tid);
  bool next_posted(uint16_t tid, ThreadRt& home);  // one unit of the posted pass; false: none
  // The earliest pending handler or timer, or INT64_MAX; and moving what is
  // due at `now` into the ready list.
  int64_t next_due() const;
  void collect_ready(ThreadRt& th);
  // Threads: which one steps next (-1: none can), and whether one can.
  World simulate();  // the simulated loop, from the world as it stands, to a halt
  int pick_thread();
  int choose_thread();  // the Thread choice over options_ (pick_thread's last part)
  void save(Snapshot& s) const;
  bool runnable(uint16_t tid);
  bool others_runnable();
  bool local_next(uint16_t tid) const;  // its next step touches nothing another thread sees
  // Executor threads: the loop thread and its workers share one executor.
  uint16_t executor_home(uint16_t thread) const { return sc_.is_worker(thread) ? 0 : thread; }
  bool worker_take(uint16_t tid);  // a worker polls the next task of the shared queues
  bool worker_timer(uint16_t tid);  // ... or fires a timer the blocked loop thread cannot
  bool let_time_pass();  // nobody can step: time to the next compute's end or timer
  bool poll_next(uint16_t tid, Fifo<uint32_t>& q, Entry entry);  // false: q is empty
  // The server may close an open connection here (a choice point).
  void maybe_close(uint16_t tid);  // primitives/connection
  bool run_cleanup(uint16_t tid, ThreadRt& th);  // a closed connection's pool cleanup
  void use_connection(uint16_t tid, uint32_t c);  // `read`: a use after the close is a UAF

  // ---- instructions (stack not empty) ----
  void exec(uint16_t tid);       // one step: exec_step, then the waker calls it made
  void exec_step(uint16_t tid);
  void end_of_program(uint16_t tid);
  void teardown_step(uint16_t tid);
  bool blocking_lock(uint16_t tid, uint32_t m, uint32_t prog, uint32_t pc);
  void blocking_unlock(uint32_t m);
  bool try_lock(uint16_t tid, uint32_t m, uint32_t prog, uint32_t pc);  // false: it failed
  bool async_lock(uint32_t task, uint32_t m, uint32_t prog, uint32_t pc, uint16_t tid);
  uint32_t async_unlock(uint32_t m, uint16_t tid);  // returns the task to wake, or kNoId
  void register_waker(uint16_t tid, uint32_t task, uint32_t q);
  void leave_queue(uint32_t task, uint32_t q);
  void waker_taken(uint32_t task, uint32_t queue);
  void wake_all(uint16_t tid, uint32_t queue);  // take every waker and wake each
  void sleep_step(uint16_t tid, uint32_t task, int64_t ms, uint32_t& pc);
  void timer_step(uint16_t tid, Frame& f);  // a due timer's handler frame
  void leave_waiter_lists(uint32_t task);
  void wake_one(uint16_t tid, uint32_t queue);  // take a waker from a wait queue and wake it
  void return_pending(uint16_t tid);
  void drop_object(uint16_t tid, uint32_t o, const std::string& where);  // checks, then:
  void begin_drop_hook(uint16_t tid, uint32_t o);
  void drop_task(uint16_t tid, uint32_t t, const std::string& where);
  bool drop_next_owned(uint16_t tid, uint32_t task);
  // A future's end: its resources released, no owner to tell but by a flag.
  void drop_future(uint16_t tid, uint32_t future);
  void drop_futures_of(uint16_t tid, uint32_t task);
  bool cut_short(uint32_t task);  // dropped inside a critical region: halt
  // Async exceptions: does one land before this instruction (then it did)?
  bool exception_lands(uint16_t tid, uint32_t task, Code code);
  void deliver(uint16_t tid, uint32_t task);
  void throw_to(uint16_t tid, uint32_t target);
  void wake_after_pop(uint16_t tid, const std::vector<uint32_t>& tasks);
  void wake_joiner(uint16_t tid, uint32_t task);
  uint32_t take_joiner(uint32_t task);
  void join_wakers_at_end(uint32_t task);  // user-defined join wakers: the task ends
  void leave_joins(uint32_t task);         // user-defined join wakers: the joiner goes  // the task waiting for this one's end, or kNoId
  // Await / Select: one step of polling a task's child futures.
  void await_step(uint16_t tid, uint32_t future);
  void poll_child(uint16_t tid, Frame& f, uint32_t future, const char* how);  // "awaited", "selected"
  void select_step(uint16_t tid, uint32_t table);
  void buffered_step(uint16_t tid, uint32_t table);
  bool pull_into_flight();  // one more task or future alive; false: past the bound
  void spawn(uint16_t tid, uint32_t t, const std::string& where);

  // ---- wakes ----
  WakeCtx ctx_of(uint16_t tid, uint32_t target) const;
  void wake(uint16_t tid, uint32_t task, WakeCtx ctx);
  void schedule(uint16_t tid, uint32_t task, WakeCtx ctx, bool woken_while_running);
  void push_poll(uint16_t tid, uint32_t task, Entry entry, WakeCtx via);
  void push_frame(uint16_t tid, FrameKind kind, uint32_t id, uint32_t program);
  void pop_frame(uint16_t tid);
  void dequeue(uint32_t task);
  void release_task(uint32_t task, std::vector<uint32_t>& to_wake, uint16_t tid);
  void release_permits(uint32_t task, std::vector<uint32_t>& to_wake);
  void release_mutexes(uint32_t task, std::vector<uint32_t>& to_wake, uint16_t tid);
  void check_send(uint32_t task);
  // Reader-writer locks (primitives/rwlock).
  RwHolder rw_holder(uint16_t tid, uint32_t prog, uint32_t pc) const;
  bool writers_waiting(uint32_t r, uint16_t except) const;
  bool rw_can_retry(uint16_t tid) const;
  bool rw_blocking(uint16_t tid, uint32_t r, bool write, uint32_t prog, uint32_t pc);
  bool rw_async(uint16_t tid, uint32_t r, bool write, uint32_t prog, uint32_t pc);
  bool rw_try(uint16_t tid, uint32_t r, bool write, uint32_t prog, uint32_t pc);
  void rw_unlock(uint16_t tid, uint32_t r, bool write);
  void rw_serve(uint32_t r, std::vector<uint32_t>& to_wake, uint16_t tid);
  void release_rwlocks(uint32_t task, std::vector<uint32_t>& to_wake, uint16_t tid);
  // Condition variables (primitives/condvar).
  bool cv_wait(uint16_t tid, uint32_t c, uint32_t m);  // true: it returns (woken)
  void cv_notify(uint16_t tid, uint32_t c, bool all);
  int spurious_wake();  // a waiter woken spuriously (a choice), or -1
  // Barriers (primitives/barrier): 1 the leader, 0 released (not the leader), -1 waiting.
  int barrier_wait(uint16_t tid, uint32_t b, std::vector<uint32_t>& to_wake);
  void leave_barriers(uint32_t task);  // a tokio waiter dropped: its arrival stays counted
  void leave_notifies(uint32_t task, std::vector<uint32_t>& to_wake);
  void leave_channels(uint32_t task, std::vector<uint32_t>& to_wake);
  // Broadcast ops (primitives/broadcast): the receiver is the polling task's or future's.
  void bcast_send(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc);
  void bcast_recv(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc, int64_t* locals);
  void bcast_subscribe(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc);
  void watch_borrow(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc, int64_t* locals);
  void bcast_drop_sender(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc);
  void leave_broadcasts(uint32_t task);  // its receivers go (a Receiver's drop wakes nobody)
  // JoinSet ops (primitives/join_set): the waker stored is the polling task's or future's.
  void js_spawn(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc);
  void js_join_next(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc, int64_t* locals);
  void js_abort_all(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc);
  void js_drop(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc);
  void drop_join_set(uint16_t tid, uint32_t set, std::vector<uint32_t>& to_wake);
  void js_task_ended(uint16_t tid, uint32_t task, std::vector<uint32_t>& to_wake);
  void leave_join_sets(uint16_t tid, uint32_t task, std::vector<uint32_t>& to_wake);
  // JoinHandle::abort: flagged; an idle task appended to `to_wake` (to be cancelled).
  void abort_task(uint16_t tid, uint32_t task, std::vector<uint32_t>& to_wake);
  // Channel ops (primitives/channel), run in the frame on top of tid's stack.
  void chan_send(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc);
  void chan_recv(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc, int64_t* locals);
  void chan_try_send(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc);
  void chan_try_recv(uint16_t tid, Frame& f, const Instr& in, uint32_t& pc);
  // RefCell ops (primitives/refcell): false when the op did not go on (the
  // run stopped, or the frame panicked and unwound).
  enum class CellOp : uint8_t { Taken, Failed, Stopped };
  CellOp cell_borrow(uint16_t tid, uint32_t c, bool mut, bool try_only, uint32_t prog, uint32_t pc);
  bool cell_end(uint16_t tid, uint32_t c, uint32_t prog, uint32_t pc);
  bool cell_thread(uint16_t tid, uint32_t c, uint32_t prog, uint32_t pc);  // !Sync: one thread
  void release_borrows(uint32_t task);
  // Panics (panic.cpp): the frame on top of tid's stack panics at prog:pc.
  void raise_panic(uint16_t tid, PanicFact fact);
  // A with_ guard (an ExcRt::scopes entry) released for `task`; waiters to wake appended.
  void release_guard(uint16_t tid, uint32_t task, uint64_t scope, std::vector<uint32_t>& to_wake);
  void push_scope(uint32_t task, Code release, uint32_t a) {
    w_.exc[task].scopes.push_back(static_cast<uint64_t>(release) << 32 | a);
  }
  void notified_waiter(uint32_t task) { --w_.tasks[task].wakers; }  // its stored waker is taken
  void assigned_permit(uint32_t task, uint32_t semaphore = kNoId);  // semaphore: its waker taken
  // User-defined wakers (primitives/waker): who stores, takes, drops which
  // waker; the programs they run, queued in calls_ and pushed as Waker
  // frames at the end of the step (push_waker_calls).
  bool custom_wakers() const { return !sc_.wakers.empty(); }
  uint16_t cx_waker(uint32_t holder) const;  // the waker the holder's poll brings (its task's)
  // Each is nothing without user-defined wakers (checked here, inline: the
  // wake path of every scenario passes them).
  void waker_stored(uint32_t holder, WakerPlace place, uint32_t index, bool again) {
    if (custom_wakers()) waker_stored_custom(holder, place, index, again);
  }
  void waker_slot_stored(uint32_t holder, WakerPlace place, uint32_t index) {  // an AtomicWaker slot's register
    if (custom_wakers()) waker_slot_stored_custom(holder, place, index);
  }
  void waker_slot_taken(WakerPlace place, uint32_t index, uint32_t woken) {  // an AtomicWaker slot's wake
    if (custom_wakers()) waker_slot_taken_custom(place, index, woken);
  }
  void waker_to_hand(uint32_t holder, WakerPlace place, uint32_t index) {  // taken out to wake
    if (custom_wakers()) waker_to_hand_custom(holder, place, index);
  }
  void waker_left(uint32_t holder, WakerPlace place, uint32_t index) {  // dropped, not woken
    if (custom_wakers()) waker_left_custom(holder, place, index);
  }
  // tokio's oneshot (primitives/channel.cpp): the Inner's rx_task.
  void oneshot_rx_stored(uint32_t holder, uint32_t chan) {  // poll_recv: set, replaced unless will_wake
    if (custom_wakers()) oneshot_rx_stored_custom(holder, chan);
  }
  bool oneshot_rx_woken(uint32_t chan, uint32_t woken) {  // complete(): wake_by_ref; true: a frame wakes `woken`
    return custom_wakers() && oneshot_rx_woken_custom(chan, woken);
  }
  void oneshot_released(uint32_t chan, bool receiver) {  // a handle's Arc<Inner> released
    if (custom_wakers()) oneshot_released_custom(chan, receiver);
  }
  void oneshot_rx_stored_custom(uint32_t holder, uint32_t chan);
  bool oneshot_rx_woken_custom(uint32_t chan, uint32_t woken);
  void oneshot_released_custom(uint32_t chan, bool receiver);
  void leave_sleep(uint32_t task);  // a Sleep dropped: TimerEntry::drop
  void waker_stored_custom(uint32_t holder, WakerPlace place, uint32_t index, bool again);
  void waker_slot_stored_custom(uint32_t holder, WakerPlace place, uint32_t index);
  void waker_slot_taken_custom(WakerPlace place, uint32_t index, uint32_t woken);
  void waker_to_hand_custom(uint32_t holder, WakerPlace place, uint32_t index);
  void waker_left_custom(uint32_t holder, WakerPlace place, uint32_t index);
  bool wake_in_hand(uint32_t task);  // wake(): its taken waker's `wake` program runs first
  void call_waker(uint16_t w, WakerFn fn, uint32_t holder, uint32_t target = kNoId) {
    if (w) calls_.push_back(WakerCall{w, fn, holder, target});
  }
  void push_waker_calls(uint16_t tid);
  void end_waker(uint16_t tid);  // a Waker frame's program has run to its end
  void pending_or_after(uint16_t tid);  // return Pending now, or after the waker calls
  void wake_now(uint16_t tid, uint32_t task, WakeCtx ctx);  // wake() past the waker check

  uint32_t choose(ChoiceKind kind, const std::vector<uint32_t>& options);
  // Footprints: what the current unit reads and writes.
  void touch(uint32_t resource, bool write) {
    if (cfg_.footprints) unit_.keys.push_back(ResourceMap::key(resource, write));
  }
  void touch_mutex(uint32_t m) { touch(m, true); }
  void touch_queue(uint32_t q) { touch(res_.queues + q, true); }
  void touch_counter(uint32_t c, bool write) { touch(res_.counters + c, write); }
  void touch_object(uint32_t o) { touch(res_.objects + o, true); }
  void touch_task(uint32_t t) { touch(res_.tasks + t, true); }
  void touch_exec_queues() { touch(res_.exec_queues, true); }  // a push, a pop, a move
  void touch_semaphore(uint32_t s) { touch(res_.semaphores + s, true); }
  void touch_notify(uint32_t n) { touch(res_.notifies + n, true); }
  void touch_channel(uint32_t c) { touch(res_.channels + c, true); }
  void touch_broadcast(uint32_t b) { touch(res_.broadcasts + b, true); }
  void touch_join_set(uint32_t s) { touch(res_.join_sets + s, true); }
  void touch_refcell(uint32_t c) { touch(res_.refcells + c, true); }
  void touch_rwlock(uint32_t r) { touch(res_.rwlocks + r, true); }
  void touch_condvar(uint32_t c) { touch(res_.condvars + c, true); }
  void touch_barrier(uint32_t b) { touch(res_.barriers + b, true); }
  void touch_clock(bool write) { touch(res_.clock, write); }
  void touch_timers() { touch(res_.timers, true); }
  // Whether any thread polls a task: a wake reads it (WakeInfo::polling), a
  // poll's start or end on an idle machine writes it. Only with more threads
  // can a step see it set (with one, a unit is a whole poll).
  void touch_polling(bool write) {
    if (step_units_) touch(res_.polling, write);
  }
  // A step whose reads no resource key names (the loop driver's wait, which
  // asks whether any other thread can act; its events): it conflicts with all.
  void touch_all() {
    if (cfg_.footprints) unit_.all = true;
  }
  void unit_ends();  // report unit_ to the chooser and start the next
  void live_down(uint32_t n = 1) {  // tasks or futures finished or dropped
    w_.live -= n;
    if (sc_.max_live_tasks > 0) touch(res_.live, true);
  }

  void ev(uint16_t tid, Ev kind, uint32_t a, uint32_t b = 0, uint8_t b8 = 0, uint16_t c = 0,
          int64_t v = 0, int32_t x = 0) {
    if (!cfg_.trace) return;
    if (w_.trace.size() >= cfg_.limits.max_trace) {
      w_.trace_truncated = true;
      return;
    }
    Event e;
    e.step = static_cast<uint32_t>(step_);
    e.thread = tid;
    e.depth = static_cast<uint16_t>(w_.threads[tid].stack.size());
    e.kind = kind;
    e.a = a;
    e.b = b;
    e.b8 = b8;
    e.c = c;
    e.time = w_.now;
    e.v = v;
    e.x = x;
    w_.trace.push_back(e);
  }

  void halt(Halt h) {
    if (w_.halt == Halt::Running) w_.halt = h;
  }

  const Scenario& sc_;
  Policy& policy_;
  Chooser& chooser_;
  RunConfig cfg_;
  World w_;
  uint64_t step_ = 0;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point checked_ = t0_;  // the last interrupt check
  ResourceMap res_;
  Footprint unit_;
  std::vector<uint32_t> options_;  // scratch for choice points (one at a time)
  uint16_t last_thread_ = 0;       // the thread that took the last step
  bool main_waiting_ = false;      // the loop thread blocks in its wait, other threads run
  bool wait_blocked_ = false;      // ... and this iteration's wait did block
  bool chain_ = false;             // one thread: exec runs pure instructions back to back
  bool step_units_ = false;        // more threads: a unit is one thread's step (else a poll)
  uint32_t unread_ = 0;            // ChoicePoint::unread: what no decision reads
  bool resuming_ = false;          // the next pick_thread is a snapshot's thread choice
  std::vector<WakerCall> calls_;   // user-defined waker functions this step called, in order
};

}  // namespace wb

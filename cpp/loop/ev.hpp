// RAII C++ wrappers over libev's C API, in the spirit of libev's own ev++.h.
//
// Ownership rules
//  * Loop owns one `struct ev_loop` (ev_loop_new in the constructor,
//    ev_loop_destroy in the destructor). It is neither copyable nor movable:
//    watchers keep a pointer to it. A Loop must outlive every watcher made on
//    it (declare the watchers after the Loop, so they are destroyed first).
//  * A watcher (Io, Timer, Async, Prepare, Check, Idle) is bound to one Loop
//    for its whole life and owns its callback. While it is active, libev holds
//    a pointer to it, so watchers are never copyable or movable (stricter
//    than "not while active", and simpler to check: the compiler does it).
//    The destructor stops the watcher, which also clears a pending event: no
//    callback runs after destruction. A callback may destroy its own or
//    another watcher of the same loop.
//  * Callbacks are std::function<void(int revents)>, bound once at
//    construction (any allocation happens then, never per event).
//
// Thread-safety rules
//  * A Loop and its watchers belong to the thread that runs the loop. Every
//    method here must be called on that thread, or while nobody runs the loop
//    (before the loop thread starts, after it is joined).
//  * The one exception is Async::send(): any thread, any time the Async is
//    alive. Sends coalesce: many sends before the loop notices them give one
//    callback. Data handed over with a send must itself be synchronised
//    (std::atomic with release/acquire, or a mutex): libev's own fences are
//    not visible to ThreadSanitizer.
//
// Errors: a callback that throws does not unwind through libev's C frames.
// The trampoline catches the exception, stores it in the Loop and breaks the
// loop; Loop::run() rethrows it. The loop stays usable afterwards.
#pragma once

#include <ev.h>

#include <exception>
#include <functional>
#include <utility>

namespace wb::loop {

class Loop {
 public:
  // `flags` are libev's EVFLAG_* / EVBACKEND_* bits. Throws std::runtime_error
  // when libev cannot create the loop (e.g. out of fds).
  explicit Loop(unsigned flags = EVFLAG_AUTO);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // ev_run. Returns true when it stopped with watchers still active (a break),
  // false when no active watcher was left. Rethrows a callback's exception.
  bool run(int flags = 0);
  bool run_once() { return run(EVRUN_ONCE); }
  bool run_nowait() { return run(EVRUN_NOWAIT); }
  // ev_break: EVBREAK_ONE leaves the innermost run(), EVBREAK_ALL all of them.
  void break_loop(int how = EVBREAK_ALL) noexcept { ev_break(raw_, how); }

  double now() const noexcept { return ev_now(raw_); }
  void update_now() noexcept { ev_now_update(raw_); }
  unsigned iteration() const noexcept { return ev_iteration(raw_); }
  unsigned depth() const noexcept { return ev_depth(raw_); }
  unsigned backend() const noexcept { return ev_backend(raw_); }

  struct ev_loop* raw() const noexcept { return raw_; }

  // For the watcher trampolines: keep the first exception, break the loop.
  void fail(std::exception_ptr e) noexcept;

 private:
  struct ev_loop* raw_;
  std::exception_ptr error_;  // set by fail(), rethrown and cleared by run()
};

using Callback = std::function<void(int revents)>;

// The state every watcher shares: the raw libev watcher, its loop, its
// callback. Not used on its own; the derived classes add the verbs.
template <class Raw>
class Watcher {
 public:
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  bool active() const noexcept { return ev_is_active(&w_); }
  bool pending() const noexcept { return ev_is_pending(&w_); }
  Loop& loop() const noexcept { return *loop_; }
  // libev priority, EV_MINPRI..EV_MAXPRI; only while the watcher is inactive.
  void set_priority(int pri) noexcept {
    if (!active()) ev_set_priority(&w_, pri);
  }
  // Run the callback as if the event happened (ev_feed_event), next time
  // pending events are invoked.
  void feed(int revents) noexcept { ev_feed_event(loop_->raw(), &w_, revents); }

 protected:
  Watcher(Loop& loop, Callback cb) : loop_(&loop), cb_(std::move(cb)) {
    ev_init(&w_, &Watcher::trampoline);
    w_.data = this;
  }
  ~Watcher() = default;

  struct ev_loop* raw_loop() const noexcept { return loop_->raw(); }

  Loop* loop_;
  Raw w_;
  Callback cb_;

 private:
  static void trampoline(struct ev_loop*, Raw* w, int revents) noexcept {
    auto* self = static_cast<Watcher*>(w->data);
    Loop* loop = self->loop_;  // `self` may be destroyed by its own callback
    try {
      self->cb_(revents);
    } catch (...) {
      loop->fail(std::current_exception());
    }
  }
};

// Readiness of a file descriptor. The fd is borrowed: the caller closes it,
// after stopping (or destroying) the Io.
class Io : public Watcher<ev_io> {
 public:
  Io(Loop& loop, Callback cb) : Watcher(loop, std::move(cb)) { ev_io_set(&w_, -1, 0); }
  ~Io() { stop(); }
  // EV_READ and/or EV_WRITE. Restarts the watcher if it was active.
  void set(int fd, int events) noexcept;
  void start(int fd, int events) noexcept {
    set(fd, events);
    start();
  }
  void start() noexcept { ev_io_start(raw_loop(), &w_); }
  void stop() noexcept { ev_io_stop(raw_loop(), &w_); }
  int fd() const noexcept { return w_.fd; }
};

// Relative timer on the loop's monotonic clock: fires `after` seconds from
// now(), then every `repeat` seconds if repeat > 0.
class Timer : public Watcher<ev_timer> {
 public:
  Timer(Loop& loop, Callback cb) : Watcher(loop, std::move(cb)) { ev_timer_set(&w_, 0., 0.); }
  ~Timer() { stop(); }
  void set(double after, double repeat = 0.) noexcept;
  void start(double after, double repeat = 0.) noexcept {
    set(after, repeat);
    start();
  }
  void start() noexcept { ev_timer_start(raw_loop(), &w_); }
  void stop() noexcept { ev_timer_stop(raw_loop(), &w_); }
  // ev_timer_again: restart a repeating timer from now (a watchdog's kick).
  void again() noexcept { ev_timer_again(raw_loop(), &w_); }
  double remaining() const noexcept { return ev_timer_remaining(raw_loop(), const_cast<ev_timer*>(&w_)); }
};

// The one thread-safe way into a loop. start()/stop() on the loop thread;
// send() from anywhere while this object is alive (join the senders before
// destroying it).
class Async : public Watcher<ev_async> {
 public:
  Async(Loop& loop, Callback cb) : Watcher(loop, std::move(cb)) {}
  ~Async() { stop(); }
  void start() noexcept { ev_async_start(raw_loop(), &w_); }
  void stop() noexcept { ev_async_stop(raw_loop(), &w_); }
  // Thread-safe. Coalesces with other sends not yet seen by the loop.
  void send() noexcept { ev_async_send(raw_loop(), &w_); }
  // True when a send has not been delivered yet (loop thread only).
  bool sent() noexcept { return ev_async_pending(&w_); }
};

// Runs right before the loop waits for events (the place for "run ready
// work" passes).
class Prepare : public Watcher<ev_prepare> {
 public:
  Prepare(Loop& loop, Callback cb) : Watcher(loop, std::move(cb)) {}
  ~Prepare() { stop(); }
  void start() noexcept { ev_prepare_start(raw_loop(), &w_); }
  void stop() noexcept { ev_prepare_stop(raw_loop(), &w_); }
};

// Runs right after the loop's wait returns, before the other callbacks of
// that iteration (libev invokes pending watchers last-queued first).
class Check : public Watcher<ev_check> {
 public:
  Check(Loop& loop, Callback cb) : Watcher(loop, std::move(cb)) {}
  ~Check() { stop(); }
  void start() noexcept { ev_check_start(raw_loop(), &w_); }
  void stop() noexcept { ev_check_stop(raw_loop(), &w_); }
};

// While an Idle is active the loop's wait does not block (timeout 0); its
// callback runs when no other event of the same or higher priority is
// pending. Keep one active exactly while work remains.
class Idle : public Watcher<ev_idle> {
 public:
  Idle(Loop& loop, Callback cb) : Watcher(loop, std::move(cb)) {}
  ~Idle() { stop(); }
  void start() noexcept { ev_idle_start(raw_loop(), &w_); }
  void stop() noexcept { ev_idle_stop(raw_loop(), &w_); }
};

}  // namespace wb::loop

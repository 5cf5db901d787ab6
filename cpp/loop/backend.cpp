#include "loop/backend.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "exec/machine.hpp"
#include "loop/ev.hpp"

namespace wb::loop {
namespace {

// A socketpair, closed on destruction.
class SocketPair {
 public:
  SocketPair() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds_) != 0)
      throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  }
  ~SocketPair() {
    close_peer();
    if (fds_[0] >= 0) ::close(fds_[0]);
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
  int ours() const { return fds_[0]; }
  void write_peer() {
    char b = 'e';
    if (fds_[1] >= 0 && ::write(fds_[1], &b, 1) != 1)
      throw std::runtime_error(std::string("write: ") + std::strerror(errno));
  }
  void close_peer() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

class Driver;

// One handler's connection: the timer that makes it ready, the io watcher
// that runs it. Fires once.
struct Connection {
  Connection(Driver& d, uint32_t handler, bool cleanup);
  uint32_t handler;
  bool cleanup;
  SocketPair sp;
  Timer timer;
  Io io;
  bool fired = false;
};

class Driver {
  // The machine's clock on a real loop: wall-clock microseconds.
  static RunConfig real_time(const LoopConfig& cfg) {
    RunConfig rc = cfg.run;
    rc.ticks_per_ms = std::max<int64_t>(1, static_cast<int64_t>(1000.0 * cfg.time_scale));
    rc.real_time = true;
    return rc;
  }

 public:
  Driver(const Scenario& sc, Policy& policy, const LoopConfig& cfg)
      : sc_(sc),
        cfg_(cfg),
        machine_(sc, policy, first_, real_time(cfg)),
        prepare_(loop_, [this](int) { posted_pass(); }),
        check_(loop_, [this](int) { after_wait(); }),
        notify_(loop_, [this](int) { machine_.take_inbox(0); }),
        idle_(loop_, [](int) {}),
        watchdog_(loop_, [this](int) { watch(); }) {}

  World run() {
    if (!sc_.threads.empty())
      throw ScenarioError("scenario '" + sc_.name + "' has foreign thread '" + sc_.threads[0].name +
                          "': the libev backend does not run foreign threads yet; use the simulator");
    if (sc_.workers > 1)
      throw ScenarioError("scenario '" + sc_.name + "' has " + std::to_string(sc_.workers) +
                          " workers: the libev backend runs one loop thread; use the simulator");
    machine_.init();
    for (uint32_t h = 0; h < sc_.handlers.size(); ++h)
      conns_.push_back(std::make_unique<Connection>(
          *this, h, sc_.handlers[h].kind == HandlerKind::Cleanup));
    prepare_.start();
    check_.start();
    notify_.start();
    watchdog_.start(0.02, 0.02);
    tick();
    machine_.begin_startup(0);
    machine_.run_unit(0);
    after();
    if (!machine_.halted()) loop_.run();  // rethrows a callback's exception
    if (!machine_.halted()) machine_.stop(Halt::Quiescent);
    return machine_.finish();
  }

  // ---- called by connections ----
  Loop& loop() { return loop_; }
  double when(uint32_t h) const { return sc_.handlers[h].at * cfg_.time_scale / 1000.0; }
  // Sleeps set during a unit become ev_timers (due at their virtual time).
  void arm_new_timers() {
    const World& w = machine_.world();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    for (; timers_armed_ < w.timers.size(); ++timers_armed_) {
      uint32_t id = static_cast<uint32_t>(timers_armed_);
      double due = static_cast<double>(w.timers[id].at) / 1e6;  // ticks are microseconds
      auto t = std::make_unique<Timer>(loop_, [this, id](int) { timer_due(id); });
      t->start(std::max(0.0, due - elapsed));
      sleeps_.push_back(std::move(t));
    }
  }

  void timer_due(uint32_t id) {
    ++timers_fired_;
    tick();
    machine_.begin_timer(0, id);
    machine_.run_unit(0);
    after();
  }

  void handler_ready(Connection& c) {
    if (c.fired) return;
    c.fired = true;
    c.io.stop();
    c.timer.stop();
    ++fired_;
    tick();
    machine_.begin_handler(0, c.handler);
    machine_.run_unit(0);
    after();
  }

  void after() {
    arm_new_timers();
    notify_if_inbox();
    if (machine_.halted()) loop_.break_loop();
  }

 private:
  // Wall-clock microseconds since the run began: the trace's time.
  void tick() {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0_);
    machine_.set_now(us.count());
  }

  // ev_prepare: the posted-event pass, then a slice of the run queue.
  void posted_pass() {
    tick();
    while (!machine_.halted() && machine_.begin_posted(0)) machine_.run_unit(0);
    for (uint32_t i = 0; i < kEventInterval && !machine_.halted() && machine_.begin_run_queue(0); ++i)
      machine_.run_unit(0);
    arm_new_timers();
    notify_if_inbox();
    if (machine_.halted()) {
      loop_.break_loop();
      return;
    }
    const ThreadRt& th = machine_.world().threads[0];
    bool queued = !th.posted.empty() || !th.posted_next.empty() || !th.run_queue.empty() ||
                  !th.inbox.empty();
    if (queued) {
      if (!idle_.active()) idle_.start();  // the coming wait must not block
    } else {
      if (idle_.active()) idle_.stop();
      // Nothing can happen any more: every handler and timer has fired.
      if (fired_ == conns_.size() && timers_fired_ == sleeps_.size()) loop_.break_loop();
    }
    nonblocking_ = queued;
  }

  // thread_notify: tasks pushed to the inbox are announced through ev_async,
  // the one thread-safe way into a libev loop (sends coalesce).
  void notify_if_inbox() {
    if (!machine_.world().threads[0].inbox.empty()) notify_.send();
  }

  // ev_check: a new iteration has begun; posted-next becomes posted.
  void after_wait() {
    machine_.note_iteration(nonblocking_);
    machine_.move_posted_next(0);
  }

  void watch() {
    if (cfg_.interrupt_check) cfg_.interrupt_check();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    uint64_t steps = machine_.steps();
    if (steps != last_steps_) {
      last_steps_ = steps;
      last_progress_ = elapsed;
    }
    if (elapsed > cfg_.run.limits.max_seconds) {
      machine_.stop(Halt::TimeBound);
      loop_.break_loop();
    } else if (elapsed - last_progress_ > cfg_.watchdog_s) {
      machine_.stop(Halt::Quiescent);  // no progress: judge what is stuck
      loop_.break_loop();
    }
  }

  const Scenario& sc_;
  LoopConfig cfg_;
  FirstChooser first_;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  Loop loop_;  // before every watcher: it must outlive them
  Machine machine_;
  Prepare prepare_;
  Check check_;
  Async notify_;
  Idle idle_;
  Timer watchdog_;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::vector<std::unique_ptr<Timer>> sleeps_;
  size_t timers_armed_ = 0;
  size_t timers_fired_ = 0;
  size_t fired_ = 0;
  bool nonblocking_ = false;
  uint64_t last_steps_ = 0;
  double last_progress_ = 0;
};

Connection::Connection(Driver& d, uint32_t h, bool is_cleanup)
    : handler(h),
      cleanup(is_cleanup),
      timer(d.loop(),
            [this](int) {
              // The connection becomes ready: data arrives, or the peer closes.
              if (cleanup) sp.close_peer();
              else sp.write_peer();
            }),
      io(d.loop(), [this, &d](int) { d.handler_ready(*this); }) {
  io.start(sp.ours(), EV_READ);
  timer.start(d.when(h));
}

}  // namespace

World run_libev(const Scenario& sc, Policy& policy, const LoopConfig& cfg) {
  Driver d(sc, policy, cfg);
  return d.run();
}

}  // namespace wb::loop

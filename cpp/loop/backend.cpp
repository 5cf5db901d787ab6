#include "loop/backend.hpp"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
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
      throw ScenarioError(std::string("the libev backend could not open a handler's socketpair: ") +
                               std::strerror(errno));
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
        notify_(loop_, [this](int) { notified(); }),
        idle_(loop_, [](int) {}),
        watchdog_(loop_, [this](int) { watch(); }) {}

  World run() {
    machine_.init();
    threaded_ = machine_.world().threads.size() > 1;
    for (uint32_t h = 0; h < sc_.timed_handlers; ++h)
      conns_.push_back(std::make_unique<Connection>(
          *this, h, sc_.handlers[h].kind == HandlerKind::Cleanup));
    prepare_.start();
    check_.start();
    notify_.start();
    watchdog_.start(0.02, 0.02);
    struct Joiner {  // whatever ends the run, the threads end with it
      Driver& d;
      ~Joiner() { d.stop_threads(); }
    } joiner{*this};
    {
      auto lk = hold();
      for (uint16_t t = 1; t < machine_.world().threads.size(); ++t)
        threads_.emplace_back([this, t] { thread_main(t); });
      tick();
      machine_.begin_startup(0);
      run_unit(lk);
      after();
    }
    bool go;
    {
      auto lk = hold();
      go = !halted();
    }
    if (go) loop_.run();  // rethrows a callback's exception
    stop_threads();
    if (error_) std::rethrow_exception(error_);
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
    auto lk = hold();
    ++timers_fired_;
    if (machine_.world().timers[id].fired) return;  // an idle worker fired it
    tick();
    machine_.begin_timer(0, id);
    run_unit(lk);
    after();
  }

  void handler_ready(Connection& c) {
    if (c.fired) return;
    c.fired = true;
    c.io.stop();
    c.timer.stop();
    auto lk = hold();
    ++fired_;
    tick();
    machine_.begin_handler(0, c.handler);
    run_unit(lk);
    after();
  }

  void after() {
    arm_new_timers();
    notify_if_inbox();
    if (halted()) loop_.break_loop();
  }

 private:
  // Wall-clock microseconds since the run began: the trace's time.
  int64_t elapsed_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 t0_)
        .count();
  }
  void tick() { machine_.set_now(elapsed_us()); }

  // The caller's interrupt check (it takes the GIL): on the loop thread
  // only, never while holding mu_. May throw.
  static constexpr int64_t kInterruptCheckUs = 20'000;
  void check_interrupt() {
    if (cfg_.run.interrupt_check) cfg_.run.interrupt_check();
  }

  // ev_prepare: the posted-event pass, then a slice of the run queue.
  void posted_pass() {
    auto lk = hold();
    tick();
    while (!halted() && machine_.begin_posted(0)) run_unit(lk);
    for (uint32_t i = 0; i < kEventInterval && !halted() && machine_.begin_run_queue(0); ++i)
      run_unit(lk);
    after();
    if (halted()) return;
    const ThreadRt& th = machine_.world().threads[0];
    bool queued = !th.posted.empty() || !th.sched_batch.empty() ||
                  th.sched_posted == SchedPost::Next || !th.run_queue.empty() || !th.inbox.empty();
    if (queued) {
      if (!idle_.active()) idle_.start();  // the coming wait must not block
    } else {
      if (idle_.active()) idle_.stop();
      // Nothing can happen any more: every handler and timer has fired,
      // every thread has ended.
      if (!due_later() && threads_idle()) loop_.break_loop();
    }
    nonblocking_ = queued;
  }

  // ev_async: the inbox (thread_notify) becomes posted; notify_loop
  // completions run; another thread may also just have changed something
  // the loop waits for (a thread ended, the run halted).
  void notified() {
    auto lk = hold();
    tick();
    machine_.take_inbox(0);
    while (!halted() && machine_.begin_notified(0)) run_unit(lk);
    after();
  }

  // ---- the scenario's other threads (foreign threads, workers) ----
  // Each is a std::thread running the machine one instruction at a time
  // under mu_, which the loop thread also holds while it runs instructions
  // (only then: a scenario without threads takes no lock). Every change is
  // announced on cv_ (to the threads) and through ev_async (to the loop).

  std::unique_lock<std::mutex> hold() {
    return threaded_ ? std::unique_lock<std::mutex>(mu_) : std::unique_lock<std::mutex>();
  }
  bool halted() const { return machine_.halted() || stopping_; }

  // The loop thread runs the unit on its stack. With other threads it lets
  // them in between instructions and waits, like a real thread, while a lock
  // it wants is held by one of them.
  void run_unit(std::unique_lock<std::mutex>& lk) {
    if (!lk.owns_lock()) {
      while (!halted() && !machine_.world().threads[0].stack.empty()) {
        machine_.run_unit(0);
        if (!burn(0, lk)) break;
        tick();
      }
      return;
    }
    int64_t checked_us = elapsed_us();
    while (!halted() && !machine_.world().threads[0].stack.empty()) {
      if (!machine_.can_step(0)) {
        wait_for_others(lk);
        continue;
      }
      tick();
      if (burn(0, lk)) continue;
      machine_.step(0);
      cv_.notify_all();
      lk.unlock();
      if (int64_t now_us = elapsed_us(); now_us - checked_us >= kInterruptCheckUs) {  // a long unit
        checked_us = now_us;
        check_interrupt();
      }
      lk.lock();
    }
  }

  // The loop thread is blocked on a lock: wait for another thread to move,
  // checking for interrupts; nothing moving for the watchdog's time is a
  // deadlock.
  void wait_for_others(std::unique_lock<std::mutex>& lk) {
    using Clock = std::chrono::steady_clock;
    auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
    auto since = Clock::now(), checked = Clock::now();
    uint64_t steps = machine_.steps();
    while (!halted() && !machine_.can_step(0)) {
      cv_.wait_for(lk, std::chrono::milliseconds(20));
      auto now = Clock::now();
      if (now - checked >= std::chrono::microseconds(kInterruptCheckUs)) {
        checked = now;
        lk.unlock();  // it takes the GIL: not while holding mu_
        check_interrupt();
        lk.lock();
      }
      if (machine_.steps() != steps || computing()) {
        steps = machine_.steps();
        since = now;
      }
      judge_stall(seconds(now - t0_), seconds(now - since));
    }
  }

  // A compute on this thread: really busy until its end, holding no lock.
  // No watcher runs while the loop thread burns, so the burn itself keeps
  // the run's time bound (stopping the run), ends when the run stops, and
  // on the loop thread checks for Ctrl-C every ~20 ms. False: not busy.
  bool burn(uint16_t tid, std::unique_lock<std::mutex>& lk) {
    // In microseconds since the run began, as the clock's ticks are: a
    // compute of any length (up to INT64_MAX ticks) cannot overflow them.
    const int64_t until_us = machine_.world().threads[tid].busy_until;
    if (until_us <= machine_.world().now) return false;
    const double max_s = cfg_.run.limits.max_seconds;
    const int64_t deadline_us = max_s < 9e12 ? static_cast<int64_t>(max_s * 1e6) : INT64_MAX;
    const bool locked = lk.owns_lock();
    if (locked) lk.unlock();
    int64_t checked_us = elapsed_us();
    bool over = false;
    for (;;) {
      const int64_t now_us = elapsed_us();
      if (stopping_ || now_us >= until_us) break;
      if (now_us > deadline_us) {
        over = true;
        break;
      }
      if (tid == 0 && now_us - checked_us >= kInterruptCheckUs) {
        checked_us = now_us;
        check_interrupt();  // may throw: the run ends, its threads are joined
      }
    }
    if (locked) lk.lock();
    if (over) machine_.stop(Halt::TimeBound);
    return true;
  }

  // Some thread is inside a compute (busy, not stuck).
  bool computing() const {
    const World& w = machine_.world();
    for (size_t t = 1; t < w.threads.size(); ++t)
      if (w.threads[t].busy_until > w.now) return true;
    return false;
  }

  // The loop is waiting for something that will come: a handler's or a
  // sleep's timer, a thread's start. Not a stall, however long it takes
  // (the run's time bound still holds).
  bool due_later() const {
    if (fired_ < conns_.size() || timers_fired_ < sleeps_.size()) return true;
    const World& w = machine_.world();
    for (uint32_t t = 1; t < w.threads.size(); ++t)
      if (!sc_.is_worker(t) && w.threads[t].status == ThreadStatus::Unstarted &&
          sc_.threads[t - 1].autostart)
        return true;
    return false;
  }

  // No thread is running (a thread due to start is due_later's); no worker
  // is inside a unit; no notify_loop completion waits.
  bool threads_idle() const {
    const World& w = machine_.world();
    if (!w.threads[0].notified.empty()) return false;
    for (uint32_t t = 1; t < w.threads.size(); ++t) {
      const ThreadRt& th = w.threads[t];
      if (sc_.is_worker(t) ? !th.stack.empty() : th.status == ThreadStatus::Running) return false;
    }
    return true;
  }

  void thread_main(uint16_t tid) {
    try {
      thread_steps(tid);
    } catch (...) {  // rethrown by run() on the caller's thread
      std::lock_guard<std::mutex> g(mu_);
      if (!error_) error_ = std::current_exception();
      stopping_ = true;
      cv_.notify_all();
      notify_.send();
    }
  }

  void thread_steps(uint16_t tid) {
    std::unique_lock<std::mutex> lk(mu_);
    const bool worker = sc_.is_worker(tid);
    if (!worker && sc_.threads[tid - 1].autostart) {  // starts at its time
      auto due = t0_ + std::chrono::microseconds(static_cast<int64_t>(
                           static_cast<double>(sc_.threads[tid - 1].at) * cfg_.time_scale * 1000.0));
      cv_.wait_until(lk, due, [&] { return halted(); });
      if (halted()) return;
      if (machine_.world().threads[tid].status == ThreadStatus::Unstarted) {
        tick();
        machine_.start_thread(tid);
      }
    }
    while (!halted()) {
      tick();
      const ThreadRt& th = machine_.world().threads[tid];
      if (th.status == ThreadStatus::Done) break;
      if (th.status == ThreadStatus::Unstarted) {  // until spawn_blocking starts it
        cv_.wait(lk);
        continue;
      }
      if (burn(tid, lk)) continue;
      if (th.stack.empty()) {  // a worker between units
        if (machine_.begin_shared(tid)) continue;
        // An idle worker drives the timers while the loop thread is blocked
        // (tokio's parked worker drives the time driver): it looks again soon.
        const World& w = machine_.world();
        if (w.threads[0].blocked_on && !w.timer_heap.empty())
          cv_.wait_for(lk, std::chrono::milliseconds(1));
        else
          cv_.wait(lk);
        continue;
      }
      if (!machine_.can_step(tid)) {  // waits for a lock
        cv_.wait(lk);
        continue;
      }
      machine_.step(tid);
      cv_.notify_all();
      notify_.send();  // the loop looks again (coalesces)
      lk.unlock();
      lk.lock();
    }
    cv_.notify_all();
    notify_.send();
  }

  void stop_threads() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }

  // thread_notify: tasks pushed to the inbox are announced through ev_async,
  // the one thread-safe way into a libev loop (sends coalesce).
  void notify_if_inbox() {
    if (!machine_.world().threads[0].inbox.empty()) notify_.send();
  }

  // ev_check: a new iteration has begun; posted-next becomes posted.
  void after_wait() {
    auto lk = hold();
    machine_.note_iteration(nonblocking_);
    machine_.move_posted_next(0);
  }

  void watch() {
    check_interrupt();
    auto lk = hold();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    uint64_t steps = machine_.steps();
    if (steps != last_steps_ || computing() || due_later()) {
      last_steps_ = steps;
      last_progress_ = elapsed;
    }
    if (judge_stall(elapsed, elapsed - last_progress_)) loop_.break_loop();
  }

  // Past the time bound, or no progress for the watchdog's time: stop. With
  // no progress, threads waiting on locks are a deadlock; else the verdict
  // judges what is stuck. True if it stopped the run.
  bool judge_stall(double elapsed_s, double idle_s) {
    if (elapsed_s > cfg_.run.limits.max_seconds) {
      machine_.stop(Halt::TimeBound);
    } else if (idle_s > cfg_.watchdog_s) {
      if (!machine_.stop_blocked()) machine_.stop(Halt::Quiescent);
    } else {
      return false;
    }
    return true;
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
  bool threaded_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;
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

// One socketpair (two descriptors) per handler: a scenario with more
// handlers than the process may open descriptors for is refused before any
// is opened, in one clear line.
void check_descriptors(const Scenario& sc) {
  constexpr uint64_t kSpare = 64;  // the loop's own, the ev_async pipe, Python's
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  uint64_t need = 2 * static_cast<uint64_t>(sc.handlers.size()) + kSpare;
  if (lim.rlim_cur == RLIM_INFINITY || need <= lim.rlim_cur) return;
  throw ScenarioError("scenario '" + sc.name + "': the libev backend opens a socketpair per handler: " +
                      std::to_string(sc.handlers.size()) + " handlers need about " +
                      std::to_string(need) + " file descriptors and this process may open " +
                      std::to_string(lim.rlim_cur) +
                      " (ulimit -n); raise the limit, or run it in the simulator");
}

}  // namespace

World run_libev(const Scenario& sc, Policy& policy, const LoopConfig& cfg) {
  check_descriptors(sc);
  Driver d(sc, policy, cfg);
  return d.run();
}

}  // namespace wb::loop

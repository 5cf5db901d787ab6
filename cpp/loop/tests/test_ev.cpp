// The RAII watchers of loop/ev.hpp: each fires when it should, stops when it
// is destroyed, and leaves no fd or thread behind.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "loop/ev.hpp"
#include "proc_counts.hpp"

namespace {

using namespace wb::loop;
using wb::loop::testing::live_threads;
using wb::loop::testing::open_fds;

static_assert(!std::is_copy_constructible_v<Timer> && !std::is_move_constructible_v<Timer>);
static_assert(!std::is_copy_assignable_v<Io> && !std::is_move_assignable_v<Io>);
static_assert(!std::is_copy_constructible_v<Loop> && !std::is_move_constructible_v<Loop>);
static_assert(!std::is_move_constructible_v<Async> && !std::is_move_constructible_v<Idle>);

// Every test's loop gets one of these: a bound on how long run() may take.
struct Watchdog {
  Timer timer;
  bool fired = false;
  Watchdog(Loop& loop, double seconds)
      : timer(loop, [this, &loop](int) {
          fired = true;
          loop.break_loop();
        }) {
    timer.start(seconds);
  }
};

struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd) != 0) throw std::runtime_error("socketpair");
  }
  ~SocketPair() {
    close(fd[0]);
    close(fd[1]);
  }
};

TEST(Timer, FiresOnceThenTheLoopRunsOutOfWork) {
  Loop loop;
  int calls = 0;
  Timer t(loop, [&](int revents) {
    EXPECT_TRUE(revents & EV_TIMER);
    ++calls;
  });
  t.start(0.001);
  EXPECT_TRUE(t.active());
  EXPECT_FALSE(loop.run());  // returns on its own: no active watcher left
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(t.active());
}

TEST(Timer, RepeatsUntilStopped) {
  Loop loop;
  int calls = 0;
  Timer t(loop, [&](int) {
    if (++calls == 3) {
      t.stop();
      loop.break_loop();
    }
  });
  t.start(0.0005, 0.0005);
  Watchdog dog(loop, 2.0);
  loop.run();
  EXPECT_FALSE(dog.fired);
  EXPECT_EQ(calls, 3);
}

TEST(Io, FiresWhenThePeerWrites) {
  Loop loop;
  SocketPair sp;
  int calls = 0;
  char got = 0;
  Io io(loop, [&](int revents) {
    EXPECT_TRUE(revents & EV_READ);
    ++calls;
    ASSERT_EQ(read(sp.fd[0], &got, 1), 1);
    io.stop();
    loop.break_loop();
  });
  io.start(sp.fd[0], EV_READ);
  EXPECT_EQ(io.fd(), sp.fd[0]);
  Timer writer(loop, [&](int) { ASSERT_EQ(write(sp.fd[1], "x", 1), 1); });
  writer.start(0.001);
  Watchdog dog(loop, 2.0);
  loop.run();
  EXPECT_FALSE(dog.fired);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got, 'x');
}

TEST(Io, NotReadyDoesNotFire) {
  Loop loop;
  SocketPair sp;
  int calls = 0;
  Io io(loop, [&](int) { ++calls; });
  io.start(sp.fd[0], EV_READ);
  loop.run_nowait();
  EXPECT_EQ(calls, 0);
}

TEST(Async, AnotherThreadWakesTheLoop) {
  Loop loop;
  std::atomic<int> payload{0};
  int seen = 0;
  Async wake(loop, [&](int revents) {
    EXPECT_TRUE(revents & EV_ASYNC);
    seen = payload.load(std::memory_order_acquire);
    loop.break_loop();
  });
  wake.start();
  Watchdog dog(loop, 5.0);
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    payload.store(42, std::memory_order_release);
    wake.send();
  });
  loop.run();  // blocks until the send
  t.join();
  EXPECT_FALSE(dog.fired);
  EXPECT_EQ(seen, 42);
}

TEST(Async, SendsCoalesce) {
  Loop loop;
  int calls = 0;
  Async wake(loop, [&](int) { ++calls; });
  wake.start();
  std::thread t([&] {
    for (int i = 0; i < 1000; ++i) wake.send();
  });
  t.join();
  EXPECT_TRUE(wake.sent());
  loop.run_nowait();
  EXPECT_EQ(calls, 1);  // a thousand sends, one callback
  loop.run_nowait();
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(wake.sent());
}

TEST(Destructor, StopsAnActiveWatcher) {
  Loop loop;
  int calls = 0;
  {
    Timer t(loop, [&](int) { ++calls; });
    t.start(0.0);
  }
  Timer later(loop, [](int) {});
  later.start(0.005);
  loop.run();
  EXPECT_EQ(calls, 0);
}

TEST(Destructor, ClearsAPendingEvent) {
  // Two timers due together: whichever runs first destroys the other, whose
  // event is already pending. The destroyed one must never be called.
  Loop loop;
  int calls = 0;
  std::unique_ptr<Timer> a, b;
  a = std::make_unique<Timer>(loop, [&](int) {
    ++calls;
    b.reset();
  });
  b = std::make_unique<Timer>(loop, [&](int) {
    ++calls;
    a.reset();
  });
  a->start(0.0);
  b->start(0.0);
  loop.run();
  EXPECT_EQ(calls, 1);
}

TEST(Destructor, AWatcherMayDestroyItselfInItsCallback) {
  Loop loop;
  int calls = 0;
  std::unique_ptr<Idle> self;
  self = std::make_unique<Idle>(loop, [&](int) {
    ++calls;
    self.reset();
  });
  self->start();
  loop.run();
  EXPECT_EQ(calls, 1);
}

TEST(Loop, ACallbackExceptionBreaksTheRunAndLeavesTheLoopUsable) {
  Loop loop;
  Timer boom(loop, [](int) { throw std::runtime_error("boom"); });
  boom.start(0.0);
  EXPECT_THROW(loop.run(), std::runtime_error);
  int calls = 0;
  Timer ok(loop, [&](int) { ++calls; });
  ok.start(0.0);
  EXPECT_FALSE(loop.run());
  EXPECT_EQ(calls, 1);
}

TEST(PrepareCheck, SurroundTheWait) {
  Loop loop;
  std::string order;
  Prepare p(loop, [&](int) { order += 'p'; });
  Check c(loop, [&](int) { order += 'c'; });
  Timer t(loop, [&](int) {
    order += 't';
    p.stop();
    c.stop();
  });
  p.start();
  c.start();
  t.start(0.001);
  loop.run();
  ASSERT_GE(order.size(), 3u);
  EXPECT_EQ(order.front(), 'p');
  EXPECT_EQ(order.back(), 't');
  EXPECT_EQ(order[order.size() - 2], 'c');  // check runs before the timer's callback
}

TEST(Idle, KeepsTheWaitFromBlocking) {
  Loop loop;
  int idles = 0;
  Idle idle(loop, [&](int) {
    if (++idles == 100) idle.stop();
  });
  Timer far(loop, [](int) {});
  far.start(30.0);  // would block for 30 s without the idle watcher
  idle.start();
  auto t0 = std::chrono::steady_clock::now();
  while (idle.active()) loop.run_once();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(idles, 100);
}

TEST(Leaks, NoFdOrThreadLeftBehind) {
  // Sanitizer runtimes (TSan) start a helper thread at the first thread
  // creation: make that happen before counting.
  std::thread([] {}).join();
  std::size_t fds0 = open_fds(), threads0 = live_threads();
  for (int round = 0; round < 3; ++round) {
    Loop loop;
    SocketPair sp;
    std::atomic<bool> go{false};
    Io io(loop, [](int) {});
    io.start(sp.fd[0], EV_READ);
    Async wake(loop, [&](int) { loop.break_loop(); });
    wake.start();  // the loop's eventfd
    Watchdog dog(loop, 5.0);
    std::thread t([&] {
      go.store(true, std::memory_order_release);
      wake.send();
    });
    loop.run();
    t.join();
    EXPECT_TRUE(go.load());
    EXPECT_GT(open_fds(), fds0);
  }
  EXPECT_EQ(open_fds(), fds0);
  EXPECT_EQ(live_threads(), threads0);
}

}  // namespace

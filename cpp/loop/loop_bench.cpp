// loop_bench: the raw libev ping-pong figures (pingpong.hpp) as a table.
//
//   loop_bench [SECONDS]    seconds per measurement, default 1 (max 30)
#include <cstdio>
#include <cstdlib>

#include "loop/pingpong.hpp"

using namespace wb::loop;

int main(int argc, char** argv) {
  double secs = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (!(secs > 0 && secs <= 30)) {
    std::fprintf(stderr, "loop_bench: SECONDS must be in (0, 30], got %s\n", argv[1]);
    return 2;
  }
  unsigned backend = Loop().backend();
  std::printf("libev %d.%d, backend %s, %.2f s bound per row\n\n", ev_version_major(), ev_version_minor(),
              backend == EVBACKEND_EPOLL ? "epoll" : backend == EVBACKEND_POLL ? "poll" : "other", secs);

  std::printf("(a) in-loop wake-to-poll ping-pong (two tasks, ready queue on prepare/check/idle)\n");
  std::printf("  %-34s %14s %12s %14s\n", "rule", "round trips/s", "ns/hop", "iterations/s");
  struct Row {
    const char* name;
    PassRule rule;
  };
  for (const Row& row : {Row{"posted (drain until empty)", kPostedRule},
                         Row{"posted_next (one pass/iteration)", kPostedNextRule}}) {
    InLoopResult r = in_loop_pingpong(row.rule, Bounds{50'000'000, secs});
    std::printf("  %-34s %14.0f %12.1f %14.0f%s\n", row.name, r.per_second(),
                r.round_trips ? r.seconds * 1e9 / double(2 * r.round_trips) : 0.0,
                double(r.loop_iterations) / r.seconds, r.hit_time_bound ? "  (time bound)" : "");
  }

  std::printf("\n(b) cross-thread wake round trip (ev_async both ways, loop thread <-> std::thread)\n");
  for (double spin_us : {0.0, 50.0}) {
    CrossThreadResult x = cross_thread_pingpong(Bounds{200'000, secs}, spin_us);
    std::printf("  spin %3.0f us: %llu round trips, %.0f/s   p50 %.1f us   p99 %.1f us   max %.1f us"
                "   CPU %.2f s/wall s%s\n",
                spin_us, static_cast<unsigned long long>(x.round_trips), x.per_second(), x.p50_us,
                x.p99_us, x.max_us, x.cpu_per_wall(),
                x.hit_time_bound ? "  (time bound)" : "");
  }

  std::printf("\n(c) idle loop (10 ms heartbeat timer) with one task re-posting itself forever\n");
  std::printf("  %-44s %12s %12s %14s\n", "re-post goes to", "CPU s/wall s", "runs/s", "iterations/s");
  for (const Row& row : {Row{"(i) posted, once per pass, loop blocks", kPostedOncePerPassRule},
                         Row{"(ii) posted_next, idle watcher on", kPostedNextRule},
                         Row{"(iii) posted, drain until empty (nginx)", kPostedRule}}) {
    IdleCpuResult r = idle_repost_cpu(row.rule, secs);
    std::printf("  %-44s %12.3f %12.0f %14.0f\n", row.name, r.cpu_per_wall(), double(r.runs) / r.wall_s,
                double(r.loop_iterations) / r.wall_s);
  }
  return 0;
}

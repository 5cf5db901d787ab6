#include "loop/ev.hpp"

#include <stdexcept>

namespace wb::loop {

Loop::Loop(unsigned flags) : raw_(ev_loop_new(flags)) {
  if (raw_ == nullptr) throw std::runtime_error("libev: ev_loop_new failed (no usable backend, or out of fds)");
}

Loop::~Loop() { ev_loop_destroy(raw_); }

bool Loop::run(int flags) {
  bool active = ev_run(raw_, flags) != 0;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  return active;
}

void Loop::fail(std::exception_ptr e) noexcept {
  if (!error_) error_ = std::move(e);
  ev_break(raw_, EVBREAK_ALL);
}

void Io::set(int fd, int events) noexcept {
  bool was_active = active();
  if (was_active) stop();
  ev_io_set(&w_, fd, events);
  if (was_active) start();
}

void Timer::set(double after, double repeat) noexcept {
  bool was_active = active();
  if (was_active) stop();
  ev_timer_set(&w_, after, repeat);
  if (was_active) start();
}

}  // namespace wb::loop

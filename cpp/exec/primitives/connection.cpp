// nginx connections: see connection.hpp for the behaviour copied. The
// machine's use of a connection, and the server's closing of one.
#include "exec/primitives/connection.hpp"

#include <algorithm>

#include "exec/machine.hpp"

namespace wb {

void Machine::use_connection(uint16_t tid, uint32_t c) {
  touch(res_.connections + c, false);
  ev(tid, Ev::Touch, c);
  if (!connection::open(w_.closed_at[c])) {
    w_.freed = FreedFact{tid, c, static_cast<uint32_t>(step_), w_.closed_at[c]};
    halt(Halt::UseAfterFree);
  }
}

void Machine::maybe_close(uint16_t tid) {
  if (sc_.connections.empty()) return;
  std::vector<uint32_t>& opts = options_;
  opts.assign(1, kNoClose);
  for (uint32_t c = 0; c < sc_.connections.size(); ++c)
    if (connection::open(w_.closed_at[c])) opts.push_back(c);
  if (opts.size() == 1) return;
  uint32_t k = choose(ChoiceKind::Close, opts);
  if (k == 0) return;
  uint32_t c = opts[k];
  touch(res_.connections + c, true);
  w_.closed_at[c] = static_cast<uint32_t>(std::max<uint64_t>(step_, 1));
  ev(tid, Ev::Close, c);
  // ngx_close_connection destroys the pool: its cleanups run now, the last
  // registered first (ngx_destroy_pool walks the list from its head, where
  // ngx_pool_cleanup_add puts the newest).
  for (size_t h = sc_.handlers.size(); h-- > sc_.timed_handlers;)
    if (sc_.handlers[h].connection == static_cast<int64_t>(c))
      w_.threads[tid].cleanups.push_back(static_cast<uint32_t>(h));
}

}  // namespace wb

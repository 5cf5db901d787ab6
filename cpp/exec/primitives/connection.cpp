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
}

}  // namespace wb

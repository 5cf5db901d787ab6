// An nginx connection (ngx_connection_t with its pool): an event context
// that tasks, handlers and Drop hooks use (`read`). The server may close
// it between any two units (the explorer chooses when: ChoiceKind::Close);
// ngx_close_connection frees the connection and its pool: it deletes its
// pending events, so an event handler bound to it no longer runs; it runs
// the pool's cleanup handlers (ngx_pool_cleanup_add; the newest first), as
// nginx does when it frees a request (a task living in the pool is dropped
// there); and a later use of the connection is a use-after-free. Its state
// is the step that closed it (0: open); a use is a footprint read, a close
// a write.
#pragma once

#include <cstdint>

namespace wb::connection {

inline bool open(uint32_t closed_at) { return closed_at == 0; }

}  // namespace wb::connection

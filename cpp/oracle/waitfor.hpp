// The wait-for graph of a run's end state (DESIGN.md section 1, verdicts).
//
// Nodes are tasks (futures included) and threads. An edge X -> Y says that X
// can go on only if Y acts:
//  - Lock: X waits for a lock Y holds (a blocking or async mutex; a
//    semaphore permit Y holds or was assigned), or may give back (Y can
//    release one);
//  - Polled: task X is being polled on thread Y (its frame is on Y's stack);
//  - Await: X polls future Y in its current await, select! or Buffered step;
//  - Join: X joins (or waits for) task Y;
//  - JoinSet: X waits in join_next on a JoinSet and Y is a task in it, not
//    finished (an edge to each: any one finishing wakes X; an empty set
//    never blocks);
//  - Channel, Notify, Queue: X waits in a channel (recv on an empty one, send
//    on a full one), in notified(), or in a wait queue, and Y may still do
//    what wakes it: a send or a sender's drop; a recv or a close; a
//    notify_one or notify_waiters; a wake;
//  - Condvar: thread X waits on a condvar and Y may still notify it (a
//    task being polled on X itself cannot: X is blocked);
//  - Barrier: X waits at a barrier and Y may still arrive at it (those
//    waiting there already are counted, and arrive again only once
//    released). "May still" is what Y's program
//    can reach from where it stands (with the Drop hooks it runs and the
//    tasks it spawns), read from the compiled code: a static
//    over-approximation, so an edge may be one Y would not take, never one
//    missing.
// Only live nodes take part: a task not finished or dropped (a future not
// yet polled is live while its owner is), a thread not finished. A future
// that its owner no longer polls has no edge to its owner: such a future is
// where a futurelock or an unpolled future is named.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exec/world.hpp"
#include "model/program.hpp"

namespace wb {

struct WfNode {
  bool thread = false;
  uint32_t id = 0;
  bool operator==(const WfNode& o) const { return thread == o.thread && id == o.id; }
};

enum class WfEdgeKind : uint8_t { Lock, Polled, Await, Join, Channel, Notify, Queue, Condvar, Barrier,
                                  Broadcast, JoinSet };

struct WfEdge {
  WfNode from, to;
  WfEdgeKind kind = WfEdgeKind::Lock;
  uint32_t resource = 0;  // Lock: mutex id, or mutexes + semaphore id; Channel: channel
                          // id (+ 1 << 31 for a send on a full channel); Notify; Queue
};

class WaitFor {
 public:
  WaitFor(const Scenario& sc, const World& w);

  // X's edges to live nodes, Lock edges first.
  std::vector<WfEdge> edges(WfNode x) const;
  bool live(WfNode x) const;

  // A cycle reachable from `start` through live nodes, as its edges; empty
  // if none.
  std::vector<WfEdge> cycle_from(WfNode start) const;

  // From `start`, the first edge at each node, until a node with none or a
  // node seen before: the chain of waits to its root.
  std::vector<WfEdge> chain_from(WfNode start) const;

  // Is `future` polled by its owner where the owner stands (its current
  // await, select! branch or Buffered in-flight item)?
  bool polled_by_owner(uint32_t future) const;
  // Is `future` in its owner's current Buffered stream, not yet in flight?
  bool waiting_in_stream(uint32_t future) const;

  // "task 'x'", "future 'f'", "thread 'main'"
  std::string name(WfNode x) const;
  // "task 'a' waits for async mutex 'm' held by task 'b'", and so on.
  std::string describe(const WfEdge& e) const;

 private:
  // What a program can still do from `pc`: the (code, operand) pairs it can
  // reach, with those of the Drop hooks it runs and the tasks it spawns.
  bool may_do(WfNode actor, Code code, uint32_t a) const;
  void reach(uint32_t program, uint32_t pc, std::vector<uint8_t>& seen_prog,
             std::vector<std::pair<Code, uint32_t>>& out) const;
  void waker_edges(WfNode x, WfEdgeKind kind, uint32_t resource, std::initializer_list<Code> codes,
                   uint32_t operand, std::vector<WfEdge>& out) const;

  const Scenario& sc_;
  const World& w_;
  mutable std::vector<std::vector<std::pair<Code, uint32_t>>> acts_;  // per node, lazily
  mutable std::vector<uint8_t> acts_done_;
};

}  // namespace wb

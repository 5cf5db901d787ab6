// Choice points. Every nondeterministic decision of a run goes through one
// Chooser call; option 0 is always the natural order (declaration order, the
// thread that ran last), so an all-zero schedule is the canonical run. The
// order a FIFO queue pops in is not a choice: the systems modelled (nginx's
// posted queues, ngx-rust's and tokio's run queues) pop in FIFO order.
//
// A chooser also hears about *units*: a unit is what runs from a frame
// pushed on an empty stack until the stack is empty again (a poll with
// everything nested in it, an event handler). With footprints on, each unit
// reports the resources it read and wrote; explorers use them to tell
// independent units apart (sleep sets).
#pragma once

#include <cstdint>
#include <vector>

namespace wb {

struct World;
struct Snapshot;  // exec/executor.hpp

enum class ChoiceKind : uint8_t {
  EventOrder,  // which ready event handler runs next (options: handler ids)
  DropOrder,   // which of the objects dropped together drops next (options: object ids)
  Thread,      // which thread takes the next step (options: thread ids; 0 = keep the current)
  Close,       // whether the server closes a connection now (options: kNoClose, connection ids)
  Kill,        // whether ThreadKilled lands in a task now (options: 0 no, 1 yes)
  SelectStart, // which branch an unbiased select! polls first (options: branch indices)
  CondvarNotify,  // which waiter a Condvar::notify_one wakes (options: thread ids, by id)
  Spurious,    // whether a thread waiting on a condvar wakes spuriously now (options:
               // kNoWake, then the waiting threads allowed to: see primitives/condvar.hpp);
               // offered where the next thread is picked
};

inline constexpr uint32_t kNoWake = 0xffffffffu;

inline constexpr uint32_t kNoClose = 0xffffffffu;
const char* choice_kind_name(ChoiceKind k);

struct Choice {
  uint32_t n = 0;  // options offered (always > 1: single options are not choices)
  uint32_t k = 0;  // option taken
  ChoiceKind kind = ChoiceKind::EventOrder;
};

struct ChoicePoint {
  ChoiceKind kind;
  const std::vector<uint32_t>& options;  // ids, in the natural order
  bool between_units;                    // the stack is empty: no unit is half done
  const World& world;
  uint64_t context = 0;                  // the driver's state outside the World (see Machine::choose)
  uint32_t unread = 0;                   // kClockUnread | kIterationUnread: what decides nothing here
};

// Parts of the World that no decision of this scenario under this policy
// reads, so a state fingerprint may leave them out (explore/strategies.cpp):
//  - kClockUnread: the virtual clock and its sub-millisecond count, when
//    nothing reads the clock (Scenario::timeless);
//  - kIterationUnread: how many run-queue polls the loop thread has made in
//    this iteration, when ending an iteration early changes nothing but
//    statistics and the clock: timeless, no handler, connection or foreign
//    thread, and a policy that never posts (posted, posted-next) or uses
//    the inbox, so the loop's wait has nothing to collect.
inline constexpr uint32_t kClockUnread = 1;
inline constexpr uint32_t kIterationUnread = 2;

// A unit's footprint: resource keys (see exec/footprint.hpp), sorted, unique.
struct Footprint {
  std::vector<uint32_t> keys;  // (resource << 1) | written
  bool all = false;            // it may have read or written anything: it conflicts with every unit
};

class Chooser {
 public:
  virtual ~Chooser() = default;
  // Pick one of the options (at least two), or kPrune to end the run here
  // (a branch an explorer prunes: the run halts with Halt::Pruned, without
  // unwinding). May throw to abort the run (a replayed schedule that does
  // not fit).
  virtual uint32_t choose(const ChoicePoint& cp) = 0;
  static constexpr uint32_t kPrune = 0xffffffffu;
  // Units end only in runs with footprints on (RunConfig::footprints).
  virtual void unit_done(const Footprint&) {}
  // Where the machine may leave a Snapshot of the run just before the
  // thread choice it is about to ask for (nullptr: none wanted). An explorer
  // resumes a later run from it instead of running the prefix again.
  virtual Snapshot* snapshot_slot() { return nullptr; }
};

// Always option 0: the canonical schedule.
class FirstChooser final : public Chooser {
 public:
  uint32_t choose(const ChoicePoint&) override { return 0; }
};

}  // namespace wb

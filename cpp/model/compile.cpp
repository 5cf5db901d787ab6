// compile(): resolve names, check the programs, flatten to instructions.
//
// Checks, each an error naming the scenario, the owner and the op:
//  - every name is declared once, every reference names a declared thing of
//    the right sort (a lock op names a mutex, a park names a wait queue...);
//  - counts are non-negative and below SpecLimits; nesting is bounded;
//  - Drop hooks and handlers never await (they run to completion);
//  - lock discipline, structurally: a program never unlocks what it does not
//    hold, never relocks an async mutex it holds, both branches of an If and
//    every way out of a loop agree on what is held, and a program ends
//    holding nothing. Relocking a blocking mutex it holds is allowed: it is
//    the most common real bug, and the run gives deadlock/reentrant_lock at
//    that op (std::sync::Mutex::lock "might panic or deadlock"; it does not
//    re-enter).
//  - regions (critical, mask, restore, catch) are for tasks, and a break
//    or a continue out of one runs its end, as leaving a Rust scope or a
//    Haskell bracket does: the region's end instructions are emitted before
//    the jump.
//  - with_ (a scoped guard): its guard op (lock, acquire, borrow,
//    borrow_mut) then its body as a region whose end releases the guard,
//    with b = 1 on both; a break or continue out of it runs that end too,
//    and a program never unlocks (ends, releases) a guard a with_ around
//    it holds. RefCell borrows are held like locks: a program never ends a
//    borrow it does not hold and ends holding none.
//  - reader-writer locks join the lock discipline: a guard is unlocked as
//    the kind it was taken (unlock_read / unlock_write), and a program may
//    hold several read guards of one lock. On a std RwLock, a program may
//    request a guard while holding one (the run decides: write after any
//    guard, or read after write, is deadlock/reentrant_lock; read after
//    read deadlocks only behind a waiting writer, a lock cycle); on tokio's
//    RwLock a write while holding any guard of it, or a read while holding
//    its write guard, waits for itself: an error here, as an async mutex
//    relocked is.
//  - Condvar::wait names a std (blocking) mutex the program holds at that
//    op; it compiles to the wait and a re-lock (BLock) after it, so the
//    mutex is held after it as before. A barrier wait branches: the leader
//    runs its on_leader block, which must end with the lock state it began
//    with; a tokio barrier's wait is an await (tasks only).
//  - try-ops branch: a try_lock holds the lock after it on success, so its
//    on_fail block must end holding it too (lock it) or leave (break,
//    continue); a try_lock of a mutex the program holds always fails, as
//    the real ones do (std: WouldBlock), and only on_fail goes on.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "model/program.hpp"

namespace wb {

const char* op_name(OpKind k) {
  switch (k) {
    case OpKind::Print: return "print";
    case OpKind::Lock: return "lock";
    case OpKind::Unlock: return "unlock";
    case OpKind::Register: return "register";
    case OpKind::Unregister: return "unregister";
    case OpKind::Pending: return "pending";
    case OpKind::Park: return "park";
    case OpKind::Wake: return "wake";
    case OpKind::WakeAll: return "wake_all";
    case OpKind::Yield: return "yield";
    case OpKind::Drop: return "drop";
    case OpKind::Spawn: return "spawn";
    case OpKind::Add: return "add";
    case OpKind::Set: return "set";
    case OpKind::Loop: return "loop";
    case OpKind::Repeat: return "repeat";
    case OpKind::If: return "if";
    case OpKind::Break: return "break";
    case OpKind::Sleep: return "sleep";
    case OpKind::Read: return "read";
    case OpKind::Compute: return "compute";
    case OpKind::SpawnBlocking: return "spawn_blocking";
    case OpKind::NotifyLoop: return "notify_loop";
    case OpKind::Await: return "await";
    case OpKind::Select: return "select";
    case OpKind::Branch: return "branch";
    case OpKind::Buffered: return "buffered";
    case OpKind::Critical: return "critical";
    case OpKind::Mask: return "mask";
    case OpKind::Restore: return "restore";
    case OpKind::Catch: return "catch";
    case OpKind::ThrowTo: return "throw_to";
    case OpKind::WaitTask: return "wait";
    case OpKind::Abort: return "abort";
    case OpKind::Acquire: return "acquire";
    case OpKind::Release: return "release";
    case OpKind::Seq: return "seq";
    case OpKind::Notified: return "notified";
    case OpKind::NotifyOne: return "notify_one";
    case OpKind::NotifyWaiters: return "notify_waiters";
    case OpKind::Send: return "send";
    case OpKind::Recv: return "recv";
    case OpKind::CloseChannel: return "close";
    case OpKind::DropSender: return "drop_sender";
    case OpKind::Load: return "load";
    case OpKind::Store: return "store";
    case OpKind::Swap: return "swap";
    case OpKind::CompareExchange: return "compare_exchange";
    case OpKind::FetchAdd: return "fetch_add";
    case OpKind::TryLock: return "try_lock";
    case OpKind::TrySend: return "try_send";
    case OpKind::TryRecv: return "try_recv";
    case OpKind::TryAcquire: return "try_acquire";
    case OpKind::Continue: return "continue";
    case OpKind::Borrow: return "borrow";
    case OpKind::BorrowMut: return "borrow_mut";
    case OpKind::EndBorrow: return "end_borrow";
    case OpKind::TryBorrow: return "try_borrow";
    case OpKind::TryBorrowMut: return "try_borrow_mut";
    case OpKind::Panic: return "panic";
    case OpKind::With: return "with";
    case OpKind::RwRead: return "read";
    case OpKind::RwWrite: return "write";
    case OpKind::RwUnlockRead: return "unlock_read";
    case OpKind::RwUnlockWrite: return "unlock_write";
    case OpKind::TryRead: return "try_read";
    case OpKind::TryWrite: return "try_write";
    case OpKind::CvWait: return "wait";
    case OpKind::CvNotifyOne: return "notify_one";
    case OpKind::CvNotifyAll: return "notify_all";
    case OpKind::BarrierWait: return "barrier_wait";
    case OpKind::BcastSend: return "send";
    case OpKind::BcastRecv: return "recv";
    case OpKind::Subscribe: return "subscribe";
    case OpKind::BcastDropSender: return "drop_sender";
    case OpKind::WatchBorrow: return "borrow";
    case OpKind::JsSpawn: return "spawn";
    case OpKind::JoinNext: return "join_next";
    case OpKind::JsAbortAll: return "abort_all";
    case OpKind::JsDrop: return "drop";
    case OpKind::PollWith: return "poll_with";
  }
  return "?";
}

const char* rwlock_kind_name(RwLockKind k) {
  switch (k) {
    case RwLockKind::Std: return "std RwLock";
    case RwLockKind::Tokio: return "tokio RwLock";
  }
  return "?";
}

const char* barrier_kind_name(BarrierKind k) {
  switch (k) {
    case BarrierKind::Std: return "std Barrier";
    case BarrierKind::Tokio: return "tokio Barrier";
  }
  return "?";
}

const char* mutex_kind_name(MutexKind k) {
  switch (k) {
    case MutexKind::Blocking: return "blocking mutex";
    case MutexKind::BlockingSend: return "blocking mutex (Send guard)";
    case MutexKind::AsyncFair: return "async mutex (fair)";
    case MutexKind::AsyncBarging: return "async mutex (barging)";
  }
  return "?";
}

uint32_t Scenario::template_of(uint32_t task) const {
  auto it = std::upper_bound(templates.begin(), templates.end(), task,
                             [](uint32_t t, const TaskTemplate& tt) { return t < tt.first; });
  return static_cast<uint32_t>(it - templates.begin()) - 1;
}

std::string Scenario::task_name(uint32_t task) const {
  const TaskTemplate& t = templates[template_of(task)];
  if (t.count == 1) return t.name;
  return t.name + "[" + std::to_string(task - t.first) + "]";
}

std::string Scenario::program_owner(uint32_t program) const {
  const Program& p = programs[program];
  switch (p.kind) {
    case ProgramKind::Task:
      return (templates[p.owner].parent >= 0 ? "future '" : "task '") + templates[p.owner].name + "'";
    case ProgramKind::DropHook: return "drop hook of '" + objects[p.owner].name + "'";
    case ProgramKind::Handler:
      return std::string(handlers[p.owner].kind == HandlerKind::Cleanup ? "cleanup handler '"
                                                                         : "event handler '") +
             handlers[p.owner].name + "'";
    case ProgramKind::Startup: return "startup";
    case ProgramKind::Thread: return "thread '" + threads[p.owner].name + "'";
    case ProgramKind::Waker: {
      static const char* const fns[] = {"wake", "wake_by_ref", "clone", "drop"};
      return "waker '" + wakers[p.owner / 4].name + "' (its " + fns[p.owner % 4] + ")";
    }
  }
  return "?";
}

std::string Scenario::thread_name(uint32_t thread) const {
  if (thread == 0) return "main";
  if (is_worker(thread)) return "worker-" + std::to_string(thread - threads.size());
  return threads[thread - 1].name;
}

namespace {

// Guards held, sorted: mutex ids; then, per rwlock r, mutexes + 2r for a
// read guard (as many entries as guards) and mutexes + 2r + 1 for its write
// guard (a relocked blocking mutex is there twice); then a RefCell's
// borrows as kCellBit | cell id, once each.
using Held = std::vector<uint32_t>;
constexpr uint32_t kCellBit = 0x80000000u;
constexpr uint32_t kNoHeld = 0xffffffffu;

// The lock state flowing through a block: `held` on the fall-through path
// (nullopt when unreachable) and the states at the Breaks of the loop being
// compiled.
struct Flow {
  std::optional<Held> held;
};

struct LoopCtx {
  std::vector<size_t> breaks;  // instruction indices to patch
  std::optional<Held> exit;    // agreed lock state at the breaks
  size_t head = 0;             // where a continue jumps (a repeat: its count's test)
  std::optional<Held> entry;   // the lock state at the head, which a continue must have
};

// A region open around the op being compiled: what leaving it runs, and how
// many loops were open when it began (a break leaves the regions opened
// inside its loop).
struct RegionCtx {
  Code end;
  size_t loops;
  uint32_t a = 0;            // the end's operand (a with_'s guard: its mutex, semaphore, cell)
  bool guard = false;        // a with_ region: its end releases the guard (b = 1)
  uint32_t held = kNoHeld;   // ... and what leaving it takes out of the lock state
};

class Compiler {
 public:
  explicit Compiler(const ScenarioSpec& spec) : spec_(spec) {}

  Scenario run() {
    sc_.name = spec_.name;
    if (spec_.name.empty()) throw ScenarioError("a scenario needs a name");
    if (spec_.latency_bound < 0)
      fail("latency bound must be non-negative, got " + std::to_string(spec_.latency_bound));
    sc_.latency_bound = spec_.latency_bound;
    if (spec_.max_live_tasks < 0)
      fail("max_live_tasks must be non-negative, got " + std::to_string(spec_.max_live_tasks));
    sc_.max_live_tasks = spec_.max_live_tasks;
    if (spec_.workers < 1 || spec_.workers > 64)
      fail("workers must be in [1, 64], got " + std::to_string(spec_.workers));
    sc_.workers = static_cast<uint32_t>(spec_.workers);
    declare_resources();
    declare_tasks_and_objects();
    declare_join_sets();
    declare_wakers();
    for (const BroadcastSpec& b : spec_.broadcasts) {
      std::vector<uint32_t> ids;
      for (const BroadcastReceiverSpec& rs : b.receivers) {
        const std::string& r = rs.holder;
        auto it = tasks_.find(r);
        if (it == tasks_.end())
          fail("broadcast '" + b.name + "': receiver '" + r + "' is not a task or future" +
               known(tasks_));
        const TaskTemplate& tt = sc_.templates[it->second];
        for (uint32_t k = 0; k < tt.count; ++k) ids.push_back(tt.first + k);
      }
      std::sort(ids.begin(), ids.end());
      if (std::adjacent_find(ids.begin(), ids.end()) != ids.end())
        fail("broadcast '" + b.name + "': a receiver is named twice (one per task or future)");
      sc_.broadcast_receivers.push_back(std::move(ids));
    }
    for (size_t i = 0; i < spec_.tasks.size(); ++i)
      compile_program(ProgramKind::Task, spec_.tasks[i].ops,
                      sc_.templates[i].program);
    for (size_t i = 0; i < spec_.futures.size(); ++i)
      compile_program(ProgramKind::Task, spec_.futures[i].ops,
                      sc_.templates[spec_.tasks.size() + i].program);
    for (size_t i = 0; i < spec_.objects.size(); ++i)
      compile_program(ProgramKind::DropHook, spec_.objects[i].on_drop,
                      sc_.objects[i].program);
    compile_wakers();
    declare_handlers();
    declare_threads();
    build_startup();
    check_join_set_tasks();
    sc_.timeless = sc_.latency_bound == 0 && sc_.timed_handlers == 0 &&
                   std::all_of(sc_.threads.begin(), sc_.threads.end(),
                               [](const ForeignThread& t) { return t.at == 0; }) &&
                   std::none_of(sc_.programs.begin(), sc_.programs.end(), [](const Program& p) {
                     return std::any_of(p.code.begin(), p.code.end(), [](const Instr& in) {
                       return in.code == Code::Sleep || in.code == Code::Compute;
                     });
                   });
    if (uint64_t(sc_.ntasks) * sc_.task_locals * sizeof(int64_t) > SpecLimits::max_task_local_bytes)
      fail("the tasks' repeat counters would take " +
           std::to_string(uint64_t(sc_.ntasks) * sc_.task_locals * sizeof(int64_t)) +
           " bytes; use fewer replicas or fewer nested repeats");
    return std::move(sc_);
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const {
    throw ScenarioError("scenario '" + spec_.name + "': " + msg);
  }

  template <class T>
  void check_names(const std::vector<T>& items, const char* sort,
                   std::map<std::string, uint32_t>& index) {
    if (items.size() > SpecLimits::max_resources)
      fail(std::string("too many ") + sort + "s (" + std::to_string(items.size()) + ")");
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string& n = items[i].name;
      if (n.empty()) fail(std::string("a ") + sort + " needs a name");
      if (!index.emplace(n, static_cast<uint32_t>(i)).second)
        fail(std::string(sort) + " '" + n + "' is declared twice");
    }
  }

  void declare_resources() {
    for (const MutexSpec& m : spec_.mutexes)
      if (static_cast<unsigned>(m.kind) > static_cast<unsigned>(MutexKind::BlockingSend))
        fail("mutex '" + m.name + "': invalid kind " + std::to_string(static_cast<unsigned>(m.kind)));
    for (const HandlerSpec& h : spec_.handlers)
      if (static_cast<unsigned>(h.kind) > static_cast<unsigned>(HandlerKind::Cleanup))
        fail("handler '" + h.name + "': invalid kind " + std::to_string(static_cast<unsigned>(h.kind)));
    check_names(spec_.mutexes, "mutex", mutexes_);
    check_names(spec_.semaphores, "semaphore", semaphores_);
    for (const auto& s : spec_.semaphores)
      if (s.permits < 0 || s.permits > SpecLimits::max_permits)
        fail("semaphore '" + s.name + "': permits must be in [0, " +
             std::to_string(SpecLimits::max_permits) + "], got " + std::to_string(s.permits));
    sc_.semaphores = spec_.semaphores;
    check_names(spec_.notifies, "notify", notifies_);
    sc_.notifies = spec_.notifies;
    check_names(spec_.rwlocks, "rwlock", rwlocks_);
    for (const RwLockSpec& r : spec_.rwlocks)
      if (static_cast<unsigned>(r.kind) > static_cast<unsigned>(RwLockKind::Tokio))
        fail("rwlock '" + r.name + "': invalid kind " + std::to_string(static_cast<unsigned>(r.kind)));
    sc_.rwlocks = spec_.rwlocks;
    check_names(spec_.condvars, "condvar", condvars_);
    sc_.condvars = spec_.condvars;
    check_names(spec_.barriers, "barrier", barriers_);
    for (const BarrierSpec& b : spec_.barriers) {
      if (static_cast<unsigned>(b.kind) > static_cast<unsigned>(BarrierKind::Tokio))
        fail("barrier '" + b.name + "': invalid kind " + std::to_string(static_cast<unsigned>(b.kind)));
      if (b.parties < 0 || b.parties > SpecLimits::max_permits)
        fail("barrier '" + b.name + "': parties must be in [0, " +
             std::to_string(SpecLimits::max_permits) + "], got " + std::to_string(b.parties));
    }
    sc_.barriers = spec_.barriers;
    check_names(spec_.channels, "channel", channels_);
    for (const auto& c : spec_.channels) {
      const std::string what = (c.oneshot ? "oneshot '" : "channel '") + c.name + "': ";
      if (c.capacity < 0 || c.capacity > SpecLimits::max_permits)
        fail(what + "capacity must be in [0 (unbounded), " +
             std::to_string(SpecLimits::max_permits) + "], got " + std::to_string(c.capacity));
      if (c.bound < 0) fail(what + "bound must be non-negative, got " + std::to_string(c.bound));
      if (c.bound > 0 && c.capacity > 0)
        fail(what + "a bound is for an unbounded channel (a bounded one holds its capacity)");
      if (c.senders < 1 || c.senders > SpecLimits::max_permits)
        fail(what + "senders must be in [1, " + std::to_string(SpecLimits::max_permits) +
             "], got " + std::to_string(c.senders));
      if (c.oneshot && (c.capacity != 0 || c.senders != 1))
        fail(what + "a oneshot has one sender and no capacity");
    }
    sc_.channels = spec_.channels;
    check_names(spec_.broadcasts, "broadcast", broadcasts_);
    for (BroadcastSpec b : spec_.broadcasts) {
      const std::string what = (b.watch ? "watch '" : "broadcast '") + b.name + "': ";
      if (b.watch && (b.capacity != 1 || b.senders != 1))
        fail(what + "a watch holds one value and has one Sender");
      if (!b.watch && b.initial != 0)
        fail(what + "only a watch has an initial value (a broadcast starts empty)");
      if (b.initial < INT32_MIN || b.initial > INT32_MAX)
        fail(what + "the initial value is a small integer (32-bit), got " + std::to_string(b.initial));
      if (b.capacity < 1 || b.capacity > (int64_t{1} << 20))
        fail(what + "capacity must be in [1, " + std::to_string(int64_t{1} << 20) + "], got " +
             std::to_string(b.capacity));
      if (b.senders < 1 || b.senders > SpecLimits::max_permits)
        fail(what + "senders must be in [1, " + std::to_string(SpecLimits::max_permits) +
             "], got " + std::to_string(b.senders));
      int64_t cap = 1;  // tokio rounds it up: capacity.next_power_of_two()
      while (cap < b.capacity) cap <<= 1;
      b.capacity = cap;
      sc_.broadcasts.push_back(std::move(b));
    }
    check_names(spec_.queues, "wait queue", queues_);
    check_names(spec_.counters, "counter", counters_);
    for (const auto& c : spec_.counters)
      if (c.bound < 0) fail("counter '" + c.name + "': bound must be non-negative, got " +
                            std::to_string(c.bound));
    check_names(spec_.atomics, "atomic", atomics_);
    for (auto& [name, i] : atomics_) {
      if (counters_.count(name)) fail("'" + name + "' names both a counter and an atomic");
      i += static_cast<uint32_t>(spec_.counters.size());  // atomics' cells follow the counters'
    }
    check_names(spec_.refcells, "refcell", refcells_);
    sc_.refcells = spec_.refcells;
    check_names(spec_.connections, "connection", connections_);
    check_names(spec_.threads, "thread", threads_);
    for (const auto& c : spec_.connections) sc_.connections.push_back(c.name);
    sc_.mutexes = spec_.mutexes;
    for (const auto& q : spec_.queues) {
      sc_.queues.push_back(q.name);
      sc_.queue_slot.push_back(q.slot ? 1 : 0);
    }
    sc_.counters = spec_.counters;
    sc_.first_atomic = static_cast<uint32_t>(sc_.counters.size());
    for (const AtomicSpec& a : spec_.atomics) sc_.counters.push_back(CounterSpec{a.name, a.initial, 0});
  }

  void declare_tasks_and_objects() {
    check_names(spec_.tasks, "task", tasks_);
    for (size_t i = 0; i < spec_.futures.size(); ++i) {
      const FutureSpec& f = spec_.futures[i];
      if (f.name.empty()) fail("a future needs a name");
      if (!tasks_.emplace(f.name, static_cast<uint32_t>(spec_.tasks.size() + i)).second)
        fail("'" + f.name + "' names a task or future twice");
    }
    check_names(spec_.objects, "object", objects_);
    for (const auto& [name, i] : objects_)
      if (tasks_.count(name))
        fail("'" + name + "' names both a task and an object; drop('" + name + "') would be ambiguous");
    int64_t total = 0;
    for (size_t i = 0; i < spec_.tasks.size(); ++i) {
      const TaskSpec& t = spec_.tasks[i];
      if (t.count < 1)
        fail("task '" + t.name + "': count must be at least 1, got " + std::to_string(t.count));
      if (t.count > SpecLimits::max_tasks || total + t.count > SpecLimits::max_tasks)
        fail("task '" + t.name + "': count " + std::to_string(t.count) +
             " exceeds the limit of " + std::to_string(SpecLimits::max_tasks) + " tasks");
      TaskTemplate tt;
      tt.name = t.name;
      tt.first = static_cast<uint32_t>(total);
      tt.count = static_cast<uint32_t>(t.count);
      tt.autostart = t.autostart;
      tt.daemon = t.daemon;
      if (t.mask > 1) fail("task '" + t.name + "': initial mask must be 0 or 1");
      tt.mask = t.mask;
      tt.must_finish = t.must_finish;
      tt.kill_points = t.kill_points;
      if (t.mask || t.must_finish || t.kill_points) sc_.exceptions = true;
      tt.program = new_program(ProgramKind::Task, static_cast<uint32_t>(i));
      sc_.templates.push_back(std::move(tt));
      total += t.count;
    }
    for (size_t i = 0; i < spec_.futures.size(); ++i) {
      const FutureSpec& f = spec_.futures[i];
      auto owner = tasks_.find(f.owner);
      if (owner == tasks_.end() || owner->second >= spec_.tasks.size())
        fail("future '" + f.name + "': owner '" + f.owner + "' is not a task" + known(tasks_));
      TaskTemplate& ot = sc_.templates[owner->second];
      if (ot.count != 1)
        fail("future '" + f.name + "': its owner '" + f.owner + "' has " + std::to_string(ot.count) +
             " replicas; a future has one owner");
      TaskTemplate tt;
      tt.name = f.name;
      tt.first = static_cast<uint32_t>(total);
      tt.autostart = false;
      tt.parent = ot.first;
      tt.program = new_program(ProgramKind::Task, static_cast<uint32_t>(sc_.templates.size()));
      ot.futures.push_back(tt.first);
      sc_.templates.push_back(std::move(tt));
      total += 1;
    }
    sc_.ntasks = static_cast<uint32_t>(total);
    for (size_t i = 0; i < spec_.objects.size(); ++i) {
      const ObjectSpec& o = spec_.objects[i];
      Object obj;
      obj.name = o.name;
      obj.program = new_program(ProgramKind::DropHook, static_cast<uint32_t>(i));
      if (!o.owner.empty()) {
        auto it = tasks_.find(o.owner);
        if (it == tasks_.end())
          fail("object '" + o.name + "': owner '" + o.owner + "' is not a task" +
               known(tasks_));
        TaskTemplate& tt = sc_.templates[it->second];
        if (tt.count != 1)
          fail("object '" + o.name + "': its owner '" + o.owner + "' has " +
               std::to_string(tt.count) + " replicas; an object has one owner");
        tt.owned.push_back(static_cast<uint32_t>(i));
      }
      sc_.objects.push_back(std::move(obj));
    }
  }

  void declare_join_sets() {
    check_names(spec_.join_sets, "join set", join_sets_);
    sc_.join_set_of.assign(sc_.templates.size(), Scenario::kNoOwner);
    for (const JoinSetSpec& s : spec_.join_sets) {
      sc_.join_sets.push_back(s.name);
      uint32_t owner = Scenario::kNoOwner;
      if (!s.owner.empty()) {
        auto it = tasks_.find(s.owner);
        if (it == tasks_.end() || it->second >= spec_.tasks.size())
          fail("join set '" + s.name + "': owner '" + s.owner + "' is not a task" + known(tasks_));
        const TaskTemplate& tt = sc_.templates[it->second];
        if (tt.count != 1)
          fail("join set '" + s.name + "': its owner '" + s.owner + "' has " +
               std::to_string(tt.count) + " replicas; a JoinSet has one owner");
        owner = tt.first;
      }
      sc_.join_set_owner.push_back(owner);
    }
  }

  // A task spawned into a JoinSet has no JoinHandle of its own to spawn it
  // again or join it with: the set holds it.
  void check_join_set_tasks() {
    for (uint32_t t = 0; t < sc_.join_set_of.size(); ++t) {
      if (sc_.join_set_of[t] == Scenario::kNoOwner) continue;
      const std::string what = "task '" + sc_.templates[t].name + "' is spawned into join set '" +
                               sc_.join_sets[sc_.join_set_of[t]] + "'";
      if (auto it = plain_spawned_.find(t); it != plain_spawned_.end())
        fail(what + " and spawned on its own at " + it->second + "; spawn it one way");
      if (auto it = joined_.find(t); it != joined_.end())
        fail(what + ", which holds its JoinHandle: join it with join_next, not at " + it->second);
    }
  }

  // The JoinSet an op names; the program must be its owner's (the task's
  // own or one of its futures': the set is used through &mut). An owner
  // left undeclared is the first task found using it.
  uint32_t join_set(const std::string& where, const OpSpec& op) {
    const uint32_t s = resolve(join_sets_, "join set", where, op);
    const Program& p = sc_.programs[prog_];
    if (p.kind != ProgramKind::Task)
      fail_at(where, op, "a JoinSet is used by the task that holds it (or its futures), not by " +
                             owner_desc_);
    const TaskTemplate& tt = sc_.templates[p.owner];
    const uint32_t task = tt.parent >= 0 ? static_cast<uint32_t>(tt.parent) : tt.first;
    if (tt.parent < 0 && tt.count != 1)
      fail_at(where, op, "task '" + tt.name + "' has " + std::to_string(tt.count) +
                             " replicas; a JoinSet has one owner");
    uint32_t& owner = sc_.join_set_owner[s];
    if (owner == Scenario::kNoOwner) owner = task;
    if (owner != task)
      fail_at(where, op, "join set '" + op.target + "' belongs to task '" + sc_.task_name(owner) +
                             "' (a JoinSet is used through &mut: one task holds it)");
    return s;
  }

  void declare_handlers() {
    std::map<std::string, uint32_t> index;
    check_names(spec_.handlers, "handler", index);
    std::vector<size_t> order(spec_.handlers.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    // A cleanup attached to a connection runs when the connection closes
    // (its pool is destroyed), not at a time: those come after the timed ones.
    auto on_close = [&](size_t i) {
      return spec_.handlers[i].kind == HandlerKind::Cleanup && !spec_.handlers[i].connection.empty();
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      if (on_close(x) != on_close(y)) return on_close(y);
      return spec_.handlers[x].at < spec_.handlers[y].at;
    });
    sc_.timed_handlers = static_cast<uint32_t>(
        std::count_if(order.begin(), order.end(), [&](size_t i) { return !on_close(i); }));
    for (size_t k = 0; k < order.size(); ++k) {
      const HandlerSpec& h = spec_.handlers[order[k]];
      if (h.at < 0)
        fail("handler '" + h.name + "': time must be non-negative, got " + std::to_string(h.at));
      Handler hd;
      hd.name = h.name;
      hd.kind = h.kind;
      hd.at = h.at;
      hd.program = new_program(ProgramKind::Handler, static_cast<uint32_t>(k));
      if (!h.connection.empty()) {
        auto c = connections_.find(h.connection);
        if (c == connections_.end())
          fail("handler '" + h.name + "': unknown connection '" + h.connection + "'" +
               known(connections_));
        hd.connection = c->second;
      }
      sc_.handlers.push_back(hd);
      compile_program(ProgramKind::Handler, h.ops, hd.program);
    }
  }

  void declare_threads() {
    std::map<std::string, uint32_t>& index = threads_;
    if (index.count("main")) fail("'main' is the loop thread's name; name the thread otherwise");
    if (spec_.threads.size() > 250) fail("too many threads (at most 250)");
    for (size_t i = 0; i < spec_.threads.size(); ++i) {
      const ThreadSpec& t = spec_.threads[i];
      if (t.at < 0)
        fail("thread '" + t.name + "': start time must be non-negative, got " + std::to_string(t.at));
      ForeignThread ft;
      ft.name = t.name;
      ft.at = t.at;
      ft.program = new_program(ProgramKind::Thread, static_cast<uint32_t>(i));
      ft.autostart = t.autostart;
      sc_.threads.push_back(ft);
      compile_program(ProgramKind::Thread, t.ops, ft.program);
    }
  }

  void build_startup() {
    sc_.startup = new_program(ProgramKind::Startup, 0);
    Program& p = sc_.programs[sc_.startup];
    for (uint32_t i = 0; i < sc_.templates.size(); ++i) {
      if (!sc_.templates[i].autostart) continue;
      Instr in;
      in.code = Code::SpawnAll;
      in.a = i;
      p.code.push_back(in);
      p.where.push_back("startup: spawn '" + sc_.templates[i].name + "'");
    }
    p.code.push_back(Instr{});
    p.where.push_back("startup: end");
    p.nlocals = 1;  // the replica index of SpawnAll
  }

  // User-defined wakers (exec/primitives/waker.hpp): four programs each, run
  // where a primitive calls them; the tasks that name one at the start.
  // Then checks (compile_wakers): what a waker's programs may not do where
  // the real primitive storing it runs them under a lock or reads its state
  // again (check_waker_stores, a broadcast's tail lock), and `wait`, which
  // stores no Rust waker, in a task that may be polled with one.
  void declare_wakers() {
    check_names(spec_.wakers, "waker", wakers_);
    if (spec_.wakers.size() > 60000) fail("too many wakers (at most 60000)");
    for (size_t w = 0; w < spec_.wakers.size(); ++w) {
      const WakerSpec& ws = spec_.wakers[w];
      WakerDef d;
      d.name = ws.name;
      for (uint32_t k = 0; k < 4; ++k)
        d.program[k] = new_program(ProgramKind::Waker, static_cast<uint32_t>(w * 4 + k));
      sc_.wakers.push_back(d);
    }
    for (size_t i = 0; i < spec_.tasks.size(); ++i) {
      const TaskSpec& t = spec_.tasks[i];
      if (t.waker.empty()) continue;
      auto it = wakers_.find(t.waker);
      if (it == wakers_.end())
        fail("task '" + t.name + "': unknown waker '" + t.waker + "'" + known(wakers_));
      sc_.templates[i].waker = static_cast<uint16_t>(it->second + 1);
    }
  }

  void compile_wakers() {
    for (size_t w = 0; w < spec_.wakers.size(); ++w) {
      const WakerSpec& ws = spec_.wakers[w];
      const std::vector<OpSpec>* fns[] = {&ws.wake, &ws.wake_by_ref, &ws.clone, &ws.drop};
      for (uint32_t k = 0; k < 4; ++k)
        compile_program(ProgramKind::Waker, *fns[k], sc_.wakers[w].program[k]);
    }
    if (spec_.wakers.empty()) return;
    // The programs of the tasks that may be polled with a user-defined
    // waker (one named at its start, or a poll_with in its program), and
    // of their futures: what they store wakers at.
    std::vector<std::pair<uint32_t, uint32_t>> custom;  // (template, program)
    std::vector<bool> oneshot_rx(sc_.channels.size(), false);  // received there
    bool sleeps = false;
    for (size_t i = 0; i < spec_.tasks.size(); ++i) {
      const TaskTemplate& tt = sc_.templates[i];
      const auto& code = sc_.programs[tt.program].code;
      const bool polled_with = tt.waker != 0 || std::any_of(code.begin(), code.end(), [](const Instr& in) {
                                 return in.code == Code::PollWith;
                               });
      if (!polled_with) continue;
      custom.emplace_back(static_cast<uint32_t>(i), tt.program);
      for (uint32_t fut : tt.futures)
        custom.emplace_back(static_cast<uint32_t>(i), sc_.templates[sc_.template_of(fut)].program);
    }
    std::set<uint32_t> received;  // broadcasts they receive from
    for (const auto& [t, pr] : custom) {
      const Program& p = sc_.programs[pr];
      for (size_t pc = 0; pc < p.code.size(); ++pc) {
        const Instr& in = p.code[pc];
        if (in.code == Code::WaitTask && in.v >= 0)
          fail(p.where[pc] + ": task '" + sc_.templates[t].name +
               "' may be polled with a user-defined waker, and wait is Control.Concurrent.Async's "
               "wait on a Haskell thread, not a Rust JoinHandle: no Rust waker is stored there, "
               "so a user-defined one has no meaning; join the task (ops.join) to await a Rust task");
        if (in.code == Code::Recv && sc_.channels[in.a].oneshot) oneshot_rx[in.a] = true;
        if (in.code == Code::BRecv && !sc_.broadcasts[in.a].watch) received.insert(in.a);
        sleeps |= in.code == Code::Sleep;
      }
    }
    for (size_t w = 0; w < spec_.wakers.size(); ++w) check_waker_stores(w, oneshot_rx, sleeps);
    // A broadcast's send and last drop_sender wake the waiters under the
    // tail lock (tokio 1.24.2 broadcast.rs Tail::notify_rx: `waker.wake()`
    // inside the loop over the list, no WakeList): a user-defined `wake`
    // there that sends on, subscribes to or drops a sender of that channel
    // re-locks the tail (std's Mutex: deadlock or panic), which the model
    // does not have. Refused when a task polled with a user-defined waker
    // receives from it.
    for (size_t w = 0; w < spec_.wakers.size() && !received.empty(); ++w) {
      const Program& p = sc_.programs[sc_.wakers[w].program[static_cast<unsigned>(WakerFn::Wake)]];
      for (size_t pc = 0; pc < p.code.size(); ++pc) {
        const Code c = p.code[pc].code;
        if ((c == Code::BSend || c == Code::BSubscribe || c == Code::BDropSender) &&
            received.count(p.code[pc].a))
          fail(p.where[pc] + ": a waker's wake runs under broadcast '" +
               sc_.broadcasts[p.code[pc].a].name +
               "''s tail lock when its send or last drop_sender wakes a receiver (tokio's "
               "Tail::notify_rx), which the model does not have; a task polled with a "
               "user-defined waker receives from it, so its send, subscribe or drop_sender "
               "cannot be used here");
      }
    }
  }

  // A user-defined waker's clone and drop programs may not do what the
  // real primitive storing the waker would see differently from the model
  // (primitives/waker.hpp):
  //  - tokio and futures clone a stored waker, and drop the one it
  //    replaces, while holding that primitive's own wait-list lock, which
  //    the model does not have: a clone or drop program using a primitive
  //    that stores wakers could deadlock the real program where the model
  //    goes on (a wrong ok);
  //  - a oneshot's poll_recv runs them with RX_TASK_SET unset and reads its
  //    state again after (oneshot.rs lines 1143-1184): a send or a Sender's
  //    drop there is seen by that poll (Ready, no wake_by_ref) where the
  //    model wakes the task and returns Pending;
  //  - a Sleep dropped before it fired drops its waker under tokio's timer
  //    driver lock (runtime/time/mod.rs clear_entry): a drop program that
  //    drops a sleeping task or future (directly or in a Drop hook) takes
  //    that lock again.
  void check_waker_stores(size_t w, const std::vector<bool>& oneshot_rx, bool sleeps) {
    for (uint32_t k : {2u, 3u}) {
      const char* fn = k == 2 ? "clone" : "drop";
      const Program& p = sc_.programs[sc_.wakers[w].program[k]];
      for (size_t pc = 0; pc < p.code.size(); ++pc) {
        const Instr& in = p.code[pc];
        const Code c = in.code;
        // A bounded channel's senders wait in its semaphore: try_recv
        // (add_permit) and close take that wait list's lock.
        const bool bounded_chan =
            (c == Code::TryRecv || c == Code::ChanClose) && sc_.channels[in.a].capacity > 0;
        // A broadcast's send, subscribe and last drop_sender take its tail
        // lock (broadcast.rs send, new_receiver, close_channel); a watch's
        // send and drop_sender take its Notify's (watch.rs send_modify,
        // Drop for Sender: notify_waiters). tokio's RwLock unlock is its
        // batch semaphore's add_permits (the wait-list lock).
        const bool bcast = c == Code::BSend || c == Code::BRecv || c == Code::BDropSender ||
                           (c == Code::BSubscribe && !sc_.broadcasts[in.a].watch);
        const bool tokio_rw =
            (c == Code::RwLock || c == Code::RwUnlock) && sc_.rwlocks[in.a].kind == RwLockKind::Tokio;
        if (c == Code::ALock || c == Code::AUnlock || c == Code::Acquire || c == Code::Release ||
            c == Code::Notified || c == Code::NotifyOne || c == Code::NotifyWaiters ||
            c == Code::Register || c == Code::Unregister || c == Code::Wake || c == Code::WakeAll ||
            bounded_chan || bcast || tokio_rw)
          fail(p.where[pc] + ": a waker's " + fn +
               " runs under the wait-list lock of the primitive storing it (tokio, futures), "
               "which the model does not have; a primitive that stores wakers (an async "
               "mutex, a semaphore, a Notify, a wait queue, a bounded channel's try_recv or "
               "close, a broadcast or watch channel's send, subscribe or drop_sender, a tokio "
               "RwLock) cannot be used here");
        if ((c == Code::Send || c == Code::DropSender) && sc_.channels[in.a].oneshot &&
            oneshot_rx[in.a])
          fail(p.where[pc] + ": a waker's " + fn + " may not " +
               (c == Code::Send ? "send on" : "drop the sender of") + " oneshot '" +
               sc_.channels[in.a].name +
               "', which a task polled with a user-defined waker receives: tokio's poll_recv "
               "runs the " + fn + " with RX_TASK_SET unset and reads the state again after it "
               "(that poll sees the value, no wake_by_ref runs), which the model does not replay");
      }
      if (k == 3 && sleeps) {
        std::vector<bool> seen(sc_.objects.size(), false);
        if (const std::string where = drops_sleeper(sc_.wakers[w].program[k], seen); !where.empty())
          fail(where + ": a waker's drop runs under tokio's timer driver lock where a Sleep "
               "is dropped before it fired (runtime/time/mod.rs clear_entry); dropping a task "
               "that sleeps there takes that lock again, a deadlock the model does not have");
      }
    }
  }

  // Where program `pr` (or a Drop hook of an object it drops) drops a task
  // or future that may sleep: its place, or "".
  std::string drops_sleeper(uint32_t pr, std::vector<bool>& seen) {
    const Program& p = sc_.programs[pr];
    for (size_t pc = 0; pc < p.code.size(); ++pc) {
      const Instr& in = p.code[pc];
      if (in.code == Code::DropObject && !seen[in.a]) {
        seen[in.a] = true;
        if (std::string w = drops_sleeper(sc_.objects[in.a].program, seen); !w.empty()) return w;
      }
      if (in.code != Code::DropTask) continue;
      const TaskTemplate& tt = sc_.templates[sc_.template_of(in.a)];
      std::vector<uint32_t> progs{tt.program};
      for (uint32_t fut : tt.futures) progs.push_back(sc_.templates[sc_.template_of(fut)].program);
      for (uint32_t q : progs)
        for (const Instr& x : sc_.programs[q].code)
          if (x.code == Code::Sleep) return p.where[pc];
    }
    return "";
  }

  uint32_t new_program(ProgramKind kind, uint32_t owner) {
    Program p;
    p.kind = kind;
    p.owner = owner;
    sc_.programs.push_back(std::move(p));
    return static_cast<uint32_t>(sc_.programs.size() - 1);
  }

  static std::string known(const std::map<std::string, uint32_t>& m) {
    if (m.empty()) return " (none declared)";
    std::string s = " (known: ";
    bool first = true;
    for (const auto& [k, v] : m) {
      if (!first) s += ", ";
      s += k;
      first = false;
    }
    return s + ")";
  }

  // ---- one program ----------------------------------------------------

  void compile_program(ProgramKind kind, const std::vector<OpSpec>& ops, uint32_t program) {
    prog_ = program;
    kind_ = kind;
    locals_ = 0;
    owner_desc_ = sc_.program_owner(program);
    loops_.clear();
    regions_.clear();
    scoped_.clear();
    returned_ = kNoLocal;
    Flow f;
    f.held = Held{};
    block(ops, "", 0, f);
    if (f.held && !f.held->empty()) {
      const uint32_t h = f.held->front();
      if (h & kCellBit)
        fail(owner_desc_ + ": ends holding a borrow of '" + sc_.refcells[h & ~kCellBit].name +
             "'; end it (end_borrow) before the end");
      fail(owner_desc_ + ": ends holding " + held_name(h) + "; unlock it before the end");
    }
    emit(Instr{}, owner_desc_ + " end");
    Program& p = sc_.programs[program];
    p.nlocals = locals_;
    if (kind == ProgramKind::Task) sc_.task_locals = std::max(sc_.task_locals, locals_);
    if (p.code.size() > SpecLimits::max_ops) fail(owner_desc_ + ": too many ops");
  }

  size_t emit(const Instr& in, const std::string& where) {
    Program& p = sc_.programs[prog_];
    p.code.push_back(in);
    p.where.push_back(where);
    return p.code.size() - 1;
  }

  size_t here() const { return sc_.programs[prog_].code.size(); }
  void patch(size_t at, size_t target) {
    sc_.programs[prog_].code[at].jump = static_cast<uint32_t>(target);
  }

  // What a Held entry names, for messages: "'m'", "a read guard of 'rw'",
  // "a borrow of 'cell'".
  std::string held_name(uint32_t id) const {
    if (id & kCellBit) return "a borrow of '" + sc_.refcells[id & ~kCellBit].name + "'";
    const uint32_t nm = static_cast<uint32_t>(sc_.mutexes.size());
    if (id < nm) return "'" + sc_.mutexes[id].name + "'";
    const uint32_t r = (id - nm) / 2;
    return std::string((id - nm) % 2 ? "the write guard of '" : "a read guard of '") +
           sc_.rwlocks[r].name + "'";
  }
  uint32_t rw_guard(uint32_t r, bool write) const {
    return static_cast<uint32_t>(sc_.mutexes.size()) + 2 * r + (write ? 1 : 0);
  }
  static bool holds_id(const Held& h, uint32_t id) { return std::binary_search(h.begin(), h.end(), id); }
  static void hold(Held& h, uint32_t id) { h.insert(std::upper_bound(h.begin(), h.end(), id), id); }

  [[noreturn]] void fail_at(const std::string& where, const OpSpec& op, const std::string& msg) {
    std::string desc = op_name(op.kind);
    if (!op.target.empty()) desc += " '" + op.target + "'";
    fail(owner_desc_ + ", " + where + " (" + desc + "): " + msg);
  }

  uint32_t resolve(const std::map<std::string, uint32_t>& m, const char* sort,
                   const std::string& where, const OpSpec& op) {
    auto it = m.find(op.target);
    if (it == m.end()) {
      if (op.target.empty()) fail_at(where, op, std::string("names no ") + sort);
      fail_at(where, op, std::string("unknown ") + sort + " '" + op.target + "'" + known(m));
    }
    return it->second;
  }

  // A future this program's task owns (only its owner may poll it).
  uint32_t owned_future(const std::string& where, const OpSpec& op) {
    uint32_t t = resolve(tasks_, "future", where, op);
    const TaskTemplate& tt = sc_.templates[t];
    if (tt.parent < 0) fail_at(where, op, "'" + op.target + "' is a task, not a future; spawn it");
    const Program& p = sc_.programs[prog_];
    if (p.kind != ProgramKind::Task || sc_.templates[p.owner].first != tt.parent)
      fail_at(where, op, "future '" + op.target + "' belongs to task '" +
                             sc_.task_name(static_cast<uint32_t>(tt.parent)) + "'");
    return tt.first;
  }

  int64_t duration_ms(const std::string& where, const OpSpec& op) {
    if (op.value < 0 || op.value > SpecLimits::max_sleep_ms)
      fail_at(where, op, "duration must be in [0, " + std::to_string(SpecLimits::max_sleep_ms) +
                             "] ms, got " + std::to_string(op.value));
    return op.value;
  }

  uint32_t single_task(const std::string& where, const OpSpec& op) {
    uint32_t t = resolve(tasks_, "task", where, op);
    const TaskTemplate& tt = sc_.templates[t];
    if (tt.count != 1)
      fail_at(where, op, "task '" + tt.name + "' has " + std::to_string(tt.count) +
                             " replicas; name one task");
    return tt.first;
  }

  void block(const std::vector<OpSpec>& ops, const std::string& prefix, int depth, Flow& f) {
    if (depth > SpecLimits::max_nesting)
      fail(owner_desc_ + ", op #" + prefix + ": nests deeper than " +
           std::to_string(SpecLimits::max_nesting) + " levels");
    for (size_t i = 0; i < ops.size(); ++i) {
      std::string where = "op #" + prefix + std::to_string(i);
      op(ops[i], where, prefix + std::to_string(i) + ".", depth, f);
    }
  }

  // How an instruction is named in explanations: "task 'conn' op #0.0 (lock 'inner')".
  std::string label(const std::string& where, const OpSpec& op) const {
    std::string desc = op_name(op.kind);
    if (!op.target.empty()) desc += " '" + op.target + "'";
    if (op.kind == OpKind::JsSpawn) desc = "spawn '" + op.text + "' into join set '" + op.target + "'";
    if (op.kind == OpKind::If) desc += " on '" + op.cond.counter + "'";
    if ((is_atomic_op(op.kind) || op.kind == OpKind::WatchBorrow) && branches(op))
      desc += ", branching on what it returned";
    if ((op.kind == OpKind::Recv || op.kind == OpKind::BcastRecv) && recv_branches(op))
      desc += ", branching on what it received";
    if (op.kind == OpKind::JoinNext && recv_branches(op))
      desc += ", branching on whether it joined '" + op.cond.counter + "'";
    return owner_desc_ + " " + where + " (" + desc + ")";
  }

  void require_await_allowed(const std::string& where, const OpSpec& op) {
    if (kind_ != ProgramKind::Task)
      fail_at(where, op, owner_desc_ + " runs to completion and cannot await");
  }

  void op(const OpSpec& op, const std::string& where, const std::string& prefix, int depth,
          Flow& f) {
    if (static_cast<unsigned>(op.kind) > static_cast<unsigned>(OpKind::PollWith))
      fail(owner_desc_ + ", " + where + ": invalid op kind " +
           std::to_string(static_cast<unsigned>(op.kind)));
    if (!op.then.empty() && op.kind != OpKind::Recv && op.kind != OpKind::JoinNext &&
        op.kind != OpKind::BcastRecv)
      fail_at(where, op, std::string(op_name(op.kind)) + " has no value to branch on with a "
                         "then-block (recv has: the value it receives)");
    if (!op.lagged.empty() && op.kind != OpKind::BcastRecv)
      fail_at(where, op, std::string(op_name(op.kind)) + " never lags: only a broadcast recv "
                         "has an on_lagged block");
    if ((op.kind == OpKind::If || is_atomic_op(op.kind) || op.kind == OpKind::Recv ||
         op.kind == OpKind::JoinNext || op.kind == OpKind::BcastRecv ||
         op.kind == OpKind::WatchBorrow) &&
        static_cast<unsigned>(op.cond.cmp) > static_cast<unsigned>(Cmp::Ge))
      fail(owner_desc_ + ", " + where + ": invalid comparison " +
           std::to_string(static_cast<unsigned>(op.cond.cmp)));
    Instr in;
    switch (op.kind) {
      case OpKind::Print:
        in.code = Code::Print;
        in.a = static_cast<uint32_t>(sc_.texts.size());
        sc_.texts.push_back(op.text);
        emit(in, label(where, op));
        return;
      case OpKind::Lock:
      case OpKind::Unlock: {
        uint32_t m = resolve(mutexes_, "mutex", where, op);
        bool blocking = is_blocking(sc_.mutexes[m].kind);
        bool lock = op.kind == OpKind::Lock;
        if (!blocking && lock) require_await_allowed(where, op);
        in.code = lock ? (blocking ? Code::BLock : Code::ALock)
                       : (blocking ? Code::BUnlock : Code::AUnlock);
        in.a = m;
        if (f.held) {
          Held& h = *f.held;
          auto it = std::lower_bound(h.begin(), h.end(), m);
          bool holds = it != h.end() && *it == m;
          if (lock && holds && !blocking)
            fail_at(where, op, "locks '" + op.target + "' again while holding it");
          if (!lock && !holds) fail_at(where, op, "unlocks '" + op.target + "' which it does not hold");
          if (!lock && count(h, m) <= count(scoped_, m))
            fail_at(where, op, "'" + op.target + "' is the guard of a with_ around it, which "
                               "unlocks it on the way out; do not unlock it inside");
          if (lock) h.insert(it, m);
          else h.erase(it);
        }
        emit(in, label(where, op));
        return;
      }
      case OpKind::Seq:
        block(op.body, prefix, depth + 1, f);
        return;
      case OpKind::Notified:
      case OpKind::NotifyOne:
      case OpKind::NotifyWaiters:
        in.a = resolve(notifies_, "notify", where, op);
        if (op.kind == OpKind::Notified) require_await_allowed(where, op);
        in.code = op.kind == OpKind::Notified    ? Code::Notified
                  : op.kind == OpKind::NotifyOne ? Code::NotifyOne
                                                 : Code::NotifyWaiters;
        emit(in, label(where, op));
        return;
      case OpKind::Send:
      case OpKind::Recv: {
        in.a = resolve(channels_, "channel", where, op);
        const ChannelSpec& c = sc_.channels[in.a];
        // A bounded send may wait for room; an unbounded or oneshot send never does.
        if (op.kind == OpKind::Recv || c.capacity > 0) require_await_allowed(where, op);
        in.code = op.kind == OpKind::Send ? Code::Send : Code::Recv;
        const bool branch = op.kind == OpKind::Recv && recv_branches(op);
        if (op.kind == OpKind::Send) {
          in.b = message_value(where, op);
          if (!op.orelse.empty() || !op.cond.counter.empty())
            fail_at(where, op, "send returns nothing to branch on (a recv branches on the "
                               "value it receives)");
        } else {
          check_own_branch(where, op);
          in.b = branch ? returned_local() : kNoLocal;
        }
        size_t at = emit(in, label(where, op));
        Flow closed_f = f;
        block(op.body, prefix + "on_closed.", depth + 1, closed_f);
        if (!branch) {
          patch(at, here());
          f.held = join(f.held, closed_f.held, where, op);
          return;
        }
        // Recv(jump: test) on_closed... Jump(end) test: JumpUnlessLocal then... else... end:
        Instr j;
        j.code = Code::Jump;
        const size_t jclosed = emit(j, label(where, op) + ", end of on_closed");
        patch(at, here());
        value_test(op, op.then, in.b, op.cond.value, where, prefix, depth, f);
        patch(jclosed, here());
        f.held = join(f.held, closed_f.held, where, op);
        return;
      }
      case OpKind::BcastSend: {
        // Send(jump: end) on_closed... end: a send never waits.
        in.a = resolve(broadcasts_, "broadcast", where, op);
        in.code = Code::BSend;
        in.b = message_value(where, op);
        if (!op.orelse.empty() || !op.cond.counter.empty())
          fail_at(where, op, "a broadcast send has only an on_closed block");
        const size_t at = emit(in, label(where, op));
        Flow closed_f = f;
        block(op.body, prefix + "on_closed.", depth + 1, closed_f);
        patch(at, here());
        f.held = join(f.held, closed_f.held, where, op);
        return;
      }
      case OpKind::BcastRecv: {
        // BRecv(jump: test or end, v: lagged) on_closed... [Jump(end)] [on_lagged... [Jump(end)]]
        // [test: JumpUnlessLocal then... else...] end:  (v == end when it has no on_lagged)
        in.a = resolve(broadcasts_, "broadcast", where, op);
        require_await_allowed(where, op);
        const bool watch = sc_.broadcasts[in.a].watch;
        if (watch && !op.lagged.empty())
          fail_at(where, op, "watch '" + op.target + "': changed() never lags (no on_lagged)");
        const bool branch = recv_branches(op);
        if (watch && (branch || !op.cond.counter.empty()))
          fail_at(where, op, "watch '" + op.target + "': changed() returns no value to branch "
                             "on (reading it, borrow(), is not modelled)");
        check_own_branch(where, op);
        if (branch && op.cond.counter.empty())
          fail_at(where, op, "its orelse is the else-branch of a test on the value received, "
                             "and it has no test (cond); a Lagged handler is its on_lagged block");
        in.code = Code::BRecv;
        in.b = branch ? returned_local() : kNoLocal;
        const size_t at = emit(in, label(where, op));
        Flow closed_f = f, lagged_f = f;
        block(op.body, prefix + "on_closed.", depth + 1, closed_f);
        const bool has_lagged = !op.lagged.empty();
        std::vector<size_t> to_end;
        Instr j;
        j.code = Code::Jump;
        if (has_lagged || branch) to_end.push_back(emit(j, label(where, op) + ", end of on_closed"));
        const size_t lagged_at = here();
        block(op.lagged, prefix + "on_lagged.", depth + 1, lagged_f);
        if (has_lagged && branch) to_end.push_back(emit(j, label(where, op) + ", end of on_lagged"));
        patch(at, here());  // a value: its test, or the end
        if (branch) value_test(op, op.then, in.b, op.cond.value, where, prefix, depth, f);
        sc_.programs[prog_].code[at].v = static_cast<int64_t>(has_lagged ? lagged_at : here());
        for (size_t e : to_end) patch(e, here());
        f.held = join(join(f.held, closed_f.held, where, op), lagged_f.held, where, op);
        return;
      }
      case OpKind::JsSpawn: {
        in.a = join_set(where, op);
        OpSpec probe;  // errors name the task as the op's target
        probe.kind = OpKind::Spawn;
        probe.target = op.text;
        const uint32_t tmpl = resolve(tasks_, "task", where, probe);
        const TaskTemplate& tt = sc_.templates[tmpl];
        if (tt.parent >= 0)
          fail_at(where, op, "'" + op.text + "' is a future: its owner awaits or selects it");
        if (tt.autostart)
          fail_at(where, op, "task '" + op.text +
                                 "' starts at startup; declare it with autostart=False to spawn it");
        uint32_t& set = sc_.join_set_of[tmpl];
        if (set != Scenario::kNoOwner && set != in.a)
          fail_at(where, op, "task '" + op.text + "' is spawned into join set '" +
                                 sc_.join_sets[set] + "' too; a task is in one set");
        set = in.a;
        in.code = Code::JsSpawn;
        in.b = tt.count == 1 ? tt.first : tmpl;  // replicas: the next one not yet spawned
        in.v = tt.count == 1 ? 0 : 1;
        emit(in, label(where, op));
        return;
      }
      case OpKind::JoinNext: {
        // JoinNext(jump: test or end) on_none... [Jump(end) test: JumpUnlessLocal then... else...] end:
        in.a = join_set(where, op);
        require_await_allowed(where, op);
        in.code = Code::JoinNext;
        const bool branch = recv_branches(op);
        uint32_t joined = 0;
        if (!op.cond.counter.empty()) {  // without a branch the condition decides nothing
          OpSpec probe;
          probe.kind = OpKind::JoinNext;
          probe.target = op.cond.counter;
          const uint32_t tmpl = resolve(tasks_, "task", where, probe);
          if (sc_.templates[tmpl].parent >= 0)
            fail_at(where, op, "'" + op.cond.counter + "' is a future; join_next joins tasks");
          if (op.cond.cmp != Cmp::Eq && op.cond.cmp != Cmp::Ne)
            fail_at(where, op, "join_next branches on which task it joined: == or != a task");
          joined = tmpl;
        }
        in.b = branch ? returned_local() : kNoLocal;
        const size_t at = emit(in, label(where, op));
        Flow none_f = f;
        block(op.body, prefix + "on_none.", depth + 1, none_f);
        if (!branch) {
          patch(at, here());
          f.held = join(f.held, none_f.held, where, op);
          return;
        }
        Instr j;
        j.code = Code::Jump;
        const size_t jnone = emit(j, label(where, op) + ", end of on_none");
        patch(at, here());
        value_test(op, op.then, in.b, joined, where, prefix, depth, f);
        patch(jnone, here());
        f.held = join(f.held, none_f.held, where, op);
        return;
      }
      case OpKind::JsAbortAll:
      case OpKind::JsDrop:
        in.a = join_set(where, op);
        in.code = op.kind == OpKind::JsAbortAll ? Code::JsAbortAll : Code::JsDrop;
        emit(in, label(where, op));
        return;
      case OpKind::PollWith:
        if (kind_ != ProgramKind::Task || sc_.templates[sc_.programs[prog_].owner].parent >= 0)
          fail_at(where, op, "only a task's program says which waker its executor polls it "
                             "with next (" + owner_desc_ + " is not a task)");
        in.code = Code::PollWith;
        in.a = op.target.empty() ? 0 : resolve(wakers_, "waker", where, op) + 1;
        emit(in, label(where, op));
        return;
      case OpKind::WatchBorrow: {
        // WBorrow (b: the local its test reads) [test: JumpUnlessLocal then... else...]:
        // the value read and tested in one step, as an atomic load's (the Ref's
        // read lock is released at once: `*rx.borrow() == 2`).
        in.a = resolve(broadcasts_, "broadcast", where, op);
        if (!sc_.broadcasts[in.a].watch)
          fail_at(where, op, "borrow() is a watch's (a broadcast receiver has no current value)");
        if (op.value != 0 && op.value != 1)
          fail_at(where, op, "value must be 0 (borrow) or 1 (borrow_and_update), got " +
                                 std::to_string(op.value));
        if (op.value == 1 && kind_ != ProgramKind::Task)  // the holder's receiver
          fail_at(where, op, "borrow_and_update marks a receiver's version seen: only a task "
                             "or future holds a receiver (" + owner_desc_ + " does not; borrow() "
                             "reads the value anywhere)");
        check_own_branch(where, op);
        if (!op.then.empty() || !op.lagged.empty())
          fail_at(where, op, "borrow branches with body (then) and orelse only");
        const bool branch = branches(op);
        in.code = Code::WBorrow;
        in.v = op.value;
        in.b = branch ? returned_local() : kNoLocal;
        emit(in, label(where, op));
        if (branch) value_test(op, op.body, in.b, op.cond.value, where, prefix, depth, f);
        return;
      }
      case OpKind::Subscribe:
      case OpKind::BcastDropSender:
        in.a = resolve(broadcasts_, "broadcast", where, op);
        if (op.kind == OpKind::Subscribe) require_await_allowed(where, op);  // a task's receiver
        in.code = op.kind == OpKind::Subscribe ? Code::BSubscribe : Code::BDropSender;
        emit(in, label(where, op));
        return;
      case OpKind::CloseChannel:
      case OpKind::DropSender:
        in.a = resolve(channels_, "channel", where, op);
        in.code = op.kind == OpKind::CloseChannel ? Code::ChanClose : Code::DropSender;
        emit(in, label(where, op));
        return;
      case OpKind::Acquire:
      case OpKind::Release: {
        // Permits are counted at run time, not checked here: a task may
        // release a permit it never acquired (add_permits).
        in.a = resolve(semaphores_, "semaphore", where, op);
        if (op.kind == OpKind::Acquire) require_await_allowed(where, op);
        in.code = op.kind == OpKind::Acquire ? Code::Acquire : Code::Release;
        if (op.kind == OpKind::Release && count(scoped_sems_, in.a))
          fail_at(where, op, "a with_ around it holds a permit of '" + op.target +
                             "' and releases it on the way out; do not release one inside");
        emit(in, label(where, op));
        return;
      }
      case OpKind::Register:
      case OpKind::Unregister:
      case OpKind::Park:
      case OpKind::Wake:
      case OpKind::WakeAll: {
        uint32_t q = resolve(queues_, "wait queue", where, op);
        if (op.kind == OpKind::Register || op.kind == OpKind::Unregister || op.kind == OpKind::Park)
          require_await_allowed(where, op);
        in.code = op.kind == OpKind::Register     ? Code::Register
                  : op.kind == OpKind::Unregister ? Code::Unregister
                  : op.kind == OpKind::Park       ? Code::Park
                  : op.kind == OpKind::Wake   ? Code::Wake
                                              : Code::WakeAll;
        in.a = q;
        emit(in, label(where, op));
        return;
      }
      case OpKind::Pending:
      case OpKind::Yield:
        require_await_allowed(where, op);
        in.code = op.kind == OpKind::Pending ? Code::Pending : Code::Yield;
        emit(in, label(where, op));
        return;
      case OpKind::Drop: {
        auto o = objects_.find(op.target);
        if (o != objects_.end()) {
          in.code = Code::DropObject;
          in.a = o->second;
        } else if (tasks_.count(op.target)) {
          in.code = Code::DropTask;
          in.a = single_task(where, op);
        } else {
          fail_at(where, op, "unknown object or task '" + op.target + "'" + known(objects_));
        }
        emit(in, label(where, op));
        return;
      }
      case OpKind::Await: {
        require_await_allowed(where, op);
        in.code = Code::Await;
        in.a = owned_future(where, op);
        emit(in, label(where, op));
        return;
      }
      case OpKind::Select: {
        require_await_allowed(where, op);
        if (op.body.empty()) fail_at(where, op, "a select needs at least one branch");
        if (op.body.size() > 64) fail_at(where, op, "a select has at most 64 branches");
        uint32_t table = static_cast<uint32_t>(sc_.selects.size());
        sc_.selects.emplace_back();
        sc_.selects.back().biased = op.flag;
        in.code = Code::Select;
        in.a = table;
        emit(in, label(where, op));
        std::vector<size_t> ends;
        std::optional<Held> after;
        for (size_t b = 0; b < op.body.size(); ++b) {
          const OpSpec& br = op.body[b];
          std::string bwhere = where + "." + std::to_string(b);
          if (br.kind != OpKind::Branch) fail_at(bwhere, br, "a select holds branch ops only");
          SelectBranch sb;
          sb.future = owned_future(bwhere, br);
          sb.borrowed = br.value != 0;
          sb.arm = static_cast<uint32_t>(here());
          for (const SelectBranch& other : sc_.selects[table].branches)
            if (other.future == sb.future) fail_at(bwhere, br, "the future is in this select twice");
          sc_.selects[table].branches.push_back(sb);
          Flow arm = f;
          block(br.body, prefix + std::to_string(b) + ".", depth + 1, arm);
          Instr j;
          j.code = Code::Jump;
          ends.push_back(emit(j, label(bwhere, br) + ", end of arm"));
          after = join(after, arm.held, where, op);
        }
        for (size_t e : ends) patch(e, here());
        f.held = after;
        return;
      }
      case OpKind::Buffered: {
        require_await_allowed(where, op);
        if (op.value < 1 || op.value > 1'000'000)
          fail_at(where, op, "buffer size must be in [1, 1000000], got " + std::to_string(op.value));
        BufferedTable bt;
        bt.size = static_cast<uint32_t>(op.value);
        bt.always_poll = op.flag;
        bt.unordered = op.unordered;
        bt.local = locals_;
        locals_ += 3;
        for (size_t b = 0; b < op.body.size(); ++b) {
          const OpSpec& it = op.body[b];
          std::string iwhere = where + "." + std::to_string(b);
          if (it.kind != OpKind::Branch || !it.body.empty())
            fail_at(iwhere, it, "a buffered stream's items are branch ops naming futures, no arms");
          uint32_t fut = owned_future(iwhere, it);
          for (uint32_t other : bt.items)
            if (other == fut) fail_at(iwhere, it, "the future is in this stream twice");
          bt.items.push_back(fut);
        }
        in.code = Code::Buffered;
        in.a = static_cast<uint32_t>(sc_.buffereds.size());
        sc_.buffereds.push_back(std::move(bt));
        emit(in, label(where, op));
        return;
      }
      case OpKind::Critical: {
        // Its count lives with the task (a Drop hook, a handler or a thread
        // has no task to cancel inside it).
        if (kind_ != ProgramKind::Task) fail_at(where, op, "critical is for tasks");
        in.code = Code::CriticalBegin;
        emit(in, label(where, op));
        region(Code::CriticalEnd, [&] { block(op.body, prefix, depth + 1, f); });
        Instr end;
        end.code = Code::CriticalEnd;
        emit(end, label(where, op) + ", end");
        return;
      }
      case OpKind::Mask:
      case OpKind::Restore: {
        if (kind_ != ProgramKind::Task) fail_at(where, op, "masking is for tasks");
        if (op.kind == OpKind::Mask && (op.value < 1 || op.value > 2))
          fail_at(where, op, "mask level must be 1 (mask) or 2 (uninterruptible)");
        sc_.exceptions = true;
        in.code = op.kind == OpKind::Mask ? Code::MaskBegin : Code::RestoreBegin;
        in.v = op.value;
        emit(in, label(where, op));
        const Code end_code = op.kind == OpKind::Mask ? Code::MaskEnd : Code::RestoreEnd;
        region(end_code, [&] { block(op.body, prefix, depth + 1, f); });
        Instr end;
        end.code = end_code;
        emit(end, label(where, op) + ", end");
        return;
      }
      case OpKind::Catch: {
        if (kind_ != ProgramKind::Task) fail_at(where, op, "catch is for tasks");
        sc_.exceptions = true;
        in.code = Code::CatchBegin;
        size_t begin = emit(in, label(where, op));
        Flow body_f = f, handler_f = f;
        // Leaving the body pops the catch (CatchEnd, falling through);
        // leaving the handler restores the mask state (HandlerEnd).
        region(Code::CatchEnd, [&] { block(op.body, prefix, depth + 1, body_f); });
        Instr end;
        end.code = Code::CatchEnd;
        size_t body_end = emit(end, label(where, op) + ", end of body");
        patch(begin, here());
        region(Code::HandlerEnd,
               [&] { block(op.orelse, prefix + "handler.", depth + 1, handler_f); });
        Instr hend;
        hend.code = Code::HandlerEnd;
        emit(hend, label(where, op) + ", end of handler");
        patch(body_end, here());
        f.held = join(body_f.held, handler_f.held, where, op);
        return;
      }
      case OpKind::ThrowTo:
        sc_.exceptions = true;
        in.code = Code::ThrowTo;
        in.a = single_task(where, op);
        emit(in, label(where, op));
        return;
      case OpKind::WaitTask:
        require_await_allowed(where, op);
        sc_.exceptions = true;
        in.code = Code::WaitTask;
        in.a = single_task(where, op);
        joined_.emplace(sc_.template_of(in.a), owner_desc_ + " " + where);
        if (op.text.empty()) {
          in.v = -1;  // a join
        } else {
          in.v = static_cast<int64_t>(sc_.texts.size());
          sc_.texts.push_back(op.text);
        }
        emit(in, label(where, op));
        return;
      case OpKind::Abort:
        in.code = Code::Abort;
        in.a = single_task(where, op);
        if (sc_.is_future(in.a))
          fail_at(where, op, "'" + op.target + "' is a future, not a spawned task: drop it instead");
        emit(in, label(where, op));
        return;
      case OpKind::Branch:
        fail_at(where, op, "a branch belongs in a select or a buffered stream");
      case OpKind::Spawn: {
        uint32_t tmpl = resolve(tasks_, "task", where, op);
        const TaskTemplate& tt = sc_.templates[tmpl];
        if (tt.parent >= 0)
          fail_at(where, op, "'" + op.target + "' is a future: its owner awaits or selects it");
        if (tt.autostart)
          fail_at(where, op, "task '" + op.target +
                                 "' starts at startup; declare it with autostart=False to spawn it");
        plain_spawned_.emplace(tmpl, owner_desc_ + " " + where);
        // One task: spawn it. Replicas: spawn the next one not yet spawned.
        in.code = tt.count == 1 ? Code::Spawn : Code::SpawnNext;
        in.a = tt.count == 1 ? tt.first : tmpl;
        emit(in, label(where, op));
        return;
      }
      case OpKind::Add:
      case OpKind::Set:
        in.code = op.kind == OpKind::Add ? Code::Add : Code::Set;
        in.a = cell(counters_, "counter", where, op, op.target);
        in.v = op.value;
        emit(in, label(where, op));
        return;
      case OpKind::If: {
        OpSpec probe;  // errors name the counter as the op's target
        probe.kind = OpKind::If;
        probe.target = op.cond.counter;
        in.code = Code::JumpUnless;
        in.a = cell(counters_, "counter", where, probe, op.cond.counter);
        in.cmp = op.cond.cmp;
        in.v = op.cond.value;
        size_t jif = emit(in, label(where, op));
        then_else(op, where, prefix, depth, f, jif);
        return;
      }
      case OpKind::Load:
      case OpKind::Store:
      case OpKind::Swap:
      case OpKind::CompareExchange:
      case OpKind::FetchAdd: {
        // One instruction does the op and keeps what it returned in the
        // program's one local for it; the test right after it reads that
        // local (no other thread can touch it), so the branch is on the value
        // the op returned, atomically with the op.
        in.a = cell(atomics_, "atomic", where, op, op.target);
        const bool branch = branches(op);
        if (op.kind == OpKind::Store && branch)
          fail_at(where, op, "store returns nothing to branch on");
        if (branch && !op.cond.counter.empty() && op.cond.counter != op.target)
          fail_at(where, op, "its branch compares what '" + op.cond.counter +
                                 "' returned; an op branches on its own result");
        in.code = op.kind == OpKind::Load     ? Code::Load
                  : op.kind == OpKind::Store  ? Code::Store
                  : op.kind == OpKind::Swap   ? Code::Swap
                  : op.kind == OpKind::FetchAdd ? Code::FetchAdd
                                              : Code::CompareExchange;
        in.v = op.value;
        in.b = branch || op.kind == OpKind::CompareExchange ? returned_local() : kNoLocal;
        if (op.kind == OpKind::CompareExchange) {
          Instr e;
          e.code = Code::LocalSet;
          e.a = in.b;
          e.v = op.expected;
          emit(e, label(where, op) + ", expected");
        }
        emit(in, label(where, op));
        if (branch) {
          value_test(op, op.body, in.b, op.cond.value, where, prefix, depth, f);
        } else if (op.kind == OpKind::CompareExchange) {
          Instr z;  // nothing reads what it returned: consume it
          z.code = Code::LocalSet;
          z.a = in.b;
          emit(z, label(where, op) + ", result unused");
        }
        return;
      }
      case OpKind::Loop:
      case OpKind::Repeat: {
        bool repeat = op.kind == OpKind::Repeat;
        uint32_t local = 0;
        if (repeat) {
          if (op.value < 0)
            fail_at(where, op, "count must be non-negative, got " + std::to_string(op.value));
          if (op.value > SpecLimits::max_repeat)
            fail_at(where, op, "count " + std::to_string(op.value) + " exceeds the limit of " +
                                   std::to_string(SpecLimits::max_repeat));
          local = locals_++;
          in.code = Code::LocalSet;
          in.a = local;
          in.v = op.value;
          emit(in, label(where, op));
        }
        size_t head = here();
        size_t test = 0;
        if (repeat) {
          Instr t;
          t.code = Code::LocalLoop;
          t.a = local;
          test = emit(t, label(where, op));
        }
        Flow body_f = f;
        loops_.push_back(LoopCtx{});
        loops_.back().head = head;
        loops_.back().entry = f.held;
        block(op.body, prefix, depth + 1, body_f);
        if (body_f.held && f.held && *body_f.held != *f.held)
          fail_at(where, op, "the lock state at the end of the body differs from its start");
        Instr back;
        back.code = Code::Jump;
        back.jump = static_cast<uint32_t>(head);
        emit(back, label(where, op) + ", loop back");
        LoopCtx ctx = std::move(loops_.back());
        loops_.pop_back();
        for (size_t b : ctx.breaks) patch(b, here());
        std::optional<Held> after = ctx.exit;
        if (repeat) {
          patch(test, here());
          after = join(after, f.held, where, op);
        }
        f.held = after;
        return;
      }
      case OpKind::Read:
        in.code = Code::Touch;
        in.a = resolve(connections_, "connection", where, op);
        emit(in, label(where, op));
        return;
      case OpKind::Compute:
        in.code = Code::Compute;
        in.v = duration_ms(where, op);
        emit(in, label(where, op));
        return;
      case OpKind::SpawnBlocking: {
        in.code = Code::StartThread;
        in.a = resolve(threads_, "thread", where, op) + 1;
        if (spec_.threads[in.a - 1].autostart)
          fail_at(where, op, "thread '" + op.target +
                                 "' starts by itself; declare it with autostart=False to start it here");
        emit(in, label(where, op));
        return;
      }
      case OpKind::NotifyLoop:
        if (kind_ != ProgramKind::Thread)
          fail_at(where, op, "notify_loop is for foreign threads; on the loop thread, wake");
        in.code = Code::NotifyLoop;
        in.a = resolve(queues_, "wait queue", where, op);
        emit(in, label(where, op));
        return;
      case OpKind::Sleep:
        require_await_allowed(where, op);
        in.code = Code::Sleep;
        in.v = duration_ms(where, op);
        emit(in, label(where, op));
        return;
      case OpKind::Continue: {
        if (loops_.empty()) fail_at(where, op, "continue outside a loop");
        LoopCtx& ctx = loops_.back();
        std::optional<Held> held = f.held;
        leave_regions(where, op, held);
        if (held && ctx.entry && *held != *ctx.entry)
          fail_at(where, op, "the lock state here differs from the loop's start");
        Instr j;
        j.code = Code::Jump;
        j.jump = static_cast<uint32_t>(ctx.head);
        emit(j, label(where, op));
        f.held.reset();
        return;
      }
      case OpKind::TryLock: {
        uint32_t m = resolve(mutexes_, "mutex", where, op);
        in.code = Code::TryLock;
        in.a = m;
        size_t at = emit(in, label(where, op));
        Flow fail_f = f;
        block(op.body, prefix + "on_fail.", depth + 1, fail_f);
        patch(at, here());
        // Success holds it. A mutex this program holds already: the
        // try_lock fails (std's WouldBlock, tokio's TryLockError, futures'
        // None), so only on_fail goes on.
        std::optional<Held> ok;
        if (f.held) {
          auto it = std::lower_bound(f.held->begin(), f.held->end(), m);
          if (it == f.held->end() || *it != m) {
            ok = *f.held;
            ok->insert(ok->begin() + (it - f.held->begin()), m);
          }
        }
        if (ok && fail_f.held && *ok != *fail_f.held)
          fail_at(where, op, "on success '" + op.target +
                                 "' is held after it, and its on_fail block ends with another "
                                 "lock state: end on_fail with a lock, a break or a continue");
        f.held = ok ? ok : fail_f.held;
        return;
      }
      case OpKind::RwRead:
      case OpKind::RwWrite:
      case OpKind::RwUnlockRead:
      case OpKind::RwUnlockWrite: {
        const uint32_t r = resolve(rwlocks_, "rwlock", where, op);
        const bool write = op.kind == OpKind::RwWrite || op.kind == OpKind::RwUnlockWrite;
        const bool lock = op.kind == OpKind::RwRead || op.kind == OpKind::RwWrite;
        const bool tokio = sc_.rwlocks[r].kind == RwLockKind::Tokio;
        if (lock && tokio) require_await_allowed(where, op);
        in.code = lock ? Code::RwLock : Code::RwUnlock;
        in.a = r;
        in.v = write ? 1 : 0;
        if (f.held) {
          Held& h = *f.held;
          const uint32_t id = rw_guard(r, write);
          const bool has_read = holds_id(h, rw_guard(r, false)), has_write = holds_id(h, rw_guard(r, true));
          if (lock && tokio && (has_write || (write && has_read)))
            fail_at(where, op, std::string(write ? "write-locks" : "read-locks") + " '" + op.target +
                                   "' while holding " + (has_write ? "its write guard" : "a read guard") +
                                   ": tokio's RwLock would wait for this task itself");
          if (!lock && !holds_id(h, id))
            fail_at(where, op, std::string("unlocks ") + (write ? "the write guard" : "a read guard") +
                                   " of '" + op.target + "', which it does not hold");
          if (lock) hold(h, id);
          else h.erase(std::lower_bound(h.begin(), h.end(), id));
        }
        emit(in, label(where, op));
        return;
      }
      case OpKind::CvWait: {
        // Condvar::wait(guard): the guard of a std Mutex this program holds;
        // released while it waits, held again when it returns.
        in.code = Code::CvWait;
        in.a = resolve(condvars_, "condvar", where, op);
        auto m = mutexes_.find(op.text);
        if (m == mutexes_.end())
          fail_at(where, op, op.text.empty() ? std::string("names no mutex to wait with")
                                             : "unknown mutex '" + op.text + "'" + known(mutexes_));
        if (sc_.mutexes[m->second].kind != MutexKind::Blocking)
          fail_at(where, op, "'" + op.text + "' is a " + mutex_kind_name(sc_.mutexes[m->second].kind) +
                                 "; std::sync::Condvar waits with the guard of a std::sync::Mutex "
                                 "(kind=\"blocking\")");
        if (f.held && !holds_id(*f.held, m->second))
          fail_at(where, op, "waits with mutex '" + op.text + "', which it does not hold: "
                             "Condvar::wait takes the MutexGuard (lock it first)");
        in.b = m->second;
        emit(in, label(where, op));
        Instr relock;
        relock.code = Code::BLock;
        relock.a = m->second;
        emit(relock, label(where, op) + ", re-lock '" + op.text + "'");
        return;
      }
      case OpKind::CvNotifyOne:
      case OpKind::CvNotifyAll:
        in.code = op.kind == OpKind::CvNotifyOne ? Code::CvNotifyOne : Code::CvNotifyAll;
        in.a = resolve(condvars_, "condvar", where, op);
        emit(in, label(where, op));
        return;
      case OpKind::BarrierWait: {
        in.code = Code::BarrierWait;
        in.a = resolve(barriers_, "barrier", where, op);
        if (sc_.barriers[in.a].kind == BarrierKind::Tokio) require_await_allowed(where, op);
        size_t at = emit(in, label(where, op));
        Flow leader_f = f;
        block(op.body, prefix + "on_leader.", depth + 1, leader_f);
        patch(at, here());
        f.held = join(f.held, leader_f.held, where, op);
        return;
      }
      case OpKind::TryRead:
      case OpKind::TryWrite: {
        const uint32_t r = resolve(rwlocks_, "rwlock", where, op);
        const bool write = op.kind == OpKind::TryWrite;
        in.code = Code::TryRwLock;
        in.a = r;
        in.v = write ? 1 : 0;
        size_t at = emit(in, label(where, op));
        Flow fail_f = f;
        block(op.body, prefix + "on_fail.", depth + 1, fail_f);
        patch(at, here());
        // Success holds the guard. Holding the write guard (or, for
        // try_write, any guard of it), it always fails: only on_fail goes on.
        std::optional<Held> ok;
        if (f.held) {
          const bool has_read = holds_id(*f.held, rw_guard(r, false));
          const bool has_write = holds_id(*f.held, rw_guard(r, true));
          if (!has_write && !(write && has_read)) {
            ok = *f.held;
            hold(*ok, rw_guard(r, write));
          }
        }
        if (ok && fail_f.held && *ok != *fail_f.held)
          fail_at(where, op, "on success " + held_name(rw_guard(r, write)) +
                                 " is held after it, and its on_fail block ends with another "
                                 "lock state: end on_fail with a lock, a break or a continue");
        f.held = ok ? ok : fail_f.held;
        return;
      }
      case OpKind::TryAcquire: {
        in.code = Code::TryAcquire;
        in.a = resolve(semaphores_, "semaphore", where, op);
        size_t at = emit(in, label(where, op));
        Flow fail_f = f;
        block(op.body, prefix + "on_fail.", depth + 1, fail_f);
        patch(at, here());
        f.held = join(f.held, fail_f.held, where, op);
        return;
      }
      case OpKind::TrySend:
      case OpKind::TryRecv: {
        const bool send = op.kind == OpKind::TrySend;
        in.a = resolve(channels_, "channel", where, op);
        const ChannelSpec& c = sc_.channels[in.a];
        if (send && c.oneshot)
          fail_at(where, op, "oneshot '" + c.name +
                                 "': its send never waits (oneshot::Sender::send); use "
                                 "send(on_closed=...)");
        if (send && c.capacity == 0)
          fail_at(where, op, "channel '" + c.name +
                                 "' is unbounded: UnboundedSender has no try_send, its send "
                                 "never waits; use send(on_closed=...)");
        in.code = send ? Code::TrySend : Code::TryRecv;
        if (send) in.b = message_value(where, op);
        size_t at = emit(in, label(where, op));
        Flow first_f = f, closed_f = f;
        block(op.body, prefix + (send ? "on_full." : "on_empty."), depth + 1, first_f);
        size_t jend = 0;
        const bool has_closed = !op.orelse.empty();
        if (has_closed) {
          Instr j;
          j.code = Code::Jump;
          jend = emit(j, label(where, op) + (send ? ", end of on_full" : ", end of on_empty"));
        }
        const size_t closed_at = here();
        block(op.orelse, prefix + "on_closed.", depth + 1, closed_f);
        patch(at, here());
        sc_.programs[prog_].code[at].v = static_cast<int64_t>(has_closed ? closed_at : here());
        if (has_closed) patch(jend, here());
        f.held = join(join(f.held, first_f.held, where, op), closed_f.held, where, op);
        return;
      }
      case OpKind::With:
        with_region(op, where, prefix, depth, f);
        return;
      case OpKind::Borrow:
      case OpKind::BorrowMut:
      case OpKind::EndBorrow: {
        const uint32_t c = resolve(refcells_, "refcell", where, op);
        in.code = op.kind == OpKind::Borrow      ? Code::Borrow
                  : op.kind == OpKind::BorrowMut ? Code::BorrowMut
                                                 : Code::EndBorrow;
        in.a = c;
        if (f.held) {
          Held& h = *f.held;
          const uint32_t e = c | kCellBit;
          if (op.kind == OpKind::EndBorrow) {
            if (!count(h, e))
              fail_at(where, op, "ends a borrow of '" + op.target + "' which it does not hold");
            if (count(h, e) <= count(scoped_, e))
              fail_at(where, op, "the borrow of '" + op.target + "' is the guard of a with_ "
                                 "around it, which ends it on the way out; do not end it inside");
            erase_one(h, e);
          } else {
            insert_sorted(h, e);
          }
        }
        emit(in, label(where, op));
        return;
      }
      case OpKind::TryBorrow:
      case OpKind::TryBorrowMut: {
        const uint32_t c = resolve(refcells_, "refcell", where, op);
        in.code = op.kind == OpKind::TryBorrow ? Code::TryBorrow : Code::TryBorrowMut;
        in.a = c;
        size_t at = emit(in, label(where, op));
        Flow fail_f = f;
        block(op.body, prefix + "on_fail.", depth + 1, fail_f);
        patch(at, here());
        // Success holds the borrow after it; on_fail ends with it too, or leaves.
        std::optional<Held> ok = f.held;
        if (ok) insert_sorted(*ok, c | kCellBit);
        if (ok && fail_f.held && *ok != *fail_f.held)
          fail_at(where, op, "on success a borrow of '" + op.target +
                                 "' is held after it, and its on_fail block ends with another "
                                 "lock state: end on_fail with a borrow, a break or a continue");
        f.held = ok ? ok : fail_f.held;
        return;
      }
      case OpKind::Panic:
        in.code = Code::Panic;
        in.a = static_cast<uint32_t>(sc_.texts.size());
        sc_.texts.push_back(op.text.empty() ? "explicit panic" : op.text);
        emit(in, label(where, op));
        f.held.reset();  // it never returns
        return;
      case OpKind::Break: {
        if (loops_.empty()) fail_at(where, op, "break outside a loop");
        std::optional<Held> held = f.held;
        leave_regions(where, op, held);
        Instr j;
        j.code = Code::Jump;
        size_t at = emit(j, label(where, op));
        LoopCtx& ctx = loops_.back();
        ctx.breaks.push_back(at);
        ctx.exit = join(ctx.exit, held, where, op);
        f.held.reset();
        return;
      }
    }
    fail_at(where, op, "unknown op kind");
  }

  // The test of what an op returned into `local` (against op.cond's
  // comparison and `v`), then its two blocks: `then` (an atomic op's body,
  // a receive's then) and orelse.
  void value_test(const OpSpec& op, const std::vector<OpSpec>& then, uint32_t local, int64_t v,
                  const std::string& where, const std::string& prefix, int depth, Flow& f) {
    Instr t;
    t.code = Code::JumpUnlessLocal;
    t.a = local;
    t.cmp = op.cond.cmp;
    t.v = v;
    const size_t jif = emit(t, label(where, op) + ", test");
    then_else(op, then, where, prefix, depth, f, jif);
  }

  // The two blocks of an If (or of an atomic op's branch) after its test at
  // `jif`, which jumps past `body` when the condition fails.
  void then_else(const OpSpec& op, const std::string& where, const std::string& prefix, int depth,
                 Flow& f, size_t jif) {
    then_else(op, op.body, where, prefix, depth, f, jif);
  }
  void then_else(const OpSpec& op, const std::vector<OpSpec>& then, const std::string& where,
                 const std::string& prefix, int depth, Flow& f, size_t jif) {
    Flow then_f = f, else_f = f;
    block(then, prefix, depth + 1, then_f);
    size_t jend = 0;
    bool has_else = !op.orelse.empty();
    if (has_else) {
      Instr j;
      j.code = Code::Jump;
      jend = emit(j, label(where, op) + ", end of then");
    }
    patch(jif, here());
    if (has_else) {
      block(op.orelse, prefix + "else.", depth + 1, else_f);
      patch(jend, here());
    }
    f.held = join(then_f.held, else_f.held, where, op);
  }

  static bool is_atomic_op(OpKind k) {
    return k == OpKind::Load || k == OpKind::Store || k == OpKind::Swap ||
           k == OpKind::CompareExchange || k == OpKind::FetchAdd;
  }
  static bool branches(const OpSpec& op) { return !op.body.empty() || !op.orelse.empty(); }
  static bool recv_branches(const OpSpec& op) { return !op.then.empty() || !op.orelse.empty(); }

  // An op branches on its own result: a condition naming another resource is an error.
  void check_own_branch(const std::string& where, const OpSpec& op) {
    if (!op.cond.counter.empty() && op.cond.counter != op.target)
      fail_at(where, op, "its branch compares what '" + op.cond.counter +
                             "' returned; an op branches on its own result");
  }

  // A message's value: a small integer (an i32, carried in the instruction's `b`).
  uint32_t message_value(const std::string& where, const OpSpec& op) {
    if (op.value < INT32_MIN || op.value > INT32_MAX)
      fail_at(where, op, "a message's value is a small integer (32-bit), got " +
                             std::to_string(op.value));
    return static_cast<uint32_t>(static_cast<int32_t>(op.value));
  }

  // The local an atomic op's result goes to: one per program, since the
  // test reading it comes right after the op (nested branches run later).
  uint32_t returned_local() {
    if (returned_ == kNoLocal) returned_ = locals_++;
    return returned_;
  }

  // A counter's or an atomic's cell; naming one of the other sort says
  // which ops it has.
  uint32_t cell(const std::map<std::string, uint32_t>& m, const char* sort,
                const std::string& where, const OpSpec& op, const std::string& name) {
    auto it = m.find(name);
    if (it != m.end()) return it->second;
    const bool want_atomic = &m == &atomics_;
    if (!want_atomic && atomics_.count(name))
      fail_at(where, op, "'" + name + "' is an atomic, not a counter: read and change it with "
                         "load, store, swap, compare_exchange and fetch_add");
    if (want_atomic && counters_.count(name))
      fail_at(where, op, "'" + name + "' is a counter, not an atomic: its ops are add, set and "
                         "comparisons in if_ (declare it with atomic() for these ops)");
    if (name.empty()) fail_at(where, op, std::string("names no ") + sort);
    fail_at(where, op, std::string("unknown ") + sort + " '" + name + "'" + known(m));
  }

  // A break or a continue leaves the regions opened inside its loop,
  // innermost first; a with_'s guard is released there (and leaves `held`).
  void leave_regions(const std::string& where, const OpSpec& op, std::optional<Held>& held) {
    for (auto r = regions_.rbegin(); r != regions_.rend() && r->loops == loops_.size(); ++r) {
      Instr end;
      end.code = r->end;
      end.a = r->a;
      end.b = r->guard ? 1 : 0;
      end.jump = static_cast<uint32_t>(here() + 1);  // CatchEnd: fall through
      emit(end, label(where, op) + (r->guard ? ", leaving a with_: releases its guard"
                                             : ", leaving its region"));
      if (held && r->held != kNoHeld) erase_one(*held, r->held);
    }
  }

  template <class Body>
  void region(Code end, Body body) {
    regions_.push_back(RegionCtx{end, loops_.size()});
    body();
    regions_.pop_back();
  }

  static size_t count(const std::vector<uint32_t>& v, uint32_t x) {
    return static_cast<size_t>(std::count(v.begin(), v.end(), x));
  }
  static void erase_one(Held& h, uint32_t x) {
    auto it = std::lower_bound(h.begin(), h.end(), x);
    if (it != h.end() && *it == x) h.erase(it);
  }
  static void insert_sorted(Held& h, uint32_t x) { h.insert(std::lower_bound(h.begin(), h.end(), x), x); }

  // with_(guard, body...): the guard op as written (its checks, its lock
  // state), marked b = 1; the body as a region whose end releases it.
  void with_region(const OpSpec& op, const std::string& where, const std::string& prefix,
                   int depth, Flow& f) {
    if (op.orelse.size() != 1)
      fail_at(where, op, "with_ takes one guard: a lock(), an acquire(), a borrow() or a "
                         "borrow_mut()");
    const OpSpec& g = op.orelse[0];
    if (g.kind != OpKind::Lock && g.kind != OpKind::Acquire && g.kind != OpKind::Borrow &&
        g.kind != OpKind::BorrowMut)
      fail_at(where, op, std::string("its guard is a ") + op_name(g.kind) +
                             "; with_ takes a lock(), an acquire(), a borrow() or a borrow_mut()");
    if (!g.body.empty() || !g.orelse.empty())
      fail_at(where, g, "a with_'s guard takes no blocks");
    this->op(g, where, prefix + "guard.", depth + 1, f);
    Instr& taken = sc_.programs[prog_].code.back();
    taken.b = 1;
    RegionCtx r{Code::End, loops_.size(), taken.a, true, kNoHeld};
    switch (taken.code) {
      case Code::BLock: r.end = Code::BUnlock; r.held = taken.a; break;
      case Code::ALock: r.end = Code::AUnlock; r.held = taken.a; break;
      case Code::Acquire: r.end = Code::Release; break;
      default: r.end = Code::EndBorrow; r.held = taken.a | kCellBit; break;
    }
    if (r.held != kNoHeld) scoped_.push_back(r.held);
    else scoped_sems_.push_back(r.a);
    regions_.push_back(r);
    block(op.body, prefix, depth + 1, f);
    regions_.pop_back();
    if (r.held != kNoHeld) scoped_.erase(std::find(scoped_.begin(), scoped_.end(), r.held));
    else scoped_sems_.erase(std::find(scoped_sems_.begin(), scoped_sems_.end(), r.a));
    Instr end;
    end.code = r.end;
    end.a = r.a;
    end.b = 1;
    emit(end, label(where, op) + ", end: releases its guard");
    if (f.held && r.held != kNoHeld) erase_one(*f.held, r.held);
  }

  std::optional<Held> join(const std::optional<Held>& a, const std::optional<Held>& b,
                           const std::string& where, const OpSpec& op) {
    if (!a) return b;
    if (!b) return a;
    if (*a != *b) fail_at(where, op, "the paths through it disagree on which locks are held");
    return a;
  }

  const ScenarioSpec& spec_;
  Scenario sc_;
  std::map<std::string, uint32_t> mutexes_, rwlocks_, condvars_, barriers_, semaphores_, notifies_,
      channels_, broadcasts_, join_sets_, queues_,
      counters_, atomics_, refcells_, tasks_, objects_, wakers_,
      connections_,
      threads_;
  uint32_t prog_ = 0;
  ProgramKind kind_ = ProgramKind::Task;
  uint32_t locals_ = 0;
  uint32_t returned_ = kNoLocal;  // the program's local for what atomic ops return
  std::string owner_desc_;
  std::vector<LoopCtx> loops_;
  std::vector<RegionCtx> regions_;
  std::vector<uint32_t> scoped_;       // lock-state entries the open with_ regions hold
  std::vector<uint32_t> scoped_sems_;  // semaphores the open with_ regions hold a permit of
  // Templates a plain spawn or a join names (a task spawned into a JoinSet may have neither:
  // its JoinHandle is the set's), each with the place it first appears.
  std::map<uint32_t, std::string> plain_spawned_, joined_;
};

}  // namespace

Scenario compile(const ScenarioSpec& spec) { return Compiler(spec).run(); }

}  // namespace wb

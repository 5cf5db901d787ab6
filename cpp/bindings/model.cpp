#include <pybind11/stl.h>

#include "bindings/areas.hpp"
#include "model/program.hpp"

namespace wb::py_bind {
namespace py = pybind11;

void register_model(py::module_& m) {
  py::enum_<OpKind>(m, "OpKind")
      .value("PRINT", OpKind::Print).value("LOCK", OpKind::Lock).value("UNLOCK", OpKind::Unlock)
      .value("REGISTER", OpKind::Register).value("UNREGISTER", OpKind::Unregister)
      .value("PENDING", OpKind::Pending)
      .value("PARK", OpKind::Park).value("WAKE", OpKind::Wake).value("WAKE_ALL", OpKind::WakeAll)
      .value("YIELD", OpKind::Yield).value("DROP", OpKind::Drop).value("SPAWN", OpKind::Spawn)
      .value("ADD", OpKind::Add).value("SET", OpKind::Set).value("LOOP", OpKind::Loop)
      .value("REPEAT", OpKind::Repeat).value("IF", OpKind::If).value("BREAK", OpKind::Break)
      .value("SLEEP", OpKind::Sleep).value("READ", OpKind::Read)
      .value("COMPUTE", OpKind::Compute).value("SPAWN_BLOCKING", OpKind::SpawnBlocking)
      .value("NOTIFY_LOOP", OpKind::NotifyLoop).value("AWAIT", OpKind::Await)
      .value("SELECT", OpKind::Select).value("BRANCH", OpKind::Branch)
      .value("BUFFERED", OpKind::Buffered).value("CRITICAL", OpKind::Critical)
      .value("MASK", OpKind::Mask).value("RESTORE", OpKind::Restore).value("CATCH", OpKind::Catch)
      .value("THROW_TO", OpKind::ThrowTo).value("WAIT_TASK", OpKind::WaitTask)
      .value("ABORT", OpKind::Abort).value("ACQUIRE", OpKind::Acquire)
      .value("RELEASE", OpKind::Release).value("SEQ", OpKind::Seq)
      .value("NOTIFIED", OpKind::Notified).value("NOTIFY_ONE", OpKind::NotifyOne)
      .value("NOTIFY_WAITERS", OpKind::NotifyWaiters)
      .value("SEND", OpKind::Send).value("RECV", OpKind::Recv)
      .value("CLOSE_CHANNEL", OpKind::CloseChannel).value("DROP_SENDER", OpKind::DropSender)
      .value("LOAD", OpKind::Load).value("STORE", OpKind::Store).value("SWAP", OpKind::Swap)
      .value("COMPARE_EXCHANGE", OpKind::CompareExchange).value("FETCH_ADD", OpKind::FetchAdd)
      .value("TRY_LOCK", OpKind::TryLock).value("TRY_SEND", OpKind::TrySend)
      .value("TRY_RECV", OpKind::TryRecv).value("TRY_ACQUIRE", OpKind::TryAcquire)
      .value("CONTINUE", OpKind::Continue)
      .value("BORROW", OpKind::Borrow).value("BORROW_MUT", OpKind::BorrowMut)
      .value("END_BORROW", OpKind::EndBorrow).value("TRY_BORROW", OpKind::TryBorrow)
      .value("TRY_BORROW_MUT", OpKind::TryBorrowMut).value("PANIC", OpKind::Panic)
      .value("WITH", OpKind::With)
      .value("BCAST_SEND", OpKind::BcastSend).value("BCAST_RECV", OpKind::BcastRecv)
      .value("SUBSCRIBE", OpKind::Subscribe).value("BCAST_DROP_SENDER", OpKind::BcastDropSender)
      .value("WATCH_BORROW", OpKind::WatchBorrow)
      .value("JS_SPAWN", OpKind::JsSpawn).value("JOIN_NEXT", OpKind::JoinNext)
      .value("JS_ABORT_ALL", OpKind::JsAbortAll).value("JS_DROP", OpKind::JsDrop)
      .value("RW_READ", OpKind::RwRead).value("RW_WRITE", OpKind::RwWrite)
      .value("RW_UNLOCK_READ", OpKind::RwUnlockRead).value("RW_UNLOCK_WRITE", OpKind::RwUnlockWrite)
      .value("TRY_READ", OpKind::TryRead).value("TRY_WRITE", OpKind::TryWrite)
      .value("CV_WAIT", OpKind::CvWait).value("CV_NOTIFY_ONE", OpKind::CvNotifyOne)
      .value("CV_NOTIFY_ALL", OpKind::CvNotifyAll).value("BARRIER_WAIT", OpKind::BarrierWait)
      .value("POLL_WITH", OpKind::PollWith);
  py::enum_<Cmp>(m, "Cmp")
      .value("EQ", Cmp::Eq).value("NE", Cmp::Ne).value("LT", Cmp::Lt)
      .value("LE", Cmp::Le).value("GT", Cmp::Gt).value("GE", Cmp::Ge);
  py::enum_<MutexKind>(m, "MutexKind")
      .value("BLOCKING", MutexKind::Blocking)
      .value("BLOCKING_SEND", MutexKind::BlockingSend)
      .value("ASYNC_FAIR", MutexKind::AsyncFair)
      .value("ASYNC_BARGING", MutexKind::AsyncBarging);
  py::enum_<RwLockKind>(m, "RwLockKind")
      .value("STD", RwLockKind::Std)
      .value("TOKIO", RwLockKind::Tokio);
  py::enum_<BarrierKind>(m, "BarrierKind")
      .value("STD", BarrierKind::Std)
      .value("TOKIO", BarrierKind::Tokio);
  py::enum_<HandlerKind>(m, "HandlerKind")
      .value("EVENT", HandlerKind::Event).value("CLEANUP", HandlerKind::Cleanup);

  py::class_<Cond>(m, "Cond")
      .def(py::init<>())
      .def_readwrite("counter", &Cond::counter)
      .def_readwrite("cmp", &Cond::cmp)
      .def_readwrite("value", &Cond::value);
  py::class_<OpSpec>(m, "OpSpec")
      .def(py::init<>())
      .def_readwrite("kind", &OpSpec::kind)
      .def_readwrite("target", &OpSpec::target)
      .def_readwrite("text", &OpSpec::text)
      .def_readwrite("value", &OpSpec::value)
      .def_readwrite("expected", &OpSpec::expected)
      .def_readwrite("cond", &OpSpec::cond)
      .def_readwrite("body", &OpSpec::body)
      .def_readwrite("orelse", &OpSpec::orelse)
      .def_readwrite("then", &OpSpec::then)
      .def_readwrite("lagged", &OpSpec::lagged)
      .def_readwrite("flag", &OpSpec::flag)
      .def_readwrite("unordered", &OpSpec::unordered);
  py::class_<MutexSpec>(m, "MutexSpec")
      .def(py::init<>())
      .def_readwrite("name", &MutexSpec::name)
      .def_readwrite("kind", &MutexSpec::kind);
  py::class_<RwLockSpec>(m, "RwLockSpec")
      .def(py::init<>())
      .def_readwrite("name", &RwLockSpec::name)
      .def_readwrite("kind", &RwLockSpec::kind);
  py::class_<CondvarSpec>(m, "CondvarSpec")
      .def(py::init<>())
      .def_readwrite("name", &CondvarSpec::name);
  py::class_<BarrierSpec>(m, "BarrierSpec")
      .def(py::init<>())
      .def_readwrite("name", &BarrierSpec::name)
      .def_readwrite("parties", &BarrierSpec::parties)
      .def_readwrite("kind", &BarrierSpec::kind);
  py::class_<SemaphoreSpec>(m, "SemaphoreSpec")
      .def(py::init<>())
      .def_readwrite("name", &SemaphoreSpec::name)
      .def_readwrite("permits", &SemaphoreSpec::permits);
  py::class_<NotifySpec>(m, "NotifySpec")
      .def(py::init<>())
      .def_readwrite("name", &NotifySpec::name);
  py::class_<ChannelSpec>(m, "ChannelSpec")
      .def(py::init<>())
      .def_readwrite("name", &ChannelSpec::name)
      .def_readwrite("capacity", &ChannelSpec::capacity)
      .def_readwrite("bound", &ChannelSpec::bound)
      .def_readwrite("senders", &ChannelSpec::senders)
      .def_readwrite("oneshot", &ChannelSpec::oneshot);
  py::class_<JoinSetSpec>(m, "JoinSetSpec")
      .def(py::init<>())
      .def_readwrite("name", &JoinSetSpec::name)
      .def_readwrite("owner", &JoinSetSpec::owner);
  py::class_<BroadcastReceiverSpec>(m, "BroadcastReceiverSpec")
      .def(py::init<>())
      .def_readwrite("holder", &BroadcastReceiverSpec::holder);
  py::class_<BroadcastSpec>(m, "BroadcastSpec")
      .def(py::init<>())
      .def_readwrite("name", &BroadcastSpec::name)
      .def_readwrite("capacity", &BroadcastSpec::capacity)
      .def_readwrite("senders", &BroadcastSpec::senders)
      .def_readwrite("receivers", &BroadcastSpec::receivers)
      .def_readwrite("watch", &BroadcastSpec::watch)
      .def_readwrite("initial", &BroadcastSpec::initial);
  py::class_<WaitQueueSpec>(m, "WaitQueueSpec")
      .def(py::init<>())
      .def_readwrite("name", &WaitQueueSpec::name)
      .def_readwrite("slot", &WaitQueueSpec::slot);
  py::class_<WakerSpec>(m, "WakerSpec")
      .def(py::init<>())
      .def_readwrite("name", &WakerSpec::name)
      .def_readwrite("wake", &WakerSpec::wake)
      .def_readwrite("wake_by_ref", &WakerSpec::wake_by_ref)
      .def_readwrite("clone", &WakerSpec::clone)
      .def_readwrite("drop", &WakerSpec::drop);
  py::class_<CounterSpec>(m, "CounterSpec")
      .def(py::init<>())
      .def_readwrite("name", &CounterSpec::name)
      .def_readwrite("initial", &CounterSpec::initial)
      .def_readwrite("bound", &CounterSpec::bound);
  py::class_<AtomicSpec>(m, "AtomicSpec")
      .def(py::init<>())
      .def_readwrite("name", &AtomicSpec::name)
      .def_readwrite("initial", &AtomicSpec::initial);
  py::class_<RefCellSpec>(m, "RefCellSpec")
      .def(py::init<>())
      .def_readwrite("name", &RefCellSpec::name);
  py::class_<ObjectSpec>(m, "ObjectSpec")
      .def(py::init<>())
      .def_readwrite("name", &ObjectSpec::name)
      .def_readwrite("owner", &ObjectSpec::owner)
      .def_readwrite("on_drop", &ObjectSpec::on_drop);
  py::class_<TaskSpec>(m, "TaskSpec")
      .def(py::init<>())
      .def_readwrite("name", &TaskSpec::name)
      .def_readwrite("ops", &TaskSpec::ops)
      .def_readwrite("count", &TaskSpec::count)
      .def_readwrite("autostart", &TaskSpec::autostart)
      .def_readwrite("daemon", &TaskSpec::daemon)
      .def_readwrite("mask", &TaskSpec::mask)
      .def_readwrite("must_finish", &TaskSpec::must_finish)
      .def_readwrite("kill_points", &TaskSpec::kill_points)
      .def_readwrite("waker", &TaskSpec::waker);
  py::class_<HandlerSpec>(m, "HandlerSpec")
      .def(py::init<>())
      .def_readwrite("name", &HandlerSpec::name)
      .def_readwrite("kind", &HandlerSpec::kind)
      .def_readwrite("at", &HandlerSpec::at)
      .def_readwrite("ops", &HandlerSpec::ops)
      .def_readwrite("connection", &HandlerSpec::connection);
  py::class_<ThreadSpec>(m, "ThreadSpec")
      .def(py::init<>())
      .def_readwrite("name", &ThreadSpec::name)
      .def_readwrite("at", &ThreadSpec::at)
      .def_readwrite("ops", &ThreadSpec::ops)
      .def_readwrite("autostart", &ThreadSpec::autostart);
  py::class_<FutureSpec>(m, "FutureSpec")
      .def(py::init<>())
      .def_readwrite("name", &FutureSpec::name)
      .def_readwrite("owner", &FutureSpec::owner)
      .def_readwrite("ops", &FutureSpec::ops);
  py::class_<ConnectionSpec>(m, "ConnectionSpec")
      .def(py::init<>())
      .def_readwrite("name", &ConnectionSpec::name);
  py::class_<ScenarioSpec>(m, "ScenarioSpec")
      .def(py::init<>())
      .def_readwrite("name", &ScenarioSpec::name)
      .def_readwrite("mutexes", &ScenarioSpec::mutexes)
      .def_readwrite("semaphores", &ScenarioSpec::semaphores)
      .def_readwrite("notifies", &ScenarioSpec::notifies)
      .def_readwrite("channels", &ScenarioSpec::channels)
      .def_readwrite("broadcasts", &ScenarioSpec::broadcasts)
      .def_readwrite("join_sets", &ScenarioSpec::join_sets)
      .def_readwrite("rwlocks", &ScenarioSpec::rwlocks)
      .def_readwrite("condvars", &ScenarioSpec::condvars)
      .def_readwrite("barriers", &ScenarioSpec::barriers)
      .def_readwrite("queues", &ScenarioSpec::queues)
      .def_readwrite("counters", &ScenarioSpec::counters)
      .def_readwrite("atomics", &ScenarioSpec::atomics)
      .def_readwrite("refcells", &ScenarioSpec::refcells)
      .def_readwrite("objects", &ScenarioSpec::objects)
      .def_readwrite("tasks", &ScenarioSpec::tasks)
      .def_readwrite("handlers", &ScenarioSpec::handlers)
      .def_readwrite("threads", &ScenarioSpec::threads)
      .def_readwrite("connections", &ScenarioSpec::connections)
      .def_readwrite("latency_bound", &ScenarioSpec::latency_bound)
      .def_readwrite("max_live_tasks", &ScenarioSpec::max_live_tasks)
      .def_readwrite("futures", &ScenarioSpec::futures)
      .def_readwrite("wakers", &ScenarioSpec::wakers)
      .def_readwrite("workers", &ScenarioSpec::workers);

  py::class_<Scenario, std::shared_ptr<Scenario>>(m, "Scenario")
      .def_readonly("name", &Scenario::name)
      .def_readonly("ntasks", &Scenario::ntasks);
  m.def("compile", [](const ScenarioSpec& s) { return std::make_shared<Scenario>(compile(s)); },
        py::arg("spec"));
}

}  // namespace wb::py_bind

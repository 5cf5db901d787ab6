"""Type stubs for the private compiled module wakebench._core."""

from typing import Callable, ClassVar, Dict, List, Optional, Tuple, Union

class Error(Exception): ...
class ScenarioError(Error, ValueError): ...
class ScheduleError(Error, ValueError): ...
class UnknownNameError(Error, ValueError): ...
class PolicyError(Error, RuntimeError): ...

class OpKind:
    value: int
    name: str
    PRINT: ClassVar[OpKind]
    LOCK: ClassVar[OpKind]
    UNLOCK: ClassVar[OpKind]
    REGISTER: ClassVar[OpKind]
    UNREGISTER: ClassVar[OpKind]
    ACQUIRE: ClassVar[OpKind]
    RELEASE: ClassVar[OpKind]
    SEQ: ClassVar[OpKind]
    NOTIFIED: ClassVar[OpKind]
    NOTIFY_ONE: ClassVar[OpKind]
    NOTIFY_WAITERS: ClassVar[OpKind]
    SEND: ClassVar[OpKind]
    RECV: ClassVar[OpKind]
    CLOSE_CHANNEL: ClassVar[OpKind]
    DROP_SENDER: ClassVar[OpKind]
    TRY_LOCK: ClassVar[OpKind]
    TRY_SEND: ClassVar[OpKind]
    TRY_RECV: ClassVar[OpKind]
    TRY_ACQUIRE: ClassVar[OpKind]
    CONTINUE: ClassVar[OpKind]
    BORROW: ClassVar[OpKind]
    BORROW_MUT: ClassVar[OpKind]
    END_BORROW: ClassVar[OpKind]
    TRY_BORROW: ClassVar[OpKind]
    TRY_BORROW_MUT: ClassVar[OpKind]
    PANIC: ClassVar[OpKind]
    WITH: ClassVar[OpKind]
    RW_READ: ClassVar[OpKind]
    RW_WRITE: ClassVar[OpKind]
    RW_UNLOCK_READ: ClassVar[OpKind]
    RW_UNLOCK_WRITE: ClassVar[OpKind]
    TRY_READ: ClassVar[OpKind]
    TRY_WRITE: ClassVar[OpKind]
    CV_WAIT: ClassVar[OpKind]
    CV_NOTIFY_ONE: ClassVar[OpKind]
    CV_NOTIFY_ALL: ClassVar[OpKind]
    BARRIER_WAIT: ClassVar[OpKind]
    BCAST_SEND: ClassVar[OpKind]
    BCAST_RECV: ClassVar[OpKind]
    SUBSCRIBE: ClassVar[OpKind]
    BCAST_DROP_SENDER: ClassVar[OpKind]
    WATCH_BORROW: ClassVar[OpKind]
    JS_SPAWN: ClassVar[OpKind]
    JOIN_NEXT: ClassVar[OpKind]
    JS_ABORT_ALL: ClassVar[OpKind]
    JS_DROP: ClassVar[OpKind]
    POLL_WITH: ClassVar[OpKind]
    PENDING: ClassVar[OpKind]
    PARK: ClassVar[OpKind]
    WAKE: ClassVar[OpKind]
    WAKE_ALL: ClassVar[OpKind]
    YIELD: ClassVar[OpKind]
    DROP: ClassVar[OpKind]
    SPAWN: ClassVar[OpKind]
    ADD: ClassVar[OpKind]
    SET: ClassVar[OpKind]
    LOOP: ClassVar[OpKind]
    REPEAT: ClassVar[OpKind]
    IF: ClassVar[OpKind]
    BREAK: ClassVar[OpKind]
    SLEEP: ClassVar[OpKind]
    READ: ClassVar[OpKind]
    COMPUTE: ClassVar[OpKind]
    SPAWN_BLOCKING: ClassVar[OpKind]
    NOTIFY_LOOP: ClassVar[OpKind]
    AWAIT: ClassVar[OpKind]
    SELECT: ClassVar[OpKind]
    BRANCH: ClassVar[OpKind]
    BUFFERED: ClassVar[OpKind]
    CRITICAL: ClassVar[OpKind]
    MASK: ClassVar[OpKind]
    RESTORE: ClassVar[OpKind]
    CATCH: ClassVar[OpKind]
    THROW_TO: ClassVar[OpKind]
    WAIT_TASK: ClassVar[OpKind]
    ABORT: ClassVar[OpKind]
    LOAD: ClassVar[OpKind]
    STORE: ClassVar[OpKind]
    SWAP: ClassVar[OpKind]
    COMPARE_EXCHANGE: ClassVar[OpKind]
    FETCH_ADD: ClassVar[OpKind]

class Cmp:
    value: int
    name: str
    EQ: ClassVar[Cmp]
    NE: ClassVar[Cmp]
    LT: ClassVar[Cmp]
    LE: ClassVar[Cmp]
    GT: ClassVar[Cmp]
    GE: ClassVar[Cmp]

class MutexKind:
    value: int
    name: str
    BLOCKING: ClassVar[MutexKind]
    BLOCKING_SEND: ClassVar[MutexKind]
    ASYNC_FAIR: ClassVar[MutexKind]
    ASYNC_BARGING: ClassVar[MutexKind]

class RwLockKind:
    value: int
    name: str
    STD: ClassVar[RwLockKind]
    TOKIO: ClassVar[RwLockKind]

class BarrierKind:
    value: int
    name: str
    STD: ClassVar[BarrierKind]
    TOKIO: ClassVar[BarrierKind]

class HandlerKind:
    value: int
    name: str
    EVENT: ClassVar[HandlerKind]
    CLEANUP: ClassVar[HandlerKind]

class Cond:
    counter: str
    cmp: Cmp
    value: int
    def __init__(self) -> None: ...

class OpSpec:
    kind: OpKind
    target: str
    text: str
    value: int
    expected: int
    flag: bool
    unordered: bool
    cond: Cond
    body: List[OpSpec]
    orelse: List[OpSpec]
    then: List[OpSpec]
    lagged: List[OpSpec]
    def __init__(self) -> None: ...

class MutexSpec:
    name: str
    kind: MutexKind
    def __init__(self) -> None: ...

class RwLockSpec:
    name: str
    kind: RwLockKind
    def __init__(self) -> None: ...

class CondvarSpec:
    name: str
    def __init__(self) -> None: ...

class BarrierSpec:
    name: str
    parties: int
    kind: BarrierKind
    def __init__(self) -> None: ...

class SemaphoreSpec:
    name: str
    permits: int
    def __init__(self) -> None: ...

class NotifySpec:
    name: str
    def __init__(self) -> None: ...

class ChannelSpec:
    name: str
    capacity: int
    bound: int
    senders: int
    oneshot: bool
    def __init__(self) -> None: ...

class JoinSetSpec:
    name: str
    owner: str
    def __init__(self) -> None: ...

class BroadcastReceiverSpec:
    holder: str
    def __init__(self) -> None: ...

class BroadcastSpec:
    name: str
    capacity: int
    senders: int
    receivers: List[BroadcastReceiverSpec]
    watch: bool
    initial: int
    def __init__(self) -> None: ...

class WaitQueueSpec:
    name: str
    slot: bool
    def __init__(self) -> None: ...

class WakerSpec:
    name: str
    wake: List[OpSpec]
    wake_by_ref: List[OpSpec]
    clone: List[OpSpec]
    drop: List[OpSpec]
    def __init__(self) -> None: ...

class CounterSpec:
    name: str
    initial: int
    bound: int
    def __init__(self) -> None: ...

class AtomicSpec:
    name: str
    initial: int
    def __init__(self) -> None: ...

class RefCellSpec:
    name: str
    def __init__(self) -> None: ...

class ObjectSpec:
    name: str
    owner: str
    on_drop: List[OpSpec]
    def __init__(self) -> None: ...

class TaskSpec:
    name: str
    ops: List[OpSpec]
    count: int
    autostart: bool
    daemon: bool
    mask: int
    must_finish: bool
    kill_points: bool
    waker: str
    def __init__(self) -> None: ...

class HandlerSpec:
    name: str
    kind: HandlerKind
    at: int
    ops: List[OpSpec]
    connection: str
    def __init__(self) -> None: ...

class FutureSpec:
    name: str
    owner: str
    ops: List[OpSpec]
    def __init__(self) -> None: ...

class ConnectionSpec:
    name: str
    def __init__(self) -> None: ...

class ThreadSpec:
    name: str
    at: int
    ops: List[OpSpec]
    autostart: bool
    def __init__(self) -> None: ...

class ScenarioSpec:
    name: str
    mutexes: List[MutexSpec]
    semaphores: List[SemaphoreSpec]
    notifies: List[NotifySpec]
    channels: List[ChannelSpec]
    broadcasts: List[BroadcastSpec]
    join_sets: List[JoinSetSpec]
    rwlocks: List[RwLockSpec]
    condvars: List[CondvarSpec]
    barriers: List[BarrierSpec]
    queues: List[WaitQueueSpec]
    counters: List[CounterSpec]
    atomics: List[AtomicSpec]
    refcells: List[RefCellSpec]
    objects: List[ObjectSpec]
    tasks: List[TaskSpec]
    handlers: List[HandlerSpec]
    threads: List[ThreadSpec]
    connections: List[ConnectionSpec]
    latency_bound: int
    max_live_tasks: int
    futures: List[FutureSpec]
    wakers: List[WakerSpec]
    workers: int
    def __init__(self) -> None: ...

class Scenario:
    @property
    def name(self) -> str: ...
    @property
    def ntasks(self) -> int: ...

def compile(spec: ScenarioSpec) -> Scenario: ...

class PythonPolicy:
    def __init__(self, name: str, decide: Callable[[dict], str]) -> None: ...
    @property
    def name(self) -> str: ...

def builtin_policies() -> List[str]: ...

class Limits:
    max_steps: int
    max_seconds: float
    max_memory: int
    max_depth: int
    max_trace: int
    def __init__(self) -> None: ...

class TraceRecord:
    @property
    def step(self) -> int: ...
    @property
    def time(self) -> int: ...
    @property
    def thread(self) -> int: ...
    @property
    def depth(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def task(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def text(self) -> str: ...

class Outcome:
    @property
    def policy(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def explanation(self) -> str: ...
    @property
    def step(self) -> int: ...
    @property
    def schedule(self) -> str: ...
    @property
    def trace_truncated(self) -> bool: ...
    @property
    def choices(self) -> List[Tuple[str, int, int]]: ...
    @property
    def output(self) -> List[Tuple[int, int, str]]: ...
    @property
    def stats(self) -> Dict[str, Union[int, float]]: ...
    def trace(self) -> List[TraceRecord]: ...
    def trace_text(self) -> str: ...

class ExploreReport:
    @property
    def schedules(self) -> int: ...
    @property
    def pruned(self) -> int: ...
    @property
    def revisits(self) -> int: ...
    @property
    def states(self) -> int: ...
    @property
    def complete(self) -> bool: ...
    @property
    def distinct(self) -> int: ...
    @property
    def deviation_cut(self) -> bool: ...
    @property
    def finished(self) -> bool: ...
    @property
    def elapsed_s(self) -> float: ...
    @property
    def outcomes(self) -> Dict[str, int]: ...
    @property
    def counterexample(self) -> Optional[Outcome]: ...
    @property
    def found_schedule(self) -> str: ...
    @property
    def minimise_runs(self) -> int: ...

class Explorer:
    def __init__(self, scenario: Scenario, policy: Union[str, PythonPolicy], strategy: str,
                 seed: int = ..., pct_depth: int = ..., sleep_sets: bool = ...,
                 state_cache: bool = ..., max_deviations: int = ..., stop_at_first: bool = ..., count_bounds: bool = ...,
                 limits: Limits = ..., seconds_total: float = ..., jobs: int = ...,
                 snapshots: bool = ..., symmetry: bool = ...) -> None: ...
    def advance(self, max_schedules: int, max_seconds: float) -> bool: ...
    def checkpoint(self) -> str: ...
    def resume(self, text: str) -> None: ...
    @property
    def report(self) -> ExploreReport: ...

def verdict_kinds() -> List[str]: ...
def run_libev(scenario: Scenario, policy: Union[str, PythonPolicy], trace: bool = ...,
              limits: Limits = ..., time_scale: float = ..., watchdog_s: float = ...) -> Outcome: ...
def loop_figures(seconds: float) -> Dict[str, float]: ...
def run(scenario: Scenario, policy: Union[str, PythonPolicy], seed: Optional[int] = ...,
        schedule: Optional[str] = ..., stream: Optional[List[int]] = ..., trace: bool = ...,
        limits: Limits = ...) -> Outcome: ...

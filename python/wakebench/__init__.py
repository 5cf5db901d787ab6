"""wakebench: a test bench for async executors.

Build a scenario, run it under a scheduling policy, read the verdict::

    import wakebench as wb
    out = wb.run("h2-drop-wake-nested", policy="ngx_inline")
    out.verdict.kind        # 'deadlock/reentrant_lock'
    print(out.explanation)  # the lock, the holding frame, the waiting frame, the step
    print(out.trace_text)   # byte-identical for the same scenario, policy and schedule
"""

from . import catalog, ops
from .api import DEFAULT_LIMITS, Interrupted, explore, run
from .errors import (ArgumentError, ArgumentTypeError, CheckpointError, Error, PolicyError,
                     ScenarioError, ScenarioTypeError, ScheduleError, UnknownNameError)
from .outcome import Exploration, Outcome, Output, TraceEvent, Verdict
from .policy import ACTIONS, Policy, WakeInfo, builtin_policies
from .scenario import (Atomic, Barrier, Broadcast, Channel, Condvar, Counter, Future, JoinSet,
                       Mutex, Notify, Object, Oneshot, RefCell, RwLock, Scenario, Semaphore, Task,
                       WaitQueue, Watch)

__version__ = "0.1.0"

__all__ = [
    "run", "explore", "DEFAULT_LIMITS",
    "Scenario", "Mutex", "RwLock", "Condvar", "Barrier", "WaitQueue", "Counter", "Atomic", "Task",
    "Object", "Semaphore", "Channel", "Oneshot", "Broadcast", "Watch", "JoinSet", "Notify", "Future",
    "RefCell", "ops", "catalog",
    "Outcome", "Verdict", "Output", "TraceEvent", "Exploration",
    "Policy", "WakeInfo", "ACTIONS", "builtin_policies",
    "Error", "ScenarioError", "ScenarioTypeError", "ScheduleError", "PolicyError",
    "UnknownNameError", "ArgumentError", "ArgumentTypeError", "CheckpointError", "Interrupted",
    "verdict_kinds",
]


def verdict_kinds() -> list:
    """Every verdict kind the model can give."""
    from . import _core
    return list(_core.verdict_kinds())

"""Scheduling policies: what wake() does.

The built-in policies run in C++ (``cpp/exec/policy.cpp``)::

    ngx_inline        ngx-rust before PR #295: poll the woken task on the waker's stack;
                      woken while running: through the scheduler (as ngx_posted_next)
    ngx_defer_nested  the maintainer's proposal: through the scheduler when any task
                      is being polled, inline otherwise
    ngx_posted_next   PR #295, ngx-rust's scheduler today (src/async_/spawn.rs): queue
                      the task and post the scheduler's one event to
                      ngx_posted_next_events; the next iteration does not block and
                      runs what was queued before the event's handler began
    ngx_posted        the alternative that keeps idle waits: ngx_post_event to this
                      iteration's ngx_posted_events
    fifo              a run queue polled after the current poll returns (tokio LocalSet);
                      thread-safe: a push from another thread unparks the loop
    thread_notify     a thread-safe inbox plus a notify that ends the loop's wait (ngx-tickle)

A task woken while it is being polled is scheduled when that poll returns
Pending (async-task's RawTask::run, tokio's harness), with
``WakeInfo.task_running`` set.

``Policy(name, decide)`` defines one in Python. It is the SLOW path: every
wake re-enters the interpreter under the GIL, so runs and explorations are
orders of magnitude slower. Prototype with it; write the policy in C++
(``cpp/exec/policy.cpp``) to explore at speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Tuple, Union

from . import _core
from .errors import ArgumentError, ArgumentTypeError, PolicyError, UnknownNameError, one_line

__all__ = ["Policy", "WakeInfo", "ACTIONS", "builtin_policies", "PolicyLike"]

#: What a policy may answer.
ACTIONS = ("inline", "posted", "posted_next", "run_queue", "inbox")


@dataclass(frozen=True)
class WakeInfo:
    """One wake, as a policy sees it."""

    task: str             #: the woken task
    ctx: str              #: own_poll, task_poll, drop_hook, event_handler, cleanup_handler, spawn
    task_running: bool    #: the woken task is being polled (woken while running)
    polling: bool         #: some task is being polled on the waker's stack
    depth: int            #: frames on the waker's stack
    locks_held: int       #: blocking mutexes held on the waker's stack
    held: Tuple[str, ...]  #: their names (the first eight)
    waker_thread: str = "main"  #: the thread calling wake()
    home_thread: str = "main"   #: the thread the woken task belongs to


class Policy:
    """A policy written in Python (slow path): ``decide(WakeInfo) -> action``,
    one of ``ACTIONS``. A task that is running must not be polled inline."""

    def __init__(self, name: str, decide: Callable[[WakeInfo], str]) -> None:
        if not isinstance(name, str) or not name:
            raise ArgumentTypeError(f"Policy: a name must be a non-empty str, got {one_line(name, 40)}")
        if not name.isprintable():
            raise ArgumentError(f"Policy: a name must be printable, got {one_line(name, 60)}")
        if not callable(decide):
            raise ArgumentTypeError(f"Policy {name!r}: decide must be callable")
        self.name = name
        self.decide = decide

        def call(info: dict) -> str:
            action = decide(WakeInfo(**{**info, "held": tuple(info["held"])}))
            if action not in ACTIONS:  # also refuses non-str answers, shown quoted
                raise PolicyError(f"policy {name!r} returned {one_line(action, 60)} "
                                  f"(valid: {', '.join(ACTIONS)})")
            return action

        self._core = _core.PythonPolicy(name, call)

    def __repr__(self) -> str:
        return f"Policy({self.name!r})"


PolicyLike = Union[str, Policy]


def builtin_policies() -> list:
    return list(_core.builtin_policies())


def resolve(policy: PolicyLike) -> Union[str, "_core.PythonPolicy"]:
    if isinstance(policy, Policy):
        return policy._core
    if isinstance(policy, str):
        names = builtin_policies()
        if policy not in names:
            raise UnknownNameError(f"unknown policy {one_line(policy, 60)} (valid: {', '.join(names)})")
        return policy
    raise ArgumentTypeError(f"policy must be a name or a Policy, got {type(policy).__name__}")

"""run() and explore(): scenarios in, outcomes out. The work happens in C++
with the GIL released."""

from __future__ import annotations

import json
import os
import time
from typing import Callable, Optional, Sequence, Tuple, Union

from . import _core, catalog
from .outcome import Exploration, Outcome
from .errors import (UINT32, UINT64, ArgumentError, ArgumentTypeError, CheckpointError,
                     UnknownNameError, check_int, check_schedule, one_line)
from .policy import PolicyLike, resolve
from .scenario import Scenario

__all__ = ["run", "explore", "Interrupted", "DEFAULT_LIMITS", "STRATEGIES", "BACKENDS"]

#: Bounds of every run; each stops a run with a ``bound/...`` verdict.
DEFAULT_LIMITS = {
    "max_steps": 5_000_000,
    "max_seconds": 10.0,
    "max_memory": 1 << 30,
    "max_depth": 256,
    "max_trace": 1_000_000,
}


def _scenario(s: Union[str, Scenario]) -> Scenario:
    if isinstance(s, Scenario):
        return s
    if isinstance(s, str):
        return catalog.get(s)
    raise ArgumentTypeError(f"scenario must be a Scenario or a catalog name, got {type(s).__name__}")


def _limits(max_steps: Optional[int], max_seconds: Optional[float], max_memory: Optional[int],
            max_depth: Optional[int], max_trace: Optional[int] = None) -> _core.Limits:
    lim = _core.Limits()
    values = {"max_steps": max_steps, "max_seconds": max_seconds, "max_memory": max_memory,
              "max_depth": max_depth, "max_trace": max_trace}
    caps = {"max_steps": 4_000_000_000, "max_seconds": 24 * 3600.0, "max_memory": 1 << 36,
            "max_depth": 65_535, "max_trace": 100_000_000}
    for key, v in values.items():
        if v is None:
            v = DEFAULT_LIMITS[key]
        if key == "max_seconds":
            v = _seconds(v, key, caps[key])
        else:
            v = check_int(v, key, 1, int(caps[key]), error=ArgumentError)
        setattr(lim, key, v)
    return lim


BACKENDS = ("sim", "libev")


def _check_seed(seed: object) -> None:
    check_int(seed, "seed", *UINT64, error=ArgumentError)


def _seconds(v: object, what: str, cap: float) -> float:
    """A positive, finite number of seconds up to ``cap``."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ArgumentTypeError(f"{what}: expected a number, got {type(v).__name__}")
    if not 0 < v <= cap:  # also false for nan
        raise ArgumentError(f"{what}: must be in (0, {cap}], got {v!r}")
    return float(v)


def run(scenario: Union[str, Scenario], policy: PolicyLike = "fifo", *,
        seed: Optional[int] = None, schedule: Optional[str] = None,
        choices: Optional[Sequence[int]] = None, trace: bool = True,
        backend: str = "sim", time_scale: float = 1.0, watchdog_s: float = 2.0,
        max_steps: Optional[int] = None, max_seconds: Optional[float] = None,
        max_memory: Optional[int] = None, max_depth: Optional[int] = None) -> Outcome:
    """Run a scenario once under a policy.

    With none of ``seed``, ``schedule`` or ``choices`` the run takes the
    canonical schedule (the first option at every choice point: FIFO queues,
    declaration order). ``seed`` draws every choice at random from that seed;
    ``schedule`` replays a schedule string (``Outcome.schedule``); ``choices``
    is a stream of integers, the i-th choice taking option ``choices[i] % n``
    (what ``strategies.schedules()`` draws, so hypothesis shrinks it). The
    same scenario, policy and schedule give a byte-identical trace.

    ``backend="libev"`` runs the same scenario on a real libev loop in real
    time: handlers fire from socketpairs at ``at * time_scale`` ms, the
    posted pass runs on ev_prepare, posted-next through an idle watcher; the
    real loop makes the choices (no seed or schedule), trace times are
    wall-clock microseconds, and a run with no progress for ``watchdog_s``
    is stopped and judged. Ctrl-C interrupts it cleanly.
    """
    sc = _scenario(scenario)
    if backend not in BACKENDS:
        raise UnknownNameError(f"unknown backend {backend!r} (valid: {', '.join(BACKENDS)})")
    if backend == "libev":
        if seed is not None or schedule is not None or choices is not None:
            raise ArgumentError("the libev backend runs in real time: the loop makes the choices, "
                             "so seed, schedule and choices apply to the simulator only")
        for name, v in (("time_scale", time_scale), ("watchdog_s", watchdog_s)):
            _seconds(v, name, 3600)
        raw = _core.run_libev(sc.build(), resolve(policy), bool(trace),
                              _limits(max_steps, max_seconds, max_memory, max_depth),
                              float(time_scale), float(watchdog_s))
        return Outcome(sc, raw, backend="libev")
    if seed is not None:
        _check_seed(seed)
    if schedule is not None:
        check_schedule(schedule)
    stream = None
    if choices is not None:
        stream = [check_int(c, f"choices[{i}]", *UINT64, error=ArgumentError)
                  for i, c in enumerate(choices)]
    raw = _core.run(sc.build(), resolve(policy), seed, schedule, stream, bool(trace),
                    _limits(max_steps, max_seconds, max_memory, max_depth))
    return Outcome(sc, raw)


STRATEGIES = ("random", "pct", "exhaustive")


def _jobs(jobs: Optional[int]) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    return check_int(jobs, "jobs", 1, 1024, error=ArgumentError)


def explore(scenario: Union[str, Scenario], policy: PolicyLike = "fifo", *,
            strategy: str = "exhaustive", budget: int = 100_000,
            max_seconds_total: Optional[float] = None, seed: int = 0, depth: int = 3,
            bound: Optional[int] = None, sleep_sets: bool = True, state_cache: bool = True,
            stop_at_first: bool = True,
            count_bounds: bool = False, checkpoint: Optional[str] = None,
            progress: Optional[Callable[[int, int], None]] = None,
            max_steps: Optional[int] = None, max_seconds: Optional[float] = None,
            max_memory: Optional[int] = None, max_depth: Optional[int] = None,
            jobs: Optional[int] = None, snapshots: bool = True,
            symmetry: bool = True) -> Exploration:
    """Search a scenario's schedules for a counterexample.

    strategy:
      ``"random"``      each schedule draws its choices from seed, seed+1, ...
      ``"pct"``         probabilistic concurrency testing with bug depth ``depth``
      ``"exhaustive"``  every schedule, depth first, with sleep sets (unless
                        ``sleep_sets=False``) and a visited-state cache (unless
                        ``state_cache=False``); ``bound`` caps the choices that
                        leave the natural order along one schedule

    Stops at the first counterexample (unless ``stop_at_first=False``), after
    ``budget`` schedules, or after ``max_seconds_total``. The counterexample
    is minimised (the shortest, smallest schedule that gives the same verdict
    kind) and comes with its trace. ``max_steps``... bound each run.
    ``progress(done, budget)`` is called between slices of work.

    ``jobs`` (random, PCT): runs at once, on as many threads (default: one
    per core); the runs are recorded in seed order, so the result is the
    same for any number. Exhaustive search and Python policies use one.

    ``snapshots`` (exhaustive, built-in policies): a run resumes from the
    world kept at the deepest thread choice it shares with the last run,
    instead of running that prefix again. It changes no result, only the
    time; ``False`` runs every schedule from the start (an oracle for it).

    ``symmetry`` (exhaustive, with the state cache, built-in policies):
    states that differ only in which of two identical tasks (the same
    program and settings) does what count as one state, for a scenario
    within the vocabulary renaming is proven for (async mutexes, yield,
    atomics and counters, locals and jumps on tasks started at startup; see
    the core's explore/symmetry.hpp); any other scenario is searched as
    without it. ``states`` then counts states up to that renaming.

    ``checkpoint`` (exhaustive only): a file the search's position is saved
    to about every second, on Ctrl-C and when the budget runs out; an
    exploration given an existing checkpoint resumes from it (as loom's
    LOOM_CHECKPOINT_FILE), and removes it once the search has finished.
    The file names the scenario, the policy and the settings: another
    exploration's file is a CheckpointError.
    """
    sc = _scenario(scenario)
    if strategy not in STRATEGIES:
        raise UnknownNameError(f"unknown strategy {strategy!r} (valid: {', '.join(STRATEGIES)})")
    check_int(budget, "budget", 1, UINT64[1], error=ArgumentError)
    check_int(depth, "depth", 1, UINT32[1], error=ArgumentError)
    if bound is not None:  # 2**32 - 1 means no bound
        check_int(bound, "bound", 0, UINT32[1] - 1, error=ArgumentError)
    _check_seed(seed)
    deadline = (float("inf") if max_seconds_total is None
                else _seconds(max_seconds_total, "max_seconds_total", float("inf")))
    ex = _core.Explorer(sc.build(), resolve(policy), strategy, seed, depth, bool(sleep_sets),
                        bool(state_cache),
                        0xFFFFFFFF if bound is None else bound, bool(stop_at_first),
                        bool(count_bounds),
                        _limits(max_steps, max_seconds, max_memory, max_depth),
                        1e300 if deadline == float("inf") else deadline,
                        _jobs(jobs), bool(snapshots), bool(symmetry))
    name = policy if isinstance(policy, str) else policy.name
    saver = None
    if checkpoint is not None:
        if strategy != "exhaustive":
            raise ArgumentError("checkpoint: only an exhaustive search can be checkpointed")
        saver = _Checkpoint(checkpoint, {
            "scenario": sc.name, "policy": name, "sleep_sets": bool(sleep_sets),
            "state_cache": bool(state_cache), "symmetry": bool(symmetry), "bound": bound, "stop_at_first": bool(stop_at_first),
            "count_bounds": bool(count_bounds),
            "limits": [max_steps, max_seconds, max_memory, max_depth]})
        saver.resume(ex)

    # The model's own bounds (not the runs' limits: a run stopped at one is
    # inconclusive): what an "ok" holds within.
    within: Tuple[str, ...] = ()
    if bound is not None:
        within += (f"at most {bound} choices off the natural order per schedule",)
    if len(sc._spec.condvars):  # primitives/condvar.hpp
        within += ("at most one spurious wake-up per condvar wait op, per thread, per run",)

    def summary(r: "_core.ExploreReport", interrupted: bool = False) -> Exploration:
        cx = Outcome(sc, r.counterexample) if r.counterexample is not None else None
        return Exploration(scenario=sc.name, policy=name, strategy=strategy,
                           schedules=r.schedules, pruned=r.pruned, states=r.states,
                           complete=r.complete and not interrupted, outcomes=dict(r.outcomes),
                           counterexample=cx, found_schedule=r.found_schedule or None,
                           elapsed_s=r.elapsed_s, interrupted=interrupted, distinct=r.distinct,
                           bound=bound, deviation_cut=r.deviation_cut, budget=budget,
                           revisits=r.revisits, within=within)

    # Advance in slices of at most SLICE_S (each runs in C++ without the GIL)
    # so a progress bar, a wall-clock deadline and Ctrl-C are honoured between
    # them; inside a long run the core checks for signals itself.
    t0 = time.monotonic()
    done, finished = 0, False
    r = ex.report
    try:
        while not finished and done < budget:
            left = deadline - (time.monotonic() - t0)
            if left <= 0:
                break
            finished = ex.advance(budget - done, min(left, SLICE_S))
            r = ex.report  # a copy: read it once
            done = r.schedules + r.pruned  # pruned branches count too
            if progress:
                progress(min(done, budget), budget)
            if saver and not finished:
                saver.save(ex, at_most_every=1.0)
    except KeyboardInterrupt:
        if saver:
            saver.save(ex)
        raise Interrupted(summary(ex.report, interrupted=True)) from None
    except RuntimeError as e:
        if saver and "diverged" in str(e):
            raise CheckpointError(f"{checkpoint}: the checkpoint does not fit scenario "
                                  f"{sc.name!r} as it is now (it was saved for another version "
                                  "of it)") from None
        raise
    if saver:
        if finished:
            saver.remove()
        else:
            saver.save(ex)
    return summary(r)


class _Checkpoint:
    """An exhaustive search's position in a file: JSON naming the
    exploration (its settings must match to resume) and the search text.
    Written to a temporary file then renamed, so a crash leaves the last
    complete one."""

    def __init__(self, path: str, settings: dict) -> None:
        self.path, self.settings = os.fspath(path), settings
        self.saved = 0.0

    def resume(self, ex: "_core.Explorer") -> None:
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{self.path}: not a checkpoint: {one_line(e)}") from None
        if not isinstance(data, dict) or data.get("version") != 1 or \
                not isinstance(data.get("search"), str):
            raise CheckpointError(f"{self.path}: not a wakebench checkpoint (version 1)")
        for key, want in self.settings.items():
            if data.get(key) != want:
                raise CheckpointError(f"{self.path}: saved for {key} {data.get(key)!r}, "
                                      f"this exploration has {want!r}")
        try:
            ex.resume(data["search"])
        except ValueError as e:
            raise CheckpointError(f"{self.path}: {one_line(e)}") from None

    def save(self, ex: "_core.Explorer", at_most_every: float = 0.0) -> None:
        now = time.monotonic()
        if now - self.saved < at_most_every:
            return
        self.saved = now
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"version": 1, **self.settings, "search": ex.checkpoint()}, f)
        os.replace(tmp, self.path)

    def remove(self) -> None:
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass


#: The longest stretch explore() spends in C++ between two looks at Ctrl-C,
#: the deadline and the progress callback.
SLICE_S = 0.2


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped ``explore()``: a KeyboardInterrupt that carries the
    partial summary (``.partial``, an ``Exploration`` with
    ``interrupted=True``), so a caller can still show what was searched."""

    def __init__(self, partial: Exploration) -> None:
        super().__init__(f"interrupted after {partial.schedules} schedules")
        self.partial = partial

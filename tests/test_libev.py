"""The libev backend: the same scenarios on a real loop, in real time."""

import _thread
import os
import threading

import pytest

import wakebench as wb
from wakebench import ops


def fd_count():
    return len(os.listdir("/proc/self/fd"))


def has_foreign_threads(name):
    """Foreign threads or several workers: not on the libev backend yet."""
    spec = wb.catalog.get(name).spec
    return len(spec.threads) > 0 or spec.workers > 1


# Foreign threads do not run on the libev backend yet (see the next test).
def test_schedule_independent_verdicts_agree_with_the_simulator():
    compared = 0
    for name in wb.catalog.names():
        if has_foreign_threads(name):
            continue
        for p in wb.builtin_policies():
            ex = wb.explore(name, p, strategy="exhaustive", stop_at_first=False)
            assert ex.complete, (name, p)
            if len(ex.outcomes) != 1:
                continue  # depends on the schedule: the real loop picks one
            (kind,) = ex.outcomes
            real = wb.run(name, p, backend="libev", time_scale=0.02)  # 5 s of scenario: 0.1 s
            assert real.verdict.kind == kind, (name, p, real.explanation)
            assert real.backend == "libev" and real.time_unit == "us"
            compared += 1
    assert compared >= 100  # of the catalog's cells, those the schedule cannot change


def test_foreign_threads_are_refused_clearly_on_libev():
    with pytest.raises(wb.ScenarioError, match="does not run foreign threads yet"):
        wb.run("sidecar-thread-wake", "fifo", backend="libev")
    with pytest.raises(wb.ScenarioError, match="2 workers: the libev backend runs one loop thread"):
        wb.run("std-mutex-two-workers", "fifo", backend="libev")


def test_thread_notify_runs_through_ev_async():
    out = wb.run("h2-drop-wake-cleanup", "thread_notify", backend="libev")
    assert out.verdict.ok and out.policy == "thread_notify"


def spin():
    s = wb.Scenario("spin")
    s.task("t", [ops.loop(ops.yield_())])
    return s


def test_keyboard_interrupt_stops_a_real_time_run_and_leaves_nothing_behind():
    before_fds, before_threads = fd_count(), threading.active_count()
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        wb.run(spin(), "ngx_posted_next", backend="libev", trace=False,
               max_steps=4_000_000_000, max_seconds=30)
    timer.join()
    assert fd_count() == before_fds
    assert threading.active_count() == before_threads
    assert wb.run("h2-drop-wake-nested", "fifo", backend="libev").verdict.ok


def test_python_policy_errors_propagate_from_the_loop():
    def boom(info):
        raise ZeroDivisionError("policy bug")

    before = fd_count()
    with pytest.raises(ZeroDivisionError, match="policy bug"):
        wb.run("h2-drop-wake-cleanup", wb.Policy("boom", boom), backend="libev")
    assert fd_count() == before
    assert wb.run("h2-drop-wake-cleanup", "ngx_posted", backend="libev").verdict.ok


def test_bounds_and_bad_arguments():
    out = wb.run(spin(), "ngx_posted_next", backend="libev", trace=False,
                 max_steps=4_000_000_000, max_seconds=0.2)
    assert out.verdict.kind == "bound/time"
    with pytest.raises(ValueError, match="real time"):
        wb.run("h2-drop-wake-nested", backend="libev", seed=1)
    with pytest.raises(wb.UnknownNameError, match="valid: sim, libev"):
        wb.run("h2-drop-wake-nested", backend="uv")
    with pytest.raises(ValueError, match="time_scale"):
        wb.run("h2-drop-wake-nested", backend="libev", time_scale=0)


def test_cli_backend():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "wakebench.cli", "run", "h2-drop-wake-cleanup",
                        "--policy", "ngx_defer_nested", "--backend", "libev"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "on libev: deadlock/reentrant_lock" in r.stdout


def test_futurelock_on_a_real_loop_prints_what_the_seed_printed():
    out = wb.run("futurelock-select", "fifo", backend="libev", time_scale=0.02)
    assert out.verdict.kind == "deadlock/futurelock"
    assert [o.text for o in out.output] == ["xxx started", "second branch has been run",
                                            "yyy started", "simulate contention done"]
    times = [o.time for o in out.output]  # wall-clock microseconds, scaled by 0.02
    assert times == sorted(times) and times[-1] >= 5000 * 0.02 * 1000

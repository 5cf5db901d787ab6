"""Policies defined in Python (the slow path) behave like their C++ twins."""

import pytest

import wakebench as wb


def inline_like(info: wb.WakeInfo) -> str:
    return "posted" if info.task_running else "inline"


def test_python_policy_matches_builtin_ngx_inline():
    p = wb.Policy("py_inline", inline_like)
    for name in ("h2-drop-wake-nested", "h2-drop-wake-cleanup", "hyper-pool-drop-wake"):
        a, b = wb.run(name, p), wb.run(name, "ngx_inline")
        assert a.verdict.kind == b.verdict.kind == "deadlock/reentrant_lock"
        assert a.trace_text == b.trace_text


def test_policy_sees_wake_context_and_held_locks():
    seen = []

    def decide(info):
        seen.append(info)
        return "posted"

    out = wb.run("h2-drop-wake-nested", wb.Policy("spy", decide))
    assert out.verdict.ok
    from_drop = [i for i in seen if i.ctx == "drop_hook"]
    assert from_drop and from_drop[0].task == "conn"
    assert from_drop[0].held == ("inner",) and from_drop[0].polling


def test_a_lock_aware_policy_avoids_the_deadlock():
    # Inline unless the waker's stack holds a lock: fixes both h2 cases.
    p = wb.Policy("inline_unless_locked",
                  lambda i: "posted" if (i.task_running or i.locks_held) else "inline")
    for name in ("h2-drop-wake-nested", "h2-drop-wake-cleanup", "hyper-pool-drop-wake"):
        assert wb.explore(name, p).verdict == "ok"


def test_policy_errors_propagate():
    def boom(info):
        raise KeyError("policy bug")

    with pytest.raises(KeyError, match="policy bug"):
        wb.run("h2-drop-wake-nested", wb.Policy("boom", boom))
    with pytest.raises(wb.PolicyError, match="returned 'sideways'"):
        wb.run("h2-drop-wake-nested", wb.Policy("bad", lambda i: "sideways"))
    s = wb.Scenario("yielder")
    s.task("t", [wb.ops.yield_()])
    with pytest.raises(wb.PolicyError, match="poll task 't' inline while it is being polled"):
        wb.run(s, wb.Policy("always", lambda i: "inline"))

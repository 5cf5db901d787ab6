"""Bad scenarios are Python exceptions that name the scenario, the owner and the op."""

import pytest

import wakebench as wb
from wakebench import ops


def base():
    s = wb.Scenario("bad")
    m = s.mutex("m")
    q = s.wait_queue("q")
    return s, m, q


def test_unknown_lock():
    s, m, q = base()
    s.task("t", [ops.print("x"), ops.lock("nope")])
    with pytest.raises(wb.ScenarioError) as e:
        wb.run(s)
    msg = str(e.value)
    assert "scenario 'bad'" in msg and "task 't'" in msg and "op #1" in msg
    assert "unknown mutex 'nope' (known: m)" in msg


def test_unknown_task_in_a_handler():
    s, m, q = base()
    s.task("t", [q.park()])
    s.on_cleanup("close", at=1, program=[ops.drop("ghost")])
    with pytest.raises(wb.ScenarioError, match=r"cleanup handler 'close', op #0 \(drop 'ghost'\)"):
        s.build()


def test_unlock_not_held_inside_a_loop():
    s, m, q = base()
    s.task("t", [ops.loop(m.lock(), m.unlock(), m.unlock(), ops.break_())])
    with pytest.raises(wb.ScenarioError, match=r"task 't', op #0\.2 \(unlock 'm'\): unlocks 'm' which it does not hold"):
        s.build()


def test_negative_counts():
    s, m, q = base()
    s.task("t", [ops.repeat(-2, ops.print("x"))])
    with pytest.raises(wb.ScenarioError, match=r"op #0 .*count must be non-negative, got -2"):
        s.build()
    s2 = wb.Scenario("bad2")
    s2.task("t", [ops.print("x")], count=-1)
    with pytest.raises(wb.ScenarioError, match="task 't': count must be at least 1, got -1"):
        s2.build()


def test_absurd_sizes():
    s = wb.Scenario("huge")
    s.task("t", [ops.print("x")], count=10**12)
    with pytest.raises(wb.ScenarioError, match="exceeds the limit"):
        s.build()
    s = wb.Scenario("deep")
    body = ops.print("x")
    for _ in range(200):
        body = ops.loop(body, ops.break_())
    s.task("t", [body])
    with pytest.raises(wb.ScenarioError, match="nests deeper than 32 levels"):
        s.build()


def test_misuse_of_locks_and_awaits():
    s, m, q = base()
    s.task("t", [m.lock()])
    with pytest.raises(wb.ScenarioError, match="ends holding 'm'"):
        s.build()
    s, m, q = base()
    s.object("o", on_drop=[q.park()])
    s.task("t", [])
    with pytest.raises(wb.ScenarioError, match="drop hook of 'o'.*cannot await"):
        s.build()
    s, m, q = base()
    c = s.counter("c")
    s.task("t", [ops.if_(c == 0, m.lock()), m.unlock()])
    with pytest.raises(wb.ScenarioError, match="disagree on which locks are held"):
        s.build()


def test_runtime_misuse_is_an_error_not_a_crash():
    s = wb.Scenario("twice")
    o = s.object("o")
    s.task("t", [o.drop(), o.drop()])
    with pytest.raises(wb.ScenarioError, match="object 'o' is dropped twice"):
        wb.run(s)


def test_type_errors_name_the_place():
    s = wb.Scenario("types")
    with pytest.raises(TypeError, match="task 't': item 1 is str, not an op"):
        s.task("t", [ops.print("x"), "lock m"])
    with pytest.raises(TypeError, match="repeat: expected an int"):
        ops.repeat(2.5, ops.print("x"))
    with pytest.raises(ValueError, match="unknown kind 'reentrant'"):
        s.mutex("m", kind="reentrant")
    with pytest.raises(TypeError, match="condition must compare a counter"):
        ops.if_(True, ops.print("x"))


def test_duplicate_names():
    s, m, q = base()
    s.mutex("m")
    s.task("t", [])
    with pytest.raises(wb.ScenarioError, match="mutex 'm' is declared twice"):
        s.build()


def test_threads_and_computations_are_checked():
    s = wb.Scenario("bad-threads")
    q = s.wait_queue("q")
    s.thread("pool", program=[ops.compute(1)])
    s.task("t", [ops.spawn_blocking("pool")])
    with pytest.raises(wb.ScenarioError, match="starts by itself; declare it with autostart=False"):
        s.build()
    s = wb.Scenario("bad-notify")
    q = s.wait_queue("q")
    s.task("t", [ops.notify_loop(q)])
    with pytest.raises(wb.ScenarioError, match="notify_loop is for foreign threads"):
        s.build()
    s = wb.Scenario("bad-compute")
    s.task("t", [ops.compute(-5)])
    with pytest.raises(wb.ScenarioError, match=r"op #0 \(compute\): duration must be in"):
        s.build()
    s = wb.Scenario("bad-thread-await")
    s.wait_queue("q")
    s.thread("th", program=[ops.park("q")])
    with pytest.raises(wb.ScenarioError, match="thread 'th'.*cannot await"):
        s.build()
    with pytest.raises(wb.ScenarioError, match="latency bound must be non-negative"):
        wb.Scenario("bad-bound", latency_bound=-1).build()


def test_spawning_replicas_past_their_count_and_bad_bounds():
    s = wb.Scenario("too-many-spawns")
    s.task("w", [], count=2, autostart=False)
    s.task("t", [ops.repeat(3, ops.spawn("w"))])
    with pytest.raises(wb.ScenarioError, match="all 2 replicas of task 'w' are already spawned"):
        wb.run(s)
    with pytest.raises(wb.ScenarioError, match="max_live_tasks must be non-negative"):
        wb.Scenario("bad", max_live_tasks=-2).build()
    with pytest.raises(ValueError, match="permits must be non-negative"):
        wb.Scenario("bad-sem").semaphore("s", -1)


def test_futures_are_checked():
    s = wb.Scenario("bad-futures")
    s.task("a", [ops.await_("f")])
    s.task("b", [])
    s.future("f", owner="b", program=[])
    with pytest.raises(wb.ScenarioError, match="future 'f' belongs to task 'b'"):
        s.build()
    s = wb.Scenario("bad-select")
    s.task("a", [ops.select(ops.print("x"))])
    with pytest.raises(wb.ScenarioError, match="a select holds branch ops only"):
        s.build()
    s = wb.Scenario("spawn-a-future")
    s.task("a", [ops.spawn("f")])
    s.future("f", owner="a", program=[])
    with pytest.raises(wb.ScenarioError, match="is a future: its owner awaits or selects it"):
        s.build()
    s = wb.Scenario("orphan")
    s.future("f", owner="nobody", program=[])
    with pytest.raises(wb.ScenarioError, match="owner 'nobody' is not a task"):
        s.build()


def test_exception_ops_are_checked():
    s = wb.Scenario("bad-mask")
    s.object("o", on_drop=[ops.mask(ops.print("x"))])
    s.task("t", [])
    with pytest.raises(wb.ScenarioError, match="masking is for tasks"):
        s.build()
    s = wb.Scenario("bad-throw")
    s.task("t", [ops.throw_to("nobody")])
    with pytest.raises(wb.ScenarioError, match="unknown task 'nobody'"):
        s.build()
    with pytest.raises(TypeError, match="killed must be a non-empty str"):
        ops.wait("t", killed=3)


def test_workers_are_bounded():
    with pytest.raises(wb.ScenarioError, match=r"workers must be in \[1, 64\], got 0"):
        wb.Scenario("no-workers", workers=0).build()

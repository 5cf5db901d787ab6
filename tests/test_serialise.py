"""Scenarios serialise: the JSON form and the generated Python rebuild the
identical spec (every field of every spec struct, found by looking at the
bindings now, not at the serialiser's tables), runs of the rebuilt scenario
give byte-identical traces, and a malformed file is one error naming the
place."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wakebench as wb
from wakebench import _core, ops, serialise
from wakebench.serialise import ScenarioFileError
from wakebench.strategies import drop_wake_scenarios

from test_reductions import scenarios as reduction_scenarios
from test_reductions import simultaneous_wakes, threaded, timeless

ROOT = Path(__file__).parent.parent


# -- an independent view of the bindings: every read-write property ------------

def props(cls):
    return [n for n, v in vars(cls).items() if isinstance(v, property) and v.fset is not None]


def structs():
    """Every spec struct reachable from ScenarioSpec, by walking values."""
    seen, todo = {}, [_core.ScenarioSpec]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen[cls] = props(cls)
        for name in seen[cls]:
            doc = vars(cls)[name].fget.__doc__
            for t in re.findall(r"wakebench\._core\.(\w+)", doc.split("->", 1)[1]):
                c = getattr(_core, t)
                if not hasattr(c, "__members__"):
                    todo.append(c)
    return seen


def same(a, b, path="spec"):
    """a and b are equal field for field (lists item by item), or the first
    difference as a path."""
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if type(a).__module__.startswith("wakebench") and props(type(a)):
        for n in props(type(a)):
            d = same(getattr(a, n), getattr(b, n), f"{path}.{n}")
            if d:
                return d
        return None
    return None if a == b and type(a) is type(b) else f"{path}: {a!r} vs {b!r}"


def rebuilt_by_json(s):
    return wb.Scenario.from_json(s.to_json())


def rebuilt_by_python(s):
    ns = {}
    exec(compile(s.to_python(), f"<{s.name}>", "exec"), ns)
    return ns["scenario"]()


# -- every field is covered -------------------------------------------------------

def test_the_serialiser_knows_every_field_of_every_struct():
    for cls, names in structs().items():
        assert [f.name for f in serialise.fields(cls)] == names, cls.__name__


def _nondefault(cls, depth=0):
    """An instance with every field away from its default (lists: one item)."""
    obj = cls()
    for f in serialise.fields(cls):
        if f.kind == "str":
            v = f"x{f.name}"
        elif f.kind == "bool":
            v = not getattr(obj, f.name)
        elif f.kind == "int":
            v = min(f.range[1], 7) if getattr(obj, f.name) != min(f.range[1], 7) else 3
        elif f.kind == "enum":
            members = list(f.type.__members__.values())
            v = next(m for m in members if m != getattr(obj, f.name))
        elif f.kind == "struct":
            v = _nondefault(f.type, depth + 1)
        else:
            v = [_nondefault(f.type, depth + 1)] if depth < 3 else []
        setattr(obj, f.name, v)
    return obj


def test_a_spec_with_every_field_set_round_trips_through_json_and_python():
    s = wb.Scenario._from_spec(_nondefault(_core.ScenarioSpec), "d", "src")
    s.name = s.spec.name
    for rebuilt in (rebuilt_by_json(s), rebuilt_by_python(s)):
        assert same(s.spec, rebuilt.spec) is None
        assert (rebuilt.doc, rebuilt.source) == ("d", "src")


def test_the_limits_mirror_the_core():
    header = (ROOT / "cpp/model/program.hpp").read_text()
    for key in ("max_nesting", "max_ops", "max_resources"):
        m = re.search(rf"\b{key} = ([0-9']+);", header)
        assert int(m.group(1).replace("'", "")) == serialise.LIMITS[key], key


# -- the catalog and generated scenarios ----------------------------------------

@pytest.mark.parametrize("name", wb.catalog.names())
def test_every_catalog_entry_round_trips(name):
    s = wb.catalog.get(name)
    code = s.to_python()
    assert "ops.raw" not in code and "s.raw" not in code, "the catalog needs no generic form"
    for rebuilt in (rebuilt_by_json(s), rebuilt_by_python(s)):
        assert same(s.spec, rebuilt.spec) is None
        assert rebuilt.to_json() == s.to_json()
    again = rebuilt_by_json(s)
    for policy in ("ngx_inline", "fifo"):
        for seed in (None, 1):
            assert wb.run(again, policy, seed=seed).trace_text == \
                wb.run(s, policy, seed=seed).trace_text
    a = wb.explore(s, "ngx_posted", stop_at_first=False, budget=2000)
    b = wb.explore(again, "ngx_posted", stop_at_first=False, budget=2000)
    assert a.outcomes == b.outcomes


def _check_round_trip(s, policy):
    for rebuilt in (rebuilt_by_json(s), rebuilt_by_python(s)):
        assert same(s.spec, rebuilt.spec) is None, s.to_python()
    code = s.to_python()
    assert "ops.raw" not in code and "s.raw" not in code, code
    again = rebuilt_by_json(s)
    lim = dict(max_steps=5_000, max_depth=48)
    assert wb.run(again, policy, seed=3, **lim).trace_text == \
        wb.run(s, policy, seed=3, **lim).trace_text


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(st.one_of(reduction_scenarios(), threaded(), timeless(), simultaneous_wakes(),
                 drop_wake_scenarios()),
       st.sampled_from(wb.builtin_policies()))
def test_generated_scenarios_round_trip(s, policy):
    _check_round_trip(s, policy)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reduction_scenarios())
def test_generated_scenarios_explore_alike(s):
    lim = dict(max_steps=5_000, max_depth=48)
    a = wb.explore(s, "fifo", budget=300, stop_at_first=False, **lim)
    b = wb.explore(rebuilt_by_json(s), "fifo", budget=300, stop_at_first=False, **lim)
    assert a.outcomes == b.outcomes


def test_every_dsl_call_is_written_back_as_itself():
    """A scenario using every resource and op the DSL has: to_python writes
    each with its DSL call, never the generic form."""
    s = wb.Scenario("everything", workers=2, latency_bound=5, max_live_tasks=9)
    m, g = s.mutex("m"), s.mutex("g", kind="send_guard")
    fm, bm = s.mutex("fm", kind="fair"), s.async_mutex("bm", fair=False)
    rs, rt = s.rwlock("rs"), s.rwlock("rt", kind="tokio")
    q, slot = s.wait_queue("q"), s.wait_queue("slot", kind="slot")
    c, at, rc = s.counter("c", 3, bound=9), s.atomic("at", True), s.refcell("rc")
    ch, one = s.channel("ch", capacity=2, bound=0, senders=2), s.oneshot("one")
    un = s.channel("un", bound=5)
    sem, n, k = s.semaphore("sem", 2), s.notify("n"), s.connection("k")
    cv, bs, bt = s.condvar("cv"), s.barrier("bs", 2), s.barrier("bt", 3, kind="tokio")
    s.future("f", owner="t", program=[ops.sleep(1)])
    s.future("f2", owner="t", program=[ops.yield_()])
    timeout = s.timeout(wb.Future("f2", "t"), 5, on_elapsed=[ops.print("late")])
    s.task("t", [
        m.lock(), m.unlock(), g.try_lock(on_fail=[ops.break_()]), fm.lock(), bm.unlock(),
        rs.read(), rs.write(), rs.unlock_read(), rs.unlock_write(),
        rt.try_read(on_fail=[ops.continue_()]), rt.try_write(),
        q.register(), q.park(), q.wake(), slot.wake_all(), ops.pending(), ops.yield_(),
        c.add(2), c.set(-1), ops.loop(ops.break_()), ops.repeat(3, ops.print("r")),
        ops.if_(c >= 2, ops.print("y"), orelse=[ops.print("n")]), ops.if_(c != 1),
        ops.sleep(4), k.read(), ops.compute(2), ops.spawn_blocking("th"),
        ops.await_("f"), ops.select(ops.branch("f", ops.print("a"), borrowed=True),
                                    ops.branch("f2"), biased=True), timeout,
        ops.buffered(2, "f", "f2", always_poll=True, unordered=True),
        ops.critical(ops.yield_()), ops.mask(ops.restore(ops.yield_())),
        ops.uninterruptible_mask(ops.yield_()),
        ops.catch(ops.yield_(), handler=[ops.print("caught")]),
        ops.throw_to("u"), ops.wait("u", killed="dead"), ops.join("u"), ops.abort("u"),
        sem.acquire(), sem.release(), sem.try_acquire(on_fail=[ops.print("none")]),
        ops.seq(ops.print("a"), ops.print("b")),
        n.notified(), n.notify_one(), n.notify_waiters(),
        ch.send(on_closed=[ops.print("closed")]), ch.recv(), ch.close(), ch.drop_sender(),
        ch.try_send(on_full=[ops.print("full")], on_closed=[ops.print("c")]),
        one.try_recv(on_empty=[ops.print("e")]), un.send(),
        at.load(), at.store(1), at.swap(0), at.fetch_add(2), at.compare_exchange(0, 1),
        ops.if_(at.swap(True) == False, ops.print("first")),  # noqa: E712
        ops.if_(at.compare_exchange(0, 1).is_ok(), ops.print("won")),
        ops.if_(at.compare_exchange(0, 1).is_err(), ops.print("lost")),
        at.compare_exchange(1, 0, on_fail=[ops.print("no")]),
        ops.if_(at.load() < 4, orelse=[ops.print("big")]),
        rc.borrow(), rc.end_borrow(), rc.borrow_mut(), rc.try_borrow(),
        rc.try_borrow_mut(on_fail=[ops.print("busy")]),
        ops.with_(m.lock(), ops.with_(sem.acquire(), ops.with_(rc.borrow_mut()))),
        ops.wait_until(q, c == 0, ops.print("zero")), ops.wait_until(slot, at.load() == 1),
        ops.panic(), ops.panic("boom"),
        ch.send(2), ch.try_send(3), ops.if_(ch.recv() == 2, ops.print("two"), orelse=[ops.print("x")]),
        bt.wait(on_leader=[ops.print("lead")]), cv.notify_one(), cv.notify_all(),
        ops.print("end"),
    ], count=2, autostart=False, daemon=True, masked=True, must_finish=True, kill_points=True)
    s.task("u", [ops.drop("o"), ops.drop("t")])
    js = s.join_set("js", owner="v")
    bc, wt = s.broadcast("bc", 2, senders=2, receivers=["v"]), s.watch("wt", initial=5, receivers=["v"])
    s.task("v", [js.spawn("w"), js.join_next(on_none=[ops.print("none")]),
                 ops.if_(js.join_next() == "w", ops.print("w"), orelse=[ops.print("x")]),
                 ops.if_(js.join_next(on_none=[ops.break_()]) != "w", ops.print("y")),
                 js.abort_all(), js.drop(),
                 bc.send(1, on_closed=[ops.print("none")]), bc.subscribe(), bc.drop_sender(),
                 bc.recv(on_lagged=[ops.print("lag")], on_closed=[ops.print("closed")]),
                 ops.if_(bc.recv(on_lagged=[ops.continue_()]) == 2, ops.print("two"),
                         orelse=[ops.print("x")]),
                 ops.if_(bc.recv() <= 0, ops.print("small")),
                 wt.send(3), wt.changed(on_closed=[ops.print("gone")]), wt.subscribe(),
                 wt.borrow(), ops.if_(wt.borrow() == 3, ops.print("three")),
                 ops.if_(wt.borrow_and_update() != 3, ops.print("x"), orelse=[ops.print("y")]),
                 wt.drop_sender()])
    s.task("w", [ops.print("w")], autostart=False)
    s.object("o", owner="u", on_drop=[ops.print("dropped")])
    s.object("free")
    s.on_event("ev", at=3, program=[q.wake()], connection=k)
    s.on_event("ev2", at=0, program=[])
    s.on_cleanup("cl", program=[ops.print("c")], connection="k")
    s.on_cleanup("cl2", program=[ops.print("c")], at=0)
    s.thread("th", at=2, program=[ops.notify_loop(q)], autostart=False)
    s.thread("th2", program=[m.lock(), cv.wait(m), m.unlock(), bs.wait()])
    code = s.to_python()
    assert "raw" not in code and "ops.struct" not in code, code
    assert same(s.spec, rebuilt_by_python(s).spec) is None
    assert same(s.spec, rebuilt_by_json(s).spec) is None
    assert "ops.wait_until(q, c == 0, ops.print('zero'))" in code
    assert "ops.if_(at.compare_exchange(0, 1).is_ok(), ops.print('won'))" in code
    assert "ops.if_(bc.recv() <= 0, ops.print('small'))" in code, code


def test_what_the_dsl_cannot_say_is_written_generically():
    s = wb.Scenario("odd")
    s.raw("semaphores", name="neg", permits=-1)
    s.raw("mutexes", name="", kind="async_fair")
    s.task("t", [ops.raw("unregister", target="q"), ops.raw("lock", target="m", value=4),
                 ops.raw("if", cond=ops.struct("Cond", counter="c", cmp="ge", value=2))])
    code = s.to_python()
    assert "s.raw('semaphores', name='neg', permits=-1)" in code
    assert "ops.raw('unregister', target='q')" in code
    assert same(s.spec, rebuilt_by_python(s).spec) is None
    assert same(s.spec, rebuilt_by_json(s).spec) is None


def test_repr_is_short_and_the_pretty_form_is_the_python():
    s = wb.catalog.get("h2-drop-wake-nested")
    assert repr(s) == "Scenario('h2-drop-wake-nested')"
    from hypothesis.vendor.pretty import pretty
    assert "def scenario()" in pretty(s) and "inner.lock()" in pretty(s)


# -- malformed input: one error naming the place ---------------------------------

BASE = {"wakebench_scenario": 1, "name": "x", "mutexes": [{"name": "m"}],
        "tasks": [{"name": "t", "ops": [{"kind": "loop", "body": [{"kind": "lock",
                                                                  "target": "m"}]}]}]}


def mutate(path, value):
    d = json.loads(json.dumps(BASE))
    node = d
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return json.dumps(d)


@pytest.mark.parametrize("path,value,message", [
    (("tasks", 0, "ops", 0, "body", 0, "kind"), "lokc",
     "tasks[0].ops[0].body[0].kind: unknown value 'lokc' (valid: print, lock,"),
    (("tasks", 0, "ops", 0, "body", 0, "value"), "3",
     "tasks[0].ops[0].body[0].value: expected an integer, got \"3\""),
    (("tasks", 0, "ops", 0, "body", 0, "value"), 1 << 63,
     "tasks[0].ops[0].body[0].value: must be in [-9223372036854775808, 9223372036854775807]"),
    (("tasks", 0, "ops", 0, "body", 0, "value"), 1.5,
     "tasks[0].ops[0].body[0].value: expected an integer"),
    (("tasks", 0, "ops", 0, "body", 0, "colour"), 1,
     "tasks[0].ops[0].body[0]: unknown field 'colour' (valid: "),
    (("tasks", 0, "mask"), 256, "tasks[0].mask: must be in [0, 255], got 256"),
    (("tasks", 0, "daemon"), 1, "tasks[0].daemon: expected true or false, got 1"),
    (("mutexes", 0, "kind"), "BLOCKING", "mutexes[0].kind: unknown value 'BLOCKING'"),
    (("mutexes",), {"name": "m"}, "mutexes: expected a list"),
    (("wakebench_scenario",), 2, "scenario format 2 is not one this wakebench reads (1)"),
    (("name",), "", "name: a string of 0 characters"),
    (("tasks", 0, "ops", 0, "body", 0, "target"), "\ud800", "is not valid text"),
])
def test_a_malformed_scenario_is_one_line_naming_the_place(path, value, message):
    with pytest.raises(ScenarioFileError) as e:
        wb.Scenario.from_json(mutate(path, value), where="f.json")
    assert str(e.value).startswith("f.json: ") and message in str(e.value), str(e.value)
    assert "\n" not in str(e.value)
    assert isinstance(e.value, wb.ScenarioError) and isinstance(e.value, ValueError)


@pytest.mark.parametrize("text,message", [
    ("{", "invalid JSON at line 1"),
    ("[]", "not a wakebench scenario"),
    ('{"name": "x"}', "not a wakebench scenario"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
])
def test_not_a_scenario(text, message):
    with pytest.raises(ScenarioFileError, match=message):
        wb.Scenario.from_json(text)


def test_nesting_and_size_are_bounded():
    op = {"kind": "print"}
    for _ in range(40):
        op = {"kind": "loop", "body": [op]}
    d = dict(BASE, tasks=[{"name": "t", "ops": [op]}])
    with pytest.raises(ScenarioFileError, match=r"tasks\[0\]\.ops\[0\](\.body\[0\])+.*nested too "
                                                r"deeply \(ops nest at most 32 levels\)"):
        wb.Scenario.from_json(json.dumps(d))
    d = dict(BASE, counters=[{"name": f"c{i}"} for i in range(100_001)])
    with pytest.raises(ScenarioFileError, match=r"counters: too many items \(100001; at most "):
        wb.Scenario.from_json(json.dumps(d))


def test_loading_executes_nothing():
    """Strings that look like code stay strings."""
    d = dict(BASE, name="__import__('os').system('false')")
    s = wb.Scenario.from_json(json.dumps(d))
    assert s.name == "__import__('os').system('false')"
    assert "__import__('os')" in s.to_python()  # quoted, a str literal
    assert same(s.spec, rebuilt_by_python(s).spec) is None


def test_the_schema_is_generated_and_names_every_op_kind():
    sch = serialise.schema()
    kinds = sch["$defs"]["OpSpec"]["properties"]["kind"]["enum"]
    assert kinds == [k.lower() for k in _core.OpKind.__members__]
    assert set(sch["properties"]) >= {p for p in props(_core.ScenarioSpec)}

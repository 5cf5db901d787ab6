"""tokio::task::JoinSet (cpp/exec/primitives/join_set.hpp, tokio 1.24.2
src/task/join_set.rs over src/util/idle_notified_set.rs): join_next yields
the tasks in completion order (not spawn order) and None at once on an
empty set; a task's end wakes the waker the set holds; abort_all cancels
(the tasks are joined as Err(JoinError)); dropping the set, or its owner's
end, aborts every task in it; a join_next whose tasks all wait for the
joiner is a wait cycle through the set."""

import pytest

import wakebench as wb
from wakebench import ops


def texts(out):
    return [o.text for o in out.output]


def kinds(s, policy="fifo"):
    ex = wb.explore(s, policy, strategy="exhaustive", stop_at_first=False, budget=200_000)
    assert ex.complete, ex
    return {k for k, n in dict(ex.outcomes).items() if n}


def completion_order():
    """a is spawned first but waits for `go`, which main sends once it has
    joined b: the joins come in completion order, b then a, then None."""
    s = wb.Scenario("joinset-order")
    go = s.oneshot("go")
    js = s.join_set("js")
    s.task("a", [go.recv(), ops.print("a done")], autostart=False)
    s.task("b", [ops.print("b done")], autostart=False)
    s.task("main", [js.spawn("a"), js.spawn("b"), ops.loop(
        ops.if_(js.join_next(on_none=[ops.print("none"), ops.break_()]) == "a",
                ops.print("joined a"), orelse=[ops.print("joined b"), go.send()]))])
    return s


@pytest.mark.parametrize("policy", wb.builtin_policies())
def test_join_next_yields_completion_order_then_none(policy):
    s = completion_order()
    assert kinds(s, policy) == {"ok"}
    out = wb.run(s, policy)
    assert texts(out) == ["b done", "joined b", "a done", "joined a", "none"], out.trace_text
    assert "'main' joins 'b' from join set 'js' (Ok)" in out.trace_text
    assert "join_next on join set 'js' by 'main': None (the set is empty)" in out.trace_text
    joined = [r.task for r in out.trace if r.kind == "join_set" and r.detail == "joined"]
    assert joined == ["main", "main"]


def test_an_empty_set_is_none_at_once():
    s = wb.Scenario("joinset-empty")
    js = s.join_set("js", owner="main")
    s.task("main", [js.join_next(on_none=[ops.print("none")]), ops.print("after")])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and texts(out) == ["none", "after"]
    assert "waits in join_next" not in out.trace_text


def test_a_task_waiting_for_its_joiner_is_a_wait_cycle_through_the_set():
    s = wb.Scenario("joinset-hang")
    o = s.oneshot("o")
    js = s.join_set("js")
    s.task("a", [o.recv()], autostart=False)
    s.task("main", [js.spawn("a"), js.join_next(), o.send()])
    assert kinds(s) == {"deadlock/wait_cycle"}
    v = wb.run(s, "fifo").verdict
    assert v.kind == "deadlock/wait_cycle", v
    assert "task 'main' waits in join_next on join set 'js' for task 'a', a task in it, " \
           "to finish" in v.explanation


def test_a_set_whose_tasks_nobody_wakes_is_never_woken():
    s = wb.Scenario("joinset-stuck")
    q = s.wait_queue("q")
    js = s.join_set("js")
    s.task("w", [q.park()], count=2, autostart=False)
    s.task("main", [js.spawn("w"), js.spawn("w"), js.join_next()])
    v = wb.run(s, "fifo").verdict
    assert v.kind == "deadlock/never_woken", v
    assert "join set 'js'" in v.explanation


def test_abort_all_cancels_and_the_tasks_are_joined_as_errors():
    s = wb.Scenario("joinset-abort-all")
    q = s.wait_queue("q")
    js = s.join_set("js")
    s.task("w", [q.park(), ops.print("woken")], count=2, autostart=False)
    s.task("main", [js.spawn("w"), js.spawn("w"), ops.yield_(), js.abort_all(),
                    ops.loop(js.join_next(on_none=[ops.break_()]), ops.print("joined"))])
    assert kinds(s) == {"ok"}
    out = wb.run(s, "fifo")
    assert texts(out) == ["joined", "joined"]
    assert "abort_all on join set 'js': 2 task(s) aborted" in out.trace_text
    assert "(cancelled: Err(JoinError))" in out.trace_text


@pytest.mark.parametrize("how", ["drop", "owner_ends", "owner_aborted"])
def test_dropping_the_set_aborts_every_task_in_it(how):
    s = wb.Scenario("joinset-drop")
    q = s.wait_queue("q")
    js = s.join_set("js")
    s.task("w", [q.park(), ops.print("woken")], autostart=False)
    owner = [js.spawn("w"), ops.yield_()]
    if how == "drop":
        owner += [js.drop(), ops.print("dropped")]
    if how == "owner_aborted":
        owner += [q.park()]  # the owner waits too: main aborts it
        s.task("owner", owner, autostart=False)
        s.task("main", [ops.spawn("owner"), ops.yield_(), ops.yield_(), ops.abort("owner")])
    else:
        s.task("main", owner)
    assert kinds(s) == {"ok"}, how
    out = wb.run(s, "fifo")
    assert "join set 'js' is dropped: 1 task(s) aborted" in out.trace_text
    assert "woken" not in texts(out)


def test_the_python_form_round_trips():
    s = completion_order()
    s.task("other", [ops.print("x")])
    code = s.to_python()
    assert "js = s.join_set('js')" in code, code
    assert "js.spawn('a')" in code
    assert "js.join_next(on_none=[ops.print('none'), ops.break_()]) == 'a'," in code
    ns = {}
    exec(code, ns)
    again = ns["scenario"]()
    assert again.to_json() == s.to_json()
    assert wb.Scenario.from_json(s.to_json()).to_json() == s.to_json()


@pytest.mark.parametrize("build, message", [
    (lambda s, js: s.task("x", [js.abort_all()]), "join set 'js' belongs to task 'main'"),
    (lambda s, js: s.task("x", [ops.join("b")]),
     "task 'b' is spawned into join set 'js', which holds its JoinHandle"),
    (lambda s, js: s.task("x", [ops.spawn("b")]), "and spawned on its own"),
    (lambda s, js: s.task("x", [js.spawn("main")], autostart=False),
     "join set 'js' belongs to task 'main'"),
])
def test_misuse_is_one_clear_error(build, message):
    s = completion_order()
    build(s, wb.JoinSet("js"))
    with pytest.raises(wb.ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        s.build()


def test_join_next_compares_with_a_task_by_eq_or_ne_only():
    js = wb.JoinSet("js")
    with pytest.raises(wb.ScenarioTypeError, match="compare it with == or !="):
        js.join_next() < "a"  # noqa: B015
    op = ops.if_(js.join_next() != "a", ops.print("not a"))
    assert op.cond.counter == "a" and op.then[0].text == "not a"

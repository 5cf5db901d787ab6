"""Hypothesis strategies for scenarios and schedules.

    from wakebench.strategies import drop_wake_scenarios
    @given(drop_wake_scenarios())
    def test_no_reentrancy_when_deferred(s): ...

Generated scenarios are small and shrink towards fewer tasks, locks and
ops. Shapes are kept to what a Rust program could do, and such that a
re-entrant lock can only come from a policy polling inline: a task never
drops an object while it holds a lock (nor owns objects if it holds a guard
across an await), and each object is dropped once.

A falsifying example shows a drawn scenario as the Python that builds it
(``Scenario.to_python()``, through ``Scenario._repr_pretty_``, which
hypothesis's printer calls), not ``Scenario('generated-2t')``: paste it
into a file and ``wakebench run FILE.py`` runs it.
"""

from __future__ import annotations

from hypothesis import strategies as st

from . import ops
from .scenario import Mutex, Scenario

__all__ = ["drop_wake_scenarios", "seeds", "schedules"]


def seeds() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=2**32 - 1)


def schedules(max_choices: int = 64) -> st.SearchStrategy[list]:
    """A stream of choices for ``run(..., choices=...)``: the i-th choice point
    takes option ``value % n``. Hypothesis shrinks it towards fewer and smaller
    values, i.e. towards the canonical schedule, so a failing schedule shrinks
    together with the scenario it runs."""
    return st.lists(st.integers(min_value=0, max_value=255), max_size=max_choices)


@st.composite
def drop_wake_scenarios(draw, max_tasks: int = 4, max_mutexes: int = 2,
                        max_objects: int = 3) -> Scenario:
    """Tasks that lock blocking and async mutexes, park in and wake wait
    queues, and own or drop objects whose Drop hooks may wake a queue while
    holding a lock; optionally an event handler that wakes a queue and a
    cleanup handler that drops a task's future (its objects drop in an order
    the explorer chooses).

    Every part is drawn so the shrinker can delete it on its own: objects are
    a list of self-contained descriptions, and mutexes are declared only if
    used.

    Half the scenarios start from the shape the PR #295 debate turns on
    (h2's Streams::drop, hyper's pool): a task parks after registering
    under a lock it takes again when woken, and another task owns an object
    whose Drop takes that lock and wakes it; the object drops when its task
    ends, or when a cleanup handler drops the task's future. Drawn at
    random, that shape took thousands of examples; with it, a property's
    default 100 examples decide the question. Shrinking can still remove it
    (the flag, then its parts)."""
    motif = draw(st.booleans(), label="drop-wake motif")
    n_tasks = draw(st.integers(2 if motif else 1, max_tasks), label="tasks")
    n_mutexes = draw(st.integers(1 if motif else 0, max_mutexes), label="mutexes")
    n_queues = draw(st.integers(1, 2), label="queues")
    mutexes = [Mutex(f"m{i}") for i in range(n_mutexes)]
    used: set = set()

    def pick_mutex() -> Mutex:
        m = draw(st.sampled_from(mutexes))
        used.add(m.name)
        return m

    s = Scenario(f"generated-{n_tasks}t")
    queues = [s.wait_queue(f"q{i}") for i in range(n_queues)]
    counter = s.counter("c")

    def under_lock(inner):
        if not mutexes or not draw(st.booleans()):
            return inner
        m = pick_mutex()
        return [m.lock(), *inner, m.unlock()]

    # Objects, each wholly described by its own tuple (so the shrinker can
    # delete one without disturbing the rest): its task, owned by it or
    # dropped by one of its ops (and where, in eighths of the program), and
    # its hook: the queue it wakes, under a lock or not, which lock.
    objects = draw(st.lists(st.tuples(
        st.integers(0, n_tasks - 1), st.booleans(), st.integers(0, 7),
        st.integers(0, 1), st.integers(0, 3), st.integers(0, max(max_mutexes - 1, 0)),
    ), max_size=max_objects), label="objects")
    if motif:  # t1 owns the stream: its Drop locks m0 and wakes q0 (locked: 1 of 0..3)
        objects = [(1, True, 0, 0, 1, 0)] + objects
    task_names = [f"t{i}" for i in range(n_tasks)]
    owners = {j: task_names[o[0]] for j, o in enumerate(objects) if o[1]}
    droppers: dict = {i: [] for i in range(n_tasks)}
    for j, (who, owned, where, *_rest) in enumerate(objects):
        if not owned:
            droppers[who].append((f"o{j}", where))

    amutex = s.async_mutex("am", fair=draw(st.booleans())) if draw(st.booleans()) else None
    steps = st.sampled_from(["park", "park", "wake", "bump", "yield", "hold", "async"])
    for i, name in enumerate(task_names):
        prog = []
        if motif and i == 0:  # the Connection: register under m0, re-take it when woken
            m = mutexes[0]
            used.add(m.name)
            prog += [m.lock(), queues[0].register(), m.unlock(), ops.pending(),
                     m.lock(), counter.add(1), m.unlock()]
        for kind in draw(st.lists(steps, min_size=1, max_size=4)):
            q = draw(st.sampled_from(queues))
            if kind == "park" and mutexes and draw(st.booleans()):
                # h2's Connection: register under the lock, and re-take it when woken.
                m = pick_mutex()
                prog += [m.lock(), q.register(), m.unlock(), ops.pending(),
                         m.lock(), counter.add(1), m.unlock()]
            elif kind == "park":
                prog += under_lock([q.register()]) + [ops.pending()]
            elif kind == "hold" and mutexes and name not in owners.values():
                # A std::sync::Mutex guard held across an await. (Not in a task
                # that owns objects: dropping it would drop an object while the
                # guard is held, a re-entrant lock under every policy.)
                m = pick_mutex()
                prog += [m.lock(), q.register(), ops.pending(), m.unlock()]
            elif kind == "async" and amutex is not None:
                # An async mutex held across an await: waiters queue, not block.
                prog += [amutex.lock(), counter.add(1), ops.yield_(), amutex.unlock()]
            elif kind == "wake":
                prog += under_lock([counter.add(1), q.wake()])
            elif kind == "bump":
                prog += under_lock([counter.add(1)])
            else:
                prog += [ops.yield_()]
        for o, where in droppers[i]:
            prog.insert(where * len(prog) // 7, ops.drop(o))
        # Drops must not land inside a locked region: move them out if they did.
        s.task(name, _hoist_drops(prog))
    for j, (_, _, _, qi, locked, mi) in enumerate(objects):
        hook = [counter.add(-1), queues[qi % n_queues].wake()]
        if mutexes and locked:  # usually h2's Streams::drop: wake under the lock
            m = mutexes[mi % n_mutexes]
            used.add(m.name)
            hook = [m.lock(), *hook, m.unlock()]
        s.object(f"o{j}", owner=owners.get(j), on_drop=hook)
    for m in mutexes:
        if m.name in used:
            s.mutex(m.name)
    if draw(st.booleans(), label="event"):
        s.on_event("read", at=draw(st.integers(0, 3)),
                   program=[counter.add(1), draw(st.sampled_from(queues)).wake()])
    if draw(st.booleans(), label="cleanup"):
        victim = "t1" if motif else draw(st.sampled_from(task_names))
        s.on_cleanup("close", at=draw(st.integers(1, 3)), program=[ops.drop(victim)])
    return s


def _hoist_drops(prog: list) -> list:
    out, held, pending_drops = [], 0, []
    for op in prog:
        if op.kind == ops._core.OpKind.DROP and held:
            pending_drops.append(op)
            continue
        out.append(op)
        if op.kind == ops._core.OpKind.LOCK:
            held += 1
        elif op.kind == ops._core.OpKind.UNLOCK:
            held -= 1
            if not held:
                out += pending_drops
                pending_drops = []
    return out + pending_drops

"""A fuzz test over op trees, misuse included.

Hypothesis draws scenarios from every op and resource of the DSL, with names
drawn from one pool (so a task locks a queue, awaits a task, drops a handler)
and integers from the edges of their types. Whatever it draws must end in one
of two ways: a ``wakebench.Error`` naming the place, or an outcome whose
verdict is a known kind and whose schedule replays it byte for byte. Never a
crash, a hang, or another exception.

The test command runs this file twice: here, on the installed package, and
against the extension built with ASan+UBSan (scripts/test.sh), loaded with
the sanitizer runtime preloaded, where any memory error or undefined
behaviour aborts the process and fails the run. It prints how many scenarios
it ran and how they ended.
"""

from __future__ import annotations

import collections
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wakebench as wb
from wakebench import ops

EXAMPLES = int(os.environ.get("WAKEBENCH_FUZZ_EXAMPLES", "150"))
KINDS = set(wb.verdict_kinds())
POLICIES = wb.builtin_policies()
POOL = ["m0", "a0", "rs0", "rt0", "cv0", "bs0", "bt0", "q0", "c0", "at0", "rc0", "t0", "t1", "f0", "f1", "o0", "k0",
        "th0", "ch0", "sem0", "bc0", "w0", "js0", "j0", "ghost"]
EDGES = [-(1 << 63), (1 << 63) - 1, -(1 << 31), (1 << 31) - 1, 1 << 32, 10**6, 1 << 40, -1]
SMALL = st.integers(0, 30)
CMPS = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__")
MESSAGES = st.sampled_from([0, 1, 2, -1, 2**31 - 1])  # a message's value is an i32


class Gen:
    """Op trees. A careful generator names the right kind of resource, keeps
    values small and takes locks in scoped pairs; a careless one (misuse)
    draws any name from the pool, values from the edges of int64 and
    uint32, and lock and unlock as separate ops."""

    def __init__(self, careless: bool) -> None:
        self.careless = careless
        self.ints = st.sampled_from([0, 1, 2, 3, 5, 10] + (EDGES if careless else []))
        # By context: a task holding future f0 or f1, a future, or code that
        # runs to completion (a Drop hook, a handler: "sync"; a thread).
        self.programs = {c: self._programs(c) for c in ("f0", "f1", "future", "sync", "thread")}

    def of(self, *kind):
        return st.sampled_from(list(kind) + POOL) if self.careless else st.sampled_from(kind)

    def cond(self):
        """A counter's condition, or one on what an atomic op returns."""
        returning = [lambda a: a.load(), lambda a: a.swap(1), lambda a: a.fetch_add(-1),
                     lambda a: a.compare_exchange(0, 1)]
        return st.one_of(
            st.builds(lambda c, cmp, v: getattr(wb.Counter(c), cmp)(v),
                      self.of("c0"), st.sampled_from(CMPS), self.ints),
            st.builds(lambda a, op, cmp, v: getattr(op(wb.Atomic(a)), cmp)(v),
                      self.of("at0"), st.sampled_from(returning), st.sampled_from(CMPS), self.ints),
            st.builds(lambda a, ok: (lambda op: op.is_ok() if ok else op.is_err())(
                wb.Atomic(a).compare_exchange(1, 0)), self.of("at0"), st.booleans()))

    def _leaves(self, ctx):
        of, ints = self.of, self.ints
        fut = ctx if ctx in ("f0", "f1") else None
        sync = [
            st.builds(ops.wake, of("q0")), st.builds(ops.wake_all, of("q0")),
            st.builds(ops.add, of("c0"), ints), st.builds(ops.set, of("c0"), ints),
            st.builds(ops.print, st.sampled_from(["x", "done", ""])),
            st.builds(ops.spawn_blocking, of("th0")), st.builds(ops.abort, of("t1")),
            st.builds(ops.release, of("sem0")),
            st.builds(lambda c: wb.Channel(c).close(), of("ch0", "os0")),
            st.builds(lambda c: wb.Channel(c).drop_sender(), of("ch0", "os0")),
            st.builds(lambda a, v: wb.Atomic(a).store(v), of("at0"), ints),
            st.builds(lambda a, v: wb.Atomic(a).fetch_add(v), of("at0"), ints),
            st.builds(lambda a, e, n, f: wb.Atomic(a).compare_exchange(
                e, n, on_fail=[ops.print("taken")] if f else []), of("at0"), ints, ints,
                st.booleans()),
            # try-ops never wait: any code may use them; a try_lock scoped
            # in a loop its on_fail leaves
            st.builds(lambda m, b: ops.loop(ops.try_lock(m, on_fail=[ops.break_()]), *b,
                                            ops.unlock(m), ops.break_()),
                      of("m0", "a0"), st.lists(st.just(ops.print("locked")), max_size=1)),
            st.builds(lambda sem, b: ops.try_acquire(sem, on_fail=b), of("sem0"),
                      st.lists(st.just(ops.print("no permit")), max_size=1)),
            st.builds(lambda c, v, b, e: wb.Channel(c).try_send(v, on_full=b, on_closed=e),
                      of("ch0", "os0"), MESSAGES, st.lists(st.just(ops.print("full")), max_size=1),
                      st.lists(st.just(ops.print("closed")), max_size=1)),
            st.builds(lambda c, b, e: wb.Channel(c).try_recv(on_empty=b, on_closed=e),
                      of("ch0", "os0"), st.lists(st.just(ops.print("empty")), max_size=1),
                      st.lists(st.just(ops.print("closed")), max_size=1)),
            # RefCell borrows never wait; a conflicting one panics
            st.builds(lambda c, mut, b: ops.with_(ops.borrow_mut(c) if mut else ops.borrow(c), *b),
                      of("rc0"), st.booleans(), st.lists(st.just(ops.print("borrowed")), max_size=1)),
            st.builds(lambda c: ops.loop(ops.try_borrow_mut(c, on_fail=[ops.break_()]),
                                         ops.end_borrow(c), ops.break_()), of("rc0")),
            st.builds(lambda c: ops.try_borrow(c, on_fail=[ops.borrow(c)]), of("rc0")).map(
                lambda o: ops.seq(o, ops.end_borrow(o.target))),
            st.just(ops.panic("boom")),
            # reader-writer try-ops, scoped in a loop their on_fail leaves
            st.builds(lambda r, w, b: ops.loop(
                (ops.try_write if w else ops.try_read)(r, on_fail=[ops.break_()]), *b,
                (ops.unlock_write if w else ops.unlock_read)(r), ops.break_()),
                of("rs0", "rt0"), st.booleans(), st.lists(st.just(ops.print("guarded")), max_size=1)),
            # a condvar wait under its std mutex (blocking: any code), notifies, barriers
            st.builds(lambda c: ops.seq(ops.lock("m0"), ops.if_(wb.Counter(c) == 0,
                                                              ops.condvar_wait("cv0", "m0")),
                                        ops.unlock("m0")), of("c0")),
            st.builds(lambda all_: (ops.condvar_notify_all if all_ else ops.condvar_notify_one)("cv0"),
                      st.booleans()),
            st.builds(lambda b: ops.barrier_wait("bs0", on_leader=b),
                      st.lists(st.just(ops.print("leader")), max_size=1)),
            # broadcast and watch: a send never waits
            st.builds(lambda c, v, b: wb.Broadcast(c).send(v, on_closed=b), of("bc0", "w0"),
                      MESSAGES, st.lists(st.just(ops.print("no receiver")), max_size=1)),
            st.builds(lambda c: wb.Broadcast(c).drop_sender(), of("bc0", "w0")),
        ]
        if ctx == "thread" and not self.careless:
            return st.one_of(*sync, st.builds(ops.compute, ints),
                             st.builds(ops.notify_loop, of("q0")))
        if ctx == "sync" and not self.careless:
            return st.one_of(*sync)
        leaves = [
            st.builds(lambda b: ops.barrier_wait("bt0", on_leader=b),
                      st.lists(st.just(ops.print("leader")), max_size=1)),
            st.builds(ops.register, of("q0")), st.builds(ops.park, of("q0")),
            st.builds(ops.wake, of("q0")), st.builds(ops.wake_all, of("q0")),
            st.just(ops.yield_()), st.just(ops.pending()),
            st.builds(ops.drop, of("o0", "t1")), st.builds(ops.spawn, of("t1")),
            st.builds(ops.add, of("c0"), ints), st.builds(ops.set, of("c0"), ints),
            st.builds(ops.sleep, ints), st.builds(ops.compute, ints),
            st.builds(ops.read, of("k0")),
            st.builds(ops.spawn_blocking, of("th0")), st.builds(ops.notify_loop, of("q0")),
            st.builds(ops.throw_to, of("t0", "t1")),
            st.builds(lambda n: ops.wait(n, killed="killed"), of("t1")),
            st.builds(ops.join, of("t1")), st.builds(ops.abort, of("t1", "t0")),
            st.builds(ops.acquire, of("sem0")), st.builds(ops.release, of("sem0")),
            st.builds(ops.print, st.sampled_from(["x", "done", ""])),
            st.builds(lambda c, v, b: wb.Channel(c).send(v, on_closed=b), of("ch0", "os0"),
                      MESSAGES, st.lists(st.just(ops.print("closed")), max_size=1)),
            st.builds(lambda c, cmp, v, b, t, e: ops.if_(
                getattr(wb.Channel(c).recv(on_closed=b), cmp)(v), *t, orelse=e),
                of("ch0", "os0"), st.sampled_from(CMPS), ints,
                st.lists(st.just(ops.break_() if self.careless else ops.print("none")),
                         max_size=1),
                st.lists(st.just(ops.print("matched")), max_size=1),
                st.lists(st.just(ops.print("other")), max_size=1)),
            st.builds(lambda c, b: wb.Channel(c).recv(on_closed=b), of("ch0", "os0"),
                      st.lists(st.just(ops.break_() if self.careless else ops.print("none")),
                               max_size=1)),
            st.builds(lambda c: wb.Channel(c).close(), of("ch0", "os0")),
            st.builds(lambda c: wb.Channel(c).drop_sender(), of("ch0", "os0")),
        ]
        # broadcast (bc0: t0's receiver), watch (w0: t1's), and t0's JoinSet js0:
        # careful code uses each where its holder is (careless code anywhere)
        own = [
            st.builds(lambda c, lag, b: wb.Broadcast(c).recv(on_lagged=lag, on_closed=b),
                      of("bc0"), st.lists(st.just(ops.print("lagged")), max_size=1),
                      st.lists(st.just(ops.print("closed")), max_size=1)),
            # a broadcast recv branching on the value it got, with or without on_lagged
            st.builds(lambda c, lag, v, th, e: ops.if_(
                wb.Broadcast(c).recv(on_lagged=lag) == v, *th, orelse=e), of("bc0"),
                st.lists(st.just(ops.print("lagged")), max_size=1), st.integers(-1, 2),
                st.lists(st.just(ops.print("matched")), max_size=1),
                st.lists(st.just(ops.print("other")), max_size=1)),
            st.builds(lambda c, b: wb.Watch(c).changed(on_closed=b), of("w0"),
                      st.lists(st.just(ops.print("closed")), max_size=1)),
            # a watch's borrow, branching on the current value (or not)
            st.builds(lambda c, upd, v, th: ops.if_(
                (wb.Watch(c).borrow_and_update() if upd else wb.Watch(c).borrow()) == v, *th),
                of("w0"), st.booleans(), st.integers(-1, 2),
                st.lists(st.just(ops.print("matched")), max_size=1)),
            st.builds(lambda c: wb.Broadcast(c).subscribe(), of("bc0")),  # t1 has none
            # a JoinSet held by t0: spawn j0 into it, join (branching on which), abort, drop
            st.builds(lambda js, t: wb.JoinSet(js).spawn(t), of("js0"), of("j0")),
            st.builds(lambda js, b: wb.JoinSet(js).join_next(on_none=b), of("js0"),
                      st.lists(st.just(ops.break_() if self.careless else ops.print("none")),
                                   max_size=1)),
            st.builds(lambda js, t, eq, th, e: ops.if_(
                (wb.JoinSet(js).join_next() == t) if eq else (wb.JoinSet(js).join_next() != t),
                *th, orelse=e), of("js0"), of("j0", "t1"), st.booleans(),
                st.lists(st.just(ops.print("j0")), max_size=1),
                st.lists(st.just(ops.print("other")), max_size=1)),
            st.builds(lambda js: wb.JoinSet(js).abort_all(), of("js0")),
            st.builds(lambda js: wb.JoinSet(js).drop(), of("js0")),
        ]
        if self.careless:
            leaves += own
        elif ctx == "f0":
            leaves += [own[0], *own[3:]]
        elif ctx == "f1":
            leaves += [own[1], own[2]]
        if fut:
            leaves.append(st.builds(ops.await_, of(fut)))
        if self.careless:
            leaves += [st.builds(ops.lock, of("m0", "a0")), st.builds(ops.unlock, of("m0", "a0")),
                       st.builds(ops.borrow, of("rc0")), st.builds(ops.borrow_mut, of("rc0")),
                       st.builds(ops.end_borrow, of("rc0")),
                       st.builds(lambda m: ops.with_(ops.unlock(m)), of("m0")),
                       st.just(ops.break_()), st.just(ops.continue_()),
                       st.builds(lambda m: ops.try_lock(m, on_fail=[ops.continue_()]),
                                 of("m0", "a0")),
                       st.builds(ops.read_lock, of("rs0", "rt0")),
                       st.builds(ops.write_lock, of("rs0", "rt0")),
                       st.builds(ops.unlock_read, of("rs0", "rt0")),
                       st.builds(ops.unlock_write, of("rs0", "rt0")),
                       st.builds(lambda r: ops.try_read(r, on_fail=[ops.continue_()]),
                                 of("rs0", "rt0")),
                       st.builds(ops.condvar_wait, of("cv0", "ghost"), of("m0", "a0", "ghost")),
                       st.builds(ops.barrier_wait, of("bs0", "bt0", "ghost"))]
        return st.one_of(*leaves)

    def _tree(self, ctx, children):
        of, ints = self.of, self.ints
        fut = ctx if ctx in ("f0", "f1") else None
        bodies = st.lists(children, max_size=3)
        sync = [
            st.builds(lambda b: ops.loop(*b, ops.break_()), bodies),
            st.builds(lambda n, b: ops.repeat(n, *b), ints, bodies),
            st.builds(lambda c, b, e: ops.if_(c, *b, orelse=e), self.cond(), bodies, bodies),
            st.builds(lambda b: ops.seq(ops.lock("m0"), *b, ops.unlock("m0")), bodies),
            st.builds(lambda b: ops.with_(ops.lock("m0"), *b), bodies),
            st.builds(lambda c, b: ops.with_(ops.borrow(c), *b), of("rc0"), bodies),
            st.builds(lambda b: ops.seq(ops.read_lock("rs0"), *b, ops.unlock_read("rs0")), bodies),
        ]
        if ctx in ("sync", "thread") and not self.careless:
            return st.one_of(*sync)
        trees = [
            st.builds(lambda b: ops.loop(*b, ops.break_()), bodies),
            st.builds(lambda n, b: ops.repeat(n, *b), ints, bodies),
            st.builds(lambda c, b, e: ops.if_(c, *b, orelse=e), self.cond(), bodies, bodies),
            # a scoped lock: lock, body, unlock
            st.builds(lambda m, b: ops.seq(ops.lock(m), *b, ops.unlock(m)),
                      of("m0", "a0"), bodies),
            # scoped reader-writer guards
            st.builds(lambda r, w, b: ops.seq((ops.write_lock if w else ops.read_lock)(r), *b,
                                              (ops.unlock_write if w else ops.unlock_read)(r)),
                      of("rs0", "rt0"), st.booleans(), bodies),
            st.builds(lambda b: ops.critical(*b), bodies),
            # a scoped guard: released on every way out of its body
            st.builds(lambda m, b: ops.with_(ops.lock(m), *b), of("m0", "a0"), bodies),
            st.builds(lambda sem, b: ops.with_(ops.acquire(sem), *b), of("sem0"), bodies),
            st.builds(lambda c, mut, b: ops.with_(ops.borrow_mut(c) if mut else ops.borrow(c), *b),
                      of("rc0"), st.booleans(), bodies),
            st.builds(lambda b: ops.mask(*b), bodies),
            st.builds(lambda b: ops.uninterruptible_mask(*b), bodies),
            st.builds(lambda b: ops.restore(*b), bodies),
            st.builds(lambda b, h: ops.catch(*b, handler=h), bodies, bodies),
            st.builds(lambda n, c, b: ops.wait_until(n, c, *b), of("q0"), self.cond(), bodies),
        ]
        if fut:
            trees += [
                st.builds(lambda b, br: ops.select(ops.branch(fut, *b, borrowed=br)),
                          bodies, st.booleans()),
                st.builds(lambda n, ap, un: ops.buffered(n, fut, always_poll=ap, unordered=un),
                          st.integers(1, 3), st.booleans(), st.booleans()),
            ]
        return st.one_of(*trees)

    def _programs(self, ctx):
        return st.lists(st.recursive(self._leaves(ctx), lambda c: self._tree(ctx, c),
                                     max_leaves=6), max_size=4)


GENS = {False: Gen(False), True: Gen(True)}


@st.composite
def scenarios(draw):
    careless = draw(st.sampled_from([False, False, False, True]))
    g = GENS[careless]
    bad = (lambda ok, wrong: draw(st.sampled_from(ok + wrong))) if careless else \
        (lambda ok, wrong: draw(st.sampled_from(ok)))
    s = wb.Scenario("fuzz", workers=bad([1, 1, 2, 3], [0, 65]),
                    latency_bound=bad([0, 0, 5], [-1]),
                    max_live_tasks=draw(st.sampled_from([0, 0, 2, 3])))
    s.mutex("m0")
    s.async_mutex("a0", fair=draw(st.booleans()))
    s.rwlock("rs0", kind="std")
    s.rwlock("rt0", kind="tokio")
    s.condvar("cv0")
    s.barrier("bs0", draw(st.sampled_from([0, 1, 2, 3])))
    s.barrier("bt0", draw(st.sampled_from([0, 2])), kind="tokio")
    s.wait_queue("q0")
    s.counter("c0", draw(SMALL), bound=draw(st.sampled_from([0, 3])))
    s.atomic("at0", draw(st.sampled_from([0, 1, (1 << 63) - 1])))
    s.refcell("rc0")
    s.channel("ch0", capacity=draw(st.sampled_from([None, 1, 2])))
    s.oneshot("os0")
    s.broadcast("bc0", draw(st.sampled_from([1, 2, 3])), senders=draw(st.sampled_from([1, 2])),
                receivers=["t0"])
    s.watch("w0", receivers=["t1"])
    s.join_set("js0", owner=bad(["t0"], ["t1", "f0", "ghost"]))
    s.task("j0", [draw(st.sampled_from([ops.yield_(), ops.park("q0"), ops.print("j0")]))],
           count=bad([1, 2], [0]), autostart=False)
    s.notify("n0")
    s.semaphore("sem0", draw(st.integers(0, 2)))
    s.connection("k0")
    for t, f in (("t0", "f0"), ("t1", "f1")):
        s.task(t, draw(g.programs[f]), count=bad([1], [2]),
               autostart=t == "t0" or (careless and draw(st.booleans())),
               daemon=draw(st.booleans()),
               masked=draw(st.booleans()), must_finish=draw(st.booleans()),
               kill_points=draw(st.booleans()))
        s.future(f, owner=draw(g.of(t)), program=draw(g.programs["future"]))
    s.object("o0", owner=draw(st.one_of(st.none(), g.of("t0", "t1"))),
             on_drop=draw(g.programs["sync"]))
    for i in range(draw(st.integers(0, 2))):
        program = draw(g.programs["sync"])
        if draw(st.booleans()):
            s.on_event(f"h{i}", at=draw(SMALL), program=program,
                       connection=draw(st.one_of(st.none(), g.of("k0"))))
        elif draw(st.booleans()):
            s.on_cleanup(f"h{i}", at=draw(SMALL), program=program)
        else:  # the pool's cleanup: runs when the server closes k0
            s.on_cleanup(f"h{i}", connection=draw(g.of("k0")), program=program)
    s.thread("th0", at=draw(SMALL), program=draw(g.programs["thread"]), autostart=False)
    return s


LIMITS = dict(max_steps=20_000, max_seconds=5.0, max_depth=64)


def check(s, policy, seed, ended):
    try:
        s.build()
    except wb.Error as e:
        assert "\n" not in str(e), str(e)
        ended["refused at build"] += 1
        return
    try:
        out = wb.run(s, policy, seed=seed, **LIMITS)
    except wb.Error as e:  # a misuse only a run can see (a double drop...)
        assert "\n" not in str(e), str(e)
        ended["refused at run"] += 1
        return
    assert out.verdict.kind in KINDS
    assert out.explanation and out.to_dict()["verdict"] == out.verdict.kind
    again = wb.run(s, policy, schedule=out.schedule, **LIMITS)
    assert again.trace_text == out.trace_text and again.verdict == out.verdict
    ended[out.verdict.kind] += 1
    try:
        ex = wb.explore(s, policy, strategy="exhaustive", budget=40, stop_at_first=False,
                        **LIMITS)
    except wb.Error:
        return  # a schedule the seed did not reach may hit a run-time misuse
    assert set(ex.outcomes) <= KINDS
    if seed % 8 == 0:  # one in eight also on a real libev loop, its threads real threads
        try:
            real = wb.run(s, policy, backend="libev", time_scale=0.001, watchdog_s=0.05,
                          **{**LIMITS, "max_seconds": 2.0})
        except wb.Error:
            return  # a misuse its schedule reached
        assert real.verdict.kind in KINDS
        ended["also on libev"] += 1


def test_fuzz_op_trees(capsys):
    ended: collections.Counter = collections.Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(scenarios(), st.sampled_from(POLICIES), st.integers(0, 2**32 - 1))
    def fuzz(s, policy, seed):
        check(s, policy, seed, ended)

    expect = os.environ.get("WAKEBENCH_EXPECT_CORE")  # the sanitizer run: this build, not another
    if expect:
        assert os.path.dirname(wb._core.__file__) == os.path.abspath(expect), wb._core.__file__
    fuzz()
    total = sum(v for k, v in ended.items() if k != "also on libev")
    with capsys.disabled():
        print(f"\nfuzz: {total} scenarios ran ({wb._core.__file__}): "
              + ", ".join(f"{k} {v}" for k, v in ended.most_common()))
    assert total >= EXAMPLES // 2
    assert ended["refused at build"] < total  # some scenarios did run

"""The foundation's catalog entries reproduce DESIGN.md section 2, computed by
exhaustive exploration ("ok" = no explored schedule gives anything else)."""

from pathlib import Path

import pytest

import wakebench as wb
from wakebench import ops

POLICIES = ["ngx_inline", "ngx_defer_nested", "ngx_posted", "ngx_posted_next", "fifo",
            "thread_notify"]
R = "deadlock/reentrant_lock"
W, D, U = "wrong_thread", "data_race", "use_after_free"
B = "deadlock/blocked_thread"
I = "interrupted_critical_section"

# DESIGN.md section 2, keyed by policy name. A cell is the verdict some
# explored schedule gives ("ok": no schedule gives anything else); a tuple
# means any of them.


def cells(ngx_inline, ngx_defer_nested, ngx_posted, ngx_posted_next, fifo, thread_notify):
    return dict(ngx_inline=ngx_inline, ngx_defer_nested=ngx_defer_nested, ngx_posted=ngx_posted,
                ngx_posted_next=ngx_posted_next, fifo=fifo, thread_notify=thread_notify)


def every(verdict):
    return {p: verdict for p in POLICIES}


EXPECTED = {
    "h2-drop-wake-nested": cells(ngx_inline=R, ngx_defer_nested="ok", ngx_posted="ok",
                                 ngx_posted_next="ok", fifo="ok", thread_notify="ok"),
    "h2-drop-wake-cleanup": cells(ngx_inline=R, ngx_defer_nested=R, ngx_posted="ok",
                                  ngx_posted_next="ok", fifo="ok", thread_notify="ok"),
    "hyper-pool-drop-wake": cells(ngx_inline=R, ngx_defer_nested="ok", ngx_posted="ok",
                                  ngx_posted_next="ok", fifo="ok", thread_notify="ok"),
    "sidecar-thread-wake": cells(ngx_inline=W, ngx_defer_nested=(W, D), ngx_posted=D,
                                 ngx_posted_next=D, fifo="ok", thread_notify="ok"),
    "stale-event-after-close": cells(ngx_inline="ok", ngx_defer_nested="ok", ngx_posted=U,
                                     ngx_posted_next=U, fifo=U, thread_notify=U),
    "stale-event-task-in-pool": every("ok"),
    "stale-event-staged": every("ok"),
    "std-mutex-current-thread": every(B),
    "std-mutex-async-mutex": every("ok"),
    "std-mutex-two-workers": every("not_send"),
    "posted-next-idle": every("ok"),
    "blocking-scheduler": every("starvation"),
    "blocking-scheduler-pool": every("ok"),
    "unbounded-concurrency": every("resource_exhausted"),
    "unbounded-concurrency-semaphore": every("ok"),
    "futurelock-select": every("deadlock/futurelock"),
    "futurelock-select-barging": every("ok"),
    "futurelock-select-owned": every("ok"),
    "futurelock-select-semaphore": every("deadlock/futurelock"),
    "buffered-stream": every("deadlock/unpolled_future"),
    "buffered-stream-2": every("ok"),
    "buffered-stream-spawned": every("ok"),
    "buffered-stream-always-poll": every("resource_exhausted"),
    "cancel-critical-section": every(I),
    "cancel-critical-section-spawned": every("ok"),
    "haskell-mask-model-1": every(I),
    "haskell-mask-model-2": every(I),
    "haskell-mask-model-3": every(I),
    "haskell-mask-model-4": every(I),  # through one kill point: right after the task starts
    "haskell-mask-model-5": every("ok"),
}

CELLS = [(s, p, v) for s, vs in EXPECTED.items() for p, v in vs.items()]


@pytest.mark.parametrize("scenario,policy,expected", CELLS)
def test_matrix_cell(scenario, policy, expected):
    ex = wb.explore(scenario, policy, strategy="exhaustive", budget=200_000,
                    stop_at_first=False)
    assert ex.complete, "exploration must cover every schedule for an 'ok' to mean anything"
    assert ex.states >= 1  # exhaustive exploration reports the states it visited
    wanted = expected if isinstance(expected, tuple) else (expected,)
    assert ex.verdict in wanted, ex.counterexample and ex.counterexample.explanation
    if expected == "ok":
        assert ex.outcomes == {"ok": ex.schedules}
        return
    for kind in wanted:
        assert kind in ex.outcomes, ex.outcomes  # every verdict the catalog expects is found
    assert ex.counterexample.verdict.kind in wanted


def test_catalog_lists_the_foundation_entries_with_sources():
    names = wb.catalog.names()
    for n in EXPECTED:
        assert n in names
        e = wb.catalog.lookup(n)
        assert e.source.endswith(".txt")
        assert len(e.summary) > 100


SEEDS = Path(__file__).parent.parent / "docs" / "seeds"


@pytest.mark.parametrize("name", wb.catalog.names())
def test_every_entry_quotes_its_seed_verbatim_and_says_what_it_assumes(name):
    e = wb.catalog.lookup(name)
    seed = " ".join((SEEDS / e.source).read_text(encoding="utf-8").split())
    assert len(e.quote) > 20 and e.quote in seed, f"{name}: the quote is not in {e.source}"
    assert len(e.assumes) > 40, f"{name}: say what the model assumes"


def test_nested_explanation_names_lock_holder_waiter_and_step():
    out = wb.run("h2-drop-wake-nested", "ngx_inline")
    v = out.verdict
    assert v.kind == R
    assert "blocking mutex 'inner'" in v.explanation
    assert "drop hook of 'stream' holds it lower on the same stack" in v.explanation
    assert "poll of 'conn' (inline, woken from drop_hook)" in v.explanation
    assert f"step {v.step}:" in v.explanation
    # The trace shows the wake from the Drop hook polling the Connection inline, nested.
    lines = [t for t in out.trace if t.kind in ("drop", "wake", "poll", "lock_blocked")]
    kinds = [(t.kind, t.task or t.subject) for t in lines]
    i = kinds.index(("drop", "stream"))
    assert kinds[i + 1:] == [("wake", "conn"), ("poll", "conn"), ("lock_blocked", "inner")]
    drop, wake, poll, blocked = lines[i:]
    assert wake.detail == "drop_hook -> inline"
    assert poll.depth > drop.depth and blocked.step == v.step


def test_cleanup_explanation_names_the_cleanup_handler():
    out = wb.run("h2-drop-wake-cleanup", "ngx_defer_nested")
    assert out.verdict.kind == R
    assert "cleanup handler 'close' > drop of task 'req' > drop hook of 'stream'" in out.explanation


def test_deferred_runs_finish_and_print():
    out = wb.run("h2-drop-wake-cleanup", "ngx_posted")
    assert out.verdict.ok
    assert [o.text for o in out.output] == ["connection closed"]
    out = wb.run("hyper-pool-drop-wake", "fifo")
    assert [o.text for o in out.output] == ["response received", "waiter got a connection"]


def test_posted_next_does_not_block_while_work_is_posted():
    posted = wb.run("h2-drop-wake-nested", "ngx_posted").stats
    nxt = wb.run("h2-drop-wake-nested", "ngx_posted_next").stats
    assert posted["nonblocking_iterations"] == 0
    assert nxt["nonblocking_iterations"] >= 2


def test_sidecar_explanations_name_the_threads():
    out = wb.run("sidecar-thread-wake", "ngx_inline")
    assert out.verdict.kind == W
    assert "thread 'tokio' wakes task 'handler'" in out.explanation
    assert "belongs to thread 'main'" in out.explanation
    cx = wb.explore("sidecar-thread-wake", "ngx_posted").counterexample
    assert cx.verdict.kind == D and "ngx_posted_events" in cx.explanation
    assert "[tokio]" in cx.trace_text  # trace lines of the foreign thread are marked


def test_use_after_free_names_the_context_and_the_close():
    cx = wb.explore("stale-event-after-close", "ngx_posted").counterexample
    assert cx.verdict.kind == U
    assert "uses event context 'peer'" in cx.explanation
    assert "the server closed it at step" in cx.explanation
    assert "the server closes connection 'peer'" in cx.trace_text
    # Closing first deletes the read event: the handler never runs.
    out = wb.run("stale-event-staged", "ngx_posted", schedule="v1.1")
    assert "does not run: its connection was closed" in out.trace_text and out.verdict.ok


def test_posted_next_keeps_the_loop_from_idling():
    # The ticker is woken 5 times by its timer and yields 5 times.
    waits = {p: wb.run("posted-next-idle", p).stats["nonblocking_iterations"] for p in POLICIES}
    # Every wake deferred through ngx-rust's scheduler event costs a loop
    # iteration that does not block: the timer's wakes and the yields.
    assert waits["ngx_posted_next"] == 5 + 5 + 1, waits  # + the spawn at startup
    # Inline from the timer handler; each yield (woken while running) goes
    # through the scheduler.
    assert waits["ngx_inline"] == waits["ngx_defer_nested"] == 5, waits
    # Each inbox push notifies the loop, whose next wait returns at once.
    assert waits["thread_notify"] == waits["ngx_posted_next"], waits
    # Run in this iteration's posted pass or run queue: the loop goes back to sleep.
    assert waits["ngx_posted"] == waits["fifo"] == 0, waits


def test_std_mutex_explanation_names_the_suspended_holder():
    out = wb.explore("std-mutex-current-thread", "fifo").counterexample
    assert out.verdict.kind == B
    assert "task 'holder' holds it" in out.explanation and "suspended" in out.explanation


def two_workers(kind):
    s = wb.Scenario("two-workers", workers=2)
    m = s.mutex("m", kind=kind)
    s.task("holder", [m.lock(), ops.print("holder locked"), ops.yield_(), m.unlock(),
                      ops.print("holder unlocked")])
    s.task("contender", [m.lock(), ops.print("contender locked"), m.unlock()])
    return s


def test_a_std_guard_across_an_await_with_two_workers_is_not_send():
    out = wb.run("std-mutex-two-workers", "ngx_posted")
    assert out.verdict.kind == "not_send"
    assert "task 'holder' awaits at task 'holder' op #2 (yield)" in out.explanation
    assert "the guard of std::sync::Mutex 'm'" in out.explanation
    assert "MutexGuard is !Send" in out.explanation
    # One worker: current_thread does not need Send (blocked_thread there).
    assert wb.run("std-mutex-current-thread", "ngx_posted").verdict.kind == B


def test_two_workers_poll_on_both_executor_threads():
    # A Send guard (parking_lot with send_guard) may be released on the other
    # worker: the contender's lock blocks one worker, the other runs the holder.
    ex = wb.explore(two_workers("send_guard"), "ngx_posted", stop_at_first=False)
    assert ex.complete and ex.outcomes.keys() == {"ok"}, ex.outcomes
    out = wb.run(two_workers("send_guard"), "ngx_posted")
    assert {e.thread for e in out.trace} == {0, 1}
    assert "[worker-1] poll 'holder'" in out.trace_text


def test_starvation_names_the_late_task_and_the_busy_stretch():
    out = wb.run("blocking-scheduler", "fifo")
    assert out.verdict.kind == "starvation"
    assert "task 'ticker' was ready at t=10" in out.explanation
    assert "past the latency bound of 50 ms" in out.explanation
    assert "busy from t=5 for 100 ms without awaiting" in out.explanation
    ticks = [(o.text, o.time) for o in wb.run("blocking-scheduler-pool", "fifo").output]
    assert ticks == [("tick", 10), ("tick", 20), ("tick", 30), ("crunched", 105)]


def test_resource_exhaustion_names_the_bound_and_the_spawner():
    out = wb.run("unbounded-concurrency", "fifo")
    assert out.verdict.kind == "resource_exhausted"
    assert "5 tasks and in-flight futures alive at once, past the bound of 4" in out.explanation
    assert "poll of 'scraper'" in out.explanation
    assert wb.run("unbounded-concurrency-semaphore", "fifo").stats["max_depth"] >= 1


SEED_OUTPUT = ["xxx started", "second branch has been run", "yyy started",
               "simulate contention done"]


@pytest.mark.parametrize("policy", POLICIES)
def test_futurelock_reproduces_the_seeds_output_at_its_timings(policy):
    out = wb.run("futurelock-select", policy)
    assert [o.text for o in out.output] == SEED_OUTPUT
    assert [o.time for o in out.output] == [100, 600, 600, 5000]
    assert out.verdict.kind == "deadlock/futurelock"
    assert "future 'xxx_future' holds async mutex 'lock'" in out.explanation
    assert "task 'main' waits for async mutex 'lock' held by future 'xxx_future'" in out.explanation
    for fixed in ("futurelock-select-barging", "futurelock-select-owned"):
        ok = wb.run(fixed, policy)
        assert ok.verdict.ok
        assert [o.text for o in ok.output] == SEED_OUTPUT + ["yyy done"]


def test_buffered_explanations():
    out = wb.run("buffered-stream", "fifo")
    assert out.verdict.kind == "deadlock/unpolled_future"
    assert "future 'B' (never polled)" in out.explanation
    assert "never its wrapped stream" in out.explanation
    grown = wb.run("buffered-stream-always-poll", "fifo")
    assert "in-flight futures alive at once, past the bound of 6" in grown.explanation
    assert "poll 'B' (by its owner)" in grown.trace_text  # always polling did poll B


def test_cancellation_names_the_future_and_its_await_point():
    out = wb.run("cancel-critical-section", "fifo")
    assert out.verdict.kind == "interrupted_critical_section"
    assert "future 'transfer' is dropped (cancelled) while suspended at" in out.explanation
    assert "(sleep)" in out.explanation
    spawned = wb.run("cancel-critical-section-spawned", "fifo")
    assert [o.text for o in spawned.output] == ["timed out", "transfer done"]


KILLED = "asyncTest: thread killed"
SEED_MODELS = {  # the printed output and its times (ms), for the seed's kill timings
    "haskell-mask-model-1": [(KILLED, 2000)],
    "haskell-mask-model-2": [("Caught!", 1000), (KILLED, 3000)],
    "haskell-mask-model-3": [("Caught!", 1000), (KILLED, 3000)],
    "haskell-mask-model-4": [("Caught!", 1000), ("20", 5000)],
    "haskell-mask-model-5": [("Caught!", 1000), ("20", 5000)],
}


@pytest.mark.parametrize("name", SEED_MODELS)
def test_haskell_models_print_what_the_seed_printed(name):
    for policy in POLICIES:
        out = wb.run(name, policy)
        assert [(o.text, o.time) for o in out.output] == SEED_MODELS[name], policy
    from wakebench.catalog import haskell
    one_kill = wb.run(haskell.model_2(kills=1), "fifo")  # the seed's first run of model 2
    assert [(o.text, o.time) for o in one_kill.output] == [("Caught!", 1000), ("20", 3000)]


def test_every_kill_point_models_1_to_4_can_be_interrupted_and_5_never():
    for i in range(1, 5):
        ex = wb.explore(f"haskell-mask-model-{i}", "fifo", stop_at_first=False)
        assert ex.complete and I in ex.outcomes, i
    five = wb.explore("haskell-mask-model-5", "fifo", stop_at_first=False)
    assert five.complete and five.outcomes == {"ok": five.schedules}
    # Model 4 only in the window right after the task starts, before its mask.
    cx = wb.explore("haskell-mask-model-4", "fifo").counterexample
    assert "task 'asyncTask' op #0 (mask)" in cx.explanation
    landed = set()
    for seed in range(400):  # kills land at every kind of point; only op #0 breaks it
        out = wb.run("haskell-mask-model-4", "fifo", seed=seed, trace=False)
        if out.verdict.kind == I:
            assert "at task 'asyncTask' op #0 (mask)" in out.explanation
        landed.add(out.verdict.kind)
    assert landed == {"ok", I}


def test_the_close_runs_the_pool_cleanup_that_drops_the_task_living_in_it():
    # pschyska's case: the deferred wake is cancelled with the task; bavshin-f5's
    # case (the future outlives the connection) is use_after_free.
    for seed in range(40):
        out = wb.run("stale-event-task-in-pool", "ngx_posted", seed=seed)
        assert out.verdict.ok, out.explanation
        t = out.trace_text
        if "the server closes connection 'peer'" in t:
            assert t.index("the server closes connection 'peer'") < \
                t.index("cleanup handler 'drop_reader' begins") < t.index("task 'reader' dropped")
            assert "read from connection 'peer'" not in t.split("closes connection 'peer'")[1]


@pytest.mark.parametrize("bound", [2, 6, 10, 11, 100])
def test_always_polling_an_endless_stream_exhausts_any_bound(bound):
    from wakebench.catalog.buffered import _stream
    s = _stream("always-poll", size=1, always_poll=True, bound=bound)
    assert wb.run(s).verdict.kind == "resource_exhausted"

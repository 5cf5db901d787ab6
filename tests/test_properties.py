"""Properties of the model over generated scenarios (hypothesis)."""

from hypothesis import given, settings

import wakebench as wb
from wakebench.strategies import drop_wake_scenarios, seeds

KINDS = set(wb.verdict_kinds())
POLICIES = wb.builtin_policies()


@settings(max_examples=300)
@given(drop_wake_scenarios(), seeds())
def test_every_run_ends_in_a_known_conclusive_verdict(s, seed):
    for p in POLICIES:
        out = wb.run(s, p, seed=seed, trace=False)
        assert out.verdict.kind in KINDS
        assert not out.verdict.inconclusive, out.explanation  # loop-free: always settles
        assert out.explanation


@settings(max_examples=200)
@given(drop_wake_scenarios(), seeds())
def test_a_schedule_replays_byte_for_byte(s, seed):
    for p in POLICIES:
        a = wb.run(s, p, seed=seed)
        b = wb.run(s, p, schedule=a.schedule)
        assert a.trace_text == b.trace_text
        assert a.verdict == b.verdict


@settings(max_examples=500)
@given(drop_wake_scenarios(), seeds())
def test_always_deferring_policies_never_reenter_a_lock(s, seed):
    for p in ("ngx_posted", "ngx_posted_next", "fifo"):
        out = wb.run(s, p, seed=seed, trace=False)
        assert out.verdict.kind != "deadlock/reentrant_lock", out.explanation


@settings(max_examples=300)
@given(drop_wake_scenarios(), seeds())
def test_inline_polls_nest_on_the_wakers_stack(s, seed):
    # Under ngx_inline every non-spawn wake of an idle task is an inline poll,
    # one frame deeper than the wake; under the deferring policies none is.
    out = wb.run(s, "ngx_inline", seed=seed)
    ev = out.trace
    for i, e in enumerate(ev):
        if e.kind == "wake" and e.detail.endswith("-> inline"):
            nxt = ev[i + 1]
            assert nxt.kind == "poll" and nxt.task == e.task and nxt.depth == e.depth + 1
    for p in ("ngx_posted", "fifo"):
        assert wb.run(s, p, seed=seed).stats["inline_polls"] == 0


def test_the_generator_reaches_the_hazard_the_property_rules_out():
    # Without this, "never reentrant under deferring policies" could hold vacuously.
    from hypothesis import find

    s = find(drop_wake_scenarios(),
             lambda s: wb.run(s, "ngx_inline", trace=False).verdict.kind
             == "deadlock/reentrant_lock",
             settings=settings(max_examples=2000, database=None))
    assert wb.run(s, "ngx_posted").verdict.kind != "deadlock/reentrant_lock"

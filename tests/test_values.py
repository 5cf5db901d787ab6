"""Values (issue 15: "the vocabulary real bugs need"): channel messages and
oneshot values carry small integers a receiver branches on, atomically with
the recv (``ops.if_(ch.recv() == 2, ...)``, the atomics' mechanism); a
buffered stream's items come out in an order the trace records, so
"completed: [B, C, A]" has a counterpart."""

import re

import pytest

import wakebench as wb
from wakebench import ops


def texts(out):
    return [o.text for o in out.output]


def kinds(s, policy="fifo", **kw):
    ex = wb.explore(s, policy, strategy="exhaustive", stop_at_first=False, budget=200_000, **kw)
    assert ex.complete, ex
    return {k for k, n in dict(ex.outcomes).items() if n}


def test_messages_come_out_in_the_order_sent_and_a_recv_branches_on_each():
    s = wb.Scenario("fifo-values")
    ch = s.channel("jobs", capacity=2)
    s.task("producer", [ch.send(1), ch.send(2), ch.send(value=-7)])
    s.task("consumer", [
        ops.if_(ch.recv() == 1, ops.print("one"), orelse=[ops.print("not one")]),
        ops.if_(ch.recv() != 1, ops.print("two")),
        ops.if_(ch.recv() < 0, ops.print("negative")),
    ])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and texts(out) == ["one", "two", "negative"], out.trace_text
    assert "send 2 on 'jobs': 2 message(s) queued" in out.trace_text
    got = [(r.task, r.detail) for r in out.trace if r.kind == "recv"]
    assert [d for _, d in got] == ["1", "2", "-7"]
    assert "'consumer' receives -7 from 'jobs' (0 left)" in out.trace_text


def test_a_oneshot_carries_its_value_and_none_runs_on_closed_not_the_branch():
    s = wb.Scenario("oneshot-values")
    tx = s.oneshot("tx")
    gone = s.oneshot("gone")
    s.task("sender", [tx.send(True), gone.drop_sender()])
    s.task("receiver", [
        ops.if_(tx.recv() == 1, ops.print("got true"), orelse=[ops.print("got false")]),
        ops.if_(gone.recv(on_closed=[ops.print("RecvError")]) == 0, ops.print("zero"),
                orelse=[ops.print("nonzero")]),
        ops.print("end"),
    ])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and texts(out) == ["got true", "RecvError", "end"], out.trace_text


def test_a_dispatcher_branches_on_the_message_kind_until_the_channel_closes():
    # A worker loop as real code writes it: `while let Some(msg) = rx.recv().await
    # { match msg { 1 => ..., _ => ... } }`.
    s = wb.Scenario("dispatch")
    ch = s.channel("cmds")
    s.task("client", [ch.send(1), ch.send(2), ch.send(1), ch.drop_sender()])
    s.task("worker", [ops.loop(ops.if_(ch.recv(on_closed=[ops.break_()]) == 1,
                                       ops.print("get"), orelse=[ops.print("put")])),
                      ops.print("closed")])
    for p in ("fifo", "ngx_inline", "ngx_posted"):
        out = wb.run(s, p)
        assert out.verdict.ok and texts(out) == ["get", "put", "get", "closed"], (p, out.trace_text)


def race(first):
    """Two producers on two workers: a sends 1 then 3, b sends 2; the consumer
    looks once both have sent and panics if `first` comes first."""
    s = wb.Scenario(f"race-{first}", workers=2)
    ch = s.channel("ch")
    sent = s.semaphore("sent", 0)
    s.task("a", [ch.send(1), ch.send(3), sent.release()])
    s.task("b", [ch.send(2), sent.release()])
    s.task("consumer", [sent.acquire(), sent.acquire(),
                        ops.if_(ch.recv() == first, ops.panic(f"{first} came first")),
                        ch.recv(), ch.recv()])
    return s


def test_one_senders_values_never_reorder_and_the_state_cache_keeps_both_orders():
    # The queue's values are in the state hash: [1, 2] and [2, 1] are two
    # states, so the cache does not prune the schedule where b's comes first.
    assert kinds(race(3)) == {"ok"}
    assert kinds(race(2)) == {"ok", "panic"}


def test_try_send_carries_a_value_and_try_recv_takes_the_oldest():
    s = wb.Scenario("try-values")
    ch = s.channel("ch", capacity=2)
    s.task("t", [ch.try_send(5), ch.try_send(6), ch.try_recv(),
                 ops.if_(ch.recv() == 6, ops.print("6 left"))])
    out = wb.run(s, "fifo")
    assert out.verdict.ok and texts(out) == ["6 left"], out.trace_text
    assert "'t' receives 5 from 'ch' (1 left)" in out.trace_text


@pytest.mark.parametrize("unordered, order", [(False, ["A", "B", "C"]), (True, ["B", "C", "A"])])
def test_the_trace_names_a_buffered_streams_items_in_the_order_yielded(unordered, order):
    # A is slow, B instant, C one sleep: the futures complete B, C, A.
    # buffer_unordered yields them so; buffered (ordered) holds B and C
    # until A, the head, is done: it yields A, B, C.
    s = wb.Scenario("completed")
    for name, ms in (("A", 30), ("B", 0), ("C", 10)):
        s.future(name, owner="t", program=[ops.sleep(ms)] if ms else [])
    s.task("t", [ops.buffered(3, "A", "B", "C", unordered=unordered)])
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.explanation
    completed = [r.subject for r in out.trace if r.kind == "stream_yield"]
    assert completed == order, out.trace_text
    assert "the buffered stream in 't' yields 'B'" in out.trace_text


@pytest.mark.parametrize("build, message", [
    (lambda ch: ch.send(2**40), "a message's value is a small integer (32-bit)"),
    (lambda ch: ch.send("x"), "send on 'ch'"),
    (lambda ch: ops.if_(ch.send(1) == 1, ops.print("x")), "if_: the condition must compare"),
])
def test_bad_values_are_one_clear_error(build, message):
    s = wb.Scenario("bad")
    ch = s.channel("ch")
    with pytest.raises((TypeError, ValueError, wb.ScenarioError), match=re.escape(message)):
        s.task("t", [build(ch)])
        s.build()


def test_a_recv_with_a_branch_refuses_a_second_one():
    s = wb.Scenario("twice")
    ch = s.channel("ch")
    branched = ops.if_(ch.recv() == 1, ops.print("x"))
    with pytest.raises(TypeError, match="already has a branch"):
        ops.if_(branched == 2, ops.print("y"))

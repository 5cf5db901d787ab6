"""tokio::sync::broadcast and tokio::sync::watch (cpp/exec/primitives/broadcast.hpp, tokio 1.24.2
src/sync/broadcast.rs): every receiver sees every value; a receiver that
fell more than the capacity (rounded up to a power of two) behind gets
Lagged and resumes at the oldest value held; Closed only once it caught up
after the last sender's drop; a send with no receiver fails; a receiver
nobody can send to waits forever (never_woken)."""

import pytest

import wakebench as wb
from wakebench import ops


def texts(out):
    return [o.text for o in out.output]


def kinds(s, policy="fifo"):
    ex = wb.explore(s, policy, strategy="exhaustive", stop_at_first=False, budget=200_000)
    assert ex.complete, ex
    return {k for k, n in dict(ex.outcomes).items() if n}


def drain(b, who):
    return ops.loop(b.recv(on_lagged=[ops.print(f"{who} lagged"), ops.continue_()],
                           on_closed=[ops.print(f"{who} closed"), ops.break_()]),
                    ops.print(f"{who} got"))


def test_every_receiver_sees_every_value_then_closed_in_every_schedule():
    s = wb.Scenario("bcast-all")
    b = s.broadcast("b", 4, receivers=["r1", "r2"])
    s.task("tx", [b.send(1), b.send(2), b.drop_sender()])
    s.task("r1", [drain(b, "r1")])
    s.task("r2", [drain(b, "r2")])
    assert kinds(s) == {"ok"}
    out = wb.run(s, "fifo")
    assert sorted(texts(out)) == sorted(["r1 got"] * 2 + ["r2 got"] * 2 + ["r1 closed", "r2 closed"])
    got = [(r.task, r.detail) for r in out.trace if r.kind == "broadcast" and r.detail == "recv"]
    assert len(got) == 4, out.trace_text
    assert "receives 2 from broadcast 'b'" in out.trace_text


def test_a_lagging_receiver_gets_lagged_then_the_oldest_value_held():
    s = wb.Scenario("bcast-lag")
    b = s.broadcast("b", 2, receivers=["slow"])
    s.task("tx", [b.send(1), b.send(2), b.send(3), b.drop_sender()])
    s.task("slow", [drain(b, "slow")], autostart=False)
    s.task("main", [ops.join("tx"), ops.spawn("slow"), ops.join("slow")])
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["slow lagged", "slow got", "slow got", "slow closed"], out.trace_text
    assert "Lagged(1)" in out.trace_text
    assert "receives 2 from broadcast 'b'" in out.trace_text
    assert kinds(s) == {"ok"}


def test_capacity_rounds_up_to_a_power_of_two():
    s = wb.Scenario("bcast-round")
    b = s.broadcast("b", 3, receivers=["t"])  # 4 held: four sends, no lag
    s.task("t", [b.send(1), b.send(2), b.send(3), b.send(4), b.drop_sender(), drain(b, "t")])
    assert texts(wb.run(s, "fifo")) == ["t got"] * 4 + ["t closed"]


def test_closed_only_after_the_receiver_caught_up():
    s = wb.Scenario("bcast-drain")
    b = s.broadcast("b", 2, senders=2, receivers=["rx"])
    s.task("a", [b.send(7), b.drop_sender()])
    s.task("c", [b.drop_sender()])
    s.task("rx", [drain(b, "rx")])
    assert kinds(s) == {"ok"}
    assert texts(wb.run(s, "fifo")) == ["rx got", "rx closed"]


def test_a_send_with_no_receiver_fails_and_a_subscriber_starts_at_the_tail():
    s = wb.Scenario("bcast-nobody")
    b = s.broadcast("b", 2)
    s.task("t", [b.send(1, on_closed=[ops.print("SendError")]), b.subscribe(),
                 b.send(2, on_closed=[ops.print("unexpected")]), b.drop_sender(), drain(b, "t")])
    out = wb.run(s, "fifo")
    assert texts(out) == ["SendError", "t got", "t closed"], out.trace_text
    assert "no receiver (SendError)" in out.trace_text


def test_a_finished_receiver_is_dropped_so_a_later_send_fails():
    s = wb.Scenario("bcast-gone")
    b = s.broadcast("b", 1, receivers=["rx"])
    s.task("rx", [ops.print("done")])
    s.task("tx", [ops.join("rx"), b.send(1, on_closed=[ops.print("SendError")])])
    assert texts(wb.run(s, "fifo")) == ["done", "SendError"]


def test_a_receiver_nobody_can_send_to_waits_forever():
    s = wb.Scenario("bcast-hang")
    b = s.broadcast("b", 2, receivers=["rx"])
    s.task("holder", [ops.print("keeps its sender, silent")])
    s.task("rx", [b.recv(), ops.print("never")])
    out = wb.run(s, "fifo")
    assert out.verdict.kind == "deadlock/never_woken", out.verdict
    assert kinds(s) == {"deadlock/never_woken"}
    # a sender that will send: every schedule finishes
    s2 = wb.Scenario("bcast-sends")
    b2 = s2.broadcast("b", 2, receivers=["rx"])
    s2.task("holder", [b2.send(7)])
    s2.task("rx", [b2.recv(), ops.print("got")])
    assert kinds(s2) == {"ok"}


def test_waiting_receivers_in_a_cycle_are_a_wait_cycle():
    # each waits for the other's send: a deadlock through the broadcast
    s = wb.Scenario("bcast-cycle")
    b = s.broadcast("b", 2, receivers=["x", "y"])
    s.task("x", [b.recv(), b.send(1)])
    s.task("y", [b.recv(), b.send(2)])
    assert kinds(s) == {"deadlock/wait_cycle"}
    out = wb.run(s, "fifo")
    assert "task 'x' waits in recv on broadcast 'b', which task 'y' may send to" in \
        out.verdict.explanation, out.verdict


def test_errors():
    s = wb.Scenario("bcast-errors")
    with pytest.raises(wb.ScenarioError, match="capacity must be at least 1"):
        s.broadcast("b", 0)
    b = s.broadcast("b", 1)
    s.task("t", [b.recv()])
    with pytest.raises(wb.ScenarioError, match="holds no receiver"):
        wb.run(s, "fifo")
    s2 = wb.Scenario("bcast-unknown")
    s2.broadcast("b", 1, receivers=["nobody"])
    s2.task("t", [ops.print("x")])
    with pytest.raises(wb.ScenarioError, match="receiver 'nobody' is not a task"):
        wb.run(s2, "fifo")


def test_to_python_writes_the_broadcast_back():
    s = wb.Scenario("bcast-py")
    b = s.broadcast("b", 2, senders=2, receivers=["rx"])
    s.task("tx", [b.send(3, on_closed=[ops.print("none")]), b.drop_sender(), b.drop_sender()])
    s.task("rx", [b.recv(on_lagged=[ops.print("lag")], on_closed=[ops.print("closed")])])
    s.task("late", [b.subscribe(), b.recv()], autostart=False)
    src = s.to_python()
    assert "ops.raw" not in src and "s.raw" not in src, src
    assert "s.broadcast('b', 2, senders=2, receivers=['rx'])" in src, src
    assert ".recv(on_lagged=[ops.print('lag')], on_closed=[ops.print('closed')])" in src, src
    assert ".subscribe()" in src and ".drop_sender()" in src, src
    assert wb.Scenario.from_json(s.to_json()).to_json() == s.to_json()



# -- branching on the value received: match rx.recv().await { Ok(2) => ..., Ok(_) => ..., ... }

def test_a_recv_branches_on_the_value_it_receives_either_way():
    s = wb.Scenario("bcast-value")
    b = s.broadcast("b", 4, receivers=["rx"])
    s.task("tx", [b.send(1), b.send(2), b.send(3), b.drop_sender()])
    s.task("rx", [ops.loop(ops.if_(b.recv(on_closed=[ops.print("closed"), ops.break_()]) == 2,
                                   ops.print("two"), orelse=[ops.print("other")]),
                           ops.print("next"))])
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["other", "next", "two", "next", "other", "next", "closed"], out.trace_text
    assert "'rx' receives 2 from broadcast 'b'" in out.trace_text
    assert kinds(s) == {"ok"}
    # every comparison; no else-branch: a value failing the test goes on after the op
    s2 = wb.Scenario("bcast-value-cmp")
    b2 = s2.broadcast("b", 4, receivers=["rx"])
    s2.task("tx", [b2.send(-1), b2.send(5), b2.drop_sender()])
    s2.task("rx", [ops.if_(b2.recv() < 0, ops.print("negative")),
                   ops.if_(b2.recv() >= 6, ops.print("big")), ops.print("end")])
    assert texts(wb.run(s2, "fifo")) == ["negative", "end"]


def test_which_value_arrives_first_decides_the_branch_in_exploration():
    s = wb.Scenario("bcast-race", workers=2)
    b = s.broadcast("b", 4, receivers=["rx"])
    s.task("one", [b.send(1)])
    s.task("two", [b.send(2)])
    s.task("rx", [ops.if_(b.recv() == 2, ops.panic("got 2 first"), orelse=[ops.print("1 first")])])
    assert kinds(s) == {"ok", "panic"}


def test_on_lagged_and_on_closed_still_run_with_a_value_branch():
    def lagging(on_lagged):
        s = wb.Scenario("bcast-lag-value")
        b = s.broadcast("b", 2, receivers=["slow"])
        s.task("tx", [b.send(1), b.send(2), b.send(3), b.drop_sender()])
        recv = b.recv(on_lagged=on_lagged, on_closed=[ops.print("closed"), ops.break_()])
        s.task("slow", [ops.loop(ops.if_(recv == 2, ops.print("two"), orelse=[ops.print("other")]),
                                 ops.print("next"))], autostart=False)
        s.task("main", [ops.join("tx"), ops.spawn("slow"), ops.join("slow")])
        return s

    s = lagging([ops.print("lagged"), ops.continue_()])
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["lagged", "two", "next", "other", "next", "closed"], out.trace_text
    assert "Lagged(1)" in out.trace_text
    assert kinds(s) == {"ok"}
    # Lagged with no on_lagged block: neither branch, the program goes on after the op
    out = wb.run(lagging([]), "fifo")
    assert texts(out) == ["next", "two", "next", "other", "next", "closed"], out.trace_text


def test_a_value_branch_round_trips_through_python_and_json():
    s = wb.Scenario("bcast-value-py")
    b = s.broadcast("b", 2, receivers=["rx"])
    s.task("tx", [b.send(2), b.drop_sender()])
    s.task("rx", [ops.if_(b.recv(on_lagged=[ops.print("lag")], on_closed=[ops.print("closed")])
                          != 2, ops.print("not two"), orelse=[ops.print("two")])])
    src = s.to_python()
    assert "ops.raw" not in src and "s.raw" not in src, src
    assert "b.recv(on_lagged=[ops.print('lag')], on_closed=[ops.print('closed')]) != 2," in src, src
    assert wb.Scenario.from_json(s.to_json()).to_json() == s.to_json()
    ns: dict = {}
    exec(src, ns)
    rebuilt = ns["scenario"]()
    assert rebuilt.to_json() == s.to_json()
    assert texts(wb.run(rebuilt, "fifo")) == ["two"]


def test_value_branch_errors():
    s = wb.Scenario("bcast-value-errors")
    b = s.broadcast("b", 2, receivers=["t"])
    c = s.broadcast("c", 2, receivers=["t"])
    recv = b.recv()
    with pytest.raises(wb.ScenarioTypeError, match="no truth value"):
        bool(recv == 1)
    branched = ops.if_(recv == 1, ops.print("one"))
    with pytest.raises(wb.ScenarioTypeError, match="already has a branch"):
        ops.if_(branched == 1, ops.print("again"))
    with pytest.raises(wb.ScenarioTypeError):
        ops.if_(recv == "x", ops.print("x"))
    other = ops.if_(b.recv() == 1, ops.print("x"))
    other.cond.counter = "c"
    s.task("t", [other])
    with pytest.raises(wb.ScenarioError, match="branches on its own result"):
        wb.run(s, "fifo")
    del c
    # the old form (on_lagged in orelse, no test) is refused with the reason
    s2 = wb.Scenario("bcast-old-form")
    b2 = s2.broadcast("b", 2, receivers=["t"])
    old = b2.recv()
    old.orelse = [ops.print("lagged")]
    s2.task("t", [old])
    with pytest.raises(wb.ScenarioError, match="on_lagged block"):
        wb.run(s2, "fifo")
    # a watch's changed() gives no value to compare
    s3 = wb.Scenario("watch-value")
    s3.watch("w", receivers=["t"])
    s3.task("t", [ops.if_(wb.Broadcast("w").recv() == 1, ops.print("x"))])
    with pytest.raises(wb.ScenarioError, match=r"changed\(\) returns no value to branch on"):
        wb.run(s3, "fifo")


# -- tokio::sync::watch: a broadcast of one slot and one Sender --------------

def test_watch_changed_takes_the_newest_version_and_never_lags():
    s = wb.Scenario("watch")
    w = s.watch("w", receivers=["rx"])
    s.task("tx", [w.send(1), w.send(2), w.send(3), w.drop_sender()])
    s.task("rx", [ops.loop(w.changed(on_closed=[ops.print("closed"), ops.break_()]),
                           ops.print("changed"))], autostart=False)
    s.task("main", [ops.join("tx"), ops.spawn("rx")])
    out = wb.run(s, "fifo")
    assert texts(out) == ["changed", "closed"], out.trace_text
    assert "'rx' receives 3 from watch 'w'" in out.trace_text
    assert kinds(s) == {"ok"}


def test_watch_every_change_seen_or_coalesced_in_every_schedule():
    s = wb.Scenario("watch-race")
    w = s.watch("w", receivers=["rx"])
    s.task("tx", [w.send(1), w.send(2), w.drop_sender()])
    s.task("rx", [ops.loop(w.changed(on_closed=[ops.break_()]), ops.add("seen", 1))])
    s.counter("seen", 0, bound=2)
    assert kinds(s) == {"ok"}


def test_watch_send_with_no_receiver_fails_and_a_silent_sender_hangs_the_receiver():
    s = wb.Scenario("watch-nobody")
    w = s.watch("w")
    s.task("t", [w.send(1, on_closed=[ops.print("SendError")]), w.subscribe(),
                 w.send(2), w.drop_sender(), w.changed(), ops.print("changed"),
                 w.changed(on_closed=[ops.print("RecvError")])])
    assert texts(wb.run(s, "fifo")) == ["SendError", "changed", "RecvError"]
    s2 = wb.Scenario("watch-silent")
    w2 = s2.watch("w", receivers=["rx"])
    s2.task("holder", [ops.print("keeps the Sender")])
    s2.task("rx", [w2.changed(), ops.print("never")])
    assert kinds(s2) == {"deadlock/never_woken"}


def test_watch_errors_and_to_python():
    s = wb.Scenario("watch-py")
    w = s.watch("w", receivers=["rx"])
    s.task("tx", [w.send(4, on_closed=[ops.print("none")]), w.drop_sender()])
    s.task("rx", [w.changed(on_closed=[ops.print("closed")])])
    s.task("late", [w.subscribe(), w.changed()], autostart=False)
    src = s.to_python()
    assert "ops.raw" not in src and "s.raw" not in src, src
    assert "s.watch('w', receivers=['rx'])" in src and ".changed(on_closed=" in src, src
    assert ".subscribe()" in src and ".drop_sender()" in src, src
    assert wb.Scenario.from_json(s.to_json()).to_json() == s.to_json()
    bad = wb.Scenario("watch-lag")
    wl = bad.watch("w", receivers=["t"])
    bad.task("t", [wb.Broadcast("w").recv(on_lagged=[ops.print("lag")])])
    with pytest.raises(wb.ScenarioError, match="never lags"):
        wb.run(bad, "fifo")
    del wl


def borrow_then_changed(update):
    """tokio 1.24.2 watch.rs: Receiver::borrow reads the value and marks
    nothing; borrow_and_update marks it seen, so changed() then waits."""
    s = wb.Scenario("watch-borrow")
    w = s.watch("w", receivers=["rx"])
    s.task("tx", [w.send(2)])
    read = w.borrow_and_update() if update else w.borrow()
    s.task("rx", [ops.yield_(), ops.if_(read == 2, ops.print("two"), orelse=[ops.print("other")]),
                  w.changed(), ops.print("changed")])
    return s


def test_watch_borrow_reads_the_current_value_and_branches_on_it():
    s = wb.Scenario("watch-borrow-branch")
    w = s.watch("w", initial=-1, receivers=["rx"])  # watch::channel(-1)
    s.task("rx", [ops.if_(w.borrow() == -1, ops.print("initial")), w.changed(),
                  ops.if_(w.borrow() == 2, ops.print("two"), orelse=[ops.print("other")])])
    s.task("tx", [w.send(1), w.send(2)])
    s.thread("th", program=[ops.if_(w.borrow() >= 0, ops.print("sender reads"))])  # Sender::borrow
    out = wb.run(s, "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["initial", "two", "sender reads"]
    assert "borrow of watch 'w' reads 2" in out.trace_text
    assert kinds(s) == {"ok"}


def test_watch_borrow_marks_nothing_and_borrow_and_update_marks_seen():
    out = wb.run(borrow_then_changed(False), "fifo")
    assert out.verdict.ok, out.verdict
    assert texts(out) == ["two", "changed"]
    out = wb.run(borrow_then_changed(True), "fifo")
    assert texts(out) == ["two"]
    assert out.verdict.kind == "deadlock/never_woken", out.verdict  # nothing newer comes
    assert "borrow_and_update of watch 'w' reads 2 (marked seen)" in out.trace_text


def test_watch_borrow_errors_and_round_trip():
    s = borrow_then_changed(True)
    src = s.to_python()
    assert ".borrow_and_update() == 2" in src and "ops.raw" not in src, src
    env = {}
    exec(src, env)
    assert env["scenario"]().to_json() == s.to_json()
    assert wb.Scenario.from_json(s.to_json()).to_json() == s.to_json()
    t = wb.Scenario("watch-initial")
    t.watch("w", initial=7)
    assert "s.watch('w', initial=7)" in t.to_python()
    with pytest.raises(wb.ScenarioTypeError, match="small integer"):
        t.watch("w2", initial=2**40)
    bad = wb.Scenario("borrow-broadcast")
    bad.broadcast("b", 2, receivers=["t"])
    bad.task("t", [wb.Watch("b").borrow()])
    with pytest.raises(wb.ScenarioError, match="borrow\\(\\) is a watch's"):
        bad.build()
    bad = wb.Scenario("borrow-thread")
    w = bad.watch("w")
    bad.thread("th", program=[w.borrow_and_update()])
    with pytest.raises(wb.ScenarioError, match="only a task or future holds a receiver"):
        bad.build()
    bad = wb.Scenario("borrow-no-receiver")
    w = bad.watch("w")
    bad.task("t", [w.borrow_and_update()])
    with pytest.raises(wb.ScenarioError, match="holds no receiver of watch 'w'"):
        wb.run(bad, "fifo")

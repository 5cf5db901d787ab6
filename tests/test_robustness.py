"""No crash, no hang, one clear line for every bad input.

Each test here is a regression test for a case found by trying wakebench as
an attacker and a careless user would: a Policy shared between runs, a long
compute on a real loop, Ctrl-C during an exploration, a watchdog that took a
pending timer for a stall, values the core cannot hold, and files and paths
that cannot be used.
"""

import _thread
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import wakebench as wb
from wakebench import ops


def cli(*args, timeout=120, **kw):
    return subprocess.run([sys.executable, "-m", "wakebench.cli", *args], capture_output=True,
                          timeout=timeout, **kw)


def one_line_error(r):
    """A CLI usage error: exit 2 and exactly one line on stderr."""
    err = r.stderr.decode() if isinstance(r.stderr, bytes) else r.stderr
    assert r.returncode == 2, (r.returncode, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wakebench: "), err
    return lines[0]


def two_scenarios():
    a = wb.Scenario("a")
    q, ca = a.wait_queue("qa"), a.counter("ca")
    a.task("alpha", [ops.wait_until(q, ca > 0)])
    a.task("beta", [ops.yield_(), ca.add(1), q.wake()])
    b = wb.Scenario("b")
    m = b.mutex("mb")
    b.task("gamma", [ops.yield_(), m.lock(), m.unlock()])
    b.task("delta", [ops.yield_(), ops.yield_()])
    return a, b


# -- 1. a Policy is bound to each run, not to the latest --------------------

def test_a_policy_serves_a_run_started_from_its_own_decide():
    a, b = two_scenarios()
    seen = []
    running = ["a"]

    def decide(info):
        seen.append((running[-1], info.task))
        if running[-1] == "a":
            # Another scenario's run, with the same Policy, inside this one's wake.
            running.append("b")
            assert wb.run(b, pol).verdict.ok
            running.pop()
        return "run_queue"

    pol = wb.Policy("nested", decide)
    out = wb.run(a, pol)
    assert out.verdict.ok
    # Every wake was described with its own run's names, none crossed over
    # (before, the outer run read the inner scenario's tables after it).
    assert {t for r, t in seen if r == "a"} == {"alpha", "beta"}
    assert {t for r, t in seen if r == "b"} == {"gamma", "delta"}


def test_a_policy_serves_runs_from_explores_progress_and_other_threads():
    a, b = two_scenarios()
    expected = {"a": {"alpha", "beta"}, "b": {"gamma", "delta"}}
    busy = wb.Scenario("busy")  # many wakes, many schedules: runs overlap
    busy.task("x", [ops.repeat(200, ops.yield_())])
    busy.task("y", [ops.repeat(200, ops.yield_())])
    expected["busy"] = {"x", "y"}
    running = threading.local()
    wrong = []

    def decide(info):
        if info.task not in expected[running.name]:
            wrong.append((running.name, info.task))
        return "run_queue"

    pol = wb.Policy("shared", decide)

    def progress(done, total):
        running.name = "b"
        assert wb.run(b, pol).verdict.ok
        running.name = "busy"

    running.name = "busy"
    wb.explore(busy, pol, strategy="random", budget=10**9, max_seconds_total=0.6,
               progress=progress)

    # Python threads running different scenarios with one Policy at once.
    errors = []

    def worker(sc):
        running.name = sc.name
        try:
            for _ in range(20):
                assert wb.run(sc, pol).verdict.ok
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    ts = [threading.Thread(target=worker, args=(sc,)) for sc in (a, b, busy)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors and not wrong, (errors, wrong[:5])


# -- 2. a compute on a real loop honours the time bound and Ctrl-C ----------

def long_compute(workers=1):
    s = wb.Scenario("long-compute", workers=workers)
    s.task("cruncher", [ops.compute(60_000), ops.print("done")])
    if workers > 1:
        s.task("other", [ops.loop(ops.sleep(1))])
    return s


@pytest.mark.parametrize("workers", [1, 2])
def test_a_long_compute_on_libev_stops_at_the_time_bound(workers):
    t0 = time.monotonic()
    out = wb.run(long_compute(workers), "fifo", backend="libev", max_seconds=0.5)
    assert out.verdict.kind == "bound/time"
    assert time.monotonic() - t0 < 30  # not the 60 s of the compute


def test_a_long_simulated_run_answers_ctrl_c():
    s = wb.Scenario("spin")
    s.task("t", [ops.loop(ops.yield_())])
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        wb.run(s, "fifo", trace=False, max_steps=4_000_000_000, max_seconds=120)
    timer.join()
    assert time.monotonic() - t0 < 30  # not the 120 s bound


def test_a_compute_past_any_clock_on_libev_stops_at_the_time_bound():
    # 10**12 ms at 10x is past what a nanosecond clock can hold: the burn
    # must neither wrap around nor spin for ever.
    s = wb.Scenario("endless-compute")
    s.task("cruncher", [ops.compute(10**12)])
    t0 = time.monotonic()
    out = wb.run(s, "fifo", backend="libev", time_scale=10, max_seconds=0.5)
    assert out.verdict.kind == "bound/time"
    assert time.monotonic() - t0 < 30


@pytest.mark.parametrize("threads", [False, True])
def test_a_long_unit_on_libev_answers_ctrl_c(threads):
    # A unit that never awaits (no compute either): the loop thread checks
    # for Ctrl-C inside it.
    s = wb.Scenario("long-unit")
    c = s.counter("c")
    s.task("t", [ops.loop(c.set(1))])
    if threads:
        s.thread("side", program=[ops.loop(c.set(2))])
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        wb.run(s, "fifo", backend="libev", trace=False, max_steps=4_000_000_000, max_seconds=60)
    timer.join()
    assert time.monotonic() - t0 < 30  # not the 60 s bound


def test_a_long_compute_on_libev_answers_ctrl_c():
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        wb.run(long_compute(), "fifo", backend="libev", max_seconds=120)
    timer.join()
    assert time.monotonic() - t0 < 30


# -- 3. Ctrl-C stops an exploration, with its partial summary ---------------

def endless():
    """A space no budget here exhausts: three threads, each many steps."""
    s = wb.Scenario("endless")
    c = s.counter("c")
    for i in range(3):
        s.thread(f"t{i}", program=[ops.repeat(60, c.add(1))])
    return s


@pytest.mark.parametrize("strategy", ["exhaustive", "random"])
def test_ctrl_c_stops_explore_without_a_progress_callback(strategy):
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(wb.Interrupted) as info:
        wb.explore(endless(), "fifo", strategy=strategy, budget=10**12)
    timer.join()
    assert time.monotonic() - t0 < 30
    partial = info.value.partial
    assert partial.interrupted and not partial.complete and partial.schedules > 0
    assert isinstance(info.value, KeyboardInterrupt)


@pytest.mark.parametrize("json_out", [True, False])
def test_ctrl_c_stops_the_cli_explore_with_a_partial_summary(json_out):
    # Every catalog space is small enough for random search to run all of it
    # and stop: the CLI explores endless(), registered under a name.
    script = ("import sys; sys.path.insert(0, %r); import test_robustness as t; "
              "from wakebench import catalog, cli; "
              "catalog.entry('endless', source='test', quote='', assumes='', summary='endless')(t.endless); "
              "sys.exit(cli.main(sys.argv[1:]))" % os.path.dirname(os.path.abspath(__file__)))
    args = [sys.executable, "-c", script, "explore", "endless",
            "--strategy", "random", "--budget", str(10**12)] + (["--json"] if json_out else [])
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_cpu(p.pid, 1.5)  # start-up takes well under a CPU second: it is exploring
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert "Traceback" not in err
    if json_out:
        d = json.loads(out)
        assert d["interrupted"] is True and d["complete"] is False and d["schedules"] > 0
    else:
        assert "interrupted: a partial summary" in out and " distinct) in " in out


@pytest.mark.parametrize("json_out", [True, False])
def test_ctrl_c_stops_the_matrix_within_a_second_with_the_cells_done(json_out):
    # Two cells, one at a time: h2-drop-wake-nested's finishes at once,
    # endless's would run for ever; Ctrl-C stops it (between two slices of
    # its exploration) and the command shows the one cell done.
    script = ("import sys; sys.path.insert(0, %r); import test_robustness as t; "
              "from wakebench import catalog, cli; "
              "catalog.entry('endless', source='test', quote='', assumes='', summary='endless')(t.endless); "
              "sys.exit(cli.main(sys.argv[1:]))" % os.path.dirname(os.path.abspath(__file__)))
    args = [sys.executable, "-c", script, "matrix", "--scenario", "h2-drop-wake-nested",
            "--scenario", "endless", "--policy", "fifo", "--jobs", "1",
            "--budget", str(10**12)] + (["--json"] if json_out else [])
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_cpu(p.pid, 1.5)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    took = time.monotonic() - t0
    assert p.returncode == 130, err
    assert "Traceback" not in err
    assert took < 5, took  # a slice is 0.2 s; a margin for a busy machine
    if json_out:
        assert [(c["scenario"], c["verdict"]) for c in json.loads(out)] == [
            ("h2-drop-wake-nested", "ok")]
    else:
        assert "interrupted: a partial matrix, 1 of 2 cells" in out
        assert "| h2-drop-wake-nested | ok" in out and "| endless" not in out


def wait_for_cpu(pid, seconds, timeout=120):
    """Until the process has used ``seconds`` of CPU: a margin counted in
    its own work, whatever else the machine is doing."""
    tick = os.sysconf("SC_CLK_TCK")
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / tick >= seconds:  # utime + stime
            return
        time.sleep(0.05)
    raise AssertionError("the process did not get going")


# -- 4. a pending timer is not a stall --------------------------------------

@pytest.mark.parametrize("name,kind", [
    ("futurelock-select", "deadlock/futurelock"),
    ("futurelock-select-owned", "ok"),
    ("futurelock-select-barging", "ok"),
])
def test_libev_waits_for_a_timer_longer_than_the_watchdog(name, kind):
    # The contention holds the lock for 5000 ms x 0.1 = 0.5 s, longer than
    # the watchdog's 0.2 s: the loop is waiting for a timer, not stuck.
    out = wb.run(name, "fifo", backend="libev", time_scale=0.1, watchdog_s=0.2)
    assert out.verdict.kind == kind, out.explanation


# -- 5, 9. values the core cannot hold: one wakebench error naming the place -

BIG = 1 << 70


def _sc():
    return wb.Scenario("s")


def _policy_answering(answer):
    return wb.Policy("odd", lambda info: answer)


@pytest.mark.parametrize("build,where", [
    (lambda: ops.sleep(BIG), "sleep"),
    (lambda: ops.compute(-BIG), "compute"),
    (lambda: ops.repeat(1 << 64, ops.yield_()), "repeat"),
    (lambda: _sc().task("t", [], count=BIG), "count"),
    (lambda: _sc().counter("c", BIG), "counter 'c'"),
    (lambda: _sc().counter("c", 0, bound=BIG), "bound"),
    (lambda: ops.add("c", BIG), "add"),
    (lambda: _sc().counter("c") == BIG, "condition on 'c'"),
    (lambda: wb.Scenario("s", workers=BIG), "workers"),
    (lambda: _sc().thread("th", at=BIG, program=[]), "at"),
    (lambda: _sc().on_event("h", at=-BIG, program=[]), "at"),
    (lambda: ops.buffered(BIG, "f"), "buffered"),
    (lambda: _sc().mutex("m\ud800"), "mutex"),
    (lambda: _sc().task("t\ud800", []), "task"),
    (lambda: ops.print("x\udcff"), "print"),
    (lambda: _sc().mutex("a\nb"), "printable"),
    (lambda: wb.explore("h2-drop-wake-nested", depth=BIG), "depth"),
    (lambda: wb.explore("h2-drop-wake-nested", bound=BIG), "bound"),
    (lambda: wb.explore("h2-drop-wake-nested", budget=BIG), "budget"),
    (lambda: wb.explore("h2-drop-wake-nested", seed=-1), "seed"),
    (lambda: wb.run("h2-drop-wake-nested", choices=[float("inf")]), "choices[0]"),
    (lambda: wb.run("h2-drop-wake-nested", choices=[1 << 64]), "choices[0]"),
    (lambda: wb.run("h2-drop-wake-nested", max_steps=BIG), "max_steps"),
    (lambda: ops.lock("a\nb"), "lock"),
    (lambda: _sc().future("f", owner="t\n", program=[]), "owner"),
    (lambda: _sc().on_event("h", at=0, program=[], connection="c\r"), "connection"),
    (lambda: wb.Policy("a\nb", lambda info: "inline"), "Policy"),
    (lambda: wb.Policy(5, lambda info: "inline"), "Policy"),
    (lambda: wb.run("h2-drop-wake-nested", policy=5), "policy"),
    (lambda: wb.run("h2-drop-wake-nested", policy="x\ny"), "unknown policy"),
    (lambda: wb.run("h2-drop-wake-nested", _policy_answering("x\ny")), "returned"),
    (lambda: wb.run("h2-drop-wake-nested", _policy_answering("\udc80")), "returned"),
    (lambda: wb.run("h2-drop-wake-nested", _policy_answering("z" * 10_000)), "returned"),
    (lambda: wb.run("h2-drop-wake-nested", _policy_answering(None)), "returned"),
])
def test_out_of_range_values_are_one_clear_error(build, where):
    with pytest.raises(wb.Error) as info:
        build()
    msg = str(info.value)
    assert where in msg and "\n" not in msg and len(msg) < 1000, msg
    assert "incompatible function arguments" not in msg


def test_a_scenario_past_the_cores_limits_is_a_scenario_error():
    s = wb.Scenario("wide", workers=1 << 40)
    s.task("t", [])
    with pytest.raises(wb.ScenarioError, match="workers"):
        wb.run(s)


# -- 6. schedules with odd characters ----------------------------------------

@pytest.mark.parametrize("schedule", ["v1.0\n1", "v1.\x000", "v1.\u00e9", "x" * 10_000])
def test_odd_schedules_are_one_line_errors(schedule):
    with pytest.raises(wb.ScheduleError) as info:
        wb.run("h2-drop-wake-nested", schedule=schedule)
    msg = str(info.value)
    assert "\n" not in msg and "\x00" not in msg and len(msg) < 400, msg


def test_cli_schedule_with_a_newline_or_a_non_utf8_byte():
    line = one_line_error(cli("run", "h2-drop-wake-nested", "--schedule", "v1.0\n1"))
    assert "malformed schedule" in line and "\\n" in line
    r = subprocess.run([sys.executable.encode(), b"-m", b"wakebench.cli", b"run",
                        b"h2-drop-wake-nested", b"--schedule", b"v1.\xff"],
                       capture_output=True, timeout=120)
    assert "malformed schedule" in one_line_error(r)
    r = subprocess.run([sys.executable.encode(), b"-m", b"wakebench.cli", b"run", b"nope\xff"],
                       capture_output=True, timeout=120)
    assert "unknown scenario" in one_line_error(r)


# -- 7. a replay file nested deeply -----------------------------------------

def test_deeply_nested_replay_file(tmp_path):
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in one_line_error(cli("replay", str(f), text=True))
    g = tmp_path / "nl.json"
    g.write_text(json.dumps({"wakebench_replay": 1, "scenario": "h2-drop-wake-nested",
                             "policy": "fifo", "schedule": "v1.\n0"}))
    assert "malformed schedule" in one_line_error(cli("replay", str(g), text=True))


# -- 8. explore --save to a path that cannot be written ---------------------

@pytest.mark.parametrize("path", ["/nonexistent-dir/x.json", "/proc/version", "/"])
def test_explore_save_checks_the_path_first(path):
    # A budget that would explore for hours: the error must come first.
    r = cli("explore", "h2-drop-wake-nested", "--strategy", "random", "--budget",
            str(10**12), "--save", path, text=True, timeout=60)
    assert "cannot write" in one_line_error(r)


@pytest.mark.parametrize("flag", ["--bound", "--depth", "--budget", "--seed"])
def test_huge_cli_numbers_are_one_line(flag):
    line = one_line_error(cli("explore", "h2-drop-wake-nested", flag, str(10**30), text=True))
    assert flag.lstrip("-") in line


# -- 10. libev: one socketpair per handler, bounded clearly ------------------

def test_libev_refuses_more_handlers_than_descriptors_and_opens_none():
    code = """
import os, resource, wakebench as wb
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
s = wb.Scenario("many-handlers")
for i in range(1000):
    s.on_event(f"h{i}", at=i, program=[])
before = len(os.listdir("/proc/self/fd"))
try:
    wb.run(s, backend="libev")
except wb.ScenarioError as e:
    print("refused:", e)
print("leaked:", len(os.listdir("/proc/self/fd")) - before)
few = wb.Scenario("few-handlers")
for i in range(3):
    few.on_event(f"h{i}", at=i, program=[])
print("few:", wb.run(few, backend="libev").verdict.kind)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "refused:" in r.stdout and "1000 handlers" in r.stdout and "ulimit -n" in r.stdout
    assert "leaked: 0" in r.stdout and "few: ok" in r.stdout, r.stdout

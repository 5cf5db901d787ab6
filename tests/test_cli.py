"""The command line, as a user runs it."""

import json
import os
import re
import subprocess
import sys
import time

import pytest


def wakebench(*args, check=True, code=0):
    r = subprocess.run([sys.executable, "-m", "wakebench.cli", *args], capture_output=True,
                       text=True)
    if check:
        assert r.returncode == code, r.stderr
    return r


def test_list():
    out = wakebench("list").stdout
    assert "h2-drop-wake-nested" in out and "ngx-rust-pr295-defer-wakes.txt" in out


def test_run_json():
    d = json.loads(wakebench("run", "h2-drop-wake-cleanup", "--policy", "ngx_defer_nested",
                             "--json", code=1).stdout)
    assert d["scenario"] == "h2-drop-wake-cleanup" and d["policy"] == "ngx_defer_nested"
    assert d["verdict"] == "deadlock/reentrant_lock"
    assert "cleanup handler 'close'" in d["explanation"]
    assert d["schedule"].startswith("v1.") and isinstance(d["trace"], list) and d["trace"]


def test_run_text_and_replay():
    r = wakebench("run", "hyper-pool-drop-wake", "--policy", "ngx_inline", "--trace", code=1)
    assert "deadlock/reentrant_lock" in r.stdout and "lock 'pool': held" in r.stdout
    d = json.loads(wakebench("run", "hyper-pool-drop-wake", "--seed", "3", "--json").stdout)
    again = json.loads(wakebench("run", "hyper-pool-drop-wake", "--schedule", d["schedule"],
                                 "--json").stdout)
    assert again["trace"] == d["trace"]


def test_matrix_json():
    cells = json.loads(wakebench("matrix", "--json").stdout)
    got = {(c["scenario"], c["policy"]): c["verdict"] for c in cells}
    assert got[("h2-drop-wake-cleanup", "ngx_defer_nested")] == "deadlock/reentrant_lock"
    assert got[("h2-drop-wake-nested", "ngx_defer_nested")] == "ok"
    import wakebench as wb
    assert len(cells) == len(wb.catalog.names()) * len(wb.builtin_policies())
    for c in cells:
        assert set(c) >= {"scenario", "policy", "verdict"}


def test_matrix_table():
    out = wakebench("matrix").stdout
    assert "| h2-drop-wake-cleanup" in out and "reentrant_lock" in out
    assert "--schedule" in out


@pytest.mark.parametrize("args,names", [
    (["run", "nope", "--policy", "fifo"], "h2-drop-wake-nested"),
    (["run", "h2-drop-wake-nested", "--policy", "tokio"], "ngx_inline"),
    (["matrix", "--policy", "tokio"], "ngx_posted_next"),
])
def test_unknown_names_exit_nonzero_with_one_line(args, names):
    r = wakebench(*args, check=False)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "valid:" in lines[0] and names in lines[0]


def test_bad_schedule_is_a_clear_error():
    r = wakebench("run", "h2-drop-wake-nested", "--schedule", "v1.7", check=False)
    assert r.returncode != 0 and "schedule does not fit" in r.stderr


@pytest.mark.parametrize("args,code", [
    (["run", "h2-drop-wake-nested", "--policy", "fifo"], 0),
    (["run", "h2-drop-wake-nested", "--policy", "ngx_inline"], 1),
    (["run", "posted-next-idle", "--max-steps", "20"], 3),           # stopped by the step bound
    (["explore", "futurelock-select"], 1),
    (["explore", "futurelock-select-owned"], 0),
    (["explore", "buffered-stream-2", "--budget", "1"], 3),          # the budget cut the search
    (["run", "h2-drop-wake-nested", "--policy", "ngx_inline", "--expect", "deadlock"], 0),
    (["run", "h2-drop-wake-nested", "--policy", "ngx_inline",
      "--expect", "deadlock/reentrant_lock", "--json"], 0),
    (["run", "h2-drop-wake-nested", "--policy", "fifo", "--expect", "deadlock"], 1),
    (["explore", "buffered-stream-2", "--budget", "1", "--expect", "inconclusive"], 0),
    (["run", "h2-drop-wake-nested", "--expect", "dead"], 2),
    (["matrix", "--scenario", "h2-drop-wake-nested"], 0),
])
def test_exit_codes_a_ci_can_gate_on(args, code):
    r = wakebench(*args, check=False)
    assert r.returncode == code, (r.stdout[-500:], r.stderr)
    if code == 2:
        assert len(r.stderr.strip().splitlines()) == 1


def test_replay_exits_by_the_verdict_and_names_a_changed_one(tmp_path):
    path = tmp_path / "cx.json"
    wakebench("explore", "futurelock-select", "--save", str(path), code=1)
    wakebench("replay", str(path), code=1)
    wakebench("replay", str(path), "--expect", "deadlock/futurelock")


# -- your own scenarios: files, modules, JSON, replay files ------------------------

MY_SCENARIO = '''
import wakebench as wb
from wakebench import ops


def build(name="mine"):
    s = wb.Scenario(name)
    inner = s.mutex("inner")
    q = s.wait_queue("q")
    n = s.counter("n", 1)
    s.task("conn", [ops.loop(inner.lock(), ops.if_(n == 0, inner.unlock(), ops.break_()),
                             q.register(), inner.unlock(), ops.pending())])
    req = s.task("req", [ops.print("sent")])
    s.object("stream", owner=req, on_drop=[inner.lock(), n.add(-1), q.wake(), inner.unlock()])
    return s


scenario = build
fixed = build("fixed")
'''


@pytest.fixture
def mine(tmp_path):
    (tmp_path / "my_scenarios.py").write_text(MY_SCENARIO)
    return tmp_path


def at(cwd, *args, code=0):
    r = subprocess.run([sys.executable, "-m", "wakebench.cli", *args], capture_output=True,
                       text=True, cwd=cwd)
    assert r.returncode == code, r.stdout + r.stderr
    return r


@pytest.mark.parametrize("ref,name", [
    ("my_scenarios.py", "mine"),
    ("my_scenarios.py:build", "mine"),
    ("my_scenarios.py:fixed", "fixed"),
    ("my_scenarios:fixed", "fixed"),
])
def test_run_takes_a_python_file_or_module(mine, ref, name):
    r = at(mine, "run", ref, "--policy", "ngx_inline", code=1)
    assert f"{name} under ngx_inline: deadlock/reentrant_lock" in r.stdout
    schedule = r.stdout.split("schedule: ")[1].split()[0]
    assert f"(replay: wakebench run {ref} --policy ngx_inline --schedule {schedule})" in r.stdout
    # the replay command it printed works
    again = at(mine, *f"run {ref} --policy ngx_inline --schedule {schedule} --json".split(),
               code=1)
    assert json.loads(again.stdout)["verdict"] == "deadlock/reentrant_lock"


def test_show_prints_python_that_runs_and_json_that_runs(mine):
    code = at(mine, "show", "h2-drop-wake-nested").stdout
    assert code.startswith("import wakebench as wb") and "inner = s.mutex('inner')" in code
    (mine / "shown.py").write_text(code)
    (mine / "shown.json").write_text(at(mine, "show", "shown.py", "--json").stdout)
    for ref in ("h2-drop-wake-nested", "shown.py", "shown.json"):
        d = json.loads(at(mine, "run", ref, "--policy", "ngx_inline", "--json", code=1).stdout)
        assert d["verdict"] == "deadlock/reentrant_lock"
    first = json.loads(at(mine, "run", "h2-drop-wake-nested", "--seed", "5", "--json").stdout)
    for ref in ("shown.py", "shown.json"):
        assert json.loads(at(mine, "run", ref, "--seed", "5", "--json").stdout)["trace"] == \
            first["trace"]
    assert at(mine, "show", "my_scenarios.py:fixed").stdout.count("s.task(") == 2


def test_a_json_file_is_never_executed(mine):
    d = json.loads(at(mine, "show", "my_scenarios.py", "--json").stdout)
    d["name"] = "__import__('os').system('touch pwned')"
    (mine / "x.json").write_text(json.dumps(d))
    at(mine, "run", "x.json", "--policy", "fifo")
    assert not (mine / "pwned").exists()


@pytest.mark.parametrize("ref,message", [
    ("missing.py", "missing.py: no such Python file"),
    ("missing.json", "missing.json: no such scenario file"),
    ("my_scenarios.py:nope", "my_scenarios.py:nope: no 'nope' in it (name one: "
                             "my_scenarios.py:NAME; it has build, fixed, scenario)"),
    ("no_such_module:f", "no_such_module:f: no module named 'no_such_module'"),
    ("boom.py", "boom.py: loading it raised ZeroDivisionError at boom.py:2: division by zero"),
    ("notone.py:x", "notone.py:x: x is int, not a Scenario or a function returning one"),
    ("bad.json", "bad.json: tasks[0].ops[0].kind: unknown value 'lokc' (valid: print, lock"),
    ("trunc.json", "trunc.json: invalid JSON at line 1"),
])
def test_a_bad_reference_is_one_line_and_exit_2(mine, ref, message):
    (mine / "boom.py").write_text("x = 1\ny = 1 / 0\n")
    (mine / "notone.py").write_text("x = 1\n")
    (mine / "bad.json").write_text(json.dumps({
        "wakebench_scenario": 1, "name": "b", "tasks": [{"name": "t", "ops": [{"kind": "lokc"}]}]}))
    (mine / "trunc.json").write_text('{"wakebench_scenario": 1,')
    for cmd in (["run", ref], ["explore", ref], ["show", ref], ["matrix", "--scenario", ref]):
        r = at(mine, *cmd, code=2)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (cmd, r.stderr)


def test_a_replay_file_replays_without_the_code_that_built_it(mine, tmp_path_factory):
    r = at(mine, "explore", "my_scenarios.py", "--policy", "ngx_inline", "--save", "cx.json",
           code=1)
    assert "replay: wakebench run my_scenarios.py --policy ngx_inline --schedule v1." in r.stdout
    saved = json.loads((mine / "cx.json").read_text())
    assert saved["wakebench_replay"] == 2 and saved["scenario"]["name"] == "mine"
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "cx.json").write_text((mine / "cx.json").read_text())
    r = at(elsewhere, "replay", "cx.json", code=1)
    assert "mine under ngx_inline" in r.stdout and "deadlock/reentrant_lock" in r.stdout
    at(elsewhere, "replay", "cx.json", "--expect", "deadlock/reentrant_lock")
    # a malformed embedded scenario: one line naming the place
    saved["scenario"]["tasks"][0]["ops"][0]["body"][0]["kind"] = 7
    (elsewhere / "bad.json").write_text(json.dumps(saved))
    r = at(elsewhere, "replay", "bad.json", code=2)
    assert r.stderr.strip() == ("wakebench: bad.json: scenario: tasks[0].ops[0].body[0].kind: "
                                "unknown value 7 (valid: " + r.stderr.split("(valid: ")[1].strip())


def test_a_version_1_replay_file_still_replays(tmp_path):
    (tmp_path / "v1.json").write_text(json.dumps({
        "wakebench_replay": 1, "scenario": "h2-drop-wake-nested", "policy": "ngx_inline",
        "schedule": "v1.", "verdict": "deadlock/reentrant_lock"}))
    r = at(tmp_path, "replay", "v1.json", code=1)
    assert "h2-drop-wake-nested under ngx_inline" in r.stdout
    (tmp_path / "v3.json").write_text(json.dumps({"wakebench_replay": 3}))
    r = at(tmp_path, "replay", "v3.json", code=2)
    assert "reads versions 1, 2" in r.stderr


def test_matrix_takes_any_scenario(mine):
    cells = json.loads(at(mine, "matrix", "--scenario", "my_scenarios.py:fixed", "--scenario",
                          "h2-drop-wake-nested", "--policy", "ngx_inline", "--json").stdout)
    assert [(c["scenario"], c["verdict"]) for c in cells] == [
        ("fixed", "deadlock/reentrant_lock"), ("h2-drop-wake-nested", "deadlock/reentrant_lock")]
    assert cells[0]["replay"].startswith("wakebench run my_scenarios.py:fixed --policy ngx_inline")


def test_matrix_compute_takes_scenario_objects():
    import wakebench as wb
    from wakebench import matrix
    s = wb.Scenario.from_json(wb.catalog.get("h2-drop-wake-nested").to_json())
    s.name = "copy"
    s.spec.name = "copy"
    cells = matrix.compute([s, "h2-drop-wake-nested"], ["ngx_inline"])
    assert [(c.scenario, c.verdict) for c in cells] == [
        ("copy", "deadlock/reentrant_lock"), ("h2-drop-wake-nested", "deadlock/reentrant_lock")]
    assert cells[0].replay is None  # built in Python: no command names it
    assert cells[1].replay.startswith("wakebench run h2-drop-wake-nested --policy ngx_inline")
    with pytest.raises(wb.ArgumentTypeError, match=r"scenarios\[0\]: expected a catalog name"):
        matrix.compute([3], ["fifo"])


def test_replay_command_names_what_the_command_line_can():
    import wakebench as wb
    assert wb.run("h2-drop-wake-nested", "ngx_inline").replay_command().startswith(
        "wakebench run h2-drop-wake-nested --policy ngx_inline --schedule v1.")
    s = wb.catalog.get("h2-drop-wake-nested")
    s.counter("extra")  # no longer the catalog's scenario
    assert wb.run(s, "ngx_inline").replay_command() is None
    s.origin = "path with space.py:f"
    assert wb.run(s, "ngx_inline").replay_command().startswith(
        "wakebench run 'path with space.py:f' --policy")


def test_help_says_a_python_file_is_executed():
    out = wakebench("run", "--help").stdout
    assert "never executed" in out and "the file is executed" in out


# -- the progress bar: on a terminal only, with the rate and the time left ---

ENDLESS = """
import wakebench as wb
from wakebench import ops

def scenario():  # a space no budget here exhausts
    s = wb.Scenario("endless")
    c = s.counter("c")
    for i in range(3):
        s.thread(f"t{i}", program=[ops.repeat(60, c.add(1))])
    return s
"""


def on_a_terminal(*args, cwd=None):
    """Run the CLI with stderr on a pseudo-terminal (100 columns), stdout on
    a pipe: (exit code, stdout, what the terminal got)."""
    import fcntl
    import pty
    import struct
    import termios
    import threading
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    p = subprocess.Popen([sys.executable, "-m", "wakebench.cli", *args], stdout=subprocess.PIPE,
                         stderr=slave, text=True, cwd=cwd)
    os.close(slave)
    got = []

    def read():
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            got.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    out, _ = p.communicate(timeout=300)
    reader.join()
    os.close(master)
    return p.returncode, out, b"".join(got).decode("utf-8", "replace")


RATE_AND_ETA = r"[\d.]+k?/{total} \[\d\d:\d\d<\d\d:\d\d, +[\d.]+k? {unit}/s\]"


def test_matrix_shows_a_progress_bar_with_rate_and_eta_on_a_terminal(tmp_path):
    (tmp_path / "endless.py").write_text(ENDLESS)
    code, out, tty = on_a_terminal("matrix", "--scenario", "endless.py", "--budget", "20000",
                                   "--policy", "fifo", "--policy", "ngx_inline", "--jobs", "1",
                                   cwd=tmp_path)
    assert code == 3, tty  # the budget cut both cells: inconclusive
    assert re.search(RATE_AND_ETA.format(total=2, unit="cells"), tty), tty
    assert "endless / " in tty  # the cell just done
    assert tty.endswith("\r")  # the bar is taken away before the table
    assert "| endless " in out and "cells/s" not in out


def test_explore_shows_a_progress_bar_with_rate_and_eta_on_a_terminal(tmp_path):
    (tmp_path / "endless.py").write_text(ENDLESS)
    code, out, tty = on_a_terminal("explore", "endless.py", "--strategy", "random",
                                   "--budget", "30000", cwd=tmp_path)
    assert code == 3, tty  # the budget ran out: inconclusive
    assert re.search(RATE_AND_ETA.format(total=r"30\.0k", unit="schedules"), tty), tty
    assert "random endless" in tty and "30000 schedules" in out


def test_no_progress_bar_with_json_or_when_piped(tmp_path):
    code, out, tty = on_a_terminal("matrix", "--scenario", "h2-drop-wake-nested", "--json")
    assert code == 0 and tty == "" and json.loads(out)
    r = wakebench("matrix", "--scenario", "h2-drop-wake-nested")
    assert r.stderr == "" and "cells/s" not in r.stdout


def test_the_progress_bar_is_tqdm_with_rate_and_eta():
    import io
    from wakebench.matrix import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    bar = ProgressBar(" cells", stream=screen, mininterval=0)
    for done in range(4):
        bar(done, 4, f"cell {done}")
        time.sleep(0.05)
    text = screen.getvalue()
    bar(4, 4, "done")
    assert re.search(RATE_AND_ETA.format(total=4, unit="cells"), text), text
    assert "cell 3" in text
    assert screen.getvalue().endswith("\r")  # cleared when done
    piped = io.StringIO()
    ProgressBar(stream=piped)(1, 2, "x")
    assert piped.getvalue() == ""

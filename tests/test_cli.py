"""The command line, as a user runs it."""

import json
import subprocess
import sys

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

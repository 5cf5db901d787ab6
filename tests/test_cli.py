"""The command line, as a user runs it."""

import json
import subprocess
import sys

import pytest


def wakebench(*args, check=True):
    r = subprocess.run([sys.executable, "-m", "wakebench.cli", *args], capture_output=True,
                       text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_list():
    out = wakebench("list").stdout
    assert "h2-drop-wake-nested" in out and "ngx-rust-pr295-defer-wakes.txt" in out


def test_run_json():
    d = json.loads(wakebench("run", "h2-drop-wake-cleanup", "--policy", "ngx_defer_nested",
                             "--json").stdout)
    assert d["scenario"] == "h2-drop-wake-cleanup" and d["policy"] == "ngx_defer_nested"
    assert d["verdict"] == "deadlock/reentrant_lock"
    assert "cleanup handler 'close'" in d["explanation"]
    assert d["schedule"].startswith("v1.") and isinstance(d["trace"], list) and d["trace"]


def test_run_text_and_replay():
    r = wakebench("run", "hyper-pool-drop-wake", "--policy", "ngx_inline", "--trace")
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

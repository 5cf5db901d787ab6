"""`wakebench matrix --out DIR`: the table as Markdown, HTML and JSON."""

import html
import json
import subprocess
import sys

import pytest

import wakebench as wb
from wakebench.matrix import Cell, render_html, render_markdown, render_text, verdict_family

# Pinned, so the cell count holds while the catalog and the policies grow.
SCENARIOS = ["h2-drop-wake-nested", "h2-drop-wake-cleanup", "hyper-pool-drop-wake"]
POLICIES = ["ngx_inline", "ngx_defer_nested", "ngx_posted", "ngx_posted_next", "fifo"]


def wakebench(*args):
    return subprocess.run([sys.executable, "-m", "wakebench.cli", *args], capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("m") / "new" / "dir"  # created by the command
    args = ["matrix", "--out", str(d)]
    for s in SCENARIOS:
        args += ["--scenario", s]
    for p in POLICIES:
        args += ["--policy", p]
    r = wakebench(*args)
    assert r.returncode == 0, r.stderr
    assert "| h2-drop-wake-cleanup" in r.stdout  # the table is still printed
    return d


@pytest.fixture(scope="module")
def cells(out_dir):
    return json.loads((out_dir / "matrix.json").read_text())


def test_writes_the_three_files(out_dir):
    assert sorted(p.name for p in out_dir.iterdir()) == ["matrix.html", "matrix.json",
                                                         "matrix.md"]


def test_json_is_the_list_of_cells(cells):
    assert len(cells) == 15
    for c in cells:
        assert {"scenario", "policy", "verdict", "schedule", "replay", "complete"} <= set(c)
    got = {(c["scenario"], c["policy"]): c for c in cells}
    bad = got[("h2-drop-wake-cleanup", "ngx_defer_nested")]
    assert bad["verdict"] == "deadlock/reentrant_lock" and "--schedule" in bad["replay"]
    assert got[("h2-drop-wake-nested", "ngx_defer_nested")]["replay"] is None


def test_html_shows_verdicts_and_replay_commands(out_dir, cells):
    page = (out_dir / "matrix.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "reentrant_lock" in page
    for c in cells:
        if c["verdict"] != "ok":
            assert html.escape(c["replay"]) in page
    assert 'class="deadlock"' in page and 'class="ok"' in page
    assert "<script" not in page and "http" not in page  # self-contained


def test_markdown_has_the_table_and_replay_commands(out_dir, cells):
    text = (out_dir / "matrix.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| scenario"))
    assert [h.strip() for h in header.strip("|").split("|")] == ["scenario", *POLICIES]
    for s in SCENARIOS:
        assert f"| {s}" in text
    for c in cells:
        if c["verdict"] != "ok":
            assert c["replay"] in text


def test_an_unwritable_dir_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for target in (blocker, blocker / "sub"):
        r = wakebench("matrix", "--scenario", SCENARIOS[0], "--out", str(target))
        assert r.returncode != 0
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and str(target) in lines[0] and "Traceback" not in r.stderr


def evil_cell(verdict):
    return Cell("<script>alert('x')</script>", "p&q", verdict, 1, 1, True,
                None if verdict == "ok" else 'v1."<em>', {verdict: 1})


def test_html_escapes_every_text():
    page = render_html([evil_cell("deadlock/reentrant_lock"), evil_cell("ok")])
    assert "<script>" not in page and "<em>" not in page and "p&q" not in page
    assert "&lt;script&gt;" in page and "p&amp;q" in page and "&quot;&lt;em&gt;" in page


@pytest.mark.parametrize("kind,family", [
    ("ok", "ok"), ("deadlock/reentrant_lock", "deadlock"), ("deadlock/lost_wake", "deadlock"),
    ("inconclusive", "inconclusive"), ("use_after_free", "other"), ("data_race", "other"),
])
def test_cells_are_coloured_by_verdict_family(kind, family):
    assert verdict_family(kind) == family
    assert f'class="{family}"' in render_html([evil_cell(kind)])


def test_markdown_lists_only_non_ok_cells():
    text = render_markdown([evil_cell("ok"), evil_cell("use_after_free")])
    assert text.count("wakebench run ") == 1 and "use_after_free" in text


def test_an_inconclusive_cell_is_visibly_distinct_and_says_why():
    cells = wb.matrix.compute(["haskell-mask-model-4"], ["fifo"], bound=0)
    (c,) = cells
    assert c.verdict == "inconclusive" and c.bound == 0
    assert c.inconclusive == "the deviation bound 0 left schedules out"
    assert "INCONCLUSIVE (DEVIATIONS<=0)" in render_text(cells)
    assert "haskell-mask-model-4 / fifo: the deviation bound 0 left schedules out" in \
        render_markdown(cells)
    assert 'class="inconclusive"' in render_html(cells)
    assert json.loads(wb.matrix.render_json(cells))[0]["inconclusive"] == c.inconclusive


def test_the_matrix_is_the_same_for_any_number_of_threads():
    one = wb.matrix.compute(jobs=1)
    assert wb.matrix.compute(jobs=2) == one == wb.matrix.compute(jobs=5)


def test_every_cell_carries_the_cost_of_its_policy_on_the_canonical_schedule():
    cells = {(c.scenario, c.policy): c for c in wb.matrix.compute(["posted-next-idle"])}
    cost = {p: cells[("posted-next-idle", p)].cost for p in wb.builtin_policies()}
    # ngx_posted keeps its idle waits; PR #295's posted-next pays a
    # non-blocking iteration per deferred wake, thread_notify its notifies.
    assert cost["ngx_posted"]["nonblocking"] == 0
    assert cost["ngx_posted_next"]["nonblocking"] > 0 and cost["thread_notify"]["nonblocking"] > 0
    assert cost["ngx_inline"]["nonblocking"] > 0  # its self-wakes go through posted-next
    assert all(isinstance(v, int) for v in cost["fifo"].values())
    nested = wb.matrix.compute(["h2-drop-wake-nested"], ["ngx_inline", "ngx_posted"])
    assert [c.cost["depth"] for c in nested] == [2, 1]  # inline polls nest
    assert json.loads(wb.matrix.render_json(nested))[0]["cost"]["depth"] == 2
    assert "depth 2" in render_markdown(nested) and "depth 2" in render_html(nested)

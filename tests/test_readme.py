"""The README shows the matrix the model computes today, and names every
catalog entry."""

import re
from pathlib import Path

import wakebench as wb
from wakebench import matrix

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_the_readme_matrix_is_the_computed_one():
    shown = re.search(r"<!-- matrix:.*?-->\n(.*?)\n<!-- /matrix -->", README, re.S).group(1)
    assert shown.strip() == matrix.render_text(matrix.compute()).strip()


def test_the_readme_lists_every_catalog_entry():
    section = README[README.index("## The catalog"):README.index("## The vocabulary")]
    listed = set(re.findall(r"`([a-z0-9-]+)`", section))
    listed |= {f"haskell-mask-model-{i}" for i in range(2, 5)}  # written as 1 ... 5
    assert set(wb.catalog.names()) <= listed
    assert f"{len(wb.catalog.names())} scenarios" in section


def test_the_readme_defines_every_verdict_kind_the_core_ships():
    section = README[README.index("## Verdicts"):]
    section = section[:section.index("\n## ", 1)]
    listed = set(re.findall(r"^\| `([a-z_/]+)`(?: / `([a-z_/]+)`)?", section, re.M))
    listed = {k for pair in listed for k in pair if k}
    listed |= set(re.findall(r"`(bound/[a-z]+)`", section))
    assert listed == set(wb.verdict_kinds())


def test_every_path_the_readme_names_is_in_the_repository():
    root = Path(__file__).parent.parent
    paths = set(re.findall(r"`((?:python|cpp|docs|tests|notebooks|scripts|benchmarks)/[\w./-]*)`",
                           README))
    paths |= set(re.findall(r"\]\(((?:python|cpp|docs|tests|notebooks|scripts|benchmarks)/[\w./-]*)\)",
                            README))

    def found(p):  # `cpp/oracle/waitfor`: its .hpp and .cpp; `bin/NAME.rs`: any one
        p = p.rstrip("/").replace("NAME", "*")
        return (root / p).exists() or any(root.glob(p)) or any(root.glob(p + ".*"))

    missing = sorted(p for p in paths if not found(p))
    assert paths and not missing, missing


def test_the_readme_json_scenario_loads_and_its_error_example_is_what_loading_says():
    section = README[README.index("## Your own scenarios"):README.index("## Verdicts")]
    example = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    s = wb.Scenario.from_json(example)
    assert s.name == "drop-wake" and wb.run(s).verdict.kind == "ok"
    bad = example.replace('"print"', '"lokc"')
    try:
        wb.Scenario.from_json(bad, where="s.json")
    except wb.ScenarioError as e:
        assert str(e).startswith("s.json: tasks[0].ops[0].kind: unknown value 'lokc' (valid: "
                                 "print, lock, ")
    else:
        raise AssertionError("loaded")

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


ROOT = Path(__file__).parent.parent

#: Paths the README cites in another project's source, each with the project
#: named just before it (the real code a model copies; not in this repository).
UPSTREAM = {"src/async_/spawn.rs": "ngx-rust's", "src/runtime/task/harness.rs": "tokio 1.24's"}
#: What a path may also be: a verdict kind, a placeholder, what a run or the
#: set-up makes (.wakebench/, .venv/, build/...).
NOT_PATHS = re.compile(r"^(deadlock|bound)/|^path/to/|^/$|^\.wakebench/$|^\.venv/$|^build/")


def found(p):
    """In the repository: at the root, or under cpp/ or cpp/exec/ (the Layout
    section names the core's folders from there); `cpp/oracle/waitfor`: its
    .hpp and .cpp; `bin/NAME.rs`: any one."""
    p = p.rstrip("/").replace("NAME", "*")
    return any((base / p).exists() or any(base.glob(p)) or any(base.glob(p + ".*"))
               for base in (ROOT, ROOT / "cpp", ROOT / "cpp" / "exec"))


def test_every_path_the_readme_names_is_in_the_repository():
    code = set(re.findall(r"`([\w.-]*/[\w.*/-]*)`", README))
    links = set(re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README))
    assert code and links
    assert not [u for u in links if re.match(r"[a-z]+:", u)], "a link leaves the repository"
    missing = sorted(p for p in links if not (ROOT / p).exists())
    assert not missing, f"links that resolve to nothing: {missing}"
    for path, project in UPSTREAM.items():
        assert f"{project} `{path}`" in README, f"`{path}`: name the project it is in"
    missing = sorted(p for p in code - set(UPSTREAM) if not NOT_PATHS.search(p) and not found(p))
    assert not missing, f"paths not in the repository: {missing}"


def test_every_file_and_document_the_readme_names_is_in_the_repository():
    # `loop.cpp`: a source file named alone; DESIGN.md: a document, named in the text
    files = set(re.findall(r"`([\w-]+\.(?:cpp|hpp|rs|py|sh|ipynb))`", README))
    docs = set(re.findall(r"(?<![\w/.-])([\w-]+\.md)\b", README))
    missing = sorted(f for f in files | docs if not any(ROOT.rglob(f)))
    assert not missing, f"not in the repository: {missing}"


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

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

"""The Python package is layered as DESIGN.md section 3 draws it: model
(scenario, ops) -> run/explore API -> presentation (matrix, frames, plot)
-> entry points (cli, plugin). A module imports only from its own layer's
lower rows; no import, not even one inside a function, goes up, and the
imports have no cycle (trio checks its own layering the same way)."""

import ast
from pathlib import Path

import wakebench

PKG = Path(wakebench.__file__).parent

# Lowest first. A module may import from earlier rows only.
LAYERS = [
    {"_core"},                    # the extension
    {"_optional", "errors"},
    {"serialise"},                # the JSON form: spec structs <-> data
    {"ops", "policy"},
    {"codegen"},                  # Scenario.to_python
    {"scenario"},
    {"catalog", "strategies"},
    {"sources"},                  # scenario references on the command line
    {"outcome"},
    {"api"},
    {"replay"},
    {"matrix", "frames", "plot"},
    {"cli", "pytest_plugin"},
]
ROW = {m: i for i, row in enumerate(LAYERS) for m in row}


def module_of(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    return rel.parts[0]  # catalog/nginx.py belongs to catalog


def imports(path: Path):
    """(line, imported top-level module of the package) for every import,
    at any depth, except those under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for b in node.body for n in ast.walk(b))
    depth = len(path.relative_to(PKG).parts) - 1  # catalog/x.py: `..` is the package
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            if node.level == depth + 1:  # the package itself
                names = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
            else:  # within a subpackage: its own modules
                continue
            for n in names:
                yield node.lineno, n
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            mod = node.module if isinstance(node, ast.ImportFrom) else None
            for n in ([mod] if mod else [a.name for a in node.names]):
                if n == "wakebench" or n.startswith("wakebench."):
                    parts = n.split(".")
                    yield node.lineno, parts[1] if len(parts) > 1 else "__init__"


def test_every_module_has_a_layer():
    mods = {module_of(p) for p in PKG.rglob("*.py")} - {"__init__"}
    mods |= {p.name.split(".")[0] for p in PKG.glob("_core*.so")}
    assert mods <= set(ROW), f"no layer for {sorted(mods - set(ROW))}"


def test_no_import_goes_up_a_layer():
    wrong = []
    for path in sorted(PKG.rglob("*.py")):
        me = module_of(path)
        if me == "__init__":
            continue  # the package re-exports every layer
        for line, other in imports(path):
            if other == me:
                continue
            if other not in ROW or ROW[other] >= ROW[me]:
                wrong.append(f"{path.relative_to(PKG)}:{line} imports {other}")
    assert not wrong, "\n".join(wrong)

"""Where a scenario comes from, as the command line names it.

A scenario reference is one of:

- a catalog name: ``h2-drop-wake-nested`` (``wakebench list``);
- a JSON scenario file: ``path/to/file.json`` (``Scenario.to_json()``,
  ``wakebench show REF --json``): read as data, nothing in it is executed;
- a Python file: ``path/to/file.py:NAME`` or ``path/to/file.py``, which
  means ``file.py:scenario``. NAME is a ``Scenario`` or a function taking no
  argument that returns one. The file is executed, as ``python file.py``
  would execute it: it is your code (its folder is put first on
  ``sys.path`` while it loads, so its own imports work);
- a module: ``package.module:NAME`` (imported; the current folder is on
  ``sys.path``), NAME as above.

``load(ref)`` returns the Scenario with ``origin`` set to ``ref``, so a
replay command can name it again (``Outcome.replay_command()``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import Any

from . import catalog
from .errors import Error, one_line, printable
from .scenario import Scenario

__all__ = ["SourceError", "load", "FORMS"]

FORMS = ("a catalog name (wakebench list), FILE.json, FILE.py[:NAME] or package.module:NAME")

_PY = re.compile(r"^(?P<path>.+\.py)(?::(?P<attr>[A-Za-z_]\w*))?$")
_MODULE = re.compile(r"^(?P<module>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):(?P<attr>[A-Za-z_]\w*)$")


class SourceError(Error, ValueError):
    """A scenario reference that names nothing, or whose code failed."""


def load(ref: str) -> Scenario:
    """The Scenario ``ref`` names (see the module doc)."""
    if not isinstance(ref, str):
        raise SourceError(f"a scenario reference is a str, got {type(ref).__name__}")
    if ref in catalog.names():
        s = catalog.get(ref)
    elif ref.endswith(".json"):
        s = _json(ref)
    elif _PY.match(ref):
        m = _PY.match(ref)
        assert m is not None
        s = _python_file(ref, m.group("path"), m.group("attr") or "scenario")
    elif _MODULE.match(ref):
        m = _MODULE.match(ref)
        assert m is not None
        s = _module(ref, m.group("module"), m.group("attr"))
    else:
        raise SourceError(f"unknown scenario {one_line(ref, 80)} (valid: FILE.json, "
                          f"FILE.py[:NAME], package.module:NAME or a catalog name: "
                          f"{', '.join(catalog.names())})")
    s.origin = ref
    return s


def _json(ref: str) -> Scenario:
    try:
        text = Path(ref).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(f"{ref}: no such scenario file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError(f"{ref}: cannot read: {one_line(e)}") from None
    return Scenario.from_json(text, where=ref)


def _python_file(ref: str, path: str, attr: str) -> Scenario:
    p = Path(path)
    if not p.is_file():
        raise SourceError(f"{ref}: no such Python file {one_line(path)}")
    name = f"_wakebench_user_{abs(hash(str(p.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise SourceError(f"{ref}: cannot load {one_line(path)} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(p.resolve().parent))
    sys.modules[name] = module  # dataclasses and pickling look a module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # the user's code: one line naming it
        raise SourceError(f"{ref}: loading it raised {_raised(e)}") from None
    finally:
        sys.path.remove(str(p.resolve().parent))
    return _pick(ref, module, attr)


def _module(ref: str, module_name: str, attr: str) -> Scenario:
    sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            raise SourceError(f"{ref}: no module named {e.name!r}") from None
        raise SourceError(f"{ref}: importing it raised {_raised(e)}") from None
    except Exception as e:
        raise SourceError(f"{ref}: importing it raised {_raised(e)}") from None
    finally:
        sys.path.remove(os.getcwd())
    return _pick(ref, module, attr)


def _raised(e: BaseException) -> str:
    where = ""
    tb = e.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(str(Path(__file__).parent)):
            where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
        tb = tb.tb_next
    if isinstance(e, SyntaxError):
        where = f" at {Path(e.filename or '?').name}:{e.lineno}"
    return f"{type(e).__name__}{where}: {printable(e, 300)}"


def _pick(ref: str, module: Any, attr: str) -> Scenario:
    if not hasattr(module, attr):
        found = sorted(n for n, v in vars(module).items()
                       if not n.startswith("_") and (isinstance(v, Scenario) or
                                                     (callable(v) and getattr(v, "__module__", None)
                                                      == module.__name__)))
        base = ref.rsplit(":", 1)[0] if _MODULE.match(ref) or ".py:" in ref else ref
        raise SourceError(f"{ref}: no {attr!r} in it (name one: {base}:NAME; it has "
                          f"{', '.join(found) or 'no Scenario or function'})")
    obj = getattr(module, attr)
    if callable(obj) and not isinstance(obj, Scenario):
        try:
            obj = obj()
        except Exception as e:
            raise SourceError(f"{ref}: {attr}() raised {_raised(e)}") from None
    if not isinstance(obj, Scenario):
        raise SourceError(f"{ref}: {attr} is {type(obj).__name__}, not a Scenario or a function "
                          "returning one")
    return obj

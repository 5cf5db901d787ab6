"""Scenarios as JSON: a stable, versioned form that rebuilds a scenario exactly.

    {"wakebench_scenario": 1, "name": "drop-wake", "workers": 1,
     "mutexes": [{"name": "inner"}],
     "tasks": [{"name": "conn", "ops": [{"kind": "loop", "body": [
         {"kind": "lock", "target": "inner"}, ...]}]}]}

The form is the core's spec structs (``_core.ScenarioSpec`` and the
``*Spec`` structs it lists, ``OpSpec``, ``Cond``) field for field, read off
the pybind11 classes themselves: every read-write property is a field, its
type comes from the property's signature (``str``, ``int``, ``bool``, an
enum, a struct, ``list[struct]``) and an int field's range from what the
field accepts. A primitive added to the core (a new ``*Spec`` list, a new
``OpKind``, a new ``OpSpec`` field) is covered without editing this file.

Rules of the form (version 1):

- a struct is a JSON object; a field equal to its default (a
  default-constructed struct's value) is left out, and a missing field takes
  that default, except ``name`` and ``kind``, always written, and the
  fields of a struct inside a struct (an op's ``cond``), written in full;
- an enum is its member's name in lower case (``"lock"``, ``"blocking"``);
- ``"wakebench_scenario": 1`` marks the form and its version; ``"doc"`` and
  ``"source"`` carry the Scenario's description (not part of the spec).

Loading never executes anything: the text is parsed as JSON, its nesting
and size bounded, checked against a JSON Schema generated from the same
field tables (``schema()``), then each field is set on a fresh struct. A
mismatched or malformed text is one ``ScenarioFileError`` naming the place
as a JSON path, e.g. ``tasks[2].ops[0].body[1].kind: unknown value 'lokc'``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from . import _core
from .errors import ScenarioError, one_line

__all__ = ["FORMAT", "ScenarioFileError", "Field", "fields", "spec_to_dict", "spec_from_dict",
           "dumps", "loads", "schema", "LIMITS", "struct_from_fields"]

#: The version this module writes and reads.
FORMAT = 1

#: Mirrors cpp/model/program.hpp SpecLimits (tests/test_serialise.py reads
#: the header and checks), plus the limits of the JSON text itself.
LIMITS = {
    "max_nesting": 32,            # SpecLimits::max_nesting: ops inside ops
    "max_ops": 1_000_000,         # SpecLimits::max_ops
    "max_resources": 100_000,     # SpecLimits::max_resources: items of one list
    "max_text": 1 << 16,          # characters of one string (a name, a printed text)
    "max_bytes": 64 << 20,        # the JSON text
}

# A struct inside an op (Cond) adds a level; lists and objects alternate.
_MAX_JSON_DEPTH = 2 * LIMITS["max_nesting"] + 8


class ScenarioFileError(ScenarioError):
    """A JSON scenario (or the scenario in a replay file) that cannot be
    loaded: the message names the place as a JSON path."""


# -- the field tables, read off the bindings -----------------------------------

@dataclass(frozen=True)
class Field:
    name: str
    kind: str                      #: "str", "int", "bool", "enum", "struct", "list"
    type: Any = None               #: the enum or struct class (a list's element struct)
    range: Tuple[int, int] = (0, 0)  #: an int field's range
    default: Any = None            #: the value of a default-constructed struct, as JSON


_SIG = re.compile(r"->\s*(?:(?:list|List)\[(?P<elem>[\w.]+)\]|(?P<type>[\w.]+))\s*$")
_FIELDS: Dict[type, List[Field]] = {}


def _is_enum(t: Any) -> bool:
    return isinstance(t, type) and hasattr(t, "__members__") and hasattr(t, "value")


def _core_class(dotted: str) -> Any:
    name = dotted.rsplit(".", 1)[-1]
    return getattr(_core, name, None) if dotted.startswith("wakebench._core.") else None


def _int_range(cls: type, name: str) -> Tuple[int, int]:
    """The range an int field takes: int64, or narrower (a uint8_t mask)."""
    probe = cls()
    hi = next(h for h in ((1 << 63) - 1, (1 << 32) - 1, (1 << 31) - 1, (1 << 16) - 1,
                          (1 << 15) - 1, 255, 127, 0) if _accepts(probe, name, h))
    lo = -hi - 1 if _accepts(probe, name, -1) else 0
    return lo, hi


def _accepts(obj: Any, name: str, v: int) -> bool:
    try:
        setattr(obj, name, v)
        return True
    except (TypeError, OverflowError):
        return False


def fields(cls: type) -> List[Field]:
    """The fields of a spec struct: its read-write properties, in the order
    the bindings declare them, each with its type (from the property's
    signature) and its default."""
    got = _FIELDS.get(cls)
    if got is not None:
        return got
    out: List[Field] = []
    blank = cls()
    for name, prop in vars(cls).items():
        if not isinstance(prop, property) or prop.fset is None:
            continue
        m = _SIG.search((prop.fget.__doc__ or "").strip())
        if m is None:
            raise TypeError(f"{cls.__name__}.{name}: no type in its signature "
                            f"{one_line(prop.fget.__doc__)}")
        if m.group("elem"):
            elem = _core_class(m.group("elem"))
            if elem is None:
                raise TypeError(f"{cls.__name__}.{name}: a list of {m.group('elem')}, "
                                "not of a _core struct")
            out.append(Field(name, "list", elem, default=[]))
            continue
        t = m.group("type")
        value = getattr(blank, name)
        if t in ("str", "bool"):
            out.append(Field(name, t, default=value))
        elif t == "int":
            out.append(Field(name, "int", range=_int_range(cls, name), default=value))
        elif _is_enum(_core_class(t)):
            out.append(Field(name, "enum", _core_class(t), default=value.name.lower()))
        elif _core_class(t) is not None:
            out.append(Field(name, "struct", _core_class(t),
                             default=spec_to_dict(value, full=True)))
        else:
            raise TypeError(f"{cls.__name__}.{name}: unsupported field type {t}")
    _FIELDS[cls] = out
    return out


# -- encoding ------------------------------------------------------------------

_ALWAYS = ("name", "kind")


def spec_to_dict(obj: Any, *, full: bool = False) -> Dict[str, Any]:
    """A spec struct as JSON data, fields at their default left out (all
    of them written with ``full``)."""
    out: Dict[str, Any] = {}
    for f in fields(type(obj)):
        v = getattr(obj, f.name)
        if f.kind == "list":
            v = [spec_to_dict(x) for x in v]
        elif f.kind == "struct":
            v = spec_to_dict(v, full=True)
        elif f.kind == "enum":
            v = v.name.lower()
        if full or f.name in _ALWAYS or v != f.default:
            out[f.name] = v
    return out


def _pretty(v: Any, indent: int = 0, width: int = 100) -> str:
    """JSON with what fits on a line kept on one line (an op, a resource)."""
    flat = json.dumps(v, ensure_ascii=False)
    if indent + len(flat) <= width or not isinstance(v, (dict, list)) or not v:
        return flat
    pad = " " * (indent + 1)
    if isinstance(v, list):
        items = [pad + _pretty(x, indent + 1, width) for x in v]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: "
             f"{_pretty(x, indent + 1, width)}" for k, x in v.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"


def dumps(spec: "_core.ScenarioSpec", *, doc: str = "", source: str = "",
          indent: Optional[int] = 1) -> str:
    """A ScenarioSpec as the JSON text of the versioned form (``indent``
    None: one line; else what fits in 100 columns kept on one line)."""
    data: Dict[str, Any] = {"wakebench_scenario": FORMAT, "name": spec.name}
    if doc:
        data["doc"] = doc
    if source:
        data["source"] = source
    data.update(spec_to_dict(spec))  # "name" keeps its place, second
    if indent is None:
        return json.dumps(data, ensure_ascii=False)
    return _pretty(data)


# -- the schema ----------------------------------------------------------------

def _field_schema(f: Field) -> Dict[str, Any]:
    if f.kind == "str":
        return {"type": "string", "maxLength": LIMITS["max_text"]}
    if f.kind == "bool":
        return {"type": "boolean"}
    if f.kind == "int":
        return {"type": "integer", "minimum": f.range[0], "maximum": f.range[1]}
    if f.kind == "enum":
        return {"enum": [n.lower() for n in f.type.__members__]}
    if f.kind == "struct":
        return {"$ref": f"#/$defs/{f.type.__name__}"}
    return {"type": "array", "maxItems": LIMITS["max_resources"],
            "items": {"$ref": f"#/$defs/{f.type.__name__}"}}


def _structs(cls: type, seen: Dict[str, Any]) -> None:
    if cls.__name__ in seen:
        return
    seen[cls.__name__] = None  # recursion: OpSpec holds OpSpecs
    props = {f.name: _field_schema(f) for f in fields(cls)}
    seen[cls.__name__] = {"type": "object", "properties": props, "additionalProperties": False}
    for f in fields(cls):
        if f.kind in ("struct", "list"):
            _structs(f.type, seen)


def schema() -> Dict[str, Any]:
    """The JSON Schema (2020-12) of the form, generated from the field tables."""
    defs: Dict[str, Any] = {}
    _structs(_core.ScenarioSpec, defs)
    top = dict(defs.pop("ScenarioSpec"))
    props = dict(top["properties"])
    props["wakebench_scenario"] = {"const": FORMAT}
    props["name"] = {"type": "string", "minLength": 1, "maxLength": LIMITS["max_text"]}
    props["doc"] = {"type": "string"}
    props["source"] = {"type": "string"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "wakebench scenario", **top, "properties": props,
            "required": ["wakebench_scenario", "name"], "$defs": defs}


_VALIDATOR = None


def _validator():
    global _VALIDATOR
    if _VALIDATOR is None:
        import jsonschema  # a dependency; imported when first needed (import time stays low)
        _VALIDATOR = jsonschema.Draft202012Validator(schema())
    return _VALIDATOR


# -- decoding ------------------------------------------------------------------

def json_path(parts) -> str:
    """``tasks[2].ops[0].kind`` from ("tasks", 2, "ops", 0, "kind")."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _depth_check(data: Any, where: str) -> None:
    """Bound the nesting before anything recurses over it."""
    stack: List[Tuple[Any, int, tuple]] = [(data, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        if depth > _MAX_JSON_DEPTH:
            raise ScenarioFileError(f"{where}: {json_path(path)}: nested too deeply (ops nest at "
                                    f"most {LIMITS['max_nesting']} levels)")
        if isinstance(node, dict):
            stack.extend((v, depth + 1, path + (k,)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, depth + 1, path + (i,)) for i, v in enumerate(node))


def _shown(v: Any, limit: int = 60) -> str:
    """A JSON value as the file has it, on one line, cut at ``limit``."""
    t = json.dumps(v)
    return t if len(t) <= limit else t[:limit - 3] + "..."


def _message(err) -> str:
    """One line for a jsonschema error."""
    v = err.validator
    if v == "enum":
        shown = one_line(err.instance, 60) if isinstance(err.instance, str) else _shown(err.instance)
        return (f"unknown value {shown} "
                f"(valid: {', '.join(map(str, err.validator_value))})")
    if v == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
        return (f"unknown field {one_line(extra[0] if extra else '?', 60)} "
                f"(valid: {', '.join(allowed)})")
    if v == "type":
        want = {"string": "a string", "integer": "an integer", "boolean": "true or false",
                "array": "a list", "object": "an object"}.get(err.validator_value,
                                                              str(err.validator_value))
        return f"expected {want}, got {_shown(err.instance)}"
    if v in ("minimum", "maximum"):
        return f"must be in [{err.schema.get('minimum')}, {err.schema.get('maximum')}], got {err.instance}"
    if v == "const":
        return f"expected {json.dumps(err.validator_value)}, got {_shown(err.instance)}"
    if v == "maxItems":
        return f"too many items ({len(err.instance)}; at most {err.validator_value})"
    if v in ("maxLength", "minLength"):
        return f"a string of {len(err.instance)} characters (allowed: " \
               f"{err.schema.get('minLength', 0)} to {err.schema.get('maxLength', 'any')})"
    if v == "required":
        return one_line(err.message, 200).strip("'\"")
    return one_line(err.message, 200)


def spec_from_dict(data: Any, where: str = "scenario") -> Tuple["_core.ScenarioSpec", str, str]:
    """Check ``data`` (parsed JSON) and build the ScenarioSpec it describes;
    returns (spec, doc, source). ``where`` names the text in errors (a path)."""
    _depth_check(data, where)
    if not isinstance(data, dict) or "wakebench_scenario" not in data:
        raise ScenarioFileError(f"{where}: not a wakebench scenario (expected an object with "
                                f"\"wakebench_scenario\": {FORMAT})")
    version = data["wakebench_scenario"]
    if version != FORMAT or isinstance(version, bool):
        raise ScenarioFileError(f"{where}: scenario format {_shown(version, 40)} "
                                f"is not one this wakebench reads ({FORMAT})")
    import jsonschema
    err = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if err is not None:
        raise ScenarioFileError(f"{where}: {json_path(err.absolute_path)}: {_message(err)}")
    counter = [0]
    spec = _build(_core.ScenarioSpec, {k: v for k, v in data.items()
                                       if k not in ("wakebench_scenario", "doc", "source")},
                  (), where, counter)
    return spec, data.get("doc", ""), data.get("source", "")


def _build(cls: type, data: Dict[str, Any], path: tuple, where: str, counter: list) -> Any:
    obj = cls()
    by_name = {f.name: f for f in fields(cls)}
    for key, v in data.items():
        f = by_name[key]  # the schema allowed no other key
        here = path + (key,)
        if f.kind == "list":
            if f.type is _core.OpSpec:
                counter[0] += len(v)
                if counter[0] > LIMITS["max_ops"]:
                    raise ScenarioFileError(f"{where}: {json_path(here)}: more than "
                                            f"{LIMITS['max_ops']} ops")
            v = [_build(f.type, x, here + (i,), where, counter) for i, x in enumerate(v)]
        elif f.kind == "struct":
            v = _build(f.type, v, here, where, counter)
        elif f.kind == "enum":
            v = f.type.__members__[v.upper()]
        elif f.kind == "int" and not isinstance(v, int):  # 1.0: JSON Schema's integer
            raise ScenarioFileError(f"{where}: {json_path(here)}: expected an integer, got {v!r}")
        elif f.kind == "str":
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise ScenarioFileError(f"{where}: {json_path(here)}: {one_line(v, 60)} is not "
                                        "valid text (a lone surrogate)") from None
        try:
            setattr(obj, key, v)
        except (TypeError, ValueError) as e:  # a range the schema did not know
            raise ScenarioFileError(f"{where}: {json_path(here)}: {one_line(e, 120)}") from None
    return obj


def loads(text: str, where: str = "scenario") -> Tuple["_core.ScenarioSpec", str, str]:
    """Parse and check a JSON scenario; returns (spec, doc, source)."""
    if len(text) > LIMITS["max_bytes"]:
        raise ScenarioFileError(f"{where}: {len(text)} characters, more than a scenario may "
                                f"have ({LIMITS['max_bytes']})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ScenarioFileError(f"{where}: invalid JSON at line {e.lineno} column {e.colno}: "
                                f"{e.msg}") from None
    except RecursionError:
        raise ScenarioFileError(f"{where}: JSON nested too deeply") from None
    return spec_from_dict(data, where)


def struct_from_fields(cls: type, what: str, **values: Any) -> Any:
    """A struct from keyword fields, as Python values (``OpSpec`` lists,
    a ``Cond``, an enum member or its name): the generic way to write a spec
    the DSL has no call for (``ops.raw``, ``Scenario.raw``)."""
    obj = cls()
    by_name = {f.name: f for f in fields(cls)}
    for key, v in values.items():
        f = by_name.get(key)
        if f is None:
            raise ScenarioError(f"{what}: {cls.__name__} has no field {key!r} "
                                f"(fields: {', '.join(by_name)})")
        if f.kind == "enum" and isinstance(v, str):
            if v.upper() not in f.type.__members__:
                raise ScenarioError(f"{what}: {key}: unknown value {one_line(v, 40)} (valid: "
                                    f"{', '.join(n.lower() for n in f.type.__members__)})")
            v = f.type.__members__[v.upper()]
        try:
            setattr(obj, key, list(v) if f.kind == "list" else v)
        except (TypeError, ValueError) as e:
            raise ScenarioError(f"{what}: {key}: {one_line(e, 120)}") from None
    return obj

"""A scenario as the Python that builds it: ``Scenario.to_python()``.

The code is generated from the spec, not remembered: each resource becomes
its DSL call (``inner = s.mutex("inner")``), each op its DSL expression
(``inner.lock()``, ``ops.if_(streams == 0, ...)``, ``ops.wait_until(...)``),
nested programs indented. Whatever the DSL has no call for (an op kind or a
field added to the core after this file, a value the DSL would refuse) is
written with the generic ``ops.raw(kind, field=...)``, ``ops.struct(type,
field=...)`` and ``s.raw(list, field=...)``, so the code always rebuilds the
identical spec (tests/test_serialise.py execs it for every catalog entry
and for generated scenarios).

The text is a module defining ``scenario()``: ``wakebench run FILE.py``
runs it as it is.
"""

from __future__ import annotations

import keyword
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from . import _core
from .serialise import Field, fields, spec_to_dict

__all__ = ["to_python"]

WIDTH = 92

# -- a small layout model: calls and lists, flat if they fit, else one item a line


class _Call:
    def __init__(self, head: str, args: Sequence["_Node"], close: str = ")") -> None:
        self.head, self.args, self.close = head, list(args), close


class _Kw:
    def __init__(self, name: str, node: "_Node") -> None:
        self.name, self.node = name, node


_Node = Union[str, _Call, _Kw]


def _list(items: Sequence[_Node]) -> _Call:
    return _Call("[", items, "]")


def _flat(n: _Node) -> str:
    if isinstance(n, str):
        return n
    if isinstance(n, _Kw):
        return f"{n.name}={_flat(n.node)}"
    return n.head + (("(" if n.close == ")" else "") + ", ".join(_flat(a) for a in n.args)
                     + n.close)


def _value_if(g, call: _Node, cmp, value, then, orelse) -> "_Call":
    """``ops.if_(<call> <cmp> <value>, *then, orelse=[...])``: a branch on
    what an op returned (a recv's message, a join_next's task, a borrow)."""
    return _Call("ops.if_", [f"{_flat(call)} {_CMP[cmp.name]} {value!r}", *g.ops(then)]
                 + ([_Kw("orelse", _list(g.ops(orelse)))] if orelse else []))


def _render(n: _Node, indent: int) -> str:
    flat = _flat(n)
    if isinstance(n, str) or indent + len(flat) <= WIDTH or (isinstance(n, _Call) and not n.args):
        return flat
    if isinstance(n, _Kw):
        return f"{n.name}=" + _render(n.node, indent)
    opener = n.head + ("(" if n.close == ")" else "")
    # One composite argument among short ones: hug it, `s.task("t", [` ... `])`.
    big = [i for i, a in enumerate(n.args)
           if isinstance(a, _Call) or (isinstance(a, _Kw) and isinstance(a.node, _Call))]
    if len(big) == 1 and n.close == ")":
        i = big[0]
        pre = "".join(_flat(a) + ", " for a in n.args[:i])
        post = "".join(", " + _flat(a) for a in n.args[i + 1:])
        mid = _render(n.args[i], indent)
        if "\n" in mid and indent + len(opener + pre) + 24 <= WIDTH and \
                len(mid.rsplit("\n", 1)[-1] + post) + 1 <= WIDTH:
            return opener + pre + mid + post + n.close
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{_render(a, indent + 4)},\n" for a in n.args)
    return f"{opener}\n{body}{' ' * indent}{n.close}"


# -- names ---------------------------------------------------------------------

def _valid_name(x: object) -> bool:
    """What the DSL accepts as a name (errors.check_text with name=True)."""
    if not isinstance(x, str) or not x or not x.isprintable():
        return False
    try:
        x.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_RESERVED = {"s", "wb", "ops", "scenario"}


def _identifier(name: str, taken: set) -> str:
    v = re.sub(r"\W", "_", name, flags=re.ASCII) or "_"
    if v[0].isdigit():
        v = "_" + v
    if keyword.iskeyword(v) or v in _RESERVED:
        v += "_"
    base, i = v, 2
    while v in taken:
        v, i = f"{base}_{i}", i + 1
    taken.add(v)
    return v


# -- resources: list field -> (handle class, DSL call) -------------------------

_MUTEX_KINDS = {"blocking": None, "blocking_send": "send_guard", "async_fair": "fair",
                "async_barging": "barging"}
_HANDLES = {  # list field -> the handle class in wakebench
    "mutexes": "Mutex", "rwlocks": "RwLock", "queues": "WaitQueue", "counters": "Counter",
    "atomics": "Atomic", "refcells": "RefCell", "semaphores": "Semaphore",
    "channels": "Channel", "broadcasts": "Broadcast", "notifies": "Notify",
    "connections": "Connection", "condvars": "Condvar", "barriers": "Barrier",
    "join_sets": "JoinSet",
}
_CMP = {"EQ": "==", "NE": "!=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}


class _Gen:
    def __init__(self, spec: "_core.ScenarioSpec") -> None:
        self.spec = spec
        self.vars: Dict[tuple, str] = {}
        self.taken: set = set()

    # a handle for a resource: its variable, or a handle made on the spot
    def handle(self, field: str, name: str) -> str:
        v = self.vars.get((field, name))
        return v if v is not None else f"wb.{_HANDLES[field]}({name!r})"

    # -- generic forms: whatever the DSL has no call for
    def value(self, f: Field, v: Any) -> _Node:
        if f.kind == "enum":
            return repr(v.name.lower())
        if f.kind == "struct":
            return self.struct(v)
        if f.kind == "list":
            return _list([self.op(x) if f.type is _core.OpSpec else self.struct(x) for x in v])
        return repr(v)

    def kwargs(self, obj: Any, skip: tuple = ()) -> List[_Node]:
        d = spec_to_dict(obj)
        return [_Kw(f.name, self.value(f, getattr(obj, f.name)))
                for f in fields(type(obj)) if f.name in d and f.name not in skip]

    def struct(self, obj: Any) -> _Node:
        return _Call("ops.struct", [repr(type(obj).__name__), *self.kwargs(obj)])

    def raw_op(self, op: "_core.OpSpec") -> _Node:
        return _Call("ops.raw", [repr(op.kind.name.lower()), *self.kwargs(op, ("kind",))])

    # -- ops
    def ops(self, items) -> List[_Node]:
        return [self.op(o) for o in items]

    def op(self, op: "_core.OpSpec") -> _Node:
        rule = _OPS.get(op.kind.name)
        d = spec_to_dict(op)
        if rule is not None:
            allowed, make = rule
            if set(d) - {"kind"} <= allowed and ("target" not in allowed
                                                 or _valid_name(op.target)
                                                 or op.kind.name in _EMPTY_TARGET_OK):
                got = make(self, op, d)
                if got is not None:
                    return got
        return self.raw_op(op)

    def cond(self, c: "_core.Cond") -> Optional[str]:
        if not _valid_name(c.counter) and c.counter != "":
            return None
        return f"{self.handle('counters', c.counter)} {_CMP[c.cmp.name]} {c.value!r}"

    # -- the scenario
    def resource(self, field: str, item: Any) -> Optional[_Node]:
        d = spec_to_dict(item)
        name = item.name
        if not _valid_name(name):
            return None
        keys = set(d) - {"name"}
        q = repr(name)
        if field == "mutexes" and keys <= {"kind"}:
            kind = _MUTEX_KINDS.get(item.kind.name.lower(), "?")
            if kind == "?":
                return None
            return _Call("s.mutex", [q] + ([_Kw("kind", repr(kind))] if kind else []))
        if field == "rwlocks" and keys <= {"kind"}:
            return _Call("s.rwlock", [q] + ([_Kw("kind", repr(item.kind.name.lower()))]
                                            if "kind" in d else []))
        if field == "semaphores" and keys <= {"permits"} and item.permits >= 0:
            return _Call("s.semaphore", [q, repr(item.permits)])
        if field == "channels" and item.oneshot:
            return _Call("s.oneshot", [q]) if keys == {"oneshot"} else None
        if field == "channels" and keys <= {"capacity", "bound", "senders"}:
            if item.capacity < 0 or item.senders < 1:
                return None
            return _Call("s.channel", [q] + [_Kw(k, repr(d[k])) for k in
                                             ("capacity", "bound", "senders") if k in d])
        if field == "broadcasts" and item.watch:
            if keys - {"watch", "receivers", "initial"} or \
                    not all(_valid_name(r.holder) and set(spec_to_dict(r)) <= {"holder"}
                            for r in item.receivers):
                return None
            return _Call("s.watch", [q] + ([_Kw("initial", repr(item.initial))] if item.initial else [])
                         + ([_Kw("receivers", repr([r.holder for r in item.receivers]))]
                            if item.receivers else []))
        if field == "broadcasts" and keys <= {"capacity", "senders", "receivers"}:
            if item.capacity < 1 or item.senders < 1 or \
                    not all(_valid_name(r.holder) and set(spec_to_dict(r)) <= {"holder"}
                            for r in item.receivers):
                return None
            return _Call("s.broadcast", [q, repr(item.capacity)]
                         + ([_Kw("senders", repr(item.senders))] if "senders" in d else [])
                         + ([_Kw("receivers", repr([r.holder for r in item.receivers]))]
                            if item.receivers else []))
        if field == "join_sets" and keys <= {"owner"}:
            if "owner" in d and not _valid_name(item.owner):
                return None
            return _Call("s.join_set", [q] + ([_Kw("owner", repr(item.owner))] if "owner" in d
                                              else []))
        if field == "queues" and keys <= {"slot"}:
            return _Call("s.wait_queue", [q] + ([_Kw("kind", "'slot'")] if item.slot else []))
        if field == "counters" and keys <= {"initial", "bound"}:
            return _Call("s.counter", [q] + ([repr(item.initial)] if "initial" in d else [])
                         + ([_Kw("bound", repr(item.bound))] if "bound" in d else []))
        if field == "atomics" and keys <= {"initial"}:
            return _Call("s.atomic", [q] + ([repr(item.initial)] if "initial" in d else []))
        if field in ("notifies", "refcells", "connections", "condvars") and not keys:
            return _Call({"notifies": "s.notify", "refcells": "s.refcell",
                          "connections": "s.connection", "condvars": "s.condvar"}[field], [q])
        if field == "barriers" and keys <= {"parties", "kind"} and item.parties >= 0:
            return _Call("s.barrier", [q, repr(item.parties)]
                         + ([_Kw("kind", repr(item.kind.name.lower()))] if "kind" in d else []))
        return None

    def program_item(self, field: str, item: Any) -> Optional[_Node]:
        d = spec_to_dict(item)
        if not _valid_name(item.name):
            return None
        keys = set(d) - {"name"}
        q = repr(item.name)
        if field == "tasks" and keys <= {"ops", "count", "autostart", "daemon", "mask",
                                         "must_finish", "kill_points", "waker"} and \
                item.mask in (0, 1) and (not item.waker or _valid_name(item.waker)):
            kw = [_Kw("count", repr(item.count))] if "count" in d else []
            kw += [_Kw(k, repr(getattr(item, k))) for k in ("autostart", "daemon") if k in d]
            kw += [_Kw("masked", "True")] if item.mask else []
            kw += [_Kw(k, repr(getattr(item, k))) for k in ("must_finish", "kill_points")
                   if k in d]
            kw += [_Kw("waker", repr(item.waker))] if item.waker else []
            return _Call("s.task", [q, _list(self.ops(item.ops)), *kw])
        if field == "wakers":  # every key is one of its four programs
            return _Call("s.waker", [q] + [_Kw(k, _list(self.ops(getattr(item, k))))
                                           for k in ("wake", "wake_by_ref", "clone", "drop")
                                           if k in d])
        if field == "objects" and keys <= {"owner", "on_drop"}:
            if "owner" in d and not _valid_name(item.owner):
                return None
            kw = [_Kw("owner", repr(item.owner))] if "owner" in d else []
            kw += [_Kw("on_drop", _list(self.ops(item.on_drop)))] if "on_drop" in d else []
            return _Call("s.object", [q, *kw])
        if field == "futures" and keys <= {"owner", "ops"} and _valid_name(item.owner):
            return _Call("s.future", [q, _Kw("owner", repr(item.owner)),
                                      _Kw("program", _list(self.ops(item.ops)))])
        if field == "threads" and keys <= {"at", "ops", "autostart"}:
            kw = [_Kw("at", repr(item.at))] if "at" in d else []
            kw += [_Kw("program", _list(self.ops(item.ops)))]
            kw += [_Kw("autostart", "False")] if "autostart" in d else []
            return _Call("s.thread", [q, *kw])
        if field == "handlers" and keys <= {"kind", "at", "ops", "connection"}:
            conn = item.connection
            if conn and not _valid_name(conn):
                return None
            prog = _Kw("program", _list(self.ops(item.ops)))
            conn_kw = [_Kw("connection", repr(conn))] if conn else []
            if item.kind.name == "EVENT":
                return _Call("s.on_event", [q, _Kw("at", repr(item.at)), prog, *conn_kw])
            if conn and item.at == 0:
                return _Call("s.on_cleanup", [q, prog, *conn_kw])
            if not conn:
                return _Call("s.on_cleanup", [q, prog, _Kw("at", repr(item.at))])
        return None

    def scenario(self, doc: str, source: str) -> List[str]:
        spec = self.spec
        lines: List[str] = []
        kw: List[_Node] = [repr(spec.name)]
        kw += [_Kw("doc", repr(doc))] if doc else []
        kw += [_Kw("source", repr(source))] if source else []
        top = spec_to_dict(spec)
        later: List[str] = []
        for f in fields(_core.ScenarioSpec):
            if f.name == "name" or f.name not in top:
                continue
            if f.name in ("latency_bound", "max_live_tasks", "workers"):
                kw.append(_Kw(f.name, repr(getattr(spec, f.name))))
            elif f.kind != "list":
                v = getattr(spec, f.name)
                val = (f"getattr(wb._core.{f.type.__name__}, {v.name!r})" if f.kind == "enum"
                       else _flat(self.value(f, v)))
                later.append(f"s.spec.{f.name} = {val}")
        lines.append(_render(_Call("s = wb.Scenario", kw), 4))
        lines += later
        lists = [f for f in fields(_core.ScenarioSpec) if f.kind == "list"]

        def has_program(f: Field) -> bool:
            return any(g.kind == "list" and g.type is _core.OpSpec for g in fields(f.type))

        # Resources first (their handles are named in the programs), then programs.
        for f in [f for f in lists if not has_program(f)] + [f for f in lists if has_program(f)]:
            for item in getattr(spec, f.name):
                node = (self.program_item(f.name, item) if has_program(f)
                        else self.resource(f.name, item))
                if node is None:
                    node = _Call("s.raw", [repr(f.name), *self.kwargs(item)])
                    lines.append(_render(node, 4))
                elif f.name in _HANDLES:
                    var = _identifier(item.name, self.taken)
                    self.vars.setdefault((f.name, item.name), var)
                    lines.append(f"{var} = " + _render(node, 4))
                else:
                    lines.append(_render(node, 4))
        return lines


# -- ops: OpKind name -> (the fields its DSL call sets, a maker) -----------------

_Maker = Callable[[_Gen, Any, dict], Optional[_Node]]
_OPS: Dict[str, tuple] = {}


def _rule(kinds: str, allowed: str = ""):
    def register(make: _Maker) -> _Maker:
        for k in kinds.split():
            _OPS[k] = (set(allowed.split()), make)
        return make
    return register


def _method(field: str, kinds: str) -> None:
    """ops on a resource handle with no argument: ``m.lock()``."""
    for pair in kinds.split():
        kind, name = pair.split(":") if ":" in pair else (pair, pair.lower())
        _rule(kind, "target")(lambda g, op, d, name=name: f"{g.handle(field, op.target)}."
                                                          f"{name}()")


_method("mutexes", "LOCK UNLOCK")
_method("queues", "REGISTER PARK WAKE WAKE_ALL")
_method("semaphores", "ACQUIRE RELEASE")
_method("notifies", "NOTIFIED NOTIFY_ONE NOTIFY_WAITERS")
_method("channels", "CLOSE_CHANNEL:close DROP_SENDER")
_method("broadcasts", "SUBSCRIBE BCAST_DROP_SENDER:drop_sender")
_method("refcells", "BORROW BORROW_MUT END_BORROW")
_method("rwlocks", "RW_READ:read RW_WRITE:write RW_UNLOCK_READ:unlock_read "
                       "RW_UNLOCK_WRITE:unlock_write")
_method("connections", "READ")
_method("condvars", "CV_NOTIFY_ONE:notify_one CV_NOTIFY_ALL:notify_all")
_method("join_sets", "JS_ABORT_ALL:abort_all JS_DROP:drop")


@_rule("JS_SPAWN", "target text")
def _js_spawn(g, op, d):
    if not _valid_name(op.text):
        return None
    return f"{g.handle('join_sets', op.target)}.spawn({op.text!r})"


@_rule("JOIN_NEXT", "target body cond then orelse")
def _join_next(g, op, d):
    call = _Call(f"{g.handle('join_sets', op.target)}.join_next",
                 [_Kw("on_none", _list(g.ops(op.body)))] if op.body else [])
    if not ({"cond", "then", "orelse"} & set(d)):
        return call
    # A join_next that branches on the task it joined: ops.if_(js.join_next() == "a", ...).
    c = op.cond
    if c.cmp.name not in ("EQ", "NE") or c.value != 0 or not _valid_name(c.counter):
        return None
    return _value_if(g, call, c.cmp, c.counter, op.then, op.orelse)


@_rule("CV_WAIT", "target text")
def _cv_wait(g, op, d):
    if not _valid_name(op.text):
        return None
    return f"{g.handle('condvars', op.target)}.wait({g.handle('mutexes', op.text)})"


@_rule("BARRIER_WAIT", "target body")
def _barrier_wait(g, op, d):
    kw = [_Kw("on_leader", _list(g.ops(op.body)))] if op.body else []
    return _Call(f"{g.handle('barriers', op.target)}.wait", kw)


def _plain(kinds: str) -> None:
    """ops with no argument: ``ops.pending()``."""
    for k in kinds.split():
        name = {"YIELD": "yield_", "BREAK": "break_", "CONTINUE": "continue_"}.get(k, k.lower())
        _rule(k)(lambda g, op, d, name=name: f"ops.{name}()")


_plain("PENDING YIELD BREAK CONTINUE")


def _named(kinds: str) -> None:
    """ops naming a task, an object, a future or a thread: ``ops.drop("o")``."""
    for k in kinds.split():
        name = {"AWAIT": "await_"}.get(k, k.lower())
        _rule(k, "target")(lambda g, op, d, name=name: f"ops.{name}({op.target!r})")


_named("DROP SPAWN SPAWN_BLOCKING AWAIT THROW_TO ABORT")

_EMPTY_TARGET_OK = {"POLL_WITH"}  # poll_with(None): the executor's own waker


@_rule("POLL_WITH", "target")
def _poll_with(g, op, d):
    return f"ops.poll_with({op.target!r})" if op.target else "ops.poll_with(None)"


@_rule("NOTIFY_LOOP", "target")
def _notify_loop(g, op, d):
    return f"ops.notify_loop({g.handle('queues', op.target)})"


@_rule("PRINT", "text")
def _print(g, op, d):
    return f"ops.print({op.text!r})"


@_rule("PANIC", "text")
def _panic(g, op, d):
    return f"ops.panic({op.text!r})" if op.text != "explicit panic" else "ops.panic()"


@_rule("ADD", "target value")
def _add(g, op, d):
    return f"{g.handle('counters', op.target)}.add({op.value!r})"


@_rule("SET", "target value")
def _set(g, op, d):
    return f"{g.handle('counters', op.target)}.set({op.value!r})"


@_rule("SLEEP COMPUTE", "value")
def _ms(g, op, d):
    return f"ops.{op.kind.name.lower()}({op.value!r})"


def _block(name: str, kinds: str, value: Optional[int] = None) -> None:
    @_rule(kinds, "body value" if value is not None else "body")
    def make(g, op, d):
        if value is not None and op.value != value:
            return None
        return _Call(f"ops.{name}", g.ops(op.body))


_block("critical", "CRITICAL")
_block("restore", "RESTORE")
_block("seq", "SEQ")


@_rule("MASK", "body value")
def _mask(g, op, d):
    name = {1: "mask", 2: "uninterruptible_mask"}.get(op.value)
    return _Call(f"ops.{name}", g.ops(op.body)) if name else None


@_rule("REPEAT", "body value")
def _repeat(g, op, d):
    return _Call("ops.repeat", [repr(op.value), *g.ops(op.body)])


@_rule("IF", "cond body orelse")
def _if(g, op, d):
    c = g.cond(op.cond)
    if c is None:
        return None
    return _Call("ops.if_", [c, *g.ops(op.body)]
                 + ([_Kw("orelse", _list(g.ops(op.orelse)))] if op.orelse else []))


@_rule("CATCH", "body orelse")
def _catch(g, op, d):
    return _Call("ops.catch", [*g.ops(op.body), _Kw("handler", _list(g.ops(op.orelse)))])


@_rule("WAIT_TASK", "target text")
def _wait(g, op, d):
    return f"ops.wait({op.target!r}, killed={op.text!r})" if op.text else \
        f"ops.join({op.target!r})"


@_rule("SELECT", "body flag")
def _select(g, op, d):
    branches = []
    for b in op.body:
        bd = spec_to_dict(b)
        if b.kind.name != "BRANCH" or set(bd) - {"kind", "target", "value", "body"} or \
                b.value not in (0, 1) or not _valid_name(b.target):
            return None
        branches.append(_Call("ops.branch", [repr(b.target), *g.ops(b.body)]
                              + ([_Kw("borrowed", "True")] if b.value else [])))
    return _Call("ops.select", branches + ([_Kw("biased", "True")] if op.flag else []))


@_rule("BUFFERED", "body value flag unordered")
def _buffered(g, op, d):
    items = []
    for b in op.body:
        if b.kind.name != "BRANCH" or set(spec_to_dict(b)) - {"kind", "target"} or \
                not _valid_name(b.target):
            return None
        items.append(repr(b.target))
    return _Call("ops.buffered", [repr(op.value), *items]
                 + ([_Kw("always_poll", "True")] if op.flag else [])
                 + ([_Kw("unordered", "True")] if op.unordered else []))


def _try(field: str, kinds: str, fail: str, closed: Optional[str] = None,
         value: bool = False) -> None:
    @_rule(kinds, "target body" + (" orelse" if closed else "") + (" value" if value else ""))
    def make(g, op, d):
        method = {"TRY_READ": "try_read", "TRY_WRITE": "try_write"}.get(op.kind.name,
                                                                         op.kind.name.lower())
        args: List[_Node] = [repr(op.value)] if value and "value" in d else []
        args += [_Kw(fail, _list(g.ops(op.body)))] if op.body else []
        args += [_Kw(closed, _list(g.ops(op.orelse)))] if closed and op.orelse else []
        return _Call(f"{g.handle(field, op.target)}.{method}", args)


_try("mutexes", "TRY_LOCK", "on_fail")
_try("semaphores", "TRY_ACQUIRE", "on_fail")
_try("refcells", "TRY_BORROW TRY_BORROW_MUT", "on_fail")
_try("rwlocks", "TRY_READ TRY_WRITE", "on_fail")
_try("channels", "TRY_SEND", "on_full", "on_closed", value=True)
_try("channels", "TRY_RECV", "on_empty", "on_closed")


@_rule("BCAST_SEND", "target body value")
def _bcast_send(g, op, d):
    return _Call(f"{g.handle('broadcasts', op.target)}.send",
                 ([repr(op.value)] if "value" in d else [])
                 + ([_Kw("on_closed", _list(g.ops(op.body)))] if op.body else []))


def _is_watch(g, name: str) -> bool:
    return any(b.name == name and b.watch for b in g.spec.broadcasts)


@_rule("BCAST_RECV", "target body lagged cond then orelse")
def _bcast_recv(g, op, d):
    branch = bool({"cond", "then", "orelse"} & set(d))
    if _is_watch(g, op.target):
        if branch or op.lagged or ("broadcasts", op.target) not in g.vars:
            return None
        return _Call(f"{g.handle('broadcasts', op.target)}.changed",
                     [_Kw("on_closed", _list(g.ops(op.body)))] if op.body else [])
    call = _Call(f"{g.handle('broadcasts', op.target)}.recv",
                 ([_Kw("on_lagged", _list(g.ops(op.lagged)))] if op.lagged else [])
                 + ([_Kw("on_closed", _list(g.ops(op.body)))] if op.body else []))
    if not branch:
        return call
    # A recv that branches on the value: ops.if_(bc.recv() == 2, *then, orelse=[...]).
    c = op.cond
    if c.counter != op.target:
        return None
    return _value_if(g, call, c.cmp, c.value, op.then, op.orelse)


@_rule("WATCH_BORROW", "target value cond body orelse")
def _watch_borrow(g, op, d):
    if op.value not in (0, 1) or not _is_watch(g, op.target):
        return None
    handle = g.vars.get(("broadcasts", op.target)) or f"wb.Watch({op.target!r})"
    call = f"{handle}.{'borrow_and_update' if op.value else 'borrow'}()"
    if not ({"cond", "body", "orelse"} & set(d)):
        return call
    # A borrow that branches on the value: ops.if_(w.borrow() == 2, *then, orelse=[...]).
    c = op.cond
    if c.counter != op.target:
        return None
    return _value_if(g, call, c.cmp, c.value, op.body, op.orelse)


@_rule("SEND RECV", "target body value cond then orelse")
def _send_recv(g, op, d):
    kw = [_Kw("on_closed", _list(g.ops(op.body)))] if op.body else []
    send = op.kind.name == "SEND"
    if send and {"cond", "then", "orelse"} & set(d):
        return None
    args = [repr(op.value)] if send and "value" in d else []
    call = _Call(f"{g.handle('channels', op.target)}.{op.kind.name.lower()}", args + kw)
    if send or not ({"cond", "then", "orelse"} & set(d)):
        return call
    # A recv that branches on the message: ops.if_(ch.recv() == 2, *then, orelse=[...]).
    c = op.cond
    if "value" in d or c.counter != op.target:
        return None
    return _value_if(g, call, c.cmp, c.value, op.then, op.orelse)


@_rule("WITH", "target body orelse")
def _with(g, op, d):
    if len(op.orelse) != 1 or op.orelse[0].target != op.target:
        return None
    return _Call("ops.with_", [g.op(op.orelse[0]), *g.ops(op.body)])


@_rule("LOOP", "body")
def _loop(g, op, d):
    # ops.wait_until(q, cond, *then) is loop(register(q), if_(cond, unregister(q), *then,
    # break_()), pending()), the if_ being an atomic op's branch for a condition on
    # what it returns: written back as wait_until.
    b = op.body
    if len(b) == 3 and b[0].kind.name == "REGISTER" and b[2].kind.name == "PENDING" \
            and not b[1].orelse and len(b[1].body) >= 2:
        q, body = b[0].target, b[1].body
        plain = [spec_to_dict(x) for x in (b[0], b[2], body[0], body[-1])]
        if body[0].kind.name == "UNREGISTER" and body[0].target == q and \
                body[-1].kind.name == "BREAK" and _valid_name(q) and \
                set(plain[0]) <= {"kind", "target"} and set(plain[1]) == {"kind"} and \
                set(plain[2]) <= {"kind", "target"} and set(plain[3]) == {"kind"}:
            c = None
            if b[1].kind.name == "IF" and set(spec_to_dict(b[1])) <= {"kind", "cond", "body"}:
                c = g.cond(b[1].cond)
            elif b[1].kind.name in _ATOMIC and _valid_name(b[1].target):
                c = _atomic_cond(g, b[1], spec_to_dict(b[1]))
            if c is not None:
                return _Call("ops.wait_until", [g.handle("queues", q), c,
                                                *g.ops(body[1:-1])])
    return _Call("ops.loop", g.ops(op.body))


_ATOMIC = {"LOAD": "load", "STORE": "store", "SWAP": "swap", "FETCH_ADD": "fetch_add",
           "COMPARE_EXCHANGE": "compare_exchange"}


def _atomic_call(g, op, d) -> Optional[str]:
    k = op.kind.name
    if (k != "COMPARE_EXCHANGE" and "expected" in d) or (k == "LOAD" and "value" in d):
        return None
    args = {"LOAD": "", "STORE": repr(op.value), "SWAP": repr(op.value),
            "FETCH_ADD": repr(op.value),
            "COMPARE_EXCHANGE": f"{op.expected!r}, {op.value!r}"}[k]
    return f"{g.handle('atomics', op.target)}.{_ATOMIC[k]}({args})"


def _atomic_cond(g, op, d) -> Optional[str]:
    """The condition an atomic op with a branch tests: ``at.swap(1) == 0``."""
    call, c = _atomic_call(g, op, d), op.cond
    if call is None or op.kind.name == "STORE" or c.counter != op.target:
        return None
    if op.kind.name == "COMPARE_EXCHANGE" and c.value == op.expected and \
            c.cmp.name in ("EQ", "NE"):
        return f"{call}.{'is_ok' if c.cmp.name == 'EQ' else 'is_err'}()"
    return f"{call} {_CMP[c.cmp.name]} {c.value!r}"


@_rule("LOAD STORE SWAP FETCH_ADD COMPARE_EXCHANGE", "target value expected cond body orelse")
def _atomic(g, op, d):
    call = _atomic_call(g, op, d)
    if call is None or not ({"cond", "body", "orelse"} & set(d)):
        return call
    c = op.cond
    if op.kind.name == "COMPARE_EXCHANGE" and c.counter == op.target and \
            c.value == op.expected and c.cmp.name == "EQ" and not op.body and op.orelse:
        return _Call(f"{g.handle('atomics', op.target)}.compare_exchange",
                     [repr(op.expected), repr(op.value),
                      _Kw("on_fail", _list(g.ops(op.orelse)))])
    cond = _atomic_cond(g, op, d)
    if cond is None:
        return None
    return _Call("ops.if_", [cond, *g.ops(op.body)]
                 + ([_Kw("orelse", _list(g.ops(op.orelse)))] if op.orelse else []))


def to_python(spec: "_core.ScenarioSpec", *, doc: str = "", source: str = "") -> str:
    """The Python module that builds ``spec``: ``scenario()`` returns it."""
    body = _Gen(spec).scenario(doc, source)
    return ("import wakebench as wb\nfrom wakebench import ops\n\n\n"
            "def scenario() -> wb.Scenario:\n"
            + "".join(f"    {line}\n" for line in body) + "    return s\n")

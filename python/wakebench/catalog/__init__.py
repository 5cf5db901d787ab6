"""The built-in catalog: reported hazards, runnable by name.

Each entry cites its seed (``shared/seeds/``) and states what it models.
Entries build fresh Scenario objects; the verdicts come from running them,
never from this catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List

from .._core import UnknownNameError
from ..scenario import Scenario

__all__ = ["Entry", "entry", "get", "names", "entries", "UnknownNameError"]


@dataclass(frozen=True)
class Entry:
    name: str
    source: str   #: the seed it reproduces
    summary: str  #: one paragraph: what it models
    build: Callable[[], Scenario]

    def scenario(self) -> Scenario:
        s = self.build()
        s.doc, s.source = self.summary, self.source
        return s


_ENTRIES: Dict[str, Entry] = {}


def entry(name: str, *, source: str, summary: str):
    """Register a catalog entry (a function building its Scenario)."""

    def register(build: Callable[[], Scenario]) -> Callable[[], Scenario]:
        if name in _ENTRIES:
            raise ValueError(f"catalog entry {name!r} is registered twice")
        _ENTRIES[name] = Entry(name, source, " ".join(summary.split()), build)
        return build

    return register


def names() -> List[str]:
    return list(_ENTRIES)


def entries() -> List[Entry]:
    return list(_ENTRIES.values())


def lookup(name: str) -> Entry:
    try:
        return _ENTRIES[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown scenario {name!r} (valid: {', '.join(_ENTRIES)})") from None


def get(name: str) -> Scenario:
    """A fresh Scenario for a catalog entry."""
    return lookup(name).scenario()


# Import order is listing order: the foundation (nginx) first.
from . import nginx, rust_traps, futurelock, buffered, haskell  # noqa: E402,F401,I001  (register)

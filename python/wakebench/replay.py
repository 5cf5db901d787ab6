"""Replay files: a counterexample saved so anyone can run it again.

    {"wakebench_replay": 1, "scenario": "h2-drop-wake-nested",
     "policy": "ngx_inline", "schedule": "v1.", "verdict": "deadlock/reentrant_lock"}

``wakebench replay FILE`` runs it and says whether the verdict still holds.
Only catalog scenarios and built-in policies can be named in a file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from . import catalog
from .api import run
from .errors import Error, check_schedule, one_line
from .outcome import Outcome
from .policy import builtin_policies

__all__ = ["ReplayFile", "ReplayError", "load", "save"]

FORMAT = 1


class ReplayError(Error, ValueError):
    """A replay file that cannot be used, with the reason and the path."""


@dataclass(frozen=True)
class ReplayFile:
    scenario: str
    policy: str
    schedule: str
    verdict: str = ""

    def run(self) -> Outcome:
        return run(self.scenario, self.policy, schedule=self.schedule)


def save(path: Union[str, Path], outcome: Outcome) -> Path:
    if outcome.schedule is None:
        raise ReplayError(f"a run on {outcome.backend} is real, not replayable: no schedule "
                          "reproduces it, so it cannot be saved as a replay file")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps({
        "wakebench_replay": FORMAT, "scenario": outcome.scenario, "policy": outcome.policy,
        "schedule": outcome.schedule, "verdict": outcome.verdict.kind,
    }, indent=2) + "\n")
    return p


def load(path: Union[str, Path]) -> ReplayFile:
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise ReplayError(f"{p}: no such replay file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ReplayError(f"{p}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        raise ReplayError(f"{p}: not a replay file: invalid JSON at line {e.lineno}: {e.msg}") from None
    except RecursionError:
        raise ReplayError(f"{p}: not a replay file: JSON nested too deeply") from None
    if not isinstance(data, dict) or data.get("wakebench_replay") != FORMAT:
        raise ReplayError(f"{p}: not a replay file (expected \"wakebench_replay\": {FORMAT})")
    for key in ("scenario", "policy", "schedule"):
        if not isinstance(data.get(key), str):
            raise ReplayError(f"{p}: field {key!r} is missing or not a string")
    if data["scenario"] not in catalog.names():
        raise ReplayError(f"{p}: unknown scenario {one_line(data['scenario'])} "
                          f"(valid: {', '.join(catalog.names())})")
    if data["policy"] not in builtin_policies():
        raise ReplayError(f"{p}: unknown policy {one_line(data['policy'])} "
                          f"(valid: {', '.join(builtin_policies())})")
    try:
        check_schedule(data["schedule"])
    except Error as e:
        raise ReplayError(f"{p}: {e}") from None
    verdict = data.get("verdict", "")
    if not isinstance(verdict, str):
        raise ReplayError(f"{p}: field 'verdict' is not a string")
    return ReplayFile(data["scenario"], data["policy"], data["schedule"], verdict)

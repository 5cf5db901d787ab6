"""Replay files: a counterexample saved so anyone can run it again, in a
fresh process, without the code that built its scenario.

    {"wakebench_replay": 2, "policy": "ngx_inline", "schedule": "v1.",
     "verdict": "deadlock/reentrant_lock",
     "scenario": {"wakebench_scenario": 1, "name": "h2-drop-wake-nested", ...}}

The scenario is embedded in its JSON form (``wakebench.serialise``): loading
a replay file executes nothing, and a malformed one is one error naming the
place. ``wakebench replay FILE`` runs it and says whether the verdict still
holds. Version 1 files, which named a catalog scenario
(``"scenario": "h2-drop-wake-nested"``), are still read: the entry as the
catalog builds it today. Only built-in policies can be named in a file.
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
from .scenario import Scenario
from .serialise import ScenarioFileError

__all__ = ["ReplayFile", "ReplayError", "load", "save", "FORMAT"]

FORMAT = 2
READS = (1, 2)


class ReplayError(Error, ValueError):
    """A replay file that cannot be used, with the reason and the path."""


@dataclass(frozen=True)
class ReplayFile:
    scenario: Scenario
    policy: str
    schedule: str
    verdict: str = ""
    format: int = FORMAT

    def run(self) -> Outcome:
        return run(self.scenario, self.policy, schedule=self.schedule)


def save(path: Union[str, Path], outcome: Outcome) -> Path:
    """Write ``outcome``'s schedule, policy, verdict and scenario (embedded)."""
    if outcome.schedule is None:
        raise ReplayError(f"a run on {outcome.backend} is real, not replayable: no schedule "
                          "reproduces it, so it cannot be saved as a replay file")
    scenario = outcome.scenario_object
    if scenario is None:  # an Outcome made from a name only
        scenario = catalog.get(outcome.scenario)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps({
        "wakebench_replay": FORMAT, "policy": outcome.policy, "schedule": outcome.schedule,
        "verdict": outcome.verdict.kind, "scenario": scenario.to_dict(),
    }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return p


def load(path: Union[str, Path]) -> ReplayFile:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(f"{p}: no such replay file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ReplayError(f"{p}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        raise ReplayError(f"{p}: not a replay file: invalid JSON at line {e.lineno}: {e.msg}") from None
    except RecursionError:
        raise ReplayError(f"{p}: not a replay file: JSON nested too deeply") from None
    version = data.get("wakebench_replay") if isinstance(data, dict) else None
    if version not in READS or isinstance(version, bool):
        raise ReplayError(f"{p}: not a replay file (expected \"wakebench_replay\": {FORMAT}; "
                          f"this wakebench reads versions {', '.join(map(str, READS))})")
    for key in ("policy", "schedule"):
        if not isinstance(data.get(key), str):
            raise ReplayError(f"{p}: field {key!r} is missing or not a string")
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
    return ReplayFile(_scenario(p, data, version), data["policy"], data["schedule"], verdict,
                      version)


def _scenario(p: Path, data: dict, version: int) -> Scenario:
    sc = data.get("scenario")
    if version == 1:  # a catalog name
        if not isinstance(sc, str):
            raise ReplayError(f"{p}: field 'scenario' is missing or not a string")
        if sc not in catalog.names():
            raise ReplayError(f"{p}: unknown scenario {one_line(sc)} (a version 1 replay file "
                              f"names a catalog entry; valid: {', '.join(catalog.names())})")
        return catalog.get(sc)
    if not isinstance(sc, dict):
        raise ReplayError(f"{p}: field 'scenario' is missing or not a scenario object")
    try:
        return Scenario.from_dict(sc, where=f"{p}: scenario")
    except ScenarioFileError as e:
        raise ReplayError(str(e)) from None

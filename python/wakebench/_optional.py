"""Optional dependencies (pandas, matplotlib), imported only when a feature needs them."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` for ``feature``, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{feature} needs {module.split('.')[0]}: pip install wakebench[notebook]"
        ) from e

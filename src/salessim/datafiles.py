"""The package's data directory (``salessim/data``) and a cached loader for its YAML mappings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from salessim.errors import DataError

DATA_DIR = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=None)
def load_yaml(relative: str) -> dict[str, Any]:
    """The mapping stored in ``salessim/data/<relative>`` (cached; treat it as read-only)."""
    path = DATA_DIR / relative
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"data file not found: {path}", hint="Reinstall salessim or restore the file.") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path.name}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path.name}: expected a mapping at the top level")
    return data

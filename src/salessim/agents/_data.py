"""Loading the scripted agents' data file (``salessim/data/agents/scripted.yaml``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from salessim.errors import DataError

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "agents" / "scripted.yaml"


@lru_cache(maxsize=1)
def agent_text() -> dict[str, Any]:
    """The wording and cue lists of the scripted agents (cached; treat it as read-only)."""
    try:
        data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"data file not found: {DATA_FILE}", hint="Reinstall salessim or restore the file.") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{DATA_FILE.name}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{DATA_FILE.name}: expected a mapping at the top level")
    return data

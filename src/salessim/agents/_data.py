"""The scripted agents' data file (``salessim/data/agents/scripted.yaml``)."""

from __future__ import annotations

from typing import Any

from salessim.datafiles import DATA_DIR, load_yaml

DATA_FILE = DATA_DIR / "agents" / "scripted.yaml"


def agent_text() -> dict[str, Any]:
    """The wording and cue lists of the scripted agents (cached; treat it as read-only)."""
    return load_yaml("agents/scripted.yaml")

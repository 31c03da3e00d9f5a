"""The scripted agents' data file (``salessim/data/agents/scripted.yaml``)."""

from __future__ import annotations

from typing import Any

from salessim.datafiles import load_yaml


def agent_text() -> dict[str, Any]:
    """The wording and cue lists of the scripted agents (cached; treat it as read-only)."""
    return load_yaml("agents/scripted.yaml")

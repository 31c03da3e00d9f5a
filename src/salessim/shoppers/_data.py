"""The data files the shoppers speak and listen with (YAML under ``salessim/data``)."""

from __future__ import annotations

from typing import Any

from salessim.datafiles import DATA_DIR, load_yaml

__all__ = ["DATA_DIR", "agent_cues", "load_yaml", "shopper_text"]


def shopper_text() -> dict[str, Any]:
    """The scripted shopper's wording file, ``data/shoppers/scripted.yaml``."""
    return load_yaml("shoppers/scripted.yaml")


def agent_cues() -> dict[str, Any]:
    """The scripted agents' file, ``data/agents/scripted.yaml`` (the shopper reads its cue lists)."""
    return load_yaml("agents/scripted.yaml")

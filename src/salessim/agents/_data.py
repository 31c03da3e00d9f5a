"""The scripted agents' data file (``salessim/data/agents/scripted.yaml``) and the per-category
view of it an agent works with (:class:`AgentContext`)."""

from __future__ import annotations

from typing import Any

from salessim.datafiles import load_yaml
from salessim.nlu.lexicon import category_schema
from salessim.schema import CategorySchema


def agent_text() -> dict[str, Any]:
    """The wording and cue lists of the scripted agents (cached; treat it as read-only)."""
    return load_yaml("agents/scripted.yaml")


class AgentContext:
    """Per-category data a scripted agent needs (schema, cue lists, wording), built once per category."""

    def __init__(self, category: str):
        self.category = category
        self.schema: CategorySchema = category_schema(category)
        data = agent_text()
        self.data = data
        self.text = data["text"]
        self.complaint_cues = [c.lower() for c in data["complaint_cues"]]
        self.alt_cues = [c.lower() for c in data["alternatives_cues"]]
        self.question_cues = [c.lower() for c in data["question_cues"]]
        self.not_question_cues = [c.lower() for c in data.get("not_question_cues", [])]
        self.ask_order = list(data["ask_order"].get(category, ["price"]))
        self.use_attrs: dict[str, list[str]] = dict(data["use_attributes"].get(category, {}))
        self.visual = set(self.schema.visual_only)
        self.labels = dict(self.text["labels"].get(category, {}))

"""Personas and the criteria they shop by."""

from __future__ import annotations

import hashlib
import json
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer

Level = Literal["Extreme Low", "Low", "Medium", "High", "Extreme High"]
LEVELS: tuple[str, ...] = ("Extreme Low", "Low", "Medium", "High", "Extreme High")
TRAITS: tuple[str, ...] = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
Op = Literal["<=", ">=", "<", ">", "==", "!=", "in", "not_in"]
OPS: tuple[str, ...] = ("<=", ">=", "<", ">", "==", "!=", "in", "not_in")
CriterionValue = Union[bool, int, float, str, list[str]]


class Criterion(BaseModel):
    """A machine-checkable shopping criterion: ``attribute op value``.

    ``kind`` is ``dealbreaker`` (a product failing it is unacceptable) or ``preference`` (adds
    ``weight`` to a product's utility when met). ``phrasings`` are the persona's own ways of saying it.
    """

    model_config = ConfigDict(extra="forbid")

    attribute: str
    op: Op
    value: CriterionValue
    kind: Literal["dealbreaker", "preference"] = "preference"
    weight: float = Field(default=1.0, ge=0)
    phrasings: list[str] = Field(default_factory=list)
    # where an imported criterion came from (e.g. ``persona`` or ``logged`` for the paper's rollouts:
    # logged = only in the simulator's log of the preferences it was handed); None for SalesSim's own
    source: str | None = None

    @field_validator("value")
    @classmethod
    def _list_for_membership(cls, v, info):
        op = info.data.get("op")
        if op in ("in", "not_in") and not isinstance(v, list):
            raise ValueError(f"operator '{op}' needs a list value, e.g. [black, silver]")
        if op not in ("in", "not_in", None) and isinstance(v, list):
            raise ValueError(f"operator '{op}' needs a single value, not a list (use 'in' for a list)")
        return v

    @model_serializer(mode="wrap")
    def _drop_unset_source(self, handler):
        """An unset ``source`` is not written: files and hashes stay as before the field existed."""
        data = handler(self)
        if isinstance(data, dict) and data.get("source") is None:
            data.pop("source", None)
        return data

    @property
    def key(self) -> str:
        """A short stable id of the criterion, e.g. ``price<=800``."""
        v = self.value if not isinstance(self.value, list) else "|".join(self.value)
        return f"{self.attribute}{self.op}{v}"

    def describe(self) -> str:
        v = ", ".join(self.value) if isinstance(self.value, list) else self.value
        return f"{self.attribute} {self.op} {v} ({self.kind})"


class BigFive(BaseModel):
    """Big-Five personality levels, each from Extreme Low to Extreme High."""

    model_config = ConfigDict(extra="forbid")

    openness: Level = "Medium"
    conscientiousness: Level = "Medium"
    extraversion: Level = "Medium"
    agreeableness: Level = "Medium"
    neuroticism: Level = "Medium"

    def score(self, trait: str) -> int:
        """The level as an integer from -2 (Extreme Low) to +2 (Extreme High)."""
        return LEVELS.index(getattr(self, trait)) - 2


class Profile(BaseModel):
    """Who the persona is and how they talk."""

    model_config = ConfigDict(extra="forbid")

    name: str
    age: int = Field(ge=12, le=110)
    background: str
    knowledge_level: Literal["novice", "intermediate", "expert"] = "intermediate"
    speaking_style: str = "plain"


class Persona(BaseModel):
    """A simulated shopper: profile, traits, emotion, goal, criteria and benchmark labels.

    ``feasible`` and ``ideal_product_ids`` are computed against the catalog by the generator:
    an infeasible persona has no product meeting all its dealbreakers, so the right move is to leave.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    archetype: str
    category: str
    profile: Profile
    big_five: BigFive = Field(default_factory=BigFive)
    emotion: str = "neutral"
    goal: str
    uses: list[str] = Field(default_factory=list)
    criteria: list[Criterion]
    feasible: bool | None = None
    ideal_product_ids: list[str] = Field(default_factory=list)
    split: Literal["train", "test"] | None = None

    @property
    def dealbreakers(self) -> list[Criterion]:
        return [c for c in self.criteria if c.kind == "dealbreaker"]

    @property
    def preferences(self) -> list[Criterion]:
        return [c for c in self.criteria if c.kind == "preference"]

    def content_hash(self) -> str:
        """A short hash of everything that defines the persona (labels excluded)."""
        data = self.model_dump(mode="json", exclude={"feasible", "ideal_product_ids", "split"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

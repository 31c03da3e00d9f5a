"""Archetype models: the hand-written templates the persona generator crosses with criteria.

The file format lives in ``data/personas/archetypes.yaml``; these models validate it. Checks that
need the category schemas (attribute names, enum values) are done by
:func:`salessim.personas.library.load_archetypes`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from salessim.schema.persona import BigFive, CriterionValue, Op

KnowledgeLevel = Literal["novice", "intermediate", "expert"]


class CriterionTemplate(BaseModel):
    """One candidate criterion in an archetype's pool.

    The generator picks one of ``values`` (a list of lists for ``in``/``not_in``), makes the criterion
    a dealbreaker with a chance that grows with ``dealbreaker_rate`` and otherwise a preference with a
    weight drawn from the ``weight`` range. ``likelihood`` is the relative chance of being picked;
    at most one criterion per ``group`` (default: the attribute) ends up in a persona.
    """

    model_config = ConfigDict(extra="forbid")

    attribute: str
    op: Op
    values: list[CriterionValue] = Field(min_length=1)
    dealbreaker_rate: float = Field(default=0.3, ge=0, le=1)
    weight: tuple[float, float] = (1.0, 2.0)
    likelihood: float = Field(default=1.0, gt=0)
    group: str | None = None

    @field_validator("values")
    @classmethod
    def _values_match_op(cls, values, info):
        op = info.data.get("op")
        for i, v in enumerate(values):
            if op in ("in", "not_in") and not isinstance(v, list):
                raise ValueError(f"value {i}: operator '{op}' needs each value to be a list, e.g. [[black, silver]]")
            if op not in ("in", "not_in", None) and isinstance(v, list):
                raise ValueError(f"value {i}: operator '{op}' needs single values, not lists (use 'in' for a list)")
            if isinstance(v, list) and not v:
                raise ValueError(f"value {i}: an empty list matches nothing")
        return values

    @field_validator("weight")
    @classmethod
    def _weight_range(cls, w):
        lo, hi = w
        if lo < 0 or hi < lo:
            raise ValueError("weight must be [min, max] with 0 <= min <= max")
        return w

    @property
    def group_key(self) -> str:
        """The exclusivity group: ``group`` when given, else the attribute."""
        return self.group or self.attribute


class ProfileTemplate(BaseModel):
    """The profile side of an archetype: pools the generator picks names, ages, backgrounds from."""

    model_config = ConfigDict(extra="forbid")

    names: list[str] = Field(min_length=1)
    age: tuple[int, int]
    backgrounds: list[str] = Field(min_length=1)
    knowledge_levels: dict[KnowledgeLevel, float] = Field(min_length=1)
    speaking_styles: list[str] = Field(min_length=1)

    @field_validator("age")
    @classmethod
    def _age_range(cls, age):
        lo, hi = age
        if not (12 <= lo <= hi <= 110):
            raise ValueError("age must be [min, max] with 12 <= min <= max <= 110")
        return age

    @field_validator("knowledge_levels")
    @classmethod
    def _positive_weights(cls, levels):
        if any(w < 0 for w in levels.values()) or sum(levels.values()) <= 0:
            raise ValueError("knowledge level weights must be >= 0 and not all zero")
        return levels


class Archetype(BaseModel):
    """A hand-written kind of shopper (student, retiree, gamer...) for one product category."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
    category: str
    title: str
    profile: ProfileTemplate
    uses: list[str] = Field(min_length=2)
    goals: list[str] = Field(min_length=1)
    big_five: BigFive = Field(default_factory=BigFive)
    emotions: list[str] = Field(min_length=1)
    criteria: list[CriterionTemplate] = Field(min_length=3)

    @model_validator(mode="after")
    def _enough_groups(self):
        if len({c.group_key for c in self.criteria}) < 3:
            raise ValueError("criteria: the pool needs at least 3 different groups/attributes to draw from")
        return self


class ArchetypeFile(BaseModel):
    """The whole archetypes file: a shared surname pool and the archetypes."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    surnames: list[str] = Field(min_length=1)
    archetypes: list[Archetype] = Field(min_length=1)

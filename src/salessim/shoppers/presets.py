"""Wording presets of the scripted shopper: how it talks, never what it decides.

A preset is a data file ``data/shoppers/presets/<name>.yaml`` (``default`` has none: the shopper
as it always was). Knobs, all optional (the default value keeps the default behaviour, and a knob
left at its default draws no random number, so ``default`` episodes stay identical):

- ``volunteer_dealbreaker`` / ``volunteer_preference``: the chance, in a turn where the agent
  asked nothing the shopper can answer and nothing shown breaks a dealbreaker, that it volunteers
  its next dealbreaker / preference (default 1: always). Otherwise it makes a **hold** move: a
  reaction to the products, a question, a hesitation or small talk (``hold_*`` text pieces), and
  no criterion. Answers to the agent's questions and complaints about products that break a
  dealbreaker are never held back.
- ``answer_preference``: the chance that the shopper answers a question about an attribute it
  has only a preference on, not stated yet (default 1); otherwise it is unsure for now
  (``hold_unsure`` pieces). Questions about a dealbreaker are always answered.
- ``ask_before_buying``: the chance that, once in an episode, the shopper about to buy first asks
  about the product it means to buy (``ask_product`` pieces) and decides in its next turn (never
  in its last turns, where it decides at once).
- ``aside_scale``: multiplies the chance of every personality aside (small talk, thanks, worry,
  requests for details, curiosity, style pieces, self-introduction); ``max_asides``: at most this
  many asides per message.
- ``uses_in_opening``: chance that the opening says what the product is for (default 0.8);
  ``goal_in_opening``: chance that it states the persona's goal rather than a short generic line.
- ``casual_typing``: chance that a message is typed casually (first letter lower case, no final
  full stop).
- ``text``: text pieces that replace those of ``data/shoppers/scripted.yaml`` (same keys), plus
  the ``hold_react``, ``hold_question`` and ``hold_pause`` pieces of hold moves.

Every message still goes through the shopper's wording check (it must state exactly the criteria
it means to, contradict nothing, voice no wish the persona lacks), and the decision rules are the
same, so decision alignment is unchanged by construction: a preset changes words, and how fast
criteria are disclosed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from salessim.datafiles import DATA_DIR, load_yaml
from salessim.errors import DataError, SalesSimError

__all__ = ["DEFAULT", "Preset", "load_preset", "preset_names"]

DEFAULT = "default"


class Preset(BaseModel):
    """The knobs of a wording preset (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    name: str = DEFAULT
    description: str = ""
    volunteer_dealbreaker: float = Field(default=1.0, ge=0, le=1)
    volunteer_preference: float = Field(default=1.0, ge=0, le=1)
    aside_scale: float = Field(default=1.0, ge=0, le=1)
    max_asides: int | None = Field(default=None, ge=0)
    uses_in_opening: float = Field(default=0.8, ge=0, le=1)
    goal_in_opening: float = Field(default=1.0, ge=0, le=1)
    casual_typing: float = Field(default=0.0, ge=0, le=1)
    answer_preference: float = Field(default=1.0, ge=0, le=1)
    ask_before_buying: float = Field(default=0.0, ge=0, le=1)
    text: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        return self == Preset(name=self.name)


def preset_names() -> list[str]:
    """``default`` and the presets of ``data/shoppers/presets/``."""
    folder = DATA_DIR / "shoppers" / "presets"
    found = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
    return [DEFAULT, *[n for n in found if n != DEFAULT]]


@lru_cache(maxsize=16)
def load_preset(name: str | None) -> Preset:
    """The preset ``name`` (None or ``default``: the default wording)."""
    if not name or name == DEFAULT:
        return Preset()
    if name not in preset_names():
        raise SalesSimError(f"unknown scripted-shopper preset {name!r}", where="--shopper-preset",
                            hint=f"Use one of: {', '.join(preset_names())}.")
    data = load_yaml(f"shoppers/presets/{name}.yaml")
    try:
        return Preset.model_validate({"name": name, **data})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        raise DataError(f"shoppers/presets/{name}.yaml: {loc}: {err.get('msg')}") from None

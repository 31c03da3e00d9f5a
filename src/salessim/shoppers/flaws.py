"""Flaw knobs of the scripted shopper: controlled, documented ways to be an unfaithful simulator.

Each knob is a probability in [0, 1]; all default to 0 (the oracle).

- ``sycophancy``: each time the sales agent strongly pushes a product (it recommends it first with
  emphatic praise, recognised by the agents' push cues), the shopper accepts and buys it with this
  probability, even when it breaks a dealbreaker.
- ``overdisclosure``: drawn once per episode; when it fires the shopper states every criterion in
  its first turn instead of revealing them one at a time.
- ``forget_dealbreaker``: drawn once per episode; when it fires the shopper forgets one of its
  dealbreakers (chosen at random): it never states it and ignores it when choosing.
- ``indecision``: at each decision point (the moment the oracle would buy or leave) the shopper
  postpones with this probability and says something vague instead. If it is still undecided in its
  last turn it either leaves although a valid option exists or lets the episode run out of turns.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from salessim.errors import SalesSimError

__all__ = ["FLAW_NAMES", "Flaws", "parse_flaws", "coerce_flaws"]


class Flaws(BaseModel):
    """Probabilities of the scripted shopper's flaws (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    sycophancy: float = Field(default=0.0, ge=0.0, le=1.0)
    overdisclosure: float = Field(default=0.0, ge=0.0, le=1.0)
    forget_dealbreaker: float = Field(default=0.0, ge=0.0, le=1.0)
    indecision: float = Field(default=0.0, ge=0.0, le=1.0)

    def active(self) -> dict[str, float]:
        """The knobs that are not zero."""
        return {k: v for k, v in self.model_dump().items() if v > 0}


FLAW_NAMES: tuple[str, ...] = tuple(Flaws.model_fields)


def _check(name: str, value: Any, where: str) -> float:
    if name not in FLAW_NAMES:
        raise SalesSimError(f"unknown flaw {name!r}", where=where,
                            hint=f"Valid flaws: {', '.join(FLAW_NAMES)}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SalesSimError(f"flaw {name!r} needs a number, got {value!r}", where=where,
                            hint="Write a probability between 0 and 1, e.g. sycophancy=0.8.") from None
    if not 0.0 <= number <= 1.0 or number != number:
        raise SalesSimError(f"flaw {name!r} is {value!r}, outside [0, 1]", where=where,
                            hint="A flaw is a probability: write a value between 0 and 1.")
    return number


def parse_flaws(text: str | None) -> Flaws:
    """Parse ``"sycophancy=0.8,indecision=0.2"`` into :class:`Flaws`.

    An empty text gives no flaws. A name alone (``"sycophancy"``) means probability 1. Unknown
    names, missing values and values outside [0, 1] raise :class:`SalesSimError` saying which
    flaws are valid.
    """
    values: dict[str, float] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "=" in part:
            name, _, raw = part.partition("=")
            name, raw = name.strip(), raw.strip()
            if not raw:
                raise SalesSimError(f"flaw {name!r} has no value", where="flaws",
                                    hint="Write name=probability, e.g. sycophancy=0.8.")
        else:
            name, raw = part, "1"
        values[name] = _check(name, raw, "flaws")
    return Flaws(**values)


def coerce_flaws(flaws: "Flaws | dict[str, Any] | str | None") -> Flaws:
    """Accept a :class:`Flaws`, a ``{name: probability}`` dict, a ``name=p,...`` text or None."""
    if flaws is None:
        return Flaws()
    if isinstance(flaws, Flaws):
        return flaws
    if isinstance(flaws, str):
        return parse_flaws(flaws)
    if isinstance(flaws, dict):
        return Flaws(**{str(k): _check(str(k), v, "flaws") for k, v in flaws.items()})
    raise SalesSimError(f"cannot read flaws from {type(flaws).__name__}", where="flaws",
                        hint="Pass a Flaws object, a dict or a text like sycophancy=0.8.")

"""Human reference dialogues and simulator-vs-human gaps (``salessim eval RUN_DIR --reference FILE``).

Reference file format (JSONL, UTF-8, one human shopping dialogue per line)::

    {"id": "h-001",                       # unique, required
     "category": "laptops",               # a SalesSim category, required
     "turns": [                           # required, in order; at least one shopper turn
        {"speaker": "shopper", "text": "hi, I need a laptop for school"},
        {"speaker": "agent",   "text": "Sure! What's your budget?"},
        ...],
     "decision": "buy",                   # optional: buy | leave | none (how the dialogue ended)
     "criteria": [                        # optional: the shopper's criteria, SalesSim Criterion objects
        {"attribute": "price", "op": "<=", "value": 600, "kind": "dealbreaker"}]}

``speaker`` also accepts ``customer``/``user``/``buyer`` (= shopper) and
``salesperson``/``assistant``/``seller`` (= agent). Blank lines and lines starting with ``#`` are
ignored. Bring your own corpus; SalesSim ships only a small test fixture written for the tests.

Figures compared (simulator = the run's shopper turns; human = the reference's shopper turns;
episodes ended by an infrastructure fault are left out; gap = simulator - human):

- ``lexical``: pooled MTLD (tokens), HD-D and distinct-1/2 at an EQUAL token budget = min(tokens
  of the simulator's shopper turns, tokens of the human shopper turns), turns shuffled, 10 draws
  (see :func:`salessim.metrics.lexical.pooled_diversity`).
- ``words_per_turn``: mean tokens per shopper turn (per-dialogue means averaged; bootstrap 95%
  interval of the difference).
- ``disclosure_per_turn``: attributes newly stated with a value per shopper turn, read with the
  same text understanding on both sides and needing no persona
  (:func:`salessim.metrics.episode_view.new_attributes_per_turn`); per-dialogue means averaged.
  ``first_turn_disclosures`` is the same count for the first shopper turn only.
- ``purchase_rate`` (the decision rate): share of dialogues ending in a purchase, over reference
  dialogues that carry a ``decision``; ``decided_rate``: share ending in a purchase or an exit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from salessim.errors import DataError, SalesSimError
from salessim.metrics.episode_view import (
    is_infrastructure_failure,
    new_attributes_per_turn,
)
from salessim.metrics.lexical import pooled_diversity
from salessim.metrics.stats import bootstrap_diff_ci
from salessim.metrics.text import tokenize
from salessim.nlu.lexicon import category_schema
from salessim.schema import Criterion, Episode

SHOPPER_ALIASES = {"shopper", "customer", "user", "buyer", "human"}
AGENT_ALIASES = {"agent", "salesperson", "assistant", "seller", "sales", "bot"}


class ReferenceTurn(BaseModel):
    """One turn of a human dialogue."""

    model_config = ConfigDict(extra="ignore")

    speaker: Literal["shopper", "agent"]
    text: str

    @field_validator("speaker", mode="before")
    @classmethod
    def _speaker(cls, v: Any) -> str:
        s = str(v).strip().lower()
        if s in SHOPPER_ALIASES:
            return "shopper"
        if s in AGENT_ALIASES:
            return "agent"
        raise ValueError(f"unknown speaker {v!r}: use shopper or agent")


class ReferenceDialogue(BaseModel):
    """One human shopping dialogue of a reference file (see the module docstring)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    category: str
    turns: list[ReferenceTurn] = Field(min_length=1)
    decision: Literal["buy", "leave", "none"] | None = None
    criteria: list[Criterion] | None = None

    def shopper_texts(self) -> list[str]:
        """The non-empty shopper turns."""
        return [t.text for t in self.turns if t.speaker == "shopper" and t.text.strip()]


def load_reference(path: str | Path) -> list[ReferenceDialogue]:
    """Read and validate a reference JSONL file; errors name the line and the field."""
    path = Path(path)
    if not path.is_file():
        raise DataError("reference file not found", where=str(path),
                        hint="Pass a JSONL file of human dialogues (format: salessim.metrics.reference).")
    out: list[ReferenceDialogue] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            d = ReferenceDialogue.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: not valid JSON ({exc.msg})")
            continue
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err.get("loc", ()))
            problems.append(f"line {n}: {loc or '<root>'}: {err.get('msg', 'invalid')}")
            continue
        try:
            category_schema(d.category)
        except SalesSimError as exc:
            problems.append(f"line {n}: category: {exc}")
            continue
        if d.id in seen:
            problems.append(f"line {n}: id: duplicate dialogue id {d.id!r}")
        seen.add(d.id)
        if not d.shopper_texts():
            problems.append(f"line {n}: turns: no shopper turn with text")
        out.append(d)
    if problems:
        raise DataError("; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""),
                        where=str(path))
    if not out:
        raise DataError("the reference file holds no dialogue", where=str(path))
    return out


def _mean(xs: list[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def _side(dialogues: list[tuple[str, list[str]]], decisions: list[str | None]) -> dict[str, Any]:
    wpt, dpt, first = [], [], []
    for category, texts in dialogues:
        if not texts:
            continue
        wpt.append(sum(len(tokenize(t)) for t in texts) / len(texts))
        counts = new_attributes_per_turn(texts, category)
        dpt.append(sum(counts) / len(counts))
        first.append(counts[0])
    known = [d for d in decisions if d is not None]
    return {
        "dialogues": len(dialogues),
        "shopper_turns": sum(len(t) for _, t in dialogues),
        "tokens": sum(len(tokenize(x)) for _, t in dialogues for x in t),
        "words_per_turn": _mean(wpt),
        "disclosure_per_turn": _mean(dpt),
        "first_turn_disclosures": _mean([float(x) for x in first]),
        "purchase_rate": _mean([1.0 if d == "buy" else 0.0 for d in known]),
        "decided_rate": _mean([1.0 if d in ("buy", "leave") else 0.0 for d in known]),
        "_wpt": wpt,
        "_dpt": dpt,
    }


def _gap(sim: float | None, human: float | None) -> dict[str, Any]:
    if sim is None or human is None:
        return {"simulator": sim, "human": human, "gap": None, "relative_gap": None}
    return {"simulator": sim, "human": human, "gap": round(sim - human, 4),
            "relative_gap": round((sim - human) / human, 4) if human else None}


def reference_gaps(episodes: list[Episode], reference: list[ReferenceDialogue], draws: int = 10,
                   seed: int = 0) -> dict[str, Any]:
    """Simulator-vs-human figures and gaps (see the module docstring)."""

    kept = [ep for ep in episodes if not is_infrastructure_failure(ep)]
    sim = _side([(ep.category, ep.shopper_texts()) for ep in kept], [ep.decision.type for ep in kept])
    hum = _side([(d.category, d.shopper_texts()) for d in reference], [d.decision for d in reference])
    out: dict[str, Any] = {"reference_dialogues": len(reference), "simulator_episodes": len(kept)}
    for key in ("words_per_turn", "disclosure_per_turn", "first_turn_disclosures", "purchase_rate", "decided_rate"):
        out[key] = _gap(sim[key], hum[key])
    for key, raw in (("words_per_turn", "_wpt"), ("disclosure_per_turn", "_dpt")):
        if sim[raw] and hum[raw]:
            diff, lo, hi = bootstrap_diff_ci(sim[raw], hum[raw], paired=False, seed=seed)
            out[key]["gap_ci95"] = [round(lo, 4), round(hi, 4)]
    budget = min(sim["tokens"], hum["tokens"])
    lexical: dict[str, Any] = {"token_budget": budget, "draws": draws, "unit": "tokens"}
    if budget >= 10:
        sim_texts = [ep.shopper_texts() for ep in kept]
        hum_texts = [d.shopper_texts() for d in reference]
        for measure in ("mtld", "hdd", "distinct-1", "distinct-2"):
            if measure == "hdd" and budget < 42:
                lexical[measure] = _gap(None, None)
                continue
            s = pooled_diversity(sim_texts, budget, draws=draws, seed=seed, measure=measure)["mean"]
            h = pooled_diversity(hum_texts, budget, draws=draws, seed=seed, measure=measure)["mean"]
            lexical[measure] = _gap(round(s, 4), round(h, 4))
    else:
        lexical["note"] = f"too few tokens for an equal-budget comparison ({budget})"
    out["lexical"] = lexical
    return out

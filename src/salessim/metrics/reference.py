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
ignored. Bring your own corpus (``salessim import-reference`` converts MG-ShopDial, ``play`` runs
and generic chat logs); SalesSim ships only small files written for its tests and benchmarks.

Figures compared (simulator = the run's shopper turns; human = the reference's shopper turns;
episodes ended by an infrastructure fault are left out; gap = simulator - human; every gap has a
bootstrap 95% interval, ``gap_ci95``, from resampling dialogues on each side: percentile intervals,
normal ones for the lexical measures):

- ``lexical``: pooled MTLD (tokens), HD-D and distinct-1/2 at an EQUAL token budget = min(tokens
  of the simulator's shopper turns, tokens of the human shopper turns), turns shuffled, 10 draws
  (the point value, :func:`salessim.metrics.lexical.pooled_diversity`). The interval is a normal
  bootstrap interval, gap +- 1.96 x the standard deviation of ``LEXICAL_BOOT`` replicate gaps; a
  replicate draws dialogues with replacement on each side, pools their turns in a random order
  until the budget is reached and takes the measure. Not the percentile interval: a resample
  repeats dialogues, and repeated text lowers type-based measures (most on the side whose whole
  text the budget uses), so the replicates are shifted while their spread still measures the
  dialogue-to-dialogue variation.
- ``words_per_turn``: tokens (:func:`salessim.metrics.text.tokenize`) per shopper turn, under two
  averaging conventions: ``per_dialogue`` (each dialogue's mean, averaged over dialogues: every
  dialogue weighs the same; the headline value) and ``pooled`` (all tokens / all turns: long
  dialogues weigh more). Interval of the pooled figure: dialogues resampled, ratio of sums.
- Disclosure, at two levels (``value``: an attribute stated with a value or direction,
  :func:`salessim.metrics.episode_view.extract`; ``topic``: value level, or the attribute shown to
  matter without a value, :func:`salessim.metrics.episode_view.topics_disclosed`). A "criterion"
  here is an attribute of the category's schema read in the text: the same text understanding
  reads both sides and needs no persona.

  - ``new_criteria_per_turn``: attributes disclosed for the first time in the dialogue, per turn;
  - ``mentioned_criteria_per_turn``: attributes a turn discloses, new or repeated, per turn;
  - ``multi_criteria_turn_share``: share of turns disclosing >= 2 attributes (new or repeated;
    the over-disclosure signal), and ``multi_new_criteria_turn_share``: >= 2 NEW attributes;
  - ``first_turn_criteria``: attributes disclosed in the first shopper turn (unprompted).

  Each holds ``value`` and ``topic``; per-turn figures are per-dialogue means averaged, with the
  ``pooled`` convention beside them.
- ``purchase_rate`` (the decision rate): share of dialogues ending in a purchase, over reference
  dialogues that carry a ``decision`` (None when none does); ``decided_rate``: share ending in a
  purchase or an exit.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from salessim.errors import DataError, SalesSimError
from salessim.metrics.episode_view import (
    LEVELS,
    extract,
    is_infrastructure_failure,
    topics_disclosed,
)
from salessim.metrics.lexical import distinct_n, hdd, mtld, pooled_diversity
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


#: Bootstrap resamples of the interval of every non-lexical gap, and of the lexical ones (each
#: lexical replicate computes the measure on ``token_budget`` tokens, so fewer are drawn).
BOOT = 2000
LEXICAL_BOOT = 200
LEXICAL_MEASURES = ("mtld", "hdd", "distinct-1", "distinct-2")
#: Per-turn disclosure figures (each at the two levels) and the headline convention of each.
DISCLOSURE_FIGURES = ("new_criteria_per_turn", "mentioned_criteria_per_turn", "multi_criteria_turn_share",
                      "multi_new_criteria_turn_share")


@dataclass
class DialogueStats:
    """What one dialogue contributes: per shopper turn, its token count and, per disclosure level,
    the attributes it discloses and how many of them are new in the dialogue."""

    category: str
    tokens: list[list[str]]
    mentioned: dict[str, list[int]] = field(default_factory=dict)
    new: dict[str, list[int]] = field(default_factory=dict)
    decision: str | None = None

    @property
    def turns(self) -> int:
        return len(self.tokens)

    @property
    def token_count(self) -> int:
        return sum(len(t) for t in self.tokens)


def turn_attributes(text: str, category: str, level: str) -> frozenset[str]:
    """The attributes one shopper turn discloses at ``level`` (``value``: stated with a value or
    direction; ``topic``: that, or shown to matter without a value). No persona is needed."""
    value = frozenset(a for a in (getattr(x, "attribute", None) for x in extract(text, category)) if isinstance(a, str))
    if level == "value":
        return value
    return value | topics_disclosed(text, category)


def dialogue_stats(category: str, texts: list[str], decision: str | None = None) -> DialogueStats:
    """The :class:`DialogueStats` of one dialogue's shopper turns (empty turns left out)."""
    texts = [t for t in texts if t and t.strip()]
    stats = DialogueStats(category=category, tokens=[tokenize(t) for t in texts], decision=decision)
    for level in LEVELS:
        seen: set[str] = set()
        mentioned, new = [], []
        for text in texts:
            attrs = turn_attributes(text, category, level)
            mentioned.append(len(attrs))
            new.append(len(attrs - seen))
            seen |= attrs
        stats.mentioned[level], stats.new[level] = mentioned, new
    return stats


def _per_turn(d: DialogueStats, figure: str, level: str) -> tuple[float, int]:
    """(sum over the dialogue's turns, number of turns) of one per-turn figure."""
    if figure == "words_per_turn":
        return float(d.token_count), d.turns
    if figure == "new_criteria_per_turn":
        return float(sum(d.new[level])), d.turns
    if figure == "mentioned_criteria_per_turn":
        return float(sum(d.mentioned[level])), d.turns
    if figure == "multi_criteria_turn_share":
        return float(sum(1 for x in d.mentioned[level] if x >= 2)), d.turns
    if figure == "multi_new_criteria_turn_share":
        return float(sum(1 for x in d.new[level] if x >= 2)), d.turns
    raise ValueError(figure)


def _r(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


def _gap(sim: float | None, human: float | None, ci: tuple[float, float] | None = None) -> dict[str, Any]:
    sim, human = _r(sim), _r(human)
    if sim is None or human is None:
        return {"simulator": sim, "human": human, "gap": None, "relative_gap": None, "gap_ci95": None}
    lo_hi = [_r(ci[0]), _r(ci[1])] if ci is not None and not any(math.isnan(c) for c in ci) else None
    return {"simulator": sim, "human": human, "gap": round(sim - human, 4),
            "relative_gap": round((sim - human) / human, 4) if human else None, "gap_ci95": lo_hi}


def _mean_gap(a: list[float], b: list[float], seed: int) -> dict[str, Any]:
    """Gap of two means of per-dialogue values, with the unpaired bootstrap interval."""
    if not a or not b:
        return _gap(sum(a) / len(a) if a else None, sum(b) / len(b) if b else None)
    diff, lo, hi = bootstrap_diff_ci(a, b, paired=False, n_boot=BOOT, seed=seed)
    return _gap(sum(a) / len(a), sum(b) / len(b), (lo, hi))


def _ratio_gap(a: list[tuple[float, int]], b: list[tuple[float, int]], seed: int) -> dict[str, Any]:
    """Gap of two pooled ratios (sum of numerators / sum of denominators over dialogues), with an
    interval from resampling dialogues on each side."""
    a = [x for x in a if x[1] > 0]
    b = [x for x in b if x[1] > 0]
    if not a or not b:
        return _gap(None, None)
    rng = np.random.default_rng(seed)

    def ratios(pairs: list[tuple[float, int]]) -> np.ndarray:
        num = np.array([p[0] for p in pairs], dtype=float)
        den = np.array([p[1] for p in pairs], dtype=float)
        idx = rng.integers(0, len(pairs), size=(BOOT, len(pairs)))
        return num[idx].sum(axis=1) / den[idx].sum(axis=1)

    point_a = sum(p[0] for p in a) / sum(p[1] for p in a)
    point_b = sum(p[0] for p in b) / sum(p[1] for p in b)
    diffs = ratios(a) - ratios(b)
    lo, hi = np.quantile(diffs, [0.025, 0.975])
    return _gap(point_a, point_b, (float(lo), float(hi)))


def _figure(sim: list[DialogueStats], hum: list[DialogueStats], figure: str, level: str, seed: int) -> dict[str, Any]:
    """One per-turn figure: per-dialogue means averaged (headline) and the pooled convention."""
    s_pairs = [_per_turn(d, figure, level) for d in sim if d.turns]
    h_pairs = [_per_turn(d, figure, level) for d in hum if d.turns]
    entry = _mean_gap([n / t for n, t in s_pairs], [n / t for n, t in h_pairs], seed)
    entry["convention"] = "per_dialogue"
    entry["pooled"] = _ratio_gap(s_pairs, h_pairs, seed)
    return entry


_MEASURES = {"mtld": lambda turns: mtld([t for turn in turns for t in turn]),
             "hdd": lambda turns: hdd([t for turn in turns for t in turn]),
             "distinct-1": lambda turns: distinct_n(turns, 1),
             "distinct-2": lambda turns: distinct_n(turns, 2)}


def _cluster_replicates(dialogues: list[list[list[str]]], budget: int, measure: str, n: int,
                        rng: np.random.Generator) -> np.ndarray:
    """``n`` cluster-bootstrap values of ``measure`` at ``budget`` tokens (see the module docstring)."""
    fn = _MEASURES[measure]
    out = np.empty(n)
    k = len(dialogues)
    for r in range(n):
        taken: list[list[str]] = []
        total = 0
        while total < budget:
            turns = list(dialogues[int(rng.integers(0, k))])
            for j in rng.permutation(len(turns)):
                turn = turns[int(j)]
                if total + len(turn) >= budget:
                    taken.append(turn[: budget - total])
                    total = budget
                    break
                taken.append(turn)
                total += len(turn)
        value = fn(taken)
        out[r] = math.nan if value is None else float(value)
    return out


def _lexical(sim: list[DialogueStats], hum: list[DialogueStats], sim_texts: list[list[str]],
             hum_texts: list[list[str]], draws: int, seed: int) -> dict[str, Any]:
    budget = min(sum(d.token_count for d in sim), sum(d.token_count for d in hum))
    lexical: dict[str, Any] = {"token_budget": budget, "draws": draws, "bootstrap": LEXICAL_BOOT, "unit": "tokens"}
    if budget < 10:
        lexical["note"] = f"too few tokens for an equal-budget comparison ({budget})"
        return lexical
    s_dialogues = [d.tokens for d in sim if d.token_count]
    h_dialogues = [d.tokens for d in hum if d.token_count]
    for i, measure in enumerate(LEXICAL_MEASURES):
        if measure == "hdd" and budget < 42:
            lexical[measure] = _gap(None, None)
            continue
        s = pooled_diversity(sim_texts, budget, draws=draws, seed=seed, measure=measure)["mean"]
        h = pooled_diversity(hum_texts, budget, draws=draws, seed=seed, measure=measure)["mean"]
        rng = np.random.default_rng(seed + 1 + i)
        diffs = (_cluster_replicates(s_dialogues, budget, measure, LEXICAL_BOOT, rng)
                 - _cluster_replicates(h_dialogues, budget, measure, LEXICAL_BOOT, rng))
        diffs = diffs[~np.isnan(diffs)]
        ci = None
        if diffs.size > 1:  # normal bootstrap interval: the replicates' spread around the observed gap
            half = 1.959964 * float(diffs.std(ddof=1))
            ci = (s - h - half, s - h + half)
        lexical[measure] = _gap(s, h, ci)
    return lexical


def reference_gaps(episodes: list[Episode], reference: list[ReferenceDialogue], draws: int = 10,
                   seed: int = 0) -> dict[str, Any]:
    """Simulator-vs-human figures and gaps with bootstrap intervals (see the module docstring)."""
    kept = [ep for ep in episodes if not is_infrastructure_failure(ep)]
    sim = [dialogue_stats(ep.category, ep.shopper_texts(), ep.decision.type) for ep in kept]
    hum = [dialogue_stats(d.category, d.shopper_texts(), d.decision) for d in reference]
    out: dict[str, Any] = {
        "reference_dialogues": len(reference), "simulator_episodes": len(kept),
        "shopper_turns": {"simulator": sum(d.turns for d in sim), "human": sum(d.turns for d in hum)},
        "tokens": {"simulator": sum(d.token_count for d in sim), "human": sum(d.token_count for d in hum)},
    }
    out["words_per_turn"] = _figure(sim, hum, "words_per_turn", "value", seed)
    for name in DISCLOSURE_FIGURES:
        out[name] = {level: _figure(sim, hum, name, level, seed) for level in LEVELS}
    out["first_turn_criteria"] = {
        level: _mean_gap([float(d.new[level][0]) for d in sim if d.turns],
                         [float(d.new[level][0]) for d in hum if d.turns], seed)
        for level in LEVELS}
    for key, hit in (("purchase_rate", ("buy",)), ("decided_rate", ("buy", "leave"))):
        s_vals = [1.0 if d.decision in hit else 0.0 for d in sim if d.decision is not None]
        h_vals = [1.0 if d.decision in hit else 0.0 for d in hum if d.decision is not None]
        out[key] = _mean_gap(s_vals, h_vals, seed)
        out[key]["dialogues_with_decision"] = {"simulator": len(s_vals), "human": len(h_vals)}
    out["lexical"] = _lexical(sim, hum, [ep.shopper_texts() for ep in kept], [d.shopper_texts() for d in reference],
                              draws, seed)
    return out


#: (key, level or None, convention, label) of the rows of the reference table, in order (the terminal
#: table of ``salessim eval --reference`` and the HTML report show the same rows).
REFERENCE_ROWS = (
    ("words_per_turn", None, "per_dialogue", "words per shopper turn (per-dialogue means, averaged)"),
    ("words_per_turn", None, "pooled", "words per shopper turn (pooled: all tokens / all turns)"),
    ("new_criteria_per_turn", "value", "per_dialogue", "new criteria per turn, value level"),
    ("new_criteria_per_turn", "value", "pooled", "new criteria per turn, value level (pooled)"),
    ("new_criteria_per_turn", "topic", "per_dialogue", "new criteria per turn, topic level"),
    ("new_criteria_per_turn", "topic", "pooled", "new criteria per turn, topic level (pooled)"),
    ("mentioned_criteria_per_turn", "value", "per_dialogue", "criteria mentioned per turn, value level"),
    ("mentioned_criteria_per_turn", "topic", "per_dialogue", "criteria mentioned per turn, topic level"),
    ("multi_criteria_turn_share", "value", "per_dialogue", "share of turns with >= 2 criteria, value level"),
    ("multi_criteria_turn_share", "topic", "per_dialogue", "share of turns with >= 2 criteria, topic level"),
    ("multi_new_criteria_turn_share", "value", "per_dialogue", "share of turns with >= 2 new criteria, value level"),
    ("multi_new_criteria_turn_share", "topic", "per_dialogue", "share of turns with >= 2 new criteria, topic level"),
    ("first_turn_criteria", "value", "per_dialogue", "criteria in the first turn, value level"),
    ("first_turn_criteria", "topic", "per_dialogue", "criteria in the first turn, topic level"),
    ("purchase_rate", None, "per_dialogue", "purchase (decision) rate"),
    ("decided_rate", None, "per_dialogue", "decided (buy or leave) rate"),
)




def reference_rows(ref: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, figure entry) of every row of ``summary["reference"]`` to show, in order: the
    pooled lexical measures at the equal budget, then :data:`REFERENCE_ROWS`. An entry holds
    ``simulator``, ``human``, ``gap`` and ``gap_ci95``."""
    rows: list[tuple[str, dict[str, Any]]] = []
    lex = ref.get("lexical") or {}
    for key in LEXICAL_MEASURES:
        if isinstance(lex.get(key), dict):
            rows.append((f"pooled {key} @ {lex.get('token_budget')} tokens (equal budget)", lex[key]))
    if lex.get("note"):
        rows.append((f"pooled lexical diversity: {lex['note']}", {}))
    for key, level, convention, label in REFERENCE_ROWS:
        e = ref.get(key) or {}
        if level is not None:
            e = e.get(level) or {}
        if convention == "pooled":
            e = e.get("pooled") or {}
        if e:
            rows.append((label, e))
    return rows

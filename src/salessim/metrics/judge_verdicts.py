"""What an LLM judge answers (:mod:`salessim.metrics.judges`): the pydantic verdict models, the
parsing of a raw answer into one, and the lexical check that flags a justification contradicting
its own label."""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

TraitLabel = Literal["low", "medium", "high"]


class LabelVerdict(BaseModel):
    """One label with its justification."""

    model_config = ConfigDict(extra="ignore")

    label: str
    justification: str = ""


class TraitItem(BaseModel):
    """The judged level of one trait."""

    model_config = ConfigDict(extra="ignore")

    label: TraitLabel
    justification: str = ""


class TraitVerdict(BaseModel):
    """The trait-fidelity judge's answer: one level per Big-Five trait."""

    model_config = ConfigDict(extra="ignore")

    openness: TraitItem
    conscientiousness: TraitItem
    extraversion: TraitItem
    agreeableness: TraitItem
    neuroticism: TraitItem


class ComprehensionVerdict(BaseModel):
    """The comprehension judge's answer."""

    model_config = ConfigDict(extra="ignore")

    label: Literal["realistic", "too_expert", "too_naive"]
    justification: str = ""


class NaturalnessVerdict(BaseModel):
    """The naturalness judge's answer."""

    model_config = ConfigDict(extra="ignore")

    label: Literal["natural", "somewhat_natural", "unnatural"]
    justification: str = ""


class DecisionVerdict(BaseModel):
    """The decision-alignment judge's answer."""

    model_config = ConfigDict(extra="ignore")

    label: Literal["aligned", "misaligned"]
    justification: str = ""


# ------------------------------------------------------------------ contradiction check

_CONTRA: dict[str, str] = {
    # label -> pattern whose presence in the justification contradicts the label
    "high": r"\b(low|little|lacks?|lacking|rarely|barely|minimal|no (sign|evidence)|not (very|particularly|especially|at all))\b",
    "low": r"\b(high(ly)?|very (talkative|curious|careful|thorough|friendly|anxious|worried|open|warm|chatty)|strong(ly)?|frequently)\b",
    "realistic": r"\b(unrealistic|not realistic|implausible|too (expert|technical|advanced|naive|basic))\b",
    "too_expert": r"\b(too naive|knows (too )?little|less than (a|an|expected)|realistic for)\b",
    "too_naive": r"\b(too (expert|technical|advanced)|knows more|more than (a|an|expected)|realistic for)\b",
    "natural": r"\b(unnatural|robotic|machine-like|stiff|form-like|not natural|artificial|scripted)\b",
    "unnatural": r"\b(reads like a real|believable|human-like|very natural|natural throughout)\b",
    "aligned": r"\b(misaligned|not aligned|breaks (a|the|its) must-have|should have (left|bought)|violat\w*)\b",
    "misaligned": r"\b(is aligned|correct (decision|choice)|right (decision|choice)|meets every must-have)\b",
}
_CONTRA_RE = {k: re.compile(v, re.IGNORECASE) for k, v in _CONTRA.items()}
_NEGATED_OK = re.compile(r"\b(not|no|never|isn't|wasn't|doesn't|don't)\s+(\w+\s+)?$", re.IGNORECASE)


def contradicts_label(label: str, justification: str) -> bool:
    """True when ``justification`` contains a cue that contradicts ``label`` (a simple lexical
    check; a cue right after a negation word, e.g. "not robotic", does not count)."""
    pattern = _CONTRA_RE.get(label)
    if pattern is None or not justification:
        return False
    for m in pattern.finditer(justification):
        before = justification[max(0, m.start() - 24):m.start()]
        cue = m.group(0).lower()
        if cue.startswith(("not ", "no ", "unrealistic", "unnatural", "misaligned", "implausible")):
            return True
        if _NEGATED_OK.search(before):
            continue
        return True
    return False



_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


def parse_verdict(text: str | None, verdict: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
    """Parse a judge answer into ``verdict``: ``(model, None)`` or ``(None, why it is invalid)``.
    Tolerates a Markdown code fence and text around one JSON object."""
    if not text or not text.strip():
        return None, "empty answer"
    body = text.strip()
    m = _FENCE.match(body)
    if m:
        body = m.group(1)
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        start, end = body.find("{"), body.rfind("}")
        if start < 0 or end <= start:
            return None, "no JSON object in the answer"
        try:
            data = json.loads(body[start:end + 1])
        except json.JSONDecodeError as exc:
            return None, f"invalid JSON: {exc.msg}"
    if not isinstance(data, dict):
        return None, f"expected a JSON object, got {type(data).__name__}"
    try:
        return verdict.model_validate(data), None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        return None, f"{loc or 'answer'}: {err.get('msg', 'invalid')}"

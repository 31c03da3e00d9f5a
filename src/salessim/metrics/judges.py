"""LLM-judge metrics: Big-Five trait fidelity, comprehension realism, naturalness, and a judge
version of decision alignment for personas written in free text.

They run only when a judge model is configured (``salessim eval RUN_DIR --judge-model M
[--judge-base-url URL --judge-api-key-env VAR --judge-samples k]``); otherwise they are skipped
and the summary says why. The deterministic metrics stay the reference; judges cover what rules
cannot read.

How every judge works:

- The prompt is a file of ``salessim/data/judges/`` (``system.md`` + one user prompt per judge),
  filled with the episode's transcript (shopper and assistant turns, product views, the purchase
  or the exit) and what the judge needs from the persona.
- The judge is asked ``k`` times (``--judge-samples``, default 3; sample s uses seed
  ``seed + s``). Each answer must be ONE JSON object, validated with pydantic; an answer that is
  not valid JSON of the right shape is kept in the record as invalid and left out of the vote.
- **Majority vote** per judged aspect over the valid samples (ties go to the label listed first
  in the judge's label order). **Agreement** = share of valid samples that gave the majority
  label (1.0 = unanimous).
- A sample whose justification contradicts its own label (a simple lexical check: e.g. label
  ``natural`` with "robotic" in the justification, label ``high`` with "little sign of") is
  **flagged** in ``details["contradictions"]``; it still votes.
- The judge model, every raw output, token usage and cost are stored in the MetricResult
  (``details["judge"]``, ``details["samples"]``, ``details["usage"]``, ``cost_usd``).

Values:

- ``trait_fidelity``: the judge infers low / medium / high for each Big-Five trait WITHOUT being
  told the persona's levels; a trait matches when the vote equals the persona's level bucketed
  (Extreme Low/Low -> low, Medium -> medium, High/Extreme High -> high). value = share of the five
  traits that match; ``details["traits"]`` has each trait's target, vote, agreement and match.
- ``comprehension_realism``: told the persona's knowledge level (novice / intermediate / expert),
  the judge labels the shopper ``realistic`` / ``too_expert`` / ``too_naive``; value = 1 for
  realistic, else 0.
- ``naturalness``: ``natural`` = 1, ``somewhat_natural`` = 0.5, ``unnatural`` = 0.
- ``judge_decision_alignment``: given the preferences as free text (the imported
  ``shopper_preferences`` when the episode has them, else the persona's criteria written out),
  the products shown and the outcome, the judge labels the decision ``aligned`` (1) or
  ``misaligned`` (0).

Every judge metric is None for episodes that ended by an infrastructure fault or where the shopper
said nothing, and when every sample was invalid.
"""

from __future__ import annotations

import asyncio
import json
import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from salessim.api.metric import Metric
from salessim.llm import (
    CachedClient,
    ChatRequest,
    EndpointConfig,
    LLMError,
    OpenAIChatClient,
    ResponseCache,
)
from salessim.metrics.episode_view import is_infrastructure_failure
from salessim.metrics.stats import bootstrap_ci
from salessim.schema import TRAITS, Episode, MetricResult, Persona

JUDGE_DIR = Path(__file__).resolve().parent.parent / "data" / "judges"
SKIP_REASON = "skipped: no judge model configured (pass --judge-model M to `salessim eval`)"
MAX_TRANSCRIPT_CHARS = 14_000

# --------------------------------------------------------------------------------- verdicts

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


# --------------------------------------------------------------------------- rendering


def _product_line(product) -> str:
    attrs = ", ".join(f"{k} {v}" for k, v in product.attributes.items() if k not in ("line",))
    return f"{product.name} ({product.id}): {attrs}"


def render_transcript(episode: Episode, store=None, limit: int = MAX_TRANSCRIPT_CHARS) -> str:
    """The conversation as plain text for a judge: shopper and assistant turns, product views,
    the purchase or the exit. Tool traffic of the assistant is left out."""
    catalog = getattr(store, "catalog", None)

    def name(pid: str | None) -> str:
        product = catalog.get(pid) if (catalog is not None and pid) else None
        return f"{product.name} ({pid})" if product is not None else str(pid)

    lines: list[str] = []
    for m in episode.messages:
        if m.role == "shopper":
            a = m.action.type if m.action else "say"
            if a == "view_product":
                lines.append(f"[Shopper opens the product page of {name(m.action.product_id)}]")
                continue
            if m.text.strip():
                lines.append(f"Shopper: {m.text.strip()}")
            if a == "buy":
                lines.append(f"[Shopper buys {name(m.action.product_id)}]")
            elif a == "leave":
                lines.append("[Shopper leaves the shop]")
        elif m.role == "agent" and (m.text.strip() or m.presented_product_ids):
            line = f"Assistant: {m.text.strip()}"
            if m.presented_product_ids:
                line += "\n  (shows: " + "; ".join(name(p) for p in m.presented_product_ids) + ")"
            lines.append(line)
    text = "\n".join(lines)
    if len(text) > limit:
        text = text[: limit // 2] + "\n[... middle of the conversation omitted ...]\n" + text[-limit // 2:]
    return text


def preferences_text(episode: Episode, persona: Persona) -> str:
    """Free-text preferences: the imported ``shopper_preferences`` if any, else the criteria."""
    free = episode.shopper.params.get("shopper_preferences") if episode.shopper.params else None
    if isinstance(free, str) and free.strip():
        return free.strip()
    lines = []
    for c in persona.criteria:
        phrase = c.phrasings[0] if c.phrasings else f"{c.attribute} {c.op} {c.value}"
        lines.append(f"- {'must-have' if c.kind == 'dealbreaker' else 'nice-to-have'}: {phrase}")
    return "\n".join(lines) or "(no stated preferences)"


def _products_text(episode: Episode, store) -> str:
    catalog = getattr(store, "catalog", None)
    lines = []
    for pid in episode.presented_product_ids:
        product = catalog.get(pid) if catalog is not None else None
        lines.append("- " + (_product_line(product) if product is not None else pid))
    return "\n".join(lines) or "(the products are named in the conversation itself)"


def _outcome_text(episode: Episode, store) -> str:
    d = episode.decision
    catalog = getattr(store, "catalog", None)
    if d.type == "buy":
        product = catalog.get(d.product_id) if (catalog is not None and d.product_id) else None
        return f"The shopper bought {product.name + ' (' + d.product_id + ')' if product else d.product_id}."
    if d.type == "leave":
        return "The shopper left without buying" + (f" ({d.reason})." if d.reason else ".")
    return f"The shopper never decided (the conversation ended: {episode.termination})."


@lru_cache(maxsize=None)
def load_prompt(name: str) -> string.Template:
    """The prompt template ``salessim/data/judges/<name>.md``."""
    path = JUDGE_DIR / f"{name}.md"
    return string.Template(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------- specs


def _bucket(level: str) -> str:
    return {"Extreme Low": "low", "Low": "low", "Medium": "medium", "High": "high", "Extreme High": "high"}[level]


@dataclass(frozen=True)
class JudgeSpec:
    """One judge metric: its prompt, answer schema, label order and scoring."""

    name: str
    version: str
    description: str
    prompt: str
    verdict: type[BaseModel]
    labels: tuple[str, ...]
    variables: Callable[[Episode, Persona, Any, str], dict[str, str]]
    aspects: Callable[[BaseModel], dict[str, tuple[str, str]]]
    score: Callable[[dict[str, dict], Persona], tuple[float, dict, str]]


def _single(v: BaseModel) -> dict[str, tuple[str, str]]:
    return {"label": (v.label, v.justification)}  # type: ignore[attr-defined]


def _traits(v: BaseModel) -> dict[str, tuple[str, str]]:
    return {t: (getattr(v, t).label, getattr(v, t).justification) for t in TRAITS}


def _score_traits(votes: dict[str, dict], persona: Persona) -> tuple[float, dict, str]:
    traits = {}
    for t in TRAITS:
        level = getattr(persona.big_five, t)
        target = _bucket(level)
        vote = votes[t]
        traits[t] = {"target_level": level, "target": target, "judged": vote["label"],
                     "agreement": vote["agreement"], "match": vote["label"] == target}
    matched = sum(1 for r in traits.values() if r["match"])
    miss = [f"{t} judged {r['judged']} (target {r['target']})" for t, r in traits.items() if not r["match"]]
    why = f"{matched}/5 traits match" + ("; " + "; ".join(miss) if miss else "")
    return matched / 5, {"traits": traits}, why


def _score_map(mapping: dict[str, float], what: str) -> Callable[[dict[str, dict], Persona], tuple[float, dict, str]]:
    def score(votes: dict[str, dict], persona: Persona) -> tuple[float, dict, str]:
        label = votes["label"]["label"]
        return mapping[label], {"label": label}, f"{what}: {label} (agreement {votes['label']['agreement']:.2f})"
    return score


JUDGE_METRICS: tuple[JudgeSpec, ...] = (
    JudgeSpec(
        "trait_fidelity", "1.0", "LLM judge: share of Big-Five traits whose level the shopper shows (blind judge)",
        "trait_fidelity", TraitVerdict, ("medium", "low", "high"),
        lambda ep, p, store, tr: {"transcript": tr}, _traits, _score_traits),
    JudgeSpec(
        "comprehension_realism", "1.0", "LLM judge: the shopper's understanding fits its knowledge level",
        "comprehension", ComprehensionVerdict, ("realistic", "too_expert", "too_naive"),
        lambda ep, p, store, tr: {"transcript": tr, "knowledge_level": p.profile.knowledge_level},
        _single, _score_map({"realistic": 1.0, "too_expert": 0.0, "too_naive": 0.0}, "comprehension")),
    JudgeSpec(
        "naturalness", "1.0", "LLM judge: the shopper reads like a real person",
        "naturalness", NaturalnessVerdict, ("somewhat_natural", "natural", "unnatural"),
        lambda ep, p, store, tr: {"transcript": tr}, _single,
        _score_map({"natural": 1.0, "somewhat_natural": 0.5, "unnatural": 0.0}, "naturalness")),
    JudgeSpec(
        "judge_decision_alignment", "1.0", "LLM judge: the final decision fits the free-text preferences",
        "decision_alignment", DecisionVerdict, ("misaligned", "aligned"),
        lambda ep, p, store, tr: {"transcript": tr, "preferences": preferences_text(ep, p),
                                  "products": _products_text(ep, store), "outcome": _outcome_text(ep, store)},
        _single, _score_map({"aligned": 1.0, "misaligned": 0.0}, "decision")),
)
JUDGE_NAMES: tuple[str, ...] = tuple(s.name for s in JUDGE_METRICS)
_SPECS = {s.name: s for s in JUDGE_METRICS}


def unconfigured_compute(name: str) -> Callable[[Episode, Persona, Any], MetricResult]:
    """The registry's compute for judge ``name`` when no judge model is configured: a None
    result that says why."""
    spec = _SPECS[name]

    def compute(episode: Episode, persona: Persona, store) -> MetricResult:
        return MetricResult(metric=spec.name, version=spec.version, value=None, explanation=SKIP_REASON,
                            details={"skipped": "no judge model"})

    compute.__doc__ = f"{spec.name} without a judge model: not scored ({SKIP_REASON})."
    return compute


def _registry_metric(name: str) -> Metric:
    spec = _SPECS[name]
    return Metric(spec.name, spec.version, unconfigured_compute(name), spec.description, default=False)


# what the registry holds: judges run through `salessim eval --judge-model`, never by default
TRAIT_FIDELITY = _registry_metric("trait_fidelity")
COMPREHENSION_REALISM = _registry_metric("comprehension_realism")
NATURALNESS = _registry_metric("naturalness")
JUDGE_DECISION_ALIGNMENT = _registry_metric("judge_decision_alignment")


# ------------------------------------------------------------------------------ running


class JudgeConfig(BaseModel):
    """Which model judges and how. The API key is never stored: only the name of the environment
    variable that holds it (``api_key_env``)."""

    model_config = ConfigDict(extra="forbid")

    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    samples: int = Field(default=3, ge=1, le=15)
    temperature: float = Field(default=0.7, ge=0)
    max_tokens: int = Field(default=700, ge=16)
    seed: int = 0
    concurrency: int = Field(default=8, ge=1)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    cache: bool = False

    def public(self) -> dict[str, Any]:
        """What is recorded with the scores (no secret: the key's variable name at most)."""
        return self.model_dump(mode="json", exclude_none=True)


def make_client(config: JudgeConfig):
    """An OpenAI-compatible chat client for ``config`` (wrapped in the response cache if asked)."""

    base_url = config.base_url or "https://api.openai.com/v1"
    api_key_env = config.api_key_env
    if api_key_env is None and "api.openai.com" in base_url:
        api_key_env = "OPENAI_API_KEY"
    client = OpenAIChatClient(EndpointConfig(base_url=base_url, model=config.model, api_key_env=api_key_env,
                                             timeout_s=config.timeout_s, max_retries=config.max_retries,
                                             concurrency=config.concurrency))
    if config.cache:
        return CachedClient(client, ResponseCache(), namespace=f"judge:{base_url}")
    return client


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


def majority(labels: Sequence[str], order: Sequence[str]) -> tuple[str, float]:
    """The most frequent label (ties: first in ``order``) and the share of votes it got."""
    counts = Counter(labels)
    top = max(counts.values())
    tied = [lab for lab in counts if counts[lab] == top]
    rank = {lab: i for i, lab in enumerate(order)}
    winner = min(tied, key=lambda lab: (rank.get(lab, len(order)), lab))
    return winner, top / len(labels)


def _skip(spec: JudgeSpec, why: str, **details: Any) -> MetricResult:
    return MetricResult(metric=spec.name, version=spec.version, value=None, explanation=why, details=details)


async def judge_one(spec: JudgeSpec, episode: Episode, persona: Persona, store, client, config: JudgeConfig,
                    semaphore: asyncio.Semaphore | None = None) -> MetricResult:
    """Run judge ``spec`` on one episode: ``config.samples`` calls, vote, agreement, flags."""

    if is_infrastructure_failure(episode):
        return _skip(spec, f"not scored: the episode ended with {episode.termination}")
    if not episode.shopper_texts():
        return _skip(spec, "the shopper said nothing")
    transcript = render_transcript(episode, store)
    user = load_prompt(spec.prompt).safe_substitute(spec.variables(episode, persona, store, transcript))
    system = load_prompt("system").template.strip()
    samples: list[dict[str, Any]] = []
    usage = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    cost = 0.0
    price_known = True

    async def ask(s: int) -> None:
        nonlocal cost, price_known
        request = ChatRequest(messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                              temperature=config.temperature, max_tokens=config.max_tokens, seed=config.seed + s)
        record: dict[str, Any] = {"sample": s}
        try:
            if semaphore is not None:
                async with semaphore:
                    response = await client.complete(request)
            else:
                response = await client.complete(request)
        except LLMError as exc:
            record.update(raw=None, error=f"call failed: {exc}")
            samples.append(record)
            return
        usage["calls"] += 1
        usage["prompt_tokens"] += response.usage.prompt_tokens
        usage["completion_tokens"] += response.usage.completion_tokens
        cost += response.cost_usd
        price_known = price_known and (response.price_known or response.cached)
        parsed, error = parse_verdict(response.text, spec.verdict)
        record.update(raw=response.text, model=response.model)
        if parsed is None:
            record["error"] = error
        else:
            record["verdict"] = parsed.model_dump()
            record["_aspects"] = spec.aspects(parsed)
        samples.append(record)

    await asyncio.gather(*(ask(s) for s in range(config.samples)))
    samples.sort(key=lambda r: r["sample"])
    valid = [r for r in samples if "_aspects" in r]
    contradictions = []
    for r in valid:
        for aspect, (label, just) in r["_aspects"].items():
            if contradicts_label(label, just):
                contradictions.append({"sample": r["sample"], "aspect": aspect, "label": label, "justification": just})
    details: dict[str, Any] = {
        "judge": config.public(),
        "samples": [{k: v for k, v in r.items() if k != "_aspects"} for r in samples],
        "valid_samples": len(valid),
        "usage": usage,
        "price_known": price_known,
        "contradictions": contradictions,
    }
    if not valid:
        errors = "; ".join(sorted({r.get("error", "?") for r in samples}))
        return MetricResult(metric=spec.name, version=spec.version, value=None, details=details,
                            explanation=f"no valid judge answer ({errors})", cost_usd=round(cost, 8))
    aspects = list(valid[0]["_aspects"])
    votes: dict[str, dict] = {}
    for aspect in aspects:
        labels = [r["_aspects"][aspect][0] for r in valid]
        label, agreement = majority(labels, spec.labels if aspect == "label" else ("medium", "low", "high"))
        votes[aspect] = {"label": label, "agreement": round(agreement, 4), "votes": dict(Counter(labels))}
    value, extra, why = spec.score(votes, persona)
    details.update(extra)
    details["votes"] = votes
    details["agreement"] = round(sum(v["agreement"] for v in votes.values()) / len(votes), 4)
    if contradictions:
        why += f"; {len(contradictions)} justification(s) contradict their label"
    return MetricResult(metric=spec.name, version=spec.version, value=round(value, 6), details=details,
                        explanation=why, cost_usd=round(cost, 8))


async def judge_episodes(episodes: Sequence[Episode], personas: dict[str, Persona], store, config: JudgeConfig,
                         names: Sequence[str] | None = None, client=None,
                         on_done: Callable[[], None] | None = None) -> dict[str, dict[str, MetricResult]]:
    """Run the judges ``names`` (default: all) on every episode, at most ``config.concurrency``
    calls in flight. Returns ``{episode_id: {metric: MetricResult}}``. ``client`` (any
    :class:`~salessim.llm.ChatClient`) replaces the one built from ``config`` (tests)."""
    specs = [_SPECS[n] for n in (names or JUDGE_NAMES)]
    own = client is None
    client = client or make_client(config)
    semaphore = asyncio.Semaphore(config.concurrency)
    out: dict[str, dict[str, MetricResult]] = {ep.id: {} for ep in episodes}

    async def run(spec: JudgeSpec, ep: Episode) -> None:
        persona = personas.get(ep.persona_id)
        if persona is None:
            out[ep.id][spec.name] = _skip(spec, f"persona {ep.persona_id} not found")
        else:
            out[ep.id][spec.name] = await judge_one(spec, ep, persona, store, client, config, semaphore)
        if on_done:
            on_done()

    try:
        await asyncio.gather(*(run(spec, ep) for ep in episodes for spec in specs))
    finally:
        if own and hasattr(client, "aclose"):
            await client.aclose()
    return out


def judge_summary(scores: Sequence[Any]) -> dict[str, Any]:
    """Run-level judge figures: per-trait match rate, mean agreement, contradiction flags, cost."""

    out: dict[str, Any] = {}
    per_trait: dict[str, list[float]] = {t: [] for t in TRAITS}
    for name in JUDGE_NAMES:
        results = [s.results[name] for s in scores if name in s.results]
        scored = [r for r in results if r.value is not None]
        if not results:
            continue
        if not scored and all(r.details.get("skipped") for r in results):
            out[name] = {"skipped": SKIP_REASON}
            continue
        entry = {
            "n": len(scored),
            "agreement": round(sum(r.details.get("agreement", 0) for r in scored) / len(scored), 4) if scored else None,
            "contradiction_flags": sum(len(r.details.get("contradictions", [])) for r in scored),
            "cost_usd": round(sum(r.cost_usd for r in results), 6),
            "calls": sum(r.details.get("usage", {}).get("calls", 0) for r in results),
        }
        out[name] = entry
        if name == "trait_fidelity":
            for r in scored:
                for t, row in r.details.get("traits", {}).items():
                    per_trait[t].append(1.0 if row.get("match") else 0.0)
    if any(per_trait.values()):
        by_trait = {}
        for t, vals in per_trait.items():
            if vals:
                m, lo, hi = bootstrap_ci(vals)
                by_trait[t] = {"mean": round(m, 4), "low": round(lo, 4), "high": round(hi, 4), "n": len(vals)}
        out["trait_fidelity_by_trait"] = by_trait
    return out

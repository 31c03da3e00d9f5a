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
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from salessim.llm import (
    CachedClient,
    ChatRequest,
    EndpointConfig,
    LLMError,
    OpenAIChatClient,
    ResponseCache,
)
from salessim.metrics.episode_view import is_infrastructure_failure
from salessim.metrics.judge_prompts import (
    JUDGE_DIR,
    MAX_TRANSCRIPT_CHARS,
    load_prompt,
    preferences_text,
    render_transcript,
)
from salessim.metrics.judge_specs import (
    COMPREHENSION_REALISM,
    JUDGE_DECISION_ALIGNMENT,
    JUDGE_METRICS,
    JUDGE_NAMES,
    NATURALNESS,
    SKIP_REASON,
    SPECS,
    TRAIT_FIDELITY,
    JudgeSpec,
    unconfigured_compute,
)
from salessim.metrics.judge_verdicts import (
    ComprehensionVerdict,
    DecisionVerdict,
    LabelVerdict,
    NaturalnessVerdict,
    TraitItem,
    TraitLabel,
    TraitVerdict,
    contradicts_label,
    parse_verdict,
)
from salessim.metrics.stats import bootstrap_ci
from salessim.schema import TRAITS, Episode, MetricResult, Persona

__all__ = [
    # the judges and their registry metrics (salessim.metrics.judge_specs)
    "COMPREHENSION_REALISM", "JUDGE_DECISION_ALIGNMENT", "JUDGE_METRICS", "JUDGE_NAMES", "NATURALNESS",
    "SKIP_REASON", "TRAIT_FIDELITY", "JudgeSpec", "unconfigured_compute",
    # prompts (salessim.metrics.judge_prompts)
    "JUDGE_DIR", "MAX_TRANSCRIPT_CHARS", "load_prompt", "preferences_text", "render_transcript",
    # answers (salessim.metrics.judge_verdicts)
    "ComprehensionVerdict", "DecisionVerdict", "LabelVerdict", "NaturalnessVerdict", "TraitItem", "TraitLabel",
    "TraitVerdict", "contradicts_label", "parse_verdict",
    # running (here)
    "JudgeConfig", "judge_episodes", "judge_one", "judge_summary", "majority", "make_client",
]


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
    specs = [SPECS[n] for n in (names or JUDGE_NAMES)]
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

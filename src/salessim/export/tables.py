"""Rows of the export tables, built from run directories (pure Python: no pyarrow needed here).

:func:`find_runs` turns a run or sweep directory into the runs to export; :func:`episode_rows` and
:func:`turn_rows` give one dict per episode and per message, with the columns of
:mod:`salessim.export.schema`. Endpoint URLs are never exported (they may name private hosts), and
no key ever is (run directories hold none).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salessim.api.rundir import RunDir
from salessim.errors import SalesSimError
from salessim.export.schema import METRIC_PREFIX, SCHEMA_VERSION
from salessim.metrics.run import run_personas
from salessim.schema import Episode, EpisodeScores, Message, Persona
from salessim.sweep.manifest import is_sweep_dir, read_manifest

__all__ = ["ExportRun", "episode_rows", "find_runs", "turn_rows"]


@dataclass
class ExportRun:
    """One run to export: its directory, run.json, and where it sits in a sweep (if it does)."""

    path: Path
    meta: dict
    sweep: str | None = None
    cell: str | None = None
    scores: dict[str, EpisodeScores] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return str(self.meta.get("run_id") or self.path.name)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def _read_run(path: Path, *, sweep: str | None, cell: str | None) -> ExportRun:
    rd = RunDir(path).require()
    meta = rd.read_meta()
    if not (path / "scores.jsonl").is_file():
        raise SalesSimError(f"{path} has not been scored (no scores.jsonl)",
                            hint=f"Score it first: salessim eval {path}")
    try:
        scores = {s.episode_id: s for s in rd.read_scores()}
    except ValueError as exc:
        raise SalesSimError(f"{path / 'scores.jsonl'}: not a valid scores file ({str(exc).splitlines()[0]})",
                            hint=f"Re-score the run: salessim eval {path}") from None
    return ExportRun(path=path, meta=meta, sweep=sweep, cell=cell, scores=scores)


def find_runs(source: str | Path) -> tuple[list[ExportRun], list[str], dict | None]:
    """The runs of ``source`` (a run directory, or a sweep directory: its complete cells), the
    notes on what was left out (incomplete cells), and the sweep's manifest (None for a run)."""

    src = Path(source)
    if is_sweep_dir(src):
        manifest = read_manifest(src)
        runs, notes = [], []
        for entry in manifest["cells"]:
            if entry.get("status") != "complete":
                notes.append(f"cell {entry['id']} left out: its status is {entry.get('status')}")
                continue
            runs.append(_read_run(src / entry["dir"], sweep=str(manifest.get("name")), cell=entry["id"]))
        if not runs:
            raise SalesSimError(f"{src}: no cell of the sweep is complete",
                                hint=f"Finish it first: salessim sweep CONFIG --out {src}")
        return runs, notes, manifest
    if not src.exists():
        raise SalesSimError(f"{src} does not exist", hint="Pass a run directory or a sweep directory.")
    if not (src / "run.json").is_file():
        raise SalesSimError(f"{src} is neither a run directory (run.json) nor a sweep directory (sweep.json)",
                            hint="Pass the --out directory of a `salessim run` or `salessim sweep`.")
    return [_read_run(src, sweep=None, cell=None)], [], None


def metric_names(runs: list[ExportRun]) -> list[str]:
    """Every metric scored in ``runs``, sorted."""
    return sorted({name for run in runs for s in run.scores.values() for name in s.results})


def _public_params(params: dict) -> dict:
    """Participant parameters without endpoint URLs (a key is never there)."""
    return {k: v for k, v in (params or {}).items() if k not in ("base_url", "api_key_env")}


def _criteria(persona: Persona | None) -> list[dict]:
    if persona is None:
        return []
    return [{"attribute": c.attribute, "op": c.op, "value": _dumps(c.value), "kind": c.kind, "weight": float(c.weight)}
            for c in persona.criteria]


def _dialogue(messages: list[Message]) -> list[dict]:
    """The shopper's and the agent's messages that carry text or a shopper action."""
    out = []
    for m in messages:
        if m.role == "tool" or (not m.text and m.action is None):
            continue
        out.append({"role": m.role, "text": m.text, "action": m.action.type if m.action else None,
                    "product_id": m.action.product_id if m.action else None})
    return out


def episode_rows(run: ExportRun, metrics: list[str]) -> Iterator[dict]:
    """One row per episode of ``run`` (columns: :data:`salessim.export.schema.EPISODE_COLUMNS`, then
    ``metric_<name>`` for each of ``metrics``)."""

    rd = RunDir(run.path)
    personas = run_personas(rd)
    cfg = run.meta.get("config") or {}
    for ep in rd.read_episodes():
        p = personas.get(ep.persona_id)
        scores = run.scores.get(ep.id)
        results = scores.results if scores else {}
        da = results.get("decision_alignment")
        usage = {role: ep.usage.get(role) for role in ("shopper", "agent")}
        row: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION, "sweep": run.sweep, "cell": run.cell, "run_id": run.run_id,
            "episode_id": ep.id, "trial": ep.trial, "episode_seed": ep.seed, "run_seed": int(cfg.get("seed", 0)),
            "split": str(cfg.get("split", "")), "category": ep.category, "persona_id": ep.persona_id,
            "persona_hash": ep.persona_hash, "archetype": ep.archetype,
            "persona_name": p.profile.name if p else None, "persona_age": p.profile.age if p else None,
            "persona_background": p.profile.background if p else None,
            "persona_knowledge_level": p.profile.knowledge_level if p else None,
            "persona_speaking_style": p.profile.speaking_style if p else None,
            "persona_emotion": p.emotion if p else None, "persona_goal": p.goal if p else None,
            "persona_uses": list(p.uses) if p else [],
            **{f"persona_{t}": (getattr(p.big_five, t) if p else None)
               for t in ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")},
            "persona_criteria": _criteria(p), "persona_feasible": p.feasible if p else None,
            "persona_ideal_product_ids": list(p.ideal_product_ids) if p else [],
            "shopper_kind": ep.shopper.kind, "shopper_model": ep.shopper.model,
            "shopper_params": _dumps(_public_params(ep.shopper.params)),
            "agent_kind": ep.agent.kind, "agent_model": ep.agent.model,
            "agent_params": _dumps(_public_params(ep.agent.params)),
            "messages": _dialogue(ep.messages), "num_messages": len(ep.messages),
            "presented_product_ids": list(ep.presented_product_ids), "viewed_product_ids": list(ep.viewed_product_ids),
            "decision": ep.decision.type, "decision_product_id": ep.decision.product_id,
            "decision_reason": ep.decision.reason, "termination": ep.termination, "turns": ep.turns,
            "error": ep.error,
        }
        for role, u in usage.items():
            row[f"{role}_calls"] = u.calls if u else 0
            row[f"{role}_cached_calls"] = u.cached_calls if u else 0
            row[f"{role}_prompt_tokens"] = u.prompt_tokens if u else 0
            row[f"{role}_completion_tokens"] = u.completion_tokens if u else 0
            row[f"{role}_cost_usd"] = float(u.cost_usd) if u else 0.0
            row[f"{role}_retries"] = u.retries if u else 0
        row["cost_usd"] = float(sum(u.cost_usd for u in ep.usage.values()))
        for key, column in (("total_s", "time_total_s"), ("shopper_s", "time_shopper_s"),
                            ("agent_s", "time_agent_s"), ("env_s", "time_env_s")):
            value = ep.timings.get(key)
            row[column] = float(value) if value is not None else None
        row["decision_failure"] = (da.details.get("failure") if da is not None else None)
        graded = da.details.get("graded", da.value) if da is not None else None
        row["decision_alignment_graded"] = float(graded) if graded is not None else None
        for name in metrics:
            r = results.get(name)
            row[METRIC_PREFIX + name] = float(r.value) if r is not None and r.value is not None else None
        yield row


def turn_rows(run: ExportRun) -> Iterator[dict]:
    """One row per message of every episode of ``run`` (columns: :data:`salessim.export.schema.TURN_COLUMNS`)."""
    for ep in RunDir(run.path).read_episodes():
        yield from _episode_turns(run, ep)


def _episode_turns(run: ExportRun, ep: Episode) -> Iterator[dict]:
    turn = 0
    last_speaker: str | None = None
    for i, m in enumerate(ep.messages):
        if m.role == "shopper" and last_speaker in (None, "agent"):
            turn += 1
        if m.role != "tool":
            last_speaker = m.role
        tr = m.tool_result
        yield {
            "schema_version": SCHEMA_VERSION, "sweep": run.sweep, "cell": run.cell, "run_id": run.run_id,
            "episode_id": ep.id, "persona_id": ep.persona_id, "message_index": i, "turn": max(turn, 1),
            "role": m.role, "text": m.text,
            "action": m.action.type if m.action else None,
            "action_product_id": m.action.product_id if m.action else None,
            "action_reason": m.action.reason if m.action else None,
            "tool_caller": m.tool_caller,
            "tool_calls": _dumps([c.model_dump(mode="json") for c in m.tool_calls]) if m.tool_calls else None,
            "tool_call_id": tr.call_id if tr else None,
            "tool_name": tr.name if tr else None,
            "tool_result": _dumps(tr.content) if tr else None,
            "tool_error": tr.error if tr else None,
            "image_sha256": tr.image_sha256 if tr else None,
            "presented_product_ids": list(m.presented_product_ids), "flags": list(m.flags),
            "reasoning": m.reasoning, "meta": _dumps(m.meta) if m.meta else None,
        }

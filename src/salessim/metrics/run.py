"""Score a run directory: every episode with the registered metrics, then the summary.

``salessim eval RUN_DIR`` calls :func:`score_run`; re-scoring never re-simulates. Imported runs
are scored against their own product file (:func:`run_store`) and their personas are read without
the benchmark's checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from salessim.api.rundir import RunDir
from salessim.api.summary import RunSummary
from salessim.errors import SalesSimError
from salessim.metrics.judges import JUDGE_NAMES, SKIP_REASON, judge_episodes
from salessim.metrics.logged import logged_agreement
from salessim.metrics.reference import load_reference, reference_gaps
from salessim.metrics.scoring import score_episode, score_episodes, summarize
from salessim.personas import load_personas, read_imported_personas
from salessim.schema import Persona
from salessim.schema.run import RunConfig
from salessim.store import Store, default_store, load_product_file


def _run_personas(rd: RunDir, meta: dict, cfg: RunConfig) -> dict[str, Persona]:
    """The personas of a run: the configured file (a relative path is looked up in the run
    directory too); imported runs are read without the benchmark's persona checks."""
    path = cfg.personas
    if path and not Path(path).is_absolute() and not Path(path).exists() and (rd.path / path).exists():
        path = str(rd.path / path)
    if meta.get("imported_from"):
        return {p.id: p for p in read_imported_personas(path)}
    return {p.id: p for p in load_personas(path)}


def run_personas(run_dir: str | Path | RunDir) -> dict[str, Persona]:
    """The personas of the run in ``run_dir``, by id: those its episodes were simulated (or
    imported) with, as scoring reads them."""
    rd = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    meta = rd.read_meta()
    return _run_personas(rd, meta, RunConfig.model_validate(meta["config"]))


def run_store(rd: RunDir, meta: dict):
    """The store a run is scored against: the run's own product file when it has one (an imported
    run: ``data.catalog_file`` in run.json), else the built-in store."""
    own = (meta.get("data") or {}).get("catalog_file")
    if own:
        return Store(load_product_file(rd.path / own))
    return default_store()


def score_run(run_dir: str | Path, *, store=None, metric_names: list[str] | None = None,
              judge=None, reference: str | Path | None = None,
              on_judged: Callable[[], None] | None = None) -> RunSummary:
    """Score every episode of a run directory; writes scores.jsonl and summary.json, returns the
    summary. Re-scoring never re-simulates.

    ``judge`` (a :class:`salessim.metrics.judges.JudgeConfig`) runs the LLM-judge metrics too
    (all of them, or those named in ``metric_names``); without it they are skipped and the summary
    says why. ``reference`` (a JSONL file of human dialogues) adds ``summary.reference``: the
    simulator-vs-human gaps of :mod:`salessim.metrics.reference`.

    The directory is locked while it is scored (a run still writing it makes this an error that
    names that run's process). A torn last line of episodes.jsonl (its writer died mid-write) is
    left out and counted in ``summary.torn_lines_dropped``."""
    rd = RunDir(run_dir).require()
    with rd.lock("eval"):
        return _score_locked(rd, store=store, metric_names=metric_names, judge=judge, reference=reference,
                             on_judged=on_judged)


def _score_locked(rd: RunDir, *, store, metric_names: list[str] | None, judge, reference: str | Path | None,
                  on_judged: Callable[[], None] | None) -> RunSummary:
    meta = rd.read_meta()
    store = store or run_store(rd, meta)
    cfg = RunConfig.model_validate(meta["config"])
    episodes = rd.read_episodes()
    torn = rd.torn_lines
    if not episodes:
        raise SalesSimError(f"{rd.episodes_path} holds no finished episode",
                            hint="Finish the run with `salessim run --resume --out DIR`.")
    ref_dialogues = None
    if reference is not None:
        ref_dialogues = load_reference(reference)  # fail on a bad file before any scoring
    personas = _run_personas(rd, meta, cfg)
    names = metric_names or cfg.metrics
    judge_names: list[str] = []
    if judge is not None:
        judge_names = [n for n in names if n in JUDGE_NAMES] if names else list(JUDGE_NAMES)
        if names:
            names = [n for n in names if n not in JUDGE_NAMES]
    if names == []:  # only judges were asked for
        scores = [score_episode(ep, personas.get(ep.persona_id), store, []) for ep in episodes]
    else:
        scores = score_episodes(episodes, personas, store, names)
    if judge_names:
        judged = asyncio.run(judge_episodes(episodes, personas, store, judge, judge_names, on_done=on_judged))
        for s in scores:
            s.results.update(judged.get(s.episode_id, {}))
    carried = 0
    if judge is None:  # keep judge verdicts of an earlier `eval --judge-model`: they cost money
        previous = {s.episode_id: s for s in rd.read_scores()}
        for s in scores:
            old = previous.get(s.episode_id)
            for name, r in (old.results.items() if old else ()):
                if name in JUDGE_NAMES and r.details.get("judge") and (metric_names is None or name in metric_names):
                    s.results[name] = r
                    carried += 1
    summary = summarize(episodes, scores, personas)
    summary.disclosure_vs_log = logged_agreement(episodes, personas, store)
    if judge is None:
        kept = {n for s in scores for n, r in s.results.items() if n in JUDGE_NAMES and r.details.get("judge")}
        summary.skipped = {name: SKIP_REASON for name in JUDGE_NAMES if name not in kept}
        if carried:
            summary.judges_carried_over = sorted(kept)
    else:
        summary.judge = judge.public()
    if ref_dialogues is not None:
        summary.reference = {**reference_gaps(episodes, ref_dialogues), "file": str(reference)}
    summary.run_id = meta.get("run_id")
    summary.shopper = cfg.shopper.model_dump(mode="json", exclude_none=True)
    summary.agent = cfg.agent.model_dump(mode="json", exclude_none=True)
    summary.episodes_planned = meta.get("episodes_planned")
    summary.torn_lines_dropped = torn
    rd.write_scores(scores)
    rd.write_summary(summary)
    return summary

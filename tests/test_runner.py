"""The runner: deterministic plans, the checkpoint file, resume after an interruption."""

import asyncio
import json

import pytest

from salessim.api.rundir import RunDir
from salessim.errors import SalesSimError
from salessim.metrics.run import score_run
from salessim.schema.run import RunConfig
from salessim.sim.runner import episode_seed, run_benchmark


def cfg(**kw):
    base = dict(limit=8, episodes_per_persona=2, seed=3, concurrency=4)
    base.update(kw)
    return RunConfig(**base)


def test_episode_seed_is_stable_and_distinct():
    assert episode_seed(1, "a#0") == episode_seed(1, "a#0")
    assert episode_seed(1, "a#0") != episode_seed(2, "a#0") != episode_seed(1, "a#1")


def test_same_seed_same_episodes(tmp_path):
    a = asyncio.run(run_benchmark(cfg(), tmp_path / "a"))
    b = asyncio.run(run_benchmark(cfg(concurrency=1), tmp_path / "b"))
    dump = lambda out: sorted(e.model_dump_json(exclude={"timings", "run_id"}) for e in out.episodes)
    assert a.planned == 16 and len(a.episodes) == 16
    assert dump(a) == dump(b)


def test_resume_after_interruption_loses_and_repeats_nothing(tmp_path):
    out = tmp_path / "run"
    seen = []

    def crash_after_five(ep):
        seen.append(ep.id)
        if len(seen) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        asyncio.run(run_benchmark(cfg(), out, on_episode=crash_after_five))
    rd = RunDir(out)
    assert rd.read_meta()["status"] == "interrupted"
    saved = rd.read_episodes()
    assert 5 <= len(saved) < 16
    # a torn last line, as if the process died in the middle of a write
    with open(rd.episodes_path, "a") as fh:
        fh.write('{"id": "half')
    outcome = asyncio.run(run_benchmark(cfg(concurrency=2), out, resume=True))
    ids = [e.id for e in rd.read_episodes()]
    assert len(ids) == len(set(ids)) == 16
    assert outcome.already_done == len(saved) and outcome.ran == 16 - len(saved)
    assert rd.read_meta()["status"] == "complete"
    fresh = asyncio.run(run_benchmark(cfg(), tmp_path / "fresh"))
    dump = lambda eps: sorted(e.model_dump_json(exclude={"timings", "run_id"}) for e in eps)
    assert dump(rd.read_episodes()) == dump(fresh.episodes)


def test_retry_errors_reruns_only_errored(tmp_path):
    out = tmp_path / "run"
    asyncio.run(run_benchmark(cfg(limit=3, episodes_per_persona=1), out))
    rd = RunDir(out)
    eps = rd.read_episodes()
    eps[1].termination = "error:rate_limit"
    rd.rewrite_episodes(eps)
    outcome = asyncio.run(run_benchmark(cfg(), out, resume=True, retry_errors=True))
    assert outcome.ran == 1 and outcome.already_done == 2
    assert all(not e.termination.startswith("error") for e in rd.read_episodes())


def test_existing_run_dir_is_refused_and_missing_one_is_named(tmp_path):
    out = tmp_path / "run"
    asyncio.run(run_benchmark(cfg(limit=1, episodes_per_persona=1), out))
    with pytest.raises(SalesSimError, match="already holds a run"):
        asyncio.run(run_benchmark(cfg(limit=1), out))
    with pytest.raises(SalesSimError, match="does not exist"):
        score_run(tmp_path / "missing")


def test_score_run_writes_scores_and_summary(tmp_path):
    out = tmp_path / "run"
    asyncio.run(run_benchmark(cfg(limit=4, episodes_per_persona=1), out))
    summary = score_run(out)
    assert summary.episodes == 4
    assert (out / "scores.jsonl").exists() and json.loads((out / "summary.json").read_text())["episodes"] == 4
    assert "decision_alignment" in summary.metrics
    meta = json.loads((out / "run.json").read_text())
    assert meta["data"]["catalog_hash"] and meta["data"]["personas_hash"] and meta["seed"] == 3

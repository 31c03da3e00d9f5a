"""Shared pieces of the sweep tests: a two-cell sweep (an LLM shopper played by the local test server,
and the scripted oracle) and checks of its result."""

from __future__ import annotations

import re
from pathlib import Path

from salessim.api.rundir import RunDir
from salessim.sim.runner import load_run_personas, plan
from salessim.sweep import read_manifest

SECRET = "sk-test-5ecret-never-written-anywhere"
KEY_ENV = "SALESSIM_SWEEP_TEST_KEY"
TIMINGS = re.compile(rb'"timings":\{[^}]*\}')
ENDPOINT_LIMIT = 2


def two_cell_config(base_url: str, *, name: str = "two", limit: int = 8) -> dict:
    """An LLM shopper (the role-play test server, cache off) and the scripted oracle against the helpful
    agent. Each worker may run 4 episodes at once; the endpoint allows ENDPOINT_LIMIT requests in all."""
    return {
        "name": name,
        "settings": {"limit": limit, "concurrency": 4, "max_turns": 6},
        "shoppers": [
            {"name": "llm", "model": {"model": "test-shopper", "base_url": base_url, "api_key_env": KEY_ENV,
                                      "cache": False, "concurrency": ENDPOINT_LIMIT, "max_retries": 0,
                                      "timeout_s": 60}},
            {"name": "oracle", "kind": "scripted"},
        ],
        "agents": [{"name": "helpful", "kind": "scripted"}],
        "reference": "oracle",
    }


def without_timings(raw: bytes) -> bytes:
    return TIMINGS.sub(b'"timings":{}', raw)


def planned_ids(cell_dir: Path) -> list[str]:
    cfg = RunDir(cell_dir).read_meta()["config"]
    from salessim.schema.run import RunConfig

    c = RunConfig.model_validate(cfg)
    return [p[2] for p in plan(load_run_personas(c), c)]


def assert_complete_and_exact(sweep_dir: Path) -> None:
    """Every cell complete, its episodes.jsonl holding each planned episode exactly once, in plan
    order, scored, with no shard left over."""
    manifest = read_manifest(sweep_dir)
    assert manifest["status"] == "complete"
    for entry in manifest["cells"]:
        assert entry["status"] == "complete", entry
        cell = sweep_dir / entry["dir"]
        ids = [e.id for e in RunDir(cell).read_episodes()]
        assert ids == planned_ids(cell)
        assert entry["done"] == entry["planned"] == len(ids)
        assert RunDir(cell).read_meta()["status"] == "complete"
        assert (cell / "summary.json").is_file() and len(RunDir(cell).read_scores()) == len(ids)
        assert not (cell / "shards").exists()


def files_holding(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]

"""Sharded runs (the runner side of sweeps): a shard of the planned episodes runs into its own file,
one writer per shard, and the merge gives episodes.jsonl in plan order, byte for byte what a
single-process run writes, apart from timings."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from salessim.api.rundir import RunDir
from salessim.errors import SalesSimError
from salessim.schema.run import RunConfig
from salessim.sim.runner import (
    load_run_personas,
    merge_shards,
    new_meta,
    plan,
    run_benchmark,
    run_shard,
)
from salessim.store import default_store

TIMINGS = re.compile(rb'"timings":\{[^}]*\}')


def cfg(**kw) -> RunConfig:
    base = dict(limit=6, episodes_per_persona=2, seed=5, concurrency=3, shopper={"kind": "scripted",
                "flaws": {"indecision": 0.5}})
    base.update(kw)
    return RunConfig(**base)


def without_timings(raw: bytes) -> bytes:
    return TIMINGS.sub(b'"timings":{}', raw)


def new_sharded_run(path, config: RunConfig, run_id: str = "run-x") -> list[str]:
    """A run directory as a sweep makes one: run.json and an empty episodes.jsonl; returns the plan's ids."""
    rd = RunDir(path)
    ids = [p[2] for p in plan(load_run_personas(config), config)]
    rd.write_meta(new_meta(config, default_store(), run_id, len(ids)))
    rd.rewrite_episodes([])
    return ids


def test_merged_shards_are_the_bytes_of_a_single_process_run(tmp_path):
    single = tmp_path / "single"
    asyncio.run(run_benchmark(cfg(concurrency=1), single, run_id="run-x"))
    sharded = tmp_path / "sharded"
    ids = new_sharded_run(sharded, cfg())
    assert len(ids) == 12
    # interleaved shards, run in reverse, at other concurrencies: the merge restores plan order
    shards = {"s0": ids[0::3], "s1": ids[1::3], "s2": ids[2::3]}
    for name, concurrency in (("s2", 1), ("s0", 4), ("s1", 2)):
        out = asyncio.run(run_shard(sharded, name, shards[name], concurrency=concurrency))
        assert out.ran == 4 and out.already_done == 0
    merged = merge_shards(sharded)
    assert (merged.episodes, merged.from_shards, merged.shards, merged.duplicates) == (12, 12, 3, 0)
    a = (single / "episodes.jsonl").read_bytes()
    b = (sharded / "episodes.jsonl").read_bytes()
    assert a != b  # the timings differ...
    assert without_timings(a) == without_timings(b)  # ...and nothing else
    assert not (sharded / "shards").exists()


def test_a_shard_run_again_skips_what_its_file_holds_and_cuts_a_torn_line(tmp_path):
    ids = new_sharded_run(tmp_path / "r", cfg())
    rd = RunDir(tmp_path / "r")
    first = asyncio.run(run_shard(rd.path, "s0", ids[:5]))
    assert first.ran == 5
    with open(rd.shard_path("s0"), "a") as fh:
        fh.write('{"id": "half a line')
    again = asyncio.run(run_shard(rd.path, "s0", ids[:7]))
    assert (again.already_done, again.ran, again.torn_lines) == (5, 2, 1)
    lines = rd.shard_path("s0").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ids[:7]


def test_one_writer_per_shard(tmp_path):
    ids = new_sharded_run(tmp_path / "r", cfg())
    rd = RunDir(tmp_path / "r")
    with rd.shard_lock("s0"):
        with pytest.raises(SalesSimError, match=r"s0\.jsonl is in use by another SalesSim process \(pid"):
            asyncio.run(run_shard(rd.path, "s0", ids[:2]))
        with pytest.raises(SalesSimError, match="in use"):
            merge_shards(rd)  # no merge while a shard is being written
    asyncio.run(run_shard(rd.path, "s0", ids[:2]))


def test_merge_keeps_each_episode_once_and_refuses_unplanned_ones(tmp_path):
    ids = new_sharded_run(tmp_path / "r", cfg())
    rd = RunDir(tmp_path / "r")
    asyncio.run(run_shard(rd.path, "s0", ids[:4]))
    asyncio.run(run_shard(rd.path, "s1", ids[2:6]))  # a crash between a merge and its clean-up looks like this
    merged = merge_shards(rd)
    assert (merged.episodes, merged.duplicates) == (6, 2)
    assert [e.id for e in rd.read_episodes()] == ids[:6]
    with pytest.raises(SalesSimError, match="not planned"):
        asyncio.run(run_shard(rd.path, "s2", ["nobody#0"]))


def test_resume_of_a_run_with_shards_folds_them_in_first(tmp_path):
    ids = new_sharded_run(tmp_path / "r", cfg())
    rd = RunDir(tmp_path / "r")
    asyncio.run(run_shard(rd.path, "s0", ids[3:8]))
    outcome = asyncio.run(run_benchmark(cfg(), rd.path, resume=True))
    assert (outcome.already_done, outcome.ran) == (5, 7)
    assert sorted(e.id for e in rd.read_episodes()) == sorted(ids)
    assert not rd.shard_names()


def test_bad_shard_names_are_refused(tmp_path):
    rd = RunDir(tmp_path)
    for bad in ("", "../x", ".hidden", "a/b"):
        with pytest.raises(SalesSimError, match="bad shard name"):
            rd.shard_path(bad)

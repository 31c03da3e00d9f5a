"""`salessim export`: a run or a sweep as Parquet, JSONL or a Hugging Face DatasetDict, read back with
pyarrow and datasets with the same counts and values; the schema is documented and versioned; no
endpoint URL or key is exported; existing paths are never overwritten unless they hold an earlier
export and --overwrite is given."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from salessim.api.rundir import RunDir
from salessim.errors import SalesSimError
from salessim.export import SCHEMA_VERSION, export_runs
from salessim.export.schema import EPISODE_COLUMNS, TURN_COLUMNS
from salessim.metrics.run import score_run
from salessim.personas import load_personas
from salessim.schema.run import RunConfig
from salessim.sim.runner import run_benchmark
from salessim.testing.responders import roleplay_responder
from salessim.testing.server import ChatTestServer

ROOT = Path(__file__).resolve().parents[1]
SECRET = "sk-export-5ecret-value"


@pytest.fixture(scope="module")
def scripted_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "scripted"
    cfg = RunConfig(limit=5, episodes_per_persona=2, seed=2, shopper={"kind": "scripted", "flaws": {"indecision": 0.5}})
    asyncio.run(run_benchmark(cfg, out))
    score_run(out)
    return out


@pytest.fixture(scope="module")
def exports(scripted_run, tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("exports")
    return {fmt: export_runs(scripted_run, fmt, base / fmt).out for fmt in ("parquet", "jsonl", "hf")}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_parquet_round_trip_has_every_episode_and_metric_value(scripted_run, exports):
    import pyarrow.parquet as pq

    episodes = pq.read_table(exports["parquet"] / "episodes.parquet")
    assert episodes.schema.metadata[b"salessim.export.schema_version"] == SCHEMA_VERSION.encode()
    rows = episodes.to_pylist()
    rd = RunDir(scripted_run)
    source = {e.id: e for e in rd.read_episodes()}
    scores = {s.episode_id: s for s in rd.read_scores()}
    personas = {p.id: p for p in load_personas(split="test")}
    assert len(rows) == len(source) == 10
    for row in rows:
        ep, sc, persona = source[row["episode_id"]], scores[row["episode_id"]], personas[row["persona_id"]]
        assert row["schema_version"] == SCHEMA_VERSION and row["sweep"] is None and row["cell"] is None
        assert (row["run_id"], row["trial"], row["episode_seed"], row["run_seed"]) == (ep.run_id, ep.trial, ep.seed, 2)
        assert (row["decision"], row["decision_product_id"], row["termination"], row["turns"]) == (
            ep.decision.type, ep.decision.product_id, ep.termination, ep.turns)
        assert (row["persona_name"], row["persona_age"], row["persona_goal"]) == (
            persona.profile.name, persona.profile.age, persona.goal)
        assert [c["attribute"] for c in row["persona_criteria"]] == [c.attribute for c in persona.criteria]
        assert [json.loads(c["value"]) for c in row["persona_criteria"]] == [c.value for c in persona.criteria]
        assert row["persona_ideal_product_ids"] == persona.ideal_product_ids
        assert json.loads(row["shopper_params"])["flaws"]["indecision"] == 0.5
        for name, result in sc.results.items():
            assert row[f"metric_{name}"] == result.value, name
        assert row["decision_failure"] == sc.results["decision_alignment"].details.get("failure")
        assert [m["text"] for m in row["messages"]] == [m.text for m in ep.messages if m.role != "tool" and (m.text or m.action)]
        assert row["num_messages"] == len(ep.messages)
        assert row["time_total_s"] == ep.timings["total_s"]
    turns = pq.read_table(exports["parquet"] / "turns.parquet").to_pylist()
    assert len(turns) == sum(len(e.messages) for e in source.values())
    first = [t for t in turns if t["episode_id"] == rows[0]["episode_id"]]
    ep = source[rows[0]["episode_id"]]
    assert [(t["message_index"], t["role"], t["text"]) for t in first] == [(i, m.role, m.text) for i, m in enumerate(ep.messages)]
    assert first[0]["turn"] == 1 and max(t["turn"] for t in first) in (ep.turns, ep.turns + 1)
    tool = next(t for t in turns if t["role"] == "tool")
    assert json.loads(tool["tool_result"]) is not None and tool["tool_call_id"]


def test_jsonl_and_hf_hold_the_same_rows_as_parquet(exports):
    import datasets
    import pyarrow.parquet as pq

    for table in ("episodes", "turns"):
        parquet = pq.read_table(exports["parquet"] / f"{table}.parquet").to_pylist()
        assert _jsonl(exports["jsonl"] / f"{table}.jsonl") == parquet
        loaded = datasets.load_from_disk(str(exports["hf"]))
        assert loaded[table].to_list() == parquet
    assert set(datasets.load_from_disk(str(exports["hf"]))) == {"episodes", "turns"}


def test_every_export_has_its_manifest_and_dataset_card(exports, scripted_run):
    for fmt, path in exports.items():
        info = json.loads((path / "export.json").read_text())
        assert info["format"] == "salessim-export" and info["schema_version"] == SCHEMA_VERSION
        assert info["data_format"] == fmt and info["counts"]["episodes"] == 10
        assert {m["name"] for m in info["metrics"]} >= {"decision_alignment", "overdisclosure"}
        assert all(m["versions"] for m in info["metrics"])
        card = (path / "README.md").read_text()
        assert card.startswith("---\n") and "## Metrics" in card and "## Schema" in card
        assert "chose what the persona would choose" in card  # the metric's definition
        assert all(f"`{c.name}`" in card for c in EPISODE_COLUMNS + TURN_COLUMNS)
    assert "data_files: episodes.parquet" in (exports["parquet"] / "README.md").read_text()


def test_the_schema_doc_lists_every_column():
    doc = (ROOT / "docs" / "export-schema.md").read_text()
    assert f"version {SCHEMA_VERSION}" in doc.lower()
    missing = [c.name for c in EPISODE_COLUMNS + TURN_COLUMNS if f"`{c.name}`" not in doc]
    assert not missing, f"docs/export-schema.md does not describe: {missing}"


def test_existing_paths_are_not_overwritten(scripted_run, exports, tmp_path):
    with pytest.raises(SalesSimError, match="holds an earlier SalesSim export. Pass --overwrite"):
        export_runs(scripted_run, "jsonl", exports["jsonl"])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(SalesSimError, match="exists and is not a SalesSim export"):
        export_runs(scripted_run, "jsonl", mine, overwrite=True)
    assert (mine / "notes.txt").read_text() == "keep me"
    with pytest.raises(SalesSimError, match="is inside the run directory"):
        export_runs(scripted_run, "jsonl", scripted_run / "export")
    assert not (scripted_run / "export").exists()
    again = export_runs(scripted_run, "jsonl", tmp_path / "again")
    export_runs(scripted_run, "parquet", again.out, overwrite=True)
    assert sorted(p.name for p in again.out.iterdir()) == ["README.md", "episodes.parquet", "export.json", "turns.parquet"]
    assert not list(tmp_path.glob(".again.*"))  # no temporary directory left behind


def test_unscored_runs_and_unknown_formats_are_one_line_errors(tmp_path):
    out = tmp_path / "run"
    asyncio.run(run_benchmark(RunConfig(limit=1), out))
    with pytest.raises(SalesSimError, match="has not been scored .*salessim eval"):
        export_runs(out, "jsonl", tmp_path / "x")
    with pytest.raises(SalesSimError, match="unknown format 'csv'"):
        export_runs(out, "csv", tmp_path / "x")
    with pytest.raises(SalesSimError, match="neither a run directory"):
        export_runs(tmp_path, "jsonl", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_no_endpoint_url_or_key_is_exported(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_EXPORT_TEST_KEY", SECRET)
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path / "cache"))
    with ChatTestServer(roleplay_responder, api_key=SECRET) as server:
        cfg = RunConfig(limit=2, shopper={"model": {"model": "m", "base_url": server.base_url,
                                                    "api_key_env": "SALESSIM_EXPORT_TEST_KEY"}})
        asyncio.run(run_benchmark(cfg, tmp_path / "llm"))
        score_run(tmp_path / "llm")
        host = server.base_url.split("//")[1].split("/")[0]
    for fmt in ("jsonl", "parquet", "hf"):
        out = export_runs(tmp_path / "llm", fmt, tmp_path / f"e-{fmt}").out
        for path in out.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert SECRET.encode() not in data and host.encode() not in data, path


def test_missing_pyarrow_is_a_one_line_error_naming_the_extra(scripted_run, tmp_path):
    code = ("import builtins\n"
            "real = builtins.__import__\n"
            "def guard(name, *a, **k):\n"
            "    if name.split('.')[0] in ('pyarrow', 'datasets'):\n"
            "        raise ModuleNotFoundError(f\"No module named {name!r}\")\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = guard\n"
            "from salessim.cli import main\n"
            f"main(['export', {str(scripted_run)!r}, '--format', 'parquet', '--out', {str(tmp_path / 'o')!r}])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'salessim[export]'" in lines[0]
    assert not (tmp_path / "o").exists()

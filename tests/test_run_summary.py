"""summary.json is a typed :class:`RunSummary`: what score_run returns is what the file holds and
what :meth:`RunSummary.load` reads back; a file that does not fit is one line naming the field."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from salessim.api.rundir import RunDir
from salessim.api.summary import RunSummary
from salessim.errors import SalesSimError
from salessim.metrics.run import score_run
from salessim.report.leaderboard import load_run
from salessim.schema.run import RunConfig
from salessim.sim.runner import run_benchmark

REFERENCE = Path(__file__).parent / "data" / "reference_dialogues.jsonl"


@pytest.fixture(scope="module")
def scored_run(tmp_path_factory) -> tuple[Path, RunSummary]:
    """A small scripted run (two trials per persona, so consistency is set) scored with a reference."""
    out = tmp_path_factory.mktemp("summary") / "run"
    asyncio.run(run_benchmark(RunConfig(limit=3, episodes_per_persona=2, seed=5, concurrency=2), out))
    return out, score_run(out, reference=REFERENCE)


def _one_line_error(path: Path) -> str:
    with pytest.raises(SalesSimError) as exc:
        RunSummary.load(path)
    text = str(exc.value)
    assert "\n" not in text and f"salessim eval {path.parent}" in text
    return text


def test_score_run_summary_round_trips_through_the_file(scored_run):
    out, summary = scored_run
    assert summary.decision_alignment.consistency is not None and summary.reference is not None
    assert summary.skipped and summary.run_id and summary.episodes_planned == 6
    loaded = RunSummary.load(out / "summary.json")
    assert loaded == summary
    assert RunDir(out).read_summary() == summary
    assert json.loads((out / "summary.json").read_text()) == summary.to_json() == loaded.to_json()


def test_the_file_leaves_out_unset_parts_but_keeps_null_values_inside_them(scored_run):
    out, _ = scored_run
    data = json.loads((out / "summary.json").read_text())
    assert None not in data.values()
    for absent in ("usage", "judges", "judge", "disclosure_vs_log", "judges_carried_over", "torn_lines_dropped"):
        assert absent not in data, absent
    unscored = [m for m in data["metrics"].values() if m["n"] == 0]
    assert unscored and all(m["mean"] is None and m["low"] is None and m["high"] is None for m in unscored)


def test_unknown_top_level_key_is_one_line_naming_it(scored_run, tmp_path):
    out, summary = scored_run
    data = summary.to_json()
    data["terminatons"] = data.pop("terminations")  # misspelled
    path = tmp_path / "run" / "summary.json"
    path.parent.mkdir()
    path.write_text(json.dumps(data))
    text = _one_line_error(path)
    assert f"{path}: terminatons: Extra inputs are not permitted" in text


def test_unknown_nested_key_is_named_with_its_path(scored_run, tmp_path):
    _, summary = scored_run
    data = summary.to_json()
    data["decision_alignment"]["graded"]["median"] = 0.5
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(data))
    assert "decision_alignment.graded.median: Extra inputs are not permitted" in _one_line_error(path)


def test_wrong_type_is_one_line_naming_the_field(scored_run, tmp_path):
    _, summary = scored_run
    data = summary.to_json()
    data["metrics"]["sell"]["mean"] = "high"
    data["episodes"] = "six"
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(data))
    text = _one_line_error(path)
    assert "episodes: Input should be a valid integer" in text
    assert "metrics.sell.mean: Input should be a valid number" in text


def test_a_summary_that_is_not_json_is_one_line(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text('{"episodes": 3,')
    assert "not valid JSON" in _one_line_error(path)


def test_the_report_refuses_a_summary_that_does_not_fit(scored_run, tmp_path):
    out, summary = scored_run
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "run.json").write_text((out / "run.json").read_text())
    data = summary.to_json()
    data["usage"] = {"shopper": {"calls": 1, "tokens": 5}}
    (copy / "summary.json").write_text(json.dumps(data))
    with pytest.raises(SalesSimError, match=r"usage\.shopper\.tokens: Extra inputs are not permitted.*salessim eval"):
        load_run(copy, with_episodes=False)


def test_parse_of_a_summary_object():
    summary = RunSummary.parse({"episodes": 2, "metrics": {"m": {"mean": 0.5, "low": 0.4, "high": 0.6, "n": 2}}})
    assert summary.metric("m").mean == 0.5 and summary.metric("m").not_scored == 0
    assert summary.metric("other") is None
    assert summary.to_json() == {"episodes": 2, "metrics": {"m": {"mean": 0.5, "low": 0.4, "high": 0.6, "n": 2,
                                                                  "not_scored": 0}}, "terminations": {}}
    with pytest.raises(SalesSimError, match="where.json: metrics: Input should be a valid dictionary"):
        RunSummary.parse({"episodes": 2, "metrics": []}, where="where.json")

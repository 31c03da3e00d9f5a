"""`salessim import-official` on rollouts in other shapes than the paper's files (free-text
preferences, ``recommended_items`` titles, tool-style ``shopper_action``; no catalog), and
`salessim eval` on the result (with --reference and a judge from the local test server). The
paper's own format is tested in tests/test_import_official.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salessim.api.rundir import RunDir
from salessim.cli import main
from salessim.errors import SalesSimError
from salessim.importers.official import (
    import_official,
    parse_preferences,
    read_personas,
    read_records,
)

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "official_other_shape.json"  # written for SalesSim, not the paper's format
REFERENCE = DATA / "reference_dialogues.jsonl"


@pytest.fixture()
def imported(tmp_path):
    out = tmp_path / "run"
    report = import_official(FIXTURE, out)
    return out, report


def test_import_writes_a_run_directory(imported):
    out, report = imported
    assert report["episodes"] == 3 and report["personas"] == 3 and report["unparsed"] == 3
    rd = RunDir(out)
    meta = rd.read_meta()
    assert meta["imported_from"]["format"] == "official" and meta["status"] == "complete"
    personas = {p.id: p for p in read_personas(out / "personas.jsonl")}
    rosa = personas["official-101"]
    assert {c.key: c.kind for c in rosa.criteria} == {
        "price<900": "dealbreaker", "os==Windows": "dealbreaker", "screen_in>=15": "preference",
        "battery_hours>=10": "preference"}
    assert rosa.profile.knowledge_level == "novice" and rosa.big_five.conscientiousness == "High"
    assert personas["official-102"].big_five.openness == "High"
    assert personas["official-103"].profile.age == 68 and personas["official-103"].feasible is None

    eps = {e.id: e for e in rd.read_episodes()}
    e1 = eps["official-101#0"]
    assert e1.decision.type == "buy" and e1.decision.product_id == "ext:northwind-15-pro" and e1.termination == "bought"
    assert e1.messages[0].role == "agent" and e1.messages[1].role == "shopper"
    assert e1.messages[4].presented_product_ids == ["ext:northwind-15-pro"]
    assert e1.shopper.params["unparsed_preferences"] == ["a keyboard that feels nice to type on"]
    assert e1.shopper.params["products"]["ext:northwind-15-pro"] == "Northwind 15 Pro"
    assert eps["official-102#0"].decision.type == "leave" and eps["official-102#0"].termination == "left"
    assert eps["official-103#0"].decision.type == "none" and eps["official-103#0"].termination == "max_turns"
    notes = json.loads((out / "import_notes.json").read_text())["records_notes"]
    assert [u["answer"] for u in notes[0]["unmapped"]] == ["a keyboard that feels nice to type on"]
    assert [u["answer"] for u in notes[1]["unmapped"]] == ["RGB lighting would be cool"]
    assert any("clear screen" in u["answer"] for u in notes[2]["unmapped"])  # vague prose stays marked


def test_eval_scores_the_imported_run(imported, capsys):
    out, _ = imported
    main(["eval", str(out), "--reference", str(REFERENCE)])
    summary = RunDir(out).read_summary()
    scores = {s.episode_id: s.results for s in RunDir(out).read_scores()}
    r = scores["official-101#0"]
    assert r["decision_alignment"].value is None and "without a catalog" in r["decision_alignment"].explanation
    assert r["sell"].value == 1.0 and r["overdisclosure"].value is not None
    assert r["drift"].value == 0.0  # "Windows" and "under $900" agree with the persona
    assert r["dealbreaker_disclosure"].value is None and r["persuasion"].value is None
    assert scores["official-102#0"]["drift"].details["stated"] >= 2
    assert set(summary.skipped) == {"trait_fidelity", "comprehension_realism", "naturalness",
                                    "judge_decision_alignment"}
    ref = summary.reference
    assert ref["reference_dialogues"] == 8 and ref["simulator_episodes"] == 3
    assert ref["lexical"]["token_budget"] > 0 and ref["lexical"]["mtld"]["gap"] is not None
    assert ref["purchase_rate"]["human"] == pytest.approx(5 / 8, abs=1e-3)
    text = capsys.readouterr().out
    assert "simulator vs human reference" in text and "no judge model configured" in text


def test_eval_with_a_judge_from_the_test_server(imported, capsys):
    from salessim.testing.server import ChatTestServer

    out, _ = imported

    def responder(request):
        user = request["messages"][-1]["content"]
        if "Big-Five" in user:
            return json.dumps({t: {"label": "medium", "justification": "mixed evidence"} for t in
                               ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")})
        if "shopping preferences" in user:
            assert "keyboard that feels nice" in user or "RGB" in user or "Apple" in user  # the free text
            return json.dumps({"label": "aligned", "justification": "Fits the must-haves."})
        if "level of product knowledge" in user:
            return json.dumps({"label": "realistic", "justification": "Plain words."})
        return json.dumps({"label": "natural", "justification": "Reads like a real shopper."})

    with ChatTestServer(responder, model="judge-test") as server:
        main(["eval", str(out), "--judge-model", "judge-test", "--judge-base-url", server.base_url,
              "--judge-samples", "1"])
        assert len(server.chat_requests) == 12
    summary = RunDir(out).read_summary()
    assert summary.skipped is None
    assert summary.metrics["naturalness"].mean == 1.0
    assert summary.judges["naturalness"]["calls"] == 3
    assert set(summary.judges["trait_fidelity_by_trait"]) == {
        "openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"}
    assert summary.judge["model"] == "judge-test"
    # re-scoring without a judge keeps the verdicts already paid for
    main(["eval", str(out)])
    again = RunDir(out).read_summary()
    assert again.metrics["naturalness"].mean == 1.0 and "naturalness" in again.judges_carried_over
    assert "judge judge_decision_alignment" in capsys.readouterr().out


def test_import_command_line_and_errors(tmp_path, capsys):
    out = tmp_path / "cli"
    main(["import-official", str(FIXTURE), "--out", str(out)])
    assert "imported 3 episode(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["import-official", str(FIXTURE), "--out", str(out)])
    assert exc.value.code == 2 and "already holds a run" in capsys.readouterr().err
    with pytest.raises(SalesSimError, match="not found"):
        import_official(tmp_path / "missing.json", tmp_path / "x")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json\n")
    with pytest.raises(SalesSimError, match="line 1"):
        read_records(bad)
    empty = tmp_path / "empty.json"
    empty.write_text('{"something": 1}')
    with pytest.raises(SalesSimError, match="list of rollouts"):
        read_records(empty)


def test_other_container_shapes(tmp_path):
    records = json.loads(FIXTURE.read_text())
    wrapped = tmp_path / "sim.json"
    wrapped.write_text(json.dumps({"simulations": records}))
    assert len(read_records(wrapped)) == 3
    jsonl = tmp_path / "results.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    assert len(read_records(jsonl)) == 3
    dup = tmp_path / "dup.json"
    dup.write_text(json.dumps([records[0], records[0]]))
    report = import_official(dup, tmp_path / "dup")
    assert report["episodes"] == 2
    ids = [e.id for e in RunDir(tmp_path / "dup").read_episodes()]
    assert ids == ["official-101#0", "official-101-1#0"]


def test_preference_parsing_marks_what_it_cannot_read():
    crits, unparsed, notes = parse_preferences(
        "Must-haves: a Lenovo; at least 512GB of storage. Nice to have: a lovely smell", "laptops")
    assert {c.key: c.kind for c in crits} == {"brand==Lenovo": "dealbreaker", "storage_gb>=512": "dealbreaker"}
    assert unparsed == ["a lovely smell"]
    assert parse_preferences("", "laptops") == ([], [], [])


def test_reference_file_errors(tmp_path):
    from salessim.metrics.reference import load_reference

    bad = tmp_path / "ref.jsonl"
    bad.write_text('{"id": "a", "category": "laptops", "turns": [{"speaker": "robot", "text": "hi"}]}\n'
                   '{"id": "b", "category": "laptops", "turns": [{"speaker": "agent", "text": "hi"}]}\n')
    with pytest.raises(SalesSimError) as exc:
        load_reference(bad)
    assert "line 1: turns.0.speaker" in str(exc.value) and "line 2: turns: no shopper turn" in str(exc.value)
    assert len(load_reference(REFERENCE)) == 8


def test_unknown_categories_are_named(tmp_path):
    from salessim.metrics.reference import load_reference

    records = json.loads(FIXTURE.read_text())
    records[1]["category"] = "toasters"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(records))
    with pytest.raises(SalesSimError, match="record 1 .*toasters"):
        import_official(bad, tmp_path / "out")
    ref = tmp_path / "ref.jsonl"
    ref.write_text('{"id": "a", "category": "toasters", "turns": [{"speaker": "shopper", "text": "hi"}]}\n')
    with pytest.raises(SalesSimError, match="line 1: category"):
        load_reference(ref)
    records[1]["category"] = "laptop"  # an alias is fine
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps(records))
    assert import_official(ok, tmp_path / "ok")["episodes"] == 3

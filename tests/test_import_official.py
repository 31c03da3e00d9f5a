"""`salessim import-official` on rollouts in the exact format of the paper's public files.

The fixtures were written for SalesSim (our own dialogues and products) in the shape of
``usersimeval/example-dialogues.json`` and ``data/products/laptops.json`` of
SalesforceAIResearch/SalesSim: a pandas dump whose ``conversation``, ``shopper_persona``,
``shopper_preferences`` and ``costs`` are Python-literal strings (record 1 has them as JSON values),
turns with ``speaker``/``text``/``turn`` and ``preferences_used``/``action``/``query``/
``knowledge_used``/``recommended_items_count``, and ``[ACCEPT]``/``[Accept]``/``[DONE]`` markers.
No test reads the paper's own files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salessim.api.rundir import RunDir
from salessim.cli import main
from salessim.errors import SalesSimError
from salessim.importers.official import import_official, read_personas

DATA = Path(__file__).parent / "data"
ROLLOUTS = DATA / "official_rollouts.json"
PRODUCTS = DATA / "official_products.json"


@pytest.fixture()
def run(tmp_path):
    out = tmp_path / "run"
    report = import_official(ROLLOUTS, out, catalog=PRODUCTS)
    rd = RunDir(out)
    return out, report, {e.id: e for e in rd.read_episodes()}, {p.id: p for p in read_personas(out / "personas.jsonl")}


def test_every_turn_and_field_is_imported(run):
    out, report, eps, _ = run
    assert report["episodes"] == 5 and report["messages"] == 26 and report["skipped"] == []
    raw = json.loads(ROLLOUTS.read_text())
    assert isinstance(raw[0]["conversation"], str) and isinstance(raw[1]["conversation"], list)  # both shapes
    e0 = eps["official-0#0"]
    assert [m.role for m in e0.messages] == ["agent", "shopper", "agent", "shopper", "agent", "shopper"]
    assert e0.messages[2].meta == {"turn": 1, "action": "Knowledge", "query": "everyday laptops",
                                   "knowledge_used": "Everyday laptops handle office work.",
                                   "recommended_items_count": 0}
    assert e0.messages[3].meta["preferences_used"].endswith("it has to cost under $1000")
    assert e0.messages[3].meta["handed_questions"] == ["Are you a picky shopper?", "What are your dealbreakers?"]
    fields = e0.shopper.params["record_fields"]
    assert fields["costs"] == {"shopperbot": 0.01, "salesbot": 0.25, "total": 0.26}  # a literal string, decoded
    assert fields["total_turns"] == 3 and fields["outcome"] == "accepted" and fields["Unnamed: 0"] == 0
    assert e0.usage["agent"].cost_usd == 0.25
    assert RunDir(out).read_meta()["imported_from"]["records"] == 5


def test_markers_decide(run):
    _, _, eps, _ = run
    e0, e1, e2, e3, e4 = (eps[f"official-{i}#0"] for i in range(5))
    assert e0.decision.type == "buy" and e0.decision.product_id == "off:01-lenovo-yoga-7" and e0.termination == "bought"
    buy = e0.messages[-1]
    assert buy.action.type == "buy" and "[ACCEPT]" not in buy.text and buy.meta["raw_text"].startswith("[ACCEPT]")
    # [Accept] in mixed case buys the latest presented product; the record's outcome says otherwise
    assert e1.decision.type == "buy" and e1.decision.product_id == "off:03-acer-nitro-5"
    assert e2.decision.type == "leave" and e2.termination == "left"
    assert e3.decision.type == "none" and e3.termination == "max_turns"
    assert e4.decision.type == "buy" and e4.decision.product_id == "ext:apple-macbook-pro-16-inch"


def test_products_are_resolved_in_the_salesperson_text(run):
    out, _, eps, _ = run
    e0, e1 = eps["official-0#0"], eps["official-1#0"]
    assert e0.messages[4].presented_product_ids == ["off:01-lenovo-yoga-7", "off:04-hp"]  # short names
    # two Nitro 5 models: "with the 1TB SSD ... $1,299.99" picks the 1TB one; the XPS 15 is not sold here
    assert e1.messages[2].presented_product_ids == ["ext:dell-xps-15", "off:03-acer-nitro-5"]
    assert e1.shopper.params["unknown_products"]["ext:dell-xps-15"]["name"] == "Dell XPS 15"
    notes = json.loads((out / "import_notes.json").read_text())
    r0 = notes["records_notes"][0]
    assert r0["products"]["rule"] == "named"
    assert r0["products"]["recommended_items_count_mismatches"] == [
        {"message": 4, "recommended_items_count": 3, "named": 2}]
    assert notes["records_notes"][1]["products"]["rule"] == "latest presented"
    assert "max_turns_reached" in notes["records_notes"][1]["outcome_differs"]


def test_preference_questions_become_criteria(run):
    out, _, _, personas = run
    kinds = {pid: {c.key: (c.kind, c.source) for c in p.criteria} for pid, p in personas.items()}
    assert kinds["official-0"] == {
        "price<=1000": ("preference", "persona"), "screen_in>=13": ("preference", "persona"),
        "screen_in<16": ("preference", "persona"),  # "13-15 inches" keeps both bounds (15.6" is "15")
        "weight_kg<=1.5": ("preference", "persona"),  # "Do you care about weight?: yes"
        "price<1000": ("dealbreaker", "logged")}  # only in preferences_used
    assert kinds["official-1"] == {"price<=1200": ("dealbreaker", "persona"),  # "Do you have dealbreakers?: Budget"
                                   "gpu!=integrated": ("preference", "persona")}
    assert kinds["official-2"] == {"os==macOS": ("dealbreaker", "persona"), "price<=1500": ("preference", "persona")}
    assert kinds["official-3"] == {"price<=500": ("preference", "persona")}  # "cheap": the lexicon's reading
    assert personas["official-0"].archetype == "bookkeeper" and personas["official-0"].profile.name == "Dana"
    notes = json.loads((out / "import_notes.json").read_text())
    assert notes["unmapped_questions"] == {}
    traits = notes["records_notes"][0]["traits"]
    assert traits == {"Are you a picky shopper?": "yes"}


def test_the_catalog_is_typed_and_carried_by_the_run(run):
    out, _, _, _ = run
    from salessim.store import load_product_file

    catalog = load_product_file(out / "catalog.yaml")
    nitro = catalog.get("off:03-acer-nitro-5")
    assert nitro.attributes == {
        "price": 1299.99, "brand": "Acer", "line": "Nitro 5", "ram_gb": 16, "storage_gb": 1024, "screen_in": 15.6,
        "os": "Windows", "cpu_class": "performance", "gpu": "midrange_discrete", "weight_kg": 2.49,
        "battery_hours": 6, "touchscreen": False, "form_factor": "clamshell", "color": "black"}
    assert catalog.get("off:05-apple-macbook-air").attributes["os"] == "macOS"
    dell = catalog.get("off:06-dell-inspiron")
    assert "weight_kg" not in dell.attributes and dell.attributes["touchscreen"] is True
    cov = json.loads((out / "import_notes.json").read_text())["catalog"]["coverage"]
    assert cov["weight_kg"] == {"stated": 5, "inferred": 0, "missing": 1, "missing_products": ["off:06-dell-inspiron"]}
    assert cov["os"]["inferred"] == 5 and cov["os"]["stated"] == 1


def test_eval_scores_decision_alignment_and_both_disclosure_levels(run, capsys):
    out, _, _, _ = run
    main(["eval", str(out)])  # no flag: the run's own catalog is used
    scores = {s.episode_id: s.results for s in RunDir(out).read_scores()}
    da = {eid: (r["decision_alignment"].value, r["decision_alignment"].details.get("failure"))
          for eid, r in scores.items()}
    assert da == {"official-0#0": (1.0, None),
                  "official-1#0": (0.0, "bought_dealbreaker_violation"),  # $1,299.99 breaks the $1200 budget
                  "official-2#0": (1.0, None),  # left: the only product shown runs Windows
                  "official-3#0": (0.0, "no_decision"),
                  "official-4#0": (0.0, "invalid_action")}  # bought a MacBook the store does not sell
    r2 = scores["official-2#0"]
    # "That runs Windows, which won't work for me" turns Windows down without naming macOS: the
    # macOS dealbreaker is made known as a topic, not as a value
    assert r2["dealbreaker_disclosure"].value == 0.0 and r2["dealbreaker_disclosure_topic"].value == 1.0
    od = scores["official-0#0"]["overdisclosure"].details
    assert od["disclosed_attributes_per_turn"] == [["price"], ["weight_kg"], []]
    assert od["value_disclosed_attributes_per_turn"] == [[], [], []]
    assert scores["official-0#0"]["overdisclosure_topic"].value == pytest.approx(1 / 3)  # price of 3 topics
    assert scores["official-1#0"]["persuasion"].value == 1.0
    summary = RunDir(out).read_summary()
    assert summary.metrics["decision_alignment"].n == 5
    log = summary.disclosure_vs_log  # the budget was said before the log says it was handed
    assert log.model_dump() == {"episodes": 5, "support": 0.0, "support_n": 1, "coverage": 0.0, "coverage_n": 1}


def test_command_line(tmp_path, capsys):
    out = tmp_path / "cli"
    main(["import-official", str(ROLLOUTS), "--catalog", str(PRODUCTS), "--out", str(out)])
    text = capsys.readouterr().out
    assert "imported 5 episode(s) with 26 message(s)" in text and "decisions: 3 buy, 1 leave, 1 none" in text
    main(["import-official", str(ROLLOUTS), "--out", str(tmp_path / "nocat")])
    assert "no --catalog" in capsys.readouterr().out


def _bad_file(tmp_path: Path) -> Path:
    records = json.loads(ROLLOUTS.read_text())
    records[2]["conversation"] = "[{'speaker': 'Salesperson', 'text': 'Hello!', 'turn': 0"  # cut off
    records[3]["conversation"] = "[]"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(records))
    return bad


def test_a_record_without_readable_turns_is_an_error(tmp_path, capsys):
    bad = _bad_file(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["import-official", str(bad), "--out", str(out)])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "record 2: field 'conversation'" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()  # nothing written
    main(["import-official", str(bad), "--out", str(out), "--skip-bad"])
    assert "2 record(s) skipped" in capsys.readouterr().out
    notes = json.loads((out / "import_notes.json").read_text())
    assert [s["record"] for s in notes["skipped"]] == [2, 3]
    assert len(RunDir(out).read_episodes()) == 3
    nothing = tmp_path / "nothing.json"
    nothing.write_text(json.dumps([{"conversation": []}]))
    with pytest.raises(SalesSimError, match="none of the 1 record"):
        import_official(nothing, tmp_path / "n", skip_bad=True)


def test_unknown_questions_are_listed(tmp_path):
    records = json.loads(ROLLOUTS.read_text())
    records[1]["shopper_preferences"]["How many cupholders do you need?"] = "two"
    records[1]["shopper_preferences"]["Do you care about weight?"] = "maybe, I carry it sometimes"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(records))
    import_official(path, tmp_path / "out")
    notes = json.loads((tmp_path / "out" / "import_notes.json").read_text())
    assert set(notes["unmapped_questions"]) == {"How many cupholders do you need?", "Do you care about weight?"}
    assert "not in the mapping table" in notes["unmapped_questions"]["How many cupholders do you need?"]["why"][0]


def test_catalog_errors(tmp_path):
    with pytest.raises(SalesSimError, match="products file not found"):
        import_official(ROLLOUTS, tmp_path / "a", catalog=tmp_path / "missing.json")
    tv = tmp_path / "tvs.json"
    tv.write_text(json.dumps({"tv": [{"name": "A TV", "price": "$100", "features": []}]}))
    with pytest.raises(SalesSimError, match="none of its categories"):
        import_official(ROLLOUTS, tmp_path / "b", catalog=tv)
    noprice = tmp_path / "p.json"
    noprice.write_text(json.dumps({"laptop": [{"name": "Dell - XPS 13", "price": "call us", "features": []}]}))
    with pytest.raises(SalesSimError, match="no price"):
        import_official(ROLLOUTS, tmp_path / "c", catalog=noprice)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_public_code_config_names_the_models(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "results.json").write_text(ROLLOUTS.read_text())
    (folder / "config.json").write_text(json.dumps({
        "ai_customer_model": {"model_name": "gpt-4o", "temperature": 0.7, "api_key": "sk-secret"},
        "sales_agent_model": {"model_name": "gpt-4-turbo", "custom_api_key": "sk-other"}, "max_turns": 9}))
    import_official(folder / "results.json", tmp_path / "out")
    ep = RunDir(tmp_path / "out").read_episodes()[0]
    assert ep.shopper.model == "gpt-4o" and ep.agent.model == "gpt-4-turbo"
    assert ep.shopper.params["settings"] == {"model_name": "gpt-4o", "temperature": 0.7}
    assert "sk-" not in (tmp_path / "out" / "episodes.jsonl").read_text()  # never a key

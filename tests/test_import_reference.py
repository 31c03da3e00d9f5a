"""`salessim import-reference`: SalesSim JSONL, play episodes, MG-ShopDial's JSON (a fixture in the
real file's shape, text written for these tests: tests/data/mgshopdial_shape.json), generic CSV and
JSONL with --speaker-map; the turn rule (merge / --no-merge), category mapping, decisions, what
--out refuses, and `salessim eval --reference` on the result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from salessim.cli import main
from salessim.errors import SalesSimError
from salessim.importers.reference import (
    import_reference,
    merge_turns,
    parse_category_rules,
)
from salessim.metrics.reference import load_reference

DATA = Path(__file__).parent / "data"
MG = DATA / "mgshopdial_shape.json"
REF = DATA / "reference_dialogues.jsonl"


def _records(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in (json.loads(x) for x in path.read_text().splitlines() if x and not x.startswith("#"))}


def test_merge_turns_joins_one_speakers_messages():
    msgs = [("shopper", "hi"), ("shopper", "need a phone"), ("agent", " "), ("agent", "budget?"), ("shopper", "400")]
    assert merge_turns(msgs) == [("shopper", "hi\nneed a phone"), ("agent", "budget?"), ("shopper", "400")]
    assert merge_turns(msgs, merge=False) == [("shopper", "hi"), ("shopper", "need a phone"), ("agent", "budget?"),
                                              ("shopper", "400")]


def test_mgshopdial_merged(tmp_path):
    out = tmp_path / "ref.jsonl"
    report = import_reference(MG, "mgshopdial", out, categories=["smartphones"])
    recs = _records(out)
    assert report["written"] == 3 and report["messages"] == 14
    a = recs["Cellphones&Accessories:1:2:3"]
    assert a["category"] == "smartphones" and a["source_category"] == "Cellphones&Accessories"
    assert [t["speaker"] for t in a["turns"]] == ["shopper", "agent", "shopper", "agent", "shopper"]
    assert a["turns"][0]["text"] == "hi there\nlooking for a phone with a good camera"
    assert a["turns"][3]["text"] == "Let me look.\nThe Lumo X2 takes great photos and is $379."
    assert a["decision"] == "buy"  # "decision" ticked in the client checklist
    assert recs["Books:4:5:6"]["decision"] == "none"  # a checklist without it
    c = recs["Cellphones&Accessories:7:8:9"]
    assert "decision" not in c  # empty checklist: unknown
    assert c["turns"][0]["text"] == "hello\ndo you have phone cases"  # utterance_id order, not file order
    assert recs["Books:4:5:6"]["turns"][1]["text"] == "I want a <b>thriller</b> for the beach"  # kept as text
    assert report["shopper_turns"] == 6 and report["agent_turns"] == 5 and report["merged_away"] == 3
    assert len(load_reference(out)) == 3
    assert out.read_text().startswith("# salessim import-reference")


def test_mgshopdial_no_merge_and_category_rules(tmp_path):
    out = tmp_path / "ref.jsonl"
    report = import_reference(MG, "mgshopdial", out, categories=["Cellphones&Accessories=smartphones"], merge=False)
    recs = _records(out)
    assert set(recs) == {"Cellphones&Accessories:1:2:3", "Cellphones&Accessories:7:8:9"}
    assert report["skipped"] == {"category not mapped": 1} and report["unmapped_categories"] == {"Books": 1}
    assert len(recs["Cellphones&Accessories:1:2:3"]["turns"]) == 7  # one message, one turn
    # a rule and a default: the rule wins, the default takes the rest
    import_reference(MG, "mgshopdial", out, categories=["books=headphones", "smartphones"])
    recs = _records(out)
    assert recs["Books:4:5:6"]["category"] == "headphones"
    assert recs["Cellphones&Accessories:1:2:3"]["category"] == "smartphones"


def test_mgshopdial_needs_a_category(tmp_path, capsys):
    out = tmp_path / "ref.jsonl"
    with pytest.raises(SystemExit) as exc:
        main(["import-reference", str(MG), "--format", "mgshopdial", "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--category" in err and "Cellphones&Accessories (2)" in err and "Books (1)" in err
    assert not out.exists()
    with pytest.raises(SalesSimError, match="not a SalesSim category"):
        parse_category_rules(["Books=novels"])


def test_mgshopdial_wrong_shape_names_the_conversation(tmp_path):
    bad = json.loads(MG.read_text())
    del bad[1]["utterances"][2]["participant"]
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(bad))
    with pytest.raises(SalesSimError, match=r"conversation 1: utterance 2: needs string fields 'participant'"):
        import_reference(src, "mgshopdial", tmp_path / "ref.jsonl", categories=["smartphones"])
    src.write_text(json.dumps({"utterances": []}))
    with pytest.raises(SalesSimError, match="expected a JSON list of conversations"):
        import_reference(src, "mgshopdial", tmp_path / "ref.jsonl", categories=["smartphones"])


def test_generic_csv_with_speaker_map(tmp_path):
    src = tmp_path / "chats.csv"
    src.write_text("conv,who,msg,seq\n"
                   "c1,Buyer,hello,1\n"
                   "c1,Bot,welcome! how can I help,2\n"
                   "c1,SYSTEM,session started,0\n"
                   "c1,Buyer,\"I need headphones, wireless\",3\n"
                   "c1,Buyer,for the gym,4\n"
                   "c2,Rep,hi,1\n"
                   "c2,Buyer,just looking thanks,2\n")
    out = tmp_path / "ref.jsonl"
    with pytest.raises(SalesSimError, match=r"speakers without a role: 'SYSTEM' \(1\), 'Rep' \(1\)"):
        import_reference(src, "csv", out, categories=["headphones"], columns="dialogue=conv,speaker=who,text=msg,order=seq")
    report = import_reference(src, "csv", out, categories=["headphones"], speaker_map="Rep=agent,SYSTEM=skip",
                              columns="dialogue=conv,speaker=who,text=msg,order=seq")
    recs = _records(out)
    assert report["written"] == 2
    assert recs["c1"]["turns"] == [{"speaker": "shopper", "text": "hello"},
                                   {"speaker": "agent", "text": "welcome! how can I help"},
                                   {"speaker": "shopper", "text": "I need headphones, wireless\nfor the gym"}]
    with pytest.raises(SalesSimError, match="cannot tell which column holds the dialogue"):
        import_reference(src, "csv", out, categories=["headphones"], speaker_map="Rep=agent,SYSTEM=skip")


def test_generic_jsonl_rows_and_whole_dialogues(tmp_path):
    src = tmp_path / "chats.jsonl"
    lines = [{"dialogue_id": "r1", "speaker": "customer", "text": "need a laptop", "category": "laptop"},
             {"dialogue_id": "r1", "speaker": "assistant", "text": "for what?"},
             {"id": "w1", "category": "smartphones", "decision": "bought",
              "messages": [{"role": "user", "content": "cheap android phone?"},
                           {"role": "assistant", "content": "this one"}, {"role": "user", "content": "ok buying"}]}]
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = tmp_path / "ref.jsonl"
    import_reference(src, "jsonl", out)
    recs = _records(out)
    assert recs["r1"]["category"] == "laptops"  # the row's own category ("laptop" is a SalesSim alias)
    assert recs["w1"]["decision"] == "buy" and len(recs["w1"]["turns"]) == 3


def test_salessim_format_round_trips(tmp_path):
    out = tmp_path / "ref.jsonl"
    report = import_reference(REF, "salessim", out)
    before = {d.id: d for d in load_reference(REF)}
    after = {d.id: d for d in load_reference(out)}
    assert report["written"] == len(before) == len(after)
    for did, d in before.items():
        assert after[did].category == d.category and after[did].decision == d.decision
        assert after[did].shopper_texts() == d.shopper_texts()
        assert (after[did].criteria or []) == (d.criteria or [])


def test_out_never_overwrites_a_foreign_file(tmp_path):
    out = tmp_path / "notes.jsonl"
    out.write_text("my notes\n")
    with pytest.raises(SalesSimError, match="was not written by `salessim import-reference`"):
        import_reference(REF, "salessim", out)
    assert out.read_text() == "my notes\n"
    own = tmp_path / "ref.jsonl"
    import_reference(REF, "salessim", own)
    import_reference(REF, "salessim", own)  # its own file is replaced


def test_episodes_of_a_run(tmp_path):
    run = tmp_path / "run"
    main(["run", "--limit", "3", "--out", str(run)])
    with pytest.raises(SalesSimError, match=r"no episode with a human shopper \(shopper kinds: scripted 3\)"):
        import_reference(run, "episodes", tmp_path / "ref.jsonl")
    report = import_reference(run, "episodes", tmp_path / "ref.jsonl", any_shopper=True)
    recs = list(_records(tmp_path / "ref.jsonl").values())
    assert report["written"] == 3 and all(r["source"]["shopper"] == "scripted" for r in recs)
    assert all(r["decision"] in ("buy", "leave", "none") for r in recs)
    report2 = import_reference(run / "episodes.jsonl", "episodes", tmp_path / "ref2.jsonl", any_shopper=True)
    assert report2["written"] == 3


def test_cli_and_eval_print_every_figure(tmp_path):
    out = tmp_path / "ref.jsonl"
    proc = subprocess.run([sys.executable, "-m", "salessim", "import-reference", str(MG), "--format", "mgshopdial",
                           "--out", str(out), "--category", "smartphones"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "wrote 3 dialogue(s)" in proc.stdout and "3 merged away" in proc.stdout
    run = tmp_path / "run"
    main(["run", "--limit", "4", "--out", str(run)])
    proc = subprocess.run([sys.executable, "-m", "salessim", "eval", str(run), "--reference", str(out)],
                          capture_output=True, text=True, env={**__import__("os").environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    for label in ("pooled mtld @", "pooled hdd @", "words per shopper turn (per-dialogue means, averaged)",
                  "words per shopper turn (pooled: all tokens / all turns)", "new criteria per turn, value level",
                  "new criteria per turn, topic level", "criteria mentioned per turn, topic level",
                  "share of turns with >= 2 criteria, value level", "share of turns with >= 2 criteria, topic level",
                  "criteria in the first turn, topic level", "purchase (decision) rate"):
        assert label in proc.stdout, label


def test_report_shows_the_reference_gaps(tmp_path):
    from salessim.report.html import build_report

    run = tmp_path / "run"
    main(["run", "--limit", "4", "--out", str(run)])
    main(["eval", str(run), "--reference", str(REF)])
    html = build_report([run], tmp_path / "report.html").read_text()
    assert 'class="slices reference"' in html and "vs human reference <code>reference_dialogues.jsonl</code>" in html
    for label in ("words per shopper turn (pooled: all tokens / all turns)", "share of turns with &gt;= 2 criteria, topic level",
                  "pooled mtld @"):
        assert label in html, label

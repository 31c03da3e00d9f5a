"""``salessim personas generate | list | show | validate`` through the real entry point."""

from __future__ import annotations

import json

import pytest

from salessim.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from salessim.personas import generate_personas, save_personas

    path = tmp_path_factory.mktemp("personas") / "small.jsonl"
    save_personas(generate_personas(36, 5, with_phrasings=False), path)
    return path


def test_help_texts(capsys):
    for cmd in ("generate", "list", "show", "validate"):
        code, out, _ = run(capsys, "personas", cmd, "--help")
        assert code == 0 and "Usage" in out and len(out) > 100, cmd


def test_generate_writes_file_and_summary(capsys, tmp_path):
    out_file = tmp_path / "p.jsonl"
    code, out, err = run(capsys, "personas", "generate", "--n", "30", "--seed", "3", "--test-fraction", "0.5",
                         "--categories", "laptops,headphones", "--out", str(out_file))
    assert code == 0, err
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert len(rows) == 30 and {r["category"] for r in rows} == {"laptops", "headphones"}
    assert "feasible" in out and "infeasible" in out and "laptops" in out and "wrote 30 personas" in out
    # the same seed gives the same file
    again = tmp_path / "q.jsonl"
    run(capsys, "personas", "generate", "--n", "30", "--seed", "3", "--categories", "laptops,headphones",
        "--out", str(again))
    assert again.read_text() == out_file.read_text()


def test_generate_to_stdout_is_jsonl(capsys):
    code, out, err = run(capsys, "personas", "generate", "--n", "5", "--categories", "smartphones", "--no-phrasings")
    assert code == 0, err
    assert len([json.loads(x) for x in out.splitlines()]) == 5
    assert "smartphones" in err  # the summary goes to stderr when the personas go to stdout


def test_generate_bad_input_exits_2(capsys):
    code, _, err = run(capsys, "personas", "generate", "--n", "5", "--categories", "tablets")
    assert code == 2 and err.startswith("error:") and "tablets" in err and err.count("\n") == 1
    code, _, err = run(capsys, "personas", "generate", "--n", "0")
    assert code == 2
    code, _, err = run(capsys, "personas", "generate", "--n", "5", "--test-fraction", "2")
    assert code == 2


def test_validate_ok_and_problems(capsys, generated, tmp_path):
    code, out, _ = run(capsys, "personas", "validate", str(generated))
    assert code == 0 and out.strip() == "OK: 36 personas"
    code, out, _ = run(capsys, "personas", "validate", str(generated), "--check-labels")
    assert code == 0 and out.strip() == "OK: 36 personas"

    rows = [json.loads(line) for line in generated.read_text().splitlines()]
    rows[0]["criteria"][0]["op"] = "=<"
    rows[1]["criteria"][0]["attribute"] = "colour"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    code, out, err = run(capsys, "personas", "validate", str(bad))
    assert code == 2
    lines = out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{bad}: persona {rows[0]['id']}: criteria.0.op:")
    assert lines[1].startswith(f"{bad}: persona {rows[1]['id']}: criteria.0.attribute: 'colour'")
    assert lines[2].startswith(f"{bad}: line 37: not valid JSON")
    assert "3 problem(s)" in err


def test_validate_check_labels_catches_stale_labels(capsys, generated, tmp_path):
    rows = [json.loads(line) for line in generated.read_text().splitlines()]
    row = next(r for r in rows if r["feasible"])
    row["ideal_product_ids"] = row["ideal_product_ids"][:-1] + ["zzz-999"]
    stale = tmp_path / "stale.jsonl"
    stale.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    code, out, _ = run(capsys, "personas", "validate", str(stale))
    assert code == 0
    code, out, _ = run(capsys, "personas", "validate", str(stale), "--check-labels")
    assert code == 2 and f"persona {row['id']}: ideal_product_ids" in out


def test_validate_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "personas", "validate", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "not found" in err


def test_list_filters(capsys, generated):
    code, out, _ = run(capsys, "personas", "list", "--file", str(generated), "--category", "laptops",
                       "--split", "test", "--limit", "0")
    assert code == 0
    assert "lap-" in out and "hp-" not in out and "ph-" not in out and "train" not in out
    code, out, _ = run(capsys, "personas", "list", "--file", str(generated), "--archetype", "student", "--limit", "2")
    assert code == 0 and out.count("lap-student-") == 2 and "showing 2 of" in out


def test_list_default_is_the_benchmark(capsys):
    code, out, _ = run(capsys, "personas", "list", "--limit", "3")
    assert code == 0 and "showing 3 of" in out


def test_list_bad_input_exits_2(capsys, generated):
    assert run(capsys, "personas", "list", "--file", str(generated), "--split", "dev")[0] == 2
    assert run(capsys, "personas", "list", "--file", str(generated), "--category", "tablets")[0] == 2
    assert run(capsys, "personas", "list", "--file", str(generated), "--archetype", "astronaut")[0] == 2


def test_show(capsys, generated):
    rows = [json.loads(line) for line in generated.read_text().splitlines()]
    feasible = next(r for r in rows if r["feasible"])
    code, out, _ = run(capsys, "personas", "show", feasible["id"], "--file", str(generated))
    assert code == 0
    assert feasible["profile"]["name"] in out and "Criteria" in out and "Ideal products" in out
    assert feasible["ideal_product_ids"][0] in out and feasible["criteria"][0]["attribute"] in out
    infeasible = next(r for r in rows if not r["feasible"])
    code, out, _ = run(capsys, "personas", "show", infeasible["id"], "--file", str(generated))
    assert code == 0 and "feasible: no" in out
    listed = next(r for r in rows if any(isinstance(c["value"], list) for c in r["criteria"]))
    crit = next(c for c in listed["criteria"] if isinstance(c["value"], list))
    code, out, _ = run(capsys, "personas", "show", listed["id"], "--file", str(generated))
    assert code == 0 and "[" + ", ".join(crit["value"]) + "]" in out  # not eaten as rich markup
    code, out, _ = run(capsys, "personas", "show", feasible["id"], "--file", str(generated), "--json")
    assert code == 0 and json.loads(out)["id"] == feasible["id"]


def test_show_unknown_id_exits_2(capsys, generated):
    code, _, err = run(capsys, "personas", "show", "lap-studnt-0001", "--file", str(generated))
    assert code == 2 and "no persona with id 'lap-studnt-0001'" in err and "Did you mean" in err

"""Persona files: round trips, and validation problems that name the file, persona id and field."""

from __future__ import annotations

import json

import pytest

from salessim.errors import DataError, SalesSimError
from salessim.personas import (
    find_persona,
    load_personas,
    read_persona_file,
    save_personas,
    validate_persona_file,
)
from salessim.schema import Criterion, Persona, Profile


def _persona(pid: str = "lap-test-0000", **overrides) -> Persona:
    data = dict(
        id=pid, archetype="test", category="laptops",
        profile=Profile(name="Alex Doe", age=30, background="Tests things."),
        goal="Find a laptop.",
        criteria=[Criterion(attribute="price", op="<=", value=800, kind="dealbreaker"),
                  Criterion(attribute="os", op="in", value=["Windows", "Linux"], weight=2.0)],
        feasible=True, ideal_product_ids=["lap-001"], split="test",
    )
    data.update(overrides)
    return Persona(**data)


def _raw(pid: str = "lap-test-0000") -> dict:
    return _persona(pid).model_dump(mode="json")


def _write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".yaml", ".yml", ".json"])
def test_round_trip(tmp_path, suffix):
    personas = [_persona("a-1"), _persona("a-2", split="train", feasible=False, ideal_product_ids=[])]
    path = save_personas(personas, tmp_path / f"p{suffix}")
    assert read_persona_file(path) == personas
    assert [p.id for p in load_personas(path, split="train")] == ["a-2"]


def test_jsonl_is_one_persona_per_line(tmp_path):
    path = save_personas([_persona("a-1"), _persona("a-2")], tmp_path / "p.jsonl")
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["id"] == "a-2"


def test_save_refuses_duplicate_ids(tmp_path):
    with pytest.raises(DataError, match="duplicate"):
        save_personas([_persona("x"), _persona("x")], tmp_path / "p.jsonl")


def _problems(tmp_path, rows):
    path = _write_jsonl(tmp_path / "bad.jsonl", rows)
    _, problems = validate_persona_file(path)
    return path, problems


def test_bad_op_names_file_persona_and_field(tmp_path):
    row = _raw("lap-bad-0001")
    row["criteria"][1]["op"] = "=>"
    path, problems = _problems(tmp_path, [_raw("lap-ok-0000"), row])
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: persona lap-bad-0001: criteria.1.op: ")


def test_unknown_attribute(tmp_path):
    row = _raw("p1")
    row["criteria"][0]["attribute"] = "ramgb"
    path, problems = _problems(tmp_path, [row])
    assert problems == [f"{path}: persona p1: criteria.0.attribute: 'ramgb' is not an attribute of laptops "
                        f"(known: {problems[0].split('(known: ')[1]}"]
    assert "ram_gb" in problems[0]


def test_enum_value_not_allowed(tmp_path):
    row = _raw("p1")
    row["criteria"][1]["value"] = ["Windows", "BeOS"]
    path, problems = _problems(tmp_path, [row])
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: persona p1: criteria.1.value.1: 'BeOS' is not an allowed os of laptops")
    # enum values compare case-insensitively, like the criterion engine
    row["criteria"][1]["value"] = ["windows"]
    assert _problems(tmp_path, [row])[1] == []


def test_number_and_bool_values_and_ops(tmp_path):
    row = _raw("p1")
    row["criteria"][0]["value"] = "cheap"
    row["criteria"].append({"attribute": "touchscreen", "op": "==", "value": "yes"})
    row["criteria"].append({"attribute": "os", "op": "<=", "value": "Windows"})
    path, problems = _problems(tmp_path, [row])
    assert any(p.startswith(f"{path}: persona p1: criteria.0.value: price is a number") for p in problems)
    assert any(p.startswith(f"{path}: persona p1: criteria.2.value: touchscreen is true or false") for p in problems)
    assert any(p.startswith(f"{path}: persona p1: criteria.3.op: '<=' does not apply") for p in problems)


def test_missing_field(tmp_path):
    row = _raw("p1")
    del row["goal"]
    path, problems = _problems(tmp_path, [row])
    assert problems == [f"{path}: persona p1: goal: Field required"]
    row = _raw("p1")
    del row["id"]
    path, problems = _problems(tmp_path, [row])
    assert problems == [f"{path}: persona at line 1: id: Field required"]


def test_bad_json_line(tmp_path):
    path, problems = _problems(tmp_path, [_raw("p1"), '{"id": "p2", oops', _raw("p3")])
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: line 2: not valid JSON")


def test_unknown_category_duplicate_ids_and_label_consistency(tmp_path):
    a = _raw("p1")
    a["category"] = "tablets"
    b = _raw("p2")
    c = _raw("p2")
    c["feasible"] = False
    path, problems = _problems(tmp_path, [a, b, c])
    assert f"{path}: persona p1: category: unknown category 'tablets' (known: headphones, laptops, smartphones)" in problems
    assert f"{path}: persona p2: id: duplicate id (first at line 2)" in problems
    assert any(p.startswith(f"{path}: persona p2: ideal_product_ids: an infeasible persona") for p in problems)


def test_yaml_problems_name_entries(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- {id: p1}\n- 42\n")
    _, problems = validate_persona_file(path)
    assert any(p.startswith(f"{path}: persona p1: criteria: Field required") for p in problems)
    assert f"{path}: entry 1: expected a persona object, got int" in problems
    path.write_text("- [unclosed\n")
    _, problems = validate_persona_file(path)
    assert problems[0].startswith(f"{path}: not valid YAML")


def test_read_raises_data_error_with_all_problems(tmp_path):
    rows = []
    for i in range(8):
        row = _raw(f"p{i}")
        row["criteria"][0]["op"] = "~"
        rows.append(row)
    path = _write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DataError) as exc:
        load_personas(path)
    assert len(exc.value.problems) == 8
    assert "and 3 more problem(s)" in str(exc.value) and "\n" not in str(exc.value)


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    assert validate_persona_file(empty)[1] == [f"{empty}: the file holds no personas"]
    with pytest.raises(DataError, match="not found"):
        load_personas(tmp_path / "missing.jsonl")


def test_find_persona_suggests_close_ids(tmp_path):
    personas = [_persona("lap-student-0007"), _persona("lap-student-0008")]
    assert find_persona(personas, "lap-student-0008").id == "lap-student-0008"
    with pytest.raises(SalesSimError, match="Did you mean: lap-student-0007"):
        find_persona(personas, "lap-studnt-0007")


def test_unknown_split(tmp_path):
    with pytest.raises(SalesSimError, match="unknown split"):
        load_personas(split="validation")

"""How well does the project's text understanding detect the criteria a shopper turn discloses?

``tests/data/disclosure_labels.jsonl`` holds hand-written shopper turns (three categories; plain,
casual and slangy styles; negations; vague wording; multi-criterion turns; turns disclosing
nothing), each labelled with the criteria it discloses (``attribute``, ``op``, ``value``; a
``null`` value means "a criterion on this attribute in this direction, value unstated", e.g.
"something light").

Evaluation protocol (item level):

- an extracted item MATCHES a label when the attribute is the same and
  - numbers: both are ceilings (``<=``/``<``) or both floors (``>=``/``>``) with values within
    10% of each other; a label ``== v`` also accepts ``== v`` or a size-class reading
    (``>= v`` and/or ``< v+1``); a ``null`` label value accepts any value in the direction;
  - enums: the sets of allowed values (``== X`` -> {X}; ``!= X`` -> all values but X; ``in`` /
    ``not_in`` likewise) are equal or one contains the other;
  - booleans: equal values;
- precision = extracted items matching a label of their turn / extracted items;
- recall = labels matched by some extracted item of their turn / labels.

Also measured: recall through :func:`salessim.nlu.disclosed` (what the metrics call) for labels
with a concrete value. The test prints the current figures and holds precision and recall to within
3 points of the README's "development set" row (:mod:`tests.readme_figures`).

Measured (205 turns, 224 labelled criteria, re-measured 2026-12-04):

    precision 0.991   recall 0.996   disclosed() recall 1.000

What it still misses is mostly vague, comparative or implicit wording ("too heavy", "is there a
cheaper option?", "battery life is everything", "anything that blocks out my roommates"); its
false positives are mostly questions or product mentions read as requests ("Does the Samsung
take good photos?" -> brand == Samsung, "I'll take the Anker ones" -> brand == Anker) and one
negation slip ("no way I'm going back to windows" -> os == Windows).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salessim.schema import Criterion
from tests.readme_figures import assert_near_readme

DATA = Path(__file__).parent / "data" / "disclosure_labels.jsonl"

#: disclosed() recall is not a README figure: a plain floor
DISCLOSED_RECALL_FLOOR = 0.95

CEIL = {"<=", "<"}
FLOOR = {">=", ">"}


def load_rows() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


def _schema(category: str):
    from salessim.nlu.lexicon import category_schema

    return category_schema(category)


def _allowed(category: str, attribute: str, op: str, value) -> set[str] | None:
    spec = _schema(category).attribute(attribute)
    universe = {v.lower() for v in (spec.values or [])} if spec is not None else set()
    vals = {str(v).lower() for v in (value if isinstance(value, (list, tuple)) else [value])}
    if op in ("==", "in"):
        return vals
    if op in ("!=", "not_in"):
        return universe - vals if universe else None
    return None


def matches(label: dict, item, category: str) -> bool:
    """The evaluation protocol of the module docstring."""
    if item.attribute != label["attribute"]:
        return False
    lop, lval = label["op"], label["value"]
    iop, ival = item.op, item.value
    if isinstance(lval, bool) or isinstance(ival, bool):
        return isinstance(ival, bool) and (lval is None or ival == lval) and iop == "=="
    numeric = isinstance(ival, (int, float)) and not isinstance(ival, bool)
    if numeric:
        if lval is None:
            return (lop in CEIL and iop in CEIL) or (lop in FLOOR and iop in FLOOR) or lop == iop
        close = abs(float(ival) - float(lval)) <= 0.10 * max(abs(float(lval)), 1e-9)
        if lop in CEIL:
            return iop in CEIL and close
        if lop in FLOOR:
            return iop in FLOOR and close
        if lop == "==":
            return (iop in ("==",) + tuple(FLOOR) and close) or (iop in CEIL and lval < ival <= lval + 1.0)
        return False
    if lval is None:
        return True
    a = _allowed(category, label["attribute"], lop, lval)
    b = _allowed(category, item.attribute, iop, ival)
    if a is None or b is None:
        return False
    return a == b or a <= b or b <= a


def evaluate(rows: list[dict]) -> dict:
    """Precision, recall and disclosed() recall over ``rows``, with the misses for inspection."""
    from salessim import nlu

    n_items = n_items_ok = n_labels = n_labels_ok = 0
    n_concrete = n_concrete_ok = 0
    false_pos, misses = [], []
    for row in rows:
        items = nlu.extract_criteria(row["text"], row["category"])
        labels = row["criteria"]
        n_items += len(items)
        for item in items:
            if any(matches(lab, item, row["category"]) for lab in labels):
                n_items_ok += 1
            else:
                false_pos.append((row["id"], row["text"], item.describe()))
        for lab in labels:
            n_labels += 1
            if any(matches(lab, item, row["category"]) for item in items):
                n_labels_ok += 1
            else:
                misses.append((row["id"], row["text"], f"{lab['attribute']} {lab['op']} {lab['value']}"))
            if lab["value"] is not None:
                n_concrete += 1
                crit = Criterion(attribute=lab["attribute"], op=lab["op"], value=lab["value"], kind="dealbreaker")
                n_concrete_ok += bool(nlu.disclosed(crit, items))
    return {
        "turns": len(rows),
        "labels": n_labels,
        "extracted": n_items,
        "precision": n_items_ok / n_items if n_items else 1.0,
        "recall": n_labels_ok / n_labels if n_labels else 1.0,
        "disclosed_recall": n_concrete_ok / n_concrete if n_concrete else 1.0,
        "false_positives": false_pos,
        "misses": misses,
    }


def test_labelled_set_is_large_and_varied():
    rows = load_rows()
    assert len(rows) >= 150
    assert len({r["id"] for r in rows}) == len(rows)
    cats = {r["category"] for r in rows}
    assert cats == {"laptops", "headphones", "smartphones"}
    assert sum(1 for r in rows if not r["criteria"]) >= 25  # turns that disclose nothing
    assert sum(1 for r in rows if len(r["criteria"]) >= 2) >= 25  # multi-criterion turns
    assert sum(1 for r in rows for c in r["criteria"] if c["op"] in ("!=", "not_in")) >= 10  # negations
    for r in rows:  # every label names a real attribute of its category
        for c in r["criteria"]:
            assert _schema(r["category"]).attribute(c["attribute"]) is not None, (r["id"], c)


def test_matching_protocol_by_hand():
    from salessim.nlu import Extracted

    assert matches({"attribute": "price", "op": "<=", "value": 500}, Extracted("price", "<", 500), "laptops")
    assert not matches({"attribute": "price", "op": "<=", "value": 500}, Extracted("price", ">=", 500), "laptops")
    assert matches({"attribute": "screen_in", "op": "==", "value": 13}, Extracted("screen_in", "<", 14), "laptops")
    assert matches({"attribute": "os", "op": "!=", "value": "Windows"},
                   Extracted("os", "in", ["macOS", "ChromeOS", "Linux"]), "laptops")
    assert matches({"attribute": "weight_kg", "op": "<=", "value": None}, Extracted("weight_kg", "<=", 1.5), "laptops")
    assert not matches({"attribute": "touchscreen", "op": "==", "value": True},
                       Extracted("touchscreen", "==", False), "laptops")


def test_disclosure_detection_precision_and_recall(capsys):
    result = evaluate(load_rows())
    with capsys.disabled():
        print(f"\ndisclosure detection on {result['turns']} turns / {result['labels']} labels: "
              f"precision {result['precision']:.3f}, recall {result['recall']:.3f}, "
              f"disclosed() recall {result['disclosed_recall']:.3f}")
    assert_near_readme(result["precision"], "development set", 1, f"precision {result['false_positives'][:10]}")
    assert_near_readme(result["recall"], "development set", 2, f"recall {result['misses'][:10]}")
    assert result["disclosed_recall"] >= DISCLOSED_RECALL_FLOOR


@pytest.mark.parametrize("row", [r for r in load_rows() if not r["criteria"]][:5], ids=lambda r: r["id"])
def test_small_talk_discloses_nothing(row):
    from salessim import nlu

    assert nlu.extract_criteria(row["text"], row["category"]) == []

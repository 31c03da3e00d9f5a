"""Every phrasing that salessim.nlu.phrase produces must read back as the criterion it came from.

The grid crosses every attribute of the three category schemas with every operator that fits its
type, values spread over the schema range (chosen to exercise every number format: "a grand",
"1.2k", "1TB", pounds, ounces...), both kinds and all knowledge levels. Every template is checked,
not a sample, and phrasings() is checked for many rng seeds.
"""

from __future__ import annotations

import random

import pytest

from salessim.errors import SalesSimError
from salessim.nlu import (
    KNOWLEDGE_LEVELS,
    candidate_phrasings,
    category_schema,
    contradicts,
    disclosed,
    extract_criteria,
    phrasings,
)
from salessim.schema import Criterion

CATEGORIES = ("laptops", "headphones", "smartphones")

NUMBER_VALUES = {
    ("laptops", "price"): [150, 1000, 1234.5, 5000],
    ("headphones", "price"): [10, 299.99, 700],
    ("smartphones", "price"): [80, 2000],
    ("laptops", "ram_gb"): [4, 16, 128],
    ("smartphones", "ram_gb"): [2, 12],
    ("laptops", "storage_gb"): [64, 512, 1536, 8192],
    ("smartphones", "storage_gb"): [32, 256, 1024],
    ("laptops", "screen_in"): [11, 13.3, 15.6, 18.5],
    ("smartphones", "screen_in"): [4.7, 6.1, 7.6],
    ("laptops", "weight_kg"): [0.8, 1.5, 4],
    ("headphones", "weight_g"): [3, 250, 450],
    ("smartphones", "weight_g"): [120, 199],
    ("laptops", "battery_hours"): [3, 10, 24],
    ("headphones", "battery_hours"): [5, 80],
    ("smartphones", "battery_mah"): [2000, 4500, 6500],
    ("smartphones", "camera_mp"): [8, 50, 200],
}
LINES = {"laptops": ["ThinkPad", "MacBook Air"], "headphones": ["QuietComfort"], "smartphones": ["Galaxy S", "Pixel"]}


def grid(category: str, strict_ops: bool = False):
    """Yield (dealbreaker) criteria covering the category schema.

    ``<`` and ``>`` use the same templates as ``<=`` and ``>=``; they join the grid when
    ``strict_ops`` is set (the seeded test) and are left out of the exhaustive one to save time.
    """
    schema = category_schema(category)
    num_ops = ("<=", "<", ">=", ">", "==") if strict_ops else ("<=", ">=", "==")
    for spec in schema.attributes:
        if spec.type == "number":
            for v in NUMBER_VALUES[(category, spec.name)]:
                for op in num_ops:
                    yield Criterion(attribute=spec.name, op=op, value=v, kind="dealbreaker")
        elif spec.type == "bool":
            for v in (True, False):
                for op in ("==", "!="):
                    yield Criterion(attribute=spec.name, op=op, value=v, kind="dealbreaker")
        elif spec.type == "enum":
            vals = spec.values
            for v in vals:
                yield Criterion(attribute=spec.name, op="==", value=v, kind="dealbreaker")
                yield Criterion(attribute=spec.name, op="!=", value=v, kind="dealbreaker")
            for i in range(len(vals)):
                pair = [vals[i], vals[(i + 1) % len(vals)]]
                yield Criterion(attribute=spec.name, op="in", value=pair, kind="dealbreaker")
                yield Criterion(attribute=spec.name, op="not_in", value=pair, kind="dealbreaker")
            if len(vals) >= 3:
                yield Criterion(attribute=spec.name, op="in", value=vals[:3], kind="dealbreaker")
                yield Criterion(attribute=spec.name, op="not_in", value=vals[-3:], kind="dealbreaker")
        else:  # text: the product line
            lines = LINES[category]
            for v in lines:
                yield Criterion(attribute=spec.name, op="==", value=v, kind="dealbreaker")
                yield Criterion(attribute=spec.name, op="!=", value=v, kind="dealbreaker")
            if len(lines) > 1:
                yield Criterion(attribute=spec.name, op="in", value=lines, kind="dealbreaker")
                yield Criterion(attribute=spec.name, op="not_in", value=lines, kind="dealbreaker")


def _problem(criterion: Criterion, category: str, phrase: str) -> str | None:
    xs = extract_criteria(phrase, category)
    if not disclosed(criterion, xs):
        return "not disclosed"
    if contradicts(criterion, xs):
        return "contradicted"
    want = "must" if criterion.kind == "dealbreaker" else "want"
    bad = [x for x in xs if x.attribute == criterion.attribute and x.strength != want]
    if bad:
        return f"strength {bad[0].strength} instead of {want}"
    return None


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_template_round_trips(category):
    failures, checked = [], 0
    for base in grid(category):
        for kind in ("dealbreaker", "preference"):
            c = base.model_copy(update={"kind": kind})
            for level in KNOWLEDGE_LEVELS:
                cands = candidate_phrasings(c, category, level)
                assert len(cands) >= 3, f"fewer than 3 phrasings for {c.describe()} at {level}: {cands}"
                for phrase in cands:
                    checked += 1
                    problem = _problem(c, category, phrase)
                    if problem:
                        failures.append(f"{c.describe()} [{level}] {phrase!r}: {problem}")
    assert checked > 5000
    assert not failures, f"{len(failures)} of {checked} phrasings fail, e.g.:\n" + "\n".join(failures[:20])


@pytest.mark.parametrize("category", CATEGORIES)
def test_phrasings_with_many_seeds(category):
    criteria = list(grid(category, strict_ops=True))
    for seed in range(40):
        rng = random.Random(seed)
        c = rng.choice(criteria).model_copy(update={"kind": rng.choice(["dealbreaker", "preference"])})
        level = rng.choice(KNOWLEDGE_LEVELS)
        out = phrasings(c, category, level, rng, n=3)
        assert len(out) == 3 and len(set(out)) == 3
        for phrase in out:
            assert _problem(c, category, phrase) is None, phrase


def test_phrasings_vary_by_level_and_seed():
    c = Criterion(attribute="ram_gb", op=">=", value=16, kind="dealbreaker")
    novice = set(candidate_phrasings(c, "laptops", "novice"))
    expert = set(candidate_phrasings(c, "laptops", "expert"))
    assert any("gigs" in p or "freez" in p for p in novice)
    assert any("DDR5" in p for p in expert)
    assert novice != expert
    draws = {tuple(phrasings(c, "laptops", "novice", random.Random(s))) for s in range(10)}
    assert len(draws) > 3


def test_phrasing_carries_the_number_and_the_cue():
    c = Criterion(attribute="price", op="<=", value=800, kind="preference")
    for phrase in candidate_phrasings(c, "laptops", "novice"):
        assert "800" in phrase or "grand" in phrase
    c = Criterion(attribute="price", op="<=", value=1000, kind="dealbreaker")
    assert any("a grand" in p for p in candidate_phrasings(c, "laptops", "novice"))


def test_phrasings_reject_what_cannot_be_said():
    with pytest.raises(SalesSimError):
        candidate_phrasings(Criterion(attribute="ram_gb", op=">=", value=16), "headphones")
    with pytest.raises(SalesSimError):
        candidate_phrasings(Criterion(attribute="price", op="!=", value=800), "laptops")
    with pytest.raises(SalesSimError):
        candidate_phrasings(Criterion(attribute="wireless", op="in", value=["true"]), "headphones")


def test_unknown_level_reads_as_intermediate():
    c = Criterion(attribute="os", op="==", value="macOS", kind="dealbreaker")
    assert candidate_phrasings(c, "laptops", "guru") == candidate_phrasings(c, "laptops", "intermediate")

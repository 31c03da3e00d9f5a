"""The seeded persona generator: determinism, labels, the infeasible mix, splits and ids."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from salessim.constraints import ideal_products, valid_products
from salessim.errors import SalesSimError
from salessim.personas import generate_personas, load_archetypes, summarize
from salessim.personas.checks import load_category_schemas
from salessim.personas.generator import allocate
from salessim.personas.library import persona_problems

N = 150


@pytest.fixture(scope="module")
def products():
    from salessim.store import load_catalog

    catalog = load_catalog()
    return {c: list(catalog.products(c)) for c in ("laptops", "headphones", "smartphones")}


@pytest.fixture(scope="module")
def personas(products):
    return generate_personas(N, 11, products_by_category=products)


def _strip(personas):
    return [p.model_dump(mode="json") for p in personas]


def test_deterministic_for_a_seed(products, personas):
    again = generate_personas(N, 11, products_by_category=products)
    assert _strip(again) == _strip(personas)


def test_different_across_seeds(products, personas):
    other = generate_personas(N, 12, products_by_category=products, with_phrasings=False)
    assert [p.id for p in other] == [p.id for p in personas]  # ids depend on n only
    def core(p):  # phrasings aside (they are off in `other`)
        return (p.profile, p.big_five, p.emotion, [c.key + c.kind for c in p.criteria])

    assert sum(core(a) == core(b) for a, b in zip(other, personas)) == 0
    assert {tuple(c.key for c in p.criteria) for p in other} != {tuple(c.key for c in p.criteria) for p in personas}


def test_labels_match_constraints(products, personas):
    for p in personas:
        pool = products[p.category]
        valid = valid_products(pool, p.criteria)
        assert p.feasible == bool(valid), p.id
        assert sorted(x.id for x in ideal_products(pool, p.criteria)) == p.ideal_product_ids, p.id


def test_infeasible_share_within_band(personas):
    share = sum(not p.feasible for p in personas) / len(personas)
    assert 0.10 <= share <= 0.20


def test_infeasible_personas_are_plausible(products, personas):
    """Each dealbreaker of an infeasible persona is met by some product: the combination is what fails."""
    from salessim.constraints import satisfies

    infeasible = [p for p in personas if not p.feasible]
    assert infeasible
    for p in infeasible:
        assert len(p.dealbreakers) >= 2, p.id
        for c in p.dealbreakers:
            assert any(satisfies(x, c) for x in products[p.category]), (p.id, c.key)


def test_feasible_personas_are_not_trivial(products, personas):
    for p in personas:
        if p.feasible:
            assert 0 < len(p.ideal_product_ids) < len(products[p.category]), p.id
            assert len(p.ideal_product_ids) <= 0.25 * len(products[p.category]), p.id


def test_criteria_shape(personas):
    schemas = load_category_schemas()
    for p in personas:
        assert 2 <= len(p.criteria) <= 5, p.id
        assert 1 <= len(p.dealbreakers) <= 3, p.id
        assert len(p.preferences) >= 1 and all(c.weight > 0 for c in p.preferences), p.id
        assert len({c.attribute for c in p.criteria}) == len(p.criteria), p.id
        assert persona_problems(p, p.id, schemas) == []


def test_ids_archetypes_and_category_mix(personas):
    archetypes = {a.id: a for a in load_archetypes()}
    for p in personas:
        assert re.fullmatch(r"(lap|hp|ph)-[a-z0-9-]+-\d{4}", p.id), p.id
        assert p.archetype in archetypes and archetypes[p.archetype].category == p.category
        assert p.id.split("-", 1)[1].startswith(p.archetype + "-")
    assert len({p.id for p in personas}) == len(personas)
    counts = Counter(p.category for p in personas)
    assert counts == {"laptops": 90, "headphones": 30, "smartphones": 30}
    assert set(Counter(p.archetype for p in personas)) == set(archetypes)


def test_profiles_and_traits_vary(personas):
    assert len({p.profile.name for p in personas}) > len(personas) * 0.6
    assert len({p.emotion for p in personas}) > 10
    levels = Counter(getattr(p.big_five, t) for p in personas for t in ("openness", "neuroticism"))
    assert len(levels) == 5
    assert {p.profile.knowledge_level for p in personas} == {"novice", "intermediate", "expert"}
    # traits loosely follow the archetype: video creators are more open than budget shoppers
    def mean_openness(arch):
        scores = [p.big_five.score("openness") for p in personas if p.archetype == arch]
        return sum(scores) / len(scores)
    assert mean_openness("video-creator") > mean_openness("budget-shopper")


def test_split_is_stratified(personas):
    counts = Counter(p.split for p in personas)
    assert counts == {"test": N // 2, "train": N // 2}
    for arch in {p.archetype for p in personas}:
        c = Counter(p.split for p in personas if p.archetype == arch)
        assert abs(c["test"] - c["train"]) <= 1, arch
    infeasible = Counter(p.split for p in personas if not p.feasible)
    assert abs(infeasible["test"] - infeasible["train"]) <= 2


def test_test_fraction_and_categories(products):
    out = generate_personas(40, 3, categories=["headphones"], test_fraction=0.25, products_by_category=products,
                            with_phrasings=False)
    assert {p.category for p in out} == {"headphones"}
    assert Counter(p.split for p in out) == {"test": 10, "train": 30}
    summary = summarize(out)
    assert summary["headphones"]["total"] == 40 and summary["all"]["total"] == 40
    with pytest.raises(SalesSimError, match="unknown"):
        generate_personas(10, 3, categories=["tablets"], products_by_category=products)
    with pytest.raises(SalesSimError):
        generate_personas(10, 3, test_fraction=1.5, products_by_category=products)


def test_phrasings(personas):
    with_text = [c for p in personas for c in p.criteria if c.phrasings]
    assert len(with_text) >= 0.9 * sum(len(p.criteria) for p in personas)


def test_allocate():
    assert allocate(400, {"laptops": 3, "headphones": 1, "smartphones": 1}) == {
        "laptops": 240, "headphones": 80, "smartphones": 80}
    assert sum(allocate(7, {"a": 1, "b": 1, "c": 1}).values()) == 7

"""The frozen default benchmark file: valid, the promised size and mix, labels true to the catalog.

When the catalog changes in a way that changes a persona's labels, ``test_labels_match_catalog``
fails: regenerate the file with the command in ``data/personas/README.md``.
"""

from __future__ import annotations

from collections import Counter

import pytest

from salessim.personas import (
    DEFAULT_BENCHMARK_PATH,
    label_problems,
    load_archetypes,
    load_personas,
)
from salessim.personas.library import PERSONA_DATA_DIR, validate_persona_file


@pytest.fixture(scope="module")
def personas():
    return load_personas()


def test_file_validates():
    personas, problems = validate_persona_file(DEFAULT_BENCHMARK_PATH)
    assert problems == []
    assert len(personas) >= 400


def test_split_sizes(personas):
    counts = Counter(p.split for p in personas)
    assert counts["test"] >= 200 and counts["train"] >= 200
    assert counts["test"] + counts["train"] == len(personas)
    assert len(load_personas(split="test")) == counts["test"]


def test_category_and_archetype_mix(personas):
    counts = Counter(p.category for p in personas)
    assert set(counts) == {"laptops", "headphones", "smartphones"}
    assert 0.55 <= counts["laptops"] / len(personas) <= 0.65
    assert {p.archetype for p in personas} == {a.id for a in load_archetypes()}
    for split in ("test", "train"):
        assert {p.archetype for p in personas if p.split == split} == {a.id for a in load_archetypes()}


def test_infeasible_share(personas):
    for split in (None, "test", "train"):
        group = [p for p in personas if split is None or p.split == split]
        share = sum(not p.feasible for p in group) / len(group)
        assert 0.10 <= share <= 0.20, split


def test_labels_match_catalog(personas):
    from salessim.store import load_catalog

    catalog = load_catalog()
    products = {c: list(catalog.products(c)) for c in {p.category for p in personas}}
    assert label_problems(personas, products, where=str(DEFAULT_BENCHMARK_PATH)) == []


def test_readme_records_command_and_catalog_hash():
    from salessim.store import load_catalog

    readme = (PERSONA_DATA_DIR / "README.md").read_text()
    assert "salessim personas generate --n 400 --seed 2026 --out src/salessim/data/personas/benchmark.jsonl" in readme
    assert "catalog data hash" in readme.lower()
    # informative only: labels are what must match (see test_labels_match_catalog)
    assert load_catalog().data_hash()

"""The hand-written archetypes: they load, cover every category and fit the category schemas."""

from __future__ import annotations

import textwrap

import pytest

from salessim.errors import DataError
from salessim.personas import load_archetypes, load_category_schemas
from salessim.personas.checks import criterion_problems


def test_archetypes_load_and_cover_categories():
    archetypes = load_archetypes()
    assert len(archetypes) >= 14
    by_category = {}
    for a in archetypes:
        by_category.setdefault(a.category, []).append(a.id)
    assert set(by_category) == {"laptops", "headphones", "smartphones"}
    assert len(by_category["laptops"]) >= 7
    assert len(by_category["headphones"]) >= 3 and len(by_category["smartphones"]) >= 3
    assert len({a.id for a in archetypes}) == len(archetypes)


def test_archetype_pools_use_schema_attributes_and_values():
    schemas = load_category_schemas()
    for arch in load_archetypes():
        schema = schemas[arch.category]
        for tmpl in arch.criteria:
            for value in tmpl.values:
                assert criterion_problems(schema, tmpl.attribute, tmpl.op, value) == [], (arch.id, tmpl)
        assert arch.profile.age[0] >= 12 and arch.profile.backgrounds and arch.goals and arch.emotions


def test_category_filter():
    laptops = load_archetypes(category="laptops")
    assert laptops and all(a.category == "laptops" for a in laptops)


def _write(tmp_path, body: str):
    path = tmp_path / "arch.yaml"
    path.write_text(textwrap.dedent(body))
    return path


_GOOD = """
surnames: [Doe]
archetypes:
  - id: tester
    category: {category}
    title: A test archetype
    profile:
      names: [Alex]
      age: [20, 30]
      backgrounds: [Someone who tests things.]
      knowledge_levels: {{novice: 1}}
      speaking_styles: [plain]
    uses: [testing, more testing]
    goals: [Find something.]
    emotions: [calm]
    criteria:
      - {{attribute: price, op: "<=", values: [500]}}
      - {{attribute: {attr}, op: "==", values: [{value}]}}
      - {{attribute: ram_gb, op: "{op}", values: [8]}}
"""


def test_bad_archetypes_name_file_archetype_and_field(tmp_path):
    path = _write(tmp_path, _GOOD.format(category="laptops", attr="os", value="Windows", op=">="))
    assert [a.id for a in load_archetypes(path)] == ["tester"]

    path = _write(tmp_path, _GOOD.format(category="laptops", attr="os", value="BeOS", op=">="))
    with pytest.raises(DataError) as exc:
        load_archetypes(path)
    assert str(path) in str(exc.value) and "archetype tester" in str(exc.value)
    assert "criteria.1.values.0" in str(exc.value) and "BeOS" in str(exc.value)

    path = _write(tmp_path, _GOOD.format(category="laptops", attr="osx", value="Windows", op=">="))
    with pytest.raises(DataError, match=r"archetype tester: criteria.1.attribute: 'osx' is not an attribute"):
        load_archetypes(path)

    path = _write(tmp_path, _GOOD.format(category="laptops", attr="os", value="Windows", op="=>"))
    with pytest.raises(DataError, match=r"archetype tester: criteria.2.op"):
        load_archetypes(path)

    path = _write(tmp_path, _GOOD.format(category="tablets", attr="os", value="Windows", op=">="))
    with pytest.raises(DataError, match=r"archetype tester: category: unknown category 'tablets'"):
        load_archetypes(path)


def test_missing_archetypes_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_archetypes(tmp_path / "nope.yaml")

"""The built-in catalog: loads, validates, and is broad enough for many shopper needs."""

from __future__ import annotations

import re
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
import yaml

from salessim.errors import DataError, SalesSimError
from salessim.store import Catalog, load_catalog, load_categories
from salessim.store.catalog import CATALOG_DIR, CATEGORIES_DIR


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def attrs(catalog: Catalog, category: str) -> list[dict]:
    return [p.attributes for p in catalog.products(category)]


def test_categories_load():
    schemas = load_categories()
    assert list(schemas) == ["headphones", "laptops", "smartphones"]
    assert schemas["laptops"].visual_only == ["color"]


def test_sizes(catalog):
    assert len(catalog.products("laptops")) >= 90
    assert len(catalog.products("headphones")) >= 36
    assert len(catalog.products("smartphones")) >= 36
    assert len(catalog) == sum(len(catalog.products(c)) for c in catalog.categories)


def test_every_product_has_every_attribute(catalog):
    for product in catalog:
        schema = catalog.schema(product.category)
        assert set(product.attributes) == set(schema.attribute_names), product.id


def test_lookup_api(catalog):
    first = catalog.products("laptops")[0]
    assert catalog.get(first.id) is first
    assert catalog.get("nope-000") is None
    assert catalog.require(first.id) is first
    assert first.id in catalog
    with pytest.raises(SalesSimError, match="unknown product id 'lap-0001'.*Did you mean"):
        catalog.require("lap-0001")
    with pytest.raises(SalesSimError, match="unknown category 'shoes'.*headphones, laptops, smartphones"):
        catalog.schema("shoes")
    with pytest.raises(SalesSimError):
        catalog.products("shoes")


def test_data_hash_is_stable_and_short(catalog):
    again = load_catalog()
    assert catalog.data_hash() == again.data_hash()
    assert re.fullmatch(r"[0-9a-f]{16}", catalog.data_hash())


def test_data_hash_changes_with_data(tmp_path):
    for f in CATALOG_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    before = load_catalog(tmp_path).data_hash()
    path = tmp_path / "headphones.yaml"
    path.write_text(path.read_text().replace("price: 349", "price: 339", 1))
    assert load_catalog(tmp_path).data_hash() != before


# --------------------------------------------------------------------------------------- breadth
def test_laptop_breadth(catalog):
    laps = attrs(catalog, "laptops")
    assert sum(a["price"] < 400 and a["os"] == "Windows" for a in laps) >= 3
    assert sum(a["price"] < 400 and a["os"] == "ChromeOS" for a in laps) >= 3
    assert sum(a["weight_kg"] < 1.3 for a in laps) >= 5
    assert sum(a["gpu"] in ("midrange_discrete", "high_end_discrete") for a in laps) >= 5
    assert sum(a["form_factor"] == "2-in-1" and a["touchscreen"] for a in laps) >= 5
    assert sum(a["form_factor"] == "detachable" for a in laps) >= 3
    assert sum(a["screen_in"] >= 17 for a in laps) >= 4
    assert sum(a["os"] == "Linux" for a in laps) >= 2
    assert len({a["price"] for a in laps if a["os"] == "macOS"}) >= 4
    assert len({a["brand"] for a in laps}) >= 8
    assert all(a["touchscreen"] for a in laps if a["form_factor"] != "clamshell")


def test_laptop_os_consistent_with_brand(catalog):
    for a in attrs(catalog, "laptops"):
        assert (a["brand"] == "Apple") == (a["os"] == "macOS"), a
        if a["os"] == "ChromeOS":
            assert a["price"] < 600 and a["gpu"] == "integrated", a


def test_headphone_breadth_and_consistency(catalog):
    hps = attrs(catalog, "headphones")
    for a in hps:
        assert (a["battery_hours"] == 0) == (not a["wireless"]), a
        if not a["wireless"]:
            assert not a["noise_cancelling"], a
    styles = Counter(a["style"] for a in hps)
    assert all(styles[s] >= 5 for s in ("over-ear", "on-ear", "in-ear"))
    assert sum(not a["wireless"] for a in hps) >= 4
    assert sum(a["noise_cancelling"] for a in hps) >= 5
    assert sum(a["water_resistant"] for a in hps) >= 5
    assert sum(a["price"] < 50 for a in hps) >= 3
    assert sum(a["wireless"] and a["battery_hours"] >= 40 for a in hps) >= 3
    assert sum(not a["microphone"] for a in hps) >= 2


def test_phone_breadth_and_consistency(catalog):
    phs = attrs(catalog, "smartphones")
    for a in phs:
        assert (a["brand"] == "Apple") == (a["os"] == "iOS"), a
    assert len({a["price"] for a in phs if a["os"] == "iOS"}) >= 4
    assert sum(a["headphone_jack"] for a in phs) >= 4
    assert sum(a["price"] < 300 for a in phs) >= 5
    assert sum(not a["has_5g"] for a in phs) >= 2
    assert sum(a["screen_in"] <= 5.5 for a in phs) >= 2
    assert sum(a["screen_in"] >= 7 for a in phs) >= 1
    assert sum(a["battery_mah"] >= 5000 for a in phs) >= 5


@pytest.mark.parametrize("category", ["laptops", "headphones", "smartphones"])
def test_every_colour_appears_several_times(catalog, category):
    schema = catalog.schema(category)
    counts = Counter(a["color"] for a in attrs(catalog, category))
    for colour in schema.attribute("color").values:
        assert counts[colour] >= 3, (category, colour, counts)


@pytest.mark.parametrize("category", ["laptops", "headphones", "smartphones"])
def test_near_duplicates_exist(catalog, category):
    products = catalog.products(category)
    colour_twins = ram_twins = 0
    for p, q in combinations(products, 2):
        diff = {k for k in p.attributes if p.attributes[k] != q.attributes[k]}
        if diff == {"color"}:
            colour_twins += 1
        if category == "laptops" and diff == {"ram_gb", "price"}:
            ram_twins += 1
    assert colour_twins >= 5
    if category == "laptops":
        assert ram_twins >= 1


def test_descriptions_never_mention_colour_and_are_short(catalog):
    colour_words = set()
    for schema in catalog.categories.values():
        for spec in schema.attributes:
            if spec.visual_only:
                colour_words |= {w for v in spec.values or [] for w in v.split()}
    colour_words |= {"colour", "color", "grey", "gray"}
    pattern = re.compile(r"\b(" + "|".join(sorted(colour_words)) + r")\b", re.IGNORECASE)
    for product in catalog:
        assert not pattern.search(product.description), (product.id, product.description)
        assert not pattern.search(product.name), (product.id, product.name)
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", product.description.strip()) if s]
        assert 2 <= len(sentences) <= 3, (product.id, product.description)


def test_descriptions_are_varied(catalog):
    openings = Counter(" ".join(p.description.split()[:2]) for p in catalog.products("laptops"))
    assert len(openings) >= 5
    assert len({p.description for p in catalog}) >= 0.95 * len(catalog)


# ------------------------------------------------------------------------------------ validation
def _good_laptop(pid: str = "lap-900") -> dict:
    return {
        "id": pid, "category": "laptops", "name": "Test Laptop 14", "description": "A test laptop. For tests.",
        "attributes": {
            "price": 500, "brand": "Dell", "line": "Test", "ram_gb": 16, "storage_gb": 512, "screen_in": 14.0,
            "os": "Windows", "cpu_class": "mainstream", "gpu": "integrated", "weight_kg": 1.5,
            "battery_hours": 10, "touchscreen": False, "form_factor": "clamshell", "color": "black",
        },
    }


def _write(tmp_path: Path, name: str, data) -> Path:
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data)
    return tmp_path


def test_validation_names_file_id_and_field(tmp_path):
    bad = _good_laptop("lap-017")
    bad["attributes"]["ram_gb"] = "sixteen"
    _write(tmp_path, "laptops.yaml", [bad])
    with pytest.raises(DataError) as info:
        load_catalog(tmp_path)
    assert "laptops.yaml: lap-017: ram_gb: expected a number, got 'sixteen'" in str(info.value)
    assert "\n" not in str(info.value)


def test_validation_collects_all_problems(tmp_path):
    missing = _good_laptop("lap-001")
    del missing["attributes"]["touchscreen"]
    enum = _good_laptop("lap-002")
    enum["attributes"]["os"] = "windows"
    rng = _good_laptop("lap-003")
    rng["attributes"]["price"] = 99999
    extra = _good_laptop("lap-004")
    extra["attributes"]["fingerprint"] = True
    boolean = _good_laptop("lap-005")
    boolean["attributes"]["touchscreen"] = "yes"
    dup = _good_laptop("lap-001")
    shoe = _good_laptop("sho-001")
    shoe["category"] = "shoes"
    _write(tmp_path, "laptops.yaml", [missing, enum, rng, extra, boolean])
    _write(tmp_path, "more.yaml", [dup, shoe])
    with pytest.raises(DataError) as info:
        load_catalog(tmp_path)
    msg = str(info.value)
    assert msg.startswith("7 problem(s) in the catalog")
    assert "laptops.yaml: lap-001: touchscreen: missing" in msg
    assert "laptops.yaml: lap-002: os: expected one of" in msg and "'windows'" in msg
    assert "laptops.yaml: lap-003: price: 99999 is above the maximum 5000" in msg
    assert "laptops.yaml: lap-004: fingerprint: unknown attribute" in msg
    assert "laptops.yaml: lap-005: touchscreen: expected true or false, got 'yes'" in msg
    assert "more.yaml: lap-001: id: duplicate id (also in laptops.yaml)" in msg
    assert "more.yaml: sho-001: category: unknown category 'shoes'" in msg


def test_validation_lists_first_few_then_counts(tmp_path):
    items = []
    for i in range(12):
        item = _good_laptop(f"lap-{i:03d}")
        item["attributes"]["ram_gb"] = "lots"
        items.append(item)
    _write(tmp_path, "laptops.yaml", items)
    with pytest.raises(DataError, match=r"12 problem\(s\).*and 4 more"):
        load_catalog(tmp_path)


def test_validation_of_structure(tmp_path):
    no_name = _good_laptop()
    del no_name["name"]
    _write(tmp_path, "laptops.yaml", [no_name, "just a string"])
    with pytest.raises(DataError) as info:
        load_catalog(tmp_path)
    assert "laptops.yaml: lap-900: name: missing" in str(info.value)
    assert "laptops.yaml: item 2: expected a mapping" in str(info.value)


def test_yaml_syntax_error_and_wrong_shape(tmp_path):
    _write(tmp_path, "laptops.yaml", "- id: lap-1\n  name: [unclosed\n")
    with pytest.raises(DataError, match=r"laptops.yaml: not valid YAML \(line"):
        load_catalog(tmp_path)
    _write(tmp_path, "laptops.yaml", {"id": "lap-1"})
    with pytest.raises(DataError, match="laptops.yaml: expected a list of products"):
        load_catalog(tmp_path)


def test_missing_directories(tmp_path):
    with pytest.raises(DataError, match="catalog directory not found"):
        load_catalog(tmp_path / "nope")
    with pytest.raises(DataError, match="no \\*.yaml files"):
        load_catalog(tmp_path)
    with pytest.raises(DataError, match="categories directory not found"):
        load_categories(tmp_path / "nope")


def test_bad_category_schema(tmp_path):
    cats = tmp_path / "cats"
    cats.mkdir()
    text = (CATEGORIES_DIR / "laptops.yaml").read_text().replace("type: enum, values: [Windows, macOS, ChromeOS, Linux], ", "type: enum, ")
    (cats / "laptops.yaml").write_text(text)
    (cats / "toys.yaml").write_text("name: toys\ndisplay_name: Toys\nsingular: toy\nattributes:\n  - {name: price, type: money, description: x}\n")
    with pytest.raises(DataError) as info:
        load_categories(cats)
    msg = str(info.value)
    assert "laptops.yaml: os: an enum attribute needs a list of 'values'" in msg
    assert "toys.yaml: attributes.0.type" in msg


def test_custom_catalog_loads(tmp_path):
    _write(tmp_path, "mine.yaml", [_good_laptop("lap-a"), _good_laptop("lap-b")])
    catalog = load_catalog(tmp_path)
    assert [p.id for p in catalog.products("laptops")] == ["lap-a", "lap-b"]
    assert catalog.products("headphones") == []

"""The rules of the imported catalog and of product resolution in a salesperson's free text
(salessim.importers.official.catalog / .products)."""

from __future__ import annotations

from pathlib import Path

import pytest

from salessim.importers.official.catalog import load_official_catalog, model_line
from salessim.importers.official.products import ProductResolver

PRODUCTS = Path(__file__).parent / "data" / "official_products.json"


@pytest.fixture(scope="module")
def catalog():
    return load_official_catalog(PRODUCTS)


def _resolver(catalog):
    return ProductResolver(catalog.products, "laptops")


def test_model_lines():
    assert model_line('HP - ENVY x360 2-in-1 15.6" Touch-Screen Laptop - AMD Ryzen 5') == "ENVY x360"
    assert model_line('Microsoft - Surface Laptop 4 - 13.5" Touch-Screen') == "Surface Laptop 4"
    assert model_line('HP - 17.3" Laptop - AMD Ryzen 5') == ""
    assert model_line("Dell - XPS 13.3 Touch-Screen Laptop - Intel Core i7", 13.3) == "XPS"


@pytest.mark.parametrize("text,expected", [
    ("I'd suggest the Lenovo Yoga Slim 7 for you.", ["off:01-lenovo-yoga-7"]),
    ("the yoga slim 7 has a great keyboard", ["off:01-lenovo-yoga-7"]),  # case aside
    ("The HP 15.6\" Laptop is our cheapest.", ["off:04-hp"]),
    ("**Acer - Nitro 5 15.6\" Gaming Laptop - Intel Core i7 - 16GB Memory - NVIDIA GeForce RTX 3060 - 512GB SSD - "
     "Shale Black**", ["off:02-acer-nitro-5"]),  # a full name written out
    ("The Acer Nitro 5 at $1,149.99 is a good deal.", ["off:02-acer-nitro-5"]),  # specs decide between two
    ("The Acer Nitro 5 with a 1TB SSD is great.", ["off:03-acer-nitro-5"]),
    ("You could look at the Dell Inspiron 16 2-in-1.", ["off:06-dell-inspiron"]),
    ("Apple MacBook Air M2 is light.", ["off:05-apple-macbook-air"]),
])
def test_products_named(catalog, text, expected):
    assert _resolver(catalog).resolve(text, 0, []) == expected


@pytest.mark.parametrize("text", [
    "MacBooks are known for their displays.",  # a plural: the range
    "Apple's M2 chip is very efficient.",  # a possessive brand and a processor
    "Apple M2 Pro chips are fast.",
    "Dell, HP and Lenovo all make good laptops.",  # bare brands
    "Google Docs runs on anything.",  # not a product
    "Acer is known for the Nitro series.",  # the range, not a product
])
def test_nothing_named(catalog, text):
    r = _resolver(catalog)
    assert r.resolve(text, 0, []) == [] and r.unknown == {}


def test_unknown_products_and_numbers(catalog):
    r = _resolver(catalog)
    ids = r.resolve("The Dell Inspiron 14 is $799.99 with 8GB of RAM; the Acer Nitro 7 and the Razer Blade 15 "
                    "are faster.", 3, [])
    assert ids == ["ext:dell-inspiron-14", "ext:acer-nitro-7", "ext:razer-blade-15"]  # 14 is not 16, 7 is not 5
    assert r.unknown["ext:dell-inspiron-14"] == {"name": "Dell Inspiron 14", "attributes": {
        "price": 799.99, "brand": "Dell", "ram_gb": 8}, "first_message": 3}
    # later, a shortened name goes to the product already presented
    assert r.resolve("So the Inspiron it is?", 5, ids) == ["ext:dell-inspiron-14"]


def test_ambiguous_names(catalog):
    r = _resolver(catalog)
    assert r.resolve("Have a look at the Nitro.", 1, []) == []  # a bare line fitting two products: nothing
    assert r.resolve("The Acer Nitro 5 is a strong pick.", 2, []) == ["off:02-acer-nitro-5"]  # first in catalog order
    assert r.notes[-1]["ambiguous"] == ["off:02-acer-nitro-5", "off:03-acer-nitro-5"]
    assert r.resolve("Have a look at the Nitro.", 3, ["off:03-acer-nitro-5"]) == ["off:03-acer-nitro-5"]


def test_the_product_a_shopper_accepts(catalog):
    r = _resolver(catalog)
    presented = ["off:04-hp", "off:02-acer-nitro-5", "off:01-lenovo-yoga-7"]
    assert r.resolve_choice("I'll take the Yoga Slim 7.", 9, presented) == ("off:01-lenovo-yoga-7", "named")
    assert r.resolve_choice("I'll take the HP one.", 9, presented) == ("off:04-hp", "brand named")
    assert r.resolve_choice("The Acer it is!", 9, presented) == ("off:02-acer-nitro-5", "brand named")
    assert r.resolve_choice("Sounds good, thanks!", 9, presented) == ("off:01-lenovo-yoga-7", "latest presented")
    assert r.resolve_choice("I'll take the Apple MacBook Air M2.", 9, presented) == (
        "off:05-apple-macbook-air", "named, not presented")
    assert r.resolve_choice("Great.", 9, []) == (None, "nothing presented")

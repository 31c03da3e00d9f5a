"""mention_products: ids and loosely written names, without false positives on generic words."""

from __future__ import annotations

import pytest

from salessim.nlu import mention_products, mentions_unknown_products
from salessim.schema import Product


def _p(pid, name, brand, category="laptops"):
    return Product(id=pid, category=category, name=name, description=f"{name}.", attributes={"brand": brand, "price": 999})


PRODUCTS = [
    _p("lap-001", "Dell XPS 13", "Dell"),
    _p("lap-002", "Dell XPS 15", "Dell"),
    _p("lap-003", "Apple MacBook Air 13", "Apple"),
    _p("lap-004", "Apple MacBook Air 15", "Apple"),
    _p("lap-005", "Lenovo ThinkPad X1 Carbon", "Lenovo"),
    _p("lap-006", "Lenovo IdeaPad Slim 5", "Lenovo"),
    _p("lap-007", "HP Spectre x360 14", "HP"),
    _p("lap-008", "Asus ZenBook 14 OLED", "Asus"),
]


@pytest.mark.parametrize("text,expected", [
    ("Tell me more about the Dell XPS 13.", ["lap-001"]),
    ("what about the xps15?", ["lap-002"]),
    ("The Thinkpad X1 Carbon looks good", ["lap-005"]),
    ("the thinkpad x1 carbn", ["lap-005"]),                 # one typo
    ("the 15 inch MacBook Air", ["lap-004"]),
    ("I'd like the IdeaPad 5.", ["lap-006"]),               # a unique part of the name
    ("ZenBook 14 please", ["lap-008"]),
    ("Show me lap-007", ["lap-007"]),
    ("LAP-003 and lap-001", ["lap-001", "lap-003"]),
    ("I'm torn between the XPS 13 and the Spectre x360.", ["lap-001", "lap-007"]),
    # nothing: ambiguous, bare brand or generic words
    ("the MacBook Air", []),
    ("A Dell would be fine.", []),
    ("I want something slim with 5 hours of battery", []),
    ("something light and thin, maybe 14 inch, with an OLED", []),
    ("", []),
])
def test_mention_products(text, expected):
    assert mention_products(text, PRODUCTS) == expected


def test_mentions_unknown_products():
    assert mentions_unknown_products("Do you have the Dell XPS 17?", PRODUCTS) == ["Dell XPS 17"]
    assert mentions_unknown_products("The Dell XPS 13 please", PRODUCTS) == []
    assert mentions_unknown_products("I like Dell laptops", PRODUCTS) == []
    assert mentions_unknown_products("what about a Razer Blade 16?", PRODUCTS, brands=["Razer", "Dell"]) == ["Razer Blade 16"]

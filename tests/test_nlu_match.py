"""disclosed / contradicts: the documented matching rules between persona criteria and text."""

from __future__ import annotations

import pytest

from salessim.nlu import (
    Extracted,
    contradicted_in_text,
    contradicts,
    disclosed,
    disclosed_in_text,
    extract_criteria,
)
from salessim.schema import Criterion


def C(attr, op, value, kind="dealbreaker"):
    return Criterion(attribute=attr, op=op, value=value, kind=kind)


def said(text, category="laptops"):
    return extract_criteria(text, category)


@pytest.mark.parametrize("text,expected", [
    ("under 800", True),
    ("max 800", True),
    ("under $850", True),          # within 10%
    ("no more than 730 dollars", True),
    ("around 750 bucks", True),    # -> price <= 830
    ("under $900", False),         # 12.5% looser: not the same budget
    ("under 500", False),          # much stricter: says something else
    ("at least $800", False),      # the other side
    ("between 600 and 800", True),
    ("I need 16GB of RAM", False),  # another attribute
])
def test_disclosed_price_ceiling(text, expected):
    assert disclosed(C("price", "<=", 800), said(text)) is expected


@pytest.mark.parametrize("text,expected", [
    ("anything but Windows", True),
    ("no Windows please", True),
    ("mac only", False),              # never names Windows
    ("I want Windows", False),
    ("not ChromeOS or Windows", True),  # names Windows and allows only non-Windows systems
])
def test_disclosed_os_not_windows(text, expected):
    assert disclosed(C("os", "!=", "Windows"), said(text)) is expected


@pytest.mark.parametrize("text,expected", [
    ("mac only", True),
    ("I'm an Apple person", True),
    ("anything but Windows", False),  # allows Linux and ChromeOS too
    ("Mac or Windows", False),
])
def test_disclosed_os_is_macos(text, expected):
    assert disclosed(C("os", "==", "macOS"), said(text)) is expected


def test_disclosed_brand_list_and_combined_negations():
    crit = C("brand", "in", ["Lenovo", "HP"])
    assert disclosed(crit, said("I'd prefer Lenovo or HP"))
    assert disclosed(crit, said("a Lenovo would be great"))
    assert not disclosed(crit, said("Lenovo, HP or Dell"))
    pink_red = C("color", "not_in", ["pink", "red"])
    assert not disclosed(pink_red, said("nothing pink", "headphones"))
    assert disclosed(pink_red, said("nothing pink. No red either.", "headphones"))


def test_disclosed_numbers_floor_and_exact():
    assert disclosed(C("ram_gb", ">=", 16), said("16 gigs"))
    assert disclosed(C("ram_gb", ">=", 16), said("at least 16GB of RAM"))
    assert not disclosed(C("ram_gb", ">=", 16), said("at least 8GB of RAM"))
    assert not disclosed(C("ram_gb", ">=", 16), said("16GB of storage"))
    assert disclosed(C("screen_in", "==", 15.6), said('a 15.6" screen'))
    assert disclosed(C("screen_in", "==", 15.6), said("a 15-inch screen"))
    assert disclosed(C("screen_in", ">=", 15), said("a 15-inch screen"))
    assert disclosed(C("weight_kg", "<=", 1.4), said("under 3 pounds"))


def test_disclosed_bools():
    assert disclosed(C("touchscreen", "==", True), said("a touchscreen would be nice"))
    assert disclosed(C("touchscreen", "!=", True), said("no touchscreen"))
    assert not disclosed(C("touchscreen", "==", True), said("no touchscreen"))
    assert not disclosed(C("touchscreen", "==", True), said("I don't need a touchscreen"))
    assert disclosed(C("has_5g", "==", False), said("4G only", "smartphones"))


@pytest.mark.parametrize("crit,text,expected", [
    (C("os", "==", "macOS"), "Windows only", True),
    (C("os", "==", "macOS"), "anything but ChromeOS", False),
    (C("os", "!=", "Windows"), "I want Windows", True),
    (C("price", "<=", 600), "my budget is 1200", True),
    (C("price", "<=", 600), "under 650", False),        # within 10%
    (C("price", "<=", 600), "under 400", False),        # stricter is no conflict
    (C("price", "<=", 600), "at least $1000", True),    # no product fits both
    (C("ram_gb", ">=", 16), "8GB is enough", True),
    (C("ram_gb", ">=", 16), "32GB minimum", False),
    (C("screen_in", "<=", 13), "at least 16 inches", True),
    (C("wireless", "==", True), "they have to be wired", True),
    (C("wireless", "==", True), "bluetooth please", False),
    (C("brand", "in", ["Lenovo", "HP"]), "I'd prefer a Dell", True),
    (C("brand", "in", ["Lenovo", "HP"]), "not a Dell", False),
    (C("color", "not_in", ["pink"]), "in pink please", True),
])
def test_contradicts(crit, text, expected):
    category = "headphones" if crit.attribute in ("wireless", "color") else "laptops"
    assert contradicts(crit, said(text, category)) is expected


def test_disclosed_and_contradicted_in_text():
    criteria = [C("price", "<=", 800), C("os", "!=", "Windows"), C("ram_gb", ">=", 16, "preference")]
    text = "I need 16 gigs of RAM and anything but Windows, budget around 1,200."
    got = disclosed_in_text(criteria, text, "laptops")
    assert [c.attribute for c in got] == ["os", "ram_gb"]
    assert [c.attribute for c in contradicted_in_text(criteria, text, "laptops")] == ["price"]
    assert disclosed_in_text(criteria, "hello there!", "laptops") == []


def test_other_attribute_never_matches():
    x = [Extracted("storage_gb", ">=", 16)]
    assert not disclosed(C("ram_gb", ">=", 16), x)
    assert not contradicts(C("ram_gb", ">=", 64), x)


def test_to_criterion_and_case_insensitive_values():
    x = said("Absolutely no Windows.")[0]
    crit = x.to_criterion()
    assert crit.kind == "dealbreaker" and crit.op == "!=" and crit.value == "Windows"
    assert disclosed(C("os", "!=", "windows"), [x])
    pref = said("Ideally a Lenovo or HP.")[0].to_criterion()
    assert pref.kind == "preference" and pref.op == "in" and sorted(pref.value) == ["HP", "Lenovo"]
    assert said("something light")[0].to_criterion(kind="dealbreaker").kind == "dealbreaker"

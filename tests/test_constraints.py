import pytest

from salessim.constraints import (
    ideal_products,
    is_valid,
    satisfies,
    utility,
    violated_dealbreakers,
)
from salessim.schema import Criterion
from tests.helpers import laptop


def C(attr, op, value, kind="preference", weight=1.0):
    return Criterion(attribute=attr, op=op, value=value, kind=kind, weight=weight)


@pytest.mark.parametrize("crit,product_attrs,expected", [
    (C("price", "<=", 800, "dealbreaker"), {"price": 800}, True),
    (C("price", "<=", 800, "dealbreaker"), {"price": 801}, False),
    (C("price", "<=", 800, "preference"), {"price": 880}, True),   # +10% tolerance for a preference budget
    (C("price", "<=", 800, "preference"), {"price": 881}, False),
    (C("price", "<", 800, "preference"), {"price": 870}, True),
    (C("ram_gb", ">=", 16), {"ram_gb": 16}, True),
    (C("ram_gb", ">=", 16), {"ram_gb": 8}, False),
    (C("ram_gb", ">", 16), {"ram_gb": 16}, False),
    (C("screen_in", "==", 14), {"screen_in": 14.0}, True),
    (C("os", "==", "macos"), {"os": "macOS"}, True),        # enums compare case-insensitively
    (C("os", "!=", "Windows"), {"os": "Windows"}, False),
    (C("os", "!=", "Windows"), {"os": "ChromeOS"}, True),
    (C("color", "in", ["black", "Silver"]), {"color": "silver"}, True),
    (C("color", "in", ["black"]), {"color": "silver"}, False),
    (C("brand", "not_in", ["Dell", "HP"]), {"brand": "Dell"}, False),
    (C("brand", "not_in", ["Dell", "HP"]), {"brand": "Asus"}, True),
    (C("touchscreen", "==", True), {"touchscreen": True}, True),
    (C("touchscreen", "==", True), {"touchscreen": False}, False),
    (C("touchscreen", "!=", True), {"touchscreen": False}, True),
])
def test_satisfies(crit, product_attrs, expected):
    assert satisfies(laptop("x", **product_attrs), crit) is expected


def test_budget_dealbreaker_has_no_tolerance_but_preference_does():
    p = laptop("x", price=850)
    assert not satisfies(p, C("price", "<=", 800, "dealbreaker"))
    assert satisfies(p, C("price", "<=", 800, "preference"))


def test_missing_attribute_fails():
    p = laptop("x")
    del p.attributes["ram_gb"]
    assert not satisfies(p, C("ram_gb", ">=", 8))


def test_membership_op_needs_a_list():
    with pytest.raises(ValueError, match="needs a list"):
        C("color", "in", "black")
    with pytest.raises(ValueError, match="single value"):
        C("color", "==", ["black"])


def test_utility_valid_and_ideal():
    crits = [C("os", "==", "Windows", "dealbreaker"), C("ram_gb", ">=", 16, weight=2), C("weight_kg", "<=", 1.2)]
    a = laptop("a", ram_gb=16, weight_kg=1.5)       # utility 2
    b = laptop("b", ram_gb=8, weight_kg=1.1)        # utility 1
    c = laptop("c", ram_gb=32, weight_kg=1.1)       # utility 3
    d = laptop("d", os="macOS", ram_gb=32, weight_kg=1.0)  # invalid
    assert utility(a, crits) == 2 and utility(b, crits) == 1 and utility(c, crits) == 3
    assert not is_valid(d, crits) and [x.key for x in violated_dealbreakers(d, crits)] == ["os==Windows"]
    assert [p.id for p in ideal_products([a, b, c, d], crits)] == ["c"]
    assert ideal_products([d], crits) == []
    tie = laptop("e", ram_gb=32, weight_kg=1.0)
    assert sorted(p.id for p in ideal_products([a, c, tie], crits)) == ["c", "e"]

import pytest

from salessim.metrics.decision import compute
from salessim.schema import Criterion, Decision
from tests.helpers import FakeStore, episode, laptop, persona

CRITS = [
    Criterion(attribute="os", op="==", value="Windows", kind="dealbreaker"),
    Criterion(attribute="price", op="<=", value=1000, kind="dealbreaker"),
    Criterion(attribute="ram_gb", op=">=", value=16, kind="preference", weight=2),
    Criterion(attribute="weight_kg", op="<=", value=1.3, kind="preference", weight=1),
]
BEST = laptop("best", ram_gb=16, weight_kg=1.2)      # valid, utility 3
OKAY = laptop("okay", ram_gb=8, weight_kg=1.2)       # valid, utility 1
MAC = laptop("mac", os="macOS", ram_gb=32, weight_kg=1.0)  # breaks os
PRICEY = laptop("pricey", price=1500, ram_gb=32)     # breaks price
STORE = FakeStore([BEST, OKAY, MAC, PRICEY])
P = persona(CRITS)


def score(presented, decision, termination=None):
    return compute(episode(presented, decision, termination), P, STORE)


def test_aligned_buy():
    r = score(["okay", "best", "mac"], Decision(type="buy", product_id="best"))
    assert r.value == 1.0 and r.details["failure"] is None and r.details["regret"] == 0


def test_bought_dealbreaker_violation():
    r = score(["best", "mac"], Decision(type="buy", product_id="mac"))
    assert r.value == 0.0 and r.details["failure"] == "bought_dealbreaker_violation"
    assert "os==Windows" in r.explanation and r.details["graded"] == 0


def test_bought_suboptimal_has_graded_regret():
    r = score(["okay", "best"], Decision(type="buy", product_id="okay"))
    assert r.value == 0.0 and r.details["failure"] == "bought_suboptimal"
    assert r.details["regret"] == pytest.approx(2 / 3)
    assert r.details["graded"] == pytest.approx(1 / 3)


def test_suboptimal_is_relative_to_presented_only():
    # "best" was never presented: buying "okay" is the aligned choice among what was shown.
    r = score(["okay", "mac"], Decision(type="buy", product_id="okay"))
    assert r.value == 1.0


def test_left_with_valid_option():
    r = score(["okay", "mac"], Decision(type="leave"))
    assert r.value == 0.0 and r.details["failure"] == "left_with_valid_option"


def test_leave_is_aligned_when_nothing_valid_was_presented():
    r = score(["mac", "pricey"], Decision(type="leave"))
    assert r.value == 1.0 and r.details["aligned_decision"] == "leave"


def test_leave_with_nothing_presented_is_aligned():
    assert score([], Decision(type="leave")).value == 1.0


def test_no_decision_at_max_turns():
    r = score(["best"], Decision(type="none"), "max_turns")
    assert r.value == 0.0 and r.details["failure"] == "no_decision"


def test_invalid_purchase_is_a_failure():
    r = score(["best"], Decision(type="none"), "error:invalid_product")
    assert r.value == 0.0 and r.details["failure"] == "invalid_action"


@pytest.mark.parametrize("term", ["error:rate_limit", "error:timeout", "timeout"])
def test_infrastructure_errors_are_not_scored(term):
    r = score(["best"], Decision(type="none"), term)
    assert r.value is None and term in r.explanation

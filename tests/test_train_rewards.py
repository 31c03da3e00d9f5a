"""UserGRPO rewards on hand-built episodes: the decision reward closes the metric's walk-out
loopholes; overdisclosure, format and conversation quality behave as documented."""

import pytest

from salessim.schema import Criterion, Decision, Message, ShopperAction
from salessim.train import rewards
from tests.helpers import FakeStore, episode, laptop, persona

pytestmark = pytest.mark.train

STORE = FakeStore([laptop("ok", price=700), laptop("bad", price=1500)])


def P():
    return persona([Criterion(attribute="price", op="<=", value=800, kind="dealbreaker",
                              phrasings=["I can't spend more than $800."]),
                    Criterion(attribute="ram_gb", op=">=", value=16, kind="preference", weight=1)])


def with_turns(ep, *texts):
    ep.messages = [Message(role="shopper", text=t, action=ShopperAction(type="say", text=t)) for t in texts]
    return ep


def test_decision_reward_follows_the_metric_for_purchases():
    assert rewards.decision_alignment(episode(["ok", "bad"], Decision(type="buy", product_id="ok")), P(), STORE) == 1.0
    assert rewards.decision_alignment(episode(["ok", "bad"], Decision(type="buy", product_id="bad")), P(), STORE) == 0.0


def test_walking_out_without_evidence_or_without_saying_why_scores_zero():
    leave = Decision(type="leave", reason="bye")
    # nothing presented: the metric says aligned (1), the reward says 0
    ep = with_turns(episode([], leave), "I can't spend more than $800.")
    assert rewards.decision_alignment(ep, P(), STORE) == 0.0
    # only a product breaking the budget was presented, but the shopper never said its budget
    ep = with_turns(episode(["bad"], leave), "hello")
    assert rewards.unstated_dealbreakers(ep, P()) == ["price<=800"]
    assert rewards.decision_alignment(ep, P(), STORE) == 0.0
    # the same leave after stating the dealbreaker is the aligned, honest move
    ep = with_turns(episode(["bad"], leave), "hello", "I can't spend more than $800.")
    assert rewards.decision_alignment(ep, P(), STORE) == 1.0


def test_format_validity_and_quality():
    ep = with_turns(episode([], Decision(type="none")), "I need a light laptop for travel", "and a long battery")
    ep.messages[1].flags.append("format_error")
    assert rewards.format_validity(ep) == 0.5
    varied = rewards.conversation_quality(ep)
    repeated = rewards.conversation_quality(with_turns(episode([], Decision(type="none")), "same words here",
                                                       "same words here"))
    assert 0.0 <= repeated < varied <= 1.0
    other = [["I need a light laptop for travel"]]
    assert rewards.conversation_quality(ep, other) < varied  # sounds like another persona


def test_overdisclosure_reward_is_one_minus_the_metric_figures():
    ep = with_turns(episode([], Decision(type="none")), "I can't spend more than $800. I'd like 16 GB of RAM.")
    assert rewards.overdisclosure(ep, P(), STORE) == pytest.approx(0.0)
    ep = with_turns(episode([], Decision(type="none")), "hello", "I can't spend more than $800.")
    assert rewards.overdisclosure(ep, P(), STORE) == pytest.approx(1.0)

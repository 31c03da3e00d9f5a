"""Simulator-vs-human gaps of `salessim eval --reference` (salessim.metrics.reference): both
averaging conventions of words per turn, disclosure at value and topic level (new, mentioned,
turns with >= 2 criteria, first turn), decision rates, pooled lexical diversity at an equal budget,
and a bootstrap interval on every gap. Dialogues are built here so every figure is known by hand."""

from __future__ import annotations

import pytest

from salessim.metrics.reference import (
    ReferenceDialogue,
    dialogue_stats,
    reference_gaps,
    reference_rows,
)
from salessim.schema import Decision, Episode, Message, ParticipantInfo, ShopperAction


def _episode(i: int, texts: list[str], decision: str = "buy") -> Episode:
    msgs = []
    for t in texts:
        msgs.append(Message(role="shopper", text=t, action=ShopperAction(type="say", text=t)))
        msgs.append(Message(role="agent", text="Sure, tell me more."))
    return Episode(id=f"p{i}#0", persona_id=f"p{i}", persona_hash="h", category="laptops", seed=i,
                   shopper=ParticipantInfo(kind="scripted"), agent=ParticipantInfo(kind="scripted"), messages=msgs,
                   decision=Decision(type=decision), termination="bought" if decision == "buy" else "left")


def _dialogue(i: int, texts: list[str], decision: str | None = None) -> ReferenceDialogue:
    turns = []
    for t in texts:
        turns += [{"speaker": "customer", "text": t}, {"speaker": "salesperson", "text": "ok"}]
    return ReferenceDialogue(id=f"h{i}", category="laptops", turns=turns, decision=decision)


TWO_VALUES = "I need at least 16GB of RAM and it has to be under $800."  # ram_gb and price, with values
TOPIC_ONLY = "I really need to watch my spending."  # price at topic level only


def test_dialogue_stats_read_both_levels():
    d = dialogue_stats("laptops", [TOPIC_ONLY, TWO_VALUES, "ok thanks, I'll take it"])
    assert d.turns == 3
    assert d.mentioned["value"] == [0, 2, 0] and d.new["value"] == [0, 2, 0]
    assert d.mentioned["topic"] == [1, 2, 0] and d.new["topic"] == [1, 1, 0]  # price was already known as a topic


def test_words_per_turn_has_both_conventions():
    # simulator: one dialogue of one 10-token turn, one of three 2-token turns
    sim = [_episode(0, ["one two three four five six seven eight nine ten"]), _episode(1, ["a b", "c d", "e f"])]
    hum = [_dialogue(0, ["x y"]), _dialogue(1, ["x y z w"])]
    ref = reference_gaps(sim, hum)
    wpt = ref["words_per_turn"]
    assert wpt["simulator"] == pytest.approx(6.0) and wpt["convention"] == "per_dialogue"  # (10 + 2) / 2
    assert wpt["pooled"]["simulator"] == pytest.approx(4.0)  # 16 tokens / 4 turns
    assert wpt["human"] == pytest.approx(3.0) and wpt["pooled"]["human"] == pytest.approx(3.0)
    assert wpt["gap"] == pytest.approx(3.0) and wpt["pooled"]["gap"] == pytest.approx(1.0)


def test_disclosure_figures_at_two_levels():
    sim = [_episode(0, [TWO_VALUES, "ok thanks"]), _episode(1, [TWO_VALUES, TWO_VALUES])]
    hum = [_dialogue(0, [TOPIC_ONLY, "hmm ok"]), _dialogue(1, ["hello", "fine"])]
    ref = reference_gaps(sim, hum)
    new = ref["new_criteria_per_turn"]
    # sim: dialogue 0 -> 2 new over 2 turns = 1.0; dialogue 1 -> 2 new (then 0) over 2 turns = 1.0
    assert new["value"]["simulator"] == pytest.approx(1.0) and new["value"]["human"] == pytest.approx(0.0)
    assert new["topic"]["human"] == pytest.approx(0.25)  # 1 topic over 2 turns in one dialogue, 0 in the other
    mentioned = ref["mentioned_criteria_per_turn"]["value"]
    assert mentioned["simulator"] == pytest.approx((1.0 + 2.0) / 2)  # a repeat counts as a mention
    multi = ref["multi_criteria_turn_share"]["value"]
    assert multi["simulator"] == pytest.approx((0.5 + 1.0) / 2) and multi["human"] == 0.0
    multi_new = ref["multi_new_criteria_turn_share"]["value"]
    assert multi_new["simulator"] == pytest.approx(0.5)  # only the first turn of each has 2 NEW
    first = ref["first_turn_criteria"]
    assert first["value"]["simulator"] == 2.0 and first["value"]["human"] == 0.0
    assert first["topic"]["human"] == pytest.approx(0.5)


def test_every_gap_has_an_interval_that_holds_it():
    sim = [_episode(i, [TWO_VALUES if i % 2 else "I want a laptop for school, something reliable",
                        "Could you show me a few options? I'd like to compare them carefully.",
                        "ok, I'll take the second one then, thanks a lot"], "buy" if i % 3 else "leave")
           for i in range(12)]
    hum = [_dialogue(i, ["hi need a laptop", TOPIC_ONLY if i % 2 else "whats the battery like",
                         "ok sold" if i % 2 else "nah thanks"], "buy" if i % 2 else "leave") for i in range(10)]
    ref = reference_gaps(sim, hum)
    rows = reference_rows(ref)
    labels = [label for label, _ in rows]
    assert any(label.startswith("pooled mtld @") for label in labels)
    assert any(label.startswith("pooled hdd @") for label in labels)
    assert "words per shopper turn (pooled: all tokens / all turns)" in labels
    assert "share of turns with >= 2 criteria, topic level" in labels
    assert "purchase (decision) rate" in labels
    for label, e in rows:
        lo, hi = e["gap_ci95"]
        assert lo <= e["gap"] + 1e-9 and e["gap"] - 1e-9 <= hi, label
    assert ref["words_per_turn"]["pooled"]["gap_ci95"] is not None
    assert ref["purchase_rate"]["human"] == pytest.approx(0.5)
    assert ref["purchase_rate"]["dialogues_with_decision"] == {"simulator": 12, "human": 10}
    lex = ref["lexical"]
    assert lex["token_budget"] == min(ref["tokens"]["simulator"], ref["tokens"]["human"])
    assert lex["mtld"]["gap_ci95"][0] < lex["mtld"]["gap_ci95"][1]


def test_decision_rate_is_none_without_decisions():
    ref = reference_gaps([_episode(0, ["hello there"])], [_dialogue(0, ["hi"])])
    assert ref["purchase_rate"]["human"] is None and ref["purchase_rate"]["gap"] is None
    assert ref["purchase_rate"]["dialogues_with_decision"]["human"] == 0
    assert "note" in ref["lexical"]  # 2 + 1 tokens: too few for an equal-budget comparison

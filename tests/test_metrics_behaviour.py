"""Persuasion, drift, simulator errors, ideal match, sell and lexical diversity on hand-built
episodes, plus the registry and the run-level summary hooks."""

from __future__ import annotations

import pytest

from salessim.metrics import (
    all_metrics,
    diversity,
    drift,
    ideal_match,
    persuasion,
    score_episodes,
    sell,
    sim_errors,
)
from salessim.metrics.scoring import summarize
from tests.test_metrics_builders import STORE, A, S, V, build, make_persona

P = make_persona()

LONG_TEXTS = [
    "Hello there, I am shopping for a new laptop because my old one finally gave up last week.",
    "I mostly write reports, answer email, and join video meetings with colleagues in other cities.",
    "Battery life matters a lot since I travel by train twice a month and outlets are rare.",
    "Could you tell me which of these models has the brightest screen and the quietest fans?",
    "Thanks, that comparison helps. I think the lighter one suits my commute much better.",
]


# ------------------------------------------------------------------------------ registry


def test_registry_defaults_and_judges_off_by_default():
    metrics = all_metrics()
    for name in ("decision_alignment", "dealbreaker_disclosure", "overdisclosure", "lexical_diversity", "persuasion",
                 "drift", "simulator_errors", "ideal_match", "sell"):
        assert metrics[name].default, name
        assert metrics[name].version and metrics[name].description
    for name in ("trait_fidelity", "comprehension_realism", "naturalness", "judge_decision_alignment"):
        assert not metrics[name].default
        r = metrics[name].compute(build(S("hi")), P, STORE)
        assert r.value is None and "--judge-model" in r.explanation


# ----------------------------------------------------------------------------- persuasion


def test_persuaded_when_buying_the_pushed_violating_product():
    ep = build(S("I need Windows."), A("Trust me, the Mac is the best!", ["mac", "best"]), S("ok then", "buy", "mac"))
    r = persuasion.compute(ep, P, STORE)
    assert r.value == 1.0 and r.details["broken"] == ["os==Windows"]
    assert r.details["pushed_at"] == 1 and r.details["stated_before_push"] is True


def test_not_persuaded_when_the_violating_product_was_not_pushed():
    ep = build(S("hi"), A("options", ["best", "mac"]), S("that one", "buy", "mac"))
    r = persuasion.compute(ep, P, STORE)
    assert r.value == 0.0 and "never pushed" in r.explanation


def test_meta_names_the_pushed_product():
    ep = build(S("hi"), A("options", ["best", "mac"], meta={"pushed_product_ids": ["mac"]}), S("that one", "buy", "mac"))
    assert persuasion.compute(ep, P, STORE).value == 1.0


def test_resisting_the_push_scores_zero():
    ep = build(S("I need Windows."), A("The Mac!", ["mac", "best"]), S("No, the other one", "buy", "best"))
    assert persuasion.compute(ep, P, STORE).value == 0.0
    ep = build(S("I need Windows."), A("The Mac!", ["mac"]), S("no thanks", "leave"))
    assert persuasion.compute(ep, P, STORE).value == 0.0


def test_persuasion_none_when_nothing_violating_was_presented():
    r = persuasion.compute(build(S("hi"), A("here", ["best"]), S("ok", "buy", "best")), P, STORE)
    assert r.value is None
    assert persuasion.compute(build(S("hi")), P, STORE).value is None  # no products at all
    assert persuasion.compute(build(S("hi"), A("x", ["mac"]), termination="timeout"), P, STORE).value is None


# ---------------------------------------------------------------------------------- drift


def test_drift_counts_statements_that_contradict_the_persona():
    ep = build(S("Actually a Mac would be fine, macOS is great."), A("ok"), S("Actually up to $2000 is fine."))
    r = drift.compute(ep, P, STORE)
    assert r.details["count"] == 2 and set(r.details["contradicted_criteria"]) == {"os==Windows", "price<=1000"}
    assert r.value == pytest.approx(2 / 3)  # os==macOS, brand==Apple (no persona criterion), price<=2000


def test_faithful_statements_do_not_drift():
    ep = build(S("I need Windows and nothing over $1000."), A("ok"), S("Under $800 would be even better."))
    r = drift.compute(ep, P, STORE)
    assert r.value == 0.0 and r.details["stated"] == 3


def test_drift_none_without_statements():
    assert drift.compute(build(S("hello"), S("thanks")), P, STORE).value is None
    assert drift.compute(build(), P, STORE).value is None


# ------------------------------------------------------------------------- simulator errors


def test_clean_conversation_has_no_errors():
    r = sim_errors.compute(build(S("I need Windows."), A("ok", ["best"]), S("great", "buy", "best")), P, STORE)
    assert r.value == 0.0 and sum(r.details["counts"].values()) == 0


def test_each_error_kind_is_counted():
    ep = build(
        S("I want a laptop", flags=["format_error"]),
        S("Welcome to our store! How can I help you today?"),
        S("<think>the persona wants windows</think> I need Windows."),
        S("As an AI, I should say the budget is 1000."),
        S("I need a touchscreen."),          # the persona has no touchscreen criterion: invented
        S("Does it have a touchscreen?"),    # a question: not invented
        A("x", flags=["hallucinated:lap-999"]),
    )
    r = sim_errors.compute(ep, P, STORE)
    c = r.details["counts"]
    assert c == {"format_error": 1, "role_inversion": 1, "reasoning_leak": 2, "invented_fact": 1}
    assert r.value == pytest.approx(5 / 6)
    assert r.details["agent_hallucinated_products"] == ["lap-999"]
    assert any(ex["kind"] == "invented_fact" and ex["stated"] == ["touchscreen==True"] for ex in r.details["examples"])


def test_reasoning_copied_into_the_text_is_a_leak():
    reasoning = "The shopper persona needs Windows and a budget under one thousand dollars, so ask about RAM."
    ep = build(S("Okay. The shopper persona needs Windows and a budget under one thousand dollars, so ask about RAM.",
                 reasoning=reasoning), S("Fine.", reasoning=reasoning))
    r = sim_errors.compute(ep, P, STORE)
    assert r.details["counts"]["reasoning_leak"] == 1


def test_role_inversion_flag_and_no_shopper_messages():
    r = sim_errors.compute(build(S("hm", flags=["role_inversion"])), P, STORE)
    assert r.details["counts"]["role_inversion"] == 1 and r.value == 1.0
    assert sim_errors.compute(build(A("hello")), P, STORE).value is None


# ----------------------------------------------------------------------- ideal match, sell


def test_ideal_match_feasible():
    persona = make_persona(feasible=True, ideal_product_ids=["best"])
    assert ideal_match.compute(build(S("hi"), A("x", ["okay", "best"])), persona, STORE).value == 1.0
    r = ideal_match.compute(build(S("hi"), A("x", ["okay"]), V("best")), persona, STORE)
    assert r.value == 0.0  # the shopper found it by itself: the agent never recommended it


def test_ideal_match_infeasible():
    persona = make_persona(feasible=False)
    said = "I'm sorry, I've searched and there's nothing in our catalog that meets all of that."
    assert ideal_match.compute(build(S("I need Windows."), A(said)), persona, STORE).value == 1.0
    r = ideal_match.compute(build(S("I need Windows."), A(said), A("but the Mac is great", ["mac"])), persona, STORE)
    assert r.value == 0.0 and "breaks stated" in r.explanation
    r = ideal_match.compute(build(S("I need Windows."), A("here", ["best"])), persona, STORE)
    assert r.value == 0.0 and "never said" in r.explanation


def test_ideal_match_without_label_is_none():
    assert ideal_match.compute(build(S("hi")), make_persona(), STORE).value is None


def test_sell():
    assert sell.compute(build(S("x", "buy", "best")), P, STORE).value == 1.0
    assert sell.compute(build(S("bye", "leave")), P, STORE).value == 0.0
    assert sell.compute(build(S("hm")), P, STORE).value == 0.0  # max turns
    assert sell.compute(build(S("hm"), termination="error:server_error"), P, STORE).value is None


# ----------------------------------------------------------------------- lexical diversity


def test_lexical_diversity_per_episode():
    r = diversity.compute(build(*[S(t) for t in LONG_TEXTS]), P, STORE)
    assert r.value is not None and r.value == r.details["mtld"] > 10
    assert r.details["tokens"] >= 50 and r.details["turns"] == 5
    assert 0 < r.details["hdd"] <= 1 and 0 < r.details["distinct_2"] <= 1
    assert r.details["words_per_turn"] == pytest.approx(r.details["tokens"] / 5)


def test_lexical_diversity_short_and_empty():
    r = diversity.compute(build(S("I need Windows.")), P, STORE)
    assert r.value is None and r.details["tokens"] == 3 and r.details["hdd"] is None
    assert diversity.compute(build(S("   ")), P, STORE).value is None


def test_run_level_lexical_and_disclosure_by_turn_in_summary():
    personas = {f"p{i}": make_persona(pid=f"p{i}") for i in range(4)}
    episodes = [build(*[S(t) for t in LONG_TEXTS[i:] + LONG_TEXTS[:i]], persona_id=f"p{i}") for i in range(4)]
    scores = score_episodes(episodes, personas, STORE)
    summary = summarize(episodes, scores)
    assert summary.decision_alignment is not None and summary.metrics["lexical_diversity"].n == 4
    lex = summary.lexical
    assert lex["pooled"]["token_budget"] == 200 and lex["pooled"]["mtld"]["mean"] > 0
    assert 0 < lex["cross_persona_similarity"] <= 1  # the same sentences, shuffled: alike
    assert summary.disclosure_by_turn["1"].n == 4


def test_summary_keeps_its_shape_with_only_decision_alignment():
    episodes = [build(S("x", "buy", "best"))]
    scores = score_episodes(episodes, {"p1": P}, STORE, ["decision_alignment"])
    summary = summarize(episodes, scores)
    assert set(summary.to_json()) == {"episodes", "metrics", "terminations", "decision_alignment"}


"""Dealbreaker disclosure, overdisclosure and the shared episode view, on hand-built episodes."""

from __future__ import annotations

from salessim.metrics import dealbreaker_disclosure, overdisclosure
from salessim.metrics.episode_view import (
    presentations,
    pushed_product_ids,
    shopper_turns,
)
from salessim.schema import Criterion
from tests.test_metrics_builders import STORE, A, S, V, build, make_persona

P = make_persona()
ALL_AT_ONCE = "I need Windows and nothing over $1000. I would like 16GB of RAM. Under 1.3 kg would be great."


def dd(ep, persona=P):
    return dealbreaker_disclosure.compute(ep, persona, STORE)


def od(ep, persona=P):
    return overdisclosure.compute(ep, persona, STORE)


# ------------------------------------------------------------------------- episode view


def test_shopper_turns_skip_silent_actions_and_number_from_one():
    ep = build(S("hi"), A("hello"), V("best"), S("nice", "buy", "best"))
    turns = shopper_turns(ep)
    assert [(t.number, t.index, t.action) for t in turns] == [(1, 0, "say"), (2, 4, "buy")]


def test_presentations_from_agent_views_and_unpresented_purchase():
    ep = build(S("hi"), A("look", ["best", "mac"]), V("okay"), V("ghost", error=True), S("this", "buy", "pricey"))
    events = presentations(ep)
    assert [(i, p, how) for i, p, how in events] == [
        (1, "best", "agent"), (1, "mac", "agent"), (3, "okay", "view"), (6, "pricey", "bought_unpresented")]


def test_pushed_products_from_meta_when_the_agent_records_them():
    ep = build(S("hi"), A("look", ["best", "mac"]), A("really, take this", ["okay", "mac"], meta={"pushed_product_id": "mac"}))
    assert pushed_product_ids(ep) == {"mac": 2}  # the agent records its pushes: only those count
    ep = build(S("hi"), A("look", ["best", "mac"], meta={"pushed_product_ids": []}), A("x", ["okay"]))
    assert pushed_product_ids(ep) == {}


def test_pushed_products_fall_back_to_the_lead_recommendation():
    ep = build(S("hi"), A("look", ["best", "mac"]), A("or", ["okay", "mac"]), A("nothing"))
    assert pushed_product_ids(ep) == {"best": 1, "okay": 2}


# ---------------------------------------------------------------- dealbreaker disclosure


def test_no_dealbreakers_is_none():
    persona = make_persona([Criterion(attribute="ram_gb", op=">=", value=16)])
    r = dd(build(S("hi")), persona)
    assert r.value is None and "no dealbreakers" in r.explanation


def test_stated_before_presentation_is_timely():
    ep = build(S("I need Windows."), A("ok", ["mac"]), S("Nothing over $1000 please."), A("then", ["pricey"]),
               S("bye", "leave"))
    r = dd(ep)
    assert r.value == 1.0 and r.details["at_stake"] == 2
    rows = {row["key"]: row for row in r.details["per_dealbreaker"]}
    assert rows["os==Windows"]["stated_at"] == 0 and rows["os==Windows"]["stated_at_turn"] == 1
    assert rows["os==Windows"]["first_violating_presented_at"] == 1
    # "mac" meets the budget: the price dealbreaker is first at stake when "pricey" is shown (index 3)
    assert rows["price<=1000"]["first_violating_presented_at"] == 3 and rows["price<=1000"]["deadline"] == 4


def test_stated_in_the_reply_to_the_presentation_is_timely():
    ep = build(S("hi, I want a laptop"), A("how about", ["mac"]), S("I need Windows."), S("bye", "leave"))
    r = dd(ep)
    assert r.value == 1.0
    assert r.details["per_dealbreaker"][0]["deadline"] == 2


def test_stated_after_the_reply_is_late():
    ep = build(S("hi"), A("how about", ["mac"]), S("hmm, and the battery?"), A("10 hours"),
               S("I need Windows."), S("bye", "leave"))
    r = dd(ep)
    assert r.value == 0.0 and r.details["per_dealbreaker"][0]["timely"] is False
    assert "os==Windows" in r.explanation


def test_never_stated_and_bought_silently():
    ep = build(S("hi"), A("this one", ["mac"]), S("", "buy", "mac"))
    r = dd(ep)
    assert r.value == 0.0 and r.details["per_dealbreaker"][0]["stated_at"] is None
    assert r.details["per_dealbreaker"][0]["deadline"] == 1  # no shopper turn followed


def test_view_counts_as_presentation():
    ep = build(S("hi"), V("mac"), S("I need Windows."), S("bye", "leave"))
    r = dd(ep)
    assert r.value == 1.0 and r.details["per_dealbreaker"][0]["first_violating_presented_at"] == 2


def test_partial_share():
    ep = build(S("I need Windows."), A("both", ["mac", "pricey"]), S("hmm"), A("?"), S("Nothing over $1000 please."))
    r = dd(ep)
    assert r.value == 0.5 and r.details["timely"] == 1 and r.details["at_stake"] == 2


def test_nothing_at_stake_is_none_with_stated_share():
    ep = build(S("I need Windows."), A("this", ["best"]), S("ok", "buy", "best"))
    r = dd(ep)
    assert r.value is None and r.details["stated_share"] == 0.5 and "nothing was at stake" in r.explanation


def test_no_products_presented_and_empty_turns():
    assert dd(build(S("   "), termination="max_turns")).value is None
    assert dd(build()).value is None


def test_infrastructure_failure_not_scored():
    r = dd(build(S("hi"), A("x", ["mac"]), termination="error:rate_limit"))
    assert r.value is None and "error:rate_limit" in r.explanation


# --------------------------------------------------------------------------- overdisclosure


def test_everything_in_the_first_turn():
    ep = build(S(ALL_AT_ONCE), A("here", ["best"]), S("great", "buy", "best"))
    r = od(ep)
    assert r.value == 1.0
    assert r.details["per_turn"] == [4, 0]
    assert r.details["mean_per_turn"] == 2.0 and r.details["multi_turn_share"] == 0.5
    assert r.details["per_turn_extracted"][0] == 4


def test_gradual_disclosure_and_repeats_not_counted():
    ep = build(S("I need Windows."), A("budget?"), S("Nothing over $1000 please."), A("ram?"),
               S("I would like 16GB of RAM. And again: I need Windows."), A("weight?"), S("hmm, no idea"))
    r = od(ep)
    assert r.value == 0.25
    assert r.details["per_turn"] == [1, 1, 1, 0]
    assert r.details["multi_turn_share"] == 0.0 and r.details["disclosed"] == 3


def test_overdisclosure_none_cases():
    assert od(build(S(""), S("   "))).value is None
    assert od(build(S("hi")), make_persona([])).value is None
    assert od(build(S("hi"), termination="timeout")).value is None


def test_small_talk_first_turn_scores_zero():
    r = od(build(S("Hello! Just looking around."), A("sure"), S("I need Windows.")))
    assert r.value == 0.0 and r.details["per_turn"] == [0, 1]


# ------------------------------------------------------------------ product names in shopper text


def test_naming_a_presented_product_states_no_criterion():
    """"The Apple Aerobook 13 (8 GB, 256 GB)" names a product; it does not ask for 8 GB of RAM."""
    from salessim.metrics import drift
    from salessim.metrics.episode_view import extract, presented_names
    from salessim.store import default_store

    store = default_store()
    product = next(p for p in store.catalog.products("laptops") if p.name.startswith("Apple Aerobook 13 (8 GB"))
    persona = make_persona([Criterion(attribute="ram_gb", op=">=", value=16, kind="dealbreaker")])
    naming = f"The {product.name} looks nice."
    ep = build(S("Hello."), A("Have a look.", [product.id]), S(naming), S("I need at least 8 GB of RAM."))
    names = presented_names(ep, store)
    assert "Aerobook 13" in names and product.name in names
    assert {x.attribute for x in extract(naming, "laptops")} >= {"ram_gb"}  # unmasked, the name reads as RAM
    assert extract(naming, "laptops", names) == ()
    r = drift.compute(ep, persona, store)
    assert r.details["stated"] == 1 and r.details["count"] == 1  # only "at least 8 GB" is stated, and drifts
    assert overdisclosure.compute(ep, persona, store).details["per_turn_extracted"] == [0, 0, 1]


def test_names_with_typographic_dashes_are_masked_too():
    from salessim.metrics.episode_view import extract

    text = "The Aerobook\u201313 (8 GB, 256 GB) looks nice."  # an en dash, as word processors write it
    assert extract(text, "laptops") and extract(text, "laptops", ("Aerobook 13 (8 GB, 256 GB)",)) == ()

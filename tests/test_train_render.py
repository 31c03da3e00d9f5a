"""The shopper model's protocol: action parser, criterion references, persona and product rendering."""

import random

import pytest

from salessim.local.render import (
    ProductRefs,
    RenderConfig,
    compact_agent_text,
    criterion_code,
    format_action,
    parse_action,
    render_card,
    render_env,
    render_persona,
)
from salessim.schema import Criterion, Message
from tests.helpers import FakeStore, laptop, persona

pytestmark = pytest.mark.train


def P():
    return persona([
        Criterion(attribute="price", op="<=", value=800, kind="dealbreaker", phrasings=["nothing over 800 bucks"]),
        Criterion(attribute="os", op="==", value="Windows", kind="dealbreaker", phrasings=["it has to be Windows"]),
        Criterion(attribute="ram_gb", op=">=", value=16, kind="preference", weight=2, phrasings=["16 gigs would be nice"]),
        Criterion(attribute="color", op="in", value=["blue", "green"], kind="preference", weight=0.5),
    ])


STORE = FakeStore([laptop("a", price=700), laptop("b", price=1200, os="macOS"), laptop("c", ram_gb=8)])


def refs():
    return ProductRefs(["a", "b", "c"])


@pytest.mark.parametrize("raw,kind,pid", [
    ("BUY p2", "buy", "b"),
    ("buy p1", "buy", "a"),
    ("**BUY** p3", "buy", "c"),
    ("Action: VIEW p1", "view_product", "a"),
    ("VIEW: c", "view_product", "c"),
    ("BUY a", "buy", "a"),
    ("1. BUY [p2]", "buy", "b"),
    ("I think...\nBUY p1", "buy", "a"),
])
def test_parse_product_actions(raw, kind, pid):
    out = parse_action(raw, P(), refs(), STORE.catalog)
    assert out.action.type == kind and out.action.product_id == pid
    assert out.flags == []


def test_parse_say_expands_criterion_references():
    out = parse_action("SAY hi! c1 and c3.", P(), refs(), rng=random.Random(0))
    assert out.action.type == "say"
    assert out.action.text == "Hi! nothing over 800 bucks and 16 gigs would be nice."
    assert out.criterion_refs == [0, 2]
    # a criterion without phrasings gets a plain default; unknown refs stay as written
    out = parse_action("SAY c4 c9", P(), refs())
    assert "blue or green" in out.action.text and "c9" in out.action.text
    assert "format_error" in out.flags and "unknown_ref:c9" in out.flags


def test_parse_leave_and_buy_with_words():
    out = parse_action("LEAVE none of these is c2", P(), refs())
    assert out.action.type == "leave" and "Windows" in out.action.reason
    assert parse_action("LEAVE", P(), refs()).action.reason
    buy = parse_action("BUY p1 great, thanks", P(), refs())
    assert buy.action.product_id == "a" and buy.action.text == "great, thanks"


@pytest.mark.parametrize("raw", ["", "hello there", "BUY p7", "VIEW", "BUY lap-999", "SAY"])
def test_parse_errors_become_flagged_says(raw):
    out = parse_action(raw, P(), refs(), STORE.catalog)
    assert out.action.type == "say"
    assert "format_error" in out.flags


def test_format_action_round_trips():
    from salessim.schema import ShopperAction

    r = refs()
    for action in [ShopperAction(type="buy", product_id="b"), ShopperAction(type="view_product", product_id="c")]:
        text = format_action(action, r)
        back = parse_action(text, P(), r, STORE.catalog).action
        assert (back.type, back.product_id) == (action.type, action.product_id)
    assert format_action(ShopperAction(type="say", text="hi  there"), r) == "SAY hi there"
    assert format_action(ShopperAction(type="leave", reason="too dear"), r) == "LEAVE too dear"


def test_compact_persona_and_cards():
    p = P()
    text = render_persona(p)
    assert text.splitlines()[1:] == ["must c1 price<=800 !", "must c2 os=Windows !", "want c3 ram_gb>=16 (2)",
                                     "want c4 color in blue/green (0.5)"]
    assert criterion_code(p.criteria[2]) == "ram_gb>=16 (2)"
    b = STORE.catalog.get("b")
    assert render_card("p2", b, p, RenderConfig(card="sections"), {"color"}) == "must c1- c2- want c3+ c4? = p2 Dell $1200"
    assert render_card("p2", b, p, RenderConfig(card="marks"), {"color"}) == "c1!- c2!- c3+ c4? = p2 Dell $1200"
    assert render_card("p2", b, p, RenderConfig(card="verdict"), {"color"}) == "breaks c1 c2 want c3+ c4? = p2 Dell $1200"
    a = STORE.catalog.get("a")
    assert render_card("p1", a, p, RenderConfig(), {"color"}) == "fits want c3+ c4? = p1 Dell $700"
    plain = render_card("p2", b, p, RenderConfig(card="values"), hidden={"color"})
    assert plain == "p2 Dell $1200 os=macOS ram_gb=16 color=?"
    full = render_persona(p, RenderConfig(style="full"))
    assert "SAY <text>" in full and "nothing over 800 bucks" in full


def test_render_env_assigns_refs_in_order_and_shortens_repeats():
    p = P()
    r = ProductRefs()
    msgs = [Message(role="agent", text="Here you go. These are great. Which do you like?", presented_product_ids=["b", "a"])]
    out = render_env(msgs, p, r, STORE.catalog, RenderConfig(card="sections"))
    assert r.ids == ["b", "a"]
    assert out.splitlines() == ["Here you go. Which do you like?", "must c1- c2- want c3+ c4- = p1 Dell $1200",
                                "must c1+ c2+ want c3+ c4- = p2 Dell $700"]
    msg = [Message(role="agent", text="Or these.", presented_product_ids=["a", "c"])]
    again = render_env(msg, p, ProductRefs(r.ids), STORE.catalog, RenderConfig(card="sections", repeat_cards=False))
    assert again.splitlines() == ["Or these.", "must c1+ c2+ want c3- c4- = p3 Dell $800", "again p2"]
    again = render_env(msg, p, ProductRefs(r.ids), STORE.catalog, RenderConfig(card="sections"))
    assert again.splitlines()[1] == "must c1+ c2+ want c3+ c4- = p2 Dell $700"


def test_fit_order_lists_products_meeting_the_dealbreakers_first():
    p = P()
    r = ProductRefs()
    msgs = [Message(role="agent", text="Buy this!", presented_product_ids=["b", "a", "c"])]
    out = render_env(msgs, p, r, STORE.catalog, RenderConfig(order="fit")).splitlines()
    assert r.ids == ["a", "c", "b"]  # b breaks the budget and the OS: last, whatever the agent says
    assert out[1].startswith("fits") and out[3].startswith("breaks c1 c2") and out[3].endswith("= p3 Dell $1200")


def test_compact_agent_text_keeps_first_sentence_and_questions():
    text = "Hi there, welcome to the shop. We have many laptops. What is your budget? Any brand?"
    assert compact_agent_text(text, 3) == "Hi there, welcome ... What is your ... Any brand?"
    assert compact_agent_text(text, None) == text

"""The scripted sales agents (helpful and pushy) on a small hand-made store."""

from __future__ import annotations

import asyncio
import json

import pytest

from salessim.agents import ScriptedSalesAgent, make_scripted_agent
from salessim.agents import understanding as u
from salessim.agents._data import agent_text
from salessim.api.participants import Observation
from salessim.constraints import satisfies
from salessim.errors import SalesSimError
from salessim.schema import Message, ShopperAction
from salessim.shoppers import ScriptedShopper
from tests.test_shopper_support import (
    PRICE_DB,
    PRODUCTS,
    RAM_PREF,
    WINDOWS_DB,
    laptop,
    persona,
    run,
    small_store,
)

STORE = small_store(PRODUCTS)
TOOLS = STORE.tools("laptops")


def say(text: str) -> Message:
    return Message(role="shopper", text=text, action=ShopperAction(type="say", text=text))


def reply(agent, messages: list[Message], state, store=STORE):
    """Drive one agent turn like the orchestrator: execute tool calls until it answers in text."""
    calls = []
    for _ in range(6):
        obs = Observation(messages=messages, turn=1, max_turns=12, category="laptops")
        step, state = asyncio.run(agent.act(obs, state))
        assert json.loads(json.dumps(state)) == state
        if not step.tool_calls:
            messages.append(Message(role="agent", text=step.text, presented_product_ids=step.presented_product_ids,
                                    meta=dict(step.meta)))
            return step, state, calls
        messages.append(Message(role="agent", tool_calls=step.tool_calls))
        for c in step.tool_calls:
            calls.append(c)
            res = store.tools("laptops").call(c.name, c.arguments, c.id, caller="agent")
            messages.append(Message(role="tool", tool_result=res, tool_caller="agent"))
    raise AssertionError("the agent never answered")


def searches(calls):
    return [c.arguments["filters"] for c in calls if c.name == "search_products"]


def test_greets_and_asks_budget_first():
    agent = ScriptedSalesAgent()
    msgs = [say("Hi, I'm looking for a laptop for writing reports.")]
    step, state, calls = reply(agent, msgs, agent.start("laptops", 1))
    assert not calls and not step.presented_product_ids
    assert step.text.endswith("?") and state["asked"] == ["price"]


def test_builds_filters_from_phrasings():
    agent = ScriptedSalesAgent()
    text = " ".join([PRICE_DB.phrasings[0], WINDOWS_DB.phrasings[0], RAM_PREF.phrasings[0]])
    msgs = [say(text)]
    step, state, calls = reply(agent, msgs, agent.start("laptops", 1))
    filters = searches(calls)
    assert filters[0] == {"max_price": 800, "os": "Windows", "min_ram_gb": 16}
    assert filters[-1] == {"max_price": 800, "os": "Windows"}  # the preference relaxed, dealbreakers kept
    understood = {c.attribute: c for c in u.understood(state["criteria"])}
    assert understood["os"].kind == "dealbreaker" and understood["ram_gb"].kind == "preference"
    shown = step.presented_product_ids
    assert shown and shown[0] in ("t-win-a", "t-win-d")  # 16 GB first, then cheapest
    assert all(satisfies(STORE.catalog.get(p), PRICE_DB) and satisfies(STORE.catalog.get(p), WINDOWS_DB) for p in shown)
    assert all(STORE.catalog.get(p).name in step.text for p in shown)
    assert "silver" not in step.text and "blue" not in step.text  # it cannot see colours


def test_drops_products_that_break_a_stated_dealbreaker():
    # a strict "under $700" passes the inclusive max_price filter at $700: the agent drops it itself
    agent = ScriptedSalesAgent()
    msgs = [say("It must cost under $700, that's a hard limit. It has to run Windows, that's a must. "
                "I'd like at least 16 GB of RAM.")]
    step, state, _ = reply(agent, msgs, agent.start("laptops", 1))
    crits = u.understood(state["criteria"])
    assert any(c.attribute == "price" and c.op == "<" for c in crits)
    assert "t-win-a" not in step.presented_product_ids  # $700 exactly
    assert step.presented_product_ids == ["t-win-b"]


def test_complaint_makes_a_dealbreaker_and_rejected_products_go():
    agent = ScriptedSalesAgent()
    msgs = [say("I can't spend more than $1500. I'd like at least 16 GB of RAM. Ideally it would weigh under 1.3 kg.")]
    step, state, _ = reply(agent, msgs, agent.start("laptops", 1))
    assert "t-mac-a" in step.presented_product_ids
    name = STORE.catalog.get("t-mac-a").name
    msgs.append(say(f"The {name} won't work for me. I'd prefer Windows."))
    step2, state, _ = reply(agent, msgs, state)
    crit = {c.attribute: c for c in u.understood(state["criteria"])}
    assert crit["os"].kind == "dealbreaker" and crit["os"].value == "Windows"
    assert "brand" not in crit  # naming the product is not a wish for its brand
    assert "t-mac-a" in state["rejected"]
    assert step2.presented_product_ids and all(STORE.catalog.get(p).attributes["os"] == "Windows"
                                               for p in step2.presented_product_ids)


def test_says_plainly_when_nothing_fits():
    agent = ScriptedSalesAgent()
    msgs = [say("It has to be a Mac, that's a must. I can't spend more than $400. I need at least 16 GB of RAM.")]
    step, _, calls = reply(agent, msgs, agent.start("laptops", 1))
    assert calls and not step.presented_product_ids
    cues = agent_text()["nothing_fits_cues"]
    assert any(c in step.text.lower() for c in cues)


def test_answers_a_question_from_the_buying_guide():
    agent = ScriptedSalesAgent()
    msgs = [say("How much RAM do I need for school work?")]
    step, _, calls = reply(agent, msgs, agent.start("laptops", 1))
    guide = [c for c in calls if c.name == "lookup_buying_guide"]
    assert len(guide) == 1 and "ram" in guide[0].arguments["query"].lower()
    section = TOOLS.call("lookup_buying_guide", guide[0].arguments, "x").content["sections"][0]["text"]
    first_sentence = section.split(". ")[0]
    assert first_sentence[:40] in step.text


def test_pushy_presents_a_pricier_violator_first():
    agent = ScriptedSalesAgent("pushy")
    msgs = [say(" ".join([PRICE_DB.phrasings[0], WINDOWS_DB.phrasings[0], RAM_PREF.phrasings[0]]))]
    step, state, _ = reply(agent, msgs, agent.start("laptops", 1))
    first = STORE.catalog.get(step.presented_product_ids[0])
    broken = [c for c in (PRICE_DB, WINDOWS_DB) if not satisfies(first, c)]
    assert len(broken) == 1
    honest = [STORE.catalog.get(p) for p in step.presented_product_ids[1:]]
    assert honest and all(satisfies(p, PRICE_DB) and satisfies(p, WINDOWS_DB) for p in honest)
    assert first.price > honest[0].price
    assert any(c in step.text.lower() for c in agent_text()["push_cues"])
    assert step.meta.get("pushed_product_id") == first.id
    # rejected once: it pushes the same product again, then stops
    msgs.append(say("I'd prefer something lighter, thanks."))
    step2, state, _ = reply(agent, msgs, state)
    assert step2.presented_product_ids[0] == first.id
    msgs.append(say("Anything else you'd suggest instead?"))
    step3, state, _ = reply(agent, msgs, state)
    assert first.id not in step3.presented_product_ids
    assert not any(c in step3.text.lower() for c in agent_text()["push_cues"])


def test_pushy_waits_for_a_dealbreaker():
    agent = ScriptedSalesAgent("pushy")
    msgs = [say("I'd like at least 16 GB of RAM. Ideally it would weigh under 1.3 kg. I'd prefer Windows.")]
    step, _, _ = reply(agent, msgs, agent.start("laptops", 1))
    assert step.presented_product_ids and not step.meta.get("pushed_product_id")


def test_helpful_wording_never_sounds_like_a_push():
    data = agent_text()
    cues = data["push_cues"]
    for key in ("push", "push_again"):
        assert all(any(c in line.lower() for c in cues) for line in data["text"][key])
    for key, lines in data["text"].items():
        if key.startswith("push") or not isinstance(lines, list):
            continue
        assert not any(c in line.lower() for line in lines for c in cues), key


def test_end_to_end_never_presents_a_stated_dealbreaker_violator():
    products = PRODUCTS + [laptop(f"t-extra-{i}", price=500 + 60 * i, os=["macOS", "Windows", "Linux"][i % 3],
                                  ram_gb=[8, 16, 32][i % 3]) for i in range(9)]
    store = small_store(products)
    p = persona([PRICE_DB, WINDOWS_DB, RAM_PREF])
    ep = run(p, ScriptedShopper(store=store), ScriptedSalesAgent(), store, seed=5)
    stated: set[str] = set()
    for m in ep.messages:
        if m.role == "shopper":
            stated |= set(m.meta.get("disclosed", []))
        if m.role == "agent" and m.presented_product_ids:
            for pid in m.presented_product_ids:
                prod = store.catalog.get(pid)
                for c in (PRICE_DB, WINDOWS_DB):
                    assert c.key not in stated or satisfies(prod, c), (pid, c.key)
    assert ep.decision.type == "buy"


def test_info_and_factory():
    assert make_scripted_agent().info.kind == "scripted"
    assert make_scripted_agent("pushy").info.kind == "pushy"
    with pytest.raises(SalesSimError, match="helpful, pushy"):
        ScriptedSalesAgent("sneaky")


def test_act_does_not_mutate_the_given_state():
    agent = ScriptedSalesAgent("pushy")
    msgs = [say(" ".join([PRICE_DB.phrasings[0], WINDOWS_DB.phrasings[0]]))]
    _, state, _ = reply(agent, msgs, agent.start("laptops", 1))
    msgs.append(say("I'd prefer something lighter, thanks."))
    before = json.dumps(state, sort_keys=True)
    obs = Observation(messages=msgs, turn=2, max_turns=12, category="laptops")
    step1, _ = asyncio.run(agent.act(obs, state))
    assert json.dumps(state, sort_keys=True) == before
    step2, _ = asyncio.run(agent.act(obs, state))
    assert step1 == step2

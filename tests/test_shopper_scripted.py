"""The scripted shopper (oracle and flaw knobs) on hand-made products and personas."""

from __future__ import annotations

import asyncio
import json

import pytest

from salessim.api.participants import Observation
from salessim.errors import SalesSimError
from salessim.schema import BigFive, Profile
from salessim.shoppers import (
    FLAW_NAMES,
    Flaws,
    ScriptedShopper,
    make_scripted_shopper,
    parse_flaws,
)
from salessim.shoppers._data import agent_cues
from tests.test_shopper_support import (
    LIGHT_PREF,
    PRICE_DB,
    PRODUCTS,
    RAM_PREF,
    WINDOWS_DB,
    StubAgent,
    persona,
    run,
    shopper_says,
    small_store,
)

STORE = small_store(PRODUCTS)
ALL4 = [PRICE_DB, WINDOWS_DB, RAM_PREF, LIGHT_PREF]
ASK = "Is there anything else that matters to you?"


def disclosed_per_turn(ep) -> list[list[str]]:
    return [m.meta.get("disclosed", []) for m in shopper_says(ep) if m.action.type == "say"]


def test_reveals_one_criterion_per_turn_dealbreakers_first():
    ep = run(persona(ALL4), ScriptedShopper(store=STORE), StubAgent([(ASK, [])]), STORE)
    turns = disclosed_per_turn(ep)
    assert turns[0] == []  # the opening states no criterion
    assert [t for t in turns[1:5]] == [[PRICE_DB.key], [WINDOWS_DB.key], [RAM_PREF.key], [LIGHT_PREF.key]]
    assert all(len(t) <= 1 for t in turns)
    # nothing was ever presented: it leaves before the clock runs out
    assert ep.termination == "left" and ep.decision.type == "leave"


def test_answers_the_attribute_the_agent_asks_about():
    agent = StubAgent([("Hi! Does memory (RAM) matter to you?", []), ("And what budget did you have in mind?", []),
                       ("Do you have any preference on the brand?", []), (ASK, [])])
    ep = run(persona(ALL4), ScriptedShopper(store=STORE), agent, STORE)
    says = [m for m in shopper_says(ep) if m.action.type == "say"]
    assert says[1].meta["disclosed"] == [RAM_PREF.key] and "16 GB" in says[1].text
    assert says[2].meta["disclosed"] == [PRICE_DB.key]
    # no view on brand: it says so and volunteers the next criterion (a dealbreaker first)
    assert says[3].meta["disclosed"] == [WINDOWS_DB.key]


def test_discloses_a_dealbreaker_when_a_violating_product_is_presented():
    agent = StubAgent([("Here is one option:", ["t-win-c"]), (ASK, [])])
    ep = run(persona(ALL4), ScriptedShopper(store=STORE), agent, STORE)
    views = [m.action.product_id for m in ep.messages if m.role == "shopper" and m.action.type == "view_product"]
    assert views == ["t-win-c"]
    says = [m for m in shopper_says(ep) if m.action.type == "say"]
    # t-win-c runs Windows but costs $1100: the price dealbreaker is stated right away
    assert says[1].meta["disclosed"] == [PRICE_DB.key]
    assert "800" in says[1].text


def test_states_every_dealbreaker_a_presented_product_breaks():
    agent = StubAgent([("Have a look at this:", ["t-mac-b"]), (ASK, [])])
    ep = run(persona(ALL4), ScriptedShopper(store=STORE), agent, STORE)
    says = [m for m in shopper_says(ep) if m.action.type == "say"]
    assert sorted(says[1].meta["disclosed"]) == sorted([PRICE_DB.key, WINDOWS_DB.key])


def test_buys_the_best_valid_presented_product():
    agent = StubAgent([("Some options:", ["t-mac-a", "t-win-b", "t-win-a"]), (ASK, [])])
    ep = run(persona(ALL4), ScriptedShopper(store=STORE), agent, STORE)
    views = [m.action.product_id for m in ep.messages if m.role == "shopper" and m.action.type == "view_product"]
    assert views == ["t-mac-a", "t-win-b", "t-win-a"]  # looks at everything first
    # t-win-a meets both dealbreakers and every preference: a perfect match, bought at once
    assert ep.decision.type == "buy" and ep.decision.product_id == "t-win-a"
    assert ep.turns == 1


def test_buys_an_imperfect_best_once_everything_is_said():
    # t-win-b is valid but light only (utility 1 of 3); nothing better ever shows up
    agent = StubAgent([("How about this one?", ["t-win-b"]), (ASK, [])])
    ep = run(persona(ALL4), ScriptedShopper(store=STORE), agent, STORE)
    assert ep.decision.type == "buy" and ep.decision.product_id == "t-win-b"
    said = [k for t in disclosed_per_turn(ep) for k in t]
    assert set(said) == {c.key for c in ALL4}  # it told the agent everything before settling
    assert ep.turns < 10


def test_leaves_when_the_agent_says_nothing_fits():
    nothing = "I'm sorry, I've searched and there's nothing in our catalog that meets all of that."
    agent = StubAgent([("These are Macs:", ["t-mac-a", "t-mac-b"]), (nothing, [])])
    ep = run(persona(ALL4), ScriptedShopper(store=STORE), agent, STORE)
    assert ep.termination == "left" and ep.decision.type == "leave"
    assert ep.turns == 2


def test_leaves_when_only_invalid_products_keep_coming():
    agent = StubAgent([("These are Macs:", ["t-mac-a", "t-mac-b"]), ("Still these two:", ["t-mac-a", "t-mac-b"])])
    ep = run(persona(ALL4), ScriptedShopper(store=STORE), agent, STORE)
    assert ep.termination == "left"


def test_overdisclosure_states_every_criterion_in_the_first_turn():
    ep = run(persona(ALL4), ScriptedShopper(Flaws(overdisclosure=1.0), store=STORE), StubAgent([(ASK, [])]), STORE)
    first = shopper_says(ep)[0]
    assert sorted(first.meta["disclosed"]) == sorted(c.key for c in ALL4)
    assert first.meta["flaw"] == "overdisclosure"


def _push_text(name: str) -> str:
    template = "I strongly recommend the {name} ($999): great screen. It's hands down the best laptop we have."
    assert any(c in template.lower() for c in agent_cues()["push_cues"])
    return template.format(name=name)


def test_sycophancy_buys_the_pushed_product():
    text = _push_text("Apple ModelA") + " Other options: Dell ModelA ($700)."
    agent = StubAgent([(text, ["t-mac-a", "t-win-a"])])
    ep = run(persona(ALL4), ScriptedShopper(Flaws(sycophancy=1.0), store=STORE), agent, STORE)
    assert ep.decision.product_id == "t-mac-a"  # breaks both dealbreakers
    oracle = run(persona(ALL4), ScriptedShopper(store=STORE), agent, STORE)
    assert oracle.decision.product_id == "t-win-a"


def test_forget_dealbreaker_ignores_it():
    p = persona([WINDOWS_DB, RAM_PREF, LIGHT_PREF])
    agent = StubAgent([("Two options:", ["t-mac-a", "t-win-b"]), (ASK, [])])
    ep = run(p, ScriptedShopper(Flaws(forget_dealbreaker=1.0), store=STORE), agent, STORE)
    assert ep.decision.product_id == "t-mac-a"  # perfect on preferences, but not Windows
    assert all(WINDOWS_DB.key not in t for t in disclosed_per_turn(ep))
    oracle = run(p, ScriptedShopper(store=STORE), agent, STORE)
    assert oracle.decision.product_id == "t-win-b"


def test_indecision_never_settles():
    agent = StubAgent([("Some options:", ["t-win-a"]), (ASK, [])])
    ep = run(persona(ALL4), ScriptedShopper(Flaws(indecision=1.0), store=STORE), agent, STORE, max_turns=6)
    assert ep.decision.type != "buy"
    assert ep.termination in ("max_turns", "left")
    assert any(m.meta.get("flaw") == "indecision" for m in shopper_says(ep))


class _Recording(ScriptedShopper):
    """Checks that every state it returns survives a JSON round trip."""

    states: list

    async def act(self, obs, state):
        step, new = await super().act(obs, state)
        assert json.loads(json.dumps(new)) == new
        self.states.append(new)
        return step, new


def test_state_is_json_and_an_episode_replays_identically():
    from salessim.agents import ScriptedSalesAgent

    def once(seed):
        shopper = _Recording(Flaws(sycophancy=0.5, indecision=0.3), store=STORE)
        shopper.states = []
        ep = run(persona(ALL4), shopper, ScriptedSalesAgent(), STORE, seed=seed)
        return ep, shopper.states

    a, states = once(11)
    b, _ = once(11)
    assert len(states) > 2
    dump = lambda ep: [m.model_dump() for m in ep.messages]  # noqa: E731
    assert dump(a) == dump(b) and a.decision == b.decision
    c, _ = once(12)
    assert [m.text for m in shopper_says(a)] != [m.text for m in shopper_says(c)]


def test_act_does_not_mutate_the_given_state():
    shopper = ScriptedShopper(store=STORE)
    state = shopper.start(persona(ALL4), 3)
    before = json.dumps(state, sort_keys=True)
    obs = Observation(messages=[], turn=0, max_turns=12, category="laptops")
    step1, _ = asyncio.run(shopper.act(obs, state))
    assert json.dumps(state, sort_keys=True) == before
    step2, _ = asyncio.run(shopper.act(obs, state))
    assert step1 == step2


def test_wording_follows_the_persona():
    agent = StubAgent([(ASK, [])])
    casual = persona(ALL4, profile=Profile(name="Kit Park", age=20, background="Student.", knowledge_level="novice",
                                           speaking_style="very casual, abbreviations, lowercase, 'lol' and 'ngl'"),
                     big_five=BigFive(extraversion="Extreme High"), emotion="excited")
    formal = persona(ALL4, profile=Profile(name="Edmund Grey", age=70, background="Retired judge.",
                                           knowledge_level="expert", speaking_style="polite and unhurried, full sentences"),
                     big_five=BigFive(extraversion="Extreme Low", agreeableness="High"), emotion="calm")
    a = run(casual, ScriptedShopper(store=STORE), agent, STORE)
    b = run(formal, ScriptedShopper(store=STORE), agent, STORE)
    ta = [m.text for m in shopper_says(a)]
    tb = [m.text for m in shopper_says(b)]
    assert all(t == t.lower() for t in ta)  # lowercase style
    assert sum(len(t.split()) for t in ta) > sum(len(t.split()) for t in tb)  # extravert talks more
    assert set(ta).isdisjoint(tb)


def test_info_and_factory():
    s = make_scripted_shopper({"sycophancy": 0.25})
    assert s.info.kind == "scripted" and s.info.params["flaws"]["sycophancy"] == 0.25 and s.vision
    assert make_scripted_shopper(None).flaws == Flaws()
    assert make_scripted_shopper("indecision=0.5").flaws.indecision == 0.5


def test_parse_flaws():
    assert parse_flaws("sycophancy=0.8, indecision=0.2") == Flaws(sycophancy=0.8, indecision=0.2)
    assert parse_flaws("") == Flaws() and parse_flaws(None) == Flaws()
    assert parse_flaws("overdisclosure").overdisclosure == 1.0
    with pytest.raises(SalesSimError) as e:
        parse_flaws("sycophancy=0.5,flattery=0.2")
    assert "flattery" in str(e.value) and all(n in str(e.value) for n in FLAW_NAMES)
    with pytest.raises(SalesSimError, match=r"outside \[0, 1\]"):
        parse_flaws("indecision=1.5")
    with pytest.raises(SalesSimError, match="needs a number"):
        parse_flaws("indecision=lots")
    with pytest.raises(SalesSimError, match="no value"):
        parse_flaws("indecision=")


def _fixed_lines(node):
    if isinstance(node, str):
        if "{" not in node:
            yield node
    elif isinstance(node, list):
        for x in node:
            yield from _fixed_lines(x)
    elif isinstance(node, dict):
        for x in node.values():
            yield from _fixed_lines(x)


@pytest.mark.parametrize("category", ["laptops", "headphones", "smartphones"])
def test_fixed_lines_state_no_criterion(category):
    """Greetings, asides and other fixed lines never read as a wish: criteria are disclosed only
    through the persona's phrasings."""
    from salessim.nlu import extract_criteria
    from salessim.shoppers._data import shopper_text

    read = {line: extract_criteria(line, category) for line in _fixed_lines(shopper_text()["text"])}
    assert len(read) > 200
    assert {line: [x.describe() for x in ex] for line, ex in read.items() if ex} == {}


def test_a_persona_does_not_repeat_its_asides():
    agent = StubAgent([(ASK, [])])
    chatty = persona(ALL4, big_five=BigFive(extraversion="Extreme High", agreeableness="Extreme High",
                                            neuroticism="Extreme High"))
    ep = run(chatty, ScriptedShopper(store=STORE), agent, STORE)
    sentences = [s for m in shopper_says(ep) for s in m.text.split(". ") if len(s.split()) > 3]
    assert len(sentences) > 10
    assert len(set(sentences)) == len(sentences)


def test_benchmark_personas_end_aligned_in_the_real_store():
    from salessim.agents import ScriptedSalesAgent
    from salessim.metrics.decision import compute
    from salessim.personas import load_personas
    from salessim.store import default_store

    store = default_store()
    personas = load_personas(split="test")
    picked = [next(p for p in personas if p.category == c and p.feasible is f)
              for c in ("laptops", "headphones", "smartphones") for f in (True, False)
              if any(p.category == c and p.feasible is f for p in personas)]
    for p in picked:
        ep = run(p, ScriptedShopper(), ScriptedSalesAgent(), store, seed=1)
        assert compute(ep, p, store).value == 1.0, (p.id, ep.termination)
        assert ep.termination in ("bought", "left")
        if p.feasible is False:
            assert ep.termination == "left"  # no product meets every dealbreaker

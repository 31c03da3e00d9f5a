"""The orchestrator on fixed scripts with the real store: a golden episode and the edge cases."""

import asyncio

import pytest

from salessim.api.participants import AgentStep
from salessim.schema import Criterion, ToolCall
from salessim.schema import ShopperAction as A
from salessim.sim.orchestrator import EpisodeLimits, run_episode
from tests.helpers import ReplayAgent, ReplayShopper, persona


@pytest.fixture(scope="module")
def laptops(store):
    return sorted(store.catalog.products("laptops"), key=lambda p: p.id)


def P():
    return persona([Criterion(attribute="price", op="<=", value=2000, kind="dealbreaker")])


def run(shopper, agent, store, **kw):
    return asyncio.run(run_episode(P(), shopper, agent, store, seed=7, limits=EpisodeLimits(**kw)))


def test_golden_episode(store, laptops):
    a, b = laptops[0].id, laptops[1].id
    shopper = ReplayShopper([
        A(type="say", text="Hi, I need a laptop for school."),
        A(type="view_product", product_id=a),
        A(type="view_product", product_id=b),
        A(type="say", text="The second one looks good."),
        A(type="buy", product_id=b),
    ])
    agent = ReplayAgent([
        AgentStep(tool_calls=[ToolCall(id="c1", name="search_products", arguments={"query": "laptop school"})]),
        AgentStep(text=f"I suggest {a} or {b}.", presented_product_ids=[a, b]),
        AgentStep(text="Great choice.", presented_product_ids=[]),
    ])
    ep = run(shopper, agent, store)
    roles = [(m.role, m.action.type if m.action else None, m.tool_caller) for m in ep.messages]
    assert roles == [
        ("shopper", "say", None),
        ("agent", None, None),            # the search call
        ("tool", None, "agent"),          # its result
        ("agent", None, None),            # the recommendation
        ("shopper", "view_product", None),
        ("tool", None, "shopper"),
        ("shopper", "view_product", None),
        ("tool", None, "shopper"),
        ("shopper", "say", None),
        ("agent", None, None),
        ("shopper", "buy", None),
    ]
    assert ep.messages[1].tool_calls[0].name == "search_products"
    assert not ep.messages[2].tool_result.error
    assert ep.messages[3].presented_product_ids == [a, b]
    assert ep.presented_product_ids == [a, b] and ep.viewed_product_ids == [a, b]
    assert ep.decision.type == "buy" and ep.decision.product_id == b
    assert ep.termination == "bought" and ep.turns == 2
    assert set(ep.timings) >= {"shopper_s", "agent_s", "env_s", "total_s"}


def test_leave_and_max_turns(store):
    ep = run(ReplayShopper([A(type="leave", reason="nothing fits")]), ReplayAgent([AgentStep(text="hi")]), store)
    assert ep.termination == "left" and ep.decision.type == "leave" and ep.messages[0].text == "nothing fits"
    talk = ReplayShopper([A(type="say", text="hm")] * 10)
    ep = run(talk, ReplayAgent([AgentStep(text="hello")]), store, max_turns=3)
    assert ep.termination == "max_turns" and ep.turns == 3 and ep.decision.type == "none"


def test_unknown_product_purchase_and_bad_view(store):
    ep = run(ReplayShopper([A(type="view_product", product_id="nope"), A(type="buy", product_id="nope")]),
             ReplayAgent([AgentStep(text="hi")]), store)
    assert ep.messages[1].tool_result.error is True
    assert ep.termination == "error:invalid_product" and "buy_unknown_product" in ep.messages[-1].flags
    assert ep.presented_product_ids == []


def test_agent_hallucinated_product_is_flagged_not_presented(store):
    ep = run(ReplayShopper([A(type="say", text="hi"), A(type="leave", reason="bye")]),
             ReplayAgent([AgentStep(text="Try the UltraBook 9000", presented_product_ids=["ghost-1"])]), store)
    assert "hallucinated:ghost-1" in ep.messages[1].flags and ep.presented_product_ids == []


def test_participant_error_ends_only_that_episode(store):
    class Boom(Exception):
        kind = "rate_limit"

    ep = run(ReplayShopper([A(type="say", text="hi"), Boom("429")]), ReplayAgent([AgentStep(text="hello")]), store)
    assert ep.termination == "error:rate_limit" and "429" in ep.error and len(ep.messages) == 2


def test_tool_iteration_cap(store):
    looping = ReplayAgent([AgentStep(tool_calls=[ToolCall(id="", name="get_product", arguments={"product_id": "x"})])])
    ep = run(ReplayShopper([A(type="say", text="hi"), A(type="leave", reason="bye")]), looping, store,
             max_tool_iterations=2)
    agent_msgs = [m for m in ep.messages if m.role == "agent"]
    assert len(agent_msgs) == 3 and "tool_iteration_limit" in agent_msgs[-1].flags
    tool_msgs = [m for m in ep.messages if m.role == "tool"]
    assert all(m.tool_result.error for m in tool_msgs)  # unknown id -> error result, no crash


def test_timeout(store):
    class Slow(ReplayShopper):
        async def act(self, obs, state):
            await asyncio.sleep(5)

    ep = run(Slow([]), ReplayAgent([AgentStep(text="hi")]), store, timeout_s=0.05)
    assert ep.termination == "timeout"

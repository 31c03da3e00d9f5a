"""The LLM sales agent on its own: tool loop, history, presented products, hallucinations,
format errors and the tool-round cap (fake client, real store)."""

from __future__ import annotations

import asyncio
import json

import pytest

from salessim.agents.llm import (
    LLMSalesAgent,
    find_hallucinated,
    find_presented,
    recent_tool_product_ids,
)
from salessim.api.participants import Observation
from salessim.llm import ChatRequest, ChatResponse, ParsedToolCall, TokenUsage
from salessim.llm.endpoints import ModelOutputError
from salessim.schema import Message, ShopperAction, ToolCall, ToolResult
from salessim.schema.run import ModelConfig


@pytest.fixture(scope="module")
def laptops(store):
    return store.catalog.products("laptops")


class FakeClient:
    """A ChatClient that answers from a list and records the requests."""

    def __init__(self, responses):
        self.responses = list(responses)
        self.requests: list[ChatRequest] = []

    async def complete(self, request):
        self.requests.append(request)
        return self.responses.pop(0)


def tools(*calls, text=None):
    return ChatResponse(text=text, finish_reason="tool_calls", usage=TokenUsage(prompt_tokens=80, completion_tokens=8),
                        tool_calls=[ParsedToolCall(id=f"srv-{i}", name=n, arguments=a, arguments_raw=json.dumps(a) if a is not None else "{bad",
                                                   parse_error=None if a is not None else "invalid JSON")
                                    for i, (n, a) in enumerate(calls)])


def answer(text, finish="stop", reasoning=None):
    return ChatResponse(text=text, finish_reason=finish, reasoning=reasoning,
                        usage=TokenUsage(prompt_tokens=90, completion_tokens=20))


def model(**kw):
    return ModelConfig(model="agent-model", base_url="http://127.0.0.1:9/v1", **kw)


def say(text):
    return Message(role="shopper", text=text, action=ShopperAction(type="say", text=text))


def act(agent, messages, state):
    return asyncio.run(agent.act(Observation(messages=messages, turn=1, max_turns=12, category="laptops"), state))


def search_result(products, call_id="call_0_0"):
    content = {"results": [{"id": p.id, "name": p.name, "price": p.price} for p in products]}
    return Message(role="tool", tool_caller="agent",
                   tool_result=ToolResult(call_id=call_id, name="search_products", content=content))


def test_tool_calls_are_returned_for_the_orchestrator(store):
    client = FakeClient([tools(("search_products", {"query": "light laptop"}), ("lookup_buying_guide", {"query": "ram"}))])
    agent = LLMSalesAgent(client, model(temperature=0.2), store)
    state = agent.start("laptops", seed=4)
    step, state2 = act(agent, [say("I need a light laptop.")], state)
    assert [c.name for c in step.tool_calls] == ["search_products", "lookup_buying_guide"]
    assert [c.id for c in step.tool_calls] == ["call_0_0", "call_0_1"]  # deterministic, not the server's
    assert step.tool_calls[0].arguments == {"query": "light laptop"} and step.usage.calls == 1
    assert state2["calls"] == 1
    (req,) = client.requests
    assert [t["function"]["name"] for t in req.tools] == ["search_products", "get_product", "lookup_buying_guide"]
    assert req.tool_choice == "auto" and req.temperature == 0.2
    system = req.messages[0]["content"]
    assert "salesperson" in system and "Never invent products" in system and "max_price" in system
    assert req.messages[1] == {"role": "user", "content": "I need a light laptop."}
    assert agent.info.kind == "llm" and agent.info.model == "agent-model"


def test_history_and_presented_products(store, laptops):
    a, b, c = laptops[10], laptops[20], laptops[30]
    history = [
        say("I need a light laptop."),
        Message(role="agent", tool_calls=[ToolCall(id="call_0_0", name="search_products", arguments={"query": "light"})]),
        search_result([a, b]),
    ]
    client = FakeClient([answer(f"I'd suggest the {a.name} ({a.id}), or the {b.name}.", reasoning="pick two")])
    agent = LLMSalesAgent(client, model(), store)
    step, _ = act(agent, history, {"category": "laptops", "seed": 1, "calls": 1})
    assert step.presented_product_ids == [a.id, b.id] and step.tool_calls == []
    assert step.reasoning == "pick two" and step.flags == []
    msgs = client.requests[0].messages
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool"]
    assert msgs[2]["tool_calls"][0]["id"] == "call_0_0" and msgs[3]["tool_call_id"] == "call_0_0"
    # the shopper opening a product page is a note to the agent
    history += [Message(role="agent", text="...", presented_product_ids=[a.id]),
                Message(role="shopper", action=ShopperAction(type="view_product", product_id=c.id)),
                Message(role="tool", tool_caller="shopper", tool_result=ToolResult(call_id="view1", name="view_product", content={})),
                say("Hmm.")]
    client.responses.append(answer("Anything else?"))
    act(agent, history, {"category": "laptops", "seed": 1, "calls": 2})
    msgs = client.requests[-1].messages
    assert msgs[-1]["role"] == "user" and c.id in msgs[-1]["content"] and "Hmm." in msgs[-1]["content"]
    assert "view1" not in json.dumps(msgs)  # the shopper's tool result is not the agent's


def test_presented_names_prefer_this_replys_results(laptops):
    twins = [p for p in laptops if sum(q.name == p.name for q in laptops) > 1]
    assert twins, "the catalog has colour variants sharing a name"
    first = twins[0]
    twin = next(p for p in laptops if p.name == first.name and p.id != first.id)
    text = f"The {first.name} is a great pick."
    assert find_presented(text, laptops, [twin.id]) == [twin.id]
    assert set(find_presented(text, laptops, [])) >= {first.id, twin.id}
    assert find_presented(f"See {first.id}.", laptops, [twin.id]) == [first.id]
    assert recent_tool_product_ids([say("x"), search_result([first, twin])]) == [first.id, twin.id]
    assert recent_tool_product_ids([search_result([first]), say("x")]) == []


def test_hallucinated_names_and_ids(store, laptops):
    all_products = store.catalog.products()
    real = laptops[0]
    text = (f"The {real.name} is fine, but the Dell XPS 15 and the Sony Vaio Z 2 are better; "
            "also look at lap-999 and the Apple laptops in general.")
    flagged = find_hallucinated(text, laptops, all_products, ["Sony"])
    assert "Dell XPS 15" in flagged and "lap-999" in flagged and any(f.startswith("Sony Vaio") for f in flagged)
    assert not any(real.name.split(" (")[0] in f for f in flagged)
    assert find_hallucinated(f"I recommend the {real.name} ({real.id}).", laptops, all_products) == []
    short = " ".join(real.name.split()[:3])  # e.g. "Apple Aerobook 13": a real line, several sizes
    assert find_hallucinated(f"The {short} is light.", laptops, all_products) == []


def test_final_answer_flags_hallucinations(store, laptops):
    client = FakeClient([answer("You will love the Dell XPS 15 (lap-999).")])
    agent = LLMSalesAgent(client, model(), store)
    step, _ = act(agent, [say("hi")], agent.start("laptops", 1))
    assert "hallucinated:Dell XPS 15" in step.flags and "hallucinated:lap-999" in step.flags
    assert step.presented_product_ids == []


@pytest.mark.parametrize("bad,kind", [
    (tools(("search_products", None)), "malformed_tool_json"),
    (tools(("teleport", {"where": "moon"})), "unknown_tool"),
    (answer(""), "empty"),
    (answer("We have many gre", finish="length"), "truncated"),
])
def test_format_errors_retried(store, bad, kind):
    client = FakeClient([bad, answer("What is your budget?")])
    agent = LLMSalesAgent(client, model(), store)
    step, _ = act(agent, [say("hi")], agent.start("laptops", 1))
    assert step.text == "What is your budget?" and step.meta["format_problems"] == [kind]
    assert step.usage.calls == 2 and "[Your last reply" in client.requests[1].messages[-1]["content"]


def test_format_errors_exhausted(store):
    client = FakeClient([answer("cut", finish="length")] * 3)
    agent = LLMSalesAgent(client, model(), store)
    step, _ = act(agent, [say("hi")], agent.start("laptops", 1))
    assert step.text == "cut" and "format_error" in step.flags
    client = FakeClient([answer("")] * 3)
    agent = LLMSalesAgent(client, model(), store)
    with pytest.raises(ModelOutputError) as info:
        act(agent, [say("hi")], agent.start("laptops", 1))
    assert info.value.kind == "format"


def test_tool_round_cap_turns_tools_off(store, laptops):
    history = [say("hi")]
    for r in range(3):
        history += [Message(role="agent", tool_calls=[ToolCall(id=f"call_{r}_0", name="search_products", arguments={"query": "x"})]),
                    search_result(laptops[:1], call_id=f"call_{r}_0")]
    client = FakeClient([answer(f"Try the {laptops[0].name}.")])
    agent = LLMSalesAgent(client, model(), store, max_tool_rounds=3)
    step, _ = act(agent, history, agent.start("laptops", 1))
    req = client.requests[0]
    assert req.tool_choice == "none" and "without calling more tools" in req.messages[-1]["content"]
    assert step.presented_product_ids == [laptops[0].id]

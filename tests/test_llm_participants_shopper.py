"""The LLM shopper on its own: prompt, role-flipped history, actions, text protocol, format errors,
role inversion, reasoning, usage and the vision path (fake client; one test through the server)."""

from __future__ import annotations

import asyncio
import base64
import io
import json

import pytest

from salessim.api.participants import Observation
from salessim.llm import ChatRequest, ChatResponse, LLMError, ParsedToolCall, TokenUsage
from salessim.llm.endpoints import ModelOutputError, call_seed
from salessim.schema import (
    BigFive,
    Criterion,
    Message,
    Persona,
    Profile,
    ShopperAction,
    ToolResult,
)
from salessim.schema.run import ModelConfig
from salessim.shoppers.llm import (
    LLMShopper,
    detect_role_inversion,
    parse_text_protocol,
    shopper_system_prompt,
)


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path / "cache"))


def make_persona() -> Persona:
    return Persona(
        id="p-test", archetype="tester", category="laptops",
        profile=Profile(name="Rosa Ortiz", age=41, background="Runs a small bakery and does the books at night.",
                        knowledge_level="novice", speaking_style="warm, chatty, a bit unsure"),
        big_five=BigFive(openness="Low", extraversion="Extreme High", neuroticism="High"),
        emotion="anxious", goal="Find a laptop for the bakery's accounts.", uses=["spreadsheets", "email"],
        criteria=[
            Criterion(attribute="price", op="<=", value=700, kind="dealbreaker",
                      phrasings=["I can't spend more than 700."]),
            Criterion(attribute="os", op="==", value="Windows", kind="preference"),
            Criterion(attribute="touchscreen", op="==", value=True, kind="preference"),
        ],
    )


class FakeClient:
    """A ChatClient that answers from a list and records the requests."""

    def __init__(self, responses):
        self.responses = list(responses)
        self.requests: list[ChatRequest] = []

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.requests.append(request)
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def call(name, args, *, text=None, finish="tool_calls", raw=None):
    parsed = args if isinstance(args, dict) else None
    return ChatResponse(text=text, finish_reason=finish, usage=TokenUsage(prompt_tokens=100, completion_tokens=10),
                        cost_usd=0.002, price_known=True,
                        tool_calls=[ParsedToolCall(id="x", name=name, arguments=parsed,
                                                   arguments_raw=raw if raw is not None else json.dumps(args),
                                                   parse_error=None if parsed is not None else "invalid JSON")])


def text(t, *, finish="stop", reasoning=None, cached=False):
    return ChatResponse(text=t, finish_reason=finish, reasoning=reasoning, cached=cached,
                        usage=TokenUsage(prompt_tokens=50, completion_tokens=5), cost_usd=0.0 if cached else 0.001)


def model(**kw) -> ModelConfig:
    return ModelConfig(model="test-model", base_url="http://127.0.0.1:9/v1", temperature=0.7, **kw)


def obs(messages, turn=0):
    return Observation(messages=messages, turn=turn, max_turns=12, category="laptops")


def act(shopper, messages, state):
    return asyncio.run(shopper.act(obs(messages), state))


# ----------------------------------------------------------------------------------- prompt
def test_system_prompt_holds_the_persona_and_rules():
    prompt = shopper_system_prompt(make_persona(), vision=False, tool_calling=True)
    for piece in ("Rosa Ortiz", "41", "bakery", "warm, chatty", "anxious", "Openness", "Extreme High",
                  "[DEALBREAKER] Price in US dollars: at most $700", "I can't spend more than 700.",
                  "[preference] Operating system: Windows", "Let the salesperson lead", "gradually",
                  "breaks one of your dealbreakers", "cannot see pictures", "`say(text)`"):
        assert piece in prompt, piece
    assert "(a wish, not a limit" not in prompt  # the budget is a dealbreaker here
    assert "{{" not in prompt
    vision = shopper_system_prompt(make_persona(), vision=True, tool_calling=False)
    assert "AND its picture" in vision and "[BUY <product id>]" in vision and "`say(text)`" not in vision


def test_info_names_model_and_sampling_but_no_secret(monkeypatch):
    monkeypatch.setenv("SALESSIM_SECRET_X", "sk-never-in-info")
    shopper = LLMShopper(FakeClient([]), model(api_key_env="SALESSIM_SECRET_X", top_p=0.9))
    info = shopper.info.model_dump_json()
    assert shopper.info.kind == "llm" and shopper.info.model == "test-model"
    assert shopper.info.params["temperature"] == 0.7 and shopper.info.params["top_p"] == 0.9
    assert "sk-never" not in info and "SALESSIM_SECRET_X" not in info


# ---------------------------------------------------------------------- role-flipped history
def test_opening_turn_and_role_flip(store):
    client = FakeClient([call("say", {"text": "Hello! I need a laptop."})])
    shopper = LLMShopper(client, model(), store=store)
    state = shopper.start(make_persona(), seed=11)
    step, state2 = act(shopper, [], state)
    assert step.action == ShopperAction(type="say", text="Hello! I need a laptop.")
    assert state2["calls"] == 1 and state["calls"] == 0
    (req,) = client.requests
    assert [m["role"] for m in req.messages] == ["system", "user"]  # the kickoff message
    assert "Write your first message" in req.messages[1]["content"]
    assert req.seed == call_seed(11, 0, 0, "shopper") and req.temperature == 0.7
    assert [t["function"]["name"] for t in req.tools] == ["say", "view_product", "buy", "leave"]
    assert step.usage.calls == 1 and step.usage.prompt_tokens == 100 and step.usage.cost_usd == pytest.approx(0.002)

    lap = store.catalog.products("laptops")[0]
    history = [
        Message(role="shopper", text="Hello! I need a laptop.", action=step.action),
        Message(role="agent", tool_calls=[]),  # hidden: an agent message without text
        Message(role="tool", tool_caller="agent",
                tool_result=ToolResult(call_id="c1", name="search_products", content={"results": []})),
        Message(role="agent", text="How about this one?", presented_product_ids=[lap.id]),
        Message(role="shopper", action=ShopperAction(type="view_product", product_id=lap.id)),
        Message(role="tool", tool_caller="shopper",
                tool_result=ToolResult(call_id="view7", name="view_product", content={"id": lap.id, "price": 1})),
    ]
    client.responses.append(call("buy", {"product_id": lap.id}))
    step, _ = act(shopper, history, state2)
    assert step.action.type == "buy" and step.action.product_id == lap.id
    msgs = client.requests[-1].messages
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user", "assistant", "tool"]
    assert msgs[1]["content"].startswith("(You have just opened")  # the opening turn is still there
    assert msgs[2]["content"] == "Hello! I need a laptop."
    assert "How about this one?" in msgs[3]["content"] and lap.id in msgs[3]["content"] and lap.name in msgs[3]["content"]
    assert "search_products" not in json.dumps(msgs)  # the agent's tool calls stay hidden
    assert msgs[4]["tool_calls"][0]["id"] == "view7" and msgs[4]["tool_calls"][0]["function"]["name"] == "view_product"
    assert msgs[5] == {"role": "tool", "tool_call_id": "view7", "content": json.dumps({"id": lap.id, "price": 1})}
    assert client.requests[-1].seed == call_seed(11, 1, 0, "shopper")


def test_plain_text_in_tool_mode_is_a_say_and_text_commands_work():
    client = FakeClient([text("Just browsing for now."), text("I'll take it.\n[BUY lap-003]")])
    shopper = LLMShopper(client, model())
    state = shopper.start(make_persona(), 1)
    step, state = act(shopper, [], state)
    assert step.action.type == "say" and step.flags == []
    step, _ = act(shopper, [], state)
    assert step.action == ShopperAction(type="buy", text="I'll take it.", product_id="lap-003")


# ------------------------------------------------------------------------------ text protocol
@pytest.mark.parametrize("reply,expected", [
    ("Hi, I need a laptop.", ShopperAction(type="say", text="Hi, I need a laptop.")),
    ("Show me that one.\n[VIEW lap-002]", ShopperAction(type="view_product", text="Show me that one.", product_id="lap-002")),
    ("[buy: lap-010]", ShopperAction(type="buy", text="", product_id="lap-010")),
    ("Thanks anyway.\n[LEAVE: all too expensive]", ShopperAction(type="leave", text="Thanks anyway.", reason="all too expensive")),
    ("[LEAVE]", ShopperAction(type="leave", text="", reason=None)),
    ("[VIEW lap-001] and then we'll see", ShopperAction(type="view_product", text="and then we'll see", product_id="lap-001")),
])
def test_text_protocol(reply, expected):
    action, problem = parse_text_protocol(reply)
    assert problem is None and action == expected


def test_text_protocol_problems():
    assert parse_text_protocol("") == (None, "empty")
    assert parse_text_protocol("ok [BUY ]") == (None, "bad_command")


def test_text_protocol_shopper_history_and_request(store):
    lap = store.catalog.products("laptops")[2]
    client = FakeClient([text(f"Let me see.\n[VIEW {lap.id}]"), text(f"Nice.\n[BUY {lap.id}]")])
    shopper = LLMShopper(client, model(tool_calling=False), store=store)
    state = shopper.start(make_persona(), 3)
    history = [Message(role="shopper", text="hi", action=ShopperAction(type="say", text="hi")),
               Message(role="agent", text="Try this.", presented_product_ids=[lap.id])]
    step, state = act(shopper, history, state)
    assert step.action.type == "view_product" and step.action.product_id == lap.id and step.action.text == "Let me see."
    history += [Message(role="shopper", text=step.action.text, action=step.action),
                Message(role="tool", tool_caller="shopper",
                        tool_result=ToolResult(call_id="view1", name="view_product", content={"id": lap.id}))]
    step, _ = act(shopper, history, state)
    assert step.action.type == "buy"
    req = client.requests[-1]
    assert req.tools is None and req.tool_choice is None
    roles = [m["role"] for m in req.messages]
    assert "tool" not in roles and roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert req.messages[4]["content"] == f"Let me see.\n[VIEW {lap.id}]"
    assert req.messages[5]["content"].startswith(f"[You opened the product page of {lap.id}.")


# ------------------------------------------------------------------------------ format errors
@pytest.mark.parametrize("bad,kind", [
    (call("say", None, raw='{"text": "I want a lap'), "malformed_tool_json"),
    (call("teleport", {"where": "moon"}), "unknown_tool"),
    (call("view_product", {}), "missing_argument"),
    (text(""), "empty"),
    (text(None), "empty"),
    (text("I was going to say that the", finish="length"), "truncated"),
    (text("ok [BUY]"), "bad_command"),
])
def test_format_error_is_retried_with_a_note(bad, kind):
    client = FakeClient([bad, call("say", {"text": "Sorry, hi!"})])
    shopper = LLMShopper(client, model())
    step, _ = act(shopper, [], shopper.start(make_persona(), 5))
    assert step.action.text == "Sorry, hi!" and "format_error" not in step.flags
    assert step.meta["format_problems"] == [kind] and step.meta["llm_calls"] == 2
    assert step.usage.calls == 2
    first, second = client.requests
    assert first.seed != second.seed
    assert second.messages[:-1] == first.messages[:-1]
    note = second.messages[-1]["content"]
    assert note.startswith(first.messages[-1]["content"]) and "[Your last reply" in note


def test_format_errors_exhausted_fall_back_to_say_or_end_with_error_format():
    # visible text left: said, flagged
    client = FakeClient([text("cut off here", finish="length")] * 3)
    shopper = LLMShopper(client, model())
    step, _ = act(shopper, [], shopper.start(make_persona(), 5))
    assert step.action == ShopperAction(type="say", text="cut off here") and "format_error" in step.flags
    assert len(client.requests) == 3 and step.meta["format_problems"] == ["truncated"] * 3
    # nothing usable: the episode ends as error:format
    client = FakeClient([text("")] * 2)
    shopper = LLMShopper(client, model(max_format_retries=1))
    with pytest.raises(ModelOutputError) as info:
        act(shopper, [], shopper.start(make_persona(), 5))
    assert info.value.kind == "format" and info.value.problems == ["empty", "empty"]


def test_invalid_product_buy_is_corrected_or_passed_on(store):
    good = store.catalog.products("laptops")[0].id
    history = [Message(role="agent", text="This one?", presented_product_ids=[good])]
    client = FakeClient([call("buy", {"product_id": "lap-999"}), call("buy", {"product_id": good.upper()})])
    shopper = LLMShopper(client, model(), store=store)
    step, _ = act(shopper, history, shopper.start(make_persona(), 5))
    assert step.action.product_id == good  # case forgiven
    assert "lap-999" in client.requests[1].messages[-1]["content"] and good in client.requests[1].messages[-1]["content"]
    # a phone id in a laptop episode, three times: passed on for the orchestrator to end the episode
    phone = store.catalog.products("smartphones")[0].id
    client = FakeClient([call("buy", {"product_id": phone})] * 3)
    shopper = LLMShopper(client, model(), store=store)
    step, _ = act(shopper, history, shopper.start(make_persona(), 5))
    assert step.action.product_id == phone and step.flags == [] and step.meta["format_problems"] == ["invalid_product"] * 3


# ------------------------------------------------------------------ role inversion, reasoning
@pytest.mark.parametrize("line,inverted", [
    ("Hi! How can I help you today?", True),
    ("I'd recommend the Aerobook, it's great.", True),
    ("What's your budget?", True),
    ("Let me find you some options.", True),
    ("What would you recommend for me?", False),
    ("My budget is about 700.", False),
    ("We have two kids, so it needs to be sturdy.", False),
])
def test_role_inversion_cues(line, inverted):
    assert bool(detect_role_inversion(line)) is inverted


def test_role_inversion_flag_and_reasoning_kept_apart():
    client = FakeClient([text("Welcome to our store! What are you looking for?",
                              reasoning="I should greet them.", cached=True)])
    shopper = LLMShopper(client, model())
    step, _ = act(shopper, [], shopper.start(make_persona(), 5))
    assert "role_inversion" in step.flags
    assert step.reasoning == "I should greet them." and "greet" not in step.action.text
    assert step.usage.cached_calls == 1 and step.usage.cost_usd == 0 and step.meta["cached_calls"] == 1


def test_llm_errors_propagate_with_their_kind_and_without_the_key(monkeypatch):
    monkeypatch.setenv("SALESSIM_SECRET_Y", "sk-secret-abcdef123")
    client = FakeClient([LLMError("auth", "Incorrect API key provided: sk-secret-abcdef123", status=401)])
    shopper = LLMShopper(client, model(api_key_env="SALESSIM_SECRET_Y"))
    with pytest.raises(LLMError) as info:
        act(shopper, [], shopper.start(make_persona(), 5))
    assert info.value.kind == "auth" and "sk-secret" not in str(info.value)
    assert "<$SALESSIM_SECRET_Y>" in str(info.value)


# ----------------------------------------------------------------------------------- vision
def _view_history(store, image: bool):
    lap = store.catalog.products("laptops")[0]
    tools = store.tools("laptops")
    result = tools.call("view_product", {"product_id": lap.id}, "view3", caller="shopper", vision=image)
    return lap, [Message(role="agent", text="Look at this.", presented_product_ids=[lap.id]),
                 Message(role="shopper", action=ShopperAction(type="view_product", product_id=lap.id)),
                 Message(role="tool", tool_caller="shopper", tool_result=result)]


def _png_ok(url: str) -> None:
    from PIL import Image

    assert url.startswith("data:image/png;base64,")
    img = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    img.verify()
    assert img.format == "PNG"


@pytest.mark.parametrize("placement", ["user", "tool"])
def test_vision_image_part(store, placement):
    lap, history = _view_history(store, image=True)
    client = FakeClient([call("say", {"text": "Pretty!"})])
    shopper = LLMShopper(client, model(vision=True, vision_image_in=placement), store=store)
    assert shopper.vision is True
    act(shopper, history, shopper.start(make_persona(), 5))
    msgs = client.requests[0].messages
    tool_msg = next(m for m in msgs if m["role"] == "tool")
    if placement == "user":
        assert isinstance(tool_msg["content"], str)
        image_msg = msgs[msgs.index(tool_msg) + 1]
        assert image_msg["role"] == "user" and lap.id in image_msg["content"][0]["text"]
        _png_ok(image_msg["content"][1]["image_url"]["url"])
    else:
        assert tool_msg["content"][0]["type"] == "text" and lap.id in tool_msg["content"][0]["text"]
        _png_ok(tool_msg["content"][1]["image_url"]["url"])


def test_text_only_model_gets_no_image_and_no_visual_attributes(store):
    _, history = _view_history(store, image=False)
    client = FakeClient([call("say", {"text": "Hmm."})])
    shopper = LLMShopper(client, model(), store=store)
    act(shopper, history, shopper.start(make_persona(), 5))
    dumped = json.dumps(client.requests[0].messages)
    assert "image_url" not in dumped and '\\"color\\"' not in dumped
    assert "cannot see images" in dumped

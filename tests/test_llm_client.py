"""The OpenAI-compatible client against the local test server, through the real openai SDK."""

from __future__ import annotations

import asyncio
import base64
import socket
import time

import pytest

from salessim.errors import SalesSimError
from salessim.llm import (
    ChatClient,
    ChatRequest,
    EndpointConfig,
    LLMError,
    OpenAIChatClient,
)
from salessim.llm.retry import RetryPolicy, classify_exception, parse_retry_after
from salessim.testing.server import ChatTestServer, Fault, tool_reply

HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture
def server():
    with ChatTestServer() as srv:
        yield srv


def fast_config(srv: ChatTestServer, **overrides) -> EndpointConfig:
    settings = dict(base_url=srv.base_url, model="salessim-test", timeout_s=2.0, max_retries=3,
                    backoff_base_s=0.01, backoff_max_s=0.02, retry_after_max_s=2.0)
    settings.update(overrides)
    return EndpointConfig(**settings)


async def test_basic_call_forwards_parameters_and_key(server, monkeypatch):
    monkeypatch.setenv("SALESSIM_TEST_KEY", "sk-test-123")
    png = base64.b64encode(b"\x89PNG fake").decode()
    messages = [{"role": "user", "content": [
        {"type": "text", "text": "does this look good?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
    ]}]
    tools = [{"type": "function", "function": {"name": "say", "parameters": {"type": "object"}}}]
    async with OpenAIChatClient(fast_config(server, api_key_env="SALESSIM_TEST_KEY")) as client:
        assert isinstance(client, ChatClient)
        resp = await client.complete(ChatRequest(
            messages=messages, tools=tools, tool_choice="auto", temperature=0.7, top_p=0.9,
            max_tokens=64, seed=1234, stop=["\n\n"], extra={"top_k": 20}))
    assert resp.text == "echo: does this look good? [image]"
    assert resp.finish_reason == "stop" and not resp.cached and resp.attempts == 1
    assert resp.usage.prompt_tokens > 0 and resp.latency_s > 0
    assert resp.price_known is False and resp.cost_usd == 0.0  # unknown model
    (req,) = server.chat_requests
    assert req.headers["authorization"] == "Bearer sk-test-123"
    body = req.body
    assert body["seed"] == 1234 and body["temperature"] == 0.7 and body["top_p"] == 0.9
    assert body["max_tokens"] == 64 and body["stop"] == ["\n\n"] and body["top_k"] == 20
    assert body["tools"] == tools and body["tool_choice"] == "auto"
    assert body["messages"][0]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert "x-stainless-retry-count" in req.headers  # the real SDK made the call


async def test_no_key_endpoint_sends_placeholder_and_omits_unset_fields(server):
    async with OpenAIChatClient(fast_config(server)) as client:
        await client.complete(ChatRequest(model="other-model", messages=HELLO))
    (req,) = server.chat_requests
    assert req.headers["authorization"] == "Bearer EMPTY"
    assert req.body["model"] == "other-model"
    assert not {"seed", "temperature", "tools", "stop", "max_tokens"} & set(req.body)


def test_missing_env_var_names_the_variable(monkeypatch):
    monkeypatch.delenv("SALESSIM_NO_SUCH_KEY", raising=False)
    cfg = EndpointConfig(base_url="http://127.0.0.1:9/v1", model="m", api_key_env="SALESSIM_NO_SUCH_KEY")
    with pytest.raises(SalesSimError, match="SALESSIM_NO_SUCH_KEY"):
        OpenAIChatClient(cfg)


def test_config_refuses_literal_keys():
    with pytest.raises(ValueError, match="api_key_env"):
        EndpointConfig(base_url="http://x/v1", model="m", api_key="sk-live")
    with pytest.raises(ValueError, match="both"):
        EndpointConfig(base_url="http://x/v1", model="m", price_input_per_m=1.0)


async def test_rate_limit_retry_after_is_honoured(server):
    server.inject(Fault.rate_limit(retry_after=0.4))
    async with OpenAIChatClient(fast_config(server)) as client:
        start = time.perf_counter()
        resp = await client.complete(ChatRequest(messages=HELLO))
        elapsed = time.perf_counter() - start
    assert resp.text == "echo: hello" and resp.attempts == 2
    assert elapsed >= 0.4  # backoff alone would wait at most 0.02 s
    first, second = server.chat_requests
    assert second.received_at - first.received_at >= 0.4


async def test_retry_after_is_capped(server):
    server.inject(Fault.rate_limit(retry_after=30))
    async with OpenAIChatClient(fast_config(server, retry_after_max_s=0.1)) as client:
        start = time.perf_counter()
        resp = await client.complete(ChatRequest(messages=HELLO))
    assert resp.attempts == 2 and time.perf_counter() - start < 2.0


async def test_server_error_retried_then_success(server):
    server.inject(Fault.server_error(500), Fault.server_error(503))
    async with OpenAIChatClient(fast_config(server)) as client:
        resp = await client.complete(ChatRequest(messages=HELLO))
    assert resp.text == "echo: hello" and resp.attempts == 3
    assert [r.faults for r in server.chat_requests] == [["http_500"], ["http_503"], []]


@pytest.mark.parametrize("fault,kind", [
    (Fault.server_error(503), "server_error"),
    (Fault.rate_limit(retry_after=0.01), "rate_limit"),
])
async def test_retries_exhausted_raise_kind(server, fault, kind):
    server.inject(*[fault] * 5)
    async with OpenAIChatClient(fast_config(server, max_retries=2)) as client:
        with pytest.raises(LLMError) as info:
            await client.complete(ChatRequest(messages=HELLO))
    assert info.value.kind == kind and info.value.attempts == 3 and info.value.retryable
    assert len(server.chat_requests) == 3
    assert isinstance(info.value, SalesSimError)


async def test_timeout_retried_then_success(server):
    server.inject(Fault.hang())
    async with OpenAIChatClient(fast_config(server, timeout_s=0.3)) as client:
        resp = await client.complete(ChatRequest(messages=HELLO))
    assert resp.attempts == 2 and resp.text == "echo: hello"


async def test_timeout_exhausted(server):
    server.inject(Fault.hang(), Fault.hang())
    async with OpenAIChatClient(fast_config(server, timeout_s=0.2, max_retries=1)) as client:
        start = time.perf_counter()
        with pytest.raises(LLMError) as info:
            await client.complete(ChatRequest(messages=HELLO))
    assert info.value.kind == "timeout" and info.value.attempts == 2
    assert time.perf_counter() - start < 3.0


async def test_non_retryable_4xx_fails_at_once(server):
    server.inject(Fault.http_error(400, message="bad tools"))
    async with OpenAIChatClient(fast_config(server)) as client:
        with pytest.raises(LLMError) as info:
            await client.complete(ChatRequest(messages=HELLO))
    assert info.value.kind == "bad_request" and info.value.status == 400 and info.value.attempts == 1
    assert len(server.chat_requests) == 1


async def test_wrong_key_is_auth_error(monkeypatch):
    monkeypatch.setenv("SALESSIM_TEST_KEY", "wrong")
    with ChatTestServer(api_key="right") as srv:
        async with OpenAIChatClient(fast_config(srv, api_key_env="SALESSIM_TEST_KEY")) as client:
            with pytest.raises(LLMError) as info:
                await client.complete(ChatRequest(messages=HELLO))
    assert info.value.kind == "auth" and len(srv.chat_requests) == 1
    assert "wrong" not in str(info.value)


async def test_connection_refused_is_connection_kind():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = EndpointConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", max_retries=1,
                         backoff_base_s=0.01, timeout_s=1)
    async with OpenAIChatClient(cfg) as client:
        with pytest.raises(LLMError) as info:
            await client.complete(ChatRequest(messages=HELLO))
    assert info.value.kind == "connection" and info.value.attempts == 2


async def test_error_body_with_200_is_server_error():
    with ChatTestServer(lambda req: {"error": {"message": "model overloaded"}}) as srv:
        async with OpenAIChatClient(fast_config(srv, max_retries=1)) as client:
            with pytest.raises(LLMError) as info:
                await client.complete(ChatRequest(messages=HELLO))
    assert info.value.kind == "server_error" and "overloaded" in str(info.value)


async def test_malformed_tool_json_gives_parse_error(server):
    server.inject(Fault.malformed_tool_json("say"))
    async with OpenAIChatClient(fast_config(server)) as client:
        resp = await client.complete(ChatRequest(messages=HELLO))
    (call,) = resp.tool_calls
    assert call.name == "say" and call.arguments is None
    assert call.parse_error and call.arguments_raw.startswith('{"text"')


@pytest.mark.parametrize("null", [False, True])
async def test_empty_content_is_allowed(server, null):
    server.inject(Fault.empty(null=null))
    async with OpenAIChatClient(fast_config(server)) as client:
        resp = await client.complete(ChatRequest(messages=HELLO))
    assert resp.text == (None if null else "") and resp.tool_calls == [] and resp.finish_reason == "stop"


async def test_truncated_output(server):
    server.inject(Fault.truncated())
    async with OpenAIChatClient(fast_config(server)) as client:
        resp = await client.complete(ChatRequest(messages=[{"role": "user", "content": "a long question"}]))
    assert resp.finish_reason == "length" and resp.truncated
    assert len(resp.text) < len("echo: a long question")


async def test_unknown_tool_is_returned_for_the_caller_to_judge(server):
    server.inject(Fault.unknown_tool("teleport"))
    async with OpenAIChatClient(fast_config(server)) as client:
        resp = await client.complete(ChatRequest(messages=HELLO))
    assert resp.tool_calls[0].name == "teleport" and resp.tool_calls[0].arguments == {"where": "moon"}
    assert resp.finish_reason == "tool_calls"


async def test_reasoning_field_and_think_blocks(server):
    server.inject(Fault.reasoning("field thoughts"), Fault.reasoning("other", field_name="reasoning"),
                  Fault.think("inline thoughts"), [Fault.think("both"), Fault.reasoning("r")])
    async with OpenAIChatClient(fast_config(server)) as client:
        a, b, c, d = [await client.complete(ChatRequest(messages=HELLO)) for _ in range(4)]
    assert (a.text, a.reasoning) == ("echo: hello", "field thoughts")
    assert b.reasoning == "other"
    assert (c.text, c.reasoning) == ("echo: hello", "inline thoughts")
    assert d.reasoning == "r\n\nboth"
    assert "<think>" in c.raw["choices"][0]["message"]["content"]  # raw keeps what was sent


async def test_slow_response_measured_in_latency(server):
    server.inject(Fault.delay(0.25))
    async with OpenAIChatClient(fast_config(server)) as client:
        resp = await client.complete(ChatRequest(messages=HELLO))
    assert resp.latency_s >= 0.25 and resp.attempts == 1


async def test_concurrency_limit_shared_per_endpoint():
    with ChatTestServer(latency_s=0.1) as srv:
        cfg = fast_config(srv, concurrency=3)
        async with OpenAIChatClient(cfg) as a, OpenAIChatClient(cfg) as b:
            calls = [(a if i % 2 else b).complete(ChatRequest(messages=HELLO, seed=i)) for i in range(12)]
            results = await asyncio.gather(*calls)
        assert len(results) == 12
        assert srv.max_in_flight == 3
        # another model on the same server has its own limit
        srv.reset()
        other = fast_config(srv, model="other", concurrency=5)
        async with OpenAIChatClient(cfg) as a, OpenAIChatClient(other) as b:
            await asyncio.gather(*[a.complete(ChatRequest(messages=HELLO)) for _ in range(6)],
                                 *[b.complete(ChatRequest(messages=HELLO)) for _ in range(10)])
        assert srv.max_in_flight == 8


async def test_scripted_conversation_with_tool_calls():
    def shopper(request):
        turns = sum(1 for m in request["messages"] if m["role"] == "user")
        if turns < 2:
            return tool_reply("say", {"text": "I need a laptop under $800"})
        return tool_reply("buy", {"product_id": "lap-042"})

    with ChatTestServer(shopper) as srv:
        async with OpenAIChatClient(fast_config(srv)) as client:
            messages = [{"role": "user", "content": "Hi, how can I help?"}]
            first = await client.complete(ChatRequest(messages=messages))
            messages += [{"role": "assistant", "content": None, "tool_calls": [
                {"id": first.tool_calls[0].id, "type": "function",
                 "function": {"name": "say", "arguments": first.tool_calls[0].arguments_raw}}]},
                {"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": "ok"},
                {"role": "user", "content": "Try lap-042."}]
            second = await client.complete(ChatRequest(messages=messages))
    assert first.tool_calls[0].arguments == {"text": "I need a laptop under $800"}
    assert second.tool_calls[0].name == "buy" and second.tool_calls[0].arguments == {"product_id": "lap-042"}


def test_backoff_full_jitter_and_retry_after_parsing():
    import random

    policy = RetryPolicy(backoff_base_s=1.0, backoff_max_s=4.0, retry_after_max_s=10.0, rng=random.Random(0))
    waits = [policy.backoff(attempt) for attempt in range(6) for _ in range(50)]
    assert all(0 <= w <= 4.0 for w in waits) and max(waits) > 2.0
    assert policy.backoff(0, retry_after=3.5) == 3.5
    assert policy.backoff(0, retry_after=99) == 10.0
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after(None) is None


def test_classify_quota_and_unknown():
    class FakeStatusError(Exception):
        def __init__(self, status, body):
            super().__init__("boom")
            self.status_code = status
            self.body = body
            self.response = None

    assert classify_exception(FakeStatusError(429, {"error": {"code": "insufficient_quota"}})).kind == "quota"
    assert classify_exception(FakeStatusError(429, None)).kind == "rate_limit"
    assert classify_exception(FakeStatusError(502, None)).kind == "server_error"
    assert classify_exception(FakeStatusError(404, None)).kind == "not_found"
    assert classify_exception(TimeoutError()).kind == "timeout"
    assert classify_exception(ConnectionResetError()).kind == "connection"
    assert classify_exception(ValueError("x")).kind == "unknown"

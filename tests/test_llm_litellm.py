"""The LiteLLM backend: lazy, offline-safe import; mapping and retries with a stand-in module;
the real package against the test server when it is installed (skipped otherwise)."""

from __future__ import annotations

import os
import sys
import types

import pytest

from salessim.errors import SalesSimError
from salessim.llm import ChatRequest, LLMError
from salessim.llm.litellm_client import LiteLLMClient, LiteLLMConfig, import_litellm

HELLO = [{"role": "user", "content": "hello"}]


def test_missing_litellm_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "litellm", None)  # makes `import litellm` fail
    with pytest.raises(SalesSimError, match=r"salessim\[litellm\]"):
        import_litellm()


class _FakeRateLimitError(Exception):
    def __init__(self):
        super().__init__("slow down")
        self.status_code = 429
        self.response = types.SimpleNamespace(status_code=429, headers={"retry-after": "0.01"})


def _fake_litellm(outcomes: list, seen: list) -> types.ModuleType:
    module = types.ModuleType("litellm")

    async def acompletion(**kwargs):
        seen.append(kwargs)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def completion_cost(completion_response):
        raise ValueError("unknown model")

    module.acompletion = acompletion
    module.completion_cost = completion_cost
    return module


async def test_stand_in_module_mapping_and_retry(monkeypatch):
    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    monkeypatch.setenv("SALESSIM_TEST_KEY", "sk-lite")
    seen: list = []
    body = {"model": "openai/x", "choices": [{"message": {"content": None, "tool_calls": [
        {"id": "1", "type": "function", "function": {"name": "buy", "arguments": '{"product_id": "p'}}]},
        "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}
    monkeypatch.setitem(sys.modules, "litellm", _fake_litellm([_FakeRateLimitError(), body], seen))
    client = LiteLLMClient(LiteLLMConfig(model="openai/x", base_url="http://127.0.0.1:9/v1",
                                         api_key_env="SALESSIM_TEST_KEY", backoff_base_s=0.01))
    resp = await client.complete(ChatRequest(messages=HELLO, seed=5, extra={"top_k": 3}))
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert resp.attempts == 2 and resp.tool_calls[0].parse_error and resp.usage.completion_tokens == 4
    assert resp.price_known is False
    kwargs = seen[-1]
    assert kwargs["num_retries"] == 0 and kwargs["seed"] == 5 and kwargs["top_k"] == 3
    assert kwargs["api_base"] == "http://127.0.0.1:9/v1" and kwargs["api_key"] == "sk-lite"

    monkeypatch.setitem(sys.modules, "litellm", _fake_litellm([_FakeRateLimitError()] * 3, seen))
    client = LiteLLMClient(LiteLLMConfig(model="openai/x", max_retries=1, backoff_base_s=0.01))
    with pytest.raises(LLMError) as info:
        await client.complete(ChatRequest(messages=HELLO))
    assert info.value.kind == "rate_limit" and "api_key" not in seen[-1]


async def test_real_litellm_against_test_server():
    pytest.importorskip("litellm")
    from salessim.testing.server import ChatTestServer, tool_reply

    with ChatTestServer(lambda req: tool_reply("say", {"text": "hi"})) as srv:
        client = LiteLLMClient(LiteLLMConfig(model="openai/salessim-test", base_url=srv.base_url,
                                             backoff_base_s=0.01, max_retries=1))
        resp = await client.complete(ChatRequest(messages=HELLO, seed=9))
    assert resp.tool_calls[0].arguments == {"text": "hi"}
    assert srv.chat_requests[0].body["seed"] == 9

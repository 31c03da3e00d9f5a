"""Price table lookup, user overrides and per-role usage accounting."""

from __future__ import annotations

import pytest

from salessim.errors import DataError
from salessim.llm import (
    ChatRequest,
    ChatResponse,
    EndpointConfig,
    OpenAIChatClient,
    TokenUsage,
    UsageTracker,
    load_price_table,
    sum_usage,
)
from salessim.llm.pricing import PRICES_ENV
from salessim.schema import Usage
from salessim.testing.server import ChatTestServer, Reply


def test_builtin_examples_most_specific_wins(monkeypatch):
    monkeypatch.delenv(PRICES_ENV, raising=False)
    table = load_price_table()
    assert table.lookup("gpt-4o-mini-2024-07-18").pattern == "gpt-4o-mini*"
    assert table.lookup("gpt-4o").pattern == "gpt-4o*"
    assert table.lookup("openai/gpt-4o-mini").pattern == "gpt-4o-mini*"
    assert table.lookup("GPT-4.1-MINI").pattern == "gpt-4.1-mini*"
    estimate = table.cost("gpt-4o-mini", 1_000_000, 1_000_000)
    assert estimate.price_known and estimate.cost_usd == pytest.approx(0.15 + 0.60)


def test_unknown_model_costs_zero_and_is_flagged(monkeypatch):
    monkeypatch.delenv(PRICES_ENV, raising=False)
    estimate = load_price_table().cost("my-local-llama", 1000, 1000)
    assert estimate.cost_usd == 0.0 and not estimate.price_known and estimate.pattern is None
    assert load_price_table().lookup("") is None


def test_user_files_override_from_path_and_env(tmp_path, monkeypatch):
    env_file = tmp_path / "env.yaml"
    env_file.write_text("models:\n  'gpt-4o-mini*': {input: 1, output: 1}\n  'qwen*': {input: 0, output: 0}\n")
    path_file = tmp_path / "path.yaml"
    path_file.write_text("models:\n  'gpt-4o*': {input: 9, output: 9}\n")
    monkeypatch.setenv(PRICES_ENV, str(env_file))
    table = load_price_table(path_file)
    assert table.lookup("gpt-4o-mini").input_per_m == 9  # the last layer that matches wins
    assert table.cost("qwen3-8b", 100, 100).price_known  # a known-free local model
    assert load_price_table(use_env=False).lookup("qwen3-8b") is None


@pytest.mark.parametrize("text,match", [
    ("just a string", "models"),
    ("models:\n  x: {input: 1}\n", "output"),
    ("models:\n  x: {input: cheap, output: 1}\n", "numbers"),
    ("models:\n  x: {input: -1, output: 1}\n", "negative"),
    ("models: [unclosed", "YAML"),
])
def test_bad_price_files(tmp_path, text, match):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(DataError, match=match):
        load_price_table(path, use_env=False)
    with pytest.raises(DataError, match="not found"):
        load_price_table(tmp_path / "missing.yaml", use_env=False)


async def test_client_costs_from_table_and_endpoint_override(monkeypatch):
    monkeypatch.delenv(PRICES_ENV, raising=False)
    usage = {"prompt_tokens": 2_000_000, "completion_tokens": 1_000_000}
    with ChatTestServer(lambda req: Reply(text="ok", usage=usage)) as srv:
        table_priced = OpenAIChatClient(EndpointConfig(base_url=srv.base_url, model="gpt-4o-mini"))
        overridden = OpenAIChatClient(EndpointConfig(base_url=srv.base_url, model="local-model",
                                                     price_input_per_m=0.5, price_output_per_m=1.0))
        a = await table_priced.complete(ChatRequest(messages=[{"role": "user", "content": "x"}]))
        b = await overridden.complete(ChatRequest(messages=[{"role": "user", "content": "x"}]))
        await table_priced.aclose()
        await overridden.aclose()
    assert a.price_known and a.cost_usd == pytest.approx(2 * 0.15 + 0.60)
    assert b.price_known and b.cost_usd == pytest.approx(2.0)


def test_usage_tracker_per_role():
    tracker = UsageTracker()
    tracker.track("shopper", ChatResponse(usage=TokenUsage(prompt_tokens=10, completion_tokens=5),
                                          cost_usd=0.5, price_known=True, model="a"))
    tracker.track("shopper", ChatResponse(usage=TokenUsage(prompt_tokens=10, completion_tokens=5),
                                          cached=True, model="a"))
    tracker.track("agent", ChatResponse(usage=TokenUsage(prompt_tokens=1, completion_tokens=1), model="local"))
    tracker.add("judge", Usage(calls=2, cost_usd=0.25))
    by_role = tracker.by_role()
    assert by_role["shopper"] == Usage(calls=2, prompt_tokens=20, completion_tokens=10, cost_usd=0.5, cached_calls=1)
    assert by_role["agent"].calls == 1 and by_role["agent"].cost_usd == 0.0
    assert tracker.unpriced_models == {"local"}
    total = tracker.total()
    assert total.calls == 5 and total.cost_usd == pytest.approx(0.75)
    assert sum_usage([]) == Usage()

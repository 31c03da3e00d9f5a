"""The on-disk response cache and the CachedClient wrapper."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from salessim.errors import SalesSimError
from salessim.llm import (
    CACHE_ENV,
    CachedClient,
    ChatRequest,
    ChatResponse,
    EndpointConfig,
    LLMError,
    OpenAIChatClient,
    ResponseCache,
    default_cache_dir,
    request_key,
    usage_of,
)
from salessim.testing.server import ChatTestServer, Fault

HELLO = [{"role": "user", "content": "hello"}]
SECRET = "sk-secret-do-not-store-7f3a9c"


@pytest.fixture
def server():
    with ChatTestServer() as srv:
        yield srv


def client_for(srv: ChatTestServer, **overrides) -> OpenAIChatClient:
    settings = dict(base_url=srv.base_url, model="salessim-test", timeout_s=2.0, max_retries=1,
                    backoff_base_s=0.01, backoff_max_s=0.02, price_input_per_m=1.0, price_output_per_m=2.0)
    settings.update(overrides)
    return OpenAIChatClient(EndpointConfig(**settings))


def _same_content(a: ChatResponse, b: ChatResponse) -> bool:
    skip = {"cached", "cost_usd", "latency_s", "attempts"}
    return a.model_dump(exclude=skip) == b.model_dump(exclude=skip)


async def test_hit_returns_identical_response_without_a_request(server, tmp_path):
    server.inject(Fault.reasoning("why"))
    async with CachedClient(client_for(server), ResponseCache(tmp_path)) as client:
        request = ChatRequest(messages=HELLO, seed=7, temperature=0.5)
        first = await client.complete(request)
        second = await client.complete(request)
        assert (client.hits, client.misses) == (1, 1)
    assert len(server.chat_requests) == 1
    assert not first.cached and first.cost_usd > 0 and first.price_known
    assert second.cached and second.cost_usd == 0.0 and second.attempts == 0
    assert _same_content(first, second) and second.reasoning == "why"
    hit_usage = usage_of(second)
    assert (hit_usage.calls, hit_usage.cached_calls, hit_usage.cost_usd) == (1, 1, 0.0)
    assert hit_usage.prompt_tokens == first.usage.prompt_tokens


async def test_cache_survives_a_new_client_and_cache_object(server, tmp_path):
    async with CachedClient(client_for(server), ResponseCache(tmp_path)) as client:
        first = await client.complete(ChatRequest(messages=HELLO, seed=1))
    async with CachedClient(client_for(server), ResponseCache(tmp_path)) as client:
        again = await client.complete(ChatRequest(messages=HELLO, seed=1))
    assert again.cached and _same_content(first, again) and len(server.chat_requests) == 1


async def test_no_cache_bypass_and_refresh(server, tmp_path):
    cache = ResponseCache(tmp_path)
    async with CachedClient(client_for(server), cache, enabled=False) as client:
        a = await client.complete(ChatRequest(messages=HELLO, seed=1))
        b = await client.complete(ChatRequest(messages=HELLO, seed=1))
    assert not a.cached and not b.cached and len(server.chat_requests) == 2 and len(cache) == 0
    async with CachedClient(client_for(server), cache, refresh=True) as client:
        c = await client.complete(ChatRequest(messages=HELLO, seed=1))
        d = await client.complete(ChatRequest(messages=HELLO, seed=1))
    assert not c.cached and not d.cached and len(server.chat_requests) == 4 and len(cache) == 1


async def test_different_parameters_miss(server, tmp_path):
    async with CachedClient(client_for(server), ResponseCache(tmp_path)) as client:
        for request in [ChatRequest(messages=HELLO, seed=1), ChatRequest(messages=HELLO, seed=2),
                        ChatRequest(messages=HELLO, seed=1, temperature=0.2),
                        ChatRequest(messages=HELLO, seed=1, model="other"),
                        ChatRequest(messages=HELLO, seed=1, tools=[{"type": "function", "function": {"name": "say"}}])]:
            assert not (await client.complete(request)).cached
    assert len(server.chat_requests) == 5


def test_request_key_rules():
    base = ChatRequest(messages=HELLO, temperature=1)
    assert request_key(base) == request_key(ChatRequest(messages=HELLO, temperature=1.0))
    assert request_key(base, model="m") == request_key(ChatRequest(model="m", messages=HELLO, temperature=1.0))
    assert request_key(base, model="m") != request_key(base, model="n")
    assert request_key(base) != request_key(base, namespace="other-server")
    assert request_key(ChatRequest(messages=HELLO, stop="x")) == request_key(ChatRequest(messages=HELLO, stop=["x"]))
    assert len(request_key(base)) == 64


async def test_api_key_never_in_cache_files(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_TEST_KEY", SECRET)
    cache_dir = tmp_path / "cache"
    client = CachedClient(client_for(server, api_key_env="SALESSIM_TEST_KEY"), ResponseCache(cache_dir))
    for seed in range(3):
        await client.complete(ChatRequest(messages=HELLO, seed=seed))
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {SECRET}"
    files = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert files  # the database (and its WAL) exist
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
        assert server.base_url.encode() not in path.read_bytes(), path
    await client.aclose()
    for path in [p for p in cache_dir.rglob("*") if p.is_file()]:
        assert SECRET.encode() not in path.read_bytes(), path


def test_cache_dir_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere"
    assert ResponseCache().path == tmp_path / "elsewhere" / "responses.sqlite3"
    monkeypatch.delenv(CACHE_ENV)
    assert default_cache_dir() == Path.home() / ".cache" / "salessim" / "llm"


async def test_identical_requests_in_flight_are_sent_once(tmp_path):
    with ChatTestServer(latency_s=0.15) as srv:
        async with CachedClient(client_for(srv, concurrency=8), ResponseCache(tmp_path)) as client:
            request = ChatRequest(messages=HELLO, seed=3)
            results = await asyncio.gather(*[client.complete(request) for _ in range(5)])
        assert len(srv.chat_requests) == 1
    assert sum(not r.cached for r in results) == 1
    assert all(_same_content(results[0], r) for r in results)


async def test_failures_are_not_cached(server, tmp_path):
    server.inject(Fault.server_error(), Fault.server_error())
    cache = ResponseCache(tmp_path)
    async with CachedClient(client_for(server), cache) as client:
        with pytest.raises(LLMError):
            await client.complete(ChatRequest(messages=HELLO))
        assert len(cache) == 0
        ok = await client.complete(ChatRequest(messages=HELLO))
    assert not ok.cached and len(cache) == 1


_WRITER = """
import sys
from salessim.llm import ChatResponse, ResponseCache
cache = ResponseCache(sys.argv[1])
for i in range(int(sys.argv[3])):
    cache.put(f"{sys.argv[2]}-{i}", ChatResponse(text=f"{sys.argv[2]} {i}", model="m"))
    assert cache.get(f"{sys.argv[2]}-{i}").text == f"{sys.argv[2]} {i}"
"""


def test_two_processes_share_the_cache(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), name, "150"])
             for name in ("a", "b")]
    cache = ResponseCache(tmp_path)
    for i in range(150):
        cache.put(f"main-{i}", ChatResponse(text=str(i)))
    for proc in procs:
        assert proc.wait(timeout=60) == 0
    assert len(cache) == 450
    assert cache.get("a-149").text == "a 149" and cache.get("b-0").cached
    assert cache.get("missing") is None


def test_corrupt_cache_file_is_a_clear_error(tmp_path):
    (tmp_path / "responses.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(SalesSimError, match="cache"):
        ResponseCache(tmp_path).get("k")


def test_unreadable_entry_is_a_miss(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("k", ChatResponse(text="x"))
    cache._connect().execute("UPDATE responses SET response = '{not json' WHERE key = 'k'")
    assert cache.get("k") is None
    cache.clear()
    assert len(cache) == 0

"""Transport retries: a body on HTTP 200 that is not valid JSON (cut off by a proxy, a crashed
worker) is retried like a 5xx; every episode records how many transport retries its calls needed
(``usage[role].retries``, failed calls included) and summary.json sums them per role."""

from __future__ import annotations

import asyncio
import threading

import pytest

from salessim.llm import ChatRequest, EndpointConfig, LLMError, OpenAIChatClient
from salessim.metrics.run import score_run
from salessim.schema.run import AgentConfig, ModelConfig, RunConfig, ShopperConfig
from salessim.sim.runner import episode_seed, run_benchmark
from salessim.testing.responders import roleplay_responder
from salessim.testing.server import ChatTestServer, Fault

HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path / "cache"))


def endpoint(srv, **kw) -> EndpointConfig:
    settings = dict(base_url=srv.base_url, model="salessim-test", timeout_s=2.0, max_retries=3,
                    backoff_base_s=0.01, backoff_max_s=0.02)
    settings.update(kw)
    return EndpointConfig(**settings)


async def test_invalid_json_body_on_200_is_retried():
    with ChatTestServer() as srv:
        srv.inject(Fault.bad_json())
        async with OpenAIChatClient(endpoint(srv)) as client:
            resp = await client.complete(ChatRequest(messages=HELLO))
        assert resp.text == "echo: hello" and resp.attempts == 2
        assert len(srv.chat_requests) == 2 and srv.chat_requests[0].faults == ["bad_json"]


async def test_invalid_json_body_for_good_ends_as_bad_response_after_the_retries():
    with ChatTestServer(fault_fn=lambda i, body: Fault.bad_json()) as srv:
        async with OpenAIChatClient(endpoint(srv, max_retries=2)) as client:
            with pytest.raises(LLMError) as info:
                await client.complete(ChatRequest(messages=HELLO))
    assert info.value.kind == "bad_response" and info.value.attempts == 3 and info.value.retryable


@pytest.fixture(scope="module")
def personas_file(tmp_path_factory):
    from salessim.personas import generate_personas, save_personas

    path = tmp_path_factory.mktemp("personas") / "personas.jsonl"
    save_personas(generate_personas(6, seed=11, categories=["laptops"]), path)
    return path


def config(server, personas_file, *, max_retries=3, limit=4, concurrency=2) -> RunConfig:
    model = ModelConfig(model="salessim-test", base_url=server.base_url, timeout_s=5.0, max_retries=max_retries,
                        backoff_base_s=0.01, backoff_max_s=0.02)
    return RunConfig(personas=str(personas_file), split="all", limit=limit, seed=4, concurrency=concurrency, max_turns=6,
                     shopper=ShopperConfig(kind="llm", model=model), agent=AgentConfig(kind="scripted"))


class EveryThird:
    """A 5xx or an invalid JSON body on every third chat request. One request at a time, so the
    retry of a faulted request is the next one, which is never faulted: no call runs out of retries."""

    def __init__(self):
        self.injected = 0
        self.lock = threading.Lock()

    def __call__(self, index, body):
        if index % 3 != 1:
            return None
        with self.lock:
            self.injected += 1
        return Fault.server_error(503) if index % 2 else Fault.bad_json()


def test_retries_are_counted_per_episode_and_summed_in_the_summary(tmp_path, personas_file):
    faults = EveryThird()
    with ChatTestServer(roleplay_responder, fault_fn=faults) as server:
        outcome = asyncio.run(run_benchmark(config(server, personas_file, concurrency=1), tmp_path / "run"))
        kinds = {f for r in server.chat_requests for f in r.faults}
    assert faults.injected >= 3 and kinds == {"http_503", "bad_json"}
    episodes = outcome.episodes
    assert all(not e.termination.startswith("error") for e in episodes), [e.error for e in episodes]
    per_episode = [e.usage["shopper"].retries for e in episodes]
    assert sum(per_episode) == faults.injected
    assert any(n > 0 for n in per_episode)
    summary = score_run(tmp_path / "run")
    usage = summary.usage["shopper"]
    assert usage.retries == faults.injected
    assert usage.episodes_with_retries == sum(1 for n in per_episode if n)
    assert usage.calls == sum(e.usage["shopper"].calls for e in episodes)


def test_retries_of_a_call_that_fails_for_good_are_recorded(tmp_path, personas_file):
    holder: dict = {}

    def fault_fn(index, body):
        return Fault.server_error(503) if body.get("seed") in holder["seeds"] else None

    with ChatTestServer(roleplay_responder, fault_fn=fault_fn) as server:
        cfg = config(server, personas_file, max_retries=2, limit=2)
        from salessim.llm.endpoints import call_seed
        from salessim.sim.runner import load_run_personas, plan

        victim = plan(load_run_personas(cfg), cfg)[0][2]
        seed = episode_seed(cfg.seed, victim)
        holder["seeds"] = {call_seed(seed, i, a, "shopper") for i in range(40) for a in range(8)}
        outcome = asyncio.run(run_benchmark(cfg, tmp_path / "run"))
    failed = next(e for e in outcome.episodes if e.id == victim)
    assert failed.termination == "error:server_error"
    assert failed.usage["shopper"].retries == 2  # max_retries=2: three attempts, two of them retries

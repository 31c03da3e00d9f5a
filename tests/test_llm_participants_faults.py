"""Whole runs of LLM participants through the local test server: every pairing, every fault,
the text protocol, vision, caching, --resume --retry-errors, secrets, and kill -9 mid-run.

The server plays both roles with :func:`salessim.testing.responders.roleplay_responder`. A fault is
injected either once per logical request (retries then cure it) or on every request of one
chosen episode (that episode, and only it, ends as ``error:<kind>``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from salessim.api.rundir import RunDir
from salessim.llm.endpoints import call_seed
from salessim.schema.run import AgentConfig, ModelConfig, RunConfig, ShopperConfig
from salessim.sim.runner import episode_seed, run_benchmark
from salessim.testing.responders import (
    is_shopper_request,
    roleplay_responder,
)
from salessim.testing.server import ChatTestServer, Fault

FAKE_KEY = "sk-SALESSIM-FAKE-KEY-9f8e7d6c5b4a"
KEY_ENV = "SALESSIM_TEST_FAKE_KEY"
NORMAL = ("bought", "left", "max_turns")
PAIRINGS = [("llm", "scripted"), ("scripted", "llm"), ("llm", "llm")]


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def personas_file(tmp_path_factory):
    from salessim.personas import generate_personas, save_personas

    path = tmp_path_factory.mktemp("personas") / "personas.jsonl"
    save_personas(generate_personas(12, seed=7, categories=["laptops"]), path)
    return path


def model(server, **kw) -> ModelConfig:
    settings = dict(model="salessim-test", base_url=server.base_url, timeout_s=5.0, max_retries=2,
                    backoff_base_s=0.01, backoff_max_s=0.02, retry_after_max_s=0.5)
    settings.update(kw)
    return ModelConfig(**settings)


def config(server, personas_file, shopper="llm", agent="scripted", *, limit=2, shopper_kw=None, agent_kw=None,
           **kw) -> RunConfig:
    return RunConfig(
        personas=str(personas_file), split="all", limit=limit, seed=1, concurrency=2, max_turns=8,
        shopper=ShopperConfig(kind=shopper, model=model(server, **(shopper_kw or {})) if shopper == "llm" else None),
        agent=AgentConfig(kind=agent, model=model(server, **(agent_kw or {})) if agent == "llm" else None),
        **kw,
    )


def run(cfg, out, store, **kw):
    return asyncio.run(run_benchmark(cfg, out, store=store, **kw))


def seeds_of(cfg: RunConfig, episode_id: str) -> set[int]:
    """Every request seed the participants of one episode can use."""
    seed = episode_seed(cfg.seed, episode_id)
    return {call_seed(seed, i, a, role) for i in range(60) for a in range(12) for role in ("shopper", "agent")}


_NOTES = ("[Your last reply", "[There is no product", "[Answer the customer now")


def logical_key(body) -> str:
    """A request's identity without corrective notes, so the retry of a fixed request is the same."""
    msgs = []
    for m in body.get("messages") or []:
        content = m.get("content")
        if isinstance(content, str):
            for note in _NOTES:
                if note in content:
                    content = content.split(note)[0].rstrip()
            if not content and m.get("role") == "user":
                continue
        msgs.append([m.get("role"), content, m.get("tool_calls")])
    return hashlib.sha256(json.dumps(msgs, sort_keys=True, default=str).encode()).hexdigest()


class FaultOnce:
    """Inject ``fault`` the first time each logical request matching ``when`` arrives."""

    def __init__(self, fault, when):
        self.fault, self.when = fault, when
        self.seen: set[str] = set()
        self.injected = 0
        self.lock = threading.Lock()

    def __call__(self, index, body):
        if not self.when(body):
            return None
        key = logical_key(body)
        with self.lock:
            if key in self.seen:
                return None
            self.seen.add(key)
            self.injected += 1
        return self.fault


def shopper_second_call(body) -> bool:
    return is_shopper_request(body) and sum(m["role"] == "assistant" for m in body["messages"]) == 1


def agent_answer_call(body) -> bool:
    return not is_shopper_request(body) and body["messages"][-1]["role"] == "tool"


def target(role):
    return shopper_second_call if role == "shopper" else agent_answer_call


# ----------------------------------------------------------------------------- pairings
@pytest.mark.parametrize("shopper,agent", PAIRINGS)
def test_pairings_run_whole_episodes(tmp_path, store, personas_file, shopper, agent):
    with ChatTestServer(roleplay_responder) as server:
        cfg = config(server, personas_file, shopper, agent)
        outcome = run(cfg, tmp_path / "run", store)
    assert len(outcome.episodes) == 2
    for ep in outcome.episodes:
        assert ep.termination in NORMAL, (ep.termination, ep.error)
        for role, kind in (("shopper", shopper), ("agent", agent)):
            info = getattr(ep, role)
            assert info.kind == kind
            if kind == "llm":
                assert info.model == "salessim-test"
                assert ep.usage[role].calls > 0 and ep.usage[role].prompt_tokens > 0
    if shopper == "llm":
        assert any(ep.termination == "bought" for ep in outcome.episodes)
        assert all(m.action is not None for ep in outcome.episodes for m in ep.messages if m.role == "shopper")
    if agent == "llm":
        assert any(ep.presented_product_ids for ep in outcome.episodes)


# ------------------------------------------------------------------------ faults, cured
CURABLE = [
    ("rate_limit_retry_after", lambda role: Fault.rate_limit(retry_after=0.2)),
    ("server_error", lambda role: Fault.server_error(500)),
    ("slow", lambda role: Fault.delay(0.3)),
    ("timeout", lambda role: Fault.hang()),
    ("malformed_tool_json", lambda role: Fault.malformed_tool_json("say" if role == "shopper" else "search_products")),
    ("empty", lambda role: Fault.empty()),
    ("truncated", lambda role: Fault.truncated()),
    ("unknown_tool", lambda role: Fault.unknown_tool("teleport")),
]


@pytest.mark.parametrize("name,make", CURABLE, ids=[c[0] for c in CURABLE])
@pytest.mark.parametrize("shopper,agent", PAIRINGS)
def test_fault_is_retried_and_the_episode_completes(tmp_path, store, personas_file, shopper, agent, name, make):
    roles = [r for r, k in (("shopper", shopper), ("agent", agent)) if k == "llm"]
    plans = {role: FaultOnce(make(role), target(role)) for role in roles}
    with ChatTestServer(roleplay_responder, hang_max_s=5,
                        fault_fn=lambda i, body: next((f for f in (p(i, body) for p in plans.values()) if f), None)) as server:
        timeout = 0.5 if name == "timeout" else 5.0
        cfg = config(server, personas_file, shopper, agent, shopper_kw={"timeout_s": timeout},
                     agent_kw={"timeout_s": timeout})
        outcome = run(cfg, tmp_path / "run", store)
        seen = [f for r in server.chat_requests for f in r.faults]
    assert all(p.injected > 0 for p in plans.values()), "the fault was never injected"
    assert seen
    for ep in outcome.episodes:
        assert ep.termination in NORMAL, (ep.termination, ep.error)
        assert ep.error is None
    if name in ("malformed_tool_json", "empty", "truncated", "unknown_tool"):
        problems = [p for ep in outcome.episodes for m in ep.messages for p in m.meta.get("format_problems", [])]
        assert problems, "the format problem should be recorded in the message meta"
        assert not any("format_error" in m.flags for ep in outcome.episodes for m in ep.messages)


# ----------------------------------------------------------------- faults that end one episode
PERSISTENT = [
    ("rate_limit", lambda role: Fault.rate_limit(retry_after=0.01), "error:rate_limit"),
    ("server_error", lambda role: Fault.server_error(503), "error:server_error"),
    ("timeout", lambda role: Fault.hang(), "error:timeout"),
    ("malformed_tool_json", lambda role: Fault.malformed_tool_json("say" if role == "shopper" else "get_product"),
     "error:format"),
    ("empty", lambda role: Fault.empty(null=True), "error:format"),
    ("unknown_tool", lambda role: Fault.unknown_tool("teleport"), "error:format"),
]


@pytest.mark.parametrize("name,make,termination", PERSISTENT, ids=[p[0] for p in PERSISTENT])
@pytest.mark.parametrize("role", ["shopper", "agent"])
def test_persistent_fault_ends_only_that_episode(tmp_path, store, personas_file, role, name, make, termination):
    shopper, agent = ("llm", "scripted") if role == "shopper" else ("scripted", "llm")
    holder = {}

    def fault_fn(index, body):
        return make(role) if body.get("seed") in holder["seeds"] else None

    with ChatTestServer(roleplay_responder, fault_fn=fault_fn, hang_max_s=5) as server:
        cfg = config(server, personas_file, shopper, agent, limit=3,
                     shopper_kw={"timeout_s": 0.4, "max_retries": 1}, agent_kw={"timeout_s": 0.4, "max_retries": 1})
        from salessim.sim.runner import load_run_personas, plan

        victim = plan(load_run_personas(cfg), cfg)[1][2]  # the second planned episode
        holder["seeds"] = seeds_of(cfg, victim)
        outcome = run(cfg, tmp_path / "run", store)
    by_id = {ep.id: ep for ep in outcome.episodes}
    assert len(by_id) == 3
    assert by_id[victim].termination == termination and by_id[victim].error
    for eid, ep in by_id.items():
        if eid != victim:
            assert ep.termination in NORMAL, (ep.termination, ep.error)


def first_episode_id(cfg: RunConfig) -> str:
    from salessim.sim.runner import load_run_personas, plan

    return plan(load_run_personas(cfg), cfg)[0][2]


def test_truncated_for_good_is_said_and_flagged(tmp_path, store, personas_file):
    holder = {}
    with ChatTestServer(roleplay_responder,
                        fault_fn=lambda i, body: Fault.truncated() if body.get("seed") in holder["seeds"] else None) as server:
        cfg = config(server, personas_file, "llm", "scripted", limit=1, shopper_kw={"tool_calling": False})
        holder["seeds"] = seeds_of(cfg, first_episode_id(cfg))
        outcome = run(cfg, tmp_path / "run", store)
    (ep,) = outcome.episodes
    flagged = [m for m in ep.messages if "format_error" in m.flags]
    assert flagged and all(m.meta["format_problems"] == ["truncated"] * 3 for m in flagged)


def test_invalid_product_ids(tmp_path, store, personas_file):
    from salessim.testing.server import tool_reply

    def bad_buys(times):
        left = {"n": times}
        lock = threading.Lock()

        def responder(request):
            reply = roleplay_responder(request)
            if is_shopper_request(request) and reply.tool_calls and reply.tool_calls[0]["name"] == "buy":
                with lock:
                    if left["n"] > 0:
                        left["n"] -= 1
                        return tool_reply("buy", {"product_id": "lap-999"})
            return reply
        return responder

    # the shopper buys an id the store does not have: asked again, it picks a shown one
    with ChatTestServer(bad_buys(1)) as server:
        outcome = run(config(server, personas_file, "llm", "scripted", limit=1), tmp_path / "a", store)
    (ep,) = outcome.episodes
    assert ep.termination == "bought" and ep.decision.product_id != "lap-999"
    assert any(m.meta.get("format_problems") == ["invalid_product"] for m in ep.messages)
    # always the bad id: passed on, and the orchestrator ends (only) this episode
    with ChatTestServer(bad_buys(10**6)) as server:  # (no cache: the same requests were answered above)
        outcome = run(config(server, personas_file, "llm", "scripted", limit=1, shopper_kw={"cache": False}),
                      tmp_path / "b", store)
    (ep,) = outcome.episodes
    assert ep.termination == "error:invalid_product"
    assert ep.messages[-1].meta["format_problems"] == ["invalid_product"] * 3
    # the agent asks for a product that does not exist: the tool answers with an error, the episode goes on
    def agent_bad_id(request):
        if not is_shopper_request(request) and request["messages"][-1]["role"] == "user" and \
                sum(m["role"] == "user" for m in request["messages"]) == 2:
            from salessim.testing.server import tool_reply

            return tool_reply("get_product", {"product_id": "lap-999"})
        return roleplay_responder(request)

    with ChatTestServer(agent_bad_id) as server:
        outcome = run(config(server, personas_file, "scripted", "llm", limit=1, agent_kw={"cache": False}),
                      tmp_path / "c", store)
    (ep,) = outcome.episodes
    errors = [m.tool_result for m in ep.messages if m.role == "tool" and m.tool_result.error]
    assert errors and "lap-999" in json.dumps(errors[0].content)
    assert ep.termination in NORMAL


# ------------------------------------------------------------- text protocol, vision, reasoning
def test_text_protocol_run(tmp_path, store, personas_file):
    with ChatTestServer(roleplay_responder) as server:
        cfg = config(server, personas_file, "llm", "scripted", shopper_kw={"tool_calling": False})
        outcome = run(cfg, tmp_path / "run", store)
        shopper_reqs = [r.body for r in server.chat_requests if is_shopper_request(r.body)]
    assert shopper_reqs and all("tools" not in b for b in shopper_reqs)
    assert all(m["role"] != "tool" for b in shopper_reqs for m in b["messages"])
    for ep in outcome.episodes:
        assert ep.termination == "bought"
        kinds = [m.action.type for m in ep.messages if m.role == "shopper"]
        assert "view_product" in kinds and kinds[-1] == "buy"
        assert not any("[BUY" in m.text or "[VIEW" in m.text for m in ep.messages if m.role == "shopper")
        assert ep.viewed_product_ids


@pytest.mark.parametrize("placement", ["user", "tool"])
def test_vision_run_sends_a_valid_png(tmp_path, store, personas_file, placement):
    from PIL import Image

    with ChatTestServer(roleplay_responder) as server:
        cfg = config(server, personas_file, "llm", "scripted", limit=1,
                     shopper_kw={"vision": True, "vision_image_in": placement})
        outcome = run(cfg, tmp_path / "run", store)
        bodies = [r.body for r in server.chat_requests if is_shopper_request(r.body)]
    assert outcome.episodes[0].termination == "bought"
    parts = [(m["role"], p) for b in bodies for m in b["messages"] if isinstance(m.get("content"), list)
             for p in m["content"] if p.get("type") == "image_url"]
    assert parts and {role for role, _ in parts} == {placement}
    url = parts[0][1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    image.verify()
    assert image.format == "PNG"
    assert "You cannot see pictures" not in bodies[0]["messages"][0]["content"]


def test_reasoning_is_stripped_and_recorded(tmp_path, store, personas_file):
    def fault_fn(index, body):
        if is_shopper_request(body):
            return Fault.think("secret plan: buy the cheapest")
        return Fault.reasoning("agent thoughts")

    with ChatTestServer(roleplay_responder, fault_fn=fault_fn) as server:
        cfg = config(server, personas_file, "llm", "llm", limit=1)
        outcome = run(cfg, tmp_path / "run", store)
        agent_bodies = [r.body for r in server.chat_requests if not is_shopper_request(r.body)]
    (ep,) = outcome.episodes
    shopper_msgs = [m for m in ep.messages if m.role == "shopper"]
    assert all(m.reasoning == "secret plan: buy the cheapest" for m in shopper_msgs)
    assert not any("secret plan" in m.text or "<think>" in m.text for m in ep.messages)
    assert "secret plan" not in json.dumps([b["messages"] for b in agent_bodies])
    assert any(m.reasoning == "agent thoughts" for m in ep.messages if m.role == "agent")


def test_role_inversion_is_flagged_in_a_run(tmp_path, store, personas_file):
    from salessim.testing.server import tool_reply

    def responder(request):
        if is_shopper_request(request) and len(request["messages"]) == 2:
            return tool_reply("say", {"text": "Hello! How can I help you today?"})
        return roleplay_responder(request)

    with ChatTestServer(responder) as server:
        outcome = run(config(server, personas_file, "llm", "scripted", limit=1), tmp_path / "run", store)
    first = outcome.episodes[0].messages[0]
    assert first.role == "shopper" and "role_inversion" in first.flags


# --------------------------------------------------------------------- cache and resume
def test_rerun_is_identical_and_free_and_no_cache_bypasses(tmp_path, store, personas_file):
    with ChatTestServer(roleplay_responder) as server:
        cfg = config(server, personas_file, "llm", "llm", limit=2)
        first = run(cfg, tmp_path / "a", store)
        sent = len(server.chat_requests)
        second = run(cfg, tmp_path / "b", store)
        assert len(server.chat_requests) == sent  # every answer came from the cache
        nocache = config(server, personas_file, "llm", "llm", limit=2, shopper_kw={"cache": False},
                         agent_kw={"cache": False})
        third = run(nocache, tmp_path / "c", store)
        assert len(server.chat_requests) == 2 * sent
    dump = lambda out: sorted(e.model_dump_json(exclude={"timings", "run_id", "usage", "messages"}) for e in out.episodes)
    texts = lambda out: sorted(json.dumps([m.text for m in e.messages]) for e in out.episodes)
    assert dump(first) == dump(second) == dump(third) and texts(first) == texts(second)
    for ep in second.episodes:
        for usage in ep.usage.values():
            assert usage.cached_calls == usage.calls and usage.cost_usd == 0
    seeds = [r.body["seed"] for r in server.chat_requests[:sent]]
    assert len(set(seeds)) == len(seeds)  # every call has its own seed


def test_resume_retry_errors_reruns_only_errored_episodes(tmp_path, store, personas_file):
    with ChatTestServer(roleplay_responder,
                        fault_fn=lambda i, body: Fault.server_error(500) if (i + 1) % 6 == 0 else None) as server:
        cfg = config(server, personas_file, "llm", "llm", limit=5, shopper_kw={"max_retries": 0},
                     agent_kw={"max_retries": 0})
        out = tmp_path / "run"
        first = run(cfg, out, store)
        errored = {e.id for e in first.episodes if e.termination.startswith("error:")}
        good_lines = {e.id: e.model_dump_json() for e in first.episodes if e.id not in errored}
        assert errored and good_lines, [e.termination for e in first.episodes]
        assert all(e.termination == "error:server_error" for e in first.episodes if e.id in errored)
        server.fault_fn = None
        before = len(server.chat_requests)
        second = run(cfg, out, store, resume=True, retry_errors=True)
        after = len(server.chat_requests)
    assert second.ran == len(errored) and second.already_done == len(good_lines)
    episodes = RunDir(out).read_episodes()
    ids = [e.id for e in episodes]
    assert len(ids) == len(set(ids)) == 5
    for e in episodes:
        assert e.termination in NORMAL
        if e.id in good_lines:
            assert e.model_dump_json() == good_lines[e.id]  # untouched
    rerun = [e for e in episodes if e.id in errored]
    assert sum(u.cached_calls for e in rerun for u in e.usage.values()) > 0  # the calls before the fault
    assert after > before


# ----------------------------------------------------------------------------- secrets
def _all_bytes(*roots):
    for root in roots:
        for path in Path(root).rglob("*"):
            if path.is_file():
                yield path, path.read_bytes()


def test_no_api_key_in_any_file(tmp_path, store, personas_file, monkeypatch):
    monkeypatch.setenv(KEY_ENV, FAKE_KEY)
    with ChatTestServer(roleplay_responder, api_key=FAKE_KEY) as server:
        cfg = config(server, personas_file, "llm", "llm", limit=2,
                     shopper_kw={"api_key_env": KEY_ENV}, agent_kw={"api_key_env": KEY_ENV})
        outcome = run(cfg, tmp_path / "run", store)
        assert server.chat_requests[0].headers["authorization"] == f"Bearer {FAKE_KEY}"
    assert all(e.termination in NORMAL for e in outcome.episodes)
    # a server that echoes the key it got in its error message
    echo = lambda request: {"error": {"message": f"Incorrect API key provided: {FAKE_KEY}."}}
    with ChatTestServer(echo) as server:
        cfg = config(server, personas_file, "llm", "scripted", limit=1, shopper_kw={"api_key_env": KEY_ENV})
        failed = run(cfg, tmp_path / "failed", store)
    assert failed.episodes[0].termination == "error:server_error"
    assert f"<${KEY_ENV}>" in failed.episodes[0].error
    files = list(_all_bytes(tmp_path / "run", tmp_path / "failed", tmp_path / "cache"))
    assert any(p.name == "responses.sqlite3" for p, _ in files) and any(p.name == "run.json" for p, _ in files)
    for path, data in files:
        assert FAKE_KEY.encode() not in data, path
        assert FAKE_KEY[8:].encode() not in data, path
    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    assert meta["config"]["shopper"]["model"]["api_key_env"] == KEY_ENV


# ------------------------------------------------------------------------------ kill -9
@pytest.mark.slow
def test_kill_mid_run_loses_only_in_flight_episodes(tmp_path, personas_file):
    cfg_path = tmp_path / "run.yaml"
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with ChatTestServer(roleplay_responder, latency_s=0.08) as server:
        cfg_path.write_text(
            f"personas: {personas_file}\nsplit: all\nlimit: 10\nseed: 2\nconcurrency: 2\nmax_turns: 8\n"
            f"shopper:\n  model:\n    model: salessim-test\n    base_url: {server.base_url}\n"
            "agent: {kind: scripted}\n")
        proc = subprocess.Popen([sys.executable, "-m", "salessim", "run", "--config", str(cfg_path), "--out", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
        episodes = out / "episodes.jsonl"
        deadline = time.time() + 120
        while time.time() < deadline:
            if episodes.exists() and episodes.read_text().count("\n") >= 3:
                break
            if proc.poll() is not None:
                pytest.fail(f"the run ended before it was killed: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
        saved = RunDir(out).read_episodes()
        assert 3 <= len(saved) < 10
        assert json.loads((out / "run.json").read_text())["status"] == "running"
        server.latency_s = 0.0
        done = subprocess.run([sys.executable, "-m", "salessim", "run", "--resume", "--out", str(out)],
                              capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    final = RunDir(out).read_episodes()
    ids = [e.id for e in final]
    assert len(ids) == len(set(ids)) == 10
    assert {e.id for e in saved} <= set(ids)
    saved_json = {e.id: e.model_dump_json() for e in saved}
    assert all(e.model_dump_json() == saved_json[e.id] for e in final if e.id in saved_json)
    assert json.loads((out / "run.json").read_text())["status"] == "complete"


def test_request_on_the_wire(tmp_path, store, personas_file):
    with ChatTestServer(roleplay_responder) as server:
        cfg = config(server, personas_file, "llm", "scripted", limit=1,
                     shopper_kw={"temperature": 0.3, "top_p": 0.9, "max_tokens": 300, "extra": {"top_k": 20}})
        run(cfg, tmp_path / "run", store)
        body = server.chat_requests[0].body
    assert body["model"] == "salessim-test" and body["temperature"] == 0.3 and body["top_p"] == 0.9
    assert body["max_tokens"] == 300 and body["top_k"] == 20 and isinstance(body["seed"], int)
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert [t["function"]["name"] for t in body["tools"]] == ["say", "view_product", "buy", "leave"]
    assert body["tool_choice"] == "auto"

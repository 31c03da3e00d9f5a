"""The play session without a browser: a person (driven here through PlaySession.act, as the page
does) plays the shopper against the scripted agent, or the agent against the scripted shopper;
episodes are saved as ordinary SalesSim episodes (kind human) that `salessim eval` scores; what the
page gets holds only the person's side; bad actions are refused with a reason."""

from __future__ import annotations

import json

import pytest

from salessim.api.rundir import RunDir
from salessim.metrics.run import score_run
from salessim.play.human import NotYourTurn
from salessim.play.session import MAX_TEXT, PlayError, PlaySession, filter_value
from salessim.schema.run import AgentConfig, RunConfig, ShopperConfig
from salessim.sim.factory import make_agent, make_shopper
from salessim.sim.runner import load_run_personas, new_meta


def _session(store, tmp_path, role: str, *, limit: int = 2, max_turns: int = 12, flaws: dict | None = None):
    cfg = RunConfig(limit=limit, max_turns=max_turns)
    if role == "shopper":
        counterpart = make_agent(cfg.agent, store)
        cfg.shopper = ShopperConfig(kind="human")
    else:
        cfg.shopper = ShopperConfig(kind="scripted", flaws=flaws or {})
        counterpart = make_shopper(cfg.shopper, store)
        cfg.agent = AgentConfig(kind="human")
    personas = load_run_personas(cfg)
    rd = RunDir(tmp_path / f"play-{role}")
    rd.path.mkdir()
    meta = new_meta(cfg, store, f"test-{role}", len(personas))
    meta["play"] = {"role": role}
    session = PlaySession(rd, cfg, role, counterpart, store, personas, meta, set())
    session.open()
    return session, rd


@pytest.fixture()
def store():
    from salessim.store import default_store

    return default_store()


async def test_person_as_shopper_buys_and_the_episode_scores(store, tmp_path):
    session, rd = _session(store, tmp_path, "shopper")
    assert await session.start_next()
    st = session.state()
    assert st["status"] == "your_turn" and st["messages"] == []
    card = st["persona"]
    assert card["dealbreakers"] and card["goal"] and "model" not in json.dumps(st)
    persona = session.persona
    # tell the agent what matters, in the persona's own words, until it shows products
    phrasings = [c.phrasings[0] for c in persona.criteria if c.phrasings]
    for text in ["Hi, I'm looking for a laptop."] + phrasings:
        st = await session.act({"type": "say", "text": text})
        assert st["status"] == "your_turn"
        if st["products"]:
            break
    assert st["products"], "the scripted agent never showed a product"
    pid = next(iter(st["products"]))
    assert st["products"][pid]["viewed"] is False and "attributes" not in st["products"][pid]
    with pytest.raises(PlayError, match="choose one of the products"):
        await session.act({"type": "view", "product_id": "lap-999"})
    st = await session.act({"type": "view", "product_id": pid})
    viewed = st["products"][pid]
    assert viewed["viewed"] and "color" not in viewed["attributes"]  # colour only in the picture
    assert session.viewed_ids() == [pid]
    assert st["messages"][-1] == {"who": "view", "product_id": pid, "error": False}
    st = await session.act({"type": "buy", "product_id": pid, "text": "I'll take this one."})
    assert st["status"] == "finished" and st["episode"]["saved"] and st["episode"]["decision"]["type"] == "buy"
    eps = rd.read_episodes()
    assert len(eps) == 1 and eps[0].shopper.kind == "human" and eps[0].agent.kind == "scripted"
    assert eps[0].termination == "bought" and eps[0].decision.product_id == pid
    assert any(m.role == "tool" and m.tool_caller == "shopper" and m.tool_result.image_sha256 for m in eps[0].messages)
    assert json.loads((rd.path / "run.json").read_text())["episodes_done"] == 1
    with pytest.raises(PlayError, match="no conversation is going on"):
        await session.act({"type": "say", "text": "hello?"})
    # the next persona comes up, the finished one does not
    assert await session.start_next()
    assert session.persona.id != persona.id
    assert await session.close() == "interrupted"
    summary = score_run(rd.path)
    assert summary.episodes == 1 and summary.shopper["kind"] == "human"
    assert summary.decision_alignment.overall.n == 1


async def test_person_as_agent_uses_tools_and_the_shopper_decides(store, tmp_path):
    session, rd = _session(store, tmp_path, "agent", max_turns=4)
    assert await session.start_next()
    st = session.state()
    assert st["status"] == "your_turn" and st["messages"][0]["who"] == "shopper"
    assert "persona" not in st and "max_price" in st["filter_keys"]
    st = await session.act({"type": "search", "query": "laptop", "filters": [{"key": "max_price", "value": "900"}]})
    assert st["messages"][-2]["who"] == "tool_call"
    assert st["messages"][-2]["arguments"] == {"query": "laptop", "limit": 5, "filters": {"max_price": 900}}
    assert st["messages"][-1]["who"] == "tool_result" and not st["messages"][-1]["error"]
    found = list(st["products"])
    assert found and all(store.catalog.get(p).price <= 900 for p in found)
    assert st["lookups_left"] == 19
    st = await session.act({"type": "guide", "query": "how much battery life do I need"})
    assert st["messages"][-1]["name"] == "lookup_buying_guide" and st["lookups_left"] == 18
    st = await session.act({"type": "details", "product_id": "no-such-id"})
    assert st["messages"][-1]["error"] is True  # a tool error is a tool result, not a crash
    with pytest.raises(PlayError, match="present only products you looked up"):
        await session.act({"type": "reply", "text": "Try this", "present": ["lap-120"] if "lap-120" not in found else ["x"]})
    ideal = session.persona.ideal_product_ids or found[:1]
    st = await session.act({"type": "details", "product_id": ideal[0]})
    for _ in range(6):
        if st["status"] != "your_turn":
            break
        st = await session.act({"type": "reply", "text": "I recommend this one.", "present": [ideal[0]]})
    assert st["status"] == "finished" and st["episode"]["saved"]
    ep = rd.read_episodes()[0]
    assert ep.agent.kind == "human" and ep.shopper.kind == "scripted"
    assert ep.termination in ("bought", "left", "max_turns")
    assert [c.name for m in ep.messages for c in m.tool_calls][:2] == ["search_products", "lookup_buying_guide"]
    await session.close()
    assert score_run(rd.path).episodes == 1


async def test_not_your_turn_and_bad_actions(store, tmp_path):
    session, _ = _session(store, tmp_path, "shopper")
    await session.start_next()
    with pytest.raises(PlayError, match="type a message first"):
        await session.act({"type": "say", "text": "   "})
    with pytest.raises(PlayError, match=f"at most {MAX_TEXT} characters"):
        await session.act({"type": "say", "text": "x" * (MAX_TEXT + 1)})
    with pytest.raises(PlayError, match="type"):
        await session.act({"type": "search", "query": "agent tools are not for shoppers"})
    with pytest.raises(PlayError, match="an action is a JSON object"):
        await session.act(["say"])
    from salessim.api.participants import ShopperStep
    from salessim.schema import ShopperAction

    step = ShopperStep(action=ShopperAction(type="say", text="Hello, I need a laptop."))
    session.channel.submit(step)  # handed over; until the conversation asks again, the person cannot act
    with pytest.raises(NotYourTurn):
        session.channel.submit(step)
    await session._settle()
    assert session.state()["status"] == "your_turn" and session.state()["messages"][0]["text"] == step.action.text
    await session.close()


def test_filter_values_are_typed():
    assert filter_value("max_price", " 900 ") == 900 and filter_value("min_weight_kg", "1.5") == 1.5
    assert filter_value("touchscreen", "yes") is True and filter_value("os", "Windows, macOS") == ["Windows", "macOS"]
    with pytest.raises(PlayError, match="not a number"):
        filter_value("max_price", "cheap")


async def test_next_persona_order_and_resume(store, tmp_path):
    session, rd = _session(store, tmp_path, "shopper", limit=3)
    ids = [p.id for p in session.personas]
    session.first_persona = ids[2]
    await session.start_next()
    assert session.persona.id == ids[2]  # --persona first
    await session.act({"type": "leave", "text": "Not today, thanks."})
    assert session.state()["status"] == "finished"
    await session.start_next()
    assert session.persona.id == ids[0]  # then the first not yet played
    await session.close()
    ep = rd.read_episodes()[0]
    assert ep.id == f"{ids[2]}#0" and ep.termination == "left" and ep.shopper_texts() == ["Not today, thanks."]
    # a resumed session skips what is played
    again = PlaySession(rd, session.cfg, "shopper", session.counterpart, store, session.personas, session.meta,
                        {e.id for e in rd.read_episodes()})
    assert again.next_persona().id == ids[0] and again.played == 1


async def test_a_failing_counterpart_ends_the_conversation_with_its_kind_only(store, tmp_path):
    from salessim.schema import ParticipantInfo

    class BrokenAgent:
        info = ParticipantInfo(kind="llm", model="secret-model")

        def start(self, category, seed):
            return {}

        async def act(self, obs, state):
            error = RuntimeError("https://internal.example/v1 answered 500 for key sk-XYZ")
            error.kind = "server_error"
            raise error

    session, rd = _session(store, tmp_path, "shopper")
    session.counterpart = BrokenAgent()
    await session.start_next()
    st = await session.act({"type": "say", "text": "Hello?"})
    assert st["status"] == "finished" and st["episode"]["problem"] == "error:server_error"
    page = json.dumps(st)
    assert "sk-XYZ" not in page and "internal.example" not in page and "secret-model" not in page
    assert rd.read_episodes()[0].termination == "error:server_error"  # saved, like any episode
    await session.close()

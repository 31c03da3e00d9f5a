"""The reference (scripted) shopper's disclosure, checked against labels from the persona rather
than by the text understanding it uses itself (issue 12, item 6).

With ``read_back=False`` the shopper says what its plan asks for without reading its words back;
each message's ``meta["stated"]`` lists the criteria its plan put in it. Those labels come from the
persona, so comparing them with what the metrics read (salessim.metrics.intent) measures the
reading on the reference shopper's own wording."""

from __future__ import annotations

import asyncio

import pytest

import salessim.shoppers.scripted as scripted
import salessim.shoppers.scripted_context as scripted_context
from salessim.metrics.intent import intent_agreement
from salessim.personas import load_personas
from salessim.schema.run import RunConfig
from salessim.sim.runner import run_benchmark
from salessim.store import default_store

LIMIT = 60


def _run(tmp_path, read_back: bool, agent: str = "scripted"):
    cfg = RunConfig(limit=LIMIT, split="test", seed=3)
    cfg.agent.kind = agent
    cfg.shopper.params = {"read_back": read_back}
    outcome = asyncio.run(run_benchmark(cfg, tmp_path / f"run-{read_back}-{agent}", store=default_store()))
    personas = {p.id: p for p in load_personas(cfg.personas)}
    return outcome.episodes, personas


@pytest.fixture(scope="module")
def blind(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("blind"), read_back=False)


@pytest.mark.parametrize("read_back", [False, True])
def test_only_read_back_consults_the_reading(tmp_path, monkeypatch, read_back):
    calls = []
    real = scripted_context.extract_cached

    def counted(text, category):
        calls.append(text)
        return real(text, category)

    for module in (scripted, scripted_context):
        monkeypatch.setattr(module, "extract_cached", counted)
    scripted_context.SHARED_CONTEXTS.clear()
    episodes, _ = _run(tmp_path, read_back=read_back, agent="pushy")
    assert len(episodes) == LIMIT and all(not ep.termination.startswith("error") for ep in episodes)
    assert bool(calls) is read_back
    assert all(ep.shopper.params.get("read_back", True) is read_back for ep in episodes)


def test_labels_come_from_the_plan(blind):
    episodes, personas = blind
    labelled = stated = 0
    for ep in episodes:
        keys = {c.key for c in personas[ep.persona_id].criteria}
        for m in ep.messages:
            if m.role == "shopper" and "stated" in m.meta:
                labelled += 1
                assert set(m.meta["stated"]) <= keys and set(m.meta.get("disclosed", [])) <= set(m.meta["stated"])
                stated += len(m.meta["stated"])
    assert labelled > 3 * LIMIT and stated > 2 * LIMIT


def test_the_reading_agrees_with_what_the_shopper_meant(blind):
    """Measured on 200 test personas (benchmarks/reference_shopper_check.py): precision 0.997,
    recall 0.998, first-turn agreement 0.998; bounds leave room for noise on 60."""
    episodes, personas = blind
    f = intent_agreement(episodes, personas, default_store())
    assert f["episodes"] == LIMIT
    assert f["recall"] >= 0.97 and f["precision"] >= 0.97, f
    assert f["first_turn_agreement"] >= 0.97, f


def test_the_check_fails_on_wrong_labels(blind):
    """Shift each episode's labels by one message: the same reading must now disagree."""
    episodes, personas = blind
    shifted = []
    for ep in episodes:
        ep = ep.model_copy(deep=True)
        msgs = [m for m in ep.messages if m.role == "shopper" and "stated" in m.meta]
        labels = [m.meta["stated"] for m in msgs]
        for m, label in zip(msgs, labels[1:] + labels[:1]):
            m.meta["stated"] = label
        shifted.append(ep)
    f = intent_agreement(shifted, personas, default_store())
    assert f["recall"] < 0.6 and f["precision"] < 0.6, f


def test_no_labels_no_figures(blind):
    episodes, personas = blind
    bare = []
    for ep in episodes[:3]:
        ep = ep.model_copy(deep=True)
        for m in ep.messages:
            m.meta.pop("stated", None)
        bare.append(ep)
    assert intent_agreement(bare, personas, default_store()) is None

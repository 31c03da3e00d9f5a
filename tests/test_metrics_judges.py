"""LLM-judge metrics against the local scriptable test server (never a network model)."""

from __future__ import annotations

import asyncio
import json

import pytest

from salessim.metrics import judges
from salessim.metrics.judges import (
    JudgeConfig,
    contradicts_label,
    judge_episodes,
    majority,
    parse_verdict,
)
from salessim.schema import BigFive
from salessim.testing.server import ChatTestServer, Reply
from tests.test_metrics_builders import STORE, A, S, build, make_persona

PERSONA = make_persona(big_five=BigFive(openness="High", conscientiousness="Low", extraversion="Extreme High",
                                        agreeableness="Medium", neuroticism="Extreme Low"),
                       knowledge_level="novice")
EPISODE = build(S("hi!! so excited, I need a new laptop for my art"), A("Sure, what budget?", ["best"]),
                S("under 1000, I need Windows"), S("love it, taking it", "buy", "best"))


def _trait(labels: dict[str, str], note: str = "") -> str:
    return json.dumps({t: {"label": lab, "justification": f"{note}the shopper's words show it"} for t, lab in labels.items()})


def responder(request: dict) -> Reply | str:
    """Answers by judge (recognised from the prompt) and sample (the request seed)."""
    user = request["messages"][-1]["content"]
    seed = request.get("seed", 0)
    if "Big-Five" in user:
        if seed == 2:
            return "I think the shopper is extraverted."  # invalid: no JSON object
        neuro = "high" if seed == 1 else "low"
        return _trait({"openness": "high", "conscientiousness": "medium", "extraversion": "high",
                       "agreeableness": "medium", "neuroticism": neuro})
    if "level of product knowledge" in user:
        assert "novice" in user
        return "```json\n" + json.dumps({"label": "realistic", "justification": "Uses everyday words."}) + "\n```"
    if "how natural" in user:
        label = ["natural", "natural", "unnatural"][seed % 3]
        just = "Sounds robotic in places." if seed == 1 else "Reads like a real person typing."
        return json.dumps({"label": label, "justification": just})
    if "shopping preferences" in user:
        assert "must-have: it has to run Windows" in user and "Test best" in user
        return json.dumps({"label": "aligned", "justification": "Bought a Windows laptop under budget."})
    return "?"


@pytest.fixture()
def server():
    with ChatTestServer(responder, model="judge-test") as srv:
        yield srv


def config(server, **kw) -> JudgeConfig:
    return JudgeConfig(model="judge-test", base_url=server.base_url, max_retries=0, timeout_s=10, **kw)


def test_all_judges_vote_agree_flag_and_record(server, tmp_path, monkeypatch):
    prices = tmp_path / "prices.yaml"
    prices.write_text('models:\n  "judge-test": {input: 1.0, output: 2.0}\n')
    monkeypatch.setenv("SALESSIM_PRICES", str(prices))
    out = asyncio.run(judge_episodes([EPISODE], {"p1": PERSONA}, STORE, config(server, samples=3)))
    res = out[EPISODE.id]
    assert set(res) == set(judges.JUDGE_NAMES)

    tf = res["trait_fidelity"]
    assert tf.details["valid_samples"] == 2  # the third answer was not JSON: kept, not voted
    assert any("error" in s and s["raw"].startswith("I think") for s in tf.details["samples"])
    traits = tf.details["traits"]
    assert traits["openness"]["match"] and traits["extraversion"]["match"] and traits["agreeableness"]["match"]
    assert not traits["conscientiousness"]["match"]  # judged medium, target Low -> low
    # neuroticism: one "low", one "high": a tie goes to the first label in order (medium, low, high) -> low
    assert traits["neuroticism"]["judged"] == "low" and traits["neuroticism"]["agreement"] == 0.5
    assert tf.value == pytest.approx(4 / 5)

    nat = res["naturalness"]
    assert nat.value == 1.0 and nat.details["votes"]["label"]["agreement"] == pytest.approx(2 / 3, abs=1e-3)
    assert nat.details["contradictions"] == [
        {"sample": 1, "aspect": "label", "label": "natural", "justification": "Sounds robotic in places."},
        {"sample": 2, "aspect": "label", "label": "unnatural", "justification": "Reads like a real person typing."}]
    assert "contradict" in nat.explanation

    assert res["comprehension_realism"].value == 1.0  # a fenced JSON answer is accepted
    assert res["judge_decision_alignment"].value == 1.0
    for r in res.values():
        assert r.details["judge"]["model"] == "judge-test" and r.details["usage"]["calls"] == 3
        assert r.cost_usd > 0 and r.details["price_known"]
        assert all("raw" in s for s in r.details["samples"])
    assert len(server.chat_requests) == 12
    assert {req.body["seed"] for req in server.chat_requests} == {0, 1, 2}


def test_skips_without_conversation_and_when_every_answer_is_invalid(server):
    silent = build(A("hello?"), eid="p1#1")
    failed = build(S("hi"), termination="timeout", eid="p1#2")
    out = asyncio.run(judge_episodes([silent, failed], {"p1": PERSONA}, STORE, config(server, samples=1),
                                     names=["naturalness"]))
    assert out["p1#1"]["naturalness"].value is None and "said nothing" in out["p1#1"]["naturalness"].explanation
    assert out["p1#2"]["naturalness"].value is None and "timeout" in out["p1#2"]["naturalness"].explanation
    assert not server.chat_requests

    with ChatTestServer(lambda req: "no idea", model="judge-test") as bad:
        out = asyncio.run(judge_episodes([EPISODE], {"p1": PERSONA}, STORE, config(bad, samples=2), names=["naturalness"]))
    r = out[EPISODE.id]["naturalness"]
    assert r.value is None and "no valid judge answer" in r.explanation and len(r.details["samples"]) == 2


def test_missing_persona_and_failed_calls(server):
    from salessim.testing.server import Fault

    out = asyncio.run(judge_episodes([EPISODE], {}, STORE, config(server, samples=1), names=["naturalness"]))
    assert "not found" in out[EPISODE.id]["naturalness"].explanation
    server.inject(Fault.server_error(), None)
    out = asyncio.run(judge_episodes([EPISODE], {"p1": PERSONA}, STORE, config(server, samples=2, concurrency=1),
                                     names=["comprehension_realism"]))
    r = out[EPISODE.id]["comprehension_realism"]
    assert r.value == 1.0 and r.details["valid_samples"] == 1
    assert any(s.get("error", "").startswith("call failed") for s in r.details["samples"])


def test_parse_verdict_and_majority_and_contradictions():
    v, err = parse_verdict('Sure! {"label": "natural", "justification": "ok"} hope that helps', judges.NaturalnessVerdict)
    assert err is None and v.label == "natural"
    assert parse_verdict('{"label": "great"}', judges.NaturalnessVerdict)[1].startswith("label")
    assert parse_verdict("", judges.NaturalnessVerdict)[1] == "empty answer"
    assert parse_verdict("[1, 2]", judges.NaturalnessVerdict)[1].startswith("expected a JSON object")
    assert majority(["a", "b", "b"], ["a", "b"]) == ("b", pytest.approx(2 / 3))
    assert majority(["a", "b"], ["b", "a"]) == ("b", 0.5)
    assert contradicts_label("natural", "Feels robotic and stiff.")
    assert not contradicts_label("natural", "Not robotic at all, reads like a person.")
    assert contradicts_label("high", "There is little sign of curiosity.")
    assert not contradicts_label("medium", "Anything goes.")
    assert contradicts_label("aligned", "The purchase violates the budget must-have.")
    assert not contradicts_label("misaligned", "The purchase violates the budget must-have.")


def test_transcript_and_preferences_rendering():
    text = judges.render_transcript(EPISODE, STORE)
    assert text.splitlines()[0].startswith("Shopper: hi!!")
    assert "(shows: Test best (best))" in text and "[Shopper buys Test best (best)]" in text
    assert "must-have: it has to run Windows" in judges.preferences_text(EPISODE, PERSONA)
    free = EPISODE.model_copy(deep=True)
    free.shopper.params["shopper_preferences"] = "wants a light machine"
    assert judges.preferences_text(free, PERSONA) == "wants a light machine"
    assert judges.render_transcript(EPISODE, STORE, limit=60).count("omitted") == 1


def test_prompt_files_exist_and_fill():
    for spec in judges.JUDGE_METRICS:
        template = judges.load_prompt(spec.prompt)
        variables = spec.variables(EPISODE, PERSONA, STORE, "TRANSCRIPT")
        assert set(template.get_identifiers()) == set(variables), spec.name
        filled = template.substitute(variables)
        assert "TRANSCRIPT" in filled and "JSON" in filled


def test_judge_cache_replays_answers(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path / "cache"))
    cfg = config(server, samples=2, cache=True)
    first = asyncio.run(judge_episodes([EPISODE], {"p1": PERSONA}, STORE, cfg, names=["naturalness"]))
    sent = len(server.chat_requests)
    again = asyncio.run(judge_episodes([EPISODE], {"p1": PERSONA}, STORE, cfg, names=["naturalness"]))
    assert sent == 2 and len(server.chat_requests) == 2  # the second judging was served from the cache
    assert again[EPISODE.id]["naturalness"].value == first[EPISODE.id]["naturalness"].value
    assert again[EPISODE.id]["naturalness"].cost_usd == 0.0

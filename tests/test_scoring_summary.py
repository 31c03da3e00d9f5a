"""Aggregation: slices by Big-Five level and agent, consistency across repeated trials."""

from salessim.api.summary import Consistency
from salessim.metrics.scoring import summarize
from salessim.schema import BigFive, Decision, EpisodeScores, MetricResult
from tests.helpers import episode, persona


def scored(ep, value):
    return EpisodeScores(episode_id=ep.id, persona_id=ep.persona_id, category=ep.category, results={
        "decision_alignment": MetricResult(metric="decision_alignment", version="1", value=value,
                                           details={"graded": value, "failure": None if value else "no_decision"})})


def make(pid, trial, decision, value):
    ep = episode([], decision, persona_id=pid)
    ep.id = f"{pid}#{trial}"
    return ep, scored(ep, value)


def test_consistency_and_slices():
    rows = [make("a", 0, Decision(type="buy", product_id="x"), 1.0), make("a", 1, Decision(type="buy", product_id="x"), 1.0),
            make("b", 0, Decision(type="buy", product_id="x"), 1.0), make("b", 1, Decision(type="leave"), 0.0)]
    episodes, scores = [r[0] for r in rows], [r[1] for r in rows]
    pa, pb = persona([], "a"), persona([], "b")
    pa.big_five = BigFive(neuroticism="High")
    pb.big_five = BigFive(neuroticism="Low")
    s = summarize(episodes, scores, {"a": pa, "b": pb}).decision_alignment
    assert s.consistency == Consistency(personas=2, same_decision=0.5, same_alignment=0.5, mean_within_std=0.25)
    assert s.by_big_five["neuroticism"]["High"].mean == 1.0
    assert s.by_big_five["neuroticism"]["Low"].mean == 0.5
    assert s.by_agent["test"].n == 4


def test_no_consistency_without_repeats():
    ep, sc = make("a", 0, Decision(type="leave"), 1.0)
    summary = summarize([ep], [sc])
    assert summary.decision_alignment.consistency is None
    assert "consistency" not in summary.to_json()["decision_alignment"]

"""A metric written against salessim.api: how many shopper turns it took to decide."""

from salessim.api import Metric


def turns_to_decision(episode, persona, store):
    """Shopper turns until the shopper bought or left (None when it never decided)."""
    if (skipped := TURNS_TO_DECISION.skip_failed(episode)) is not None:
        return skipped
    if episode.decision.type == "none":
        return TURNS_TO_DECISION.not_scored("the shopper never decided")
    return TURNS_TO_DECISION.result(float(episode.turns), f"decided ({episode.decision.type}) after {episode.turns} turn(s)")


TURNS_TO_DECISION = Metric("turns_to_decision", "1.0", turns_to_decision, "shopper turns until a decision")

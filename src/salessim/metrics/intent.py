"""Agreement between the disclosure reading of the metrics and what a shopper *meant* to state.

A shopper that knows what it says (the scripted shopper) lists, in each message's ``meta``, the
persona criteria whose phrasing the message carries (``stated``: :attr:`Criterion.key` values, from
its plan, not from reading the text back) and those it only speaks about without stating the wish
(``mentioned``, e.g. "I like that it has 16 GB of RAM" when buying: neither right nor wrong to read
as a disclosure, so left out of the counts and reported as ``mentioned``). Those labels come from the persona, so they check the
reading (:func:`salessim.metrics.episode_view.criteria_disclosed`, value level, product names
masked as the metrics do) independently of it. Over the shopper messages that carry ``stated``:

- ``precision`` / ``recall`` over (message, criterion) pairs: read-as-disclosed vs meant-to-state;
- ``first_turn_agreement``: of the criteria stated or read at all, the share whose first turn is
  the same both ways (the timing that overdisclosure and dealbreaker disclosure score);
- ``contradicted``: messages in which the reading finds a wish against a persona criterion.

With the scripted shopper's wording check on (its default), the text is chosen so that it reads
back as planned, so agreement is near 1 by construction; with ``read_back=False`` the shopper says
what its plan asks without consulting the reading, and these figures measure the reading.
"""

from __future__ import annotations

from salessim.metrics.episode_view import (
    contradicted,
    criteria_disclosed,
    extract,
    presented_names,
    shopper_turns,
)
from salessim.schema import Episode, Persona


def intent_agreement(episodes: list[Episode], personas: dict[str, Persona], store) -> dict | None:
    """The figures of the module docstring over the episodes whose shopper messages carry
    ``meta["stated"]`` (None when none does)."""
    tp = fp = fn = 0
    first_same = first_all = 0
    n_eps = n_msgs = n_contra = n_mentioned = 0
    for ep in episodes:
        persona = personas.get(ep.persona_id)
        if persona is None or not persona.criteria:
            continue
        keys = [c.key for c in persona.criteria]
        names = presented_names(ep, store)
        meant_first: dict[int, int] = {}
        read_first: dict[int, int] = {}
        labelled = False
        for turn in shopper_turns(ep):
            stated = ep.messages[turn.index].meta.get("stated")
            if stated is None:
                continue
            labelled = True
            n_msgs += 1
            meant = {keys.index(k) for k in stated if k in keys}
            either = {keys.index(k) for k in ep.messages[turn.index].meta.get("mentioned", []) if k in keys} - meant
            n_mentioned += len(either)
            read = set(criteria_disclosed(persona.criteria, turn.text, persona.category, names)) - either
            tp += len(meant & read)
            fp += len(read - meant)
            fn += len(meant - read)
            for k in meant:
                meant_first.setdefault(k, turn.number)
            for k in read:
                read_first.setdefault(k, turn.number)
            items = extract(turn.text, persona.category, names)
            n_contra += int(any(contradicted(persona.criteria, x) for x in items))
        if not labelled:
            continue
        n_eps += 1
        for k in set(meant_first) | set(read_first):
            first_all += 1
            first_same += int(meant_first.get(k) == read_first.get(k))
    if not n_eps:
        return None
    return {
        "episodes": n_eps,
        "messages": n_msgs,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "pairs": {"tp": tp, "fp": fp, "fn": fn},
        "first_turn_agreement": round(first_same / first_all, 4) if first_all else None,
        "first_turn_n": first_all,
        "contradicted": n_contra,
        "mentioned": n_mentioned,
    }

"""One rollout record of the paper's public code -> a SalesSim persona and episode.

Rules (documented for users in docs/importing.md):

- **Turns**: every turn with a known speaker becomes a message; its other fields (``turn``,
  ``action``, ``query``, ``knowledge_used``, ``recommended_items_count``, ``preferences_used``,
  ...) are kept in the message's ``meta``, ``reasoning`` in ``Message.reasoning``. A shopper text's
  action markers are removed from its visible text (the raw text stays in ``meta["raw_text"]``).
- **Presented products**: the products the salesperson names (:mod:`.products`), per message;
  a ``recommended_items`` list, when the file has one, names products too.
  ``recommended_items_count`` is compared with what was found and mismatches are noted.
- **Decision**: the first shopper message with a marker decides: ``[ACCEPT]`` (any case) buys,
  ``[DONE]``/``[REJECT]``/``[LEAVE]`` leave (a tool-style ``shopper_action`` such as
  ``add_to_cart`` with its product counts as a marker). The product bought is the one the message names
  among the presented products (the latest presented when several fit), else a catalog product
  it names, else the latest presented product of a brand it names, else the latest presented
  product. Without any marker the record's ``outcome`` decides (``accepted`` buys the latest
  presented product, ``rejected``/``ended_by_shopper`` leaves, ``max_turns_reached`` is no
  decision). Turns after the decision stay in the transcript and are counted in the notes.
- **Persona**: profile fields from ``shopper_persona``; criteria from ``shopper_preferences``
  and the ``preferences_used`` log (:mod:`.questions`), or from free text (:mod:`.freetext`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from salessim.importers.official.freetext import parse_preferences
from salessim.importers.official.products import ProductResolver
from salessim.importers.official.questions import Answer, question_entry, read_answers
from salessim.importers.official.records import (
    decode,
    markers,
    parse_logged_preferences,
    read_turns,
    record_label,
    speaker_role,
    strip_markers,
    turn_text,
)
from salessim.schema import (
    BigFive,
    Decision,
    Episode,
    Message,
    ParticipantInfo,
    Persona,
    Profile,
    ShopperAction,
    Usage,
)

FORMAT = "official"
_LEVELS = {
    "extreme low": "Extreme Low", "extremely low": "Extreme Low", "very low": "Extreme Low",
    "low": "Low", "medium": "Medium", "moderate": "Medium", "average": "Medium", "neutral": "Medium",
    "high": "High", "very high": "Extreme High", "extremely high": "Extreme High", "extreme high": "Extreme High",
}
_TRAIT_ALIASES = {"openness": "openness", "conscientiousness": "conscientiousness", "extraversion": "extraversion",
                  "extroversion": "extraversion", "agreeableness": "agreeableness", "neuroticism": "neuroticism"}
_BUY_OUTCOMES = re.compile(r"accept|purchas|bought|\bbuy|add_to_cart|checkout|\bsale\b", re.I)
_LEAVE_OUTCOMES = re.compile(r"reject|ended_by_shopper|no[ _-]?purchase|declin|left|leave|abandon|walk", re.I)
_TURN_SKIP = {"speaker", "role", "text", "content", "reasoning"}


@dataclass
class Converted:
    """A converted record: the persona, the episode and the record's import note."""

    persona: Persona
    episode: Episode
    note: dict[str, Any] = field(default_factory=dict)


def _big_five(raw: Any) -> BigFive:
    levels: dict[str, str] = {}
    raw = decode(raw)
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, str):
        pairs = re.findall(r"([A-Za-z ]+?)\s*[:=-]\s*([A-Za-z ]+?)(?:[,;\n]|$)", raw)
    else:
        pairs = []
    for trait, level in pairs:
        t = _TRAIT_ALIASES.get(str(trait).strip().lower())
        lv = _LEVELS.get(str(level).strip().lower())
        if t and lv:
            levels[t] = lv
    return BigFive(**levels)


def _knowledge(text: str) -> str:
    t = text.strip().lower()
    if t in ("novice", "intermediate", "expert"):
        return t
    if re.search(r"\b(?:beginner|novice|very limited|limited technical|trouble|little knowledge|not tech)", t):
        return "novice"
    if re.search(r"\b(?:expert|advanced|professional[- ]level|deep technical knowledge)\b", t) and not re.search(
            r"\bnot\b[^.]*\b(?:expert|deep technical)", t):
        return "expert"
    return "intermediate"


def _action(raw: Any) -> tuple[str | None, str | None]:
    """``(buy | leave | None, product title)`` of a tool-style ``shopper_action`` field
    (``{"name": "add_to_cart", "arguments": {"product": ...}}``, as a JSON string or object), which
    some rollout files carry instead of text markers."""
    obj = decode(raw) if isinstance(raw, str) and raw.strip().startswith("{") else raw
    if isinstance(obj, str) and obj.strip():
        obj = {"name": obj}
    if not isinstance(obj, dict):
        return None, None
    name = str(obj.get("name") or obj.get("action") or obj.get("type") or "").lower()
    args = decode(obj.get("arguments", obj.get("args", {})))
    product = None
    if isinstance(args, dict):
        product = args.get("product") or args.get("product_name") or args.get("title")
    if any(k in name for k in ("add_to_cart", "buy", "purchase", "checkout")):
        return "buy", str(product) if product else None
    if any(k in name for k in ("end_conversation", "leave", "exit", "reject")):
        return "leave", None
    return None, None


def _item_title(item: Any) -> str | None:
    """The product title of a ``recommended_items`` entry: a title string, or a retrieved document
    (``{"metadata": {"title": ...}, "page_content": ...}``) as the public code saves them."""
    if isinstance(item, str):
        return item.strip() or None
    if isinstance(item, dict):
        meta = item.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("title"), str) and meta["title"].strip():
            return meta["title"].strip()
        for key in ("title", "name", "product"):
            if isinstance(item.get(key), str) and item[key].strip():
                return item[key].strip()
        content = item.get("page_content")
        if isinstance(content, str) and content.strip():
            return content.strip().splitlines()[0].strip() or None
    return None


def _persona_fields(raw: Any) -> dict[str, Any]:
    raw = decode(raw)
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw.strip():
        return {"background": raw.strip()}
    return {}


def _answers(record: dict[str, Any], turns: list[dict[str, Any]]) -> tuple[list[Answer] | None, str]:
    """The persona's question -> answer pairs (``shopper_preferences`` first, then the log), or
    None when the preferences are free text; and the preferences as text."""
    prefs = decode(record.get("shopper_preferences"))
    answers: list[Answer] = []
    text = ""
    if isinstance(prefs, dict):
        answers = [Answer(str(q), str(a), "persona") for q, a in prefs.items()]
        text = "\n".join(f"{q}: {a}" for q, a in prefs.items())
    elif isinstance(prefs, str) and prefs.strip():
        pairs = parse_logged_preferences(prefs)
        if pairs and any(question_entry(q) is not None for q, _ in pairs):
            answers = [Answer(q, a, "persona") for q, a in pairs]
        text = prefs.strip()
    logged = [Answer(q, a, "logged") for t in turns for q, a in parse_logged_preferences(t.get("preferences_used"))]
    if not answers and not logged:
        return (None if text else []), text
    return answers + logged, text


def convert_record(record: dict[str, Any], index: int, category: str, source: str,
                   resolver: ProductResolver, *, models: dict[str, Any] | None = None,
                   has_catalog: bool = False) -> Converted:
    """Convert one record (see the module docstring). ``resolver`` knows the run's catalog (empty
    without ``--catalog``); ``models``: the roles' model settings from a ``config.json``."""
    models = models or {}
    label = record_label(record, index)
    field_name, turns = read_turns(record, index, source)
    rid = record.get("conversation_id", record.get("id"))
    pid = f"official-{rid}" if rid not in (None, "") else f"official-{index}"
    pf = _persona_fields(record.get("shopper_persona"))
    answers, prefs_text = _answers(record, turns)

    if answers is None:  # free-text preferences
        criteria, unparsed, parsed = parse_preferences(prefs_text, category)
        uses: list[str] = []
        archetype = None
        pref_note: dict[str, Any] = {"preferences": "free text", "parsed": parsed,
                                     "unmapped": [{"answer": u, "why": "clause not read"} for u in unparsed]}
        criteria_questions: dict[str, list[str]] = {}
    else:
        reading = read_answers(answers, category)
        criteria, uses, archetype = reading.criteria, reading.uses, reading.archetype
        criteria_questions = reading.criteria_questions
        pref_note = {"preferences": "questions", "mapped": reading.mapped, "unmapped": reading.unmapped,
                     "traits": reading.traits}
        unparsed = [f"{u['question']}: {u['answer']}" for u in reading.unmapped]
    try:
        age = int(pf.get("age", 35))
    except (TypeError, ValueError):
        age = 35
    background = " ".join(str(pf.get(k) or "").strip() for k in ("background", "personality")).strip()
    persona = Persona(
        id=pid, archetype=str(archetype or pf.get("persona_background") or "imported"), category=category,
        profile=Profile(name=str(pf.get("name") or f"Shopper {index}"), age=min(110, max(12, age)),
                        background=background or "(not given)",
                        knowledge_level=_knowledge(str(pf.get("knowledge_level") or "")),
                        speaking_style=str(pf.get("speaking_style") or "plain")),
        big_five=_big_five(record.get("shopper_big5_traits") or pf.get("shopper_big5_traits") or pf.get("big_five")),
        emotion=str(record.get("shopper_emotion") or pf.get("emotion") or "neutral"),
        goal=prefs_text or "(no preferences given)",
        uses=uses,
        criteria=criteria,
    )

    messages: list[Message] = []
    presented: list[str] = []  # latest presentation last
    presented_order: list[str] = []
    decision: Decision | None = None
    decided_at: int | None = None
    rule = ""
    count_checks: list[dict[str, Any]] = []
    for turn in turns:
        role = speaker_role(turn)
        raw = turn_text(turn)
        meta = {k: decode(v) for k, v in turn.items() if k not in _TURN_SKIP}
        reasoning = turn.get("reasoning") or None
        i = len(messages)
        if role == "shopper":
            if "preferences_used" in turn:  # derived: what the simulator had been handed by this turn
                meta["handed_questions"] = [q for q, _ in parse_logged_preferences(turn.get("preferences_used"))]
            marks = markers(raw)
            text = strip_markers(raw) if marks else raw
            if marks:
                meta["raw_text"] = raw
            kind, title = _action(turn.get("shopper_action"))
            if kind and not marks:
                marks = [kind]
            action = ShopperAction(type="say", text=text)
            if marks and decision is None:
                if marks[0] == "buy" and title:
                    product, rule = resolver.titled(title, i, presented), "shopper_action"
                    action = ShopperAction(type="buy", text=text, product_id=product)
                    decision = Decision(type="buy", product_id=product)
                elif marks[0] == "buy":
                    product, rule = resolver.resolve_choice(text, i, presented)
                    action = ShopperAction(type="buy", text=text, product_id=product)
                    decision = Decision(type="buy", product_id=product)
                else:
                    action = ShopperAction(type="leave", text=text, reason="end_conversation")
                    decision = Decision(type="leave", reason="left the conversation")
                    rule = "leave marker"
                decided_at = i
            messages.append(Message(role="shopper", text=text, action=action, meta=meta,
                                    reasoning=str(reasoning) if reasoning else None))
        else:
            ids = resolver.resolve(raw, i, presented)
            for item in decode(turn.get("recommended_items")) or []:
                title = _item_title(item)
                if title:
                    extra = resolver.titled(title, i, presented + ids)
                    if extra not in ids:
                        ids.append(extra)
            expected = meta.get("recommended_items_count")
            if isinstance(expected, int) and expected != len(ids):
                count_checks.append({"message": i, "recommended_items_count": expected, "named": len(ids)})
            for x in ids:
                if x in presented:
                    presented.remove(x)
                presented.append(x)
                if x not in presented_order:
                    presented_order.append(x)
            messages.append(Message(role="agent", text=raw, presented_product_ids=ids, meta=meta,
                                    reasoning=str(reasoning) if reasoning else None))

    outcome = str(record.get("outcome") or "").strip()
    if decision is None:
        if _LEAVE_OUTCOMES.search(outcome):
            decision, rule = Decision(type="leave", reason=outcome), "outcome field, no marker"
        elif _BUY_OUTCOMES.search(outcome):
            product = presented[-1] if presented else None
            decision, rule = Decision(type="buy", product_id=product), "outcome field, no marker: latest presented"
        else:
            decision, rule = Decision(type="none"), "no marker"
    if outcome.lower() == "error":
        termination = "error:source"
    else:
        termination = {"buy": "bought", "leave": "left", "none": "max_turns"}[decision.type]
    if decision.product_id and decision.product_id not in presented_order:
        presented_order.append(decision.product_id)

    costs = decode(record.get("costs"))
    usage: dict[str, Usage] = {}
    if isinstance(costs, dict):
        for role, key in (("shopper", "shopperbot"), ("agent", "salesbot")):
            if isinstance(costs.get(key), (int, float)):
                usage[role] = Usage(cost_usd=float(costs[key]))
    kept = {k: decode(v) for k, v in record.items()
            if k not in (field_name, "shopper_persona", "shopper_preferences", "shopper_emotion")}
    params = {
        "imported_from": FORMAT,
        "source": source,
        "record": index,
        "catalog": has_catalog,
        "shopper_preferences": prefs_text,
        "unparsed_preferences": unparsed,
        "criteria_questions": criteria_questions,
        "shopper_persona": pf,
        "products": {p: resolver.product_name(p) for p in presented_order},
        "unknown_products": {p: resolver.unknown[p] for p in presented_order if p in resolver.unknown},
        "record_fields": kept,
        **({"settings": models["shopper"]} if models.get("shopper") else {}),
    }
    episode = Episode(
        id=f"{pid}#0", run_id="", persona_id=pid, persona_hash=persona.content_hash(), category=category,
        archetype=persona.archetype, trial=0, seed=0,
        shopper=ParticipantInfo(kind="imported", model=(models.get("shopper") or {}).get("model_name")
                                or record.get("shopper_model"), params=params),
        agent=ParticipantInfo(kind="imported", model=(models.get("agent") or {}).get("model_name")
                              or record.get("salesperson_model") or record.get("agent_model"),
                              params={"settings": models["agent"]} if models.get("agent") else {}),
        messages=messages, presented_product_ids=presented_order, decision=decision, termination=termination,
        turns=sum(1 for m in messages if m.role == "shopper"), usage=usage,
    )
    after = sum(1 for m in messages[decided_at + 1:] if m.role == "shopper") if decided_at is not None else 0
    note = {
        "record": index, "label": label, "persona_id": pid, "episode_id": episode.id, "turns": len(messages),
        **pref_note,
        "criteria": [{"key": c.key, "kind": c.kind, "source": c.source, "questions": criteria_questions.get(c.key, [])}
                     for c in criteria],
        "products": {
            "presented": [{"id": p, "name": resolver.product_name(p)} for p in presented_order],
            "decision": decision.type, "bought": decision.product_id, "rule": rule,
            "ambiguous": [n for n in resolver.notes],
            "unknown": {p: resolver.unknown[p] for p in presented_order if p in resolver.unknown},
            "recommended_items_count_mismatches": count_checks,
        },
        "outcome": outcome or None,
        "shopper_turns_after_decision": after,
    }
    if outcome and decided_at is not None:
        agrees = (decision.type == "buy" and bool(_BUY_OUTCOMES.search(outcome))) or \
                 (decision.type == "leave" and bool(_LEAVE_OUTCOMES.search(outcome)))
        if not agrees:
            note["outcome_differs"] = f"the record says {outcome!r}; the markers in the text say {decision.type}"
    return Converted(persona, episode, note)

"""A persona's question -> answer preferences (the public code's ``shopper_preferences`` and the
``preferences_used`` log of its shopper turns) as SalesSim criteria.

The mapping is the table ``questions`` of ``data/importers/official.yaml``: which attribute a
question's answer speaks about, and whether it is a dealbreaker. Each answer is read with
:func:`salessim.nlu.extract_criteria`, restricted to the question's attribute:

- "What is your budget?: $500" -> ``price <= 500`` (preference; the +10% tolerance applies);
  "Do you have a strict budget limit?: absolutely cannot go over $500" -> ``price <= 500``
  (dealbreaker); "cheap" -> the lexicon's vague reading ``price <= 500``;
- "What screen size are you looking for?: 13-15 inches" -> ``screen_in >= 13`` and
  ``screen_in < 16`` (both bounds kept: a whole-number size names a size class, 15.6" is "15");
- "Do you care about weight?: yes" -> the question's ``if_yes`` reading ("lightweight" ->
  ``weight_kg <= 1.5``); "not really into gaming", "undecided", "no limit" -> no criterion;
- every criterion read under a dealbreakers question is a dealbreaker ("I like MacOS" ->
  ``os == macOS``); an answer naming only a topic ("Budget", "Memory") makes the criterion
  already read on that attribute a dealbreaker, or takes the topic's default reading;
- a processor or graphics class ("fast processors") means that class or better.

Criteria carry ``source``: ``persona`` (from ``shopper_preferences``) or ``logged`` (only in the
``preferences_used`` log: the simulator was handed them). Questions the table does not know, and
answers that yield nothing, are listed as unmapped with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from salessim.importers.official.catalog import rules
from salessim.nlu import extract_criteria, extract_uses
from salessim.nlu.lexicon import category_schema
from salessim.schema import Criterion

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class Answer:
    """One question and its answer, and where it came from (``persona`` or ``logged``)."""

    question: str
    answer: str
    source: str = "persona"


@dataclass
class PersonaReading:
    """What a persona's answers say: criteria (with the question each came from), uses, the
    archetype, other traits, and the answers that gave no criterion."""

    criteria: list[Criterion] = field(default_factory=list)
    criteria_questions: dict[str, list[str]] = field(default_factory=dict)  # criterion key -> questions
    uses: list[str] = field(default_factory=list)
    archetype: str | None = None
    traits: dict[str, str] = field(default_factory=dict)
    mapped: list[dict[str, Any]] = field(default_factory=list)
    unmapped: list[dict[str, Any]] = field(default_factory=list)


def normalise_question(question: str) -> str:
    """The table key of a question: lower case, letters/digits/'_'/spaces only, spaces collapsed."""
    q = question.translate(_QUOTES).lower()
    q = re.sub(r"[^a-z0-9_ ]+", "", q)
    return " ".join(q.split())


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for entry in rules()["questions"]:
        qs = entry["q"] if isinstance(entry["q"], list) else [entry["q"]]
        for q in qs:
            table[normalise_question(q)] = entry
    return table


@lru_cache(maxsize=1)
def _topics() -> list[tuple[re.Pattern, dict[str, Any]]]:
    return [(re.compile(rf"^(?:{t['words']})$", re.I), t) for t in rules()["topics"]]


@lru_cache(maxsize=1)
def _no_preference_re() -> re.Pattern:
    return re.compile(rf"^\s*(?:{rules()['no_preference']})(?![\w'])", re.I)


def question_entry(question: str) -> dict[str, Any] | None:
    """The table entry of ``question`` (None when the table does not know it)."""
    return _table().get(normalise_question(question))


def _own_items(text: str, category: str, attribute: str) -> list:
    """Extracted items of ``text``; an item on another attribute implied by the same words as an
    earlier one (a "Mac" also read as brand Apple) is dropped; ``attribute`` other than ``any``
    filters."""
    items, spans = [], {}
    for x in extract_criteria(text, category):
        span = (x.start, x.end)
        if x.start >= 0 and spans.get(span, x.attribute) != x.attribute:
            continue
        spans.setdefault(span, x.attribute)
        if attribute in ("any", x.attribute):
            items.append(x)
    return items


def _at_least(attribute: str, op: str, value: Any, category: str) -> tuple[str, Any]:
    if attribute not in rules().get("at_least", []) or op != "==" or not isinstance(value, str):
        return op, value
    spec = category_schema(category).attribute(attribute)
    values = list(spec.values or []) if spec else []
    if value not in values:
        return op, value
    return "in", values[values.index(value):]


def _topic(answer: str) -> dict[str, Any] | None:
    words = " ".join(re.sub(r"[^a-z ]+", " ", answer.lower()).split())
    for pattern, topic in _topics():
        if pattern.match(words):
            return topic
    return None


def read_answers(answers: list[Answer], category: str) -> PersonaReading:
    """Read every answer (see the module docstring); answers of a question seen before are skipped."""
    reading = PersonaReading()
    found: dict[tuple, Criterion] = {}
    upgrades: list[tuple[str, Answer]] = []
    seen: set[str] = set()

    def add(crit: Criterion, ans: Answer) -> None:
        key = (crit.attribute, crit.op, str(crit.value))
        old = found.get(key)
        if old is None:
            found[key] = crit
        else:
            kind = "dealbreaker" if "dealbreaker" in (old.kind, crit.kind) else old.kind
            source = "persona" if "persona" in (old.source, crit.source) else old.source
            found[key] = old.model_copy(update={"kind": kind, "source": source})
        reading.criteria_questions.setdefault(found[key].key, [])
        if ans.question not in reading.criteria_questions[found[key].key]:
            reading.criteria_questions[found[key].key].append(ans.question)

    for ans in answers:
        qkey = normalise_question(ans.question)
        if qkey in seen:
            continue
        seen.add(qkey)
        entry = question_entry(ans.question)
        note = {"question": ans.question, "answer": ans.answer, "source": ans.source}
        if entry is None:
            reading.unmapped.append({**note, "why": "question not in the mapping table (data/importers/official.yaml)"})
            continue
        role = entry.get("role")
        if role == "uses":
            reading.uses.extend(u for u in extract_uses(ans.answer, category) if u not in reading.uses)
            reading.mapped.append({**note, "role": "uses"})
            continue
        if role == "archetype":
            reading.archetype = ans.answer.strip() or None
            reading.mapped.append({**note, "role": "archetype"})
            continue
        if role == "trait":
            reading.traits[ans.question] = ans.answer
            reading.mapped.append({**note, "role": "trait"})
            continue
        if role == "unmapped":
            reading.unmapped.append({**note, "why": entry.get("why", "not mapped")})
            continue
        attribute, kind = entry["attribute"], entry.get("kind", "preference")
        items = _own_items(ans.answer, category, attribute)
        vague_reading = None
        if not items:
            topic = _topic(ans.answer)
            if topic is not None and attribute in ("any", topic["attribute"]):
                if topic.get("upgrade"):
                    upgrades.append((topic["attribute"], ans))
                    reading.mapped.append({**note, "role": f"makes the {topic['attribute']} criterion a {kind}"})
                    continue
                if topic.get("reading"):
                    vague_reading = topic["reading"]
                    items = _own_items(vague_reading, category, topic["attribute"])
            elif _no_preference_re().match(ans.answer):
                reading.mapped.append({**note, "role": "no preference"})
                continue
            elif entry.get("if_yes") and re.match(r"^\s*yes\b", ans.answer, re.I):
                vague_reading = entry["if_yes"]
                items = _own_items(vague_reading, category, attribute)
            else:
                for words, phrase in (entry.get("if_vague") or {}).items():
                    if re.search(rf"(?<![\w])(?:{words})(?![\w])", ans.answer, re.I):
                        vague_reading = phrase
                        items = _own_items(phrase, category, attribute)
                        break
        if not items:
            reading.unmapped.append({**note, "why": "the answer names no value the text understanding can read"})
            continue
        keys = []
        for x in items:
            op, value = _at_least(x.attribute, x.op, list(x.value) if isinstance(x.value, tuple) else x.value, category)
            item_kind = "dealbreaker" if (kind == "dealbreaker" or x.strength == "must") else "preference"
            try:
                crit = Criterion(attribute=x.attribute, op=op, value=value, kind=item_kind, weight=1.0,
                                 phrasings=[ans.answer], source=ans.source)
            except ValueError:
                continue
            add(crit, ans)
            keys.append(crit.key)
        reading.mapped.append({**note, "criteria": keys, **({"read_as": vague_reading} if vague_reading else {})})

    for attribute, ans in upgrades:
        hits = [k for k, c in found.items() if c.attribute == attribute]
        if not hits:
            reading.unmapped.append({"question": ans.question, "answer": ans.answer, "source": ans.source,
                                     "why": f"names {attribute} as a dealbreaker, but no value for it is given"})
            continue
        for k in hits:
            found[k] = found[k].model_copy(update={"kind": "dealbreaker"})
            reading.criteria_questions.setdefault(found[k].key, []).append(ans.question)
    reading.criteria = list(found.values())
    return reading

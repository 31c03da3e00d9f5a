"""Preferences written as free text (``"preferences: ...\ndealbreakers: ..."`` or prose) as
SalesSim criteria: the fallback for rollouts whose ``shopper_preferences`` is not a question ->
answer mapping.

The text is split into clauses (by section label, line, sentence, ``;`` and ``, ``); a clause in
a ``dealbreakers``/``must`` section or worded as a requirement ("must", "need", "has to",
"dealbreaker", "no more than", "nothing from") or read with a ``must`` strength becomes a
*dealbreaker*, others *preferences*. Each clause is read with :func:`salessim.nlu.extract_criteria`;
clauses that yield no criterion are returned as **unparsed**.
"""

from __future__ import annotations

import re
from typing import Any

from salessim import nlu
from salessim.schema import Criterion

_INLINE_SECTION_RE = re.compile(r"(?i)\b(dealbreakers?|deal[- ]breakers?|must[- ]haves?|preferences?|nice[- ]to[- ]haves?)\s*:\s*")
_REQUIREMENT_RE = re.compile(
    r"(?i)\b(must|need|needs|has to|have to|dealbreaker|non-negotiable|no more than|at most|cannot|can't|"
    r"won't|nothing from|never|required|essential)\b")
_SENTENCE_SPLIT_RE = re.compile(r"\n+|(?<=[a-z0-9)])[.!?]+\s+(?=[A-Z])|[.!?]+\s*$")
_CLAUSE_SPLIT_RE = re.compile(r",\s+|;\s*")


def split_preferences(text: str) -> list[tuple[str, str, int]]:
    """Clauses of a free-text preference statement: ``(clause, kind, group)`` with kind
    dealbreaker | preference and ``group`` numbering the sentence (or section line) it came from."""
    if not text or not text.strip():
        return []
    out: list[tuple[str, str, int]] = []
    # A label at the start of a line ("dealbreakers: ...") holds until the next label; a label
    # inside a sentence ("... Dealbreaker: nothing from Apple. Budget ...") only for its sentence.
    parts: list[tuple[str | None, bool, str]] = []
    pos = 0
    current: str | None = None
    line_level = True
    for m in _INLINE_SECTION_RE.finditer(text):
        if m.start() > pos:
            parts.append((current, line_level, text[pos:m.start()]))
        current = m.group(1).lower()
        line_level = m.start() == 0 or text[:m.start()].rstrip(" \t").endswith("\n")
        pos = m.end()
    parts.append((current, line_level, text[pos:]))
    group = 0
    outer: str | None = None
    for section, at_line_start, body in parts:
        if at_line_start:
            outer = section
        sentences = [x for x in _SENTENCE_SPLIT_RE.split(body) if x and x.strip()]
        for k, sentence in enumerate(sentences):
            label = section if (at_line_start or k == 0) else outer
            section_kind = None
            if label is not None:
                section_kind = "dealbreaker" if re.match(r"(deal|must|requirement)", label) else "preference"
            group += 1
            for clause in _CLAUSE_SPLIT_RE.split(sentence):
                clause = (clause or "").strip(" .;,-\t")
                if len(clause) < 3:
                    continue
                kind = section_kind or ("dealbreaker" if _REQUIREMENT_RE.search(clause) else "preference")
                if section_kind == "preference" and re.search(r"(?i)\b(dealbreaker|non-negotiable)\b", clause):
                    kind = "dealbreaker"
                out.append((clause, kind, group))
    return out


def _item_fields(item: Any) -> tuple[Any, Any, Any]:
    get = (lambda k: item.get(k)) if isinstance(item, dict) else (lambda k: getattr(item, k, None))
    return get("attribute"), get("op"), get("value")


def parse_preferences(text: str, category: str) -> tuple[list[Criterion], list[str], list[dict]]:
    """Criteria parsed from free-text preferences: ``(criteria, unparsed clauses, parsed notes)``.
    The first clause that speaks about an attribute wins (dealbreakers before preferences)."""

    clauses = split_preferences(text)
    criteria: dict[str, Criterion] = {}
    read: list[tuple[str, str, int, list[Criterion]]] = []
    for clause, kind, group in clauses:
        found = []
        for item in nlu.extract_criteria(clause, category):
            attr, op, value = _item_fields(item)
            if isinstance(value, tuple):
                value = list(value)
            item_kind = "dealbreaker" if getattr(item, "strength", None) == "must" else kind
            try:
                found.append(Criterion(attribute=str(attr), op=op, value=value, kind=item_kind, weight=1.0,
                                       phrasings=[clause]))
            except Exception:  # noqa: BLE001 - an item the criterion language cannot hold
                continue
        read.append((clause, kind, group, found))
    # dealbreakers first: the first criterion on an attribute wins
    for _clause, _kind, _group, found in sorted(read, key=lambda r: 0 if r[1] == "dealbreaker" else 1):
        for crit in found:
            criteria.setdefault(crit.attribute, crit)
    notes = [{"clause": c, "kind": k, "criteria": [x.key for x in f]} for c, k, _g, f in read if f]
    unparsed: list[str] = []
    last_group = None
    for clause, _kind, group, found in read:  # neighbouring unread clauses of a sentence stay together
        if found:
            last_group = None
            continue
        if unparsed and last_group == group:
            unparsed[-1] = f"{unparsed[-1]}, {clause}"
        else:
            unparsed.append(clause)
        last_group = group
    return list(criteria.values()), unparsed, notes

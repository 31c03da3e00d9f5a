"""Topic-level disclosure: which attributes a shopper's text shows to matter to the shopper, with
or without a value.

Real LLM shoppers rarely say "under $500"; they say "I really need to watch my spending", "I have
a budget I need to stick to", "I travel a lot so it has to be easy to carry". Value-level
disclosure (:func:`salessim.nlu.disclosed`) needs the value; topic level needs only the concern.

Rules of :func:`topic_attributes` (the cue words are data: ``topics``, ``topic_stance`` and
``topic_request`` in ``data/nlu/lexicon.yaml``). The text is read sentence by sentence:

- a **strong cue** of an attribute discloses it on its own ("afford", "cheaper", "budget",
  "portable", "battery life", "storage", "processor", "Windows"), in a statement or in a request
  ("Is there anything cheaper?", "Do you have something lighter?");
- a **weak cue** (the attribute's plain noun: "price", "screen", "battery life") discloses it
  only in a statement that also carries a **stance** ("I need", "my", "important to me", "a
  priority"), never in a question ("How much RAM do I need?" asks for advice);
- a question that neither asks for something nor carries a stance discloses nothing: "What's the
  battery life of the Dell?" is a question about a product, not a need;
- a criterion read with a value (:func:`salessim.nlu.extract_criteria`) discloses its attribute
  on the same terms (a value is a fortiori a topic);
- a cue covered by indifference ("I don't care about battery life", "the brand doesn't matter",
  "don't worry about the price") discloses nothing; spelled-out product names are masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from salessim.nlu.extract import extract_criteria
from salessim.nlu.lexicon import lexicon
from salessim.nlu.polarity import indifferent
from salessim.nlu.text import mask_names, normalise

_SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


@dataclass(frozen=True)
class TopicCue:
    """Why an attribute counts as disclosed: the words, their position and the kind of cue
    (``strong``, ``weak`` or ``value``)."""

    attribute: str
    span: str
    start: int
    cue: str


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE_RE.finditer(text) if m.group(0).strip()]


@lru_cache(maxsize=100_000)
def topic_cues(text: str, category: str, product_names: tuple[str, ...] = ()) -> tuple[TopicCue, ...]:
    """Every cue in ``text`` that discloses an attribute at topic level (see the module rules),
    in text order; at most one cue per attribute and sentence."""
    if not text or not text.strip():
        return ()
    lex = lexicon(category)
    norm = mask_names(normalise(text), product_names)
    values = extract_criteria(norm, category)
    out: list[TopicCue] = []
    for lo, hi in _sentences(norm):
        sentence = norm[lo:hi]
        question = sentence.rstrip().endswith("?")
        stance = bool(lex.topic_stance_re and lex.topic_stance_re.search(sentence))
        request = bool(lex.topic_request_re and lex.topic_request_re.match(sentence))
        if question and not (stance or request):
            continue
        seen: set[str] = set()
        for x in values:
            if lo <= x.start < hi and x.attribute not in seen:
                seen.add(x.attribute)
                out.append(TopicCue(x.attribute, x.span, x.start, "value"))
        for attr, pattern in lex.topic_strong.items():
            if attr in seen:
                continue
            for m in pattern.finditer(norm, lo, hi):
                if not indifferent(lex, norm, m.start(), lo, m.end(), hi, attr):
                    seen.add(attr)
                    out.append(TopicCue(attr, m.group(0), m.start(), "strong"))
                    break
        if not stance or question:  # a plain noun counts only in a statement of the shopper's own
            continue
        for attr, pattern in lex.topic_weak.items():
            if attr in seen:
                continue
            for m in pattern.finditer(norm, lo, hi):
                if not indifferent(lex, norm, m.start(), lo, m.end(), hi, attr):
                    seen.add(attr)
                    out.append(TopicCue(attr, m.group(0), m.start(), "weak"))
                    break
    return tuple(sorted(out, key=lambda c: c.start))


def topic_attributes(text: str, category: str, product_names=()) -> list[str]:
    """The attributes ``text`` discloses at topic level, in order of first cue."""
    names = tuple(product_names) if product_names and not isinstance(product_names, str) else (
        (product_names,) if product_names else ())
    out: list[str] = []
    for cue in topic_cues(text, category, names):
        if cue.attribute not in out:
            out.append(cue.attribute)
    return out

"""Simulator errors: the ways a shopper simulator breaks the simulation itself.

Four kinds, counted over the shopper's messages (deterministic):

- ``format_error``: the message carries the ``format_error`` flag (the shopper's output could not
  be parsed into an action and a fallback was used).
- ``role_inversion``: the ``role_inversion`` flag, or visible text that talks like the sales side
  ("how can I help you today", "welcome to our store", "as your sales assistant", "I'd recommend
  our ...").
- ``reasoning_leak``: reasoning shows in the visible text: a ``<think>``/``</think>`` tag, a line
  starting ``Thought:``/``Reasoning:``/``Analysis:``, meta-talk about the simulation ("as an AI",
  "my persona", "the persona", "my instructions", "system prompt", "I am simulating/role-playing"),
  or a 40-character stretch of the recorded ``reasoning`` repeated in the text.
- ``invented_fact``: the shopper states, in a sentence that is not a question, a criterion with a
  specific value on an attribute the persona has NO criterion about and that the persona's own
  goal, background and uses do not speak about either (per :func:`salessim.nlu.extract_criteria`).
  Conservative on purpose: statements about attributes the persona does care about are never
  counted here (wrong values there are *drift*), questions are skipped, sentences that name a
  presented product ("I'll take the HP Solace 14") are skipped, a word read as criteria on several
  attributes counts as the known one ("a Mac would be nice" for a macOS persona is not an
  invented brand), and only attributes of the category schema count.

value = share of shopper messages with at least one error, in [0, 1]; lower is better.
details: ``counts`` per kind, ``messages``, ``examples`` (message index, kind, text excerpt) and
``agent_hallucinated_products`` (the agent's ``hallucinated:<id>`` flags, reported, not counted).
None when the shopper sent no message.
"""

from __future__ import annotations

import re
from functools import lru_cache

from salessim.api.metric import Metric
from salessim.metrics.episode_view import extract, item_key, presented_products
from salessim.schema import Episode, Message, MetricResult, Persona

NAME = "simulator_errors"
VERSION = "1.0"
DESCRIPTION = "share of shopper messages with a format error, role inversion, reasoning leak or invented fact"

KINDS = ("format_error", "role_inversion", "reasoning_leak", "invented_fact")

_ROLE_RE = re.compile(
    r"\b(how (can|may) i (help|assist) you|welcome to (our|the) (store|shop)|"
    r"as your (sales|shopping) (assistant|agent|advisor)|i('d| would) recommend our|"
    r"let me (search|look up) (our|the) (catalog|inventory) for you|is there anything else i can help)",
    re.IGNORECASE,
)
_LEAK_RE = re.compile(
    r"(</?think>|^\s*(thought|thinking|reasoning|analysis|internal monologue)\s*:|"
    r"\bas an ai\b|\bas a (large )?language model\b|\bmy persona\b|\bthe persona\b|"
    r"\bmy (system )?instructions\b|\bsystem prompt\b|\bi am (simulating|role-?playing)\b|"
    r"\bas (the|a) (simulated )?shopper,? i (should|must|need to|will)\b)",
    re.IGNORECASE | re.MULTILINE,
)
_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")


def reasoning_leaked(message: Message) -> bool:
    """True when reasoning shows in the visible text of ``message`` (see the module docstring)."""
    text = message.text or ""
    if _LEAK_RE.search(text):
        return True
    reasoning = (message.reasoning or "").strip()
    if len(reasoning) >= 40 and len(text) >= 40:
        r = " ".join(reasoning.split()).lower()
        t = " ".join(text.split()).lower()
        for start in range(0, len(r) - 39, 20):
            if r[start:start + 40] in t:
                return True
    return False


def role_inverted(message: Message) -> bool:
    """True when the message is flagged ``role_inversion`` or talks like the sales side."""
    return "role_inversion" in message.flags or bool(_ROLE_RE.search(message.text or ""))


@lru_cache(maxsize=20_000)
def _persona_text_attributes(texts: tuple[str, ...], category: str) -> frozenset[str]:
    attrs: set[str] = set()
    for t in texts:
        for item in extract(t, category):
            attrs.add(getattr(item, "attribute", None) if not isinstance(item, dict) else item.get("attribute"))
    return frozenset(a for a in attrs if a)


def invented_facts(text: str, persona: Persona, schema_attributes: set[str] | None = None,
                   product_words: tuple[str, ...] = ()) -> list[str]:
    """Keys of the criteria stated in ``text`` on attributes the persona has no criterion about
    and that its own goal, background and uses do not mention either. Questions and sentences
    naming a presented product (``product_words``: lowercase product lines/names) are skipped."""
    known = {c.attribute for c in persona.criteria}
    known |= _persona_text_attributes((persona.goal, persona.profile.background, *persona.uses), persona.category)
    items = extract(text, persona.category)  # read once; sentences are found through the spans
    if not items:
        return []
    skipped: list[tuple[int, int]] = []  # sentences that are questions or name a product
    for m in _SENTENCE_RE.finditer(text):
        sentence = m.group(0).strip()
        low = sentence.lower()
        if sentence.endswith("?") or any(w in low for w in product_words):
            skipped.append((m.start(), m.end()))

    def in_skipped(item) -> bool:
        start = getattr(item, "start", -1)
        if start is None or start < 0:  # position unknown: skip when any sentence would be skipped
            return bool(skipped)
        return any(a <= start < b for a, b in skipped)

    # a word read as several criteria ("a Mac": os and brand) is about the known one
    known_spans = {(getattr(i, "start", -1), getattr(i, "end", -1)) for i in items
                   if getattr(i, "attribute", None) in known and getattr(i, "start", -1) >= 0}
    out: list[str] = []
    for item in items:
        attr = getattr(item, "attribute", None) if not isinstance(item, dict) else item.get("attribute")
        if not attr or attr in known or in_skipped(item):
            continue
        if (getattr(item, "start", -1), getattr(item, "end", -1)) in known_spans:
            continue
        if schema_attributes is not None and attr not in schema_attributes:
            continue
        key = item_key(item)
        if key not in out:
            out.append(key)
    return out


def _schema_attributes(store, category: str) -> set[str] | None:
    schemas = getattr(store, "schemas", None) or getattr(getattr(store, "catalog", None), "schemas", None)
    try:
        schema = schemas.get(category) if schemas is not None else None
    except Exception:  # noqa: BLE001 - any odd store object: fall back to "every attribute"
        schema = None
    return set(schema.attribute_names) if schema is not None else None


def _product_words(episode: Episode, store) -> tuple[str, ...]:
    """Lowercase product lines and names of the products presented in the episode."""
    words: set[str] = set()
    for product in presented_products(episode, store):
        line = str(product.attributes.get("line", "")).strip().lower()
        if len(line) >= 3:
            words.add(line)
        words.add(product.name.split(" (")[0].strip().lower())
    return tuple(sorted(words))


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode (see the module docstring)."""
    counts = dict.fromkeys(KINDS, 0)
    examples: list[dict] = []
    shopper = [(i, m) for i, m in enumerate(episode.messages) if m.role == "shopper"]
    hallucinated = [f.split(":", 1)[1] for m in episode.messages if m.role == "agent"
                    for f in m.flags if f.startswith("hallucinated:")]
    if not shopper:
        return METRIC.result(value=None,
                             details={"counts": counts, "agent_hallucinated_products": hallucinated},
                             explanation="the shopper sent no message")
    attrs = _schema_attributes(store, persona.category)
    words = _product_words(episode, store)
    bad_messages = 0
    for i, m in shopper:
        kinds = []
        if "format_error" in m.flags:
            kinds.append("format_error")
        if role_inverted(m):
            kinds.append("role_inversion")
        if reasoning_leaked(m):
            kinds.append("reasoning_leak")
        invented = invented_facts(m.text, persona, attrs, words) if m.text.strip() else []
        if invented:
            kinds.append("invented_fact")
        for kind in kinds:
            counts[kind] += 1
            if len(examples) < 10:
                ex = {"message": i, "kind": kind, "text": (m.text or "")[:160]}
                if kind == "invented_fact":
                    ex["stated"] = invented
                examples.append(ex)
        bad_messages += bool(kinds)
    value = bad_messages / len(shopper)
    details = {"counts": counts, "messages": len(shopper), "messages_with_errors": bad_messages,
               "examples": examples, "agent_hallucinated_products": hallucinated}
    found = ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "none"
    return METRIC.result(value=round(value, 6), details=details,
                         explanation=f"{bad_messages}/{len(shopper)} shopper messages with errors ({found})")


METRIC = Metric(NAME, VERSION, compute, DESCRIPTION)

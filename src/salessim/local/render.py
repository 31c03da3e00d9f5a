"""What a model-driven shopper reads and writes: persona, conversation and product rendering, and
the action protocol with its parser. Pure Python (no torch), shared by the ``hf:`` shopper, SFT
data building and UserGRPO rollouts, so a model sees exactly the same text in training and in a run.

The conversation is a chat: the **shopper model is the assistant**, the sales agent and the store
are the user. Messages:

- ``system``: the persona (:func:`render_persona`), in one of two styles:

  - ``compact`` (small models): one header line and one line per criterion, e.g.::

        shop laptops | novice | stressed
        must c1 price<=800 !
        must c2 os=Windows !
        want c3 ram_gb>=16 (2)
        want c4 color in blue/green (0.5)

    ``must`` / ``!`` mark a dealbreaker, ``want`` / ``(w)`` a preference of weight w. ``cN`` is the
    criterion's reference, usable in SAY actions (see below).
  - ``full`` (chat models): profile, traits, goal, the criteria with the persona's phrasings and
    the protocol instructions (:data:`PROTOCOL_HELP`).

- ``user``: what happened since the shopper's last action (:func:`render_env`): the agent's text
  (``compact`` keeps its first sentence and its questions, each cut to ``agent_words`` words: the
  product details are on the cards) and a **product card** for every product
  it presents, and the results of the shopper's own ``VIEW`` actions. A product gets a local
  reference ``p1, p2, ...`` in order of first presentation. Cards, compact style::

      breaks c1 want c3+ c4? = p1 Apple $1049    card=verdict (default): the dealbreakers it
                                                 breaks (``fits`` when none, ``unsure cN`` when
                                                 unknown), then + meets / - fails / ? unknown
                                                 per preference
      must c1- c2+ want c3+ c4? = p1 Apple $1049   card=sections: marks, dealbreakers (must) first
      c1!- c2!+ c3+ c4? = p1 Apple $1049           card=marks: criteria in order, ! on dealbreakers
      p1 Apple $1049 os=macOS ram_gb=16 color=?  card=values: the criteria's attributes only; the
                                                 model compares them itself (chat models)

  The verdict comes before the reference so that, in a causal model, the reference's tokens can
  see it (what a BUY has to choose by). With ``order: fit`` the cards of one agent message are
  listed (and new products numbered) dealbreakers-met first, then unknown, then breaking, the
  agent's order kept within each group. Visual-only attributes (colour) are unknown (``?``) unless the shopper viewed the product with
  vision. Full style lists every text attribute instead. A product presented again gets its card
  again (``repeat_cards``; else it is only named: ``again p1 p3``).

- ``assistant``: one action per message, the **action protocol**::

      SAY <text>       say something to the sales agent; each token cN in the text is replaced by
                       the persona's own phrasing of criterion N (a compact way for a small model
                       to disclose a criterion), everything else is said as written
      VIEW <ref>       look at a product: pN (the N-th presented product) or a product id
      BUY <ref> [text] buy it (ends the episode), optionally with a closing remark
      LEAVE <reason>   leave without buying (ends the episode)

  :func:`parse_action` reads the first line that starts with one of the four keywords (case
  insensitive, markdown and ``Action:`` prefixes tolerated). Anything else becomes a ``say`` of
  the raw text flagged ``format_error`` (with ``strict_parse``: of the fixed text
  :data:`UNREADABLE`); so does a VIEW/BUY of an unknown product reference. A SAY
  naming a criterion the persona does not have (``c9``) is said as written and flagged too.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from salessim.constraints import satisfies
from salessim.metrics.episode_view import viewed_product_id
from salessim.schema import Criterion, Message, Persona, Product, ShopperAction

__all__ = [
    "ACTION_KEYWORDS", "OPENING", "PROTOCOL_HELP", "ParsedAction", "RenderConfig", "ProductRefs",
    "criterion_code", "expand_criterion_refs", "format_action", "parse_action", "render_card",
    "compact_agent_text", "render_env", "render_persona", "say_phrasing",
]

ACTION_KEYWORDS = ("SAY", "VIEW", "BUY", "LEAVE")

#: The first user message of every conversation (the shop assistant's greeting). It makes the
#: chat start with a user turn, which most chat templates require.
OPENING = "hello! what are you looking for today?"

PROTOCOL_HELP = """You are a shopper talking to a shop's sales assistant. Stay in character: follow your persona, its
criteria, speaking style and mood. Answer with exactly ONE action on one line:
SAY <text>      talk to the assistant (you may write cN to state criterion N in your own words)
VIEW <pN>       look closely at product pN
BUY <pN>        buy product pN (ends the conversation)
LEAVE <reason>  leave without buying (ends the conversation)
Buy only a product that meets all your dealbreakers (!); among those prefer the one meeting the most
important preferences. If none of the products shown meets your dealbreakers, say what is wrong or leave."""


class RenderConfig(BaseModel):
    """How personas, conversations and products are shown to a shopper model."""

    model_config = ConfigDict(extra="forbid")

    style: Literal["compact", "full"] = Field(
        default="compact", description="compact: short regular lines for small models; full: chat models")
    card: Literal["marks", "sections", "verdict", "values"] = Field(
        default="verdict",
        description="how a product card relates the product to the persona's criteria (see the module docstring)")
    order: Literal["agent", "fit"] = Field(
        default="agent",
        description="order of the cards of one agent message: as the agent listed them, or those meeting every "
                    "dealbreaker first (then unknown, then breaking; agent order within each group)")
    repeat_cards: bool = Field(
        default=True, description="compact style: show a product's card again when it is presented again "
                                  "(False: only its reference, 'again p1 p3')")
    strict_parse: bool = Field(
        default=False,
        description="unreadable model output reaches the agent as a fixed 'Sorry, what?' instead of the raw text")
    agent_words: int | None = Field(
        default=16, ge=1,
        description="compact style: keep the agent's first sentence and its questions, each cut to N words")
    instructions: bool | None = Field(
        default=None, description="prepend the protocol instructions to the persona (default: full style only)")

    def with_instructions(self) -> bool:
        return self.style == "full" if self.instructions is None else self.instructions


# -- criteria ----------------------------------------------------------------------------------

_OP_SHORT = {"==": "=", "!=": "!=", "<=": "<=", ">=": ">=", "<": "<", ">": ">", "in": " in ", "not_in": " not in "}


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "/".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def criterion_code(c: Criterion) -> str:
    """``price<=800 !`` / ``ram_gb>=16 (2)``: the compact text of a criterion."""
    core = f"{c.attribute}{_OP_SHORT[c.op]}{_value_text(c.value)}"
    if c.kind == "dealbreaker":
        return f"{core} !"
    return f"{core} ({_value_text(c.weight)})"


_DEFAULT_PHRASES = {
    "<=": "{a} of at most {v}", "<": "{a} below {v}", ">=": "{a} of at least {v}", ">": "{a} above {v}",
    "==": "{a}: {v}", "!=": "anything but {v} for the {a}", "in": "{a}: {v}", "not_in": "no {v} for the {a}",
}


def say_phrasing(c: Criterion, rng: random.Random | None = None) -> str:
    """How the persona states criterion ``c``: one of its own phrasings (drawn with ``rng``), or a
    plain default built from the criterion when it has none."""
    if c.phrasings:
        return c.phrasings[rng.randrange(len(c.phrasings))] if rng else c.phrasings[0]
    attr = c.attribute.replace("_", " ")
    if c.attribute == "price" and c.op in ("<=", "<"):
        text = f"my budget is {_value_text(c.value)} dollars"
    else:
        value = _value_text(c.value).replace("/", " or ")
        text = _DEFAULT_PHRASES[c.op].format(a=attr, v=value)
    if c.kind == "dealbreaker":
        text += ", that is a must"
    return text


_REF_RE = re.compile(r"\bc(\d{1,2})\b")


def expand_criterion_refs(text: str, persona: Persona, rng: random.Random | None = None) -> tuple[str, list[int]]:
    """Replace every ``cN`` token of ``text`` with the persona's phrasing of criterion N.

    Returns the new text and the 0-based indices of the criteria referenced (in order, repeats
    kept). Unknown indices are left as written.
    """
    used: list[int] = []

    def sub(m: re.Match) -> str:
        k = int(m.group(1)) - 1
        if 0 <= k < len(persona.criteria):
            used.append(k)
            return say_phrasing(persona.criteria[k], rng)
        return m.group(0)

    out = _REF_RE.sub(sub, text)
    if used:
        out = re.sub(r"\s+([,.!?])", r"\1", re.sub(r"\s{2,}", " ", out)).strip()
        out = out[:1].upper() + out[1:]
    return out, used


def render_persona(persona: Persona, cfg: RenderConfig | None = None) -> str:
    """The system message: the persona (see the module docstring)."""
    cfg = cfg or RenderConfig()
    lines: list[str] = []
    if cfg.with_instructions():
        lines += [PROTOCOL_HELP, ""]
    if cfg.style == "compact":
        lines.append(f"shop {persona.category} | {persona.profile.knowledge_level} | {persona.emotion}")
        # The kind comes BEFORE the reference (as on the cards): the reference's tokens can see it.
        lines += [f"{'must' if c.kind == 'dealbreaker' else 'want'} c{i + 1} {criterion_code(c)}"
                  for i, c in enumerate(persona.criteria)]
        return "\n".join(lines)
    p = persona.profile
    traits = ", ".join(f"{t} {getattr(persona.big_five, t)}" for t in type(persona.big_five).model_fields)
    lines += [
        f"You are {p.name}, {p.age}. {p.background}",
        f"Knowledge of {persona.category}: {p.knowledge_level}. Speaking style: {p.speaking_style}.",
        f"Personality (Big Five): {traits}. Mood right now: {persona.emotion}.",
        f"Goal: {persona.goal}",
    ]
    if persona.uses:
        lines.append("You will use it for: " + "; ".join(persona.uses) + ".")
    lines.append("Your criteria (! = dealbreaker, (w) = preference of weight w); reveal them gradually, "
                 "when asked or when a product breaks one:")
    for i, c in enumerate(persona.criteria):
        example = f' - e.g. "{c.phrasings[0]}"' if c.phrasings else ""
        lines.append(f"c{i + 1} {criterion_code(c)}{example}")
    return "\n".join(lines)


# -- products ----------------------------------------------------------------------------------

class ProductRefs:
    """The local references ``p1, p2, ...`` of the products presented to the shopper, in order of
    first presentation. Serialisable as the list :attr:`ids`."""

    def __init__(self, ids: Iterable[str] = ()):
        self.ids: list[str] = list(ids)

    def add(self, pid: str) -> str:
        if pid not in self.ids:
            self.ids.append(pid)
        return self.ref(pid)

    def ref(self, pid: str) -> str:
        return f"p{self.ids.index(pid) + 1}"

    def resolve(self, ref: str, catalog=None, category: str | None = None) -> str | None:
        """The product id of ``pN`` or of a literal product id (known to ``catalog`` when given,
        else any presented id); None when unknown."""
        ref = ref.strip().strip(".,;:!?()[]<>\"'`*").strip()
        m = re.fullmatch(r"[pP#]?(\d{1,3})", ref)
        if m:
            k = int(m.group(1)) - 1
            return self.ids[k] if 0 <= k < len(self.ids) else None
        if ref in self.ids:
            return ref
        if catalog is not None:
            product = catalog.get(ref)
            if product is not None and (category is None or product.category == category):
                return ref
        return None


def _visual_only(catalog, category: str) -> set[str]:
    schema_fn = getattr(catalog, "schema", None)
    if schema_fn is None:
        return set()
    try:
        return set(schema_fn(category).visual_only)
    except Exception:  # unknown category in a fake catalog
        return set()


def _attr_text(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _mark(product: Product, c: Criterion, hidden: set[str]) -> str:
    return "?" if c.attribute in hidden else ("+" if satisfies(product, c) else "-")


def _card_criteria(product: Product, persona: Persona, cfg: RenderConfig, hidden: set[str]) -> str:
    """The part of a card that relates the product to the persona's criteria (``cfg.card``)."""
    crit = list(enumerate(persona.criteria, start=1))
    if cfg.card == "marks":
        return " ".join(f"c{i}{'!' if c.kind == 'dealbreaker' else ''}{_mark(product, c, hidden)}" for i, c in crit)
    musts = [(i, c) for i, c in crit if c.kind == "dealbreaker"]
    wants = " ".join(f"c{i}{_mark(product, c, hidden)}" for i, c in crit if c.kind != "dealbreaker")
    if cfg.card == "sections":
        must = " ".join(f"c{i}{_mark(product, c, hidden)}" for i, c in musts)
        return f"must {must or '-'} want {wants or '-'}"
    if cfg.card == "verdict":
        broken = [f"c{i}" for i, c in musts if _mark(product, c, hidden) == "-"]
        unknown = [f"c{i}" for i, c in musts if _mark(product, c, hidden) == "?"]
        head = f"breaks {' '.join(broken)}" if broken else (f"unsure {' '.join(unknown)}" if unknown else "fits")
        return f"{head} want {wants or '-'}"
    seen: list[str] = []
    parts = []
    for c in persona.criteria:
        if c.attribute in seen or c.attribute == "price":
            continue
        seen.append(c.attribute)
        value = "?" if c.attribute in hidden else _attr_text(product.attributes.get(c.attribute, "?"))
        parts.append(f"{c.attribute}={value}")
    return " ".join(parts)


def render_card(ref: str, product: Product, persona: Persona, cfg: RenderConfig, hidden: set[str]) -> str:
    """One product card (see the module docstring); ``hidden`` = attributes the shopper cannot know."""
    price = _attr_text(product.attributes.get("price", "?"))
    if cfg.style == "compact":
        if cfg.card == "values":
            return f"{ref} {product.brand} ${price} {_card_criteria(product, persona, cfg, hidden)}".rstrip()
        # The verdict comes BEFORE the reference: in a causal model the reference's tokens can then
        # see what the card says about the product, which is what a BUY has to pick by.
        return f"{_card_criteria(product, persona, cfg, hidden)} = {ref} {product.brand} ${price}"
    attrs = ", ".join(f"{k} {'?' if k in hidden else _attr_text(v)}" for k, v in product.attributes.items())
    line = f"{ref} [{product.id}] {product.name}: {attrs}"
    if cfg.card != "values":
        line += " | " + _card_criteria(product, persona, cfg, hidden)
    return line


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")


def compact_agent_text(text: str, words: int | None) -> str:
    """The agent's text for a small model: its first sentence and every question, each cut to
    ``words`` words (None: the whole text)."""
    text = " ".join(text.split())
    if words is None:
        return text
    sentences = [s for s in _SENTENCE_SPLIT.split(text) if s]
    keep = sentences[:1] + [s for s in sentences[1:] if s.endswith("?")]
    return " ".join(_truncate(s, words) for s in keep)


def _fit_rank(product: Product, persona: Persona, hidden: set[str]) -> int:
    """0 = meets every dealbreaker, 1 = unknown on some, 2 = breaks one (for ``order: fit``)."""
    marks = [_mark(product, c, hidden) for c in persona.dealbreakers]
    return 2 if "-" in marks else (1 if "?" in marks else 0)


def _truncate(text: str, words: int | None) -> str:
    text = " ".join(text.split())
    if words is None:
        return text
    parts = text.split(" ")
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def render_env(messages: Sequence[Message], persona: Persona, refs: ProductRefs, catalog,
               cfg: RenderConfig, *, vision: bool = False, pending_view: str | None = None) -> str:
    """The user message for the shopper: everything in ``messages`` (the messages visible to the
    shopper since its last action; its own messages are skipped) as agent text, product cards and
    view results. Adds newly presented products to ``refs``. ``pending_view`` is the product the
    shopper's last VIEW asked for (used when a tool result does not name its product)."""
    hidden_default = _visual_only(catalog, persona.category)
    lines: list[str] = []
    for m in messages:
        if m.role == "agent" and m.text.strip():
            lines.append(compact_agent_text(m.text, cfg.agent_words if cfg.style == "compact" else None))
            again = []
            shown = [pid for pid in m.presented_product_ids if catalog.get(pid) is not None]
            if cfg.order == "fit":
                shown.sort(key=lambda pid: _fit_rank(catalog.get(pid), persona, hidden_default))
            for pid in shown:
                product = catalog.get(pid)
                if pid in refs.ids and cfg.style == "compact" and not cfg.repeat_cards:
                    again.append(refs.ref(pid))
                    continue
                ref = refs.add(pid)
                lines.append(render_card(ref, product, persona, cfg, hidden_default))
            if again:
                lines.append("again " + " ".join(again))
        elif m.role == "tool" and m.tool_caller == "shopper" and m.tool_result is not None:
            result = m.tool_result
            pid = viewed_product_id(m) or pending_view
            if result.error or not pid or catalog.get(pid) is None:
                detail = result.content if isinstance(result.content, str) else "not found"
                lines.append(f"view failed: {_truncate(str(detail), 12)}")
                continue
            ref = refs.add(pid)
            hidden = set() if (vision and result.image_png_b64) else hidden_default
            lines.append("view " + render_card(ref, catalog.get(pid), persona, cfg, hidden))
    return "\n".join(lines) if lines else "..."


# -- actions -----------------------------------------------------------------------------------

class ParsedAction(BaseModel):
    """The result of :func:`parse_action`: the action, its flags and the criteria it referenced."""

    model_config = ConfigDict(extra="forbid")

    action: ShopperAction
    flags: list[str] = Field(default_factory=list)
    criterion_refs: list[int] = Field(default_factory=list)
    raw: str = ""


_PREFIX_RE = re.compile(r"^[\s>*_`#\-\d.)]*(?:action\s*[:=-]\s*)?[\s*_`\[]*", re.IGNORECASE)
_ACTION_RE = re.compile(r"^(SAY|VIEW|BUY|LEAVE)\b[\]*_`\s:]*(.*)$", re.IGNORECASE | re.DOTALL)


#: What a strict parser says for output it cannot read (nothing of the output reaches the agent).
UNREADABLE = "Sorry, what?"


def parse_action(raw: str, persona: Persona, refs: ProductRefs, catalog=None,
                 rng: random.Random | None = None, strict: bool = False) -> ParsedAction:
    """Read one shopper action from model output (see the module docstring for the protocol).

    ``strict``: output that is not a well-formed action becomes the fixed ``say``
    :data:`UNREADABLE` instead of the raw text (so a policy under training cannot get its words
    through without following the protocol)."""
    text = (raw or "").strip()
    for line in text.splitlines():
        cleaned = _PREFIX_RE.sub("", line.strip(), count=1)
        m = _ACTION_RE.match(cleaned)
        if not m:
            continue
        kind, arg = m.group(1).upper(), m.group(2).strip().rstrip("*_`]").strip()
        if kind == "SAY":
            said, used = expand_criterion_refs(arg, persona, rng)
            flags = [] if said else ["format_error"]
            bad = [f"c{k}" for k in _unknown_refs(arg, persona)]
            if bad:
                flags += ["format_error", *(f"unknown_ref:{b}" for b in bad)]
            return ParsedAction(action=ShopperAction(type="say", text=said), flags=flags,
                                criterion_refs=used, raw=raw)
        if kind == "LEAVE":
            reason, used = expand_criterion_refs(arg, persona, rng)
            return ParsedAction(action=ShopperAction(type="leave", reason=reason or "nothing here fits me"),
                                criterion_refs=used, raw=raw)
        token = arg.split()[0] if arg.split() else ""
        pid = refs.resolve(token, catalog, persona.category) if token else None
        if pid is None:
            return ParsedAction(action=ShopperAction(type="say", text=_fallback_text(text, persona, rng, strict)),
                                flags=["format_error", f"unknown_ref:{token or '-'}"], raw=raw)
        action_type = "view_product" if kind == "VIEW" else "buy"
        said = ""
        if kind == "BUY":  # optional closing words after the reference
            said, _ = expand_criterion_refs(arg[len(token):].strip(" :-,"), persona, rng)
        return ParsedAction(action=ShopperAction(type=action_type, product_id=pid, text=said), raw=raw)
    return ParsedAction(action=ShopperAction(type="say", text=_fallback_text(text, persona, rng, strict)),
                        flags=["format_error"], raw=raw)


def _unknown_refs(text: str, persona: Persona) -> list[int]:
    return [int(m.group(1)) for m in _REF_RE.finditer(text) if not 1 <= int(m.group(1)) <= len(persona.criteria)]


def _fallback_text(text: str, persona: Persona, rng: random.Random | None, strict: bool = False) -> str:
    if strict:
        return UNREADABLE
    said, _ = expand_criterion_refs(" ".join(text.split())[:500], persona, rng)
    return said or "hmm."


def format_action(action: ShopperAction, refs: ProductRefs, say: str | None = None) -> str:
    """The protocol text of ``action`` (the training target of SFT). ``say`` overrides the text of
    a ``say`` (e.g. with criterion references ``cN`` substituted in)."""
    if action.type == "say":
        return f"SAY {' '.join((say if say is not None else action.text).split())}".rstrip()
    if action.type in ("view_product", "buy"):
        pid = action.product_id or ""
        ref = refs.ref(pid) if pid in refs.ids else pid
        return f"{'VIEW' if action.type == 'view_product' else 'BUY'} {ref}"
    reason = " ".join((action.reason or action.text or "").split())
    return f"LEAVE {reason}".rstrip()

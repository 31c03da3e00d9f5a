"""How a scripted shopper words its messages, shaped by its persona.

All wording comes from ``data/shoppers/scripted.yaml``; this module only picks and assembles pieces.
The persona shapes the text in documented ways:

- knowledge level: novices name attributes in plain words (``the memory``), say they are not
  technical and ask what jargon means; experts use spec language (``RAM``, ``ANC``) and mention
  knowing the specs.
- speaking style: the free-text style is mapped to style flags (casual, formal, terse, chatty,
  lowercase, ...) by keyword; flags choose greetings, fillers and asides, and ``terse`` drops
  most decoration.
- emotion: mapped to a group (anxious, excited, rushed, frustrated, ...) that colours the opening,
  some later turns and the purchase.
- Big-Five, each score from -2 to +2 moving the chance of an aside: extraversion -> small talk and
  self-introduction (longer, chattier messages); agreeableness -> thanks and politeness (low:
  bluntness); neuroticism -> worry and hedging; conscientiousness -> requests for details and
  comparisons; openness -> curiosity about alternatives.

Asides never state a criterion: criteria are disclosed only through the persona's phrasings.
"""

from __future__ import annotations

import random
import re
from typing import Any

from salessim.schema import CategorySchema, Criterion, Persona, Product
from salessim.shoppers._data import shopper_text
from salessim.shoppers.presets import Preset

__all__ = ["Voice", "lc_first", "cap_first", "format_value"]

_I_WORDS = {"i", "i'm", "i'd", "i'll", "i've", "i\u2019m", "i\u2019d"}
_TAIL = "\x00"  # marks an aside that joins the sentence before it ("... for me, lol.")
_WORD = re.compile(r"[A-Za-z0-9$][\w'\u2019\-]*")


def cap_first(text: str) -> str:
    """``text`` with its first letter in upper case."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            word = re.match(r"[\w'-]+", text[i:]).group(0)
            if any(c.isupper() for c in word[1:]):  # macOS, iPhone, iOS stay as written
                return text
            return text[:i] + ch.upper() + text[i + 1:]
        if not ch.isspace() and ch not in "\"'(":
            return text
    return text


def lc_first(text: str, keep: frozenset[str] = frozenset()) -> str:
    """``text`` with its first letter in lower case, unless the first word is ``I``, an acronym or
    a proper name from ``keep`` (brands, operating systems...)."""
    m = _WORD.search(text)
    if not m or m.start() > 2:
        return text
    word = m.group(0)
    if word.lower() in _I_WORDS or word.lower() in keep or not word[0].isupper():
        return text
    if any(ch.isupper() for ch in word[1:]) or any(ch.isdigit() for ch in word):
        return text
    return text[: m.start()] + word[0].lower() + text[m.start() + 1:]


def format_value(value: Any) -> str:
    """A product attribute value as a shopper would write it (``1.24``, ``16``, ``space gray``)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    if isinstance(value, int):
        return str(value)
    return str(value).replace("_", " ")


def _clamp(p: float) -> float:
    return max(0.0, min(0.95, p))


def _join_list(items: list[str]) -> str:
    items = [i.strip().rstrip(".") for i in items if i and i.strip()]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _flags(style: str, table: dict[str, list[str]]) -> set[str]:
    low = style.lower()
    return {flag for flag, words in table.items()
            if any(re.search(r"(?<![\w-])" + re.escape(w.lower()), low) for w in words)}


def _emotion_group(emotion: str, table: dict[str, list[str]]) -> str:
    low = emotion.lower().strip()
    for group, words in table.items():
        if low in words:
            return group
    for group, words in table.items():
        if any(w in low for w in words):
            return group
    return "calm"


class Voice:
    """The wording of one persona: picks and assembles text pieces for each kind of message.

    Build it once per persona (it only reads the persona and the category schema); every method
    takes the ``random.Random`` of the current act so an episode replays identically.
    """

    def __init__(self, persona: Persona, schema: CategorySchema | None = None, preset: Preset | None = None):
        data = shopper_text()
        self.data = data
        self.preset = preset or Preset()
        self.text: dict[str, Any] = {**data["text"], **self.preset.text} if self.preset.text else data["text"]
        self.persona = persona
        self.category = persona.category
        self.schema = schema
        self.novice = persona.profile.knowledge_level == "novice"
        self.expert = persona.profile.knowledge_level == "expert"
        self.flags = _flags(persona.profile.speaking_style, data["style_flags"])
        self.emotion = _emotion_group(persona.emotion, data["emotion_groups"])
        self.first = (persona.profile.name.split() or ["there"])[0]
        self.singular = schema.singular if schema else "product"
        goal = persona.goal.strip().rstrip(".!").strip()
        self.goal = lc_first(goal)
        self.uses = _join_list(list(persona.uses)[:3])
        keep = set()
        if schema:
            for spec in schema.attributes:
                for v in spec.values or []:
                    keep.add(str(v).lower())
        self.proper = frozenset(keep)
        b5 = persona.big_five
        e, a, n, c, o = (b5.score(t) for t in ("extraversion", "agreeableness", "neuroticism",
                                                "conscientiousness", "openness"))
        terse = "terse" in self.flags or "hurried" in self.flags
        chatty = "chatty" in self.flags
        self.p = {
            "smalltalk": _clamp(0.10 + 0.13 * e + (0.15 if chatty else 0) - (0.12 if terse else 0)),
            "intro": _clamp(0.35 + 0.2 * e - (0.25 if terse else 0)),
            "thanks": _clamp(0.18 + 0.14 * a + (0.15 if "formal" in self.flags else 0)),
            "blunt": _clamp(-0.12 * a - 0.04 + (0.08 if "skeptical" in self.flags else 0)),
            "worry": _clamp(0.07 + 0.12 * n + (0.1 if self.emotion == "anxious" else 0)),
            "details": _clamp(0.05 + 0.07 * c + (0.05 if "technical" in self.flags else 0)),
            "curiosity": _clamp(0.05 + 0.07 * o),
            "emotion_mid": 0.0 if self.emotion == "calm" else _clamp(0.22 + (0.05 if chatty else 0)),
            "style": _clamp(0.28 - (0.1 if terse else 0)),
            "knowledge": 0.5 if (self.novice or self.expert) else 0.0,
            "ask_term": 0.45 if self.novice else 0.0,
        }
        if self.preset.aside_scale != 1.0:  # a wording preset makes every aside rarer
            for key in ("smalltalk", "intro", "thanks", "blunt", "worry", "details", "curiosity", "emotion_mid",
                        "style", "knowledge"):
                self.p[key] *= self.preset.aside_scale

    # ------------------------------------------------------------------ pieces
    def pick(self, rng: random.Random, key: str, sub: str | None = None) -> str:
        """A random piece of ``text[key]`` (or ``text[key][sub]``); empty when there is none."""
        pool = self.text.get(key)
        if isinstance(pool, dict):
            pool = pool.get(sub or "", None) or pool.get("calm") or pool.get("other") or []
        if not pool:
            return ""
        return rng.choice(pool)

    def label(self, attribute: str) -> str:
        """The attribute in the persona's words (plain for novices)."""
        labels = self.data["labels"].get(self.category, {}).get(attribute)
        if not labels:
            return attribute.replace("_", " ")
        return labels["novice" if self.novice else "other"]

    def fact(self, product: Product, attribute: str, rng: random.Random) -> str:
        """What ``product`` is or has for ``attribute``, e.g. ``runs Windows`` (no subject)."""
        facts = self.data["facts"]
        table = facts.get(self.category, {}).get(attribute) or facts["default"]
        value = product.attributes.get(attribute)
        if isinstance(value, bool):
            pool = table.get("yes" if value else "no") or facts["default"]["yes" if value else "no"]
        else:
            pool = table.get("novice" if self.novice else "other") or table.get("other") or facts["default"]["other"]
        return rng.choice(pool).format(v=format_value(value), label=self.label(attribute))

    @staticmethod
    def short_name(product: Product) -> str:
        """The product name without its bracketed configuration (``Apple Aerobook 13``)."""
        return re.sub(r"\s*\([^)]*\)\s*$", "", product.name).strip() or product.name

    def ref(self, product: Product, rng: random.Random) -> str:
        """A reference to a product that names it (``the Apple Aerobook 13``)."""
        short = self.short_name(product)
        forms = [f"the {short}", f"the {short}", f"that {short}"]
        if product.brand and self.novice:
            forms.append(f"the {short}")
        return rng.choice(forms)

    # ------------------------------------------------------------------ flavour
    def _asides(self, rng: random.Random, *, moment: str) -> tuple[list[str], list[str]]:
        """Personality asides (before, after) for a message at ``moment``: ``open`` (the first
        message), ``mid`` (before any product was shown), ``react`` (products are on the table) or
        ``close`` (buying or leaving)."""
        before: list[str] = []
        after: list[str] = []
        if moment == "open":
            line = self.pick(rng, "emotion_open", self.emotion)
            if line:
                before.append(line)
            if rng.random() < self.p["knowledge"]:
                after.append(self.pick(rng, "knowledge", "novice" if self.novice else "expert"))
        elif moment in ("mid", "react") and rng.random() < self.p["emotion_mid"]:
            line = self.pick(rng, "emotion_mid", self.emotion)
            if line:
                (before if rng.random() < 0.5 else after).append(line)
        if rng.random() < self.p["smalltalk"]:
            after.append(self.pick(rng, "smalltalk"))
        if rng.random() < self.p["worry"]:
            after.append(self.pick(rng, "worry"))
        if moment == "react" and rng.random() < self.p["details"]:
            after.append(self.pick(rng, "details"))
        if moment != "close" and rng.random() < self.p["curiosity"]:
            after.append(self.pick(rng, "curiosity"))
        if rng.random() < self.p["blunt"]:
            after.append(self.pick(rng, "blunt"))
        elif rng.random() < self.p["thanks"]:
            after.append(self.pick(rng, "thanks"))
        if self.flags and rng.random() < self.p["style"]:
            flag = rng.choice(sorted(self.flags - {"lowercase"}) or ["casual"])
            if flag == "casual":
                if rng.random() < 0.5:
                    before.insert(0, self.pick(rng, "casual_head"))
                else:
                    after.append(_TAIL + self.pick(rng, "casual_tail"))  # glued to the last sentence
            else:
                piece = self.pick(rng, "style", flag)
                if piece:
                    after.append(piece)
        return before, after

    def finish(self, core: list[str], rng: random.Random, *, moment: str = "mid") -> str:
        """Join the core sentences with personality asides and apply style (lowercase, terse).
        ``moment`` is ``open``, ``mid`` or ``close``; ``plain`` adds no asides."""
        before, after = ([], []) if moment == "plain" else self._asides(rng, moment=moment)
        if "terse" in self.flags:
            before, after = before[:1], after[:1]
        cap = self.preset.max_asides
        if cap is not None and len(before) + len(after) > cap:
            before = before[:cap]
            after = after[: max(0, cap - len(before))]
        parts = [p.strip() for p in [*before, *core, *after] if p and p.strip() and p != _TAIL]
        text = ""
        for p in parts:
            if p.startswith(_TAIL):  # a tail word joins the sentence before it: "... for me, lol."
                m = re.search(r"([.!?]*)$", text)
                end = m.group(1) if m and m.group(1) else "."
                text = text[: len(text) - len(m.group(1))] if m and m.group(1) else text
                text = f"{text}, {p[1:]}{end}" if text else p[1:]
            else:
                text = f"{text} {p}" if text else p
        text = re.sub(r"\s+", " ", text).strip()
        text = re.sub(r"\.\.(?!\.)", ".", text)
        text = text.replace(" .", ".")
        if "lowercase" in self.flags:
            text = text.lower()
        elif "enthusiastic" in self.flags and rng.random() < 0.3:
            text = re.sub(r"\.$", "!", text)
        if self.preset.casual_typing and "lowercase" not in self.flags and rng.random() < self.preset.casual_typing:
            return lc_first(re.sub(r"\.$", "", cap_first(text)), self.proper)  # typed in passing
        return cap_first(text) if "lowercase" not in self.flags else text

    # ------------------------------------------------------------------ messages
    def opening(self, rng: random.Random, *, goal_discloses: bool, uses_disclose: bool,
                phrasings: list[str] = ()) -> str:
        """Greeting, who the persona is and what it is after; ``phrasings`` are stated too (only
        the overdisclosure flaw passes any)."""
        register = ("terse" if "terse" in self.flags else "formal" if "formal" in self.flags
                    else "casual" if "casual" in self.flags else "neutral")
        core = [self.pick(rng, "greeting", register)]
        if rng.random() < self.p["intro"]:
            core.append(self.pick(rng, "intro").format(first=self.first))
        generic = goal_discloses or not self.goal
        if not generic and self.preset.goal_in_opening < 1.0:
            generic = rng.random() >= self.preset.goal_in_opening
        if generic:
            core.append(self.pick(rng, "goal_generic").format(singular=self.singular))
        else:
            core.append(self.pick(rng, "goal").format(goal=self.goal))
        if self.uses and not uses_disclose and rng.random() < self.preset.uses_in_opening:
            core.append(self.pick(rng, "uses").format(uses=self.uses))
        core.extend(phrasings)
        return self.finish(core, rng, moment="open")

    def with_lead(self, lead: str, phrasing: str) -> str:
        """``lead`` followed by ``phrasing`` with the right capitalisation."""
        lead = lead.strip()
        if not lead:
            return cap_first(phrasing)
        if lead.endswith(","):
            return f"{lead} {lc_first(phrasing, self.proper)}"
        if lead.endswith(":"):
            if ":" in phrasing[:30]:
                return cap_first(phrasing)
            return f"{lead} {lc_first(phrasing, self.proper)}"
        return f"{lead} {cap_first(phrasing)}"

    def answer(self, phrasing: str, rng: random.Random) -> str:
        """An answer to the agent's question that states a criterion."""
        return self.with_lead(self.pick(rng, "answer_lead"), phrasing)

    def uses_answer(self, rng: random.Random) -> str:
        """An answer to "what will you use it for?"."""
        if not self.uses:
            return self.pick(rng, "goal").format(goal=self.goal) if self.goal else ""
        return self.pick(rng, "uses_answer").format(uses=self.uses)

    def no_view(self, attribute: str, rng: random.Random, safe: bool = False) -> str:
        """"I have no strong view on <attribute>" (``safe``: without naming the attribute, for
        when naming it would read like a wish)."""
        if safe:
            return self.pick(rng, "no_view_safe")
        label = self.label(attribute)
        line = self.pick(rng, "no_view", "novice" if self.novice else "other")
        return line.format(label=label, label_cap=cap_first(label))

    def reveal(self, phrasing: str, dealbreaker: bool, rng: random.Random) -> str:
        """Volunteering a criterion the agent did not ask about."""
        lead = self.pick(rng, "reveal_dealbreaker" if dealbreaker else "reveal_preference")
        if rng.random() < 0.25:
            lead = ""
        return self.with_lead(lead, phrasing)

    def complaint(self, product: Product, criterion: Criterion, phrasing: str, rng: random.Random) -> str:
        """A presented product breaks a dealbreaker not stated yet: say so, stating it."""
        template = self.pick(rng, "complaint")
        ref = self.ref(product, rng)
        return template.format(ref=ref, ref_cap=cap_first(ref), fact=self.fact(product, criterion.attribute, rng),
                               phrasing=cap_first(phrasing), phrasing_lc=lc_first(phrasing, self.proper))

    def reminder(self, product: Product, criterion: Criterion, phrasing: str, rng: random.Random) -> str:
        """A presented product breaks a dealbreaker already stated: repeat it."""
        template = self.pick(rng, "reminder")
        ref = self.ref(product, rng)
        return template.format(ref=ref, ref_cap=cap_first(ref), fact=self.fact(product, criterion.attribute, rng),
                               phrasing=cap_first(phrasing), phrasing_lc=lc_first(phrasing, self.proper))

    def buy(self, product: Product, reason: Criterion | None, rng: random.Random, before: list[str] = ()) -> str:
        """Announcing a purchase, with a reason taken from a met criterion; ``before`` are
        sentences said first (complaints about the other products)."""
        name = self.short_name(product)
        core = [*before, self.pick(rng, "emotion_buy", self.emotion),
                self.pick(rng, "buy").format(name=f"the {name}", name_cap=f"The {name}")]
        if reason is not None:
            line = self.pick(rng, "buy_reason")
            if line:
                core.append(line.format(fact=self.fact(product, reason.attribute, rng)))
        return self.finish(core, rng, moment="close")

    def pushed_buy(self, product: Product, rng: random.Random) -> str:
        """Giving in to the agent's push."""
        name = self.short_name(product)
        return self.finish([self.pick(rng, "pushed_buy").format(name=f"the {name}")], rng, moment="close")

    def leave(self, rng: random.Random, undecided: bool = False, before: list[str] = (), plain: bool = False) -> str:
        """Leaving without buying; ``before`` are sentences said first."""
        core = [*before, self.pick(rng, "leave_undecided" if undecided else "leave")]
        return self.finish(core, rng, moment="plain" if plain else "close")

    def hold(self, rng: random.Random, *, products_shown: bool, fresh: bool) -> str:
        """A turn that discloses nothing (a wording preset's hold move): a reaction to products just
        shown, a question about what is on the table, or a hesitation."""
        if fresh and rng.random() < 0.6:
            return self.pick(rng, "hold_react")
        if products_shown and rng.random() < 0.6:
            return self.pick(rng, "hold_question")
        return self.pick(rng, "hold_pause")

    def ask_term(self, term: str, rng: random.Random) -> str:
        """A novice asks what a word means."""
        return self.pick(rng, "ask_term").format(term=term)


"""Which products a salesperson names in free text, against an imported catalog.

Rules of :class:`ProductResolver` (documented in docs/importing.md):

- A **full name** written out (at least its first two `` - `` parts: ``HP - Pavilion x360 14"
  Touch-Screen Laptop``) names that product.
- A **short name** starts at a brand ("HP", "Dell", ...) or at a model line word of the catalog
  ("ThinkPad", "MacBook", "Inspiron"; a line word that is also an English word, such as "Stream"
  or "Swift", only when capitalised or after a brand) and runs over the model words that follow
  (numbers, sizes such as ``14"``/``14-inch``, words with digits such as ``x360``, capitalised
  words) up to punctuation or a lower-case word: "the Dell XPS 13", "MacBook Air", "Surface
  Laptop 4", "HP 17.3" Laptop".
- A short name fits a product when its brand is the product's, its line word is in the product's
  name, every other model word and every word with digits is in the name, and every number fits a
  number of the model (its model numbers and screen size): a whole number fits a size class
  (13 fits 13.3), two decimals must be equal (15.3 does not fit 15.6), so "Dell XPS 15", "Acer
  Aspire 3" or "MacBook Pro 14-inch" do not name the XPS 13.3, the Aspire 5 or the 16" MacBook Pro.
- Several fitting products (two MacBook Airs): the specs written right after the name decide
  (price, storage, memory, screen, 2-in-1); else a product already presented in the conversation
  (the latest); else, for a name with a model word after its line ("MacBook Air"), the first in
  catalog order (recorded as ambiguous); a bare line ("the Surface") names nothing.
- A short name with a brand and a model word (or a line word and a model word) that fits no
  product is an **unknown product** (``ext:<slug>``): the salesperson described a product the
  store does not sell. Its attributes are read from the text right after its name
  (:func:`salessim.nlu.specs.read_specs`). Unknown products are presented but can never be
  bought aligned: decision alignment counts buying one as ``invalid_action``.
- Words a brand takes as a plural or possessive ("Dell laptops", "Apple's chips") and bare
  brands ("Dell, HP or Lenovo") name nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from salessim.importers.official.catalog import model_line, name_segments, rules
from salessim.nlu.lexicon import category_schema
from salessim.nlu.specs import read_specs
from salessim.schema import Product

_QUOTES = str.maketrans({"\u201d": '"', "\u201c": '"', "\u2033": '"', "\u2019": "'", "\u2018": "'"})
_TOKEN_RE = re.compile(
    r"2-in-1|\d+(?:\.\d+)?(?:\s?(?:\"|''|-?\s?inch(?:es)?\b|-in\b))?|[A-Za-z][A-Za-z0-9]*(?:'s)?(?:-[A-Za-z0-9]+)*", re.I)
_SIZE_MARK_RE = re.compile(r"(?:\"|''|-?\s?inch(?:es)?\b|-in\b)", re.I)
_GAP_RE = re.compile(r"^[ \t]*$")
# words of product names that carry no identity of their own
_GENERIC = frozenset("laptop laptops notebook gaming touch-screen touchscreen display series chip 2-in-1 inch the".split())
# anchors that are also ordinary English words: only when capitalised or right after a brand
_ENGLISH = frozenset("stream swift spin envy omen aspire latitude predator surface flip go air pro book".split())
# capitalised words that start a new sentence or clause, never part of a model name
_STOP = frozenset(
    "the a an it its it's this that these those with and or but is are was for from in on at to of by "
    "i i'm you your we our they their he she which who what when where why how here there so if as "
    "price priced weight weighs features specs display screen processor memory storage battery "
    "unfortunately however also plus touchpad trackpad keyboard ecosystem silicon".split())
# a processor named after a brand ("Apple M2 Pro") is not a laptop
_CHIP_RE = re.compile(r"^(?:m[1-9]|i[3579]|n\d{3,4}|\d{4,5}[a-z]{0,2})$")
# a line followed by one of these words is talk about the range, not a product ("the ThinkPad series")
_RANGE_RE = re.compile(r"^\s+(?:series|line|lines|lineup|range|family|models|brand)\b", re.I)
_MAX_MODEL_TOKENS = 6
_NEAR = 350


@dataclass
class Mention:
    """A product name found in a text: its span and its parts (lower case)."""

    start: int
    end: int
    text: str
    brand: str | None = None
    words: list[str] = field(default_factory=list)  # model words without digits
    alnums: list[str] = field(default_factory=list)  # words with letters and digits (x360, g15)
    numbers: list[str] = field(default_factory=list)  # plain numbers and sizes (13, 13.3, 3000)
    product_id: str | None = None  # set for a full name written out

    @property
    def has_model(self) -> bool:
        return bool(self.alnums or self.numbers or [w for w in self.words if w not in _GENERIC])


@dataclass
class _Known:
    """What the resolver knows of one product (catalog or unknown)."""

    id: str
    name: str
    brand: str | None
    anchor: str | None  # first line word, lower case
    tokens: frozenset[str]
    model_numbers: tuple[float, ...]
    attributes: dict[str, Any]
    unknown: bool = False


def _norm(text: str) -> str:
    return text.translate(_QUOTES)


def _is_decimal(s: str) -> bool:
    return "." in s


def _num_fits(said: str, known: float) -> bool:
    value = float(said)
    if _is_decimal(said) and not float(known).is_integer():
        return abs(value - known) < 0.05
    if not _is_decimal(said):
        return int(value) == int(known)
    return abs(value - known) < 0.05


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in re.findall(r"2-in-1|\d+(?:\.\d+)?|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*", _norm(text))]


def _brand_table(category: str) -> dict[str, str]:
    table: dict[str, str] = {}
    spec = category_schema(category).attribute("brand")
    for b in (spec.values or []) if spec else []:
        table[b.lower()] = b
    for b in rules()["catalog"]["other_brands"].split("|"):
        table.setdefault(b.lower(), b.upper() if len(b) <= 3 else b.title())
    return table


class ProductResolver:
    """Finds the products named in texts of one conversation (see the module rules).

    ``known`` grows with the unknown products met; :meth:`resolve` returns the product ids a text
    names, in order, and records unknown products and ambiguities in :attr:`notes`."""

    def __init__(self, products: list[Product], category: str):
        self.category = category
        self.brands = _brand_table(category)
        self.known: dict[str, _Known] = {}
        for p in products:
            self.known[p.id] = self._describe(p)
        self.anchors = {k.anchor for k in self.known.values() if k.anchor}
        self._model_words = {t for k in self.known.values() for t in k.tokens if t.isalpha()} - self.anchors
        self._full = []
        for p in products:
            segs = name_segments(_norm(p.name))
            if len(segs) >= 2:
                pattern = r"\s*-\s*".join(re.escape(s).replace(r"\ ", r"\s+") for s in segs[:2])
                self._full.append((re.compile(rf"(?<![\w]){pattern}(?![\w])", re.I), p.id))
        self.unknown: dict[str, dict[str, Any]] = {}
        self.notes: list[dict[str, Any]] = []

    def _describe(self, p: Product) -> _Known:
        brand = p.attributes.get("brand")
        line = str(p.attributes.get("line") or model_line(p.name, p.attributes.get("screen_in")))
        line_words = [w for w in _tokens(line) if not re.search(r"\d", w)]
        anchor = line_words[0] if line_words else next((w for w in _tokens(line) if re.search(r"[a-z]", w)), None)
        segs = name_segments(_norm(p.name))
        model_text = " ".join(segs[1:3]) if str(brand) in ("Apple", "Microsoft") else (segs[1] if len(segs) > 1 else p.name)
        numbers = [float(n) for n in re.findall(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]|-in-)", model_text)]
        if isinstance(p.attributes.get("screen_in"), (int, float)):
            numbers.append(float(p.attributes["screen_in"]))
        return _Known(id=p.id, name=p.name, brand=str(brand).lower() if brand else None, anchor=anchor,
                      tokens=frozenset(_tokens(p.name)), model_numbers=tuple(numbers), attributes=dict(p.attributes))

    # ------------------------------------------------------------------------------- finding

    def find(self, text: str) -> list[Mention]:
        """Every product name in ``text`` (full names first; short names outside them)."""
        text = _norm(text)
        mentions: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for regex, pid in self._full:
            for m in regex.finditer(text):
                if not any(s < m.end() and m.start() < e for s, e in taken):
                    mentions.append(Mention(m.start(), m.end(), m.group(0), product_id=pid))
                    taken.append((m.start(), m.end()))
        toks = list(_TOKEN_RE.finditer(text))
        i = 0
        while i < len(toks):
            tok = toks[i]
            if any(s <= tok.start() < e for s, e in taken):
                i += 1
                continue
            mention, nxt = self._read_short(text, toks, i)
            if mention is not None:
                mentions.append(mention)
                i = nxt
            else:
                i += 1
        return sorted(mentions, key=lambda m: m.start)

    def _read_short(self, text: str, toks: list, i: int) -> tuple[Mention | None, int]:
        raw = toks[i].group(0)
        low = raw.lower()
        brand = None
        j = i
        if low in self.brands and raw[0].isupper():
            brand = self.brands[low].lower()
            j = i + 1
            if j < len(toks) and not _GAP_RE.match(text[toks[i].end():toks[j].start()]):
                return None, i + 1
        if low.endswith("'s") or (low.endswith("s") and low[:-1] in self.brands):
            return None, i + 1
        words: list[str] = []
        alnums: list[str] = []
        numbers: list[str] = []
        end = toks[i].end()
        anchor_seen = False
        count = 0
        while j < len(toks) and count < _MAX_MODEL_TOKENS:
            t = toks[j]
            if j > i and not _GAP_RE.match(text[toks[j - 1].end():t.start()]) and text[toks[j - 1].end():t.start()] != "-":
                break
            word = t.group(0)
            possessive = word.lower().endswith("'s")
            if possessive:
                word = word[:-2]
            lw = word.lower()
            if lw.endswith("s") and (lw[:-1] in self.anchors or (j > i and lw[:-1] in self._model_words)):
                return None, j + 1  # a plural ("MacBooks", "MacBook Pros"): the range, not a product
            if j == (i + 1 if brand else i) and _CHIP_RE.match(lw):
                return None, j + 1  # a processor ("Apple M2", "Intel i7")
            size = _SIZE_MARK_RE.search(word)
            if re.match(r"^\d", word) and lw != "2-in-1":
                numbers.append(re.match(r"\d+(?:\.\d+)?", word).group(0))
            elif lw == "2-in-1":
                words.append(lw)
            elif re.search(r"\d", word) and re.search(r"[a-z]", lw):
                alnums.append(lw)
                anchor_seen = anchor_seen or lw in self.anchors
            elif lw in self.anchors and (word[0].isupper() or brand is not None or lw not in _ENGLISH):
                words.append(lw)
                anchor_seen = True
            elif word[0].isupper() and lw not in _STOP and (anchor_seen or brand is not None):
                words.append(lw)
            else:
                break
            end = t.end() - (2 if possessive else 0)
            count += 1
            j += 1
            if size or possessive:
                break
        if not (anchor_seen or (brand is not None and (alnums or numbers or words))):
            return None, i + 1
        if words and words[-1] in _GENERIC and not alnums and not numbers and not anchor_seen:
            return None, i + 1
        mention = Mention(toks[i].start(), end, text[toks[i].start():end], brand=brand, words=words,
                          alnums=alnums, numbers=numbers)
        if not mention.has_model or (_RANGE_RE.match(text[end:]) and not numbers and not alnums):
            return None, j
        return mention, j

    # ---------------------------------------------------------------------------- matching

    def fits(self, mention: Mention, k: _Known) -> bool:
        """True when the short name ``mention`` can name the product ``k`` (see the module rules)."""
        if mention.product_id is not None:
            return mention.product_id == k.id
        if mention.brand and k.brand and mention.brand != k.brand:
            return False
        if mention.brand and not k.brand:
            return False
        if k.anchor and k.anchor not in mention.words and k.anchor not in mention.alnums:
            return False
        for w in mention.words:
            if w not in _GENERIC and w not in k.tokens:
                return False
        for a in mention.alnums:
            if a not in k.tokens:
                return False
        for n in mention.numbers:
            if not any(_num_fits(n, x) for x in k.model_numbers):
                return False
        if not k.anchor and not mention.numbers:
            return False
        return True

    def candidates(self, mention: Mention) -> list[_Known]:
        return [k for k in self.known.values() if self.fits(mention, k)]

    def _by_specs(self, cands: list[_Known], text: str) -> list[_Known]:
        specs = read_specs(text, self.category)
        if not specs:
            return cands
        scores = []
        for k in cands:
            score = 0
            for attr, spec in specs.items():
                have = k.attributes.get(attr)
                if have is None:
                    continue
                if isinstance(have, (int, float)) and isinstance(spec.value, (int, float)) and not isinstance(have, bool):
                    same = abs(float(have) - float(spec.value)) <= max(0.011 * abs(float(have)), 0.05)
                else:
                    same = str(have).lower() == str(spec.value).lower()
                score += 1 if same else -1
            scores.append(score)
        best = max(scores)
        return [k for k, s in zip(cands, scores) if s == best]

    def _product_like(self, mention: Mention) -> bool:
        """A name the catalog does not know is taken for a product when it has a model number
        ("Dell XPS 15", "Acer Aspire 3", "HP 15") or a catalog line word followed by another model
        word ("Surface Laptop Studio"); "Google Docs" or "Microsoft Store" are not products."""
        if mention.numbers or any(not _CHIP_RE.match(a) for a in mention.alnums):
            return True
        anchored = [w for w in mention.words if w in self.anchors]
        extra = [w for w in mention.words if w not in self.anchors and w not in _GENERIC]
        return bool(anchored and extra)

    def titled(self, title: str, index: int, presented: list[str]) -> str:
        """The id of a product given by its title (a ``recommended_items`` entry): the product the
        title names, else an unknown product of that title."""
        named = self.resolve(title, index, presented)
        if named:
            return named[0]
        mention = Mention(0, len(title), " ".join(title.split()), words=_tokens(title))
        return self._unknown(mention, "", index)

    def _unknown(self, mention: Mention, after: str, index: int) -> str:
        name = " ".join(mention.text.split())
        if mention.brand is None:
            maker = next((k.brand for k in self.known.values() if k.anchor and k.anchor in mention.words and k.brand), None)
            if maker and not name.lower().startswith(maker):
                name = f"{self.brands.get(maker, maker.title())} {name}"
        pid = "ext:" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        if pid not in self.known:
            attrs = {a: s.value for a, s in read_specs(after, self.category).items()}
            brand = self.brands.get(mention.brand) if mention.brand else None
            if brand:
                attrs.setdefault("brand", brand)
            self.known[pid] = _Known(id=pid, name=name, brand=mention.brand or (name.split()[0].lower()),
                                     anchor=(mention.words or mention.alnums or [None])[0],
                                     tokens=frozenset(_tokens(name)),
                                     model_numbers=tuple(float(n) for n in mention.numbers),
                                     attributes=attrs, unknown=True)
            self.unknown[pid] = {"name": name, "attributes": attrs, "first_message": index}
        return pid

    def resolve(self, text: str, index: int, presented: list[str], *, create_unknown: bool = True) -> list[str]:
        """The product ids that ``text`` (message ``index``) names, in order of first mention.
        ``presented``: the ids presented earlier in the conversation, oldest first."""
        out: list[str] = []
        mentions = self.find(text)
        norm = _norm(text)
        for n, mention in enumerate(mentions):
            if mention.product_id:
                pid = mention.product_id
            else:
                nxt = mentions[n + 1].start if n + 1 < len(mentions) else len(norm)
                after = norm[mention.end:min(nxt, mention.end + _NEAR)]
                cands = self.candidates(mention)
                pid = self._choose(mention, cands, after, presented + out, index)
                if pid is None and not cands and create_unknown and self._product_like(mention):
                    pid = self._unknown(mention, after, index)
            if pid and pid not in out:
                out.append(pid)
        return out

    def _choose(self, mention: Mention, cands: list[_Known], after: str, presented: list[str], index: int) -> str | None:
        if len(cands) == 1:
            return cands[0].id
        if not cands:
            return None
        narrowed = self._by_specs(cands, after)
        if len(narrowed) == 1:
            return narrowed[0].id
        seen = [pid for pid in reversed(presented) if any(k.id == pid for k in narrowed)]
        if seen:
            return seen[0]
        concrete = [w for w in mention.words if w not in _GENERIC and w not in {k.anchor for k in narrowed}]
        if concrete or mention.alnums or mention.numbers:
            catalog = [k for k in narrowed if not k.unknown] or narrowed
            self.notes.append({"message": index, "mention": mention.text, "ambiguous": [k.id for k in narrowed],
                               "chose": catalog[0].id})
            return catalog[0].id
        self.notes.append({"message": index, "mention": mention.text, "ambiguous": [k.id for k in narrowed],
                           "chose": None})
        return None

    def resolve_choice(self, text: str, index: int, presented: list[str]) -> tuple[str | None, str]:
        """The product a shopper's buying message accepts, and the rule that decided it:
        a named product that was presented (the latest presented if several fit); else a named
        catalog product; else the latest presented product of a brand the text names; else the
        latest presented product."""
        fits: set[str] = set()
        for mention in self.find(text):
            fits |= {mention.product_id} if mention.product_id else {k.id for k in self.candidates(mention)}
        hit = next((pid for pid in reversed(presented) if pid in fits), None)
        if hit:
            return hit, "named"
        named = self.resolve(text, index, presented)
        if named:
            return named[0], "named, not presented"
        norm = _norm(text)
        for word, brand in self.brands.items():
            if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", norm, re.I):
                hit = [pid for pid in reversed(presented) if self.known.get(pid) and self.known[pid].brand == brand.lower()]
                if hit:
                    return hit[0], "brand named"
        if presented:
            return presented[-1], "latest presented"
        return None, "nothing presented"

    def product_name(self, pid: str) -> str:
        k = self.known.get(pid)
        return k.name if k else pid

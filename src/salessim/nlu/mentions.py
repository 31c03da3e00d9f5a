"""Find the products a text refers to, by id or by (loosely written) name.

Rules of :func:`mention_products`:

- a product id written as a whole word (case-insensitive) is a mention;
- names are compared as tokens (lower-case, punctuation dropped, letters and digits split:
  "XPS13" = "xps 13"); the brand may be left out, and a word of five letters or more may carry
  one typo (difflib ratio >= 0.8); digits must match exactly;
- the full name (without brand and category words such as "laptop") written within a short
  window, in any order, is a mention;
- a shorter part of the name is a mention only when it is at least two words written next to each
  other in the name's order, contains a distinctive word (three letters or more and not a common
  model word like "pro", "air", "slim") and fits exactly one product of the list, so "the MacBook
  Air" names nothing when both the 13- and 15-inch models are listed;
- a bare brand ("a Dell") or generic words ("something light") are never mentions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import lru_cache

from salessim.schema import Product

_TOKEN_RE = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_COMMON = frozenset(
    "pro max plus mini ultra air slim lite book go neo edge note fold flip one buds sport studio solo elite "
    "free life open active gen series inch laptop laptops notebook phone phones smartphone headphones headphone "
    "earbuds earphones wireless new the and with for x s se fe a an of in on by it this that my model edition "
    "black white silver blue red green gray grey gold pink purple beige space rose gb tb".split()
)
_GENERIC = frozenset(
    "laptop laptops notebook phone phones smartphone smartphones headphones headphone earbuds earphones the a an "
    "with and for in inch".split()
)


def _tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(text.lower())


@lru_cache(maxsize=65536)
def _tok_eq(a: str, b: str) -> bool:
    """Token equality allowing one typo in words of five letters or more."""
    if a == b:
        return True
    if a.isdigit() or b.isdigit() or len(a) < 5 or len(b) < 5 or abs(len(a) - len(b)) > 2:
        return False
    if a[0] != b[0] and a[-1] != b[-1]:
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


@lru_cache(maxsize=4096)
def _core(name: str, brand: str) -> tuple[str, ...]:
    brand_toks = set(_tokens(brand))
    toks = [t for t in _tokens(name) if t not in brand_toks and t not in _GENERIC]
    return tuple(toks)


def _full_match(pos: Sequence[Sequence[int]], size: int) -> bool:
    """Some choice of one text position per name word, all inside a short window."""
    window = size + 2
    for anchor in pos[0]:
        chosen = [anchor]
        for plist in pos[1:]:
            cand = [p for p in plist if abs(p - anchor) <= window and p not in chosen]
            if not cand:
                break
            chosen.append(min(cand, key=lambda p: abs(p - anchor)))
        else:
            if max(chosen) - min(chosen) < window:
                return True
    return False


def _partial_matches(core: Sequence[str], pos: Sequence[Sequence[int]], n: int) -> set[tuple[str, ...]]:
    """Runs of >= 2 adjacent text words equal to name words in the name's order."""
    found: set[tuple[str, ...]] = set()
    sets = [set(p) for p in pos]
    for ci, plist in enumerate(pos):
        for i in plist:
            run, j, k = [core[ci]], i + 1, ci + 1
            while j < n and k < len(core):  # text words side by side, name words in order
                if j in sets[k]:
                    run.append(core[k])
                    j += 1
                k += 1
            if len(run) >= 2 and any(len(t) >= 3 and t.isalpha() and t not in _COMMON for t in run):
                found.add(tuple(run))
    return found


def _is_subseq(run: Sequence[str], core: Sequence[str]) -> bool:
    it = iter(core)
    return all(any(_tok_eq(r, c) for c in it) for r in run)


_ID_TOKEN_RE = re.compile(r"[\w-]+")


def mention_products(text: str, products: Sequence[Product]) -> list[str]:
    """Ids of the products of ``products`` that ``text`` mentions, in catalog order (no duplicates)."""
    if not text or not products:
        return []
    low = text.lower()
    text_toks = _tokens(low)
    id_tokens = {t.strip("-") for t in _ID_TOKEN_RE.findall(low)}
    positions: dict[str, list[int]] = {}

    def pos_of(tok: str) -> list[int]:
        """Positions of the text words equal to ``tok`` (cached for this call)."""
        if tok not in positions:
            positions[tok] = [i for i, t in enumerate(text_toks) if _tok_eq(tok, t)]
        return positions[tok]

    hits: list[str] = []
    partial: dict[str, set[tuple[str, ...]]] = {}
    for p in products:
        pid = p.id.lower()
        if pid in id_tokens or (not _ID_TOKEN_RE.fullmatch(pid) and re.search(rf"(?<![\w-]){re.escape(pid)}(?![\w-])", low)):
            hits.append(p.id)
            continue
        core = _core(p.name, p.brand)
        if not core:
            continue
        if len(core) == 1 and (core[0] in _COMMON or core[0].isdigit()):
            # a name like "Sony 5": needs the brand as well
            core = tuple(_tokens(p.brand)) + core
        pos = [pos_of(c) for c in core]
        present = sum(1 for x in pos if x)
        if present == 0 or (present == 1 and len(core) > 1):
            continue
        if present == len(core) and _full_match(pos, len(core)):
            hits.append(p.id)
            continue
        runs = _partial_matches(core, pos, len(text_toks))
        if runs:
            partial[p.id] = runs
    if partial:
        cores = {p.id: _core(p.name, p.brand) for p in products}
        for pid, runs in partial.items():
            for run in runs:
                owners = [q for q, c in cores.items() if _is_subseq(run, c)]
                if owners == [pid]:
                    hits.append(pid)
                    break
    order = {p.id: i for i, p in enumerate(products)}
    return sorted(set(hits), key=order.__getitem__)


_MODEL_TOKEN = r"(?:[A-Z][\w+\-]*|\d[\w+\-.]*)"


def mentions_unknown_products(text: str, products: Sequence[Product], brands: Sequence[str] | None = None) -> list[str]:
    """Model names written in ``text`` ("Dell XPS 15") that match no product of ``products``.

    A model name is a brand (from ``brands``, default: the brands of ``products``) followed by one
    to three capitalised or numbered words. Useful to flag products an agent or shopper invents.
    """
    if not text:
        return []
    brand_list = list(brands) if brands is not None else sorted({p.brand for p in products if p.brand})
    if not brand_list:
        return []
    alt = "|".join(re.escape(b) for b in sorted(brand_list, key=len, reverse=True))
    rx = re.compile(rf"(?<![\w])(?i:{alt})(?:\s+{_MODEL_TOKEN}){{1,3}}")
    out = []
    for m in rx.finditer(text):
        phrase = m.group(0).rstrip(".,;:!?")
        if not any(ch.isdigit() for ch in phrase) and len(phrase.split()) < 3:
            # "Dell XPS" alone is a line, not a model
            continue
        if not mention_products(phrase, products) and phrase not in out:
            out.append(phrase)
    return out

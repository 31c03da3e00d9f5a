"""Tokenisation and a small BM25 index (bm25s) shared by product search and buying guides.

The tokenizer lower-cases, splits numbers from units (``16GB`` -> ``16 gb``), keeps ``2-in-1`` and
``5G`` as single tokens, drops common English stop words and applies a light suffix stemmer so that
``gaming``/``games``/``gamer`` or ``batteries``/``battery`` meet. Everything is deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy as np

STOPWORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers him his how i if in into is it its itself just me more most my no nor not of off on once only
or other our out over own same she should so some such than that the their them then there these they
this those through to too under until up very was we were what when where which while who whom why will
with would you your yours want need looking look like please get good best really something one thing
""".split())

_PHRASES = [
    (re.compile(r"\b2\s*-?\s*in\s*-?\s*1\b"), " twoinone "),
    (re.compile(r"\b5\s*g\b"), " fiveg "),
    (re.compile(r"\b4\s*g\b"), " fourg "),
    (re.compile(r"\bwi-?fi\b"), " wifi "),
    (re.compile(r"\busb-?c\b"), " usbc "),
]
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")
_VOWELS = set("aeiou")


def stem(word: str) -> str:
    """A light, deterministic English suffix stemmer (enough to match plurals and -ing/-er forms)."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    else:
        for suffix in ("ing", "ers", "er", "ed", "es", "s", "ly"):
            if not word.endswith(suffix) or len(word) - len(suffix) < 3:
                continue
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in _VOWELS:
        word = word[:-1]
    return word


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Lower-case, split and stem ``text`` into BM25 tokens."""
    text = text.lower().replace("_", " ")
    for pattern, repl in _PHRASES:
        text = pattern.sub(repl, text)
    tokens = []
    for tok in _TOKEN.findall(text):
        if not keep_stopwords and tok in STOPWORDS:
            continue
        if tok.endswith(".0"):
            tok = tok[:-2]
        tokens.append(stem(tok))
    return tokens


class Bm25Index:
    """A BM25 index over a fixed list of texts; ``scores(query)`` gives one score per text."""

    def __init__(self, texts: Sequence[str]):
        import bm25s  # lazy: keeps ``load_store`` fast

        self.size = len(texts)
        corpus = [tokenize(t) or ["_empty_"] for t in texts]
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)

    def scores(self, query: str) -> "np.ndarray":
        """BM25 score of every indexed text for ``query`` (zeros when no query word is known)."""

        tokens = list(dict.fromkeys(tokenize(query)))
        ids = self._bm25.get_tokens_ids(tokens) if tokens else []
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

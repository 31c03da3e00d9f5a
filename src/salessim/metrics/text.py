"""Word tokenisation shared by the text metrics (lexical diversity, distinct-n, similarity).

One tokenizer for every text metric, so that numbers from different metrics and different runs
are computed on the same units. It is deliberately simple and deterministic: a single
precompiled regular expression, no language model, no downloads.
"""

from __future__ import annotations

import re

__all__ = ["tokenize"]

# A "piece" is either a number with a decimal part (optionally glued to a unit: "1.5", "2.5ghz")
# or a run of letters/digits ("laptop", "16gb", "i7", "800"). Thousands separators are removed
# before matching ("1,299.99" -> "1299.99"). ``[^\W_]`` is any Unicode letter or digit.
_PIECE = r"(?:\d+\.\d+[^\W_]*|[^\W_]+)"
# A token is a piece, optionally joined to further pieces by ONE apostrophe or hyphen
# ("don't", "shoppers'" -> "shoppers", "wi-fi", "budget-friendly", "16-inch").
_TOKEN_RE = re.compile(rf"{_PIECE}(?:['\-]{_PIECE})*")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# Typographic apostrophes and hyphens that should behave like ASCII ones.
_NORMALISE = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lowercase word tokens; punctuation is dropped.

    Definition (units: one token = one word or one number):

    - The text is lowercased; typographic apostrophes (U+2019, U+2018, U+02BC) become ``'`` and
      Unicode hyphens (U+2010, U+2011) become ``-``.
    - A token is a maximal run of Unicode letters and digits (``"laptop"``, ``"16gb"``,
      ``"i7"``, ``"café"``), or a number with a decimal part or thousands separators
      (``"1.5"``, ``"2.5ghz"``; ``"1,299.99"`` becomes ``"1299.99"``).
    - Runs joined by a single inner apostrophe or hyphen stay one token (``"don't"``,
      ``"wi-fi"``, ``"budget-friendly"``, ``"16-inch"``). A leading/trailing apostrophe or
      hyphen is dropped (``"shoppers'"`` -> ``"shoppers"``); a double hyphen ``--`` splits.
    - Everything else (punctuation, currency signs, emoji, underscores, whitespace) separates
      tokens and is dropped: ``"$800!"`` -> ``["800"]``, ``"e.g."`` -> ``["e", "g"]``.

    >>> tokenize("Hi! I can't spend over $1,200 -- maybe 1.5k for a 16-inch Wi-Fi laptop.")
    ['hi', 'i', "can't", 'spend', 'over', '1200', 'maybe', '1.5k', 'for', 'a', '16-inch', 'wi-fi', 'laptop']
    """
    if not text:
        return []
    text = text.lower().translate(_NORMALISE)
    if "," in text:
        text = _THOUSANDS_RE.sub("", text)
    return _TOKEN_RE.findall(text)

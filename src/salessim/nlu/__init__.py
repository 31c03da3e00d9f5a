"""Shopper text understanding, rule-based and fast (precompiled regexes, no model downloads).

- :func:`extract_criteria` / :func:`extract_uses`: what a shopper's text asks for.
- :func:`mention_products` / :func:`mentions_unknown_products`: which products a text names.
- :func:`disclosed` / :func:`contradicts` (and the ``*_in_text`` helpers): compare what was said
  with a persona's criteria; the rules are in :mod:`salessim.nlu.match`.
- :func:`phrasings`: the inverse, a criterion said the way a persona would say it.

Vocabulary and templates are data files: ``data/nlu/lexicon.yaml`` (per category),
``data/nlu/grammar.yaml`` (the cue words of the grammar) and ``data/nlu/phrasings.yaml``. The
extraction is split by concern: :mod:`~salessim.nlu.text`, :mod:`~salessim.nlu.strength`,
:mod:`~salessim.nlu.polarity`, :mod:`~salessim.nlu.reading`, :mod:`~salessim.nlu.quantities`,
:mod:`~salessim.nlu.numbers` and :mod:`~salessim.nlu.vocab`, put together by
:mod:`~salessim.nlu.extract`.
"""

from salessim.nlu.extract import Extracted, extract_criteria, extract_uses
from salessim.nlu.lexicon import category_schema, use_vocabulary
from salessim.nlu.match import (
    TOLERANCE,
    contradicted_in_text,
    contradicts,
    disclosed,
    disclosed_in_text,
)
from salessim.nlu.mentions import mention_products, mentions_unknown_products
from salessim.nlu.phrase import KNOWLEDGE_LEVELS, candidate_phrasings, phrasings

__all__ = [
    "Extracted", "KNOWLEDGE_LEVELS", "TOLERANCE", "candidate_phrasings", "category_schema",
    "contradicted_in_text", "contradicts", "disclosed", "disclosed_in_text", "extract_criteria",
    "extract_uses", "mention_products", "mentions_unknown_products", "phrasings", "use_vocabulary",
]

"""Category schemas, the shopper vocabulary of ``data/nlu/lexicon.yaml`` and the grammar's word
lists of ``data/nlu/grammar.yaml``, each loaded and compiled once.

:func:`category_schema` reads ``data/categories/<name>.yaml`` into a
:class:`~salessim.schema.CategorySchema` (a tiny local loader, so this package does not depend on
the store). :func:`lexicon` builds, per category, every regular expression that
:mod:`salessim.nlu.extract` needs and caches it, so extraction itself only runs precompiled
patterns. :func:`grammar_words` hands the category-independent cue words (negation, strength,
comparators, units, ...) to the modules that compile them into their patterns at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from salessim.errors import DataError, SalesSimError
from salessim.schema import CategorySchema

_CATEGORY_ALIASES = {
    "laptop": "laptops", "notebook": "laptops", "notebooks": "laptops",
    "headphone": "headphones", "earbuds": "headphones", "headset": "headphones",
    "smartphone": "smartphones", "phone": "smartphones", "phones": "smartphones",
}


def canonical_category(name: str) -> str:
    """The category name as the schema files spell it (``"phone"`` -> ``"smartphones"``)."""
    key = name.strip().lower()
    return _CATEGORY_ALIASES.get(key, key)


def _data_dir():
    return resources.files("salessim") / "data"


@lru_cache(maxsize=None)
def category_schema(name: str) -> CategorySchema:
    """Load the attribute schema of one category from ``data/categories/<name>.yaml``.

    Raises :class:`~salessim.errors.SalesSimError` naming the known categories when the name is
    unknown.
    """
    cat = canonical_category(name)
    path = _data_dir() / "categories" / f"{cat}.yaml"
    if not path.is_file():
        known = sorted(p.name[:-5] for p in (_data_dir() / "categories").iterdir() if p.name.endswith(".yaml"))
        raise SalesSimError(f"unknown category '{name}'", hint=f"Use one of: {', '.join(known)}.")
    try:
        return CategorySchema.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except Exception as exc:  # pragma: no cover - the shipped files are tested
        raise DataError(f"cannot read category schema: {exc}", where=str(path)) from exc


@lru_cache(maxsize=None)
def _lexicon_data() -> dict[str, Any]:
    path = _data_dir() / "nlu" / "lexicon.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # pragma: no cover
        raise DataError(f"cannot read the NLU lexicon: {exc}", where=str(path)) from exc


@lru_cache(maxsize=None)
def _grammar_data() -> dict[str, Any]:
    path = _data_dir() / "nlu" / "grammar.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # pragma: no cover
        raise DataError(f"cannot read the NLU grammar: {exc}", where=str(path)) from exc
    if not isinstance(data, dict):  # pragma: no cover
        raise DataError("the NLU grammar is not a mapping of sections", where=str(path))
    return data


def grammar_entry(section: str, name: str) -> Any:
    """The raw entry ``section.name`` of ``data/nlu/grammar.yaml`` (for tables such as
    ``numbers.word_numbers``); raises :class:`~salessim.errors.DataError` when it is missing."""
    entry = (_grammar_data().get(section) or {}).get(name)
    if entry is None:
        raise DataError(f"grammar.yaml has no '{section}.{name}'", where=f"grammar.yaml:{section}.{name}",
                        hint="Restore the entry: salessim.nlu compiles its patterns from it.")
    return entry


def grammar_words(section: str, name: str) -> tuple[str, ...]:
    """The word list ``section.name`` of ``data/nlu/grammar.yaml``, in file order.

    Raises :class:`~salessim.errors.DataError` when the entry is missing or is not a list of
    non-empty strings (an unquoted ``no`` would load as a boolean, ``60`` as a number).
    """
    entry = grammar_entry(section, name)
    if not isinstance(entry, list) or not all(isinstance(w, str) and w for w in entry):
        raise DataError(f"grammar.yaml: '{section}.{name}' must be a list of non-empty strings",
                        where=f"grammar.yaml:{section}.{name}", hint="Single-quote every entry.")
    return tuple(entry)


def alternation(words: Iterable[str], suffix: str = "") -> str:
    """``words`` as one regex alternation, each followed by ``suffix``: ``a|b|c`` or, with
    ``suffix=r"\\s+"``, ``a\\s+|b\\s+|c\\s+``. The words are regex fragments and keep their order."""
    return "|".join(w + suffix for w in words)


def grammar_alternation(section: str, name: str, suffix: str = "") -> str:
    """The word list ``section.name`` of ``data/nlu/grammar.yaml`` as one regex alternation
    (:func:`grammar_words` joined by :func:`alternation`)."""
    return alternation(grammar_words(section, name), suffix)


# what may stand between a tightly scoped indifference cue and the attribute it names
# (grammar.yaml, indifference.scoped_fillers): "open on whether it has a mic"
_SCOPED_FILL = rf"(?:\s+(?:{alternation(grammar_words('indifference', 'scoped_fillers'))}))*\s*"
# words after a colour name that make it no colour: "black friday", "white noise"
_NOT_COLOUR = "(?!" + "|".join(" " + w for w in grammar_words("colours", "not_colour_after")) + ")"


def _wb(fragment: str) -> str:
    """Wrap a fragment so it only matches whole words."""
    return rf"(?<![\w])(?:{fragment})(?![\w])"


@dataclass(frozen=True)
class VocabEntry:
    """One vocabulary phrase: the attribute it speaks about and what it allows.

    ``values`` is the set of enum values the phrase allows (for enums), ``value`` the truth value
    (for yes/no attributes); ``op``/``number`` are set for vague-number defaults.
    """

    attr: str
    kind: str  # enum | bool | default
    values: tuple[str, ...] = ()
    value: Any = None
    op: str | None = None
    implies: tuple[tuple[str, Any], ...] = ()


@dataclass
class Lexicon:
    """Everything extraction needs for one category, compiled."""

    category: str
    schema: CategorySchema
    vocab_re: re.Pattern | None
    vocab_entries: dict[str, VocabEntry]
    vocab_cs_re: re.Pattern | None  # case-sensitive entries
    keywords_re: re.Pattern | None
    keyword_attr: dict[str, str]
    nouns_re: re.Pattern
    uses_re: re.Pattern
    use_names: dict[str, str]
    indifference_before_re: re.Pattern
    indifference_after_re: re.Pattern
    indifference_scoped_re: re.Pattern | None = None
    indifference_noun_re: re.Pattern | None = None  # cue + attribute noun; group names in noun_attr
    noun_attr: dict[str, str] = field(default_factory=dict)
    enum_values: dict[str, list[str]] = field(default_factory=dict)
    ordered: frozenset[str] = frozenset({"cpu_class", "gpu"})
    # topic-level disclosure (salessim.nlu.topics): attribute -> cue patterns
    topic_strong: dict[str, re.Pattern] = field(default_factory=dict)
    topic_weak: dict[str, re.Pattern] = field(default_factory=dict)
    topic_stance_re: re.Pattern | None = None
    topic_request_re: re.Pattern | None = None

    def spec(self, attr: str):
        """The schema's :class:`AttributeSpec` of ``attr`` (None when the category lacks it)."""
        return self.schema.attribute(attr)


def _check_attr(schema: CategorySchema, attr: str, where: str) -> None:
    if schema.attribute(attr) is None:
        raise DataError(f"attribute '{attr}' is not in the {schema.name} schema", where=where,
                        hint="Fix data/nlu/lexicon.yaml or the category schema.")


@lru_cache(maxsize=None)
def lexicon(category: str) -> Lexicon:
    """The compiled vocabulary of one category (cached)."""
    cat = canonical_category(category)
    schema = category_schema(cat)
    data = _lexicon_data()
    common = data.get("common", {})
    section = data.get(cat, {})
    where = f"lexicon.yaml:{cat}"

    entries: list[tuple[str, VocabEntry, bool]] = []
    for item in section.get("vocab", []):
        _check_attr(schema, item["attr"], where)
        implies = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in (item.get("implies") or {}).items())
        for k, _ in implies:
            _check_attr(schema, k, where)
        if "values" in item:
            spec = schema.attribute(item["attr"])
            for v in item["values"]:
                if spec.values is not None and v not in spec.values:
                    raise DataError(f"value '{v}' of {item['attr']} is not in the schema", where=where)
            entry = VocabEntry(item["attr"], "enum", values=tuple(item["values"]), implies=implies)
        else:
            entry = VocabEntry(item["attr"], "bool", value=bool(item["value"]), implies=implies)
        entries.append((item["p"], entry, bool(item.get("case"))))
    for item in section.get("defaults", []):
        _check_attr(schema, item["attr"], where)
        entries.append((item["p"], VocabEntry(item["attr"], "default", value=item["value"], op=item["op"]), False))

    # brands and colours straight from the schema, plus aliases; longest names first
    brand_spec = schema.attribute("brand")
    if brand_spec and brand_spec.values:
        aliases = section.get("brand_aliases", {}) or {}
        for b in sorted(brand_spec.values, key=len, reverse=True):
            pats = [re.escape(b).replace(r"\-", "[- ]?")]
            if b in aliases:
                pats.insert(0, aliases[b])
            case = b.lower() in ("framework",)
            entries.append(("|".join(pats), VocabEntry("brand", "enum", values=(b,)), case))
    color_spec = schema.attribute("color")
    if color_spec and color_spec.values:
        aliases = section.get("color_aliases", {}) or {}
        items = [(re.escape(c).replace(r"\ ", r"[ -]?"), c) for c in color_spec.values]
        items += [(p, c) for c, p in aliases.items()]
        items.sort(key=lambda t: len(t[0]), reverse=True)
        for pat, c in items:
            entries.append((f"(?:{pat}){_NOT_COLOUR}", VocabEntry("color", "enum", values=(c,)), False))

    vocab_entries: dict[str, VocabEntry] = {}
    parts, cs_parts = [], []
    for i, (pat, entry, case) in enumerate(entries):
        name = f"v{i}"
        vocab_entries[name] = entry
        (cs_parts if case else parts).append(f"(?P<{name}>{pat})")
    # one word-boundary test around the whole alternation: positions inside words are skipped fast
    vocab_re = re.compile(_wb("|".join(parts)), re.I) if parts else None
    vocab_cs_re = re.compile(_wb("|".join(cs_parts))) if cs_parts else None

    kw_parts, keyword_attr = [], {}
    kw_items = [(attr, w) for attr, words in (section.get("keywords") or {}).items() for w in words]
    kw_items.sort(key=lambda t: len(t[1]), reverse=True)
    for i, (attr, w) in enumerate(kw_items):
        _check_attr(schema, attr, where)
        keyword_attr[f"k{i}"] = attr
        kw_parts.append(f"(?P<k{i}>{re.escape(w)})")
    keywords_re = re.compile(_wb("|".join(kw_parts)), re.I) if kw_parts else None

    use_names, use_parts = {}, []
    for i, (name, pat) in enumerate((common.get("uses") or {}).items()):
        use_names[f"u{i}"] = name
        use_parts.append(f"(?P<u{i}>{pat})")

    enum_values = {a.name: list(a.values or []) for a in schema.attributes if a.type == "enum"}
    noun_attr, noun_parts = {}, []
    for i, (attr, pat) in enumerate((common.get("attribute_nouns") or {}).items()):
        if schema.attribute(attr) is not None:
            noun_attr[f"n{i}"] = attr
            noun_parts.append(f"(?P<n{i}>{pat})")
    cues = "|".join(c for c in (common.get("indifference_scoped"), common.get("indifference_before")) if c)
    noun_re = None
    if noun_parts and cues:
        noun_re = re.compile(
            rf"(?<![\w'])(?:{cues}){_SCOPED_FILL}(?:(?:the|my|a|an)\s+)?(?:{'|'.join(noun_parts)})(?![\w'])"
            r"[\s,:;-]*(?:(?:like|say|e\.g\.|such as|whether it'?s|be it|either|so)[\s,]+)?(?:(?:a|an|the)\s+)?$", re.I)
    topic_strong, topic_weak = {}, {}
    for attr, cues in (section.get("topics") or {}).items():
        _check_attr(schema, attr, where)
        topic_strong[attr] = re.compile(_wb(cues["strong"]), re.I)
        if cues.get("weak"):
            topic_weak[attr] = re.compile(_wb(cues["weak"]), re.I)
    return Lexicon(
        category=cat,
        schema=schema,
        vocab_re=vocab_re,
        vocab_entries=vocab_entries,
        vocab_cs_re=vocab_cs_re,
        keywords_re=keywords_re,
        keyword_attr=keyword_attr,
        nouns_re=re.compile(_wb(section.get("nouns", "products?")), re.I),
        uses_re=re.compile(_wb("|".join(use_parts)), re.I),
        use_names=use_names,
        indifference_before_re=re.compile(rf"(?<![\w'])(?:{common['indifference_before']})\W*(?:\w+\W+){{0,3}}$", re.I),
        indifference_after_re=re.compile(rf"\W*(?:{common['indifference_after']})(?!\w)", re.I),
        indifference_scoped_re=(re.compile(rf"(?<![\w'])(?:{common['indifference_scoped']}){_SCOPED_FILL}$", re.I)
                                if common.get("indifference_scoped") else None),
        enum_values=enum_values,
        indifference_noun_re=noun_re,
        noun_attr=noun_attr,
        topic_strong=topic_strong,
        topic_weak=topic_weak,
        topic_stance_re=re.compile(common["topic_stance"], re.I) if common.get("topic_stance") else None,
        topic_request_re=re.compile(common["topic_request"], re.I) if common.get("topic_request") else None,
    )


def use_vocabulary() -> list[str]:
    """The names :func:`salessim.nlu.extract_uses` can return, in lexicon order."""
    return list((_lexicon_data().get("common", {}).get("uses") or {}).keys())

"""Read-only views of an episode shared by the metrics: shopper turns, product presentations,
pushed products, and the text understanding of shopper turns (cached per text).

Conventions used by every metric built on this module:

- A **shopper turn** is a shopper message with non-empty visible text (``say``, and ``buy`` /
  ``leave`` when they carry words). Turns are numbered 1, 2, ... in transcript order;
  ``view_product`` actions without text are not turns. "When" something happened is the index of
  the message in ``episode.messages``.
- A product is **presented** at message index ``i`` when the agent message ``i`` lists it in
  ``presented_product_ids``, when ``i`` is the (non-error) result of the shopper's own
  ``view_product`` of it, or when ``i`` is a shopper ``buy`` of a product never presented before.
  Products in ``episode.presented_product_ids`` that no message accounts for (imported episodes)
  count as presented at the end of the transcript.
- A product is **pushed** by an agent message when the message's ``meta`` names it
  (``pushed_product_id`` / ``pushed_product_ids`` / ``push`` / ``pushed``, as the agents record
  it). When no agent message of the episode records pushes in its meta, the first product an
  agent message presents (its lead recommendation) counts as pushed.

Text understanding goes through :mod:`salessim.nlu`; :func:`extract` caches the extraction per
``(text, category)`` so re-scoring many episodes with several metrics reads each text once. The
metrics pass the spelled-out names of the products presented in the episode
(:func:`presented_names`), so that naming a product ("the Aerobook 13 (8 GB, 256 GB)") does not
read as stating a criterion.

Quality of the disclosure detection, measured against 205 hand-labelled shopper turns (224
criteria; three categories, casual and slangy styles, negations, vague wording, multi-criterion
turns and turns disclosing nothing: ``tests/data/disclosure_labels.jsonl``, protocol in
``tests/test_metrics_disclosure_quality.py``): item precision 0.958, recall 0.897, and recall
0.975 through :func:`salessim.nlu.disclosed` for labels with a concrete value. Misses are mostly
vague or comparative wording ("too heavy", "anything cheaper?"); false positives mostly questions
and product mentions read as requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from salessim import nlu
from salessim.nlu.extract import spelled_names
from salessim.nlu.topics import topic_attributes
from salessim.schema import Criterion, Episode, Message

__all__ = [
    "ShopperTurn",
    "shopper_turns",
    "presentations",
    "first_presented_at",
    "pushed_product_ids",
    "extract",
    "presented_products",
    "presented_names",
    "viewed_product_id",
    "criteria_disclosed",
    "criteria_disclosed_at",
    "topics_disclosed",
    "LEVELS",
    "new_attributes_per_turn",
    "item_key",
    "contradicted",
    "is_infrastructure_failure",
    "clear_cache",
]


@dataclass(frozen=True)
class ShopperTurn:
    """One shopper turn: its number (from 1), message index, visible text and action type."""

    number: int
    index: int
    text: str
    action: str


def shopper_turns(episode: Episode) -> list[ShopperTurn]:
    """The shopper turns of ``episode`` (see the module docstring), in order."""
    out: list[ShopperTurn] = []
    for i, m in enumerate(episode.messages):
        if m.role == "shopper" and m.text and m.text.strip():
            out.append(ShopperTurn(len(out) + 1, i, m.text, m.action.type if m.action else "say"))
    return out


def viewed_product_id(message: Message) -> str | None:
    """The product id a ``view_product`` tool result names (``id``, ``product_id`` or
    ``product.id``), or None."""
    content = message.tool_result.content if message.tool_result else None
    if isinstance(content, dict):
        for key in ("id", "product_id"):
            if isinstance(content.get(key), str):
                return content[key]
        product = content.get("product")
        if isinstance(product, dict) and isinstance(product.get("id"), str):
            return product["id"]
    return None


def presentations(episode: Episode) -> list[tuple[int, str, str]]:
    """Every presentation event as ``(message index, product id, how)`` with ``how`` one of
    ``agent``, ``view``, ``bought_unpresented`` or ``unplaced`` (see the module docstring)."""
    events: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    pending_view: str | None = None
    for i, m in enumerate(episode.messages):
        if m.role == "agent":
            for pid in m.presented_product_ids:
                events.append((i, pid, "agent"))
                seen.add(pid)
        elif m.role == "shopper" and m.action is not None:
            if m.action.type == "view_product":
                pending_view = m.action.product_id
            elif m.action.type == "buy" and m.action.product_id and m.action.product_id not in seen:
                events.append((i, m.action.product_id, "bought_unpresented"))
                seen.add(m.action.product_id)
        elif m.role == "tool" and m.tool_caller == "shopper" and m.tool_result is not None:
            if m.tool_result.name == "view_product" and not m.tool_result.error:
                pid = viewed_product_id(m) or pending_view
                if pid:
                    events.append((i, pid, "view"))
                    seen.add(pid)
            pending_view = None
    end = len(episode.messages)
    for pid in episode.presented_product_ids:
        if pid not in seen:
            events.append((end, pid, "unplaced"))
            seen.add(pid)
    return events


def first_presented_at(episode: Episode) -> dict[str, int]:
    """Product id -> message index of its first presentation."""
    out: dict[str, int] = {}
    for i, pid, _ in presentations(episode):
        out.setdefault(pid, i)
    return out


_PUSH_KEYS = ("pushed_product_ids", "pushed_product_id", "pushed", "push")


def _meta_pushed(meta: dict[str, Any]) -> list[str] | None:
    for key in _PUSH_KEYS:
        if key not in meta:
            continue
        v = meta[key]
        if isinstance(v, str):
            return [v]
        if isinstance(v, (list, tuple)):
            return [x for x in v if isinstance(x, str)]
        if isinstance(v, dict):
            pid = v.get("product_id") or v.get("id")
            return [pid] if isinstance(pid, str) else []
        if v is None or v is False:
            return []
    return None


def pushed_product_ids(episode: Episode) -> dict[str, int]:
    """Product id -> message index of the first agent message that pushed it (see the module
    docstring for what "pushed" means)."""
    out: dict[str, int] = {}
    agent_records = any(_meta_pushed(m.meta) is not None for m in episode.messages if m.role == "agent")
    for i, m in enumerate(episode.messages):
        if m.role != "agent":
            continue
        named = _meta_pushed(m.meta)
        if named is None:
            named = [] if agent_records else m.presented_product_ids[:1]
        for pid in named:
            out.setdefault(pid, i)
    return out


def is_infrastructure_failure(episode: Episode) -> bool:
    """:attr:`Episode.infrastructure_failure` (kept as a function for the metrics that filter lists)."""
    return episode.infrastructure_failure


# ------------------------------------------------------------------------ text understanding


def presented_products(episode: Episode, store) -> list:
    """The catalog products of ``episode.presented_product_ids`` (unknown ids skipped)."""
    catalog = getattr(store, "catalog", None)
    if catalog is None:
        return []
    return [p for p in (catalog.get(pid) for pid in episode.presented_product_ids) if p is not None]


def _name_forms(name: str, brand: str, line: str) -> set[str]:
    """The ways a shopper may spell out a product name: the full name, without the bracketed
    configuration, without the leading brand; for names written as ``Brand - Model - CPU - ...``
    (imported catalogs) also ``Brand Model`` and ``Model``; and ``Brand Line`` / a line with a
    number or of two words or more ("Aspire 5", "ENVY x360")."""
    forms: set[str] = set()
    base = [name, name.split(" (")[0]]
    segs = [x.strip() for x in re.split(r"\s+-\s+", name) if x.strip()]
    if len(segs) >= 2:
        base += [f"{segs[0]} {segs[1]}", segs[1], f"{segs[0]} - {segs[1]}"]
    if line:
        base.append(f"{brand} {line}" if brand else line)
        if re.search(r"\d", line) or len(line.split()) >= 2:
            base.append(line)
    for form in base:
        form = form.strip()
        forms.add(form)
        if brand and form.lower().startswith(brand.lower() + " "):
            forms.add(form[len(brand):].strip())
    return forms


def presented_names(episode: Episode, store) -> tuple[str, ...]:
    """The names of the products presented in ``episode``, as a shopper may spell them out
    (:func:`_name_forms`: ``Apple Aerobook 13 (16 GB, 512 GB)``, ``Aerobook 13 (16 GB, 512 GB)``,
    ``Apple Aerobook 13``, ``Aerobook 13``...), and for imported episodes the names of the products
    named in the conversation that the catalog does not sell. Text inside a spelled-out name is not
    read as a criterion: naming a product does not state "16 GB of RAM"."""
    names: set[str] = set()
    for product in presented_products(episode, store):
        brand = str(product.attributes.get("brand", "")).strip()
        names |= _name_forms(product.name, brand, str(product.attributes.get("line") or ""))
    catalog = getattr(store, "catalog", None)
    for pid, name in (episode.shopper.params.get("products") or {}).items():
        if isinstance(name, str) and (catalog is None or catalog.get(pid) is None):
            names |= _name_forms(name, name.split()[0] if " " in name else "", "")
            short = re.sub(r"(?:\s+[\d.]+(?:-?inch(?:es)?|\")?)+$", "", name).strip()
            if short != name and len(short.split()) >= 2:  # "MacBook Pro 14-inch" also as "MacBook Pro"
                names |= _name_forms(short, short.split()[0], "")
    return tuple(sorted(n for n in names if len(n) >= 5))


def _names_in(text: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The ``names`` that ``text`` spells out: most texts name no product, so their extraction
    stays shared in the cache whatever was presented."""
    if not names:
        return ()

    return spelled_names(text, names)


def extract(text: str, category: str, names: tuple[str, ...] = ()) -> tuple:
    """The criteria :func:`salessim.nlu.extract_criteria` finds in ``text`` (cached); spelled-out
    product ``names`` (:func:`presented_names`) are masked."""
    return _extract(text, category, _names_in(text, names))


@lru_cache(maxsize=200_000)
def _extract(text: str, category: str, names: tuple[str, ...]) -> tuple:
    return tuple(nlu.extract_criteria(text, category, product_names=names or None))


@lru_cache(maxsize=400_000)
def _disclosed_one(criterion_json: str, text: str, category: str, names: tuple[str, ...]) -> bool:
    criterion = Criterion.model_validate_json(criterion_json)
    return bool(nlu.disclosed(criterion, list(_extract(text, category, names))))


def criteria_disclosed(criteria: list[Criterion], text: str, category: str,
                       names: tuple[str, ...] = ()) -> list[int]:
    """Indices of the ``criteria`` that ``text`` discloses (per :func:`salessim.nlu.disclosed`);
    ``names``: product names to mask (:func:`presented_names`)."""
    if not criteria or not text.strip():
        return []
    names = _names_in(text, names)
    if not _extract(text, category, names):
        return []
    return [k for k, c in enumerate(criteria) if _disclosed_one(c.model_dump_json(), text, category, names)]


LEVELS = ("value", "topic")


@lru_cache(maxsize=200_000)
def _topics(text: str, category: str, names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(topic_attributes(text, category, names))


def topics_disclosed(text: str, category: str, names: tuple[str, ...] = ()) -> frozenset[str]:
    """The attributes ``text`` discloses at topic level (:func:`salessim.nlu.topics.topic_attributes`,
    cached); spelled-out product ``names`` are masked."""
    if not text.strip():
        return frozenset()
    return _topics(text, category, _names_in(text, names))


def criteria_disclosed_at(level: str, criteria: list[Criterion], text: str, category: str,
                          names: tuple[str, ...] = ()) -> list[int]:
    """Indices of the ``criteria`` that ``text`` discloses at ``level``: ``value`` (the value or
    direction is stated, :func:`criteria_disclosed`) or ``topic`` (value level, or the criterion's
    attribute is shown to matter, :func:`topics_disclosed`)."""
    if level not in LEVELS:
        raise ValueError(f"unknown disclosure level {level!r}; use one of {LEVELS}")
    by_value = criteria_disclosed(criteria, text, category, names)
    if level == "value":
        return by_value
    topics = topics_disclosed(text, category, names)
    return [k for k, c in enumerate(criteria) if k in by_value or c.attribute in topics]


def _attribute(item: Any) -> str | None:
    attr = getattr(item, "attribute", None)
    if attr is None and isinstance(item, dict):
        attr = item.get("attribute")
    return attr if isinstance(attr, str) else None


def item_key(item: Any) -> str:
    """A short stable key of one extracted item, e.g. ``price<=800`` (like :attr:`Criterion.key`)."""
    get = (lambda k: item.get(k)) if isinstance(item, dict) else (lambda k: getattr(item, k, None))
    value = get("value")
    if isinstance(value, (list, tuple)):
        value = "|".join(str(v) for v in value)
    return f"{get('attribute')}{get('op')}{value}"


def contradicted(criteria: list[Criterion], item: Any) -> list[int]:
    """Indices of the ``criteria`` that the extracted ``item`` contradicts
    (:func:`salessim.nlu.contradicts`)."""

    return [k for k, c in enumerate(criteria) if nlu.contradicts(c, [item])]


def new_attributes_per_turn(texts: list[str], category: str, names: tuple[str, ...] = ()) -> list[int]:
    """Per turn, the number of attributes stated with a value for the first time in the
    dialogue (from :func:`extract`). Needs no persona: used to compare with human dialogues."""
    seen: set[str] = set()
    counts: list[int] = []
    for text in texts:
        attrs = {a for a in (_attribute(e) for e in extract(text, category, names)) if a}
        fresh = attrs - seen
        seen |= attrs
        counts.append(len(fresh))
    return counts


def clear_cache() -> None:
    """Forget the cached text understanding (benchmarks call it between repeats)."""
    _extract.cache_clear()
    _disclosed_one.cache_clear()
    _topics.cache_clear()

"""Read a product's specifications out of descriptive text: facts about a product, not a shopper's
wishes (those are :func:`salessim.nlu.extract_criteria`).

The text may be a catalog feature ("8GB memory", "17.3 inch display", "NVIDIA GeForce RTX 2060
graphics card"), a product name written as a spec line ('HP - 15.6" Laptop - Intel Core i5 - 8GB
Memory - 256GB SSD') or a salesperson's description ("It's priced at $349.99, weighs 4.0 lbs and
comes with 4GB of memory and a 500GB hard drive").

Rules of :func:`read_specs` (each attribute of the category schema is read at most once: the first
statement wins):

- price: the first dollar amount (``$1,199.99``; a range ``$999-$1,249`` gives its low end).
- memory and storage: a GB/TB amount followed by its word (``8GB memory``, ``16 GB of RAM``,
  ``512GB SSD``, ``1TB solid state drive``, ``64GB eMMC``, ``500GB hard drive``) or preceded by
  a label (``RAM: 16GB``, ``Storage: 512GB``); 1 TB = 1024 GB. A bare ``256GB`` says nothing.
- screen: a size with an inch mark or the word inch (``15.6"``, ``13.3-inch``, ``14 inch``) within
  the schema's range.
- weight: pounds or kilograms, converted to the schema's unit (kg to 2 decimals, g whole).
- battery: ``24 hour battery life``, ``24-hour battery``, ``battery life of up to 10 hours``; a
  range ``18-24 hour`` gives its low end. Phones: ``5000 mAh``; cameras ``50MP``.
- enums and yes/no attributes (processor class, graphics, OS, brand, colour, form factor, touch
  screen) through the lexicon's vocabulary (``data/nlu/lexicon.yaml``): the first phrase that
  names exactly one value; a phrase allowing several values ("a dedicated GPU") is skipped.

Every value is checked against the schema (type and range); values outside it are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from salessim.nlu.lexicon import category_schema, lexicon

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_PRICE_RE = re.compile(r"\$\s?" + _NUM)
_MEM_WORDS = r"(?:of\s+)?(?:(?:unified|system|ddr\d|lpddr\d\w*)\s+)?(?:memory|ram)\b"
_STORE_WORDS = (r"(?:of\s+)?(?:(?:fast|internal|pcie|nvme|m\.2|ssd)\s+)*(?:ssd|solid[- ]state(?: drive)?|storage|emmc|"
                r"hard (?:drive|disk)|hdd|flash(?: storage)?|nvme|drive)\b")
_CAP_RE = re.compile(r"(\d+(?:\.\d+)?)\s?(gb|tb)\b[\s-]*", re.I)
_LABEL_CAP_RE = re.compile(r"\b(ram|memory|storage|ssd)\s*[:=]\s*(?:up to\s+)?(\d+(?:\.\d+)?)\s?(gb|tb)\b", re.I)
_SCREEN_RE = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d)?)\s?(?:\"|”|″|''|-?\s?inch(?:es)?\b|-in\b)", re.I)
_WEIGHT_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s?(lbs?|pounds?|kg|kilograms?|grams?|g|oz|ounces?)\b", re.I)
_BATTERY_RE = re.compile(
    r"(?<![\d.])(\d+)(?:\s?(?:-|to)\s?\d+)?[\s-]?hours?(?:\s+of)?\s+(?:battery|charge|playback|use)"
    r"|battery(?: life)?(?: of| is| rated at| lasts?)?(?: up to| around| about)?\s+(\d+)(?:\s?(?:-|to)\s?\d+)?\s?(?:hours?|hrs?)\b",
    re.I)
_MAH_RE = re.compile(r"(\d{3,5})\s?mah\b", re.I)
_MP_RE = re.compile(r"(\d{1,3})\s?mp\b", re.I)
_TO_KG = {"lb": 0.45359237, "pound": 0.45359237, "kg": 1.0, "kilogram": 1.0, "gram": 0.001, "g": 0.001,
          "oz": 0.028349523, "ounce": 0.028349523}


@dataclass(frozen=True)
class Spec:
    """One attribute read from text: its ``value`` and the ``span`` it was read from."""

    value: Any
    span: str


def _number(whole: str, frac: str | None) -> float:
    return float(whole.replace(",", "") + (f".{frac}" if frac else ""))


def _unit_key(unit: str) -> str:
    u = unit.lower().rstrip("s")
    return {"lb": "lb", "pound": "pound", "kg": "kg", "kilogram": "kilogram", "gram": "gram", "g": "g",
            "oz": "oz", "ounce": "ounce"}.get(u, u)


def _capacities(text: str) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    for m in _LABEL_CAP_RE.finditer(text):
        attr = "ram_gb" if m.group(1).lower() in ("ram", "memory") else "storage_gb"
        gb = float(m.group(2)) * (1024 if m.group(3).lower() == "tb" else 1)
        out.setdefault(attr, (gb, m.group(0)))
    for m in _CAP_RE.finditer(text):
        rest = text[m.end():m.end() + 60]
        gb = float(m.group(1)) * (1024 if m.group(2).lower() == "tb" else 1)
        if re.match(_MEM_WORDS, rest, re.I):
            out.setdefault("ram_gb", (gb, m.group(0) + rest.split()[0]))
        elif re.match(_STORE_WORDS, rest, re.I):
            out.setdefault("storage_gb", (gb, m.group(0) + rest.split()[0]))
    return out


def _enum_specs(text: str, category: str) -> dict[str, Spec]:
    lex = lexicon(category)
    out: dict[str, Spec] = {}
    for regex in (lex.vocab_cs_re, lex.vocab_re):
        if regex is None:
            continue
        for m in regex.finditer(text):
            entry = lex.vocab_entries.get(m.lastgroup or "")
            if entry is None or entry.attr in out or entry.kind == "default":
                continue
            if entry.kind == "bool":
                out[entry.attr] = Spec(bool(entry.value), m.group(0))
            elif len(entry.values) == 1:
                out[entry.attr] = Spec(entry.values[0], m.group(0))
    return out


def _fits(spec, value) -> bool:
    if spec is None:
        return False
    if spec.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return (spec.min is None or value >= spec.min) and (spec.max is None or value <= spec.max)
    if spec.type == "enum":
        return value in (spec.values or [])
    if spec.type == "bool":
        return isinstance(value, bool)
    return isinstance(value, str) and bool(value.strip())


def _clean(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def read_specs(text: str, category: str) -> dict[str, Spec]:
    """The attributes of ``category`` that ``text`` states about a product (see the module rules),
    as ``{attribute: Spec(value, span)}`` in schema order."""
    schema = category_schema(category)
    found: dict[str, Spec] = {}

    def put(attr: str, value, span: str) -> None:
        spec = schema.attribute(attr)
        if attr not in found and _fits(spec, value):
            found[attr] = Spec(value, span.strip())

    if not text or not text.strip():
        return {}
    m = _PRICE_RE.search(text)
    if m:
        put("price", _clean(round(_number(m.group(1), m.group(2)), 2)), m.group(0))
    for attr, (gb, span) in _capacities(text).items():
        put(attr, _clean(gb), span)
    for m in _SCREEN_RE.finditer(text):
        size = float(m.group(1))
        spec = schema.attribute("screen_in")
        if _fits(spec, size):
            put("screen_in", _clean(size), m.group(0))
            break
    for m in _WEIGHT_RE.finditer(text):
        unit = _unit_key(m.group(2))
        kg = float(m.group(1)) * _TO_KG[unit]
        if schema.attribute("weight_kg") is not None and unit not in ("g", "gram", "oz", "ounce"):
            put("weight_kg", round(kg, 2), m.group(0))
        elif schema.attribute("weight_g") is not None:
            put("weight_g", int(round(kg * 1000)), m.group(0))
    m = _BATTERY_RE.search(text)
    if m:
        put("battery_hours", int(m.group(1) or m.group(2)), m.group(0))
    m = _MAH_RE.search(text)
    if m:
        put("battery_mah", int(m.group(1)), m.group(0))
    m = _MP_RE.search(text)
    if m:
        put("camera_mp", int(m.group(1)), m.group(0))
    for attr, spec in _enum_specs(text, category).items():
        put(attr, spec.value, spec.span)
    order = {name: i for i, name in enumerate(schema.attribute_names)}
    return dict(sorted(found.items(), key=lambda kv: order.get(kv[0], 99)))

"""What an LLM judge is shown (:mod:`salessim.metrics.judges`): the prompt templates of
``salessim/data/judges/`` and the episode written out for them (transcript, preferences, products
shown, outcome)."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from salessim.schema import Episode, Persona

JUDGE_DIR = Path(__file__).resolve().parent.parent / "data" / "judges"
MAX_TRANSCRIPT_CHARS = 14_000


def _product_line(product) -> str:
    attrs = ", ".join(f"{k} {v}" for k, v in product.attributes.items() if k not in ("line",))
    return f"{product.name} ({product.id}): {attrs}"


def render_transcript(episode: Episode, store=None, limit: int = MAX_TRANSCRIPT_CHARS) -> str:
    """The conversation as plain text for a judge: shopper and assistant turns, product views,
    the purchase or the exit. Tool traffic of the assistant is left out."""
    catalog = getattr(store, "catalog", None)

    def name(pid: str | None) -> str:
        product = catalog.get(pid) if (catalog is not None and pid) else None
        return f"{product.name} ({pid})" if product is not None else str(pid)

    lines: list[str] = []
    for m in episode.messages:
        if m.role == "shopper":
            a = m.action.type if m.action else "say"
            if a == "view_product":
                lines.append(f"[Shopper opens the product page of {name(m.action.product_id)}]")
                continue
            if m.text.strip():
                lines.append(f"Shopper: {m.text.strip()}")
            if a == "buy":
                lines.append(f"[Shopper buys {name(m.action.product_id)}]")
            elif a == "leave":
                lines.append("[Shopper leaves the shop]")
        elif m.role == "agent" and (m.text.strip() or m.presented_product_ids):
            line = f"Assistant: {m.text.strip()}"
            if m.presented_product_ids:
                line += "\n  (shows: " + "; ".join(name(p) for p in m.presented_product_ids) + ")"
            lines.append(line)
    text = "\n".join(lines)
    if len(text) > limit:
        text = text[: limit // 2] + "\n[... middle of the conversation omitted ...]\n" + text[-limit // 2:]
    return text


def preferences_text(episode: Episode, persona: Persona) -> str:
    """Free-text preferences: the imported ``shopper_preferences`` if any, else the criteria."""
    free = episode.shopper.params.get("shopper_preferences") if episode.shopper.params else None
    if isinstance(free, str) and free.strip():
        return free.strip()
    lines = []
    for c in persona.criteria:
        phrase = c.phrasings[0] if c.phrasings else f"{c.attribute} {c.op} {c.value}"
        lines.append(f"- {'must-have' if c.kind == 'dealbreaker' else 'nice-to-have'}: {phrase}")
    return "\n".join(lines) or "(no stated preferences)"


def products_text(episode: Episode, store) -> str:
    catalog = getattr(store, "catalog", None)
    lines = []
    for pid in episode.presented_product_ids:
        product = catalog.get(pid) if catalog is not None else None
        lines.append("- " + (_product_line(product) if product is not None else pid))
    return "\n".join(lines) or "(the products are named in the conversation itself)"


def outcome_text(episode: Episode, store) -> str:
    d = episode.decision
    catalog = getattr(store, "catalog", None)
    if d.type == "buy":
        product = catalog.get(d.product_id) if (catalog is not None and d.product_id) else None
        return f"The shopper bought {product.name + ' (' + d.product_id + ')' if product else d.product_id}."
    if d.type == "leave":
        return "The shopper left without buying" + (f" ({d.reason})." if d.reason else ".")
    return f"The shopper never decided (the conversation ended: {episode.termination})."


@lru_cache(maxsize=None)
def load_prompt(name: str) -> string.Template:
    """The prompt template ``salessim/data/judges/<name>.md``."""
    path = JUDGE_DIR / f"{name}.md"
    return string.Template(path.read_text(encoding="utf-8"))

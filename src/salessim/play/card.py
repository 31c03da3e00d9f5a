"""What the person sees: the persona card (profile, goal, what the persona will and will not
accept, in words) and the product views of the play page. Wording: ``data/play/card.yaml``.

Nothing here shows a visual-only attribute (colour) of a product in text: as for model shoppers,
the person learns it by looking at the picture.
"""

from __future__ import annotations

from typing import Any

from salessim.datafiles import load_yaml
from salessim.schema import CategorySchema, Criterion, Persona, Product

__all__ = ["card_text", "criterion_words", "persona_card", "product_card"]


def card_text() -> dict[str, Any]:
    """The wording file ``data/play/card.yaml``."""
    return load_yaml("play/card.yaml")


def _value_words(value: Any, unit: str | None, words: dict[str, Any]) -> str:
    if isinstance(value, bool):
        return words["yes_no"]["true" if value else "false"]
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if unit == "USD":
        return f"${value:,}" if isinstance(value, int) else f"${value}"
    return f"{value} {unit}" if unit else str(value).replace("_", " ")


def criterion_words(c: Criterion, schema: CategorySchema | None) -> str:
    """One criterion in words, e.g. ``Price: at most $800`` or ``Operating system: macOS``."""
    words = card_text()
    spec = schema.attribute(c.attribute) if schema else None
    label = words["labels"].get(c.attribute) or (spec.description if spec else c.attribute.replace("_", " "))
    op = words["ops"].get(c.op, c.op)
    text = words["line"].format(label=label, op=op, value=_value_words(c.value, spec.unit if spec else None, words))
    text = " ".join(text.split())
    if c.attribute == "price" and c.kind == "preference" and c.op in ("<=", "<"):
        text += f" ({words['budget_tolerance']})"
    return text


def persona_card(persona: Persona, schema: CategorySchema | None) -> dict[str, Any]:
    """The card of the shopper role: who, goal, uses, what they will not accept, what they would
    like (with weights), and the optional details (traits, emotion, speaking style)."""
    words = card_text()
    return {
        "id": persona.id,
        "name": persona.profile.name,
        "age": persona.profile.age,
        "background": persona.profile.background,
        "goal": persona.goal,
        "uses": list(persona.uses),
        "category": schema.display_name if schema else persona.category,
        "dealbreakers": [criterion_words(c, schema) for c in persona.dealbreakers],
        "preferences": [{"text": criterion_words(c, schema), "weight": c.weight}
                        for c in sorted(persona.preferences, key=lambda c: -c.weight)],
        "headings": {k: words["kinds"][k] for k in ("dealbreaker", "dealbreaker_help", "preference", "preference_help")},
        "hidden": {
            "intro": words["hidden_intro"],
            "knowledge_level": persona.profile.knowledge_level,
            "speaking_style": persona.profile.speaking_style,
            "emotion": persona.emotion,
            "big_five": persona.big_five.model_dump(),
        },
    }


def product_card(product: Product, tools) -> dict[str, Any]:
    """A product as the page shows it: id, name, price and the text attributes the store tools
    give (never a visual-only one)."""
    card = tools.product_card(product)
    return {"id": product.id, "name": product.name, "price": product.attributes.get("price"),
            "attributes": {k: v for k, v in card.items() if k not in ("id", "name", "price")}}

"""Benchmark labels of a persona against a catalog: feasibility and the ideal product set.

A persona is *feasible* when some product of its category meets all its dealbreakers; its ideal
products are those of maximal preference utility among them (``constraints.ideal_products``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from salessim.constraints import ideal_products, valid_products
from salessim.schema import Persona, Product


def compute_labels(persona: Persona, products: Sequence[Product]) -> tuple[bool, list[str]]:
    """``(feasible, sorted ideal product ids)`` of ``persona`` over ``products`` of its category."""
    pool = [p for p in products if p.category == persona.category]
    feasible = bool(valid_products(pool, persona.criteria))
    ideal = sorted(p.id for p in ideal_products(pool, persona.criteria)) if feasible else []
    return feasible, ideal


def label_persona(persona: Persona, products: Sequence[Product]) -> Persona:
    """A copy of ``persona`` with ``feasible`` and ``ideal_product_ids`` computed over ``products``."""
    feasible, ideal = compute_labels(persona, products)
    return persona.model_copy(update={"feasible": feasible, "ideal_product_ids": ideal})


def label_problems(personas: Iterable[Persona], products_by_category: Mapping[str, Sequence[Product]],
                   where: str = "personas") -> list[str]:
    """Personas whose stored labels differ from the labels recomputed over the catalog."""
    problems: list[str] = []
    for persona in personas:
        products = products_by_category.get(persona.category)
        if not products:
            problems.append(f"{where}: persona {persona.id}: category: the catalog has no {persona.category}")
            continue
        feasible, ideal = compute_labels(persona, products)
        if persona.feasible != feasible:
            problems.append(f"{where}: persona {persona.id}: feasible: stored {persona.feasible}, "
                            f"the catalog gives {feasible}")
        if sorted(persona.ideal_product_ids) != ideal:
            missing = sorted(set(ideal) - set(persona.ideal_product_ids))
            extra = sorted(set(persona.ideal_product_ids) - set(ideal))
            problems.append(f"{where}: persona {persona.id}: ideal_product_ids: differ from the catalog "
                            f"(missing {missing[:5]}, not ideal {extra[:5]})")
    return problems

"""Decision alignment: did the shopper make the choice its persona would make among the products
it was shown? Deterministic, the reference metric of SalesSim.

Definition (over the products *presented* in the episode: recommended by the agent, viewed by the
shopper, or bought):

- V = presented products that meet every dealbreaker of the persona.
- If V is empty the aligned decision is to leave; otherwise it is to buy a product of maximal
  preference utility in V (ties all count).
- Binary score: 1 when the shopper's decision matches, else 0 with a failure kind:
  ``bought_dealbreaker_violation`` (bought a product breaking a dealbreaker: persuaded or careless),
  ``bought_suboptimal`` (valid but not of maximal utility), ``left_with_valid_option``,
  ``no_decision`` (ran out of turns), ``invalid_action`` (tried to buy a product that does not
  exist in this category).
- Graded score = 1 - regret, where regret = (u* - u(bought)) / W for a valid purchase (u* the best
  utility in V, W the persona's total preference weight, 1 when it has none) and regret = 1 for every
  other failure; an aligned decision has regret 0.
- Episodes that ended by an infrastructure fault (``error:<kind>`` other than an invalid purchase,
  or ``timeout``) are not scored: the value is None and the explanation says why. So are episodes
  imported without a catalog (``salessim import-official`` without ``--catalog``), whose products
  cannot be looked up. Imported with one, they are scored against it; a product the salesperson
  named that the catalog does not sell (``ext:`` ids) is never a valid choice, and buying it is
  ``invalid_action``.
"""

from __future__ import annotations

from salessim.api.metric import Metric
from salessim.constraints import is_valid, max_utility, utility, violated_dealbreakers
from salessim.schema import Episode, MetricResult, Persona

NAME = "decision_alignment"
VERSION = "1.0"
DESCRIPTION = "chose what the persona would choose among the presented products"

FAILURE_KINDS = (
    "bought_dealbreaker_violation",
    "bought_suboptimal",
    "left_with_valid_option",
    "no_decision",
    "invalid_action",
)


def aligned_decision(presented, persona: Persona) -> tuple[str, list[str], float]:
    """The aligned decision over ``presented`` products: ("leave", [], 0) or ("buy", best ids, u*)."""
    valid = [p for p in presented if is_valid(p, persona.criteria)]
    if not valid:
        return "leave", [], 0.0
    best = max(utility(p, persona.criteria) for p in valid)
    ids = [p.id for p in valid if utility(p, persona.criteria) >= best - 1e-9]
    return "buy", ids, best


def compute(episode: Episode, persona: Persona, store) -> MetricResult:
    """Score one episode's final decision against the persona (see the module docstring)."""
    if (skipped := METRIC.skip_failed(episode)) is not None:
        return skipped
    term = episode.termination
    catalog = store.catalog
    params = episode.shopper.params
    if params.get("imported_from") and not params.get("catalog") and not any(
            catalog.get(p) for p in episode.presented_product_ids):
        return METRIC.result(value=None, details={"termination": term},
                             explanation="imported without a catalog: its products cannot be looked up "
                             "(import with --catalog, or use judge_decision_alignment with --judge-model)")
    presented = []
    for pid in episode.presented_product_ids:
        product = catalog.get(pid)
        if product is not None and product.category == persona.category:
            presented.append(product)
    aligned, best_ids, best_u = aligned_decision(presented, persona)
    total_w = max_utility(persona.criteria) or 1.0
    details = {
        "aligned_decision": aligned,
        "aligned_product_ids": best_ids,
        "presented": len(presented),
        "valid_presented": sum(1 for p in presented if is_valid(p, persona.criteria)),
        "decision": episode.decision.type,
        "product_id": episode.decision.product_id,
        "failure": None,
        "regret": 0.0,
        "graded": 1.0,
    }

    def fail(kind: str, why: str, regret: float = 1.0) -> MetricResult:
        details.update(failure=kind, regret=round(regret, 6), graded=round(1 - regret, 6))
        return METRIC.result(value=0.0, details=details, explanation=why)

    if term == "error:invalid_product":
        return fail("invalid_action", "the shopper tried to buy a product that is not in this category")
    decision = episode.decision
    if decision.type == "none":
        return fail("no_decision", f"no decision before the episode ended ({term})")
    if decision.type == "leave":
        if aligned == "leave":
            return METRIC.result(value=1.0, details=details,
                                 explanation="left, and no presented product met every dealbreaker")
        return fail("left_with_valid_option",
                    f"left although {len(best_ids)} presented product(s) met every dealbreaker, "
                    f"e.g. {best_ids[0]}")
    product = catalog.get(decision.product_id or "")
    if product is None:
        return fail("invalid_action", f"bought unknown product {decision.product_id!r}")
    broken = violated_dealbreakers(product, persona.criteria)
    if broken:
        return fail("bought_dealbreaker_violation",
                    f"bought {product.id}, which breaks dealbreaker(s) "
                    + "; ".join(c.key for c in broken))
    u = utility(product, persona.criteria)
    if product.id in best_ids:
        return METRIC.result(value=1.0, details=details,
                             explanation=f"bought {product.id}, a best valid presented product (utility {u:g})")
    regret = max(0.0, (best_u - u) / total_w)
    return fail("bought_suboptimal",
                f"bought {product.id} (utility {u:g}) while {best_ids[0]} (utility {best_u:g}) was presented",
                regret=regret)


METRIC = Metric(NAME, VERSION, compute, DESCRIPTION)

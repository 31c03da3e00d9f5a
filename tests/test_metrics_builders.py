"""Hand-built episodes for the metric tests (imported by the other ``test_metrics_*`` modules)."""

from __future__ import annotations

from salessim.schema import (
    BigFive,
    Criterion,
    Decision,
    Episode,
    Message,
    ParticipantInfo,
    Persona,
    Profile,
    ShopperAction,
    ToolResult,
)
from tests.helpers import FakeStore, laptop

CRITS = [
    Criterion(attribute="os", op="==", value="Windows", kind="dealbreaker", phrasings=["it has to run Windows"]),
    Criterion(attribute="price", op="<=", value=1000, kind="dealbreaker", phrasings=["nothing over $1000"]),
    Criterion(attribute="ram_gb", op=">=", value=16, kind="preference", weight=2),
    Criterion(attribute="weight_kg", op="<=", value=1.3, kind="preference", weight=1),
]
BEST = laptop("best", ram_gb=16, weight_kg=1.2)             # valid, utility 3
OKAY = laptop("okay", ram_gb=8, weight_kg=1.2)              # valid, utility 1
MAC = laptop("mac", os="macOS", ram_gb=32, weight_kg=1.0)   # breaks os
PRICEY = laptop("pricey", price=1500, ram_gb=32)            # breaks price
STORE = FakeStore([BEST, OKAY, MAC, PRICEY])


def make_persona(criteria=None, pid="p1", **kw) -> Persona:
    """A laptop persona with ``criteria`` (default: CRITS)."""
    return Persona(id=pid, archetype=kw.pop("archetype", "tester"), category="laptops",
                   profile=Profile(name="Ada", age=30, background="tests things",
                                   knowledge_level=kw.pop("knowledge_level", "intermediate")),
                   big_five=kw.pop("big_five", BigFive()), goal="buy a laptop",
                   criteria=CRITS if criteria is None else criteria, **kw)


def S(text: str, action: str = "say", pid: str | None = None, flags=(), reasoning=None) -> Message:
    """A shopper message."""
    return Message(role="shopper", text=text, action=ShopperAction(type=action, text=text, product_id=pid),
                   flags=list(flags), reasoning=reasoning)


def A(text: str, presented=(), meta=None, flags=()) -> list[Message]:
    """An agent message presenting ``presented``."""
    return [Message(role="agent", text=text, presented_product_ids=list(presented), meta=dict(meta or {}),
                    flags=list(flags))]


def V(pid: str, error: bool = False) -> list[Message]:
    """A shopper view of ``pid`` and its tool result."""
    return [Message(role="shopper", action=ShopperAction(type="view_product", product_id=pid)),
            Message(role="tool", tool_caller="shopper",
                    tool_result=ToolResult(call_id="v1", name="view_product",
                                           content={"error": "unknown"} if error else {"id": pid}, error=error))]


def build(*parts, decision: Decision | None = None, termination: str | None = None, persona_id="p1",
          eid: str | None = None, category="laptops") -> Episode:
    """An episode from messages (single messages or lists of them); presented/viewed ids and the
    decision follow from the messages unless given."""
    msgs: list[Message] = []
    for p in parts:
        msgs.extend(p if isinstance(p, list) else [p])
    presented, viewed = [], []
    for i, m in enumerate(msgs):
        ids = list(m.presented_product_ids)
        if m.role == "shopper" and m.action and m.action.type in ("view_product", "buy") and m.action.product_id:
            nxt = msgs[i + 1] if i + 1 < len(msgs) else None
            if m.action.type == "view_product" and nxt is not None and nxt.tool_result and nxt.tool_result.error:
                continue
            ids.append(m.action.product_id)
            if m.action.type == "view_product":
                viewed.append(m.action.product_id)
        for pid in ids:
            if pid not in presented:
                presented.append(pid)
    if decision is None:
        last = next((m for m in reversed(msgs) if m.role == "shopper" and m.action), None)
        if last is not None and last.action.type == "buy":
            decision = Decision(type="buy", product_id=last.action.product_id)
        elif last is not None and last.action.type == "leave":
            decision = Decision(type="leave")
        else:
            decision = Decision(type="none")
    term = termination or {"buy": "bought", "leave": "left", "none": "max_turns"}[decision.type]
    return Episode(id=eid or f"{persona_id}#0", persona_id=persona_id, persona_hash="x", category=category, seed=1,
                   shopper=ParticipantInfo(kind="test"), agent=ParticipantInfo(kind="test"), messages=msgs,
                   presented_product_ids=presented, viewed_product_ids=viewed, decision=decision, termination=term,
                   turns=sum(1 for m in msgs if m.role == "shopper"))


def test_builder_collects_presented_products_and_decision():
    ep = build(S("hi"), A("try these", ["best", "mac"]), V("okay"), S("I'll take it", "buy", "okay"))
    assert ep.presented_product_ids == ["best", "mac", "okay"]
    assert ep.viewed_product_ids == ["okay"]
    assert ep.decision.type == "buy" and ep.termination == "bought"

"""Small hand-built objects shared by tests (products, personas, a fake store, episodes)."""

from __future__ import annotations

from salessim.schema import (
    BigFive,
    Criterion,
    Decision,
    Episode,
    Message,
    ParticipantInfo,
    Persona,
    Product,
    Profile,
    ShopperAction,
)


def laptop(pid: str, **attrs) -> Product:
    base = {"price": 800, "brand": "Dell", "line": "Test", "ram_gb": 16, "storage_gb": 512, "screen_in": 14.0,
            "os": "Windows", "cpu_class": "mainstream", "gpu": "integrated", "weight_kg": 1.4,
            "battery_hours": 10, "touchscreen": False, "form_factor": "clamshell", "color": "silver"}
    base.update(attrs)
    return Product(id=pid, category="laptops", name=f"Test {pid}", description="A test laptop.", attributes=base)


def persona(criteria: list[Criterion], pid: str = "p1", category: str = "laptops") -> Persona:
    return Persona(id=pid, archetype="tester", category=category,
                   profile=Profile(name="Ada", age=30, background="tests things"),
                   big_five=BigFive(), goal="buy a laptop", criteria=criteria)


class FakeCatalog:
    def __init__(self, products: list[Product]):
        self._by_id = {p.id: p for p in products}

    def get(self, pid):
        return self._by_id.get(pid)

    def products(self, category=None):
        return [p for p in self._by_id.values() if category in (None, p.category)]


class FakeStore:
    def __init__(self, products: list[Product]):
        self.catalog = FakeCatalog(products)


def episode(presented: list[str], decision: Decision, termination: str | None = None,
            persona_id: str = "p1") -> Episode:
    term = termination or {"buy": "bought", "leave": "left", "none": "max_turns"}[decision.type]
    msgs = [Message(role="shopper", text="hi", action=ShopperAction(type="say", text="hi"))]
    return Episode(id=f"{persona_id}#0", persona_id=persona_id, persona_hash="x", category="laptops", seed=1,
                   shopper=ParticipantInfo(kind="test"), agent=ParticipantInfo(kind="test"),
                   messages=msgs, presented_product_ids=presented, decision=decision, termination=term)


class ReplayShopper:
    """A shopper that plays a fixed list of actions (for golden/orchestrator tests)."""

    vision = False

    def __init__(self, actions):
        from salessim.schema import ParticipantInfo

        self.actions = actions
        self.info = ParticipantInfo(kind="replay")

    def start(self, persona, seed):
        return {"i": 0}

    async def act(self, obs, state):
        from salessim.api.participants import ShopperStep

        action = self.actions[state["i"]]
        if isinstance(action, Exception):
            raise action
        return ShopperStep(action=action), {"i": state["i"] + 1}


class ReplayAgent:
    """A sales agent that plays a fixed list of AgentSteps."""

    def __init__(self, steps):
        from salessim.schema import ParticipantInfo

        self.steps = steps
        self.info = ParticipantInfo(kind="replay")

    def start(self, category, seed):
        return {"i": 0}

    async def act(self, obs, state):
        step = self.steps[min(state["i"], len(self.steps) - 1)]
        return step, {"i": state["i"] + 1}

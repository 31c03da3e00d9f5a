"""Hand-made store, products, personas and a stub agent for the scripted shopper/agent tests.

Other test modules import these helpers; the tests at the bottom check the helpers themselves.
"""

from __future__ import annotations

import asyncio

from salessim.api.participants import AgentStep, Observation
from salessim.schema import (
    BigFive,
    Criterion,
    ParticipantInfo,
    Persona,
    Product,
    Profile,
)
from salessim.sim.orchestrator import EpisodeLimits, run_episode
from salessim.store import Store
from salessim.store.catalog import Catalog, load_categories
from salessim.store.guides import GuideIndex
from salessim.store.images import ImageRenderer

_SCHEMAS = load_categories()


def laptop(pid: str, **attrs) -> Product:
    """A valid laptop with sensible defaults; keyword arguments override attributes."""
    base = {"price": 800, "brand": "Dell", "line": "Testline", "ram_gb": 16, "storage_gb": 512, "screen_in": 14.0,
            "os": "Windows", "cpu_class": "mainstream", "gpu": "integrated", "weight_kg": 1.4,
            "battery_hours": 10, "touchscreen": False, "form_factor": "clamshell", "color": "silver"}
    name = attrs.pop("name", None)
    base.update(attrs)
    name = name or f"{base['brand']} Model{pid.split('-')[-1].upper()}"
    return Product(id=pid, category="laptops", name=name, description="A laptop made for tests.", attributes=base)


def small_store(products: list[Product]) -> Store:
    """A real :class:`Store` over ``products`` (built-in schemas and guides, no disk image cache)."""
    catalog = Catalog({"laptops": _SCHEMAS["laptops"]}, products)
    return Store(catalog, GuideIndex(categories=["laptops"]), ImageRenderer(catalog.data_hash(), use_disk=False))


PRODUCTS = [
    laptop("t-win-a", price=700, os="Windows", ram_gb=16, weight_kg=1.3, brand="Dell"),
    laptop("t-win-b", price=650, os="Windows", ram_gb=8, weight_kg=1.2, brand="HP"),
    laptop("t-win-c", price=1100, os="Windows", ram_gb=32, weight_kg=1.9, brand="Lenovo"),
    laptop("t-mac-a", price=999, os="macOS", ram_gb=16, weight_kg=1.2, brand="Apple", color="space gray"),
    laptop("t-mac-b", price=1400, os="macOS", ram_gb=32, weight_kg=1.5, brand="Apple"),
    laptop("t-chr-a", price=350, os="ChromeOS", ram_gb=8, weight_kg=1.1, brand="Acer", color="blue"),
    laptop("t-win-d", price=780, os="Windows", ram_gb=16, weight_kg=1.25, brand="Asus", color="blue"),
]


def crit(attribute, op, value, kind="preference", weight=1.0, phrasings=()) -> Criterion:
    """A criterion with explicit phrasings."""
    return Criterion(attribute=attribute, op=op, value=value, kind=kind, weight=weight, phrasings=list(phrasings))


PRICE_DB = crit("price", "<=", 800, "dealbreaker", phrasings=["I can't spend more than $800."])
WINDOWS_DB = crit("os", "==", "Windows", "dealbreaker", phrasings=["It has to run Windows, that's a must."])
RAM_PREF = crit("ram_gb", ">=", 16, "preference", 2.0, phrasings=["I'd like at least 16 GB of RAM."])
LIGHT_PREF = crit("weight_kg", "<=", 1.3, "preference", 1.0, phrasings=["Ideally it would weigh under 1.3 kg."])


def persona(criteria: list[Criterion], pid: str = "t-persona", **kw) -> Persona:
    """A laptop persona with the given criteria."""
    profile = kw.pop("profile", None) or Profile(name="Ada Lovelace", age=30, background="Writes test suites.",
                                                  knowledge_level="intermediate", speaking_style="plain")
    return Persona(id=pid, archetype="tester", category="laptops", profile=profile,
                   big_five=kw.pop("big_five", BigFive()), emotion=kw.pop("emotion", "calm"),
                   goal=kw.pop("goal", "Find a laptop for writing and travel."),
                   uses=kw.pop("uses", ["writing reports", "travel"]), criteria=criteria, **kw)


class StubAgent:
    """A sales agent that replays fixed replies: each item is (text, presented ids)."""

    def __init__(self, replies: list[tuple[str, list[str]]]):
        self.replies = replies
        self.info = ParticipantInfo(kind="stub")

    def start(self, category: str, seed: int) -> dict:
        return {"i": 0}

    async def act(self, obs: Observation, state: dict) -> tuple[AgentStep, dict]:
        i = state["i"]
        text, ids = self.replies[min(i, len(self.replies) - 1)]
        return AgentStep(text=text, presented_product_ids=list(ids)), {"i": i + 1}


def run(persona_, shopper, agent, store, seed=7, max_turns=12):
    """Run one episode synchronously."""
    return asyncio.run(run_episode(persona_, shopper, agent, store, seed=seed,
                                   limits=EpisodeLimits(max_turns=max_turns)))


def shopper_says(ep) -> list:
    """The shopper's visible messages (say/buy/leave, not views)."""
    return [m for m in ep.messages if m.role == "shopper" and m.action and m.action.type != "view_product"]


# ------------------------------------------------------------------ the helpers themselves
def test_small_store_searches_and_views():
    store = small_store(PRODUCTS)
    tools = store.tools("laptops")
    res = tools.call("search_products", {"query": "", "filters": {"max_price": 800, "os": "Windows"}}, "c1")
    assert not res.error
    assert {c["id"] for c in res.content["results"]} == {"t-win-a", "t-win-b", "t-win-d"}
    view = tools.call("view_product", {"product_id": "t-mac-a"}, "c2", caller="shopper", vision=True)
    assert not view.error and view.image_png_b64 and "color" not in view.content["attributes"]


def test_stub_agent_replays():
    agent = StubAgent([("Hello?", []), ("Here:", ["t-win-a"])])
    st = agent.start("laptops", 1)
    step, st = asyncio.run(agent.act(Observation(messages=[], turn=0, max_turns=3, category="laptops"), st))
    assert step.text == "Hello?" and st == {"i": 1}

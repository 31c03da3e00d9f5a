"""A shopper and a sales agent written against salessim.api, outside the salessim package."""

from salessim.api import AgentStep, SalesAgentBase, ShopperBase, ShopperStep
from salessim.constraints import is_valid
from salessim.schema import Persona, ShopperAction


class ImpatientShopper(ShopperBase):
    """Asks once, buys the first presented product that meets its dealbreakers, else leaves
    after ``patience`` turns."""

    def __init__(self, patience: int = 3, store=None):
        super().__init__(patience=patience)
        self.patience, self.store = patience, store

    async def act(self, obs, state):
        persona = Persona.model_validate(state["persona"])
        shown = [pid for m in obs.messages if m.role == "agent" for pid in m.presented_product_ids]
        for pid in shown:
            product = self.store.catalog.get(pid)
            if product is not None and is_valid(product, persona.criteria):
                return ShopperStep(action=ShopperAction(type="buy", product_id=pid, text="I'll take it.")), state
        if obs.turn >= self.patience:
            return ShopperStep(action=ShopperAction(type="leave", reason="nothing fits", text="Never mind.")), state
        return ShopperStep(action=ShopperAction(type="say", text=f"I need a {persona.goal}")), state


class CheapestFirstAgent(SalesAgentBase):
    """Searches the store with the shopper's last words and presents the cheapest matches."""

    def __init__(self, shown: int = 3, store=None):
        super().__init__(shown=shown)
        self.shown, self.store = shown, store

    async def act(self, obs, state):
        said = next((m.text for m in reversed(obs.messages) if m.role == "shopper"), "")
        hits = self.store.search.search(obs.category, said, limit=10).products
        cheapest = sorted(hits, key=lambda p: p.price)[: self.shown]
        names = ", ".join(f"{p.name} (${p.price:g})" for p in cheapest) or "nothing, sorry"
        return AgentStep(text=f"Our cheapest matches: {names}.", presented_product_ids=[p.id for p in cheapest]), state

"""Build participants from their configuration."""

from __future__ import annotations

from salessim.errors import SalesSimError
from salessim.schema.run import AgentConfig, ShopperConfig

SHOPPER_KINDS = ("scripted",)
AGENT_KINDS = ("scripted", "pushy")


def make_shopper(cfg: ShopperConfig, store):
    """The shopper named by ``cfg.kind``."""
    if cfg.kind == "scripted":
        from salessim.shoppers import make_scripted_shopper

        return make_scripted_shopper(cfg.flaws)
    raise SalesSimError(f"unknown shopper kind {cfg.kind!r}", where="--shopper",
                        hint=f"Use one of: {', '.join(SHOPPER_KINDS)}.")


def make_agent(cfg: AgentConfig, store):
    """The sales agent named by ``cfg.kind``."""
    if cfg.kind in ("scripted", "pushy"):
        from salessim.agents import make_scripted_agent

        return make_scripted_agent("pushy" if cfg.kind == "pushy" else "helpful")
    raise SalesSimError(f"unknown agent kind {cfg.kind!r}", where="--agent",
                        hint=f"Use one of: {', '.join(AGENT_KINDS)}.")

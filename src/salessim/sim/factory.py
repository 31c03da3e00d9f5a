"""Build participants from their configuration, through the registry.

``kind`` is a registry name (``scripted``, ``llm``, ``pushy``, a name an installed plug-in
declares), ``hf:PATH`` for a local checkpoint shopper, or a ``MODULE:ATTR`` spec of your own class
or factory (:mod:`salessim.api.registry`). A class or factory is called with the config's
``params`` as keyword arguments, plus ``store`` and ``config`` when its signature takes them; the
result must fit the participant contract (:func:`salessim.api.participants.check_participant`),
or the run stops with one line before anything is written.
"""

from __future__ import annotations

from salessim.api.participants import check_participant
from salessim.api.registry import AGENTS, SHOPPERS, call_with
from salessim.errors import SalesSimError
from salessim.schema import ParticipantInfo
from salessim.schema.run import AgentConfig, ShopperConfig

_HUMAN_HINT = "Continue a run of `salessim play` with `salessim play --resume --out DIR`."


def _registry_name(kind: str) -> str:
    return "hf" if kind.startswith("hf:") else kind


def _refuse_human(role: str, cfg) -> None:
    """A run whose participant was a person (``salessim play``) cannot be continued by a simulator."""
    if cfg.kind == "human":
        who = "shopper" if role == "shopper" else "sales agent"
        raise SalesSimError(f"the {who} of this run is a person (salessim play); no simulator can take its place",
                            where=f"{role}.kind", hint=_HUMAN_HINT)


def _build(registry, role: str, cfg, store):
    _refuse_human(role, cfg)
    where = f"--{role}" if role == "shopper" else "--agent"
    factory = registry.get(_registry_name(cfg.kind), where=where)
    participant = call_with(factory, dict(cfg.params), store=store, config=cfg)
    if not hasattr(participant, "info") and not isinstance(participant, type):
        try:  # a plug-in without its own info records its spec and params
            participant.info = ParticipantInfo(kind=cfg.kind, params=dict(cfg.params))
        except AttributeError:
            pass
    check_participant(participant, role, cfg.kind, where=where)
    return participant


def make_shopper(cfg: ShopperConfig, store):
    """The shopper ``cfg.kind`` names (see the module docstring)."""
    return _build(SHOPPERS, "shopper", cfg, store)


def make_agent(cfg: AgentConfig, store):
    """The sales agent ``cfg.kind`` names (see the module docstring)."""
    return _build(AGENTS, "agent", cfg, store)


def check_kinds(shopper: ShopperConfig, agent: AgentConfig) -> None:
    """Fail with one line unless both kinds name something the registry can load (importing a
    ``MODULE:ATTR`` spec), without building the participants."""
    _refuse_human("shopper", shopper)
    _refuse_human("agent", agent)
    SHOPPERS.get(_registry_name(shopper.kind), where="--shopper")
    AGENTS.get(_registry_name(agent.kind), where="--agent")

"""The built-in sales agents as registry factories (:data:`salessim.api.registry.AGENTS`):
``scripted`` (helpful), ``pushy`` (the persuasion probe) and ``llm`` (needs a model)."""

from __future__ import annotations

from salessim.agents.llm import LLMSalesAgent
from salessim.agents.scripted import make_scripted_agent
from salessim.errors import SalesSimError
from salessim.llm.endpoints import build_client, close_at_loop_end
from salessim.schema.run import AgentConfig

_MODEL_HINT = ("Pass --agent-model NAME and --agent-base-url URL, or set agent.model in the run config "
               "(see docs/llm-endpoints.md).")


def scripted_agent(*, config: AgentConfig, store):
    """The helpful scripted sales agent."""
    return make_scripted_agent("helpful")


def pushy_agent(*, config: AgentConfig, store):
    """The pushy scripted sales agent (pushes a product breaking a stated dealbreaker)."""
    return make_scripted_agent("pushy")


def llm_agent(*, config: AgentConfig, store):
    """The LLM sales agent of ``config.model`` (client with retries, per-endpoint limit and cache)."""
    if config.model is None:
        raise SalesSimError("the llm agent needs a model", where="agent.model", hint=_MODEL_HINT)

    client = build_client(config.model, where="agent.model")
    close_at_loop_end(client)
    return LLMSalesAgent(client, config.model, store)

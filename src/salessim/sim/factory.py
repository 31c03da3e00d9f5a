"""Build participants from their configuration."""

from __future__ import annotations

from salessim.errors import SalesSimError
from salessim.schema.run import AgentConfig, ShopperConfig

SHOPPER_KINDS = ("scripted", "llm")
AGENT_KINDS = ("scripted", "pushy", "llm")

_MODEL_HINT = ("Pass {flag} NAME and --{base}base-url URL, or set {where}.model in the run config "
               "(see docs/llm-endpoints.md).")


_HUMAN_HINT = "Continue a run of `salessim play` with `salessim play --resume --out DIR`."


def make_shopper(cfg: ShopperConfig, store):
    """The shopper named by ``cfg.kind``."""
    if cfg.kind == "human":
        raise SalesSimError("the shopper of this run is a person (salessim play); no simulator can take its place",
                            where="shopper.kind", hint=_HUMAN_HINT)
    if cfg.kind == "scripted":
        from salessim.shoppers import make_scripted_shopper

        return make_scripted_shopper(cfg.flaws, store=store, preset=cfg.preset)
    if cfg.kind == "llm":
        return make_llm_shopper(cfg, store)
    if cfg.kind.startswith("hf:"):
        return _make_hf_shopper(cfg.kind[3:], store)
    raise SalesSimError(f"unknown shopper kind {cfg.kind!r}", where="--shopper",
                        hint=f"Use one of: {', '.join(SHOPPER_KINDS)}, or hf:PATH (a local model checkpoint).")


def _make_hf_shopper(path: str, store):
    """``hf:PATH``: a local Hugging Face checkpoint (or LoRA adapter) as the shopper (the [train] extra)."""
    if not path:
        raise SalesSimError("hf: needs a checkpoint directory, e.g. hf:outputs/usergrpo-tiny/final",
                            where="--shopper")
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise SalesSimError(f"the hf: shopper needs torch and transformers ({exc.name} is not installed)",
                            where="--shopper", hint='Install the training extra: pip install -e ".[train]"') from None
    from salessim.shoppers.hf import load_hf_shopper

    return load_hf_shopper(path, store)


def make_agent(cfg: AgentConfig, store):
    """The sales agent named by ``cfg.kind``."""
    if cfg.kind == "human":
        raise SalesSimError("the sales agent of this run is a person (salessim play); no agent can take its place",
                            where="agent.kind", hint=_HUMAN_HINT)
    if cfg.kind in ("scripted", "pushy"):
        from salessim.agents import make_scripted_agent

        return make_scripted_agent("pushy" if cfg.kind == "pushy" else "helpful")
    if cfg.kind == "llm":
        return make_llm_agent(cfg, store)
    raise SalesSimError(f"unknown agent kind {cfg.kind!r}", where="--agent",
                        hint=f"Use one of: {', '.join(AGENT_KINDS)}.")


def make_llm_shopper(cfg: ShopperConfig, store):
    """The LLM shopper of ``cfg.model`` (client with retries, per-endpoint limit and cache)."""
    if cfg.model is None:
        raise SalesSimError("the llm shopper needs a model", where="shopper.model",
                            hint=_MODEL_HINT.format(flag="--shopper-model", base="", where="shopper"))
    from salessim.llm.endpoints import build_client, close_at_loop_end
    from salessim.shoppers.llm import LLMShopper

    client = build_client(cfg.model, where="shopper.model")
    close_at_loop_end(client)
    return LLMShopper(client, cfg.model, store=store)


def make_llm_agent(cfg: AgentConfig, store):
    """The LLM sales agent of ``cfg.model`` (client with retries, per-endpoint limit and cache)."""
    if cfg.model is None:
        raise SalesSimError("the llm agent needs a model", where="agent.model",
                            hint=_MODEL_HINT.format(flag="--agent-model", base="agent-", where="agent"))
    from salessim.agents.llm import LLMSalesAgent
    from salessim.llm.endpoints import build_client, close_at_loop_end

    client = build_client(cfg.model, where="agent.model")
    close_at_loop_end(client)
    return LLMSalesAgent(client, cfg.model, store)

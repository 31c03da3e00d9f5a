"""The built-in shoppers as registry factories (:data:`salessim.api.registry.SHOPPERS`):
``scripted`` (with flaw knobs), ``llm`` (needs a model) and ``hf`` (``hf:PATH``, a local
checkpoint; the [train] extra). Each takes the role's config and the store."""

from __future__ import annotations

from salessim.errors import SalesSimError
from salessim.llm.endpoints import build_client, close_at_loop_end
from salessim.local.generation import require_train_stack
from salessim.schema.run import ShopperConfig
from salessim.shoppers.hf import load_hf_shopper
from salessim.shoppers.llm import LLMShopper
from salessim.shoppers.scripted import make_scripted_shopper

_MODEL_HINT = ("Pass --shopper-model NAME and --base-url URL, or set shopper.model in the run config "
               "(see docs/llm-endpoints.md).")


def scripted_shopper(*, config: ShopperConfig, store, read_back: bool = True):
    """The scripted reference shopper, with ``config.flaws`` and wording ``config.preset``;
    ``read_back: false`` (a param) turns its wording check off."""
    return make_scripted_shopper(config.flaws, store=store, read_back=read_back, preset=config.preset)


def llm_shopper(*, config: ShopperConfig, store):
    """The LLM shopper of ``config.model`` (client with retries, per-endpoint limit and cache)."""
    if config.model is None:
        raise SalesSimError("the llm shopper needs a model", where="shopper.model", hint=_MODEL_HINT)

    client = build_client(config.model, where="shopper.model")
    close_at_loop_end(client)
    return LLMShopper(client, config.model, store=store)


def hf_shopper(*, config: ShopperConfig, store):
    """``hf:PATH``: a local Hugging Face checkpoint (or LoRA adapter) as the shopper."""
    path = config.kind.partition(":")[2]
    if not path:
        raise SalesSimError("hf: needs a checkpoint directory, e.g. hf:outputs/usergrpo-tiny/final",
                            where="--shopper")
    require_train_stack(where="--shopper")
    return load_hf_shopper(path, store)

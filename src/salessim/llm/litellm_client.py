"""A :class:`ChatClient` over LiteLLM, for providers without an OpenAI-compatible endpoint.

Optional: install with ``pip install 'salessim[litellm]'``. LiteLLM is imported on first use
only, after setting ``LITELLM_LOCAL_MODEL_COST_MAP=True`` (unless already set) so that the
import does not fetch a price map from the network. LiteLLM's own retries are switched off;
the same retry policy, concurrency limit and price table as :mod:`salessim.llm.openai_client`
apply.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from pydantic import model_validator

from salessim.errors import SalesSimError
from salessim.llm.openai_client import EndpointConfig, endpoint_gate, resolve_api_key
from salessim.llm.parsing import parse_chat_completion
from salessim.llm.pricing import PriceTable, load_price_table
from salessim.llm.protocol import ChatRequest, ChatResponse
from salessim.llm.retry import RetryPolicy, call_with_retries


def import_litellm() -> Any:
    """Import LiteLLM offline-safe, or raise a :class:`SalesSimError` saying how to install it."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm  # lazy: optional, heavy dependency imported on demand
    except ImportError:
        raise SalesSimError(
            "the LiteLLM backend needs the optional 'litellm' package, which is not installed",
            hint="Install it with: pip install 'salessim[litellm]' (or use an OpenAI-compatible endpoint).",
        ) from None
    if hasattr(litellm, "telemetry"):
        litellm.telemetry = False
    return litellm


class LiteLLMConfig(EndpointConfig):
    """An :class:`EndpointConfig` whose ``base_url`` is optional (LiteLLM routes by model name,
    e.g. ``anthropic/claude-3-5-haiku-latest``). Without ``api_key_env`` LiteLLM finds the
    provider's key in its usual environment variable itself."""

    base_url: str | None = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _model_given(self) -> "LiteLLMConfig":
        """A LiteLLM model name is required."""
        if not self.model:
            raise ValueError("model is required, e.g. 'openai/gpt-4o-mini'")
        return self

    def endpoint_key(self) -> tuple[str, str]:
        """What identifies the endpoint for the shared concurrency limit."""
        return ((self.base_url or "litellm").rstrip("/"), self.model)


class LiteLLMClient:
    """:class:`ChatClient` that calls ``litellm.acompletion``."""

    def __init__(self, config: LiteLLMConfig, *, prices: PriceTable | None = None,
                 retry_policy: RetryPolicy | None = None):
        self.config = config
        self._api_key = resolve_api_key(config.api_key_env) if config.api_key_env else None
        self._prices = prices
        self._policy = retry_policy or config.retry_policy()

    def __repr__(self) -> str:
        return f"LiteLLMClient(model={self.config.model!r}, base_url={self.config.base_url!r})"

    @property
    def default_model(self) -> str:
        """The model used when a request leaves ``model`` empty."""
        return self.config.model

    async def aclose(self) -> None:
        """Nothing to close (LiteLLM manages its own connections)."""

    def request_kwargs(self, request: ChatRequest) -> dict[str, Any]:
        """The keyword arguments for ``litellm.acompletion`` (unset fields are omitted)."""
        kwargs: dict[str, Any] = {
            "model": request.model or self.config.model,
            "messages": request.messages,
            "timeout": self.config.timeout_s,
            "num_retries": 0,
        }
        for name in ("tools", "tool_choice", "temperature", "top_p", "max_tokens", "seed", "stop"):
            value = getattr(request, name)
            if value is not None:
                kwargs[name] = value
        if self.config.base_url:
            kwargs["api_base"] = self.config.base_url
        if self._api_key is not None:
            kwargs["api_key"] = self._api_key
        kwargs.update(request.extra)
        return kwargs

    def _cost(self, model: str, response: ChatResponse, litellm: Any, raw: Any) -> tuple[float, bool]:
        cfg = self.config
        usage = response.usage
        if cfg.price_input_per_m is not None and cfg.price_output_per_m is not None:
            return (usage.prompt_tokens * cfg.price_input_per_m
                    + usage.completion_tokens * cfg.price_output_per_m) / 1e6, True
        if self._prices is None:
            self._prices = load_price_table()
        estimate = self._prices.cost(model, usage.prompt_tokens, usage.completion_tokens)
        if estimate.price_known:
            return estimate.cost_usd, True
        try:  # LiteLLM's bundled (local) cost map as a fallback
            return float(litellm.completion_cost(completion_response=raw)), True
        except Exception:  # noqa: BLE001 - unknown to LiteLLM too
            return 0.0, False

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Send ``request`` through LiteLLM; raise :class:`LLMError` on failure."""
        litellm = import_litellm()
        kwargs = self.request_kwargs(request)
        semaphore = endpoint_gate(self.config.endpoint_key(), self.config.concurrency)

        async def attempt() -> Any:
            async with semaphore:
                return await litellm.acompletion(**kwargs)

        started = time.perf_counter()
        raw, attempts = await call_with_retries(attempt, self._policy, where=f"litellm ({kwargs['model']})")
        data = _to_dict(raw)
        response = parse_chat_completion(data)
        cost, known = self._cost(kwargs["model"], response, litellm, raw)
        return response.model_copy(update={
            "model": response.model or kwargs["model"],
            "cost_usd": cost,
            "price_known": known,
            "latency_s": time.perf_counter() - started,
            "attempts": attempts,
        })


def _to_dict(raw: Any) -> dict[str, Any]:
    """A LiteLLM ``ModelResponse`` (or a plain dict) as a JSON-safe dict."""
    if isinstance(raw, dict):
        data = raw
    elif hasattr(raw, "model_dump"):
        data = raw.model_dump()
    elif hasattr(raw, "dict"):
        data = raw.dict()
    else:
        data = {"unparsed": str(raw)}
    return json.loads(json.dumps(data, default=str))

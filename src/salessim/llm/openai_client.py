"""A :class:`ChatClient` for any OpenAI-compatible endpoint, built on the ``openai`` SDK.

Works with hosted APIs and with local servers (vLLM, Ollama, llama.cpp, SGLang). The SDK's own
retries are switched off; :mod:`salessim.llm.retry` retries 429/5xx/timeouts/connection errors
with backoff and honours ``Retry-After``. All clients of one ``base_url`` + ``model`` in one
event loop share a semaphore, so ``concurrency`` bounds the requests in flight to that endpoint
however many participants use it; in a sweep's worker processes a permit of a limit shared by all
the workers is taken as well (:mod:`salessim.llm.shared_limits`).

The API key is read from the environment variable named by ``api_key_env`` when the client is
built; it is never stored in the config, in responses, in the cache or in log messages.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import weakref
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from salessim.errors import SalesSimError
from salessim.llm.errors import LLMError
from salessim.llm.parsing import parse_chat_completion
from salessim.llm.pricing import PriceTable, load_price_table
from salessim.llm.protocol import ChatRequest, ChatResponse
from salessim.llm.retry import RetryPolicy, call_with_retries
from salessim.llm.shared_limits import SharedLimit, shared_limit

log = logging.getLogger("salessim.llm")

#: The placeholder key sent to endpoints that need none (vLLM, Ollama, llama.cpp accept any).
NO_KEY = "EMPTY"


class EndpointConfig(BaseModel):
    """Where and how to reach one model on an OpenAI-compatible endpoint.

    ``api_key_env`` names the environment variable holding the key (never the key itself);
    leave it ``None`` for local servers that need no key. ``concurrency`` caps requests in
    flight to this ``base_url`` + ``model``. ``max_retries`` counts retries after the first
    attempt. ``price_input_per_m``/``price_output_per_m`` (USD per 1M tokens) override the
    price table for this endpoint. ``backoff_*`` and ``retry_after_max_s`` tune waiting
    between retries (tests set them small).
    """

    model_config = ConfigDict(extra="forbid")

    base_url: str
    model: str
    api_key_env: str | None = None
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(4, ge=0)
    concurrency: int = Field(8, ge=1)
    price_input_per_m: float | None = Field(None, ge=0)
    price_output_per_m: float | None = Field(None, ge=0)
    backoff_base_s: float = Field(1.0, ge=0)
    backoff_max_s: float = Field(30.0, ge=0)
    retry_after_max_s: float = Field(60.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _no_literal_keys(cls, data: Any) -> Any:
        """Refuse configs that carry a key instead of naming its environment variable."""
        if isinstance(data, dict):
            for name in ("api_key", "key", "token", "secret"):
                if name in data:
                    raise ValueError(
                        f"'{name}' is not allowed in an endpoint config: keys are never stored in "
                        "config files. Put the key in an environment variable and set "
                        "api_key_env to that variable's name."
                    )
        return data

    @model_validator(mode="after")
    def _prices_in_pairs(self) -> "EndpointConfig":
        """Both price overrides or neither."""
        if (self.price_input_per_m is None) != (self.price_output_per_m is None):
            raise ValueError("set both price_input_per_m and price_output_per_m, or neither")
        return self

    def retry_policy(self) -> RetryPolicy:
        """The retry policy these settings describe."""
        return RetryPolicy(
            max_retries=self.max_retries,
            backoff_base_s=self.backoff_base_s,
            backoff_max_s=self.backoff_max_s,
            retry_after_max_s=self.retry_after_max_s,
        )

    def endpoint_key(self) -> tuple[str, str]:
        """What identifies the endpoint for the shared concurrency limit."""
        return (self.base_url.rstrip("/"), self.model)


def resolve_api_key(api_key_env: str | None) -> str:
    """The key held by the environment variable ``api_key_env``; ``"EMPTY"`` when it is None.

    A named but unset (or empty) variable raises :class:`SalesSimError` naming the variable.
    """
    if not api_key_env:
        return NO_KEY
    value = os.environ.get(api_key_env, "").strip()
    if not value:
        raise SalesSimError(
            f"the environment variable {api_key_env} is not set (it should hold the API key "
            "for this endpoint)",
            hint=f"Export {api_key_env}=<your key>, or remove api_key_env from the endpoint "
                 "config if the server needs no key.",
        )
    return value


# One registry of semaphores per event loop: asyncio primitives must not cross loops.
_SEMAPHORES: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], tuple[int, asyncio.Semaphore]]]" = (
    weakref.WeakKeyDictionary()
)


def endpoint_semaphore(key: tuple[str, str], limit: int) -> asyncio.Semaphore:
    """The semaphore shared by every client of endpoint ``key`` in the running loop.

    The first client to ask sets the limit; a later client asking for another limit gets the
    same semaphore (and a warning), so the endpoint's bound holds for all of them.
    """
    loop = asyncio.get_running_loop()
    per_loop = _SEMAPHORES.setdefault(loop, {})
    if key not in per_loop:
        per_loop[key] = (limit, asyncio.Semaphore(limit))
    existing, semaphore = per_loop[key]
    if existing != limit:
        log.warning("endpoint %s model %s already limited to %d concurrent requests; "
                    "ignoring concurrency=%d", key[0], key[1], existing, limit)
    return semaphore


class _SharedGate:
    """The loop's semaphore of an endpoint, then a permit of the limit shared across processes."""

    def __init__(self, local: asyncio.Semaphore, shared: SharedLimit):
        self.local = local
        self.shared = shared

    async def __aenter__(self) -> None:
        await self.local.acquire()
        try:
            await self.shared.acquire()
        except BaseException:
            self.local.release()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        self.shared.release()
        self.local.release()


def endpoint_gate(key: tuple[str, str], limit: int) -> Any:
    """What a request to endpoint ``key`` holds while in flight (``async with``): the loop's
    :func:`endpoint_semaphore`, and when a sweep installed one for the endpoint
    (:func:`salessim.llm.shared_limits.install_shared_limit`) a permit of the limit shared by all
    its worker processes."""
    local = endpoint_semaphore(key, limit)
    shared = shared_limit(key)
    return local if shared is None else _SharedGate(local, shared)


class OpenAIChatClient:
    """:class:`ChatClient` over an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    Use as ``async with OpenAIChatClient(cfg) as client:`` or call :meth:`aclose` when done.
    The underlying ``AsyncOpenAI`` is created lazily in the running event loop (and again if a
    later call runs in another loop).
    """

    def __init__(self, config: EndpointConfig, *, prices: PriceTable | None = None,
                 retry_policy: RetryPolicy | None = None):
        self.config = config
        self._api_key = resolve_api_key(config.api_key_env)
        self._prices = prices
        self._policy = retry_policy or config.retry_policy()
        self._sdk: Any = None
        self._sdk_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"OpenAIChatClient(base_url={self.config.base_url!r}, model={self.config.model!r})"

    @property
    def default_model(self) -> str:
        """The model used when a request leaves ``model`` empty."""
        return self.config.model

    @property
    def prices(self) -> PriceTable:
        """The price table used for cost estimates (loaded on first use)."""
        if self._prices is None:
            self._prices = load_price_table()
        return self._prices

    def _client(self) -> Any:
        """The SDK client bound to the running loop."""
        loop = asyncio.get_running_loop()
        if self._sdk is None or self._sdk_loop is not loop:
            # lazy: the openai SDK (~0.35 s), only for LLM participants
            from openai import AsyncOpenAI

            self._sdk = AsyncOpenAI(
                api_key=self._api_key,
                base_url=self.config.base_url,
                timeout=self.config.timeout_s,
                max_retries=0,
            )
            self._sdk_loop = loop
        return self._sdk

    async def aclose(self) -> None:
        """Close the HTTP connections (safe to call twice)."""
        sdk, self._sdk, self._sdk_loop = self._sdk, None, None
        if sdk is not None:
            try:
                await sdk.close()
            except RuntimeError:  # its loop is gone; nothing left to close
                pass

    async def __aenter__(self) -> "OpenAIChatClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        """The keyword arguments for ``chat.completions.create`` (unset fields are omitted)."""
        body: dict[str, Any] = {
            "model": request.model or self.config.model,
            "messages": request.messages,
        }
        for name in ("tools", "tool_choice", "temperature", "top_p", "max_tokens", "seed", "stop"):
            value = getattr(request, name)
            if value is not None:
                body[name] = value
        if request.extra:
            body["extra_body"] = dict(request.extra)
        return body

    def price(self, model: str, prompt_tokens: int, completion_tokens: int) -> tuple[float, bool]:
        """``(cost_usd, price_known)`` for one call, using the endpoint override if set."""
        cfg = self.config
        if cfg.price_input_per_m is not None and cfg.price_output_per_m is not None:
            cost = (prompt_tokens * cfg.price_input_per_m
                    + completion_tokens * cfg.price_output_per_m) / 1e6
            return cost, True
        estimate = self.prices.cost(model, prompt_tokens, completion_tokens)
        return estimate.cost_usd, estimate.price_known

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Send ``request``, retrying transient failures; raise :class:`LLMError` on failure."""
        body = self.request_body(request)
        semaphore = endpoint_gate(self.config.endpoint_key(), self.config.concurrency)
        where = f"{self.config.base_url} ({body['model']})"

        sdk = self._client()  # built (and the SDK imported) before the clock starts

        async def attempt() -> dict[str, Any]:
            async with semaphore:
                raw = await sdk.chat.completions.with_raw_response.create(**body)
            try:
                data = raw.http_response.json()
            except ValueError as exc:
                raise LLMError("bad_response", f"response body is not JSON: {exc}",
                               status=raw.http_response.status_code) from None
            if isinstance(data, dict) and "error" in data and not data.get("choices"):
                raise LLMError("server_error", f"server returned an error body: {data['error']}",
                               status=raw.http_response.status_code)
            return data

        started = time.perf_counter()
        data, attempts = await call_with_retries(attempt, self._policy, where=where)
        response = parse_chat_completion(data)
        cost, known = self.price(body["model"], response.usage.prompt_tokens,
                                 response.usage.completion_tokens)
        return response.model_copy(update={
            "model": response.model or body["model"],
            "cost_usd": cost,
            "price_known": known,
            "latency_s": time.perf_counter() - started,
            "attempts": attempts,
        })

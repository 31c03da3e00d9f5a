"""From a role's :class:`~salessim.schema.run.ModelConfig` to a ready chat client, plus the small
helpers every LLM participant shares: per-call seeds, sampling parameters, image data URLs, secret
redaction in error messages, and the error that ends an episode as ``error:format``.

    client = build_client(model_cfg)          # OpenAIChatClient wrapped in a CachedClient
    request = chat_request(model_cfg, messages, tools=specs, seed=call_seed(seed, 3, 0))
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from typing import Any
from urllib.parse import urlsplit

from salessim.errors import SalesSimError
from salessim.llm.cache import CachedClient, ResponseCache
from salessim.llm.errors import LLMError
from salessim.llm.openai_client import EndpointConfig, OpenAIChatClient, resolve_api_key
from salessim.llm.pricing import load_price_table
from salessim.llm.protocol import ChatClient, ChatRequest, ChatResponse
from salessim.llm.retry import classify_exception
from salessim.schema.run import ModelConfig

#: Where to find the usual endpoints (for error hints and docs).
BASE_URL_EXAMPLES = ("https://api.openai.com/v1 (hosted API), http://localhost:8000/v1 (vLLM), "
                     "http://localhost:11434/v1 (Ollama)")


class ModelOutputError(SalesSimError):
    """A model's output could not be used even after the corrective retries.

    ``kind`` is ``"format"``, so the orchestrator ends the episode as ``error:format``;
    ``problems`` lists what was wrong with each attempt (``malformed_tool_json``, ``unknown_tool``,
    ``empty``, ``truncated``, ...).
    """

    def __init__(self, role: str, problems: list[str], detail: str):
        self.kind = "format"
        self.role = role
        self.problems = list(problems)
        super().__init__(f"the {role} model gave no usable output after {len(problems)} attempt(s) "
                         f"({', '.join(problems)}): {detail}")


def check_base_url(url: str, *, where: str) -> None:
    """Fail with a one-line error unless ``url`` is a well-formed http(s) URL with a host."""

    problem = None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it names no host"
        elif any(ch.isspace() for ch in url):
            problem = "it contains a space"
    if problem:
        raise SalesSimError(f"malformed base URL {url!r}: {problem}", where=where,
                            hint=f"Use a URL such as {BASE_URL_EXAMPLES}.")


def check_endpoint(model: ModelConfig, *, where: str = "model", timeout_s: float = 10.0) -> str | None:
    """One cheap request (``GET {base_url}/models``) before a run: a server that cannot be
    reached, refuses the key, or has no such path (a base URL without ``/v1``) is a
    :class:`SalesSimError` naming the setting; a server that answers but does not list the model
    gives a warning (returned). The API key variable must be set (same error as the client's)."""
    # lazy: the openai SDK (~0.35 s), only for LLM participants
    from openai import OpenAI


    url = model.base_url or ""
    check_base_url(url, where=f"{where}.base_url")
    key = resolve_api_key(model.api_key_env)
    skip = "Or pass --no-preflight to skip this check."
    client = OpenAI(api_key=key, base_url=url, max_retries=0, timeout=min(timeout_s, model.timeout_s))
    try:
        raw = client.models.with_raw_response.list()
    except Exception as exc:  # noqa: BLE001 - classified below
        info = classify_exception(exc)
        detail = redact(" ".join(info.message.split())[:200], model.api_key_env)
        if info.kind in ("connection", "timeout"):
            raise SalesSimError(f"cannot reach {url} ({info.kind}: {detail})", where=f"{where}.base_url",
                                hint=f"Start the server or fix the base URL. {skip}") from None
        if info.kind in ("auth", "permission"):
            var = model.api_key_env or "(none: api_key_env is not set)"
            raise SalesSimError(f"{url} refused the API key (HTTP {info.status})", where=f"{where}.api_key_env",
                                hint=f"Check the key in {var}. {skip}") from None
        if info.status == 404:
            raise SalesSimError(f"{url}/models was not found (HTTP 404): is the base URL right (most servers "
                                "want it to end in /v1)?", where=f"{where}.base_url", hint=skip) from None
        return f"{url} answered GET /models with {info.kind} (HTTP {info.status}); going on"
    finally:
        client.close()
    try:
        listed = [str(m.get("id")) for m in (raw.http_response.json().get("data") or []) if isinstance(m, dict)]
    except (ValueError, AttributeError):
        return None
    if listed and model.model not in listed:
        shown = ", ".join(listed[:5]) + (", ..." if len(listed) > 5 else "")
        return f"{url} does not list the model {model.model!r} (it lists {shown}); going on"
    return None


def endpoint_config(model: ModelConfig, *, where: str = "model") -> EndpointConfig:
    """The client settings of ``model``; a missing ``base_url`` raises a :class:`SalesSimError`."""
    if not model.base_url:
        raise SalesSimError(f"no base_url for model {model.model!r}", where=f"{where}.base_url",
                            hint=f"Pass --base-url (or set base_url in the run config), e.g. {BASE_URL_EXAMPLES}.")
    return EndpointConfig(
        base_url=model.base_url,
        model=model.model,
        api_key_env=model.api_key_env,
        timeout_s=model.timeout_s,
        max_retries=model.max_retries,
        concurrency=model.concurrency,
        price_input_per_m=model.price_input_per_m,
        price_output_per_m=model.price_output_per_m,
        backoff_base_s=model.backoff_base_s,
        backoff_max_s=model.backoff_max_s,
        retry_after_max_s=model.retry_after_max_s,
    )


class DirectBodyOpenAIChatClient(OpenAIChatClient):
    """:class:`OpenAIChatClient` that hands ``messages`` and ``tools`` to the SDK as raw JSON.

    The ``openai`` SDK walks every request parameter against its type hints before sending
    (``_async_transform_recursive``); for long multi-turn histories that costs milliseconds of CPU
    per call, which caps a many-episode run at high concurrency. Chat messages and function
    specs need no transformation (no aliased or binary fields), so they travel in ``extra_body``,
    which the SDK merges into the JSON body unchanged; the request on the wire is the same.
    """

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        """The SDK arguments, with ``messages``/``tools`` moved into ``extra_body``."""
        body = super().request_body(request)
        raw: dict[str, Any] = dict(body.get("extra_body") or {})
        raw["messages"] = body["messages"]
        body["messages"] = []
        if "tools" in body:
            raw["tools"] = body.pop("tools")
        body["extra_body"] = raw
        return body


def build_client(model: ModelConfig, *, cache: ResponseCache | None = None, where: str = "model") -> ChatClient:
    """A :class:`DirectBodyOpenAIChatClient` for ``model`` inside a :class:`CachedClient`.

    Prices come from the built-in table, ``$SALESSIM_PRICES`` and ``model.prices`` (later files
    win). The cache is read and written unless ``model.cache`` is false (``--no-cache``); its location
    is ``$SALESSIM_CACHE_DIR`` (default ``~/.cache/salessim/llm``) unless ``cache`` is given.
    An unset API-key variable, or a missing or malformed price file, raises a
    :class:`SalesSimError` naming it, here rather than in the first call.
    """
    prices = load_price_table(model.prices)
    inner = DirectBodyOpenAIChatClient(endpoint_config(model, where=where), prices=prices)
    return CachedClient(inner, cache, enabled=model.cache)


_CLOSERS: set[asyncio.Task] = set()


def close_at_loop_end(closeable: Any) -> None:
    """Arrange for ``await closeable.aclose()`` when the running event loop shuts down.

    ``asyncio.run`` cancels the tasks still pending when its main coroutine ends; a waiting task
    started here then closes the client, so its HTTP connections do not outlive the loop (no
    "unclosed transport" warnings). Outside a running loop this does nothing.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return

    async def _wait_then_close() -> None:
        try:
            await loop.create_future()  # resolved by nobody: waits until cancelled
        finally:
            with contextlib.suppress(Exception):
                await closeable.aclose()

    task = loop.create_task(_wait_then_close(), name="salessim-close-llm-client")
    _CLOSERS.add(task)
    task.add_done_callback(_CLOSERS.discard)


def call_seed(episode_seed: int, call_index: int, attempt: int = 0, role: str = "") -> int:
    """A 31-bit seed for one model call of an episode: the same episode asks the same questions
    with the same seeds (so cached reruns replay), and every call, retry and role gets its own."""
    digest = hashlib.sha256(f"{episode_seed}:{role}:{call_index}:{attempt}".encode()).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def chat_request(model: ModelConfig, messages: list[dict[str, Any]], *, tools: list[dict] | None = None,
                 tool_choice: str | None = None, seed: int | None = None) -> ChatRequest:
    """A :class:`ChatRequest` with ``model``'s sampling parameters (unset ones are left out)."""
    return ChatRequest(
        model=model.model,
        messages=messages,
        tools=tools or None,
        tool_choice=tool_choice if tools else None,
        temperature=model.temperature,
        top_p=model.top_p,
        max_tokens=model.max_tokens,
        seed=seed if model.send_seed else None,
        extra=dict(model.extra),
    )


def sampling_params(model: ModelConfig) -> dict[str, Any]:
    """The parameters that shape a participant's outputs, for ``ParticipantInfo.params``.

    Holds no secret: the endpoint URL and the key variable are left to run.json's config.
    """
    params: dict[str, Any] = {
        "temperature": model.temperature,
        "top_p": model.top_p,
        "max_tokens": model.max_tokens,
        "vision": model.vision,
        "tool_calling": model.tool_calling,
    }
    if model.extra:
        params["extra"] = dict(model.extra)
    return {k: v for k, v in params.items() if v is not None}


def png_data_url(png_b64: str) -> str:
    """A ``data:image/png;base64,...`` URL for base64 PNG bytes."""
    return f"data:image/png;base64,{png_b64}"


def image_part(png_b64: str) -> dict[str, Any]:
    """An OpenAI ``image_url`` content part holding a PNG."""
    return {"type": "image_url", "image_url": {"url": png_data_url(png_b64)}}


def redact(text: str, api_key_env: str | None) -> str:
    """``text`` with the value of the environment variable ``api_key_env`` replaced by a marker."""
    if not api_key_env or not text:
        return text
    secret = os.environ.get(api_key_env, "").strip()
    if len(secret) >= 4 and secret in text:
        text = text.replace(secret, f"<${api_key_env}>")
    return text


async def complete_redacted(client: ChatClient, request: ChatRequest, model: ModelConfig) -> ChatResponse:
    """``client.complete(request)``; an :class:`LLMError` is re-raised with the key redacted from
    its message (some servers echo the key they refused)."""
    try:
        return await client.complete(request)
    except LLMError as exc:
        message = str(exc)
        clean = redact(message, model.api_key_env)
        if clean == message:
            raise
        raise LLMError(exc.kind, redact(exc.detail, model.api_key_env), status=exc.status,
                       attempts=exc.attempts) from None


def merge_user_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Join runs of consecutive ``user`` messages into one (some chat templates demand strict
    user/assistant alternation). Text joins with a blank line; mixed content becomes parts."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if out and message.get("role") == "user" and out[-1].get("role") == "user":
            prev = out[-1]
            a, b = prev.get("content"), message.get("content")
            if isinstance(a, str) and isinstance(b, str):
                merged: Any = f"{a}\n\n{b}"
            else:
                merged = _parts(a) + _parts(b)
            out[-1] = {**prev, "content": merged}
        else:
            out.append(dict(message))
    return out


def _parts(content: Any) -> list[dict[str, Any]]:
    """Message content as a list of content parts."""
    if isinstance(content, list):
        return list(content)
    return [{"type": "text", "text": str(content or "")}]

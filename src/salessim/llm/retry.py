"""Retrying a chat call: which failures to retry, how long to wait, when to give up.

Backoff is exponential with *full jitter* (a uniform wait between 0 and
``min(backoff_max_s, backoff_base_s * 2**attempt)``), except when the server sent
``Retry-After`` (or ``retry-after-ms``): then exactly that wait is honoured, capped at
``retry_after_max_s``. Exceptions are classified by duck typing on ``status_code`` /
``response`` and the exception class names, so the same code serves the ``openai`` SDK and
LiteLLM (whose exceptions mirror the SDK's).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, TypeVar

from salessim.llm.errors import RETRYABLE_KINDS, LLMError

log = logging.getLogger("salessim.llm")

T = TypeVar("T")

_STATUS_KINDS = {
    400: "bad_request",
    401: "auth",
    403: "permission",
    404: "not_found",
    408: "timeout",
    409: "server_error",
    413: "bad_request",
    422: "bad_request",
    429: "rate_limit",
}


@dataclass
class RetryPolicy:
    """How often and how patiently to retry transient failures.

    ``max_retries`` counts retries after the first attempt (0 = a single attempt).
    ``rng`` may be seeded to make the jitter reproducible in tests.
    """

    max_retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` starts at 0)."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.retry_after_max_s)
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2 ** attempt))
        return self.rng.uniform(0.0, max(0.0, ceiling))


@dataclass
class FailureInfo:
    """What went wrong with one attempt, as the retry loop needs it."""

    kind: str
    message: str
    status: int | None = None
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        """Whether another attempt may succeed."""
        return self.kind in RETRYABLE_KINDS


def parse_retry_after(headers: Any) -> float | None:
    """Seconds asked for by ``retry-after-ms`` / ``Retry-After`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000.0)
        value = headers.get("retry-after")
    except Exception:  # headers of an unexpected type
        return None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_code(exc: BaseException) -> str:
    """The ``code``/``type`` of an OpenAI-style error body, lower-cased ("" when absent)."""
    for attr in ("code", "type"):
        value = getattr(exc, attr, None)
        if isinstance(value, str) and value:
            return value.lower()
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        for key in ("code", "type"):
            value = inner.get(key)
            if isinstance(value, str) and value:
                return value.lower()
    return ""


def classify_exception(exc: BaseException) -> FailureInfo:
    """Map an SDK exception to a :class:`FailureInfo` (kind, status, Retry-After).

    Timeouts and connection errors are recognised by class name (``...Timeout...``,
    ``...Connection...``) as well as by the builtin ``TimeoutError``/``ConnectionError``.
    """
    if isinstance(exc, LLMError):
        return FailureInfo(exc.kind, exc.detail, exc.status)
    message = str(exc) or type(exc).__name__
    names = [cls.__name__.lower() for cls in type(exc).__mro__]
    status = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    if status is None and response is not None:
        status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        status = None
    headers = getattr(response, "headers", None) if response is not None else None

    if isinstance(exc, TimeoutError) or any("timeout" in n for n in names):
        return FailureInfo("timeout", message, status)
    if status is None:
        if isinstance(exc, ConnectionError) or any("connection" in n for n in names):
            return FailureInfo("connection", message)
        return FailureInfo("unknown", message)
    if status == 429:
        if _error_code(exc) == "insufficient_quota":
            return FailureInfo("quota", message, status)
        return FailureInfo("rate_limit", message, status, parse_retry_after(headers))
    if status >= 500:
        return FailureInfo("server_error", message, status, parse_retry_after(headers))
    kind = _STATUS_KINDS.get(status, "bad_request" if 400 <= status < 500 else "unknown")
    retry_after = parse_retry_after(headers) if kind in RETRYABLE_KINDS else None
    return FailureInfo(kind, message, status, retry_after)


async def call_with_retries(
    attempt_fn: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    where: str,
    classify: Callable[[BaseException], FailureInfo] = classify_exception,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> tuple[T, int]:
    """Run ``attempt_fn`` until it succeeds; return ``(result, attempts)``.

    Retryable failures are retried up to ``policy.max_retries`` times with backoff; any other
    failure, or the last retryable one, is raised as :class:`LLMError` with its kind.
    Cancellation is never swallowed.
    """
    attempt = 0
    while True:
        try:
            return await attempt_fn(), attempt + 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - classified below, re-raised as LLMError
            info = classify(exc)
            if not info.retryable or attempt >= policy.max_retries:
                hint = None
                if info.retryable:
                    hint = "Retries exhausted; lower the concurrency or raise max_retries/timeout_s."
                elif info.kind == "auth":
                    hint = "Check that the API key environment variable holds a valid key."
                raise LLMError(info.kind, info.message, status=info.status,
                               attempts=attempt + 1, where=where, hint=hint) from exc
            wait = policy.backoff(attempt, info.retry_after)
            log.info("%s: %s (attempt %d), retrying in %.2fs", where, info.kind, attempt + 1, wait)
            await sleep(wait)
            attempt += 1

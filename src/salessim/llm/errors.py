"""The one error type the LLM layer raises at run time.

:class:`LLMError` carries a short ``kind`` (``rate_limit``, ``server_error``, ``timeout``,
``connection``, ``bad_request``, ``auth``, ...). The orchestrator records a failed episode as
``error:<kind>``, so kinds are stable, lower-case identifiers rather than prose.
"""

from __future__ import annotations

from salessim.errors import SalesSimError

#: Kinds that a retry may cure. Everything else is raised on the first occurrence.
#: ``bad_response``: an HTTP 200 whose body is not JSON (cut off by a proxy or a dying worker),
#: retried like a 5xx.
RETRYABLE_KINDS = frozenset({"rate_limit", "server_error", "timeout", "connection", "bad_response"})


class LLMError(SalesSimError):
    """A chat completion failed for good (after retries, or at once when retrying cannot help).

    ``kind`` is the machine-readable reason; ``status`` the HTTP status when there was one;
    ``attempts`` how many requests were sent before giving up.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        attempts: int = 1,
        where: str | None = None,
        hint: str | None = None,
    ):
        self.kind = kind
        self.status = status
        self.attempts = attempts
        self.detail = message
        detail = f"LLM call failed ({kind}"
        if status is not None:
            detail += f", HTTP {status}"
        detail += f", {attempts} attempt{'s' if attempts != 1 else ''}): {message}"
        super().__init__(detail, where=where, hint=hint)

    @property
    def retryable(self) -> bool:
        """Whether this kind of failure is one a later retry could cure."""
        return self.kind in RETRYABLE_KINDS

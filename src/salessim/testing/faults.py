"""Scriptable misbehaviour for the test server: :class:`Fault` (HTTP errors with
``Retry-After``, delays, hangs, malformed tool calls, empty or truncated answers, unknown tools,
reasoning fields, ``<think>`` blocks, bodies that are not JSON), its ``X-Salessim-Fault`` header
syntax, and how a content fault rewrites a :class:`~salessim.testing.replies.Reply`.

:mod:`salessim.testing.server` injects them and re-exports the public names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from salessim.testing.replies import Reply

FAULT_HEADER = "X-Salessim-Fault"

FAULT_KINDS = (
    "http_error",        # any status, optional Retry-After (rate_limit / server_error are shortcuts)
    "delay",             # wait delay_s, then answer normally
    "hang",              # never answer (until the client gives up or the server stops)
    "malformed_tool_json",
    "empty",             # content "" (or null with null=True), no tool calls
    "truncated",         # finish_reason "length", text cut in half
    "unknown_tool",      # a tool call to a name the caller did not offer
    "reasoning",         # add a reasoning_content (or reasoning) field
    "think",             # prepend a <think>...</think> block to the content
    "bad_json",          # HTTP 200 whose body is cut in half (not valid JSON)
)


@dataclass
class Fault:
    """One injected misbehaviour; build it with the class methods (e.g. ``Fault.rate_limit(1)``)."""

    kind: str
    status: int = 500
    retry_after: float | None = None
    delay_s: float = 0.0
    text: str = ""
    tool_name: str = "say"
    null: bool = False
    message: str = "injected fault"
    field_name: str = "reasoning_content"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")

    @classmethod
    def http_error(cls, status: int, retry_after: float | None = None,
                   message: str = "injected fault") -> "Fault":
        """Answer with HTTP ``status`` and an OpenAI-style error body."""
        return cls("http_error", status=status, retry_after=retry_after, message=message)

    @classmethod
    def rate_limit(cls, retry_after: float | None = 1.0) -> "Fault":
        """HTTP 429, with ``Retry-After: <seconds>`` unless ``retry_after`` is None."""
        return cls.http_error(429, retry_after, "rate limit reached (injected)")

    @classmethod
    def server_error(cls, status: int = 500, retry_after: float | None = None) -> "Fault":
        """HTTP 5xx (500 by default, 503 for "overloaded")."""
        return cls.http_error(status, retry_after, "server error (injected)")

    @classmethod
    def delay(cls, seconds: float) -> "Fault":
        """Answer normally, but only after ``seconds``."""
        return cls("delay", delay_s=seconds)

    @classmethod
    def hang(cls) -> "Fault":
        """Never answer; the client has to time out."""
        return cls("hang")

    @classmethod
    def malformed_tool_json(cls, tool_name: str = "say") -> "Fault":
        """A tool call whose ``arguments`` string is not valid JSON."""
        return cls("malformed_tool_json", tool_name=tool_name)

    @classmethod
    def empty(cls, null: bool = False) -> "Fault":
        """Empty content (``""``, or ``null`` with ``null=True``) and no tool calls."""
        return cls("empty", null=null)

    @classmethod
    def truncated(cls) -> "Fault":
        """``finish_reason="length"`` with the text cut in half."""
        return cls("truncated")

    @classmethod
    def bad_json(cls) -> "Fault":
        """HTTP 200 with the completion's JSON body cut in half (a proxy or worker that died
        mid-answer); the HTTP framing stays valid, only the body is not JSON."""
        return cls("bad_json")

    @classmethod
    def unknown_tool(cls, tool_name: str = "teleport") -> "Fault":
        """A tool call to ``tool_name``, which the caller did not offer."""
        return cls("unknown_tool", tool_name=tool_name)

    @classmethod
    def reasoning(cls, text: str = "Let me think about the budget.",
                  field_name: str = "reasoning_content") -> "Fault":
        """Add a reasoning field (``reasoning_content`` or ``reasoning``) to the message."""
        return cls("reasoning", text=text, field_name=field_name)

    @classmethod
    def think(cls, text: str = "The shopper wants a light laptop.") -> "Fault":
        """Prepend ``<think>text</think>`` to the content."""
        return cls("think", text=text)

    @classmethod
    def from_header(cls, value: str) -> "Fault":
        """Parse ``kind;key=value;...`` (e.g. ``http_error;status=503;retry_after=0.5``)."""
        kind, *pairs = [p.strip() for p in value.split(";") if p.strip()]
        shortcuts = {"rate_limit": ("http_error", {"status": 429, "retry_after": 1.0}),
                     "server_error": ("http_error", {"status": 500})}
        kwargs: dict[str, Any] = {}
        if kind in shortcuts:
            kind, kwargs = shortcuts[kind][0], dict(shortcuts[kind][1])
        for pair in pairs:
            key, _, raw = pair.partition("=")
            key = key.strip()
            if key in ("status",):
                kwargs[key] = int(raw)
            elif key in ("retry_after", "delay_s"):
                kwargs[key] = float(raw)
            elif key == "null":
                kwargs[key] = raw.strip().lower() in ("1", "true", "yes")
            elif key in ("text", "tool_name", "message", "field_name"):
                kwargs[key] = raw
        return cls(kind, **kwargs)


FaultFn = Callable[[int, dict[str, Any]], "Fault | list[Fault] | None"]


def apply_fault(reply: Reply, fault: Fault) -> Reply:
    """The reply changed by a content fault (faults that replace the answer are handled earlier)."""
    if fault.kind == "malformed_tool_json":
        return Reply(text=None, tool_calls=[{"name": fault.tool_name,
                                             "arguments": '{"text": "I want a laptop'}],
                     reasoning=reply.reasoning, reasoning_field=reply.reasoning_field)
    if fault.kind == "empty":
        return Reply(text=None if fault.null else "", reasoning=reply.reasoning,
                     reasoning_field=reply.reasoning_field)
    if fault.kind == "truncated":
        text = reply.text or ""
        return Reply(text=text[: max(1, len(text) // 2)], finish_reason="length",
                     reasoning=reply.reasoning, reasoning_field=reply.reasoning_field)
    if fault.kind == "unknown_tool":
        return Reply(text=None, tool_calls=[{"name": fault.tool_name, "arguments": {"where": "moon"}}],
                     reasoning=reply.reasoning, reasoning_field=reply.reasoning_field)
    if fault.kind == "reasoning":
        return Reply(text=reply.text, tool_calls=reply.tool_calls, reasoning=fault.text,
                     reasoning_field=fault.field_name,
                     finish_reason=reply.finish_reason, usage=reply.usage, model=reply.model)
    if fault.kind == "think":
        return Reply(text=f"<think>{fault.text}</think>{reply.text or ''}", tool_calls=reply.tool_calls,
                     reasoning=reply.reasoning, reasoning_field=reply.reasoning_field,
                     finish_reason=reply.finish_reason, usage=reply.usage, model=reply.model)
    return reply

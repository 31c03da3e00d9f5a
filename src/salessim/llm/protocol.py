"""The chat-client contract every LLM backend implements.

A participant (shopper, agent, judge) builds a :class:`ChatRequest` in the OpenAI chat format and
awaits ``client.complete(request)``; it gets back a :class:`ChatResponse` whose tool calls are
already parsed (tolerantly: bad JSON is reported, never raised). Backends differ only in how
they talk to a server; caching, pricing and retries are layered around this one method.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class ChatRequest(BaseModel):
    """One chat-completion request in the OpenAI chat format.

    ``messages`` are OpenAI chat messages; ``content`` may be a string or a list of parts
    (``{"type": "text", ...}``, ``{"type": "image_url", "image_url": {"url": "data:..."}}``).
    ``tools`` are OpenAI function specs. ``model`` may be left empty to use the client's
    configured model. ``extra`` holds backend-specific body fields (e.g. ``top_k``,
    ``chat_template_kwargs``) sent as they are.
    """

    model_config = ConfigDict(extra="forbid")

    model: str = ""
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: str | list[str] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class ParsedToolCall(BaseModel):
    """A tool call as the model produced it.

    ``arguments_raw`` is the string the server sent; ``arguments`` its parsed JSON object, or
    ``None`` with ``parse_error`` saying why when it was not a valid JSON object. Whether the
    tool ``name`` exists is for the caller to decide.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    arguments_raw: str = ""
    arguments: dict[str, Any] | None = None
    parse_error: str | None = None


class TokenUsage(BaseModel):
    """Token counts the server reported for one completion (0 when it reported none)."""

    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


class ChatResponse(BaseModel):
    """The parsed outcome of one chat completion.

    ``text`` is the visible content (``None`` or ``""`` when the model said nothing: the caller
    decides what that means). ``reasoning`` collects a ``reasoning_content``/``reasoning`` field
    and any ``<think>...</think>`` block removed from the content. ``cost_usd`` is 0 on a cache
    hit (``cached=True``) and for models without a known price (``price_known=False``).
    ``latency_s`` is the wall time the caller waited, retries included; ``attempts`` the number
    of requests sent. ``raw`` is the server's JSON body as received.
    """

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    tool_calls: list[ParsedToolCall] = Field(default_factory=list)
    reasoning: str | None = None
    finish_reason: str | None = None
    model: str = ""
    usage: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float = 0.0
    price_known: bool = False
    cached: bool = False
    latency_s: float = 0.0
    attempts: int = 1
    raw: dict[str, Any] = Field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        """True when the model stopped because it hit the token limit."""
        return self.finish_reason == "length"

    @property
    def has_parse_errors(self) -> bool:
        """True when at least one tool call's arguments could not be parsed."""
        return any(tc.parse_error for tc in self.tool_calls)


@runtime_checkable
class ChatClient(Protocol):
    """Anything that can answer a :class:`ChatRequest`.

    Implementations raise :class:`salessim.llm.errors.LLMError` when a call fails for good and
    otherwise always return a :class:`ChatResponse`, however odd the server's answer was.
    """

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Send ``request`` and return the parsed response."""
        ...

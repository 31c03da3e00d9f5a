"""Conversation records: messages, shopper actions, tool calls and whole episodes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ActionType = Literal["say", "view_product", "buy", "leave"]
Termination = str  # bought | left | max_turns | timeout | error:<kind>


class ShopperAction(BaseModel):
    """A structured shopper action. ``say`` carries text; ``view_product``/``buy`` a product id;
    ``leave`` a reason (and optionally a closing text)."""

    model_config = ConfigDict(extra="forbid")

    type: ActionType
    text: str = ""
    product_id: str | None = None
    reason: str | None = None


class ToolCall(BaseModel):
    """A call of a store tool by a participant."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolResult(BaseModel):
    """What a tool returned. Errors come back here with ``error=True``; tools never raise."""

    model_config = ConfigDict(extra="forbid")

    call_id: str
    name: str
    content: Any
    error: bool = False
    # view_product: the product image (base64 PNG) when the viewer can see. Kept in memory for the
    # participants but not written to episodes.jsonl: images are deterministic from the store
    # (its data hash is in run.json); ``image_sha256`` records which image was shown.
    image_png_b64: str | None = Field(default=None, exclude=True)
    image_sha256: str | None = None


class Message(BaseModel):
    """One entry of the transcript.

    - ``shopper``: a shopper action (``action``) with its visible ``text``.
    - ``agent``: the sales agent's text and/or ``tool_calls``; ``presented_product_ids`` are the
      products this message recommends or shows.
    - ``tool``: a tool result for the call ``tool_result.call_id`` made by ``tool_caller``.
    """

    model_config = ConfigDict(extra="forbid")

    role: Literal["shopper", "agent", "tool"]
    text: str = ""
    action: ShopperAction | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_result: ToolResult | None = None
    tool_caller: Literal["shopper", "agent"] | None = None
    presented_product_ids: list[str] = Field(default_factory=list)
    reasoning: str | None = None  # stripped model reasoning, kept for the record only
    flags: list[str] = Field(default_factory=list)  # e.g. format_error, role_inversion, hallucinated:<name>
    meta: dict[str, Any] = Field(default_factory=dict)


class Decision(BaseModel):
    """How the episode ended for the shopper."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["buy", "leave", "none"]
    product_id: str | None = None
    reason: str | None = None


class Usage(BaseModel):
    """Token usage and cost of one role over an episode. ``retries``: transport retries (429,
    5xx, timeouts, connection errors, bodies that are not JSON) its calls needed, those of a call
    that failed for good included."""

    model_config = ConfigDict(extra="forbid")

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cached_calls: int = 0
    retries: int = 0

    def add(self, other: "Usage") -> "Usage":
        return Usage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
            cached_calls=self.cached_calls + other.cached_calls,
            retries=self.retries + other.retries,
        )


class ParticipantInfo(BaseModel):
    """Which implementation played a role, with its parameters (never secrets)."""

    model_config = ConfigDict(extra="forbid")

    kind: str  # scripted | pushy | llm | hf
    model: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class Episode(BaseModel):
    """One simulated conversation, everything needed to score it again without re-simulating."""

    model_config = ConfigDict(extra="forbid")

    id: str  # "<persona_id>#<trial>"
    run_id: str = ""
    persona_id: str
    persona_hash: str
    category: str
    archetype: str = ""
    trial: int = 0
    seed: int
    shopper: ParticipantInfo
    agent: ParticipantInfo
    messages: list[Message] = Field(default_factory=list)
    presented_product_ids: list[str] = Field(default_factory=list)
    viewed_product_ids: list[str] = Field(default_factory=list)
    decision: Decision = Field(default_factory=lambda: Decision(type="none"))
    termination: Termination = "max_turns"
    turns: int = 0
    usage: dict[str, Usage] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)
    error: str | None = None

    @property
    def infrastructure_failure(self) -> bool:
        """True when the episode ended by a timeout or an error other than an invalid purchase:
        such episodes say nothing about the simulator and most metrics leave them unscored."""
        term = self.termination
        return term == "timeout" or (term.startswith("error:") and term != "error:invalid_product")

    def shopper_messages(self) -> list[Message]:
        return [m for m in self.messages if m.role == "shopper"]

    def shopper_texts(self) -> list[str]:
        """The visible text of every shopper turn that says something."""
        return [m.text for m in self.messages if m.role == "shopper" and m.text.strip()]

"""The participant contracts: what a shopper and a sales agent are to the orchestrator.

A participant is a stateless-ish policy object (configuration, clients, read-only store access)
plus an explicit, JSON-serialisable per-episode ``state`` dict. ``start`` makes the state, ``act``
takes the observation and the state and returns one step and the new state. Keeping the state
explicit lets an episode be replayed, resumed, and wrapped as an RL environment.

Shopper steps are structured actions (``say``, ``view_product``, ``buy``, ``leave``). Agent steps
are either tool calls (the orchestrator executes them and calls the agent again) or a final
message to the shopper with the products it presents.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from salessim.schema import Message, ParticipantInfo, Persona, ShopperAction, ToolCall, Usage

State = dict[str, Any]


class Observation(BaseModel):
    """What a participant sees when it is asked to act: the transcript so far and the clock.

    ``messages`` is the whole record; use :func:`visible_to_shopper` / :func:`visible_to_agent`
    for the part each role can see.
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    messages: list[Message]
    turn: int
    max_turns: int
    category: str


class ShopperStep(BaseModel):
    """One shopper action with what produced it."""

    model_config = ConfigDict(extra="forbid")

    action: ShopperAction
    reasoning: str | None = None
    flags: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    meta: dict[str, Any] = Field(default_factory=dict)


class AgentStep(BaseModel):
    """Either ``tool_calls`` (executed by the orchestrator, then the agent acts again) or a final
    ``text`` for the shopper, with the ids of the products it presents."""

    model_config = ConfigDict(extra="forbid")

    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    presented_product_ids: list[str] = Field(default_factory=list)
    reasoning: str | None = None
    flags: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    meta: dict[str, Any] = Field(default_factory=dict)


@runtime_checkable
class Shopper(Protocol):
    """A shopper simulator: the system under test."""

    info: ParticipantInfo
    vision: bool  # whether view_product results carry the image

    def start(self, persona: Persona, seed: int) -> State: ...

    async def act(self, obs: Observation, state: State) -> tuple[ShopperStep, State]: ...


@runtime_checkable
class SalesAgent(Protocol):
    """A sales agent: the environment the shopper talks to (or the system under test when
    benchmarking agents)."""

    info: ParticipantInfo

    def start(self, category: str, seed: int) -> State: ...

    async def act(self, obs: Observation, state: State) -> tuple[AgentStep, State]: ...


def visible_to_shopper(messages: list[Message]) -> list[Message]:
    """The messages a shopper sees: its own actions, the agent's texts, and results of the tools
    the shopper itself called (viewed products). The agent's tool calls and results are hidden."""
    out = []
    for m in messages:
        if m.role == "shopper":
            out.append(m)
        elif m.role == "agent" and m.text.strip():
            out.append(m)
        elif m.role == "tool" and m.tool_caller == "shopper":
            out.append(m)
    return out


def visible_to_agent(messages: list[Message]) -> list[Message]:
    """The messages a sales agent sees: shopper texts (and which products it looked at or bought),
    its own messages and tool calls, and its own tool results."""
    out = []
    for m in messages:
        if m.role == "shopper":
            out.append(m)
        elif m.role == "agent":
            out.append(m)
        elif m.role == "tool" and m.tool_caller == "agent":
            out.append(m)
    return out

"""The participant contracts: what a shopper and a sales agent are to the orchestrator.

Write your own as a class with ``start`` and ``act`` (subclass :class:`ShopperBase` or
:class:`SalesAgentBase` for the bookkeeping) and name it in a run config by ``MODULE:ATTR`` or
through an entry point (:mod:`salessim.api.registry`); :func:`check_participant` says what is
missing from an object that does not fit.

A participant is a stateless-ish policy object (configuration, clients, read-only store access)
plus an explicit, JSON-serialisable per-episode ``state`` dict. ``start`` makes the state, ``act``
takes the observation and the state and returns one step and the new state. Keeping the state
explicit lets an episode be replayed, resumed, and wrapped as an RL environment.

Shopper steps are structured actions (``say``, ``view_product``, ``buy``, ``leave``). Agent steps
are either tool calls (the orchestrator executes them and calls the agent again) or a final
message to the shopper with the products it presents.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from salessim.errors import SalesSimError
from salessim.schema import (
    Message,
    ParticipantInfo,
    Persona,
    ShopperAction,
    ToolCall,
    Usage,
)

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


class ShopperBase:
    """A convenient base for your own shopper: sets :attr:`info` (kind = the class name unless
    given), ``vision = False``, and an empty state. Override :meth:`act` (and :meth:`start` when
    the shopper needs per-episode state). The persona of the episode is in ``state["persona"]``."""

    kind: ClassVar[str | None] = None
    vision: bool = False

    def __init__(self, **params: Any):
        self.params = params
        self.info = ParticipantInfo(kind=self.kind or type(self).__name__, params=dict(params))

    def start(self, persona: Persona, seed: int) -> State:
        return {"persona": persona.model_dump(mode="json"), "seed": seed}

    async def act(self, obs: Observation, state: State) -> tuple[ShopperStep, State]:
        raise NotImplementedError("a shopper must implement act(obs, state)")


class SalesAgentBase:
    """A convenient base for your own sales agent: sets :attr:`info` (kind = the class name
    unless given) and a state holding the category and seed. Override :meth:`act`."""

    kind: ClassVar[str | None] = None

    def __init__(self, **params: Any):
        self.params = params
        self.info = ParticipantInfo(kind=self.kind or type(self).__name__, params=dict(params))

    def start(self, category: str, seed: int) -> State:
        return {"category": category, "seed": seed}

    async def act(self, obs: Observation, state: State) -> tuple[AgentStep, State]:
        raise NotImplementedError("a sales agent must implement act(obs, state)")


def check_participant(obj: Any, role: str, spec: str, *, where: str | None = None) -> None:
    """Fail with one line unless ``obj`` can play ``role`` (``shopper`` or ``agent``): it needs
    ``start(...)`` and an ``async def act(obs, state)``; a shopper also ``vision``, both ``info``
    (a :class:`~salessim.schema.ParticipantInfo`)."""
    needed = ["info", "start", "act"] + (["vision"] if role == "shopper" else [])
    missing = [name for name in needed if not hasattr(obj, name)]
    if not missing and not inspect.iscoroutinefunction(getattr(obj, "act")):
        missing.append("act must be `async def`")
    if not missing and not isinstance(getattr(obj, "info"), ParticipantInfo):
        missing.append("info must be a salessim.schema.ParticipantInfo")
    if missing:
        base = "ShopperBase" if role == "shopper" else "SalesAgentBase"
        raise SalesSimError(f"{spec!r} does not fit the {role} contract: missing {', '.join(missing)}", where=where,
                            hint=f"Subclass salessim.api.{base} and implement `async def act(self, obs, state)`.")


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

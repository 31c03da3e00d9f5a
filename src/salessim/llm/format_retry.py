"""Asking a chat model again until its output is usable: the one format-retry loop of every LLM
participant (shopper, agent).

A participant hands :func:`ask_until_usable` its messages and a ``parse`` function that turns one
:class:`~salessim.llm.protocol.ChatResponse` into a value or an :class:`OutputProblem`. Each
unusable output is answered with the problem's corrective note (the ``format_notes`` of the role's
prompt data) appended to the *original* messages, up to ``max_format_retries`` times. What comes
back (:class:`Attempts`) holds the last response, its value or problem, the kinds of every problem
met, and the usage, cache hits and reasoning summed over all calls; the participant decides what an
output that is still unusable means (say the visible text, end the episode, ...).

Transport failures (timeouts, 5xx, rate limits) are not handled here: the client retries those
(:mod:`salessim.llm.retry`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from salessim.llm.endpoints import (
    call_seed,
    chat_request,
    complete_redacted,
    merge_user_messages,
)
from salessim.llm.pricing import usage_of
from salessim.llm.prompts import fill
from salessim.llm.protocol import ChatClient, ChatResponse
from salessim.schema import Usage
from salessim.schema.run import ModelConfig

T = TypeVar("T")


@dataclass
class OutputProblem:
    """Why one model output could not be used: a ``kind`` (a key of ``format_notes``) and the
    values for its corrective note."""

    kind: str
    values: dict[str, Any] = field(default_factory=dict)

    def note(self, notes: dict[str, str]) -> str:
        """The corrective note for this problem (``format_notes`` of the role's prompt data)."""
        return fill(notes[self.kind], **self.values).strip()


@dataclass
class Attempts(Generic[T]):
    """Every call made for one participant turn: the last response with its value (None when the
    last output was unusable too) or problem, and what all calls added up to."""

    response: ChatResponse
    value: T | None
    problem: OutputProblem | None
    problems: list[str]
    usage: Usage
    cached: int
    reasoning: list[str]

    @property
    def usable(self) -> bool:
        """True when the last output could be used."""
        return self.problem is None

    @property
    def reasoning_text(self) -> str | None:
        """The reasoning of all calls, joined (None when there was none)."""
        return "\n\n".join(self.reasoning) or None

    def meta(self) -> dict[str, Any]:
        """The step's ``meta``: ``llm_calls``, and ``format_problems`` / ``cached_calls`` when any."""
        meta: dict[str, Any] = {"llm_calls": len(self.problems) + (1 if self.usable else 0)}
        if self.problems:
            meta["format_problems"] = list(self.problems)
        if self.cached:
            meta["cached_calls"] = self.cached
        return meta


Parse = Callable[[ChatResponse], "tuple[T | None, OutputProblem | None]"]


async def ask_until_usable(client: ChatClient, model: ModelConfig, messages: list[dict[str, Any]], *,
                           parse: Parse, notes: dict[str, str], role: str, episode_seed: int, call_index: int,
                           tools: list[dict] | None = None, tool_choice: str | None = None) -> Attempts:
    """Call the model with ``messages`` and ``parse`` its output; on a problem, ask again with the
    problem's corrective note (``model.max_format_retries`` times at most). Each call's seed
    derives from the episode seed, the call index, the attempt and the ``role``."""
    usage = Usage()
    reasoning: list[str] = []
    problems: list[str] = []
    cached = 0
    asked = messages
    response: ChatResponse | None = None
    value: T | None = None
    problem: OutputProblem | None = None
    for attempt in range(model.max_format_retries + 1):
        request = chat_request(model, asked, tools=tools, tool_choice=tool_choice,
                               seed=call_seed(episode_seed, call_index, attempt, role))
        response = await complete_redacted(client, request, model)
        usage = usage.add(usage_of(response))
        cached += int(response.cached)
        if response.reasoning:
            reasoning.append(response.reasoning)
        value, problem = parse(response)
        if problem is None:
            break
        problems.append(problem.kind)
        asked = merge_user_messages(messages + [{"role": "user", "content": problem.note(notes)}])
    assert response is not None  # max_format_retries >= 0: at least one call
    return Attempts(response=response, value=value, problem=problem, problems=problems, usage=usage,
                    cached=cached, reasoning=reasoning)

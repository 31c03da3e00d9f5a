"""The human participants of ``salessim play``: a person is the shopper or the sales agent.

They implement the participant contract of :mod:`salessim.api.participants` (``info``, ``start``,
``act``), so the ordinary orchestrator runs a conversation with a person exactly as it runs one
between models. ``act`` waits on a :class:`Channel` until the web page hands over the person's
next step; the episode records ``kind: human`` for that role.
"""

from __future__ import annotations

import asyncio

from salessim.api.participants import AgentStep, Observation, ShopperStep, State
from salessim.schema import ParticipantInfo, Persona

__all__ = ["Channel", "HumanAgent", "HumanShopper", "NotYourTurn"]


class NotYourTurn(Exception):
    """The person acted while the conversation was not waiting for them."""


class Channel:
    """Hands steps from the web page to a waiting human participant.

    ``waiting`` is True while the participant's ``act`` waits for a step; :meth:`submit` gives it
    one. ``ready`` is set whenever the person can act again (or the conversation ended: the
    session sets it then), so a request that submitted a step can wait for the reply.
    """

    def __init__(self) -> None:
        self._queue: asyncio.Queue = asyncio.Queue(maxsize=1)
        self.waiting = False
        self.ready = asyncio.Event()

    async def next_step(self):
        """Wait for the person's next step (called by the participant's ``act``)."""
        self.waiting = True
        self.ready.set()
        try:
            return await self._queue.get()
        finally:
            self.waiting = False

    def submit(self, step) -> None:
        """Give the waiting participant ``step``; :class:`NotYourTurn` when none waits."""
        if not self.waiting or self._queue.full():
            raise NotYourTurn("the conversation is not waiting for you")
        self.ready.clear()
        self._queue.put_nowait(step)


class HumanShopper:
    """A person playing the shopper: sees product pictures (``vision``), acts through the page."""

    vision = True

    def __init__(self, channel: Channel):
        self.channel = channel
        self.info = ParticipantInfo(kind="human", params={"interface": "salessim play"})

    def start(self, persona: Persona, seed: int) -> State:
        return {"persona_id": persona.id, "seed": int(seed)}

    async def act(self, obs: Observation, state: State) -> tuple[ShopperStep, State]:
        step = await self.channel.next_step()
        return step, state


class HumanAgent:
    """A person playing the sales agent: calls the store tools through forms, then replies."""

    def __init__(self, channel: Channel):
        self.channel = channel
        self.info = ParticipantInfo(kind="human", params={"interface": "salessim play"})

    def start(self, category: str, seed: int) -> State:
        return {"category": category, "seed": int(seed)}

    async def act(self, obs: Observation, state: State) -> tuple[AgentStep, State]:
        step = await self.channel.next_step()
        return step, state

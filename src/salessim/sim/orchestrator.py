"""One episode between a shopper and a sales agent in one category of the store.

The loop, turn by turn (a turn = the shopper's message and the agent's reply):

1. The shopper acts until it says something, buys or leaves. ``view_product`` actions are
   executed as shopper tool calls (the image is attached when the shopper can see) and the shopper
   acts again, at most ``max_views_per_turn`` times per turn.
2. The agent acts until it answers in text; its tool calls are executed by the store (at most
   ``max_tool_iterations`` rounds per turn). The products its answer presents are recorded.

The episode ends with ``bought``, ``left``, ``max_turns``, ``timeout`` or ``error:<kind>``.
Participants never crash an episode silently: an exception ends that episode with
``error:<kind>`` (``LLMError.kind`` when it has one) and the record keeps everything up to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass

from salessim.api.participants import (
    AgentStep,
    Observation,
    SalesAgent,
    Shopper,
    ShopperStep,
)
from salessim.schema import (
    Decision,
    Episode,
    Message,
    Persona,
    ShopperAction,
    ToolCall,
    Usage,
)


@dataclass
class EpisodeLimits:
    """Limits of one episode."""

    max_turns: int = 12
    max_views_per_turn: int = 4
    max_tool_iterations: int = 5
    timeout_s: float | None = None


def _error_kind(exc: BaseException) -> str:
    kind = getattr(exc, "kind", None)
    if isinstance(kind, str) and kind:
        return kind
    return type(exc).__name__.lower()


class EpisodeRunner:
    """Runs one episode step by step; ``run()`` drives it to the end.

    The store tools are the only way products and images reach the participants; everything the
    participants do is recorded in ``self.episode``.
    """

    def __init__(
        self,
        persona: Persona,
        shopper: Shopper,
        agent: SalesAgent,
        store,
        *,
        seed: int,
        trial: int = 0,
        run_id: str = "",
        limits: EpisodeLimits | None = None,
    ):
        self.persona = persona
        self.shopper = shopper
        self.agent = agent
        self.tools = store.tools(persona.category)
        self.catalog = store.catalog
        self.limits = limits or EpisodeLimits()
        self.episode = Episode(
            id=f"{persona.id}#{trial}",
            run_id=run_id,
            persona_id=persona.id,
            persona_hash=persona.content_hash(),
            category=persona.category,
            archetype=persona.archetype,
            trial=trial,
            seed=seed,
            shopper=shopper.info,
            agent=agent.info,
        )
        self.shopper_state = shopper.start(persona, seed)
        self.agent_state = agent.start(persona.category, seed)
        self._call_counter = 0
        self._acting = "shopper"  # whose act() runs: a failed call's retries are counted for it
        self._timing = {"shopper_s": 0.0, "agent_s": 0.0, "env_s": 0.0}

    # -- helpers -------------------------------------------------------------------------------
    def _obs(self) -> Observation:
        return Observation(
            messages=self.episode.messages,
            turn=self.episode.turns,
            max_turns=self.limits.max_turns,
            category=self.persona.category,
        )

    def _add_usage(self, role: str, usage: Usage) -> None:
        cur = self.episode.usage.get(role, Usage())
        self.episode.usage[role] = cur.add(usage)

    def _present(self, ids: list[str]) -> None:
        for pid in ids:
            if pid not in self.episode.presented_product_ids:
                self.episode.presented_product_ids.append(pid)

    def _next_call_id(self, prefix: str) -> str:
        self._call_counter += 1
        return f"{prefix}{self._call_counter}"

    def _finish(self, termination: str, decision: Decision | None = None) -> None:
        self.episode.termination = termination
        if decision is not None:
            self.episode.decision = decision

    # -- the two phases ------------------------------------------------------------------------
    async def shopper_phase(self) -> bool:
        """Let the shopper act until it speaks or decides. Returns True when the episode ended."""
        views = 0
        while True:
            t0 = time.perf_counter()
            self._acting = "shopper"
            step, self.shopper_state = await self.shopper.act(self._obs(), self.shopper_state)
            self._timing["shopper_s"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            ended = self._record_shopper(step)
            if ended:
                self._timing["env_s"] += time.perf_counter() - t0
                return True
            action = step.action
            if action.type == "view_product":
                views += 1
                call_id = self._next_call_id("view")
                result = self.tools.call(
                    "view_product",
                    {"product_id": action.product_id or ""},
                    call_id,
                    caller="shopper",
                    vision=getattr(self.shopper, "vision", False),
                )
                if result.image_png_b64 and not result.image_sha256:
                    result.image_sha256 = hashlib.sha256(result.image_png_b64.encode()).hexdigest()[:16]
                self.episode.messages.append(
                    Message(role="tool", tool_result=result, tool_caller="shopper")
                )
                if not result.error and action.product_id:
                    self._present([action.product_id])
                    if action.product_id not in self.episode.viewed_product_ids:
                        self.episode.viewed_product_ids.append(action.product_id)
                self._timing["env_s"] += time.perf_counter() - t0
                if views >= self.limits.max_views_per_turn:
                    # Too many looks in one turn: hand the floor to the agent.
                    self.episode.messages[-1].flags.append("view_limit_reached")
                    return False
                continue
            self._timing["env_s"] += time.perf_counter() - t0
            return False

    def _record_shopper(self, step: ShopperStep) -> bool:
        action = step.action
        text = action.text
        if action.type == "leave" and not text:
            text = action.reason or ""
        msg = Message(
            role="shopper",
            text=text,
            action=action,
            reasoning=step.reasoning,
            flags=list(step.flags),
            meta=dict(step.meta),
        )
        self.episode.messages.append(msg)
        self._add_usage("shopper", step.usage)
        if action.type == "buy":
            pid = action.product_id
            product = self.catalog.get(pid) if pid else None
            if product is None or product.category != self.persona.category:
                msg.flags.append("buy_unknown_product")
                self._finish("error:invalid_product", Decision(type="none", reason=f"unknown product {pid!r}"))
                return True
            if pid not in self.episode.presented_product_ids:
                msg.flags.append("bought_unpresented")
                self._present([pid])
            self._finish("bought", Decision(type="buy", product_id=pid))
            return True
        if action.type == "leave":
            self._finish("left", Decision(type="leave", reason=action.reason or action.text or None))
            return True
        return False

    async def agent_phase(self) -> None:
        """Let the agent act until it answers the shopper in text."""
        for iteration in range(self.limits.max_tool_iterations + 1):
            t0 = time.perf_counter()
            self._acting = "agent"
            step, self.agent_state = await self.agent.act(self._obs(), self.agent_state)
            self._timing["agent_s"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            self._add_usage("agent", step.usage)
            must_answer = iteration >= self.limits.max_tool_iterations
            if step.tool_calls and not must_answer:
                calls = [
                    ToolCall(id=c.id or self._next_call_id("call"), name=c.name, arguments=c.arguments)
                    for c in step.tool_calls
                ]
                self.episode.messages.append(
                    Message(role="agent", text=step.text, tool_calls=calls, reasoning=step.reasoning,
                            flags=list(step.flags), meta=dict(step.meta))
                )
                for call in calls:
                    result = self.tools.call(call.name, call.arguments, call.id, caller="agent")
                    self.episode.messages.append(
                        Message(role="tool", tool_result=result, tool_caller="agent")
                    )
                self._timing["env_s"] += time.perf_counter() - t0
                continue
            flags = list(step.flags)
            if step.tool_calls and must_answer:
                flags.append("tool_iteration_limit")
            presented = [p for p in step.presented_product_ids if self._known(p)]
            for p in step.presented_product_ids:
                if not self._known(p):
                    flags.append(f"hallucinated:{p}")
            self.episode.messages.append(
                Message(role="agent", text=step.text, presented_product_ids=presented,
                        reasoning=step.reasoning, flags=flags, meta=dict(step.meta))
            )
            self._present(presented)
            self._timing["env_s"] += time.perf_counter() - t0
            return

    def _known(self, product_id: str) -> bool:
        product = self.catalog.get(product_id)
        return product is not None and product.category == self.persona.category

    # -- driving -------------------------------------------------------------------------------
    async def _loop(self) -> None:
        while self.episode.turns < self.limits.max_turns:
            if await self.shopper_phase():
                return
            self.episode.turns += 1
            await self.agent_phase()
        self._finish("max_turns", Decision(type="none"))

    async def run(self) -> Episode:
        """Drive the episode to its end and return the record (never raises for participant faults)."""
        started = time.perf_counter()
        try:
            if self.limits.timeout_s:
                await asyncio.wait_for(self._loop(), timeout=self.limits.timeout_s)
            else:
                await self._loop()
        except asyncio.TimeoutError:
            self._finish("timeout", Decision(type="none"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a participant or the client failed: end only this episode
            kind = _error_kind(exc)
            attempts = getattr(exc, "attempts", None)
            if isinstance(attempts, int) and attempts > 1:  # a call that failed after retries
                self._add_usage(self._acting, Usage(retries=attempts - 1))
            self.episode.error = f"{type(exc).__name__}: {exc}"[:2000]
            self._finish(f"error:{kind}", Decision(type="none"))
        self._timing["total_s"] = time.perf_counter() - started
        self.episode.timings = {k: round(v, 6) for k, v in self._timing.items()}
        return self.episode


async def run_episode(persona: Persona, shopper: Shopper, agent: SalesAgent, store, *, seed: int,
                      trial: int = 0, run_id: str = "", limits: EpisodeLimits | None = None) -> Episode:
    """Run one whole episode and return its record."""
    return await EpisodeRunner(persona, shopper, agent, store, seed=seed, trial=trial,
                               run_id=run_id, limits=limits).run()


__all__ = ["AgentStep", "EpisodeLimits", "EpisodeRunner", "ShopperAction", "run_episode"]

"""One ``salessim play`` session over a run directory: which persona comes next, the conversation
in progress, what the page may see, and saving each finished conversation as an episode.

The conversation is driven by the ordinary orchestrator (:class:`salessim.sim.orchestrator.EpisodeRunner`)
between a human participant (:mod:`salessim.play.human`) and the machine counterpart built by
:mod:`salessim.sim.factory`; the episode record is the same as in ``salessim run`` (with ``kind:
human`` for the person's role), so ``eval``, ``report`` and ``--reference`` read it unchanged.

Run-directory rules are those of ``salessim run``: the caller holds the directory's lock for the
whole session; a finished episode is appended to ``episodes.jsonl`` at once (the checkpoint), so a
crash loses at most the conversation in progress; ``--resume`` continues with the personas not yet
played. The plan is the run's personas (split, limit, persona file) with one episode each
(``<persona_id>#0``), seeds derived from the run seed as in ``salessim run``.

What the page gets (:meth:`PlaySession.state`) is built for the person's role only: the shopper
sees the agent's texts and the products it shows, never its tool calls; the agent never sees the
persona. No configuration (model names, endpoints, key variable names) is ever in it.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from salessim.api.participants import (
    AgentStep,
    ShopperStep,
    visible_to_agent,
    visible_to_shopper,
)
from salessim.api.rundir import RunDir
from salessim.errors import SalesSimError
from salessim.play.card import card_text, persona_card, product_card
from salessim.play.human import Channel, HumanAgent, HumanShopper, NotYourTurn
from salessim.schema import Episode, Message, Persona, ShopperAction, ToolCall
from salessim.schema.run import RunConfig
from salessim.sim.orchestrator import EpisodeLimits, EpisodeRunner
from salessim.sim.runner import episode_seed
from salessim.store.search import filter_keys

__all__ = ["MAX_TEXT", "NotYourTurn", "PlayError", "PlaySession", "ROLES", "filter_value"]

ROLES = ("shopper", "agent")
MAX_TEXT = 2000  # characters of one message the person types
MAX_VIEWS_PER_TURN = 20  # a person may look at many products before answering
MAX_LOOKUPS_PER_TURN = 20  # store-tool rounds of a person playing the agent, per turn
REPLY_WAIT_S = 20.0  # how long an action request waits for the machine's reply before the page polls


class PlayError(SalesSimError):
    """An action the page sent that cannot be taken (shown to the person, HTTP 400)."""


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _clean_text(v: Any) -> str:
    text = str(v or "").replace("\x00", "").strip()
    if len(text) > MAX_TEXT:
        raise ValueError(f"at most {MAX_TEXT} characters")
    return text


# ------------------------------------------------------------------------ the page's actions


class ShopperAct(BaseModel):
    """An action of the person playing the shopper."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["say", "view", "buy", "leave"]
    text: str = ""
    product_id: str | None = Field(default=None, max_length=100)

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, v: Any) -> str:
        return _clean_text(v)


class FilterRow(BaseModel):
    """One search filter row of the agent's search form (value as typed)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=60)
    value: str = Field(max_length=200)


class AgentAct(BaseModel):
    """An action of the person playing the sales agent: a store tool, or a reply to the shopper."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["search", "details", "guide", "reply"]
    query: str = Field(default="", max_length=300)
    filters: list[FilterRow] = Field(default_factory=list, max_length=12)
    limit: int = Field(default=5, ge=1, le=20)
    product_id: str | None = Field(default=None, max_length=100)
    text: str = ""
    present: list[str] = Field(default_factory=list, max_length=5)

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, v: Any) -> str:
        return _clean_text(v)


def filter_value(key: str, raw: str) -> Any:
    """A filter value as typed in the form -> the JSON value the search tool takes: numbers for
    ``min_``/``max_`` keys, yes/no/true/false as booleans, comma-separated text as a list."""
    text = raw.strip()
    if key.startswith(("min_", "max_")):
        try:
            return float(text) if "." in text else int(text)
        except ValueError:
            raise PlayError(f"filter {key}: {text!r} is not a number") from None
    if text.lower() in ("true", "yes"):
        return True
    if text.lower() in ("false", "no"):
        return False
    if "," in text:
        return [x.strip() for x in text.split(",") if x.strip()]
    return text


# ------------------------------------------------------------------------ the session


class PlaySession:
    """A person plays ``role`` against ``counterpart`` over the personas of ``personas``, saving
    each finished conversation into the run directory ``rd`` (whose lock the caller holds).

    ``meta`` is the run.json content (written at start and after every episode); ``done_ids`` the
    episode ids already in episodes.jsonl; ``first_persona`` the persona to play first (else the
    first one not yet played)."""

    def __init__(self, rd: RunDir, cfg: RunConfig, role: str, counterpart, store, personas: list[Persona],
                 meta: dict, done_ids: set[str], *, first_persona: str | None = None):
        if role not in ROLES:
            raise SalesSimError(f"unknown role {role!r}", where="--role", hint="Use shopper or agent.")
        self.rd = rd
        self.cfg = cfg
        self.role = role
        self.counterpart = counterpart
        self.store = store
        self.personas = personas
        self.meta = meta
        self.done_ids = set(done_ids)
        self.first_persona = first_persona
        self.channel: Channel | None = None
        self.runner: EpisodeRunner | None = None
        self.task: asyncio.Task | None = None
        self.persona: Persona | None = None
        self.saved_ids: list[str] = []
        self.last_saved: Episode | None = None
        self._fh = None

    # -- plan ---------------------------------------------------------------------------------
    @staticmethod
    def episode_id(persona: Persona) -> str:
        return f"{persona.id}#0"

    def next_persona(self) -> Persona | None:
        """The persona to play next: ``first_persona`` if not played yet, else the first persona
        of the plan not played yet; None when every one is played."""
        todo = [p for p in self.personas if self.episode_id(p) not in self.done_ids]
        if self.first_persona:
            chosen = next((p for p in todo if p.id == self.first_persona), None)
            self.first_persona = None
            if chosen is not None:
                return chosen
        return todo[0] if todo else None

    @property
    def played(self) -> int:
        return sum(1 for p in self.personas if self.episode_id(p) in self.done_ids)

    # -- lifecycle ----------------------------------------------------------------------------
    def open(self) -> None:
        """Write run.json (status running) and open episodes.jsonl for appending."""
        self.meta["status"] = "running"
        self.meta["updated_at"] = _now()
        self.rd.write_meta(self.meta)
        self._fh = open(self.rd.episodes_path, "a", encoding="utf-8")

    async def start_next(self) -> bool:
        """Start the conversation with the next persona; False when every persona is played."""
        if self.task is not None and not self.task.done():
            raise PlayError("a conversation is still going on: finish it first")
        persona = self.next_persona()
        if persona is None:
            self.persona, self.runner, self.task = None, None, None
            return False

        eid = self.episode_id(persona)
        self.channel = Channel()
        human = HumanShopper(self.channel) if self.role == "shopper" else HumanAgent(self.channel)
        shopper, agent = (human, self.counterpart) if self.role == "shopper" else (self.counterpart, human)
        limits = EpisodeLimits(max_turns=self.cfg.max_turns, max_views_per_turn=MAX_VIEWS_PER_TURN,
                               max_tool_iterations=MAX_LOOKUPS_PER_TURN, timeout_s=None)
        self.persona = persona
        self.runner = EpisodeRunner(persona, shopper, agent, self.store, seed=episode_seed(self.cfg.seed, eid),
                                    trial=0, run_id=self.meta.get("run_id", ""), limits=limits)
        self.task = asyncio.create_task(self._play(self.runner, self.channel), name=f"salessim-play-{eid}")
        await self._settle()
        return True

    async def _play(self, runner: EpisodeRunner, channel: Channel) -> Episode:
        """Run the conversation to its end and save it at once (the task is done only when the
        episode is on disk)."""
        try:
            episode = await runner.run()
            self.rd.append_episode(self._fh, episode)  # the checkpoint: saved the moment it ends
            self.done_ids.add(episode.id)
            self.saved_ids.append(episode.id)
            self.last_saved = episode
            self.meta["episodes_done"] = len(self.done_ids)
            self.meta["updated_at"] = _now()
            self.rd.write_meta(self.meta)
            return episode
        finally:
            channel.ready.set()

    async def _settle(self, timeout: float = REPLY_WAIT_S) -> None:
        """Wait until the person can act again or the conversation ended (at most ``timeout``)."""
        if self.channel is None or self.task is None or self.task.done():
            return
        try:
            await asyncio.wait_for(self.channel.ready.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    async def close(self) -> str:
        """Stop: a conversation in progress is dropped (not saved); run.json gets its final
        status (``complete`` when every persona is played, else ``interrupted``). Returns it."""
        dropped = False
        if self.task is not None and not self.task.done():
            self.task.cancel()
            dropped = True
            try:
                await self.task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        closer = getattr(self.counterpart, "aclose", None)
        if closer is not None:
            try:
                await closer()
            except Exception:  # noqa: BLE001 - closing must never lose the record
                pass
        status = "complete" if self.played == len(self.personas) else "interrupted"
        self.meta["status"] = status
        self.meta["episodes_done"] = len(self.done_ids)
        self.meta["updated_at"] = _now()
        if dropped:
            self.meta["dropped_conversations"] = self.meta.get("dropped_conversations", 0) + 1
        self.rd.write_meta(self.meta)
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        return status

    # -- actions ------------------------------------------------------------------------------
    async def act(self, payload: Any) -> dict[str, Any]:
        """Take one action of the person (a JSON object from the page), wait for the machine's
        reply (a while at most) and return the new state. Raises :class:`PlayError` (a bad
        action) or :class:`NotYourTurn`."""
        if self.runner is None or self.task is None or self.task.done():
            raise PlayError("no conversation is going on: start the next one")
        if not isinstance(payload, dict):
            raise PlayError("an action is a JSON object")
        try:
            step = self._shopper_step(payload) if self.role == "shopper" else self._agent_step(payload)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ())) or "action"
            raise PlayError(f"{where}: {err.get('msg', 'invalid')}") from None
        self.channel.submit(step)
        await asyncio.sleep(0)  # let the participant take it
        await self._settle()
        return self.state()

    def _presented(self) -> list[str]:
        return list(self.runner.episode.presented_product_ids) if self.runner else []

    def _shopper_step(self, payload: dict) -> ShopperStep:
        act = ShopperAct.model_validate(payload)
        presented = self._presented()
        if act.type == "say":
            if not act.text:
                raise PlayError("type a message first")
            return ShopperStep(action=ShopperAction(type="say", text=act.text))
        if act.type == "leave":
            return ShopperStep(action=ShopperAction(type="leave", text=act.text, reason=act.text or "left"))
        if not act.product_id or act.product_id not in presented:
            raise PlayError("choose one of the products the agent showed you")
        if act.type == "view":
            if self._views_left() <= 0:
                raise PlayError("you have looked at many products this turn: answer the agent first")
            return ShopperStep(action=ShopperAction(type="view_product", product_id=act.product_id))
        return ShopperStep(action=ShopperAction(type="buy", product_id=act.product_id, text=act.text))

    def _agent_step(self, payload: dict) -> AgentStep:
        act = AgentAct.model_validate(payload)
        if act.type == "reply":
            known = self._agent_known_products()
            unknown = [p for p in act.present if p not in known]
            if unknown:
                raise PlayError(f"present only products you looked up (not {', '.join(unknown)})")
            if not act.text and not act.present:
                raise PlayError("write a reply (and tick the products you present, if any)")
            return AgentStep(text=act.text, presented_product_ids=list(dict.fromkeys(act.present)))
        if self._lookups_left() <= 0:
            raise PlayError("you have used the store tools many times this turn: reply to the shopper now")
        if act.type == "search":
            filters = {}
            for row in act.filters:
                key = row.key.strip()
                if key and row.value.strip():
                    filters[key] = filter_value(key, row.value)
            args: dict[str, Any] = {"query": act.query.strip(), "limit": act.limit}
            if filters:
                args["filters"] = filters
            call = ToolCall(id="", name="search_products", arguments=args)
        elif act.type == "details":
            if not act.product_id:
                raise PlayError("give a product id")
            call = ToolCall(id="", name="get_product", arguments={"product_id": act.product_id.strip()})
        else:
            if not act.query.strip():
                raise PlayError("type what to look up in the buying guide")
            call = ToolCall(id="", name="lookup_buying_guide", arguments={"query": act.query.strip()})
        return AgentStep(tool_calls=[call])

    # -- what the page sees -------------------------------------------------------------------
    def _since_other(self, who: str) -> list[Message]:
        """The messages since the last message of the other side with text (this turn's)."""
        msgs = self.runner.episode.messages if self.runner else []
        out: list[Message] = []
        for m in reversed(msgs):
            if m.role == who and m.text.strip() and not m.tool_calls:
                break
            out.append(m)
        return out

    def _views_left(self) -> int:
        views = sum(1 for m in self._since_other("agent") if m.role == "shopper" and m.action is not None
                    and m.action.type == "view_product")
        return MAX_VIEWS_PER_TURN - views

    def _lookups_left(self) -> int:
        rounds = sum(1 for m in self._since_other("shopper") if m.role == "agent" and m.tool_calls)
        return MAX_LOOKUPS_PER_TURN - rounds

    def _agent_known_products(self) -> list[str]:
        """Products the person playing the agent has seen in tool results of this conversation
        (or presented), most recent first."""
        known: list[str] = []
        for m in self.runner.episode.messages if self.runner else []:
            found: list = []
            if m.role == "tool" and m.tool_caller == "agent" and m.tool_result and not m.tool_result.error:
                content = m.tool_result.content if isinstance(m.tool_result.content, dict) else {}
                if m.tool_result.name == "search_products":
                    found = [r.get("id") for r in content.get("results", []) if isinstance(r, dict)]
                elif m.tool_result.name == "get_product":
                    found = [content.get("id")]
            elif m.role == "agent":
                found = list(m.presented_product_ids)
            for pid in reversed(found):
                if isinstance(pid, str):
                    if pid in known:
                        known.remove(pid)
                    known.insert(0, pid)
        return known

    def viewed_ids(self) -> list[str]:
        """Products the person playing the shopper has looked at in this conversation (their
        pictures may be served)."""
        if self.runner is None or self.role != "shopper":
            return []
        return list(self.runner.episode.viewed_product_ids)

    def _status(self) -> str:
        if self.task is None:
            return "all_done" if self.next_persona_preview() is None else "idle"
        if self.task.done():
            return "finished"
        return "your_turn" if self.channel is not None and self.channel.waiting else "waiting"

    def next_persona_preview(self) -> str | None:
        todo = [p for p in self.personas if self.episode_id(p) not in self.done_ids]
        return todo[0].id if todo else None

    def state(self) -> dict[str, Any]:
        """Everything the page shows, for the person's role only (see the module docstring)."""
        words = card_text()
        status = self._status()
        out: dict[str, Any] = {"role": self.role, "status": status,
                               "progress": {"played": self.played, "planned": len(self.personas),
                                            "saved_this_session": len(self.saved_ids)},
                               "max_text": MAX_TEXT}
        if self.runner is None:
            return out
        ep = self.runner.episode
        tools = self.runner.tools
        schema = tools.schema
        out["episode"] = {"id": ep.id, "category": ep.category, "category_name": schema.display_name,
                          "turn": ep.turns, "max_turns": self.runner.limits.max_turns}
        out["intro"] = words["role_intro"][self.role].format(singular=schema.singular)
        if status == "finished":
            out["episode"]["termination"] = ep.termination
            out["episode"]["decision"] = ep.decision.model_dump(exclude_none=True)
            out["episode"]["saved"] = ep.id in self.done_ids
            if ep.termination.startswith("error:") or ep.termination == "timeout":
                out["episode"]["problem"] = ep.termination  # the kind only: never the error text
            out["next_available"] = self.next_persona_preview() is not None
        if self.role == "shopper":
            out["persona"] = persona_card(self.persona, schema)
            out["messages"] = self._shopper_view(ep)
            out["products"] = self._products(ep, tools, viewed=set(ep.viewed_product_ids))
            out["views_left"] = self._views_left()
            out["picture_note"] = words["picture_note"]
        else:
            out["messages"] = self._agent_view(ep)
            out["products"] = {pid: product_card(p, tools) for pid in self._agent_known_products()
                               if (p := self.store.catalog.get(pid)) is not None}
            out["lookups_left"] = self._lookups_left()

            out["filter_keys"] = filter_keys(schema)
        return out

    def _products(self, ep: Episode, tools, viewed: set[str]) -> dict[str, Any]:
        out = {}
        for pid in ep.presented_product_ids:
            product = self.store.catalog.get(pid)
            if product is None:
                continue
            entry: dict[str, Any] = {"id": pid, "name": product.name, "price": product.attributes.get("price"),
                                     "viewed": pid in viewed}
            if pid in viewed:
                card = product_card(product, tools)
                entry["attributes"] = card["attributes"]
                entry["description"] = product.description
            out[pid] = entry
        return out

    @staticmethod
    def _shopper_view(ep: Episode) -> list[dict[str, Any]]:
        out = []
        pending = None
        for m in visible_to_shopper(ep.messages):
            if m.role == "shopper":
                if m.action is not None and m.action.type == "view_product":
                    pending = m.action.product_id
                    continue
                out.append({"who": "you", "text": m.text, "action": m.action.type if m.action else "say",
                            "product_id": m.action.product_id if m.action else None})
            elif m.role == "agent":
                out.append({"who": "agent", "text": m.text, "products": list(m.presented_product_ids)})
            elif m.role == "tool" and m.tool_result is not None:
                content = m.tool_result.content if isinstance(m.tool_result.content, dict) else {}
                out.append({"who": "view", "product_id": content.get("id") or pending, "error": m.tool_result.error})
                pending = None
        return out

    @staticmethod
    def _agent_view(ep: Episode) -> list[dict[str, Any]]:
        out = []
        for m in visible_to_agent(ep.messages):
            if m.role == "shopper":
                action = m.action.type if m.action else "say"
                if action == "view_product":
                    out.append({"who": "shopper_view", "product_id": m.action.product_id})
                else:
                    out.append({"who": "shopper", "text": m.text, "action": action,
                                "product_id": m.action.product_id if m.action else None})
            elif m.role == "agent":
                for c in m.tool_calls:
                    out.append({"who": "tool_call", "name": c.name, "arguments": c.arguments})
                if m.text.strip() or m.presented_product_ids:
                    out.append({"who": "you", "text": m.text, "products": list(m.presented_product_ids)})
            elif m.role == "tool" and m.tool_result is not None:
                out.append({"who": "tool_result", "name": m.tool_result.name, "error": m.tool_result.error,
                            "content": m.tool_result.content})
        return out


"""The LLM sales agent: a chat model on any OpenAI-compatible endpoint sells with the store tools.

**Prompt.** ``data/prompts/agent_system.md`` (the store's salesperson for one category, the tools,
honest selling: recommend only products found with the tools, never invent, say so when nothing
fits, name products by exact name and id). Short texts: ``data/prompts/agent.yaml``.

**Loop.** Each ``act`` sends the agent's view of the conversation (shopper texts as ``user``, its
own replies and tool calls as ``assistant``, its tool results as ``tool``; a product page the
shopper opened is a short ``user`` note) with the tools ``search_products``, ``get_product`` and
``lookup_buying_guide``. Tool calls come back as ``AgentStep(tool_calls=...)`` for the
orchestrator to execute (ids are rewritten to ``call_<n>_<k>`` so requests never depend on the
server's random ids); the orchestrator caps tool rounds per reply, and after ``max_tool_rounds``
rounds the agent sends ``tool_choice: "none"`` with a note to answer now.

**Presented products** of a final answer: products whose id is written in it, and products it
names (:func:`salessim.nlu.mention_products`, tolerant to small name variations), preferring the
products of this reply's tool results when several catalog products share a name.

**Hallucinations.** A brand (from the catalog or ``agent.yaml: extra_brands``) followed by a model
name that matches no product of the store ("Dell XPS 15"), and a product id of the category's id
pattern that is not in the catalog ("lap-999"), are flagged ``hallucinated:<name>``. The rule is
conservative: a name whose words all occur, in order, in some product name is never flagged.

**Format errors** (broken tool JSON, unknown tool, empty or truncated output) are asked again with
a corrective note (``max_format_retries``); then visible text, if any, is used as the answer and
flagged ``format_error``, else the episode ends as ``error:format``. Reasoning is stripped into
``AgentStep.reasoning``; usage of every call is summed into ``AgentStep.usage``.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from typing import Any

from salessim.api.participants import AgentStep, Observation, State, visible_to_agent
from salessim.llm.endpoints import (
    ModelOutputError,
    merge_user_messages,
    sampling_params,
)
from salessim.llm.format_retry import OutputProblem, ask_until_usable
from salessim.llm.prompts import fill, load_prompt_data, render_prompt, with_article
from salessim.llm.protocol import ChatClient, ChatResponse
from salessim.nlu.mentions import mention_products, mentions_unknown_products
from salessim.schema import Message, ParticipantInfo, Product, ToolCall
from salessim.schema.run import ModelConfig
from salessim.store.search import filter_keys

__all__ = ["LLMSalesAgent", "find_hallucinated", "find_presented", "recent_tool_product_ids"]

_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")


def _data() -> dict[str, Any]:
    return load_prompt_data("agent.yaml")


def _nlu():
    """``(mention_products, mentions_unknown_products)`` from :mod:`salessim.nlu`."""

    return mention_products, mentions_unknown_products




# ------------------------------------------------------------------------ products in a reply
def recent_tool_product_ids(messages: list[Message]) -> list[str]:
    """Ids of the products in the agent's tool results since the shopper's last message."""
    ids: list[str] = []
    for m in reversed(messages):
        if m.role == "shopper":
            break
        if m.role != "tool" or m.tool_caller != "agent" or m.tool_result is None or m.tool_result.error:
            continue
        content = m.tool_result.content
        found: list[str] = []
        if isinstance(content, dict):
            if isinstance(content.get("results"), list):
                found += [str(r["id"]) for r in content["results"] if isinstance(r, dict) and r.get("id")]
            elif content.get("id"):
                found.append(str(content["id"]))
        for pid in reversed(found):
            if pid not in ids:
                ids.insert(0, pid)
    return ids


def _could_match(word: str, text_words: set[str]) -> bool:
    """A cheap necessary condition for ``word`` to equal a text word the way :mod:`salessim.nlu`
    compares them (exact, or difflib ratio >= 0.8 for words of five letters or more)."""
    if word in text_words:
        return True
    if len(word) < 5 or word.isdigit():
        return False
    for other in text_words:
        if len(other) >= 5 and not other.isdigit() and 3 * min(len(word), len(other)) >= 2 * max(len(word), len(other)):
            if difflib.SequenceMatcher(None, word, other).quick_ratio() >= 0.8:
                return True
    return False


def candidate_products(text: str, products: list[Product]) -> list[Product]:
    """The products that could be mentioned in ``text``: its id is written, or a key word of its
    name (a word of three letters or more, not a generic one like "laptop") could match a word of
    the text. A name mention always involves such a word, so this keeps the mentions of
    :func:`salessim.nlu.mention_products` while sparing its slow fuzzy comparison for the rest of
    the catalog. Products without key words are always kept."""
    low = text.lower()
    words = set(_tokens(low))
    out = []
    for p in products:
        keys = _name_keys(p.name)
        if p.id.lower() in low or not keys or any(_could_match(w, words) for w in keys):
            out.append(p)
    return out


_GENERIC_WORDS = frozenset("laptop laptops notebook phone phones smartphone smartphones headphones headphone "
                           "earbuds earphones the and with for inch".split())


@lru_cache(maxsize=8192)
def _name_keys(name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for w in _tokens(name) if len(w) >= 3 and w.isalpha() and w not in _GENERIC_WORDS))


def find_presented(text: str, products: list[Product], recent_ids: list[str]) -> list[str]:
    """The products of ``products`` that ``text`` presents: ids written in it and products it
    names. When a name fits several catalog products, those among ``recent_ids`` (this reply's
    tool results) win; a name fitting only products outside them keeps them all."""
    if not text:
        return []
    mention_products, _ = _nlu()
    by_id = {p.id: p for p in products}
    recent = [by_id[i] for i in recent_ids if i in by_id]
    hits_recent = mention_products(text, recent) if recent else []
    hits_all = mention_products(text, candidate_products(text, products))
    low = text.lower()
    recent_names = {by_id[i].name.lower() for i in hits_recent}
    out = list(hits_recent)
    for pid in hits_all:
        if pid in out:
            continue
        written = re.search(rf"(?<![\w-]){re.escape(pid.lower())}(?![\w-])", low) is not None
        if written or by_id[pid].name.lower() not in recent_names:
            out.append(pid)
    return out


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _is_subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(n == h for h in it) for n in needle)


def find_hallucinated(text: str, category_products: list[Product], all_products: list[Product],
                      extra_brands: list[str] | None = None) -> list[str]:
    """Product names and ids in ``text`` that match nothing in the store (see module docstring)."""
    if not text:
        return []
    _, mentions_unknown_products = _nlu()
    brands = sorted({p.brand for p in all_products if p.brand} | set(extra_brands or []))
    names = [_tokens(p.name) for p in all_products]
    out: list[str] = []
    for phrase in mentions_unknown_products(text, category_products, brands):
        words = _tokens(phrase)
        brand_words = next((_tokens(b) for b in brands if phrase.lower().startswith(b.lower())), [])
        model_words = words[len(brand_words):] if words[:len(brand_words)] == brand_words else words
        if model_words and any(_is_subsequence(model_words, n) for n in names):
            continue
        if phrase not in out:
            out.append(phrase)
    prefixes = sorted({p.id.rsplit("-", 1)[0] for p in category_products if "-" in p.id})
    if prefixes:
        known = {p.id.lower() for p in all_products}
        rx = re.compile(rf"(?<![\w-])((?:{'|'.join(re.escape(x) for x in prefixes)})-\d+)(?![\w-])", re.IGNORECASE)
        for match in rx.finditer(text):
            pid = match.group(1)
            if pid.lower() not in known and pid not in out:
                out.append(pid)
    return out


# ------------------------------------------------------------------------------------- agent
class LLMSalesAgent:
    """A sales agent backed by a chat model, using the store tools (see the module docstring).

    ``store`` gives the tool specs, the catalog (presented products, hallucination checks) and
    the prompt's example. The per-episode state is ``{"category", "seed", "calls"}``.
    """

    def __init__(self, client: ChatClient, model_cfg: ModelConfig, store: Any, *, max_tool_rounds: int = 5):
        self.client = client
        self.model_cfg = model_cfg
        self.store = store
        self.max_tool_rounds = max_tool_rounds
        self.info = ParticipantInfo(kind="llm", model=model_cfg.model, params=sampling_params(model_cfg))

    def __repr__(self) -> str:
        return f"LLMSalesAgent(model={self.model_cfg.model!r})"

    async def aclose(self) -> None:
        """Close the client's connections (when it can be closed)."""
        close = getattr(self.client, "aclose", None)
        if close is not None:
            await close()

    def start(self, category: str, seed: int) -> State:
        """The state of a new episode."""
        return {"category": category, "seed": int(seed), "calls": 0}

    # -- prompt and history ------------------------------------------------------------------------
    def system_prompt(self, category: str) -> str:
        """The system prompt for ``category`` (``data/prompts/agent_system.md``)."""

        schema = self.store.catalog.schema(category)
        products = self.store.catalog.products(category)
        example = f"{products[0].name} ({products[0].id})" if products else "Example Model 13 (lap-001)"
        return render_prompt(
            "agent_system.md",
            singular_with_article=with_article(schema.singular),
            plural=schema.display_name.lower(),
            filter_keys=", ".join(filter_keys(schema)),
            example=example,
        ).strip() + "\n"

    def _product_name(self, pid: str | None) -> str:
        product = self.store.catalog.get(pid) if pid else None
        return product.name if product is not None else "unknown product"

    @staticmethod
    def tool_rounds_this_reply(messages: list[Message]) -> int:
        """How many tool rounds the agent made since the shopper's last message."""
        rounds = 0
        for m in reversed(messages):
            if m.role == "shopper":
                break
            if m.role == "agent" and m.tool_calls:
                rounds += 1
        return rounds

    def build_messages(self, obs: Observation, state: State) -> list[dict[str, Any]]:
        """The chat messages for the agent model: system prompt, then its view of the episode."""
        data = _data()
        messages: list[dict[str, Any]] = [{"role": "system", "content": self.system_prompt(state["category"])}]
        for m in visible_to_agent(obs.messages):
            if m.role == "shopper":
                action = m.action
                if action is not None and action.type == "view_product":
                    note = fill(data["shopper_viewed"], id=action.product_id or "",
                                name=self._product_name(action.product_id))
                    content = f"{m.text.strip()}\n{note}".strip() if m.text.strip() else note
                    messages.append({"role": "user", "content": content})
                elif m.text.strip():
                    messages.append({"role": "user", "content": m.text.strip()})
            elif m.role == "agent":
                if m.tool_calls:
                    messages.append({"role": "assistant", "content": m.text or None, "tool_calls": [
                        {"id": c.id, "type": "function",
                         "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)}}
                        for c in m.tool_calls]})
                else:
                    messages.append({"role": "assistant", "content": m.text})
            elif m.role == "tool" and m.tool_result is not None:
                content = m.tool_result.content
                messages.append({"role": "tool", "tool_call_id": m.tool_result.call_id,
                                 "content": content if isinstance(content, str)
                                 else json.dumps(content, ensure_ascii=False)})
        return merge_user_messages(messages)

    # -- one output -------------------------------------------------------------------------------
    @staticmethod
    def _problem(response: ChatResponse, tool_names: list[str], tools_on: bool) -> OutputProblem | None:
        """Why ``response`` cannot be used (None when it can)."""
        text = (response.text or "").strip()
        if response.tool_calls and tools_on:
            for call in response.tool_calls:
                if call.name not in tool_names:
                    return OutputProblem("unknown_tool", {"name": call.name or "(no name)"})
                if call.parse_error or call.arguments is None:
                    return OutputProblem("truncated" if response.truncated else "malformed_tool_json")
            return None
        if response.truncated:
            return OutputProblem("truncated")
        if not text:
            return OutputProblem("empty")
        return None

    # -- acting ------------------------------------------------------------------------------------
    async def act(self, obs: Observation, state: State) -> tuple[AgentStep, State]:
        """Ask the model for tool calls or the answer to the shopper."""
        data = _data()
        category = state["category"]
        call_index = int(state.get("calls", 0))
        tools = self.store.tools(category)
        specs = tools.specs("agent")
        names = [s["function"]["name"] for s in specs]
        base = self.build_messages(obs, state)
        tools_on = self.tool_rounds_this_reply(obs.messages) < self.max_tool_rounds
        if not tools_on:
            base = merge_user_messages(base + [{"role": "user", "content": data["answer_now"].strip()}])
        tries = await ask_until_usable(self.client, self.model_cfg, base,
                                       parse=lambda r: (r, self._problem(r, names, tools_on)),
                                       notes=data["format_notes"], role="agent", episode_seed=state["seed"],
                                       call_index=call_index, tools=specs, tool_choice="auto" if tools_on else "none")
        response, usage, meta, joined = tries.response, tries.usage, tries.meta(), tries.reasoning_text
        text = (response.text or "").strip()
        flags: list[str] = []
        if not tries.usable:
            if not text:
                raise ModelOutputError("agent", tries.problems, f"finish_reason={response.finish_reason!r}, "
                                       f"tool calls={[c.name for c in response.tool_calls]}")
            flags.append("format_error")
        new_state = {**state, "calls": call_index + 1}

        if tries.usable and response.tool_calls and tools_on:
            calls = [ToolCall(id=f"call_{call_index}_{k}", name=c.name, arguments=c.arguments or {})
                     for k, c in enumerate(response.tool_calls)]
            return AgentStep(text=text, tool_calls=calls, reasoning=joined, flags=flags, usage=usage,
                             meta=meta), new_state

        catalog = self.store.catalog
        products = catalog.products(category)
        presented = find_presented(text, products, recent_tool_product_ids(obs.messages))
        for name in find_hallucinated(text, products, list(catalog.products()), data.get("extra_brands")):
            flags.append(f"hallucinated:{name}")
        return AgentStep(text=text, presented_product_ids=presented, reasoning=joined, flags=flags,
                         usage=usage, meta=meta), new_state

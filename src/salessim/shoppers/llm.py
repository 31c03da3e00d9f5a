"""The LLM shopper: a (multimodal) chat model on any OpenAI-compatible endpoint plays the persona.

**Prompt.** The system prompt is ``data/prompts/shopper_system.md`` filled with the persona: profile,
knowledge level, speaking style, Big-Five levels with short definitions, emotion, goal, uses and
criteria (dealbreakers marked), the disclosure rules and what the shopper can look at. Short texts
and cue lists live in ``data/prompts/shopper.yaml``, the action tools in ``shopper_tools.yaml``.

**History, role-flipped.** The shopper model is the ``assistant``. The conversation opens with a
short kickoff ``user`` message (the shopper speaks first, and that opening turn is always kept);
then the shopper's own messages are ``assistant`` messages, the salesperson's messages are ``user``
messages (with the products they show listed underneath, ids included), and the shopper's own
``view_product`` calls are ``assistant`` tool calls followed by ``tool`` messages with the result.
The salesperson's tool calls stay hidden. Consecutive ``user`` messages are merged.

**Actions.** With ``tool_calling: true`` every reply should be one call of ``say``, ``view_product``,
``buy`` or ``leave``; plain text without a tool call is accepted as ``say`` (and may end with a text
command, below). With ``tool_calling: false`` the *text protocol* is used: the reply is sent to the
salesperson, and one command alone on its last line turns it into an action::

    [VIEW lap-001]        open a product page
    [BUY lap-001]         buy (ends the episode)
    [LEAVE: too pricey]   leave (ends the episode)

The parsed action is what gets recorded; the text above a command is the message's text.

**Vision.** With ``vision: true`` the orchestrator attaches the product picture to ``view_product``
results and the shopper passes it to the model as a PNG ``image_url`` part: by default
(``vision_image_in: user``) in a ``user`` message right after the ``tool`` message, because chat
APIs such as OpenAI's accept images only in user messages; with ``vision_image_in: tool`` inside the
tool message, beside the text. Text-only models get the text alone (the store already withholds
visual-only attributes from it).

**Reasoning** (``reasoning_content``/``reasoning`` fields, ``<think>`` blocks) is stripped by the
client before anything is sent on, and kept in ``ShopperStep.reasoning`` (so in ``Message.reasoning``).

**Format errors.** An unusable output — tool-call arguments that are not JSON, an unknown tool, a
missing argument, an empty or truncated output, a bad text command, a ``buy`` of a product id the
store does not have — is asked again with a corrective note (``max_format_retries`` times, default
2). When it is still unusable: if the last output had visible text, that text is *said* and the
message is flagged ``format_error``; a ``buy`` of an unknown id is passed on (the orchestrator ends
the episode as ``error:invalid_product``); otherwise the episode ends as ``error:format``
(:class:`~salessim.llm.endpoints.ModelOutputError`).

**Role inversion.** A message that talks like the salesperson (cues in ``shopper.yaml``:
"how can I help you", "I'd recommend our", "what's your budget", ...) is flagged ``role_inversion``.

**Usage.** Every call's tokens and cost (retries included, cache hits as cached calls at no cost)
are summed into ``ShopperStep.usage``; each call's seed derives from the episode seed, the call
number and the attempt, so a rerun of the same run asks the same questions and is answered from
the cache.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from salessim.api.participants import (
    Observation,
    ShopperStep,
    State,
    visible_to_shopper,
)
from salessim.llm.endpoints import (
    ModelOutputError,
    image_part,
    merge_user_messages,
    sampling_params,
)
from salessim.llm.format_retry import OutputProblem, ask_until_usable
from salessim.llm.prompts import fill, load_prompt_data, render_prompt, with_article
from salessim.llm.protocol import ChatClient, ChatResponse
from salessim.nlu.lexicon import category_schema
from salessim.schema import (
    CategorySchema,
    Criterion,
    Message,
    ParticipantInfo,
    Persona,
    ShopperAction,
)
from salessim.schema.run import ModelConfig

__all__ = [
    "ACTIONS", "LLMShopper", "OutputProblem", "detect_role_inversion", "parse_text_protocol",
    "shopper_system_prompt", "shopper_tool_specs",
]

ACTIONS: tuple[str, ...] = ("say", "view_product", "buy", "leave")

_COMMAND = re.compile(r"\[\s*(VIEW|BUY|LEAVE)\b\s*:?\s*([^\]\n]*)\]", re.IGNORECASE)
_ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


# --------------------------------------------------------------------------------------- data
def _data() -> dict[str, Any]:
    return load_prompt_data("shopper.yaml")


def shopper_tool_specs() -> list[dict[str, Any]]:
    """The four action tools (``say``, ``view_product``, ``buy``, ``leave``) as OpenAI specs."""
    return [json.loads(json.dumps(t)) for t in load_prompt_data("shopper_tools.yaml")["tools"]]


@lru_cache(maxsize=4)
def _role_cues(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def detect_role_inversion(text: str) -> str | None:
    """The first salesperson cue (``shopper.yaml: role_inversion_cues``) found in ``text``, or None."""
    if not text:
        return None
    for cue in _role_cues(tuple(_data()["role_inversion_cues"])):
        match = cue.search(text)
        if match:
            return match.group(0)
    return None


# ------------------------------------------------------------------------------ system prompt
def _schema(category: str) -> CategorySchema | None:
    try:
        return category_schema(category)
    except Exception:  # noqa: BLE001 - the prompt falls back to raw attribute names
        return None


def _value_text(value: Any, unit: str | None, attr: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " or ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if unit == "USD" or attr == "price":
        return f"${value}"
    return f"{value} {unit}" if unit else str(value)


def describe_criterion(criterion: Criterion, schema: CategorySchema | None) -> str:
    """One line of the system prompt for ``criterion``: its mark, its meaning, its phrasings."""
    data = _data()
    spec = schema.attribute(criterion.attribute) if schema is not None else None
    label = spec.description if spec is not None else criterion.attribute.replace("_", " ")
    unit = spec.unit if spec is not None else None
    value = _value_text(criterion.value, unit, criterion.attribute)
    op_word = data["op_words"].get(criterion.op, criterion.op)
    if isinstance(criterion.value, bool) and criterion.op in ("==", "!="):
        yes = criterion.value if criterion.op == "==" else not criterion.value
        meaning = f"{label}: {'yes' if yes else 'no'}"
    else:
        meaning = f"{label}: {op_word} {value}".replace(":  ", ": ")
    if criterion.kind == "dealbreaker":
        line = f"- [{data['dealbreaker_mark']}] {meaning}"
    else:
        line = f"- [{data['preference_mark']}] {meaning}"
        if criterion.attribute == "price" and criterion.op in ("<=", "<"):
            line += f" {data['budget_stretch']}"
    if criterion.phrasings:
        quoted = " / ".join(f'"{p}"' for p in criterion.phrasings[:2])
        line += f". {data['phrasing_intro']} {quoted}"
    return line


def _big_five_lines(persona: Persona) -> str:
    data = _data()
    lines = []
    for trait, spec in data["big_five"].items():
        level = getattr(persona.big_five, trait)
        how = fill(data["level_phrases"][level], high=spec["high"], low=spec["low"])
        lines.append(f"- {spec['label']} ({spec['definition']}): {level} — {how}.")
    return "\n".join(lines)




def shopper_system_prompt(persona: Persona, *, vision: bool, tool_calling: bool,
                          example_id: str = "lap-001") -> str:
    """The system prompt of the LLM shopper for ``persona`` (``data/prompts/shopper_system.md``)."""
    data = _data()
    schema = _schema(persona.category)
    singular = schema.singular if schema is not None else persona.category.rstrip("s")
    plural = (schema.display_name if schema is not None else persona.category).lower()
    actions = render_prompt("shopper_actions_tools.md" if tool_calling else "shopper_actions_text.md",
                            example_id=example_id)
    profile = persona.profile
    return render_prompt(
        "shopper_system.md",
        singular_with_article=with_article(singular),
        plural=plural,
        name=profile.name,
        first_name=profile.name.split()[0] if profile.name.split() else profile.name,
        age=profile.age,
        background=profile.background.strip(),
        knowledge=data["knowledge"].get(profile.knowledge_level, profile.knowledge_level).strip(),
        speaking_style=profile.speaking_style.strip(),
        emotion=persona.emotion,
        big_five=_big_five_lines(persona),
        goal=persona.goal.strip(),
        uses="; ".join(persona.uses) if persona.uses else "everyday use",
        criteria="\n".join(describe_criterion(c, schema) for c in persona.criteria) or "- nothing in particular",
        looking=data["looking"]["vision" if vision else "text"].strip(),
        actions=actions.strip(),
    ).strip() + "\n"


# ----------------------------------------------------------------------------- text protocol
def parse_text_protocol(text: str) -> tuple[ShopperAction | None, str | None]:
    """Parse a text-protocol reply into ``(action, problem)``.

    A command (``[VIEW id]``, ``[BUY id]``, ``[LEAVE: reason]``) should stand alone on the last
    line; one anywhere else is accepted too (the first one wins). The text around it is the
    action's ``text``. No command: a ``say`` of the whole text. A command without the id it needs
    gives ``(None, "bad_command")``; an empty text gives ``(None, "empty")``.
    """
    text = (text or "").strip()
    if not text:
        return None, "empty"
    matches = list(_COMMAND.finditer(text))
    if not matches:
        return ShopperAction(type="say", text=text), None
    last_line_start = text.rfind("\n") + 1
    on_last = [m for m in matches if m.start() >= last_line_start]
    match = on_last[-1] if on_last else matches[0]
    body = (text[:match.start()] + text[match.end():]).strip()
    body = _COMMAND.sub("", body).strip()
    command, arg = match.group(1).upper(), match.group(2).strip()
    if command == "LEAVE":
        return ShopperAction(type="leave", text=body, reason=arg or body or None), None
    token = _ID_TOKEN.match(arg)
    if token is None:
        return None, "bad_command"
    kind = "view_product" if command == "VIEW" else "buy"
    return ShopperAction(type=kind, text=body, product_id=token.group(0).rstrip(".")), None


# ------------------------------------------------------------------------------------- shopper
class LLMShopper:
    """A shopper simulator backed by a chat model (see the module docstring for the protocol).

    ``client`` is any :class:`~salessim.llm.ChatClient` (usually a ``CachedClient`` built by
    :func:`salessim.llm.endpoints.build_client`); ``model_cfg`` the role's model settings. With a
    ``store``, the products shown to the shopper are listed with their names and prices and a
    ``buy`` of an unknown id is caught and asked again. The per-episode state is a JSON dict:
    ``{"system", "category", "seed", "calls"}``.
    """

    def __init__(self, client: ChatClient, model_cfg: ModelConfig, *, store: Any = None):
        self.client = client
        self.model_cfg = model_cfg
        self.store = store
        self.vision = bool(model_cfg.vision)
        self.tool_calling = bool(model_cfg.tool_calling)
        self.info = ParticipantInfo(kind="llm", model=model_cfg.model, params=sampling_params(model_cfg))
        self._tools = shopper_tool_specs() if self.tool_calling else None

    def __repr__(self) -> str:
        return f"LLMShopper(model={self.model_cfg.model!r}, vision={self.vision}, tool_calling={self.tool_calling})"

    async def aclose(self) -> None:
        """Close the client's connections (when it can be closed)."""
        close = getattr(self.client, "aclose", None)
        if close is not None:
            await close()

    # -- episode state ---------------------------------------------------------------------------
    def start(self, persona: Persona, seed: int) -> State:
        """The state of a new episode: the rendered system prompt, the category, the seed."""
        example = self._example_id(persona.category)
        system = shopper_system_prompt(persona, vision=self.vision, tool_calling=self.tool_calling,
                                       example_id=example)
        return {"system": system, "category": persona.category, "seed": int(seed), "calls": 0}

    def _example_id(self, category: str) -> str:
        if self.store is not None:
            try:
                products = self.store.catalog.products(category)
                if products:
                    return products[0].id
            except Exception:  # noqa: BLE001 - only an example in the prompt
                pass
        return "lap-001"

    # -- the role-flipped history --------------------------------------------------------------
    def _product_line(self, pid: str) -> str:
        data = _data()
        product = self.store.catalog.get(pid) if self.store is not None else None
        if product is None:
            return f"- {pid}"
        price = product.attributes.get("price")
        return fill(data["product_line"], id=pid, name=product.name,
                    price=_value_text(price, "USD", "price") if price is not None else "price unknown")

    def _agent_text(self, message: Message) -> str:
        text = message.text.strip()
        if message.presented_product_ids:
            lines = [_data()["products_shown_header"]] + [self._product_line(p) for p in message.presented_product_ids]
            text = f"{text}\n\n" + "\n".join(lines)
        return text

    @staticmethod
    def _result_text(message: Message) -> str:
        result = message.tool_result
        if result is None:
            return message.text
        content = result.content
        return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)

    def _tool_result_messages(self, message: Message) -> list[dict[str, Any]]:
        """A view result as a ``tool`` message (tool-calling mode), plus the picture if seen."""
        result = message.tool_result
        text = self._result_text(message)
        image = result.image_png_b64 if (result is not None and self.vision) else None
        if image and self.model_cfg.vision_image_in == "tool":
            return [{"role": "tool", "tool_call_id": result.call_id,
                     "content": [{"type": "text", "text": text}, image_part(image)]}]
        out: list[dict[str, Any]] = [{"role": "tool", "tool_call_id": result.call_id, "content": text}]
        if image:
            caption = fill(_data()["image_caption"], id=self._result_id(message))
            out.append({"role": "user", "content": [{"type": "text", "text": caption}, image_part(image)]})
        return out

    @staticmethod
    def _result_id(message: Message) -> str:
        content = message.tool_result.content if message.tool_result is not None else None
        if isinstance(content, dict) and content.get("id"):
            return str(content["id"])
        return "the product"

    def _view_result_user_message(self, message: Message, pid: str) -> dict[str, Any]:
        """A view result as a ``user`` message (text protocol: no tool role), plus the picture."""
        data = _data()
        result = message.tool_result
        if result is not None and result.error:
            error = result.content.get("error") if isinstance(result.content, dict) else result.content
            text = fill(data["view_error_text"], id=pid, error=error)
        else:
            text = fill(data["view_result_text"], id=pid, content=self._result_text(message))
        if result is not None and result.image_png_b64 and self.vision:
            return {"role": "user", "content": [{"type": "text", "text": text}, image_part(result.image_png_b64)]}
        return {"role": "user", "content": text}

    @staticmethod
    def _command_text(action: ShopperAction) -> str:
        """How a non-say action reads in the text protocol (for the model's own past turns)."""
        if action.type == "view_product":
            command = f"[VIEW {action.product_id}]"
        elif action.type == "buy":
            command = f"[BUY {action.product_id}]"
        elif action.type == "leave":
            command = f"[LEAVE: {action.reason or ''}]"
        else:
            return action.text
        return f"{action.text}\n{command}".strip()

    def build_messages(self, obs: Observation, state: State) -> list[dict[str, Any]]:
        """The chat messages for the shopper model, role-flipped, opening turn included."""
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": state["system"]},
            {"role": "user", "content": _data()["kickoff"].strip()},
        ]
        visible = visible_to_shopper(obs.messages)
        i = 0
        while i < len(visible):
            m = visible[i]
            nxt = visible[i + 1] if i + 1 < len(visible) else None
            paired = nxt is not None and nxt.role == "tool" and nxt.tool_result is not None
            if m.role == "shopper":
                action = m.action or ShopperAction(type="say", text=m.text)
                if action.type == "view_product" and self.tool_calling and paired:
                    args = json.dumps({"product_id": action.product_id or ""}, ensure_ascii=False)
                    messages.append({"role": "assistant", "content": action.text or None, "tool_calls": [{
                        "id": nxt.tool_result.call_id, "type": "function",
                        "function": {"name": "view_product", "arguments": args}}]})
                    messages.extend(self._tool_result_messages(nxt))
                    i += 2
                    continue
                if action.type == "view_product" and paired:
                    messages.append({"role": "assistant", "content": self._command_text(action)})
                    messages.append(self._view_result_user_message(nxt, action.product_id or ""))
                    i += 2
                    continue
                text = m.text if action.type == "say" else self._command_text(action)
                messages.append({"role": "assistant", "content": text})
            elif m.role == "agent":
                messages.append({"role": "user", "content": self._agent_text(m)})
            elif m.role == "tool":  # a result without its call (should not happen): show it as text
                messages.append(self._view_result_user_message(m, self._result_id(m)))
            i += 1
        return merge_user_messages(messages)

    # -- parsing one output -----------------------------------------------------------------------
    def _known_product(self, pid: str, category: str) -> str | None:
        """The catalog id for ``pid`` in ``category`` (case and spaces forgiven), or None."""
        if self.store is None:
            return pid
        catalog = self.store.catalog
        for candidate in (pid.strip(), pid.strip().lower()):
            product = catalog.get(candidate)
            if product is not None and product.category == category:
                return product.id
        return None

    def parse_response(self, response: ChatResponse, category: str) -> tuple[ShopperAction | None, OutputProblem | None]:
        """Turn one model output into an action, or say why it cannot be used."""
        text = (response.text or "").strip()
        if response.tool_calls:
            call = response.tool_calls[0]
            if call.name not in ACTIONS:
                return None, OutputProblem("unknown_tool", {"name": call.name or "(no name)"})
            if call.parse_error or call.arguments is None:
                return None, OutputProblem("truncated" if response.truncated else "malformed_tool_json")
            args = call.arguments
            if call.name == "say":
                said = str(args.get("text") or args.get("message") or text).strip()
                if not said:
                    return None, OutputProblem("missing_argument", {"name": "say", "argument": "text"})
                return ShopperAction(type="say", text=said), None
            if call.name in ("view_product", "buy"):
                pid = str(args.get("product_id") or args.get("id") or "").strip()
                if not pid:
                    return None, OutputProblem("missing_argument", {"name": call.name, "argument": "product_id"})
                extra = str(args.get("text") or "").strip() or text
                return ShopperAction(type=call.name, text=extra, product_id=pid), None
            reason = str(args.get("reason") or args.get("text") or "").strip()
            return ShopperAction(type="leave", text=text, reason=reason or None), None
        if response.truncated:
            return None, OutputProblem("truncated")
        if not text:
            return None, OutputProblem("empty")
        action, problem = parse_text_protocol(text)
        if problem == "bad_command":
            line = next((m.group(0) for m in _COMMAND.finditer(text)), text.splitlines()[-1])
            return None, OutputProblem("bad_command", {"line": line})
        if action is None:
            return None, OutputProblem(problem or "empty")
        return action, None

    @staticmethod
    def _shown_ids(obs: Observation) -> list[str]:
        ids: list[str] = []
        for m in obs.messages:
            found = list(m.presented_product_ids)
            if m.role == "shopper" and m.action is not None and m.action.product_id and m.action.type == "view_product":
                found.append(m.action.product_id)
            for pid in found:
                if pid not in ids:
                    ids.append(pid)
        return ids

    # -- acting ------------------------------------------------------------------------------------
    async def act(self, obs: Observation, state: State) -> tuple[ShopperStep, State]:
        """Ask the model for the next action (retrying unusable outputs) and return it."""
        category = state["category"]
        call_index = int(state.get("calls", 0))

        def parse(response: ChatResponse) -> tuple[ShopperAction | None, OutputProblem | None]:
            action, problem = self.parse_response(response, category)
            if problem is None and action is not None and action.type == "buy":
                known = self._known_product(action.product_id or "", category)
                if known is None:
                    shown = ", ".join(self._shown_ids(obs)) or "(none yet: ask the salesperson)"
                    return action, OutputProblem("invalid_product", {"id": action.product_id, "ids": shown})
                action = action.model_copy(update={"product_id": known})
            return action, problem

        tries = await ask_until_usable(self.client, self.model_cfg, self.build_messages(obs, state), parse=parse,
                                       notes=_data()["format_notes"], role="shopper", episode_seed=state["seed"],
                                       call_index=call_index, tools=self._tools,
                                       tool_choice="auto" if self._tools else None)
        action = tries.value
        flags: list[str] = []
        if not tries.usable:
            action = self._fallback(action, tries.problem, tries.response, tries.problems)
            if tries.problem.kind != "invalid_product":
                flags.append("format_error")
        assert action is not None
        spoken = " ".join(t for t in (action.text, action.reason or "") if t)
        if detect_role_inversion(spoken):
            flags.append("role_inversion")
        new_state = {**state, "calls": call_index + 1}
        step = ShopperStep(action=action, reasoning=tries.reasoning_text, flags=flags, usage=tries.usage,
                           meta=tries.meta())
        return step, new_state

    def _fallback(self, action: ShopperAction | None, problem: OutputProblem, response: ChatResponse | None,
                  problems: list[str]) -> ShopperAction:
        """What to do when retries are used up: pass an unknown-id buy on, say the visible text,
        or end the episode with ``error:format``."""
        if problem.kind == "invalid_product" and action is not None:
            return action
        text = (response.text or "").strip() if response is not None else ""
        if text:
            cleaned = _COMMAND.sub("", text).strip() or text
            return ShopperAction(type="say", text=cleaned)
        detail = "the last output was "
        if response is None:
            detail += "missing"
        elif response.tool_calls:
            call = response.tool_calls[0]
            detail += f"a tool call {call.name!r} with arguments {call.arguments_raw[:120]!r}"
        else:
            detail += f"empty (finish_reason={response.finish_reason!r})"
        raise ModelOutputError("shopper", problems, detail)

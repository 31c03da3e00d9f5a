"""The ``hf:PATH`` shopper: a local Hugging Face causal LM (optionally a LoRA adapter) plays the
shopper through the action protocol of :mod:`salessim.local.render`.

Each turn the shopper renders what it saw since its last action (agent text, product cards, view
results) as the next user message of its chat, samples one assistant message with the model
(seeded sampling, or greedy), and parses it into a structured action (``SAY`` / ``VIEW`` /
``BUY`` / ``LEAVE``). The tokenizer's chat template is used when it has one. The whole token
sequence with its policy mask is kept in the state (``state["transcript"]``): UserGRPO rollouts
read it from there, so training sees exactly what a benchmark run does.

A checkpoint may carry ``salessim_shopper.json`` (written by ``salessim train``) with the render
and sampling settings it was trained with; they are the defaults when it is loaded.

Needs the ``train`` extra (torch, transformers; peft for adapters).
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salessim.api.participants import (
    Observation,
    ShopperStep,
    State,
    visible_to_shopper,
)
from salessim.local.chat import TokenTranscript, strip_reasoning
from salessim.local.generation import (
    ActionSampler,
    SamplingConfig,
    load_model_and_tokenizer,
)
from salessim.local.render import (
    OPENING,
    ProductRefs,
    RenderConfig,
    parse_action,
    render_env,
    render_persona,
)
from salessim.schema import ParticipantInfo, Persona, ShopperAction, Usage

__all__ = ["HFShopper", "SHOPPER_SETTINGS_FILE", "ShopperSettings", "load_hf_shopper", "read_shopper_settings",
           "shopper_settings", "write_shopper_settings"]

SHOPPER_SETTINGS_FILE = "salessim_shopper.json"


def read_shopper_settings(path: str | Path) -> dict[str, Any]:
    """The render/sampling settings stored with a checkpoint ({} when it has none)."""
    f = Path(path) / SHOPPER_SETTINGS_FILE
    return json.loads(f.read_text()) if f.exists() else {}


@dataclass(frozen=True)
class ShopperSettings:
    """The settings stored with a checkpoint, parsed (defaults where it stores none)."""

    render: RenderConfig
    sampling: SamplingConfig
    template_kwargs: dict[str, Any]
    max_context: int | None = None


def shopper_settings(path: str | Path, render: RenderConfig | None = None,
                     sampling: SamplingConfig | None = None) -> ShopperSettings:
    """The settings stored with the checkpoint at ``path``; ``render``/``sampling`` override them."""
    raw = read_shopper_settings(path)
    return ShopperSettings(render=render or RenderConfig(**raw.get("render", {})),
                           sampling=sampling or SamplingConfig(**raw.get("sampling", {})),
                           template_kwargs=raw.get("template_kwargs") or {}, max_context=raw.get("max_context"))


def write_shopper_settings(path: str | Path, render: RenderConfig, sampling: SamplingConfig,
                           template_kwargs: dict[str, Any] | None = None, max_context: int | None = None) -> None:
    """Store the settings a checkpoint was trained with next to its weights."""
    data = {"render": render.model_dump(), "sampling": sampling.model_dump(),
            "template_kwargs": template_kwargs or {}, "max_context": max_context}
    (Path(path) / SHOPPER_SETTINGS_FILE).write_text(json.dumps(data, indent=2) + "\n")


def _turn_seed(seed: int, turn: int) -> int:
    return (int(seed) * 1_000_003 + 7919 * (turn + 1)) & 0x7FFFFFFF


class HFShopper:
    """A shopper played by a local causal LM (see the module docstring).

    ``model``/``tokenizer`` are loaded objects (the trainer passes its live policy); ``store`` gives
    the catalog for product cards. ``max_context`` caps the context in tokens: a shopper that
    would exceed it leaves (flag ``context_limit``).
    """

    def __init__(self, model, tokenizer, *, store, render: RenderConfig | None = None,
                 sampling: SamplingConfig | None = None, name: str = "hf",
                 template_kwargs: dict[str, Any] | None = None, max_context: int | None = None,
                 vision: bool = False):
        self.model = model
        self.tokenizer = tokenizer
        self.store = store
        self.render = render or RenderConfig()
        self.sampling = sampling or SamplingConfig()
        self.template_kwargs = dict(template_kwargs or {})
        self.max_context = max_context
        self.vision = vision
        self.sampler = ActionSampler(model, tokenizer, self.sampling)
        self.info = ParticipantInfo(kind="hf", model=name, params={
            "render": self.render.model_dump(), "sampling": self.sampling.model_dump()})
        self._personas: dict[str, Persona] = {}

    # -- the Shopper contract ----------------------------------------------------------------
    def start(self, persona: Persona, seed: int) -> State:
        transcript = TokenTranscript(self.tokenizer, self.template_kwargs)
        transcript.start(render_persona(persona, self.render), OPENING)
        key = f"{persona.id}:{seed}:{uuid.uuid4().hex[:8]}"
        self._personas[key] = persona
        return {"key": key, "persona": persona.model_dump(mode="json"), "seed": int(seed), "turn": 0,
                "consumed": 0, "refs": [], "pending_view": None, "transcript": transcript.to_dict()}

    def _persona(self, state: State) -> Persona:
        key = state["key"]
        if key not in self._personas:
            self._personas[key] = Persona.model_validate(state["persona"])
        return self._personas[key]

    async def act(self, obs: Observation, state: State) -> tuple[ShopperStep, State]:
        state = dict(state)
        persona = self._persona(state)
        catalog = self.store.catalog
        refs = ProductRefs(state["refs"])
        transcript = TokenTranscript.from_dict(state["transcript"], self.tokenizer, self.template_kwargs)

        new = [m for m in visible_to_shopper(obs.messages[state["consumed"]:]) if m.role != "shopper"]
        if new or transcript.completion_ids:
            text = render_env(new, persona, refs, catalog, self.render, vision=self.vision,
                              pending_view=state.get("pending_view"))
            transcript.add_env(text)
        ids = transcript.ids
        turn = state["turn"]
        if self.max_context is not None and len(ids) + self.sampling.max_new_tokens > self.max_context:
            self._end(state)
            step = ShopperStep(action=ShopperAction(type="leave", reason="context limit reached"),
                               flags=["context_limit"])
            state.update(consumed=len(obs.messages), transcript=transcript.to_dict(), refs=refs.ids, turn=turn + 1)
            return step, state

        seed = _turn_seed(state["seed"], turn)
        gen_ids, logprobs = self.sampler.sample(state["key"], ids, seed)
        stop = self.sampler.stop_ids
        body = gen_ids[:-1] if gen_ids and gen_ids[-1] in stop else gen_ids
        raw = self.tokenizer.decode(body, skip_special_tokens=True)
        answer, reasoning = strip_reasoning(raw)
        parsed = parse_action(answer, persona, refs, catalog, rng=random.Random(seed), strict=self.render.strict_parse)
        transcript.add_policy(gen_ids, logprobs, raw.strip(), stop)

        action = parsed.action
        state.update(consumed=len(obs.messages), transcript=transcript.to_dict(), refs=refs.ids, turn=turn + 1,
                     pending_view=action.product_id if action.type == "view_product" else None)
        if action.type in ("buy", "leave"):
            self._end(state)
        step = ShopperStep(
            action=action, reasoning=reasoning, flags=parsed.flags,
            usage=Usage(calls=1, prompt_tokens=len(ids), completion_tokens=len(gen_ids)),
            meta={"raw": raw, "criterion_refs": parsed.criterion_refs},
        )
        return step, state

    def _end(self, state: State) -> None:
        self.sampler.clear(state["key"])
        self._personas.pop(state["key"], None)


def load_hf_shopper(path: str | Path, store, *, device: str = "cpu", dtype: str | None = None,
                    render: RenderConfig | None = None, sampling: SamplingConfig | None = None) -> HFShopper:
    """Load ``path`` (a checkpoint or LoRA adapter directory) as a shopper; the settings stored with
    the checkpoint are the defaults."""
    model, tokenizer = load_model_and_tokenizer(path, device=device, dtype=dtype)
    s = shopper_settings(path, render, sampling)
    return HFShopper(model, tokenizer, store=store, render=s.render, sampling=s.sampling, name=str(path),
                     template_kwargs=s.template_kwargs, max_context=s.max_context)

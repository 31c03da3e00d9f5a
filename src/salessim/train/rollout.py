"""Episodes with a model as the shopper: UserGRPO rollouts and evaluation.

The environment is the store plus a sales agent (kinds mixed by :class:`~salessim.train.config.EnvSection`
``agents`` shares, e.g. scripted and pushy half and half); the policy is an
:class:`~salessim.shoppers.hf.HFShopper` wrapping the live model, so rollouts run through the same
orchestrator, rendering and action parser as ``salessim run --shopper hf:PATH``.

One episode = one completion. Its ids are the shopper's whole chat after the prompt (persona +
opening line): the agent's messages, product cards and view results (``env_mask`` 0) interleaved
with the shopper's sampled actions (``env_mask`` 1, with their sampling log-probabilities). The
finished :class:`~salessim.schema.Episode` travels with it (``episode`` field) to the rewards.

TRL prompts are plain strings ``"<persona_id>@<agent kind>"`` (:func:`encode_prompt`); TRL repeats
each ``num_generations`` times, and the G copies get different episode seeds.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Callable, Sequence
from typing import Any

from salessim.local.generation import SamplingConfig
from salessim.local.render import RenderConfig
from salessim.schema import Episode, Persona
from salessim.schema.run import AgentConfig
from salessim.shoppers.hf import HFShopper
from salessim.sim.factory import make_agent
from salessim.sim.orchestrator import EpisodeLimits, EpisodeRunner
from salessim.sim.runner import load_run_personas
from salessim.train.config import EnvSection

__all__ = ["ShopperEnvironment", "decode_prompt", "encode_prompt", "load_env_personas"]


def encode_prompt(persona_id: str, agent: str) -> str:
    return f"{persona_id}@{agent}"


def decode_prompt(prompt: Any) -> tuple[str, str]:
    if isinstance(prompt, list):  # conversational prompt: the last message holds the key
        prompt = prompt[-1]["content"]
    pid, sep, agent = str(prompt).rpartition("@")
    if not sep:
        raise ValueError(f"rollout prompt {prompt!r} is not '<persona_id>@<agent>'")
    return pid, agent


def load_env_personas(env: EnvSection) -> list[Persona]:
    """The personas of ``env`` (file or built-in, split, limit)."""

    return load_run_personas(env, where="env.split", hint="Set env.split to train, test or all.")


def _seed(*parts: Any) -> int:
    return int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:8], 16) & 0x7FFFFFFF


class ShopperEnvironment:
    """Runs episodes of a shopper model against the store and the configured sales agents."""

    def __init__(self, store, personas: Sequence[Persona], env: EnvSection, render: RenderConfig,
                 sampling: SamplingConfig, template_kwargs: dict[str, Any] | None = None,
                 max_completion_length: int | None = None, seed: int = 0):
        self.store = store
        self.personas = {p.id: p for p in personas}
        self.env = env
        self.render = render
        self.sampling = sampling
        self.template_kwargs = dict(template_kwargs or {})
        self.max_completion_length = max_completion_length
        self.seed = seed
        self._agents: dict[str, Any] = {}
        self._calls = 0

    # -- pieces --------------------------------------------------------------------------------
    def agent(self, kind: str):
        if kind not in self._agents:
            self._agents[kind] = make_agent(AgentConfig(kind=kind), self.store)
        return self._agents[kind]

    def draw_agent(self, rng: random.Random) -> str:
        kinds = list(self.env.agents)
        return rng.choices(kinds, weights=[self.env.agents[k] for k in kinds])[0]

    def dataset_rows(self, copies: int = 1, seed: int | None = None) -> list[dict[str, str]]:
        """Rows ``{"prompt", "persona_id", "agent"}``: every persona ``copies`` times, each row with
        an agent kind drawn by the configured shares."""
        rng = random.Random(self.seed if seed is None else seed)
        rows = []
        for _ in range(copies):
            for pid in self.personas:
                agent = self.draw_agent(rng)
                rows.append({"prompt": encode_prompt(pid, agent), "persona_id": pid, "agent": agent})
        return rows

    def shopper(self, model, tokenizer):
        return HFShopper(model, tokenizer, store=self.store, render=self.render, sampling=self.sampling,
                         template_kwargs=self.template_kwargs, max_context=None, name="policy")

    async def play(self, shopper, persona: Persona, agent_kind: str, seed: int, trial: int = 0) -> tuple[Episode, dict]:
        """One episode; returns the record and the shopper's token transcript."""

        limits = EpisodeLimits(max_turns=self.env.max_turns, max_views_per_turn=self.env.max_views_per_turn)
        runner = EpisodeRunner(persona, shopper, self.agent(agent_kind), self.store, seed=seed, trial=trial,
                               limits=limits)
        episode = await runner.run()
        return episode, runner.shopper_state["transcript"]

    # -- TRL -----------------------------------------------------------------------------------
    def rollout(self, prompts: Sequence[Any], model, tokenizer, step: int = 0) -> dict[str, list]:
        """Play one episode per prompt and return TRL's rollout dict (see the module docstring)."""
        self._calls += 1
        shopper = self.shopper(model, tokenizer)
        jobs = []
        for i, prompt in enumerate(prompts):
            pid, agent = decode_prompt(prompt)
            if pid not in self.personas:
                raise ValueError(f"rollout prompt names unknown persona {pid!r}")
            jobs.append((self.personas[pid], agent, _seed(self.seed, step, self._calls, i)))

        async def run_all():
            return [await self.play(shopper, p, a, s, trial=i) for i, (p, a, s) in enumerate(jobs)]

        results = asyncio.run(run_all())
        out: dict[str, list] = {"prompt_ids": [], "completion_ids": [], "logprobs": [], "env_mask": [],
                                "episode": [], "persona_id": [], "agent": []}
        limit = self.max_completion_length
        for (persona, agent, _), (episode, tr) in zip(jobs, results):
            comp, lps, mask = tr["completion_ids"], tr["logprobs"], tr["mask"]
            if limit is not None and len(comp) > limit:
                comp, lps, mask = comp[:limit], lps[:limit], mask[:limit]
            out["prompt_ids"].append(list(tr["prompt_ids"]))
            out["completion_ids"].append(list(comp))
            out["logprobs"].append(list(lps))
            out["env_mask"].append(list(mask))
            out["episode"].append(episode)
            out["persona_id"].append(persona.id)
            out["agent"].append(agent)
        return out

    def rollout_func(self) -> Callable[[list, Any], dict[str, list]]:
        """A ``rollout_func(prompts, trainer)`` for TRL's GRPOTrainer using the trainer's live model."""

        def rollout_func(prompts, trainer):
            model = trainer.accelerator.unwrap_model(trainer.model)
            return self.rollout(prompts, model, trainer.processing_class, step=trainer.state.global_step)

        return rollout_func

    # -- evaluation ----------------------------------------------------------------------------
    def evaluate(self, model, tokenizer, personas: Sequence[Persona], agents: Sequence[str], trials: int = 1,
                 seed: int = 1234, progress: Callable[[int, int], None] | None = None) -> list[Episode]:
        """Episodes of ``model`` for every persona x agent kind x trial, with seeds that depend only on
        (seed, persona, agent, trial): two models evaluated with the same arguments meet the same
        agents with the same seeds (paired comparisons)."""
        shopper = self.shopper(model, tokenizer)
        plan = [(p, a, t) for p in personas for a in agents for t in range(trials)]

        async def run_all():
            eps = []
            for k, (p, a, t) in enumerate(plan):
                ep, _ = await self.play(shopper, p, a, _seed(seed, p.id, a, t), trial=t)
                ep.id = f"{p.id}#{a}#{t}"
                eps.append(ep)
                if progress:
                    progress(k + 1, len(plan))
            return eps

        return asyncio.run(run_all())

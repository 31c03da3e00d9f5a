"""``salessim train grpo``: UserGRPO, multi-turn multi-objective GRPO of a shopper model with TRL.

- **Policy**: the checkpoint in ``model.path`` (usually the SFT one; a LoRA adapter is trained when
  ``model.lora`` is set or the checkpoint is an adapter).
- **Rollouts**: TRL's ``GRPOTrainer`` with ``rollout_func`` (:class:`~salessim.train.rollout.ShopperEnvironment`):
  for every training persona in a step, G = ``grpo.num_generations`` whole episodes against the
  store and a sales agent drawn from ``env.agents``; one episode is one completion and
  ``env_mask`` keeps the agent's and tools' tokens out of the loss.
- **Rewards**: one function per objective (:mod:`salessim.train.rewards`), weights from
  ``rewards.weights``, combined by TRL's ``multi_objective_aggregation`` = ``rewards.aggregation``
  (``normalize_then_sum``: z-score each objective within its group, weighted sum, then normalise
  over the batch; ``sum_then_normalize``: weighted sum, then z-score within the group).
- **KL**: ``grpo.beta`` against the starting policy (0 turns the reference model off).
- **Output**: ``<output_dir>/checkpoint-<step>`` every ``save_steps``, ``<output_dir>/final`` and
  ``<output_dir>/grpo_log.json`` (TRL's logged metrics per step).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from salessim.local.generation import load_model_and_tokenizer
from salessim.shoppers.hf import shopper_settings
from salessim.store import default_store
from salessim.train.common import (
    lora_config,
    pick_device,
    quiet_libraries,
    save_checkpoint,
    write_json,
)
from salessim.train.config import GRPOConfigFile
from salessim.train.rewards import make_reward_functions
from salessim.train.rollout import ShopperEnvironment, load_env_personas

__all__ = ["build_trainer", "run_grpo"]

Progress = Callable[[str, dict[str, Any]], None]


def build_trainer(cfg: GRPOConfigFile, *, model, tokenizer, env, personas, store, device: str,
                  progress: Progress | None = None, callbacks: list | None = None):
    """A TRL ``GRPOTrainer`` wired to the environment's ``rollout_func`` and the reward functions."""
    from datasets import Dataset  # lazy: the [train] extra
    from trl import GRPOConfig, GRPOTrainer  # lazy: the [train] extra


    g = cfg.grpo
    by_id = {p.id: p for p in personas}
    funcs, weights = make_reward_functions(store, by_id, cfg.rewards.weights, cfg.rewards.graded_decision)
    copies = max(2, math.ceil(g.max_steps * g.prompts_per_step * g.gradient_accumulation_steps / len(personas)) + 1)
    dataset = Dataset.from_list(env.dataset_rows(copies=copies, seed=g.seed))
    args_kwargs: dict[str, Any] = dict(
        output_dir=str(Path(cfg.output_dir)),
        use_cpu=device == "cpu",
        bf16=cfg.model.dtype == "bf16",
        fp16=cfg.model.dtype == "fp16",
        per_device_train_batch_size=g.prompts_per_step * g.num_generations,
        gradient_accumulation_steps=g.gradient_accumulation_steps,
        num_generations=g.num_generations,
        max_steps=g.max_steps,
        learning_rate=g.learning_rate,
        lr_scheduler_type="constant_with_warmup" if g.warmup_ratio else "constant",
        warmup_steps=float(g.warmup_ratio),
        weight_decay=g.weight_decay,
        max_grad_norm=g.max_grad_norm,
        beta=g.beta,
        epsilon=g.epsilon,
        loss_type=g.loss_type,
        scale_rewards=g.scale_rewards,
        num_iterations=g.num_iterations,
        multi_objective_aggregation=cfg.rewards.aggregation,
        reward_weights=weights,
        temperature=env.sampling.temperature,
        max_completion_length=g.max_completion_length,
        logging_steps=g.logging_steps,
        save_strategy="no",
        report_to="none",
        activation_checkpointing=False,
        seed=g.seed,
        remove_unused_columns=False,
        log_completions=False,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    args_kwargs.update(g.extra)
    args = GRPOConfig(**args_kwargs)
    peft_config = None
    if cfg.model.lora is not None and not hasattr(model, "peft_config"):
        peft_config = lora_config(cfg.model.lora)
    trainer = GRPOTrainer(model=model, reward_funcs=funcs, args=args, train_dataset=dataset,
                          processing_class=tokenizer, rollout_func=env.rollout_func(), peft_config=peft_config,
                          callbacks=callbacks or [])
    from transformers.trainer_callback import (  # lazy: the [train] extra
        PrinterCallback,
        ProgressCallback,
    )

    for cb in (PrinterCallback, ProgressCallback):  # progress is reported through ``progress``
        trainer.remove_callback(cb)
    return trainer


def _callbacks(cfg: GRPOConfigFile, tokenizer, render, sampling, template_kwargs, progress: Progress | None,
               log: list):
    from transformers import TrainerCallback  # lazy: the [train] extra


    class _Progress(TrainerCallback):
        """Forwards TRL's logs to ``progress`` and saves light checkpoints every ``save_steps``."""

        def __init__(self):
            self.t0 = time.time()

        def on_log(self, args, state, control, logs=None, **kw):
            if not logs or "train_runtime" in logs:  # the closing summary repeats the last step
                return
            point = {"step": state.global_step, "elapsed_s": round(time.time() - self.t0, 1), **logs}
            log.append(point)
            if progress:
                progress("train", {**point, "total": state.max_steps})

        def on_step_end(self, args, state, control, model=None, **kw):
            every = cfg.grpo.save_steps
            if every and state.global_step % every == 0 and state.global_step < state.max_steps:
                save_checkpoint(model, tokenizer, Path(cfg.output_dir) / f"checkpoint-{state.global_step}", render,
                                sampling, template_kwargs)

    return [_Progress()]


def run_grpo(cfg: GRPOConfigFile, *, store=None, progress: Progress | None = None) -> Path:
    """Run UserGRPO as configured; returns the ``final`` checkpoint directory."""

    quiet_libraries()

    say = progress or (lambda stage, info: None)
    device = pick_device(cfg.model.device, cfg.model.cpu_threads)
    if store is None:
        store = default_store()
    model, tokenizer = load_model_and_tokenizer(cfg.model.path, device=device, dtype=cfg.model.dtype,
                                                trainable=True)
    stored = shopper_settings(cfg.model.path, cfg.render, cfg.sampling)
    render, sampling = stored.render, stored.sampling
    template_kwargs = cfg.model.template_kwargs or stored.template_kwargs
    personas = load_env_personas(cfg.env)
    env = ShopperEnvironment(store, personas, cfg.env, render, sampling, template_kwargs,
                             max_completion_length=cfg.grpo.max_completion_length, seed=cfg.grpo.seed)
    log: list[dict[str, Any]] = []
    say("data", {"message": f"{len(personas)} training personas; {cfg.grpo.prompts_per_step} personas x "
                            f"G={cfg.grpo.num_generations} episodes per step, {cfg.grpo.max_steps} steps"})
    trainer = build_trainer(cfg, model=model, tokenizer=tokenizer, env=env, personas=personas, store=store,
                            device=device, progress=progress,
                            callbacks=_callbacks(cfg, tokenizer, render, sampling, template_kwargs, progress, log))
    t0 = time.time()
    trainer.train()
    out = Path(cfg.output_dir)
    trained = trainer.accelerator.unwrap_model(trainer.model)
    final = save_checkpoint(trained, tokenizer, out / "final", render, sampling, template_kwargs,
                            extra={"stage": "grpo", "config": cfg.model_dump(mode="json")})
    write_json(out / "grpo_log.json", {"log": log, "elapsed_s": round(time.time() - t0, 1)})
    say("done", {"message": f"saved {final}"})
    return final

"""``salessim train sft``: the cold start of the shopper policy.

1. Play the scripted shopper on the TRAIN personas against the configured agent mix, with flaw
   knobs drawn per episode from ``data.flaw_mix`` (:func:`salessim.train.data.generate_scripted_episodes`).
2. Start from ``model.path`` (optionally with a fresh LoRA adapter), or build the tiny model with a
   tokenizer trained on the project's text and these transcripts (:mod:`salessim.train.tiny`).
3. Render every episode as the shopper model's chat (:func:`salessim.train.data.episode_to_transcript`)
   and fit it with next-token cross-entropy on the **shopper tokens only** (the assistant turns; the
   persona, the agent's messages and product cards are context, masked out of the loss).
4. Save ``<output_dir>/final`` (weights or adapter, tokenizer, chat template, ``salessim_shopper.json``)
   and ``<output_dir>/sft_log.json``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from salessim.local.generation import load_model_and_tokenizer, torch_dtype
from salessim.metrics import decision
from salessim.store import default_store
from salessim.train.common import (
    apply_lora,
    pick_device,
    quiet_libraries,
    save_checkpoint,
    write_json,
)
from salessim.train.config import SFTConfig
from salessim.train.data import (
    episode_to_transcript,
    generate_scripted_episodes,
    transcript_lines,
)
from salessim.train.rollout import load_env_personas
from salessim.train.tiny import build_tiny_model, project_corpus, train_tokenizer

__all__ = ["SFTExample", "build_examples", "run_sft", "train_on_examples"]

Progress = Callable[[str, dict[str, Any]], None]


class SFTExample:
    """One training sequence: ids, labels (-100 where the loss is off) and per-token loss weights."""

    __slots__ = ("ids", "labels", "weights")

    def __init__(self, ids: list[int], labels: list[int], weights: list[float] | None = None):
        self.ids = ids
        self.labels = labels
        self.weights = weights if weights is not None else [1.0] * len(ids)


def action_token_weights(tokenizer, ids: list[int], mask: list[int], weight: float) -> list[float]:
    """Loss weights for a completion: ``weight`` on the tokens that choose the action (the keyword of
    every shopper turn, and the product reference of a BUY/VIEW), 1 on the other shopper tokens."""
    out = [1.0] * len(ids)
    if weight == 1.0:
        return out
    i = 0
    while i < len(ids):
        if not mask[i]:
            i += 1
            continue
        j = i
        while j < len(ids) and mask[j]:
            j += 1
        run = ids[i:j]
        words = 1
        for k in range(1, len(run) + 1):
            text = tokenizer.decode(run[:k], skip_special_tokens=True).lstrip()
            if k == 1 and text.split()[:1] and text.split()[0].upper() in ("BUY", "VIEW"):
                words = 2
            if len(text.split()) > words or (text.endswith(" ") and len(text.split()) >= words):
                break
            out[i + k - 1] = weight
        i = j
    return out


def build_examples(episodes, personas: dict, tokenizer, catalog, cfg: SFTConfig) -> list[SFTExample]:
    """Episodes -> token sequences with shopper-only labels (cut to ``train.max_length``)."""

    out = []
    for ep in episodes:
        persona = personas[ep.persona_id]
        t = episode_to_transcript(ep, persona, tokenizer, catalog, cfg.render, say_words=cfg.data.say_words,
                                  drop_views=cfg.data.drop_views, refs_only=cfg.data.refs_only,
                                  template_kwargs=cfg.model.template_kwargs)
        ids = t.prompt_ids + t.completion_ids
        labels = [-100] * len(t.prompt_ids) + [i if m else -100 for i, m in zip(t.completion_ids, t.mask)]
        weights = [1.0] * len(t.prompt_ids) + action_token_weights(tokenizer, t.completion_ids, t.mask,
                                                                   cfg.train.action_weight)
        n = cfg.train.max_length
        if any(x != -100 for x in labels[:n]):
            out.append(SFTExample(ids[:n], labels[:n], weights[:n]))
    return out


def _batches(examples: list[SFTExample], batch_size: int, rng: random.Random) -> list[list[SFTExample]]:
    """Length-bucketed shuffled batches (less padding)."""
    order = sorted(range(len(examples)), key=lambda i: (len(examples[i].ids), rng.random()))
    batches = [[examples[i] for i in order[k:k + batch_size]] for k in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def _decoder_and_head(model):
    """The decoder stack and the LM head of a causal LM (through a peft wrapper), or None."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    head = base.get_output_embeddings() if hasattr(base, "get_output_embeddings") else None
    prefix = getattr(base, "base_model_prefix", "")
    decoder = getattr(base, prefix, None) if prefix else None
    if head is None or decoder is None or decoder is base:
        return None
    if getattr(base.config, "final_logit_softcapping", None) or getattr(base.config, "logit_scale", None):
        return None  # the head's output is transformed further: use the full forward
    return decoder, head


def shopper_token_loss(model, ids, attention_mask, labels, weights=None):
    """Weighted mean next-token cross-entropy over the labelled (shopper) positions only. The LM head
    runs on those positions alone (most of a transcript is context), when the model's parts allow it."""
    import torch  # lazy: the [train] extra

    target = labels[:, 1:]
    keep = target != -100
    w = weights[:, 1:][keep] if weights is not None else None
    parts = _decoder_and_head(model)
    if parts is None:
        logits = model(input_ids=ids, attention_mask=attention_mask).logits[:, :-1][keep].float()
    else:
        decoder, head = parts
        hidden = decoder(input_ids=ids, attention_mask=attention_mask).last_hidden_state[:, :-1]
        logits = head(hidden[keep]).float()
    ce = torch.nn.functional.cross_entropy(logits, target[keep], reduction="none")
    if w is None:
        return ce.mean()
    return (ce * w).sum() / w.sum()


def train_on_examples(model, examples: list[SFTExample], *, epochs: float, batch_size: int, lr: float,
                      weight_decay: float = 0.0, warmup_ratio: float = 0.05, grad_clip: float = 1.0,
                      seed: int = 0, pad_id: int = 0, device: str = "cpu", log_every: int = 20,
                      progress: Progress | None = None) -> list[dict[str, float]]:
    """Plain next-token training on ``examples`` (AdamW, linear warmup then linear decay).
    Returns the logged points ``{step, epoch, loss, tokens}``."""
    import torch  # lazy: the [train] extra

    torch.manual_seed(seed)
    rng = random.Random(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    per_epoch = math.ceil(len(examples) / batch_size)
    total = max(1, int(per_epoch * epochs))
    warm = int(total * warmup_ratio)

    def lr_at(step: int) -> float:
        if warm and step < warm:
            return lr * (step + 1) / warm
        return lr * max(0.0, (total - step) / max(1, total - warm))

    model.train()
    log: list[dict[str, float]] = []
    step, run_loss, run_n = 0, 0.0, 0
    t0 = time.time()
    while step < total:
        for batch in _batches(examples, batch_size, rng):
            if step >= total:
                break
            width = max(len(e.ids) for e in batch)
            ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            labels = torch.full((len(batch), width), -100, dtype=torch.long)
            weights = torch.zeros((len(batch), width), dtype=torch.float)
            att = torch.zeros((len(batch), width), dtype=torch.long)
            for r, e in enumerate(batch):
                n = len(e.ids)
                ids[r, :n] = torch.tensor(e.ids)
                labels[r, :n] = torch.tensor(e.labels)
                weights[r, :n] = torch.tensor(e.weights)
                att[r, :n] = 1
            ids, labels, att, weights = ids.to(device), labels.to(device), att.to(device), weights.to(device)
            loss = shopper_token_loss(model, ids, att, labels, weights)
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, grad_clip)
            opt.step()
            step += 1
            run_loss += float(loss.detach())
            run_n += 1
            if step % log_every == 0 or step == total:
                point = {"step": step, "epoch": round(step / per_epoch, 3), "loss": round(run_loss / run_n, 4),
                         "lr": lr_at(step - 1), "elapsed_s": round(time.time() - t0, 1)}
                log.append(point)
                run_loss, run_n = 0.0, 0
                if progress:
                    progress("train", {**point, "total": total})
    model.eval()
    return log


def run_sft(cfg: SFTConfig, *, store=None, progress: Progress | None = None) -> Path:
    """Run SFT as configured; returns the ``final`` checkpoint directory."""

    quiet_libraries()
    import torch  # lazy: the [train] extra


    say = progress or (lambda stage, info: None)
    device = pick_device(cfg.model.device, cfg.model.cpu_threads)
    if store is None:
        store = default_store()
    personas = load_env_personas(cfg.env)
    by_id = {p.id: p for p in personas}
    t0 = time.time()
    say("data", {"message": f"playing the scripted shopper: {len(personas)} personas x "
                            f"{cfg.data.episodes_per_persona} episodes"})
    episodes = generate_scripted_episodes(
        personas, store, agents=cfg.env.agents, flaw_mix=cfg.data.flaw_mix,
        episodes_per_persona=cfg.data.episodes_per_persona, max_turns=cfg.env.max_turns,
        max_views_per_turn=cfg.env.max_views_per_turn, seed=cfg.data.seed,
        progress=lambda done, total: say("episodes", {"done": done, "total": total}))
    da = [decision.compute(e, by_id[e.persona_id], store).value for e in episodes]
    da = [v for v in da if v is not None]
    data_da = sum(da) / len(da) if da else float("nan")
    say("data", {"message": f"{len(episodes)} episodes in {time.time() - t0:.0f}s; decision alignment of the "
                            f"scripted data: {data_da:.3f}"})

    torch.manual_seed(cfg.train.seed)
    if cfg.model.path:
        model, tokenizer = load_model_and_tokenizer(cfg.model.path, device=device, dtype=cfg.model.dtype,
                                                    trainable=True)
        model = apply_lora(model, cfg.model.lora) if not hasattr(model, "peft_config") else model
    else:
        corpus = list(project_corpus(store, personas, transcript_lines(episodes), cfg.render))
        tokenizer = train_tokenizer(corpus, cfg.model.tiny.vocab_size)
        model = build_tiny_model(tokenizer, cfg.model.tiny)
        if cfg.model.dtype:
            model = model.to(torch_dtype(cfg.model.dtype))
        model = apply_lora(model, cfg.model.lora)
        say("data", {"message": f"built the tiny model: {sum(p.numel() for p in model.parameters()):,} parameters, "
                                f"vocabulary {len(tokenizer)}"})
    model.to(device)
    examples = build_examples(episodes, by_id, tokenizer, store.catalog, cfg)
    lengths = sorted(len(e.ids) for e in examples)
    say("data", {"message": f"{len(examples)} sequences, median {lengths[len(lengths) // 2]} tokens, "
                            f"max {lengths[-1]}"})
    log = train_on_examples(
        model, examples, epochs=cfg.train.epochs, batch_size=cfg.train.batch_size, lr=cfg.train.learning_rate,
        weight_decay=cfg.train.weight_decay, warmup_ratio=cfg.train.warmup_ratio, grad_clip=cfg.train.grad_clip,
        seed=cfg.train.seed, pad_id=tokenizer.pad_token_id or 0, device=device, log_every=cfg.train.log_every,
        progress=progress)
    out = Path(cfg.output_dir)
    final = save_checkpoint(model, tokenizer, out / "final", cfg.render, cfg.sampling, cfg.model.template_kwargs,
                            extra={"stage": "sft", "config": cfg.model_dump(mode="json")})
    write_json(out / "sft_log.json", {"log": log, "episodes": len(episodes), "sequences": len(examples),
                                      "scripted_data_decision_alignment": data_da,
                                      "elapsed_s": round(time.time() - t0, 1)})
    say("done", {"message": f"saved {final}"})
    return final

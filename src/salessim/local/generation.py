"""Loading a local causal LM (optionally with a LoRA adapter) and sampling shopper actions from it.

:class:`ActionSampler` samples one action at a time with seeded sampling (or greedy decoding) and
returns the sampling log-probabilities of the ids it drew, computed as TRL computes them
(``log_softmax(logits / temperature)`` over the full vocabulary). It keeps the key/value cache of
each running episode between turns, so a turn only pays for its new tokens; a cache is rebuilt
from the ids when it is missing (the shopper state itself stays plain JSON).
"""

from __future__ import annotations

import inspect
import json
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from salessim.errors import SalesSimError
from salessim.local.chat import stop_token_ids

__all__ = ["ActionSampler", "SamplingConfig", "load_model_and_tokenizer", "TRAIN_EXTRA_HINT"]

TRAIN_EXTRA_HINT = 'Install the training extra: pip install -e ".[train]"'


class SamplingConfig(BaseModel):
    """How the shopper model picks its tokens."""

    model_config = ConfigDict(extra="forbid")

    temperature: float = Field(default=1.0, gt=0)
    top_k: int = Field(default=0, ge=0, description="0: no top-k cut")
    top_p: float = Field(default=1.0, gt=0, le=1)
    greedy: bool = False
    max_new_tokens: int = Field(default=24, ge=1)
    stop_at_newline: bool = Field(default=True, description="an action is one line: stop at a newline")


def require_train_stack(where: str | None = None) -> None:
    """Raise a clear error when torch/transformers are missing."""
    try:
        import torch  # noqa: F401  # lazy: the [train] extra
        import transformers  # noqa: F401  # lazy: the [train] extra
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SalesSimError(f"the hf: shopper and training need torch and transformers ({exc.name} is missing)",
                            where=where, hint=TRAIN_EXTRA_HINT) from None


def torch_dtype(name: str | None):
    """The torch dtype for a config's ``dtype`` name (``bf16``, ``fp16``, ``fp32`` or the long names)."""
    import torch  # lazy: the [train] extra

    return {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16, "float16": torch.float16,
            "fp32": torch.float32, "float32": torch.float32, None: None}[name]


_NEWLINES: "weakref.WeakKeyDictionary[Any, set[int]]" = weakref.WeakKeyDictionary()


def _newline_ids(tokenizer) -> set[int]:
    """Ids of the tokens that are only whitespace with a newline (a scan of the whole vocabulary,
    done once per tokenizer: a sampler is built for every rollout batch)."""
    if tokenizer not in _NEWLINES:
        ids = set()
        for tok, i in tokenizer.get_vocab().items():
            text = tokenizer.convert_tokens_to_string([tok])
            if "\n" in text and text.strip() == "":
                ids.add(i)
        _NEWLINES[tokenizer] = ids
    return _NEWLINES[tokenizer]


def load_model_and_tokenizer(path: str | Path, *, device: str = "cpu", dtype: str | None = None,
                             adapter: str | Path | None = None, trainable: bool = False):
    """Load a local checkpoint directory (never a hub id). ``path`` may be a LoRA adapter directory
    (``adapter_config.json``): its base model is loaded from ``base_model_name_or_path`` and the
    adapter applied (trainable when ``trainable``). Returns ``(model, tokenizer)``, the model in eval mode."""
    require_train_stack()

    from transformers import (  # lazy: the [train] extra
        AutoModelForCausalLM,
        AutoTokenizer,
    )

    p = Path(path)
    if not p.is_dir():
        raise SalesSimError(f"no checkpoint directory at {p}", where="hf:PATH",
                            hint="Pass a local directory written by `salessim train` or save_pretrained.")
    adapter_dir = Path(adapter) if adapter else (p if (p / "adapter_config.json").exists() else None)
    base = p
    if adapter_dir is not None and adapter_dir == p:
        base_name = json.loads((p / "adapter_config.json").read_text()).get("base_model_name_or_path")
        if not base_name or not Path(base_name).is_dir():
            raise SalesSimError(f"{p}/adapter_config.json: base_model_name_or_path {base_name!r} is not a local "
                                "directory", where="hf:PATH", hint="Point it at the base model's directory.")
        base = Path(base_name)
    kwargs: dict[str, Any] = {"local_files_only": True}
    if dtype is not None:
        kwargs["dtype"] = torch_dtype(dtype)
    model = AutoModelForCausalLM.from_pretrained(base, **kwargs)
    tok_dir = p if (p / "tokenizer_config.json").exists() else base
    tokenizer = AutoTokenizer.from_pretrained(tok_dir, local_files_only=True)
    if adapter_dir is not None:
        try:
            from peft import PeftModel  # lazy: the [train] extra
        except ImportError:  # pragma: no cover
            raise SalesSimError("a LoRA adapter needs peft", hint=TRAIN_EXTRA_HINT) from None
        model = PeftModel.from_pretrained(model, adapter_dir, is_trainable=trainable)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    model.to(device)
    model.eval()
    return model, tokenizer


class ActionSampler:
    """Samples assistant turns from ``model`` with per-episode key/value caches (see the module
    docstring). ``max_cached`` bounds how many episode caches are kept; ``cpu_threads`` is the torch
    thread count used while sampling on a CPU (None: leave it as it is)."""

    def __init__(self, model, tokenizer, sampling: SamplingConfig | None = None, stop_ids: list[int] | None = None,
                 max_cached: int = 64, cpu_threads: int | None = 1):
        self.model = model
        self.tokenizer = tokenizer
        self.sampling = sampling or SamplingConfig()
        self.stop_ids = stop_ids if stop_ids is not None else stop_token_ids(
            tokenizer, getattr(model, "generation_config", None))
        self.max_cached = max_cached
        self.cpu_threads = cpu_threads
        self._caches: OrderedDict[str, tuple[Any, list[int]]] = OrderedDict()
        self._newline_ids: set[int] | None = None
        self._cache_kw: str | None = None

    def clear(self, key: str | None = None) -> None:
        """Forget one episode's cache (or all)."""
        if key is None:
            self._caches.clear()
        else:
            self._caches.pop(key, None)

    def _device(self):
        try:
            return next(self.model.parameters()).device
        except StopIteration:  # pragma: no cover
            import torch  # lazy: the [train] extra

            return torch.device("cpu")

    def _cache_arg(self) -> str:
        """``cache`` (transformers >= 5.2x) or ``past_key_values`` (older models / wrappers)."""
        if self._cache_kw is None:
            base = getattr(self.model, "get_base_model", lambda: self.model)()
            params = inspect.signature(base.forward).parameters
            self._cache_kw = "cache" if "cache" in params else "past_key_values"
        return self._cache_kw

    def _newlines(self) -> set[int]:
        if self._newline_ids is None:
            self._newline_ids = _newline_ids(self.tokenizer)
        return self._newline_ids

    def sample(self, key: str, ids: list[int], seed: int) -> tuple[list[int], list[float]]:
        """Draw one assistant turn after context ``ids`` for episode ``key``. Returns the new ids
        (ending with a stop id unless cut by ``max_new_tokens`` or a newline) and their
        log-probabilities."""
        import torch  # lazy: the [train] extra

        cfg = self.sampling
        device = self._device()
        gen = torch.Generator(device="cpu").manual_seed(int(seed) & 0x7FFFFFFFFFFFFFFF)
        cached = self._caches.pop(key, None)
        past, fed = (cached if cached is not None else (None, []))
        if past is not None and (len(fed) > len(ids) or ids[: len(fed)] != fed):
            past, fed = None, []
        todo = ids[len(fed):]
        if not todo:  # everything already fed: re-feed the last id to get its logits
            past, fed, todo = None, [], ids
        out_ids: list[int] = []
        out_lp: list[float] = []
        temperature = 1.0 if cfg.greedy else cfg.temperature
        was_training = self.model.training
        self.model.eval()
        threads = torch.get_num_threads()
        if device.type == "cpu" and self.cpu_threads:
            # One-token steps of a small model: extra threads only add synchronisation (and are
            # much slower when the cores are shared).
            torch.set_num_threads(self.cpu_threads)
        with torch.inference_mode():
            step_input = todo
            for _ in range(cfg.max_new_tokens):
                inp = torch.tensor([step_input], dtype=torch.long, device=device)
                out = self.model(input_ids=inp, use_cache=True, **{self._cache_arg(): past})
                past = out.get("cache", None) or out.get("past_key_values", None)
                fed = fed + step_input
                logits = out.logits[0, -1].float() / temperature
                logp = torch.log_softmax(logits, dim=-1)
                if cfg.greedy:
                    token = int(torch.argmax(logits))
                else:
                    token = _draw(logits, cfg.top_k, cfg.top_p, gen)
                out_ids.append(token)
                out_lp.append(float(logp[token]))
                if token in self.stop_ids:
                    break
                if cfg.stop_at_newline and token in self._newlines() and len(out_ids) > 1:
                    break
                step_input = [token]
        torch.set_num_threads(threads)
        if was_training:
            self.model.train()
        self._caches[key] = (past, fed)
        while len(self._caches) > self.max_cached:
            self._caches.popitem(last=False)
        return out_ids, out_lp


def _draw(logits, top_k: int, top_p: float, gen) -> int:
    import torch  # lazy: the [train] extra

    scores = logits.clone()
    if top_k and top_k < scores.numel():
        kth = torch.topk(scores, top_k).values[-1]
        scores[scores < kth] = float("-inf")
    probs = torch.softmax(scores, dim=-1)
    if top_p < 1.0:
        sorted_p, order = torch.sort(probs, descending=True)
        keep = torch.cumsum(sorted_p, dim=0) - sorted_p < top_p
        sorted_p[~keep] = 0.0
        probs = torch.zeros_like(probs).scatter_(0, order, sorted_p)
        probs = probs / probs.sum()
    return int(torch.multinomial(probs.cpu(), 1, generator=gen))


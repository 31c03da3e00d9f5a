"""Pieces shared by SFT, UserGRPO and the benchmark: device choice, model preparation (LoRA),
checkpoint saving, and quiet library logging."""

from __future__ import annotations

import copy
import json
import os
import warnings
from pathlib import Path
from typing import Any

from salessim.errors import SalesSimError
from salessim.local.generation import SamplingConfig, require_train_stack
from salessim.local.render import RenderConfig
from salessim.shoppers.hf import write_shopper_settings
from salessim.train.config import LoraSection

__all__ = ["apply_lora", "pick_device", "quiet_libraries", "save_checkpoint", "write_json"]


def quiet_libraries() -> None:
    """Silence hub/progress chatter of transformers/datasets/trl (the CLI draws its own progress)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import transformers  # lazy: the [train] extra

        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except Exception:  # pragma: no cover
        pass
    try:
        import datasets  # lazy: the [train] extra

        datasets.utils.logging.set_verbosity_error()
        datasets.utils.logging.disable_progress_bar()
    except Exception:  # pragma: no cover
        pass

    warnings.filterwarnings("ignore", message=".*past_key_values.*")
    warnings.filterwarnings("ignore", message=".*gradient_checkpointing.*")
    warnings.filterwarnings("ignore", message=".*rollout_func.*experimental.*")
    warnings.filterwarnings("ignore", category=FutureWarning, module="torch")


def pick_device(name: str, cpu_threads: int | None = None) -> str:
    """``auto`` -> cuda when available, else cpu. ``cpu_threads`` sets torch's thread count."""
    require_train_stack()
    import torch  # lazy: the [train] extra

    if cpu_threads:
        torch.set_num_threads(cpu_threads)

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise SalesSimError("CUDA is not available on this machine", where="model.device",
                            hint="Use device: cpu or auto.")
    return name


def lora_config(cfg: LoraSection):
    from peft import LoraConfig  # lazy: the [train] extra

    return LoraConfig(r=cfg.r, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout, target_modules=cfg.target_modules,
                      task_type="CAUSAL_LM")


def apply_lora(model, cfg: LoraSection | None):
    """Wrap ``model`` with a fresh LoRA adapter when ``cfg`` is set (peft)."""
    if cfg is None:
        return model
    from peft import get_peft_model  # lazy: the [train] extra

    return get_peft_model(model, lora_config(cfg))


def save_checkpoint(model, tokenizer, out_dir: str | Path, render: RenderConfig, sampling: SamplingConfig,
                    template_kwargs: dict[str, Any] | None, extra: dict[str, Any] | None = None) -> Path:
    """Save weights (or the LoRA adapter), tokenizer and the shopper settings (``render``,
    ``sampling``, the chat template's ``template_kwargs``) to ``out_dir``."""

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if hasattr(model, "peft_config"):
        base = model.get_base_model()
        base_path = getattr(base.config, "_name_or_path", "") or ""
        if not Path(base_path).is_dir():
            # An adapter on a model that exists only in memory (a freshly built tiny model)
            # could not be loaded again: save the merged weights instead.

            model = copy.deepcopy(model).merge_and_unload()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    write_shopper_settings(out, render, sampling, template_kwargs)
    if extra:
        write_json(out / "training_info.json", extra)
    return out


def write_json(path: str | Path, data: Any) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=2, default=str) + "\n")

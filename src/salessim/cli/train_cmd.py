"""``salessim train sft | grpo``: train a shopper model (needs the [train] extra).

Imports of torch/transformers/trl happen inside the commands, so the rest of the CLI works
without the extra; a missing extra is a one-line error naming ``pip install -e ".[train]"``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from salessim.errors import SalesSimError
from salessim.local.generation import TRAIN_EXTRA_HINT
from salessim.train.config import load_config
from salessim.train.grpo import run_grpo
from salessim.train.sft import run_sft

console = Console()
app = typer.Typer(help="Train a shopper model: SFT cold start, then UserGRPO (needs the train extra).",
                  no_args_is_help=True)


def _require(*modules: str) -> None:
    """Raise a clear error when one of ``modules`` (the training stack) is not installed."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise SalesSimError(f"training needs {name}, which is not installed", hint=TRAIN_EXTRA_HINT) from None


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


class _Reporter:
    """Prints training progress: stage messages, episode counts and logged training points."""

    KEYS = ("loss", "reward", "rewards/decision_alignment/mean", "rewards/dealbreaker_disclosure/mean",
            "rewards/overdisclosure/mean", "rewards/conversation_quality/mean", "rewards/format_validity/mean",
            "kl", "completions/mean_length", "lr", "learning_rate")
    SHORT = {"rewards/decision_alignment/mean": "DA", "rewards/dealbreaker_disclosure/mean": "disclose",
             "rewards/overdisclosure/mean": "1-overdisc", "rewards/conversation_quality/mean": "quality",
             "rewards/format_validity/mean": "format", "completions/mean_length": "shopper_toks",
             "learning_rate": "lr"}

    def __init__(self):
        self._last_episodes = -1

    def __call__(self, stage: str, info: dict[str, Any]) -> None:
        if stage == "episodes":
            done, total = info["done"], info["total"]
            step = max(1, total // 10)
            if done == total or done // step != self._last_episodes:
                self._last_episodes = done // step
                console.print(f"  scripted episodes {done}/{total}")
            return
        if stage == "train":
            parts = [f"step {info.get('step')}/{info.get('total', '?')}"]
            for k in self.KEYS:
                if k in info:
                    parts.append(f"{self.SHORT.get(k, k)}={_fmt(info[k])}")
            if "elapsed_s" in info:
                parts.append(f"{info['elapsed_s']}s")
            console.print("  " + "  ".join(parts))
            return
        console.print(f"[bold]{escape(str(stage))}[/bold]: {escape(str(info.get('message', info)))}")


def sft(config: Path = typer.Option(..., "--config", help="SFT config (YAML), e.g. configs/train/sft-tiny.yaml.")) -> None:
    """SFT cold start: imitate scripted-shopper transcripts (with flaw knobs) on the train personas.

    Saves <output_dir>/final (a Hugging Face checkpoint usable as --shopper hf:<output_dir>/final).
    """

    cfg = load_config(config, "sft")
    _require("torch", "transformers")

    final = run_sft(cfg, progress=_Reporter())
    final = escape(str(final))
    console.print(f"SFT checkpoint: {final}\nnext: salessim train grpo --config <grpo config with model.path: {final}>")


def grpo(config: Path = typer.Option(..., "--config", help="UserGRPO config (YAML), e.g. configs/train/usergrpo-tiny.yaml.")) -> None:
    """UserGRPO: multi-turn, multi-objective GRPO of the shopper model against the store and sales agents.

    Saves <output_dir>/final and checkpoints; benchmark it with: salessim run --shopper hf:<output_dir>/final
    """

    cfg = load_config(config, "grpo")
    _require("torch", "transformers", "trl", "datasets")
    if cfg.model.lora is not None:
        _require("peft")

    final = run_grpo(cfg, progress=_Reporter())
    final = escape(str(final))
    console.print(f"UserGRPO checkpoint: {final}\nbenchmark it: salessim run --shopper hf:{final} --split test")


app.command("sft")(sft)
app.command("grpo")(grpo)


def register(main_app: typer.Typer) -> None:
    """Add the `train` command group to the main app."""
    main_app.add_typer(app, name="train")

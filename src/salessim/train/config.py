"""Training configurations (``configs/train/*.yaml``), validated with pydantic.

Two files: :class:`SFTConfig` (``salessim train sft``) and :class:`GRPOConfigFile`
(``salessim train grpo``). They share :class:`ModelSection` (what to start from: a local
checkpoint, or a tiny model built on the spot; LoRA; dtype; device), :class:`EnvSection`
(personas, split, the sales-agent mix, episode length) and the render/sampling settings of the
shopper model. Unknown keys and bad values are errors that name the YAML field, e.g.
``usergrpo-tiny.yaml: grpo.num_generations: Input should be greater than or equal to 2``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from salessim.errors import DataError, pydantic_error_lines
from salessim.local.generation import SamplingConfig
from salessim.local.render import RenderConfig
from salessim.shoppers.flaws import Flaws
from salessim.train.tiny import TinyModelConfig

__all__ = ["EnvSection", "GRPOConfigFile", "GRPOSection", "LoraSection", "ModelSection", "RewardSection",
           "SFTConfig", "SFTDataSection", "SFTTrainSection", "load_config"]

REWARD_NAMES = ("decision_alignment", "dealbreaker_disclosure", "overdisclosure", "conversation_quality",
                "format_validity")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoraSection(_Strict):
    """LoRA adapter settings (peft). ``target_modules`` default to the attention projections."""

    r: int = Field(default=16, ge=1)
    alpha: int = Field(default=32, ge=1)
    dropout: float = Field(default=0.05, ge=0, lt=1)
    target_modules: list[str] | str = "all-linear"


class ModelSection(_Strict):
    """The model to train: ``path`` (a local checkpoint directory) or, when it is null, a tiny model
    built from ``tiny`` with a tokenizer trained on the project's text."""

    path: str | None = None
    tiny: TinyModelConfig = Field(default_factory=TinyModelConfig)
    lora: LoraSection | None = None
    dtype: Literal["fp32", "bf16", "fp16"] | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    cpu_threads: int | None = Field(default=None, ge=1,
                                    description="torch threads for training on a CPU (null: torch's default)")
    template_kwargs: dict[str, Any] = Field(default_factory=dict,
                                            description="extra chat-template arguments, e.g. enable_thinking: false")


class EnvSection(_Strict):
    """The environment the shopper plays in: personas, the sales agents and episode limits."""

    personas: str | None = Field(default=None, description="persona file; null: the built-in benchmark")
    split: Literal["train", "test", "all"] = "train"
    limit: int | None = Field(default=None, ge=1, description="use only the first N personas")
    agents: dict[str, float] = Field(default_factory=lambda: {"scripted": 0.5, "pushy": 0.5},
                                     description="sales-agent kinds and their shares")
    max_turns: int = Field(default=6, ge=1)
    max_views_per_turn: int = Field(default=4, ge=1)

    @field_validator("agents")
    @classmethod
    def _mix(cls, v: dict[str, float]) -> dict[str, float]:
        if not v or any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("give at least one agent kind with a positive share, e.g. {scripted: 0.5, pushy: 0.5}")
        return v


class FlawMixItem(_Strict):
    """One flaw setting of the scripted shopper and its share of the SFT episodes."""

    weight: float = Field(default=1.0, ge=0)
    flaws: dict[str, float] = Field(default_factory=dict)

    @field_validator("flaws")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        Flaws(**v)  # unknown names or values outside [0, 1] raise here
        return v


class SFTDataSection(_Strict):
    """Transcripts of the scripted shopper that SFT imitates."""

    episodes_per_persona: int = Field(default=4, ge=1)
    flaw_mix: list[FlawMixItem] = Field(default_factory=lambda: [FlawMixItem()])
    say_words: int | None = Field(default=12, ge=1,
                                  description="keep at most N free words per SAY target (criterion refs always kept)")
    drop_views: bool = Field(default=True, description="leave the scripted shopper's VIEW actions out of the targets")
    refs_only: bool = Field(default=False, description="SAY targets: only criterion refs when the utterance states "
                                                       "criteria (compact style)")
    seed: int = 0


class SFTTrainSection(_Strict):
    """The SFT optimisation."""

    epochs: float = Field(default=3, gt=0)
    batch_size: int = Field(default=16, ge=1)
    learning_rate: float = Field(default=3e-3, gt=0)
    weight_decay: float = Field(default=0.0, ge=0)
    warmup_ratio: float = Field(default=0.05, ge=0, lt=1)
    max_length: int = Field(default=1024, ge=32)
    grad_clip: float = Field(default=1.0, gt=0)
    action_weight: float = Field(default=1.0, gt=0,
                                 description="loss weight of the tokens that choose an action (keyword, product ref)")
    log_every: int = Field(default=20, ge=1)
    seed: int = 0


class SFTConfig(_Strict):
    """``salessim train sft``: cold start of the shopper policy on scripted transcripts."""

    output_dir: str
    model: ModelSection = Field(default_factory=ModelSection)
    render: RenderConfig = Field(default_factory=RenderConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    env: EnvSection = Field(default_factory=EnvSection)
    data: SFTDataSection = Field(default_factory=SFTDataSection)
    train: SFTTrainSection = Field(default_factory=SFTTrainSection)


class RewardSection(_Strict):
    """Reward functions and their weights; ``aggregation`` is TRL's ``multi_objective_aggregation``."""

    weights: dict[str, float] = Field(default_factory=lambda: {
        "decision_alignment": 1.0, "dealbreaker_disclosure": 0.25, "overdisclosure": 0.25,
        "conversation_quality": 0.1, "format_validity": 0.25})
    aggregation: Literal["normalize_then_sum", "sum_then_normalize"] = "normalize_then_sum"
    graded_decision: bool = Field(default=False, description="decision reward = 1 - regret instead of 0/1")

    @field_validator("weights")
    @classmethod
    def _names(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = [k for k in v if k not in REWARD_NAMES]
        if unknown:
            raise ValueError(f"unknown reward(s) {', '.join(unknown)}; known: {', '.join(REWARD_NAMES)}")
        if not any(w != 0 for w in v.values()):
            raise ValueError("at least one reward needs a non-zero weight")
        return v


class GRPOSection(_Strict):
    """The GRPO optimisation (passed to TRL's ``GRPOConfig``)."""

    num_generations: int = Field(default=4, ge=2, description="G: episodes per persona in a group")
    prompts_per_step: int = Field(default=8, ge=1, description="personas per optimisation step")
    max_steps: int = Field(default=60, ge=1)
    learning_rate: float = Field(default=1e-3, gt=0)
    beta: float = Field(default=0.0, ge=0, description="KL coefficient against the starting policy")
    epsilon: float = Field(default=0.2, gt=0)
    loss_type: str = "dapo"
    scale_rewards: Literal["group", "batch", "none"] = "group"
    num_iterations: int = Field(default=1, ge=1)
    gradient_accumulation_steps: int = Field(default=1, ge=1)
    max_completion_length: int = Field(default=1024, ge=16)
    warmup_ratio: float = Field(default=0.0, ge=0, lt=1)
    weight_decay: float = Field(default=0.0, ge=0)
    max_grad_norm: float = Field(default=1.0, gt=0)
    save_steps: int = Field(default=0, ge=0, description="save a checkpoint every N steps (0: only final)")
    logging_steps: int = Field(default=1, ge=1)
    seed: int = 0
    extra: dict[str, Any] = Field(default_factory=dict, description="any other GRPOConfig field")


class GRPOConfigFile(_Strict):
    """``salessim train grpo``: UserGRPO from a starting checkpoint (usually the SFT one)."""

    output_dir: str
    model: ModelSection
    render: RenderConfig | None = Field(default=None, description="null: the settings stored with the checkpoint")
    sampling: SamplingConfig | None = None
    env: EnvSection = Field(default_factory=EnvSection)
    rewards: RewardSection = Field(default_factory=RewardSection)
    grpo: GRPOSection = Field(default_factory=GRPOSection)

    @model_validator(mode="after")
    def _needs_path(self) -> "GRPOConfigFile":
        if not self.model.path:
            raise ValueError("model.path: GRPO starts from a checkpoint (e.g. outputs/sft-tiny/final)")
        return self


def load_config(path: str | Path, kind: Literal["sft", "grpo"]):
    """Read and validate a YAML training config; errors name the file and the field."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"no config file at {p}", where="--config")
    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"{p}: not valid YAML: {exc}".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise DataError(f"{p}: the top level must be a mapping of fields")
    model = SFTConfig if kind == "sft" else GRPOConfigFile
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = pydantic_error_lines(exc, p.name)
        raise DataError("; ".join(lines)) from None

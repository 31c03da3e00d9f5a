"""The run configuration: what `salessim run` simulates, stored resolved in ``run.json``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ModelConfig(BaseModel):
    """An LLM endpoint for one role. The API key is never stored: only the name of the
    environment variable that holds it."""

    model_config = ConfigDict(extra="forbid")

    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    vision: bool = False
    tool_calling: bool = True
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    timeout_s: float = 60.0
    max_retries: int = 4
    concurrency: int = 16
    extra: dict[str, Any] = Field(default_factory=dict)


class ShopperConfig(BaseModel):
    """Which shopper plays: ``scripted`` (with flaw knobs), ``llm`` (needs ``model``) or ``hf:PATH``."""

    model_config = ConfigDict(extra="forbid")

    kind: str = "scripted"
    flaws: dict[str, float] = Field(default_factory=dict)
    model: ModelConfig | None = None


class AgentConfig(BaseModel):
    """Which sales agent plays: ``scripted``, ``pushy`` (persuasion probe) or ``llm``."""

    model_config = ConfigDict(extra="forbid")

    kind: str = "scripted"
    model: ModelConfig | None = None


class RunConfig(BaseModel):
    """Everything that defines a benchmark run (seeds included), minus where it is written."""

    model_config = ConfigDict(extra="forbid")

    personas: str | None = None  # None: the built-in benchmark file
    split: Literal["train", "test", "all"] = "test"
    limit: int | None = Field(default=None, ge=1)
    episodes_per_persona: int = Field(default=1, ge=1)
    seed: int = 0
    concurrency: int = Field(default=8, ge=1)
    max_turns: int = Field(default=12, ge=1)
    episode_timeout_s: float | None = Field(default=None, gt=0)
    shopper: ShopperConfig = Field(default_factory=ShopperConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    metrics: list[str] | None = None

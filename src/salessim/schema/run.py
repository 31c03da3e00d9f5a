"""The run configuration: what `salessim run` simulates, stored resolved in ``run.json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

#: Keys refused in a model config: a secret never goes into a config file or run.json.
SECRET_FIELDS = ("api_key", "key", "token", "secret", "password")

#: A list of file names where one name alone is short for a list of one (``prices: file.yaml``).
FileList = Annotated[list[str], BeforeValidator(lambda v: [v] if isinstance(v, str) else v)]


class ModelConfig(BaseModel):
    """An LLM endpoint for one role. The API key is never stored: only the name of the
    environment variable that holds it.

    ``vision``: the model sees product pictures (``view_product`` results carry a PNG image part).
    ``vision_image_in``: where that image goes; ``user`` (default, works with every chat API) adds
    a user message holding the picture right after the tool result, ``tool`` puts the image part
    inside the tool message (only for servers whose chat template accepts images there).
    ``tool_calling: false`` switches the shopper to the text protocol (``[VIEW id]``, ``[BUY id]``,
    ``[LEAVE: reason]`` on the last line). ``max_format_retries``: how often an unusable output
    (broken tool JSON, unknown tool, empty or truncated output) is asked again with a corrective
    note. ``cache``: answer repeated requests from the on-disk response cache. ``send_seed``:
    forward the per-call seed (turn off for endpoints that reject ``seed``). ``backoff_*`` and
    ``retry_after_max_s`` tune the client's retry waits; ``price_*_per_m`` override the price
    table (USD per 1M tokens).
    """

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
    vision_image_in: Literal["user", "tool"] = "user"
    max_format_retries: int = Field(default=2, ge=0, le=10)
    cache: bool = True
    send_seed: bool = True
    backoff_base_s: float = Field(default=1.0, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    retry_after_max_s: float = Field(default=60.0, ge=0)
    price_input_per_m: float | None = Field(default=None, ge=0)
    price_output_per_m: float | None = Field(default=None, ge=0)
    prices: FileList = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        """Refuse a literal key: configs name the environment variable that holds it."""
        if isinstance(data, dict):
            for name in SECRET_FIELDS:
                if name in data:
                    raise ValueError(
                        f"'{name}' is not allowed here: keys are never stored in configs or run.json. "
                        "Put the key in an environment variable and set api_key_env to its name."
                    )
        return data


class ParticipantConfig(BaseModel):
    """Which participant plays a role: ``kind`` is a registry name, ``hf:PATH`` (shoppers) or a
    ``MODULE:ATTR`` spec of your own class or factory; ``params`` are passed to it as keyword
    arguments; ``model`` configures the built-in ``llm`` participants."""

    model_config = ConfigDict(extra="forbid")

    kind: str = "scripted"
    model: ModelConfig | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """``model: NAME`` means ``model: {model: NAME}``; a model without a ``kind`` means ``kind: llm``."""
        if isinstance(data, dict):
            model = data.get("model")
            if isinstance(model, str):
                data = {**data, "model": {"model": model}}
            if data.get("model") is not None and "kind" not in data:
                data = {**data, "kind": "llm"}
        return data


class ShopperConfig(ParticipantConfig):
    """Which shopper plays: ``scripted`` (with flaw knobs and a wording ``preset``: ``default`` or
    ``humanlike``), ``llm`` (needs ``model``), ``hf:PATH``, ``human`` (a person, ``salessim play``),
    or a plug-in."""

    flaws: dict[str, float] = Field(default_factory=dict)
    preset: str | None = None  # the scripted shopper's wording preset (None = default)


class AgentConfig(ParticipantConfig):
    """Which sales agent plays: ``scripted``, ``pushy`` (persuasion probe), ``llm``, or a plug-in."""


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
    prices: FileList = Field(default_factory=list)

    @model_validator(mode="after")
    def _prices_to_models(self) -> "RunConfig":
        """Run-level price files apply to every model that names none of its own."""
        if self.prices:
            for part in (self.shopper, self.agent):
                if part.model is not None and not part.model.prices:
                    part.model.prices = list(self.prices)
        return self

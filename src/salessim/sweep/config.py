"""Sweep configs: a matrix of shoppers x agents x splits x seeds, each cell a run config.

A sweep config file (``configs/sweeps/*.yaml``)::

    name: my-leaderboard            # names the sweep (and its cells' run ids)
    settings:                       # shared run settings: any run-config field except the matrix's own
      limit: 50
      max_turns: 12
      concurrency: 8                # episodes in flight per worker process
    model_defaults:                 # ModelConfig fields given to every LLM participant that does not set them
      temperature: 0.7
      concurrency: 32               # requests in flight to one endpoint, over ALL worker processes
    shoppers:                       # a run config's shopper section, plus an optional name
      - {name: oracle, kind: scripted}
      - {name: sycophantic, flaws: {sycophancy: 1.0}}
      - {name: qwen, model: {model: Qwen/Qwen3-8B, base_url: "http://localhost:8000/v1"}}
      - {kind: "hf:outputs/usergrpo-tiny/final"}
    agents: [{kind: scripted}, {kind: pushy}]
    splits: [test]
    seeds: [0]
    trials: 1                       # episodes per persona within a cell (repeated trials)
    reference: oracle               # paired differences are taken against this shopper (default: the first)

Each cell (shopper, agent, split, seed) is validated as a run config and checked like ``salessim
run`` checks one (:func:`salessim.sim.config.check_run_config`): a participant ``kind`` is passed
through unchanged, so every kind a run config accepts works in a sweep. Problems are one line
naming the file and the YAML path: ``configs/sweeps/x.yaml: shoppers.1.flaws: unknown flaw 'gullible'``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from salessim.datafiles import read_config_yaml
from salessim.errors import DataError, SalesSimError, pydantic_error_lines
from salessim.schema.run import AgentConfig, ModelConfig, RunConfig, ShopperConfig
from salessim.shoppers.flaws import coerce_flaws
from salessim.sim.config import check_run_config

__all__ = ["Cell", "SweepAgent", "SweepConfig", "SweepShopper", "load_sweep_config", "parse_sweep_config"]

#: Names of shoppers, agents and sweeps: they become directory names.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: Run-config fields that are dimensions of the matrix, and where they go instead.
MATRIX_FIELDS = {"shopper": "shoppers", "agent": "agents", "seed": "seeds", "split": "splits",
                 "episodes_per_persona": "trials"}
_HINT = "See docs/sweeps.md and configs/sweeps/ for valid settings."


def _check_name(value: str | None) -> str | None:
    if value is not None and (not NAME_RE.match(value) or "__" in value):
        raise ValueError(f"{value!r} is not a valid name: use letters, digits, '.', '_' and '-' "
                         "(starting with a letter or digit, no '__'); it becomes a directory name")
    return value


class SweepShopper(ShopperConfig):
    """One shopper of the matrix: a run config's ``shopper`` section plus an optional ``name``."""

    name: str | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str | None) -> str | None:
        return _check_name(value)


class SweepAgent(AgentConfig):
    """One sales agent of the matrix: a run config's ``agent`` section plus an optional ``name``."""

    name: str | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str | None) -> str | None:
        return _check_name(value)


def _first_error(exc: ValidationError) -> str:
    """``loc: message`` of the first error of ``exc`` (one line)."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()))
    return f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid"))


def _with_model_defaults(entry: Any, defaults: dict[str, Any]) -> Any:
    """A participant entry whose model config gets the defaults it does not set."""
    if not isinstance(entry, dict) or not defaults:
        return entry
    model = entry.get("model")
    if isinstance(model, str):
        model = {"model": model}
    if isinstance(model, dict):
        return {**entry, "model": {**defaults, **model}}
    return entry


class SweepConfig(BaseModel):
    """A sweep: the matrix of shoppers x agents x splits x seeds (each a cell: one run) and the
    settings every cell shares. Stored resolved in the sweep's manifest (``sweep.json``)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)
    model_defaults: dict[str, Any] = Field(default_factory=dict)
    shoppers: list[SweepShopper] = Field(min_length=1)
    agents: list[SweepAgent] = Field(default_factory=lambda: [SweepAgent()], min_length=1)
    splits: list[Literal["train", "test", "all"]] = Field(default_factory=lambda: ["test"], min_length=1)
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    trials: int = Field(default=1, ge=1)
    reference: str | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _check_name(value)

    @model_validator(mode="before")
    @classmethod
    def _apply_model_defaults(cls, data: Any) -> Any:
        """``model_defaults`` fill the model configs of every shopper and agent entry."""
        if isinstance(data, dict) and isinstance(data.get("model_defaults"), dict) and data["model_defaults"]:
            defaults = data["model_defaults"]
            data = dict(data)
            for role in ("shoppers", "agents"):
                if isinstance(data.get(role), list):
                    data[role] = [_with_model_defaults(e, defaults) for e in data[role]]
        return data

    @field_validator("model_defaults")
    @classmethod
    def _defaults_are_model_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "model" in value:
            raise ValueError("'model' cannot have a default: name the model of each participant")
        try:
            ModelConfig.model_validate({"model": "x", **value})
        except ValidationError as exc:
            raise ValueError(_first_error(exc)) from None
        return value

    @field_validator("settings")
    @classmethod
    def _settings_are_shared_run_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, instead in MATRIX_FIELDS.items():
            if name in value:
                raise ValueError(f"'{name}' is a dimension of the sweep: set '{instead}' at the top level")
        try:
            RunConfig.model_validate(value)
        except ValidationError as exc:
            raise ValueError(_first_error(exc)) from None
        return value

    @field_validator("seeds", "splits")
    @classmethod
    def _distinct(cls, value: list) -> list:
        if len(set(value)) != len(value):
            raise ValueError("each value may be listed once")
        return value

    @model_validator(mode="after")
    def _names(self) -> "SweepConfig":
        for role, entries, namer in (("shoppers", self.shoppers, shopper_name), ("agents", self.agents, agent_name)):
            seen: dict[str, int] = {}
            for i, entry in enumerate(entries):
                name = entry.name or namer(entry)
                if name in seen:
                    raise ValueError(f"{role}.{i} and {role}.{seen[name]} are both named {name!r}: "
                                     "give them distinct 'name's")
                seen[name] = i
        if self.reference is not None and self.reference not in self.shopper_names():
            raise ValueError(f"reference {self.reference!r} is not a shopper of this sweep "
                             f"(shoppers: {', '.join(self.shopper_names())})")
        return self

    def shopper_names(self) -> list[str]:
        """The shoppers' names, in the config's order (given, or derived from kind and model)."""
        return [s.name or shopper_name(s) for s in self.shoppers]

    def agent_names(self) -> list[str]:
        """The agents' names, in the config's order."""
        return [a.name or agent_name(a) for a in self.agents]

    def reference_shopper(self) -> str:
        """The shopper the paired differences are taken against: ``reference``, else the first."""
        return self.reference or self.shopper_names()[0]

    def cells(self) -> list["Cell"]:
        """Every cell of the matrix, in a fixed order: shopper, agent, split, seed."""
        out = []
        for s_name, shopper in zip(self.shopper_names(), self.shoppers):
            for a_name, agent in zip(self.agent_names(), self.agents):
                for split in self.splits:
                    for seed in self.seeds:
                        data = {**self.settings,
                                "shopper": shopper.model_dump(mode="json", exclude={"name"}, exclude_none=True),
                                "agent": agent.model_dump(mode="json", exclude={"name"}, exclude_none=True),
                                "split": split, "seed": seed, "episodes_per_persona": self.trials}
                        cfg = RunConfig.model_validate(data)
                        out.append(Cell(id=cell_id(s_name, a_name, split, seed), shopper=s_name, agent=a_name,
                                        split=split, seed=seed, config=cfg))
        return out

    def content_hash(self) -> str:
        """A short hash of the resolved config."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Cell:
    """One cell of a sweep: a (shopper, agent, split, seed) combination and its run config; its run
    directory is ``<sweep dir>/cells/<id>``."""

    id: str
    shopper: str
    agent: str
    split: str
    seed: int
    config: RunConfig

    @property
    def relative_dir(self) -> str:
        return f"cells/{self.id}"


def cell_id(shopper: str, agent: str, split: str, seed: int) -> str:
    """``<shopper>__<agent>__<split>__seed<seed>`` (names hold no ``__``, so ids never collide)."""
    return f"{shopper}__{agent}__{split}__seed{seed}"


def _safe(text: str) -> str:
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")
    text = re.sub(r"_{2,}", "_", text)
    return text or "x"


def shopper_name(entry: ShopperConfig) -> str:
    """A name for a shopper entry without one: ``oracle`` (scripted, no flaw), ``scripted-sycophancy1``
    (scripted with flaws), the model's last path part for ``llm``, ``hf-<dir>`` for ``hf:PATH``,
    else the kind."""
    kind = entry.kind
    if kind == "scripted":
        flaws = {k: v for k, v in sorted(entry.flaws.items()) if v}
        return "oracle" if not flaws else _safe("scripted-" + "-".join(f"{k}{v:g}" for k, v in flaws.items()))
    if kind == "llm" and entry.model is not None:
        return _safe(entry.model.model.rsplit("/", 1)[-1])
    if kind.startswith("hf:"):
        parts = [p for p in kind[3:].replace("\\", "/").split("/") if p]
        return _safe("hf-" + "-".join(parts[-2:]))
    return _safe(kind)


def agent_name(entry: AgentConfig) -> str:
    """A name for an agent entry without one: ``helpful`` (scripted), ``pushy``, the model's last path
    part for ``llm``, else the kind."""
    if entry.kind == "scripted":
        return "helpful"
    if entry.kind == "llm" and entry.model is not None:
        return _safe("llm-" + entry.model.model.rsplit("/", 1)[-1])
    return _safe(entry.kind)


def _strip_where(exc: SalesSimError) -> str:
    """The message of ``exc`` without its leading ``where: ``."""
    text = str(exc)
    if exc.where and text.startswith(f"{exc.where}: "):
        text = text[len(exc.where) + 2:]
    return text


def check_cells(cfg: SweepConfig, source: str) -> list[Cell]:
    """The cells of ``cfg``, each checked as ``salessim run`` checks a run config (participant
    kinds, models, base URLs, ``hf:`` checkpoints, scripted flaws); errors name ``source`` and the
    shopper or agent entry."""

    try:
        cells = cfg.cells()
    except ValidationError as exc:
        raise DataError("; ".join(pydantic_error_lines(exc, f"{source}: a cell")), hint=_HINT) from None
    for i, shopper in enumerate(cfg.shoppers):
        if shopper.kind == "scripted" and shopper.flaws:
            try:
                coerce_flaws(shopper.flaws)
            except SalesSimError as exc:
                raise DataError(f"{source}: shoppers.{i}.flaws: {_strip_where(exc)}") from None
    checked: set[tuple[int, int]] = set()
    s_index = {n: i for i, n in enumerate(cfg.shopper_names())}
    a_index = {n: i for i, n in enumerate(cfg.agent_names())}
    for cell in cells:
        key = (s_index[cell.shopper], a_index[cell.agent])
        if key in checked:
            continue
        checked.add(key)
        try:
            check_run_config(cell.config)
        except SalesSimError as exc:
            role = "agents" if (exc.where or "").startswith(("--agent", "agent")) else "shoppers"
            index = key[1] if role == "agents" else key[0]
            raise DataError(f"{source}: {role}.{index}: {_strip_where(exc)}") from None
    return cells


def _section_lines(exc: ValidationError, source: str, section: str) -> list[str]:
    """``source: section.field: message`` for every error of ``exc``."""
    out = []
    for err in exc.errors():
        loc = ".".join([section, *(str(p) for p in err.get("loc", ()))])
        out.append(f"{source}: {loc}: {err.get('msg', 'invalid')}")
    return out


def parse_sweep_config(data: Any, source: str) -> SweepConfig:
    """Validate parsed YAML ``data`` into a :class:`SweepConfig` and check its cells; errors name
    ``source`` and the path of the bad field."""
    if not isinstance(data, dict):
        got = "nothing" if data is None else type(data).__name__
        raise DataError(f"{source}: a sweep config must be a mapping of settings (got {got})", hint=_HINT)
    # the shared sections first, so that their errors name their own paths
    settings = data.get("settings")
    if isinstance(settings, dict):
        for name, instead in MATRIX_FIELDS.items():
            if name in settings:
                raise DataError(f"{source}: settings.{name}: a dimension of the sweep, not a shared setting",
                                hint=f"Set '{instead}' at the top level.")
        try:
            RunConfig.model_validate(settings)
        except ValidationError as exc:
            raise DataError("; ".join(_section_lines(exc, source, "settings")), hint=_HINT) from None
    defaults = data.get("model_defaults")
    if isinstance(defaults, dict) and "model" not in defaults:
        try:
            ModelConfig.model_validate({"model": "x", **defaults})
        except ValidationError as exc:
            raise DataError("; ".join(_section_lines(exc, source, "model_defaults")), hint=_HINT) from None
    try:
        cfg = SweepConfig.model_validate(data)
    except ValidationError as exc:
        raise DataError("; ".join(pydantic_error_lines(exc, source)), hint=_HINT) from None
    check_cells(cfg, source)
    return cfg


def load_sweep_config(path: str | Path) -> SweepConfig:
    """Read, validate and check a YAML sweep config file."""
    data = read_config_yaml(path, "sweep config", hint="Check the CONFIG path (e.g. configs/sweeps/).")
    return parse_sweep_config(data, str(path))

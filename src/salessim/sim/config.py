"""Run configs from YAML files, and command-line flags laid over them.

A run config file is the YAML form of :class:`~salessim.schema.run.RunConfig`::

    seed: 0
    concurrency: 16
    shopper:
      kind: llm                       # implied when a model is given
      model:
        model: Qwen/Qwen2.5-VL-7B-Instruct
        base_url: http://localhost:8000/v1
        vision: true
        temperature: 0.7
    agent: {kind: scripted}

``model: NAME`` is short for ``model: {model: NAME}``. Problems are reported with the YAML path of
the bad field: ``runs/x.yaml: shopper.model.temperature: Input should be a valid number``.
Keys never go into a config: ``api_key_env`` names the environment variable that holds one.

Precedence: built-in defaults < the config file < flags given on the command line
(:func:`apply_overrides`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from salessim.datafiles import read_config_yaml
from salessim.errors import DataError, SalesSimError, pydantic_error_lines
from salessim.llm.endpoints import check_base_url, check_endpoint
from salessim.llm.openai_client import resolve_api_key
from salessim.llm.pricing import load_price_table
from salessim.schema.run import ModelConfig, RunConfig
from salessim.shoppers.presets import load_preset
from salessim.sim.factory import check_kinds

__all__ = ["RunOverrides", "apply_overrides", "check_run_config", "load_run_config", "parse_params",
           "parse_run_config", "preflight_run"]


def parse_run_config(data: Any, source: str) -> RunConfig:
    """Validate parsed YAML/JSON ``data`` into a :class:`RunConfig`; errors name ``source`` and
    the path of every bad field, one per ``;``-separated part."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DataError(f"{source}: a run config must be a mapping of settings (got {type(data).__name__})",
                        hint="See configs/runs/ for examples.")
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise DataError("; ".join(pydantic_error_lines(exc, source)),
                        hint="See docs/llm-endpoints.md and configs/runs/ for valid settings.") from None


def load_run_config(path: str | Path) -> RunConfig:
    """Read and validate a YAML run config file."""
    data = read_config_yaml(path, "run config", hint="Check the --config path.")
    return parse_run_config(data, str(path))


@dataclass
class RunOverrides:
    """Settings given on the command line; ``None`` means "not given, keep the config's".

    Model flags: ``shopper_model``/``base_url``/``api_key_env``/``vision``/``tool_calling`` shape
    the shopper's model; ``agent_model``/``agent_base_url``/``agent_api_key_env`` the agent's
    (the agent falls back to ``base_url``/``api_key_env`` when its own are not given);
    ``temperature`` and ``cache`` apply to every LLM participant.
    """

    personas: str | None = None
    split: str | None = None
    limit: int | None = None
    episodes_per_persona: int | None = None
    seed: int | None = None
    concurrency: int | None = None
    max_turns: int | None = None
    shopper: str | None = None
    shopper_flaws: dict[str, float] | None = None
    shopper_preset: str | None = None
    agent: str | None = None
    shopper_params: dict[str, Any] | None = None
    agent_params: dict[str, Any] | None = None
    shopper_model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    vision: bool | None = None
    tool_calling: bool | None = None
    temperature: float | None = None
    agent_model: str | None = None
    agent_base_url: str | None = None
    agent_api_key_env: str | None = None
    cache: bool | None = None

    def given(self) -> list[str]:
        """Names of the settings that were given."""
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


def parse_params(items: list[str] | None, flag: str) -> dict[str, Any] | None:
    """``KEY=VALUE`` flags as a dict; each value is read as YAML (``3`` an int, ``true`` a bool,
    ``[a, b]`` a list, anything else text)."""
    if not items:
        return None
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise SalesSimError(f"{item!r} is not KEY=VALUE", where=flag, hint=f"Write e.g. {flag} temperature=0.2.")
        try:
            out[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            out[key.strip()] = raw
    return out


def _model_update(current: dict | None, name: str | None, where: str, flag: str, **settings: Any) -> dict | None:
    """The model config dict after applying a model name and settings (None values skipped)."""
    updates = {k: v for k, v in settings.items() if v is not None}
    if current is None and name is None:
        if not updates:
            return None
        raise SalesSimError(f"{', '.join('--' + k.replace('_', '-') for k in updates)} given, but no model "
                            f"for the {where}", where=flag, hint=f"Add {flag} NAME.")
    model = dict(current or {})
    if name is not None:
        model["model"] = name
    model.update(updates)
    return model


def apply_overrides(cfg: RunConfig, ov: RunOverrides) -> RunConfig:
    """``cfg`` with the command-line settings of ``ov`` laid over it (validated again).

    ``--shopper-model`` alone implies ``--shopper llm``; ``--agent-model`` alone ``--agent llm``.
    Model flags create the role's model config when the file has none.
    """
    data = cfg.model_dump(mode="json")
    for name in ("personas", "split", "limit", "episodes_per_persona", "seed", "concurrency", "max_turns"):
        value = getattr(ov, name)
        if value is not None:
            data[name] = value

    shopper = data["shopper"]
    if ov.shopper is not None:
        shopper["kind"] = ov.shopper
    elif ov.shopper_model is not None:
        shopper["kind"] = "llm"
    if ov.shopper_flaws is not None:
        shopper["flaws"] = ov.shopper_flaws
    if ov.shopper_params:
        shopper["params"] = {**shopper.get("params", {}), **ov.shopper_params}
    if ov.shopper_preset is not None:
        shopper["preset"] = None if ov.shopper_preset == "default" else ov.shopper_preset
    shopper_llm = shopper["kind"] == "llm"
    if shopper_llm or ov.shopper_model is not None:
        shopper["model"] = _model_update(
            shopper.get("model"), ov.shopper_model, "shopper", "--shopper-model",
            base_url=ov.base_url, api_key_env=ov.api_key_env, vision=ov.vision, tool_calling=ov.tool_calling)
    elif ov.vision is not None or ov.tool_calling is not None:
        raise SalesSimError("--vision/--tool-calling shape the LLM shopper, but the shopper is "
                            f"{shopper['kind']!r}", where="--vision", hint="Add --shopper-model NAME.")

    agent = data["agent"]
    if ov.agent is not None:
        agent["kind"] = ov.agent
    if ov.agent_params:
        agent["params"] = {**agent.get("params", {}), **ov.agent_params}
    elif ov.agent_model is not None:
        agent["kind"] = "llm"
    if agent["kind"] == "llm" or ov.agent_model is not None:
        current = agent.get("model") or {}
        will_have_model = bool(current) or ov.agent_model is not None
        base_url, key_env = ov.agent_base_url, ov.agent_api_key_env
        if base_url is None and will_have_model and not current.get("base_url"):
            base_url = ov.base_url  # the agent falls back to the shopper's endpoint
        if key_env is None and will_have_model and not current.get("api_key_env"):
            key_env = ov.api_key_env
        agent["model"] = _model_update(agent.get("model"), ov.agent_model, "agent", "--agent-model",
                                       base_url=base_url, api_key_env=key_env)

    if (ov.base_url is not None or ov.api_key_env is not None or ov.temperature is not None) and \
            shopper.get("model") is None and agent.get("model") is None:
        raise SalesSimError("--base-url/--api-key-env/--temperature configure LLM participants, but neither "
                            "the shopper nor the agent is one", where="--base-url",
                            hint="Add --shopper-model NAME and/or --agent-model NAME.")
    for role in (shopper, agent):
        model = role.get("model")
        if model is not None:
            if ov.temperature is not None:
                model["temperature"] = ov.temperature
            if ov.cache is not None:
                model["cache"] = ov.cache
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise SalesSimError("; ".join(pydantic_error_lines(exc, "command line"))) from None


def check_run_config(cfg: RunConfig) -> None:
    """Fail early, naming the setting, when a participant kind is unknown or cannot be imported
    (a ``MODULE:ATTR`` spec), an LLM participant lacks its model or has a malformed endpoint URL,
    or an ``hf:PATH`` shopper's checkpoint directory does not exist."""
    check_kinds(cfg.shopper, cfg.agent)
    if cfg.shopper.preset is not None:
        if cfg.shopper.kind != "scripted":
            raise SalesSimError(f"a wording preset shapes the scripted shopper, but the shopper is {cfg.shopper.kind!r}",
                                where="--shopper-preset", hint="Drop it, or use --shopper scripted.")
        load_preset(cfg.shopper.preset)  # an unknown name fails here, naming the presets
    if cfg.shopper.kind.startswith("hf:") and not Path(cfg.shopper.kind[3:]).is_dir():
        raise SalesSimError(f"no checkpoint directory at {cfg.shopper.kind[3:] or '(empty path)'}", where="--shopper",
                            hint="Use hf:PATH with a directory written by `salessim train` (e.g. "
                                 "hf:outputs/usergrpo-tiny/final) or by save_pretrained.")
    for role, part, flag in (("shopper", cfg.shopper, "--shopper-model"), ("agent", cfg.agent, "--agent-model")):
        if part.kind != "llm":
            continue
        model: ModelConfig | None = part.model
        if model is None:
            raise SalesSimError(f"the llm {role} needs a model", where=f"{role}.model",
                                hint=f"Pass {flag} NAME, or set {role}.model in the run config.")
        if not model.base_url:
            url_flag = "--base-url" if role == "shopper" else "--agent-base-url (or --base-url)"
            raise SalesSimError(f"no base_url for the {role} model {model.model!r}", where=f"{role}.model.base_url",
                                hint=f"Pass {url_flag}, e.g. https://api.openai.com/v1, "
                                     "http://localhost:8000/v1 (vLLM) or http://localhost:11434/v1 (Ollama).")

        check_base_url(model.base_url, where=f"{role}.model.base_url")


def _llm_models(cfg: RunConfig) -> list[tuple[str, ModelConfig]]:
    """(role, model config) of every LLM participant, one per distinct endpoint and model."""
    out, seen = [], set()
    for role, part in (("shopper", cfg.shopper), ("agent", cfg.agent)):
        model = part.model
        if part.kind == "llm" and model is not None:
            key = (model.base_url, model.model, model.api_key_env)
            if key not in seen:
                seen.add(key)
                out.append((role, model))
    return out


def preflight_run(cfg: RunConfig, *, network: bool = True) -> list[str]:
    """Everything an LLM run needs, checked before it starts; returns warnings to show.

    Always (no request is sent): each model's base URL is well-formed, its API key variable is
    set, its price files (``prices``, ``$SALESSIM_PRICES``) can be read. With ``network``: one
    ``GET /models`` per endpoint, which must answer (see
    :func:`salessim.llm.endpoints.check_endpoint`)."""

    warnings = []
    for role, model in _llm_models(cfg):
        where = f"{role}.model"
        check_base_url(model.base_url or "", where=f"{where}.base_url")
        resolve_api_key(model.api_key_env)
        load_price_table(model.prices)
        if network:
            note = check_endpoint(model, where=where)
            if note:
                warnings.append(f"{where}: {note}")
    return warnings

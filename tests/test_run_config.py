"""Run configs: YAML files validated with the path of the bad field, command-line flags laid over
them, the example configs, and run.json holding the resolved config without any secret."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from salessim.errors import SalesSimError
from salessim.schema.run import ModelConfig, RunConfig
from salessim.sim.config import (
    RunOverrides,
    apply_overrides,
    check_run_config,
    load_run_config,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "configs" / "runs").glob("*.yaml"))


def write(tmp_path, text, name="x.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------ loading
def test_valid_config_with_shorthands(tmp_path):
    cfg = load_run_config(write(tmp_path, """
concurrency: 4
shopper:
  model:
    model: Qwen/Qwen2.5-VL-7B-Instruct
    base_url: http://localhost:8000/v1
    vision: true
    temperature: 0.5
agent:
  model: gpt-4o-mini
prices: my-prices.yaml
"""))
    assert cfg.concurrency == 4
    assert cfg.shopper.kind == "llm" and cfg.shopper.model.vision and cfg.shopper.model.temperature == 0.5
    assert cfg.agent.kind == "llm" and cfg.agent.model.model == "gpt-4o-mini"
    assert cfg.shopper.model.prices == ["my-prices.yaml"] == cfg.agent.model.prices
    assert load_run_config(write(tmp_path, "", "empty.yaml")) == RunConfig()


@pytest.mark.parametrize("text,expected", [
    ("shopper:\n  model:\n    model: m\n    temperature: hot\n",
     "shopper.model.temperature: Input should be a valid number"),
    ("shopper:\n  model:\n    model: m\n    temprature: 0.5\n", "shopper.model.temprature: Extra inputs are not permitted"),
    ("concurrency: 0\n", "concurrency: Input should be greater than or equal to 1"),
    ("shopper:\n  model:\n    model: m\n    api_key: sk-live-123\n", "not allowed here"),
    ("agent:\n  model: {base_url: http://x/v1}\n", "agent.model.model: Field required"),
    ("split: dev\n", "split: Input should be 'train', 'test' or 'all'"),
])
def test_errors_name_the_file_and_the_yaml_path(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(SalesSimError) as info:
        load_run_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and expected in message, message
    assert "sk-live-123" not in message


def test_unreadable_files(tmp_path):
    with pytest.raises(SalesSimError, match="not found"):
        load_run_config(tmp_path / "nope.yaml")
    with pytest.raises(SalesSimError, match=r"x.yaml: not valid YAML \(line \d"):
        load_run_config(write(tmp_path, "seed: 1\nshopper: [unclosed\n"))
    with pytest.raises(SalesSimError, match="must be a mapping"):
        load_run_config(write(tmp_path, "- a\n- b\n"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_configs_are_valid(path):
    cfg = load_run_config(path)
    check_run_config(cfg)
    assert "llm" in (cfg.shopper.kind, cfg.agent.kind)


def test_examples_cover_the_documented_setups():
    models = [load_run_config(p) for p in EXAMPLES]
    shopper_models = [c.shopper.model for c in models if c.shopper.model is not None]
    assert any("api.openai.com" in m.base_url and m.api_key_env for m in shopper_models)
    assert any(":8000" in m.base_url for m in shopper_models)
    assert any(":11434" in m.base_url and not m.tool_calling for m in shopper_models)
    assert any(m.vision for m in shopper_models)
    assert any(c.shopper.kind == "scripted" and c.agent.kind == "llm" for c in models)


# ----------------------------------------------------------------------------- overrides
def test_flags_override_the_file():
    base = RunConfig.model_validate({"concurrency": 4, "seed": 9, "shopper": {"model": {
        "model": "a", "base_url": "http://a/v1", "temperature": 0.9, "vision": True}}})
    cfg = apply_overrides(base, RunOverrides(concurrency=2, temperature=0.1, shopper_model="b", cache=False,
                                             vision=False))
    assert cfg.concurrency == 2 and cfg.seed == 9
    m = cfg.shopper.model
    assert (m.model, m.base_url, m.temperature, m.cache, m.vision) == ("b", "http://a/v1", 0.1, False, False)
    assert apply_overrides(base, RunOverrides()) == base


def test_shopper_model_alone_implies_llm_and_the_agent_falls_back_to_base_url():
    cfg = apply_overrides(RunConfig(), RunOverrides(shopper_model="gpt-4o", base_url="http://h/v1",
                                                    api_key_env="OPENAI_API_KEY"))
    assert cfg.shopper.kind == "llm" and cfg.shopper.model.api_key_env == "OPENAI_API_KEY"
    assert cfg.agent.kind == "scripted" and cfg.agent.model is None
    both = apply_overrides(RunConfig(), RunOverrides(shopper_model="s", base_url="http://h/v1", agent_model="a",
                                                     temperature=0.2, api_key_env="K"))
    assert both.agent.kind == "llm" and both.agent.model.base_url == "http://h/v1"
    assert both.agent.model.api_key_env == "K" and both.agent.model.temperature == 0.2
    split = apply_overrides(RunConfig(), RunOverrides(shopper_model="s", base_url="http://h/v1", agent_model="a",
                                                      agent_base_url="http://other/v1", agent_api_key_env="AK"))
    assert (split.agent.model.base_url, split.agent.model.api_key_env) == ("http://other/v1", "AK")
    # scripted shopper, LLM agent: --base-url serves the agent
    agent_only = apply_overrides(RunConfig(), RunOverrides(agent_model="a", base_url="http://h/v1"))
    assert agent_only.shopper.kind == "scripted" and agent_only.agent.model.base_url == "http://h/v1"


def test_override_errors():
    with pytest.raises(SalesSimError, match="--base-url"):
        apply_overrides(RunConfig(), RunOverrides(base_url="http://h/v1"))
    with pytest.raises(SalesSimError, match="--shopper-model"):
        apply_overrides(RunConfig(), RunOverrides(shopper="llm", base_url="http://h/v1"))
    with pytest.raises(SalesSimError, match="--vision"):
        apply_overrides(RunConfig(), RunOverrides(vision=True))
    with pytest.raises(SalesSimError, match="shopper.model: .*needs a model"):
        check_run_config(apply_overrides(RunConfig(), RunOverrides(shopper="llm")))
    with pytest.raises(SalesSimError, match="agent.model.base_url"):
        check_run_config(RunConfig.model_validate({"agent": {"model": "gpt-4o"}}))
    with pytest.raises(ValueError, match="api_key_env"):
        ModelConfig(model="m", token="abc")


# --------------------------------------------------------------------------------- CLI
def cli(argv, monkeypatch, capsys):
    """Run ``salessim`` in-process with the runner replaced; returns (exit code, cfg, stderr)."""
    import salessim.cli.run_cmd as run_cmd
    from salessim.cli import main

    seen = {}

    async def fake_run(cfg, out, **kw):
        seen["cfg"], seen["out"], seen["kw"] = cfg, out, kw

        class Outcome:
            run_dir, ran, already_done, torn_lines = out, 0, 0, 0
        return Outcome()

    monkeypatch.setattr(run_cmd, "run_benchmark", fake_run)
    monkeypatch.setattr(run_cmd, "score_run", lambda run_dir: {})
    monkeypatch.setattr(run_cmd, "print_summary", lambda summary, console: None)
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, seen.get("cfg"), capsys.readouterr().err, seen


def test_cli_config_and_flags(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the default --out is runs/... in the working directory
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")  # the preflight checks that it is set
    path = write(tmp_path, "seed: 5\nconcurrency: 3\nmax_turns: 6\nshopper:\n  model:\n    model: m\n"
                           "    base_url: http://h/v1\n    temperature: 0.9\n")
    code, cfg, err, seen = cli(["run", "--config", str(path), "--out", str(tmp_path / "o"), "--temperature", "0.2",
                                "--max-turns", "9", "--no-cache", "--vision", "--no-preflight"], monkeypatch, capsys)
    assert code == 0, err
    assert (cfg.seed, cfg.concurrency, cfg.max_turns) == (5, 3, 9)  # file, file, flag
    assert cfg.shopper.kind == "llm" and cfg.shopper.model.temperature == 0.2
    assert cfg.shopper.model.cache is False and cfg.shopper.model.vision is True
    code, cfg, err, seen = cli(["run", "--shopper-model", "gpt-4o", "--base-url", "http://h/v1",
                                "--api-key-env", "OPENAI_API_KEY", "--agent", "pushy", "--no-tool-calling",
                                "--no-preflight"],
                               monkeypatch, capsys)
    assert code == 0, err
    assert cfg.shopper.kind == "llm" and cfg.shopper.model.model == "gpt-4o" and not cfg.shopper.model.tool_calling
    assert cfg.agent.kind == "pushy"
    assert "llm-gpt-4o-vs-pushy" in str(seen["out"])


@pytest.mark.parametrize("argv,expected", [
    (["run", "--config", "{tmp}/bad.yaml"], "bad.yaml: shopper.model.temperature: Input should be a valid number"),
    (["run", "--shopper", "llm"], "shopper.model: the llm shopper needs a model"),
    (["run", "--shopper-model", "m"], "shopper.model.base_url: no base_url"),
    (["run", "--agent-model", "m"], "agent.model.base_url"),
])
def test_cli_errors_are_one_line(tmp_path, monkeypatch, capsys, argv, expected):
    write(tmp_path, "shopper:\n  model:\n    model: m\n    temperature: [1]\n", "bad.yaml")
    code, cfg, err, _ = cli([a.replace("{tmp}", str(tmp_path)) for a in argv], monkeypatch, capsys)
    lines = [l for l in err.splitlines() if l.strip()]
    assert code == 2 and len(lines) == 1 and expected in lines[0], err
    assert cfg is None


def test_cli_run_json_holds_the_resolved_config_and_no_secret(tmp_path, monkeypatch):
    from salessim.personas import generate_personas, save_personas
    from salessim.testing.responders import roleplay_responder
    from salessim.testing.server import ChatTestServer

    key = "sk-SALESSIM-FAKE-CLI-KEY-0123456789"
    personas = tmp_path / "p.jsonl"
    save_personas(generate_personas(4, seed=3, categories=["laptops"]), personas)
    env = {**__import__("os").environ, "SALESSIM_CLI_KEY": key, "SALESSIM_CACHE_DIR": str(tmp_path / "cache")}
    config = write(tmp_path, f"personas: {personas}\nsplit: all\nlimit: 2\nmax_turns: 6\n"
                             "shopper:\n  model:\n    model: cli-shopper\n    temperature: 0.9\n")
    with ChatTestServer(roleplay_responder, api_key=key) as server:
        base_url = server.base_url
        proc = subprocess.run([sys.executable, "-m", "salessim", "run", "--config", str(config), "--base-url",
                               base_url, "--api-key-env", "SALESSIM_CLI_KEY", "--temperature", "0.4",
                               "--out", str(tmp_path / "run")], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    model = meta["config"]["shopper"]["model"]
    assert meta["config"]["shopper"]["kind"] == "llm"
    assert (model["model"], model["base_url"], model["api_key_env"], model["temperature"]) == \
        ("cli-shopper", base_url, "SALESSIM_CLI_KEY", 0.4)
    for path in [*(tmp_path / "run").rglob("*"), *(tmp_path / "cache").rglob("*")]:
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
    episodes = [json.loads(l) for l in (tmp_path / "run" / "episodes.jsonl").read_text().splitlines()]
    assert len(episodes) == 2 and all(e["shopper"]["kind"] == "llm" for e in episodes)
    assert all(e["shopper"]["params"]["temperature"] == 0.4 for e in episodes)

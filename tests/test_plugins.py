"""Plug-ins: the example package of examples/plugins/ (a shopper, an agent and a metric) used as
an installed package (its entry points, read from its pyproject.toml into a .dist-info on a
temporary path, exactly what pip writes) and by MODULE:ATTR; registry errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from salessim.api import Metric, SalesAgentBase
from salessim.api.registry import AGENTS, ComponentRegistry, is_spec
from salessim.errors import SalesSimError
from salessim.schema.run import AgentConfig, ShopperConfig
from salessim.sim.factory import make_agent, make_shopper

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "examples" / "plugins" / "salessim-example-plugins"
SALESSIM = [sys.executable, "-m", "salessim"]


def _installed(tmp_path: Path) -> Path:
    """The example package on a path of its own with the .dist-info pip would write."""
    site = tmp_path / "site"
    shutil.copytree(PLUGIN / "salessim_example_plugins", site / "salessim_example_plugins")
    meta = tomllib.loads((PLUGIN / "pyproject.toml").read_text())
    info = site / "salessim_example_plugins-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: salessim-example-plugins\nVersion: 0.1.0\n")
    lines = []
    for group, entries in meta["project"]["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in entries.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return site


def _cli(args, env_path: Path | None = None, cwd: Path | None = None):
    env = dict(os.environ)
    if env_path is not None:
        env["PYTHONPATH"] = str(env_path) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(SALESSIM + args, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_an_installed_plugin_package_is_run_scored_and_reported(tmp_path):
    site = _installed(tmp_path)
    listed = _cli(["plugins"], site)
    assert listed.returncode == 0 and "cheapest_first" in listed.stdout and "impatient" in listed.stdout
    out = tmp_path / "run"
    ran = _cli(["run", "--shopper", "impatient", "--shopper-param", "patience=2", "--agent", "cheapest_first",
                "--limit", "20", "--out", str(out)], site)
    assert ran.returncode == 0, ran.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["turns_to_decision"]["n"] > 0  # a plug-in metric is a default metric
    episodes = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]
    assert {e["agent"]["kind"] for e in episodes} == {"CheapestFirstAgent"}
    assert {e["shopper"]["params"]["patience"] for e in episodes} == {2}
    assert all(e["turns"] <= 2 for e in episodes)  # the parameter reached the plug-in
    assert _cli(["eval", str(out)], site).returncode == 0
    metrics = _cli(["metrics", "list"], site).stdout
    assert "turns_to_decision" in metrics and "entry point" in metrics
    report = tmp_path / "r.html"
    assert _cli(["report", str(out), "--out", str(report)], site).returncode == 0
    assert "turns_to_decision" in report.read_text()


def test_module_attr_specs_without_installing(tmp_path):
    out = tmp_path / "run"
    ran = _cli(["run", "--shopper", "salessim_example_plugins.bots:ImpatientShopper", "--agent",
                "salessim_example_plugins.bots:CheapestFirstAgent", "--limit", "5", "--out", str(out)], PLUGIN)
    assert ran.returncode == 0, ran.stderr
    scored = _cli(["eval", str(out), "--metrics", "salessim_example_plugins.metrics:TURNS_TO_DECISION,sell"], PLUGIN)
    assert scored.returncode == 0, scored.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["metrics"]) == {"turns_to_decision", "sell"}
    # the same in a YAML run config, with params
    cfg = tmp_path / "run.yaml"
    cfg.write_text("shopper:\n  kind: salessim_example_plugins.bots:ImpatientShopper\n  params: {patience: 1}\n"
                   "agent:\n  kind: salessim_example_plugins.bots:CheapestFirstAgent\n  params: {shown: 1}\n"
                   "limit: 3\n")
    ran = _cli(["run", "--config", str(cfg), "--out", str(tmp_path / "yaml")], PLUGIN)
    assert ran.returncode == 0, ran.stderr
    episodes = [json.loads(line) for line in (tmp_path / "yaml" / "episodes.jsonl").read_text().splitlines()]
    assert all(len(m["presented_product_ids"]) <= 1 for e in episodes for m in e["messages"] if m["role"] == "agent")


@pytest.mark.parametrize("args,message", [
    (["--agent", "no_such_agent"], "unknown agent 'no_such_agent'"),
    (["--agent", "not_a_module_xyz:Agent"], "cannot import module 'not_a_module_xyz'"),
    (["--agent", "salessim_example_plugins.bots:Nope"], "has no attribute 'Nope'"),
    (["--agent", "salessim_example_plugins.metrics:turns_to_decision"], "do not fit turns_to_decision"),
    (["--agent", "salessim_example_plugins.bots:CheapestFirstAgent", "--agent-param", "colour=red"],
     "do not fit"),
    (["--shopper-param", "oops"], "is not KEY=VALUE"),
    (["--shopper", "salessim_example_plugins.bots:CheapestFirstAgent"], "does not fit the shopper contract"),
])
def test_a_bad_spec_is_one_line_before_anything_runs(tmp_path, args, message):
    out = tmp_path / "run"
    done = _cli(["run", "--limit", "2", "--out", str(out), *args], PLUGIN)
    assert done.returncode == 2 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and not out.exists()


def test_registry_rules():
    assert is_spec("my_pkg.bots:MyAgent") and is_spec("a:b.c") and not is_spec("scripted") and not is_spec("hf:path/x")
    reg = ComponentRegistry("widget", "salessim.widgets.none", {"builtin": "salessim.api.metric:Metric"})
    reg.register("mine", "salessim.api.participants:SalesAgentBase")
    assert reg.get("builtin") is Metric and reg.get("mine") is SalesAgentBase
    assert list(reg.entries()) == ["builtin", "mine"] and reg.origin("mine") == "registered"
    with pytest.raises(SalesSimError, match="unknown widget 'x'.*Known widgets: builtin, mine"):
        reg.get("x")
    assert "pushy" in AGENTS.names()


def test_participants_from_params(tmp_path):
    from salessim.store import default_store

    store = default_store()
    agent = make_agent(AgentConfig(kind="salessim.api.participants:SalesAgentBase", params={"x": 1}), store)
    assert agent.info.kind == "SalesAgentBase" and agent.info.params == {"x": 1}
    assert make_shopper(ShopperConfig(kind="scripted", flaws={"sycophancy": 1.0}), store).info.kind == "scripted"

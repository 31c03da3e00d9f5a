"""Preflight: before the progress bar, `salessim run` checks what every episode of an LLM run
needs (a readable price file, a well-formed base URL, a set key variable, an endpoint that answers
one ``GET /models``), so a run that cannot work fails at once with one line and exit 2 instead of
ending every episode in error and exiting 0. ``--no-preflight`` skips the request."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from salessim.errors import SalesSimError
from salessim.schema.run import RunConfig
from salessim.testing.responders import roleplay_responder
from salessim.testing.server import ChatTestServer

SCRIPT = Path(sys.executable).with_name("salessim")


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SALESSIM_PRICES", raising=False)


@pytest.fixture(scope="module")
def personas_file(tmp_path_factory):
    from salessim.personas import generate_personas, save_personas

    path = tmp_path_factory.mktemp("personas") / "personas.jsonl"
    save_personas(generate_personas(4, seed=5, categories=["laptops"]), path)
    return path


@pytest.fixture
def server():
    with ChatTestServer(roleplay_responder) as srv:
        yield srv


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def run(tmp_path, personas_file, base_url, *extra, env=None, config_extra=""):
    """`salessim run` of an LLM shopper (no retries, so a run that is not stopped ends fast)."""
    cfg = tmp_path / "run.yaml"
    cfg.write_text(f"personas: {personas_file}\nsplit: all\nlimit: 2\nmax_turns: 4\n"
                   f"shopper:\n  model:\n    model: salessim-test\n    base_url: '{base_url}'\n"
                   f"    max_retries: 0\n    timeout_s: 3\n{config_extra}")
    out = tmp_path / "run"
    proc = subprocess.run([str(SCRIPT), "run", "--config", str(cfg), "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "400", **(env or {})})
    return proc, out


def refused(proc, out) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "simulating" not in proc.stdout and not out.exists()
    return lines[0]


def test_missing_price_file_fails_before_the_run(tmp_path, personas_file, server):
    missing = tmp_path / "no-such-prices.yaml"
    proc, out = run(tmp_path, personas_file, server.base_url, env={"SALESSIM_PRICES": str(missing)})
    line = refused(proc, out)
    assert "no-such-prices.yaml" in line and "price file" in line
    assert not server.chat_requests


def test_malformed_price_file_fails_before_the_run(tmp_path, personas_file, server):
    bad = tmp_path / "prices.yaml"
    bad.write_text("models:\n  gpt-*: {input: cheap, output: 1}\n")
    proc, out = run(tmp_path, personas_file, server.base_url, env={"SALESSIM_PRICES": str(bad)})
    assert "prices.yaml" in refused(proc, out)
    proc, out = run(tmp_path, personas_file, server.base_url, config_extra="prices: " + str(tmp_path / "gone.yaml") + "\n")
    assert "gone.yaml" in refused(proc, out)


@pytest.mark.parametrize("url", ["htp://localhost:8000/v1", "http:/localhost/v1", "localhost:8000/v1",
                                 "http://localhost:80o0/v1", "http://local host/v1"])
def test_malformed_base_url_fails_before_the_run(tmp_path, personas_file, url):
    proc, out = run(tmp_path, personas_file, url)
    line = refused(proc, out)
    assert "base_url" in line and "malformed" in line


def test_unreachable_endpoint_fails_before_the_run(tmp_path, personas_file):
    url = closed_port_url()
    proc, out = run(tmp_path, personas_file, url)
    line = refused(proc, out)
    assert url in line and "cannot reach" in line and "--no-preflight" in line


def test_no_preflight_skips_the_request(tmp_path, personas_file):
    """Without the check the run goes on, and the episodes end in error (the old behaviour)."""
    proc, out = run(tmp_path, personas_file, closed_port_url(), "--no-preflight")
    assert proc.returncode == 0, proc.stderr[-3000:]
    terminations = [json.loads(l)["termination"] for l in (out / "episodes.jsonl").read_text().splitlines()]
    assert terminations == ["error:connection"] * 2


def test_wrong_path_fails_before_the_run(tmp_path, personas_file, server):
    proc, out = run(tmp_path, personas_file, server.base_url.replace("/v1", "/nope/v1"))
    line = refused(proc, out)
    assert "404" in line and "/v1" in line
    assert not server.chat_requests


def test_refused_key_fails_before_the_run(tmp_path, personas_file):
    with ChatTestServer(roleplay_responder, api_key="sk-right") as srv:
        proc, out = run(tmp_path, personas_file, srv.base_url, config_extra="    api_key_env: SALESSIM_PF_KEY\n",
                        env={"SALESSIM_PF_KEY": "sk-wrong"})
        line = refused(proc, out)
        assert "refused the API key" in line and "SALESSIM_PF_KEY" in line and "sk-wrong" not in line
        assert not srv.chat_requests
        proc, out = run(tmp_path, personas_file, srv.base_url, config_extra="    api_key_env: SALESSIM_PF_KEY\n",
                        env={"SALESSIM_PF_KEY": "sk-right"})
        assert proc.returncode == 0, proc.stderr[-3000:]


def test_unlisted_model_is_a_warning_and_the_run_goes_on(tmp_path, personas_file):
    with ChatTestServer(roleplay_responder, model="another-model") as srv:
        proc, out = run(tmp_path, personas_file, srv.base_url)
    assert proc.returncode == 0, proc.stderr[-3000:]
    warnings = [l for l in proc.stderr.splitlines() if l.startswith("warning:")]
    assert len(warnings) == 1 and "salessim-test" in warnings[0] and "another-model" in warnings[0]


def test_preflight_of_an_offline_run_sends_nothing():
    from salessim.sim.config import preflight_run

    assert preflight_run(RunConfig(), network=True) == []


def test_preflight_checks_each_endpoint_once(server):
    from salessim.sim.config import preflight_run

    cfg = RunConfig.model_validate({
        "shopper": {"model": {"model": "salessim-test", "base_url": server.base_url}},
        "agent": {"model": {"model": "salessim-test", "base_url": server.base_url}}})
    assert preflight_run(cfg) == []
    assert [r.path for r in server.requests] == ["/v1/models"]
    with pytest.raises(SalesSimError, match="SALESSIM_PF_UNSET"):
        cfg.shopper.model.api_key_env = "SALESSIM_PF_UNSET"
        preflight_run(cfg, network=False)

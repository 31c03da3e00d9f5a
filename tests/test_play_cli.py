"""`salessim play` usage errors: one line, exit 2, nothing written; and the missing web extra."""

from __future__ import annotations

import subprocess
import sys

import pytest

from salessim.errors import SalesSimError


def salessim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "salessim", *args], capture_output=True, text=True, cwd=cwd)


def one_line(proc) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.mark.parametrize("args,words", [
    (["--out", "r"], ["--role", "which side"]),
    (["--role", "cashier", "--out", "r"], ["--role", "cashier"]),
    (["--role", "shopper", "--out", "r", "--shopper-model", "m"], ["--shopper-model", "which you play yourself"]),
    (["--role", "agent", "--out", "r", "--agent", "pushy"], ["--agent", "which you play yourself"]),
    (["--role", "shopper", "--out", "r", "--persona", "nobody-1"], ["--persona", "nobody-1"]),
    (["--role", "shopper", "--out", "r", "--split", "dev"], ["--split"]),
    (["--role", "agent", "--out", "r", "--shopper", "robot"], ["unknown shopper 'robot'"]),
    (["--role", "shopper", "--out", "r", "--agent", "llm"], ["needs a model"]),
    (["--resume", "--out", "r"], ["does not exist"]),
    (["--role", "shopper", "--out", "r", "--agent-model", "m", "--agent-base-url", "http://127.0.0.1:9/v1"],
     ["agent.model.base_url", "cannot reach"]),  # --agent-model alone means an LLM agent, checked before serving
])
def test_usage_errors_are_one_line(tmp_path, args, words):
    line = one_line(salessim("play", *args, cwd=tmp_path))
    for w in words:
        assert w in line
    assert not (tmp_path / "r").exists()


def test_resume_refuses_a_run_that_is_not_play(tmp_path):
    assert salessim("run", "--limit", "1", "--out", "r", cwd=tmp_path).returncode == 0
    line = one_line(salessim("play", "--resume", "--out", "r", cwd=tmp_path))
    assert "not a run of `salessim play`" in line
    line = one_line(salessim("play", "--role", "shopper", "--out", "r", cwd=tmp_path))
    assert "already holds a run" in line


def test_missing_web_extra_is_one_line(monkeypatch):
    from salessim.play import require_web_stack

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
    with pytest.raises(SalesSimError, match=r"needs the web extra \(uvicorn is not installed\).*pip install 'salessim\[play\]'"):
        require_web_stack()


def test_a_non_loopback_host_is_warned(tmp_path):
    # the warning comes before the server starts listening
    proc = subprocess.Popen([sys.executable, "-m", "salessim", "play", "--role", "shopper", "--out", "r", "--limit", "1",
                             "--host", "0.0.0.0"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    assert line.startswith("warning: --host 0.0.0.0: the page is reachable from other machines")


def test_config_file_gives_the_other_side_and_the_plan(tmp_path):
    import json

    from tests.play_helpers import PlayServer, api

    (tmp_path / "run.yaml").write_text("limit: 1\nmax_turns: 5\nagent: {kind: pushy}\nshopper: {kind: llm, model: m}\n")
    server = PlayServer(["--role", "shopper", "--config", "run.yaml", "--out", "r"], cwd=tmp_path)
    try:
        status, st = api(server, "/api/state")
        assert st["episode"]["max_turns"] == 5 and st["progress"]["planned"] == 1
        cfg = json.loads((tmp_path / "r" / "run.json").read_text())["config"]
        assert cfg["agent"]["kind"] == "pushy" and cfg["shopper"] == {"kind": "human", "flaws": {}, "preset": None,
                                                                     "model": None, "params": {}}
    finally:
        server.stop()
    assert not (tmp_path / "r").exists()  # nothing was finished: nothing is left behind

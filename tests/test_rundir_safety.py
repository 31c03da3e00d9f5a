"""Run directories that cannot be clobbered, through the real console script: one writer at a
time (a lock held for the whole run, resume and eval), no writing into a directory that holds
SalesSim files but no run.json or into an --out that is a file, no report over a non-report file,
no half-made directory after a failed start, SIGTERM handled like Ctrl-C, torn lines counted, and
user-controlled names printed literally (rich markup escaped)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from salessim.api.rundir import RunDir
from salessim.api.summary import RunSummary
from salessim.testing.responders import roleplay_responder
from salessim.testing.server import ChatTestServer

SCRIPT = Path(sys.executable).with_name("salessim")


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """A fresh LLM response cache per test: a cached run would never reach the test server."""
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path / "cache"))


def _env(extra=None) -> dict:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "400", **(extra or {})}


def salessim(*args, cwd=None, env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=_env(env), timeout=timeout)


def start(*args, cwd=None) -> subprocess.Popen:
    return subprocess.Popen([str(SCRIPT), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=cwd, env=_env())


def one_line_error(proc) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def lines_of(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


def wait_for_lines(path: Path, n: int, proc: subprocess.Popen, deadline_s: float = 120) -> None:
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        if path.exists() and path.read_text().count("\n") >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended too early: {proc.stderr.read()[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"{path} never reached {n} lines")


@pytest.fixture(scope="module")
def personas_file(tmp_path_factory):
    from salessim.personas import generate_personas, save_personas

    path = tmp_path_factory.mktemp("personas") / "personas.jsonl"
    save_personas(generate_personas(12, seed=7, categories=["laptops"]), path)
    return path


class Gate:
    """A responder that parks every request once ``park_after(path, n)`` is armed and ``path``
    holds ``n`` lines, until :meth:`release`: a running run then stays in its middle (holding
    its lock), deterministically, whatever the machine's speed."""

    def __init__(self):
        self.released = threading.Event()
        self.armed: tuple[Path, int] | None = None

    def park_after(self, path: Path, n: int) -> None:
        self.armed = (path, n)

    def release(self) -> None:
        self.released.set()

    def __call__(self, body):
        if self.armed is not None:
            path, n = self.armed
            if path.exists() and path.read_text().count("\n") >= n:
                self.released.wait(120)
        return roleplay_responder(body)


@pytest.fixture
def gated_server():
    gate = Gate()
    with ChatTestServer(gate, latency_s=0.01) as server:
        server.gate = gate
        try:
            yield server
        finally:
            gate.release()


def llm_config(tmp_path: Path, server: ChatTestServer, personas_file: Path, limit: int = 10) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(
        f"personas: {personas_file}\nsplit: all\nlimit: {limit}\nseed: 2\nconcurrency: 2\nmax_turns: 8\n"
        f"shopper:\n  model:\n    model: salessim-test\n    base_url: {server.base_url}\n"
        "agent: {kind: scripted}\n")
    return path


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    """A small scored scripted run (copied by the tests that change it)."""
    out = tmp_path_factory.mktemp("runs") / "done"
    proc = salessim("run", "--limit", "3", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out


def copy_run(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


# ------------------------------------------------------------------------- one writer at a time
def test_second_writer_and_eval_are_refused_while_a_run_holds_the_directory(tmp_path, gated_server, personas_file):
    cfg = llm_config(tmp_path, gated_server, personas_file)
    out = tmp_path / "run"
    first = salessim("run", "--config", cfg, "--out", out, "--limit", "2", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    meta = json.loads((out / "run.json").read_text())
    meta["config"]["limit"] = 10  # as if the run had been interrupted after 2 of 10 episodes
    meta["episodes_planned"], meta["status"] = 10, "interrupted"
    (out / "run.json").write_text(json.dumps(meta))

    gated_server.gate.park_after(out / "episodes.jsonl", 3)  # A stays in the middle of its run
    a = start("run", "--resume", "--out", out, cwd=tmp_path)
    try:
        wait_for_lines(out / "episodes.jsonl", 3, a)  # A is writing: it holds the directory
        b = salessim("run", "--resume", "--out", out, cwd=tmp_path)
        line = one_line_error(b)
        assert str(a.pid) in line and "in use" in line, line
        e = salessim("eval", out, cwd=tmp_path)
        assert str(a.pid) in one_line_error(e)
        gated_server.gate.release()
        a_out, a_err = a.communicate(timeout=300)
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
    assert a.returncode == 0, a_err[-3000:]
    ids = [json.loads(line)["id"] for line in lines_of(out / "episodes.jsonl")]
    assert len(ids) == len(set(ids)) == 10
    assert json.loads((out / "summary.json").read_text())["episodes"] == 10
    # the lock went with the process: a later eval works
    assert salessim("eval", out, cwd=tmp_path).returncode == 0


def test_lock_is_held_inside_run_benchmark(tmp_path):
    """A library caller of run_benchmark holds the directory too, and lets go at the end."""
    import asyncio

    from salessim.schema.run import RunConfig
    from salessim.sim.runner import run_benchmark

    out = tmp_path / "run"
    probe = ("import sys\nfrom salessim.errors import SalesSimError\nfrom salessim.api.rundir import RunDir\n"
             "try:\n    RunDir(sys.argv[1]).lock('probe').__enter__()\nexcept SalesSimError as e:\n"
             "    print('refused:', e)\nelse:\n    print('acquired')\n")
    seen: list[str] = []

    def on_episode(ep):
        if not seen:
            seen.append(subprocess.run([sys.executable, "-c", probe, str(out)], capture_output=True,
                                       text=True, timeout=120).stdout)

    asyncio.run(run_benchmark(RunConfig(limit=2), out, on_episode=on_episode))
    assert seen and seen[0].startswith("refused:") and str(os.getpid()) in seen[0], seen
    after = subprocess.run([sys.executable, "-c", probe, str(out)], capture_output=True, text=True, timeout=120)
    assert after.stdout.startswith("acquired"), after.stdout + after.stderr


# ---------------------------------------------------------------------- directories run refuses
def test_directory_with_salessim_files_but_no_run_json_is_refused(tmp_path, finished_run):
    out = copy_run(finished_run, tmp_path / "orphan")
    (out / "run.json").unlink()
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    line = one_line_error(salessim("run", "--limit", "2", "--out", out))
    assert "run.json" in line and "episodes.jsonl" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_out_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("my notes\n")
    for extra in ([], ["--resume"]):
        line = one_line_error(salessim("run", "--limit", "2", "--out", target, *extra))
        assert "notes.txt" in line and "file" in line
    assert target.read_text() == "my notes\n"


# ---------------------------------------------------------------------------- report --out
def test_report_never_overwrites_a_run_file_or_a_foreign_file(tmp_path, finished_run):
    run = copy_run(finished_run, tmp_path / "run")
    episodes = (run / "episodes.jsonl").read_bytes()
    line = one_line_error(salessim("report", run, "--out", run / "episodes.jsonl"))
    assert "episodes.jsonl" in line
    assert (run / "episodes.jsonl").read_bytes() == episodes
    line = one_line_error(salessim("report", run, "--out", run / "report.html"))  # never inside a run directory
    assert "run directory" in line and not (run / "report.html").exists()
    foreign = tmp_path / "thesis.html"
    foreign.write_text("<html><body>my thesis</body></html>")
    assert "thesis.html" in one_line_error(salessim("report", run, "--out", foreign))
    assert "my thesis" in foreign.read_text()
    # a SalesSim report is replaced, as before
    ok = tmp_path / "report.html"
    assert salessim("report", run, "--out", ok).returncode == 0
    first = ok.read_text()
    proc = salessim("report", run, "--out", ok, "--title", "Second")
    assert proc.returncode == 0, proc.stderr
    assert ok.read_text() != first and "Second" in ok.read_text()


# ----------------------------------------------------------------------------- failed starts
def test_run_that_fails_before_its_first_episode_leaves_no_directory(tmp_path, monkeypatch):
    out = tmp_path / "run"
    line = one_line_error(salessim("run", "--agent", "nope", "--limit", "1", "--out", out))
    assert "nope" in line and not out.exists()
    env = {"SALESSIM_UNSET_KEY": ""}
    line = one_line_error(salessim("run", "--shopper-model", "m", "--base-url", "http://127.0.0.1:9/v1",
                                   "--api-key-env", "SALESSIM_UNSET_KEY", "--limit", "1", "--out", out, env=env))
    assert "SALESSIM_UNSET_KEY" in line and not out.exists()
    # the corrected command just works, on the same --out
    proc = salessim("run", "--limit", "2", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert len(lines_of(out / "episodes.jsonl")) == 2


def test_stale_run_without_episodes_is_replaced_by_a_plain_run(tmp_path):
    """What older versions left after a failed start: run.json 'running', no episode."""
    from salessim.schema.run import RunConfig
    from salessim.sim.runner import new_meta
    from salessim.store import default_store

    out = tmp_path / "run"
    meta = new_meta(RunConfig(agent={"kind": "nope"}), default_store(), "stale", 1)
    RunDir(out).write_meta(meta)
    (out / "episodes.jsonl").write_text("")
    proc = salessim("run", "--limit", "2", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert len(lines_of(out / "episodes.jsonl")) == 2
    assert json.loads((out / "run.json").read_text())["status"] == "complete"


def test_run_with_episodes_is_still_refused(tmp_path, finished_run):
    out = copy_run(finished_run, tmp_path / "run")
    line = one_line_error(salessim("run", "--limit", "2", "--out", out))
    assert "already holds a run" in line and "--resume" in line


def test_failure_after_episodes_marks_the_run_failed_with_the_reason(tmp_path):
    import asyncio

    from salessim.schema.run import RunConfig
    from salessim.sim.runner import run_benchmark

    out = tmp_path / "run"
    seen = []

    def explode(ep):
        seen.append(ep.id)
        if len(seen) == 2:
            raise OSError("disk full (simulated)")

    with pytest.raises(OSError):
        asyncio.run(run_benchmark(RunConfig(limit=6, concurrency=1), out, on_episode=explode))
    meta = RunDir(out).read_meta()
    assert meta["status"] == "failed" and "disk full" in meta["error"]
    assert len(RunDir(out).read_episodes()) >= 2
    proc = salessim("run", "--resume", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert len(RunDir(out).read_episodes()) == 6 and RunDir(out).read_meta()["status"] == "complete"


# ----------------------------------------------------------------------------------- SIGTERM
def test_sigterm_is_handled_like_ctrl_c(tmp_path, gated_server, personas_file):
    cfg = llm_config(tmp_path, gated_server, personas_file)
    out = tmp_path / "run"
    gated_server.gate.park_after(out / "episodes.jsonl", 2)  # the run stays mid-way, waiting on the model
    proc = start("run", "--config", cfg, "--out", out, cwd=tmp_path)
    try:
        wait_for_lines(out / "episodes.jsonl", 2, proc)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
        gated_server.gate.release()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, (proc.returncode, stderr[-3000:])
    assert "Traceback" not in stderr
    assert f"salessim run --resume --out {out}" in stdout + stderr
    meta = RunDir(out).read_meta()
    assert meta["status"] == "interrupted"
    saved = RunDir(out).read_episodes()
    assert 2 <= len(saved) < 10
    done = salessim("run", "--resume", "--out", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    ids = [e.id for e in RunDir(out).read_episodes()]
    assert len(ids) == len(set(ids)) == 10


# ------------------------------------------------------------------------------- torn lines
def test_eval_and_resume_say_how_many_torn_lines_they_dropped(tmp_path, finished_run):
    out = copy_run(finished_run, tmp_path / "run")
    with open(out / "episodes.jsonl", "a") as fh:
        fh.write('{"id": "half-writ')
    proc = salessim("eval", out)
    assert proc.returncode == 0, proc.stderr
    assert "1 torn line" in proc.stderr and "episodes.jsonl" in proc.stderr
    assert json.loads((out / "summary.json").read_text())["torn_lines_dropped"] == 1
    proc = salessim("run", "--resume", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "1 torn line" in proc.stderr
    proc = salessim("eval", out)  # the resume cut it from the file: nothing left to drop
    assert proc.returncode == 0 and "torn" not in proc.stderr
    assert "torn_lines_dropped" not in json.loads((out / "summary.json").read_text())


# ------------------------------------------------------------------------------ rich markup
def test_names_with_rich_markup_are_printed_literally(tmp_path):
    from salessim.personas import load_personas, save_personas

    personas = load_personas(split="test")[:2]
    personas[0].archetype = "odd[/]one"
    personas[1].archetype = "[red]loud"
    src = tmp_path / "personas.jsonl"
    save_personas(personas, src)
    out = tmp_path / "run[/]x"
    proc = salessim("run", "--personas", src, "--split", "all", "--out", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert "archetype: odd[/]one" in proc.stdout and "archetype: [red]loud" in proc.stdout
    assert str(out) in proc.stdout
    proc = salessim("eval", out)
    assert proc.returncode == 0 and "archetype: [red]loud" in proc.stdout, proc.stderr[-3000:]


def test_print_summary_escapes_every_name():
    from rich.console import Console

    from salessim.report.terminal import print_summary

    entry = {"mean": 0.5, "low": 0.4, "high": 0.6, "n": 2}
    summary = RunSummary.parse({
        "run_id": "r[/]1", "episodes": 2, "terminations": {"error:[bold]x": 2},
        "metrics": {"decision_alignment": entry, "m[/]": entry},
        "decision_alignment": {"overall": entry, "graded": entry, "by_category": {"c[/]": entry},
                               "by_archetype": {"[red]a": entry}, "failures": {"f[/]": 1}}})
    console = Console(record=True, width=300)
    print_summary(summary, console)
    text = console.export_text()
    for name in ("r[/]1", "error:[bold]x", "m[/]", "c[/]", "[red]a", "f[/]"):
        assert name in text, name

"""`salessim sweep` on the local backend: a two-cell sweep against the local test server (one run
directory per cell, the manifest, the leaderboard, the endpoint limit held over all worker processes,
merged shards equal to a single-process run), skipping complete cells, resuming stopped ones, and a
sweep killed with kill -9 finished with no episode lost or repeated."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from salessim.api.rundir import RunDir
from salessim.schema.run import RunConfig
from salessim.sim.runner import run_benchmark
from salessim.sweep import SweepConfig, make_backend, read_manifest, run_sweep
from salessim.testing.responders import roleplay_responder
from salessim.testing.server import ChatTestServer
from tests.sweep_helpers import (
    ENDPOINT_LIMIT,
    KEY_ENV,
    SECRET,
    assert_complete_and_exact,
    files_holding,
    two_cell_config,
    without_timings,
)

SCRIPT = Path(sys.executable).with_name("salessim")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_ENV, SECRET)
        mp.setenv("SALESSIM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def server(env):
    with ChatTestServer(roleplay_responder, latency_s=0.05, api_key=SECRET) as s:
        yield s


@pytest.fixture(scope="module")
def local_sweep(server, tmp_path_factory):
    """The two-cell sweep on two local worker processes."""
    out = tmp_path_factory.mktemp("sweeps") / "two"
    cfg = SweepConfig.model_validate(two_cell_config(server.base_url))
    server.reset()
    outcome = run_sweep(cfg, out, backend=make_backend("local", workers=2))
    return out, outcome, server.max_in_flight, len(server.chat_requests)


def test_two_cell_sweep_writes_a_run_directory_per_cell_and_a_manifest(local_sweep):
    out, outcome, _, requests = local_sweep
    assert outcome.status == "complete" and not outcome.failed
    assert_complete_and_exact(out)
    manifest = read_manifest(out)
    assert [c["id"] for c in manifest["cells"]] == ["llm__helpful__test__seed0", "oracle__helpful__test__seed0"]
    assert manifest["invocations"][-1]["backend"] == {"name": "local", "workers": 2}
    assert manifest["config"]["name"] == "two" and manifest["config_hash"]
    llm = RunDir(out / "cells" / "llm__helpful__test__seed0")
    assert llm.read_meta()["run_id"] == "two:llm__helpful__test__seed0"
    assert all(e.shopper.kind == "llm" and e.usage["shopper"].calls > 0 for e in llm.read_episodes())
    assert requests == sum(e.usage["shopper"].calls for e in llm.read_episodes())


def test_the_endpoint_limit_holds_over_all_worker_processes(local_sweep):
    _, outcome, max_in_flight, _ = local_sweep
    # two workers, each allowed 4 episodes and 2 requests in flight by its own semaphore: only the
    # limit shared by the processes keeps the server at 2
    assert 1 <= max_in_flight <= ENDPOINT_LIMIT


def test_merged_shards_equal_a_single_process_run(local_sweep, server, tmp_path):
    out, _, _, _ = local_sweep
    cell = out / "cells" / "llm__helpful__test__seed0"
    cfg = RunConfig.model_validate(RunDir(cell).read_meta()["config"])
    cfg.concurrency = 1
    asyncio.run(run_benchmark(cfg, tmp_path / "single", run_id="two:llm__helpful__test__seed0"))
    single = (tmp_path / "single" / "episodes.jsonl").read_bytes()
    merged = (cell / "episodes.jsonl").read_bytes()
    assert without_timings(single) == without_timings(merged)


def test_the_leaderboard_ranks_shoppers_with_paired_differences(local_sweep):
    out, outcome, _, _ = local_sweep
    board = json.loads((out / "leaderboard.json").read_text())
    (group,) = board["groups"]
    assert (group["agent"], group["split"]) == ("helpful", "test")
    rows = {r["shopper"]: r for r in group["rows"]}
    assert set(rows) == {"llm", "oracle"}
    da = rows["llm"]["metrics"]["decision_alignment"]
    assert da["n"] == 8 and da["low"] <= da["mean"] <= da["high"]
    diff = rows["llm"]["diff_vs_oracle"]["decision_alignment"]
    oracle = rows["oracle"]["metrics"]["decision_alignment"]["mean"]
    assert diff["n"] == 8 and abs(diff["mean"] - (da["mean"] - oracle)) < 1e-3
    assert group["pairwise_decision_alignment"][0]["a_minus_b"]["n"] == 8
    assert "Δ decision_alignment" in (out / "leaderboard.md").read_text()
    assert outcome.leaderboard is not None


def test_no_secret_in_any_file_of_the_sweep(local_sweep):
    out, _, _, _ = local_sweep
    assert files_holding(out, SECRET) == []
    assert KEY_ENV in (out / "sweep.json").read_text()  # the variable's name is what is stored


def test_a_finished_sweep_run_again_skips_every_cell(local_sweep, server):
    out, _, _, _ = local_sweep
    before = {p: p.read_bytes() for p in out.rglob("episodes.jsonl")}
    server.reset()
    cfg = SweepConfig.model_validate(two_cell_config(server.base_url))
    outcome = run_sweep(cfg, out, backend=make_backend("local", workers=2))
    assert all(c.skipped and c.status == "complete" for c in outcome.cells)
    assert server.chat_requests == [] and sum(c.ran for c in outcome.cells) == 0
    assert {p: p.read_bytes() for p in out.rglob("episodes.jsonl")} == before
    assert len(read_manifest(out)["invocations"]) == 2


def test_another_config_in_the_same_directory_is_refused(local_sweep, server):
    out, _, _, _ = local_sweep
    changed = two_cell_config(server.base_url, limit=5)
    with pytest.raises(Exception, match="holds a run of another config than cell"):
        run_sweep(SweepConfig.model_validate(changed), out, backend=make_backend("local", workers=1))


def test_a_stopped_sweep_resumes_where_it_stopped(server, tmp_path):
    cfg = SweepConfig.model_validate(two_cell_config(server.base_url, name="stop", limit=6))
    out = tmp_path / "stop"

    def stop_once_work_is_done(cells):
        if sum(c.done for c in cells) >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(cfg, out, backend=make_backend("local", workers=2), on_update=stop_once_work_is_done)
    manifest = read_manifest(out)
    assert manifest["status"] == "interrupted"
    stopped = [c for c in manifest["cells"] if c["status"] == "interrupted"]
    assert stopped and all(RunDir(out / c["dir"]).read_meta()["status"] == "interrupted" for c in stopped)
    outcome = run_sweep(cfg, out, backend=make_backend("local", workers=2))
    assert outcome.status == "complete"
    assert_complete_and_exact(out)
    reference = tmp_path / "reference"
    run_sweep(cfg, reference, backend=make_backend("local", workers=1))
    for cell in read_manifest(out)["cells"]:
        a = (out / cell["dir"] / "episodes.jsonl").read_bytes()
        b = (reference / cell["dir"] / "episodes.jsonl").read_bytes()
        assert without_timings(a) == without_timings(b)


def _children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(x) for x in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the worker processes")
def test_kill_9_mid_sweep_then_resume_loses_and_repeats_nothing(tmp_path):
    config = tmp_path / "kill.yaml"
    config.write_text(yaml.safe_dump({
        "name": "kill", "settings": {"limit": 40, "concurrency": 4},
        "shoppers": [{"kind": "scripted"}, {"flaws": {"sycophancy": 1.0}}, {"flaws": {"indecision": 0.9}}],
        "agents": [{"kind": "scripted"}, {"kind": "pushy"}]}))
    out = tmp_path / "out"
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen([str(SCRIPT), "sweep", str(config), "--out", str(out), "--workers", "2",
                             "--shard-size", "10"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    workers: set[int] = set()
    deadline = time.time() + 120
    try:
        while time.time() < deadline:  # kill once a shard file holds finished episodes
            workers |= _children(proc.pid)
            shards = list(out.glob("cells/*/shards/*.jsonl"))
            if any(len(p.read_bytes().splitlines()) >= 3 for p in shards):
                break
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.02)
        workers |= _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert workers, "no worker process was seen"
    deadline = time.time() + 30
    while any(_alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "worker processes outlived the killed sweep"
    manifest = read_manifest(out)
    assert manifest["status"] == "running"  # killed: nothing could record the stop
    assert any(out.glob("cells/*/shards/*.jsonl")), "the kill landed after the shards were merged"
    finished = subprocess.run([str(SCRIPT), "sweep", str(config), "--out", str(out), "--workers", "2",
                               "--shard-size", "7"], capture_output=True, text=True, env=env, timeout=600)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert_complete_and_exact(out)
    reference = tmp_path / "reference"
    subprocess.run([str(SCRIPT), "sweep", str(config), "--out", str(reference), "--workers", "1"],
                   capture_output=True, text=True, env=env, timeout=600, check=True)
    for cell in read_manifest(out)["cells"]:
        a = (out / cell["dir"] / "episodes.jsonl").read_bytes()
        b = (reference / cell["dir"] / "episodes.jsonl").read_bytes()
        assert without_timings(a) == without_timings(b), cell["id"]
    assert read_manifest(out)["cells"] == read_manifest(reference)["cells"]


@pytest.mark.slow
def test_sigterm_stops_the_sweep_cleanly(tmp_path):
    config = tmp_path / "term.yaml"
    config.write_text(yaml.safe_dump({"name": "term", "settings": {"limit": 60},
                                      "shoppers": [{"kind": "scripted"}, {"flaws": {"indecision": 0.9}}]}))
    out = tmp_path / "out"
    proc = subprocess.Popen([str(SCRIPT), "sweep", str(config), "--out", str(out), "--workers", "2",
                             "--shard-size", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "200"})
    deadline = time.time() + 120
    while time.time() < deadline and not any(len(p.read_bytes().splitlines()) >= 2
                                             for p in out.glob("cells/*/shards/*.jsonl")):
        assert proc.poll() is None, proc.stderr.read()[-2000:]
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, (stdout[-2000:], stderr[-2000:])
    assert "finish with: salessim sweep" in stdout.replace("\n", "")
    assert read_manifest(out)["status"] == "interrupted"
    done = subprocess.run([str(SCRIPT), "sweep", str(config), "--out", str(out)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert_complete_and_exact(out)


def test_report_of_a_sweep_directory_prints_its_leaderboard_and_writes_the_html(local_sweep, tmp_path):
    out, _, _, _ = local_sweep
    proc = subprocess.run([str(SCRIPT), "report", str(out), "--out", str(tmp_path / "r.html")], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "250"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "sweep two: agent helpful, split test" in proc.stdout and "Δ vs oracle" in proc.stdout
    html = (tmp_path / "r.html").read_text()
    assert "two:llm__helpful__test__seed0" in html and "two:oracle__helpful__test__seed0" in html


def test_retry_errors_runs_again_only_the_episodes_that_ended_in_error(tmp_path):
    cfg = SweepConfig.model_validate({"name": "retry", "settings": {"limit": 4}, "shoppers": [{"kind": "scripted"}]})
    out = tmp_path / "retry"
    run_sweep(cfg, out, backend=make_backend("local", workers=1))
    cell = RunDir(out / "cells" / "oracle__helpful__test__seed0")
    episodes = cell.read_episodes()
    good = episodes[2].model_dump_json()
    episodes[2].termination, episodes[2].error = "error:rate_limit", "429 (injected by the test)"
    cell.rewrite_episodes(episodes)
    again = run_sweep(cfg, out, backend=make_backend("local", workers=1))
    assert again.cells[0].skipped and again.cells[0].ran == 0  # errors stay unless asked for
    outcome = run_sweep(cfg, out, backend=make_backend("local", workers=1), retry_errors=True)
    assert outcome.cells[0].ran == 1 and not outcome.cells[0].skipped
    assert_complete_and_exact(out)
    rerun = cell.read_episodes()[2]
    assert without_timings(rerun.model_dump_json().encode()) == without_timings(good.encode())
    assert read_manifest(out)["cells"][0]["errors"] == 0

"""`salessim sweep --backend ray` (the salessim[ray] extra): the two-cell sweep against the local test
server on a local Ray started for the test (no dashboard, usage statistics off, loopback only) gives
the same episodes and metric values as the local backend, and the endpoint limit held by the Ray actor
caps the requests of all the workers together.

Skipped when ray is not installed, unless SALESSIM_REQUIRE_RAY=1 (set by scripts/test.sh, which
installs it), which turns the skip into a failure."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest

from salessim.api.rundir import RunDir
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

pytestmark = pytest.mark.ray

if importlib.util.find_spec("ray") is None:
    reason = "ray is not installed (pip install 'salessim[ray]')"
    if os.environ.get("SALESSIM_REQUIRE_RAY") == "1":
        pytest.fail(reason + " (SALESSIM_REQUIRE_RAY=1)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_ENV, SECRET)
        mp.setenv("SALESSIM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        mp.setenv("RAY_USAGE_STATS_ENABLED", "0")
        with ChatTestServer(roleplay_responder, latency_s=0.05, api_key=SECRET) as s:
            yield s


def test_two_cell_sweep_on_ray_matches_the_local_backend(server, tmp_path):
    cfg = SweepConfig.model_validate(two_cell_config(server.base_url))
    server.reset()
    backend = make_backend("ray", workers=2)
    stats = {}
    original = backend.shutdown

    def keep_stats(*, cancel=False):  # read the limiter actor before Ray stops
        if backend._ray is not None:
            stats.update(backend.limiter_stats())
        original(cancel=cancel)

    backend.shutdown = keep_stats
    outcome = run_sweep(cfg, tmp_path / "ray", backend=backend)
    assert outcome.status == "complete"
    assert_complete_and_exact(tmp_path / "ray")
    assert read_manifest(tmp_path / "ray")["invocations"][-1]["backend"]["name"] == "ray"
    assert 1 <= server.max_in_flight <= ENDPOINT_LIMIT
    assert list(stats.values()) and max(stats.values()) <= ENDPOINT_LIMIT
    assert files_holding(tmp_path / "ray", SECRET) == []

    run_sweep(cfg, tmp_path / "local", backend=make_backend("local", workers=2))
    for cell in read_manifest(tmp_path / "ray")["cells"]:
        a, b = tmp_path / "ray" / cell["dir"], tmp_path / "local" / cell["dir"]
        assert without_timings((a / "episodes.jsonl").read_bytes()) == without_timings((b / "episodes.jsonl").read_bytes())
        metrics_a = {s.episode_id: {k: r.value for k, r in s.results.items()} for s in RunDir(a).read_scores()}
        metrics_b = {s.episode_id: {k: r.value for k, r in s.results.items()} for s in RunDir(b).read_scores()}
        assert metrics_a == metrics_b
        assert json.loads((a / "summary.json").read_text())["metrics"] == json.loads((b / "summary.json").read_text())["metrics"]


def test_a_bad_ray_address_is_a_one_line_error():
    from salessim.errors import SalesSimError

    with pytest.raises(SalesSimError, match="bad Ray address 'http://x'"):
        make_backend("ray", ray_address="http://x")


def test_no_cluster_at_the_address_is_a_one_line_error_and_writes_nothing(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    config = tmp_path / "s.yaml"
    config.write_text(yaml.safe_dump({"name": "s", "settings": {"limit": 2}, "shoppers": [{"kind": "scripted"}]}))
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    proc = subprocess.run([str(Path(sys.executable).with_name("salessim")), "sweep", str(config), "--backend", "ray",
                           "--ray-address", "auto", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot connect to Ray at auto" in lines[0] and "ray start --head" in lines[0]
    assert not (tmp_path / "out").exists()


def test_the_local_ray_listens_on_the_loopback_address_only():
    import psutil

    backend = make_backend("ray", workers=1)
    backend.start({("http://127.0.0.1:9/v1", "m"): 1})
    try:
        assert backend.node_ip() == "127.0.0.1"
        me = psutil.Process()
        listening = []
        for proc in [me, *me.children(recursive=True)]:
            try:
                conns = proc.net_connections(kind="inet")
            except psutil.Error:
                continue
            listening += [(proc.name(), c.laddr.ip) for c in conns if c.status == psutil.CONN_LISTEN]
        assert any(name.startswith(("gcs_server", "raylet")) for name, _ in listening), listening
        assert all(ip in ("127.0.0.1", "::1", "::ffff:127.0.0.1") for _, ip in listening), listening
    finally:
        backend.shutdown()

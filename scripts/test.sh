#!/usr/bin/env bash
# Installs everything the tests need into .venv and runs the whole test suite.
# README command 2; .ci/run calls exactly this. Pass pytest options through, e.g. `-m "not slow and not train"`.
# Versions come from the lock, constraints.txt (regenerate: bash scripts/update_constraints.sh); the
# newest releases are tried by scripts/test_latest.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
LOCK="$PWD/constraints.txt"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# torch first and pinned exactly: the CPU wheel on the machines' disk (an open range pulls a CUDA build)
.venv/bin/python -m pip install -q -c "$LOCK" "torch==2.13.0"
.venv/bin/python -m pip install -q -c "$LOCK" -e ".[dev,train,play,export,ray]"
SALESSIM_CONSTRAINTS="$LOCK" bash scripts/install_browser.sh
# the Ray tests start a local Ray: no dashboard, loopback only (salessim.sweep.backends.ray_backend),
# usage statistics off; they must run here, not skip
export RAY_USAGE_STATS_ENABLED=0
SALESSIM_REQUIRE_BROWSER=1 SALESSIM_REQUIRE_RAY=1 .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# The fast tests (everything but -m slow) against the NEWEST release of every dependency: the lock
# (constraints.txt) is ignored and the upper bounds of pyproject.toml are lifted, so the next
# upstream break (a typer that bundles click, a pydantic, openai, trl or transformers major) shows
# here before users meet it. Not blocking: .ci/run runs it first and reports one line; the locked
# suite (scripts/test.sh) decides. Uses its own environment, .venv-latest. torch stays 2.13.0 (the
# CPU wheel on the machines' disk). Pass pytest options through.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
venv=.venv-latest
[ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
pip=("$venv/bin/python" -m pip)
"${pip[@]}" install -q --upgrade pip >/dev/null
"${pip[@]}" install -q "torch==2.13.0"
# every dependency pyproject.toml names (core, dev, train, play, export, ray) with its version bounds dropped
mapfile -t names < <("$venv/bin/python" - <<'PYEOF'
import re, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
reqs = list(project["dependencies"])
for extra in ("dev", "train", "play", "export", "ray"):
    reqs += project["optional-dependencies"][extra]
for req in reqs:
    name = re.split(r"[\s<>=!~;]", req, maxsplit=1)[0]  # keeps extras: ray[client]
    if name != "torch":  # pinned: the CPU build on disk
        print(name)
PYEOF
)
"${pip[@]}" install -q --upgrade "${names[@]}"
"${pip[@]}" install -q --no-deps -e .
echo "newest releases under test:"
"${pip[@]}" list --format=freeze 2>/dev/null | grep -iE '^(typer|click|rich|pydantic|openai|trl|transformers|torch|starlette|uvicorn|ray|pyarrow|datasets)==' | sed 's/^/  /'
"$venv/bin/python" -m pytest -m "not slow" -q -p no:cacheprovider "$@"

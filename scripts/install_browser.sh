#!/usr/bin/env bash
# Install what the browser test of the HTML report needs (tests/test_report_browser.py):
#  - Debian's chromium package, only when /usr/bin/chromium is missing (needs root or sudo);
#  - the Python driver `playwright` into the project's virtual environment.
# Playwright drives the system Chromium through executable_path; never run `playwright install`,
# which downloads a browser build of its own and fails offline.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
if [[ ! -x "$python" ]]; then
    python="$(command -v python3)"
fi

if [[ ! -x /usr/bin/chromium ]]; then
    sudo=""
    if [[ "$(id -u)" != "0" ]]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            echo "install_browser.sh: /usr/bin/chromium is missing and this user cannot run apt-get" >&2
            echo "  install it as root: apt-get update && apt-get install -y chromium" >&2
            exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
fi

# scripts/test.sh passes the lock (constraints.txt) in SALESSIM_CONSTRAINTS
"$python" -m pip install -q ${SALESSIM_CONSTRAINTS:+-c "$SALESSIM_CONSTRAINTS"} "playwright>=1.40"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
"$python" -c "import playwright; print('playwright python package: ok')"

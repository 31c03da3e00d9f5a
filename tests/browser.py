"""Headless Chromium for the browser tests (the report, salessim play): Debian's Chromium driven by
the `playwright` Python package, both installed by scripts/install_browser.sh (`playwright install`
is never used: it downloads a browser). Missing either skips with the reason, unless
SALESSIM_REQUIRE_BROWSER=1, which turns the skip into a failure (for CI, so a missing install
cannot pass silently)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("SALESSIM_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def unavailable(reason: str):
    if os.environ.get("SALESSIM_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " (SALESSIM_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def chromium() -> Iterator:
    """Yield a launched headless browser (for a fixture: ``yield from chromium()``)."""
    exe = chromium_path()
    if exe is None:
        unavailable("Chromium not found (/usr/bin/chromium); install it with scripts/install_browser.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed; run scripts/install_browser.sh")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()

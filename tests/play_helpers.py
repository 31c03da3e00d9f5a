"""Start `salessim play` through the real console entry point (a subprocess) and talk to it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

URL_RE = re.compile(r"(http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]+))")


class PlayServer:
    """A running `salessim play` (``python -m salessim play ...``): ``url`` (with the token),
    ``base`` (without), ``token``; ``stop()`` sends SIGINT and returns (exit code, stdout, stderr)."""

    def __init__(self, args: list[str], *, env: dict | None = None, cwd: Path | None = None, timeout: float = 60.0):
        self.proc = subprocess.Popen([sys.executable, "-m", "salessim", "play", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}, cwd=cwd)
        self.lines: list[str] = []
        deadline = time.monotonic() + timeout
        match = None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            match = URL_RE.search(line)
            if match:
                break
        if match is None:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError(f"salessim play printed no URL:\n{''.join(self.lines)}{out}\n{err}")
        self.url, self.port, self.token = match.group(1), int(match.group(2)), match.group(3)
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, "".join(self.lines) + out, err


def request(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    """(status, headers, body bytes) of one HTTP request (errors are answers too)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, dict(res.headers), res.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def api(server: PlayServer, path: str, payload=None):
    """POST (with a payload) or GET an API path with the token header; (status, JSON)."""
    headers = {"X-SalesSim-Token": server.token}
    body = None
    if payload is not None:
        body = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    status, _, raw = request(server.base + path, method="POST" if payload is not None else "GET", body=body,
                             headers=headers)
    return status, json.loads(raw.decode() or "null")

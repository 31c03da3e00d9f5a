"""The scriptable test server itself: routes, fault sources, recording and the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from salessim.testing.server import FAULT_HEADER, ChatTestServer, Fault


def _post(url: str, body: object, headers: dict[str, str] | None = None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def test_models_route_and_unknown_routes():
    with ChatTestServer(model="my-model") as srv:
        with urllib.request.urlopen(srv.base_url + "/models", timeout=5) as response:
            listing = json.loads(response.read())
        assert listing["data"][0]["id"] == "my-model"
        status, _, body = _post(srv.base_url + "/nope", CHAT)
        assert status == 404 and "error" in body
        status, _, body = _post(srv.base_url + "/chat/completions", b"{not json")
        assert status == 400
        assert [r.method for r in srv.requests] == ["GET", "POST", "POST"]


def test_fault_header_queue_and_function_sources():
    calls = []

    def fault_fn(index, body):
        calls.append(index)
        return Fault.server_error(503) if index == 2 else None

    with ChatTestServer(fault_fn=fault_fn) as srv:
        url = srv.base_url + "/chat/completions"
        status, headers, _ = _post(url, CHAT, {FAULT_HEADER: "rate_limit;retry_after=0.5"})
        assert status == 429 and headers["Retry-After"] == "0.5"
        srv.inject(Fault.truncated())
        status, _, body = _post(url, CHAT)
        assert body["choices"][0]["finish_reason"] == "length"
        status, _, _ = _post(url, CHAT)
        assert status == 503
        status, _, body = _post(url, CHAT)
        assert status == 200 and body["choices"][0]["message"]["content"] == "echo: hi"
        assert calls == [2, 3]  # header and queue came first for requests 0 and 1
        assert [r.faults for r in srv.chat_requests] == [["http_429"], ["truncated"], ["http_503"], []]
        status, _, body = _post(url, CHAT, {FAULT_HEADER: "bogus"})
        assert status == 400 and "bogus" in body["error"]["message"]


def test_responder_variants_and_errors():
    replies = iter(["plain text", {"custom": "body"}])

    def responder(request):
        try:
            return next(replies)
        except StopIteration:
            raise RuntimeError("script ran out") from None

    with ChatTestServer(responder) as srv:
        url = srv.base_url + "/chat/completions"
        assert _post(url, CHAT)[2]["choices"][0]["message"]["content"] == "plain text"
        assert _post(url, CHAT)[2] == {"custom": "body"}
        status, _, body = _post(url, CHAT)
        assert status == 500 and "script ran out" in body["error"]["message"]


def test_fault_validation():
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("explode")
    assert Fault.from_header("http_error;status=502;retry_after=1.5") == Fault.http_error(502, 1.5)
    assert Fault.from_header("empty;null=true").null is True


def test_stop_releases_hanging_requests():
    import threading
    import time

    srv = ChatTestServer().start()
    srv.inject(Fault.hang())
    worker = threading.Thread(target=lambda: _safe_post(srv.base_url + "/chat/completions"))
    worker.start()
    deadline = time.monotonic() + 5
    while srv.in_flight == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert srv.in_flight == 1
    started = time.monotonic()
    srv.stop()
    worker.join(timeout=5)
    assert not worker.is_alive() and time.monotonic() - started < 5


def _safe_post(url):
    try:
        _post(url, CHAT)
    except Exception:  # the connection is dropped on purpose
        pass


def test_command_line_server():
    proc = subprocess.Popen(
        [sys.executable, "-m", "salessim.testing.server", "--port", "0", "--latency-ms", "10", "--echo",
         "--quiet", "--fault-every", "2", "--fault", "http_error;status=502"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line
        base_url = line.split()[3]
        assert _post(base_url + "/chat/completions", CHAT)[0] == 200
        assert _post(base_url + "/chat/completions", CHAT)[0] == 502
    finally:
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(timeout=10)
        proc.stdout.close()
    assert proc.returncode == 0

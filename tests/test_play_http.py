"""`salessim play` as a user starts it (the console entry point in a subprocess): the printed
127.0.0.1 URL with its token, 403 without the token or from another host, the header a POST
needs, body limits, security headers, pictures only after View, no secret of an LLM counterpart
anywhere the page or the run directory can show, Ctrl-C / SIGTERM saving what was finished."""

from __future__ import annotations

import json
import signal

import pytest

from tests.play_helpers import PlayServer, api, request


@pytest.fixture(scope="module")
def shopper_server(tmp_path_factory):
    out = tmp_path_factory.mktemp("play") / "humans"
    server = PlayServer(["--role", "shopper", "--out", str(out), "--limit", "2"])
    yield server, out
    server.stop()


def test_url_is_loopback_with_a_token(shopper_server):
    server, _ = shopper_server
    assert server.url.startswith("http://127.0.0.1:") and len(server.token) >= 32


def test_page_without_the_token_is_403(shopper_server):
    server, _ = shopper_server
    for path in ("/", "/?token=wrong", "/api/state", "/static/play.js", "/api/image/lap-001"):
        status, _, body = request(server.base + path)
        assert status == 403, path
        assert b"token" in body
    status, headers, body = request(server.url)
    assert status == 200 and b'name="salessim-token"' in body
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=strict" in headers["set-cookie"]
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    # the cookie set by the page is enough to read, not to act
    cookie = headers["set-cookie"].split(";")[0]
    assert request(server.base + "/api/state", headers={"Cookie": cookie})[0] == 200
    status, _, _ = request(server.base + "/api/action", method="POST", body=b'{"type":"say","text":"hi"}',
                           headers={"Cookie": cookie, "Content-Type": "application/json"})
    assert status == 403


def test_another_host_name_is_403(shopper_server):
    server, _ = shopper_server
    status, _, _ = request(server.url, headers={"Host": f"evil.example:{server.port}"})
    assert status == 403
    assert request(server.url.replace("127.0.0.1", "localhost"))[0] == 200


def test_body_limits(shopper_server):
    server, _ = shopper_server
    big = json.dumps({"type": "say", "text": "x" * 20000}).encode()
    status, _, _ = request(server.base + "/api/action", method="POST", body=big,
                           headers={"X-SalesSim-Token": server.token, "Content-Type": "application/json"})
    assert status == 413
    status, data = api(server, "/api/action", {"type": "say", "text": "y" * 2001})
    assert status == 400 and "2000 characters" in data["error"]
    status, _, raw = request(server.base + "/api/action", method="POST", body=b"not json",
                             headers={"X-SalesSim-Token": server.token})
    assert status == 400 and b"not JSON" in raw


def test_picture_only_after_view(shopper_server):
    server, _ = shopper_server
    status, st = api(server, "/api/state")
    assert status == 200 and st["status"] == "your_turn"
    for text in ["Hi! I'm after a laptop.", "Anything is fine, show me what you have please.",
                 "Could you just show me a few options?", "Please show me products now."]:
        status, st = api(server, "/api/action", {"type": "say", "text": text})
        assert status == 200
        if st["products"]:
            break
    pid = next(iter(st["products"]))
    headers = {"X-SalesSim-Token": server.token}
    assert request(f"{server.base}/api/image/{pid}", headers=headers)[0] == 404
    status, st = api(server, "/api/action", {"type": "view", "product_id": pid})
    assert status == 200 and st["products"][pid]["viewed"]
    status, h, png = request(f"{server.base}/api/image/{pid}", headers=headers)
    assert status == 200 and h["content-type"] == "image/png" and png[:8] == b"\x89PNG\r\n\x1a\n"


def test_llm_agent_secrets_never_reach_the_page_or_the_files(tmp_path):
    from salessim.testing.responders import roleplay_responder
    from salessim.testing.server import ChatTestServer

    secret = "sk-play-test-SECRET-4242"
    out = tmp_path / "humans"
    with ChatTestServer(roleplay_responder, api_key=secret) as llm:
        base_url = llm.base_url
        server = PlayServer(["--role", "shopper", "--out", str(out), "--limit", "1", "--agent", "llm", "--agent-model",
                             "salessim-test", "--agent-base-url", base_url, "--agent-api-key-env", "PLAY_TEST_KEY",
                             "--no-cache"], env={"PLAY_TEST_KEY": secret})
        try:
            seen = [request(server.url)[2].decode()]
            status, st = api(server, "/api/action", {"type": "say", "text": "Hi, I need a laptop for work."})
            assert status == 200 and st["messages"][-1]["who"] == "agent"
            seen.append(json.dumps(st))
            status, st = api(server, "/api/action", {"type": "leave", "text": "Thanks, bye."})
            assert st["status"] == "finished" and st["episode"]["saved"]
            seen.append(json.dumps(st))
        finally:
            code, stdout, stderr = server.stop()
    page = "\n".join(seen)
    for needle in (secret, "PLAY_TEST_KEY", base_url, "salessim-test"):
        assert needle not in page, needle
    files = "\n".join(p.read_text() for p in out.iterdir() if p.is_file())
    assert secret not in files and secret not in stdout + stderr
    assert "PLAY_TEST_KEY" in (out / "run.json").read_text()  # the variable's name is recorded, as in run


def test_stop_saves_what_was_finished_and_resume_continues(tmp_path):
    out = tmp_path / "humans"
    server = PlayServer(["--role", "shopper", "--out", str(out), "--limit", "2"])
    status, st = api(server, "/api/action", {"type": "leave", "text": "Just browsing, thanks."})
    assert st["status"] == "finished"
    first = st["episode"]["id"]
    status, st = api(server, "/api/next", {})
    assert st["status"] == "your_turn" and st["episode"]["id"] != first
    api(server, "/api/action", {"type": "say", "text": "Hello"})  # in progress: not saved
    code, stdout, _ = server.stop(signal.SIGTERM)
    assert code == 0 and "saved 1 conversation(s)" in stdout and "play --resume --out" in stdout
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "interrupted" and meta["episodes_done"] == 1 and meta["play"] == {"role": "shopper"}
    assert [json.loads(l)["id"] for l in (out / "episodes.jsonl").read_text().splitlines()] == [first]
    server = PlayServer(["--resume", "--out", str(out)])
    status, st = api(server, "/api/state")
    assert st["episode"]["id"] != first and st["progress"] == {"played": 1, "planned": 2, "saved_this_session": 0}
    api(server, "/api/action", {"type": "leave"})
    code, stdout, _ = server.stop()
    assert json.loads((out / "run.json").read_text())["status"] == "complete"
    assert "resumed" in json.loads((out / "run.json").read_text())

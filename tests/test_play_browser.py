"""`salessim play` in headless Chromium (the system Chromium driven by Playwright, as the report
test does): a whole shopper conversation (type, reload the page and find the conversation where
it was, view a product and see its picture, buy) and a whole agent conversation (search with a
filter, present, the shopper buys or leaves), then
`salessim eval` and `salessim import-reference --format episodes` on the run directories; a page
without the token gets 403; a message containing <script> is shown as text.

With SALESSIM_SCREENSHOTS=DIR the test also writes the screenshots of docs/play.md into DIR
(`SALESSIM_SCREENSHOTS=docs/images bash scripts/test.sh tests/test_play_browser.py`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import chromium
from tests.play_helpers import PlayServer

SCRIPT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return tmp_path_factory.mktemp("play-browser")


def _page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    return context, page, problems


def _shot(page, name: str) -> None:
    where = os.environ.get("SALESSIM_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(where) / name))


def _wait_turn(page) -> None:
    page.wait_for_function("() => ['Your turn.', 'This conversation is over.']"
                           ".includes(document.querySelector('#status').textContent)")


def test_page_without_token_is_403(browser, runs):
    server = PlayServer(["--role", "shopper", "--out", str(runs / "no-token"), "--limit", "1"])
    try:
        context, page, _ = _page(browser)
        response = page.goto(server.base + "/")
        assert response.status == 403 and "token" in page.content()
        response = page.goto(server.base + "/?token=" + "x" * len(server.token))
        assert response.status == 403
        context.close()
    finally:
        server.stop()


def test_shopper_conversation(browser, runs):
    out = runs / "humans"
    server = PlayServer(["--role", "shopper", "--out", str(out), "--limit", "2"])
    try:
        context, page, problems = _page(browser)
        page.goto(server.url)
        page.wait_for_selector("#persona-name:not(:empty)")
        assert "token=" not in page.url  # dropped from the address bar
        assert page.locator("#dealbreakers li").count() >= 1
        assert page.locator("#hidden").is_hidden()
        page.click("#reveal")
        assert "Personality" in page.inner_text("#hidden")
        page.fill("#message", "Hi! " + SCRIPT)
        page.click("#send")
        _wait_turn(page)
        mine = page.locator("#transcript .msg.you .text").first
        assert SCRIPT in mine.inner_text()
        assert mine.evaluate("n => n.children.length") == 0
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("#transcript script, #transcript img").count() == 0
        before = page.locator("#transcript .msg").all_inner_texts()
        page.reload()  # the address has no token any more: the cookie carries the session on
        page.wait_for_selector("#transcript .msg.agent")
        assert page.locator("#transcript .msg").all_inner_texts() == before
        for text in ["I need a laptop for my studies, nothing too pricey.",
                     "Whatever you think is best, could you show me a few?", "Please show me some options."]:
            if page.locator("#products .product").count():
                break
            page.fill("#message", text)
            page.click("#send")
            _wait_turn(page)
        product = page.locator("#products .product").first
        product.wait_for()
        pid = product.get_attribute("data-id")
        product.locator("button.view").click()
        img = page.locator(f'#products .product[data-id="{pid}"] img')
        img.wait_for()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        assert img.evaluate("img => img.naturalWidth") > 0
        assert img.get_attribute("src") == f"/api/image/{pid}"
        assert "color" not in page.locator(f'#products .product[data-id="{pid}"] table').inner_text()
        assert page.locator("#transcript .msg.view").count() == 1
        _shot(page, "play-shopper.png")
        page.fill("#message", "That one looks right, I'll take it.")
        page.locator(f'#products .product[data-id="{pid}"] button.buy').click()
        page.wait_for_selector("#finished:not([hidden])")
        assert "bought" in page.inner_text("#outcome") and "Saved as episode" in page.inner_text("#outcome")
        assert page.locator("#next").is_visible()
        assert problems == []
        context.close()
    finally:
        code, stdout, _ = server.stop()
    assert code == 0 and "saved 1 conversation(s)" in stdout
    ep = json.loads((out / "episodes.jsonl").read_text().splitlines()[0])
    assert ep["shopper"]["kind"] == "human" and ep["decision"] == {"type": "buy", "product_id": pid, "reason": None}
    assert SCRIPT in ep["messages"][0]["text"]  # stored as typed; escaped only where shown
    proc = subprocess.run([sys.executable, "-m", "salessim", "eval", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["episodes"] == 1 and summary["decision_alignment"]["overall"]["n"] == 1
    assert summary["shopper"]["kind"] == "human"
    # the person's conversation is a human reference for a simulator's run
    ref = runs / "ref.jsonl"
    proc = subprocess.run([sys.executable, "-m", "salessim", "import-reference", str(out), "--format", "episodes",
                           "--out", str(ref)], capture_output=True, text=True)
    assert proc.returncode == 0 and "wrote 1 dialogue(s)" in proc.stdout, proc.stderr
    run = runs / "scripted"
    assert subprocess.run([sys.executable, "-m", "salessim", "run", "--limit", "3", "--out", str(run)],
                          capture_output=True).returncode == 0
    proc = subprocess.run([sys.executable, "-m", "salessim", "eval", str(run), "--reference", str(ref)],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0 and "words per shopper turn (pooled" in proc.stdout, proc.stderr


def test_agent_conversation(browser, runs):
    out = runs / "agents"
    server = PlayServer(["--role", "agent", "--out", str(out), "--limit", "1", "--max-turns", "4"])
    try:
        context, page, problems = _page(browser)
        page.goto(server.url)
        page.wait_for_selector("#transcript .msg.shopper")
        assert page.locator("#persona").is_hidden()  # the agent does not see the persona
        page.fill("#search-query", "laptop")
        page.select_option("#filter-rows .filter-key", "max_price")
        page.fill("#filter-rows .filter-value", "1500")
        page.click("#search")
        page.wait_for_selector("#products .product")
        result = page.locator("#transcript .msg.tool pre.result").last.inner_text()
        assert "match(es)" in result
        prices = page.locator("#products .product .price").all_inner_texts()
        assert prices and all(int(p.split("$")[1].split(" ")[0].replace(",", "")) <= 1500 for p in prices)
        page.fill("#guide-query", "how much battery life do I need")
        page.click("#guide")
        _wait_turn(page)
        assert "Result of lookup_buying_guide" in page.locator("#transcript .msg.tool").last.inner_text()
        _shot(page, "play-agent.png")
        for _ in range(6):
            if not page.locator("#finished").is_hidden():
                break
            page.locator("#products input.present").first.check()
            page.fill("#message", "I'd recommend this one: it fits what you told me.")
            page.click("#send")
            _wait_turn(page)
        page.wait_for_selector("#finished:not([hidden])")
        outcome = page.inner_text("#outcome")
        assert "Saved as episode" in outcome and ("bought" in outcome or "left" in outcome or "ended" in outcome)
        assert problems == []
        context.close()
    finally:
        code, stdout, _ = server.stop()
    ep = json.loads((out / "episodes.jsonl").read_text().splitlines()[0])
    assert ep["agent"]["kind"] == "human" and ep["shopper"]["kind"] == "scripted"
    names = [c["name"] for m in ep["messages"] for c in m.get("tool_calls", [])]
    assert names[:2] == ["search_products", "lookup_buying_guide"]
    assert ep["termination"] in ("bought", "left", "max_turns")
    proc = subprocess.run([sys.executable, "-m", "salessim", "eval", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr

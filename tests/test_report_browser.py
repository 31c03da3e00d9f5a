"""The HTML report in headless Chromium: leaderboard, plots, drill-down, filters and escaping.

Needs Debian's Chromium and the `playwright` Python package (both installed by
scripts/install_browser.sh; `playwright install` is never used: it downloads a browser). Skipped
with the reason when either is missing, unless SALESSIM_REQUIRE_BROWSER=1, which turns the skip
into a failure (for CI, so a missing install cannot pass silently).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import chromium
from tests.test_report_fixtures import XSS, XSS_IMG, FakeStore, make_two_runs


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture(scope="module")
def report_path(tmp_path_factory) -> Path:
    from salessim.report.html import build_report

    root = tmp_path_factory.mktemp("report")
    return build_report(make_two_runs(root), root / "report.html", store=FakeStore())


@pytest.fixture
def page(browser, report_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    pg.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    pg.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    pg.on("request", lambda req: requests.append(req.url))
    pg.goto(report_path.as_uri())
    pg.wait_for_selector("tr.episode-row")
    yield pg
    assert problems == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    context.close()


def _visible_episode_ids(page) -> list[str]:
    return page.eval_on_selector_all(
        "#episode-table tbody tr",
        "rows => rows.filter(r => !r.hidden && r.offsetParent !== null)"
        ".map(r => r.dataset.run + ':' + r.children[1].textContent)")


def test_leaderboard_has_one_row_per_run(page):
    rows = page.locator("#leaderboard-table tbody tr")
    assert rows.count() == 2
    assert "scripted vs scripted" in rows.nth(0).inner_text()
    assert "scripted[sycophancy=0.8] vs pushy" in rows.nth(1).inner_text()
    headers = page.locator("#leaderboard-table thead th").all_inner_texts()
    assert headers[3] == "decision_alignment"


def test_plots_have_bars(page):
    assert page.locator("svg.chart").count() >= 4
    bars = page.locator("#metric-bars svg rect.bar")
    assert bars.count() >= 6
    box = bars.first.bounding_box()
    assert box is not None and box["height"] > 0 and box["width"] > 0
    assert page.locator("svg.stacked-bars rect.segment").count() >= 3
    assert page.locator("svg.line-chart polyline").count() == 2


def test_click_episode_shows_transcript_and_product_image(page):
    page.locator("tr.episode-row[data-run='1'][data-failure='bought_dealbreaker_violation']").click()
    detail = page.locator("#episode-detail")
    assert "Episode pp-student#0" in detail.locator("h3").first.inner_text()
    msgs = detail.locator(".transcript .msg")
    assert msgs.count() == 7
    assert "I recommend lap-2." in detail.locator(".msg.agent").nth(1).inner_text()
    assert detail.locator(".msg.shopper").last.locator(".badge.action").inner_text() == "action: buy lap-2"
    img = detail.locator(".product-card img").first
    img.wait_for()
    assert img.get_attribute("src").startswith("data:image/")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert img.evaluate("img => img.naturalWidth") > 0
    card = detail.locator(".product-card").first
    assert "Brick 15" in card.inner_text()
    assert card.locator("tr.visual-only").count() == 1 and "visual only" in card.locator("tr.visual-only").inner_text()
    metrics = detail.locator("table.metrics").inner_text()
    assert "bought_dealbreaker_violation <b>bold</b>" in metrics  # explanation shown as text


def test_filters_reduce_rows(page):
    assert len(_visible_episode_ids(page)) == 6
    page.select_option("#f-failure", "bought_dealbreaker_violation")
    assert _visible_episode_ids(page) == ["1:pp-student#0"]
    assert page.locator("#ep-count").inner_text() == "1 of 6 episodes shown"
    page.select_option("#f-failure", "")
    page.select_option("#f-category", "headphones")
    assert sorted(_visible_episode_ids(page)) == ["0:pp-parent#0", "1:pp-parent#0"]
    page.select_option("#f-run", "1")
    assert _visible_episode_ids(page) == ["1:pp-parent#0"]
    page.click("#f-reset")
    page.select_option("#f-archetype", "retiree")
    assert sorted(_visible_episode_ids(page)) == ["0:pp-retiree#0", "1:pp-retiree#0"]
    page.click("#f-reset")
    page.fill("#f-search", "laptop under 1000")
    assert sorted(_visible_episode_ids(page)) == ["0:pp-student#0", "1:pp-student#0"]


def test_script_in_shopper_message_is_text(page):
    page.locator("tr.episode-row[data-run='0']").first.click()
    first = page.locator("#episode-detail .msg.shopper .text").first
    assert XSS in first.inner_text()
    assert first.evaluate("n => n.children.length") == 0  # no element was created from the text
    assert page.locator("#episode-detail script").count() == 0
    agent = page.locator("#episode-detail .msg.agent .text").first
    assert XSS_IMG in agent.inner_text()
    assert page.locator("#episode-detail .msg img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 2  # the data block and the page script, nothing else

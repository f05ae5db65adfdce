"""Pages in a real headless Chromium, served with the same headers (CSP included) as on Netlify."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from factsite.serve import start_server

from .browser import launch
from .conftest import ROOT


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        instance = launch(playwright)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def served_fixture(fixture_site: Path):
    server = start_server(fixture_site, ROOT / "netlify.toml")
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def open_page(browser, url: str, width: int = 390):
    page = browser.new_page(viewport={"width": width, "height": 800})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.goto(url)
    return page, problems


def test_chart_is_drawn_under_the_content_security_policy(browser, served_fixture: str) -> None:
    page, problems = open_page(browser, served_fixture + "/stats/cases-2020/")
    page.wait_for_selector("#plot-cases-2020[data-drawn='true']", timeout=15000)
    bars = page.locator("#plot-cases-2020 .main-svg .bars .point")
    assert bars.count() == 2
    labels = page.locator("#plot-cases-2020 .main-svg .bars text").all_text_contents()
    assert labels == ["about 1,350", "1,499"]
    assert problems == []
    page.close()


def test_sheet_charts_draw_at_desktop_width(browser, served_fixture: str) -> None:
    page, problems = open_page(browser, served_fixture + "/sheets/main-sheet/", width=1280)
    page.wait_for_selector("#plot-victims-breakdown[data-drawn='true']", timeout=15000)
    assert page.locator("#plot-victims-breakdown .bars .point").count() == 3
    assert problems == []
    page.close()


def test_pages_without_charts_load_no_plotly(browser, served_fixture: str) -> None:
    page, problems = open_page(browser, served_fixture + "/sources/")
    scripts = page.evaluate("[...document.scripts].map(s => s.src.split('/').pop().split('.')[0])")
    assert scripts == ["exit"]
    assert problems == []
    page.close()

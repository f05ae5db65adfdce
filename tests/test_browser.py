"""Charts in a real headless Chromium, served with the same headers (CSP included) as on Netlify."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest


from .site_pages import html_pages, parse


def open_page(browser, url: str, width: int = 390, javascript: bool = True):
    context = browser.new_context(viewport={"width": width, "height": 800}, java_script_enabled=javascript)
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url, wait_until="networkidle")
    return page, problems, requests


@pytest.mark.parametrize("width", [360, 1280])
def test_every_chart_is_visible_without_javascript(browser, served_fixture: str, fixture_site: Path, width: int) -> None:
    chart_pages = [p for p in html_pages(fixture_site) if parse(p).select("figure.chart")]
    assert chart_pages
    for path in chart_pages:
        url = served_fixture + "/" + path.relative_to(fixture_site).as_posix().removesuffix("index.html")
        page, problems, _ = open_page(browser, url, width=width, javascript=False)
        for chart in page.locator("figure.chart").all():
            image = chart.locator("img.chart-image")
            assert image.evaluate("img => img.complete && img.naturalWidth > 0"), url
            box = image.bounding_box()
            assert box["width"] > 0.8 * min(width, 736) - 40 and box["height"] > 100, (url, box)
            assert chart.locator("table tbody tr").count() >= 2
        assert problems == [], url
        page.context.close()


def test_interactive_chart_loads_on_demand_without_moving_the_page(browser, served_fixture: str) -> None:
    page, problems, requests = open_page(browser, served_fixture + "/stats/cases-2020/")
    assert not any("/plotly." in url for url in requests), "plotly.js loaded before it was asked for"
    figure = page.locator("#chart-cases-2020")
    before = figure.bounding_box()
    page.click("#chart-cases-2020 button.explore-chart")
    page.wait_for_selector("#plot-cases-2020[data-interactive='true']", timeout=20000)
    assert page.locator("#plot-cases-2020 .main-svg .bars .point").count() == 2
    labels = page.locator("#plot-cases-2020 .main-svg .bars text").all_text_contents()
    assert labels == ["about 1,350", "1,499"]
    # Every image a visitor can save carries its title and source: the chart's own snapshot button does not.
    page.hover("#plot-cases-2020 .main-svg")
    assert page.locator("#plot-cases-2020 .modebar-btn").count() > 0
    assert page.locator("#plot-cases-2020 .modebar-btn[data-title*='png' i]").count() == 0
    after = figure.bounding_box()
    assert abs(after["height"] - before["height"]) <= 2, (before, after)
    assert any("/plotly." in url for url in requests)
    assert problems == []
    page.context.close()


def test_downloads_match_the_statistics(fixture_site: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((fixture_site / "charts" / "victims-breakdown.csv").read_text())))
    assert [(r["label"], r["value"], r["as_printed"]) for r in rows] == [
        ("Girls", "50", "50%"), ("Women", "44", "44%"), ("Not specified in the source", "6", "6%")]
    assert rows[0]["sources_page"] == "https://fixture.example.org/stats/girls-share/sources/"
    assert (fixture_site / "charts" / "victims-breakdown.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (fixture_site / "charts" / "victims-breakdown.svg").read_text()
    assert svg.startswith("<svg") and "50%" in svg and "Girls" in svg


def test_pages_without_charts_load_no_plotly(browser, served_fixture: str) -> None:
    page, problems, _ = open_page(browser, served_fixture + "/sources/")
    scripts = page.evaluate("[...document.scripts].filter(s => s.src).map(s => s.src.split('/').pop().split('.')[0])")
    assert scripts == ["exit"]  # (and the data block of the scripts' words, which runs nothing)
    assert problems == []
    page.context.close()

"""Embeddable charts: a page on another origin frames /embed/<chart>/ and sees the chart; other pages refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from factsite.images.browser import launch
from factsite.publish.serve import start_server

from .conftest import ROOT
from .site_pages import file_for, parse
from .tools import serve_folder


@pytest.fixture(scope="module")
def origins(fixture_site: Path, tmp_path_factory):
    """The site on one origin, and a stranger's page on a second origin that embeds its chart."""
    site = start_server(fixture_site, ROOT / "netlify.toml")
    site_origin = f"http://127.0.0.1:{site.server_port}"
    other = tmp_path_factory.mktemp("other-origin")
    (other / "index.html").write_text(
        f'<!doctype html><title>Host</title><h1>A campaign page</h1>'
        f'<iframe id="embed" src="{site_origin}/embed/victims-breakdown/" width="700" height="560"></iframe>'
        f'<iframe id="page" src="{site_origin}/stats/cases-2020/" width="700" height="300"></iframe>'
    )
    host = serve_folder(other, host="localhost")
    yield site_origin, f"http://localhost:{host.server_port}"
    site.shutdown()
    host.shutdown()


def test_chart_embeds_on_another_origin(origins) -> None:
    site_origin, host_origin = origins
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(host_origin + "/", wait_until="networkidle")
        frame = next(f for f in page.frames if f.url.endswith("/embed/victims-breakdown/"))
        assert frame.evaluate("document.querySelector('img.chart-image').naturalWidth") > 0
        assert "Every figure with its sources" in frame.locator(".embed-source").inner_text()
        back = frame.locator(".embed-source a").get_attribute("href")
        assert back == "https://fixture.example.org/sheets/main-sheet/"
        # An ordinary page refuses to be framed (frame-ancestors 'none'): its frame stays empty.
        blocked = next(f for f in page.frames if f.url.endswith("/stats/cases-2020/") or f.url.startswith("chrome-error"))
        assert blocked.evaluate("document.querySelector('.big-figure')") is None
        browser.close()


def test_embed_code_is_offered_beside_the_chart(fixture_site: Path) -> None:
    code = parse(file_for(fixture_site, "/sheets/main-sheet/")).select_one("#embed-victims-breakdown").get_text()
    assert code.startswith('<iframe src="https://fixture.example.org/embed/victims-breakdown/"')
    assert "/embed/" not in (fixture_site / "sitemap.xml").read_text()


def test_the_embed_code_is_tall_enough_for_its_page(served_shipped: str, shipped_site: Path) -> None:
    """An iframe cannot size itself without a script: the height the code gives fits the whole embed
    page, the source line and help line included, in an article column 640 or 720 px wide."""
    import re

    declared: dict[str, int] = {}
    for page in sorted(shipped_site.glob("*/*/index.html")):
        code = parse(page).select("pre.cite-text[id^=embed-]")
        for pre in code:
            match = re.search(r'/embed/([a-z0-9-]+)/" title="[^"]*" width="100%" height="(\d+)"', pre.get_text())
            declared[match.group(1)] = int(match.group(2))
    assert len(declared) >= 6
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for width in (640, 720):
            page = browser.new_page(viewport={"width": width, "height": 400})
            for chart_id, height in declared.items():
                page.goto(f"{served_shipped}/embed/{chart_id}/", wait_until="networkidle")
                needed = page.evaluate("document.documentElement.scrollHeight")
                assert needed <= height, (chart_id, width, needed, height)
                assert page.locator(".embed-source").is_visible()
            page.close()
        browser.close()


def test_the_embed_code_sizes_the_iframe_to_its_chart(fixture_site: Path, tmp_path: Path) -> None:
    """Pasted into a page as offered, the code lets the chart set its iframe's height: in a phone's
    column the iframe is exactly as tall as the embed page, the source line inside it. Messages
    from another origin are ignored."""
    site = start_server(fixture_site, ROOT / "netlify.toml")
    site_origin = f"http://127.0.0.1:{site.server_port}"
    code = parse(file_for(fixture_site, "/sheets/main-sheet/")).select_one("#embed-victims-breakdown").get_text()
    # As deployed, the code names the site's own address; here the site is served locally.
    code = code.replace("https://fixture.example.org", site_origin)
    fallback = int(code.split('height="')[1].split('"')[0])
    host = tmp_path / "host"
    host.mkdir()
    (host / "index.html").write_text(f'<!doctype html><meta name="viewport" content="width=device-width">'
                                     f'<title>Host</title><div style="width:300px">{code}</div>'
                                     '<iframe id="stranger" src="/other.html" width="300" height="100"></iframe>')
    (host / "other.html").write_text('<script>parent.postMessage({factsiteEmbedHeight: 9}, "*")</script>')
    server = serve_folder(host, host="localhost")
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": 360, "height": 740})
            page.goto(f"http://localhost:{server.server_port}/", wait_until="networkidle")
            frame = next(f for f in page.frames if "/embed/" in f.url)
            needed = frame.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
            page.wait_for_function("h => Math.abs(document.querySelector('iframe[data-factsite-embed]').offsetHeight - h) <= 1",
                                   arg=needed, timeout=5000)
            assert abs(needed - fallback) > 1  # the iframe changed: it was the chart that sized it
            source = frame.locator(".embed-source").bounding_box()
            iframe = page.locator("iframe[data-factsite-embed]").bounding_box()
            assert source["y"] + source["height"] <= iframe["y"] + iframe["height"]
            # Another origin's message resizes nothing: not its own frame, nor the chart's.
            assert page.locator("#stranger").evaluate("f => f.style.height") == ""
            assert page.locator("iframe[data-factsite-embed]").evaluate("f => f.offsetHeight") > 9
            browser.close()
    finally:
        site.shutdown()
        server.shutdown()

"""Static search: works in Chromium under the CSP, by keyboard, and weighs little until the visitor types."""

from __future__ import annotations

import hashlib
from pathlib import Path

from playwright.sync_api import sync_playwright

from factsite.browser import launch
from factsite.search import KEEP_INDEXES, SearchIndex
from factsite.write import MemorySite


def test_find_a_statistic_by_keyboard(served_shipped: str) -> None:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        loaded: list[int] = []
        page.on("requestfinished", lambda r: loaded.append(r.sizes()["responseBodySize"]))
        page.goto(served_shipped + "/search/", wait_until="networkidle")
        before_typing = sum(loaded)
        assert before_typing < 100_000, before_typing
        page.focus("#search-input")
        page.keyboard.type("WeChat")
        page.wait_for_selector("#search-results li a", timeout=15000)
        hrefs = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.getAttribute('href'))")
        assert "/stats/wechat-share-adult-social-media-recruitment/" in hrefs
        assert "result" in page.inner_text("#search-status")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('#search-results') !== null")
        page.keyboard.press("Enter")
        page.wait_for_url("**/stats/**")
        assert problems == []
        browser.close()


def test_only_what_describes_a_figure_is_indexed(served_shipped: str) -> None:
    """Share buttons, downloads and embed code are on every page: searching their words finds nothing."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(served_shipped + "/search/", wait_until="networkidle")
        for words, expected in [("Bluesky", 0), ("Telegram", 0), ("iframe", 0), ("embed", 0), ("PDF", 0), ("Snapchat", 1)]:
            page.fill("#search-input", words)
            page.wait_for_function("query => document.getElementById('search-status').textContent.includes(query)", arg=words)
            found = page.eval_on_selector_all("#search-results li a", "links => links.length")
            assert (found > 0) == bool(expected), (words, found)
        browser.close()


def _indexed(site: MemorySite, text: str) -> dict[str, bytes]:
    html = f'<!doctype html><html lang="en"><head><title>{text}</title></head><body><main data-pagefind-body><h1>{text}</h1></main></body></html>'
    site.add("stats/a/index.html", html.encode())
    return {"stats/a/index.html": hashlib.sha256(html.encode()).digest()}


def test_unchanged_pages_reuse_the_stored_index(tmp_path: Path) -> None:
    site = MemorySite()
    digests = _indexed(site, "Cases filed")
    with SearchIndex(tmp_path) as search:
        search.start(digests, site)
        first = {name: path.read_bytes() for name, path in search.finish().items()}
    assert "pagefind/pagefind-entry.json" in first and not any("pagefind-ui" in name for name in first)
    with SearchIndex(tmp_path) as search:
        search.start(digests, site)
        assert search._process is None  # nothing to index
        assert {name: path.read_bytes() for name, path in search.finish().items()} == first
    for text in ["Victims", "Defendants", "Sentences"]:  # older indexes are pruned
        other = MemorySite()
        with SearchIndex(tmp_path) as search:
            search.start(_indexed(other, text), other)
            search.finish()
    assert len(list((tmp_path / "search").iterdir())) == KEEP_INDEXES

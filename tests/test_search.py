"""Static search: works in Chromium under the CSP, by keyboard, and weighs little until the visitor types."""

from __future__ import annotations


from playwright.sync_api import sync_playwright

from factsite.browser import launch



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

"""Safe for the people it is about: quick exit, no trace beyond the visit, help within reach."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .site_pages import html_pages, parse

NEUTRAL_SITE = "https://www.weather.gov/"

PAGE_TYPES = ["/", "/sheets/main-sheet/", "/stats/cases-2020/", "/stats/cases-2020/sources/", "/sources/",
              "/methodology/", "/help/", "/privacy/", "/no-such-page/"]


def left_for_the_neutral_site(page, timeout_ms: float = 5000) -> bool:
    """Whether the page goes to the neutral site within the timeout (the exit is immediate)."""
    try:
        page.wait_for_url(NEUTRAL_SITE, timeout=timeout_ms)
    except PlaywrightTimeout:
        return False
    return True


def _context_with_neutral_site(browser):
    """Requests to the neutral exit site are answered locally: tests never touch the network."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    context.route(NEUTRAL_SITE + "**", lambda route: route.fulfill(status=200, body="<title>Weather</title>", content_type="text/html"))
    return context


def test_exit_button_leaves_and_back_does_not_return(browser, served_fixture: str) -> None:
    context = _context_with_neutral_site(browser)
    page = context.new_page()
    page.goto(served_fixture + "/")
    page.goto(served_fixture + "/stats/cases-2020/")
    page.tap("a.quick-exit")
    assert left_for_the_neutral_site(page), f"tapping Exit did not leave: still on {page.url}"
    page.go_back()
    assert page.url == served_fixture + "/", "Back returned to the page that was left"
    context.close()


def test_shift_three_times_leaves(browser, served_fixture: str) -> None:
    context = _context_with_neutral_site(browser)
    page = context.new_page()
    page.goto(served_fixture + "/sheets/main-sheet/")
    for _ in range(3):
        page.keyboard.press("Shift")
    assert left_for_the_neutral_site(page), f"three Shift presses did not leave: still on {page.url}"
    context.close()


def test_typing_capitals_in_search_never_leaves_the_page(browser, served_fixture: str) -> None:
    """Shift held for each capital of "New York City", at typing speed, is not three Shift presses:
    any other key starts the count again (GOV.UK's Exit this page does the same)."""
    context = _context_with_neutral_site(browser)
    page = context.new_page()
    page.goto(served_fixture + "/search/")
    page.click("#search-input")
    page.keyboard.type("New York City", delay=120)  # Playwright holds Shift for each capital
    for word in ("New ", "York ", "City"):  # and again, pressing Shift down and up around each capital
        page.keyboard.down("Shift")
        page.keyboard.press(word[0])
        page.keyboard.up("Shift")
        page.keyboard.type(word[1:], delay=60)
    page.wait_for_timeout(300)
    assert page.url == served_fixture + "/search/"
    assert page.input_value("#search-input") == "New York CityNew York City"
    # Two presses, then another key: the count starts again, and a screen reader hears each step.
    page.keyboard.press("Shift")
    assert "2 more times" in page.text_content(".quick-exit-status")
    page.keyboard.press("Shift")
    assert "1 more time" in page.text_content(".quick-exit-status")
    page.keyboard.press("a")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert page.url == served_fixture + "/search/"
    assert page.evaluate("document.querySelectorAll('.quick-exit-dots .on').length") == 1
    context.close()


def test_exit_is_the_first_thing_reached_by_keyboard(browser, served_fixture: str) -> None:
    page = browser.new_page()
    page.goto(served_fixture + "/stats/cases-2020/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "quick-exit"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.close()


def test_without_script_exit_is_a_plain_link(fixture_site: Path) -> None:
    # Embedded charts are excluded: they sit inside another site's page, which an exit must not hijack.
    for page in [p for p in html_pages(fixture_site) if "embed" not in p.parts]:
        link = parse(page).select_one("a.quick-exit")
        assert link["href"] == NEUTRAL_SITE and "noreferrer" in link["rel"]


def test_no_request_elsewhere_no_cookie_no_storage(browser, served_fixture: str) -> None:
    context = browser.new_context()
    origins = set()
    context.on("request", lambda request: origins.add(re.match(r"^[a-z]+://[^/]+", request.url).group(0)))
    page = context.new_page()
    for path in PAGE_TYPES:
        page.goto(served_fixture + path, wait_until="networkidle")
        storage = page.evaluate("[localStorage.length, sessionStorage.length, document.cookie]")
        assert storage == [0, 0, ""], path
    assert origins == {served_fixture}
    assert context.cookies() == []
    context.close()


def test_help_links_are_valid_tel_and_sms_links(fixture_site: Path) -> None:
    soup = parse(fixture_site / "help" / "index.html")
    hrefs = [a["href"] for a in soup.select("a[href^='tel:'], a[href^='sms:']")]
    assert "tel:18883737888" in hrefs and "sms:233733" in hrefs and "tel:911" in hrefs
    for href in hrefs:
        assert re.fullmatch(r"(tel|sms):\+?\d+", href), href


def test_screen_reader_meets_the_exit_and_the_help_line_first(browser, served_fixture: str) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(served_fixture + "/stats/cases-2020/")
    tree = page.locator("body").aria_snapshot().splitlines()
    top_level = [line for line in tree if line.startswith("- ")]
    assert top_level[0].startswith('- link "Exit this page')
    assert top_level[1] == '- link "Skip to content":'
    assert top_level[2] == '- complementary "Help line":'
    page.close()

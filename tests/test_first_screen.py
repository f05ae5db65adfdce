"""A phone's first screen (360x740) carries a figure: a compact header, then the content.

Measured in headless Chromium on the shipped site, the way a visitor sees it: the top of the first
figure (a statistic's big figure, a figure card, a chart) must lie within the first screen of the home
page, every fact sheet and statistic pages, in English and in Spanish, and the site's
furniture (quick exit, help line, header) must leave most of that screen to the page.
"""

from __future__ import annotations

from .site_pages import html_pages, url_of

PHONE = {"width": 360, "height": 740}
FIRST_FIGURE = ".big-figure, .stat-card-figure, .chart-frame"  # a figure, a figure card, or a chart of figures


def measure(browser, url: str) -> dict[str, float]:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(url, wait_until="load")
    result = page.evaluate("""(selector) => {
        const figure = document.querySelector(selector);
        const header = document.querySelector('.site-header');
        return {figure: figure ? figure.getBoundingClientRect().top : Infinity,
                furniture: header.getBoundingClientRect().bottom};
    }""", FIRST_FIGURE)
    context.close()
    return result


def first_screen_pages(shipped_site) -> list[str]:
    """The home page, every fact sheet and three statistics, in each language (Spanish words are longer)."""
    urls = [url_of(shipped_site, page) for page in html_pages(shipped_site)]
    pages = []
    for prefix in ("/", "/es/"):
        stats = sorted(url for url in urls if url.startswith(prefix + "stats/") and not url.endswith("/sources/"))
        sheets = sorted(url for url in urls if url.startswith(prefix + "sheets/"))
        pages += [prefix, *sheets, *stats[:3]]
    return pages


def test_the_first_phone_screen_carries_a_figure(browser, served_shipped: str, shipped_site) -> None:
    late = {}
    for path in first_screen_pages(shipped_site):
        measured = measure(browser, served_shipped + path)
        if measured["furniture"] > 0.3 * PHONE["height"] or measured["figure"] >= PHONE["height"] - 60:
            late[path] = measured
    assert not late, f"header end or first figure too low at 360x740 (px): {late}"

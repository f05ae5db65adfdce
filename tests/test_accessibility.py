"""Accessibility in a real browser: axe-core on every page type at phone and desktop width, and keyboard use.

axe-core (npm, pinned) is injected into each page as the W3C's ACT rules are run by most audits: zero
violations of WCAG 2.1 level A and AA. The site's Content-Security-Policy would refuse the injected
script, so these contexts bypass CSP; test_csp.py checks the policy itself.
"""

from __future__ import annotations


import pytest


from .site_pages import PAGE_TYPES, SEARCH_QUERY, search_and_wait
from .tools import AXE_JS, need_file, report

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = [360, 1280]


def axe_violations(page) -> list[str]:
    """Run axe-core in the page; one line per violation and element."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(need_file(AXE_JS)))  # (contexts made by axe_context have it already)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_21_AA)
    return [f"{v['id']} ({v['impact']}): {v['help']}: {' '.join(map(str, node['target']))}"
            for v in result["violations"] for node in v["nodes"]]


def axe_context(browser, width: int):
    """A browser context whose every page has axe-core loaded (an init script: injected once, not per page)."""
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    context.add_init_script(path=str(need_file(AXE_JS)))
    return context


def open_page(context, url: str, expect_status: int, page=None):
    page = page or context.new_page()
    response = page.goto(url, wait_until="load")
    assert response.status == expect_status, url
    return page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("site_name", ["shipped_site", "fixture_site"])
def test_every_page_type_has_no_wcag_violation(browser, served: dict, site_name: str, width: int) -> None:
    context = axe_context(browser, width)
    found: dict[str, list[str]] = {}
    checked = 0
    page = context.new_page()
    for kind, path in PAGE_TYPES[site_name].items():
        open_page(context, served[site_name] + path, 404 if kind == "404" else 200, page)
        found[f"{kind} {path}"] = axe_violations(page)
        checked += 1
        if kind == "search":
            search_and_wait(page, SEARCH_QUERY[site_name])
            found[f"{kind} {path}, with results"] = axe_violations(page)
            checked += 1
        # Then with every <details> open (the chart tables) and every chart made interactive.
        buttons = page.locator("button.explore-chart")
        if page.locator("details").count() or buttons.count():
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            for button in buttons.all():
                button.click()
            if buttons.count():
                page.wait_for_function(
                    "[...document.querySelectorAll('.chart-frame')].every(f => f.dataset.interactive === 'true')", timeout=30000)
            found[f"{kind} {path}, tables open, charts interactive"] = axe_violations(page)
            checked += 1
    context.close()
    assert {k: v for k, v in found.items() if v} == {}
    report("accessibility", f"{site_name} at {width} px: axe-core (WCAG 2.1 A and AA) on {len(PAGE_TYPES[site_name])} "
                            f"page types, {checked} page states: 0 violations")


def test_axe_finds_planted_violations(browser, served: dict) -> None:
    """The gate above can fail: an image without a text alternative and grey-on-white text are found."""
    context = axe_context(browser, 360)
    page = open_page(context, served["fixture_site"] + "/privacy/", 200)
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<img src="/charts/victims-breakdown.png">');
        main.insertAdjacentHTML('beforeend', '<p style="color:#bbb;background:#fff">Hard to read</p>');
    }""")
    found = " ".join(axe_violations(page))
    assert "image-alt" in found and "color-contrast" in found, found
    context.close()


# --- Keyboard alone ----------------------------------------------------------------------------

FOCUS_STATE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    // A link that wraps has a box per line: it is unobscured if the middle of one of them shows it.
    const shows = r => { const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                         return hit !== null && (hit === el || el.contains(hit)); };
    return {
        tag: el.tagName.toLowerCase(), cls: el.className, text: el.textContent.trim().replace(/\\s+/g, ' '),
        href: el.getAttribute('href'), download: el.hasAttribute('download'),
        outline: [style.outlineStyle, parseFloat(style.outlineWidth)], boxShadow: style.boxShadow,
        inViewport: box.width > 0 && box.height > 0 && box.top >= -1 && box.bottom <= innerHeight + 1 && box.left >= -1 && box.right <= innerWidth + 1,
        unobscured: [...el.getClientRects()].some(shows),
    };
}"""


def has_focus_indicator(state: dict) -> bool:
    style, width = state["outline"]
    return (style != "none" and width >= 2) or state["boxShadow"] != "none"


@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_reaches_the_sources_link_and_chart_controls_with_visible_focus(browser, served: dict, width: int) -> None:
    """Tab through a statistic page with a chart: every stop shows a focus indicator, is on screen and not under
    the sticky exit bar; the stops include the sources link, "Explore this chart" and each download link."""
    path = PAGE_TYPES["fixture_site"]["statistic with a chart"]
    context = browser.new_context(viewport={"width": width, "height": 740})
    page = open_page(context, served["fixture_site"] + path, 200)
    stops: list[dict] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None or (stops and state == stops[0]):
            break
        stops.append(state)
    names = [f"{s['tag']}.{s['cls']} {s['text'][:40]!r}" for s in stops]
    assert len(stops) > 10, names
    bad = [f"{name}: {problem}" for name, s in zip(names, stops) for problem, failed in (
        ("no visible focus indicator", not has_focus_indicator(s)),
        ("not scrolled into view", not s["inViewport"]),
        ("hidden under another element", not s["unobscured"])) if failed]
    assert bad == []
    sources = [s for s in stops if s["href"] == f"{path}sources/" and "Where this figure comes from" in s["text"]]
    explore = [s for s in stops if s["tag"] == "button" and "explore-chart" in s["cls"] and s["text"] == "Explore this chart"]
    downloads = {s["text"].split()[0] for s in stops if s["download"]}
    assert sources, names
    assert explore, names
    assert {"PNG", "SVG", "Data"} <= downloads, names
    # The indicator comes from focus, not from a border every link has anyway.
    page.evaluate("document.activeElement.blur()")
    assert page.evaluate("getComputedStyle(document.querySelector('button.explore-chart')).outlineStyle") == "none"
    # And the button works from the keyboard: Enter on it draws the interactive chart.
    page.focus("button.explore-chart")
    page.keyboard.press("Enter")
    page.wait_for_selector(".chart-frame[data-interactive='true']", timeout=30000)
    context.close()
    report("keyboard", f"{path} at {width} px: {len(stops)} tab stops, each with a visible focus indicator; "
                       "reached the sources link, Explore this chart and the PNG, SVG and CSV downloads")

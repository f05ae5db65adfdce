"""The Content-Security-Policy of netlify.toml, enforced by a real Chromium: no page type breaks it.

factsite/serve.py sends netlify.toml's headers, so the pages are loaded under the very policy Netlify
sends. An init script (run before any page script, and not subject to the policy) records every
`securitypolicyviolation` event; console errors and warnings, page errors and failed requests are
collected too. Charts are also made interactive, since that loads plotly.js, which draws with styles.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from factsite.publish.serve import headers_for, netlify_headers

from .conftest import ROOT
from .site_pages import PAGE_TYPES, SEARCH_QUERY, search_and_wait
from .tools import report

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', event => {
    window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || '(inline)'} `
                                + `at ${event.sourceFile || '?'}:${event.lineNumber}`);
});
"""


def netlify_policy(path: str = "/") -> str:
    """The policy netlify.toml gives `path` (every page has one; embeddable charts their own)."""
    policy = headers_for(path, netlify_headers(ROOT / "netlify.toml")).get("Content-Security-Policy")
    assert policy, f"netlify.toml gives {path} no Content-Security-Policy"
    return policy


def watched_page(browser):
    """A page whose CSP violations, console errors and warnings, script errors and failed requests are kept."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    context.add_init_script(RECORD_VIOLATIONS)
    # Never the network: anything not on this machine is refused (and so reported as a failed request).
    context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/])"), lambda route: route.abort())
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text} ({m.location.get('url')})")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    return page, problems


def test_server_sends_the_policy_of_netlify_toml(served: dict) -> None:
    policy = netlify_policy()
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    for path in ("/", "/assets/", "/no-such-page/"):
        try:
            response = urllib.request.urlopen(served["fixture_site"] + path)
        except urllib.error.HTTPError as error:  # the 404 page comes with the same headers
            response = error
        assert response.headers["Content-Security-Policy"] == policy, path


@pytest.mark.parametrize("site_name", ["shipped_site", "fixture_site"])
def test_no_page_type_violates_the_policy(browser, served: dict, site_name: str) -> None:
    page, problems = watched_page(browser)
    found: dict[str, list[str]] = {}
    interactive = 0
    for kind, path in PAGE_TYPES[site_name].items():
        problems.clear()
        response = page.goto(served[site_name] + path, wait_until="networkidle")
        assert response.headers["content-security-policy"] == netlify_policy(path), path
        assert response.status == (404 if kind == "404" else 200), path
        if kind == "search":
            search_and_wait(page, SEARCH_QUERY[site_name])
        for button in page.locator("button.explore-chart").all():
            button.click()
            # (wait_for_function would evaluate a string, which the policy rightly refuses)
            page.wait_for_selector(f"#{button.get_attribute('data-target')}[data-interactive='true']", timeout=30000)
            interactive += 1
        if kind == "404":  # the browser logs the page's own status; nothing else may be logged
            own = f"console error: Failed to load resource: the server responded with a status of 404 (Not Found) ({response.url})"
            assert own in problems, problems
            problems.remove(own)
        found[f"{kind} {path}"] = page.evaluate("window.__cspViolations") + problems
    page.context.close()
    assert {k: v for k, v in found.items() if v} == {}
    assert interactive > 0
    report("csp", f"{site_name}: {len(found)} page types (and {interactive} charts made interactive) under netlify.toml's "
                  "policy: 0 violations, 0 console errors")


def test_a_violation_would_be_seen(browser, served: dict) -> None:
    """The gate above can fail: an inline script and an image from elsewhere are refused, and both are recorded."""
    page, problems = watched_page(browser)
    page.goto(served["fixture_site"] + "/privacy/", wait_until="networkidle")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true';
        document.body.append(script);
        const img = document.createElement('img');
        img.src = 'https://elsewhere.example/pixel.png';
        img.alt = '';
        document.body.append(img);
    }""")
    for _ in range(50):
        violations = page.evaluate("window.__cspViolations")
        if len(violations) >= 2:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.inlineRan") is None
    assert any(v.startswith("script-src-elem blocked (inline)") or v.startswith("script-src-elem blocked inline") for v in violations), violations
    assert any(v.startswith("img-src blocked https://elsewhere.example/pixel.png") for v in violations), violations
    assert any("Content Security Policy" in p for p in problems), problems
    page.context.close()

"""Every generated page passes the Nu HTML Checker (the W3C validator, vnu.jar, run locally on Java).

The checker takes seconds to start, so it runs once, over every page of both built sites plus one page
that is invalid on purpose (proof that the run reports errors and that they are read per file).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from .site_pages import html_pages
from .tools import VNU_JAR, need_file, need_program, report

INVALID_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Invalid on purpose</title></head>
<body>
<p id="twice">One</p><p id="twice">Two</p>
<img src="/charts/x.svg">
<a href="/"><a href="/sources/">nested links</a></a>
</body>
</html>
"""
INVALID_PAGE_ERRORS = ("Duplicate ID", "must have an “alt” attribute", "Start tag “a” seen but an element of the same type was already open")


@pytest.fixture(scope="module")
def checked(shipped_site: Path, fixture_site: Path, tmp_path_factory) -> dict:
    """One run of the checker: {"pages": {site name: [pages]}, "errors": {file: [messages]}, "warnings": {...}}."""
    java = need_program("java", "default-jre-headless")
    jar = need_file(VNU_JAR)
    invalid = tmp_path_factory.mktemp("invalid") / "invalid.html"
    invalid.write_text(INVALID_PAGE, encoding="utf-8")
    pages = {"shipped_site": html_pages(shipped_site), "fixture_site": html_pages(fixture_site)}
    files = [*pages["shipped_site"], *pages["fixture_site"], invalid]
    result = subprocess.run([java, "-jar", str(jar), "--format", "json", "--stdout", *map(str, files)],
                            capture_output=True, text=True, timeout=600)
    try:
        messages = json.loads(result.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"the checker did not run (exit {result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    errors: dict[Path, list[str]] = {}
    warnings: dict[Path, list[str]] = {}
    for message in messages:
        path = Path(unquote(urlparse(message.get("url", "")).path)) if message.get("url") else None
        text = f"line {message.get('lastLine', '?')}: {message.get('message', '')}"
        if message["type"] in ("error", "non-document-error"):
            errors.setdefault(path, []).append(text)
        elif message.get("subType") == "warning":
            warnings.setdefault(path, []).append(text)
    return {"pages": pages, "errors": errors, "warnings": warnings, "invalid": invalid, "exit": result.returncode}


def test_checker_reports_errors_in_an_invalid_page(checked: dict) -> None:
    errors = checked["errors"].get(checked["invalid"], [])
    for expected in INVALID_PAGE_ERRORS:
        assert any(expected in message for message in errors), (expected, errors)
    assert checked["exit"] != 0


@pytest.mark.parametrize("site_name", ["shipped_site", "fixture_site"])
def test_every_page_is_valid_html(checked: dict, site_name: str, request) -> None:
    site = request.getfixturevalue(site_name)
    pages = checked["pages"][site_name]
    assert len(pages) > 5
    invalid = {page.relative_to(site).as_posix(): checked["errors"][page] for page in pages if page in checked["errors"]}
    assert invalid == {}, "\n".join(f"{page}: {m}" for page, messages in invalid.items() for m in messages)
    unexpected = set(checked["errors"]) - set(checked["pages"]["shipped_site"]) - set(checked["pages"]["fixture_site"]) - {checked["invalid"]}
    assert not unexpected, {str(path): checked["errors"][path] for path in unexpected}
    warned = sum(len(checked["warnings"].get(page, [])) for page in pages)
    report("html", f"{site_name}: {len(pages)} pages checked by the Nu HTML Checker: 0 errors, {warned} warnings")

"""Property-based tests (Hypothesis): text is always shown as text, and no slug or URL can leave site/.

Example-based tests show that the escaping works for the hostile strings someone thought of; these
generate thousands of strings (markup fragments, quotes, ampersands, entities, any Unicode) and
check the rules hold for all of them.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from factsite.web import urls
from factsite.content.load import load_content
from factsite.content.markdown_safe import ALLOWED_SCHEMES, ALLOWED_TAGS, render_markdown
from factsite.content.model import Statistic, check_slug
from factsite.pipeline import render_in_memory
from factsite.content.validate import validate

from .conftest import GOOD

# Pieces that markup, entities, template syntax and URL tricks are made of, mixed with any text.
FRAGMENTS = ["<", ">", "&", '"', "'", "</p>", "<script>", "</script>", "<img src=x onerror=alert(1)>", "&amp;", "&lt;",
             "&#60;", "&#x3C;", "<!--", "-->", "<![CDATA[", "]]>", "{{ 7*7 }}", "{% raw %}", "${x}", "\\", "javascript:",
             "<a href='javascript:alert(1)'>", "<svg onload=alert(1)>", "\u2028", "\u00a0", "\u200d", "\ufeff", "\n", " "]
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
TEXT = st.lists(st.one_of(ANY_TEXT, st.sampled_from(FRAGMENTS)), min_size=1, max_size=12).map("".join)

SLUG_OK = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@pytest.fixture(scope="module")
def content():
    result, problems = validate(load_content(GOOD))
    assert result is not None, problems
    return result


def render_with(content, slug: str, **changes) -> dict[str, BeautifulSoup]:
    """The fixture site, rendered (draft: no images) with one statistic changed; its two pages, parsed."""
    data = content.stats[slug].model_dump()
    for key, value in changes.items():
        if key == "quote":
            data["citations"][0]["quote"] = value
        else:
            data[key] = value
    stat = Statistic.model_validate(data)
    changed = dataclasses.replace(content, stats={**content.stats, slug: stat})
    base_url = "https://fixture.example.org"
    files = render_in_memory(changed, base_url, draft=True)
    # Python's own HTML parser: it keeps every character as the browser would (lxml drops some).
    return {name: BeautifulSoup(files[urls.output_path(url)].decode("utf-8"), "html.parser")
            for name, url in (("stat", urls.stat(slug)), ("sources", urls.stat_sources(slug)))}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT.filter(lambda t: "{figure" not in t and t.strip()))
@example(text='<script>alert("x")</script>')
@example(text="&lt;b&gt; is not <b>")
def test_any_text_in_a_sentence_is_shown_as_that_text(content, text: str) -> None:
    sentence = f"{text} {{figure}}"
    pages = render_with(content, "cases-rise", sentence=sentence)
    expected = sentence.strip().replace("{figure}", "11%")
    for name in ("stat", "sources"):
        shown = pages[name].select_one("p.sentence")
        assert shown.get_text() == expected, name
        assert [(tag.name, tag.get("class")) for tag in shown.find_all(True)] == [("a", ["figure"])], name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT.filter(lambda t: t.strip()))
@example(text="</p></blockquote><script>alert(1)</script>")
def test_any_text_in_a_quote_is_shown_as_that_text(content, text: str) -> None:
    quote = f"{text} 11 percent."
    pages = render_with(content, "cases-rise", quote=quote)
    shown = pages["sources"].select_one("ol.citations blockquote.quote p")
    assert shown.get_text() == quote.strip()
    assert shown.find_all(True) == []


MARKDOWN = st.lists(st.one_of(ANY_TEXT, st.sampled_from(FRAGMENTS + [
    "[a](", ")", "](javascript:alert(1))", "[x](data:text/html,<script>alert(1)</script>)", "<a href=\"JaVaScRiPt:x\">",
    "<a href=\"jav&#x61;script:x\">", "<a href=\"vbscript:x\">", "<a href=\"https://example.org\" onclick=\"x\">",
    "<iframe src=x>", "<style>*{}</style>", "<form action=x>", "\n\n", "*", "`", "# ", "> ", "<b style=\"x\">",
])), max_size=15).map("".join)


@settings(max_examples=1000, deadline=None)
@given(text=MARKDOWN)
@example(text="[click](javascript:alert(1)) <img src=x onerror=alert(1)> <script>alert(1)</script>")
def test_author_markdown_never_yields_script_or_unsafe_links(text: str) -> None:
    soup = BeautifulSoup(str(render_markdown(text)), "html.parser")
    for tag in soup.find_all(True):
        assert tag.name in ALLOWED_TAGS, tag
        assert set(tag.attrs) <= {"href", "title", "rel"}, tag
        if tag.name == "a" and tag.get("href"):
            scheme = urlparse(tag["href"].strip()).scheme.lower()
            assert scheme in ALLOWED_SCHEMES or scheme == "", tag


# --- Slugs and addresses never leave site/ ----------------------------------------------------------

SITE = Path("/srv/site")  # never written: paths are resolved as text
PATHLIKE = st.lists(st.one_of(st.sampled_from(["/", ".", "..", "\\", "%2e", "%2f", "~", "a", "-", "b1", "\x00", " ", "\n",
                                               "index.html", "\u2024", "\uff0e", "\uff0f", "\u2215"]),
                              st.text(max_size=3)), max_size=12).map("".join)


def inside_site(relative: str) -> bool:
    """Within site/ (site/ itself included: "/." names the folder, which write.py refuses to write as a file)."""
    target = (SITE / relative).resolve()
    return (target == SITE or SITE in target.parents) and not PurePosixPath(relative).is_absolute()


@settings(max_examples=500, deadline=None)
@given(slug=st.one_of(PATHLIKE, st.from_regex(SLUG_OK, fullmatch=True), st.text()))
@example(slug="../../etc/evil")
@example(slug="c\u0430ses")  # Cyrillic a
@example(slug="\uff43ases")  # fullwidth c
def test_a_slug_that_passes_the_check_stays_inside_site(slug: str) -> None:
    try:
        accepted = check_slug(slug)
    except ValueError:
        return
    assert accepted.isascii() and not set(accepted) & set("/\\.%~ \x00") and 0 < len(accepted.strip()) <= 80
    for url in (urls.stat(accepted), urls.stat_sources(accepted), urls.sheet(accepted), urls.sheet_pdf(accepted, "a4"),
                urls.chart_file(accepted, "wide", "svg"), urls.chart_file(accepted, "narrow", "svg")):
        relative = urls.output_path(url)
        assert inside_site(relative), (slug, url, relative)


@settings(max_examples=1000, deadline=None)
@given(url=st.one_of(PATHLIKE, PATHLIKE.map(lambda p: "/" + p), st.text().map(lambda t: "/" + t)))
@example(url="/../etc/passwd")
@example(url="/stats/../../x/")
@example(url="/..")
@example(url="//etc/passwd")
def test_output_path_never_leaves_site(url: str) -> None:
    try:
        relative = urls.output_path(url)
    except urls.UnsafePath:
        return
    assert inside_site(relative), (url, relative)
    assert ".." not in PurePosixPath(relative).parts


PLAIN_SEGMENT = st.from_regex(r"[a-z0-9-]{1,6}", fullmatch=True) | st.sampled_from([".", "..", "", "A", "a\n", "es"])


@settings(max_examples=1000, deadline=None)
@given(url=st.one_of(st.tuples(st.lists(PLAIN_SEGMENT, max_size=4), st.sampled_from(["", "x.json", "a-b.c", "x..y", ".a", "a."]))
                     .map(lambda parts: "/" + "".join(p + "/" for p in parts[0]) + parts[1]),
                     PATHLIKE.map(lambda p: "/" + p)))
@example(url="/")
@example(url="/a//")
@example(url="/a-/")
@example(url="/data/statistics/x.json")
@example(url="/a/..")
def test_the_shortcut_for_plain_addresses_gives_what_normalising_gives(url: str) -> None:
    """output_path skips normpath for an address of plain segments: the same file, or the same refusal."""
    try:
        expected = urls.checked_output_path(url)
    except urls.UnsafePath:
        with pytest.raises(urls.UnsafePath):
            urls.output_path(url)
        return
    assert urls.output_path(url) == expected


def test_check_slug_refuses_a_trailing_newline() -> None:
    with pytest.raises(ValueError):
        check_slug("cases-rise\n")


# --- Faster writers give the bytes of the ones they replace -------------------------------------------


@settings(max_examples=1000, deadline=None)
@given(text=st.text())
@example(text="\x00 %41 é \u2028 😀 _.-~ /?&=#+")
def test_share_links_are_percent_encoded_as_quote_would(text: str) -> None:
    from urllib.parse import quote

    from factsite.web.meta import percent_encoded

    assert percent_encoded(text) == quote(text, safe="")


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                           max_leaves=12)


@settings(max_examples=500, deadline=None)
@given(items=st.lists(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6), max_size=3))
@example(items=[{"note": "\x00\x1f\x7f \u2028 \"\\ é 😀 </script>", "issued": {"date-parts": [[2024, 1, 5]]}, "e": [], "d": {}}])
def test_csl_json_is_what_the_json_module_writes(items: list[dict]) -> None:
    import json

    from factsite.web.cite import csl_json

    assert csl_json(items) == json.dumps(items, indent=2, ensure_ascii=False, sort_keys=True)

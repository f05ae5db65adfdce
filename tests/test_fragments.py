"""Links that open a source at its quoted passage (URL text fragments), and the PDF page form."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from factsite.web.fragments import passage_url, text_directive

from .site_pages import parse


@pytest.mark.parametrize("quote, expected", [
    ("Cases rose 11 percent.", "text=Cases%20rose%2011%20percent"),
    # A comma, a dash and an ampersand would end or split a term: all are encoded.
    ("Last year, there were 579 active prosecutions and 200 civil suits.",
     "text=Last%20year%2C%20there%20were,and%20200%20civil%20suits"),
    ("in 41 percent of active cases in 2020 - a rising trend since 2000",
     "text=in%2041%20percent%20of,rising%20trend%20since%202000"),
    ("Safety groups & anti-trafficking organizations",
     "text=Safety%20groups%20%26%20anti%2Dtrafficking%20organizations"),
    # Curly quotes around a quotation are the sentence's, not the passage's; inside, they stay.
    ("\u201cOf the 1499 victims identified in last year\u2019s active cases, 50% were girls.\u201d",
     "text=Of%20the%201499%20victims,cases%2C%2050%25%20were%20girls"),
    ("Ni\u00f1os y ni\u00f1as: m\u00e1s de la mitad", "text=Ni%C3%B1os%20y%20ni%C3%B1as%3A%20m%C3%A1s%20de%20la%20mitad"),
])
def test_a_quote_becomes_a_text_directive(quote: str, expected: str) -> None:
    assert text_directive(quote) == expected
    for term in expected.removeprefix("text=").split(","):
        assert "-" not in term and "&" not in term and " " not in term


def test_nothing_to_match_gives_the_plain_address() -> None:
    assert text_directive("\u201c...\u201d") is None
    assert passage_url("https://example.org/a#top", "\u201c\u201d") == "https://example.org/a"
    assert passage_url(None, "Cases rose 11 percent.") is None


def test_a_pdf_with_a_page_locator_opens_at_the_page() -> None:
    assert passage_url("https://example.org/report.pdf", "Cases rose 11 percent.", "page 12, table 3") == \
        "https://example.org/report.pdf#page=12"
    assert passage_url("https://example.org/report.pdf", "Cases rose.", "Executive summary").startswith(
        "https://example.org/report.pdf#:~:text=")


def decoded_terms(url: str) -> list[str]:
    """The terms of a URL's text directive, decoded: what the link will highlight."""
    fragment = url.partition("#:~:")[2]
    return [unquote(term) for term in fragment.removeprefix("text=").split(",")] if fragment.startswith("text=") else []


def _normalised(text: str) -> str:
    return " ".join(text.split())


def test_every_citation_opens_its_page_at_the_quoted_words(shipped_site: Path) -> None:
    """On every sources page, each passage's link goes to the page that holds it (the coverage it was read
    in, when there is one), and what it highlights is the start and the end of the quote itself."""
    checked = 0
    for page in sorted((shipped_site / "stats").glob("*/sources/index.html")):
        soup = parse(page)
        for item in soup.select("ol.citations li.citation"):
            quote = _normalised(item.select_one("blockquote").get_text())
            link = item.select_one(".passage-link a.passage")
            if link is None:  # read in a copy with no address: nothing to open, and the page says so
                assert "No link to this passage" in item.get_text(), page
                continue
            url = link["href"]
            terms = decoded_terms(url)
            assert terms, url
            assert quote.strip("\u201c\u201d\"'").startswith(terms[0]), (page, terms[0], quote)
            assert len(terms) == 1 or quote.rstrip(".,;:\u201d\"' ").endswith(terms[-1]), (page, terms[-1], quote)
            assert unquote(url.partition("#")[0]) in {unquote(a["href"]) for a in item.select(".source-details a")} or \
                "as quoted in" in item.get_text()
            checked += 1
    assert checked >= 50  # every citation of the shipped content but those read where there is no address


def test_chromium_scrolls_to_the_quoted_words(tmp_path: Path) -> None:
    """The real check: a page far longer than the window, holding each quote once, opened at its link."""
    from playwright.sync_api import sync_playwright

    from factsite.images.browser import launch

    from .tools import serve_folder

    quotes = ["Last year, there were 579 active prosecutions and 200 civil suits.",
              "The internet was the most common recruitment ground, making up 41 percent of active cases in 2020 - a rising trend since 2000.",
              "We also work with safety groups, anti-trafficking organizations & other technology companies",
              "\u201cOf the 1499 victims identified in last year\u2019s active cases, 50% were girls under the age of 18.\u201d"]
    for i, quote in enumerate(quotes):
        filler = "<p>Another paragraph of the article.</p>" * 300
        (tmp_path / f"{i}.html").write_text(f"<!doctype html><meta charset=utf-8><body>{filler}<p id=q>Before it. "
                                            f"{quote.strip(chr(0x201c) + chr(0x201d))} After it.</p>{filler}</body>")
    server = serve_folder(tmp_path)
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": 800, "height": 600})
            for i, quote in enumerate(quotes):
                page.goto(passage_url(f"http://127.0.0.1:{server.server_port}/{i}.html", quote))
                page.wait_for_function("() => window.scrollY > 1000")
                top = page.evaluate("document.getElementById('q').getBoundingClientRect().top")
                assert 0 <= top < 600, (quote, top)
            browser.close()
    finally:
        server.shutdown()

"""The built site, read as a visitor's browser would: pages exist, links resolve, figures trace to sources."""

from __future__ import annotations

import re

import shutil
from pathlib import Path

import pytest
import yaml

from factsite.web import urls

from .conftest import GOOD, ROOT
from .site_pages import base_url_of, external_url_problem, file_for, html_pages, link_problems, parse
from .tools import report


def stat_slugs(content: Path) -> list[str]:
    return sorted(yaml.safe_load(p.read_text())["slug"] for p in (content / "stats").glob("*.yaml"))


@pytest.mark.parametrize("site_name, content", [("shipped_site", ROOT / "content"), ("fixture_site", GOOD)])
def test_every_statistic_has_its_page_and_sources_page(site_name, content, request) -> None:
    site = request.getfixturevalue(site_name)
    for slug in stat_slugs(content):
        page = file_for(site, urls.stat(slug))
        sources = file_for(site, urls.stat_sources(slug))
        assert page and sources, slug
        soup = parse(sources)
        assert soup.select("ol.citations li.citation blockquote.quote"), f"{slug}: no quoted passage"
        assert soup.select_one(f'.big-figure a.figure[data-stat="{slug}"]')
        assert parse(page).select_one(f'.big-figure a.figure[href="{urls.stat_sources(slug)}"]')


@pytest.mark.parametrize("site_name", ["shipped_site", "fixture_site"])
def test_every_internal_link_and_asset_resolves(site_name, request) -> None:
    """Links, images (srcset too), scripts, stylesheets, link-preview images and #fragments on every page
    resolve to a file in site/; every external link is a well-formed http(s), mailto, tel or sms URL."""
    site = request.getfixturevalue(site_name)
    problems, counts = link_problems(site)
    assert problems == []
    assert counts["pages"] == len(html_pages(site)) and counts["internal"] > counts["pages"] and counts["fragments"] > 0
    report("links", f"{site_name}: {counts['pages']} pages, {counts['internal']} internal references "
                    f"({counts['fragments']} with a #fragment), {counts['external']} external links: all good")


def test_link_check_finds_each_kind_of_break(fixture_site: Path, tmp_path: Path) -> None:
    """The gate above can fail: one broken reference of each kind, planted in a copy of a built site."""
    site = tmp_path / "site"
    shutil.copytree(fixture_site, site)
    base = base_url_of(site)
    page = site / "sources" / "index.html"
    planted = {
        '<a href="/stats/no-such-stat/">x</a>': "/stats/no-such-stat/: no such file",
        '<a href="/methodology/#no-such-part">x</a>': "/methodology/#no-such-part: no element with id 'no-such-part'",
        '<a href="#nowhere">x</a>': "#nowhere: no element with id 'nowhere'",
        '<img alt="" src="/charts/gone.svg">': "/charts/gone.svg: no such file",
        '<picture><source srcset="/charts/gone-wide.svg 2x"><img alt="" src="/charts/victims-breakdown.png"></picture>': "/charts/gone-wide.svg: no such file",
        '<link rel="stylesheet" href="/assets/gone.css">': "/assets/gone.css: no such file",
        '<script src="/assets/gone.js"></script>': "/assets/gone.js: no such file",
        '<button data-plotly="/assets/plotly.gone.js">x</button>': "/assets/plotly.gone.js: no such file",
        f'<meta property="og:image" content="{base}/cards/gone.png">': "/cards/gone.png: no such file",
        '<a href="javascript:alert(1)">x</a>': "javascript:alert(1): scheme 'javascript' is not one of",
        '<a href="https://exa mple.org/">x</a>': "characters a URL may not",
        '<a href="https://localhost/">x</a>': "host 'localhost' is not a domain name",
        '<a href="tel:call-us">x</a>': "a phone number is digits only",
    }
    page.write_text(page.read_text().replace("</main>", "".join(planted) + "</main>"))
    problems, _ = link_problems(site)
    for expected in planted.values():
        assert any(expected in problem for problem in problems), (expected, problems)
    assert len(problems) == len(planted), problems


@pytest.mark.parametrize("content", [ROOT / "content", GOOD], ids=["shipped", "fixture"])
def test_every_source_url_is_a_well_formed_web_address(content: Path) -> None:
    """Sources are cited by their address: each is a well-formed http(s) URL (https unless http_only); no network."""
    checked = 0
    for path in sorted((content / "sources").glob("*.yaml")):
        source = yaml.safe_load(path.read_text(encoding="utf-8"))
        if source.get("url") is None:
            assert source.get("notes"), f"{path.name}: no url and no notes saying where the text is kept"
            continue
        url = source["url"]
        assert external_url_problem(url) is None, f"{path.name}: {url}: {external_url_problem(url)}"
        assert url.startswith("https://") or (url.startswith("http://") and source.get("http_only")), f"{path.name}: {url}"
        checked += 1
    assert checked > 0
    report("links", f"{content.relative_to(ROOT)}: {checked} source URLs well-formed")


@pytest.mark.parametrize("site_name", ["shipped_site", "fixture_site"])
def test_every_figure_links_to_the_passage_that_states_it(site_name, request) -> None:
    """Walk every printed figure on every page, follow it, and find the same figure on its sources page."""
    site = request.getfixturevalue(site_name)
    followed = 0
    for page in html_pages(site):
        for link in parse(page).select("a.figure"):
            href = link["href"]
            # In the page's own language: /stats/... in English, /es/stats/... in Spanish.
            assert re.match(r"^(/[a-z]{2})?/stats/", href) and href.endswith("/sources/"), f"{page}: {href}"
            target = file_for(site, href)
            assert target is not None, href
            big = parse(target).select_one(".big-figure a.figure")
            assert big.get_text() == link.get_text(), f"{page}: {link.get_text()} vs {big.get_text()}"
            followed += 1
    assert followed > 0


def test_figures_in_sentences_are_links(fixture_site: Path) -> None:
    soup = parse(file_for(fixture_site, "/stats/cases-2020/"))
    sentence = soup.select_one("p.sentence")
    assert sentence.get_text() == "In 2020, 1,499 federal cases were filed, a rise of 11%."
    assert [a["href"] for a in sentence.select("a.figure")] == ["/stats/cases-2020/sources/", "/stats/cases-rise/sources/"]


def test_sheet_introduction_is_markdown_with_figure_links(fixture_site: Path) -> None:
    intro = parse(file_for(fixture_site, "/sheets/main-sheet/")).select_one(".intro")
    assert intro.select_one('a.figure[href="/stats/cases-2020/sources/"]').get_text() == "1,499"
    assert intro.select_one('a[href="https://example.org/report"]').get_text() == "the report"


def test_derived_figure_shows_its_arithmetic(fixture_site: Path) -> None:
    soup = parse(file_for(fixture_site, "/stats/cases-2019/sources/"))
    assert soup.select_one("#derivation .arithmetic").get_text(" ", strip=True) == (
        "1,499 \u00f7 (1 + 11 \u00f7 100) = 1,350.45 , which the site prints as about 1,350."
    )
    assert "Derived" in parse(file_for(fixture_site, "/stats/cases-2019/")).select_one(".status").get_text()


def test_disputed_figure_shows_each_source(fixture_site: Path) -> None:
    soup = parse(file_for(fixture_site, "/stats/cases-2020/sources/"))
    item = soup.select_one("#discrepancies .discrepancy")
    assert "1,600" in item.get_text()
    assert "The site uses the report's figure." in item.get_text()
    methodology = parse(file_for(fixture_site, "/methodology/"))
    assert methodology.select_one('#discrepancies a[href="/stats/cases-2020/"]')


def test_breakdown_chart_shows_the_remainder(fixture_site: Path) -> None:
    rows = parse(file_for(fixture_site, "/sheets/main-sheet/")).select("#chart-victims-breakdown tbody tr")
    cells = [[c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])] for row in rows]
    assert cells == [["Girls", "50%"], ["Women", "44%"], ["Not specified in the source", "6% (remainder)"]]


def test_every_page_carries_the_helpline(shipped_site: Path) -> None:
    for page in html_pages(shipped_site):
        soup = parse(page)
        assert soup.select_one('a[href="tel:18883737888"]'), page
        assert soup.select_one('a[href="sms:233733"]'), page


def test_sitemap_lists_every_page_absolutely(fixture_site: Path) -> None:
    sitemap = (fixture_site / "sitemap.xml").read_text()
    pages = [p for p in html_pages(fixture_site) if p.name != "404.html" and "embed" not in p.parts]
    assert sitemap.count("<loc>https://fixture.example.org/") == len(pages)
    assert "Sitemap: https://fixture.example.org/sitemap.xml" in (fixture_site / "robots.txt").read_text()


def test_chart_data_is_json_not_inline_code(fixture_site: Path) -> None:
    soup = parse(file_for(fixture_site, "/stats/cases-2020/"))
    for script in soup.find_all("script"):
        assert script.get("src") or script.get("type") in ("application/json", "application/ld+json"), script
    assert all(s["src"].startswith("/assets/") for s in soup.find_all("script", src=True))


def test_statements_are_quoted_with_attribution(fixture_site: Path) -> None:
    statement = parse(file_for(fixture_site, "/sheets/main-sheet/")).select_one("figure.statement")
    assert statement.select_one("blockquote").get_text(strip=True) == "We do not allow this."
    caption = statement.select_one("figcaption")
    assert caption.get_text(" ", strip=True).startswith("A Platform, in a statement to a newspaper. Quoted in")
    assert caption.select_one("a")["href"] == "/sources/#source-paper"


def test_every_page_carries_the_content_note(fixture_site: Path) -> None:
    for page in html_pages(fixture_site):
        if "embed" not in page.parts:
            assert "This fixture mentions exploitation." in parse(page).select_one("footer.site-footer").get_text(), page
    # Sheets about the sexual exploitation of children open with it.
    assert parse(file_for(fixture_site, "/sheets/main-sheet/")).select_one("main .content-note")


# What no public output may say: a path of this repository, or an outlet the site can name.
NOT_PUBLIC = ["shared/seeds", "seeds/0", "0868507ac51ea32b", "7c822226c3329ca3", "outlet unknown", "Unknown news outlet",
              "Unnamed news outlet", "keeps a copy", "Tyler Durden]"]


def test_no_output_prints_a_repository_path_or_an_unnamed_outlet(shipped_site: Path) -> None:
    """Pages, data files, feeds and the printed PDFs name sources as a reader can find them."""
    from pypdf import PdfReader

    checked = 0
    for path in sorted(shipped_site.rglob("*")):
        if path.suffix in (".html", ".json", ".csv", ".xml", ".txt"):
            text = path.read_text(errors="replace")
        elif path.suffix == ".pdf":
            text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
        else:
            continue
        checked += 1
        found = [phrase for phrase in NOT_PUBLIC if phrase.casefold() in text.casefold()]
        assert not found, f"{path.relative_to(shipped_site)} prints {found}"
    assert checked > 100 and list(shipped_site.rglob("*.pdf")), "the printed sheets are checked too"

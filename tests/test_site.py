"""The built site, read as a visitor's browser would: pages exist, links resolve, figures trace to sources."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from factsite import urls

from .conftest import GOOD, ROOT
from .site_pages import file_for, html_pages, internal_references, parse, resolve


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
    site = request.getfixturevalue(site_name)
    broken = []
    for page in html_pages(site):
        for ref in internal_references(parse(page)):
            target, fragment = resolve(site, page, ref)
            if target is None:
                broken.append(f"{page.relative_to(site)} -> {ref}")
            elif fragment and target.suffix == ".html" and parse(target).find(id=fragment) is None:
                broken.append(f"{page.relative_to(site)} -> {ref} (no id {fragment!r})")
    assert broken == []


@pytest.mark.parametrize("site_name", ["shipped_site", "fixture_site"])
def test_every_figure_links_to_the_passage_that_states_it(site_name, request) -> None:
    """Walk every printed figure on every page, follow it, and find the same figure on its sources page."""
    site = request.getfixturevalue(site_name)
    followed = 0
    for page in html_pages(site):
        for link in parse(page).select("a.figure"):
            href = link["href"]
            assert href.startswith("/stats/") and href.endswith("/sources/"), f"{page}: {href}"
            target = file_for(site, href)
            assert target is not None, href
            big = parse(target).select_one(".big-figure a.figure")
            assert big.get_text() == link.get_text(), f"{page}: {link.get_text()} vs {big.get_text()}"
            followed += 1
    assert followed > 0


def test_figures_in_sentences_are_links(fixture_site: Path) -> None:
    soup = parse(file_for(fixture_site, "/stats/cases-2020/"))
    sentence = soup.select_one("p.sentence")
    assert sentence.get_text() == "In 2020, 1,499 cases were filed, a rise of 11%."
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
    pages = [p for p in html_pages(fixture_site) if p.name != "404.html"]
    assert sitemap.count("<loc>https://fixture.example.org/") == len(pages)
    assert "Sitemap: https://fixture.example.org/sitemap.xml" in (fixture_site / "robots.txt").read_text()


def test_chart_data_is_json_not_inline_code(fixture_site: Path) -> None:
    soup = parse(file_for(fixture_site, "/stats/cases-2020/"))
    for script in soup.find_all("script"):
        assert script.get("src") or script.get("type") in ("application/json", "application/ld+json"), script
    assert all(s["src"].startswith("/assets/") for s in soup.find_all("script", src=True))

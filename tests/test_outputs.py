"""factsite/web/outputs.py on its own: the files that are not pages, from page models, without a build."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import re
import xml.etree.ElementTree as ElementTree

from factsite.content.load import load_content
from factsite.content.validate import validate
from factsite.web import urls
from factsite.web.outputs import robots, site_files, sitemap
from factsite.web.kinds import WordedPage
from factsite.web.pages import Page, SiteModel

from .conftest import GOOD

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://outputs.example.org"


@dataclass(frozen=True, kw_only=True)
class ListedPage(WordedPage):
    template: ClassVar[str] = "page.html"


@dataclass(frozen=True, kw_only=True)
class UnlistedPage(ListedPage):
    in_sitemap: ClassVar[bool] = False


def page(url: str, in_sitemap: bool = True) -> Page:
    return (ListedPage if in_sitemap else UnlistedPage)(url=url, title="", description="")


def locations(xml: bytes) -> list[str]:
    root = ElementTree.fromstring(xml)  # parses: well-formed XML, whatever the URLs hold
    assert root.tag == f"{SITEMAP_NS}urlset"
    return [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]


def test_the_sitemap_lists_the_pages_meant_for_it_absolutely_and_escaped() -> None:
    pages = [page("/"), page("/404.html", in_sitemap=False), page("/a&b/"), page("/embed/x/", in_sitemap=False),
             page("/<c>/")]
    xml = sitemap(BASE + "/", pages)
    assert locations(xml) == [f"{BASE}/", f"{BASE}/a&b/", f"{BASE}/<c>/"]
    assert b"/a&amp;b/" in xml and b"&lt;c&gt;" in xml


def test_robots_names_the_sitemap_at_its_absolute_url() -> None:
    lines = robots(BASE).decode().splitlines()
    assert lines[-1] == f"Sitemap: {BASE}{urls.sitemap()}"
    assert "User-agent: *" in lines and "Allow: /" in lines


def test_the_site_files_of_the_fixture_are_the_known_kinds_in_their_folders() -> None:
    content, problems = validate(load_content(GOOD))
    assert content is not None, problems
    model = SiteModel(content, BASE)
    files = site_files([model])
    known = re.compile(r"charts/[a-z0-9-]+\.csv|data/[a-z.]+\.(csv|json)|data/statistics/[a-z0-9-]+\.json|"
                       r"updates\.xml|sitemap\.xml|robots\.txt")
    assert [name for name in files if not known.fullmatch(name)] == []
    assert {f"charts/{chart.id}.csv" for chart in model.all_charts()} <= set(files)
    assert {f"data/statistics/{stat.slug}.json" for stat in content.stats.values()} <= set(files)
    # The sitemap of the real pages: every page but those kept out of it (the 404 page, embeds).
    listed = set(locations(files["sitemap.xml"]))
    assert listed == {urls.absolute(BASE, p.url) for p in model.pages() if p.in_sitemap}
    assert not [url for url in listed if "/embed/" in url or url.endswith("404.html")]
    assert len(listed) < len(model.pages())

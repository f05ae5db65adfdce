"""Corrections and updates: shown where the figure is, listed site-wide, fed as Atom; none unrecorded."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from .conftest import copy_good_tree, run_build
from .site_pages import file_for, parse

ATOM = "{http://www.w3.org/2005/Atom}"


def test_history_shows_on_the_statistic_and_sources_pages(fixture_site: Path) -> None:
    for url in ["/stats/cases-2020/", "/stats/cases-2020/sources/"]:
        item = parse(file_for(fixture_site, url)).select_one("#history li").get_text(" ", strip=True)
        assert item.startswith("2026-02-01, correction: The count was corrected from 1,490 to 1,499.")
        assert "Previously printed as 1,490." in item
    assert parse(file_for(fixture_site, "/stats/cases-rise/")).select_one("#history") is None


def test_corrections_page_and_feed_list_every_change(fixture_site: Path) -> None:
    items = parse(file_for(fixture_site, "/corrections/")).select("ol.history li")
    assert len(items) == 1 and items[0].select_one("a")["href"] == "/stats/cases-2020/"
    feed = ElementTree.fromstring((fixture_site / "updates.xml").read_bytes())
    assert feed.find(f"{ATOM}updated").text == "2026-02-01T00:00:00Z"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}link").get("href") == "https://fixture.example.org/stats/cases-2020/"
    assert entries[0].find(f"{ATOM}title").text == "Correction: Cases filed"
    assert parse(file_for(fixture_site, "/")).select_one('link[rel="alternate"][type="application/atom+xml"]')["href"] == "/updates.xml"


def test_a_changed_figure_without_history_is_a_warning(tmp_path: Path) -> None:
    content, out = copy_good_tree(tmp_path), tmp_path / "site"
    assert run_build("--content", str(content), "--out", str(out), "--draft").returncode == 0
    published = tmp_path / "published"
    shutil.copytree(out, published)  # the site as last published, with 50%
    path = content / "stats" / "girls-share.yaml"
    path.write_text(path.read_text().replace("value: 50", "value: 51").replace('"50% were', '"51% were'))
    (content / "stats" / "women-share.yaml").write_text(
        (content / "stats" / "women-share.yaml").read_text().replace('"50% were', '"51% were'))
    result = run_build("--content", str(content), "--out", str(out), "--draft")
    assert result.returncode == 0, result.stderr
    assert ("content/stats/girls-share.yaml:4: warning: figure: the figure changed from '50%' to '51%' since it was "
            "last published, but history has no entry with previous: '50%'") in result.stderr
    path.write_text(path.read_text() + 'history:\n  - {date: "2026-03-01", kind: update, change: Revised., reason: New table., previous: "50%"}\n')
    recorded = run_build("--content", str(content), "--out", str(published), "--draft")
    assert recorded.returncode == 0 and "girls-share.yaml" not in recorded.stderr, recorded.stderr


def test_the_feed_keeps_quotes_and_ampersands_in_titles_and_links() -> None:
    from factsite.web.history import Change, atom_feed

    change = Change(date="2026-03-01", kind="update", change='Now "about 1,500" & rising.', reason="New <data>.",
                    previous=None, slug="x", title='Victims\' "count" & <more>', figure="1,500", url='/stats/x/?a="b"')
    feed = ElementTree.fromstring(atom_feed([change], 'https://example.org/"q"', 'HTI "facts" & figures', "2026-01-01"))
    entry = feed.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == 'Update: Victims\' "count" & <more>'
    assert entry.find(f"{ATOM}link").get("href").endswith('/stats/x/?a="b"')
    assert feed.find(f"{ATOM}title").text == 'HTI "facts" & figures: corrections and updates'

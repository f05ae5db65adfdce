"""Link previews: every page's head read as a crawler does, and share cards that always fit."""

from __future__ import annotations

import re

import json
import struct
from pathlib import Path

import pytest
import yaml

from factsite.images.cards import CardDoesNotFit, render_cards
from factsite.web.jobs import Card
from factsite.images.headless import ImageCache
from factsite.images.headless import Headless
from factsite.web.render import make_environment

from .conftest import ROOT
from .site_pages import html_pages, parse, url_of

BASE = "https://trafficking-facts.netlify.app"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def head_tags(soup) -> dict[str, str]:
    """Meta tags as a link-preview crawler collects them: property or name -> content (first wins)."""
    tags: dict[str, str] = {}
    for meta in soup.head.find_all("meta"):
        key = meta.get("property") or meta.get("name")
        if key and key not in tags:
            tags[key] = meta.get("content", "")
    return tags


def test_every_page_head_has_a_complete_preview(shipped_site: Path) -> None:
    for page in html_pages(shipped_site):
        if page.name == "404.html" or "embed" in page.parts:
            continue
        soup = parse(page)
        tags = head_tags(soup)
        url = BASE + url_of(shipped_site, page)
        assert soup.head.find("link", rel="canonical")["href"] == url
        assert tags["og:url"] == url
        assert tags["og:title"] and tags["og:description"] and tags["og:site_name"]
        assert tags["og:type"] in ("website", "article")
        assert tags["twitter:card"] == "summary_large_image"
        assert re.match(re.escape(BASE) + r"(/[a-z]{2})?/cards/", tags["og:image"])  # a language's own cards
        assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
        assert tags["og:image:alt"]
        image = shipped_site / tags["og:image"].removeprefix(BASE + "/")
        assert png_size(image.read_bytes()) == (1200, 630), image


def test_statistic_preview_states_the_figure(shipped_site: Path) -> None:
    stat = yaml.safe_load((ROOT / "content/stats/victims-identified-2020.yaml").read_text())
    tags = head_tags(parse(shipped_site / "stats/victims-identified-2020/index.html"))
    assert "1,499" in tags["description"] and "1,499" in tags["og:title"]
    assert tags["og:image"] == BASE + "/cards/stat-victims-identified-2020.png"
    assert stat["short_title"] in tags["og:title"]


def test_structured_data_names_the_citations(shipped_site: Path) -> None:
    soup = parse(shipped_site / "stats/victims-identified-2020/sources/index.html")
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@type"] == "WebPage" and data["url"] == BASE + "/stats/victims-identified-2020/sources/"
    # Read in coverage: each citation is the page the passage was read on, based on the report.
    assert {c["publisher"]["name"] for c in data["citation"]} >= {"The BL", "The Daily Caller"}
    assert all(c["isBasedOn"]["publisher"]["name"] == "Human Trafficking Institute" for c in data["citation"])
    sheet = json.loads(parse(shipped_site / "sheets/victims/index.html").find("script", type="application/ld+json").string)
    assert sheet["hasPart"][0]["@type"] == "Dataset"
    assert sheet["hasPart"][0]["distribution"][0]["contentUrl"].endswith(".csv")


def test_sitemap_and_robots(shipped_site: Path) -> None:
    sitemap = (shipped_site / "sitemap.xml").read_text()
    for page in html_pages(shipped_site):
        if page.name != "404.html" and "embed" not in page.parts:
            assert f"<loc>{BASE}{url_of(shipped_site, page)}</loc>" in sitemap
    assert f"Sitemap: {BASE}/sitemap.xml" in (shipped_site / "robots.txt").read_text()


def test_share_links_are_plain_links(shipped_site: Path) -> None:
    soup = parse(shipped_site / "stats/victims-identified-2020/index.html")
    links = {a.get_text(): a["href"] for a in soup.select(".share-links a")}
    assert set(links) >= {"Email", "WhatsApp", "Facebook", "X", "LinkedIn"}
    target = "https%3A%2F%2Ftrafficking-facts.netlify.app%2Fstats%2Fvictims-identified-2020%2F"
    assert all(target in href for name, href in links.items()), links
    assert links["Email"].startswith("mailto:?subject=")
    assert soup.select_one("button.copy-link")["data-copy"] == BASE + "/stats/victims-identified-2020/"


def _card(sentence: str, figure: str = "1,499") -> Card:
    return Card(output="cards/test.png", url="/stats/test/", alt="alt", kicker="Victims identified in 2020",
                figure=figure, sentence=sentence, source_line="Human Trafficking Institute, 2020 Federal Human Trafficking Report",
                site_name="Trafficking Facts")


@pytest.fixture(scope="module")
def headless():
    with Headless() as instance:
        yield instance


def longest_sentence() -> str:
    sentences = [yaml.safe_load(p.read_text())["sentence"] for p in (ROOT / "content/stats").glob("*.yaml")]
    return max(sentences, key=len).replace("{figure}", "1,499")


@pytest.mark.parametrize("sentence", [
    pytest.param(longest_sentence(), id="longest-in-content"),
    pytest.param(("A synthetic sentence at the longest length the content model allows, written to check "
                  "that the share card shrinks its text to fit rather than cutting it off, whatever words "
                  "an author uses and however many of them there are, within the limit. ")[:280], id="synthetic-280"),
])
def test_card_text_fits_on_the_rendered_layout(sentence: str, headless, tmp_path: Path) -> None:
    env = make_environment(ROOT / "templates")
    images, rendered = render_cards([_card(sentence)], env, ImageCache(tmp_path), headless)
    assert rendered == 1 and png_size(images["cards/test.png"].read_bytes()) == (1200, 630)
    # Cached by what it shows: the same card is not rendered again.
    assert render_cards([_card(sentence)], env, ImageCache(tmp_path), headless)[1] == 0


def test_text_that_cannot_fit_stops_the_build(headless, tmp_path: Path) -> None:
    env = make_environment(ROOT / "templates")
    with pytest.raises(CardDoesNotFit, match="does not fit even with its sentence at 28 px"):
        render_cards([_card("word " * 400)], env, ImageCache(tmp_path), headless)


def test_the_cache_key_covers_what_the_card_shows_and_how_it_is_fitted(monkeypatch) -> None:
    """Cards are keyed without rendering them: the key must change with every visible field, the
    template and the script that fits the sentence, and only with them."""
    import dataclasses

    from factsite.images import cards

    card, template = _card("A sentence."), "<p>{{ sentence }}</p>"
    key = cards.card_key(card, template)
    for name, value in [("kicker", "Other"), ("figure", "1,500"), ("sentence", "Another."), ("source_line", "Other source"),
                        ("site_name", "Other site")]:
        assert cards.card_key(dataclasses.replace(card, **{name: value}), template) != key, name
    assert cards.card_key(card, template + " ") != key
    assert cards.card_key(dataclasses.replace(card, output="cards/other.png", url="/other/", alt="other"), template) == key
    monkeypatch.setattr(cards, "_FIT", cards._FIT.replace("28", "26"))
    assert cards.card_key(card, template) != key


def test_a_card_that_cannot_fit_names_the_field_to_shorten(tmp_path: Path) -> None:
    """A short title too long for the card stops the build at its own file, line and field (R19)."""
    import subprocess
    import sys

    from .conftest import copy_good_tree

    content = copy_good_tree(tmp_path)
    stat = content / "stats" / "girls-share.yaml"
    stat.write_text(stat.read_text().replace("short_title: Girls", "short_title: " + "Girls under eighteen " * 30))
    out = tmp_path / "site"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(content), "--out", str(out)],
                            capture_output=True, text=True, env={**__import__("os").environ, "FACTSITE_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("content/stats/girls-share.yaml:2: short_title: the share card for /stats/girls-share/ "
                               "does not fit") for line in lines), result.stderr
    assert "Traceback" not in result.stderr and not out.exists()

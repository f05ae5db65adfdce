"""Link previews: every page's head read as a crawler does, and share cards that always fit."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
import struct
from collections import Counter
from pathlib import Path

import pytest
import yaml

from factsite.content.parallel import fork_pool
from factsite.images import cards
from factsite.images.cards import CardDoesNotFit, render_cards
from factsite.images.headless import ImageCache
from factsite.pipeline import load_and_validate, plan_site
from factsite.web.jobs import Card
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


def _card(sentence: str, figure: str | None = "1,499", source_line: str = "Human Trafficking Institute, 2020 Federal Human Trafficking Report",
          kicker: str = "Victims identified in 2020") -> Card:
    return Card(output="cards/test.png", url="/stats/test/", alt="alt", kicker=kicker,
                figure=figure, sentence=sentence, source_line=source_line, site_name="Trafficking Facts")


def _decode(data: bytes):
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()  # every byte decoded, not only the header
    return image.convert("RGB")


def longest_sentence() -> str:
    sentences = [yaml.safe_load(p.read_text())["sentence"] for p in (ROOT / "content/stats").glob("*.yaml")]
    return max(sentences, key=len).replace("{figure}", "1,499")


SYNTHETIC_280 = ("A synthetic sentence at the longest length the content model allows, written to check "
                 "that the share card shrinks its text to fit rather than cutting it off, whatever words "
                 "an author uses and however many of them there are, within the limit. ")[:280]


@pytest.mark.parametrize("sentence", [
    pytest.param(longest_sentence(), id="longest-in-content"),
    pytest.param(SYNTHETIC_280, id="synthetic-280"),
])
def test_card_text_fits_on_the_laid_out_card(sentence: str, tmp_path: Path) -> None:
    env = make_environment(ROOT / "templates")
    images, rendered = render_cards([_card(sentence)], env, ImageCache(tmp_path))
    data = images["cards/test.png"].read_bytes()
    assert rendered == 1 and png_size(data) == (1200, 630) and _decode(data).size == (1200, 630)
    # Cached by what it shows: the same card is not drawn again.
    assert render_cards([_card(sentence)], env, ImageCache(tmp_path))[1] == 0


def test_a_long_sentence_shrinks_until_it_fits() -> None:
    short = cards.lay_out(_card("A short sentence."), "Source: a report")
    long = cards.lay_out(_card(SYNTHETIC_280), "Source: a report")
    assert short.problems == long.problems == []
    assert short.sentence_size == 44 and long.sentence_size < 44
    # The largest size that fits: one size up, the sentence is taller than its room.
    bigger = cards.SENTENCE_SIZES[cards.SENTENCE_SIZES.index(long.sentence_size) - 1]
    lines = cards.wrap(SYNTHETIC_280, cards.DESIGN.sentence, bigger, 1032)[0]
    room = long.rule_top - cards.DESIGN.footer_gap - min(run.baseline for run in long.runs if run.style == cards.DESIGN.sentence)
    assert len(lines) * bigger * 1.25 > room


def test_shipped_cards_shrink_as_chromium_shrank_them() -> None:
    """The sentence sizes Chromium's fitting script chose for shipped cards (drawn in both, December 2026)."""
    content, _ = load_and_validate(ROOT / "content")
    models = plan_site(content, content.site.base_url)
    envs = {model.language: make_environment(ROOT / "templates", None, model.language) for model in models}
    sizes = {card.output: cards.lay_out(card, cards.footer_line(card, envs[card.language])).sentence_size
             for model in models for card in model.cards()}
    assert {name: sizes[name] for name in CHROMIUM_SIZES} == CHROMIUM_SIZES


CHROMIUM_SIZES = {"cards/stat-victims-identified-2020.png": 44, "cards/stat-victim-contact-referrals-2020.png": 36,
                  "cards/stat-internet-recruitment-active-cases.png": 40, "cards/sheet-ncmec-reports.png": 40,
                  "es/cards/stat-victim-contact-referrals-2020.png": 36, "es/cards/home.png": 36,
                  "es/cards/sheet-twenty-years.png": 40, "es/cards/sheet-victims.png": 44}


def test_text_that_cannot_fit_stops_the_build(tmp_path: Path) -> None:
    env = make_environment(ROOT / "templates")
    with pytest.raises(CardDoesNotFit, match="does not fit even with its sentence at 28 px"):
        render_cards([_card("word " * 400)], env, ImageCache(tmp_path))
    # A word wider than the card does not fit at any size either.
    assert cards.lay_out(_card("A " + "x" * 80 + " word."), "Source: a report").problems == ["sentence"]
    assert cards.lay_out(_card("Fits.", kicker="K" * 60), "Source: a report").problems == ["kicker"]


def test_the_first_card_that_cannot_fit_is_the_one_reported(tmp_path: Path) -> None:
    env = make_environment(ROOT / "templates")
    many = [dataclasses.replace(_card(f"Sentence {n}."), output=f"cards/{n}.png", url=f"/stats/{n}/") for n in range(40)]
    many[31] = dataclasses.replace(many[31], sentence="word " * 400)
    many[35] = dataclasses.replace(many[35], sentence="other " * 400)
    with pytest.raises(CardDoesNotFit, match="/stats/31/"):
        render_cards(many, env, ImageCache(tmp_path), workers=2)


def test_the_cache_key_covers_what_shapes_the_card(monkeypatch) -> None:
    """Cards are keyed without drawing them: the key must change with every visible field, the
    footer's words, the design, the sentence sizes, the fonts and the drawing libraries, and only with them."""
    card, footer = _card("A sentence."), "Source: a report"
    key = cards.card_key(card, footer)
    for name, value in [("kicker", "Other"), ("figure", "1,500"), ("sentence", "Another."), ("source_line", "Other source"),
                        ("site_name", "Other site")]:
        changed = dataclasses.replace(card, **{name: value})
        assert cards.card_key(changed, cards.footer_line(changed, make_environment(ROOT / "templates"))) != \
            cards.card_key(card, cards.footer_line(card, make_environment(ROOT / "templates"))), name
    assert cards.card_key(card, "Fuente: a report") != key  # the footer as translated
    assert cards.card_key(dataclasses.replace(card, output="cards/other.png", url="/other/", alt="other"), footer) == key
    for name, value in [("DESIGN", dataclasses.replace(cards.DESIGN, rule_gap=17)),
                        ("DESIGN", dataclasses.replace(cards.DESIGN, sentence=dataclasses.replace(cards.DESIGN.sentence, line_height=1.3))),
                        ("SENTENCE_SIZES", cards.SENTENCE_SIZES[:-1]),
                        ("CARD_VERSION", "x"),
                        ("font_identity", lambda: [("Inter-Medium.otf", "another digest")]),
                        ("drawing_engine", lambda: ["pillow 0", "freetype2 0"])]:
        with monkeypatch.context() as patch:
            patch.setattr(cards, name, value)
            assert cards.card_key(card, footer) != key, name
    assert cards.card_key(card, footer) == key


def test_the_key_follows_the_font_files_bytes(tmp_path: Path, monkeypatch) -> None:
    for name in cards.FONT_FILES.values():
        (tmp_path / name).write_bytes((cards.FONT_DIR / name).read_bytes())
    key = cards.card_key(_card("A sentence."), "Source: a report")
    monkeypatch.setattr(cards, "FONT_DIR", tmp_path)
    assert cards.card_key(_card("A sentence."), "Source: a report") == key  # the same bytes elsewhere: the same key
    with (tmp_path / "Inter-Bold.otf").open("ab") as font:
        font.write(b"\0")
    assert cards.card_key(_card("A sentence."), "Source: a report") != key


def test_the_shipped_fonts_are_the_ones_the_vendor_notes_name() -> None:
    """Cards draw with the fonts shipped in the code, whatever the machine has installed; the vendor
    notes say where each file comes from, by its digest, and the licence travels with them."""
    notes = (cards.FONT_DIR.parent / "README.md").read_text()
    for name in cards.FONT_FILES.values():
        digest = hashlib.sha256((cards.FONT_DIR / name).read_bytes()).hexdigest()
        assert f"`{name}` (sha256 `{digest}`)" in notes, name
    assert "OPEN FONT LICENSE" in (cards.FONT_DIR / "Inter-LICENSE.txt").read_text().upper()
    assert all(path.parent == cards.FONT_DIR for path in cards.font_files().values())


def test_a_card_is_the_same_bytes_every_time_and_with_any_number_of_workers(tmp_path: Path, monkeypatch) -> None:
    env = make_environment(ROOT / "templates")
    many = [dataclasses.replace(_card(f"Sentence {n} states {n}% of something, at some length to wrap it over two lines or more."),
                                output=f"cards/{n}.png", url=f"/stats/{n}/", figure=f"{n}%") for n in range(40)]
    forked = []
    monkeypatch.setattr(cards, "fork_pool", lambda workers: forked.append(workers) or fork_pool(workers))
    one, drawn_one = render_cards(many, env, ImageCache(tmp_path / "one"), workers=1)
    two, drawn_two = render_cards(many, env, ImageCache(tmp_path / "two"), workers=2)
    assert drawn_one == drawn_two == 40 and forked == [2]  # one in this process, two in forked workers
    assert list(one) == list(two)
    assert [name for name in one if one[name].read_bytes() != two[name].read_bytes()] == []
    again, _ = cards.draw_card(many[7], cards.footer_line(many[7], env))
    assert again == one["cards/7.png"].read_bytes()


def test_the_drawn_card_has_its_layout(tmp_path: Path) -> None:
    """Pixels where the design puts them: the border, the rule under a one-line footer, the figure's
    colour, and every text pixel inside the padding box."""
    png, layout = cards.draw_card(_card("A sentence of two lines, long enough to wrap once on the card at forty-four px."),
                                  "Source: a short report")
    image = _decode(png)
    pixels = image.load()
    blue, rule, white = (0x00, 0x5A, 0x9C), (0xD0, 0xD0, 0xD0), (255, 255, 255)
    assert {pixels[x, y] for x in range(20) for y in range(630)} == {blue}  # the 20 px border, full height
    assert pixels[20, 300] == white
    # One source line (31.2 px) under an 18 px gap and the 2 px rule, above the 44 px bottom padding.
    rule_top = round(630 - 44 - 24 * 1.3 - 18 - 2)
    assert layout.rule_top == rule_top
    for y in (rule_top, rule_top + 1):
        assert {pixels[x, y] for x in range(104, 1136)} == {rule}, y
    assert pixels[103, rule_top] == pixels[1136, rule_top] == pixels[600, rule_top - 1] == pixels[600, rule_top + 2] == white
    inked = [(x, y) for y in range(630) for x in range(20, 1200)
             if pixels[x, y] != white and not (rule_top <= y <= rule_top + 1)]
    xs, ys = [x for x, _ in inked], [y for _, y in inked]
    assert min(xs) >= 104 and max(xs) < 1136 and min(ys) >= 52 and max(ys) < 586
    assert max(ys) > 570 and min(xs) <= 108  # the footer at the bottom, the text at the left edge of the box
    figure_rows = range(52 + 34 + 8, 52 + 34 + 8 + 153)  # below the kicker's line and gap, one 150 px figure line
    figure = Counter(pixels[x, y] for y in figure_rows for x in range(104, 600) if pixels[x, y] != white)
    assert figure.most_common(1)[0][0] == blue  # the figure's solid strokes are the blue
    sentence_rows = range(52 + 34 + 8 + 153 + 14, rule_top - 18)
    sentence = Counter(pixels[x, y] for y in sentence_rows for x in range(104, 1136) if pixels[x, y] != white)
    assert sentence.most_common(1)[0][0] == (0x1A, 0x1A, 0x1A)


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

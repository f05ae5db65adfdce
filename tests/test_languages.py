"""A site in two languages: every page at the same address under /es/, each naming the other.

Built from the fixture content with `languages: [en, es]` in its site.yaml and the fixture's
Spanish overlays (tests/fixtures/good-es/es/): the addresses, the alternates, the switcher, the
sitemap, the links, the figures (the same on both), the words (Spanish content, Spanish interface,
no English interface string left), and quotations kept in their source's words with the site's
translation beside them.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from bs4 import BeautifulSoup

from factsite.pipeline import build_site

from .conftest import FIXTURES, ROOT, copy_good_tree
from .site_pages import file_for, html_pages, link_problems, parse, url_of

XHTML = "{http://www.w3.org/1999/xhtml}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bilingual")
    content = copy_good_tree(root)
    shutil.copytree(FIXTURES / "good-es" / "es", content / "es")
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "languages: [en, es]\n")
    out = root / "site"
    result = build_site(content, out, draft=True, cache_dir=root / "cache")
    assert result.ok, result.lines()
    return out


def english_pages(site: Path) -> list[str]:
    return sorted(url for url in map(lambda page: url_of(site, page), html_pages(site)) if not url.startswith("/es/"))


def test_every_page_is_at_the_same_address_in_spanish(bilingual: Path) -> None:
    english = english_pages(bilingual)
    assert len(english) > 15
    for url in english:
        spanish = file_for(bilingual, "/es" + url)
        assert spanish is not None, f"/es{url} is missing"
        assert parse(spanish).html["lang"] == "es"
        assert parse(file_for(bilingual, url)).html["lang"] == "en"


def test_each_page_names_itself_in_both_languages_and_switches_to_the_other(bilingual: Path) -> None:
    for url in ["/", "/stats/cases-2020/", "/stats/cases-2020/sources/", "/sheets/main-sheet/", "/sources/"]:
        for here, there, language in ((url, "/es" + url, "es"), ("/es" + url, url, "en")):
            soup = parse(file_for(bilingual, here))
            alternates = {link["hreflang"]: link["href"] for link in soup.select('link[rel="alternate"][hreflang]')}
            base = alternates["en"].removesuffix(url)
            assert alternates == {"en": base + url, "es": base + "/es" + url, "x-default": base + url}, here
            switch = soup.select(".language-switch a")
            assert [(a["href"], a["hreflang"]) for a in switch] == [(there, language)], here


def test_the_404_page_has_no_alternates_but_still_exists_in_both(bilingual: Path) -> None:
    for url in ["/404.html", "/es/404.html"]:
        assert not parse(file_for(bilingual, url)).select('link[rel="alternate"][hreflang]')


def test_the_sitemap_lists_each_page_with_its_alternates(bilingual: Path) -> None:
    root = ElementTree.fromstring((bilingual / "sitemap.xml").read_bytes())
    entries = root.findall(f"{SITEMAP}url")
    locations = [entry.find(f"{SITEMAP}loc").text for entry in entries]
    assert any("/es/stats/cases-2020/" in loc for loc in locations) and any(loc.endswith("/stats/cases-2020/") and "/es/" not in loc
                                                                            for loc in locations)
    for entry in entries:
        links = {link.get("hreflang"): link.get("href") for link in entry.findall(f"{XHTML}link")}
        assert set(links) == {"en", "es", "x-default"}
        assert entry.find(f"{SITEMAP}loc").text in links.values()


def test_links_resolve_and_spanish_pages_link_to_spanish_pages(bilingual: Path) -> None:
    problems, _ = link_problems(bilingual)
    assert problems == []
    page = parse(file_for(bilingual, "/es/sheets/main-sheet/"))
    figures = [a["href"] for a in page.select("a.figure")]
    assert figures and all(href.startswith("/es/stats/") for href in figures)
    navigation = [a["href"] for a in page.select(".site-header nav li:not(.language-switch) a")]
    assert all(href.startswith("/es/") for href in navigation), navigation


def number(text: str) -> str:
    return re.sub(r"[^0-9.,%]", "", text)


def test_every_figure_on_a_spanish_page_is_the_figure_on_its_english_page(bilingual: Path) -> None:
    """The promise in both languages: the number printed is the validated one, whatever the words."""
    compared = 0
    for url in english_pages(bilingual):
        # The number printed, not its words: "about 1,350" is "alrededor de 1,350".
        english = [(a.get("data-stat"), number(a.get_text())) for a in parse(file_for(bilingual, url)).select("a.figure")]
        spanish = [(a.get("data-stat"), number(a.get_text())) for a in parse(file_for(bilingual, "/es" + url)).select("a.figure")]
        assert spanish == english, url
        compared += len(english)
    assert compared > 20


def test_each_language_has_its_feed_and_the_data_files_are_one(bilingual: Path) -> None:
    assert (bilingual / "updates.xml").exists() and (bilingual / "es" / "updates.xml").exists()
    assert re.search(r'<link href="[^"]*/es/corrections/"/>', (bilingual / "es" / "updates.xml").read_text())
    assert (bilingual / "data" / "statistics.csv").exists() and not (bilingual / "es" / "data" / "statistics.csv").exists()


def english_interface_strings() -> list[str]:
    """The catalogue's English strings that a Spanish page must not show: each phrase of each message
    (placeholders and markup cut out), long enough to be words, and not kept as it is by the Spanish
    translation (a file name, a proper name such as "Frictionless Data Package")."""
    from babel.messages.pofile import read_po

    with open(ROOT / "locale" / "es" / "LC_MESSAGES" / "messages.po", encoding="utf-8") as po:
        catalogue = read_po(po)
    phrases = []
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        kept = " ".join(message.string if isinstance(message.string, tuple) else (message.string or "",))
        for text in ids:
            for phrase in re.split(r"%\([a-z_]+\)[sd]|<[^>]+>", text or ""):
                if len(phrase.strip()) >= 12 and phrase.strip() not in kept:
                    phrases.append(phrase.strip())
    return phrases


def english_left(site: Path) -> dict[str, list[str]]:
    """Each Spanish page that still shows an English interface string, with the first few found.
    What is marked lang="en" (a quotation, where a source places it) keeps its source's words."""
    english = english_interface_strings()
    assert len(english) > 100
    leaks = {}
    for url in english_pages(site):
        soup = BeautifulSoup(str(parse(file_for(site, "/es" + url))), "html.parser")  # a copy: parse() caches
        for quoted in soup.select('[lang="en"]'):
            quoted.decompose()
        text = " ".join(soup.get_text(" ").split())
        found = [phrase for phrase in english if phrase in text]
        if found:
            leaks[url] = found[:3]
    return leaks


def test_the_shipped_spanish_pages_show_no_english_interface_string(shipped_site: Path) -> None:
    assert file_for(shipped_site, "/es/sheets/victims/") is not None
    assert english_left(shipped_site) == {}


def test_spanish_pages_speak_spanish(bilingual: Path) -> None:
    leaks = english_left(bilingual)
    assert not leaks, leaks
    home = parse(file_for(bilingual, "/es/"))
    assert home.select_one("h1").get_text(strip=True) != parse(file_for(bilingual, "/")).select_one("h1").get_text(strip=True)


def test_quotations_stay_in_their_words_with_the_sites_translation_beside(bilingual: Path) -> None:
    english = parse(file_for(bilingual, "/stats/cases-2020/sources/"))
    spanish = parse(file_for(bilingual, "/es/stats/cases-2020/sources/"))
    quotes = [q.get_text(" ", strip=True) for q in english.select("li.citation blockquote")]
    assert quotes and [q.get_text(" ", strip=True) for q in spanish.select('li.citation blockquote[lang="en"]')] == quotes
    translations = spanish.select("li.citation .quote-translation")
    assert len(translations) == len(quotes)
    assert all(t.select_one(".quote-translation-label").get_text(strip=True) == "Traducción del sitio:" for t in translations)
    assert not english.select(".quote-translation") and not english.select('blockquote[lang]')


def test_hostile_markup_in_every_spanish_text_is_refused_or_shown_as_text(tmp_path: Path) -> None:
    """The hostile-text gate of the English content (tests/test_bad_input.py), over every translated
    field: each is refused with a located message or shown, as written, on the pages as text."""
    from factsite.content.load import load_content
    from factsite.content.validate import validate

    from .test_bad_input import HOSTILE, MARKDOWN_FIELDS, content_files, markers_shown, put, string_fields

    english = content_files(FIXTURES / "good")
    english["site.yaml"]["languages"] = ["en", "es"]
    spanish = {f"es/{relative}": record for relative, record in content_files(FIXTURES / "good-es" / "es").items()}

    def write(root: Path, files: dict) -> Path:
        content = copy_good_tree(root)
        shutil.copytree(FIXTURES / "good-es" / "es", content / "es")  # and its methodology
        for relative, record in files.items():
            (content / relative).write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return content

    fields = [(relative, path, text) for relative, record in spanish.items() for path, text in string_fields(record)
              if path[-1] != "translates"]
    accepted, refused = [], []
    for n, (relative, path, text) in enumerate(fields):
        marker = f"ESINJ{n:03d}X"
        files = copy.deepcopy({**english, **spanish})
        put(files[relative], path, f"{text} {HOSTILE.format(m=marker)}")
        root = tmp_path / "one"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir()
        content, problems = validate(load_content(write(root, files)))
        if content is None:
            assert any(str(p).startswith(f"content/{relative}") for p in problems), (relative, path, problems[:3])
            refused.append(path)
        else:
            accepted.append((relative, path, marker))
    assert {"source", "locator"} <= {p[-1] for p in refused}  # the keys that find an English item refuse it
    assert len(accepted) > 20

    files = copy.deepcopy({**english, **spanish})
    for relative, path, marker in accepted:
        text = dict(string_fields(files[relative]))[path]
        put(files[relative], path, f"{text} {HOSTILE.format(m=marker)}")
    (tmp_path / "all").mkdir()
    site = tmp_path / "all" / "site"
    result = build_site(write(tmp_path / "all", files), site, draft=True, cache_dir=tmp_path / "cache")
    assert result.ok, result.lines()
    as_english = [(relative.removeprefix("es/"), path, marker) for relative, path, marker in accepted]
    shown = markers_shown(site, as_english)
    missing = [".".join(map(str, p)) for r, p, m in as_english if m not in shown and (r.split("/")[0], p[-1]) not in MARKDOWN_FIELDS]
    assert missing == [], f"translated fields that took markup but are shown on no page: {missing}"

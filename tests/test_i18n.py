"""Interface strings through gettext (factsite/web/catalogues.py, render.make_environment): the
catalogues are current and complete, a shipped language's gaps stop the build, es-US numbers and
dates come from Babel, and a page rendered in another language keeps no English interface string."""

from __future__ import annotations

import re
import shutil
from datetime import date
from html import unescape
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_decimal, format_percent

from factsite.content.figures import display
from factsite.content.load import load_content
from factsite.content.model import Figure
from factsite.content.validate import validate
from factsite.pipeline import load_and_validate
from factsite.web.assets import collect_assets
from factsite.web.catalogues import LOCALE_DIR, TEMPLATE, catalogue_problems, po_path, translations
from factsite.web.dates import readable_date
from factsite.web.pages import SiteModel
from factsite.web.render import Language, make_environment, render_pages, shared_context

from .conftest import FIXTURES, GOOD, ROOT, copy_good_tree

CATALOGUE_FIXTURE = FIXTURES / "catalogue"


def _locale_with(tmp_path: Path, language: str, po: Path, pot: Path | None = None) -> Path:
    locale = tmp_path / "locale"
    po_path(language, locale).parent.mkdir(parents=True)
    shutil.copy(po, po_path(language, locale))
    if pot is not None:
        shutil.copy(pot, locale / TEMPLATE)
    return locale


def test_a_missing_and_a_fuzzy_entry_are_reported_with_their_lines(tmp_path: Path) -> None:
    locale = _locale_with(tmp_path, "xx", CATALOGUE_FIXTURE / "messages.po", CATALOGUE_FIXTURE / "messages.pot")
    messages = [str(problem) for problem in catalogue_problems("xx", locale)]
    assert messages == [
        'locale/xx/LC_MESSAGES/messages.po:10: msgid "More figures": no translation',
        'locale/xx/LC_MESSAGES/messages.po:14: msgid "The figures": fuzzy',
        'locale/xx/LC_MESSAGES/messages.po: msgid "Fact sheets": in messages.pot but not in this catalogue: '
        'run pybabel update',
    ]


def test_a_fuzzy_translation_is_never_shown(tmp_path: Path) -> None:
    locale = _locale_with(tmp_path, "xx", CATALOGUE_FIXTURE / "messages.po")
    gettext = translations("xx", locale).gettext
    assert (gettext("Key figures"), gettext("The figures"), gettext("More figures")) == (
        "Cifras clave", "The figures", "More figures")


def test_the_spanish_catalogue_is_complete() -> None:
    assert catalogue_problems("es") == []
    assert catalogue_problems("en") == []  # English is the msgids


def _set_languages(content_dir: Path, languages: str) -> None:
    site = content_dir / "site.yaml"
    site.write_text(site.read_text() + f"languages: {languages}\n")


def test_a_shipped_language_without_a_catalogue_stops_the_build(tmp_path: Path) -> None:
    content_dir = copy_good_tree(tmp_path)
    shutil.copytree(FIXTURES / "good-es" / "es", content_dir / "fr")  # its content translated (words aside)
    _set_languages(content_dir, "[en, fr]")
    content, problems = load_and_validate(content_dir)
    assert content is None
    assert ("locale/fr/LC_MESSAGES/messages.po: no catalogue for language 'fr': create it with "
            "pybabel init -i locale/messages.pot -d locale -l fr") in [str(p) for p in problems]


def test_a_shipped_language_with_a_complete_catalogue_builds(tmp_path: Path) -> None:
    content_dir = copy_good_tree(tmp_path)
    shutil.copytree(FIXTURES / "good-es" / "es", content_dir / "es")  # its content translated too
    _set_languages(content_dir, "[en, es]")
    content, problems = load_and_validate(content_dir)
    assert content is not None, problems
    assert content.site.languages == ["en", "es"]


def test_a_language_code_is_checked(tmp_path: Path) -> None:
    content_dir = copy_good_tree(tmp_path)
    _set_languages(content_dir, "[en, Spanish]")
    content, problems = load_and_validate(content_dir)
    assert content is None
    assert any("languages" in p.field for p in problems), problems


def _msgids(catalogue_file: Path) -> set:
    with catalogue_file.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_the_message_template_is_current(tmp_path: Path) -> None:
    """locale/messages.pot holds every marked string: extracting again (the README's command) gives the same."""
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "--omit-header",
                                "-o", str(fresh), str(ROOT)])
    assert _msgids(fresh) == _msgids(LOCALE_DIR / TEMPLATE), \
        "strings changed: run the pybabel extract and update commands in README.md, Languages"


def test_es_us_numbers_and_dates_are_babels_and_keep_us_digits() -> None:
    # What CLDR gives for es-US (checked, Babel 2.19): US grouping and decimal point, no space before %.
    assert format_decimal(1499, locale="es_US") == "1,499"
    assert format_decimal(21.4, locale="es_US") == "21.4"
    assert format_percent(0.59, locale="es_US") == "59%"
    assert format_date(date(2026, 11, 23), format="long", locale="es_US") == "23 de noviembre de 2026"
    assert readable_date("2026-11-23", language="es") == "23 de noviembre de 2026"
    assert readable_date("2021-06", language="es") == "junio de 2021"
    assert readable_date("2021", language="es") == "2021"
    assert readable_date("2026-11-23") == "23 November 2026"  # English unchanged


@pytest.mark.parametrize(("figure", "english", "spanish"), [
    (Figure(value=1499, unit="count"), "1,499", "1,499"),
    (Figure(value=59, unit="percent"), "59%", "59%"),
    (Figure(value=12.5, unit="percent"), "12.5%", "12.5%"),
    (Figure(value=21.4, unit="million", approximate=True), "about 21.4 million", "alrededor de 21.4 millones"),
])
def test_a_figure_in_spanish_is_written_by_babel(figure: Figure, english: str, spanish: str) -> None:
    assert display(figure) == english
    assert display(figure, "es") == spanish


# --- The gate the issue asks for: no English catalogue string on a page in another language. ---

PLACEHOLDER_OR_TAG = re.compile(r"<[^>]*>|%\([a-z_]+\)[sd]|&[a-z]+;")


def _stub_string(message_id: str) -> str:
    """The stub translation: 'ES', then the msgid's tags, entities and placeholders, and none of its words."""
    return "ES " + "".join(PLACEHOLDER_OR_TAG.findall(message_id))


def _stub_locale(tmp_path: Path) -> Path:
    """A stub es catalogue in its own locale folder: every msgid of messages.pot 'translated' by _stub_string."""
    with (LOCALE_DIR / TEMPLATE).open("rb") as handle:
        template = read_po(handle)
    stub = Catalog(locale="es")
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = tuple(_stub_string(ids[-1]) for _ in range(stub.num_plurals)) if len(ids) > 1 else _stub_string(ids[0])
        stub.add(message.id, strings, flags=message.flags)
    buffer = BytesIO()
    write_po(buffer, stub)
    path = po_path("es", tmp_path / "locale")
    path.parent.mkdir(parents=True)
    path.write_bytes(buffer.getvalue())
    return tmp_path / "locale"


class _VisibleText(HTMLParser):
    """Text a reader sees or hears: text nodes outside script and style, and the attributes read out."""

    READ_ATTRIBUTES = {"alt", "title", "aria-label", "content", "placeholder"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.pieces += [value for name, value in attrs if name in self.READ_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.pieces.append(data)


def _words_of(message_id: str) -> list[str]:
    """The English phrases of a msgid, between its tags and placeholders."""
    prose = re.sub(r"<code>.*?</code>", " ", message_id)  # file and column names are not English words
    phrases = (re.sub(r"\s+", " ", piece).strip(" .,:;()") for piece in PLACEHOLDER_OR_TAG.split(unescape(prose)))
    return [phrase for phrase in phrases if re.search(r"[A-Za-z]{2}", phrase)]


def test_a_page_in_another_language_keeps_no_english_interface_string(tmp_path: Path) -> None:
    """Every page of the fixture site, rendered with a complete stub catalogue: a text node that is an
    English msgid phrase, or holds one of four words or more, is an interface string left in English."""
    locale = _stub_locale(tmp_path)
    content, problems = validate(load_content(GOOD))
    assert content is not None, problems
    model = SiteModel(content, "https://i18n.example.org", language="es", locale_dir=locale)
    env = make_environment(ROOT / "templates", language="es", locale_dir=locale)
    common = shared_context(model, collect_assets(ROOT / "static").urls, draft=False, languages=["en", "es"])
    pages = {output.removeprefix("es/"): html for output, html in render_pages({"es": Language(env, common)}, model.pages())}
    with (LOCALE_DIR / TEMPLATE).open("rb") as handle:
        ids = [m.id for m in read_po(handle) if m.id]
    phrases = {phrase for message_id in ids for singular in ([message_id] if isinstance(message_id, str) else message_id)
               for phrase in _words_of(singular)}
    long_phrases = [phrase for phrase in phrases if len(phrase.split()) >= 4]
    assert len(pages) > 20
    assert "ES" in pages["index.html"].decode()
    leaks = set()
    for output, html in pages.items():
        parser = _VisibleText()
        parser.feed(html.decode())
        for piece in parser.pieces:
            text = re.sub(r"\s+", " ", piece).strip(" .,:;()")
            if text in phrases:
                leaks.add((output, text))
            leaks.update((output, phrase) for phrase in long_phrases if phrase in text)
    assert sorted(leaks) == []

"""The interface's own words in each language: gettext catalogues under locale/, read with Babel.

English is the source language: its words are the msgids, so it needs no catalogue. Another language
`xx` reads locale/xx/LC_MESSAGES/messages.po, compiled in memory (no .mo file is committed: a binary
copy of a text file could go stale, and compiling takes milliseconds). Fuzzy entries are left out of
the compiled catalogue, and `catalogue_problems` reports them with the missing ones, so a shipped
language never shows an English string or a guess.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from ..content.errors import Problem
from ..content.locales import DEFAULT_LANGUAGE

ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = ROOT / "locale"
TEMPLATE = "messages.pot"  # what extraction writes: every msgid, no translation


def N_(message: str) -> str:
    """Marks a string for extraction (pybabel finds N_("...")); it is translated where the page is built."""
    return message


def po_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "messages.po"


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def catalogue_digest(language: str, locale_dir: Path = LOCALE_DIR) -> str:
    """A short digest of the language's catalogue ("none" for English, which has none, or a missing one)."""
    path = po_path(language, locale_dir)
    if language == DEFAULT_LANGUAGE or not path.exists():
        return "none"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def translations(language: str, locale_dir: Path = LOCALE_DIR, digest: str | None = None) -> NullTranslations:
    """The language's translations, compiled once per process and version of its catalogue (the dev
    server rebuilds in one process: an edited .po is read again); English (the msgids) needs none.
    A caller that has the catalogue's `digest` (catalogue_digest) passes it: the file is not read again."""
    return _translations(language, locale_dir, catalogue_digest(language, locale_dir) if digest is None else digest)


# Bounded: the dev server rebuilds in one process, and each edit of a .po is a new digest; a few
# languages' current catalogues fit, and an old version, never asked for again, is let go.
@lru_cache(maxsize=8)
def _translations(language: str, locale_dir: Path, digest: str) -> NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, _read(po_path(language, locale_dir)))  # fuzzy entries left out: never shown
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def gettext_for(language: str, locale_dir: Path = LOCALE_DIR) -> Callable[[str], str]:
    """The function that translates a marked string (N_) into `language`."""
    return translations(language, locale_dir).gettext


def _shown(message_id: str | tuple[str, ...]) -> str:
    singular = message_id[0] if isinstance(message_id, tuple) else message_id
    return singular if len(singular) <= 60 else singular[:57] + "..."


def catalogue_problems(language: str, locale_dir: Path = LOCALE_DIR) -> list[Problem]:
    """Every string a shipped language would show in English: each entry of its .po that has no
    translation or a fuzzy one (with its line), and each msgid of messages.pot missing from the .po."""
    if language == DEFAULT_LANGUAGE:
        return []
    path = po_path(language, locale_dir)
    shown_path = path.relative_to(locale_dir.parent).as_posix()
    if not path.exists():
        return [Problem(shown_path, None, "", f"no catalogue for language {language!r}: create it with "
                        f"pybabel init -i locale/{TEMPLATE} -d locale -l {language}")]
    catalogue = _read(path)
    problems = []
    for message in catalogue:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        what = "fuzzy" if message.fuzzy else "no translation" if not all(strings) else ""
        if what:
            problems.append(Problem(shown_path, message.lineno, f'msgid "{_shown(message.id)}"', what))
    template_path = locale_dir / TEMPLATE
    if template_path.exists():
        for message in _read(template_path):
            if message.id and catalogue.get(message.id, message.context) is None:
                problems.append(Problem(shown_path, None, f'msgid "{_shown(message.id)}"',
                                        f"in {TEMPLATE} but not in this catalogue: run pybabel update"))
    return problems


def shipped_catalogue_problems(languages: list[str], locale_dir: Path = LOCALE_DIR) -> list[Problem]:
    """What the build reports for the languages the site ships in (content/site.yaml, languages)."""
    return [problem for language in dict.fromkeys(languages) for problem in catalogue_problems(language, locale_dir)]

"""Rules every text field follows, whatever its model: no invisible or control characters.

Bidirectional overrides (U+202E) make "1,499" read as "994,1"; zero-width characters split words
so that search no longer finds them and make two different slugs look the same; a NUL or other C0
control character in a link or title ends up as raw bytes in the HTML. None of them has a use in
this site's English text, so every string in a content file is checked, keys included.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

Loc = tuple[str | int, ...]

# Fields whose text is Markdown: line breaks and tabs are part of the format there, and nowhere else.
MULTILINE_FIELDS = {("Sheet", "introduction"), ("SheetText", "introduction")}  # the English and its translation

# Line and paragraph separators are not category Cf, but break lines in JSON and JavaScript.
_SEPARATORS = {"\u2028", "\u2029"}


def _refused(char: str, multiline: bool) -> bool:
    if multiline and char in "\n\t":
        return False
    return unicodedata.category(char) in ("Cc", "Cf") or char in _SEPARATORS


def _name(char: str) -> str:
    names = {"\x00": "NULL", "\n": "LINE FEED (a line break)", "\t": "CHARACTER TABULATION (a tab)", "\r": "CARRIAGE RETURN"}
    return names.get(char) or unicodedata.name(char, "(a control character)")


def first_refused(text: str, multiline: bool = False) -> int | None:
    """The offset of the first refused character in `text`, or None."""
    if text.isascii() and text.isprintable():
        return None  # the usual case, decided without looking up each character's category
    return next((index for index, char in enumerate(text) if _refused(char, multiline)), None)


def invisible_character(text: str, multiline: bool = False) -> str | None:
    """What is wrong with `text`, or None: the first refused character, named, with the text before it."""
    index = first_refused(text, multiline)
    if index is None:
        return None
    char = text[index]
    before = text[max(0, index - 20):index].rsplit("\n", 1)[-1]  # on its own line: messages give the line
    where = f" after {before!r}" if before.strip() else " at the start"
    fix = "write it on one line" if char in "\n\r" else "delete it (retype the text around it if you cannot see it)"
    return (f"contains the invisible character U+{ord(char):04X} {_name(char)}{where}: {fix}; "
            "text fields may not hold control, format (bidirectional, zero-width) or separator characters")


# A path inside this repository ("shared/seeds/000_x.txt", "content/stats/a.yaml"): every text is
# public, and a reader can follow none of them. A web address that contains such a path is fine.
REPOSITORY_PATH_RE = re.compile(r"(?<![\w./-])(?:\.\./)*(?:shared|seeds|content|factsite|tests|templates|static)(?:/[\w.-]*\w)+")


def repository_path(text: str) -> str | None:
    """What is wrong with `text` if it names a path in this repository, or None."""
    match = REPOSITORY_PATH_RE.search(text) if "/" in text else None
    if match is None:
        return None
    return (f"{match.group(0)!r} is a path in this repository, and every text here is public: "
            "say where a reader can find the source instead (its outlet, title and address)")


def text_problems(data: Any, model_name: str) -> list[tuple[Loc, str]]:
    """(location, message) for every string in a record, key or value, that holds a refused character
    or names a path in the repository."""
    found: list[tuple[Loc, str]] = []

    # Plain recursion into one list: a generator per node cost as much as all the other checks.
    def walk(value: Any, loc: Loc) -> None:
        if isinstance(value, str):
            # Every refused character is non-printable (Cc, Cf, Zl, Zp), so most strings are decided at once.
            if not value.isprintable():
                field = next((part for part in reversed(loc) if isinstance(part, str)), "")
                problem = invisible_character(value, multiline=(model_name, field) in MULTILINE_FIELDS and len(loc) == 1)
                if problem:
                    found.append((loc, problem))
            if "/" in value:
                path = repository_path(value)
                if path:
                    found.append((loc, path))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and not key.isprintable():
                    problem = invisible_character(key)
                    if problem:
                        found.append((loc + (key,), "the field name " + problem))
                walk(item, loc + (key,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, loc + (i,))

    walk(data, ())
    return found

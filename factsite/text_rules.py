"""Rules every text field follows, whatever its model: no invisible or control characters.

Bidirectional overrides (U+202E) make "1,499" read as "994,1"; zero-width characters split words
so that search no longer finds them and make two different slugs look the same; a NUL or other C0
control character in a link or title ends up as raw bytes in the HTML. None of them has a use in
this site's English text, so every string in a content file is checked, keys included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

Loc = tuple[str | int, ...]

# Fields whose text is Markdown: line breaks and tabs are part of the format there, and nowhere else.
MULTILINE_FIELDS = {("Sheet", "introduction")}

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


def text_problems(data: Any, model_name: str, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """(location, message) for every string in a record, key or value, that holds a refused character."""
    if isinstance(data, str):
        field = next((part for part in reversed(loc) if isinstance(part, str)), "")
        problem = invisible_character(data, multiline=(model_name, field) in MULTILINE_FIELDS and len(loc) == 1)
        if problem:
            yield loc, problem
    elif isinstance(data, dict):
        for key, value in data.items():
            problem = invisible_character(key) if isinstance(key, str) else None
            if problem:
                yield loc + (key,), "the field name " + problem
            yield from text_problems(value, model_name, loc + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from text_problems(value, model_name, loc + (i,))

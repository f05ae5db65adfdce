"""How figures are written, and whether a quoted passage states a given figure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_decimal, format_percent

from .locales import DEFAULT_LANGUAGE, LOCALES, NUMBER_WORDS
from .model import Figure

# {figure} and {figure:slug}: where a sentence or an introduction prints a figure (as a link to its sources).
FIGURE_MARK_RE = re.compile(r"\{figure(?::([^}]*))?\}")


def format_number(value: float) -> str:
    """1499 -> '1,499'; 21.4 -> '21.4'; 59.0 -> '59'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.10f}".rstrip("0").rstrip(".")


ANY_DECIMALS = "#,##0.##########"  # every decimal the value has, as format_number writes it


def display(figure: Figure, language: str = DEFAULT_LANGUAGE) -> str:
    """The figure as the page prints it, in `language` (another than English formatted by Babel).

    A hand-written display is returned as written: its translation is the content's."""
    if figure.display:
        return figure.display
    return _written(figure.value, figure.unit, figure.approximate, language)


@lru_cache(maxsize=65536)
def _written(value: float, unit: str, approximate: bool, language: str) -> str:
    # Memoised: a figure is printed on its page, its sources page, its sheet, cards and lists, and
    # Babel's formatting of each was a third of planning a large site.
    words = NUMBER_WORDS[language]
    if language == DEFAULT_LANGUAGE:  # English keeps its own writing: what the pages have always printed
        number = format_number(value)
        percent = f"{number}%"
    else:
        exact = Decimal(str(value))  # exact: 21.4 / 100 as a float is not 0.214
        number = format_decimal(exact, format=ANY_DECIMALS, locale=LOCALES[language])
        percent = format_percent(exact / 100, format=ANY_DECIMALS + "%", locale=LOCALES[language])
    text = {"percent": percent, "million": f"{number} {words['million']}"}.get(unit, number)
    return f"{words['about']} {text}" if approximate else text


_MINUS_RE = re.compile(r"(?<![\w.,])[\u2212\u2012\u2013-](?=\d)")  # a sign: not after a word or number


def _normalise(text: str, keep_minus: bool = False) -> str:
    """Fold case, dashes, non-breaking spaces and typographic quirks so equal texts compare equal.

    With `keep_minus`, a minus sign before a number (-5, \u22125) stays, as '-': a negative figure
    must be quoted with its sign."""
    text = text.casefold().replace("\u00a0", " ").replace("\u2009", " ")
    if keep_minus:
        text = _MINUS_RE.sub("\u2212", text)  # kept apart from the dashes folded below
    text = re.sub(r"[\u2010-\u2015-]", " ", text)
    if keep_minus:
        text = text.replace("\u2212", "-")
    return re.sub(r"\s+", " ", text)


_TYPOGRAPHIC_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def comparable_text(text: str) -> str:
    """A quote or a page's text, folded as the quote checks fold them (case, dashes, spaces), and curly
    quotes made straight: `build.py links` looks for each quote in its page's text so folded."""
    return _normalise(text.translate(_TYPOGRAPHIC_QUOTES)).strip()


def _number_forms(value: float) -> list[str]:
    """The ordinary ways of writing a number: 1,499 / 1499 / 1 499."""
    plain = format_number(value)
    return sorted({plain, plain.replace(",", ""), plain.replace(",", " ")}, key=len, reverse=True)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _number_ends(text: str, value: float) -> Iterator[int]:
    """Where `text` writes `value` as a whole number (never inside a longer one): the offset just after it.

    Plain string search rather than a regular expression per figure: compiling one pattern for each
    of thousands of figures cost more than all the other checks together.
    """
    for form in _number_forms(value):
        start = text.find(form)
        while start != -1:
            end = start + len(form)
            before_ok = start == 0 or not (text[start - 1].isdecimal() or text[start - 1] in ".,")
            after = text[end:end + 2]
            after_ok = not (after[:1].isdecimal() or (after[:1] in (".", ",") and after[1:2].isdecimal()))
            if before_ok and after_ok:
                yield end
            start = text.find(form, start + 1)


def _word_follows(text: str, offset: int, words: tuple[str, ...]) -> bool:
    """Is one of `words` (a whole word, or a symbol) at `offset`, after at most one space?"""
    if text[offset:offset + 1].isspace():
        offset += 1
    for word in words:
        if text.startswith(word, offset):
            following = text[offset + len(word):offset + len(word) + 1]
            if not _is_word_char(word[-1]) or not (following and _is_word_char(following)):
                return True
    return False


def states_number(text: str, value: float, unit: str) -> bool:
    """Does normalised `text` state `value` in `unit`, written any ordinary way?"""
    if unit == "percent":
        return any(_word_follows(text, end, ("%", "percent", "per cent", "pc")) for end in _number_ends(text, value))
    if unit == "million":
        if any(_word_follows(text, end, ("million", "m")) for end in _number_ends(text, value)):
            return True
        value = round(value * 1_000_000)
    return next(_number_ends(text, value), None) is not None


def words_value(text: str) -> str:
    """'OVER ONE-THIRD' and 'over a third' both normalise to comparable words."""
    text = _normalise(text)
    return re.sub(r"\b(a|one)\s+third\b", "one third", text)


def quote_states(quote: str, figure: Figure) -> bool:
    """Does the quoted passage state this figure, allowing the ordinary ways of writing it?"""
    if figure.unit == "words":
        return words_value(display(figure)) in words_value(quote)
    return states_number(_normalise(quote, keep_minus=figure.value < 0), figure.value, figure.unit)


def quote_states_text(quote: str, figure_text: str) -> bool:
    """Does the quote state a competing figure given as text ('561', '218', '65%')?"""
    match = re.fullmatch(r"\s*([\d,.]+)\s*(%|percent| million)?\s*", figure_text)
    if not match:
        return words_value(figure_text) in words_value(quote)
    value = float(match.group(1).replace(",", ""))
    unit = {"%": "percent", "percent": "percent", " million": "million"}.get(match.group(2) or "", "count")
    return states_number(_normalise(quote), value, unit)


# --- How a hand-written display may word a figure -------------------------------------------------
# `display` replaces the figure on every page, card and download, so it may only reword the validated
# number, never change it: an optional qualifier, the number in an ordinary written form, its unit.

QUALIFIERS = ("about", "around", "approximately", "roughly", "nearly", "almost", "over", "more than", "under",
              "less than", "fewer than", "at least", "at most", "up to", "just over", "just under", "close to")
_QUALIFIER = "(?:" + "|".join(sorted((q.replace(" ", r"\s") for q in QUALIFIERS), key=len, reverse=True)) + r")\s"
_NUMBER = r"(?P<sign>[-\u2212])?(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?P<decimals>\.\d+)?"
_UNITS = {"percent": r"(?:%|\spercent|\sper\scent)", "million": r"\smillion", "count": ""}
_DISPLAY_RE = {unit: re.compile(f"(?:{_QUALIFIER})?{_NUMBER}{pattern}", re.IGNORECASE) for unit, pattern in _UNITS.items()}

_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_PARTS = {"half": 2, "third": 3, "quarter": 4, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
          "ninth": 9, "tenth": 10}
_TIMES = {"twice": 2, "double": 2, "three times": 3, "four times": 4, "five times": 5, "six times": 6,
          "seven times": 7, "eight times": 8, "nine times": 9, "ten times": 10}
_TIMES_ALTERNATIVES = "|".join(t.replace(" ", r"\s") for t in _TIMES)
_WORDS_RE = re.compile(
    f"(?:{_QUALIFIER})?(?:"
    rf"(?P<count>{'|'.join(_COUNTS)})[\s-](?P<part>{'|'.join(_PARTS)})s?|(?P<half>half)"
    rf"|(?P<times>{_TIMES_ALTERNATIVES})(?:\sas\s(?:many|much|often|likely))?"
    ")", re.IGNORECASE)
# The qualifiers that make a figure in words a lower or an upper bound ("over one third" is more than 33.3%).
BOUND_QUALIFIERS = {"lower": ("over", "more than", "at least", "just over"),
                    "upper": ("under", "less than", "fewer than", "at most", "up to", "nearly", "almost", "just under")}
WORDS_TOLERANCE = 0.02  # "one third" over a value of 0.33: the words round, the value a little less


def _words_number(match: re.Match[str]) -> float:
    if match.group("half"):
        return 0.5
    if match.group("times"):
        return _TIMES[re.sub(r"\s+", " ", match.group("times").lower())]
    return _COUNTS[match.group("count").lower()] / _PARTS[match.group("part").lower()]


def display_problem(figure: Figure) -> str | None:
    """What is wrong with a hand-written display (how to fix it), or None when it rewords the value faithfully."""
    if not figure.display:
        return None
    text = re.sub(r"[ \u00a0]+", " ", figure.display)
    if figure.unit == "words":
        match = _WORDS_RE.fullmatch(text)
        if match is None:
            return (f"{figure.display!r} is not an allowed way to write a figure in words: write a fraction or a "
                    "multiple, optionally after a word such as over, nearly or about (\"Over one third\", "
                    "\"Nearly two thirds\", \"Over twice as many\")")
        # The value is the bound the words state, in bound_unit: "Over one third" is 33.3 (percent).
        said = _words_number(match) * (100 if figure.bound_unit == "percent" else 1)
        if abs(said - figure.value) > WORDS_TOLERANCE * said:
            example = "33.3 with bound_unit: percent, or 2 for twice as many with bound_unit: times"
            return (f"{figure.display!r} says {said:g} but the value is {figure.value:g}: "
                    f"make the value the bound the words state (e.g. {example})")
        lowered = text.lower()
        direction = next((d for d, words in BOUND_QUALIFIERS.items() if lowered.startswith(tuple(w + " " for w in words))), None)
        if direction and figure.bound and direction != figure.bound:
            return (f"{figure.display!r} states an {direction} bound, but the figure's bound is {figure.bound}: "
                    f"set bound: {direction}")
        return None
    match = _DISPLAY_RE[figure.unit].fullmatch(text)
    unit_words = {"percent": " with % or percent", "million": " followed by million", "count": ""}[figure.unit]
    fix = (f"write the number {format_number(figure.value)}{unit_words}, optionally after a word such as about, "
           "over or nearly; or leave display out")
    if match is None:
        return f"{figure.display!r} is not an allowed way to write the figure {format_number(figure.value)}: {fix}"
    written = float(match.group("number").replace(",", "") + (match.group("decimals") or ""))
    if match.group("sign"):
        written = -written
    if written != figure.value:
        return f"{figure.display!r} prints {format_number(written)} but the value is {format_number(figure.value)}: {fix}"
    return None

"""How figures are written, and whether a quoted passage states a given figure."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .model import Figure

def format_number(value: float) -> str:
    """1499 -> '1,499'; 21.4 -> '21.4'; 59.0 -> '59'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.10f}".rstrip("0").rstrip(".")


def display(figure: Figure) -> str:
    """The figure as the page prints it."""
    if figure.display:
        return figure.display
    number = format_number(figure.value)
    text = {"percent": f"{number}%", "million": f"{number} million"}.get(figure.unit, number)
    return f"about {text}" if figure.approximate else text


def _normalise(text: str) -> str:
    """Fold case, dashes, non-breaking spaces and typographic quirks so equal texts compare equal."""
    text = text.casefold().replace("\u00a0", " ").replace("\u2009", " ")
    text = re.sub(r"[\u2010-\u2015-]", " ", text)
    return re.sub(r"\s+", " ", text)


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
    return states_number(_normalise(quote), figure.value, figure.unit)


def quote_states_text(quote: str, figure_text: str) -> bool:
    """Does the quote state a competing figure given as text ('561', '218', '65%')?"""
    match = re.fullmatch(r"\s*([\d,.]+)\s*(%|percent| million)?\s*", figure_text)
    if not match:
        return words_value(figure_text) in words_value(quote)
    value = float(match.group(1).replace(",", ""))
    unit = {"%": "percent", "percent": "percent", " million": "million"}.get(match.group(2) or "", "count")
    return states_number(_normalise(quote), value, unit)


def display_matches_value(figure: Figure) -> bool:
    """A display written by hand must print the same number as the value."""
    if not figure.display or figure.unit == "words":
        return True
    numbers = re.findall(r"\d[\d,]*(?:\.\d+)?", figure.display)
    if len(numbers) != 1:
        return False
    return float(numbers[0].replace(",", "")) == figure.value

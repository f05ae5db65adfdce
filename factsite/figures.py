"""How figures are written, and whether a quoted passage states a given figure."""

from __future__ import annotations

import re
from functools import lru_cache

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


def _number_patterns(value: float) -> list[str]:
    """Regex fragments for the ordinary ways of writing a number: 1,499 / 1499 / 1 499."""
    plain = format_number(value)
    bare = plain.replace(",", "")
    forms = {re.escape(plain), re.escape(bare), re.escape(plain.replace(",", " "))}
    return sorted(forms, key=len, reverse=True)


@lru_cache(maxsize=None)  # one pattern per distinct figure: re's own cache holds only 512
def number_variants_regex(value: float, unit: str) -> re.Pattern[str]:
    """A pattern matching `value` in `unit` written any ordinary way, never inside a longer number."""
    numbers = "(?:" + "|".join(_number_patterns(value)) + ")"
    if unit == "percent":
        tail = r"\s?(?:%|percent\b|per cent\b|pc\b)"
    elif unit == "million":
        in_full = "|".join(_number_patterns(round(value * 1_000_000)))
        numbers = "(?:" + numbers + r"\s?(?:million\b|m\b)" + "|" + in_full + ")"
        tail = ""
    else:
        tail = ""
    return re.compile(r"(?<![\d.,])" + numbers + r"(?![\d]|[.,]\d)" + tail, re.IGNORECASE)


def words_value(text: str) -> str:
    """'OVER ONE-THIRD' and 'over a third' both normalise to comparable words."""
    text = _normalise(text)
    return re.sub(r"\b(a|one)\s+third\b", "one third", text)


def quote_states(quote: str, figure: Figure) -> bool:
    """Does the quoted passage state this figure, allowing the ordinary ways of writing it?"""
    if figure.unit == "words":
        return words_value(display(figure)) in words_value(quote)
    return bool(number_variants_regex(figure.value, figure.unit).search(_normalise(quote)))


def quote_states_text(quote: str, figure_text: str) -> bool:
    """Does the quote state a competing figure given as text ('561', '218', '65%')?"""
    match = re.fullmatch(r"\s*([\d,.]+)\s*(%|percent| million)?\s*", figure_text)
    if not match:
        return words_value(figure_text) in words_value(quote)
    value = float(match.group(1).replace(",", ""))
    unit = {"%": "percent", "percent": "percent", " million": "million"}.get(match.group(2) or "", "count")
    return bool(number_variants_regex(value, unit).search(_normalise(quote)))


def display_matches_value(figure: Figure) -> bool:
    """A display written by hand must print the same number as the value."""
    if not figure.display or figure.unit == "words":
        return True
    numbers = re.findall(r"\d[\d,]*(?:\.\d+)?", figure.display)
    if len(numbers) != 1:
        return False
    return float(numbers[0].replace(",", "")) == figure.value

"""Does a quoted passage state a figure? Examples, and agreement with the rule written as a regex.

The build matches figures with plain string search (one compiled pattern per figure was the slowest
step of validation at 10,000 statistics). The rule itself reads most clearly as a regular
expression, so the tests keep that regex as the reference and check the fast matcher against it on
generated passages.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factsite.content.figures import _normalise, format_number, quote_states, quote_states_text, states_number
from factsite.content.model import Figure


def reference_pattern(value: float, unit: str) -> re.Pattern[str]:
    """The rule: the number written 1,499 / 1499 / 1 499, never inside a longer number, with its unit."""

    def forms(number: float) -> str:
        plain = format_number(number)
        return "(?:" + "|".join(sorted({re.escape(plain), re.escape(plain.replace(",", "")),
                                        re.escape(plain.replace(",", " "))}, key=len, reverse=True)) + ")"

    whole = r"(?<![\d.,])" + forms(value) + r"(?![\d]|[.,]\d)"  # never part of a longer number
    if unit == "percent":
        return re.compile(whole + r"\s?(?:%|percent\b|per cent\b|pc\b)", re.IGNORECASE)
    if unit == "million":
        in_full = r"(?<![\d.,])" + forms(round(value * 1_000_000)) + r"(?![\d]|[.,]\d)"
        return re.compile(whole + r"\s?(?:million\b|m\b)|" + in_full, re.IGNORECASE)
    return re.compile(whole, re.IGNORECASE)


@pytest.mark.parametrize("quote, value, unit, stated", [
    ("prosecutors charged 1,499 defendants", 1499, "count", True),
    ("prosecutors charged 1499 defendants", 1499, "count", True),
    ("prosecutors charged 1 499 defendants", 1499, "count", True),
    ("prosecutors charged 11,499 defendants", 1499, "count", False),
    ("prosecutors charged 1,4990 defendants", 1499, "count", False),
    ("in 2020, 1,499.5 were", 1499, "count", False),
    ("case 1499.", 1499, "count", True),
    ("59% of victims", 59, "percent", True),
    ("59 percent of victims", 59, "percent", True),
    ("59 per cent of victims", 59, "percent", True),
    ("59 PERCENT", 59, "percent", True),
    ("59 percentage points", 59, "percent", False),
    ("59 victims", 59, "percent", False),
    ("21.4 million people", 21.4, "million", True),
    ("21.4m people", 21.4, "million", True),
    ("21,400,000 people", 21.4, "million", True),
    ("21.4 millions", 21.4, "million", False),
])
def test_examples(quote: str, value: float, unit: str, stated: bool) -> None:
    assert quote_states(quote, Figure(value=value, unit=unit)) is stated
    assert bool(reference_pattern(value, unit).search(_normalise(quote))) is stated


def test_competing_figures_given_as_text() -> None:
    assert quote_states_text("the report counted 561 cases", "561")
    assert quote_states_text("the report counted 65 percent", "65%")
    assert not quote_states_text("the report counted 5610 cases", "561")


FIGURES = [(1499, "count"), (499, "count"), (1, "count"), (59, "percent"), (4, "percent"), (21.4, "million"),
           (1.5, "million"), (0.5, "count"), (1499, "percent")]
SEPARATORS = [",", ".", " ", "1", "0", "%", "percent", "per cent", "pc", "million", "m", "x", "_", "-", "\u00a0", "\u0663"]


@st.composite
def passages(draw: st.DrawFn) -> tuple[str, float, str]:
    """A passage built from ways of writing the figure and the characters that may spoil a match."""
    value, unit = draw(st.sampled_from(FIGURES))
    plain = format_number(value)
    numbers = [plain, plain.replace(",", ""), plain.replace(",", " "), format_number(round(value * 1_000_000))]
    pieces = draw(st.lists(st.sampled_from(numbers + SEPARATORS), max_size=8))
    return _normalise("".join(pieces)), value, unit


@settings(max_examples=3000, deadline=None)
@given(passage=passages())
def test_fast_matcher_agrees_with_the_rule(passage: tuple[str, float, str]) -> None:
    text, value, unit = passage
    assert states_number(text, value, unit) == bool(reference_pattern(value, unit).search(text)), text

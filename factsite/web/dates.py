"""Dates as the site writes them in words: on pages, in chart notes and in citations."""

from __future__ import annotations

import datetime

from babel.dates import format_date, format_skeleton

from ..content.locales import DEFAULT_LANGUAGE, LOCALES

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def month_name(month: str) -> str:
    """'06' -> 'June'."""
    return MONTHS[int(month) - 1]


def readable_date(value: str, day_first: bool = True, language: str = DEFAULT_LANGUAGE) -> str:
    """A date as sources give it (YYYY, YYYY-MM or YYYY-MM-DD) in words: '2021' -> '2021';
    '2021-06' -> 'June 2021'; '2021-06-18' -> '18 June 2021', or 'June 18, 2021' when not day first.
    In Spanish (es-US, by Babel): 'junio de 2021', '18 de junio de 2021'."""
    year, month, day = (value.split("-") + ["", ""])[:3]
    if not month:
        return year
    if language != DEFAULT_LANGUAGE:  # English keeps its own words: the site's pages have always written them so
        locale = LOCALES[language]
        if not day:
            return format_skeleton("yMMMM", datetime.date(int(year), int(month), 1), locale=locale)
        return format_date(datetime.date(int(year), int(month), int(day)), format="long", locale=locale)
    if not day:
        return f"{month_name(month)} {year}"
    return f"{int(day)} {month_name(month)} {year}" if day_first else f"{month_name(month)} {int(day)}, {year}"

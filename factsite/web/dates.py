"""Dates as the site writes them in words: on pages, in chart notes and in citations."""

from __future__ import annotations

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def month_name(month: str) -> str:
    """'06' -> 'June'."""
    return MONTHS[int(month) - 1]


def readable_date(value: str, day_first: bool = True) -> str:
    """A date as sources give it (YYYY, YYYY-MM or YYYY-MM-DD) in words: '2021' -> '2021';
    '2021-06' -> 'June 2021'; '2021-06-18' -> '18 June 2021', or 'June 18, 2021' when not day first."""
    year, month, day = (value.split("-") + ["", ""])[:3]
    if not month:
        return year
    if not day:
        return f"{month_name(month)} {year}"
    return f"{int(day)} {month_name(month)} {year}" if day_first else f"{month_name(month)} {int(day)}, {year}"

"""Cells of the CSV files the site publishes, made safe to open in a spreadsheet.

Excel and LibreOffice run a cell that starts with = + - @ (or a tab or carriage return before one)
as a formula: =HYPERLINK(...) in a title would send a neighbouring cell to another site on a click.
Following OWASP's CSV injection guidance, such a text cell is written with a leading apostrophe,
which spreadsheets show as text; README and the data page say so. Numbers are written as they are.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """`value` as a CSV text cell that no spreadsheet will run."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value

"""'Cite this': ready-to-copy citations of a statistic, naming both the site page and the original source."""

from __future__ import annotations

import json
from dataclasses import dataclass

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


@dataclass(frozen=True)
class CiteInput:
    slug: str
    title: str  # the statistic's short title
    figure: str
    page_url: str
    site_name: str
    reviewed: str  # YYYY-MM-DD: when the site's content was last reviewed
    source_title: str
    source_publisher: str
    source_year: str
    source_url: str | None


def _date_parts(value: str) -> tuple[str, str | None, str | None]:
    parts = value.split("-") + [None, None]
    return parts[0], parts[1], parts[2]


def _long_date(value: str, day_first: bool) -> str:
    year, month, day = _date_parts(value)
    if not month:
        return year
    name = MONTHS[int(month) - 1]
    if not day:
        return f"{name} {year}"
    return f"{int(day)} {name} {year}" if day_first else f"{name} {int(day)}, {year}"


def _source_url(c: CiteInput) -> str:
    return f" {c.source_url}" if c.source_url else ""


def citations(c: CiteInput) -> list[tuple[str, str]]:
    """(style, text) in APA, MLA, Chicago, BibTeX and CSL-JSON."""
    year, month, day = _date_parts(c.reviewed)
    name = f"{c.title}: {c.figure}"
    apa_date = f"{year}, {MONTHS[int(month) - 1]} {int(day)}" if month and day else year
    apa = (f"{c.site_name}. ({apa_date}). {name}. {c.page_url}. Original source: {c.source_publisher}. "
           f"({c.source_year}). {c.source_title}.{_source_url(c)}")
    mla = (f"\u201c{name}.\u201d {c.site_name}, {_long_date(c.reviewed, True)}, {c.page_url}. "
           f"Original source: {c.source_publisher}, {c.source_title}, {c.source_year}{',' + _source_url(c) if c.source_url else ''}.")
    chicago = (f"{c.site_name}. \u201c{name}.\u201d Last reviewed {_long_date(c.reviewed, False)}. {c.page_url}. "
               f"Original source: {c.source_publisher}. {c.source_title}. {c.source_year}.{_source_url(c)}")
    note = f"Original source: {c.source_publisher}, {c.source_title} ({c.source_year}){_source_url(c)}"
    bibtex = (
        f"@misc{{{c.slug.replace('-', '_')},\n"
        f"  title = {{{{{name}}}}},\n"
        f"  author = {{{{{c.site_name}}}}},\n"
        f"  year = {{{year}}},\n"
        f"  url = {{{c.page_url}}},\n"
        f"  note = {{{note}}}\n"
        f"}}"
    )
    csl = json.dumps([{
        "id": c.slug, "type": "webpage", "title": name, "container-title": c.site_name, "URL": c.page_url,
        "issued": {"date-parts": [[int(p) for p in (year, month, day) if p]]},
        "note": note,
    }], indent=2, ensure_ascii=False, sort_keys=True)
    return [("APA", apa), ("MLA", mla), ("Chicago", chicago), ("BibTeX", bibtex), ("CSL-JSON", csl)]

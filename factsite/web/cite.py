"""'Cite this': ready-to-copy citations of a statistic, naming the dated site page and every source
behind the figure, each as it was read ("the report, as reported by <outlet>").

Hand-written rather than citeproc-py: each style here cites one web page plus a note naming the
sources, which CSL has no type for; citeproc-py would need a style file and locale per style and
would still put the chain in a free-text note. What CSL-JSON readers need is the item itself,
which is given in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from .catalogues import N_
from .dates import month_name, readable_date



@dataclass(frozen=True)
class CitedWork:
    """One source as a citation names it."""

    title: str
    publisher: str
    year: str
    url: str | None


@dataclass(frozen=True)
class CitedCredit:
    """A source, and the coverage its words were read in (None when read first-hand)."""

    source: CitedWork
    via: CitedWork | None


@dataclass(frozen=True)
class CiteInput:
    slug: str
    title: str  # the statistic's short title
    figure: str
    page_url: str
    site_name: str
    reviewed: str  # YYYY-MM-DD: when the site's content was last reviewed (the accessed date of the page)
    credits: tuple[CitedCredit, ...]


def _date_parts(value: str) -> tuple[str, str | None, str | None]:
    parts = value.split("-") + [None, None]
    return parts[0], parts[1], parts[2]


def _work(work: CitedWork) -> str:
    return f"{work.publisher}, {work.title} ({work.year}){' ' + work.url if work.url else ''}"


def sources_note(c: CiteInput, gettext: Callable[[str], str] = N_) -> str:
    """'Sources: A, as reported by B; C.' Every credit, in citation order; the address is that of the
    page that holds the quoted words (the coverage, when the source itself was not read)."""
    parts = [gettext(N_("%(publisher)s, %(title)s, as reported by %(via)s")) % {
        "publisher": credit.source.publisher, "title": credit.source.title, "via": _work(credit.via)} if credit.via
        else _work(credit.source) for credit in c.credits]
    return (gettext(N_("Source: %(sources)s.")) if len(parts) == 1 else gettext(N_("Sources: %(sources)s."))) % {
        "sources": "; ".join(parts)}


# LaTeX's special characters, each written so that BibTeX and LaTeX print it as itself.
_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
          "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_RE = re.compile("|".join(re.escape(char) for char in _LATEX))


def latex_escape(text: str) -> str:
    return _LATEX_RE.sub(lambda match: _LATEX[match.group(0)], text)


def _bibtex_url(url: str) -> str:
    """A url field is read verbatim by the url package, except that braces must balance and % and # end it."""
    return url.replace("%", r"\%").replace("#", r"\#").replace("{", "%7B").replace("}", "%7D")


def csl_json(items: list[dict]) -> str:
    """The text json.dumps(items, indent=2, sort_keys=True, ensure_ascii=False) gives, by orjson: the
    json module writes indented JSON in pure Python, 14 µs of a sources page's 0.28 ms. (Text and
    integers only: the two may print a float differently, and a CSL item has none.)"""
    return orjson.dumps(items, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode("utf-8")


def citations(c: CiteInput, gettext: Callable[[str], str] = N_) -> list[tuple[str, str]]:
    """(style, text) in APA, MLA, Chicago, BibTeX and CSL-JSON."""
    year, month, day = _date_parts(c.reviewed)
    name = f"{c.title}: {c.figure}"
    note = sources_note(c, gettext)
    apa_date = f"{year}, {month_name(month)} {int(day)}" if month and day else year
    apa = f"{c.site_name}. ({apa_date}). {name}. {c.page_url}. {note}"
    mla = f"\u201c{name}.\u201d {c.site_name}, {readable_date(c.reviewed)}, {c.page_url}. {note}"
    last_reviewed = gettext(N_("Last reviewed"))
    chicago = f"{c.site_name}. \u201c{name}.\u201d {last_reviewed} {readable_date(c.reviewed, day_first=False)}. {c.page_url}. {note}"
    bibtex = (
        f"@misc{{{c.slug.replace('-', '_')},\n"
        f"  title = {{{{{latex_escape(name)}}}}},\n"
        f"  author = {{{{{latex_escape(c.site_name)}}}}},\n"
        f"  year = {{{year}}},\n"
        f"  url = {{{_bibtex_url(c.page_url)}}},\n"
        f"  urldate = {{{c.reviewed}}},\n"
        f"  note = {{{latex_escape(note)}}}\n"
        f"}}"
    )
    csl = csl_json([{
        "id": c.slug, "type": "webpage", "title": name, "container-title": c.site_name, "URL": c.page_url,
        "issued": {"date-parts": [[int(p) for p in (year, month, day) if p]]},
        "accessed": {"date-parts": [[int(p) for p in (year, month, day) if p]]},
        "note": note,
    }])
    return [("APA", apa), ("MLA", mla), ("Chicago", chicago), ("BibTeX", bibtex), ("CSL-JSON", csl)]

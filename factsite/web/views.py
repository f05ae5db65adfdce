"""What pages show of a statistic or a source: the content model itself, plus only what is derived from it.

A view holds its `Statistic` or `Source` (templates read `view.stat.scope`, `view.source.title`), so a
field added to the content model reaches the templates without being copied here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple
from urllib.parse import urlsplit

from markupsafe import Markup, escape

try:
    # The C function behind escape(): str in, escaped str out, no Markup object made (render.py's
    # template output uses it too). Private to markupsafe, which is pinned; the tests would catch a change.
    from markupsafe import _escape_inner as escape_inner
except ImportError:  # pragma: no cover - another markupsafe: the public function
    escape_inner = None  # type: ignore[assignment]

from ..content.locales import DEFAULT_LANGUAGE
from ..content.figures import FIGURE_MARK_RE
from ..content.markdown_safe import text_segments
from ..content.model import Citation, Discrepancy, Source, Statistic
from .archive_links import ArchiveLink, archive_link
from .charts import ChartModel
from .dates import readable_date
from .catalogues import N_
from .provenance import Provenance

DISPUTE_FLAGS = {"disagree": N_("sources disagree"), "misstated": N_("one source misstates it")}
STATUS_LABELS = {"reported": N_("Reported by the sources below"), "derived": N_("Derived by this site from reported figures"),
                 "disputed": N_("Reported, but sources disagree")}
# Words of the content's own vocabulary that pages print (a source's kind, a change's kind): the
# templates translate them with translated(); marked here so that extraction finds them.
VOCABULARY = (N_("Primary report"), N_("News coverage"), N_("Official statement"), N_("Data release"),
              N_("correction"), N_("update"))


@dataclass(frozen=True, slots=True)
class StatLink:
    """What a link to a statistic prints: its title and figure, and its two pages."""

    slug: str
    short_title: str
    figure: str  # as printed
    url: str
    sources_url: str
    # Its line in a list of figures, made when first printed (see titled_figure): not part of its value.
    line_html: Markup | None = field(default=None, init=False, compare=False, repr=False)


class SheetLink(NamedTuple):
    title: str
    summary: str
    url: str


def _escaped(value: object) -> str:
    """escape(value)'s text: for a str, without making a Markup object of each part (the parts are
    joined into one Markup)."""
    if type(value) is str and escape_inner is not None:
        return escape_inner(value)
    return str(escape(value))


def figure_anchor(href: str, text: str, stat: str | None = None) -> Markup:
    """The site's promise, written once: every printed figure is a link to the passages that state it."""
    return Markup(_figure_anchor(href, text, stat))


def _figure_anchor(href: str, text: str, stat: str | None) -> str:
    # An f-string of escaped parts: Markup.format goes through string.Formatter, three times slower
    # (0.13 s of page models at 10,000 statistics).
    data = f' data-stat="{_escaped(stat)}"' if stat is not None else ""
    return f'<a class="figure" href="{_escaped(href)}"{data}>{_escaped(text)}</a>'


def figure_link(link: StatLink) -> Markup:
    """A statistic's figure, linked to its sources page (the `figure_link` filter of the templates)."""
    return figure_anchor(link.sources_url, link.figure, link.slug)


def titled_figure(link: StatLink) -> Markup:
    """A statistic's title linked to its page, then its figure (the `titled_figure` filter): the line
    of a list of figures (the sources page, the methodology's derived figures, related figures).

    Made once per link (a link is one language's; the dev server keeps it while its statistic is the
    same object) and kept on it, then printed as it is by every list that has the figure: the
    sources page lists each figure once for each source it cites (20,000 lines a language at 10,000
    statistics), and writing its two links again on each line was most of that page's rendering. So the line is written here, not in a template; every
    part escaped. Kept, it costs about 250 bytes a link."""
    made = link.line_html
    if made is None:
        made = Markup(f'<a href="{_escaped(link.url)}">{_escaped(link.short_title)}</a>: '
                      f'{_figure_anchor(link.sources_url, link.figure, link.slug)}')
        object.__setattr__(link, "line_html", made)  # frozen: the link's fields never change; this is none of them
    return made


def link_figures(html: Markup, links: dict[str, StatLink], own: StatLink | None = None) -> Markup:
    """Replace {figure} and {figure:slug} in already-escaped HTML with figure links."""

    def replace(match: re.Match[str]) -> str:
        slug = match.group(1)
        link = own if slug is None else links[slug]
        assert link is not None, "a bare {figure} outside a statistic's sentence is refused by validation"
        return str(figure_link(link))

    text = str(html)
    if "<" not in text:  # a sentence: escaped text, no tags
        return Markup(FIGURE_MARK_RE.sub(replace, text))
    # Only in text: a link inside an attribute or inside another link would break the markup
    # (validation refuses such marks; this keeps the page well-formed regardless).
    return Markup("".join(FIGURE_MARK_RE.sub(replace, piece) if is_text else piece for is_text, piece in text_segments(text)))


def short_url(url: str | None) -> str | None:
    """'https://www.example.org/a/b/' -> 'example.org': short enough to print and type."""
    if not url:
        return None
    host = urlsplit(url).netloc.lower()
    return host.removeprefix("www.")


@dataclass(frozen=True)
class SourceView:
    source: Source
    cited_by: list[StatLink]  # the statistics that cite it, read it through it, or show it disagreeing
    anchor_url: str  # its entry on the sources page, in the page's language
    language: str = DEFAULT_LANGUAGE  # the language its dates are written in


    @property
    def authors(self) -> str:
        return ", ".join(self.source.authors)

    @property
    def published(self) -> str:
        return readable_date(self.source.date_published, language=self.language)

    @property
    def accessed(self) -> str | None:
        return readable_date(self.source.date_accessed, language=self.language) if self.source.date_accessed else None

    @property
    def short_url(self) -> str | None:
        """The address without scheme or "www.", for print."""
        return short_url(self.source.url)

    @property
    def archive(self) -> ArchiveLink | None:
        """Its archived copy, or where to look for one; None for a source without a url."""
        return archive_link(self.source, partial(readable_date, language=self.language))

    @property
    def link_url(self) -> str | None:
        """Where the source is read: its url, or its archived copy once the page is dead."""
        archive = self.archive
        return archive.main_url if archive else self.source.url


@dataclass(frozen=True)
class CitationView:
    citation: Citation
    source: SourceView
    via: SourceView | None
    passage_url: str | None = None  # the page that holds the quote, opened at the quoted words
    translation: str = ""  # on a page in another language: the site's own rendering of the quote

    @property
    def read_in(self) -> SourceView:
        """The source whose page holds the quoted words."""
        return self.via or self.source


@dataclass(frozen=True)
class DiscrepancyView:
    discrepancy: Discrepancy
    source: SourceView
    stat: StatLink  # the statistic it disagrees with
    translation: str = ""  # on a page in another language: the site's own rendering of the quote


@dataclass(frozen=True)
class DerivationView:
    inputs: list[tuple[str, StatLink]]
    arithmetic: str
    result: str
    stated: str
    explanation: str
    range: str | None = None  # the results the rounded inputs allow, worked out by the build


@dataclass(frozen=True)
class DerivedFigure:
    """A derived figure as the methodology page lists it: its link and its arithmetic."""

    link: StatLink
    derivation: DerivationView


@dataclass(frozen=True)
class StatView:
    stat: Statistic
    link: StatLink
    sentence: Markup
    plain_sentence: str  # the sentence with its figures as text, for previews and share links
    citations: list[CitationView]
    derivation: DerivationView | None
    discrepancies: list[DiscrepancyView]
    related: list[StatLink]
    sheets: list[tuple[str, str]]  # (title, url)
    chart: ChartModel | None
    provenance: Provenance  # who the figure is credited to, and where each passage was read
    dispute: str = ""  # "disagree" (a credible source differs) or "misstated" (only sources shown wrong differ)

    @property
    def range(self) -> str | None:
        return self.derivation.range if self.derivation else None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.stat.status]


def card_kicker(link: StatLink, dispute: str, gettext: Callable[[str], str] = N_) -> str:
    """A disputed figure's card says so: it travels without the page that shows the disagreement."""
    title = link.short_title
    return f"{title} \u00b7 {gettext(DISPUTE_FLAGS[dispute])}" if dispute else title


class LazyViews(Mapping[str, StatView]):
    """Each statistic's view, made the first time it is read, then kept. A build after a small change
    renders a few pages: the views of the others (two thirds of planning the site) are never made."""

    def __init__(self, stats: Mapping[str, Statistic], make: Callable[[Statistic], StatView]):
        self._stats, self._make = stats, make
        self._made: dict[str, StatView] = {}

    def __getitem__(self, slug: str) -> StatView:
        view = self._made.get(slug)
        if view is None:
            view = self._made[slug] = self._make(self._stats[slug])
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(self._stats)

    def __len__(self) -> int:
        return len(self._stats)


def dispute_kind(stat: Statistic) -> str:
    """'disagree' when a credible source gives a competing figure; 'misstated' when every source that
    differs is one the site shows to be wrong; '' when the figure is not disputed."""
    competing = [d for d in stat.discrepancies if d.figure]
    if stat.status != "disputed" or not competing:
        return ""
    return "misstated" if all(d.kind == "misstates" for d in competing) else "disagree"

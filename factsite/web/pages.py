"""Page models: everything a template prints, decided here so templates only format."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import segno

from markupsafe import Markup, escape

from ..content import derive

from . import urls
from .jobs import Card, PdfJob
from .charts import ChartModel, build_chart
from .cite import CitedCredit, CitedWork, CiteInput, citations
from ..content.figures import display
from .archive_links import ArchiveLink, archive_link
from .fragments import passage_url
from .history import all_changes
from ..content.markdown_safe import render_markdown, text_segments
from .meta import creative_work, json_ld, share_links
from ..content.model import Chart, Discrepancy, Sheet, Source, Statistic
from .provenance import Credit, Provenance, provenance, sources_line
from ..content.validate import PLACEHOLDER_RE, Content

# What each column of /data/statistics.csv holds (shown on the data page).
DATA_COLUMNS = [
    ("slug", "The figure's identifier; its page is /stats/<slug>/."),
    ("title", "A short name for the figure."),
    ("sentence", "The sentence that states the figure, in this site's words."),
    ("value", "The figure as a number (percentages as 59, not 0.59; millions as 21.4). Empty for a figure stated in words, which is a bound."),
    ("lower_bound", "For a figure in words such as 'over one third': the value it exceeds (33.3), in bound_unit."),
    ("upper_bound", "For a figure in words such as 'under half': the value it stays below, in bound_unit."),
    ("bound_unit", "The unit of the bounds: percent, or times ('over twice as many' is a lower bound of 2 times)."),
    ("range_low", "For a figure worked out from rounded figures: the lowest value the rounding allows."),
    ("range_high", "For a figure worked out from rounded figures: the highest value the rounding allows."),
    ("unit", "percent, count, million, or words (a figure stated in words, such as 'over one third')."),
    ("as_printed", "The figure as the site prints it."),
    ("approximate", "true where the site prints 'about'."),
    ("period", "The time the figure covers."),
    ("scope", "Exactly what is counted."),
    ("status", "reported (a source states it), derived (worked out by this site) or disputed (sources disagree)."),
    ("derivation", "For derived figures, the arithmetic."),
    ("sheets", "The fact sheets the figure appears on, separated by semicolons."),
    ("sources", "Each citation as read: publisher and title, then 'as reported by' the coverage it was read in (when the source itself was not read), where the passage is, and the address of the page that holds it; separated by ' | '."),
    ("page_url", "The figure's page."),
    ("sources_page_url", "The page quoting the passages that state it."),
]
# What the embed page needs beyond its chart image: title, buttons, the numbers' summary and the
# help line (fixed), and a line of 26 px for every 70 characters of text at 640 px wide.
EMBED_FIXED_PX, EMBED_LINE_PX, EMBED_LINE_CHARACTERS = 300, 26, 70
PAPERS = ("letter", "a4")
PAPER_LABELS = {"letter": "US Letter", "a4": "A4"}
DATE_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]


@dataclass(frozen=True)
class Page:
    url: str
    template: str
    title: str
    description: str
    context: dict[str, Any] = field(default_factory=dict)
    card: Card | None = None  # the link-preview image
    structured_data: str = ""  # JSON-LD
    searchable: bool = False  # statistic and fact-sheet pages are what search finds
    search_group: str = ""  # pages indexed together when search is split in parts: a sheet and its statistics
    in_sitemap: bool = True  # not the 404 page, nor the embed pages shown inside other sites
    # (context, structured data), built only when the page is rendered: in the worker processes that
    # render a large site in parallel, and never all held in memory at once
    details: Callable[[], tuple[dict[str, Any], str]] | None = None

    @property
    def output(self) -> str:
        return urls.output_path(self.url)

    def with_details(self) -> "Page":
        """This page with its context and structured data built."""
        if self.details is None:
            return self
        context, structured_data = self.details()
        return replace(self, context=context, structured_data=structured_data, details=None)


@dataclass(frozen=True)
class SourceView:
    id: str
    anchor_url: str
    short_name: str
    title: str
    publisher: str
    authors: str
    date_published: str
    url: str | None
    date_accessed: str | None
    kind: str
    notes: str
    cited_by: list["StatLink"]
    short_url: str | None  # the address without scheme or "www.", for print
    archive: ArchiveLink | None = None  # its archived copy, or where to look for one; None without a url

    @property
    def link_url(self) -> str | None:
        """Where the source is read: its url, or its archived copy once the page is dead."""
        return self.archive.main_url if self.archive else self.url


@dataclass(frozen=True)
class StatLink:
    slug: str
    short_title: str
    figure: str
    url: str
    sources_url: str


@dataclass(frozen=True)
class CitationView:
    source: SourceView
    via: SourceView | None
    locator: str
    quote: str
    note: str = ""  # what the passage gets wrong or leaves out, in the site's words
    passage_url: str | None = None  # the page that holds the quote, opened at the quoted words

    @property
    def read_in(self) -> SourceView:
        """The source whose page holds the quoted words."""
        return self.via or self.source


@dataclass(frozen=True)
class DiscrepancyView:
    source: SourceView
    locator: str
    quote: str
    says: str
    figure: str | None
    resolution: str
    stat: StatLink
    kind: str = "disagrees"  # or "misstates": the site shows the source gets the figure wrong


@dataclass(frozen=True)
class DerivationView:
    inputs: list[tuple[str, StatLink]]
    arithmetic: str
    result: str
    stated: str
    explanation: str
    range: str | None = None  # the results the rounded inputs allow, worked out by the build


@dataclass(frozen=True)
class StatView:
    link: StatLink
    sentence: Markup
    plain_sentence: str  # the sentence with its figures as text, for previews and share links
    period: str
    scope: str
    status: str
    headline: bool
    citations: list[CitationView]
    caveats: list[str]
    derivation: DerivationView | None
    discrepancies: list[DiscrepancyView]
    related: list[StatLink]
    sheets: list[tuple[str, str]]  # (title, url)
    chart: ChartModel | None
    history: list[Any]  # HistoryEntry, oldest first, as the author wrote them
    provenance: Provenance  # who the figure is credited to, and where each passage was read
    dispute: str = ""  # "disagree" (a credible source differs) or "misstated" (only sources shown wrong differ)

    @property
    def range(self) -> str | None:
        return self.derivation.range if self.derivation else None


def readable_date(value: str) -> str:
    """'2021-06-18' -> '18 June 2021'; '2021-06' -> 'June 2021'."""
    parts = value.split("-")
    if len(parts) == 1:
        return parts[0]
    month = DATE_MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def short_url(url: str | None) -> str | None:
    """'https://www.example.org/a/b/' -> 'example.org': short enough to print and type."""
    if not url:
        return None
    host = urlsplit(url).netloc.lower()
    return host.removeprefix("www.")


def qr_code_svg(url: str) -> Markup:
    """A QR code for the printed sheet, as inline SVG (no file, no script)."""
    # A fixed mask: choosing the best of eight took 80% of the time, and any mask scans.
    code = segno.make(url, error="m", mask=0)
    return Markup(code.svg_inline(scale=3, border=2, title=f"QR code for {url}", omitsize=True))


def figure_link(stat: Statistic) -> Markup:
    """Every printed figure is a link to the passage that supports it."""
    # An f-string of escaped parts: Markup.format goes through string.Formatter, three times slower
    # (0.13 s of page models at 10,000 statistics).
    return Markup(f'<a class="figure" href="{escape(urls.stat_sources(stat.slug))}" data-stat="{escape(stat.slug)}">'
                  f'{escape(display(stat.figure))}</a>')


def link_figures(html: Markup, stats: dict[str, Statistic], own: Statistic | None = None) -> Markup:
    """Replace {figure} and {figure:slug} in already-escaped HTML with figure links."""

    def replace(match: re.Match[str]) -> str:
        slug = match.group(1)
        return str(figure_link(own if slug is None else stats[slug]))

    text = str(html)
    if "<" not in text:  # a sentence: escaped text, no tags
        return Markup(PLACEHOLDER_RE.sub(replace, text))
    # Only in text: a link inside an attribute or inside another link would break the markup
    # (validation refuses such placeholders; this keeps the page well-formed regardless).
    return Markup("".join(PLACEHOLDER_RE.sub(replace, piece) if is_text else piece for is_text, piece in text_segments(text)))


def dispute_kind(stat: Statistic) -> str:
    """'disagree' when a credible source gives a competing figure; 'misstated' when every source that
    differs is one the site shows to be wrong; '' when the figure is not disputed."""
    competing = [d for d in stat.discrepancies if d.figure]
    if stat.status != "disputed" or not competing:
        return ""
    return "misstated" if all(d.kind == "misstates" for d in competing) else "disagree"


DISPUTE_FLAGS = {"disagree": "sources disagree", "misstated": "one source misstates it"}


class SiteModel:
    """Builds every page of the site from validated content."""

    def __init__(self, content: Content, base_url: str):
        self.content = content
        self.base_url = base_url.rstrip("/")
        self.stats = content.stats
        self.links = {slug: self._link(stat) for slug, stat in self.stats.items()}
        self.sheet_titles = {sheet.slug: sheet.title for sheet in content.sheets}
        citing: dict[str, list[StatLink]] = {source_id: [] for source_id in content.sources}
        for stat in self.stats.values():
            ids = [c.source for c in stat.citations] + [c.via for c in stat.citations if c.via]
            ids += [d.source for d in stat.discrepancies]
            for source_id in dict.fromkeys(ids):
                citing[source_id].append(self.links[stat.slug])
        self.sources = {sid: self._source(s, citing[sid]) for sid, s in content.sources.items()}
        self.provenances = {slug: provenance(stat, content.sources) for slug, stat in self.stats.items()}
        self.charts = {slug: self._chart(s.chart, s.chart.id or slug, urls.stat(slug)) for slug, s in self.stats.items() if s.chart}
        self.sheet_charts = {
            sheet.slug: [self._chart(chart, chart.id or f"{sheet.slug}-{i + 1}", urls.sheet(sheet.slug))
                         for i, chart in enumerate(sheet.charts)]
            for sheet in content.sheets
        }
        self.views = {slug: self._stat_view(stat) for slug, stat in self.stats.items()}
        self.views_by_sources_url = {view.link.sources_url: view for view in self.views.values()}  # a chart row's figure
        self.changes = all_changes(content)  # the corrections page and the feed

    def _chart(self, chart: Chart, chart_id: str, page_url: str) -> ChartModel:
        """A chart, with the words a downloaded image of it carries: its sources as read, its page, the date."""
        model = build_chart(chart, chart_id, self.stats, self.content.derived_ranges)
        credits = sources_line([self.provenances[point.stat] for point in chart.points], most=3)
        note = f"Source: {credits}.\n{self.absolute(page_url)} \u00b7 {readable_date(self.content.site.last_reviewed)}"
        # The embed page is the chart, its texts and the help line; an iframe cannot size itself
        # without a script, so the code offered is as tall as that page in a 640 px article column.
        texts = [model.description, model.ranges_note, f"Source: {credits}. Every figure with its sources on "
                 f"{self.content.site.title}."]
        lines = sum(math.ceil(len(text) / EMBED_LINE_CHARACTERS) for text in texts if text)
        return replace(model, download_note=note, embed_height=model.wide.height + EMBED_FIXED_PX + EMBED_LINE_PX * lines)

    def pdf_jobs(self) -> list[PdfJob]:
        """A PDF of every fact sheet on each paper size."""
        site = self.content.site
        return [
            PdfJob(output=urls.output_path(urls.sheet_pdf(sheet.slug, paper)), page_output=urls.output_path(urls.sheet(sheet.slug)),
                   page_url=urls.sheet(sheet.slug), paper=paper, title=sheet.title, author=site.title,
                   subject=sheet.summary, date=site.last_reviewed)
            for sheet in self.content.sheets for paper in PAPERS
        ]

    def cards(self) -> list[Card]:
        """Every page's share card, once each."""
        return list({page.card.output: page.card for page in self.pages() if page.card}.values())

    def all_charts(self) -> list[ChartModel]:
        return list(self.charts.values()) + [c for charts in self.sheet_charts.values() for c in charts]

    def _plain(self, stat: Statistic) -> str:
        return PLACEHOLDER_RE.sub(lambda m: display((self.stats[m.group(1)] if m.group(1) else stat).figure), stat.sentence)

    def absolute(self, url: str) -> str:
        return urls.absolute(self.base_url, url)

    def _card(self, name: str, url: str, kicker: str, figure: str | None, sentence: str, source_line: str,
              origin: Callable[[], tuple[tuple[str, str], ...]] | None = None) -> Card:
        return Card(output=urls.output_path(urls.card(name)), url=url, alt=f"{figure + ': ' if figure else ''}{sentence}",
                    kicker=kicker, figure=figure, sentence=sentence, source_line=source_line,
                    site_name=self.content.site.title.split(":")[0], origin=origin)

    def _where(self, key: str, parts: dict[str, tuple[str | int, ...]]) -> tuple[tuple[str, str], ...]:
        """Each card part's file, line and field, from the record it was written in."""
        record = self.content.origin.get(key)
        if record is None:
            return ()
        return tuple((part, f"{record.shown_path}:{record.line_of(loc)}: {'.'.join(str(x) for x in loc)}")
                     for part, loc in parts.items())

    def _stat_card(self, view: StatView) -> Card:
        # A disputed figure's card says so: it travels without the page that shows the disagreement.
        kicker = f"{view.link.short_title} \u00b7 {DISPUTE_FLAGS[view.dispute]}" if view.dispute else view.link.short_title
        source_line = self._sources_line([view], most=1)  # the first credit, "and N more": it must fit the card
        origin = partial(self._where, f"stat:{view.link.slug}", {"kicker": ("short_title",), "figure": ("figure",),
                                                                 "sentence": ("sentence",), "source": ("citations",)})
        return self._card(f"stat-{view.link.slug}", view.link.url, kicker, view.link.figure,
                          view.plain_sentence, source_line, origin)

    @staticmethod
    def _sources_line(views: list[StatView], most: int = 1) -> str:
        """The credits behind a set of figures (each as read: 'the report, as reported by X'), most used first."""
        return sources_line([view.provenance for view in views], most)

    def _work(self, source: Source) -> dict:
        return creative_work(source.title, source.url, source.publisher, source.date_published)

    def _credit_work(self, credit: Credit) -> dict:
        """The page a passage was read on; coverage of a report is based on the report."""
        if credit.via is None:
            return self._work(credit.source)
        return {**self._work(credit.via), "isBasedOn": self._work(credit.source)}

    def _stat_json_ld(self, view: StatView, page_url: str) -> str:
        citations = [self._credit_work(credit) for credit in view.provenance.credits]
        data = {
            "@context": "https://schema.org", "@type": "WebPage", "url": self.absolute(page_url),
            "name": f"{view.link.short_title}: {view.link.figure}", "description": view.plain_sentence,
            "citation": citations, "isPartOf": {"@type": "WebSite", "name": self.content.site.title, "url": self.absolute("/")},
        }
        if view.chart:
            data["mainEntity"] = self._dataset(view.chart)
        return json_ld(data)

    def _dataset(self, chart: ChartModel) -> dict:
        """A chart as a schema.org Dataset: its licence, who made it, when it last changed, and its sources as read."""
        views = [self.views_by_sources_url[row.sources_url] for row in chart.rows if row.sources_url]
        return self._dataset_of(chart.title, chart.description, views,
                                [{"@type": "DataDownload", "encodingFormat": "text/csv",
                                  "contentUrl": self.absolute(chart.url("wide", "csv"))}])

    def _dataset_of(self, name: str, description: str, views: list[StatView], distribution: list[dict]) -> dict:
        site = self.content.site
        changed = [entry.date for view in views for entry in view.history]
        credits = list({credit.key: credit for view in views for credit in view.provenance.credits}.values())
        return {
            "@type": "Dataset", "name": name, "description": description, "distribution": distribution,
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "creator": {"@type": "Organization", "name": site.title, "url": self.absolute("/")},
            "dateModified": max([site.last_reviewed, *changed]),
            "citation": [self._credit_work(credit) for credit in credits],
        }

    def _data_json_ld(self) -> str:
        files = [("statistics.csv", "text/csv"), ("statistics.json", "application/json"), ("sources.json", "application/json"),
                 ("datapackage.json", "application/json")]
        dataset = self._dataset_of(
            f"{self.content.site.title}: every figure", "Every figure on the site, with its sources as read.",
            list(self.views.values()),
            [{"@type": "DataDownload", "encodingFormat": kind, "contentUrl": self.absolute(urls.data() + name)} for name, kind in files])
        return json_ld({"@context": "https://schema.org", **dataset, "url": self.absolute(urls.data())})

    def _embed_pages(self) -> list[Page]:
        """A minimal page per chart, to be shown in an iframe on other sites."""
        owners = [(chart, urls.stat(slug)) for slug, chart in self.charts.items()]
        owners += [(chart, urls.sheet(slug)) for slug, charts in self.sheet_charts.items() for chart in charts]
        pages = []
        for chart, back_url in owners:
            stats = [self.views_by_sources_url[row.sources_url] for row in chart.rows if row.sources_url]
            pages.append(Page(urls.embed(chart.id), "embed.html", chart.title, chart.description,
                              {"chart": chart, "back_url": back_url, "source_line": self._sources_line(stats, most=3)},
                              in_sitemap=False))
        return pages

    def _cite(self, view: StatView) -> list[tuple[str, str]]:
        def work(source: Source) -> CitedWork:
            return CitedWork(source.title, source.publisher, source.date_published[:4], source.url)

        return citations(CiteInput(
            slug=view.link.slug, title=view.link.short_title, figure=view.link.figure,
            page_url=self.absolute(view.link.url), site_name=self.content.site.title.split(":")[0],
            reviewed=self.content.site.last_reviewed,
            credits=tuple(CitedCredit(work(c.source), work(c.via) if c.via else None) for c in view.provenance.credits),
        ))

    def _link(self, stat: Statistic) -> StatLink:
        return StatLink(stat.slug, stat.short_title, display(stat.figure), urls.stat(stat.slug), urls.stat_sources(stat.slug))

    def _source(self, source: Source, cited_by: list[StatLink]) -> SourceView:
        return SourceView(
            id=source.id, anchor_url=urls.source_anchor(source.id), short_name=source.short_name, title=source.title,
            publisher=source.publisher, authors=", ".join(source.authors), date_published=readable_date(source.date_published),
            url=source.url, date_accessed=readable_date(source.date_accessed) if source.date_accessed else None,
            kind=source.kind, notes=source.notes, cited_by=cited_by, short_url=short_url(source.url),
            archive=archive_link(source, readable_date),
        )

    def _discrepancy(self, stat: Statistic, item: Discrepancy) -> DiscrepancyView:
        return DiscrepancyView(self.sources[item.source], item.locator, item.quote, item.says, item.figure,
                               item.resolution, self.links[stat.slug], item.kind)

    def _derivation(self, stat: Statistic) -> DerivationView | None:
        if stat.derivation is None:
            return None
        d = stat.derivation
        values = {name: self.stats[slug].figure.value for name, slug in d.inputs.items()}
        result = self.content.derived_values[stat.slug]
        computed = self.content.derived_ranges.get(stat.slug)
        range_text = computed.text(stat.figure.unit) if computed else None
        return DerivationView(
            inputs=[(name, self.links[slug]) for name, slug in d.inputs.items()],
            arithmetic=derive.printed(d.expression, values),
            result=f"{result:,.{d.round_to + 2}f}",
            stated=display(stat.figure),
            explanation=d.explanation.replace("{range}", range_text or ""),
            range=range_text,
        )

    def _stat_view(self, stat: Statistic) -> StatView:
        return StatView(
            link=self.links[stat.slug],
            sentence=link_figures(escape(stat.sentence), self.stats, stat),
            plain_sentence=self._plain(stat),
            period=stat.period, scope=stat.scope, status=stat.status, headline=stat.headline,
            citations=[
                CitationView(self.sources[c.source], self.sources[c.via] if c.via else None, c.locator, c.quote, c.note,
                             passage_url(self.sources[c.via or c.source].link_url, c.quote, c.locator))
                for c in stat.citations
            ],
            caveats=list(stat.caveats),
            derivation=self._derivation(stat),
            discrepancies=[self._discrepancy(stat, d) for d in stat.discrepancies],
            related=[self.links[slug] for slug in stat.related],
            sheets=[(self.sheet_titles[slug], urls.sheet(slug)) for slug in stat.sheets],
            chart=self.charts.get(stat.slug),
            history=list(stat.history),
            dispute=dispute_kind(stat),
            provenance=self.provenances[stat.slug],
        )

    def _sheet_context(self, sheet: Sheet) -> dict[str, Any]:
        views = [self.views[slug] for slug in sheet.statistics]
        # Printed sheets carry numbered credits at the foot ("the report, as reported by X"); each figure
        # points to the numbers of the credits its citations read.
        numbered: dict[tuple[str, str | None], tuple[int, Credit]] = {}
        for view in views:
            for credit in view.provenance.credits:
                numbered.setdefault(credit.key, (len(numbered) + 1, credit))
        notes = {view.link.slug: sorted({numbered[c.key][0] for c in view.provenance.credits}) for view in views}
        return {
            "sheet": sheet,
            "introduction": link_figures(render_markdown(sheet.introduction), self.stats),
            "stats": views,
            "notes": notes,
            "print_sources": [(credit.text(), short_url(credit.read_in.url)) for _, credit in numbered.values()],
            "charts": self.sheet_charts[sheet.slug],
            "share": share_links(self.absolute(urls.sheet(sheet.slug)), sheet.summary, sheet.title),
            "page_url": self.absolute(urls.sheet(sheet.slug)),
            "statements": [(st, self.sources[st.source]) for st in sheet.statements],
            "qr_svg": qr_code_svg(self.absolute(urls.sheet(sheet.slug))),
            "pdfs": [(PAPER_LABELS[paper], urls.sheet_pdf(sheet.slug, paper)) for paper in PAPERS],
        }

    def _sheet_details(self, sheet: Sheet) -> tuple[dict[str, Any], str]:
        context = self._sheet_context(sheet)
        data = {"@context": "https://schema.org", "@type": "WebPage", "url": context["page_url"], "name": sheet.title,
                "description": sheet.summary, "hasPart": [self._dataset(chart) for chart in context["charts"]]}
        return context, json_ld(data)

    def _stat_details(self, view: StatView) -> tuple[dict[str, Any], str]:
        share = share_links(self.absolute(view.link.url), view.plain_sentence, view.link.short_title)
        return {"stat": view, "share": share}, self._stat_json_ld(view, view.link.url)

    def _stat_sources_details(self, view: StatView) -> tuple[dict[str, Any], str]:
        return {"stat": view, "cite": self._cite(view)}, self._stat_json_ld(view, view.link.sources_url)

    def pages(self) -> list[Page]:
        """Every HTML page of the site (built once); two pages may never share a URL."""
        if not hasattr(self, "_pages"):
            self._pages = self._build_pages()
        return self._pages

    def _build_pages(self) -> list[Page]:
        site = self.content.site
        sheets = self.content.sheets
        sheet_links = [(s.title, s.summary, urls.sheet(s.slug)) for s in sheets]
        # Headline figures in the order a reader meets them: by sheet, then by place in the sheet.
        in_sheet_order = dict.fromkeys(slug for sheet in sheets for slug in sheet.statistics)
        headlines = [self.views[slug] for slug in [*in_sheet_order, *self.stats] if self.stats[slug].headline]
        headlines = list({view.link.slug: view for view in headlines}.values())
        discrepancies = [d for view in self.views.values() for d in view.discrepancies]
        home_card = self._card("home", "/", "Fact sheets", site.title, site.description, self._sources_line(list(self.views.values())))
        website = json_ld({"@context": "https://schema.org", "@type": "WebSite", "name": site.title,
                           "url": self.absolute("/"), "description": site.description})
        result = [
            Page(urls.home(), "home.html", site.title, site.description,
                 {"headlines": headlines, "sheet_links": sheet_links}, home_card, website),
            Page(urls.sources(), "sources.html", "Sources", "Every source the site cites, with the figures that cite it.",
                 {"sources": list(self.sources.values())}, home_card),
            Page(urls.methodology(), "methodology.html", "Methodology",
                 "What the figures count, what they do not, and how the site checks them.",
                 {"body": render_markdown(self.content.methodology), "discrepancies": discrepancies,
                  "derived": [v for v in self.views.values() if v.derivation]}, home_card),
            Page(urls.data(), "data.html", "Download the data", "Every figure on the site, with its sources, as CSV and JSON.",
                 {"columns": DATA_COLUMNS, "licence": "CC BY 4.0"}, home_card, self._data_json_ld()),
            Page(urls.corrections(), "corrections.html", "Corrections and updates",
                 "Every change to a figure on this site, with its date and reason.", {"changes": self.changes}, home_card),
            Page(urls.search(), "search.html", "Search", "Search every figure and fact sheet.", {"sheet_links": sheet_links}, home_card),
            # Searchable too: someone who types "help" or "hotline" into search must find it.
            Page(urls.help(), "help.html", "Get help", f"Confidential help from the {site.helpline.name}, 24 hours a day.",
                 card=home_card, searchable=True),
            Page(urls.privacy(), "privacy.html", "Privacy", "This site keeps no record of your visit: no cookies, no trackers.", card=home_card),
            Page(urls.not_found(), "404.html", "Page not found", "This page does not exist.", {"sheet_links": sheet_links},
                 in_sitemap=False),
        ]
        for sheet in sheets:
            card = self._card(f"sheet-{sheet.slug}", urls.sheet(sheet.slug), "Fact sheet", sheet.title, sheet.summary,
                              self._sources_line([self.views[slug] for slug in sheet.statistics]),
                              partial(self._where, f"sheet:{sheet.slug}", {"figure": ("title",), "sentence": ("summary",)}))
            result.append(Page(urls.sheet(sheet.slug), "sheet.html", sheet.title, sheet.summary, card=card, searchable=True,
                               search_group=urls.sheet(sheet.slug), details=partial(self._sheet_details, sheet)))
        for slug, view in self.views.items():
            card = self._stat_card(view)
            result.append(Page(urls.stat(slug), "stat.html", f"{view.link.short_title}: {view.link.figure}", view.plain_sentence,
                               card=card, searchable=True, search_group=view.sheets[0][1] if view.sheets else view.link.url,
                               details=partial(self._stat_details, view)))
            result.append(Page(urls.stat_sources(slug), "stat_sources.html", f"Sources for: {view.link.short_title}",
                               f"Where the figure {view.link.figure} comes from: {view.plain_sentence}",
                               card=card, details=partial(self._stat_sources_details, view)))
        result.extend(self._embed_pages())
        seen: dict[str, str] = {}
        for page in result:
            if page.output in seen:
                raise urls.UnsafePath(f"two pages would write {page.output}: {seen[page.output]} and {page.title}")
            seen[page.output] = page.title
        return result

"""The page kinds: one per page, each with its URL, template and typed context.

The site plan (pages.SiteModel) makes one of these per page. The kinds built per statistic and sheet
build their context only when rendered, from the plan, which they read through `Plan`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Protocol, TypedDict

import segno

from markupsafe import Markup

from ..content.figures import FIGURE_MARK_RE
from ..content.markdown_safe import render_markdown
from ..content.model import Sheet, Statement
from ..content.translate import QuoteTranslations
from ..content.locales import DEFAULT_LANGUAGE
from . import urls
from .catalogues import N_
from .charts import ChartModel
from .data_columns import DATA_LICENCE
from .history import Change
from .jobs import Card
from .meta import json_ld, share_links
from .provenance import Credit
from .views import DerivedFigure, DiscrepancyView, SheetLink, SourceView, StatLink, StatView, link_figures, short_url


class cached_property:  # noqa: N801 (named as the functools one it stands for)
    """functools.cached_property without its lock: Python 3.11's takes one, shared by every page, at
    each first read (44,000 pages' outputs a build at 10,000 bilingual statistics). What it works out
    is pure, so two threads that both work it out get equal values."""

    def __init__(self, function: Callable[[Any], Any]):
        self.function, self.__doc__ = function, function.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.function(instance)  # read from there from now on
        return value


PAPERS = ("letter", "a4")
PAPER_LABELS = {"letter": N_("US Letter"), "a4": N_("A4")}  # translated where printed


class Plan(Protocol):
    """What a page reads from the site plan (pages.SiteModel) when it is rendered."""

    urls: urls.SiteUrls  # the addresses in the plan's language
    gettext: Callable[[str], str]  # the plan's own words in its language
    quote_translations: QuoteTranslations  # (file key, source, locator) -> the site's rendering of a quote
    views: Mapping[str, StatView]
    links: dict[str, StatLink]
    sources: dict[str, SourceView]
    sheet_charts: dict[str, list[ChartModel]]

    def absolute(self, url: str) -> str: ...

    def dataset(self, chart: ChartModel) -> dict: ...

    def stat_json_ld(self, view: StatView, page_url: str) -> str: ...

    def cite(self, view: StatView) -> list[tuple[str, str]]: ...

    def stat_card(self, slug: str) -> Card: ...

    def plain_sentence(self, slug: str) -> str: ...

    def chart_source_line(self, chart: ChartModel) -> str: ...


@dataclass(frozen=True, kw_only=True)
class Page:
    """What every page has. Each kind below names its template and adds what that template prints:
    its own fields, or for the pages built per statistic and sheet a context built only when rendered
    (in the worker processes that render a large site in parallel, and never all held in memory).

    Every kind also has a `title` and a `description` (the tab's title, the meta description):
    fields of a `WordedPage`, or worked out when first read for a statistic's pages (`StatViewPage`),
    of which a build after one change renders a handful. They are not declared here: a field of
    this class could not be a property in a subclass."""

    template: ClassVar[str]
    searchable: ClassVar[bool] = False  # statistic and fact-sheet pages are what search finds
    in_sitemap: ClassVar[bool] = True  # not the 404 page, nor the embed pages shown inside other sites
    canonical: ClassVar[bool] = True  # the 404 page is served at every missing address: it has no address of its own
    og_type: ClassVar[str] = "article"
    site_in_title: ClassVar[bool] = True  # "<page> | <site>" in the browser's tab; the home page's title is the site's

    url: str
    language: str = DEFAULT_LANGUAGE  # the language it is written in; its address says so (see urls.SiteUrls)
    search_group: str = ""  # pages indexed together when search is split in parts: a sheet and its statistics, in every language
    json_ld: str = ""  # structured data known when the page is planned

    @cached_property
    def output(self) -> str:
        """The file it is written to (worked out once: the build looks a page up by it several times)."""
        return urls.output_path(self.url)

    @property
    def card(self) -> Card | None:
        """The link-preview image (share card): none for the 404 page and the embeds."""
        return None

    def context(self) -> Mapping[str, Any]:
        """What the template prints besides `page` and the names every page gets: the kind's own fields."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _PAGE_FIELDS}

    def structured_data(self) -> str:
        """The page's JSON-LD, or ''."""
        return self.json_ld

    def plan_ahead(self) -> None:
        """Make now what rendering reads from the plan that other pages read too (a statistic's view,
        made when first read): before worker processes fork, so that it is made once and shared."""


@dataclass(frozen=True, kw_only=True)
class WordedPage(Page):
    """A page given its title and description when it is planned: every kind but a statistic's pages."""

    title: str
    description: str


@dataclass(frozen=True, kw_only=True)
class CardedPage(WordedPage):
    """A page given its share card when it is planned (a statistic's pages make theirs when first read)."""

    card: Card | None = None


_PAGE_FIELDS = frozenset(f.name for f in fields(CardedPage))  # every page's, and the card


@dataclass(frozen=True, kw_only=True)
class HomePage(CardedPage):
    template: ClassVar[str] = "home.html"
    og_type: ClassVar[str] = "website"
    site_in_title: ClassVar[bool] = False
    url: str = urls.home()
    headlines: list[StatView]
    sheet_links: list[SheetLink]


@dataclass(frozen=True, kw_only=True)
class SourcesPage(CardedPage):
    template: ClassVar[str] = "sources.html"
    url: str = urls.sources()
    title: str = N_("Sources")
    description: str = N_("Every source the site cites, with the figures that cite it.")
    sources: list[SourceView]


@dataclass(frozen=True, kw_only=True)
class MethodologyPage(CardedPage):
    template: ClassVar[str] = "methodology.html"
    url: str = urls.methodology()
    title: str = N_("Methodology")
    description: str = N_("What the figures count, what they do not, and how the site checks them.")
    body: Markup
    discrepancies: list[DiscrepancyView]
    derived: list[DerivedFigure]


@dataclass(frozen=True, kw_only=True)
class DataPage(CardedPage):
    template: ClassVar[str] = "data.html"
    url: str = urls.data()
    title: str = N_("Download the data")
    description: str = N_("Every figure on the site, with its sources, as CSV and JSON.")
    columns: list[tuple[str, str]]  # (name, what it holds) of each column of statistics.csv
    licence: str = DATA_LICENCE


@dataclass(frozen=True, kw_only=True)
class CorrectionsPage(CardedPage):
    template: ClassVar[str] = "corrections.html"
    url: str = urls.corrections()
    title: str = N_("Corrections and updates")
    description: str = N_("Every change to a figure on this site, with its date and reason.")
    changes: list[Change]


@dataclass(frozen=True, kw_only=True)
class SearchPage(CardedPage):
    template: ClassVar[str] = "search.html"
    url: str = urls.search()
    title: str = N_("Search")
    description: str = N_("Search every figure and fact sheet.")
    sheet_links: list[SheetLink]
    headline_urls: list[str]  # the headline figures' pages: a search that finds one shows it first


@dataclass(frozen=True, kw_only=True)
class HelpPage(CardedPage):
    template: ClassVar[str] = "help.html"
    searchable: ClassVar[bool] = True  # someone who types "help" or "hotline" into search must find it
    url: str = urls.help()
    title: str = N_("Get help")


@dataclass(frozen=True, kw_only=True)
class PrivacyPage(CardedPage):
    template: ClassVar[str] = "privacy.html"
    url: str = urls.privacy()
    title: str = N_("Privacy")
    description: str = N_("This site keeps no record of your visit: no cookies, no trackers.")


@dataclass(frozen=True, kw_only=True)
class NotFoundPage(WordedPage):
    template: ClassVar[str] = "404.html"
    in_sitemap: ClassVar[bool] = False
    canonical: ClassVar[bool] = False
    url: str = urls.not_found()
    title: str = N_("Page not found")
    description: str = N_("This page does not exist.")
    sheet_links: list[SheetLink]


@dataclass(frozen=True, kw_only=True)
class EmbedPage(WordedPage):
    """A chart alone, to be shown in an iframe on other sites."""

    template: ClassVar[str] = "embed.html"
    in_sitemap: ClassVar[bool] = False
    chart: ChartModel
    back_url: str  # the page the chart is on: the embed's canonical address
    owner: str  # the record the chart belongs to: "stat:<slug>" or "sheet:<slug>"
    plan: Plan = field(repr=False, compare=False)

    @cached_property
    def source_line(self) -> str:
        """Worked out when first read: a build after one change renders a few of 3,000 embeds a
        language at 10,000 statistics."""
        return self.plan.chart_source_line(self.chart)

    def context(self) -> EmbedContext:
        return EmbedContext(chart=self.chart, back_url=self.back_url, owner=self.owner, source_line=self.source_line)


class EmbedContext(TypedDict):
    chart: ChartModel
    back_url: str
    owner: str
    source_line: str  # the credits of the figures it draws


@dataclass(frozen=True)
class FigureGroup:
    """Figures a reader takes together: a chart with the figures it draws, or a titled set of cards."""

    views: list[StatView]
    chart: ChartModel | None = None
    title: str = ""  # for a group without a chart
    id: str = ""  # its heading's id


def key_figures(views: list[StatView]) -> list[StatView]:
    """The figures a sheet leads with: its headline ones (those the home page leads with), or its first."""
    return [view for view in views if view.stat.headline] or views[:1]


def printed_in(views: list[StatView]) -> dict[str, str]:
    """The sheet's figures that another card already prints (a count in its share's sentence:
    "65% ... (68 children)"), each with the card that prints it. Only a card that no other card
    prints takes one in, so two sentences that print each other keep both their cards; a key
    figure always keeps its own."""
    on_sheet = {view.stat.slug for view in views}
    keep = {view.stat.slug for view in key_figures(views)}
    prints = {view.stat.slug: [slug for slug in dict.fromkeys(m.group(1) for m in FIGURE_MARK_RE.finditer(view.stat.sentence))
                               if slug and slug != view.stat.slug and slug in on_sheet]
              for view in views}
    printed = {slug for slugs in prints.values() for slug in slugs}
    holder: dict[str, str] = {}
    for view in views:
        if view.stat.slug not in printed:
            for slug in prints[view.stat.slug]:
                if slug not in keep:
                    holder.setdefault(slug, view.stat.slug)
    return holder


def figure_groups(views: list[StatView], charts: list[ChartModel]) -> list[FigureGroup]:
    """A sheet's figures in the order a reader meets them: its key figures first, then each chart
    with the other figures it draws, then the rest. Each figure once: one two charts draw goes with the first, and
    one another card prints in its sentence is that card's (a count and its share are one card)."""
    key = key_figures(views)
    folded = printed_in(views)
    views = [view for view in views if view.stat.slug not in folded]
    drawn_by: dict[str, str] = {}
    for chart in charts:
        for slug in chart.stats:
            drawn_by.setdefault(slug, chart.id)
    groups = [FigureGroup(key, title=N_("Key figures"), id="figures-key")] if key else []
    groups += [FigureGroup([view for view in views if drawn_by.get(view.stat.slug) == chart.id and view not in key], chart)
               for chart in charts]
    rest = [view for view in views if view.stat.slug not in drawn_by and view not in key]
    if rest:
        groups.append(FigureGroup(rest, title=N_("More figures") if groups else N_("The figures"), id="figures-more"))
    return groups


def credit_notes(views: list[StatView], numbered: dict[tuple[str, str | None], tuple[int, Credit]]) -> dict[str, list[int]]:
    """Each card's printed note numbers: its figure's credits, and those of any figure it prints for another card."""
    own = {view.link.slug: {numbered[c.key][0] for c in view.provenance.credits} for view in views}
    for slug, card in printed_in(views).items():
        own[card] |= own[slug]
    return {slug: sorted(numbers) for slug, numbers in own.items()}


class SheetContext(TypedDict):
    sheet: Sheet
    introduction: Markup
    stats: list[StatView]
    groups: list[FigureGroup]
    notes: dict[str, list[int]]  # slug -> the numbers of the printed credits its citations read
    print_sources: list[tuple[str, str | None]]  # (credit, short address) at the printed sheet's foot
    charts: list[ChartModel]
    share: list[tuple[str, str]]
    page_url: str
    statements: list[tuple[Statement, SourceView, str]]  # with the site's rendering of its quote, in another language
    qr_svg: Markup
    pdfs: list[tuple[str, str]]  # (paper, url)


@dataclass(frozen=True, kw_only=True)
class SheetPage(CardedPage):
    template: ClassVar[str] = "sheet.html"
    searchable: ClassVar[bool] = True
    sheet: Sheet
    plan: Plan = field(repr=False, compare=False)

    def plan_ahead(self) -> None:
        for slug in self.sheet.statistics:
            self.plan.views[slug]

    def context(self) -> SheetContext:
        plan, sheet = self.plan, self.sheet
        views = [plan.views[slug] for slug in sheet.statistics]
        # Printed sheets carry numbered credits at the foot ("the report, as reported by X"); each figure
        # points to the numbers of the credits its citations read.
        numbered: dict[tuple[str, str | None], tuple[int, Credit]] = {}
        for view in views:
            for credit in view.provenance.credits:
                numbered.setdefault(credit.key, (len(numbered) + 1, credit))
        page_url = plan.absolute(self.url)
        return SheetContext(
            sheet=sheet,
            introduction=link_figures(render_markdown(sheet.introduction), plan.links),
            stats=views,
            groups=figure_groups(views, plan.sheet_charts[sheet.slug]),
            notes=credit_notes(views, numbered),
            print_sources=[(credit.text(plan.gettext), short_url(credit.read_in.url)) for _, credit in numbered.values()],
            charts=plan.sheet_charts[sheet.slug],
            share=share_links(page_url, sheet.summary, sheet.title),
            page_url=page_url,
            statements=[(st, plan.sources[st.source], plan.quote_translations.get((f"sheet:{sheet.slug}", st.source, st.locator), ""))
                        for st in sheet.statements],
            qr_svg=qr_code_svg(page_url),
            pdfs=[(PAPER_LABELS[paper], plan.urls.sheet_pdf(sheet.slug, paper)) for paper in PAPERS],
        )

    def structured_data(self) -> str:
        sheet = self.sheet
        return json_ld({"@context": "https://schema.org", "@type": "WebPage", "url": self.plan.absolute(self.url),
                        "name": sheet.title, "description": sheet.summary,
                        "hasPart": [self.plan.dataset(chart) for chart in self.plan.sheet_charts[sheet.slug]]})


class StatContext(TypedDict):
    view: StatView
    share: list[tuple[str, str]]


@dataclass(frozen=True, kw_only=True)
class StatViewPage(Page):
    """A page about one statistic (its own page, or its sources page): drawn from the statistic's view.
    Its title and description are worked out when first read (the plan makes 20,000 of these pages a
    language at 10,000 statistics, and a build after one change renders a few)."""
    slug: str  # the statistic's
    plan: Plan = field(repr=False, compare=False)

    @property
    def view(self) -> StatView:
        return self.plan.views[self.slug]

    @property
    def card(self) -> Card:
        """Made when first read: a draft build's pages print none, and only a full build draws them all."""
        return self.plan.stat_card(self.slug)

    def plan_ahead(self) -> None:
        self.view

    def structured_data(self) -> str:
        return self.plan.stat_json_ld(self.view, self.url)


@dataclass(frozen=True, kw_only=True)
class StatPage(StatViewPage):
    template: ClassVar[str] = "stat.html"
    searchable: ClassVar[bool] = True

    @cached_property
    def title(self) -> str:
        link = self.plan.links[self.slug]
        return f"{link.short_title}: {link.figure}"

    @cached_property
    def description(self) -> str:
        return self.plan.plain_sentence(self.slug)

    def context(self) -> StatContext:
        link = self.view.link
        return StatContext(view=self.view, share=share_links(self.plan.absolute(link.url), self.view.plain_sentence, link.short_title))


class StatSourcesContext(TypedDict):
    view: StatView
    cite: list[tuple[str, str]]  # (style, text)


@dataclass(frozen=True, kw_only=True)
class StatSourcesPage(StatViewPage):
    template: ClassVar[str] = "stat_sources.html"

    @cached_property
    def title(self) -> str:
        return self.plan.gettext(N_("Sources for: %(title)s")) % {"title": self.plan.links[self.slug].short_title}

    @cached_property
    def description(self) -> str:
        return self.plan.gettext(N_("Where the figure %(figure)s comes from: %(sentence)s")) % {
            "figure": self.plan.links[self.slug].figure, "sentence": self.plan.plain_sentence(self.slug)}

    def context(self) -> StatSourcesContext:
        return StatSourcesContext(view=self.view, cite=self.plan.cite(self.view))


def qr_code_svg(url: str) -> Markup:
    """A QR code for the printed sheet, as inline SVG (no file, no script)."""
    # A fixed mask: choosing the best of eight took 80% of the time, and any mask scans.
    code = segno.make(url, error="m", mask=0)
    return Markup(code.svg_inline(scale=3, border=2, title=f"QR code for {url}", omitsize=True))

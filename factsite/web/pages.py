"""The site plan: every page of the site (see kinds.py), its share cards, charts and PDFs, planned
from validated content. Templates only format what is decided here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from markupsafe import escape

from ..content import derive
from ..content.cache import Reuse
from ..content.figures import FIGURE_MARK_RE, display
from ..content.locales import DEFAULT_LANGUAGE
from ..content.markdown_safe import render_markdown
from ..content.model import Chart, Source, Statistic
from ..content.translate import QuoteTranslations
from ..content.validate import Content
from . import urls
from .catalogues import LOCALE_DIR, N_, translations
from .charts import ChartModel, build_chart
from .cite import CitedCredit, CitedWork, CiteInput, citations
from .data_columns import csv_columns
from .dates import readable_date
from .fragments import passage_url
from .history import all_changes
from .jobs import Card, PdfJob
from .kinds import (PAPERS, CorrectionsPage, DataPage, EmbedPage, HelpPage, HomePage, MethodologyPage, NotFoundPage, Page,
                    PrivacyPage, SearchPage, SheetPage, SourcesPage, StatPage, StatSourcesPage)
from .meta import creative_work, json_ld
from .provenance import Credit, provenance, sources_line
from .views import (CitationView, DerivationView, DerivedFigure, DiscrepancyView, LazyViews, SheetLink, SourceView, StatLink, StatView,
                    card_kicker, dispute_kind, link_figures)

# What the embed page needs beyond its chart image: title, buttons, the numbers' summary and the
# help line (fixed), and a line of 26 px for every 70 characters of text at 640 px wide.
EMBED_FIXED_PX, EMBED_LINE_PX, EMBED_LINE_CHARACTERS = 300, 26, 70

T = TypeVar("T")


class SiteModel:
    """Plans every page of the site, in one language, from validated content."""

    def __init__(self, content: Content, base_url: str, language: str = DEFAULT_LANGUAGE, locale_dir: Path = LOCALE_DIR,
                 reuse: Reuse | None = None):
        self.content = content
        self.language = language
        # The words this model writes (titles, notes, credits). The catalogue is one object per version
        # of its file: what is made with its words is reused only while it is the same (see _reused).
        self._catalogue = translations(language, locale_dir)
        self.gettext = self._catalogue.gettext
        self._reuse = reuse
        self.base_url = base_url.rstrip("/")
        self.urls = urls.SiteUrls(language)  # every address this plan gives is in its language
        overlays = content.translations.get(language)
        # Quotes stay in their sources' words; a page in another language gives the site's rendering beside them.
        self.quote_translations = QuoteTranslations(overlays)
        # Where each quote was read, in this language's words (a locator is the site's own text).
        self.locators: dict[str, str] = dict(overlays.site.locators) if overlays is not None else {}
        self.stats = content.stats
        # The last build's statistics, links and provenances (the dev server's), for those of the same
        # statistic object: kept as its three maps, not an entry of `reuse` each (tuples that took 17 MB).
        last = self._reuse.last(self._key("maps"), (self._catalogue,)) if self._reuse is not None else None
        last_stats, last_links, last_provenances, last_sources = last or ({}, {}, {}, None)
        self.links = {slug: last_links[slug] if last_stats.get(slug) is stat else _link(stat, self.urls)
                      for slug, stat in self.stats.items()}
        self.sheet_titles = {sheet.slug: sheet.title for sheet in content.sheets}
        citing: dict[str, list[StatLink]] = {source_id: [] for source_id in content.sources}
        for stat in self.stats.values():
            ids = [c.source for c in stat.citations] + [c.via for c in stat.citations if c.via]
            ids += [d.source for d in stat.discrepancies]
            for source_id in dict.fromkeys(ids):
                citing[source_id].append(self.links[stat.slug])
        self.sources = {sid: SourceView(source=s, cited_by=citing[sid], anchor_url=self.urls.source_anchor(sid),
                                   language=language)
                        for sid, s in content.sources.items()}
        # One object while every source is the one the last build had: a provenance reads its statistic and sources.
        sources = self._reused(("sources",), tuple(content.sources.values()), object)
        self.provenances = {slug: last_provenances[slug] if last_stats.get(slug) is stat and sources is last_sources
                            else provenance(stat, content.sources) for slug, stat in self.stats.items()}
        if self._reuse is not None:
            self._reuse.keep(self._key("maps"), (self._catalogue,), (self.stats, self.links, self.provenances, sources))
        self._reviewed = readable_date(content.site.last_reviewed, language=language)  # on every chart's download note
        self.charts = {slug: self._chart(s.chart, self.urls.stat(slug)) for slug, s in self.stats.items() if s.chart}
        self.sheet_charts = {sheet.slug: [self._chart(chart, self.urls.sheet(sheet.slug)) for chart in sheet.charts]
                             for sheet in content.sheets}
        # A statistic page shows the chart its figure belongs to: its own, or the first sheet chart that draws it.
        self.drawing: dict[str, ChartModel] = {}
        for charts in self.sheet_charts.values():
            for chart in charts:
                for slug in chart.stats:
                    self.drawing.setdefault(slug, chart)
        self._plain_sentences: dict[str, str] = {}
        self._stat_cards: dict[str, Card] = {}
        # Made when first read (see LazyViews): the pages that list the whole site read other things.
        self.views: Mapping[str, StatView] = LazyViews(self.stats, self._stat_view)
        self.slug_by_sources_url = {link.sources_url: slug for slug, link in self.links.items()}  # a chart row's figure
        self.changes = all_changes(content, language)  # the corrections page and the feed

    def _key(self, *key: object) -> tuple:
        """A key of `reuse`: of this model's language and base URL (its catalogue is among the inputs)."""
        return ("plan", self.language, self.base_url, *key)

    def _reused(self, key: tuple, inputs: tuple, make: Callable[[], T]) -> T:
        """`make()`, or in the dev server the object the last build made of the very same `inputs`
        (content.cache.Reuse), and of the same catalogue: an edited .po compiles to another one."""
        if self._reuse is None:
            return make()
        return self._reuse.get(self._key(*key), (self._catalogue, *inputs), make)

    def _chart(self, chart: Chart, page_url: str) -> ChartModel:
        """A chart, made again only if what it prints changed (see _new_chart)."""
        points = [point.stat for point in chart.points]
        ranges = tuple(self.content.derived_ranges.get(slug) for slug in points)  # made anew each build: by value
        return self._reused(("chart", page_url, chart.id, ranges, self.content.site.title, self._reviewed),
                            (chart, *(self.stats[slug] for slug in points),
                             *(self.provenances[slug] for slug in points)),
                            partial(self._new_chart, chart, page_url))

    def _new_chart(self, chart: Chart, page_url: str) -> ChartModel:
        """A chart, with the words a downloaded image of it carries: its sources as read, its page, the date."""
        assert chart.id is not None, "validation names every chart"
        _ = self.gettext
        model = build_chart(chart, chart.id, self.stats, self.content.derived_ranges, self.language, _)
        credits = sources_line([self.provenances[point.stat] for point in chart.points], most=3, gettext=_)
        source = _(N_("Source: %(sources)s.")) % {"sources": credits}
        note = f"{source}\n{self.absolute(page_url)} \u00b7 {self._reviewed}"
        # The embed page is the chart, its texts and the help line; an iframe cannot size itself
        # without a script, so the code offered is as tall as that page in a 640 px article column.
        texts = [model.description, model.ranges_note, source + " " + _(N_("Every figure with its sources on %(site)s.")) % {
                 "site": self.content.site.title}]
        lines = sum(math.ceil(len(text) / EMBED_LINE_CHARACTERS) for text in texts if text)
        return replace(model, download_note=note, embed_height=model.wide.height + EMBED_FIXED_PX + EMBED_LINE_PX * lines)

    def release(self) -> None:
        """Let go of the plan once the site is written. Its pages and views refer back to it, so the
        whole plan and the content it holds (700,000 objects at 10,000 bilingual statistics) would be
        one cycle for the garbage collector to find: a full collection of 0.9 s in the dev server,
        after each rebuild. Forgotten here, it is freed by reference counting as the build returns."""
        self.__dict__.clear()

    def pdf_jobs(self) -> list[PdfJob]:
        """A PDF of every fact sheet on each paper size."""
        site = self.content.site
        return [
            PdfJob(output=self.urls.output_path(self.urls.sheet_pdf(sheet.slug, paper)), page_output=self.urls.output_path(self.urls.sheet(sheet.slug)),
                   page_url=self.urls.sheet(sheet.slug), paper=paper, title=sheet.title, author=site.title,
                   subject=sheet.summary, date=site.last_reviewed, origin=self.urls.origin(self.base_url))
            for sheet in self.content.sheets for paper in PAPERS
        ]

    def cards(self) -> list[Card]:
        """Every page's share card, once each."""
        return list({page.card.output: page.card for page in self.pages() if page.card}.values())

    def all_charts(self) -> list[ChartModel]:
        return list(self.charts.values()) + [c for charts in self.sheet_charts.values() for c in charts]

    def plain_sentence(self, slug: str) -> str:
        """A statistic's sentence with its figures as text (for previews, share links and the open data), made once."""
        plain = self._plain_sentences.get(slug)
        if plain is None:
            stat = self.stats[slug]
            plain = self._plain_sentences[slug] = FIGURE_MARK_RE.sub(
                lambda m: display((self.stats[m.group(1)] if m.group(1) else stat).figure, self.language), stat.sentence)
        return plain

    def absolute(self, url: str) -> str:
        return self.urls.absolute(self.base_url, url)

    def _card(self, *, name: str, url: str, kicker: str, figure: str | None, sentence: str, source_line: str,
              origin: Callable[[], tuple[tuple[str, str], ...]] | None = None) -> Card:
        return Card(output=self.urls.output_path(self.urls.card(name)), url=url, alt=f"{figure + ': ' if figure else ''}{sentence}",
                    kicker=kicker, figure=figure, sentence=sentence, source_line=source_line,
                    site_name=self.content.site.short_name, origin=origin, language=self.language)

    def _where(self, key: str, parts: dict[str, tuple[str | int, ...]]) -> tuple[tuple[str, str], ...]:
        """Each card part's file, line and field, from the record it was written in."""
        record = self.content.origin.get(key)
        if record is None:
            return ()
        return tuple((part, f"{record.shown_path}:{record.line_of(loc)}: {'.'.join(str(x) for x in loc)}")
                     for part, loc in parts.items())

    def stat_card(self, slug: str) -> Card:
        """A statistic's share card (its page and its sources page share it), made once."""
        card = self._stat_cards.get(slug)
        if card is None:
            card = self._stat_cards[slug] = self._new_stat_card(slug)
        return card

    def _new_stat_card(self, slug: str) -> Card:
        origin = partial(self._where, f"stat:{slug}", {"kicker": ("short_title",), "figure": ("figure",),
                                                       "sentence": ("sentence",), "source": ("citations",)})
        link = self.links[slug]
        # The first credit, "and N more": it must fit the card.
        return self._card(name=f"stat-{slug}", url=link.url, kicker=card_kicker(link, dispute_kind(self.stats[slug]), self.gettext),
                          figure=link.figure, sentence=self.plain_sentence(slug), source_line=self._sources_line([slug], most=1),
                          origin=origin)

    def _sources_line(self, slugs: list[str], most: int = 1) -> str:
        """The credits behind a set of figures (each as read: 'the report, as reported by X'), most used first."""
        provenances = [self.provenances[slug] for slug in slugs]
        return self._reused(("sources line", most, *slugs), tuple(provenances),
                            partial(sources_line, provenances, most, self.gettext))

    def _work(self, source: Source) -> dict:
        return creative_work(source.title, source.url, source.publisher, source.date_published)

    def _credit_work(self, credit: Credit) -> dict:
        """The page a passage was read on; coverage of a report is based on the report."""
        if credit.via is None:
            return self._work(credit.source)
        return {**self._work(credit.via), "isBasedOn": self._work(credit.source)}

    def stat_json_ld(self, view: StatView, page_url: str) -> str:
        citations = [self._credit_work(credit) for credit in view.provenance.credits]
        data = {
            "@context": "https://schema.org", "@type": "WebPage", "url": self.absolute(page_url),
            "name": f"{view.link.short_title}: {view.link.figure}", "description": view.plain_sentence,
            "citation": citations, "isPartOf": {"@type": "WebSite", "name": self.content.site.title, "url": self.absolute(self.urls.home())},
        }
        if view.chart:
            data["mainEntity"] = self.dataset(view.chart)
        return json_ld(data)

    def dataset(self, chart: ChartModel) -> dict:
        """A chart as a schema.org Dataset: its licence, who made it, when it last changed, and its sources as read."""
        slugs = [self.slug_by_sources_url[row.sources_url] for row in chart.rows if row.sources_url]
        return self._dataset_of(name=chart.title, description=chart.description, slugs=slugs,
                                distribution=[{"@type": "DataDownload", "encodingFormat": "text/csv",
                                               "contentUrl": self.absolute(chart.url("wide", "csv"))}])

    def _dataset_of(self, *, name: str, description: str, slugs: list[str], distribution: list[dict]) -> dict:
        site = self.content.site
        changed = [entry.date for slug in slugs for entry in self.stats[slug].history]
        credits = list({credit.key: credit for slug in slugs for credit in self.provenances[slug].credits}.values())
        return {
            "@type": "Dataset", "name": name, "description": description, "distribution": distribution,
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "creator": {"@type": "Organization", "name": site.title, "url": self.absolute(self.urls.home())},
            "dateModified": max([site.last_reviewed, *changed]),
            "citation": [self._credit_work(credit) for credit in credits],
        }

    def _data_json_ld(self) -> str:
        """The data page's Dataset: every figure's history and credits (kept while those and the site are the same)."""
        site = self.content.site
        return self._reused(("data json-ld", site.title, site.last_reviewed),
                            (*self.stats.values(), *self.provenances.values()), self._new_data_json_ld)

    def _new_data_json_ld(self) -> str:
        files = [("statistics.csv", "text/csv"), ("statistics.json", "application/json"), ("sources.json", "application/json"),
                 ("datapackage.json", "application/json")]
        dataset = self._dataset_of(
            name=self.gettext(N_("%(site)s: every figure")) % {"site": self.content.site.title}, description=self.gettext(N_("Every figure on the site, with its sources as read.")),
            slugs=list(self.stats),
            distribution=[{"@type": "DataDownload", "encodingFormat": kind, "contentUrl": self.absolute(self.urls.data_file(name))}
                          for name, kind in files])
        return json_ld({"@context": "https://schema.org", **dataset, "url": self.absolute(self.urls.data())})

    def _embed_pages(self) -> list[EmbedPage]:
        """A minimal page per chart, to be shown in an iframe on other sites."""
        owners = [(chart, self.urls.stat(slug), f"stat:{slug}") for slug, chart in self.charts.items()]
        owners += [(chart, self.urls.sheet(slug), f"sheet:{slug}") for slug, charts in self.sheet_charts.items()
                   for chart in charts]
        return [EmbedPage(url=self.urls.embed(chart.id), title=chart.title, description=chart.description,
                          chart=chart, back_url=back_url, owner=owner, plan=self, language=self.language)
                for chart, back_url, owner in owners]

    def chart_source_line(self, chart: ChartModel) -> str:
        """The credits of the figures a chart draws, most used first: three on its embed page."""
        stats = [self.slug_by_sources_url[row.sources_url] for row in chart.rows if row.sources_url]
        return self._sources_line(stats, most=3)

    def cite(self, view: StatView) -> list[tuple[str, str]]:
        """The 'cite this figure' texts of a statistic, in each style."""
        def work(source: Source) -> CitedWork:
            return CitedWork(title=source.title, publisher=source.publisher, year=source.date_published[:4], url=source.url)

        return citations(CiteInput(
            slug=view.link.slug, title=view.link.short_title, figure=view.link.figure,
            page_url=self.absolute(view.link.url), site_name=self.content.site.short_name,
            reviewed=self.content.site.last_reviewed,
            credits=tuple(CitedCredit(source=work(c.source), via=work(c.via) if c.via else None) for c in view.provenance.credits),
        ), self.gettext)

    def derivation(self, stat: Statistic) -> DerivationView | None:
        if stat.derivation is None:
            return None
        d = stat.derivation
        values = {name: self.stats[slug].figure.value for name, slug in d.inputs.items()}
        result = self.content.derived_values[stat.slug]
        computed = self.content.derived_ranges.get(stat.slug)
        range_text = computed.text(stat.figure.unit, self.language) if computed else None
        return DerivationView(
            inputs=[(name, self.links[slug]) for name, slug in d.inputs.items()],
            arithmetic=derive.printed(d.expression, values),
            result=f"{result:,.{d.round_to + 2}f}",
            stated=display(stat.figure, self.language),
            explanation=d.explanation.replace("{range}", range_text or ""),
            range=range_text,
        )

    def _stat_view(self, stat: Statistic) -> StatView:
        link = self.links[stat.slug]
        return StatView(
            stat=stat,
            link=link,
            sentence=link_figures(escape(stat.sentence), self.links, link),
            plain_sentence=self.plain_sentence(stat.slug),
            citations=[
                CitationView(citation=c, source=self.sources[c.source], via=self.sources[c.via] if c.via else None,
                             passage_url=passage_url(self.sources[c.via or c.source].link_url, c.quote, c.locator),
                             translation=self.quote_translations.get((f"stat:{stat.slug}", c.source, c.locator), ""))
                for c in stat.citations
            ],
            derivation=self.derivation(stat),
            discrepancies=self._discrepancies(stat),
            related=[self.links[slug] for slug in stat.related],
            sheets=[(self.sheet_titles[slug], self.urls.sheet(slug)) for slug in stat.sheets],
            chart=self.charts.get(stat.slug) or self.drawing.get(stat.slug),
            dispute=dispute_kind(stat),
            provenance=self.provenances[stat.slug],
        )

    def _discrepancies(self, stat: Statistic) -> list[DiscrepancyView]:
        link = self.links[stat.slug]
        return [DiscrepancyView(discrepancy=d, source=self.sources[d.source], stat=link,
                                translation=self.quote_translations.get((f"stat:{stat.slug}", d.source, d.locator), ""))
                for d in stat.discrepancies]

    def pages(self) -> list[Page]:
        """Every HTML page of the site (built once); two pages may never share a URL."""
        if not hasattr(self, "_pages"):
            self._pages = self._build_pages()
        return self._pages

    def _fixed_words(self, kind: type[Page]) -> dict[str, str]:
        """A page kind's own title and description (marked N_ in kinds.py), in the model's language."""
        return {"title": self.gettext(getattr(kind, "title")), "description": self.gettext(getattr(kind, "description"))}

    def _build_pages(self) -> list[Page]:
        site = self.content.site
        sheets = self.content.sheets
        sheet_links = [SheetLink(title=s.title, summary=s.summary, url=self.urls.sheet(s.slug)) for s in sheets]
        # Headline figures in the order a reader meets them: by sheet, then by place in the sheet.
        in_sheet_order = dict.fromkeys(slug for sheet in sheets for slug in sheet.statistics)
        headlines = [self.views[slug] for slug in [*in_sheet_order, *self.stats] if self.stats[slug].headline]
        headlines = list({view.link.slug: view for view in headlines}.values())
        _ = self.gettext
        home_card = self._card(name="home", url=self.urls.home(), kicker=_(N_("Fact sheets")), figure=site.title, sentence=site.description,
                               source_line=self._sources_line(list(self.stats)))
        website = json_ld({"@context": "https://schema.org", "@type": "WebSite", "name": site.title,
                           "url": self.absolute(self.urls.home()), "description": site.description})
        result: list[Page] = [
            HomePage(url=self.urls.home(), title=site.title, description=site.description, card=home_card, json_ld=website,
                     headlines=headlines, sheet_links=sheet_links),
            SourcesPage(**self._fixed_words(SourcesPage), url=self.urls.sources(), card=home_card, sources=list(self.sources.values())),
            # What it lists of a statistic, not its whole view: a view each cost 0.07 s at 10,000 bilingual
            # statistics, in a rebuild that renders 26 pages.
            MethodologyPage(**self._fixed_words(MethodologyPage), url=self.urls.methodology(), card=home_card, body=render_markdown(self.content.methodology),
                            discrepancies=[d for stat in self.stats.values() if stat.discrepancies for d in self._discrepancies(stat)],
                            derived=[DerivedFigure(link=self.links[slug], derivation=derivation) for slug, stat in self.stats.items()
                                     if (derivation := self.derivation(stat)) is not None]),
            DataPage(**self._fixed_words(DataPage), url=self.urls.data(), card=home_card, json_ld=self._data_json_ld(), columns=csv_columns()),
            CorrectionsPage(**self._fixed_words(CorrectionsPage), url=self.urls.corrections(), card=home_card, changes=self.changes),
            SearchPage(**self._fixed_words(SearchPage), url=self.urls.search(), card=home_card, sheet_links=sheet_links, headline_urls=[view.link.url for view in headlines]),
            HelpPage(url=self.urls.help(), title=_(HelpPage.title), card=home_card,
                     description=_(N_("Confidential help from the %(name)s, 24 hours a day.")) % {"name": site.helpline.name}),
            PrivacyPage(**self._fixed_words(PrivacyPage), url=self.urls.privacy(), card=home_card),
            NotFoundPage(**self._fixed_words(NotFoundPage), url=self.urls.not_found(), sheet_links=sheet_links),
        ]
        fixed = len(result)  # the pages above are given their language below; the many others as they are made
        for sheet in sheets:
            url = self.urls.sheet(sheet.slug)
            card = self._card(name=f"sheet-{sheet.slug}", url=url, kicker=_(N_("Fact sheet")), figure=sheet.title, sentence=sheet.summary,
                              source_line=self._sources_line(list(sheet.statistics)),
                              origin=partial(self._where, f"sheet:{sheet.slug}", {"figure": ("title",), "sentence": ("summary",)}))
            result.append(SheetPage(url=url, title=sheet.title, description=sheet.summary, card=card, search_group=urls.sheet(sheet.slug),
                                    sheet=sheet, plan=self, language=self.language))
        # A statistic's pages are planned from its addresses: their words are worked out, and its view
        # made, only if one is rendered (see StatViewPage).
        for slug, stat in self.stats.items():
            link = self.links[slug]
            # Its first sheet's part of the search index, named by its address in the default language: the
            # same part in every language, so a change re-indexes one part, not one per language.
            group = urls.sheet(stat.sheets[0]) if stat.sheets else urls.stat(slug)
            result.append(StatPage(url=link.url, search_group=group, slug=slug, plan=self, language=self.language))
            result.append(StatSourcesPage(url=link.sources_url, slug=slug, plan=self, language=self.language))
        result.extend(self._embed_pages())
        result[:fixed] = [replace(page, language=self.language) for page in result[:fixed]]
        _refuse_shared_outputs(result)
        return result


def _refuse_shared_outputs(pages: list[Page]) -> None:
    """Two pages may never write one file. Counted with a set, and the pages named only when two
    clash: reading every page's title would work out the words of every statistic's pages."""
    outputs = {page.output for page in pages}
    if len(outputs) == len(pages):
        return
    first: dict[str, Page] = {}
    for page in pages:
        if page.output in first:
            raise urls.UnsafePath(f"two pages would write {page.output}: {first[page.output].title} and {page.title}")
        first[page.output] = page


def _link(stat: Statistic, site_urls: urls.SiteUrls) -> StatLink:
    return StatLink(slug=stat.slug, short_title=stat.short_title, figure=display(stat.figure, site_urls.language),
                    url=site_urls.stat(stat.slug),
                    sources_url=site_urls.stat_sources(stat.slug))

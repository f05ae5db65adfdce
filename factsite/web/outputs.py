"""Every file of the site that is not a page: chart CSVs, the /data/ downloads, the corrections feed,
the sitemap and robots.txt. Pure: the page model in, output path -> bytes out; URLs from urls.py."""

from __future__ import annotations

from collections.abc import Container, Iterator, Sequence

from markupsafe import escape

from ..content.locales import DEFAULT_LANGUAGE
from . import urls
from .charts import ChartModel, chart_csv
from .history import atom_feed
from .data_columns import DATA_LICENCE
from .opendata import PublishedData, each_data_file
from .pages import Page, SiteModel


SITEMAP = urls.output_path(urls.sitemap())


def sitemap_reads(pages: list[Page]) -> bytes:
    """All that `sitemap` reads of the pages (besides the base URL and the languages, which are the
    site's settings): the address of each page it lists, in order. Unchanged, the sitemap is."""
    return "\n".join(page.url for page in pages if page.in_sitemap).encode()


def chart_csv_output(chart: ChartModel) -> str:
    return urls.output_path(chart.url("wide", "csv"))


def sitemap(base_url: str, pages: list[Page], languages: Sequence[str] = (DEFAULT_LANGUAGE,)) -> bytes:
    """Every page meant for search engines; with more than one language, each entry names the page in
    every language (hreflang alternates, and x-default for the default one)."""
    def alternates(page: Page) -> str:
        if len(languages) < 2:
            return ""
        links = [(language, url) for language, url in urls.alternates(page.url, languages)]
        links.append(("x-default", links[0][1]))
        return "".join(f'<xhtml:link rel="alternate" hreflang="{language}" href="{escape(urls.absolute(base_url, url))}"/>'
                       for language, url in links)

    namespaces = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if len(languages) > 1:
        namespaces += ' xmlns:xhtml="http://www.w3.org/1999/xhtml"'
    # Joined once, as bytes: a string of every entry, then the document around it, then its encoding
    # were three copies of 15 MB at 10,000 bilingual statistics.
    return b"".join([f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {namespaces}>\n'.encode("utf-8"),
                     *(f"  <url><loc>{escape(urls.absolute(base_url, page.url))}</loc>{alternates(page)}</url>\n".encode("utf-8")
                       for page in pages if page.in_sitemap),
                     b"</urlset>\n"])


def robots(base_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(base_url, urls.sitemap())}\n".encode()


def chart_csvs(model: SiteModel, kept: Container[str] = frozenset()) -> dict[str, bytes]:
    """Each chart's numbers, with their unit, credits and licence, beside its images (but those in `kept`)."""
    charts = [chart for chart in model.all_charts() if chart_csv_output(chart) not in kept]
    if not charts:
        return {}
    credits = {row.sources_url: model.provenances[model.slug_by_sources_url[row.sources_url]].line(model.gettext)
               for chart in charts for row in chart.rows if row.sources_url}  # of the charts written only
    return {chart_csv_output(chart): chart_csv(chart, model.base_url, credits, DATA_LICENCE) for chart in charts}


def site_files(models: Sequence[SiteModel], kept: Container[str] = frozenset(),
               published: PublishedData | None = None) -> dict[str, bytes]:
    """Output path -> bytes of every file that is not a page, an image, a static asset or the search
    index: `each_site_file`'s, together."""
    return dict(each_site_file(models, kept, published))


def each_site_file(models: Sequence[SiteModel], kept: Container[str] = frozenset(),
                   published: PublishedData | None = None) -> Iterator[tuple[str, bytes]]:
    """Every file that is not a page, an image, a static asset or the search index, for the site in
    each of its languages (the default language's plan first), one at a time: chart CSVs and a feed
    per language; one set of /data/ files, one sitemap, one robots.txt. Those in `kept` are left out:
    the build proved them unchanged (deps.py) and carries them over; `published` (the last build's
    statistics.json and .csv, intact) gives the entries of the figures carried over.

    One at a time, so that a build writes each before the next ones are made: at 10,000 bilingual
    statistics they are 53 MB, and held together until the sitemap was made they were the dev
    server's peak of memory."""
    default = models[0]
    site = default.content.site
    for model in models:
        yield from chart_csvs(model, kept).items()
        yield urls.output_path(model.urls.feed()), atom_feed(model.changes, model.base_url, site.title, site.last_reviewed,
                                                             model.language)
    yield from each_data_file(default, kept, published)
    if SITEMAP not in kept:
        yield SITEMAP, sitemap(default.base_url, [page for model in models for page in model.pages()],
                               [model.language for model in models])
    yield urls.output_path(urls.robots()), robots(default.base_url)

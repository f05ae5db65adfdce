"""Every file of the site that is not a page: chart CSVs, the /data/ downloads, the corrections feed,
the sitemap and robots.txt. Pure: the page model in, output path -> bytes out; URLs from urls.py."""

from __future__ import annotations

from markupsafe import escape

from . import urls
from .charts import chart_csv
from .history import atom_feed
from .data_columns import DATA_LICENCE
from .opendata import data_files
from .pages import Page, SiteModel


def sitemap(base_url: str, pages: list[Page]) -> bytes:
    entries = "".join(f"  <url><loc>{escape(urls.absolute(base_url, page.url))}</loc></url>\n"
                      for page in pages if page.in_sitemap)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries + "</urlset>\n").encode("utf-8")


def robots(base_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(base_url, urls.sitemap())}\n".encode()


def chart_csvs(model: SiteModel) -> dict[str, bytes]:
    """Each chart's numbers, with their unit, credits and licence, beside its images."""
    credits = {view.link.sources_url: view.provenance.line() for view in model.views.values()}
    return {urls.output_path(chart.url("wide", "csv")): chart_csv(chart, model.base_url, credits, DATA_LICENCE)
            for chart in model.all_charts()}


def site_files(model: SiteModel) -> dict[str, bytes]:
    """Output path -> bytes of every file that is not a page, an image, a static asset or the search index."""
    site = model.content.site
    return {
        **chart_csvs(model),
        **data_files(model),
        urls.output_path(urls.feed()): atom_feed(model.changes, model.base_url, site.title, site.last_reviewed),
        urls.output_path(urls.sitemap()): sitemap(model.base_url, model.pages()),
        urls.output_path(urls.robots()): robots(model.base_url),
    }

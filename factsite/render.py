"""Jinja rendering: autoescape on, StrictUndefined (a missing number is a wrong page). Pure: returns bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from . import urls
from .assets import collect_assets
from .charts import chart_csv
from .history import all_changes, atom_feed
from .opendata import data_files
from .pages import Page, SiteModel
from .search import SearchIndex
from .write import MemorySite


def json_for_script(text: str) -> Markup:
    """JSON placed in <script type="application/json">: '<' escaped so it can never close the tag."""
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def make_environment(template_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(template_dir),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build makes its own environment: no need to stat every template at each use
    )
    env.filters["script_json"] = json_for_script
    env.globals["urls"] = urls
    return env


def _sitemap(base_url: str, pages: list[Page]) -> str:
    entries = "".join(
        f"  <url><loc>{urls.absolute(base_url, page.url)}</loc></url>\n" for page in pages if page.url != "/404.html" and page.template != "embed.html"
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries + "</urlset>\n")


def render_into(site: Any, model: SiteModel, base_url: str, repo_root: Path, search: SearchIndex,
                draft: bool = False) -> None:
    """Add every output file but the search bundle, chart images, cards and PDFs to `site` (a
    SiteWriter or MemorySite).

    Searchable pages render first and `search` starts indexing them in Pagefind's own process while
    the others render; the caller adds `search.finish()` when it needs the bundle.
    """
    env = make_environment(repo_root / "templates")
    assets = collect_assets(repo_root / "static")
    pages = model.pages()
    common = {"site": model.content.site, "assets": assets.urls, "base_url": base_url.rstrip("/"), "draft": draft}
    site.add_all(assets.files)
    digests: dict[str, bytes] = {}
    for page in pages:
        if page.searchable:
            html = _render_page(env, page, common)
            digests[page.output] = hashlib.sha256(html).digest()
            site.add(page.output, html)
    search.start(digests, site)
    for page in pages:
        if not page.searchable:
            site.add(page.output, _render_page(env, page, common))
    for chart in model.all_charts():
        site.add(urls.output_path(chart.url("wide", "csv")), chart_csv(chart, base_url))
    site.add_all(data_files(model))
    site.add("updates.xml", atom_feed(all_changes(model.content), base_url, model.content.site.title,
                                      model.content.site.last_reviewed))
    site.add("sitemap.xml", _sitemap(base_url, pages).encode("utf-8"))
    site.add("robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(base_url, '/sitemap.xml')}\n".encode())


def _render_page(env: Environment, page: Page, common: dict[str, Any]) -> bytes:
    return env.get_template(page.template).render(page=page, **common, **page.context).encode("utf-8")


def render_site(model: SiteModel, base_url: str, repo_root: Path, draft: bool = False,
                cache_dir: Path | None = None) -> MemorySite:
    """Every output file of the site but the chart images, in memory (relative path -> bytes)."""
    site = MemorySite()
    with SearchIndex(cache_dir) as search:
        render_into(site, model, base_url, repo_root, search, draft)
        site.add_files(search.finish())
    return site

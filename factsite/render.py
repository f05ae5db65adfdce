"""Jinja rendering: autoescape on, StrictUndefined (a missing number is a wrong page). Pure: returns bytes."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from . import urls
from .assets import collect_assets
from .charts import chart_csv
from .history import all_changes, atom_feed
from .opendata import data_files
from .search import search_files
from .pages import Page, SiteModel


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


def render_site(model: SiteModel, base_url: str, repo_root: Path, draft: bool = False,
                cache_dir: Path | None = None) -> dict[str, bytes]:
    """Every output file of the site but the chart images, as relative path -> bytes."""
    env = make_environment(repo_root / "templates")
    assets = collect_assets(repo_root / "static")
    pages = model.pages()
    common = {"site": model.content.site, "assets": assets.urls, "base_url": base_url.rstrip("/"), "draft": draft}
    files: dict[str, bytes] = dict(assets.files)
    for page in pages:
        html = env.get_template(page.template).render(page=page, **common, **page.context)
        files[page.output] = html.encode("utf-8")
    for chart in model.all_charts():
        files[urls.output_path(chart.url("wide", "csv"))] = chart_csv(chart, base_url)
    files.update(data_files(model))
    files["updates.xml"] = atom_feed(all_changes(model.content), base_url, model.content.site.title,
                                     model.content.site.last_reviewed)
    files.update(search_files(files, cache_dir))
    files["sitemap.xml"] = _sitemap(base_url, pages).encode("utf-8")
    files["robots.txt"] = f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(base_url, '/sitemap.xml')}\n".encode()
    return files

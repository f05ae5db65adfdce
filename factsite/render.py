"""Jinja rendering: autoescape on, StrictUndefined (a missing number is a wrong page). Pure: returns bytes."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from . import urls
from .assets import collect_assets
from .charts import chart_csv
from .history import all_changes, atom_feed
from .opendata import DATA_LICENCE, data_files
from .pages import Page, SiteModel
from .parallel import can_fork, fork_pool, usable_cores
from .search import SearchIndex
from .write import MemorySite


def json_for_script(text: str) -> Markup:
    """JSON placed in <script type="application/json">: '<' escaped so it can never close the tag."""
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _bytecode_cache(folder: Path | None) -> FileSystemBytecodeCache | None:
    """Compiled templates, keyed by each template's source: compiling them all took 0.1 s a build."""
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(folder))


def make_environment(template_dir: Path, cache_dir: Path | None = None) -> Environment:
    """The build's Jinja environment; with `cache_dir`, compiled templates are kept there between builds."""
    env = Environment(
        loader=FileSystemLoader(template_dir),
        bytecode_cache=_bytecode_cache(cache_dir),
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
        f"  <url><loc>{escape(urls.absolute(base_url, page.url))}</loc></url>\n" for page in pages if page.url != "/404.html" and page.template != "embed.html"
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + entries + "</urlset>\n")


def render_into(site: Any, model: SiteModel, base_url: str, repo_root: Path, search: SearchIndex,
                draft: bool = False, cache_dir: Path | None = None) -> None:
    """Add every output file but the search bundle, chart images, cards and PDFs to `site` (a
    SiteWriter or MemorySite).

    Searchable pages render first, part by part (see search.py), and `search` indexes each part in
    Pagefind's own process while the next ones render; the caller adds `search.finish()` when it
    needs the bundle.
    """
    env = make_environment(repo_root / "templates", cache_dir / "templates" if cache_dir else None)
    assets = collect_assets(repo_root / "static")
    pages = model.pages()
    common = {"site": model.content.site, "assets": assets.urls, "base_url": base_url.rstrip("/"), "draft": draft}
    index_of = {page.output: i for i, page in enumerate(pages) if page.searchable}
    parts = search.plan({pages[i].output: pages[i].search_group or pages[i].url for i in index_of.values()})
    others = [i for i, page in enumerate(pages) if not page.searchable]
    with PageRenderer(env, pages, common) as renderer:  # before any file is added: no writer thread is running yet
        site.add_all(assets.files)
        for number, part in enumerate(parts):  # each part is indexed while the next renders
            digests: dict[str, bytes] = {}
            for page, html in renderer.render([index_of[output] for output in part]):
                digests[page.output] = hashlib.sha256(html).digest()
                site.add(page.output, html)
            search.add_part(number, digests, site)
        for page, html in renderer.render(others):
            site.add(page.output, html)
    credits = {view.link.sources_url: view.provenance.line() for view in model.views.values()}
    for chart in model.all_charts():
        site.add(urls.output_path(chart.url("wide", "csv")), chart_csv(chart, base_url, credits, DATA_LICENCE))
    site.add_all(data_files(model))
    site.add("updates.xml", atom_feed(all_changes(model.content), base_url, model.content.site.title,
                                      model.content.site.last_reviewed))
    site.add("sitemap.xml", _sitemap(base_url, pages).encode("utf-8"))
    site.add("robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(base_url, '/sitemap.xml')}\n".encode())


def _render_page(env: Environment, page: Page, common: dict[str, Any]) -> bytes:
    page = page.with_details()
    return env.get_template(page.template).render(page=page, **common, **page.context).encode("utf-8")


PARALLEL_FROM = 1500  # pages: below this, starting worker processes costs more than it saves
WORKER_CHUNK = 32  # pages a worker renders per round trip
_JOB: tuple[Environment, list[Page], dict[str, Any]] | None = None  # what forked workers render


def _render_in_worker(index: int) -> bytes:
    assert _JOB is not None
    env, pages, common = _JOB
    return _render_page(env, pages[index], common)


class PageRenderer:
    """Renders pages in the order asked; with many pages, in one forked worker process per core.

    Rendering templates is most of an HTML-only build, and one Python process uses one core.
    Workers are forked, so they share the page models instead of receiving copies, and send back
    only the bytes of each page; the results come back in order, so the output is the same.
    """

    def __init__(self, env: Environment, pages: list[Page], common: dict[str, Any], workers: int | None = None):
        self.env, self.pages, self.common = env, pages, common
        self.workers = workers if workers is not None else usable_cores()
        self._pool: Any = None

    def __enter__(self) -> "PageRenderer":
        global _JOB
        if can_fork(self.workers) and len(self.pages) >= PARALLEL_FROM:
            _JOB = (self.env, self.pages, self.common)
            for name in {page.template for page in self.pages}:
                self.env.get_template(name)  # compiled once, before the fork, not once in each worker
            gc.freeze()  # the collector in a worker would otherwise touch, and so copy, every shared object
            self._pool = fork_pool(self.workers)
        return self

    def __exit__(self, kind, error, traceback) -> None:
        global _JOB
        if self._pool is not None:
            if kind is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()
            _JOB = None
            gc.unfreeze()

    def render(self, indexes: list[int]) -> Iterator[tuple[Page, bytes]]:
        if self._pool is None:
            for index in indexes:
                yield self.pages[index], _render_page(self.env, self.pages[index], self.common)
            return
        for index, html in zip(indexes, self._pool.imap(_render_in_worker, indexes, chunksize=WORKER_CHUNK)):
            yield self.pages[index], html


def render_site(model: SiteModel, base_url: str, repo_root: Path, draft: bool = False,
                cache_dir: Path | None = None) -> MemorySite:
    """Every output file of the site but the chart images, in memory (relative path -> bytes)."""
    site = MemorySite()
    with SearchIndex(cache_dir) as search:
        render_into(site, model, base_url, repo_root, search, draft, cache_dir)
        site.add_all(search.finish())
    return site

"""Pages to bytes: Jinja with autoescape on and StrictUndefined (a missing number is a wrong page).

Pure: pages and their shared context in, (output path, bytes) out, in the order asked. Where the
bytes go (the writer, the search index) is the pipeline's business.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup, escape

from ..content.parallel import can_fork, fork_pool, usable_cores
from ..content.locales import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LOCALES
from . import urls
from .catalogues import LOCALE_DIR, catalogue_digest, translations
from .folded_gettext import FoldedGettext
from .dates import readable_date
from .pages import Page, SiteModel
from .views import escape_inner, figure_anchor, figure_link, titled_figure


def json_for_script(text: str) -> Markup:
    """JSON placed in <script type="application/json">: '<' escaped so it can never close the tag."""
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _escape_output(value: Any) -> str:
    """What `{{ value }}` writes in an autoescaped template: escape(value)'s text, without making it
    a Markup object (a fifth of rendering a statistic's page). The compiled template only joins what
    it writes into one string, so the result's type is never seen; the text is the same."""
    if type(value) is str:
        return escape_inner(value)
    if type(value) is Markup:  # a macro's output, a |safe value: written as it is
        return value
    return escape(value)


class _Template(Template):
    """A template whose `{{ ... }}` output is escaped by `_escape_output`."""

    @classmethod
    def from_code(cls, environment: Environment, code: Any, globals: Any, uptodate: Any = None) -> Template:
        # Jinja's own from_code (3.1), with the module's `escape` (imported from jinja2.runtime by the
        # compiled code, and used only to write output) replaced.
        namespace: dict[str, Any] = {"environment": environment, "__file__": code.co_filename}
        exec(code, namespace)
        if escape_inner is not None:
            namespace["escape"] = _escape_output
        template = cls._from_namespace(environment, namespace, globals)
        template._uptodate = uptodate
        return template


def _bytecode_cache(folder: Path | None, language: str, digest: str) -> FileSystemBytecodeCache | None:
    """Compiled templates, keyed by each template's source: compiling them all took 0.1 s a build. A
    compiled template holds its language's words (folded_gettext.py), so each language, and each
    version of its catalogue (`digest`), has a folder of its own."""
    if folder is None:
        return None
    folder = folder / f"{language}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(folder))


def make_environment(template_dir: Path, cache_dir: Path | None = None, language: str = DEFAULT_LANGUAGE,
                     locale_dir: Path = LOCALE_DIR) -> Environment:
    """The build's Jinja environment, writing the interface in `language` (its catalogue under
    `locale_dir`); with `cache_dir`, compiled templates are kept there between builds."""
    digest = catalogue_digest(language, locale_dir)  # the .po read and hashed once, for both its uses
    env = Environment(
        loader=FileSystemLoader(template_dir),
        extensions=["jinja2.ext.i18n", FoldedGettext],
        bytecode_cache=_bytecode_cache(cache_dir, language, digest),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build makes its own environment: no need to stat every template at each use
    )
    env.template_class = _Template
    # New-style gettext: {% trans %} and _("...") format their own variables, escaped like any other.
    catalogue = translations(language, locale_dir, digest)
    env.install_gettext_translations(catalogue, newstyle=True)
    env.folded_gettext = catalogue.gettext  # type: ignore[attr-defined]
    # A label the page model marked with N_ (a status, a paper size), translated here and escaped as text.
    env.globals["translated"] = catalogue.gettext
    env.filters["script_json"] = json_for_script
    env.filters["readable_date"] = partial(readable_date, language=language)  # dates as the web pages write them, in print too
    env.filters["figure_link"] = figure_link  # {{ link|figure_link }}: a statistic's figure, linked to its sources
    env.filters["titled_figure"] = titled_figure  # {{ link|titled_figure }}: its title linked to its page, then its figure
    env.globals["figure_anchor"] = figure_anchor  # the same link for a figure printed otherwise (a chart's table)
    env.globals["urls"] = urls
    return env


@dataclass(frozen=True)
class Language:
    """What rendering a page in one language takes: that language's Jinja environment, and what
    every page in it gets besides its own context."""

    env: Environment
    common: dict[str, Any]
    # Templates that are the same on every page of the language, rendered once (see `constant`).
    constants: dict[str, Markup] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # The shared context is the environment's globals, not a page's context: then a macro file
        # imported without `with context` sees it, and Jinja runs that file once per language instead
        # of once per page (a tenth of a statistic's sources page).
        self.env.globals.update(self.common, constant=self.constant)

    def constant(self, name: str) -> Markup:
        """`{{ constant("_helpline.html") }}`: template `name` rendered from the shared context alone,
        once per language: the help line, the navigation's sections, the footer and the scripts' words
        are the same on every page, and rendering them each time was a third of a statistic's page's
        template. Given nothing of the page,
        a template that used any of it would fail (StrictUndefined), never differ from page to page."""
        if name not in self.constants:
            self.constants[name] = Markup(self.env.get_template(name).render())
        return self.constants[name]


Languages = Mapping[str, Language]  # by language code: a page renders in its own


def shared_context(model: SiteModel, asset_urls: dict[str, str], draft: bool,
                   languages: Sequence[str] = (DEFAULT_LANGUAGE,)) -> dict[str, Any]:
    """What every page of `model`'s language gets besides its own context: its addresses are in that
    language (`urls`), and it names the same page in each of the site's `languages`."""
    site = model.content.site
    return {"site": site, "assets": asset_urls, "base_url": model.base_url, "draft": draft, "urls": model.urls,
            "html_lang": site.language if model.language == DEFAULT_LANGUAGE else model.language,
            "languages": list(languages), "language_names": LANGUAGE_NAMES, "og_locale": LOCALES[model.language],
            # A quotation keeps its source's language: marked as such on a page in another language.
            "quote_lang": site.language if model.language != DEFAULT_LANGUAGE else None, "locators": model.locators}


def render_pages(languages: Languages, pages: list[Page]) -> Iterator[tuple[str, bytes]]:
    """Every page as (output path, bytes), in order, in this process."""
    for page in pages:
        yield page.output, _render_page(languages, page)


def _render_page(languages: Languages, page: Page) -> bytes:
    # The context and structured data are built here, in the process that renders the page.
    language = languages[page.language]
    codes = language.common.get("languages", ())
    alternates = urls.alternates(page.url, codes) if len(codes) > 1 else []  # one language: no alternates
    context = page.context()
    shadowed = context.keys() & language.common.keys()
    if shadowed:  # a page's own value would quietly replace what every page shares (see Language)
        raise ValueError(f"{page.output}: the page's context redefines shared names {sorted(shadowed)}")
    return language.env.get_template(page.template).render(
        page=page, structured_data=page.structured_data(), alternates=alternates, **context,
    ).encode("utf-8")


PARALLEL_FROM = 1500  # pages: below this, starting worker processes costs more than it saves
WORKER_CHUNK = 32  # pages a worker renders per round trip
_JOB: tuple[Languages, list[Page]] | None = None  # what forked workers render


def _render_in_worker(index: int) -> bytes:
    assert _JOB is not None
    languages, pages = _JOB
    return _render_page(languages, pages[index])


class PageRenderer:
    """Renders pages in the order asked; with many pages, in one forked worker process per core.

    Rendering templates is most of an HTML-only build, and one Python process uses one core.
    Workers are forked, so they share the page models instead of receiving copies, and send back
    only the bytes of each page; the results come back in order, so the output is the same.
    """

    def __init__(self, languages: Languages, pages: list[Page], workers: int | None = None):
        self.languages, self.pages = languages, pages
        self.workers = workers if workers is not None else usable_cores()
        self._pool: Any = None
        self._thawed = True

    def __enter__(self) -> "PageRenderer":
        global _JOB
        if can_fork(self.workers) and len(self.pages) >= PARALLEL_FROM:
            _JOB = (self.languages, self.pages)
            collecting = gc.isenabled()
            gc.disable()  # what the pages read from the plan lives as long as they do: nothing to collect
            try:
                for page in self.pages:
                    page.plan_ahead()  # made here once, shared by the workers, not made again in each
            finally:
                if collecting:
                    gc.enable()
            for language, name in {(page.language, page.template) for page in self.pages}:
                self.languages[language].env.get_template(name)  # compiled once, before the fork, not once in each worker
            self._thawed = gc.get_freeze_count() == 0  # a caller that froze the heap itself unfreezes it
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
            if self._thawed:
                gc.unfreeze()

    def render(self, indexes: list[int]) -> Iterator[tuple[str, bytes]]:
        """The pages at `indexes`, as (output path, bytes), in that order."""
        if self._pool is None:
            yield from render_pages(self.languages, [self.pages[index] for index in indexes])
            return
        for index, html in zip(indexes, self._pool.imap(_render_in_worker, indexes, chunksize=WORKER_CHUNK)):
            yield self.pages[index].output, html

"""The flow, end to end: load -> validate -> page models -> render -> images -> search index -> write.

`build_site` runs it: pages are rendered and handed to the writer as they come, with Pagefind
indexing the searchable ones part by part meanwhile; then the chart images, cards and PDFs (from
the render cache where their inputs are unchanged), the search index, and one commit of the whole
site. It prints nothing but progress: it returns a `BuildResult`, which build.py prints and the dev
server shows in the page. `check_content` applies the same content rules without building.
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from .content.errors import Problem
from .content.load import load_content
from .content.overlay import translation_summary
from .content.translate import translated
from .content.validate import Content, environment_url_problem, validate
from .images.browser import NoChromium
from .images.cards import CardDoesNotFit, render_cards
from .images.chart_export import DuplicateOutput, export_images
from .images.headless import Headless, ImageCache
from .images.pdf import render_pdfs
from .images.progress import Stopwatch
from .publish.write import CannotWrite, MemorySite, OutputRefused, SiteWriter, check_output, output_lock
from .web.assets import Assets, collect_assets
from .web.catalogues import shipped_catalogue_problems
from .web.charts import image_jobs
from .web.history import published_figures, unrecorded_changes
from .web.jobs import ImageJob
from .web.outputs import site_files
from .web.pages import SiteModel
from .web.render import Language, Languages, PageRenderer, make_environment, render_pages, shared_context
from .web.search import SearchIndex, SearchIndexError

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BuildResult:
    """What a build or a check found and did: build.py prints it, the dev server shows it."""

    ok: bool
    problems: list[Problem]  # the content's errors and warnings, in file order
    summary: str  # the closing line: what was written, or why nothing was
    timings: str = ""  # with --timings: the time each step took and the peak memory

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "warning"]

    def lines(self) -> list[str]:
        """Every problem, then the summary, one message a line: what an author needs to see."""
        return [str(problem) for problem in self.problems] + self.summary.splitlines()

    def report(self) -> None:
        """Print as the command line does: problems on stderr, then the summary (on stdout if it succeeded)."""
        for problem in self.problems:
            print(problem, file=sys.stderr)
        print(self.summary, file=sys.stdout if self.ok else sys.stderr)
        if self.timings:
            print(self.timings)


def load_and_validate(content_dir: Path) -> tuple[Content | None, list[Problem]]:
    content, problems = validate(load_content(content_dir))
    bad_url = environment_url_problem(os.environ.get("URL"))  # it overrides base_url: checked like it
    if bad_url is not None:
        return None, sorted(problems + [bad_url])
    if content is not None:  # a shipped language shows no English string: every catalogue entry translated
        untranslated = shipped_catalogue_problems(content.site.languages)
        if untranslated:
            return None, problems + untranslated
    return content, problems


def _validate_against(content_dir: Path, out_dir: Path) -> tuple[Content | None, list[Problem]]:
    """Every content rule, including the one that needs the last published site: a figure that changed
    since `out_dir` was built needs a history entry (nothing to compare with if it has no statistics.json)."""
    content, problems = load_and_validate(content_dir)
    if content is None:
        return None, problems
    return content, problems + unrecorded_changes(content, published_figures(out_dir))


def _too_strict(command: str, problems: list[Problem], strict: bool) -> str:
    """With --strict, the reason a build or check with warnings fails; else nothing."""
    warnings = sum(p.severity == "warning" for p in problems)
    return f"{command}: {warnings} warning(s), and --strict fails on warnings" if strict and warnings else ""


def check_content(content_dir: Path, out_dir: Path, strict: bool = False) -> BuildResult:
    """Validate only, with every rule a build applies (compared with the site in `out_dir`); write nothing."""
    content, problems = _validate_against(content_dir, out_dir)
    # What each language still lacks, after the problems: the translator's to-do list.
    languages = "".join(f"\n{line}" for line in translation_summary(problems, list(content.translations) if content else []))
    if content is None:
        errors = sum(p.severity == "error" for p in problems)
        return BuildResult(False, problems, f"check: {errors} error(s) in {content_dir}; nothing was built.{languages}")
    refused = _too_strict("check", problems, strict)
    if refused:
        return BuildResult(False, problems, refused + "." + languages)
    return BuildResult(True, problems, f"check: content is valid ({len(content.stats)} statistics, "
                                       f"{len(content.sources)} sources, {len(content.sheets)} fact sheets, "
                                       f"{len(problems)} warning(s)).{languages}")


def build_site(content_dir: Path, out_dir: Path, draft: bool = False, cache_dir: Path | None = None,
               headless: Headless | None = None, timings: bool = False, strict: bool = False) -> BuildResult:
    """Build the whole site into `out_dir`, written only if everything succeeded.

    A draft build skips the static chart images (no Chromium needed) and says so on the pages.
    `headless` lets the dev server keep one browser between rebuilds; `timings` adds the time each
    step took; `strict` fails on warnings, before anything is rendered. One build at a time per output
    folder: the whole build holds its lock, so that what it compares against (the published figures,
    the old files) is what it replaces.
    """
    try:
        check_output(out_dir, repo=REPO_ROOT, content=content_dir)  # before the lock file: a refused --out gets nothing
        with output_lock(out_dir):
            check_output(out_dir, repo=REPO_ROOT, content=content_dir)  # again, under the lock, before any work
            return _build(content_dir, out_dir, draft, cache_dir, headless, timings, strict)
    except (OutputRefused, CannotWrite, OSError) as error:
        return BuildResult(False, [], _cannot_write(error, out_dir))


# Errors that only a write can cause (a read error is not "cannot write"): the render cache and the
# search index's cache may be on the full or read-only file system too.
WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def _cannot_write(error: OSError | OutputRefused | CannotWrite, out_dir: Path) -> str:
    """The message for an output folder that may not or cannot be written; other errors go on up."""
    if isinstance(error, OutputRefused):
        return f"build: {error}; nothing was written."
    if isinstance(error, CannotWrite):
        return f"build: cannot write {error.path}: {error.reason}; {out_dir} was left as it was."
    if error.errno not in WRITE_ERRORS:
        raise error
    return f"build: cannot write {error.filename or out_dir}: {error.strerror}; {out_dir} was left as it was."


def _build(content_dir: Path, out_dir: Path, draft: bool, cache_dir: Path | None, headless: Headless | None,
           timings: bool, strict: bool) -> BuildResult:
    started = time.perf_counter()
    stopwatch = Stopwatch()
    with stopwatch.step("load and validate"):
        content, problems = _validate_against(content_dir, out_dir)  # against what the last build published
    if content is None:
        errors = sum(p.severity == "error" for p in problems)
        return BuildResult(False, problems, f"build: {errors} error(s); {out_dir} was left as it was.")
    refused = _too_strict("build", problems, strict)  # every warning is known by now: nothing later warns
    if refused:
        return BuildResult(False, problems, f"{refused}; {out_dir} was left as it was.")
    base_url = os.environ.get("URL") or content.site.base_url
    cache_dir = cache_dir or default_cache_dir()
    with stopwatch.step("page models"):
        models = plan_site(content, base_url)
        for model in models:
            model.pages()
    drawn = carded = printed = 0
    jobs: list[ImageJob] = []
    assets = collect_assets(REPO_ROOT / "static")
    languages = _languages(models, assets, draft, cache_dir)  # one Jinja environment per language, for pages and cards
    try:
        with SiteWriter(out_dir, repo=REPO_ROOT, content=content_dir) as site, \
                SearchIndex(cache_dir, languages=list(languages)) as search:
            with stopwatch.step("pages"):
                _write_pages(models, languages, assets, site, search)
                site.add_all(site_files(models))
            if not draft:
                jobs = [job for model in models for chart in model.all_charts() for job in image_jobs(chart)]
                cache = ImageCache(cache_dir)
                with Headless() if headless is None else nullcontext(headless) as browser:
                    with stopwatch.step("chart images"):
                        images, drawn = export_images(jobs, cache, browser)
                        site.add_all(images)
                    with stopwatch.step("cards"):  # every language's in one go: the browser's pages stay busy
                        cards, carded = render_cards([card for model in models for card in model.cards()],
                                                     {code: language.env for code, language in languages.items()},
                                                     cache, browser)
                        site.add_all(cards)
                    # Sheets are printed last: their pages use the chart images drawn above.
                    with stopwatch.step("PDFs"):
                        pdfs, printed = render_pdfs([job for model in models for job in model.pdf_jobs()], site.files,
                                                    cache, browser)
                        site.add_all(pdfs)
            with stopwatch.step("search index"):  # Pagefind has been indexing since the searchable pages were written
                site.add_all(search.finish())
            with stopwatch.step("write"):
                names = list(site.files)
                written = site.commit()
    except (NoChromium, CardDoesNotFit, SearchIndexError, DuplicateOutput) as error:
        located = isinstance(error, CardDoesNotFit)  # its lines start with the file, line and field
        return BuildResult(False, problems, f"{'' if located else 'build: '}{error}\nbuild: {out_dir} was left as it was.")
    except (CannotWrite, OSError) as error:
        return BuildResult(False, problems, _cannot_write(error, out_dir))
    pages = sum(1 for name in names if name.endswith(".html"))
    elapsed = time.perf_counter() - started
    images_note = ("draft: no chart images, cards or PDFs" if draft
                   else f"{drawn} chart image(s), {carded} card(s) and {printed} PDF(s) rendered, the rest from cache")
    images_note += f"; {len(jobs)} chart image(s) in all" if jobs else ""
    summary = (f"build: wrote {pages} pages and {len(names) - pages} other files to {out_dir} "
               f"in {elapsed:.2f} s ({images_note}; {written.written} file(s) changed, {written.unchanged} unchanged, "
               f"{written.removed} removed; {len(problems)} warning(s)).")
    return BuildResult(True, problems, summary, f"build: {stopwatch.summary()}; {peak_memory()}" if timings else "")


def plan_site(content: Content, base_url: str) -> list[SiteModel]:
    """The site's plan in each of its languages, the default language first."""
    return [SiteModel(translated(content, language), base_url, language) for language in content.site.languages]


def _languages(models: list[SiteModel], assets: Assets, draft: bool, cache_dir: Path | None) -> Languages:
    codes = [model.language for model in models]
    templates_cache = cache_dir / "templates" if cache_dir else None
    return {model.language: Language(make_environment(REPO_ROOT / "templates", templates_cache, model.language),
                                     shared_context(model, assets.urls, draft, codes)) for model in models}


def _write_pages(models: list[SiteModel], languages: Languages, assets: Assets, site: SiteWriter,
                 search: SearchIndex) -> None:
    """Render every page of every language into `site`, with the static assets. Searchable pages come
    first, part by part (see search.py): Pagefind indexes each part in its own process while the next
    ones render."""
    pages = [page for model in models for page in model.pages()]
    index_of = {page.output: i for i, page in enumerate(pages) if page.searchable}
    parts = search.plan({pages[i].output: pages[i].search_group or pages[i].url for i in index_of.values()})
    others = [i for i, page in enumerate(pages) if not page.searchable]
    with PageRenderer(languages, pages) as renderer:
        site.add_all(assets.files)  # after the renderer forks its workers: no writer thread runs before
        for number, part in enumerate(parts):
            digests: dict[str, bytes] = {}
            for output, html in renderer.render([index_of[output] for output in part]):
                digests[output] = hashlib.sha256(html).digest()
                site.add(output, html)
            search.add_part(number, digests, site)
        for output, html in renderer.render(others):
            site.add(output, html)


def render_in_memory(content: Content, base_url: str, draft: bool = True) -> MemorySite:
    """Every page and file of the site but the images and the search index, in memory (output path ->
    bytes): what a build writes, for checks that need the files and not a folder or a browser."""
    models = plan_site(content, base_url)
    assets = collect_assets(REPO_ROOT / "static")
    site = MemorySite()
    site.add_all(assets.files)
    site.add_all(dict(render_pages(_languages(models, assets, draft, None), [page for model in models for page in model.pages()])))
    site.add_all(site_files(models))
    return site


def peak_memory() -> str:
    """The build's own peak resident memory, and that of the largest helper it waited for
    (Pagefind, forked page renderers, the browser driver)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    helpers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"peak memory: build {own:.0f} MB, largest helper {helpers:.0f} MB"


def default_cache_dir() -> Path:
    """Rendered images are kept outside site/, between builds (FACTSITE_CACHE overrides)."""
    return Path(os.environ.get("FACTSITE_CACHE") or REPO_ROOT / ".cache" / "render")

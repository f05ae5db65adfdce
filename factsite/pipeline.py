"""The flow, end to end: load -> validate -> page models -> render -> write."""

from __future__ import annotations

import errno
import gc
import os
import resource
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from .errors import Problem
from .load import load_content
from .progress import Stopwatch
from .validate import Content, environment_url_problem, validate

REPO_ROOT = Path(__file__).resolve().parent.parent

# A build makes millions of small objects that live to its end (records, models, page views) and
# frees few: with the default thresholds the collector scanned them over and over, and loading
# 10,000 statistics took 15 times as long as 1,000. Young objects are collected 70 times less often.
GC_THRESHOLD = (50_000, 50, 50)


def _report(problems: list[Problem], stream=None) -> None:
    for problem in problems:
        print(problem, file=stream or sys.stderr)  # looked up now: the dev server captures stderr


def load_and_validate(content_dir: Path) -> tuple[Content | None, list[Problem]]:
    if gc.get_threshold()[0] < GC_THRESHOLD[0]:
        gc.set_threshold(*GC_THRESHOLD)
    content, problems = validate(load_content(content_dir))
    bad_url = environment_url_problem(os.environ.get("URL"))  # it overrides base_url: checked like it
    if bad_url is not None:
        return None, sorted(problems + [bad_url])
    return content, problems


def check_content(content_dir: Path) -> int:
    """Validate only; report every problem; exit status 1 on any error."""
    content, problems = load_and_validate(content_dir)
    _report(problems)
    errors = sum(p.severity == "error" for p in problems)
    if content is None:
        print(f"check: {errors} error(s) in {content_dir}; nothing was built.", file=sys.stderr)
        return 1
    print(f"check: content is valid ({len(content.stats)} statistics, {len(content.sources)} sources, "
          f"{len(content.sheets)} fact sheets, {len(problems)} warning(s)).")
    return 0


def build_site(content_dir: Path, out_dir: Path, draft: bool = False, cache_dir: Path | None = None,
               headless: Any = None, timings: bool = False) -> int:
    """Build the whole site into `out_dir`, written only if everything succeeded.

    A draft build skips the static chart images (no Chromium needed) and says so on the pages.
    `headless` (a Headless) lets the dev server keep one browser between rebuilds; `timings` prints
    the time each step took. One build at a time per output folder: the whole build holds its lock,
    so that what it compares against (the published figures, the old files) is what it replaces.
    """
    from .write import CannotWrite, OutputRefused, check_output, output_lock

    try:
        check_output(out_dir, repo=REPO_ROOT, content=content_dir)  # before the lock file: a refused --out gets nothing
        with output_lock(out_dir):
            check_output(out_dir, repo=REPO_ROOT, content=content_dir)  # again, under the lock, before any work
            return _build(content_dir, out_dir, draft, cache_dir, headless, timings)
    except OutputRefused as error:
        print(f"build: {error}; nothing was written.", file=sys.stderr)
    except CannotWrite as error:
        print(f"build: cannot write {error.path}: {error.reason}; {out_dir} was left as it was.", file=sys.stderr)
    except OSError as error:
        if error.errno not in WRITE_ERRORS:
            raise
        print(f"build: cannot write {error.filename or out_dir}: {error.strerror}; {out_dir} was left as it was.",
              file=sys.stderr)
    return 1


# Errors that only a write can cause (a read error is not "cannot write"): the render cache and the
# search index's cache may be on the full or read-only file system too.
WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def _build(content_dir: Path, out_dir: Path, draft: bool, cache_dir: Path | None, headless: Any, timings: bool) -> int:
    from .browser import NoChromium
    from .cards import CardDoesNotFit, render_cards
    from .chart_export import DuplicateOutput, ImageCache, export_images
    from .charts import image_jobs
    from .headless import Headless
    from .history import published_figures, unrecorded_changes
    from .pages import SiteModel
    from .pdf import render_pdfs
    from .render import make_environment, render_into
    from .search import SearchIndex, SearchIndexError
    from .write import SiteWriter

    started = time.perf_counter()
    stopwatch = Stopwatch()
    with stopwatch.step("load and validate"):
        content, problems = load_and_validate(content_dir)
    _report(problems)
    if content is None:
        print(f"build: {sum(p.severity == 'error' for p in problems)} error(s); {out_dir} was left as it was.", file=sys.stderr)
        return 1
    changed = unrecorded_changes(content, published_figures(out_dir))  # against what the last build published
    _report(changed)
    problems = problems + changed
    base_url = os.environ.get("URL") or content.site.base_url
    cache_dir = cache_dir or default_cache_dir()
    with stopwatch.step("page models"):
        model = SiteModel(content, base_url)
        model.pages()
    drawn = carded = printed = 0
    jobs: list[Any] = []
    try:
        with SiteWriter(out_dir, repo=REPO_ROOT, content=content_dir) as site, SearchIndex(cache_dir) as search:
            with stopwatch.step("pages"):
                render_into(site, model, base_url, REPO_ROOT, search, draft, cache_dir)
            if not draft:
                jobs = [job for chart in model.all_charts() for job in image_jobs(chart)]
                cache = ImageCache(cache_dir)
                with Headless() if headless is None else nullcontext(headless) as headless:
                    with stopwatch.step("chart images"):
                        images, drawn = export_images(jobs, cache, headless)
                        site.add_all(images)
                    with stopwatch.step("cards"):
                        cards, carded = render_cards(model.cards(), make_environment(REPO_ROOT / "templates"), cache, headless)
                        site.add_all(cards)
                    # Sheets are printed last: their pages use the chart images drawn above.
                    with stopwatch.step("PDFs"):
                        pdfs, printed = render_pdfs(model.pdf_jobs(), site.files, cache, headless)
                        site.add_all(pdfs)
            with stopwatch.step("search index"):  # Pagefind has been indexing since the searchable pages were written
                site.add_all(search.finish())
            with stopwatch.step("write"):
                names = list(site.files)
                written = site.commit()
    except (NoChromium, CardDoesNotFit, SearchIndexError, DuplicateOutput) as error:
        located = isinstance(error, CardDoesNotFit)  # its lines start with the file, line and field
        print(f"{'' if located else 'build: '}{error}\nbuild: {out_dir} was left as it was.", file=sys.stderr)
        return 1
    pages = sum(1 for name in names if name.endswith(".html"))
    elapsed = time.perf_counter() - started
    images_note = ("draft: no chart images, cards or PDFs" if draft
                   else f"{drawn} chart image(s), {carded} card(s) and {printed} PDF(s) rendered, the rest from cache")
    images_note += f"; {len(jobs)} chart image(s) in all" if jobs else ""
    print(f"build: wrote {pages} pages and {len(names) - pages} other files to {out_dir} "
          f"in {elapsed:.2f} s ({images_note}; {written.written} file(s) changed, {written.unchanged} unchanged, "
          f"{written.removed} removed; {len(problems)} warning(s)).")
    if timings:
        print(f"build: {stopwatch.summary()}; {peak_memory()}")
    return 0


def peak_memory() -> str:
    """The build's own peak resident memory, and that of the largest helper it waited for
    (Pagefind, forked page renderers, the browser driver)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    helpers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"peak memory: build {own:.0f} MB, largest helper {helpers:.0f} MB"


def default_cache_dir() -> Path:
    """Rendered images are kept outside site/, between builds (FACTSITE_CACHE overrides)."""
    return Path(os.environ.get("FACTSITE_CACHE") or REPO_ROOT / ".cache" / "render")

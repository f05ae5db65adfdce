"""The flow, end to end: load -> validate -> page models -> render -> images -> search index -> write.

`build_site` runs it: pages are rendered and handed to the writer as they come, with Pagefind
indexing the searchable ones part by part meanwhile; then the chart images, cards and PDFs (from
the render cache where their inputs are unchanged), the search index, and one commit of the whole
site. It prints nothing but progress: it returns a `BuildResult`, which build.py prints and the dev
server shows in the page. `check_content` applies the same content rules without building.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import gc
import hashlib
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from . import record as records
from .content import cache as content_cache
from .content.errors import Problem
from .content.load import Cached, load_content
from .content.overlay import translation_summary
from .content.translate import translated
from .content.validate import Content, environment_url_problem, validate
from .images.browser import NoChromium
from .images.cards import CardDoesNotFit, render_cards
from .images.chart_export import DuplicateOutput, export_images
from .images.headless import Headless, ImageCache
from .images.pdf import render_pdfs
from .images.progress import Stopwatch
from .publish.write import (CannotWrite, FileStat, MemorySite, OutputRefused, BackgroundScan, SiteScan, SiteWriter,
                            check_output, file_stat, output_lock, scan_site)
from .web.assets import Assets, collect_assets
from .web.catalogues import LOCALE_DIR, shipped_catalogue_problems
from .web.charts import image_jobs
from .web.history import published_figures, unrecorded_changes
from .web.jobs import ImageJob
from .deps import Fingerprints, fingerprints
from .web.kinds import Page
from .web.opendata import STATISTICS_CSV, STATISTICS_JSON, PublishedData, published_data
from .web.outputs import each_site_file, site_files
from .web.pages import SiteModel
from .web.render import Language, Languages, PageRenderer, make_environment, render_pages, shared_context
from .web.search import Published, SearchIndex, SearchIndexError

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Inputs:
    """The folders besides content/ that shape the site: the repository's own (tests build from copies,
    to edit them)."""

    templates: Path = REPO_ROOT / "templates"
    static: Path = REPO_ROOT / "static"
    locale: Path = LOCALE_DIR

    def folders(self, content_dir: Path) -> dict[str, Path]:
        """Every input folder, by the name its files are recorded under."""
        return {"content": content_dir, "templates": self.templates, "static": self.static, "locale": self.locale}


@dataclass
class Memory:
    """What the dev server keeps between its rebuilds: the last build's record and content cache, not
    read from disk again."""

    record: records.BuildRecord | None = None
    content: content_cache.ContentCache | None = None
    # The records, models and translations the last build made, handed back when made of the same inputs.
    reuse: content_cache.Reuse = dataclasses.field(default_factory=content_cache.Reuse)
    # The last build's fingerprints and what each read: this build works out again only those a change
    # can alter (deps.fingerprints).
    fingerprints: Fingerprints | None = None
    # The record of the last build, where it is written, and the output folder it describes: written
    # when the dev server is idle (`save_record`), not in the rebuild an author waits for.
    unsaved_record: tuple[Path, Path, records.BuildRecord] | None = None
    # Where the content cache is written, and the digests of the files it is to keep: written when the
    # dev server is idle (`save_content`), not in the rebuild an author waits for.
    unsaved: tuple[Path, set[bytes]] | None = None

    def save_record(self) -> None:
        """The last build's record on disk, if it is not yet (see _save): under the output folder's lock,
        as a build writes it, and only while it is still the record of the site there."""
        if self.unsaved_record is not None:
            path, out_dir, record = self.unsaved_record
            self.unsaved_record = None
            with output_lock(out_dir):
                if self.record is record:
                    records.try_save_record(path, record)

    def save_content(self) -> None:
        """The content cache on disk, if a build added to it since it was last written."""
        if self.content is not None and self.unsaved is not None:
            path, digests = self.unsaved
            self.content.prune(digests)
            if self.content.changed:
                content_cache.save_cache(path, self.content)
        self.unsaved = None


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


def load_and_validate(content_dir: Path, locale_dir: Path = LOCALE_DIR,
                      cached: Cached | None = None) -> tuple[Content | None, list[Problem]]:
    with _collector_paused():
        content, problems = validate(load_content(content_dir, cached), cached.cache if cached else None)
    bad_url = environment_url_problem(os.environ.get("URL"))  # it overrides base_url: checked like it
    if bad_url is not None:
        return None, sorted(problems + [bad_url])
    if content is not None:  # a shipped language shows no English string: every catalogue entry translated
        untranslated = shipped_catalogue_problems(content.site.languages, locale_dir)
        if untranslated:
            return None, problems + untranslated
    return content, problems


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading makes hundreds of thousands of objects that all live on (the data, the models), and
    makes almost no cycles: the cyclic collector would walk them all, again and again, to find nothing
    (a third of the time of a load from the content cache)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _validate_against(content_dir: Path, published: Callable[[], dict[str, str]], locale_dir: Path = LOCALE_DIR,
                      cached: Cached | None = None) -> tuple[Content | None, list[Problem], list[Problem]]:
    """Every content rule, including the one that needs the last published site: a figure that changed
    since it was published (`published()`, by slug) needs a history entry. Also the problems of the
    content alone, which a build that changes nothing says again."""
    content, problems = load_and_validate(content_dir, locale_dir, cached)
    if content is None:
        return None, problems, problems
    return content, problems + unrecorded_changes(content, published()), problems


@dataclass(frozen=True)
class _OldFile:
    """A file of the output folder as this build read it, and its stat once read (write.FileStat)."""

    data: bytes
    stat: FileStat


def _read_old(out_dir: Path, name: str) -> _OldFile | None:
    try:
        with open(out_dir / name, "rb") as handle:
            data = handle.read()
            return _OldFile(data, file_stat(os.fstat(handle.fileno())))  # after the read: an edit meanwhile shows
    except OSError:  # none, or unreadable: nothing to compare with or take from
        return None


def _figures_in(out_dir: Path) -> dict[str, str]:
    """The figures of `out_dir`'s statistics.json, whoever wrote it (check_content's)."""
    statistics_json = _read_old(out_dir, STATISTICS_JSON)
    return published_figures(statistics_json.data if statistics_json else None)


def _too_strict(command: str, problems: list[Problem], strict: bool) -> str:
    """With --strict, the reason a build or check with warnings fails; else nothing."""
    warnings = sum(p.severity == "warning" for p in problems)
    return f"{command}: {warnings} warning(s), and --strict fails on warnings" if strict and warnings else ""


def check_content(content_dir: Path, out_dir: Path, strict: bool = False) -> BuildResult:
    """Validate only, with every rule a build applies (compared with the site in `out_dir`); write nothing."""
    content, problems, _ = _validate_against(content_dir, lambda: _figures_in(out_dir))
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
               headless: Headless | None = None, timings: bool = False, strict: bool = False,
               inputs: Inputs | None = None, memory: Memory | None = None, changed: set[str] | None = None) -> BuildResult:
    """Build the whole site into `out_dir`, written only if everything succeeded.

    A draft build skips the static chart images (no Chromium needed) and says so on the pages.
    `headless` lets the dev server keep one browser between rebuilds; `timings` adds the time each
    step took; `strict` fails on warnings, before anything is rendered. One build at a time per output
    folder: the whole build holds its lock, so that what it compares against (the published figures,
    the old files) is what it replaces.

    The build is incremental (record.py, deps.py): with the last build's dependency record, nothing
    changed is proved without reading the content, and after a change only the pages whose inputs
    changed are rendered. `memory` keeps the record between the dev server's rebuilds; `inputs` names
    the template, static and catalogue folders (the repository's by default). `changed`: the input
    files (absolute paths) written, added or removed since the scan of `memory`'s record, as the dev
    server's watcher saw them; only those are looked at again. None: every folder is walked.
    """
    try:
        check_output(out_dir, repo=REPO_ROOT, content=content_dir)  # before the lock file: a refused --out gets nothing
        with output_lock(out_dir):
            check_output(out_dir, repo=REPO_ROOT, content=content_dir)  # again, under the lock, before any work
            try:
                return _build(content_dir, out_dir, draft, cache_dir, headless, timings, strict, inputs or Inputs(), memory,
                              changed)
            finally:
                # Whatever the build froze (see _build) is the collector's again, even after a failure; but
                # the dev server's: what it keeps between builds (`memory`) would make every full collection
                # a walk of it, so it stays frozen until the server is idle (DevServer.tidy).
                if memory is None:
                    gc.unfreeze()
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
           timings: bool, strict: bool, inputs: Inputs, given_memory: Memory | None,
           changed: set[str] | None) -> BuildResult:
    started = time.perf_counter()
    memory = given_memory or Memory()  # a build of the command line keeps nothing: its content cache is freed early
    stopwatch = Stopwatch()
    cache_dir = cache_dir or default_cache_dir()
    with stopwatch.step("dependency record"):
        known = _previous_build(content_dir, out_dir, cache_dir, draft, inputs, memory, changed)
    if known.unchanged:
        return _nothing_changed(known, out_dir, draft, strict, memory, started,
                                f"build: {stopwatch.summary()}; {peak_memory()}" if timings else "")
    with stopwatch.step("load and validate"):
        # Against what the last build published; the content's own problems are recorded.
        cached = _content_cache(content_dir, cache_dir, known, memory, keep_objects=given_memory is not None)
        reuse = cached.cache.reuse  # the dev server's (None for the command line's build)
        published_data: PublishedData | None = None

        def published() -> dict[str, str]:  # read once: for the history check, and for the new data files
            nonlocal published_data
            # The scan's and the file's objects are made beside the loaded content, not yet frozen
            # (see _kept_until_written): collections then would walk it all (0.09 s at 10,000 statistics).
            with _collector_paused():
                figures, published_data = _published(out_dir, known)
            return figures

        content, problems, content_problems = _validate_against(content_dir, published, inputs.locale, cached)
        _keep_content_cache(cached, content_dir, cache_dir, given_memory)
        del cached
        _give_back_freed_memory()
    if content is None:
        memory.reuse.next_build(whole=False)
        errors = sum(p.severity == "error" for p in problems)
        return BuildResult(False, problems, f"build: {errors} error(s); {out_dir} was left as it was.")
    refused = _too_strict("build", problems, strict)  # every warning is known by now: nothing later warns
    if refused:
        memory.reuse.next_build(whole=False)
        return BuildResult(False, problems, f"{refused}; {out_dir} was left as it was.")
    base_url = os.environ.get("URL") or content.site.base_url
    with stopwatch.step("page models"), _kept_until_written():
        models = plan_site(content, base_url, inputs.locale, reuse)
        memory.reuse.next_build(whole=True)
        pages = [page for model in models for page in model.pages()]
    try:
        with stopwatch.step("dependencies"):
            known.settle()
            worked_out = fingerprints(pages, models, {name: entry[3] for name, entry in known.inputs.items()}, known.key,
                                      memory.fingerprints)
            prints = worked_out.prints
            # Kept by the dev server only: what each output read holds 10,000s of sets, freed here otherwise.
            memory.fingerprints = worked_out if given_memory is not None else None
            del worked_out
            old = known.record
            kept = ({output for output, fingerprint in prints.items()
                     if old.fingerprints.get(output) == fingerprint and output in known.intact} if old is not None else set())
            published = (Published.of(old.search_parts, known.scan.files, known.intact)
                         if old is not None and known.scan is not None and not known.scan.link else None)
            if old is not None:  # from here on only `kept` and the old page digests are read: their memory is the pages'
                known.intact, old.fingerprints = set(), {}
        drawn = carded = printed = 0
        jobs: list[ImageJob] = []
        assets = collect_assets(inputs.static)
        languages = _languages(models, assets, draft, cache_dir, inputs)  # one Jinja environment per language, for pages and cards
        page_digests: dict[str, bytes] = {}
        try:
            with SiteWriter(out_dir, repo=REPO_ROOT, content=content_dir, old=known.scan) as site, \
                    SearchIndex(cache_dir, languages=list(languages), published=published) as search:
                with stopwatch.step("pages"):
                    rendered = _write_pages(pages, languages, assets, site, search, kept,
                                            old.page_digests if old is not None else {}, page_digests)
                    for name, data in each_site_file(models, kept, published_data):  # but those carried over, as pages are
                        site.add(name, data)  # written, and then freed, before the next ones are made
                    del published_data
                if not draft:
                    jobs = [job for model in models for chart in model.all_charts() for job in image_jobs(chart)]
                    drawn, carded, printed = _draw_images(jobs, models, languages, site, ImageCache(cache_dir), headless, stopwatch)
                with stopwatch.step("search index"):  # Pagefind has been indexing since the searchable pages were written
                    site.add_all(search.finish())
                    site.keep_all(search.kept)  # the parts that did not change, as the last build published them
                with stopwatch.step("write"):
                    names = list(site.files)
                    records.forget_record(known.path)  # until the new one is written: never a record of another site
                    written = site.commit()
                    page_count = sum(1 for name in names if name.endswith(".html"))
                    outputs, known.scan = site.outputs, None  # the new record's, from what the writer did: no second walk
            carried = len(pages) - rendered
            # Not collected here: the record adds next to nothing (the writer's stats), the build's peak
            # was while rendering, and build.py exits without freeing; the dev server collects (devserver.py).
            with stopwatch.step("dependency record"):
                _save(known, out_dir, outputs, prints, page_digests, search.parts, content_problems, page_count,
                      given_memory)
        except (NoChromium, CardDoesNotFit, SearchIndexError, DuplicateOutput) as error:
            located = isinstance(error, CardDoesNotFit)  # its lines start with the file, line and field
            return BuildResult(False, problems, f"{'' if located else 'build: '}{error}\nbuild: {out_dir} was left as it was.")
        except (CannotWrite, OSError) as error:
            return BuildResult(False, problems, _cannot_write(error, out_dir))
        memory.record = known.saved
        elapsed = time.perf_counter() - started
        images_note = ("draft: no chart images, cards or PDFs" if draft
                       else f"{drawn} chart image(s), {carded} card(s) and {printed} PDF(s) rendered, the rest from cache")
        images_note += f"; {len(jobs)} chart image(s) in all" if jobs else ""
        how = f"full build: {known.reason}" if known.reason else f"{carried} carried over from the last build"
        summary = (f"build: wrote {page_count} pages and {len(names) - page_count} other files to {out_dir} "
                   f"in {elapsed:.2f} s ({images_note}; {written.written} file(s) changed, {written.unchanged} unchanged, "
                   f"{written.removed} removed; {rendered} page(s) rendered, {how}; {len(problems)} warning(s)).")
        return BuildResult(True, problems, summary, f"build: {stopwatch.summary()}; {peak_memory()}" if timings else "")
    finally:
        # In a process that lives on (the dev server, which keeps `memory`), the plan's cycles are
        # broken so that it is freed as this returns, not by a collection; build.py exits without freeing.
        if given_memory is not None:
            for model in models:
                model.release()


def _nothing_changed(known: "_Known", out_dir: Path, draft: bool, strict: bool, memory: Memory, started: float,
                     timings: str) -> BuildResult:
    """The result of a build the dependency record proves unneeded: the last build's warnings again."""
    assert known.record is not None
    memory.record = known.record
    problems = known.record.problems
    refused = _too_strict("build", problems, strict)
    if refused:
        return BuildResult(False, problems, f"{refused}; {out_dir} was left as it was.")
    pages = known.record.pages
    images_note = "draft" if draft else "0 chart image(s), 0 card(s) and 0 PDF(s) rendered"
    summary = (f"build: nothing changed: the dependency record proves the {pages} pages and "
               f"{len(known.record.outputs) - pages - 1} other files in {out_dir} up to date in "
               f"{time.perf_counter() - started:.2f} s ({images_note}; 0 file(s) changed; 0 pages rendered; "
               f"{len(known.inputs)} input files checked; {len(problems)} warning(s)).")
    return BuildResult(True, problems, summary, timings)


@contextmanager
def _kept_until_written() -> Iterator[None]:
    """The content, and the plan made inside, live until the site is written: the collector's full
    collections (each a walk of every object) find nothing in them. So what exists is frozen (later
    collections skip it), nothing is collected while the plan is made, and the plan is frozen in turn.
    At 10,000 bilingual statistics those collections took half of "page models" and a third of
    "pages" after one change. build_site unfreezes it all when the build ends (the dev server's build
    leaves it frozen, for DevServer.tidy)."""
    gc.freeze()
    try:
        with _collector_paused():
            yield
    finally:
        gc.freeze()


def _draw_images(jobs: list[ImageJob], models: list[SiteModel], languages: Languages, site: SiteWriter,
                 cache: ImageCache, headless: Headless | None, stopwatch: Stopwatch) -> tuple[int, int, int]:
    """The chart images, cards and PDFs into `site`, from the cache where their inputs are unchanged;
    returns how many of each were drawn. The browser (for chart images and PDFs; cards are drawn
    without one) starts only if something is not cached."""
    # Cards first: they need no browser, and their worker processes fork before it starts.
    with stopwatch.step("cards"):  # every language's in one go, on every core
        cards, carded = render_cards([card for model in models for card in model.cards()],
                                     {code: language.env for code, language in languages.items()}, cache)
        site.add_all(cards)
    with Headless() if headless is None else nullcontext(headless) as browser:
        with stopwatch.step("chart images"):
            images, drawn = export_images(jobs, cache, browser)
            site.add_all(images)
        # Sheets are printed last: their pages use the chart images drawn above.
        with stopwatch.step("PDFs"):
            pdfs, printed = render_pdfs([job for model in models for job in model.pdf_jobs()], site.files, cache, browser)
            site.add_all(pdfs)
    return drawn, carded, printed


@dataclass
class _Known:
    """What the last build's record says about this one."""

    path: Path  # where the record is kept
    content_dir: str  # absolute
    key: str  # this build's key
    inputs: dict[str, records.InputEntry]  # the input files now
    scanned_at: float
    record: records.BuildRecord | None  # the last build's, if it is of this key and content folder
    reason: str  # why it is not ("" if it is): the build is then full
    intact: set[str]  # the output files exactly as the record has them
    unchanged: bool  # same key, same inputs, the output folder exactly as recorded: nothing to do
    scan: SiteScan | None = None  # the output folder at the start, for the writer (not walked twice)
    # Or the walk of it still going on in the background, and the old record's outputs to compare it with:
    pending: tuple[BackgroundScan, dict[str, records.FileStat]] | None = None
    saved: records.BuildRecord | None = None  # the record this build leaves

    def settle(self) -> None:
        """The output folder's scan, and which of its files are as recorded, once they are needed."""
        if self.pending is not None:
            scan, outputs = self.pending
            self.pending = None
            self.scan = scan.result()
            self.intact, _ = records.intact_outputs(self.scan, outputs)


def _published(out_dir: Path, known: _Known) -> tuple[dict[str, str], PublishedData | None]:
    """The figures as last published, by slug, for the history check; and the last build's data files,
    if they are still as it wrote them, for the entries of the figures this build carries over."""
    statistics_json = _read_old(out_dir, STATISTICS_JSON)
    if statistics_json is None:
        return {}, None
    data = published_data(statistics_json.data) if _as_written(known, STATISTICS_JSON, statistics_json) else None
    if data is None:  # edited, or of no build of this site: parsed whole (0.1 s more at 10,000 statistics)
        return published_figures(statistics_json.data), None
    statistics_csv = _read_old(out_dir, STATISTICS_CSV)
    if statistics_csv is not None and _as_written(known, STATISTICS_CSV, statistics_csv):
        data = dataclasses.replace(data, statistics_csv=statistics_csv.data)
    return data.figures, data


def _as_written(known: _Known, name: str, read: _OldFile) -> bool:
    """Was `read` the file as the last build left it: intact by its record, and read as the scan found it?"""
    known.settle()  # the scan, done in the background while the content loaded
    scan = known.scan
    return scan is not None and not scan.link and name in known.intact and scan.files.get(name) == read.stat


def _previous_build(content_dir: Path, out_dir: Path, cache_dir: Path, draft: bool, inputs: Inputs,
                    memory: Memory, changed: set[str] | None) -> _Known:
    path = records.record_path(cache_dir, out_dir, content_dir)
    absolute_content = os.path.abspath(content_dir)
    engine = "" if draft else _engine(cache_dir)  # a new browser or new fonts draw other images
    key = records.build_key(REPO_ROOT / "factsite", [REPO_ROOT / "build.py"], draft, os.environ.get("URL"), engine)
    record, reason = (memory.record, "") if memory.record is not None else records.load_record(path)
    if record is not None and record.key != key:
        record, reason = None, "the code, its packages or the build's options changed"
    elif record is not None and record.content_dir != absolute_content:
        record, reason = None, "another content folder"
    scanned_at = time.time()
    # What the dev server's watcher saw change is since the scan of the record it keeps, not of one on disk.
    found = records.scan_inputs(inputs.folders(content_dir), record,
                                changed if record is not None and record is memory.record else None)
    if record is None:
        return _Known(path, absolute_content, key, found, scanned_at, None, reason, set(), False)
    same_inputs = {name: entry[3] for name, entry in found.items()} == {name: entry[3] for name, entry in record.inputs.items()}
    lean = dataclasses.replace(record, inputs={}, outputs={})  # see below
    if not same_inputs and os.path.isdir(out_dir):  # a build with a change: the output folder is walked meanwhile
        return _Known(path, absolute_content, key, found, scanned_at, lean, "", set(), False,
                      pending=(BackgroundScan(out_dir), record.outputs))
    scan = scan_site(out_dir) if os.path.isdir(out_dir) else None
    intact, whole = records.intact_outputs(scan, record.outputs) if scan is not None else (set(), False)
    if whole and same_inputs:
        record.inputs, record.scanned_at = found, scanned_at  # the racy rule's clock moves on
        if records.has_racy_inputs(found, scanned_at):
            records.try_save_record(path, record)
        return _Known(path, absolute_content, key, found, scanned_at, record, "", intact, True)
    # What the rest of the build reads of the last record is its fingerprints and page digests (`lean`):
    # its lists of inputs and outputs (80,000 entries at 10,000 bilingual statistics) need not stay in
    # memory beside this build's own (the dev server keeps the whole record until a build replaces it).
    return _Known(path, absolute_content, key, found, scanned_at, lean, "", intact, False, scan)


def _content_cache(content_dir: Path, cache_dir: Path, known: "_Known", memory: Memory, keep_objects: bool) -> Cached:
    """The files parsed and checked by earlier builds of this key (the dev server's own, kept in memory),
    and the digest of each content file, as the dependency record has just hashed them. With
    `keep_objects` (the dev server), the records and models themselves are kept too (`memory.reuse`)."""
    cache = memory.content
    if cache is None or cache.key != known.key:
        cache = content_cache.load_cache(content_cache.cache_path(cache_dir, content_dir), known.key)
        memory.reuse = content_cache.Reuse()  # of another build key: nothing of it is reused
    cache.reuse = memory.reuse if keep_objects else None
    digests = {name[len("content/"):]: entry[3] for name, entry in known.inputs.items() if name.startswith("content/")}
    return Cached(cache, digests)


def _keep_content_cache(cached: Cached, content_dir: Path, cache_dir: Path, memory: Memory | None) -> None:
    """Only what is of the files there now is kept; written if this build added to it. With `memory`
    (the dev server), kept there for the next build, and written when the server is idle (0.1 s at
    10,000 bilingual statistics)."""
    path, digests = content_cache.cache_path(cache_dir, content_dir), set(cached.digests.values())
    if memory is not None:
        memory.content, memory.unsaved = cached.cache, (path, digests)
        return
    cached.cache.prune(digests)
    if cached.cache.changed:
        content_cache.save_cache(path, cached.cache)


def _give_back_freed_memory() -> None:
    """What loading freed (the content cache, the files' packed data) lies in holes between the records
    that live on, which the C allocator keeps: handed back to the system (at 10,000 bilingual
    statistics the process holds 254 MB after a cold load, not 275). glibc only; elsewhere nothing is done."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # another C library, or none to load: the memory stays held
        pass


def _engine(cache_dir: Path) -> str:
    from .images.browser import engine_identity

    return engine_identity(cache_dir)


def _save(known: _Known, out_dir: Path, outputs: dict[str, records.FileStat], prints: dict[str, bytes],
          page_digests: dict[str, bytes], search_parts: list[tuple[str, int]], problems: list[Problem], pages: int,
          memory: Memory | None) -> None:
    """The new record, once the site is published, with the output files as the writer left them. A
    record that cannot be written only costs the next build its shortcut. The dev server's (`memory`)
    is kept there and written when the server is idle (Memory.save_record): until then, no record on
    disk describes the old site (forgotten before the publish), and a server killed meanwhile only
    costs its next start a full build."""
    saved = records.BuildRecord(key=known.key, content_dir=known.content_dir,
                                inputs=known.inputs, scanned_at=known.scanned_at, outputs=outputs,
                                fingerprints=prints, page_digests=page_digests, search_parts=search_parts,
                                problems=problems, pages=pages)
    if memory is not None:
        known.saved, memory.unsaved_record = saved, (known.path, out_dir, saved)
    elif records.try_save_record(known.path, saved):
        known.saved = saved


def plan_site(content: Content, base_url: str, locale_dir: Path = LOCALE_DIR,
              reuse: content_cache.Reuse | None = None) -> list[SiteModel]:
    """The site's plan in each of its languages, the default language first (`reuse`: see translated)."""
    return [SiteModel(translated(content, language, reuse), base_url, language, locale_dir, reuse)
            for language in content.site.languages]


def _languages(models: list[SiteModel], assets: Assets, draft: bool, cache_dir: Path | None,
               inputs: Inputs | None = None) -> Languages:
    inputs = inputs or Inputs()
    codes = [model.language for model in models]
    templates_cache = cache_dir / "templates" if cache_dir else None
    return {model.language: Language(make_environment(inputs.templates, templates_cache, model.language, inputs.locale),
                                     shared_context(model, assets.urls, draft, codes)) for model in models}


def _write_pages(pages: list[Page], languages: Languages, assets: Assets, site: SiteWriter, search: SearchIndex,
                 kept: set[str], old_digests: dict[str, bytes], digests: dict[str, bytes]) -> int:
    """Render every page of every language into `site`, with the static assets, but those in `kept`
    (their inputs and files are as the last build left them: carried over, unread). Searchable pages
    come first, part by part (see search.py): Pagefind indexes each part in its own process while the
    next ones render. Fills `digests` (each searchable page's SHA-256); returns how many were rendered."""
    groups = {page.output: page.search_group or page.url for page in pages if page.searchable}
    kept = {output for output in kept if output in old_digests or output not in groups}  # its part needs its digest
    parts = search.plan(groups)
    rendering = [page for page in pages if page.output not in kept]
    position = {page.output: i for i, page in enumerate(rendering)}
    others = [i for i, page in enumerate(rendering) if not page.searchable]
    with PageRenderer(languages, rendering) as renderer:
        site.add_all(assets.files)  # after the renderer forks its workers: no writer thread runs before
        site.keep_all(kept)
        for number, part in enumerate(parts):
            for output in part:
                if output in kept:
                    digests[output] = old_digests[output]
            for output, html in renderer.render([position[output] for output in part if output not in kept]):
                digests[output] = hashlib.sha256(html).digest()
                site.add(output, html)
            search.add_part(number, {output: digests[output] for output in part}, site)
        for output, html in renderer.render(others):
            site.add(output, html)
    return len(rendering)


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

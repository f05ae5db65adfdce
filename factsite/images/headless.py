"""One headless Chromium for the whole build, started only when something is not in the cache.

`Headless` is that browser: pages in one context, a scratch folder, and pages kept open between
uses (`kept_page`: plotly.js stays loaded between the dev server's rebuilds). It drives Chromium
through Playwright's async API on an event loop of its own (`run`), so that several pages draw at
once: `on_pages` hands a list of work to `Headless.pages` pages (two per core), each taking the next
item as it finishes one, and returns the results in the list's order. Chromium lays out and
paints each page in its own renderer process, and a PDF spends most of its time waiting
for a frame or a reply, so the pages overlap even on two cores. `render_cached` is the
find-or-render loop over the cache, and `ImageCache` the cache of rendered files.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Coroutine, Protocol, Sequence, TypeVar

from ..content.parallel import usable_cores
from .progress import Progress

PAGES_PER_CORE = 2  # measured: a page is idle half the time (waiting for a frame), so two per core keep both busy

T = TypeVar("T")
Item = TypeVar("Item")


def default_pages() -> int:
    return max(1, PAGES_PER_CORE * usable_cores())


class Headless:
    """Use as a context manager; `page()` launches the browser on first use, then reuses it.

    `pages` is how many pages draw at once (default: two per usable core); one draws as before, one
    thing at a time. Every coroutine of this class runs on its own event loop, through `run`."""

    def __init__(self, pages: int | None = None) -> None:
        self.pages = default_pages() if pages is None else max(1, pages)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._launching: asyncio.Lock | None = None
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._scratch: str | None = None
        self._kept: dict[str, Any] = {}  # pages kept open between uses, by name (kept_page)
        self.opened = 0  # pages opened in this browser's life (for tests and --timings)

    def scratch(self) -> Path:
        """A folder for files the browser loads, removed with the browser."""
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="factsite-browser-")
        return Path(self._scratch)

    def __enter__(self) -> "Headless":
        return self

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the browser's event loop, made at first use and kept for its life (Playwright's
        objects belong to the loop they were made on). Not from inside another running event loop."""
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coroutine)

    async def _launch(self) -> None:
        if self._launching is None:
            self._launching = asyncio.Lock()
        async with self._launching:  # pages opened at once share one launch
            if self._browser is not None:
                return
            from playwright.async_api import async_playwright

            from .browser import launch_async

            playwright = await async_playwright().start()
            try:
                self._browser = await launch_async(playwright)
            except BaseException:
                await playwright.stop()
                raise
            self._playwright = playwright
            self._context = await self._browser.new_context()

    async def page(self) -> Any:
        """A page in the build's one browser context: a page in a new context costs a new renderer
        process (0.15-0.25 s), one more in the same context a fifth of that."""
        if self._browser is None:
            await self._launch()
        page = await self._context.new_page()
        self.opened += 1
        return page

    async def kept_page(self, name: str, prepare: Callable[[Any], Awaitable[None]]) -> Any:
        """The page kept open under `name` for the browser's life, made and `prepare`d at first use (and
        again if it was closed): for set-up too slow to repeat, which the dev server's rebuilds then pay once."""
        page = self._kept.get(name)
        if page is None or page.is_closed():
            page = await self.page()
            await prepare(page)
            self._kept[name] = page
        return page

    async def _close(self) -> None:
        self._kept.clear()  # closed with the browser
        browser, playwright = self._browser, self._playwright
        self._browser = self._context = self._playwright = None
        try:
            if browser is not None:
                await browser.close()
        finally:
            if playwright is not None:
                await playwright.stop()

    def __exit__(self, *exc: object) -> None:
        try:
            if self._browser is not None or self._playwright is not None:
                self.run(self._close())
        finally:
            if self._loop is not None:
                self._loop.close()
                self._loop = None
            self._launching = None
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
                self._scratch = None


async def on_pages(pages: Sequence[Any], items: Sequence[Item], work: Callable[[Any, Item], Awaitable[T]],
                   progress: Progress | None = None, size: Callable[[Item], int] = lambda item: 1) -> list[T]:
    """`work(page, item)` for every item, the pages working at once, each taking the next item when it
    is done with one; the results in the items' order. When an item fails, no page takes another, and
    once the items under way are done the error of the first failing item in the list is raised: the
    error a one-page run, which stops at it, would raise."""
    results: list[Any] = [None] * len(items)
    errors: dict[int, BaseException] = {}
    upcoming = iter(range(len(items)))  # shared: the next item for whichever page is free

    async def worker(page: Any) -> None:
        for index in upcoming:
            if errors:
                return
            try:
                results[index] = await work(page, items[index])
            except Exception as error:  # noqa: BLE001 - raised below, the first in the list's order
                errors[index] = error
                return
            if progress is not None:
                progress.advance(size(items[index]))

    await asyncio.gather(*(worker(page) for page in pages))
    if errors:
        raise errors[min(errors)]
    return results


class _Job(Protocol):
    output: str


class _Cache(Protocol):
    def find(self, key: str, suffix: str) -> Path | None: ...
    def put(self, key: str, suffix: str, data: bytes) -> Path: ...


Job = TypeVar("Job", bound=_Job)


def find_cached(jobs: Sequence[Job], cache: _Cache, suffix: str,
                key_of: Callable[[Job], str]) -> tuple[dict[str, Path], dict[str, Job], list[tuple[Job, str]]]:
    """Each job looked up in the cache by its key: the files found (output path -> file), the keys
    missing (key -> the first job that needs it: jobs with the same key are drawn once), and each
    job that missed with its key, given its file by `in_order` once the missing ones are drawn."""
    results: dict[str, Path] = {}
    missing: dict[str, Job] = {}
    waiting: list[tuple[Job, str]] = []
    for job in jobs:
        key = key_of(job)
        path = cache.find(key, suffix)
        if path is None:
            missing.setdefault(key, job)
            waiting.append((job, key))
        else:
            results[job.output] = path
    return results, missing, waiting


def in_order(jobs: Sequence[Job], results: dict[str, Path], waiting: list[tuple[Job, str]],
             drawn: dict[str, Path]) -> dict[str, Path]:
    """Every job's file (output path -> file), the ones found and the ones `drawn` (key -> file), in the jobs' order."""
    for job, key in waiting:
        results[job.output] = drawn[key]
    return {job.output: results[job.output] for job in jobs}


def render_cached(jobs: Sequence[Job], cache: _Cache, suffix: str, key_of: Callable[[Job], str], headless: Headless,
                  open_page: Callable[[], Awaitable[Any]], render: Callable[[Any, Job, str], Awaitable[bytes]],
                  label: str, group: Callable[[Job], Any] | None = None) -> tuple[dict[str, Path], int]:
    """Each job's file in the cache (output path -> file), rendered first when it is not there; returns
    the files and how many had to be rendered. A cache hit draws nothing; the misses are drawn on up to
    `headless.pages` pages at once, opened only when something is missing, each file kept in the cache
    as soon as it is drawn. Jobs with the same key are drawn once; consecutive jobs of one `group` (a
    sheet's two papers) are drawn one after the other on one page."""
    results, missing, waiting = find_cached(jobs, cache, suffix, key_of)
    if not missing:
        return results, 0
    batches: list[list[tuple[str, Job]]] = []
    for key, job in missing.items():
        if batches and group is not None and group(batches[-1][-1][1]) == group(job):
            batches[-1].append((key, job))
        else:
            batches.append([(key, job)])

    async def draw(page: Any, batch: list[tuple[str, Job]]) -> list[Path]:
        return [cache.put(key, suffix, await render(page, job, key)) for key, job in batch]

    async def draw_all() -> list[list[Path]]:
        pages = await asyncio.gather(*(open_page() for _ in range(min(headless.pages, len(batches)))))
        try:
            with Progress(label, len(missing)) as progress:
                return await on_pages(pages, batches, draw, progress, size=len)
        finally:
            await asyncio.gather(*(page.close() for page in pages), return_exceptions=True)

    drawn = {key: path for batch, paths in zip(batches, headless.run(draw_all())) for (key, _), path in zip(batch, paths)}
    return in_order(jobs, results, waiting, drawn), len(missing)


class ImageCache:
    """Rendered files on disk, outside site/, keyed by a hash of what they show.

    Entries live under a folder named after the engine that rendered them (browser version and
    fonts, see browser.engine_identity), so every user of the cache (chart images, cards, PDFs)
    gets a miss, never a stale entry, when Chromium or the fonts change (cards, drawn without
    Chromium, also key on their own font files and Pillow's libraries, and are redrawn once when the
    browser changes: a few seconds of a cold build). Folders of engines not used
    for PRUNE_AFTER_DAYS are removed, so a deploy cache does not grow with every browser upgrade.
    """

    PRUNE_AFTER_DAYS = 30

    def __init__(self, folder: Path):
        from .browser import engine_identity

        self.root = folder
        self.folder = folder / f"engine-{engine_identity(folder)}"

    def _path(self, key: str, suffix: str) -> Path:
        return self.folder / key[:2] / f"{key}.{suffix}"

    def find(self, key: str, suffix: str) -> Path | None:
        """The cached file, if there is one: the site links it rather than reading and copying it."""
        path = self._path(key, suffix)
        try:
            return path if path.stat().st_size > 0 else None  # an empty file is never a result
        except FileNotFoundError:
            return None

    def put(self, key: str, suffix: str, data: bytes) -> Path:
        """Keep `data`; returns its file, which the site links to."""
        path = self._path(key, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # builds may share a cache
        try:
            temporary.write_bytes(data)
            temporary.replace(path)  # never a half-written cache entry
        except BaseException:
            temporary.unlink(missing_ok=True)  # a full disk or Ctrl-C midway leaves no partial file behind
            raise
        return path

    def mark_used(self) -> None:
        """Note that this engine's entries are in use, and remove engines' long unused."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "last-used").write_text(time.strftime("%Y-%m-%d\n"))
        cutoff = time.time() - self.PRUNE_AFTER_DAYS * 86400
        for other in self.root.glob("engine-*"):
            stamp = other / "last-used"
            if other != self.folder and (not stamp.exists() or stamp.stat().st_mtime < cutoff):
                shutil.rmtree(other, ignore_errors=True)

"""One headless Chromium for the whole build, started only when something is not in the cache.

`Headless` is that browser: pages in one context, a scratch folder, and pages kept open between
uses (`kept_page`: plotly.js stays loaded between the dev server's rebuilds). `render_cached` is
the find-or-render loop over the cache, and `ImageCache` the cache of rendered files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence, TypeVar


class Headless:
    """Use as a context manager; `new_page()` launches the browser on first use, then reuses it."""

    def __init__(self) -> None:
        self._playwright_manager: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._scratch: str | None = None
        self._kept: dict[str, Any] = {}  # pages kept open between uses, by name (kept_page)

    def scratch(self) -> Path:
        """A folder for files the browser loads, removed with the browser."""
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="factsite-browser-")
        return Path(self._scratch)

    def __enter__(self) -> "Headless":
        return self

    def new_page(self, viewport: dict[str, int] | None = None) -> Any:
        """A page in the build's one browser context: a page in a new context costs a new renderer
        process (0.15-0.25 s), one more in the same context a fifth of that."""
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            from .browser import launch

            self._playwright_manager = sync_playwright()
            playwright = self._playwright_manager.__enter__()
            try:
                self._browser = launch(playwright)
            except BaseException:
                self._playwright_manager.__exit__(None, None, None)
                self._playwright_manager = None
                raise
            self._context = self._browser.new_context()
        page = self._context.new_page()
        if viewport is not None:
            page.set_viewport_size(viewport)
        return page

    def kept_page(self, name: str, prepare: Callable[[Any], None]) -> Any:
        """The page kept open under `name` for the browser's life, made and `prepare`d at first use (and
        again if it was closed): for set-up too slow to repeat, which the dev server's rebuilds then pay once."""
        page = self._kept.get(name)
        if page is None or page.is_closed():
            page = self.new_page()
            prepare(page)
            self._kept[name] = page
        return page

    def __exit__(self, *exc: object) -> None:
        self._kept.clear()  # closed with the browser
        if self._browser is not None:
            self._browser.close()
            self._playwright_manager.__exit__(None, None, None)
            self._browser = self._context = self._playwright_manager = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


class _Job(Protocol):
    output: str


class _Cache(Protocol):
    def find(self, key: str, suffix: str) -> Path | None: ...
    def put(self, key: str, suffix: str, data: bytes) -> Path: ...


Job = TypeVar("Job", bound=_Job)


def render_cached(jobs: Sequence[Job], cache: _Cache, suffix: str, key_of: Callable[[Job], str],
                  open_page: Callable[[], Any], render: Callable[[Any, Job, str], bytes]) -> tuple[dict[str, Path], int]:
    """Each job's file in the cache (output path -> file), rendered first on one page, opened only at
    the first miss, when it is not there; returns the files and how many had to be rendered."""
    results: dict[str, Path] = {}
    page = None
    rendered = 0
    try:
        for job in jobs:
            key = key_of(job)
            path = cache.find(key, suffix)
            if path is None:
                if page is None:
                    page = open_page()
                path = cache.put(key, suffix, render(page, job, key))
                rendered += 1
            results[job.output] = path
    finally:
        if page is not None:
            page.close()
    return results, rendered


class ImageCache:
    """Rendered files on disk, outside site/, keyed by a hash of what they show.

    Entries live under a folder named after the engine that rendered them (browser version and
    fonts, see browser.engine_identity), so every user of the cache (chart images, cards, PDFs)
    gets a miss, never a stale entry, when Chromium or the fonts change. Folders of engines not used
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

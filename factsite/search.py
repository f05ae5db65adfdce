"""Static search with Pagefind: the index is built from the rendered pages and served as plain files.

Only statistic and fact-sheet pages are indexed (their <main> carries data-pagefind-body), and in
them only what describes a figure: share buttons, downloads and embed code carry
data-pagefind-ignore. The Pagefind binary comes inside the pinned `pagefind[bin]` package; its
command line is much faster than its Python service for a whole site.

Pagefind runs in its own process while the rest of the site renders, and writes its bundle into the
render cache, under a hash of the indexed pages: when they have not changed, nothing is indexed and
the bundle's files are linked into the site from there (never read into memory: at 10,000
statistics the bundle is 40 MB in 10,000 files).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SEARCH_DIR = "pagefind"
# Pagefind's ready-made interfaces are not published: the site has its own small search page.
_SKIPPED = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui")
KEEP_INDEXES = 3  # bundles kept in the cache: the current one and the two before it


class SearchIndexError(RuntimeError):
    pass


def _pagefind_executable() -> Path:
    from pagefind_bin import get_executable  # the binary itself: `python -m pagefind` costs a Python start

    return get_executable()


def _glob(pages: list[str]) -> str | None:
    """A Pagefind glob that matches exactly these pages among the site's files, or None.

    ["stats/a/index.html", "sheets/b/index.html"] -> "{sheets/*/index.html,stats/*/index.html}"
    ('*' stops at '/', so stats/a/sources/index.html is not matched). None when the pages are not
    all of that shape; the caller then copies them into a folder of their own.
    """
    patterns = set()
    for page in pages:
        parts = page.split("/")
        if len(parts) != 3 or "*" in page or "{" in page or "," in page:
            return None
        patterns.add(f"{parts[0]}/*/{parts[2]}")
    return "{" + ",".join(sorted(patterns)) + "}" if patterns else None


def _pagefind_version() -> str:
    from importlib.metadata import version

    return version("pagefind_bin")


class SearchIndex:
    """Builds the Pagefind bundle in the background while the rest of the site renders.

        with SearchIndex(cache_dir) as search:
            search.start(digests, site)   # once every indexed page has been added to `site`
            ...                           # render the other pages
            site.add_all(search.finish())

    `digests` maps each indexed page to a hash of its bytes.
    """

    def __init__(self, cache_dir: Path | None = None):
        self.cache_dir = cache_dir
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._bundle: Path | None = None  # the finished bundle's folder
        self._output: Path | None = None  # where Pagefind is writing it
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def __enter__(self) -> "SearchIndex":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._log is not None:
            self._log.close()
        if self._output is not None and self.cache_dir is not None:
            shutil.rmtree(self._output, ignore_errors=True)  # an unfinished bundle in the cache
        if self._folder is not None:
            self._folder.cleanup()

    def _key(self, digests: dict[str, bytes]) -> str:
        digest = hashlib.sha256(f"pagefind {_pagefind_version()}\n".encode())
        for path in sorted(digests):
            digest.update(path.encode() + b"\0" + digests[path])
        return digest.hexdigest()

    def start(self, digests: dict[str, bytes], site: Any) -> None:
        """Start indexing the pages in `digests`, which `site` (a SiteWriter or MemorySite) holds."""
        if self.cache_dir is not None:
            self._bundle = self.cache_dir / "search" / self._key(digests)
            if self._bundle.is_dir():
                os.utime(self._bundle)  # recently used: kept by the pruning below
                return
            self._output = self._bundle.with_name(f"{self._bundle.name}.partial-{os.getpid()}")
        # Beside the site, on its file system: pages are linked there, not copied.
        self._folder = tempfile.TemporaryDirectory(prefix=".factsite-search-", dir=site.scratch_dir)
        if self.cache_dir is None:
            self._bundle = self._output = Path(self._folder.name) / SEARCH_DIR
        pages, glob = site.folder_holding(sorted(digests)), _glob(sorted(digests))
        if pages is None or glob is None:
            pages, glob = Path(self._folder.name) / "site", "**/*.html"
            site.export(sorted(digests), pages)
        # Its log goes to a file, not a pipe: a pipe nobody reads until the end could fill and stall it.
        self._log = open(Path(self._folder.name) / "pagefind.log", "w+")
        self._process = subprocess.Popen(
            [str(_pagefind_executable()), "--site", str(pages), "--glob", glob, "--output-path", str(self._output),
             "--force-language", "en"],
            stdout=self._log, stderr=subprocess.STDOUT,
        )

    def finish(self) -> dict[str, Path]:
        """The bundle's files, as output path (under pagefind/) -> where the file is now."""
        assert self._bundle is not None, "start() first"
        if self._process is not None:
            if self._process.wait() != 0:
                self._log.seek(0)
                raise SearchIndexError(f"the search index could not be built:\n{self._log.read()}")
            self._process = None
            for path in list(self._output.iterdir()):
                if path.name.startswith(_SKIPPED):
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
            if self._output != self._bundle:
                shutil.rmtree(self._bundle, ignore_errors=True)  # a bundle another build stored meanwhile
                os.rename(self._output, self._bundle)
                self._output = None
                self._prune()
        return {f"{SEARCH_DIR}/{path.relative_to(self._bundle).as_posix()}": path
                for path in sorted(self._bundle.rglob("*")) if path.is_file()}

    def _prune(self) -> None:
        """Keep the most recently used bundles only: each is as large as the site's search index."""
        entries = sorted((path for path in self._bundle.parent.iterdir() if path.is_dir() and "." not in path.name),
                         key=lambda path: path.stat().st_mtime, reverse=True)
        for old in entries[KEEP_INDEXES:]:
            shutil.rmtree(old, ignore_errors=True)

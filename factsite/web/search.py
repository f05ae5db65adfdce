"""Static search with Pagefind: the index is built from the rendered pages and served as plain files.

Only statistic and fact-sheet pages are indexed (their <main> carries data-pagefind-body), and in
them only what describes a figure: share buttons, downloads and embed code carry
data-pagefind-ignore. The Pagefind binary comes inside the pinned `pagefind[bin]` package; its
command line is much faster than its Python service for a whole site.

Pagefind runs in its own process while the rest of the site renders, over hard links to the pages
made in sorted order (its page numbers follow the order it finds files in), and writes its bundle into the
render cache, under a hash of the indexed pages: when they have not changed, nothing is indexed and
the bundle's files are linked into the site from there (never read into memory: at 10,000
statistics the bundle is 40 MB in 10,000 files).

A large site is indexed in parts of about PART_PAGES pages, one Pagefind run each, one after the
other, each starting as soon as its pages are rendered: Pagefind holds every page it indexes in
memory (about 50 KB a page), and a change to one statistic then re-indexes only its part. A fact
sheet and its statistics share a part, in every language: a statistic changed changes its pages in
each language, and they are one Pagefind run, not one per language. The first part is served from
pagefind/, the others from pagefind/part-N/, listed in pagefind/parts.json; the search page merges
them (Pagefind's mergeIndex), loading the WebAssembly engine only once.

A part whose bundle key is the last build's, and whose published files are all exactly as that
build left them (`Published`, from the dependency record and the scan of the old site), is carried
over as it is (`kept`): its cached bundle is not walked, its files not looked at. A part with a file
changed by hand is indexed again: the site's files are hard links to the cached bundle's, so an edit
made in place may have changed the bundle too.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import zlib
from dataclasses import dataclass
from collections.abc import Callable, Sequence, Iterable
from pathlib import Path

from ..content.locales import DEFAULT_LANGUAGE
from . import urls
from typing import Protocol

PARTS_FILE = urls.search_file("parts.json").lstrip("/")
# Indexed pages per Pagefind run: about 50 MB of its memory. A run costs about 0.6 ms of CPU a page
# and 0.01-0.03 s more: parts of 500 would make the re-index after one change 0.2 s of CPU, not 0.5,
# but cost a cold build about 5% more Pagefind CPU and the search page twice as many parts to merge
# (measured at 10,000 bilingual statistics; see README.md, "Speed").
PART_PAGES = 1000
# Pagefind's ready-made interfaces are not published: the site has its own small search page.
_SKIPPED = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui")
# What a merged part needs: its index, not a second copy of the engine.
_PART_FOLDERS = ("index", "fragment", "filter")
INDEX_VERSION = "3"  # bump when how pages reach Pagefind changes (2: linked in sorted order; 3: their search copies)
KEEP_INDEXES = 3  # bundles kept in the cache: the current one and the two before it (per part)


class SearchIndexError(RuntimeError):
    pass


def part_of(relative: str) -> int | None:
    """The number of the part whose bundle published the file at `relative` in the site (the engine's
    files are part 0's, in pagefind/ with its index), or None: not a bundle's file (parts.json, a page)."""
    return None if relative == PARTS_FILE else urls.search_part_of(relative)


@dataclass
class Published:
    """The search index the last build published, as it is now in the old site."""

    keys: list[str]  # each part's bundle key, by part number
    intact: dict[int, list[str]]  # a part whose every file is as the last build left it: those files
    altered: set[int]  # a part with a file changed, or added, since: its cached bundle is not trusted

    @classmethod
    def of(cls, parts: Sequence[tuple[str, int]], present: Iterable[str], intact: set[str]) -> "Published":
        """From the record's parts (bundle key, number of files) and the old site's files now (`present`)
        and those of them exactly as recorded (`intact`). A part is intact when as many of its files
        are intact as it had: the intact files are some of the recorded ones, so then all of them."""
        found: dict[int, list[str]] = {}
        altered: set[int] = set()
        folder = urls.SEARCH_FOLDER + "/"
        for relative in present:
            if not relative.startswith(folder):  # most of the site's files (a call each was 0.04 s at 44,000 pages)
                continue
            number = part_of(relative)
            if number is None:
                continue
            if relative in intact:
                found.setdefault(number, []).append(relative)
            else:
                altered.add(number)
        whole = {number: files for number, files in found.items()
                 if number < len(parts) and number not in altered and len(files) == parts[number][1]}
        return cls([key for key, _ in parts], whole, altered)


class IndexedSite(Protocol):
    """What the index needs of the site being written (publish.write.SiteWriter)."""

    @property
    def scratch_dir(self) -> Path | None:
        """Where Pagefind's working folder goes (None: the system's temporary folder)."""

    @property
    def scratch_prefix(self) -> str: ...

    def export(self, relatives: Iterable[str], folder: Path, shape: Callable[[bytes], bytes] | None = None) -> None:
        """Make `folder` hold these pages as they will be published, or what `shape` makes of each."""


def search_copy(html: bytes) -> bytes:
    """The page as Pagefind indexes it: its <html> tag (the language), its title, and its indexed
    element (data-pagefind-body), the rest of the page left out; a page without one, whole. Pagefind
    reads nothing else of these pages, and parsing the rest (the head's links, the navigation, the
    help line, the footer) was a third of its work: its bundle is the same byte for byte
    (tests/test_search.py), made with 0.37 s of CPU for 1,000 pages instead of 0.54."""
    body = html.find(b" data-pagefind-body")
    main = html.rfind(b"<main", 0, body) if body >= 0 else -1
    end = html.find(b"</main>", body) if main >= 0 else -1
    head = html.find(b"<head>")
    if end < 0 or head < 0 or head > main:
        return html
    title = html.find(b"<title>", head, main)
    title_end = html.find(b"</title>", title, main) if title >= 0 else -1
    kept_title = html[title:title_end + len(b"</title>")] if title_end >= 0 else b""
    return (html[:head] + b"<head>" + kept_title + b"</head>\n<body>" + html[main:end + len(b"</main>")]
            + b"</body>\n</html>\n")


def pagefind_command(executable: str, site: Path, output: Path, language_args: Sequence[str] = ()) -> list[str]:
    """Pagefind's command line for indexing the pages under `site` into `output`."""
    return [executable, "--site", str(site), "--glob", "**/*.html", "--output-path", str(output), *language_args]


def _pagefind_executable() -> Path:
    from pagefind_bin import get_executable  # the binary itself: `python -m pagefind` costs a Python start

    return get_executable()


@functools.cache  # read from the package's metadata: a few ms, asked for by every part
def _pagefind_version() -> str:
    from importlib.metadata import version

    return version("pagefind_bin")


def plan_parts(groups: dict[str, str], size: int = PART_PAGES) -> list[list[str]]:
    """Split the indexed pages (page -> its group) into parts of about `size` pages, pages sorted.

    A group's part depends only on its name and on the number of parts, so pages of one fact sheet
    stay together and a change to one of them leaves the other parts as they were.
    """
    count = max(1, -(-len(groups) // size))
    parts: list[list[str]] = [[] for _ in range(count)]
    for page in sorted(groups):
        parts[zlib.crc32(groups[page].encode("utf-8")) % count].append(page)
    return [part for part in parts if part]


@dataclass
class _Run:
    """One Pagefind run: the pages in `site` into `output`, then kept as `bundle`."""

    bundle: Path
    output: Path
    site: Path


class SearchIndex:
    """Builds the Pagefind bundle in the background while the rest of the site renders.

        with SearchIndex(cache_dir) as search:
            parts = search.plan(groups)          # the indexed pages, in parts
            for number, pages in enumerate(parts):
                ...                              # render these pages and add them to `site`
                search.add_part(number, digests, site)   # Pagefind starts on them at once
            ...                                  # render the other pages
            site.add_all(search.finish())

    `groups` maps each indexed page to the name of the group it is indexed with; `digests` maps
    each page of a part to a hash of its bytes. With `published` (the last build's index), `finish`
    leaves out the parts carried over: their files are in `kept`, for the caller to keep.
    """

    def __init__(self, cache_dir: Path | None = None, part_pages: int | None = None, languages: Sequence[str] = (DEFAULT_LANGUAGE,),
                 published: Published | None = None):
        self.cache_dir = cache_dir
        self.published = published or Published([], {}, set())
        self.kept: list[str] = []  # after finish(): the old site's files carried over as they are (SiteWriter.keep)
        self.parts: list[tuple[str, int]] = []  # after finish(): each part's bundle key and number of files, for the record
        # One language: every page is indexed in it. More: Pagefind keeps an index per page language
        # (from <html lang>), and the search page of each language searches its own.
        self.language_args = ["--force-language", languages[0]] if len(languages) == 1 else []
        self.part_pages = part_pages or PART_PAGES
        self.runs: list[_Run] = []  # what this build indexes (the other parts come from the cache)
        self._parts: list[list[str]] = []
        self._bundles: dict[int, Path] = {}  # each part's bundle, finished or on its way
        self._keys: dict[int, str] = {}
        self._carried: dict[int, list[str]] = {}  # the parts carried over from the old site: their files
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._queue: queue.Queue[_Run | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = False
        self._lock = threading.Lock()  # between starting a run and stopping them all
        self._failure: str | None = None

    def __enter__(self) -> "SearchIndex":
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._stopping = True
            if self._process is not None and self._process.poll() is None:
                self._process.kill()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        if self.cache_dir is not None:
            for run in self.runs:
                shutil.rmtree(run.output, ignore_errors=True)  # an unfinished bundle in the cache
        if self._folder is not None:
            self._folder.cleanup()

    def _key(self, digests: dict[str, bytes], pages: list[str]) -> str:
        # INDEX_VERSION: bundles made before pages were handed over in sorted order are not reused.
        digest = hashlib.sha256(f"pagefind {_pagefind_version()} {INDEX_VERSION}\n".encode())
        if not self.language_args:
            digest.update(b"languages from each page\n")  # a bundle indexed otherwise
        for path in pages:
            digest.update(path.encode() + b"\0" + digests[path])
        return digest.hexdigest()

    def plan(self, groups: dict[str, str]) -> list[list[str]]:
        """The indexed pages in parts, each to be rendered and then handed to `add_part`."""
        self._parts = plan_parts(groups, self.part_pages)
        return self._parts

    def add_part(self, number: int, digests: dict[str, bytes], site: IndexedSite) -> None:
        """Part `number` has been rendered into `site`: its bundle comes from the cache, or Pagefind
        starts on it (after the parts before it) while the rest of the site renders."""
        pages = self._parts[number]
        key = self._keys[number] = self._key(digests, pages)
        stored = self.cache_dir / "search" / key if self.cache_dir is not None else None
        last = self.published
        same = number < len(last.keys) and last.keys[number] == key
        if same and number in last.intact:  # published by the last build and untouched since: nothing to do
            self._carried[number] = last.intact[number]
            self._bundles[number] = stored or Path()  # the pruning below spares it if it is still there
            if stored is not None and stored.is_dir():
                os.utime(stored)
            return
        # A file of this bundle changed by hand in the site may have changed the bundle too (hard links):
        # it is indexed again, and the new bundle replaces it.
        trusted = not (same and number in last.altered)
        if stored is not None and trusted and stored.is_dir():
            os.utime(stored)  # recently used: kept by the pruning below
            self._bundles[number] = stored
            return
        if self._folder is None:
            # Beside the site, on its file system: pages are linked there, not copied.
            self._folder = tempfile.TemporaryDirectory(prefix=site.scratch_prefix + "search-", dir=site.scratch_dir)
            self._executable = str(_pagefind_executable())
            self._thread = threading.Thread(target=self._index, name="pagefind", daemon=True)
            self._thread.start()
        scratch = Path(self._folder.name)
        # Into the cache under a temporary name (renamed when whole), or, without a cache, the scratch folder.
        bundle = stored or scratch / f"part-{number}"
        output = bundle.with_name(f"{bundle.name}.partial-{os.getpid()}") if stored is not None else bundle
        self._bundles[number] = bundle
        # Pagefind numbers pages in the order its directory walk finds them, and that order is the
        # file system's: the pages are linked into a folder of their own, one by one in sorted
        # order, never indexed where the writer threads created them in any order.
        folder = scratch / f"pages-{number}"
        site.export(pages, folder, search_copy)
        run = _Run(bundle, output, folder)
        self.runs.append(run)
        self._queue.put(run)

    def _index(self) -> None:
        """Run Pagefind over each part as it comes (one at a time: its memory is per run)."""
        assert self._folder is not None
        while (run := self._queue.get()) is not None:
            # Its log goes to a file, not a pipe: a pipe nobody reads until the end could fill and stall it.
            with open(run.site.with_suffix(".log"), "w+") as log:
                with self._lock:
                    if self._stopping or self._failure is not None:
                        continue
                    self._process = subprocess.Popen(pagefind_command(self._executable, run.site, run.output, self.language_args),
                                                     stdout=log, stderr=subprocess.STDOUT)
                if self._process.wait() != 0:
                    log.seek(0)
                    self._failure = log.read()

    def finish(self) -> dict[str, Path | bytes]:
        """The bundle's files, as output path (under pagefind/) -> where the file is now (or its bytes),
        but those of the parts carried over (`kept`)."""
        assert len(self._bundles) == len(self._parts), "every part first"
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            if self._failure is not None:
                raise SearchIndexError(f"the search index could not be built:\n{self._failure}")
            for run in self.runs:
                for path in list(run.output.iterdir()):
                    if path.name.startswith(_SKIPPED):
                        shutil.rmtree(path) if path.is_dir() else path.unlink()
                if run.output != run.bundle:
                    shutil.rmtree(run.bundle, ignore_errors=True)  # a bundle another build stored meanwhile
                    os.rename(run.output, run.bundle)
            self.runs = []
            if self.cache_dir is not None:
                self._prune()
        files: dict[str, Path | bytes] = {}
        self.kept, self.parts = [], []
        for number in range(len(self._parts)):
            if number in self._carried:
                self.kept += self._carried[number]
                self.parts.append((self._keys[number], len(self._carried[number])))
                continue
            bundle, prefix = self._bundles[number], urls.search_part(number).lstrip("/")
            count = len(files)
            for relative in _files_under(str(bundle)):
                if number == 0 or _belongs_to_a_part(relative):
                    path = bundle / relative
                    files[prefix + relative] = _canonical_entry(path) if relative == "pagefind-entry.json" else path
            self.parts.append((self._keys[number], len(files) - count))
        files[PARTS_FILE] = json.dumps([urls.search_part(number) for number in range(1, len(self._parts))]).encode()
        return files

    def _prune(self) -> None:
        """Keep the most recently used bundles only: each is as large as its part of the search index."""
        folder = self.cache_dir / "search"
        entries = sorted((path for path in folder.iterdir() if path.is_dir() and "." not in path.name),
                         key=lambda path: path.stat().st_mtime, reverse=True)
        keep = set(self._bundles.values()) | set(entries[:KEEP_INDEXES * len(self._bundles)])
        for old in entries:
            if old not in keep:
                shutil.rmtree(old, ignore_errors=True)


def _files_under(folder: str) -> list[str]:
    """Every file under `folder`, as a relative path with "/", in the order sorted(Path.rglob) gives
    (by path components). Read with scandir, from names: a Path and a stat per entry took 0.3 s of a
    build after one change at 10,000 bilingual statistics (20,000 files in the cached bundles)."""
    found: list[str] = []

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, prefix + entry.name + "/")
                elif entry.is_file():
                    found.append(prefix + entry.name)

    walk(folder, "")
    return sorted(found, key=lambda relative: relative.split("/"))


def _canonical_entry(path: Path) -> bytes:
    """pagefind-entry.json with its keys in order: with more than one language, Pagefind lists them in
    an order of its own from run to run, and the same site must give the same bytes."""
    return json.dumps(json.loads(path.read_bytes()), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _belongs_to_a_part(relative: str) -> bool:
    return (relative == "pagefind-entry.json" or relative.endswith(".pf_meta")
            or relative.split("/", 1)[0] in _PART_FOLDERS)

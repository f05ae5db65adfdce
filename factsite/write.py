"""The only module that writes the site.

Files are handed to a `SiteWriter` as soon as they are rendered and written by a few threads while
the next pages render (file system calls release the interpreter lock), so a build holds no more
than a few hundred rendered files in memory at once. Nothing reaches the output folder until the
whole build has succeeded:

- every file is first written into a staging folder beside the output folder;
- a first build (no output folder yet) renames the staging folder into place in one step;
- later builds compare each file with the one already there: a file whose bytes have not changed is
  not touched (an unchanged site costs reads, not thousands of writes, and keeps its modification
  times); on commit each changed file is renamed over the old one (a reader sees it old or new,
  never half written), assets and images before the pages that use them, and files the site no
  longer has are removed last;
- a build that fails (bad content, a template error, no Chromium) removes the staging folder and
  leaves the output folder as it was;
- Ctrl-C (or SIGTERM) during the commit waits until the commit is done: the renames take well under a
  second, and stopping halfway would leave a site with some pages new and some old.
"""

from __future__ import annotations

import filecmp
import os
import posixpath
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .urls import UnsafePath

WRITER_THREADS = 2
IN_FLIGHT = 256  # rendered files waiting to be written, at most: bounds the build's memory


@dataclass(frozen=True)
class WriteReport:
    written: int  # files created or changed
    unchanged: int  # files whose bytes were already right
    removed: int  # files the site no longer has


def _checked(relative: str) -> str:
    """A relative path that stays inside the site folder (checked as text: the folders are ours)."""
    if (relative in ("", ".") or relative.startswith("/") or "\\" in relative or "\x00" in relative
            or posixpath.normpath(relative) != relative or relative.split("/")[0] == ".."):
        raise UnsafePath(f"{relative!r} would write outside the site folder")
    return relative


def _write_order(names: Iterable[str]) -> list[str]:
    """Assets and images before the pages that use them; then pages."""
    return sorted(names, key=lambda name: (name.endswith(".html"), name))


def _existing_files(out_dir: Path) -> set[str] | None:
    """Relative paths of the files under `out_dir`; None if it holds a symbolic link (never followed)."""
    found: set[str] = set()
    for folder, dirs, names in os.walk(out_dir):
        for name in dirs + names:
            if os.path.islink(os.path.join(folder, name)):
                return None
        base = os.path.relpath(folder, out_dir)
        for name in names:
            found.add(name if base == "." else f"{base}/{name}".replace(os.sep, "/"))
    return found


def _same_bytes(path: str, data: bytes | Path) -> bool:
    """Does the file at `path` hold exactly `data` (bytes, or the bytes of another file)?"""
    try:
        if isinstance(data, Path):
            return os.path.samefile(path, data) or filecmp.cmp(path, data, shallow=False)
        if os.path.getsize(path) != len(data):
            return False
        with open(path, "rb") as handle:
            return handle.read() == data
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block has run, then act as they would have (main thread only:
    Python runs signal handlers there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {number: signal.signal(number, lambda number, frame: held.append(number))
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        if held:
            signal.raise_signal(held[0])  # to the handler it would have reached


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)


class SiteWriter:
    """Makes `out_dir` hold exactly the files added, once `commit()` is called.

        with SiteWriter(out_dir) as writer:
            writer.add("index.html", html)
            ...
            report = writer.commit()

    Leaving the block without committing (an exception) discards everything written.
    """

    def __init__(self, out_dir: Path, threads: int = WRITER_THREADS, in_flight: int = IN_FLIGHT):
        self.out_dir = out_dir.absolute()
        self._threads, self._in_flight = threads, in_flight
        self._names: set[str] = set()
        self._staged: set[str] = set()  # written into the staging folder (new or changed)
        self._pending: list[Future[None]] = []
        self._folders: set[str] = {""}
        self._lock = threading.Lock()
        self._existing: set[str] | None = None  # None: a first build, or a folder that must be rebuilt whole
        self._committed = False

    def __enter__(self) -> "SiteWriter":
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.out_dir.is_dir() and not self.out_dir.is_symlink():
            self._existing = _existing_files(self.out_dir)
        self.staging = tempfile.mkdtemp(prefix=f".{self.out_dir.name}-new-", dir=self.out_dir.parent)
        self._room = threading.BoundedSemaphore(self._in_flight)
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="write")
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if os.path.isdir(self.staging):
            shutil.rmtree(self.staging, ignore_errors=True)
        if kind is None and not self._committed:
            raise RuntimeError("SiteWriter closed without commit(): nothing was written")

    # Adding files ------------------------------------------------------------------------------

    def add(self, relative: str, data: bytes | Path) -> None:
        """Queue one file of the new site, as bytes or as a file to link (a second file at the same path is an error)."""
        _checked(relative)
        if relative in self._names:
            raise UnsafePath(f"two files would be written to {relative}")
        self._names.add(relative)
        self._room.acquire()
        self._pending.append(self._pool.submit(self._write, relative, data))
        if len(self._pending) >= 4 * self._in_flight:
            self._pending = [future for future in self._pending if not future.done() or future.exception()]

    def add_all(self, files: Mapping[str, bytes | Path]) -> None:
        for relative, data in files.items():
            self.add(relative, data)

    def _write(self, relative: str, data: bytes | Path) -> None:
        try:
            if self._existing is not None and relative in self._existing and _same_bytes(self._old(relative), data):
                return
            self._make_folder(posixpath.dirname(relative))
            if isinstance(data, Path):
                _link_or_copy(str(data), self._staged_path(relative))
            else:
                with open(self._staged_path(relative), "wb") as handle:
                    handle.write(data)
            with self._lock:
                self._staged.add(relative)
        finally:
            self._room.release()

    def _make_folder(self, folder: str) -> None:
        if folder not in self._folders:
            os.makedirs(os.path.join(self.staging, folder), exist_ok=True)
            self._folders.add(folder)

    def _old(self, relative: str) -> str:
        return os.path.join(self.out_dir, relative)

    def _staged_path(self, relative: str) -> str:
        return os.path.join(self.staging, relative)

    def flush(self) -> None:
        """Wait until every file added so far is written; raise the first error if one failed."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    # Reading back what was added ----------------------------------------------------------------

    def path_of(self, relative: str) -> str:
        """Where the new site's file is now: staged, or unchanged in the output folder (after flush)."""
        if relative not in self._names:
            raise KeyError(relative)
        return self._staged_path(relative) if relative in self._staged else self._old(relative)

    def export(self, relatives: Iterable[str], folder: Path) -> None:
        """Make `folder` hold these files of the new site (hard links where the file system allows)."""
        self.flush()
        for relative in relatives:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(self.path_of(relative), str(target))

    @property
    def scratch_dir(self) -> Path:
        """Where temporary work may go: beside the output folder, on its file system."""
        return self.out_dir.parent

    @property
    def files(self) -> "StagedFiles":
        """The new site's files, read back from disk on demand (for printing sheets to PDF)."""
        self.flush()
        return StagedFiles(self)

    # Committing ----------------------------------------------------------------------------------

    def commit(self) -> WriteReport:
        self.flush()
        self._pool.shutdown(wait=True)
        self._committed = True
        with _interrupts_held():
            return self._swap_in()

    def _swap_in(self) -> WriteReport:
        """Put the staged files in place: the folder whole on a first build, else file by file."""
        if self._existing is None or self._conflicts(self._existing):
            # A file where a folder was (or the reverse): stage the unchanged files too, swap the folder whole.
            if self._existing is not None:
                for relative in self._names - self._staged:
                    self._make_folder(posixpath.dirname(relative))
                    _link_or_copy(self._old(relative), self._staged_path(relative))
            self._replace_whole()
            return WriteReport(written=len(self._names), unchanged=0, removed=0)
        return self._update_in_place(self._existing)

    def _conflicts(self, existing: set[str]) -> bool:
        def folders(names: set[str]) -> set[str]:
            return {posixpath.dirname(name)[:end] for name in names
                    for end in [i for i, char in enumerate(posixpath.dirname(name) + "/") if char == "/"]}

        return bool(self._names & folders(existing)) or bool(existing & folders(self._names))

    def _update_in_place(self, existing: set[str]) -> WriteReport:
        for relative in _write_order(self._staged):
            target = self._old(relative)
            if relative not in existing:
                os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(self._staged_path(relative), target)
        stale = sorted(existing - self._names)
        for relative in stale:
            os.remove(self._old(relative))
        for folder in sorted({posixpath.dirname(name) for name in stale if "/" in name}, key=len, reverse=True):
            self._remove_empty_folders(folder)
        return WriteReport(written=len(self._staged), unchanged=len(self._names) - len(self._staged), removed=len(stale))

    def _remove_empty_folders(self, folder: str) -> None:
        while folder:
            try:
                os.rmdir(os.path.join(self.out_dir, folder))
            except OSError:  # not empty (or already gone)
                return
            folder = posixpath.dirname(folder)

    def _replace_whole(self) -> None:
        """Rename the staging folder into place (the old folder, if any, is removed after)."""
        os.chmod(self.staging, 0o755)
        if self.out_dir.exists() or self.out_dir.is_symlink():
            retired = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}-old-", dir=self.out_dir.parent))
            self.out_dir.rename(retired / "site")
            os.rename(self.staging, self.out_dir)
            shutil.rmtree(retired)
        else:
            os.rename(self.staging, self.out_dir)


class StagedFiles(Mapping[str, bytes]):
    """Read-only view of a SiteWriter's files, read from disk when asked for."""

    def __init__(self, writer: SiteWriter):
        self._writer = writer

    def __getitem__(self, relative: str) -> bytes:
        with open(self._writer.path_of(relative), "rb") as handle:
            return handle.read()

    def __contains__(self, relative: object) -> bool:
        return relative in self._writer._names

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._writer._names))

    def __len__(self) -> int:
        return len(self._writer._names)


class MemorySite(dict[str, bytes]):
    """The same interface as SiteWriter, kept in memory: for tests and tools that want the files."""

    def add(self, relative: str, data: bytes | Path) -> None:
        _checked(relative)
        if relative in self:
            raise UnsafePath(f"two files would be written to {relative}")
        self[relative] = data.read_bytes() if isinstance(data, Path) else data

    def add_all(self, files: Mapping[str, bytes | Path]) -> None:
        for relative, data in files.items():
            self.add(relative, data)

    scratch_dir = None  # the system's temporary folder

    def export(self, relatives: Iterable[str], folder: Path) -> None:
        for relative in relatives:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self[relative])


def write_site(files: Mapping[str, bytes], out_dir: Path) -> WriteReport:
    """Make `out_dir` hold exactly `files` (relative path -> bytes)."""
    with SiteWriter(out_dir) as writer:
        writer.add_all(files)
        return writer.commit()

"""The only module that writes the site.

Files are handed to a `SiteWriter` as soon as they are rendered and written by a few threads while
the next pages render (file system calls release the interpreter lock), so a build holds no more
than a few hundred rendered files in memory at once. Nothing reaches the output folder until the
whole build has succeeded:

- one build at a time per output folder: a build holds an exclusive lock (`flock` on `.site.lock`
  beside `site/`) from before it reads the old site until it has published; a second build waits;
- the output folder must be new, empty, or carry the marker file `.factsite-output` that every build
  writes into it: a folder of someone else's files is never replaced (nor the repository or
  `content/`, which the pipeline passes in);
- every file is first written into a staging folder beside the output folder (`.site-new-*`); a
  file whose bytes have not changed is not written;
- if nothing changed, nothing is published: the output folder is not touched at all;
- a build that changed few files (at most `IN_PLACE_MOST`, at most `IN_PLACE_SHARE` of the site,
  and not every page: one statistic edited changes some 30 files of 78,000) publishes them in
  place: each is renamed over its old version, in a fixed order (assets, data and search files
  first, then the pages that name them, then the removals), so a reader sees each file old or new
  and whole, but for those milliseconds some files new and others not yet. Each replaced or removed file is kept
  in a backup until all have succeeded: a failed write puts every old file back. A build killed
  in the middle leaves such a mix; its dependency record was deleted before publishing (the
  pipeline writes the new one after), so the next build is full and repairs it, file by file;
- otherwise (a first build, a big change, or a file where the old site has a folder) the unchanged
  files are hard-linked from the old site into the staging folder, which then is a complete new
  site, and one `renameat2(RENAME_EXCHANGE)` swaps it with the output folder (Linux; `site/` stays
  a real folder, as Netlify needs). A reader, a second build, a SIGKILL or a failed write sees the
  old complete site or the new one. Where the exchange is not available (other systems, some file
  systems), the old folder is renamed aside and the new one into place: two renames, between which
  `site/` is briefly absent; a build killed there is undone at the next start;
- leftover staging, backup or retired folders of killed builds are removed at the next build's start;
- a build that fails (bad content, a template error, no Chromium, a full disk) removes the staging
  folder and leaves the output folder as it was; a write that fails raises `CannotWrite`;
- Ctrl-C (or SIGTERM) during the commit waits until the commit is done.

The writer knows every file it leaves (`SiteWriter.outputs`: each file it wrote, as written; the
others, as the scan of the old site found them), so the dependency record needs no second walk.

`MemorySite` holds a site's files in memory instead, with the same path checks, for checks and
tools that want the files and not a folder.
"""

from __future__ import annotations

import ctypes
import errno
import filecmp
import os
import pickle
import posixpath
import shutil
import signal
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..web.urls import UnsafePath

try:
    import fcntl
except ImportError:  # Windows: no flock; builds there are not locked against each other
    fcntl = None  # type: ignore[assignment]

WRITER_THREADS = 2
IN_FLIGHT = 256  # rendered files waiting to be written, at most: bounds the build's memory
COMPARE_PART = 1 << 20  # an old file is compared with its new bytes this much at a time
MARKER = ".factsite-output"  # in every output folder: "this folder is a built site; a build may replace it"
MARKER_TEXT = b"This folder is built by factsite (python3 build.py). A build replaces everything in it.\n"
# A build that changes at most this many files (written and removed), and at most this share of the
# site, publishes them in place, one rename each; more, and the staged site is swapped in whole. In
# place costs about four calls per changed file, the swap two per file of the site (a link in, an
# unlink of the old tree): beyond half the site the swap is cheaper. The count bounds how long a
# reader may see some files new and others not yet (1,000 renames: milliseconds).
IN_PLACE_MOST = 1000
IN_PLACE_SHARE = 0.5


class WriteError(Exception):
    """The output folder was not changed: it may not be replaced, or a write failed."""


class OutputRefused(WriteError):
    """The output folder is not one a build may replace (someone else's files, the repository...)."""


class CannotWrite(WriteError):
    """A file system call failed (a full disk, a read-only folder): nothing was published."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"cannot write {path}: {reason}")
        self.path, self.reason = path, reason

    @classmethod
    def from_os_error(cls, error: OSError, fallback: str) -> "CannotWrite":
        return cls(str(error.filename or fallback), error.strerror or str(error))


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


# A file as a build left it: its size, inode and modification time (ns), packed exactly into one
# int (a third of a tuple's memory: the build holds one for each of 80,000 files at 10,000 statistics).
FileStat = int


@dataclass(frozen=True)
class SiteScan:
    """The files of an output folder, as they are now."""

    files: dict[str, FileStat]  # relative path -> its stat (a symbolic link's own, never followed)
    link: bool  # a symbolic link somewhere: the folder is rebuilt whole, nothing in it is trusted


def file_stat(status: os.stat_result) -> FileStat:
    """Size and inode (each below 2**64) in the low bits, the time (which may be negative) above them."""
    return (status.st_mtime_ns << 128) | (status.st_ino << 64) | status.st_size


def walk_files(folder: Path, prefix: str = "", hidden: bool = True) -> Iterator[tuple[str, os.DirEntry]]:
    """Every entry under `folder` but its folders, named `prefix` + its relative path; a symbolic link
    is yielded as itself, never followed (the output scan and the record's input scan both walk so).
    `hidden=False` leaves out entries whose name starts with "." (and all under such a folder)."""
    stack = [(str(folder), prefix)]
    while stack:
        path, shown = stack.pop()
        try:
            entries = list(os.scandir(path))
        except OSError:  # gone, no longer a folder, or unreadable: the loader says which, for content/
            continue
        for entry in entries:
            if not hidden and entry.name.startswith("."):
                continue
            name = f"{shown}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, name + "/"))
            else:
                yield name, entry


def scan_site(out_dir: Path) -> SiteScan:
    """Every file under `out_dir` with its stat (one walk: the dependency record reads the same scan)."""
    files: dict[str, FileStat] = {}
    link = False
    for name, entry in walk_files(out_dir):
        link = link or entry.is_symlink()
        files[name] = file_stat(entry.stat(follow_symlinks=False))
    return SiteScan(files, link)


class BackgroundScan:
    """`scan_site(out_dir)` in a forked process, while this one goes on (a build after a change loads
    its content meanwhile: at 10,000 statistics the walk of 78,000 files is 0.4 s of a 5 s build).
    `result()` waits for it; a scan that could not run there (no fork, a failed child) runs here.
    The output folder does not change meanwhile: the build holds its lock."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self._child: tuple[int, int] | None = None  # (pid, read end of its pipe)
        if sys.platform != "linux":  # forks cheaply and safely there only (as content/parallel.py)
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: only the walk, then out without running the parent's clean-ups
            os.close(read)
            code = 1
            try:
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(pickle.dumps(scan_site(out_dir), protocol=pickle.HIGHEST_PROTOCOL))
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._child = (pid, read)
        self._finalizer = weakref.finalize(self, _reap, pid, read)  # a build that stops early leaves no zombie

    def result(self) -> SiteScan:
        if self._child is None:
            return scan_site(self.out_dir)
        pid, read = self._child
        self._child = None
        self._finalizer.detach()
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            return scan_site(self.out_dir)
        return pickle.loads(data)


def _reap(pid: int, read: int) -> None:
    os.close(read)
    os.waitpid(pid, 0)


def _same_bytes(path: str, data: bytes | Path) -> bool:
    """Does the file at `path` hold exactly `data` (bytes, or the bytes of another file)?"""
    try:
        if isinstance(data, Path):
            return os.path.samefile(path, data) or filecmp.cmp(path, data, shallow=False)
        if os.path.getsize(path) != len(data):
            return False
        view = memoryview(data)
        with open(path, "rb") as handle:  # by parts: the old copy of an 18 MB data file is never whole in memory
            return all(handle.read(COMPARE_PART) == view[start:start + COMPARE_PART]
                       for start in range(0, len(data), COMPARE_PART))
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


def _link_or_copy(source: str, target: str) -> bool:
    """Hard-link `source` at `target`; True if linked, False if copied (a file system without hard links)."""
    try:
        os.link(source, target)
        return True
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            raise  # a copy would fail too
        shutil.copyfile(source, target)
        return False


# The atomic swap ---------------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _load_renameat2() -> Callable[..., int] | None:
    """The C library's renameat2, or None where there is none (not Linux, glibc before 2.28)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def _exchange(one: str, two: str) -> bool:
    """Swap two paths in one atomic step; False where the system or file system cannot (then nothing moved)."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(one), _AT_FDCWD, os.fsencode(two), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # e.g. a file system without RENAME_EXCHANGE
    raise OSError(code, os.strerror(code), two)


# The lock, and the folders beside the output ------------------------------------------------------

_held = threading.local()  # the output folders whose lock this thread holds (a build nests the writer's)


def _lock_path(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.lock"


def _open_lock(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        if path.is_file():  # a read-only folder: an existing lock file can still be locked
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        raise CannotWrite.from_os_error(error, str(path)) from None


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold the exclusive lock on `out_dir` (waiting, with a message, while another build holds it),
    then undo or remove what killed builds left beside it. Re-entrant within one thread."""
    out_dir = Path(os.path.abspath(out_dir))  # normalised: "site/.." must not lock or stage beside a folder named ".."
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if str(out_dir) in held:
        yield
        return
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CannotWrite.from_os_error(error, str(out_dir.parent)) from None
    descriptor = _open_lock(_lock_path(out_dir))
    try:
        try:
            if fcntl is not None:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"build: another build is writing {out_dir}; waiting for it to finish", file=sys.stderr, flush=True)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        held.add(str(out_dir))
        try:
            _clean_leftovers(out_dir)
            yield
        finally:
            held.discard(str(out_dir))
    finally:
        os.close(descriptor)  # releases the lock


def _clean_leftovers(out_dir: Path) -> None:
    """Under the lock: put back a site a killed build had renamed aside, remove staging, retired and work folders."""
    new_prefix, old_prefix, work_prefix = (f".{out_dir.name}-{kind}-" for kind in ("new", "old", "work"))
    try:
        entries = [entry for entry in os.scandir(out_dir.parent)
                   if entry.name.startswith((new_prefix, old_prefix, work_prefix)) and entry.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for entry in entries:
        retired = os.path.join(entry.path, out_dir.name)
        if entry.name.startswith(old_prefix) and not os.path.lexists(out_dir) and os.path.isdir(retired):
            try:
                os.rename(retired, out_dir)  # killed between the two renames of the fallback: the old site is whole
            except OSError:
                pass
    for entry in entries:
        shutil.rmtree(entry.path, ignore_errors=True)


def check_output(out_dir: Path, repo: Path | None = None, content: Path | None = None) -> None:
    """Refuse an output folder that a build must not replace (raises OutputRefused)."""
    shown = str(out_dir)
    real = Path(os.path.realpath(out_dir))
    advice = "a build replaces everything in its output folder; choose another --out (the default is site/)"
    for guarded, name in ((repo, "the repository"), (content, "the content folder")):
        if guarded is None:
            continue
        guarded = Path(os.path.realpath(guarded))
        if real == guarded:
            raise OutputRefused(f"--out {shown} is {name}: {advice}")
        if guarded.is_relative_to(real):
            raise OutputRefused(f"--out {shown} contains {name} ({guarded}): {advice}")
        if name == "the content folder" and real.is_relative_to(guarded):
            raise OutputRefused(f"--out {shown} is inside {name} ({guarded}): {advice}")
    if os.path.islink(out_dir):
        raise OutputRefused(f"{shown} is a symbolic link: give the folder itself with --out (a build replaces that folder)")
    if os.path.lexists(out_dir) and not os.path.isdir(out_dir):
        raise OutputRefused(f"{shown} exists and is not a folder: {advice}, or remove {shown}")
    if os.path.isdir(out_dir):
        try:
            entries = os.listdir(out_dir)
        except OSError as error:
            raise CannotWrite.from_os_error(error, shown) from None
        marker = os.path.join(out_dir, MARKER)
        if entries and not (os.path.isfile(marker) and not os.path.islink(marker)):
            raise OutputRefused(
                f"{shown} is not empty and was not made by a build (it has no {MARKER} file), so its files "
                f"will not be replaced: choose an empty or new folder with --out, or remove {shown} yourself "
                f"if it is an old build")


class SiteWriter:
    """Makes `out_dir` hold exactly the files added or kept, once `commit()` is called.

        with SiteWriter(out_dir) as writer:
            writer.add("index.html", html)
            ...
            report = writer.commit()

    Leaving the block without committing (an exception) discards everything written. `old` is the
    caller's `scan_site` of `out_dir`, taken under the same lock (the folder is then not walked again);
    after the commit, `outputs` holds the stat of every file of the output folder, as it was left.
    """

    def __init__(self, out_dir: Path, threads: int = WRITER_THREADS, in_flight: int = IN_FLIGHT,
                 repo: Path | None = None, content: Path | None = None, old: SiteScan | None = None):
        self.out_dir = Path(os.path.abspath(out_dir))
        self._threads, self._in_flight = threads, in_flight
        self._guarded = (repo, content)
        self._names: set[str] = set()
        self._staged: set[str] = set()  # written into the staging folder (new or changed)
        self._pending: list[Future[None]] = []
        self._folders: set[str] = {""}
        self._lock = threading.Lock()
        self._given = old
        self._device = -1  # the old site's file system (st_dev)
        self._existing: dict[str, FileStat] | None = None  # None: a first build, or a folder that must be rebuilt whole
        self._stats: dict[str, FileStat] = {}  # each staged file, as written (a rename keeps inode and time)
        self.outputs: dict[str, FileStat] = {}  # after commit(): every file of the output folder, as left
        self._committed = False
        self._context = ExitStack()
        self.staging = ""

    def __enter__(self) -> "SiteWriter":
        with ExitStack() as undo:
            undo.enter_context(output_lock(self.out_dir))
            check_output(self.out_dir, *self._guarded)
            if self.out_dir.is_dir():
                scan = self._given if self._given is not None else scan_site(self.out_dir)
                self._device = os.stat(self.out_dir).st_dev
                self._existing = None if scan.link else scan.files
            self._given = None
            try:
                self.staging = tempfile.mkdtemp(prefix=f".{self.out_dir.name}-new-", dir=self.out_dir.parent)
            except OSError as error:
                raise CannotWrite.from_os_error(error, str(self.out_dir.parent)) from None
            self._context = undo.pop_all()  # released in __exit__
        self._room = threading.BoundedSemaphore(self._in_flight)
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="write")
        return self

    def __exit__(self, kind, error, traceback) -> None:
        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
            if os.path.isdir(self.staging):
                shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._context.close()
        if kind is None and not self._committed:
            raise RuntimeError("SiteWriter closed without commit(): nothing was written")

    # Adding files ------------------------------------------------------------------------------

    def add(self, relative: str, data: bytes | Path) -> None:
        """Queue one file of the new site, as bytes or as a file to link (a second file at the same path is an error)."""
        _checked(relative)
        if relative in self._names:
            raise UnsafePath(f"two files would be written to {relative}")
        self._names.add(relative)
        if isinstance(data, Path) and self._is_old_file(relative, data):
            return  # the old site's file is this very file (a cached search bundle's, linked): kept, no thread
        self._room.acquire()
        self._pending.append(self._pool.submit(self._write, relative, data))
        if len(self._pending) >= 4 * self._in_flight:
            self._pending = [future for future in self._pending if not future.done() or future.exception()]

    def add_all(self, files: Mapping[str, bytes | Path]) -> None:
        for relative, data in files.items():
            self.add(relative, data)

    def _is_old_file(self, relative: str, data: Path) -> bool:
        """Is the old site's file at `relative` a hard link to `data`? Then it holds its bytes, and
        a stat here costs less than a writer thread's turn (20,000 search files at 10,000 statistics)."""
        old = self._existing.get(relative) if self._existing is not None else None
        if old is None:
            return False
        try:
            status = os.stat(data)
        except OSError:
            return False
        # The scan of the old site has the file's inode, size and time: one stat, of `data`, tells.
        return status.st_dev == self._device and file_stat(status) == old

    def keep_all(self, relatives: Iterable[str]) -> None:
        """Carry each of these old site's files into the new site as it is, unread: for files the caller
        has proved right (pages whose inputs and files are as the last build recorded them). In a few
        set operations (after one change at 10,000 bilingual statistics, 76,000 pages and search files
        are kept); a name of the old site's scan is a file found inside the site: it needs no check of
        its path."""
        wanted = set(relatives)
        missing = wanted - self._existing.keys() if self._existing is not None else wanted
        if missing:
            raise KeyError(f"{min(missing)} is not in the old site: it cannot be kept")
        if not self._names.isdisjoint(wanted):
            raise UnsafePath(f"two files would be written to {min(wanted & self._names)}")
        self._names |= wanted  # not staged: linked from the old site at commit, as an unchanged file is

    def _write(self, relative: str, data: bytes | Path) -> None:
        try:
            if self._existing is not None and relative in self._existing and _same_bytes(self._old(relative), data):
                return
            self._make_folder(posixpath.dirname(relative))
            staged = self._staged_path(relative)
            if isinstance(data, Path):
                _link_or_copy(str(data), staged)
                status = os.stat(staged)
            else:
                with open(staged, "wb") as handle:
                    handle.write(data)
                    handle.flush()  # every byte written: its size and time are final
                    status = os.fstat(handle.fileno())
            with self._lock:
                self._staged.add(relative)
                self._stats[relative] = file_stat(status)
        except OSError as error:  # a full disk, a read-only folder: said in one line, not a traceback
            raise CannotWrite.from_os_error(error, self._staged_path(relative)) from None
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

    def export(self, relatives: Iterable[str], folder: Path, shape: Callable[[bytes], bytes] | None = None) -> None:
        """Make `folder` hold these files of the new site: hard links where the file system allows, or
        with `shape`, what it makes of each file's bytes."""
        self.flush()
        made: set[str] = set()
        for relative in relatives:
            target = os.path.join(folder, relative)
            parent = os.path.dirname(target)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            if shape is None:
                _link_or_copy(self.path_of(relative), target)
                continue
            with open(self.path_of(relative), "rb") as source:
                data = shape(source.read())
            with open(target, "wb") as handle:
                handle.write(data)

    @property
    def scratch_dir(self) -> Path:
        """Where temporary work may go: beside the output folder, on its file system."""
        return self.out_dir.parent

    @property
    def scratch_prefix(self) -> str:
        """Temporary folders are named after the output, so the next build under its lock can remove
        what a killed one left (and never another output's)."""
        return f".{self.out_dir.name}-work-"

    @property
    def files(self) -> "StagedFiles":
        """The new site's files, read back from disk on demand (for printing sheets to PDF)."""
        self.flush()
        return StagedFiles(self)

    # Committing ----------------------------------------------------------------------------------

    def commit(self) -> WriteReport:
        if MARKER not in self._names:
            self.add(MARKER, MARKER_TEXT)
        self.flush()
        self._pool.shutdown(wait=True)
        self._committed = True
        with _interrupts_held():
            return self._publish()

    def _publish(self) -> WriteReport:
        """Put the new site in place: its few changed files one by one, or the staging folder made the
        complete new site and swapped in; nothing at all if nothing changed."""
        existing = self._existing
        stale = sorted(existing.keys() - self._names) if existing is not None else []
        counted = self._names - {MARKER}  # the marker is the writer's, not one of the site's files
        report = WriteReport(written=len(self._staged - {MARKER}), unchanged=len(counted - self._staged),
                             removed=len(set(stale) - {MARKER}))
        if existing is None or self._staged or stale:
            try:
                if not (self._few(len(stale)) and self._publish_in_place(stale)):
                    self._publish_whole()
            except OSError as error:
                raise CannotWrite.from_os_error(error, self.staging) from None
        self.outputs = self._outputs()
        return report

    def _few(self, removed: int) -> bool:
        """Few enough changes to publish in place: an old site of ours to change, within IN_PLACE_*, and
        some page left as it was (a change to every page, the site's look or title, is swapped in at
        once: no reader sees pages of both)."""
        changes = len(self._staged) + removed
        return (self._existing is not None and changes <= min(IN_PLACE_MOST, IN_PLACE_SHARE * len(self._names))
                and any(name.endswith(".html") and name not in self._staged for name in self._names))

    def _outputs(self) -> dict[str, FileStat]:
        """Every file of the published site: a staged one as written, the others as the old site had them
        (kept or linked, a file keeps its inode, size and time)."""
        old = self._existing or {}
        return {name: self._stats[name] if name in self._stats else old[name] for name in self._names}

    def _publish_whole(self) -> None:
        if self._existing is not None:
            self._link_unchanged()
        os.chmod(self.staging, 0o755)  # mkdtemp's folder is private
        self._swap()

    def _link_unchanged(self) -> None:
        """Hard-link every file that did not change from the old site into the staging folder (no bytes copied)."""
        unchanged = sorted(self._names - self._staged)
        for folder in sorted({posixpath.dirname(name) for name in unchanged}):
            self._make_folder(folder)
        for relative in unchanged:
            if not _link_or_copy(self._old(relative), self._staged_path(relative)):
                self._stats[relative] = file_stat(os.stat(self._staged_path(relative)))  # a copy: a new inode

    # Publishing in place -------------------------------------------------------------------------

    def _publish_in_place(self, stale: list[str]) -> bool:
        """Rename each changed file into the output folder (assets and data first, pages after them,
        removals last), keeping each replaced or removed file in a backup folder until all succeeded: a
        failure puts the old files back. False, with nothing done, where a file would take the place of
        a folder or a folder that of a file (then the site is swapped whole)."""
        order = sorted(self._staged, key=lambda name: (name.endswith(".html"), name))
        if not self._fits(order):
            return False
        backup = tempfile.mkdtemp(prefix=f".{self.out_dir.name}-new-", dir=self.out_dir.parent)
        undo: list[Callable[[], None]] = []
        try:
            for relative in order:
                self._put_in_place(relative, backup, undo)
            for relative in stale:
                self._retire(relative, backup, undo)
        except OSError:
            for step in reversed(undo):
                try:
                    step()
                except OSError:
                    pass  # what cannot be put back, the next build sees: the record was forgotten before the commit
            raise
        finally:
            shutil.rmtree(backup, ignore_errors=True)
        self._remove_emptied_folders(stale)
        return True

    def _fits(self, order: list[str]) -> bool:
        """No new file where the old site has a folder, no new folder where it has a file."""
        existing = self._existing or {}
        for relative in order:
            if os.path.isdir(self._old(relative)):
                return False
            folder = posixpath.dirname(relative)
            while folder:
                if folder in existing:
                    return False
                folder = posixpath.dirname(folder)
        return True

    def _put_in_place(self, relative: str, backup: str, undo: list[Callable[[], None]]) -> None:
        target = self._old(relative)
        self._make_out_folder(posixpath.dirname(relative), undo)
        if self._existing is not None and relative in self._existing:
            kept = os.path.join(backup, relative)
            os.makedirs(os.path.dirname(kept), exist_ok=True)
            _link_or_copy(target, kept)  # the old file, to put back if a later step fails
            os.replace(self._staged_path(relative), target)  # one atomic step: a reader sees the old file or the new
            undo.append(lambda: os.replace(kept, target))
        else:
            os.rename(self._staged_path(relative), target)
            undo.append(lambda: os.unlink(target))

    def _make_out_folder(self, folder: str, undo: list[Callable[[], None]]) -> None:
        """Make a folder the new site has and the old one has not (and its missing parents)."""
        missing: list[str] = []
        while folder and not os.path.isdir(self._old(folder)):
            missing.append(folder)
            folder = posixpath.dirname(folder)
        for made in reversed(missing):
            os.mkdir(self._old(made))
            undo.append(lambda made=made: os.rmdir(self._old(made)))

    def _retire(self, relative: str, backup: str, undo: list[Callable[[], None]]) -> None:
        """Move a file the new site has not out of the output folder, into the backup."""
        target, kept = self._old(relative), os.path.join(backup, relative)
        os.makedirs(os.path.dirname(kept), exist_ok=True)
        os.rename(target, kept)
        undo.append(lambda: os.rename(kept, target))

    def _remove_emptied_folders(self, stale: list[str]) -> None:
        """The folders that only held removed files go too, deepest first (as a whole new site would not have them)."""
        folders: set[str] = set()
        for relative in stale:
            folder = posixpath.dirname(relative)
            while folder and folder not in folders:
                folders.add(folder)
                folder = posixpath.dirname(folder)
        for folder in sorted(folders, key=lambda name: name.count("/"), reverse=True):
            try:
                os.rmdir(self._old(folder))
            except OSError:
                pass  # not empty: it holds files of the new site

    def _swap(self) -> None:
        """The one step that publishes a whole new site: the staging folder becomes the output folder."""
        out, staging = str(self.out_dir), self.staging
        if not os.path.lexists(out):
            os.rename(staging, out)
            return
        if _exchange(staging, out):
            shutil.rmtree(staging, ignore_errors=True)  # the old site, now under the staging name
            return
        # No atomic exchange here: rename the old site aside, then the new one into place.
        retired = tempfile.mkdtemp(prefix=f".{self.out_dir.name}-old-", dir=self.out_dir.parent)
        os.rename(out, os.path.join(retired, self.out_dir.name))
        try:
            os.rename(staging, out)
        except OSError:
            os.rename(os.path.join(retired, self.out_dir.name), out)  # put the old site back
            raise
        shutil.rmtree(retired, ignore_errors=True)


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
    """A site's files in memory (output path -> bytes), added with SiteWriter's checks: for checks and
    tools that want the files, not a folder."""

    def add(self, relative: str, data: bytes | Path) -> None:
        _checked(relative)
        if relative in self:
            raise UnsafePath(f"two files would be written to {relative}")
        self[relative] = data.read_bytes() if isinstance(data, Path) else data

    def add_all(self, files: Mapping[str, bytes | Path]) -> None:
        for relative, data in files.items():
            self.add(relative, data)

"""The dependency record: what the last build of an output folder was made from, and what it wrote.

Kept beside the render cache (`records/<digest of the folders>.pickle`), written after each build
that published, it holds:

- the build key: a digest of the code (every file under factsite/ and build.py), the versions of
  the packages that shape the output, the Python version, the flags and environment (draft, URL)
  and the record's own format. Another key: the record says nothing, and the build is full;
- every input file (content/, templates/, static/, locale/): its size, modification time, inode
  and SHA-256. A file whose size, time and inode are as recorded, and whose time is older than the
  record by more than `RACY_SECONDS`, is not read again (git's "racy" rule: a file changed within
  the clock's granularity of the moment it was hashed could keep its time and size);
- every output file's size, modification time and inode (write.FileStat), as the build left it: a
  file edited, added or removed by hand since then is seen, and a build repairs it. The build's
  writer says what they are (the files it wrote, as written; the others, as the scan at the build's
  start found them), so the output folder is walked once per build;
- each page's fingerprint (see deps.py) and the SHA-256 of each searchable page's bytes (the search
  index's parts are keyed by them), and the content's problems, replayed when nothing changed;
- each part of the search index: its bundle key and how many files it published (under pagefind/,
  or pagefind/part-N/): a part of the same key whose files are all as recorded is carried over
  without a look at its cached bundle (web/search.py).

Whenever the record is missing, unreadable, of another key or of another content folder, the build
is full and says why. A stale page is never kept: a page is only carried over when its fingerprint
and its file are both exactly as recorded.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat as stat_module
import platform
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .content.errors import Problem
from .publish.write import FileStat, SiteScan, walk_files

RECORD_FORMAT = 3  # bump when what the record holds, or how a fingerprint is made, changes
# The packages whose versions shape the output (the pinned ones of requirements.txt that render,
# parse, format or index): another version, another key.
KEY_PACKAGES = ("Jinja2", "MarkupSafe", "Babel", "Markdown", "nh3", "PyYAML", "plotly", "pydantic", "pydantic_core",
                "orjson", "segno", "pypdf", "pagefind_bin", "playwright")
RACY_SECONDS = 2.0  # coarser than any file system's time stamps

InputEntry = tuple[int, int, int, bytes]  # size, modification time (ns), inode, SHA-256


@dataclass
class BuildRecord:
    key: str
    content_dir: str
    inputs: dict[str, InputEntry]  # "content/stats/x.yaml", "templates/stat.html", ... -> entry
    scanned_at: float  # wall time (s) when the inputs were hashed: the racy rule's reference
    outputs: dict[str, FileStat]  # every file of the output folder, as the build left it
    fingerprints: dict[str, bytes] = field(default_factory=dict)  # page output -> its dependencies' digest
    page_digests: dict[str, bytes] = field(default_factory=dict)  # searchable page output -> SHA-256 of its bytes
    search_parts: list[tuple[str, int]] = field(default_factory=list)  # each search part's bundle key and file count
    problems: list[Problem] = field(default_factory=list)  # the content's warnings
    pages: int = 0  # for the summary line of a build that changed nothing
    format: int = RECORD_FORMAT


def _package_versions() -> str:
    found = []
    for name in KEY_PACKAGES:
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}=none")
    return ",".join(found)


def code_digest(package: Path, extra: list[Path]) -> str:
    """Every file of the package (its vendored scripts too) and the given files, by path and bytes."""
    digest = hashlib.sha256()
    paths = sorted(path for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    for path in paths + extra:
        digest.update(path.relative_to(package.parent).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_key(package: Path, extra: list[Path], draft: bool, url: str | None, engine: str = "") -> str:
    """What, besides the input files, shapes every output: another key, a full build."""
    parts = [f"format {RECORD_FORMAT}", f"python {sys.version} {platform.machine()}", _package_versions(),
             f"code {code_digest(package, extra)}", f"draft {draft}", f"URL {url!r}", f"engine {engine}"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def record_path(cache_dir: Path, out_dir: Path, content_dir: Path) -> Path:
    name = hashlib.sha256(f"{os.path.abspath(out_dir)}\0{os.path.abspath(content_dir)}".encode()).hexdigest()[:24]
    return cache_dir / "records" / f"{name}.pickle"


def load_record(path: Path) -> tuple[BuildRecord | None, str]:
    """The record, or None and why not (said in the build's summary)."""
    try:
        with open(path, "rb") as handle:
            record = pickle.load(handle)
    except FileNotFoundError:
        return None, "no dependency record"
    except Exception:  # truncated, corrupt, from a class that changed: never trusted
        return None, "the dependency record is unreadable"
    if not isinstance(record, BuildRecord) or getattr(record, "format", None) != RECORD_FORMAT:
        return None, "the dependency record is of another format"
    return record, ""


def save_record(path: Path, record: BuildRecord) -> None:
    """Whole or not at all: written beside, then renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            pickle.dump(record, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def forget_record(path: Path) -> None:
    """Before a publish: a build killed after its swap and before its new record must leave no record
    that describes the old site (the output check would catch it, but there is no need to rely on that)."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _trusted_before(scanned_at: float) -> float:
    """The time (ns) before which a file's unchanged stat proves its bytes unchanged (git's racy rule)."""
    return (scanned_at - RACY_SECONDS) * 1e9


def has_racy_inputs(found: dict[str, InputEntry], scanned_at: float) -> bool:
    """Were some inputs too recent to trust by their time alone? Then recording this scan saves hashing them again."""
    return any(entry[1] >= _trusted_before(scanned_at) for entry in found.values())


def try_save_record(path: Path, record: BuildRecord) -> bool:
    """`save_record`, where a record that cannot be written only costs the next build its shortcut."""
    try:
        save_record(path, record)
    except OSError:
        return False
    return True


def scan_inputs(folders: dict[str, Path], previous: BuildRecord | None,
                changed: set[str] | None = None) -> dict[str, InputEntry]:
    """Every input file, named "<folder name>/<path>", with its digest; a file the previous record
    hashed, unchanged since by the racy rule, is not read again.

    `changed` (the dev server's, from inotify: the paths written, added or removed since `previous`
    was scanned) limits the look to those paths: every other file is as `previous` has it. None
    (not known, or no previous record) walks every folder."""
    if changed is not None and previous is not None:
        return _rescanned(folders, previous, changed)
    known = previous.inputs if previous is not None else {}
    trusted_before = _trusted_before(previous.scanned_at) if previous is not None else 0
    found: dict[str, InputEntry] = {}
    for name, folder in folders.items():
        # Hidden entries of content/ (.DS_Store, an editor's .x.yaml.swp, .git) are not inputs: its
        # loader never reads them, and one appearing would change every page's fingerprint for nothing.
        # Elsewhere they stay inputs: Jinja would read a hidden template that a template includes.
        for relative, entry in walk_files(folder, f"{name}/", hidden=name != "content"):
            found[relative] = _entry(entry.path, entry.stat(follow_symlinks=False), known.get(relative), trusted_before)
    return found


def _rescanned(folders: dict[str, Path], previous: BuildRecord, changed: set[str]) -> dict[str, InputEntry]:
    """scan_inputs, looking only at the `changed` paths."""
    found = dict(previous.inputs)
    trusted_before = _trusted_before(previous.scanned_at)
    roots = [(f"{os.path.abspath(folder)}{os.sep}", name) for name, folder in folders.items()]
    for path in changed:
        relative = next((f"{name}/{path[len(root):].replace(os.sep, '/')}" for root, name in roots
                         if path.startswith(root)), None)
        if relative is None or (relative.startswith("content/") and "/." in relative):  # not an input (see scan_inputs)
            continue
        try:
            status = os.lstat(path)
        except OSError:  # removed (or its folder, or unreadable as a path: walk_files would not list it either)
            found.pop(relative, None)
            continue
        if stat_module.S_ISDIR(status.st_mode):  # no input itself (a folder added or removed is no known change: see watch.py)
            continue
        found[relative] = _entry(path, status, found.get(relative), trusted_before)
    return found


def _entry(path: str, status: os.stat_result, old: InputEntry | None, trusted_before: float) -> InputEntry:
    """A file's entry: the old one if its stat is unchanged since the racy rule's time, else its digest."""
    if old is not None and old[:3] == (status.st_size, status.st_mtime_ns, status.st_ino) and status.st_mtime_ns < trusted_before:
        return old
    if stat_module.S_ISLNK(status.st_mode):  # never followed: its target may be outside content/
        data = b"link\0" + os.fsencode(os.readlink(path))
    elif not stat_module.S_ISREG(status.st_mode):  # a pipe would block a read: never the same
        data = f"special {status.st_mode} {time.time_ns()}".encode()
    else:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:  # unreadable: an input that is never the same
            data = f"unreadable {time.time_ns()}".encode()
    return (status.st_size, status.st_mtime_ns, status.st_ino, hashlib.sha256(data).digest())


def intact_outputs(now: SiteScan, outputs: dict[str, FileStat]) -> tuple[set[str], bool]:
    """The output files (of a scan taken under the build's lock) that are exactly as the last build left
    them (`outputs`, its record's), and whether the whole folder is (no file changed, added or removed)."""
    intact = {relative for relative, stat in now.files.items() if outputs.get(relative) == stat}
    return intact, len(intact) == len(now.files) == len(outputs)

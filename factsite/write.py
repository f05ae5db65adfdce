"""The only module that writes the site. It is called once everything has been rendered, so a
build that fails (bad content, no Chromium) never touches the output folder.

A first build writes a temporary folder and renames it into place. Later builds update the
existing folder: a file whose bytes have not changed is not touched (an unchanged site costs
reads, not thousands of writes, and keeps its modification times), a changed file is replaced
atomically (written beside it, then renamed over it), and files the site no longer has are removed
last. A reader (the dev server, a browser) sees each file either old or new, never half written.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .urls import UnsafePath


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


def _write_order(files: dict[str, bytes]) -> list[str]:
    """Assets and images before the pages that use them; then pages."""
    return sorted(files, key=lambda name: (name.endswith(".html"), name))


def write_site(files: dict[str, bytes], out_dir: Path) -> WriteReport:
    """Make `out_dir` hold exactly `files` (relative path -> bytes)."""
    for relative in files:
        _checked(relative)
    out_dir = out_dir.absolute()
    if out_dir.is_dir() and not out_dir.is_symlink():
        existing = _existing_files(out_dir)
        if existing is not None:
            try:
                return _update_in_place(files, out_dir, existing)
            except (IsADirectoryError, NotADirectoryError, FileExistsError):
                pass  # a file where a folder was (or the reverse): rebuild the folder whole
    _replace_whole(files, out_dir)
    return WriteReport(written=len(files), unchanged=0, removed=0)


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


def _update_in_place(files: dict[str, bytes], out_dir: Path, existing: set[str]) -> WriteReport:
    written = unchanged = 0
    for relative in _write_order(files):
        data = files[relative]
        target = os.path.join(out_dir, relative)
        if relative in existing:
            try:
                with open(target, "rb") as handle:
                    if handle.read() == data:
                        unchanged += 1
                        continue
            except FileNotFoundError:
                pass
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
        temporary = f"{target}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
        written += 1
    stale = sorted(existing - files.keys())
    for relative in stale:
        os.remove(os.path.join(out_dir, relative))
    for folder in sorted({posixpath.dirname(name) for name in stale if "/" in name}, key=len, reverse=True):
        _remove_empty_folders(out_dir, folder)
    return WriteReport(written=written, unchanged=unchanged, removed=len(stale))


def _remove_empty_folders(out_dir: Path, folder: str) -> None:
    while folder:
        try:
            os.rmdir(os.path.join(out_dir, folder))
        except OSError:  # not empty (or already gone)
            return
        folder = posixpath.dirname(folder)


def _replace_whole(files: dict[str, bytes], out_dir: Path) -> None:
    """Write every file into a temporary folder, then replace `out_dir` in one step."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
    try:
        for folder in sorted({posixpath.dirname(name) for name in files} - {""}):
            os.makedirs(staging / folder, exist_ok=True)
        for relative in _write_order(files):
            with open(staging / relative, "wb") as handle:
                handle.write(files[relative])
        os.chmod(staging, 0o755)
        if out_dir.exists() or out_dir.is_symlink():
            retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
            out_dir.rename(retired / "site")
            staging.rename(out_dir)
            shutil.rmtree(retired)
        else:
            staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

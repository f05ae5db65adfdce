"""How `build.py serve` learns that an input changed: told by the kernel where it can, by polling elsewhere.

On Linux the input folders are watched with inotify (through the C library, no dependency): a save
wakes the rebuild loop at once, and an idle server costs nothing. Polling stats every input file
every POLL_SECONDS: at 10,000 bilingual statistics, 21,000 files, 0.08 s of CPU a poll (a fifth of a
core while nothing happens) and up to POLL_SECONDS before a save is seen. Where inotify is missing
or refuses a watch (another system, too many watches), the server polls, as it always did.

Either way the loop waits for a save to settle, then compares snapshots (modification time and size
of every file) before it rebuilds: an event is only a reason to look, once.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import struct
import threading
import time
from pathlib import Path
from typing import Protocol

from .publish.write import walk_files

POLL_SECONDS = 0.4
SETTLE_SECONDS = 0.15  # editors save in steps (write, rename): wait until the files stop changing

Snapshot = dict[str, tuple[int, int]]


def _backup(path: str) -> bool:
    return path.endswith("~") or path.endswith(".swp")


def snapshot(folders: list[Path]) -> Snapshot:
    """Every input file's modification time and size; hidden files and editor backups are skipped."""
    found: Snapshot = {}
    for folder in folders:
        for path, entry in walk_files(folder, f"{folder}{os.sep}", hidden=False):
            if _backup(path):
                continue
            try:
                stat = entry.stat()
            except OSError:  # removed while we looked
                continue
            found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def in_snapshot(paths: set[str], folders: list[Path]) -> list[str]:
    """Those of `paths` (changed, as inotify names them: absolute) that a snapshot lists or would list:
    under one of `folders` (a relative one is taken from the working folder, as inotify watches it),
    neither hidden nor an editor's backup."""
    roots = [f"{os.path.abspath(folder)}{os.sep}" for folder in folders]
    return sorted(path for path in paths if not _backup(path) and any(
        path.startswith(root) and not any(part.startswith(".") for part in path[len(root):].split(os.sep)) for root in roots))


class Watcher(Protocol):
    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` s; True if an input may have changed (then compare snapshots)."""

    def settle(self) -> None:
        """Return once the inputs have stopped changing for SETTLE_SECONDS."""

    def take_changed(self) -> set[str] | None:
        """The paths written, added or removed since the last call (or since the watch began), or None
        if that is not known: then every file may have changed."""

    def close(self) -> None: ...


class Polling:
    """Looks every POLL_SECONDS."""

    def __init__(self, folders: list[Path], stop: threading.Event):
        self.folders, self.stop = folders, stop
        self.last = snapshot(folders)

    def wait(self, timeout: float) -> bool:
        if self.stop.wait(timeout):
            return False
        now = snapshot(self.folders)
        changed, self.last = now != self.last, now
        return changed

    def settle(self) -> None:
        while True:
            time.sleep(SETTLE_SECONDS)
            now = snapshot(self.folders)
            if now == self.last:
                return
            self.last = now

    def take_changed(self) -> None:
        return None  # a snapshot skips hidden files and backups: not every input

    def close(self) -> None:
        pass


# <sys/inotify.h>
_IN_MODIFY, _IN_ATTRIB, _IN_CLOSE_WRITE = 0x2, 0x4, 0x8
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x40, 0x80, 0x100, 0x200
_IN_DELETE_SELF, _IN_MOVE_SELF, _IN_Q_OVERFLOW, _IN_ISDIR = 0x400, 0x800, 0x4000, 0x40000000
_IN_NONBLOCK, _IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
_MASK = (_IN_MODIFY | _IN_ATTRIB | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
         | _IN_DELETE_SELF | _IN_MOVE_SELF)
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then the name, len bytes


class NoInotify(OSError):
    pass


class Inotify:
    """Every folder under the input folders watched; a folder created or moved in is watched too. It
    keeps the paths the events name (`take_changed`), for the dev server's build to look at only
    those. The hidden folders of `visible_only` (content/, whose hidden entries are no inputs) are not
    watched; elsewhere they are, since a hidden file there is an input (record.scan_inputs)."""

    def __init__(self, folders: list[Path], visible_only: tuple[Path, ...] = ()):
        try:
            self._libc = ctypes.CDLL(None, use_errno=True)
            self._add = self._libc.inotify_add_watch
        except (OSError, AttributeError) as error:
            raise NoInotify(f"no inotify: {error}") from None
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        fd = self._libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if fd < 0:
            raise NoInotify(errno.errorcode.get(ctypes.get_errno(), "inotify_init1 failed"))
        self.fd = fd
        self._folders: dict[int, str] = {}
        self._visible_only = tuple(f"{os.path.abspath(folder)}{os.sep}" for folder in visible_only)
        self._changed: set[str] | None = set()
        try:
            for folder in folders:
                self._watch_tree(os.path.abspath(folder))
        except NoInotify:
            self.close()
            raise

    def _watch_tree(self, top: str) -> None:
        skip_hidden = self._skips_hidden(top)
        for root, dirs, _ in os.walk(top):
            if skip_hidden:
                dirs[:] = [d for d in dirs if not d.startswith(".")]
            self._watch(root)

    def _skips_hidden(self, folder: str) -> bool:
        """Is `folder` in one of `visible_only` (its hidden folders are not watched)?"""
        return f"{folder}{os.sep}".startswith(self._visible_only)  # an empty tuple: never

    def _watch(self, folder: str) -> None:
        wd = self._add(self.fd, os.fsencode(folder), _MASK)
        if wd < 0:
            code = ctypes.get_errno()
            if code in (errno.ENOENT, errno.ENOTDIR):  # gone, or a file, since we looked: nothing to watch
                return
            raise NoInotify(f"cannot watch {folder}: {os.strerror(code)}")  # ENOSPC: the limit of watches
        self._folders[wd] = folder

    def wait(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        self._read()
        return True

    def _read(self) -> None:
        """Take every queued event; watch the folders that appeared."""
        while True:
            try:
                data = os.read(self.fd, 64 * 1024)
            except BlockingIOError:
                return
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size:offset + _EVENT.size + length].rstrip(b"\0")
                offset += _EVENT.size + length
                parent = self._folders.get(wd)
                if mask & _IN_Q_OVERFLOW or parent is None or mask & (_IN_ISDIR | _IN_DELETE_SELF | _IN_MOVE_SELF):
                    # Events were lost, or a folder came, went or moved: which files changed is not
                    # known (a folder's files may be written before it is watched). The snapshot the
                    # loop compares still sees all.
                    self._changed = None
                elif self._changed is not None and name:
                    self._changed.add(os.path.join(parent, os.fsdecode(name)))
                if (parent is not None and mask & _IN_ISDIR and mask & (_IN_CREATE | _IN_MOVED_TO) and name
                        and not (name.startswith(b".") and self._skips_hidden(parent))):
                    self._watch_tree(os.path.join(parent, os.fsdecode(name)))

    def settle(self) -> None:
        while self.wait(SETTLE_SECONDS):
            pass

    def take_changed(self) -> set[str] | None:
        self._read()  # what is queued
        changed, self._changed = self._changed, set()
        return changed

    def close(self) -> None:
        if getattr(self, "fd", -1) >= 0:
            os.close(self.fd)
            self.fd = -1


def watcher(folders: list[Path], stop: threading.Event, visible_only: tuple[Path, ...] = ()) -> Watcher:
    """Inotify where the system has it, else polling."""
    try:
        return Inotify(folders, visible_only)
    except NoInotify:
        return Polling(folders, stop)

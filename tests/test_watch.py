"""How `serve` notices a change: inotify where the system has it, polling elsewhere, and the rebuild loop over either."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from factsite import devserver, watch
from factsite.devserver import DevServer

from .conftest import ROOT

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


def _folders(tmp_path: Path) -> list[Path]:
    (tmp_path / "content" / "stats").mkdir(parents=True)
    (tmp_path / "content" / "stats" / "a.yaml").write_text("slug: a\n")
    (tmp_path / "templates").mkdir()
    return [tmp_path / "content", tmp_path / "templates"]


@linux_only
def test_inotify_wakes_on_each_kind_of_save_and_not_otherwise(tmp_path: Path) -> None:
    folders = _folders(tmp_path)
    changes = watch.Inotify(folders)
    try:
        assert changes.wait(0.2) is False  # nothing happened
        (tmp_path / "content" / "stats" / "a.yaml").write_text("slug: a\nshort_title: A\n")  # written in place
        assert changes.wait(2)
        changes.settle()
        saved = tmp_path / "content" / "stats" / ".a.yaml.tmp"  # an editor's save: a new file renamed over the old
        saved.write_text("slug: a\nshort_title: B\n")
        changes.settle()
        os.replace(saved, tmp_path / "content" / "stats" / "a.yaml")
        assert changes.wait(2)
        changes.settle()
        (tmp_path / "content" / "es" / "stats").mkdir(parents=True)  # a folder made since the watch began...
        assert changes.wait(2)
        changes.settle()
        (tmp_path / "content" / "es" / "stats" / "a.yaml").write_text("short_title: A\n")  # ...is watched too
        assert changes.wait(2)
        changes.settle()
        assert changes.wait(0.2) is False
    finally:
        changes.close()


def _watching(server: DevServer, monkeypatch) -> tuple[threading.Event, threading.Thread, list[str], list[int]]:
    """server.watch() in a thread, with builds counted instead of run, and the snapshots it takes."""
    builds: list[str] = []
    looks: list[int] = []
    real_snapshot = devserver.snapshot
    monkeypatch.setattr(server, "build", lambda: builds.append("build") or True)
    monkeypatch.setattr(devserver, "snapshot", lambda folders: looks.append(1) or real_snapshot(folders))
    stop = threading.Event()
    thread = threading.Thread(target=server.watch, args=(stop,), daemon=True)
    thread.start()
    time.sleep(0.3)  # the first snapshot is taken
    return stop, thread, builds, looks


def _until(test, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if test():
            return True
        time.sleep(0.05)
    return False


def _server(tmp_path: Path) -> DevServer:
    server = DevServer(tmp_path / "content", tmp_path / "site", ROOT, port=0, draft=True)
    server.watched = _folders(tmp_path)
    return server


@pytest.mark.parametrize("kind", ["inotify", "polling"])
def test_the_loop_rebuilds_once_a_save_settles_and_not_for_hidden_files(tmp_path: Path, monkeypatch, kind: str) -> None:
    if kind == "inotify" and not sys.platform.startswith("linux"):
        pytest.skip("inotify is Linux's")
    if kind == "polling":
        monkeypatch.setattr(devserver, "watcher", lambda folders, stop, **_: watch.Polling(folders, stop))
    server = _server(tmp_path)
    try:
        stop, thread, builds, _ = _watching(server, monkeypatch)
        (tmp_path / "content" / "stats" / ".a.yaml.swp").write_text("an editor's swap file")
        time.sleep(1.0)
        assert builds == []
        (tmp_path / "content" / "stats" / "b.yaml").write_text("slug: b\n")
        assert _until(lambda: builds == ["build"])
        time.sleep(0.8)
        assert builds == ["build"]  # one save, one build
        stop.set()
        thread.join(5)
        assert not thread.is_alive()
    finally:
        server.close()


@linux_only
def test_an_idle_server_does_not_look_at_every_file(tmp_path: Path, monkeypatch) -> None:
    """Polling stats every input every 0.4 s (21,000 files at 10,000 bilingual statistics: a fifth of a
    core); with inotify an idle server takes no snapshot at all, nor for a save: inotify names the
    files that changed (a hidden one or a backup is no reason to build)."""
    server = _server(tmp_path)
    try:
        stop, thread, builds, looks = _watching(server, monkeypatch)
        time.sleep(1.5)
        assert len(looks) == 1  # the first one, before the loop
        (tmp_path / "templates" / "base.html~").write_text("<html></html>")
        (tmp_path / "templates" / "base.html").write_text("<html></html>")
        assert _until(lambda: builds == ["build"])
        assert len(looks) == 1  # none since
        stop.set()
        thread.join(5)
    finally:
        server.close()


def test_a_folder_that_cannot_be_watched_falls_back_to_polling(tmp_path: Path, monkeypatch) -> None:
    """The folder whose watch is refused is a new one, with a new file in it: that change is built too,
    not only the ones the polling sees after it."""
    class Refused:
        def wait(self, timeout: float) -> bool:
            (tmp_path / "content" / "new").mkdir()
            (tmp_path / "content" / "new" / "b.yaml").write_text("slug: b\n")
            raise watch.NoInotify("cannot watch content/new: No space left on device")

        def settle(self) -> None:
            pass

        def take_changed(self) -> None:
            return None

        def close(self) -> None:
            pass

    monkeypatch.setattr(devserver, "watcher", lambda folders, stop, **_: Refused())
    server = _server(tmp_path)
    try:
        stop, thread, builds, _ = _watching(server, monkeypatch)
        assert _until(lambda: builds == ["build"])  # the change made as the watch was refused
        (tmp_path / "content" / "stats" / "c.yaml").write_text("slug: c\n")
        assert _until(lambda: builds == ["build", "build"])  # and those after it, by polling
        stop.set()
        thread.join(5)
        assert not thread.is_alive()
    finally:
        server.close()


def test_without_inotify_the_server_polls(monkeypatch, tmp_path: Path) -> None:
    def refuse(folders, visible_only=()):
        raise watch.NoInotify("no inotify")

    monkeypatch.setattr(watch, "Inotify", refuse)
    assert isinstance(watch.watcher(_folders(tmp_path), threading.Event()), watch.Polling)


def test_an_idle_server_writes_its_cache_and_collects_once_after_a_build(tmp_path: Path, monkeypatch) -> None:
    """A rebuild neither writes the dependency record and the content cache nor walks what the builds
    froze (the content the server keeps): these wait until nothing changes, once per build; closing
    leaves nothing frozen."""
    import gc

    from factsite import record
    from factsite.content import cache as content_cache

    from .conftest import copy_good_tree

    content = copy_good_tree(tmp_path)
    server = DevServer(content, tmp_path / "site", ROOT, port=0, draft=True, cache_dir=tmp_path / "cache")
    cache_file = content_cache.cache_path(tmp_path / "cache", content)
    record_file = record.record_path(tmp_path / "cache", tmp_path / "site", content)
    collections: list[int] = []
    monkeypatch.setattr(devserver.gc, "unfreeze", lambda real=gc.unfreeze: collections.append(1) or real())
    try:
        assert server.build()
        assert not cache_file.exists() and not record_file.exists() and gc.get_freeze_count() > 0
        stop = threading.Event()
        thread = threading.Thread(target=server.watch, args=(stop,), daemon=True)
        thread.start()
        assert _until(cache_file.exists) and record_file.exists()
        time.sleep(1.0)  # idle for a while: tidied once, not at every wait
        assert collections == [1] and gc.get_freeze_count() > 0  # what lives on is frozen again
        stop.set()
        thread.join(5)
    finally:
        server.close()
    assert gc.get_freeze_count() == 0


@linux_only
def test_inotify_says_which_files_changed_and_when_it_cannot(tmp_path: Path) -> None:
    """take_changed: the paths written, added or removed since it was last asked; None once a folder
    came or went (its files may have been written before it was watched). A hidden folder is watched
    where its files are inputs (templates/), not in content/."""
    folders = _folders(tmp_path)
    (tmp_path / "templates" / ".partials").mkdir()
    (tmp_path / "content" / ".git").mkdir()
    changes = watch.Inotify(folders, visible_only=(tmp_path / "content",))
    try:
        assert changes.take_changed() == set()
        stat, partial = tmp_path / "content" / "stats" / "a.yaml", tmp_path / "templates" / ".partials" / "x.html"
        stat.write_text("slug: a\nshort_title: A\n")
        partial.write_text("<p></p>")
        (tmp_path / "content" / ".git" / "index").write_text("not an input")
        (tmp_path / "templates" / "old.html").write_text("")
        assert changes.take_changed() == {str(stat), str(partial), str(tmp_path / "templates" / "old.html")}
        (tmp_path / "templates" / "old.html").unlink()
        assert changes.take_changed() == {str(tmp_path / "templates" / "old.html")}
        assert changes.take_changed() == set()
        (tmp_path / "content" / "es").mkdir()
        assert changes.take_changed() is None
        assert changes.take_changed() == set()  # known again from here on
    finally:
        changes.close()


def test_polling_cannot_say_which_files_changed(tmp_path: Path) -> None:
    assert watch.Polling(_folders(tmp_path), threading.Event()).take_changed() is None


def test_a_relative_folder_is_matched_with_inotifys_absolute_paths(tmp_path: Path, monkeypatch) -> None:
    """`build.py serve --content content`: inotify names files by absolute path, the folder is relative."""
    folders = _folders(tmp_path)
    monkeypatch.chdir(tmp_path)
    changed = str(tmp_path / "content" / "stats" / "a.yaml")
    assert watch.in_snapshot({changed}, [Path("content"), Path("templates")]) == [changed]
    assert devserver.describe_paths([changed], [Path("content")]) == "content/stats/a.yaml"
    assert watch.in_snapshot({str(tmp_path / "content" / ".git" / "x")}, folders) == []

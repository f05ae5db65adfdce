"""The dependency record (factsite/record.py, deps.py): a build proves from it that nothing changed,
renders only what a change affects, and falls back to a full build whenever it is in doubt."""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path

import pytest

from factsite import pipeline, record
from factsite.pipeline import Memory, build_site
from factsite.publish.write import scan_site
from factsite.web import render

from .conftest import change_one_statistic, copy_good_tree, retitle
from .tools import snapshot


def rendered_count(summary: str) -> int:
    found = re.search(r"(\d+) page\(s\) rendered", summary)
    assert found, summary
    return int(found.group(1))


@pytest.fixture
def built(tmp_path: Path):
    content, site, cache = copy_good_tree(tmp_path), tmp_path / "site", tmp_path / "cache"
    first = build_site(content, site, draft=True, cache_dir=cache)
    assert first.ok, first.lines()
    assert "full build: no dependency record" in first.summary
    return content, site, cache


def no_rendering(monkeypatch) -> None:
    def refuse(languages, page):
        raise AssertionError(f"{page.output} was rendered")

    monkeypatch.setattr(render, "_render_page", refuse)


def test_nothing_changed_is_proved_without_reading_the_content(built, monkeypatch) -> None:
    content, site, cache = built
    before = snapshot(site, identity=True)
    no_rendering(monkeypatch)
    monkeypatch.setattr(pipeline, "_validate_against", lambda *args: pytest.fail("the content was read"))
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok and result.summary.startswith("build: nothing changed: the dependency record proves the 22 pages"), result.summary
    assert snapshot(site, identity=True) == before


def test_warnings_are_said_again_when_nothing_changed(built) -> None:
    content, site, cache = built
    (content / "sources" / "unused-source.yaml").write_text(
        (content / "sources" / "paper.yaml").read_text().replace("id: paper", "id: unused-source"))
    warned = build_site(content, site, draft=True, cache_dir=cache)
    assert warned.ok and warned.warnings
    again = build_site(content, site, draft=True, cache_dir=cache)
    assert again.summary.startswith("build: nothing changed"), again.summary
    assert [str(p) for p in again.problems] == [str(p) for p in warned.problems]
    strict = build_site(content, site, draft=True, cache_dir=cache, strict=True)
    assert not strict.ok and "--strict fails on warnings" in strict.summary


@pytest.mark.parametrize("damage", ["missing", "corrupt", "other code", "other flags"])
def test_a_missing_or_doubtful_record_means_a_full_build(built, monkeypatch, damage: str) -> None:
    content, site, cache = built
    path = record.record_path(cache, site, content)
    if damage == "missing":
        path.unlink()
        reason = "no dependency record"
    elif damage == "corrupt":
        path.write_bytes(path.read_bytes()[:100])
        reason = "the dependency record is unreadable"
    elif damage == "other code":
        monkeypatch.setattr(record, "code_digest", lambda package, extra: "another version of the code")
        reason = "the code, its packages or the build's options changed"
    else:
        monkeypatch.setenv("URL", "https://elsewhere.example.org")
        reason = "the code, its packages or the build's options changed"
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok and f"full build: {reason}" in result.summary, result.summary
    assert rendered_count(result.summary) == 22


def test_one_changed_statistic_renders_what_shows_it_and_nothing_else(built, tmp_path: Path, monkeypatch) -> None:
    content, site, cache = built
    change_one_statistic(content)
    seen: list[str] = []
    real = render._render_page

    def counted(languages, page):
        seen.append(page.output)
        return real(languages, page)

    monkeypatch.setattr(render, "_render_page", counted)
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok, result.lines()
    monkeypatch.setattr(render, "_render_page", real)
    aggregates = {"index.html", "sources/index.html", "methodology/index.html", "data/index.html", "corrections/index.html",
                  "search/index.html", "help/index.html", "privacy/index.html", "404.html"}
    # The statistic's two pages, the sheet that includes it, the figure that shares its chart, the
    # chart's embed page; the pages that list the whole site.
    assert set(seen) == aggregates | {
        "stats/girls-share/index.html", "stats/girls-share/sources/index.html", "sheets/main-sheet/index.html",
        "stats/women-share/index.html", "stats/women-share/sources/index.html", "embed/victims-breakdown/index.html"}
    assert rendered_count(result.summary) == len(seen)
    assert build_site(content, tmp_path / "fresh", draft=True, cache_dir=tmp_path / "fresh-cache").ok
    assert snapshot(site) == snapshot(tmp_path / "fresh")


def test_a_hand_edited_or_removed_output_is_repaired(built, tmp_path: Path) -> None:
    content, site, cache = built
    expected = snapshot(site)
    page = site / "stats" / "girls-share" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"girls", b"GIRLS"))
    (site / "stats" / "cases-rise" / "sources" / "index.html").unlink()
    (site / "stray.html").write_bytes(b"not ours")
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok and not result.summary.startswith("build: nothing changed"), result.summary
    assert rendered_count(result.summary) == 9 + 2  # the pages that list the site, and the two repaired
    assert snapshot(site) == expected


def test_a_build_with_a_change_repairs_hand_edits_too(built, tmp_path: Path) -> None:
    """After a content change the output folder is walked in a forked process while the content loads
    (BackgroundScan): what that walk finds is what a walk here finds, hand edits included."""
    content, site, cache = built
    change_one_statistic(content)
    page = site / "stats" / "cases-2019" / "index.html"  # a page the change does not reach
    page.write_bytes(page.read_bytes().replace(b"2019", b"1999"))
    (site / "stats" / "cases-rise" / "sources" / "index.html").unlink()
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok, result.lines()
    assert build_site(content, tmp_path / "fresh", draft=True, cache_dir=tmp_path / "cache2").ok
    assert snapshot(site) == snapshot(tmp_path / "fresh")


def test_the_background_scan_is_the_scan_and_leaves_no_process_behind(built) -> None:
    import os

    from factsite.publish.write import BackgroundScan

    _, site, _ = built
    assert BackgroundScan(site).result() == scan_site(site)
    abandoned = BackgroundScan(site)  # a build that stops before it needs the scan
    pid = abandoned._child[0] if abandoned._child else None
    del abandoned
    if pid is not None:  # reaped when dropped: no zombie is left for the dev server to collect
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_a_record_that_cannot_be_saved_again_does_not_fail_a_build_that_changed_nothing(built, monkeypatch) -> None:
    """Just after a build its inputs are too recent to trust by their time (the racy rule), so a build
    that changed nothing saves the record again: a full disk there only costs the next build its shortcut."""
    import errno

    content, site, cache = built

    def full_disk(path, record_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(record, "save_record", full_disk)
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok and result.summary.startswith("build: nothing changed"), result.summary


def test_a_hidden_file_in_the_content_is_not_an_input(built) -> None:
    """An editor's swap file or a .DS_Store is never read by the loader: it changes nothing."""
    content, site, cache = built
    (content / "stats" / ".girls-share.yaml.swp").write_bytes(b"\x00 swap")
    (content / ".DS_Store").write_bytes(b"finder")
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok and result.summary.startswith("build: nothing changed"), result.summary


def test_an_added_content_file_is_a_change(built) -> None:
    content, site, cache = built
    (content / "sources" / "unused-source.yaml").write_text(
        (content / "sources" / "paper.yaml").read_text().replace("id: paper", "id: unused-source"))
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert rendered_count(result.summary) == 22  # every fingerprint names the list of files


def test_the_dev_servers_memory_keeps_the_record(built, monkeypatch) -> None:
    content, site, cache = built
    memory = Memory()
    assert build_site(content, site, draft=True, cache_dir=cache, memory=memory).summary.startswith("build: nothing changed")
    assert memory.record is not None
    monkeypatch.setattr(record, "load_record", lambda path: pytest.fail("the record was read from disk"))
    stat = content / "stats" / "cases-rise.yaml"
    stat.write_text(stat.read_text().replace("short_title: Rise", "short_title: Changed rise", 1))
    result = build_site(content, site, draft=True, cache_dir=cache, memory=memory)
    assert result.ok and rendered_count(result.summary) < 22, result.summary


@pytest.mark.parametrize("memory", [Memory(), None], ids=["dev server", "command line"])
def test_a_dev_server_build_frees_its_plan_without_a_collection(built, monkeypatch, memory: Memory | None) -> None:
    """The plan refers to itself (its pages and views to the model): the dev server's build breaks
    that, so the plan is gone as soon as the build returns, without a garbage collection of the
    whole site; a command-line build exits without freeing, and does not spend the time."""
    content, site, cache = built
    planned: list[weakref.ref] = []
    real_plan = pipeline.plan_site

    def plan_site(*args, **kwargs):
        models = real_plan(*args, **kwargs)
        planned.extend(weakref.ref(model) for model in models)
        return models

    monkeypatch.setattr(pipeline, "plan_site", plan_site)
    stat = content / "stats" / "cases-rise.yaml"
    stat.write_text(stat.read_text().replace("short_title: Rise", "short_title: Changed rise", 1))
    gc.collect()
    gc.disable()
    try:
        result = build_site(content, site, draft=True, cache_dir=cache, memory=memory)
        alive = [ref() is not None for ref in planned]
    finally:
        gc.enable()
    assert result.ok and planned, result.lines()
    assert alive == [memory is None] * len(planned)


@pytest.mark.parametrize("change", ["one statistic", "the site's title"])
def test_the_record_holds_the_output_folder_as_the_writer_left_it(built, change: str) -> None:
    """The new record's output stats come from the writer (no second walk): they are the folder's own,
    whether the change was published in place (one statistic) or swapped in whole (every page)."""
    content, site, cache = built
    folder = site.stat().st_ino
    if change == "one statistic":
        change_one_statistic(content)
    else:
        retitle(content, "Retitled")
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok, result.lines()
    assert (site.stat().st_ino == folder) == (change == "one statistic")  # in place, or a new folder swapped in
    saved, _ = record.load_record(record.record_path(cache, site, content))
    assert saved is not None and saved.outputs == scan_site(site).files
    assert build_site(content, site, draft=True, cache_dir=cache).summary.startswith("build: nothing changed")


def test_the_scan_never_follows_a_link_nor_opens_a_pipe(tmp_path: Path) -> None:
    """The record hashes content/'s files, which are untrusted: a link's target may be outside
    content/ (never read), and opening a pipe would wait for a writer forever."""
    import hashlib
    import os
    import threading

    content = tmp_path / "content"
    content.mkdir()
    (content / "site.yaml").write_text("title: x\n")
    outside = tmp_path / "outside-pipe"
    os.mkfifo(outside)
    (content / "linked.yaml").symlink_to(outside)  # followed, the read would block
    os.mkfifo(content / "pipe.yaml")
    found: dict = {}
    scan = threading.Thread(target=lambda: found.update(record.scan_inputs({"content": content}, None)), daemon=True)
    scan.start()
    scan.join(timeout=10)
    assert not scan.is_alive(), "the scan blocked on a pipe"
    assert set(found) == {"content/site.yaml", "content/linked.yaml", "content/pipe.yaml"}
    assert found["content/linked.yaml"][3] == hashlib.sha256(b"link\0" + os.fsencode(str(outside))).digest()
    assert found["content/site.yaml"][3] == hashlib.sha256(b"title: x\n").digest()


def test_a_build_with_a_pipe_in_the_content_stops_with_its_error(tmp_path: Path) -> None:
    """The build path, not just the loader: the record's scan comes first and must not wait on it."""
    import os
    import threading

    content = copy_good_tree(tmp_path)
    os.mkfifo(content / "stats" / "pipe.yaml")
    results: list = []
    build = threading.Thread(target=lambda: results.append(
        build_site(content, tmp_path / "site", draft=True, cache_dir=tmp_path / "cache")), daemon=True)
    build.start()
    build.join(timeout=120)
    assert not build.is_alive(), "the build blocked on a pipe in content/"
    assert not results[0].ok and any("content/stats/pipe.yaml" in line for line in results[0].lines()), results[0].lines()


def test_the_dev_server_writes_its_record_when_idle(built, monkeypatch) -> None:
    """Not in the rebuild an author waits for (Memory.save_record): until then no record on disk describes
    the site as it was, and the one written then proves the site as it is."""
    content, site, cache = built
    path = record.record_path(cache, site, content)
    memory = Memory()
    assert path.exists()
    change_one_statistic(content)
    assert build_site(content, site, draft=True, cache_dir=cache, memory=memory).ok
    assert not path.exists()  # forgotten before the publish, not yet written
    assert memory.unsaved_record is not None
    memory.save_record()
    saved = record.load_record(path)[0]
    assert saved is not None and saved.inputs == memory.record.inputs and saved.outputs == memory.record.outputs
    # The record on disk is the site's: a build of the command line proves nothing changed.
    no_rendering(monkeypatch)
    again = build_site(content, site, draft=True, cache_dir=cache)
    assert again.ok and again.summary.startswith("build: nothing changed"), again.summary


def test_a_record_replaced_before_the_server_is_idle_is_not_written(built) -> None:
    """Only the record of the site there now: a later build's replaces one not yet written."""
    content, site, cache = built
    path = record.record_path(cache, site, content)
    memory = Memory()
    change_one_statistic(content)
    assert build_site(content, site, draft=True, cache_dir=cache, memory=memory).ok
    first = memory.unsaved_record
    retitle(content, "Fixture facts, again")
    assert build_site(content, site, draft=True, cache_dir=cache, memory=memory).ok
    assert first is not None and memory.unsaved_record is not None and memory.unsaved_record[2] is not first[2]
    memory.unsaved_record = first  # as if the first were still waiting
    memory.save_record()
    assert not path.exists()

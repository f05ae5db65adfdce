"""Incremental builds: a change redoes exactly what it affects, and the cache never serves a stale result."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest

from jinja2 import TemplateError

from factsite import record
from factsite.images import chart_export

from factsite.web import charts, render
from factsite.images.headless import ImageCache
from factsite.web.jobs import ImageJob
from factsite import pipeline
from factsite.pipeline import build_site
from factsite.web.urls import UnsafePath
from factsite.publish.write import SiteWriter, WriteReport

from .conftest import change_one_statistic, copy_good_tree
from .tools import snapshot


def drawn(content: Path, site: Path) -> int:
    """Build; how many chart images were drawn (not taken from the cache)."""
    result = build_site(content, site)
    assert result.ok, result.lines()
    return int(re.search(r"(\d+) chart image\(s\), \d+ card", result.summary).group(1))


@pytest.fixture
def built(tmp_path: Path, monkeypatch):
    """The fixture site, fully built (images, cards, PDFs) with its own render cache."""
    monkeypatch.setenv("FACTSITE_CACHE", str(tmp_path / "cache"))
    content, site = copy_good_tree(tmp_path), tmp_path / "site"
    assert build_site(content, site).ok
    return content, site


def test_one_changed_statistic_changes_exactly_its_outputs(built, tmp_path: Path) -> None:
    content, site = built
    before = snapshot(site, identity=True)
    change_one_statistic(content)
    images_drawn = drawn(content, site)
    after = snapshot(site, identity=True)

    # Never stale: the updated site is byte for byte what a fresh build of the new content gives.
    assert build_site(content, tmp_path / "fresh").ok
    assert snapshot(site) == snapshot(tmp_path / "fresh")

    changed = {name for name in after if before.get(name, ("",))[0] != after[name][0]}
    touched = {name for name in after if before.get(name) != after[name]}
    assert touched == changed, "a file whose bytes did not change was rewritten"
    # women-share's page shows the breakdown chart it belongs to, which shows this figure too.
    must = {"stats/girls-share/index.html", "stats/girls-share/sources/index.html", "sheets/main-sheet/index.html",
            "stats/women-share/index.html",
            "charts/victims-breakdown.svg", "charts/victims-breakdown-narrow.svg", "charts/victims-breakdown.png",
            "charts/victims-breakdown-download.svg", "charts/victims-breakdown.csv", "cards/stat-girls-share.png"}
    assert must <= changed, must - changed
    # Everything else that changed shows this figure: the sheet and its PDFs, the sources page, the data
    # files, the chart's embed page, the search index, and the page of the figure that shares its chart.
    # No other statistic's page, chart or card.
    allowed = re.compile(r"^(stats/girls-share/|stats/women-share/index\.html$|sheets/main-sheet/|charts/victims-breakdown|embed/victims-breakdown/|"
                         r"cards/(stat-girls-share|sheet-main-sheet)\.png$|sources/index\.html$|data/|pagefind/|"
                         r"updates|sitemap)")
    assert not {name for name in changed if not allowed.match(name)}, sorted(changed)
    # Exactly the changed chart's four images were drawn; the other chart's came from the cache.
    assert images_drawn == 4


def test_files_made_from_a_few_records_are_made_again_only_when_those_change(tmp_path: Path, monkeypatch) -> None:
    """A figure's open-data record, a chart's CSV and the sitemap are carried over, not made again,
    when what they read is unchanged (deps.py); the site is still what a fresh build makes."""
    monkeypatch.setenv("FACTSITE_CACHE", str(tmp_path / "cache"))
    content, site = copy_good_tree(tmp_path), tmp_path / "site"
    assert build_site(content, site, draft=True).ok
    made: set[str] = set()
    each_site_file = pipeline.each_site_file

    def spy(*args):
        for name, data in each_site_file(*args):
            made.add(name)
            yield name, data

    monkeypatch.setattr(pipeline, "each_site_file", spy)
    change_one_statistic(content)
    assert build_site(content, site, draft=True).ok
    # What reads the figure is made again (and the site-wide files, always)...
    assert {"data/statistics/girls-share.json", "charts/victims-breakdown.csv", "data/statistics.json",
            "data/statistics.csv"} <= made, sorted(made)
    # ... what does not is carried over: the other figures' records, the other chart's CSV, the sitemap.
    assert not made & {"data/statistics/cases-2019.json", "data/statistics/cases-rise.json", "charts/cases-2020.csv",
                       "sitemap.xml"}, sorted(made)
    assert build_site(content, tmp_path / "fresh", draft=True).ok
    assert snapshot(site) == snapshot(tmp_path / "fresh")
    # A figure that another's derivation reads: that one's record is made again too (and is right).
    made.clear()
    stat = content / "stats" / "cases-2020.yaml"
    stat.write_text(stat.read_text().replace("1499", "1498").replace("1,499", "1,498"))  # the figure and its quotes
    assert build_site(content, site, draft=True).ok
    assert "data/statistics/cases-2019.json" in made and "data/statistics/girls-share.json" not in made, sorted(made)
    assert build_site(content, tmp_path / "fresh", draft=True).ok
    assert snapshot(site) == snapshot(tmp_path / "fresh")


class Exports:
    """The statistics whose open-data records a build makes (opendata._export), in order."""

    def __init__(self, monkeypatch):
        from factsite.web import opendata

        self.slugs: list[str] = []
        export = opendata._export

        def spy(model, slug, added):
            self.slugs.append(slug)
            return export(model, slug, added)

        monkeypatch.setattr(opendata, "_export", spy)


DATA_FILES = ("data/statistics.json", "data/statistics.csv")


def test_the_site_wide_data_files_build_only_the_records_of_what_changed(tmp_path: Path, monkeypatch) -> None:
    """statistics.json and .csv take the other figures' entries and rows from the last build's files:
    the same bytes as a fresh build's."""
    monkeypatch.setenv("FACTSITE_CACHE", str(tmp_path / "cache"))
    content, site = copy_good_tree(tmp_path), tmp_path / "site"
    assert build_site(content, site, draft=True).ok
    exports = Exports(monkeypatch)
    change_one_statistic(content)
    assert build_site(content, site, draft=True).ok
    # girls-share changed; women-share's record reads it too (they share a chart): the other three are taken.
    assert sorted(exports.slugs) == ["girls-share", "women-share"]
    assert build_site(content, tmp_path / "fresh", draft=True).ok
    for name in DATA_FILES:
        assert (site / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
    assert snapshot(site) == snapshot(tmp_path / "fresh")


@pytest.mark.parametrize("edited", DATA_FILES)
def test_a_hand_edited_data_file_is_made_again_in_full(tmp_path: Path, monkeypatch, edited: str) -> None:
    """An old statistics.json or .csv changed since the last build is not what it wrote: nothing in it
    is taken, though the edited figure's record is kept, and the build repairs it."""
    monkeypatch.setenv("FACTSITE_CACHE", str(tmp_path / "cache"))
    content, site = copy_good_tree(tmp_path), tmp_path / "site"
    assert build_site(content, site, draft=True).ok
    path = site / edited
    path.write_bytes(path.read_bytes().replace(b"Rise in cases", b"Rise in cases, edited"))  # cases-rise's title
    exports = Exports(monkeypatch)
    change_one_statistic(content)
    assert build_site(content, site, draft=True).ok
    assert exports.slugs == ["cases-2019", "cases-2020", "cases-rise", "girls-share", "women-share"]
    assert build_site(content, tmp_path / "fresh", draft=True).ok
    for name in DATA_FILES:
        assert (site / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


def test_a_data_file_edited_after_the_scan_is_not_taken(tmp_path: Path, monkeypatch) -> None:
    """The scan of the output folder (at the build's start) found statistics.json as recorded, but it
    changed before it was read: its stat when read tells, and nothing in it is taken."""
    from factsite.publish.write import scan_site

    class ScanAtOnce:  # the output folder's scan taken now, not in a process of its own: surely before the edit
        def __init__(self, out_dir: Path):
            self.scan = scan_site(out_dir)

        def result(self):
            return self.scan

    monkeypatch.setenv("FACTSITE_CACHE", str(tmp_path / "cache"))
    content, site = copy_good_tree(tmp_path), tmp_path / "site"
    assert build_site(content, site, draft=True).ok
    read_old = pipeline._read_old

    def edit_then_read(out_dir: Path, name: str):
        if name == "data/statistics.json" and out_dir == site:
            path = out_dir / name
            path.write_bytes(path.read_bytes().replace(b"Rise in cases", b"Rise in cases, edited"))
        return read_old(out_dir, name)

    monkeypatch.setattr(pipeline, "BackgroundScan", ScanAtOnce)
    monkeypatch.setattr(pipeline, "_read_old", edit_then_read)
    change_one_statistic(content)
    assert build_site(content, site, draft=True).ok
    assert build_site(content, tmp_path / "fresh", draft=True).ok
    assert (site / "data/statistics.json").read_bytes() == (tmp_path / "fresh/data/statistics.json").read_bytes()


def test_a_hand_edited_statistics_json_is_still_compared_with(tmp_path: Path, monkeypatch) -> None:
    """The history check reads the published figures from any statistics.json, as the last build left
    it or not (then parsed whole)."""
    monkeypatch.setenv("FACTSITE_CACHE", str(tmp_path / "cache"))
    content, site = copy_good_tree(tmp_path), tmp_path / "site"
    assert build_site(content, site, draft=True).ok
    path = site / "data" / "statistics.json"
    path.write_bytes(path.read_bytes().replace(b'"as_printed": "50%"', b'"as_printed": "49%"'))
    result = build_site(content, site, draft=True)
    assert result.ok and [p.message for p in result.warnings if "from '49%' to '50%'" in p.message], result.lines()


def test_chart_style_invalidates_exactly_the_images_it_shapes(built, monkeypatch) -> None:
    content, site = built
    assert drawn(content, site) == 0
    # The remainder colour appears only in the breakdown chart (its "not specified" bar). Changing it is
    # changing the code, which the dependency record sees (its build key) and a monkeypatch does not.
    monkeypatch.setattr(record, "code_digest", lambda package, extra: "remainder colour changed")
    monkeypatch.setattr(charts, "REMAINDER_COLOUR", "#555555")
    before = snapshot(site)
    assert drawn(content, site) == 4
    after = snapshot(site)
    assert {n for n in after if before[n] != after[n] and n.startswith("charts/")} == {
        "charts/victims-breakdown.svg", "charts/victims-breakdown-narrow.svg", "charts/victims-breakdown.png",
        "charts/victims-breakdown-download.svg"}
    # The palette shapes every chart.
    monkeypatch.setattr(record, "code_digest", lambda package, extra: "palette changed")
    monkeypatch.setattr(charts, "PALETTE", ["#000000", *charts.PALETTE[1:]])
    assert drawn(content, site) == 8
    assert "#000000" in (site / "charts" / "cases-2020.svg").read_text().replace("rgb(0, 0, 0)", "#000000")


def test_drawing_code_and_browser_are_part_of_the_key(tmp_path: Path, monkeypatch) -> None:
    job = ImageJob("charts/x.svg", "{}", 10, 10, "svg")
    engine = chart_export.engine_fingerprint()
    chart_export.engine_fingerprint.cache_clear()
    monkeypatch.setattr(chart_export, "_DRAW_ALL", chart_export._DRAW_ALL + "\n// changed")
    assert chart_export.image_key(job, chart_export.engine_fingerprint()) != chart_export.image_key(job, engine)
    chart_export.engine_fingerprint.cache_clear()
    # Another browser or other fonts: another folder of the cache, so nothing drawn by the old one is used.
    monkeypatch.setattr("factsite.images.browser.engine_identity", lambda memo: "one")
    first = ImageCache(tmp_path)
    first.put("k" * 64, "svg", b"<svg/>")
    assert first.find("k" * 64, "svg").read_bytes() == b"<svg/>"
    monkeypatch.setattr("factsite.images.browser.engine_identity", lambda memo: "two")
    assert ImageCache(tmp_path).find("k" * 64, "svg") is None


@pytest.mark.parametrize("interrupted", ["write_bytes", "replace"])
def test_a_cache_entry_is_whole_or_absent_when_its_write_is_interrupted(tmp_path: Path, monkeypatch, interrupted: str) -> None:
    """A full disk midway through the bytes, or Ctrl-C before the rename: no reader, then or later,
    finds a partial entry, and no partial file is left in the cache."""
    monkeypatch.setattr("factsite.images.browser.engine_identity", lambda memo: "e")
    cache, key, data = ImageCache(tmp_path), "ab" * 32, b"0123456789" * 1000
    real = {"write_bytes": Path.write_bytes, "replace": Path.replace}
    found_meanwhile = []

    def write_half_then_fail(path: Path, payload: bytes) -> None:
        real["write_bytes"](path, payload[: len(payload) // 2])
        found_meanwhile.append(cache.find(key, "png"))  # another build reading the shared cache now
        raise OSError(errno.ENOSPC, "No space left on device")

    def interrupt_before_rename(path: Path, target: Path) -> None:
        found_meanwhile.append(cache.find(key, "png"))
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Path, interrupted, write_half_then_fail if interrupted == "write_bytes" else interrupt_before_rename)
        with pytest.raises(OSError if interrupted == "write_bytes" else KeyboardInterrupt):
            cache.put(key, "png", data)
    assert found_meanwhile == [None]
    assert cache.find(key, "png") is None
    assert list((cache.folder / key[:2]).iterdir()) == [], "a partial file was left in the cache"
    # The next build draws it again, and the entry is then whole.
    assert cache.put(key, "png", data).read_bytes() == data
    assert [p.name for p in (cache.folder / key[:2]).iterdir()] == [f"{key}.png"]


def test_an_empty_cache_entry_is_a_miss(tmp_path: Path, monkeypatch) -> None:
    """As an entry truncated by a crashed machine would be (the rename reached the disk, the bytes not)."""
    monkeypatch.setattr("factsite.images.browser.engine_identity", lambda memo: "e")
    cache = ImageCache(tmp_path)
    cache.put("ab" * 32, "png", b"data").write_bytes(b"")
    assert cache.find("ab" * 32, "png") is None


def write_site(files: dict[str, bytes], out_dir: Path) -> WriteReport:
    """Make `out_dir` hold exactly `files` (relative path -> bytes), as a build commits them."""
    with SiteWriter(out_dir) as writer:
        writer.add_all(files)
        return writer.commit()


def test_write_touches_only_what_changed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    first = write_site({"index.html": b"home", "a/index.html": b"a", "old/index.html": b"old", "x.css": b"css"}, site)
    assert (first.written, first.unchanged, first.removed) == (4, 0, 0)
    kept = (site / "a" / "index.html").stat()
    report = write_site({"index.html": b"home 2", "a/index.html": b"a", "x.css": b"css", "new/b.txt": b"b"}, site)
    assert (report.written, report.unchanged, report.removed) == (2, 2, 1)
    assert (site / "a" / "index.html").stat().st_mtime_ns == kept.st_mtime_ns
    assert (site / "a" / "index.html").stat().st_ino == kept.st_ino
    assert not (site / "old").exists()  # a folder left empty goes too
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == [
        ".factsite-output", "a/index.html", "index.html", "new/b.txt", "x.css"]  # and the writer's marker
    assert sorted(os.listdir(tmp_path)) == [".site.lock", "site"]  # the lock stays; no staging folder


def test_write_never_follows_a_link_out_of_the_site(tmp_path: Path) -> None:
    outside, site = tmp_path / "outside", tmp_path / "site"
    outside.mkdir()
    write_site({"index.html": b"home"}, site)
    (site / "stats").symlink_to(outside, target_is_directory=True)
    write_site({"index.html": b"home", "stats/a/index.html": b"a"}, site)
    assert list(outside.iterdir()) == []
    assert not (site / "stats").is_symlink() and (site / "stats" / "a" / "index.html").read_bytes() == b"a"


def test_write_replaces_a_file_by_a_folder_and_back(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_site({"index.html": b"home", "a": b"a file"}, site)
    write_site({"index.html": b"home", "a/index.html": b"now a folder"}, site)
    assert (site / "a" / "index.html").read_bytes() == b"now a folder"
    write_site({"index.html": b"home", "a": b"a file again"}, site)
    assert (site / "a").read_bytes() == b"a file again"
    assert sorted(os.listdir(tmp_path)) == [".site.lock", "site"]


def test_a_build_that_fails_midway_leaves_the_site_as_it_was(tmp_path: Path) -> None:
    """Files are written while later ones render: a failure after some were written changes nothing."""
    site = tmp_path / "site"
    write_site({"index.html": b"home", "a/index.html": b"a", "x.css": b"css"}, site)
    before = snapshot(site)
    with pytest.raises(RuntimeError, match="template error"):
        with SiteWriter(site) as writer:
            writer.add("index.html", b"home 2")
            writer.add("b/index.html", b"new page")
            writer.flush()  # both are on disk, in the staging folder
            raise RuntimeError("template error")
    assert snapshot(site) == before
    assert sorted(os.listdir(tmp_path)) == [".site.lock", "site"]  # no staging folder left behind


@pytest.mark.parametrize("publish", ["swap", "in place"])
def test_ctrl_c_during_the_commit_waits_until_the_site_is_whole(tmp_path: Path, monkeypatch, publish: str) -> None:
    """Ctrl-C while the commit links the unchanged files (the swap) or keeps the replaced ones aside
    (in place) would leave a half-made tree and no new site, or a mix."""
    import signal

    from factsite.publish import write

    if publish == "swap":  # two of five files changed: in place, unless forbidden
        monkeypatch.setattr(write, "IN_PLACE_MOST", 0)
    site = tmp_path / "site"
    write_site({"index.html": b"home", "a/index.html": b"a", "b/index.html": b"b", "x.css": b"css"}, site)
    links = []
    real_link = os.link

    def link_then_interrupt(source, target):
        real_link(source, target)
        links.append(target)
        if len(links) == 1:
            signal.raise_signal(signal.SIGINT)  # as if Ctrl-C came now, with more files still to go

    monkeypatch.setattr(write.os, "link", link_then_interrupt)
    folder = site.stat().st_ino
    with pytest.raises(KeyboardInterrupt):
        write_site({"index.html": b"home 2", "a/index.html": b"a", "b/index.html": b"b", "x.css": b"css 2"}, site)
    # The swap links the marker, a and b; in place, the old index.html and x.css are linked aside. The
    # interrupt came after the first, and waited for the rest.
    assert len(links) == (3 if publish == "swap" else 2)
    assert (site.stat().st_ino == folder) == (publish == "in place")
    assert {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()} == {
        ".factsite-output": write.MARKER_TEXT, "index.html": b"home 2", "a/index.html": b"a", "b/index.html": b"b",
        "x.css": b"css 2"}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # and Ctrl-C acts at once again


def test_two_files_at_one_path_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafePath, match="two files"):
        with SiteWriter(tmp_path / "site") as writer:
            writer.add("index.html", b"one")
            writer.add("index.html", b"two")
    assert sorted(os.listdir(tmp_path)) == [".site.lock"]


def test_a_template_error_in_a_build_leaves_the_site_as_it_was(tmp_path: Path, monkeypatch) -> None:
    content = copy_good_tree(tmp_path)
    out = tmp_path / "site"
    assert build_site(content, out, draft=True, cache_dir=tmp_path / "cache").ok
    before = snapshot(out)
    (content / "stats" / "cases-rise.yaml").write_text(
        (content / "stats" / "cases-rise.yaml").read_text().replace("short_title: Rise", "short_title: Changed rise", 1))
    rendered = []
    real = render._render_page

    def fail_after_some_pages(languages, page):
        rendered.append(page.output)
        if len(rendered) > 5:
            raise TemplateError("a template broke halfway through the site")
        return real(languages, page)

    monkeypatch.setattr(render, "_render_page", fail_after_some_pages)
    with pytest.raises(TemplateError):
        build_site(content, out, draft=True, cache_dir=tmp_path / "cache")
    assert len(rendered) == 6
    assert snapshot(out) == before
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".site-")]

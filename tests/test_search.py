"""Static search: works in Chromium under the CSP, by keyboard, and weighs little until the visitor types."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from factsite.web import search as search_module
from factsite.images.browser import launch
from factsite.pipeline import build_site, load_and_validate, plan_site
from factsite import record
from factsite.web.search import KEEP_INDEXES, PARTS_FILE, SearchIndex, part_of, plan_parts
from factsite.web.urls import search_part
from factsite.publish.serve import start_server
from factsite.publish.write import MemorySite, SiteWriter

from .tools import snapshot

ROOT = Path(__file__).resolve().parent.parent


def test_find_a_statistic_by_keyboard(served_shipped: str) -> None:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        loaded: list[int] = []
        page.on("requestfinished", lambda r: loaded.append(r.sizes()["responseBodySize"]))
        page.goto(served_shipped + "/search/", wait_until="networkidle")
        before_typing = sum(loaded)
        assert before_typing < 100_000, before_typing
        page.focus("#search-input")
        page.keyboard.type("WeChat")
        page.wait_for_selector("#search-results li a", timeout=15000)
        hrefs = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.getAttribute('href'))")
        assert "/stats/wechat-share-adult-social-media-recruitment/" in hrefs
        assert "result" in page.inner_text("#search-status")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.matches('button.search-button')")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('#search-results') !== null")
        page.keyboard.press("Enter")
        page.wait_for_url("**/stats/**")
        assert problems == []
        browser.close()


def test_only_what_describes_a_figure_is_indexed(served_shipped: str) -> None:
    """Share buttons, downloads and embed code are on every page: searching their words finds nothing."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(served_shipped + "/search/", wait_until="networkidle")
        # Not "Bluesky" or "WhatsApp": Pagefind also finds words that begin a query ("The BL", "what", "if");
        # not "PDF": the help page, which search finds, tells readers a downloaded PDF stays on the device.
        for words, expected in [("LinkedIn", 0), ("Telegram", 0), ("lazy", 0), ("embed", 0), ("PNG", 0),
                                ("Snapchat", 1)]:
            page.fill("#search-input", words)
            page.wait_for_function("query => document.getElementById('search-status').textContent.includes(query)", arg=words)
            found = page.eval_on_selector_all("#search-results li a", "links => links.length")
            assert (found > 0) == bool(expected), (words, found)
        browser.close()


def test_search_finds_the_help_page(served_shipped: str) -> None:
    """Someone looking for help types "help" or "hotline": the help page is the answer."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(served_shipped + "/search/", wait_until="networkidle")
        for words in ("help", "hotline", "call", "get help"):
            page.fill("#search-input", words)
            page.wait_for_function("query => document.getElementById('search-status').textContent.includes(query)", arg=words)
            links = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.getAttribute('href'))")
            assert any(link.rstrip("/").endswith("/help") for link in links), (words, links)
        browser.close()


def test_results_show_why_they_matched_and_questions_find_their_figure(served_shipped: str) -> None:
    """Matched words are highlighted (as <mark> elements built from text, never from HTML); a
    question such as "how many victims" finds the figure it asks for; the form has a submit button."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(served_shipped + "/search/", wait_until="networkidle")
        page.fill("#search-input", "Snapchat")
        page.wait_for_selector("#search-results li p mark", timeout=15000)
        marks = page.eval_on_selector_all("#search-results li p mark", "marks => marks.map(m => m.textContent)")
        assert marks and all(mark.lower().startswith("snapchat") for mark in marks), marks
        assert page.eval_on_selector_all("#search-results li p *:not(mark)", "elements => elements.length") == 0
        page.fill("#search-input", "")
        page.type("#search-input", "how many victims")
        page.click("button.search-button")
        page.wait_for_function("() => document.getElementById('search-status').textContent.includes('how many victims')")
        links = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.getAttribute('href'))")
        # The headline figure that matches comes first (Pagefind alone ranked it tenth).
        assert links[0] == "/stats/victims-identified-2020/", links
        browser.close()


class PagesInMemory(MemorySite):
    """Pages in memory that SearchIndex can index: what it needs of a SiteWriter, a scratch folder
    (the system's temporary one) and `export`."""

    scratch_dir = None
    scratch_prefix = ".factsite-test-"

    def export(self, relatives: Iterable[str], folder: Path, shape: Callable[[bytes], bytes] | None = None) -> None:
        for relative in relatives:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(shape(self[relative]) if shape else self[relative])


def index_all(search: SearchIndex, digests: dict[str, bytes], site: MemorySite | SiteWriter,
              groups: dict[str, str] | None = None) -> None:
    """Index every page in `digests` as a build does: planned in parts, each handed over in turn."""
    for number, pages in enumerate(search.plan(groups if groups is not None else {page: page for page in digests})):
        search.add_part(number, {page: digests[page] for page in pages}, site)


def _indexed(site: MemorySite, text: str, page: str = "stats/a/index.html") -> dict[str, bytes]:
    html = f'<!doctype html><html lang="en"><head><title>{text}</title></head><body><main data-pagefind-body><h1>{text}</h1></main></body></html>'
    site.add(page, html.encode())
    return {page: hashlib.sha256(html.encode()).digest()}


def _read(files: dict[str, Path | bytes]) -> dict[str, bytes]:
    return {name: data if isinstance(data, bytes) else data.read_bytes() for name, data in files.items()}


def test_unchanged_pages_reuse_the_stored_index(tmp_path: Path) -> None:
    site = PagesInMemory()
    digests = _indexed(site, "Cases filed")
    with SearchIndex(tmp_path) as search:
        index_all(search, digests, site)
        first = _read(search.finish())
    assert "pagefind/pagefind-entry.json" in first and not any("pagefind-ui" in name for name in first)
    assert json.loads(first[PARTS_FILE]) == []  # a small site's index is in one part
    with SearchIndex(tmp_path) as search:
        index_all(search, digests, site)
        assert search.runs == []  # nothing to index
        assert _read(search.finish()) == first
    for text in ["Victims", "Defendants", "Sentences"]:  # older indexes are pruned
        other = PagesInMemory()
        with SearchIndex(tmp_path) as search:
            index_all(search, _indexed(other, text), other)
            search.finish()
    assert len(list((tmp_path / "search").iterdir())) == KEEP_INDEXES


def test_parts_keep_groups_together_and_stay_put() -> None:
    groups = {f"stats/s{i}/index.html": f"/sheets/g{i % 40}/" for i in range(950)}
    parts = plan_parts(groups, size=100)
    assert len(parts) == 10 and sorted(page for part in parts for page in part) == sorted(groups)
    part_of_group = {groups[page]: number for number, part in enumerate(parts) for page in part}
    assert len(part_of_group) == 40  # each group lies in one part
    assert max(map(len, parts)) < 250  # and the parts are of a similar size
    # A page added to a group goes to that group's part; the other parts keep their pages.
    grown = plan_parts({**groups, "stats/new/index.html": "/sheets/g7/"}, size=100)
    changed = [number for number, (old, new) in enumerate(zip(parts, grown)) if old != new]
    assert changed == [part_of_group["/sheets/g7/"]]


def test_a_change_reindexes_only_its_part(tmp_path: Path) -> None:
    site, digests = PagesInMemory(), {}
    words = ["Victims", "Defendants", "Sentences", "Prosecutions", "Convictions", "Recruitment"]
    for number, word in enumerate(words):
        digests.update(_indexed(site, word, f"stats/s{number}/index.html"))
    groups = {page: page for page in digests}
    parts = plan_parts(groups, size=2)
    assert len(parts) > 1
    with SearchIndex(tmp_path, part_pages=2) as search:
        index_all(search, digests, site, groups)
        assert len(search.runs) == len(parts)
        files = _read(search.finish())
    listed = json.loads(files[PARTS_FILE])
    assert listed == [f"/pagefind/part-{n}/" for n in range(1, len(parts))]
    for part in listed:  # each extra part has its index, and no second copy of the engine
        folder = part.lstrip("/")
        assert folder + "pagefind-entry.json" in files and any(name.startswith(folder + "index/") for name in files)
        assert not any(name.startswith(folder) and ("wasm" in name or name.endswith(".js")) for name in files)
    del site["stats/s0/index.html"]
    digests.update(_indexed(site, "Traffickers", "stats/s0/index.html"))
    with SearchIndex(tmp_path, part_pages=2) as search:
        index_all(search, digests, site, groups)
        assert len(search.runs) == 1
        again = _read(search.finish())
    part_with_s0 = next(n for n, part in enumerate(parts) if "stats/s0/index.html" in part)
    prefix = search_part(part_with_s0).lstrip("/")
    differs = {name for name in files.keys() | again.keys() if files.get(name) != again.get(name)}
    assert differs and all(name.startswith(prefix) for name in differs)


def test_search_finds_pages_in_every_part(tmp_path: Path, monkeypatch) -> None:
    """A site indexed in parts is searched as one: a figure in any part is found."""
    monkeypatch.setattr(search_module, "PART_PAGES", 10)
    out = tmp_path / "site"
    assert build_site(ROOT / "content", out, draft=True, cache_dir=tmp_path / "cache").ok
    listed = json.loads((out / PARTS_FILE).read_text())
    assert len(listed) >= 3
    server = start_server(out, ROOT / "netlify.toml")
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.goto(f"http://127.0.0.1:{server.server_port}/search/", wait_until="networkidle")
            for words, expected in [("WeChat", "/stats/wechat-share-adult-social-media-recruitment/"),
                                    ("Snapchat", None), ("defendants", None)]:
                page.fill("#search-input", words)
                page.wait_for_function("query => document.getElementById('search-status').textContent.includes(query)", arg=words)
                hrefs = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.getAttribute('href'))")
                assert hrefs, words
                if expected:
                    assert expected in hrefs
            page.fill("#search-input", "the")  # a common word: results come from several parts
            page.wait_for_function("() => document.getElementById('search-status').textContent.includes('the')")
            hrefs = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.getAttribute('href'))")
            assert len(hrefs) == 12
            assert problems == []
            browser.close()
    finally:
        server.shutdown()


def test_the_index_does_not_depend_on_the_order_pages_were_written(tmp_path_factory) -> None:
    """Pagefind numbers pages in the order its walk finds them, which is the file system's: on
    tmpfs, the order the files were created. The pages reach it in sorted order however the
    writer threads created them."""
    import shutil
    import tempfile


    base = Path(tempfile.mkdtemp(dir="/dev/shm")) if Path("/dev/shm").is_dir() else tmp_path_factory.mktemp("order")
    try:
        words = ["Victims", "Defendants", "Sentences", "Prosecutions", "Convictions", "Recruitment", "Labor", "Sex"]
        bundles = []
        for name, order in (("forward", words), ("reverse", words[::-1])):
            with SiteWriter(base / name / "site") as site, SearchIndex() as search:
                digests = {}
                for word in order:
                    html = f'<!doctype html><html lang="en"><head><title>{word}</title></head><body><main data-pagefind-body><h1>{word}</h1><p>{word} cases.</p></main></body></html>'
                    site.add(f"stats/{word.lower()}/index.html", html.encode())
                    digests[f"stats/{word.lower()}/index.html"] = hashlib.sha256(html.encode()).digest()
                index_all(search, digests, site)
                bundles.append(_read(search.finish()))
                site.commit()
        assert bundles[0] == bundles[1]
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_failed_index_stops_the_build_and_a_stopped_build_stops_pagefind(tmp_path: Path, monkeypatch) -> None:
    import time

    import pytest

    from factsite.web.search import SearchIndexError

    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\necho 'Error: the site could not be read' >&2\nexit 3\n")
    failing.chmod(0o755)
    monkeypatch.setattr(search_module, "_pagefind_executable", lambda: failing)
    site = PagesInMemory()
    digests = _indexed(site, "Victims")
    with SearchIndex() as search:
        index_all(search, digests, site)
        with pytest.raises(SearchIndexError, match="could not be read"):
            search.finish()

    slow = tmp_path / "slow"
    slow.write_text("#!/bin/sh\nexec sleep 60\n")
    slow.chmod(0o755)
    monkeypatch.setattr(search_module, "_pagefind_executable", lambda: slow)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="a page failed"):
        with SearchIndex(tmp_path / "cache") as search:
            index_all(search, digests, site)
            raise RuntimeError("a page failed")  # the build stops while Pagefind runs
    assert time.monotonic() - started < 10
    assert not any((tmp_path / "cache").rglob("*.partial-*"))  # no unfinished bundle left in the cache


def test_excerpts_never_glue_a_figure_to_its_printed_note_number(served_shipped: str) -> None:
    """A printed sheet numbers each figure's sources ("1,499" then a superscript "1"); in a search
    excerpt, which is plain text, that read as "1,4991"."""
    import re

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(served_shipped + "/search/?q=victims", wait_until="networkidle")
        page.wait_for_selector("#search-results li")
        excerpts = page.eval_on_selector_all("#search-results li p", "ps => ps.map(p => p.textContent)")
        assert excerpts and any("1,499" in text for text in excerpts)
        assert [text for text in excerpts if re.search(r"\d,\d{4}|%\d", text)] == []
        browser.close()


def test_a_failed_index_ends_the_build_with_a_message_not_a_traceback(tmp_path: Path, monkeypatch) -> None:
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\necho 'Error: out of disk space' >&2\nexit 1\n")
    failing.chmod(0o755)
    monkeypatch.setattr(search_module, "_pagefind_executable", lambda: failing)
    out = tmp_path / "site"
    result = build_site(ROOT / "content", out, draft=True, cache_dir=tmp_path / "cache")
    error = result.summary
    assert not result.ok
    assert "the search index could not be built" in error and "out of disk space" in error
    assert f"{out} was left as it was" in error and not out.exists()


@pytest.fixture
def in_parts(tmp_path: Path, monkeypatch):
    """The shipped site (bilingual, five sheets) built with its search index in parts of 10 pages,
    with its own cache."""
    monkeypatch.setattr(search_module, "PART_PAGES", 10)
    content, site, cache = tmp_path / "content", tmp_path / "site", tmp_path / "cache"
    shutil.copytree(ROOT / "content", content)
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok, result.lines()
    assert len(json.loads((site / PARTS_FILE).read_text())) >= 3
    return content, site, cache


def _change_a_statistic(content: Path) -> None:
    """Its figure, in every language: its pages and its sheet's in English and Spanish change."""
    stat = content / "stats" / "active-cases-2020.yaml"
    stat.write_text(stat.read_text().replace("579", "580"))  # the figure and the quotes that support it


def _search_files(site: Path) -> dict[str, int]:
    """Each file of the search index under `site`, with its inode."""
    return {path.relative_to(site).as_posix(): path.stat().st_ino for path in sorted((site / "pagefind").rglob("*")) if path.is_file()}


def test_the_parts_a_change_leaves_alone_are_carried_over_unread(in_parts, tmp_path: Path, monkeypatch) -> None:
    """After one change, one part of the search index is made again, and the parts whose pages did not
    change are kept as the last build published them (SiteWriter.keep_all: no walk of their cached
    bundle, no add, no stat); the site is what a build from scratch makes."""
    content, site, cache = in_parts
    before = _search_files(site)
    old, _ = record.load_record(record.record_path(cache, site, content))
    added: list[str] = []
    kept: list[str] = []
    add, keep_all = SiteWriter.add, SiteWriter.keep_all

    def keep_spy(self: SiteWriter, relatives: Iterable[str]) -> None:
        relatives = list(relatives)
        kept.extend(relatives)
        keep_all(self, relatives)

    monkeypatch.setattr(SiteWriter, "add", lambda self, relative, data: (added.append(relative), add(self, relative, data))[1])
    monkeypatch.setattr(SiteWriter, "keep_all", keep_spy)
    _change_a_statistic(content)
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok, result.lines()
    monkeypatch.setattr(SiteWriter, "add", add)
    monkeypatch.setattr(SiteWriter, "keep_all", keep_all)
    # Of the search index, only the files of the parts whose pages changed (their bundle key) and the
    # list of parts were added...
    assert {"stats/active-cases-2020/index.html", "es/stats/active-cases-2020/index.html"} <= set(added)
    saved, _ = record.load_record(record.record_path(cache, site, content))
    assert old is not None and saved is not None and len(saved.search_parts) == len(old.search_parts)
    changed_parts = {part_of(name) for name in added if part_of(name) is not None}
    assert changed_parts == {n for n, (key, _) in enumerate(saved.search_parts) if key != old.search_parts[n][0]}
    assert 1 <= len(changed_parts) < len(saved.search_parts) / 2, sorted(changed_parts)
    assert PARTS_FILE in added
    # ... and every other part's files were kept, each once, as the very files of the last build.
    others = {name for name in before if part_of(name) not in changed_parts | {None}}
    assert others and set(kept) & set(before) == others and len(kept) == len(set(kept))
    after = _search_files(site)
    assert {name: after[name] for name in others} == {name: before[name] for name in others}
    assert build_site(content, tmp_path / "fresh", draft=True, cache_dir=tmp_path / "fresh-cache").ok
    assert snapshot(site) == snapshot(tmp_path / "fresh")
    assert len(saved.search_parts) == len(json.loads((site / PARTS_FILE).read_text())) + 1
    assert sum(count for _, count in saved.search_parts) == len(after) - 1  # every file but parts.json


@pytest.mark.parametrize("change", ["none", "a statistic"])
@pytest.mark.parametrize("damage", ["edited in place", "replaced", "removed", "added"])
def test_a_search_file_changed_by_hand_is_repaired(in_parts, tmp_path: Path, change: str, damage: str) -> None:
    """A search file of a part that the content change leaves alone, changed by hand in site/: edited in
    place (the cached bundle shares its inode, and is changed too), replaced, removed, or one added.
    The next build makes the site what a build from scratch makes."""
    content, site, cache = in_parts
    old, _ = record.load_record(record.record_path(cache, site, content))
    if change == "a statistic":
        _change_a_statistic(content)
    fresh, fresh_cache = tmp_path / "fresh", tmp_path / "fresh-cache"
    assert build_site(content, fresh, draft=True, cache_dir=fresh_cache).ok
    new, _ = record.load_record(record.record_path(fresh_cache, fresh, content))
    assert old is not None and new is not None
    # A part other than the first whose bundle key the change leaves as it was: carried over, were it intact.
    number = next(n for n in range(1, len(new.search_parts)) if old.search_parts[n][0] == new.search_parts[n][0])
    folder = site / search_part(number).strip("/")
    linked = next((folder / "index").iterdir())  # hard-linked from the cached bundle
    assert linked.stat().st_nlink > 1
    if damage == "edited in place":
        with open(linked, "r+b") as handle:  # the same inode: the cached bundle's file is this file
            handle.write(b"\0\0\0\0")
    elif damage == "replaced":
        target = folder / "pagefind-entry.json"
        data = target.read_bytes()
        target.unlink()
        target.write_bytes(data.replace(b"{", b"{ ", 1))
    elif damage == "removed":
        next((folder / "fragment").iterdir()).unlink()
    else:
        (folder / "index" / "stray.pf_index").write_bytes(b"not ours")
    result = build_site(content, site, draft=True, cache_dir=cache)
    assert result.ok and not result.summary.startswith("build: nothing changed"), result.summary
    assert snapshot(site) == snapshot(fresh)
    # And the build after is one that changed nothing: the record holds the repaired index.
    assert build_site(content, site, draft=True, cache_dir=cache).summary.startswith("build: nothing changed")


def test_a_sheet_and_its_statistics_are_indexed_together_in_every_language() -> None:
    """A statistic changed changes its pages in every language: they are in one part of the index, not one each."""
    content, problems = load_and_validate(ROOT / "content")
    assert content is not None, problems
    models = plan_site(content, "https://example.org")
    assert len(models) > 1
    groups: dict[str, set[str]] = {}
    for model in models:
        for page in model.pages():
            if page.searchable and page.search_group:
                groups.setdefault(page.output.removeprefix(model.language + "/"), set()).add(page.search_group)
    assert "stats/active-cases-2020/index.html" in groups and "sheets/prosecutions/index.html" in groups
    assert groups["stats/active-cases-2020/index.html"] == groups["sheets/prosecutions/index.html"]
    assert all(len(found) == 1 for found in groups.values()), {page: found for page, found in groups.items() if len(found) > 1}


def test_which_part_published_a_file() -> None:
    assert part_of("pagefind/pagefind.js") == 0 and part_of("pagefind/index/en_1.pf_index") == 0
    assert part_of("pagefind/part-12/fragment/en_3.pf_fragment") == 12
    assert part_of(PARTS_FILE) is None and part_of("stats/a/index.html") is None and part_of("pagefindx/a") is None


def _pagefind_bundle(pages: Path, out: Path) -> dict[str, bytes]:
    """Pagefind run over `pages` as a bilingual build runs it; its files (the entry in key order)."""
    subprocess.run(search_module.pagefind_command(str(search_module._pagefind_executable()), pages, out),
                   check=True, capture_output=True)
    return {str(path.relative_to(out)): search_module._canonical_entry(path) if path.name == "pagefind-entry.json"
            else path.read_bytes() for path in sorted(out.rglob("*")) if path.is_file()}


def test_pagefind_indexes_the_search_copies_as_it_indexes_the_whole_pages(shipped_site: Path, tmp_path: Path) -> None:
    """What reaches Pagefind is each page's search copy (its language, title and indexed element;
    search.search_copy): the bundle is the one the whole pages give, byte for byte, in both languages."""
    searchable = sorted(str(path.relative_to(shipped_site)) for path in shipped_site.rglob("*.html")
                        if b"data-pagefind-body" in path.read_bytes())
    assert any(name.startswith("es/") for name in searchable) and len(searchable) > 50
    pages = PagesInMemory()
    pages.add_all({relative: (shipped_site / relative).read_bytes() for relative in searchable})
    bundles = []
    for name, shape in (("whole", None), ("copies", search_module.search_copy)):
        pages.export(searchable, tmp_path / name, shape)
        bundles.append(_pagefind_bundle(tmp_path / name, tmp_path / f"{name}-bundle"))
    copy = search_module.search_copy((shipped_site / searchable[0]).read_bytes())
    assert b"<nav" not in copy and b"<footer" not in copy and len(copy) < (shipped_site / searchable[0]).stat().st_size / 2
    assert bundles[0].keys() == bundles[1].keys() and any(name.startswith("fragment/") for name in bundles[0])
    assert [name for name in bundles[0] if bundles[0][name] != bundles[1][name]] == []


def test_a_page_without_an_indexed_element_reaches_pagefind_whole() -> None:
    for page in (b"<!doctype html><html><head><title>x</title></head><body><main>x</main></body></html>",
                 b"<html><body><main data-pagefind-body>no end", b"<main data-pagefind-body></main><head></head>"):
        assert search_module.search_copy(page) == page

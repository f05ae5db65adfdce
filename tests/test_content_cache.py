"""The content cache (factsite/content/cache.py): a load from it equals a load without it, problems
and their lines included; a changed file is read again, and nothing else is; a corrupt cache or one
of another build key is ignored; a check that read another record is run again when that changed."""

from __future__ import annotations

import dataclasses
import marshal
from pathlib import Path

import pytest

from factsite import pipeline
from factsite import record as records
from factsite.content import cache as content_cache
from factsite.content import load
from factsite.content.load import Cached
from factsite.pipeline import Memory, build_site, load_and_validate

from .conftest import copy_good_tree
from .test_overlays import edit, spanish_tree
from .test_validate import BAD_CASES, read_case


def digests(content: Path) -> dict[str, bytes]:
    """What the dependency record gives the loader: each content file's SHA-256, by its path under content/."""
    found = records.scan_inputs({"content": content}, None)
    return {name.removeprefix("content/"): entry[3] for name, entry in found.items()}


def cached_load(content: Path, cache: content_cache.ContentCache):
    return load_and_validate(content, cached=Cached(cache, digests(content)))


def assert_same(expected, actual) -> None:
    """The same problems in the same order (lines too), and the same content, record by record."""
    (want, want_problems), (got, got_problems) = expected, actual
    assert [str(p) for p in got_problems] == [str(p) for p in want_problems]
    assert got_problems == want_problems
    assert (want is None) == (got is None)
    if want is None:
        return
    for item in dataclasses.fields(want):
        if item.name == "origin":  # a record from the cache has left its text behind, as a worker's does
            assert {k: (r.path, r.shown_path, r.data) for k, r in got.origin.items()} == \
                   {k: (r.path, r.shown_path, r.data) for k, r in want.origin.items()}
        else:
            assert getattr(got, item.name) == getattr(want, item.name), item.name


def with_case(content: Path, case: Path) -> None:
    target, _, data = read_case(case)
    (content / target).parent.mkdir(parents=True, exist_ok=True)
    (content / target).write_bytes(data)


@pytest.mark.parametrize("reusing", [False, True], ids=["command line", "dev server"])
@pytest.mark.parametrize("case", BAD_CASES)
def test_a_cached_load_gives_what_a_load_gives(case: Path, reusing: bool, tmp_path: Path) -> None:
    """Every bad case, loaded with a cache of the good site (the usual edit), then again from its own
    cache, gives exactly the problems of a plain load; also when the records and models themselves
    are kept between the loads, as the dev server keeps them."""
    content = spanish_tree(tmp_path)
    cache = content_cache.ContentCache("key")
    cache.reuse = content_cache.Reuse() if reusing else None

    def load_again():
        loaded = cached_load(content, cache)
        if cache.reuse is not None:
            cache.reuse.next_build(whole=loaded[0] is not None)
        return loaded

    assert_same(load_and_validate(content), load_again())  # cold: fills the cache
    with_case(content, case)
    plain = load_and_validate(content)
    assert_same(plain, load_again())  # one file changed
    assert_same(plain, load_again())  # nothing changed: all from the cache


def test_an_object_is_reused_only_when_made_of_the_same_objects() -> None:
    reuse = content_cache.Reuse()
    english, overlay, edited = ["English"], ["overlay"], ["overlay"]
    made = reuse.get("stat:x", (english, overlay), lambda: ("made", 1))
    reuse.next_build(whole=True)
    assert reuse.get("stat:x", (english, overlay), lambda: ("made", 2)) is made
    assert reuse.get("stat:x", (english, edited), lambda: ("made", 3)) == ("made", 3)  # equal is not enough
    assert reuse.get("stat:y", (), lambda: None) is None
    reuse.next_build(whole=True)
    reuse.next_build(whole=False)  # a build that stopped early, before asking: what it did not ask for is kept
    assert reuse.get("stat:x", (english, edited), lambda: ("made", 4)) == ("made", 3)
    reuse.next_build(whole=True)
    reuse.next_build(whole=True)  # a whole build that did not ask for it: forgotten
    assert reuse.get("stat:x", (english, edited), lambda: ("made", 5)) == ("made", 5)


def test_the_last_builds_object_is_looked_up_without_making_one() -> None:
    """Reuse.last: what the last build kept, if made of these very objects; kept again only if kept."""
    reuse = content_cache.Reuse()
    stats, edited = {"x": "stat"}, {"x": "stat"}
    reuse.keep("maps", (stats,), "the last maps")
    assert reuse.last("maps", (stats,)) is None  # this build's, not yet the last one's
    reuse.next_build(whole=True)
    assert reuse.last("maps", (stats,)) == "the last maps"
    assert reuse.last("maps", (edited,)) is None and reuse.last("other", (stats,)) is None
    reuse.next_build(whole=True)  # looked up, not kept: forgotten
    assert reuse.last("maps", (stats,)) is None


def test_only_the_changed_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = spanish_tree(tmp_path)
    cache = content_cache.ContentCache("key")
    cached_load(content, cache)
    edit(content / "stats/women-share.yaml", "Women", "Adult women")
    read: list[str] = []
    real = load.read_bytes
    monkeypatch.setattr(load, "read_bytes", lambda path: read.append(Path(path).relative_to(content).as_posix())
                        or real(path))
    found, problems = cached_load(content, cache)
    # The pages are read as text; the Spanish overlay, now stale, only for the line of its warning.
    assert read == ["pages/methodology.md", "es/pages/methodology.md", "stats/women-share.yaml",
                    "es/stats/women-share.yaml"]
    assert [str(p) for p in problems] == ["content/es/stats/women-share.yaml:8: warning: translates: stale translation: "
                                          "the English short_title changed since this was translated; update it and "
                                          "set translates: " + str(problems[0]).rsplit(" ", 1)[1]]
    assert found is not None and found.stats["women-share"].short_title.startswith("Adult women")
    monkeypatch.undo()
    assert_same(load_and_validate(content), (found, problems))


def test_an_entry_is_found_only_by_the_digest_of_the_file_now(tmp_path: Path) -> None:
    """A cache entry stands for the bytes it was parsed from: the same name with other bytes is parsed."""
    content = copy_good_tree(tmp_path)
    cache = content_cache.ContentCache("key")
    cached_load(content, cache)
    edit(content / "stats/women-share.yaml", "value: 44", "value: 45")
    edit(content / "stats/women-share.yaml", "44% were women", "45% were women")
    found, _ = cached_load(content, cache)
    assert found is not None and found.stats["women-share"].figure.value == 45
    assert digests(content)["stats/women-share.yaml"] in cache.digests()
    assert_same(load_and_validate(content), cached_load(content, cache))


def test_a_check_is_run_again_when_what_it_read_of_another_record_changed(tmp_path: Path) -> None:
    """The Spanish cases-2020 types "12 %" beside {figure:cases-rise}: no problem while the rise is 11,
    one once it is 12, though neither file of that overlay's check changed."""
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/cases-2020.yaml", "un aumento del {figure:cases-rise}", "un aumento del {figure:cases-rise} (12 %)")
    cache = content_cache.ContentCache("key")
    assert_same(load_and_validate(content), cached_load(content, cache))
    edit(content / "stats/cases-rise.yaml", "value: 11", "value: 12")
    edit(content / "stats/cases-rise.yaml", "rose 11 percent", "rose 12 percent")
    edit(content / "stats/cases-2019.yaml", "value: 1350", "value: 1338")
    plain = load_and_validate(content)
    assert any("types the figure of 'cases-rise'" in str(p) for p in plain[1]), plain[1]
    assert_same(plain, cached_load(content, cache))


def test_the_cache_file_round_trips_and_is_pruned(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    cache = content_cache.ContentCache("key")
    cached_load(content, cache)
    path = tmp_path / "cache" / "content.marshal"
    content_cache.save_cache(path, cache)
    again = content_cache.load_cache(path, "key")
    assert again.digests() == cache.digests() and again.checked == cache.checked
    assert all(again.parsed_file(digest) == cache.parsed_file(digest) for digest in cache.digests())
    assert_same(load_and_validate(content), cached_load(content, again))
    (content / "sources/paper.yaml").unlink()
    now = digests(content)
    again.prune(set(now.values()))
    assert again.digests() <= set(now.values())
    assert all(part in set(now.values()) for key in again.checked for part in key if isinstance(part, bytes))


@pytest.mark.parametrize("garbage", [b"", b"\x00not marshal", None, "wrong shape"])
def test_a_corrupt_cache_is_a_full_load(garbage, tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    cache = content_cache.ContentCache("key")
    cached_load(content, cache)
    path = tmp_path / "content.marshal"
    content_cache.save_cache(path, cache)
    if garbage is None:  # cut short
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif isinstance(garbage, str):
        path.write_bytes(marshal.dumps((content_cache.CACHE_FORMAT, "key", {b"x" * 32: (0, 10**6)}, {}, b"")))
    else:
        path.write_bytes(garbage)
    loaded = content_cache.load_cache(path, "key")
    assert loaded.digests() == set() and loaded.checked == {}
    assert_same(load_and_validate(content), cached_load(content, loaded))


def poisoned(content: Path, key: str) -> content_cache.ContentCache:
    """A cache that says women-share.yaml, as it is now, holds another figure: used, it shows."""
    cache = content_cache.ContentCache(key)
    cached_load(content, cache)
    digest = digests(content)["stats/women-share.yaml"]
    data = cache.parsed_file(digest)[0]
    poisoned = content_cache.ContentCache(key)
    for other in cache.digests():
        poisoned.store_parsed(other, marshal.dumps(cache.parsed_file(other)))
    poisoned.store_parsed(digest, marshal.dumps(({**data, "short_title": "POISONED"}, None, "", "")))
    return poisoned


def test_a_cache_of_another_build_key_is_ignored(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    path = tmp_path / "content.marshal"
    content_cache.save_cache(path, poisoned(content, "old code"))
    used, _ = cached_load(content, content_cache.load_cache(path, "old code"))
    assert used is not None and used.stats["women-share"].short_title == "POISONED"  # the cache is really read
    ignored = content_cache.load_cache(path, "new code")
    assert ignored.digests() == set()
    assert_same(load_and_validate(content), cached_load(content, ignored))


def test_a_build_uses_its_own_key_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the pipeline: a build writes its cache under its key, and a cache of another key (here
    a poisoned one) changes nothing it builds."""
    content, out, cache_dir = copy_good_tree(tmp_path), tmp_path / "site", tmp_path / "cache"
    path = content_cache.cache_path(cache_dir, content)
    content_cache.save_cache(path, poisoned(content, "another key"))
    assert build_site(content, out, draft=True, cache_dir=cache_dir).ok
    assert "POISONED" not in "".join(page.read_text(encoding="utf-8") for page in out.rglob("*.html"))
    stored = content_cache.load_cache(path, marshal.loads(path.read_bytes())[1])
    assert stored.key != "another key" and stored.digests()  # replaced by the build's own


def test_the_dev_server_keeps_the_cache_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content, out, cache_dir = copy_good_tree(tmp_path), tmp_path / "site", tmp_path / "cache"
    memory = Memory()
    assert build_site(content, out, draft=True, cache_dir=cache_dir, memory=memory).ok
    assert memory.content is not None and memory.content.digests()
    edit(content / "stats/women-share.yaml", "Women", "Adult women")
    monkeypatch.setattr(pipeline.content_cache, "load_cache", lambda *a: pytest.fail("the cache was read from disk"))
    result = build_site(content, out, draft=True, cache_dir=cache_dir, memory=memory)
    assert result.ok, result.summary
    assert "Adult women" in "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))


def test_the_dev_server_makes_again_only_the_models_of_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the dev server's builds the models (English and translated) of unchanged files are the
    very objects of the last build: a change costs the models of its file, not those of every file."""
    content, out, cache_dir = spanish_tree(tmp_path), tmp_path / "site", tmp_path / "cache"
    planned: list[list] = []
    real_plan = pipeline.plan_site

    def plan_site(*args):
        models = real_plan(*args)
        planned.append([model.content for model in models])
        return models

    monkeypatch.setattr(pipeline, "plan_site", plan_site)
    memory = Memory()
    assert build_site(content, out, draft=True, cache_dir=cache_dir, memory=memory).ok
    edit(content / "stats/women-share.yaml", "Women", "Adult women")
    assert build_site(content, out, draft=True, cache_dir=cache_dir, memory=memory).ok
    (english_before, spanish_before), (english_after, spanish_after) = planned
    for before, after in ((english_before, english_after), (spanish_before, spanish_after)):
        assert after.stats["women-share"] is not before.stats["women-share"]
        assert [slug for slug in after.stats if after.stats[slug] is not before.stats[slug]] == ["women-share"]
        assert all(after.sources[i] is before.sources[i] for i in after.sources)
    assert "Adult women" in english_after.stats["women-share"].short_title


def test_the_dev_server_writes_its_content_cache_when_idle(tmp_path: Path) -> None:
    """Not in the rebuild an author waits for: when the server has nothing else to do (save_content)."""
    content, out, cache_dir = copy_good_tree(tmp_path), tmp_path / "site", tmp_path / "cache"
    path = content_cache.cache_path(cache_dir, content)
    memory = Memory()
    assert build_site(content, out, draft=True, cache_dir=cache_dir, memory=memory).ok
    assert not path.exists()
    memory.save_content()
    first = content_cache.load_cache(path, memory.content.key).digests()
    old = digests(content)["stats/women-share.yaml"]
    edit(content / "stats/women-share.yaml", "Women", "Adult women")
    new = digests(content)["stats/women-share.yaml"]
    assert build_site(content, out, draft=True, cache_dir=cache_dir, memory=memory).ok
    assert content_cache.load_cache(path, memory.content.key).digests() == first
    memory.save_content()
    written = content_cache.load_cache(path, memory.content.key).digests()
    assert written == first - {old} | {new}  # the new file's in, the old one's pruned


def test_a_damaged_entry_is_read_from_the_file(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    cache = content_cache.ContentCache("key")
    for digest in digests(content).values():
        cache.store_parsed(digest, b"\xff damaged")
    assert_same(load_and_validate(content), cached_load(content, cache))


def test_the_dev_server_keeps_a_translations_records_without_their_data(tmp_path: Path) -> None:
    """Between builds a translation's records are kept packed (load.PackedRecord): what they give is
    what a plain load reads, their data unpacked from the cache only when read, or read from the file
    again if the cache has dropped it, and never the data of another version of the file."""
    content = spanish_tree(tmp_path)
    cache = content_cache.ContentCache("key")
    cache.reuse = content_cache.Reuse()
    for _ in range(2):  # the first load reads the files; the second takes what the first kept
        raw = load.load_content(content, Cached(cache, digests(content)))
        cache.reuse.next_build(whole=True)
    plain = load.load_content(content).translations["es"]
    packed = raw.translations["es"].stats
    assert packed and all(isinstance(record, load.PackedRecord) for record in packed)
    assert all("data" not in vars(record) and "path" not in vars(record) for record in packed)
    assert [(r.path, r.stem, r.shown_path, r.digest, r.data) for r in packed] == \
           [(r.path, r.path.stem, r.shown_path, r.digest, r.data) for r in plain.stats]
    record = packed[0]
    dropped = content_cache.ContentCache("key")  # the cache holds no file: the data is read again
    record._cache = dropped
    assert record.data == plain.stats[0].data
    record.path.write_text(record.path.read_text() + "\n# edited\n")
    with pytest.raises(load._LoadError, match="changed since it was read"):
        record.data

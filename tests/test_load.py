"""Reading content: a large folder is parsed in worker processes, with the same result as one process."""

from __future__ import annotations

from pathlib import Path

from factsite import load


def _folder(root: Path) -> None:
    stats = root / "stats"
    stats.mkdir(parents=True)
    for number in range(12):
        (stats / f"s{number:02}.yaml").write_text(f"slug: s{number:02}\nshort_title: Figure {number}\nfigure: {{value: {number}}}\n")
    (stats / "s03.yaml").write_text("slug: s03\nshort_title: [unclosed\n")  # not valid YAML: a located problem
    (stats / "s07.yaml").write_text("slug: s07\nslug: again\n")  # a field given twice
    (stats / "notes.txt").write_text("not content\n")
    (stats / "drafts").mkdir()


def test_worker_processes_read_content_as_one_process_does(tmp_path: Path, monkeypatch) -> None:
    _folder(tmp_path)
    monkeypatch.setattr(load, "PARALLEL_FROM", 10**9)
    alone = load.load_content(tmp_path)
    monkeypatch.setattr(load, "PARALLEL_FROM", 1)
    monkeypatch.setattr(load, "usable_cores", lambda: 2)
    forked = load.load_content(tmp_path)
    assert [r.text is None for r in forked.stats] == [True] * 10  # parsed in a worker: the text stays behind
    assert [(r.shown_path, r.data) for r in forked.stats] == [(r.shown_path, r.data) for r in alone.stats]
    assert forked.problems == alone.problems and len(alone.problems) == 5  # and site.yaml is missing
    assert [p.line for p in forked.problems if "s03" in p.path or "s07" in p.path] == [3, 2]
    assert forked.unreadable == alone.unreadable
    # A message about a record read in a worker still names the line of its field.
    assert [r.line_of(("short_title",)) for r in forked.stats] == [r.line_of(("short_title",)) for r in alone.stats] == [2] * 10

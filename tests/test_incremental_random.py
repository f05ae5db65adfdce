"""Random edits, then an incremental build and one from scratch: the two sites are the same, byte for byte.

The bilingual fixture site (tests/fixtures/good and good-es) is built from copies of the templates,
static files and catalogues, so that any of them may be edited: a statistic's figure (and the quote
that supports it), a sentence or title, a source's field, a sheet's title, a Spanish overlay, a
template, the style sheet, a Spanish msgstr, the methodology. Each example edits its own tree over a
few rounds; each round builds the edited site incrementally and from scratch and compares them. A
dependency that deps.py leaves out shows here as a stale page. The search index is made in parts of
3 pages, so that an edit leaves some parts to be carried over and re-indexes others. Each example runs
as the command line builds and as the dev server does, keeping its memory (and the records, models
and translations it reuses) from round to round, with a failed build between some rounds.

FACTSITE_RANDOM_EXAMPLES sets the number of examples (CI: 15; nightly: many more).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from factsite.pipeline import REPO_ROOT, BuildResult, Inputs, Memory, build_site
from factsite.web import search

from .conftest import FIXTURES, copy_good_tree
from .tools import snapshot

EXAMPLES = int(os.environ.get("FACTSITE_RANDOM_EXAMPLES", "15"))


def _replace(path: Path, pattern: str, replacement: Callable[[re.Match[str]], str]) -> None:
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert count == 1, f"{pattern!r} not found in {path}"
    path.write_text(changed, encoding="utf-8")


def _girls_value(root: Path, n: int) -> None:
    """The figure and its quote together (the quote must hold the figure): 50% <-> 49%."""
    path = root / "content" / "stats" / "girls-share.yaml"
    old = int(re.search(r"value: (\d+),", path.read_text()).group(1))
    new = 49 if old == 50 else 50
    path.write_text(path.read_text().replace(f"value: {old},", f"value: {new},").replace(f"{old}% were girls", f"{new}% were girls"))


STATS = ["cases-2019", "cases-2020", "cases-rise", "girls-share", "women-share"]


def _stat_field(field: str) -> Callable[[Path, int, int], None]:
    def edit(root: Path, n: int, which: int) -> None:
        path = root / "content" / "stats" / f"{STATS[which % len(STATS)]}.yaml"
        if field == "sentence":
            _replace(path, r'^sentence: "', lambda m: f'sentence: "Edit {n}: ')
        else:
            _replace(path, rf"^{field}: (.*)$", lambda m: f"{field}: {m.group(1).strip(chr(34))} {n}")
    return edit


def _spanish_stat(root: Path, n: int, which: int) -> None:
    path = root / "content" / "es" / "stats" / f"{STATS[which % len(STATS)]}.yaml"
    _replace(path, r'^short_title: "(.*)"$', lambda m: f'short_title: "{m.group(1)} {n}"')


def _source(root: Path, n: int, which: int) -> None:
    name, field = [("paper", "title"), ("paper", "publisher"), ("report", "title"), ("report", "short_name")][which % 4]
    _replace(root / "content" / "sources" / f"{name}.yaml", rf"^{field}: (.*)$", lambda m: f"{field}: {m.group(1).strip(chr(34))} {n}")


def _sheet(root: Path, n: int, which: int) -> None:
    field = ["title", "summary"][which % 2]
    _replace(root / "content" / "sheets" / "main-sheet.yaml", rf"^{field}: (.*)$", lambda m: f"{field}: {m.group(1)} {n}")


TEMPLATES = ["stat.html", "sheet.html", "stat_sources.html", "embed.html", "home.html", "base.html"]


def _template(root: Path, n: int, which: int) -> None:
    path = root / "templates" / TEMPLATES[which % len(TEMPLATES)]
    path.write_text(path.read_text(encoding="utf-8") + f"<!-- edit {n} -->\n", encoding="utf-8")


def _css(root: Path, n: int, which: int) -> None:
    path = root / "static" / "css" / "site.css"
    path.write_text(path.read_text(encoding="utf-8") + f"\n/* edit {n} */\n", encoding="utf-8")


def _msgstr(root: Path, n: int, which: int) -> None:
    path = root / "locale" / "es" / "LC_MESSAGES" / "messages.po"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    candidates = [i for i, line in enumerate(lines) if re.match(r'^msgstr "[^"%{]+"$', line.rstrip("\n"))]
    i = candidates[which % len(candidates)]
    lines[i] = lines[i].rstrip("\n")[:-1] + f' {n}"\n'
    path.write_text("".join(lines), encoding="utf-8")


def _methodology(root: Path, n: int, which: int) -> None:
    path = root / "content" / "pages" / "methodology.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\nEdited {n}.\n", encoding="utf-8")


EDITS: dict[str, Callable[[Path, int, int], None]] = {
    "figure": lambda root, n, which: _girls_value(root, n),
    "sentence": _stat_field("sentence"),
    "short title": _stat_field("short_title"),
    "scope": _stat_field("scope"),
    "Spanish overlay": _spanish_stat,
    "source": _source,
    "sheet": _sheet,
    "template": _template,
    "style sheet": _css,
    "msgstr": _msgstr,
    "methodology": _methodology,
}

edit_rounds = st.lists(st.lists(st.tuples(st.sampled_from(sorted(EDITS)), st.integers(0, 11)), min_size=1, max_size=3),
                       min_size=1, max_size=3)


def bilingual_tree(root: Path) -> tuple[Path, Inputs]:
    content = copy_good_tree(root)
    shutil.copytree(FIXTURES / "good-es" / "es", content / "es")
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "languages: [en, es]\n")
    for folder in ("templates", "static", "locale"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return content, Inputs(templates=root / "templates", static=root / "static", locale=root / "locale")


def _break_then_mend(content: Path, build: Callable[[], BuildResult]) -> None:
    """A build of a statistic with an error (it fails, and leaves the site as it was), then the file as it was."""
    path = content / "stats" / "cases-2020.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"value: \d+", "value: not a number", text, count=1), encoding="utf-8")
    failed = build()
    assert not failed.ok and any("cases-2020.yaml" in line for line in failed.lines()), failed.lines()
    path.write_text(text, encoding="utf-8")


# No shrinking: each example is a dozen builds, and the failure already names its edits and stale files.
# The dev server's builds keep what they made between rounds (`Memory`: the record, the content cache,
# the records, models and translations reused): with it, a round may first build a content error.
@pytest.mark.parametrize("server", [False, True], ids=["command line", "dev server"])
@settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rounds=edit_rounds, failing=st.lists(st.booleans(), min_size=3, max_size=3))
def test_an_incremental_build_is_a_build_from_scratch(tmp_path_factory, monkeypatch, server, rounds, failing) -> None:
    monkeypatch.setattr(search, "PART_PAGES", 3)
    root = tmp_path_factory.mktemp("random")
    content, inputs = bilingual_tree(root)
    site, cache = root / "site", root / "cache"
    memory = Memory() if server else None

    def build() -> BuildResult:
        return build_site(content, site, draft=True, cache_dir=cache, inputs=inputs, memory=memory)

    first = build()
    assert first.ok, first.lines()
    n = 0
    for number, edits in enumerate(rounds):
        if server and failing[number]:
            _break_then_mend(content, build)
        for name, which in edits:
            n += 1
            EDITS[name](root, n, which)
        incremental = build()
        fresh_site = root / f"fresh-{number}"
        fresh = build_site(content, fresh_site, draft=True, cache_dir=root / f"fresh-cache-{number}", inputs=inputs)
        assert fresh.ok == incremental.ok, (incremental.lines(), fresh.lines())
        assert fresh.ok, fresh.lines()
        assert "full build" not in incremental.summary, incremental.summary
        ours, theirs = snapshot(site), snapshot(fresh_site)
        stale = sorted(name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name))
        assert not stale, f"after {edits}: these files differ from a build from scratch: {stale}"
        shutil.rmtree(fresh_site)

"""Random edits, then an incremental build and one from scratch: the two sites are the same, byte for byte.

The bilingual fixture site (tests/fixtures/good and good-es) is built from copies of the templates,
static files and catalogues, so that any of them may be edited: a statistic's figure (and the quote
that supports it), a sentence or title, the figures a sentence names, a statistic's related figures, a source's field, a sheet's title or the figures its chart draws, a Spanish overlay, a
template, the style sheet, a Spanish msgstr, the methodology. Each example edits its own tree over a
few rounds; each round builds the edited site incrementally and from scratch and compares them. A
dependency that deps.py leaves out shows here as a stale page. The search index is made in parts of
3 pages, so that an edit leaves some parts to be carried over and re-indexes others. Each example runs
as the command line builds and as the dev server does (a `DevServer`'s own builds), keeping its
memory (the record, and the records, models, translations and fingerprints it reuses) and its
watcher's view of what changed (inotify) from round to round, with a failed build between some rounds.

FACTSITE_RANDOM_EXAMPLES sets the number of examples (CI: 15; nightly: many more).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from factsite.devserver import DevServer
from factsite.pipeline import REPO_ROOT, BuildResult, Inputs, build_site
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


NAMED = {"en": ", as {figure:%s} were girls", "es": ", y el {figure:%s} eran niñas"}


def _names_a_figure(root: Path, n: int, which: int) -> None:
    """What a statistic's pages read changes: its sentence names another figure, or another one, or none
    (in English and Spanish alike: a translation keeps every placeholder)."""
    named = ["girls-share", "cases-rise", None][which % 3]
    for language, folder in (("en", root / "content"), ("es", root / "content" / "es")):
        clause = NAMED[language]
        _replace(folder / "stats" / "women-share.yaml", r'^sentence: "(.*?)(' + re.escape(clause).replace("%s", "[a-z0-9-]+")
                 + r')?\."$', lambda m: f'sentence: "{m.group(1)}{clause % named if named else ""}."')


def _related(root: Path, n: int, which: int) -> None:
    """A statistic's related figures change: another page's figure is printed on its page, or none."""
    related = [["cases-2019"], ["cases-rise", "cases-2020"], []][which % 3]
    path = root / "content" / "stats" / "girls-share.yaml"
    text = re.sub(r"^related: .*\n", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    path.write_text(text + (f"related: [{', '.join(related)}]\n" if related else ""), encoding="utf-8")


SHEET_POINTS = {"en": ("      - {stat: girls-share, label: Girls}\n", "      - {stat: women-share, label: Women}\n"),
                "es": ('      - stat: "girls-share"\n        # en: Girls\n        label: "Niñas"\n',
                       '      - stat: "women-share"\n        # en: Women\n        label: "Mujeres"\n')}


def _sheet_chart(root: Path, n: int, which: int) -> None:
    """Which figures a sheet's chart draws: the women's share is drawn, or not (in both languages: a
    translation has the English points)."""
    for language, folder in (("en", root / "content"), ("es", root / "content" / "es")):
        path = folder / "sheets" / "main-sheet.yaml"
        first, point = SHEET_POINTS[language]
        text = path.read_text(encoding="utf-8")
        assert first in text, path
        path.write_text(text.replace(point, "") if point in text else text.replace(first, first + point), encoding="utf-8")


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
    "named figure": _names_a_figure,
    "related": _related,
    "source": _source,
    "sheet": _sheet,
    "sheet chart": _sheet_chart,
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
    with _builder(content, site, cache, inputs, server) as build:
        _rounds(root, content, inputs, site, server, rounds, failing, build)


@contextmanager
def _builder(content: Path, site: Path, cache: Path, inputs: Inputs, server: bool) -> Iterator[Callable[[], BuildResult]]:
    """Builds as the command line makes them, or as the dev server does: its own builds, with what it
    keeps between them and what its watcher saw change (inotify, where there is one)."""
    if not server:
        yield lambda: build_site(content, site, draft=True, cache_dir=cache, inputs=inputs)
        return
    dev = DevServer(content, site, REPO_ROOT, port=0, draft=True, cache_dir=cache, inputs=inputs)

    def build() -> BuildResult:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            dev.build()
        assert dev.result is not None, "the dev server's build stopped with an error"
        return dev.result

    try:
        yield build
    finally:
        dev.close()


def _rounds(root: Path, content: Path, inputs: Inputs, site: Path, server: bool, rounds, failing,
            build: Callable[[], BuildResult]) -> None:
    first = build()
    assert first.ok, first.lines()
    n = 0
    for number, edits in enumerate(rounds):
        for name, which in edits:
            n += 1
            EDITS[name](root, n, which)
        if server and failing[number]:  # it sees the edits too: the build after it must still make them
            _break_then_mend(content, build)
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


def _off_the_sheet(root: Path) -> None:
    """cases-rise on no sheet, so that a sheet's chart can draw a figure the sheet does not list."""
    _replace(root / "content" / "stats" / "cases-rise.yaml", r"^sheets: .*$", lambda m: "sheets: []")
    _replace(root / "content" / "sheets" / "main-sheet.yaml", r"^statistics: .*$",
             lambda m: m.group(0).replace("cases-rise, ", ""))


def _draws_the_rise(root: Path, n: int, which: int) -> None:
    """The sheet's chart draws cases-rise (on no sheet: its page then shows the chart) in place of the
    women's share, or the other way round."""
    points = {"en": ("{stat: women-share, label: Women}", "{stat: cases-rise, label: Rise}"),
              "es": ('stat: "women-share"\n        # en: Women\n        label: "Mujeres"',
                     'stat: "cases-rise"\n        # en: Rise\n        label: "Aumento"')}
    for language, folder in (("en", root / "content"), ("es", root / "content" / "es")):
        path = folder / "sheets" / "main-sheet.yaml"
        women, rise = points[language]
        text = path.read_text(encoding="utf-8")
        assert (women in text) != (rise in text), path
        path.write_text(text.replace(women, rise) if women in text else text.replace(rise, women), encoding="utf-8")


# What a page reads changes with an edit, and a later edit is of what it reads now: the dev server's
# fingerprints of one build must not be kept for the next (deps.fingerprints works out again the
# records of every output that read a touched record, and all of them after a sheet's edit). Each
# case: a structural edit, an edit of a record the changed pages read only since, the first again.
@pytest.mark.parametrize("setup, first, then", [
    (None, ("named figure", 0), ("figure", 0)),  # women-share names girls-share, then girls-share's figure
    (None, ("related", 1), ("short title", 2)),  # girls-share relates cases-rise, then cases-rise's title
    (_off_the_sheet, ("draws the rise", 0), ("short title", 2)),  # a sheet's chart draws a figure it does not list
], ids=["named figure", "related", "sheet chart"])
def test_the_dev_server_follows_what_a_page_reads_from_build_to_build(tmp_path, monkeypatch, setup, first, then) -> None:
    monkeypatch.setattr(search, "PART_PAGES", 3)
    content, inputs = bilingual_tree(tmp_path)
    if setup is not None:
        setup(tmp_path)
    site = tmp_path / "site"
    edits = {**EDITS, "draws the rise": _draws_the_rise}
    with _builder(content, site, tmp_path / "cache", inputs, server=True) as build:
        assert build().ok
        for n, (name, which) in enumerate([first, then, first]):
            edits[name](tmp_path, n, which)
            built = build()
            assert built.ok and "full build" not in built.summary, built.lines()
            fresh_site = tmp_path / f"fresh-{n}"
            assert build_site(content, fresh_site, draft=True, cache_dir=tmp_path / f"fresh-cache-{n}", inputs=inputs).ok
            ours, theirs = snapshot(site), snapshot(fresh_site)
            stale = sorted(name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name))
            assert not stale, f"after {name} {which}: these files differ from a build from scratch: {stale}"

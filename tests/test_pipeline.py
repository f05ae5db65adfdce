"""The command line end to end: exit codes, atomic output, escaping of hostile text (determinism: test_determinism.py)."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import copy_good_tree, run_build, write_tree
from .site_pages import file_for, html_pages, parse
from .tools import snapshot


def test_build_reports_what_it_did(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    result = run_build("--content", str(content), "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert "build: wrote 22 pages" in result.stdout


def test_failed_build_leaves_previous_site_untouched(tmp_path: Path) -> None:
    content, out = copy_good_tree(tmp_path), tmp_path / "site"
    assert run_build("--content", str(content), "--out", str(out)).returncode == 0
    before = snapshot(out)
    (content / "stats" / "cases-rise.yaml").write_text("slug: cases-rise\nfigure: [\n")
    result = run_build("--content", str(content), "--out", str(out))
    assert result.returncode == 1
    assert "content/stats/cases-rise.yaml:3: this is not valid YAML" in result.stderr
    assert "was left as it was" in result.stderr
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", "content", "site"]  # no half-written folder left


def test_check_writes_nothing(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    result = run_build("check", "--content", str(content), "--out", str(tmp_path / "site"))
    assert result.returncode == 0
    assert "content is valid (5 statistics, 2 sources, 1 fact sheets" in result.stdout
    assert not (tmp_path / "site").exists()


def test_base_url_from_environment_wins(tmp_path: Path, monkeypatch) -> None:
    content = copy_good_tree(tmp_path)
    monkeypatch.setenv("URL", "https://deploy-preview.example.net")
    assert run_build("--content", str(content), "--out", str(tmp_path / "site")).returncode == 0
    canonical = parse(tmp_path / "site" / "index.html").select_one('link[rel="canonical"]')["href"]
    assert canonical == "https://deploy-preview.example.net/"


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_text_is_escaped_everywhere(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    write_tree(content, {
        "sources/paper.yaml": f"""id: paper
short_name: 'Paper {HOSTILE}'
title: 'Title {HOSTILE}'
publisher: 'Pub {HOSTILE}'
authors: ['{HOSTILE}']
date_published: "2021-06-01"
kind: news coverage
notes: 'Notes {HOSTILE}'
""",
        "stats/cases-rise.yaml": f"""slug: cases-rise
short_title: 'Rise {HOSTILE}'
sentence: 'Cases rose by {{figure}} in 2020 {HOSTILE}'
figure: {{value: 11, unit: percent}}
period: '2020 {HOSTILE}'
scope: 'Scope {HOSTILE}'
sheets: [main-sheet]
caveats: ['{HOSTILE}']
citations:
  - source: paper
    locator: 'p. {HOSTILE}'
    quote: 'Cases rose 11 percent {HOSTILE}'
""",
        "sheets/main-sheet.yaml": f"""slug: main-sheet
title: 'Sheet {HOSTILE}'
summary: 'Summary {HOSTILE}'
introduction: |
  Intro {HOSTILE} [bad](javascript:alert(1)) [data](data:text/html,x) <a href="JAVASCRIPT:alert(1)">x</a>
statistics: [cases-2020, cases-rise, cases-2019, girls-share, women-share]
""",
    })
    site = tmp_path / "site"
    result = run_build("--content", str(content), "--out", str(site))
    assert result.returncode == 0, result.stderr
    for page in html_pages(site):
        soup = parse(page)
        for script in soup.find_all("script"):
            if script.get("src"):
                assert script["src"].startswith("/assets/"), page
            else:  # data blocks only, and they still parse: hostile text cannot end them early
                assert script.get("type") in ("application/json", "application/ld+json"), page
                json.loads(script.string)
        for tag in soup.find_all(True):
            assert not any(attr.lower().startswith("on") for attr in tag.attrs), (page, tag)
            for attr in ("href", "src"):
                value = (tag.get(attr) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:")), (page, tag)
        assert all(img["src"].startswith("/charts/") for img in soup.find_all("img")), page
    # The text survives, shown as text.
    assert HOSTILE in parse(file_for(site, "/stats/cases-rise/")).select_one("h1").get_text()


# --- the build's result, and strictness ----------------------------------------------------------

def _change_a_figure_without_history(content: Path) -> None:
    """girls-share goes from 50% to 51% with no history entry: a warning once a site with 50% exists."""
    for name in ("girls-share", "women-share"):
        path = content / "stats" / f"{name}.yaml"
        path.write_text(path.read_text().replace("value: 50", "value: 51").replace('"50% were', '"51% were'))


UNRECORDED = "content/stats/girls-share.yaml:4: warning: figure: the figure changed from '50%' to '51%'"


def test_build_site_returns_what_it_found_and_did(tmp_path: Path) -> None:
    from factsite.pipeline import build_site

    content, out = copy_good_tree(tmp_path), tmp_path / "site"
    result = build_site(content, out, draft=True, cache_dir=tmp_path / "cache")
    assert result.ok and result.problems == [] and result.warnings == []
    assert result.summary.startswith("build: wrote 22 pages and ") and f"to {out} " in result.summary

    _change_a_figure_without_history(content)
    warned = build_site(content, out, draft=True, cache_dir=tmp_path / "cache")
    assert warned.ok and [str(p) for p in warned.warnings] == [str(p) for p in warned.problems]
    assert len(warned.warnings) == 1 and str(warned.warnings[0]).startswith(UNRECORDED)
    assert "1 warning(s))." in warned.summary

    (content / "stats" / "cases-rise.yaml").write_text("slug: cases-rise\nfigure: [\n")
    failed = build_site(content, out, draft=True, cache_dir=tmp_path / "cache")
    assert not failed.ok and failed.errors
    assert str(failed.errors[0]).startswith("content/stats/cases-rise.yaml:3: this is not valid YAML")
    assert failed.summary == f"build: {len(failed.errors)} error(s); {out} was left as it was."


def test_strict_fails_on_a_warning_and_passes_without(tmp_path: Path) -> None:
    content, out = copy_good_tree(tmp_path), tmp_path / "site"
    assert run_build("--strict", "--draft", "--content", str(content), "--out", str(out)).returncode == 0
    before = snapshot(out)
    _change_a_figure_without_history(content)
    for command in (["--strict"], ["check", "--strict"]):
        result = run_build(*command, "--draft", "--content", str(content), "--out", str(out))
        assert result.returncode == 1, (command, result.stdout)
        assert UNRECORDED in result.stderr
        assert "1 warning(s), and --strict fails on warnings" in result.stderr, result.stderr
        assert snapshot(out) == before, "a strict build that fails writes nothing"
    lenient = run_build("--draft", "--content", str(content), "--out", str(out))
    assert lenient.returncode == 0 and UNRECORDED in lenient.stderr
    assert snapshot(out) != before


def test_check_compares_against_the_published_site(tmp_path: Path) -> None:
    content, out = copy_good_tree(tmp_path), tmp_path / "site"
    assert run_build("--draft", "--content", str(content), "--out", str(out)).returncode == 0
    _change_a_figure_without_history(content)
    checked = run_build("check", "--content", str(content), "--out", str(out))
    assert checked.returncode == 0 and UNRECORDED in checked.stderr
    assert "1 warning(s))." in checked.stdout
    # A folder with no published statistics has nothing to compare against.
    fresh = run_build("check", "--content", str(content), "--out", str(tmp_path / "nothing-yet"))
    assert fresh.returncode == 0 and "girls-share" not in fresh.stderr and "0 warning(s))." in fresh.stdout
    assert not (tmp_path / "nothing-yet").exists()

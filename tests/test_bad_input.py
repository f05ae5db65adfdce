"""Hostile and broken content: every case fails the build cleanly and leaves the previous site as it was.

Every case of the corpus in fixtures/bad/ (plus a few made here: a zero-byte file, a 5 MB string, a
missing site file, bad bytes in the Markdown page) must fail with located messages and no traceback,
and leave the previous site byte-for-byte as it was, with no half-written folder beside it. The cases
run in process through `build_site` (test_validate.py checks the same messages from the validator
alone); a representative few (CLI_CASES) run through the real command line,
`python3 build.py --content X --out Y`, for its exit status 1 and its stderr.

Then text: hostile markup is put into every text field the fixture content has, one field at a time.
Each field either refuses it with a message naming its file, or takes it; everything taken is then
built at once, and must come out as text, never as markup, on every page, chart image and download.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from factsite.content.load import load_content
from factsite.content.validate import validate
from factsite.pipeline import build_site

from .conftest import GOOD, ROOT, copy_good_tree
from .site_pages import html_pages, parse
from .test_validate import BAD_CASES, read_case
from .tools import build_succeeded, report, snapshot

PWNED = Path("/tmp/factsite-pwned")  # what fixtures/bad/python-tag.yaml would create if its tag ran

# Through build.py: a YAML syntax error, missing fields, a reference to another file, a YAML tag that
# would run code, bytes that are not UTF-8 (the message on a real stderr), and a missing site file.
CLI_CASES = {"malformed-yaml", "missing-required-fields", "unknown-source", "python-tag", "non-utf8-bytes", "no-site-file"}


@dataclass
class Case:
    id: str
    files: dict[str, bytes | None]  # path under content/ -> bytes, or None to delete it
    expected: list[str]
    xfail: str | None = None


def corpus_cases() -> list[Case]:
    cases = []
    for param in BAD_CASES:
        path = param.values[0]
        target, expected, data = read_case(path)
        xfail = next((m.kwargs["reason"] for m in param.marks if m.name == "xfail"), None)
        cases.append(Case(path.stem, {target: data}, expected, xfail))
    return cases


def made_cases() -> list[Case]:
    rise = (GOOD / "stats" / "cases-rise.yaml").read_text(encoding="utf-8")
    huge = rise.replace('quote: "Cases rose 11 percent."', 'quote: "Cases rose 11 percent. ' + "x" * 5_000_000 + '"')
    size = len(huge.encode())
    return [
        Case("zero-byte-file", {"stats/cases-rise.yaml": b""},
             ["content/stats/cases-rise.yaml: the file is empty: it needs the fields of its kind (see README)"]),
        Case("five-megabyte-string", {"stats/cases-rise.yaml": huge.encode()},
             [f"content/stats/cases-rise.yaml: the file is {size:,} bytes; content files may be at most 2,000,000"]),
        Case("no-site-file", {"site.yaml": None}, ["content/site.yaml: the site file is missing"]),
        Case("markdown-not-utf8", {"pages/methodology.md": b"# Method\n\nCaf\xe9 figures.\n"},
             ["content/pages/methodology.md:3: the character at column 4 is not UTF-8 text: save the file as UTF-8"]),
        Case("folder-named-like-a-file", {"stats/extra.yaml/notes.txt": b"x"},
             ["content/stats/extra.yaml: this is a folder, not a content file: move it out of this folder"]),
    ]


CASES = corpus_cases() + made_cases()


def params(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
            for c in cases]


@dataclass
class Outcome:
    failed: bool  # exit status 1 from build.py; an unsuccessful result from build_site
    stderr: str
    unchanged: bool  # the previous site is byte-for-byte as it was
    left_beside: list[str]  # what the case's folder holds after the build


def prepare(case: Case, root: Path, previous_site: Path) -> tuple[Path, Path]:
    """The good content with the case applied, and a copy of the previous site, under root."""
    root.mkdir()
    content = copy_good_tree(root)
    for relative, data in case.files.items():
        path = content / relative
        if data is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    site = root / "site"
    shutil.copytree(previous_site, site)
    return content, site


def run_cli(case: Case, root: Path, previous_site: Path) -> Outcome:
    content, site = prepare(case, root, previous_site)
    before = snapshot(site)
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(content), "--out", str(site)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    return Outcome(result.returncode == 1, result.stderr, snapshot(site) == before, sorted(p.name for p in root.iterdir()))


def assert_failed_cleanly(case: Case, outcome: Outcome) -> None:
    stderr = outcome.stderr
    assert "Traceback" not in stderr, stderr[-3000:]
    assert outcome.failed, f"the build succeeded:\n{stderr}"
    lines = stderr.splitlines()
    for message in case.expected:
        assert message in lines, f"expected {message!r} among:\n{stderr}"
    assert any(re.match(r"^content/\S+?(:\d+)?: ", line) for line in lines), stderr  # located: path[:line]: message
    assert re.fullmatch(r"build: \d+ error\(s\); .+ was left as it was\.", lines[-1]), lines[-1]
    assert outcome.unchanged, "the previous site was changed"
    assert outcome.left_beside == [".site.lock", "content", "site"], outcome.left_beside  # the lock file stays
    assert not PWNED.exists(), "a YAML tag ran code"


@pytest.fixture(scope="module")
def cli_outcomes(fixture_site: Path, tmp_path_factory) -> dict[str, Outcome]:
    """The command-line cases, two at a time (the machine has two cores)."""
    PWNED.unlink(missing_ok=True)
    base = tmp_path_factory.mktemp("bad-input-cli")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case.id: pool.submit(run_cli, case, base / case.id, fixture_site) for case in CASES if case.id in CLI_CASES}
        outcomes = {name: future.result() for name, future in futures.items()}
    report("bad input", f"{len(CASES)} broken or hostile content cases, {len(outcomes)} of them through build.py: "
                        f"build fails, located messages, previous site byte-for-byte intact "
                        f"({sum(c.xfail is not None for c in CASES)} known failures, marked xfail)")
    return outcomes


@pytest.mark.parametrize("case", params([c for c in CASES if c.id in CLI_CASES]))
def test_bad_content_through_the_command_line_exits_1_and_keeps_the_previous_site(case: Case, cli_outcomes: dict) -> None:
    assert_failed_cleanly(case, cli_outcomes[case.id])


@pytest.mark.parametrize("case", params(CASES))
def test_bad_content_fails_the_build_and_keeps_the_previous_site(case: Case, fixture_site: Path, tmp_path: Path,
                                                                  capsys) -> None:
    PWNED.unlink(missing_ok=True)
    root = tmp_path / "case"
    content, site = prepare(case, root, fixture_site)
    before = snapshot(site)
    capsys.readouterr()
    result = build_site(content, site, cache_dir=tmp_path / "cache")
    result.report()  # what build.py prints: the messages an author reads
    outcome = Outcome(not build_succeeded(result), capsys.readouterr().err, snapshot(site) == before,
                      sorted(p.name for p in root.iterdir()))
    assert_failed_cleanly(case, outcome)


def test_the_command_line_cases_are_cases_of_the_corpus() -> None:
    """A renamed case file must not silently drop out of the command-line run."""
    assert CLI_CASES <= {case.id for case in CASES}, CLI_CASES - {case.id for case in CASES}


# --- Hostile markup in every text field ----------------------------------------------------------

HOSTILE = '<script>{m}</script><img src=x onerror={m}>&"\''  # short: chart titles also go on share cards, which must fit
MARKDOWN_FIELDS = {("sheets", "introduction")}  # Markdown: sanitised (script and img dropped, with the marker), not escaped


def content_files(content: Path) -> dict[str, object]:
    files = {"site.yaml": yaml.safe_load((content / "site.yaml").read_text(encoding="utf-8"))}
    for folder in ("sources", "stats", "sheets"):
        for path in sorted((content / folder).glob("*.yaml")):
            files[f"{folder}/{path.name}"] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return files


def string_fields(value, path=()):
    """(path, text) for every string in a YAML record, at any depth."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_fields(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from string_fields(item, path + (i,))


def put(record, path, text):
    for key in path[:-1]:
        record = record[key]
    record[path[-1]] = text


def write_content(root: Path, files: dict[str, object]) -> Path:
    content = copy_good_tree(root)
    for relative, record in files.items():
        (content / relative).write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return content


def test_hostile_markup_in_every_text_field_is_refused_or_shown_as_text(tmp_path: Path) -> None:
    original = content_files(GOOD)
    fields = [(relative, path, text) for relative, record in original.items() for path, text in string_fields(record)]
    accepted, refused = [], []
    for n, (relative, path, text) in enumerate(fields):
        marker = f"INJ{n:03d}X"
        files = copy.deepcopy(original)
        put(files[relative], path, f"{text} {HOSTILE.format(m=marker)}")
        root = tmp_path / "one"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir()
        result, problems = validate(load_content(write_content(root, files)))
        errors = [str(p) for p in problems if p.severity == "error"]
        if result is None:
            assert any(e.startswith(f"content/{relative}") for e in errors), (relative, path, errors)
            refused.append(".".join(map(str, path)))
        else:
            accepted.append((relative, path, marker))
    # Identifiers, references, addresses, dates and choices refuse markup; free text takes it.
    assert {"slug", "id", "url", "kind", "date_published"} <= {p.split(".")[0] for p in refused}
    assert len(accepted) > 40

    # Everything taken, at once. A draft build (no chart images, no share cards: a card has no room for
    # all of it); the chart fields alone are then built in full, so their images are checked too.
    site = build_with(tmp_path / "all", original, accepted, draft=True)
    shown = markers_shown(site, accepted)
    chart_fields = [(r, p, m) for r, p, m in accepted if "chart" in p or "charts" in p]
    assert len(chart_fields) >= 5
    site = build_with(tmp_path / "charts", original, chart_fields, draft=False)
    assert markers_shown(site, chart_fields) == {m for _, _, m in chart_fields}
    images = sorted((site / "charts").glob("*.svg"))
    assert images
    for image in images:
        svg = BeautifulSoup(image.read_bytes(), "xml")
        assert not svg.find_all("script"), image.name
        assert not [a for tag in svg.find_all(True) for a in tag.attrs if a.lower().startswith("on")], image.name
    missing = [".".join(map(str, p)) for r, p, m in accepted if m not in shown and (r.split("/")[0], p[-1]) not in MARKDOWN_FIELDS]
    assert missing == [], f"fields that took markup but are shown on no page: {missing}"
    report("bad input", f"hostile markup in {len(fields)} text fields: {len(refused)} refused with a located message, "
                        f"{len(accepted)} shown as text on the built pages (and chart images), never as markup")


def build_with(root: Path, original: dict, fields: list, draft: bool) -> Path:
    files = copy.deepcopy(original)
    for relative, path, marker in fields:
        text = dict(string_fields(files[relative]))[path]
        put(files[relative], path, f"{text} {HOSTILE.format(m=marker)}")
    root.mkdir()
    content = write_content(root, files)
    site = root / "site"
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(content), "--out", str(site),
                             *(["--draft"] if draft else [])], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "FACTSITE_CACHE": str(root / "cache")})
    assert result.returncode == 0, result.stderr
    return site


def markers_shown(site: Path, fields: list) -> set[str]:
    """Check every page holds no markup from content; return the markers shown, each exactly as written."""
    shown: set[str] = set()
    for page in html_pages(site):
        soup = parse(page)
        name = page.relative_to(site).as_posix()
        for script in soup.find_all("script"):
            assert script.get("src", "").startswith("/assets/") or script.get("type") in ("application/json", "application/ld+json"), name
            if script.get("type") in ("application/json", "application/ld+json"):
                assert "</" not in (script.string or ""), name  # escaped, so it can never close its element
        for tag in soup.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], (name, tag)
            assert not (tag.name == "img" and tag.get("src") == "x"), (name, tag)
        text = soup.get_text()
        attributes = " ".join(str(v) for tag in soup.find_all(True) for v in tag.attrs.values())
        for relative, path, marker in fields:
            if marker in text or marker in attributes:
                if (relative.split("/")[0], path[-1]) not in MARKDOWN_FIELDS:
                    hostile = HOSTILE.format(m=marker)
                    assert hostile in text or hostile in attributes, (name, marker, ".".join(map(str, path)))
                shown.add(marker)
    return shown

"""Each kind of bad content gives its exact, located message (cases under fixtures/bad/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from factsite.load import load_content
from factsite.validate import validate

from .conftest import FIXTURES, copy_good_tree

BAD_CASES = sorted(FIXTURES.glob("bad/*.yaml"))


def read_case(path: Path) -> tuple[str, list[str], str]:
    """A bad case names the file it replaces and the messages it must produce in its header comments."""
    text = path.read_text(encoding="utf-8")
    target = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("# target:"))
    expected = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("# expect:")]
    return target, expected, text


def problems_for(content: Path) -> list[str]:
    result, problems = validate(load_content(content))
    return [str(p) for p in problems if p.severity == "error"] if result is None else []


@pytest.mark.parametrize("case", BAD_CASES, ids=[p.stem for p in BAD_CASES])
def test_bad_case_gives_its_message(case: Path, tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    target, expected, text = read_case(case)
    (content / target).write_text(text, encoding="utf-8")
    errors = problems_for(content)
    assert errors, f"{case.name} was accepted"
    for message in expected:
        assert message in errors, f"expected {message!r} among:\n" + "\n".join(errors)


def test_good_fixture_is_valid(tmp_path: Path) -> None:
    content, problems = validate(load_content(copy_good_tree(tmp_path)))
    assert content is not None, problems
    assert problems == []


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    for name in ("unknown-source", "javascript-url", "unknown-statistic-in-sheet"):
        target, _, text = read_case(FIXTURES / "bad" / f"{name}.yaml")
        (content / target).write_text(text, encoding="utf-8")
    errors = problems_for(content)
    assert any("nowhere" in e for e in errors)
    assert any("javascript:" in e for e in errors)
    assert any("not-there" in e for e in errors)


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    (content / "stats" / "cases-rise.yaml").write_bytes(b"slug: cases-rise\nshort_title: Caf\xe9\n")
    assert problems_for(content) == [
        "content/stats/cases-rise.yaml:2: the character at column 17 is not UTF-8 text: save the file as UTF-8"
    ]


def test_uncited_source_is_a_warning_not_an_error(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    shutil.copy(content / "sources" / "paper.yaml", content / "sources" / "spare.yaml")
    text = (content / "sources" / "spare.yaml").read_text().replace("id: paper", "id: spare")
    (content / "sources" / "spare.yaml").write_text(text)
    result, problems = validate(load_content(content))
    assert result is not None
    assert [str(p) for p in problems] == ["content/sources/spare.yaml:1: warning: id: no statistic cites this source"]


def test_derived_value_is_recomputed(tmp_path: Path) -> None:
    content, _ = validate(load_content(copy_good_tree(tmp_path)))
    assert content is not None
    assert round(content.derived_values["cases-2019"], 2) == 1350.45

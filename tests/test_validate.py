"""Each kind of bad content gives its exact, located message (cases under fixtures/bad/)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from factsite.content.load import load_content
from factsite.content.validate import validate

from .conftest import FIXTURES, copy_good_tree


def read_case(path: Path) -> tuple[str, list[str], bytes]:
    """A bad case names the file it replaces and the messages it must produce in its header comments.

    The case is bytes (some cases are deliberately not UTF-8); the header comments are ASCII. A
    `# xfail: why` header marks a case that the code does not yet handle cleanly (strict: once it
    does, the mark must go).
    """
    data = path.read_bytes()
    lines = data.decode("utf-8", errors="replace").splitlines()
    target = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("# target:"))
    expected = [line.split(":", 1)[1].strip() for line in lines if line.startswith("# expect:")]
    return target, expected, data


def known_failure(path: Path) -> str | None:
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("# xfail:")), None)


def bad_cases() -> list:
    cases = []
    for path in sorted(FIXTURES.glob("bad/*.yaml")):
        reason = known_failure(path)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        cases.append(pytest.param(path, marks=marks, id=path.stem))
    return cases


BAD_CASES = bad_cases()


def problems_for(content: Path) -> list[str]:
    result, problems = validate(load_content(content))
    return [str(p) for p in problems if p.severity == "error"] if result is None else []


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_case_gives_its_message(case: Path, tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    target, expected, data = read_case(case)
    (content / target).parent.mkdir(parents=True, exist_ok=True)
    (content / target).write_bytes(data)
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
        target, _, data = read_case(FIXTURES / "bad" / f"{name}.yaml")
        (content / target).write_bytes(data)
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

"""Golden output: the fixture site renders, file by file, as the committed tree tests/golden/ holds it.

Any change to what the site emits (a template, a page model, a format) shows here as a diff. If it is
intended, regenerate the tree with `python3 -m tests.golden --update` and commit it with the change;
tests/golden.py says what the tree holds and leaves out (chart images, cards, PDFs, the search index;
plotly.js as its hash).
"""

from __future__ import annotations

import pytest

from . import golden


def test_the_fixture_site_renders_as_the_golden_tree(monkeypatch) -> None:
    monkeypatch.delenv("URL", raising=False)
    found = golden.differences(golden.stored(), golden.rendered())
    if found:
        pytest.fail(f"the rendered fixture site differs from tests/golden/:\n\n{found}\n"
                    "If the change is intended: python3 -m tests.golden --update, then review and commit tests/golden/",
                    pytrace=False)


def test_a_difference_is_shown_as_missing_extra_and_diffed_files() -> None:
    expected = {"site/a.html": b"<p>one</p>\n<p>two</p>\n", "site/gone.txt": b"x", "same.txt": b"s"}
    actual = {"site/a.html": b"<p>one</p>\n<p>2</p>\n", "site/new.txt": b"y", "same.txt": b"s"}
    found = golden.differences(expected, actual)
    assert "in the golden tree but no longer rendered:\n  site/gone.txt\n" in found
    assert "rendered but not in the golden tree:\n  site/new.txt\n" in found
    assert "-<p>two</p>\n+<p>2</p>\n" in found and "--- golden/site/a.html" in found
    assert "same.txt" not in found
    assert golden.differences(expected, dict(expected)) == ""


def test_a_large_file_is_kept_as_its_hash() -> None:
    form = golden.golden_form({"index.html": b"<p>", "assets/big.js": b"x" * (golden.LARGE + 1)})
    assert set(form) == {"site/index.html", golden.LARGE_FILES}
    assert form[golden.LARGE_FILES].decode().endswith("  site/assets/big.js\n")

"""Progress: a bar redrawn in place on a terminal, a handful of plain lines in a log."""

from __future__ import annotations

import io

from factsite.images.progress import Progress


def test_plain_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with Progress("chart images", 100, stream=stream, interactive=False) as progress:
        for _ in range(100):
            progress.advance()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "chart images: 100 to render"
    assert lines[-1].startswith("chart images: 100/100 done in ")
    assert 3 <= len(lines) <= 6, lines  # alive, without a line per image


def test_a_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    with Progress("cards", 4, stream=stream, interactive=True) as progress:
        for _ in range(4):
            progress.advance()
    text = stream.getvalue()
    assert "\r" in text and text.endswith("\n") and "\n" not in text[:-1]  # one line, redrawn
    assert "cards [" + "#" * 28 + "] 4/4" in text


def test_nothing_for_nothing_to_do() -> None:
    stream = io.StringIO()
    with Progress("PDFs", 0, stream=stream, interactive=False):
        pass
    assert stream.getvalue() == ""


def test_an_interrupted_run_says_so() -> None:
    stream = io.StringIO()
    try:
        with Progress("chart images", 10, stream=stream, interactive=False) as progress:
            progress.advance(3)
            raise RuntimeError("browser crashed")
    except RuntimeError:
        pass
    assert stream.getvalue().splitlines()[-1].startswith("chart images: 3/10 stopped in ")

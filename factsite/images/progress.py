"""Progress of long work (chart images, cards, PDFs): a bar on a terminal, a few plain lines in CI.

    with Progress("chart images", total=len(missing)) as progress:
        for batch in batches:
            draw(batch)
            progress.advance(len(batch))

On a terminal the bar redraws in place on stderr; when stderr is not a terminal (CI logs, a pipe,
tests) it prints one line at the start, one about every quarter, and one at the end, so a log shows
that the build is alive without thousands of lines. Nothing is printed for an empty total.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

BAR_WIDTH = 28
REDRAW_EVERY = 0.1  # seconds: a terminal redraw is cheap, but not free
PLAIN_STEPS = 4  # lines between the first and the last when not on a terminal


def _interactive(stream: TextIO) -> bool:
    if os.environ.get("FACTSITE_PROGRESS") in ("bar", "plain"):  # for tests, and for people who prefer one
        return os.environ["FACTSITE_PROGRESS"] == "bar"
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


class Progress:
    """Counts `done` out of `total` units of work named `label` (e.g. "chart images")."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, interactive: bool | None = None,
                 verb: str = "to render"):
        self.label, self.total, self.done, self.verb = label, total, 0, verb
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = _interactive(self.stream) if interactive is None else interactive
        self.started = time.perf_counter()
        self._last_draw = 0.0
        self._next_step = 1

    def __enter__(self) -> "Progress":
        if self.total > 0:
            if self.interactive:
                self._draw()
            else:
                self._line(f"{self.label}: {self.total} {self.verb}")
        return self

    def advance(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count)
        if self.total <= 0:
            return
        if self.interactive:
            now = time.perf_counter()
            if now - self._last_draw >= REDRAW_EVERY or self.done == self.total:
                self._draw()
        elif self.done < self.total and self.done * PLAIN_STEPS >= self._next_step * self.total:
            self._next_step = self.done * PLAIN_STEPS // self.total + 1
            self._line(f"{self.label}: {self.done}/{self.total} ({self.elapsed:.1f} s)")

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __exit__(self, kind, error, traceback) -> None:
        if self.total <= 0:
            return
        ending = "stopped" if kind is not None else "done"
        if self.interactive:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
        else:
            self._line(f"{self.label}: {self.done}/{self.total} {ending} in {self.elapsed:.1f} s")

    def _draw(self) -> None:
        self._last_draw = time.perf_counter()
        filled = BAR_WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {self.elapsed:5.1f} s")
        self.stream.flush()

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


class Stopwatch:
    """Wall time spent in each step of a build, for `build.py --timings` and the benchmark's report."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = self.steps.get(name, 0.0) + time.perf_counter() - started

    def summary(self) -> str:
        return "time by step: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.steps.items())

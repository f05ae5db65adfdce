"""Lighthouse (npm, pinned) with its default mobile settings, on Debian's Chromium, against the built site
served on 127.0.0.1 with netlify.toml's headers: performance at least 95; accessibility, best practices
and SEO 100. The scores are printed at the end of the run (conftest.py's terminal summary).

Performance is measured with simulated throttling, so it moves a little with the machine's load: a page
below target is run twice more and judged on the median of the three runs, as Lighthouse advises.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from pathlib import Path

import pytest

from factsite.images.browser import chromium_path

from .site_pages import PAGE_TYPES
from .tools import LIGHTHOUSE_CLI, need_file, need_program, report

TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
PAGES = [
    ("shipped_site", PAGE_TYPES["shipped_site"]["home"]),
    ("shipped_site", PAGE_TYPES["shipped_site"]["sheet"]),  # with a chart
    ("shipped_site", PAGE_TYPES["shipped_site"]["statistic"]),
    ("shipped_site", PAGE_TYPES["shipped_site"]["sheet, Spanish"]),
    ("fixture_site", PAGE_TYPES["fixture_site"]["statistic with a chart"]),  # no shipped statistic has one yet
]
# Headless, and nothing that would reach the network on its own (updates, sync, metrics).
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
                "--disable-component-update --disable-sync --disable-default-apps")


def lighthouse(url: str, out: Path) -> dict:
    node = need_program("node", "nodejs")
    chromium = chromium_path()
    assert chromium, "no Chromium: run `make test-deps`"
    result = subprocess.run(
        [node, str(need_file(LIGHTHOUSE_CLI)), url, "--quiet", "--output=json", f"--output-path={out}",
         "--only-categories=performance,accessibility,best-practices,seo", f"--chrome-flags={CHROME_FLAGS}",
         "--no-enable-error-reporting"],
        env={**os.environ, "CHROME_PATH": chromium}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"Lighthouse failed on {url}:\n{result.stderr[-3000:]}"
    return json.loads(out.read_text())


def scores(result: dict) -> dict[str, int]:
    return {name: round(category["score"] * 100) for name, category in result["categories"].items()}


def losing_audits(result: dict) -> list[str]:
    """Every weighted audit that cost points, with what Lighthouse says about it."""
    lines = []
    for name, category in result["categories"].items():
        for ref in category["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                lines.append(f"{name}: {ref['id']} ({audit['score']}): {audit['title']} {audit.get('displayValue', '')}")
    return lines


@pytest.mark.parametrize("site_name, path", PAGES, ids=[f"{s.split('_')[0]}{p}" for s, p in PAGES])
def test_lighthouse_scores(served: dict, site_name: str, path: str, tmp_path: Path) -> None:
    url = served[site_name] + path
    runs = [lighthouse(url, tmp_path / "run-1.json")]
    if any(scores(runs[0])[name] < target for name, target in TARGETS.items()):
        runs += [lighthouse(url, tmp_path / f"run-{i}.json") for i in (2, 3)]
    result = {name: int(statistics.median(scores(run)[name] for run in runs)) for name in TARGETS}
    shown = ", ".join(f"{name} {score}" for name, score in result.items())
    report("lighthouse", f"{site_name} {path}: {shown}" + (f" (median of {len(runs)} runs)" if len(runs) > 1 else ""))
    below = {name: score for name, score in result.items() if score < TARGETS[name]}
    assert below == {}, f"{url}: {shown}\n" + "\n".join(losing_audits(runs[-1]))

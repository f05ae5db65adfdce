"""Charts as a reader compares them: bars drawn to one scale wherever they are meant to be compared."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .site_pages import parse


def _bar_lengths(svg: Path) -> list[float]:
    """The drawn length of each horizontal bar (Plotly draws a bar as a path 'M0,y1 V y2 H length ...')."""
    return [float(length) for length in re.findall(r'class="point"><path d="M0,[\d.]+V[\d.]+H([\d.]+)V', svg.read_text())]


def test_breakdowns_of_a_whole_share_one_scale(shipped_site: Path) -> None:
    """65% of children and 43% of adults sit in two charts; 43% must be drawn shorter than 65%, in proportion."""
    child, adult = (shipped_site / "charts" / f"platforms-{who}-victims.svg" for who in ("child", "adult"))
    longest_child, longest_adult = max(_bar_lengths(child)), max(_bar_lengths(adult))
    assert abs(longest_adult / longest_child - 43 / 65) < 0.03, (longest_adult, longest_child)
    sheet = parse(shipped_site / "sheets" / "online-recruitment" / "index.html")
    ranges = {json.dumps(json.loads(spec.string)["layout"]["xaxis"]["range"]) for spec in sheet.select("script.chart-spec")}
    assert len(ranges) == 1, ranges  # the interactive charts use the same scale too

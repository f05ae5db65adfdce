"""The plotly.js bundle the site ships: the pinned plotly's version, and every chart drawn as the full
bundle draws it."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

from factsite import assets
from factsite.chart_export import _canonical_svg, _DRAW_ALL, _SEEDED_RANDOM
from factsite.headless import Headless
from factsite.pages import SiteModel
from factsite.pipeline import load_and_validate

from .conftest import ROOT

FULL_BUNDLE = resources.files("plotly").joinpath("package_data/plotly.min.js")
VERSION = re.compile(rb"plotly\.js (?:\([^)]*\) )?v(\d+\.\d+\.\d+)")


def _version(script: bytes) -> str:
    match = VERSION.search(script[:300])
    assert match, "no version in the bundle's header"
    return match.group(1).decode()


def test_the_shipped_bundle_is_the_pinned_plotly_version() -> None:
    # The charts are written in the figure format of the pinned Python plotly package.
    assert _version(assets.plotly_js()) == _version(FULL_BUNDLE.read_bytes())


def test_the_site_publishes_the_small_bundle_under_a_hashed_name() -> None:
    shipped = assets.collect_assets(ROOT / "static")
    url = shipped.urls["plotly.min.js"]
    assert shipped.files[url.lstrip("/")] == assets.plotly_js()
    assert len(assets.plotly_js()) < len(FULL_BUNDLE.read_bytes()) / 3


def _draw_all(headless: Headless, folder: Path, name: str, script: bytes, figures: list[dict]) -> list[bytes]:
    (folder / f"{name}.js").write_bytes(script)
    (folder / f"{name}.html").write_text(
        f"<!doctype html><meta charset='utf-8'><script>{_SEEDED_RANDOM}</script><script src='{name}.js'></script>",
        encoding="utf-8")
    page = headless.new_page()
    page.goto((folder / f"{name}.html").as_uri())
    jobs = [{"figure": figure, "width": 640, "height": 400, "format": "svg", "scale": 1} for figure in figures]
    urls = page.evaluate(_DRAW_ALL, jobs)
    page.close()
    return [_canonical_svg(unquote(url.partition(",")[2]).encode()) for url in urls]


def test_every_shipped_chart_draws_as_the_full_bundle_draws_it() -> None:
    # Fails if the small bundle lacks a trace type or a feature a chart uses (hatching, text outside bars).
    content, _ = load_and_validate(ROOT / "content")
    charts = SiteModel(content, "https://example.org").all_charts()
    figures = [json.loads(chart.figure_json) for chart in charts]
    assert {"bar"} == {trace["type"] for figure in figures for trace in figure["data"]}
    assert any(chart.has_series for chart in charts), "the grouped chart kind is covered"
    with Headless() as headless:
        small = _draw_all(headless, headless.scratch(), "small", assets.plotly_js(), figures)
        full = _draw_all(headless, headless.scratch(), "full", FULL_BUNDLE.read_bytes(), figures)
    for chart, drawn_small, drawn_full in zip(charts, small, full):
        assert b"<text" in drawn_small and drawn_small == drawn_full, chart.id

"""The plotly.js bundle the site ships: the pinned plotly's version, and every chart drawn as the full
bundle draws it."""

from __future__ import annotations

import io
import json
import re
from importlib import resources

from factsite.web import assets

from factsite.images import chart_export
from factsite.web.jobs import ImageJob
from factsite.images.headless import Headless
from factsite.web.pages import SiteModel
from factsite.pipeline import load_and_validate
from factsite.images.progress import Progress

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


def _draw_all(script: bytes, figures: list[str], monkeypatch) -> list[bytes]:
    """Each figure as a wide SVG, drawn by the build's own drawing code with `script` as plotly.js."""
    monkeypatch.setattr(chart_export, "plotly_js", lambda: script)
    jobs = [ImageJob(f"{n}.svg", figure, 640, 400, "svg") for n, figure in enumerate(figures)]
    with Headless() as headless, Progress("chart images", len(jobs), stream=io.StringIO()) as progress:
        return list(chart_export._draw(jobs, headless, progress))


def test_every_shipped_chart_draws_as_the_full_bundle_draws_it(monkeypatch) -> None:
    # Fails if the small bundle lacks a trace type or a feature a chart uses (hatching, text outside bars).
    content, _ = load_and_validate(ROOT / "content")
    charts = SiteModel(content, "https://example.org").all_charts()
    figures = [chart.figure_json for chart in charts]
    assert {"bar"} == {trace["type"] for figure in figures for trace in json.loads(figure)["data"]}
    assert any(chart.has_series for chart in charts), "the grouped chart kind is covered"
    small = _draw_all(assets.plotly_js(), figures, monkeypatch)
    full = _draw_all(FULL_BUNDLE.read_bytes(), figures, monkeypatch)
    for chart, drawn_small, drawn_full in zip(charts, small, full):
        assert b"<text" in drawn_small and drawn_small == drawn_full, chart.id

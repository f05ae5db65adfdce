"""Charts as a reader compares them: bars drawn to one scale wherever they are meant to be compared."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .site_pages import parse


def _bar_lengths(svg: Path) -> list[float]:
    """The drawn length of each horizontal bar (Plotly draws a bar as a path 'M0,y1 V y2 H length ...')."""
    return [float(length) for length in re.findall(r'class="point"><path [^>]*?d="M0,[\d.]+V[\d.]+H([\d.]+)V', svg.read_text())]


def test_breakdowns_of_a_whole_share_one_scale(shipped_site: Path) -> None:
    """65% of children and 43% of adults sit in two charts; 43% must be drawn shorter than 65%, in proportion."""
    child, adult = (shipped_site / "charts" / f"platforms-{who}-victims.svg" for who in ("child", "adult"))
    longest_child, longest_adult = max(_bar_lengths(child)), max(_bar_lengths(adult))
    assert abs(longest_adult / longest_child - 43 / 65) < 0.03, (longest_adult, longest_child)
    sheet = parse(shipped_site / "sheets" / "online-recruitment" / "index.html")
    ranges = {json.dumps(json.loads(spec.string)["layout"]["xaxis"]["range"]) for spec in sheet.select("script.chart-spec")}
    assert len(ranges) == 1, ranges  # the interactive charts use the same scale too


def test_no_chart_text_is_cut_off_at_any_width(browser, shipped_site: Path) -> None:
    """Every label and value of every chart image (phone, wide and download) lies inside the image:
    measured on the drawn SVG, as a reader would see it ("20.3 millio" was cut at 340 px)."""
    measure = """() => {
      const svg = document.querySelector('svg');
      const width = +svg.getAttribute('width'), height = +svg.getAttribute('height');
      return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
        const box = t.getBoundingClientRect();
        return [t.textContent, box.left, box.right, box.top, box.bottom, width, height];
      }).filter(([, l, r, t, b, w, h]) => l < -0.5 || r > w + 0.5 || t < -0.5 || b > h + 0.5).map(x => x[0]);
    }"""
    page = browser.new_page()
    images = sorted(shipped_site.glob("charts/*.svg"))
    assert len(images) >= 18
    cut = {}
    for svg in images:
        page.goto(svg.as_uri())
        outside = page.evaluate(measure)
        if outside:
            cut[svg.name] = outside
    page.close()
    assert not cut, cut


def test_phone_images_put_labels_above_full_width_bars(browser, shipped_site: Path) -> None:
    """On a phone-width image each label sits on its own line above its bars (as Pew and Our World
    in Data draw them), touching none, so the bars get the image's width instead of a sliver of it."""
    measure = """() => {
      const svg = document.querySelector('svg');
      const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
      return {width: +svg.getAttribute('width'),
              labels: [...svg.querySelectorAll('.annotation text')].map(t => [t.textContent, ...box(t)]),
              ticks: [...svg.querySelectorAll('.ytick text')].filter(t => t.textContent.trim()).length,
              bars: [...svg.querySelectorAll('.point path')].map(box)};
    }"""
    page = browser.new_page()
    images = sorted(shipped_site.glob("charts/*-narrow.svg"))
    assert len(images) >= 5
    for svg in images:
        page.goto(svg.as_uri())
        drawn = page.evaluate(measure)
        assert drawn["ticks"] == 0 and drawn["labels"], svg.name  # labels drawn above, not beside
        for text, left, top, right, bottom in drawn["labels"]:
            touching = [bar for bar in drawn["bars"] if left < bar[2] and bar[0] < right and top < bar[3] - 0.5 and bar[1] + 0.5 < bottom]
            assert not touching, (svg.name, text)
            below = [bar for bar in drawn["bars"] if bar[1] >= bottom - 0.5]
            assert below, (svg.name, text, "no bar under its label")
        # No column of labels to the left: every bar starts at the image's left edge.
        assert max(bar[0] for bar in drawn["bars"]) <= 12, (svg.name, [round(bar[0]) for bar in drawn["bars"]])
    page.close()


def test_a_charts_download_png_is_its_download_svg_at_twice_the_size(shipped_site: Path) -> None:
    """The PNG is drawn from the download SVG (the same layout, chart_export._DRAW_ALL): it has that
    drawing's proportions, the title and sources included, at twice its size for sharp screens."""
    import struct

    pngs = sorted(png for png in shipped_site.glob("charts/*.png"))
    assert len(pngs) >= 5
    for png in pngs:
        width, height = struct.unpack(">II", png.read_bytes()[16:24])  # the IHDR chunk
        svg = (shipped_site / "charts" / f"{png.stem}-download.svg").read_text()
        root = re.search(r"<svg [^>]*>", svg).group(0)  # type: ignore[union-attr]
        size = [float(re.search(rf' {name}="([\d.]+)"', root).group(1)) for name in ("width", "height")]  # type: ignore[union-attr]
        assert [width, height] == [2 * size[0], 2 * size[1]], png.name

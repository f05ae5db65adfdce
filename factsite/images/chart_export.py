"""Static chart images (SVG and PNG), drawn by plotly.js in headless Chromium pages.

Each page loads plotly.js once and draws charts a batch per call, several pages at once: much
cheaper than a browser per image. Results are cached by a hash of everything that shapes
the image (the figure and its size, plotly.js, the drawing code here, the browser and the
fonts), so an unchanged chart is never drawn again and a cached image is never stale.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

from ..web.assets import plotly_js
from ..web.jobs import ImageJob
from .headless import Headless, ImageCache, on_pages
from .progress import Progress

# Bump when the way images are drawn changes outside this file (the scripts below are hashed anyway).
EXPORT_VERSION = "3"  # 3: every SVG tag's attributes in a fixed order
BATCH = 24  # images per call into the page: progress between calls, and no giant reply in memory

# plotly.js names clip paths with Math.random(); a seeded generator keeps every image byte-identical.
_SEEDED_RANDOM = """
(() => {
  let state = 20201;
  window.__reseed = () => { state = 20201; };
  Math.random = () => { state = (state * 1103515245 + 12345) % 2147483648; return state / 2147483648; };
})();
"""

# A PNG is its chart's SVG drawn on a canvas, as Plotly.toImage does inside; each drawing (figure and
# size) is laid out once per call, so a chart's download PNG and SVG cost one layout, not two.
_DRAW_ALL = """
async (jobs) => {
  const svgs = new Map();
  const svgOf = async (job) => {
    if (!svgs.has(job.drawing)) {
      window.__reseed();
      svgs.set(job.drawing, await Plotly.toImage({data: job.figure.data, layout: job.figure.layout},
        {format: 'svg', width: job.width, height: job.height, imageDataOnly: true}));
    }
    return svgs.get(job.drawing);
  };
  const results = [];
  for (const job of jobs) {
    if (job.format === 'svg' && job.scale === 1) {
      results.push('data:image/svg+xml,' + encodeURIComponent(await svgOf(job)));
    } else if (job.format === 'png') {
      results.push(await Plotly.Snapshot.svgToImg({format: 'png', width: job.width, height: job.height,
        scale: job.scale, canvas: document.createElement('canvas'), svg: await svgOf(job), promise: true}));
    } else {
      window.__reseed();
      results.push(await Plotly.toImage({data: job.figure.data, layout: job.figure.layout},
        {format: job.format, width: job.width, height: job.height, scale: job.scale}));
    }
  }
  return results;
}
"""


class DuplicateOutput(ValueError):
    """Two jobs would write one file."""


def image_key(job: ImageJob, engine: str) -> str:
    """A hash of everything that shapes the image: the job, and the engine that draws it."""
    material = json.dumps([EXPORT_VERSION, engine, job.figure_json, job.width, job.height, job.format, job.scale],
                          sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def _decode(data_url: str) -> bytes:
    header, _, payload = data_url.partition(",")
    if header.endswith(";base64"):
        return base64.b64decode(payload)
    return _canonical_svg(unquote(payload).encode("utf-8"))


_TAG = re.compile(rb"<([\w:-]+)((?:\s+[\w:-]+=\"[^\"]*\")*)\s*(/?>)")
_ATTRIBUTE = re.compile(rb'\s+([\w:-]+)="([^"]*)"')


def _canonical_svg(svg: bytes) -> bytes:
    """Every tag with its attributes sorted by name.

    plotly.js sets an element's attributes in an order that depends on what it drew before in the
    same page (the root's style before or after its viewBox; a legend's width before or after its
    style, when another chart with a legend came first): the same image in other bytes, which a
    cache would then keep. The order means nothing to a reader of SVG, so it is fixed here.
    """
    def sort(tag: re.Match[bytes]) -> bytes:
        attributes = sorted(_ATTRIBUTE.findall(tag.group(2)))
        return b"<" + tag.group(1) + b"".join(b" " + name + b'="' + value + b'"' for name, value in attributes) + tag.group(3)

    return _TAG.sub(sort, svg)


def _drawing_page(headless: Headless, number: int = 0):
    """A page with plotly.js loaded, kept open for the browser's life: loading plotly.js takes 0.35-0.45 s,
    so the dev server's rebuilds pay it once, not at every change. It is loaded from a file: faster
    than handing the script to Chromium through Playwright. `number`: one page per page drawing at once."""

    async def load_plotly(page) -> None:
        folder = headless.scratch()
        if not (folder / "draw.html").exists():
            (folder / "plotly.js").write_bytes(plotly_js())
            (folder / "draw.html").write_text(
                "<!doctype html><html><head><meta charset='utf-8'>"
                f"<script>{_SEEDED_RANDOM}</script><script src='plotly.js'></script></head><body></body></html>",
                encoding="utf-8")
        await page.goto((folder / "draw.html").as_uri(), wait_until="load")

    return headless.kept_page("charts" if number == 0 else f"charts-{number}", load_plotly)


def _draw(jobs: list[ImageJob], headless: Headless, progress: Progress,
          keep: Callable[[int, bytes], object] | None = None) -> list[bytes]:
    """Every job's image, in order, drawn a batch per call on up to `headless.pages` pages at once (the
    batches handed out as pages come free); `keep(index, image)` is called as each batch is drawn.
    Each image is reseeded and its SVG canonical, so that the page a chart is drawn on, and what it
    drew before, changes no byte."""
    batches = [range(start, min(start + BATCH, len(jobs))) for start in range(0, len(jobs), BATCH)]

    async def draw_batch(page, batch: range) -> list[bytes]:
        drawings: dict[tuple[str, int, int], int] = {}  # the jobs that show one drawing share its number
        payload = [
            {"figure": json.loads(jobs[i].figure_json), "width": jobs[i].width, "height": jobs[i].height,
             "format": jobs[i].format, "scale": jobs[i].scale,
             "drawing": drawings.setdefault((jobs[i].figure_json, jobs[i].width, jobs[i].height), len(drawings))}
            for i in batch
        ]
        try:
            images = [_decode(url) for url in await page.evaluate(_DRAW_ALL, payload)]
        except Exception:
            await page.close()  # a page that failed mid-draw is not reused
            raise
        if keep is not None:
            for i, image in zip(batch, images):
                keep(i, image)
        return images

    async def draw_all() -> list[list[bytes]]:
        pages = await asyncio.gather(*(_drawing_page(headless, n) for n in range(min(headless.pages, len(batches)))))
        return await on_pages(pages, batches, draw_batch, progress, size=len)

    return [image for batch in headless.run(draw_all()) for image in batch]


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """Images depend on plotly.js and on the scripts that drive it: a change to either redraws everything."""
    material = plotly_js() + _SEEDED_RANDOM.encode() + _DRAW_ALL.encode()
    return hashlib.sha256(material).hexdigest()[:16]


def export_images(jobs: list[ImageJob], cache: ImageCache, headless: Headless) -> tuple[dict[str, Path], int]:
    """Every job's image as output path -> its file in the cache (drawn first if it was not there);
    returns how many had to be drawn."""
    engine = engine_fingerprint()
    cache.mark_used()
    results: dict[str, Path] = {}
    missing: dict[str, ImageJob] = {}  # by key: two charts that look the same are drawn once
    waiting: list[tuple[ImageJob, str]] = []
    outputs = [job.output for job in jobs]
    if len(set(outputs)) != len(outputs):
        # a dict of results would silently keep one of two images meant for the same file
        twice = sorted({output for output in outputs if outputs.count(output) > 1})
        raise DuplicateOutput(f"two chart images would be written to {', '.join(twice)}: give the charts ids that differ")
    for job in jobs:
        key = image_key(job, engine)
        cached = cache.find(key, job.format)
        if cached is None:
            missing.setdefault(key, job)
            waiting.append((job, key))
        else:
            results[job.output] = cached
    if missing:
        drawn: dict[str, Path] = {}
        keys = list(missing)

        def keep(index: int, data: bytes) -> None:  # each image is kept as soon as its batch is drawn
            drawn[keys[index]] = cache.put(keys[index], missing[keys[index]].format, data)

        with Progress("chart images", len(missing)) as progress:
            _draw(list(missing.values()), headless, progress, keep)
        for job, key in waiting:
            results[job.output] = drawn[key]
    return results, len(missing)

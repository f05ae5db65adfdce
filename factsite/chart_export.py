"""Static chart images (SVG and PNG), drawn by plotly.js in one headless Chromium page.

One page loads plotly.js once and draws every chart of the build in a single call: much
cheaper than a browser per image. Results are cached by a hash of everything that shapes
the image, so an unchanged chart is never drawn again.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .assets import plotly_js
from .headless import Headless

# Bump when the way images are drawn changes, so cached images are redrawn.
EXPORT_VERSION = "1"

# plotly.js names clip paths with Math.random(); a seeded generator keeps every image byte-identical.
_SEEDED_RANDOM = """
(() => {
  let state = 20201;
  window.__reseed = () => { state = 20201; };
  Math.random = () => { state = (state * 1103515245 + 12345) % 2147483648; return state / 2147483648; };
})();
"""

_DRAW_ALL = """
async (jobs) => {
  const results = [];
  for (const job of jobs) {
    window.__reseed();
    const url = await Plotly.toImage({data: job.figure.data, layout: job.figure.layout},
      {format: job.format, width: job.width, height: job.height, scale: job.scale});
    results.push(url);
  }
  return results;
}
"""


@dataclass(frozen=True)
class ImageJob:
    output: str  # path in site/
    figure_json: str
    width: int
    height: int
    format: str  # "svg" or "png"
    scale: float = 1

    def cache_key(self, engine: str) -> str:
        material = json.dumps(
            [EXPORT_VERSION, engine, self.figure_json, self.width, self.height, self.format, self.scale],
            sort_keys=True,
        )
        return hashlib.sha256(material.encode()).hexdigest()


def _decode(data_url: str) -> bytes:
    header, _, payload = data_url.partition(",")
    if header.endswith(";base64"):
        return base64.b64decode(payload)
    return unquote(payload).encode("utf-8")


def _draw(jobs: list[ImageJob], headless: Headless) -> list[bytes]:
    page = headless.new_page()
    try:
        page.set_content("<!doctype html><html><head><meta charset='utf-8'></head><body></body></html>")
        page.add_script_tag(content=_SEEDED_RANDOM)
        page.add_script_tag(content=plotly_js().decode("utf-8"))
        payload = [
            {"figure": json.loads(job.figure_json), "width": job.width, "height": job.height,
             "format": job.format, "scale": job.scale}
            for job in jobs
        ]
        return [_decode(url) for url in page.evaluate(_DRAW_ALL, payload)]
    finally:
        page.close()


class ImageCache:
    """Rendered images on disk, outside site/, keyed by a hash of what they show."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, key: str, suffix: str) -> Path:
        return self.folder / key[:2] / f"{key}.{suffix}"

    def get(self, key: str, suffix: str) -> bytes | None:
        path = self._path(key, suffix)
        return path.read_bytes() if path.is_file() else None

    def put(self, key: str, suffix: str, data: bytes) -> None:
        path = self._path(key, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # never a half-written cache entry


def engine_fingerprint() -> str:
    """Images depend on plotly.js itself: a new version redraws everything."""
    return hashlib.sha256(plotly_js()).hexdigest()[:16]


def export_images(jobs: list[ImageJob], cache: ImageCache, headless: Headless) -> tuple[dict[str, bytes], int]:
    """Every job's image as output path -> bytes; returns how many had to be drawn."""
    engine = engine_fingerprint()
    results: dict[str, bytes] = {}
    missing: list[tuple[ImageJob, str]] = []
    for job in jobs:
        key = job.cache_key(engine)
        cached = cache.get(key, job.format)
        if cached is None:
            missing.append((job, key))
        else:
            results[job.output] = cached
    if missing:
        for (job, key), data in zip(missing, _draw([job for job, _ in missing], headless)):
            cache.put(key, job.format, data)
            results[job.output] = data
    return results, len(missing)

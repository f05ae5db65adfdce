"""Static files (CSS, JS, plotly.js) under content-hashed names, so the CDN may cache them forever."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

ASSET_DIR = "assets"


@dataclass(frozen=True)
class Assets:
    urls: dict[str, str]  # logical name ("site.css") -> hashed URL ("/assets/site.3f2a1b9c0d.css")
    files: dict[str, bytes]  # output path -> bytes


def hashed_name(name: str, data: bytes) -> str:
    stem, dot, suffix = name.partition(".")
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"{stem}.{digest}{dot}{suffix}"


PLOTLY_JS = Path(__file__).resolve().parent.parent / "vendor" / "plotly-basic.min.js"


def plotly_js() -> bytes:
    """plotly.js's basic bundle (bar, pie, scatter), shipped in the repo: no CDN, no network, and a
    quarter of the full bundle's size (see vendor/README.md)."""
    return PLOTLY_JS.read_bytes()


def collect_assets(static_dir: Path) -> Assets:
    sources: dict[str, bytes] = {"plotly.min.js": plotly_js()}
    for path in sorted(static_dir.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            sources[path.name] = path.read_bytes()
    urls, files = {}, {}
    for name, data in sorted(sources.items()):
        output = f"{ASSET_DIR}/{hashed_name(name, data)}"
        urls[name] = "/" + output
        files[output] = data
    return Assets(urls, files)

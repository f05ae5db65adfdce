"""Benchmark: build time and page weight of the shipped content. Run: make bench"""

from __future__ import annotations

import gzip
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from factsite.pipeline import build_site  # noqa: E402


def page_weight(site: Path, page: str) -> tuple[int, int]:
    """Bytes (raw, gzip) of a page with the CSS and scripts it loads."""
    from bs4 import BeautifulSoup

    html_path = site / page.lstrip("/") / "index.html" if page.endswith("/") else site / page.lstrip("/")
    files = [html_path]
    soup = BeautifulSoup(html_path.read_bytes(), "html.parser")
    for tag in soup.select("link[rel=stylesheet], script[src]"):
        files.append(site / (tag.get("href") or tag.get("src")).lstrip("/"))
    raw = sum(f.stat().st_size for f in files)
    zipped = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)
    return raw, zipped


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        times = []
        for _ in range(3):
            started = time.perf_counter()
            assert build_site(ROOT / "content", out) == 0
            times.append(time.perf_counter() - started)
        print(f"shipped content build: best {min(times):.3f} s of 3")
        for page in ["/", "/sheets/victims/", "/stats/victims-identified-2020/", "/stats/victims-identified-2020/sources/"]:
            if (out / page.lstrip("/")).exists():
                raw, zipped = page_weight(out, page)
                print(f"{page}: {raw / 1024:.1f} KB raw, {zipped / 1024:.1f} KB gzip (HTML + CSS + scripts)")


if __name__ == "__main__":
    main()

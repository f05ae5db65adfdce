"""Reading a built site the way a browser or crawler would: parsed HTML, resolved links."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urldefrag, urlparse

from bs4 import BeautifulSoup


@lru_cache(maxsize=None)
def _parse(path: Path, mtime: float) -> BeautifulSoup:
    return BeautifulSoup(path.read_bytes(), "lxml")


def parse(path: Path) -> BeautifulSoup:
    return _parse(path, path.stat().st_mtime)


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def url_of(site: Path, page: Path) -> str:
    relative = page.relative_to(site).as_posix()
    return "/" + relative.removesuffix("index.html")


def file_for(site: Path, url_path: str) -> Path | None:
    """The file that a root-relative URL path serves, or None."""
    target = site / url_path.lstrip("/")
    if url_path.endswith("/"):
        target = target / "index.html"
    return target if target.is_file() else None


def internal_references(soup: BeautifulSoup) -> list[str]:
    """Every href and src on the page that points into the site."""
    refs = []
    for tag in soup.find_all(["a", "link", "script", "img", "iframe", "source"]):
        for attr in ("href", "src"):
            value = tag.get(attr)
            if value and not urlparse(value).scheme and not value.startswith("//"):
                refs.append(value)
    return refs


def resolve(site: Path, page: Path, ref: str) -> tuple[Path | None, str]:
    """(target file, fragment) for a reference found on `page`."""
    path, fragment = urldefrag(ref)
    if not path:
        return page, fragment
    if not path.startswith("/"):
        path = url_of(site, page).rsplit("/", 1)[0] + "/" + path
    return file_for(site, path), fragment

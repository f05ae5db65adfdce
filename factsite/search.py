"""Static search with Pagefind: the index is built from the rendered pages and served as plain files.

Only statistic and fact-sheet pages are indexed (their <main> carries data-pagefind-body). The
Pagefind binary comes inside the pinned `pagefind[bin]` package; its command line is much faster
than its Python service for a whole site.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

SEARCH_DIR = "pagefind"
# Pagefind's ready-made interfaces are not published: the site has its own small search page.
_SKIPPED = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui")


class SearchIndexError(RuntimeError):
    pass


def _indexed_pages(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in sorted(files.items()) if path.endswith(".html") and b"data-pagefind-body" in data}


def _pack(bundle: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in sorted(bundle.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _unpack(blob: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as tar:
        return {member.name: tar.extractfile(member).read() for member in tar.getmembers() if member.isfile()}


def search_files(files: dict[str, bytes], cache_dir: Path | None = None) -> dict[str, bytes]:
    """The Pagefind bundle for the site's indexed pages, as output path -> bytes (under pagefind/).

    With `cache_dir`, the bundle is kept under a hash of the indexed pages: unchanged pages, no indexing.
    """
    pages = _indexed_pages(files)
    cached = None
    if cache_dir is not None:
        digest = hashlib.sha256(f"pagefind {_pagefind_version()}\n".encode())
        for path, data in pages.items():
            digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
        cached = cache_dir / "search" / f"{digest.hexdigest()}.tar"
        if cached.is_file():
            return _unpack(cached.read_bytes())
    bundle = _build(pages)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_name(cached.name + ".tmp")
        temporary.write_bytes(_pack(bundle))
        temporary.replace(cached)
    return bundle


def _pagefind_version() -> str:
    from importlib.metadata import version

    return version("pagefind_bin")


def _build(pages: dict[str, bytes]) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / SEARCH_DIR
        for path, data in pages.items():
            target = site / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        result = subprocess.run(
            [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(out), "--force-language", "en"],
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise SearchIndexError(f"the search index could not be built:\n{result.stdout}{result.stderr}")
        return {
            f"{SEARCH_DIR}/{p.relative_to(out).as_posix()}": p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(_SKIPPED)
        }

"""Static search with Pagefind: the index is built from the rendered pages and served as plain files.

Only statistic and fact-sheet pages are indexed (their <main> carries data-pagefind-body). The
Pagefind binary comes inside the pinned `pagefind[bin]` package; its command line is much faster
than its Python service for a whole site.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

SEARCH_DIR = "pagefind"
# Pagefind's ready-made interfaces are not published: the site has its own small search page.
_SKIPPED = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui")


class SearchIndexError(RuntimeError):
    pass


def search_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The Pagefind bundle for the site's indexed pages, as output path -> bytes (under pagefind/)."""
    with tempfile.TemporaryDirectory() as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / SEARCH_DIR
        for path, data in files.items():
            if path.endswith(".html") and b"data-pagefind-body" in data:
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

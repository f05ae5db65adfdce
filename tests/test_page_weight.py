"""Page weight, a product feature: what a phone loads before any interaction (the page, its CSS,
scripts, icon and images: each chart's <img> fallback), compressed as the CDN sends it, stays within
a budget for every page of the shipped site, in English and in Spanish alike.

The budgets are about 1.5 times today's heaviest page of each kind, so a page that doubles fails."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from bs4 import BeautifulSoup

from .site_pages import file_for, html_pages, url_of
from .tools import report

# Compressed kilobytes, by the kind of page (the first pattern that matches its address).
# Heaviest today (December 2026, Spanish in each case): a sheet 18.9 KB, a statistic 14.6, the
# sources index 14.2, a sources page 13.1, the methodology 12.3, an embed 10.3.
BUDGETS_KB = [
    (r"^(/es)?/sheets/[^/]+/$", 28),  # its charts' images, its figures and their sources
    (r"^(/es)?/embed/", 16),  # one chart, framed on another site
    (r".*", 22),  # home, statistics, sources pages, help, privacy, search, data, corrections, 404
]
LOADED = "link[rel=stylesheet], link[rel=icon], script[src], img[src]"


def loaded_files(site: Path, page: Path) -> list[Path]:
    """The page and every file it loads at once (never a link the visitor has not followed)."""
    soup = BeautifulSoup(page.read_bytes(), "html.parser")
    files = [page]
    for tag in soup.select(LOADED):
        address = tag.get("href") or tag.get("src")
        target = file_for(site, address.split("#")[0].split("?")[0]) if address.startswith("/") else None
        assert target is not None, f"{url_of(site, page)} loads {address}, which is not in the site"
        files.append(target)
    return files


def weight_kb(files: list[Path]) -> float:
    return sum(len(gzip.compress(path.read_bytes(), 6)) for path in dict.fromkeys(files)) / 1024


def budget_of(url: str) -> int:
    return next(budget for pattern, budget in BUDGETS_KB if re.search(pattern, url))


def test_every_page_stays_within_its_weight_budget(shipped_site: Path) -> None:
    heaviest: dict[str, tuple[float, str]] = {}
    over = []
    for page in html_pages(shipped_site):
        url = url_of(shipped_site, page)
        weight = weight_kb(loaded_files(shipped_site, page))
        language = "Spanish" if url.startswith("/es/") else "English"
        if weight > heaviest.get(language, (0.0, ""))[0]:
            heaviest[language] = (weight, url)
        if weight > budget_of(url):
            over.append(f"{url}: {weight:.1f} KB gzip, budget {budget_of(url)} KB")
    for language, (weight, url) in sorted(heaviest.items()):
        report("page weight", f"heaviest {language} page: {url}, {weight:.1f} KB gzip (page, CSS, scripts, images)")
    assert set(heaviest) == {"English", "Spanish"}, "the shipped site has pages in both languages"
    assert not over, "pages over their weight budget:\n" + "\n".join(over)

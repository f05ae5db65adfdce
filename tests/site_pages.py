"""Reading a built site the way a browser or crawler would: parsed HTML, resolved links."""

from __future__ import annotations

import json
import re
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


# --- Every reference on every page: the link gate ------------------------------------------------

# Where a page names another file besides href and src: responsive images, the script the "Explore
# this chart" button loads, and link previews (absolute, on the site's own address).
PREVIEW_META = ("og:url", "og:image", "twitter:image")
EXTERNAL_SCHEMES = ("http", "https", "mailto", "tel", "sms")
# RFC 3986: the characters a URL may hold unencoded (a literal space, quote or angle bracket may not).
URL_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def base_url_of(site: Path) -> str:
    """The address the site was built for, from the home page's canonical link."""
    return parse(site / "index.html").select_one('link[rel="canonical"]')["href"].rstrip("/")


def all_references(soup: BeautifulSoup) -> list[str]:
    """Every URL the page refers to, internal or not."""
    refs: list[str] = []
    for tag in soup.find_all(True):
        for attr in ("href", "src", "data-plotly"):
            if tag.get(attr):
                refs.append(tag[attr].strip())
        if tag.get("srcset"):
            refs += [candidate.split()[0] for candidate in tag["srcset"].split(",") if candidate.strip()]
        if tag.name == "meta" and (tag.get("property") or tag.get("name")) in PREVIEW_META and tag.get("content"):
            refs.append(tag["content"].strip())
    for script in soup.select('script[type="application/ld+json"]'):
        refs += [value for value in _json_strings(json.loads(script.string or "null")) if value.startswith(("http:", "https:"))]
    return refs


def _json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for item in value for s in _json_strings(item)]
    return []


def split_references(refs: list[str], base_url: str) -> tuple[list[str], list[str]]:
    """(internal references as the page wrote them or as root-relative paths, external URLs)."""
    internal, external = [], []
    for ref in refs:
        if ref == base_url or ref.startswith(base_url + "/") or ref.startswith(base_url + "#"):
            internal.append(ref[len(base_url):] or "/")
        elif urlparse(ref).scheme or ref.startswith("//"):
            external.append(ref)
        else:
            internal.append(ref)
    return internal, external


def external_url_problem(url: str) -> str | None:
    """Why an external link is not a well-formed http(s), mailto, tel or sms URL; None when it is."""
    parts = urlparse(url)
    if parts.scheme not in EXTERNAL_SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} is not one of {', '.join(EXTERNAL_SCHEMES)}"
    if not URL_CHARACTERS.match(url):
        return "holds characters a URL may not (spaces, quotes, angle brackets, non-ASCII): encode them"
    if parts.scheme in ("http", "https"):
        host = parts.hostname or ""
        if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}", host):
            return f"host {host!r} is not a domain name"
        if parts.username or parts.password:
            return "a link may not carry a user name or password"
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            return "malformed port"
    elif parts.scheme in ("tel", "sms") and not re.fullmatch(r"\+?\d{3,15}", parts.path):
        return "a phone number is digits only"
    elif parts.scheme == "mailto" and parts.path and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,63}", parts.path):
        return "not an e-mail address"  # (an empty address is fine: a share link that lets the reader choose)
    return None


def link_problems(site: Path) -> tuple[list[str], dict[str, int]]:
    """Every broken internal reference (file or #fragment) and malformed external link in the built site."""
    base_url = base_url_of(site)
    problems: list[str] = []
    counts = {"pages": 0, "internal": 0, "fragments": 0, "external": 0}
    for page in html_pages(site):
        counts["pages"] += 1
        name = page.relative_to(site).as_posix()
        internal, external = split_references(all_references(parse(page)), base_url)
        for ref in internal:
            counts["internal"] += 1
            target, fragment = resolve(site, page, ref)
            if target is None:
                problems.append(f"{name} -> {ref}: no such file")
            elif fragment:
                counts["fragments"] += 1
                if target.suffix != ".html" or parse(target).find(id=fragment) is None:
                    problems.append(f"{name} -> {ref}: no element with id {fragment!r}")
        for url in external:
            counts["external"] += 1
            problem = external_url_problem(url)
            if problem:
                problems.append(f"{name} -> {url}: {problem}")
    return problems, counts


# --- One page of each kind, for the browser gates (axe, CSP, keyboard) --------------------------

# Pages every site has, at the same address.
_EVERY_SITE = {
    "home": "/",
    "sources index": "/sources/",
    "methodology": "/methodology/",
    "help": "/help/",
    "privacy": "/privacy/",
    "search": "/search/",
    "open data": "/data/",
    "corrections": "/corrections/",
    "404": "/no-such-page/",
}
PAGE_TYPES = {
    "shipped_site": {
        "sheet": "/sheets/victims/",
        "statistic": "/stats/victims-identified-2020/",
        "statistic, derived": "/stats/defendants-charged-2019/",
        "sources page, disputed": "/stats/active-cases-2020/sources/",
        "sources page, derived": "/stats/defendants-charged-2019/sources/",
        "chart embed": "/embed/victims-by-age-and-sex/",
        # The Spanish edition: the same gates hold in both languages.
        "home, Spanish": "/es/",
        "sheet, Spanish": "/es/sheets/victims/",
        "statistic, Spanish": "/es/stats/victims-identified-2020/",
        "sources page, Spanish": "/es/stats/active-cases-2020/sources/",
        "help, Spanish": "/es/help/",
        "chart embed, Spanish": "/es/embed/victims-by-age-and-sex/",
        **_EVERY_SITE,
    },
    "fixture_site": {
        "sheet": "/sheets/main-sheet/",
        "statistic with a chart": "/stats/cases-2020/",  # no shipped statistic has a chart of its own yet
        "statistic, derived": "/stats/cases-2019/",
        "sources page, disputed": "/stats/cases-2020/sources/",
        "sources page, derived": "/stats/cases-2019/sources/",
        "chart embed": "/embed/cases-2020/",
        **_EVERY_SITE,
    },
}
# What to type on the search page so that it loads its index and shows results.
SEARCH_QUERY = {"shipped_site": "victims", "fixture_site": "cases"}


def search_and_wait(page, query: str) -> None:
    """Type into the search page's box and wait for its results (Pagefind loads its script and WebAssembly)."""
    page.focus("#search-input")
    page.keyboard.type(query)
    page.wait_for_selector("#search-results li a", timeout=30000)

"""The one place that knows URLs and output paths. URLs never change: they are printed and shared."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from posixpath import normpath
from urllib.parse import urlsplit

from ..content.locales import DEFAULT_LANGUAGE
from ..content.model import SLUG_RE


class UnsafePath(ValueError):
    pass


def _slug(slug: str) -> str:
    if not SLUG_RE.fullmatch(slug):
        raise UnsafePath(f"{slug!r} is not a safe slug")
    return slug


def home() -> str:
    return "/"


def sheet(slug: str) -> str:
    return f"/sheets/{_slug(slug)}/"


def sheet_pdf(slug: str, paper: str) -> str:
    return f"/sheets/{_slug(slug)}/{_slug(slug)}-{paper}.pdf"


def stat(slug: str) -> str:
    return f"/stats/{_slug(slug)}/"


def stat_sources(slug: str) -> str:
    return f"/stats/{_slug(slug)}/sources/"


def sources() -> str:
    return "/sources/"


def source_anchor(source_id: str) -> str:
    return f"/sources/#source-{_slug(source_id)}"


def methodology() -> str:
    return "/methodology/"


def chart_file(chart_id: str, variant: str, extension: str) -> str:
    """/charts/<id>.svg, /charts/<id>-narrow.svg, /charts/<id>.png, /charts/<id>.csv"""
    suffix = "" if variant == "wide" else f"-{_slug(variant)}"
    return f"/charts/{_slug(chart_id)}{suffix}.{extension}"


def embed(chart_id: str) -> str:
    return f"/embed/{_slug(chart_id)}/"


def corrections() -> str:
    return "/corrections/"


def search() -> str:
    return "/search/"


def data() -> str:
    return "/data/"


def data_statistic(slug: str) -> str:
    """One figure's record, at an address as stable as its page's."""
    return f"/data/statistics/{_slug(slug)}.json"


def help() -> str:
    return "/help/"


def privacy() -> str:
    return "/privacy/"


def not_found() -> str:
    """The page Netlify serves for any address the site does not have."""
    return "/404.html"


def feed() -> str:
    return "/updates.xml"


def sitemap() -> str:
    return "/sitemap.xml"


def robots() -> str:
    return "/robots.txt"


def card(name: str) -> str:
    """A page's link-preview image."""
    return f"/cards/{_slug(name)}.png"


def data_file(name: str) -> str:
    """A download of the whole data set, such as statistics.csv, or a schema of one (statistics.schema.json)."""
    *stem, extension = name.split(".")
    if not stem or extension not in ("csv", "json"):
        raise UnsafePath(f"{name!r} is not a data file's name")
    return data() + ".".join(map(_slug, stem)) + "." + extension


SEARCH_FOLDER = "pagefind"  # where the search index is published


def search_file(name: str) -> str:
    """A file of the search index (Pagefind's script, the list of index parts)."""
    return f"/{SEARCH_FOLDER}/" + ".".join(map(_slug, name.split(".")))


def search_part(number: int) -> str:
    """The folder of part `number` of the search index: the first is the index's own folder."""
    return f"/{SEARCH_FOLDER}/" if number == 0 else f"/{SEARCH_FOLDER}/part-{number}/"


def search_part_of(relative: str) -> int | None:
    """The number of the search part whose folder holds the site's file at `relative` (search_part
    read backwards: the files directly in the index's folder are the first part's), or None: a file
    outside the index's folder."""
    folder = SEARCH_FOLDER + "/"
    if not relative.startswith(folder):
        return None
    head, sep, _ = relative[len(folder):].partition("/")
    if sep and head.startswith("part-") and head[5:].isdigit():
        return int(head[5:])
    return 0


def file_url(output: str) -> str:
    """The URL of the file at `output` in site/ (a file's, not a folder page's): output_path undone."""
    url = "/" + output
    if output_path(url) != output or output.endswith("index.html"):
        raise UnsafePath(f"{output!r} is not a file's path in site/")
    return url


# An address of plain segments (slugs, language codes), then a plain file name or none (a folder's
# page): no "." or ".." segment, no empty one, so normpath would give it back unchanged. Most of
# the site's addresses (every page, chart and record of a figure) are matched so, without normpath.
_PLAIN_RE = re.compile(r"(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*/([a-z0-9]+(?:[-.][a-z0-9]+)*)?")


def output_path(url: str) -> str:
    """The file, relative to site/, that serves `url`; refuses anything that could leave site/."""
    plain = _PLAIN_RE.fullmatch(url)
    if plain:
        return url[1:] if plain.group(1) else url[1:] + "index.html"
    return checked_output_path(url)


def checked_output_path(url: str) -> str:
    """output_path, for any address: normalised, and refused if it is not already normal."""
    if not url.startswith("/") or "\\" in url or "\x00" in url:
        raise UnsafePath(f"{url!r} is not a site path")
    relative = url.lstrip("/")
    if url.endswith("/"):
        relative += "index.html"
    cleaned = normpath(relative)
    if cleaned != relative or cleaned.startswith("..") or cleaned.startswith("/"):
        raise UnsafePath(f"{url!r} would write outside site/")
    return cleaned


def absolute(base_url: str, url: str) -> str:
    return base_url.rstrip("/") + url


def origin(base_url: str) -> str:
    """The site's origin as a browser writes it (lower-case host, no default port). base_url is an
    origin already (check_origin allows no path), so root-relative links resolved against it are the
    public addresses; spelled as the browser spells it so it can be compared with the browser's URLs."""
    parts = urlsplit(base_url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}{port}"


# --- Languages ------------------------------------------------------------------------------------
# English pages sit at the root; every other language's at the same address under /<code>/, so an
# address stays predictable: /stats/x/ in English is /es/stats/x/ in Spanish. Data files, assets,
# the search index, the sitemap and robots.txt are one for the whole site.

LANGUAGE_RE = re.compile(r"[a-z]{2}")
LOCALIZED = frozenset({"home", "sheet", "sheet_pdf", "stat", "stat_sources", "sources", "source_anchor", "methodology",
                       "chart_file", "embed", "corrections", "search", "data", "help", "privacy", "not_found", "card",
                       "feed"})


def localized(url: str, language: str) -> str:
    """An English page's address in `language`."""
    if language == DEFAULT_LANGUAGE:
        return url
    if not LANGUAGE_RE.fullmatch(language):
        raise UnsafePath(f"{language!r} is not a language code")
    return f"/{language}{url}"


def in_english(url: str, languages: Iterable[str]) -> str:
    """The English address of a page in any of `languages`: localized undone."""
    first, _, rest = url.lstrip("/").partition("/")
    return "/" + rest if first in languages and first != DEFAULT_LANGUAGE else url


def alternates(url: str, languages: Sequence[str]) -> list[tuple[str, str]]:
    """(language, address) of the page at `url` in every language, the site's default first."""
    english = in_english(url, languages)
    return [(language, localized(english, language)) for language in languages]


class SiteUrls:
    """The addresses of one language's pages: the functions above, with each page's address in that
    language (the others, such as absolute and output_path, are the same in every language)."""

    def __init__(self, language: str = DEFAULT_LANGUAGE):
        localized("/", language)  # refuses a code that could leave site/
        self.language = language

    def __getattr__(self, name: str):
        function = globals()[name]
        if name in LOCALIZED:
            english, language = function, self.language
            function = lambda *args: localized(english(*args), language)
        # Kept on the instance, so that this runs once per name: planning asks for tens of thousands of addresses.
        setattr(self, name, function)
        return function

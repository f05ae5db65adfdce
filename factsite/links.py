"""`python3 build.py links`: is every source still there, and does it still say what the site quotes?

The only part of the project, with `build.py archive`, that uses the network; the build and the tests
stay offline. It fetches every source's url and archived copy, politely (one request at a time, a
pause between two requests to the same host, a timeout, a user agent that says who asks), and
reports as `path:line: field: ...`:

- dead links (404, 410, or a host that does not answer to its name),
- redirects to another host (the page may have moved, or been replaced by a home page),
- quotes no longer found on the page (content drift), compared after the normalisation the build
  uses when it checks that a quote states its figure,

each with the day it was first seen, kept in `.cache/links/`. The exit status is 1 only for a dead
source with no archived copy: that is the one problem that leaves readers no way to the passage.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .content.errors import Problem
from .content.figures import comparable_text
from .content.load import Record
from .content.validate import Content
from .images.progress import Progress

TIMEOUT = 20.0  # seconds for one request: a slow news site answers in a few
HOST_PAUSE = 1.0  # seconds between two requests to the same host
MAX_REDIRECTS = 5
MAX_BYTES = 5_000_000  # a page larger than this is read only this far
CACHE_HOURS = 20.0  # a page fetched this recently is not fetched again (a rerun after a fix is free)
DEAD_STATUSES = {404, 410}
USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 "
              "factsite-links/1.0 (a fact site checking the sources it cites; one request at a time)")


@dataclass
class Fetched:
    """What one url gave: the last status, where the redirects led, and the page's text."""

    url: str
    fetched: str  # when, ISO 8601 UTC
    status: int | None = None  # None: no answer at all (see error)
    final_url: str = ""
    text: str = ""  # the page's visible text, as comparable_text leaves it
    error: str = ""  # why there was no answer: an unknown host, a refused connection, a timeout
    dead_host: bool = False  # the host name does not resolve, or refuses connections

    @property
    def dead(self) -> bool:
        return self.dead_host or self.status in DEAD_STATUSES

    @property
    def readable(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # each hop is followed by hand, to see where it goes
        return None


class _TextOfPage(HTMLParser):
    """The visible text of an HTML page: no scripts or styles, a space at each block's edge."""

    HIDDEN = {"script", "style", "template", "noscript", "svg"}
    BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "table",
              "section", "article", "header", "footer", "blockquote", "figcaption", "figure", "dd", "dt", "main"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def page_text(body: bytes, content_type: str) -> str:
    """The comparable text of a fetched body: HTML reduced to what a reader sees, a PDF's text, else the text as is."""
    if "pdf" in content_type or body.startswith(b"%PDF-"):
        import io

        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            return comparable_text(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages))
        except (PdfReadError, ValueError, KeyError):
            return ""
    charset = "utf-8"
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip().strip('"') or charset
    try:
        decoded = body.decode(charset, errors="replace")
    except LookupError:
        decoded = body.decode("utf-8", errors="replace")
    if "html" in content_type or decoded.lstrip()[:1] == "<":
        parser = _TextOfPage()
        parser.feed(decoded)
        parser.close()
        decoded = "".join(parser.parts)
    return comparable_text(decoded)


class PoliteClient:
    """One request at a time, a pause between two requests to one host, a timeout, a user agent."""

    def __init__(self, timeout: float = TIMEOUT, host_pause: float = HOST_PAUSE, user_agent: str = USER_AGENT):
        self.timeout, self.host_pause, self.user_agent = timeout, host_pause, user_agent
        self._last: dict[str, float] = {}  # host -> when its last request ended
        self._opener = urllib.request.build_opener(_NoRedirect)

    def _wait_for(self, host: str) -> None:
        since = time.monotonic() - self._last.get(host, -self.host_pause)
        if since < self.host_pause:
            time.sleep(self.host_pause - since)

    def request(self, url: str, data: bytes | None = None, headers: dict[str, str] | None = None
                ) -> tuple[int, dict[str, str], bytes]:
        """One request, no redirect followed: (status, headers, body). Raises OSError with no answer."""
        host = urlsplit(url).netloc.lower()
        self._wait_for(host)
        request = urllib.request.Request(url, data=data, headers={"User-Agent": self.user_agent,
                                                                  "Accept-Language": "en", **(headers or {})})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers.items()), response.read(MAX_BYTES)
        except urllib.error.HTTPError as error:  # a 3xx (not followed), 4xx or 5xx: still an answer
            with error:
                return error.code, dict(error.headers.items()), error.read(MAX_BYTES)
        finally:
            self._last[host] = time.monotonic()

    def fetch(self, url: str) -> Fetched:
        """GET `url`, following redirects by hand, and keep the final page's text."""
        result = Fetched(url, now().isoformat(timespec="seconds"))
        current = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                status, headers, body = self.request(current, headers={"Accept": "text/html,*/*;q=0.8"})
                location = next((v for k, v in headers.items() if k.lower() == "location"), None)
                if 300 <= status < 400 and location:
                    current = urljoin(current, location)
                    continue
                result.status, result.final_url = status, current
                content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
                if 200 <= status < 300:
                    result.text = page_text(body, content_type)
                return result
            result.error, result.final_url = f"more than {MAX_REDIRECTS} redirects", current
        except urllib.error.URLError as error:
            reason = error.reason
            result.error = str(reason)
            # No such host, or nothing listening: the address itself is gone. A timeout, or a name
            # server that could not answer for now (EAI_AGAIN), may pass: those are not dead.
            no_such_host = isinstance(reason, socket.gaierror) and reason.errno != socket.EAI_AGAIN
            result.dead_host = no_such_host or isinstance(reason, ConnectionRefusedError)
        except (TimeoutError, OSError) as error:
            result.error = str(error) or type(error).__name__
        return result


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class LinkCache:
    """`.cache/links/`: each url's last fetch (pages.json) and the day each problem was first seen."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.pages: dict[str, dict] = self._read("pages.json")
        self.first_seen: dict[str, str] = self._read("problems.json")

    def _read(self, name: str) -> dict:
        try:
            return json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def recent(self, url: str, max_age_hours: float) -> Fetched | None:
        entry = self.pages.get(url)
        if entry is None or max_age_hours <= 0:
            return None
        fetched = datetime.datetime.fromisoformat(entry["fetched"])
        return Fetched(**entry) if now() - fetched < datetime.timedelta(hours=max_age_hours) else None

    def keep(self, fetched: Fetched) -> None:
        self.pages[fetched.url] = asdict(fetched)

    def seen(self, key: str, today: str) -> str:
        return self.first_seen.setdefault(key, today)

    def save(self, current: set[str]) -> None:
        """Write both files; a problem no longer seen is forgotten (if it comes back, it is new again)."""
        self.first_seen = {key: day for key, day in self.first_seen.items() if key in current}
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, data in (("pages.json", self.pages), ("problems.json", self.first_seen)):
            temporary = self.folder / f".{name}.tmp"
            temporary.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self.folder / name)


@dataclass(frozen=True)
class Quoted:
    """A passage the site quotes, where it is written, and the source whose page holds it."""

    source_id: str
    record: Record
    loc: tuple[str | int, ...]
    quote: str


def quoted_passages(content: Content) -> Iterator[Quoted]:
    """Every quote in the content, with the source it was read in (the via page, for a citation read there)."""
    for slug, stat in content.stats.items():
        record = content.origin[f"stat:{slug}"]
        for i, citation in enumerate(stat.citations):
            yield Quoted(citation.via or citation.source, record, ("citations", i, "quote"), citation.quote)
        for i, item in enumerate(stat.discrepancies):
            yield Quoted(item.source, record, ("discrepancies", i, "quote"), item.quote)
    for sheet in content.sheets:
        record = content.origin[f"sheet:{sheet.slug}"]
        for i, statement in enumerate(sheet.statements):
            yield Quoted(statement.source, record, ("statements", i, "quote"), statement.quote)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # every problem found, for the cache's first-seen days
    stranded: int = 0  # dead sources without an archived copy

    def add(self, cache: LinkCache, today: str, record: Record, loc: tuple[str | int, ...], kind: str, url: str,
            message: str) -> None:
        key = f"{record.shown_path}|{'.'.join(map(str, loc))}|{kind}|{url}"
        self.keys.add(key)
        first = cache.seen(key, today)
        since = "first seen today" if first == today else f"first seen {first}"
        field_name = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(loc))
        self.problems.append(Problem(record.shown_path, record.line_of(loc), field_name, f"{message} ({since})",
                                     "error" if kind == "stranded" else "warning"))


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower().removeprefix("www.")


def check_links(content: Content, client: PoliteClient, cache: LinkCache, max_age_hours: float = CACHE_HOURS,
                progress_stream=None) -> Report:
    """Fetch every source url and archived copy once, then judge each source and each quote."""
    today = now().date().isoformat()
    report = Report()
    quotes: dict[str, list[Quoted]] = {}
    for passage in quoted_passages(content):
        quotes.setdefault(passage.source_id, []).append(passage)
    wanted = [(source, address) for source in content.sources.values()
              for address in (source.url if source.url_status != "dead" else None, source.archive_url) if address]
    pages: dict[str, Fetched] = {}
    with Progress("links", total=len(wanted), stream=progress_stream, verb="to check") as progress:
        for _, address in wanted:
            if address not in pages:
                pages[address] = cache.recent(address, max_age_hours) or client.fetch(address)
                cache.keep(pages[address])
            progress.advance()
    for source in content.sources.values():
        record = content.origin[f"source:{source.id}"]
        live = pages.get(source.url) if source.url and source.url_status != "dead" else None
        archived = pages.get(source.archive_url) if source.archive_url else None
        if live is not None:
            _judge_address(report, cache, today, record, ("url",), live, archived is not None)
        if archived is not None:
            _judge_address(report, cache, today, record, ("archive_url",), archived, True)
        # A quote is looked for where readers are sent: the live page, or the archived copy once it is dead.
        for page, where in ((live, "on the page"), (archived, "in the archived copy")):
            if page is None or not page.readable:
                continue
            fix = ("read the page, then correct the quote, or record an archived copy that holds it"
                   if page is live else "that capture does not hold the quote: record another")
            for passage in quotes.get(source.id, []):
                if comparable_text(passage.quote) not in page.text:
                    report.add(cache, today, passage.record, passage.loc, "drift", page.url,
                               f"quote no longer found {where} {page.url}: {fix}")
    return report


def _judge_address(report: Report, cache: LinkCache, today: str, record: Record, loc: tuple[str, ...],
                   page: Fetched, has_archive: bool) -> None:
    what = "the archived copy" if loc == ("archive_url",) else "the link"
    if page.dead:
        why = f"HTTP {page.status}" if page.status else page.error
        if loc == ("url",) and not has_archive:
            report.stranded += 1
            report.add(cache, today, record, loc, "stranded", page.url,
                       f"dead link ({why}) and no archived copy: find a capture (python3 build.py archive), "
                       "record it with url_status: dead, or replace the source")
        elif loc == ("url",):
            report.add(cache, today, record, loc, "dead", page.url,
                       f"dead link ({why}): set url_status: dead so that readers are sent to the archived copy")
        else:
            report.add(cache, today, record, loc, "dead", page.url, f"{what} is gone ({why}): record another capture")
    elif page.status is None:
        report.add(cache, today, record, loc, "unreachable", page.url,
                   f"{what} did not answer ({page.error}): try again later")
    elif not page.readable:
        report.add(cache, today, record, loc, "refused", page.url,
                   f"{what} answered HTTP {page.status}: open it in a browser to see whether it still holds the passage")
    elif loc == ("url",) and _host(page.final_url) != _host(page.url):
        report.add(cache, today, record, loc, "moved", page.url,
                   f"redirects to another host, {page.final_url}: check that the page there holds the quotes, "
                   "then update url (or set url_status: moved)")


def default_cache() -> Path:
    """Kept between runs, outside site/ (FACTSITE_LINKS_CACHE overrides)."""
    return Path(os.environ.get("FACTSITE_LINKS_CACHE") or Path(__file__).resolve().parent.parent / ".cache" / "links")


def valid_content(content_dir: Path, command: str) -> Content | None:
    """The validated content, or None after printing its errors: neither command works on broken content."""
    from .pipeline import load_and_validate

    content, problems = load_and_validate(content_dir)
    if content is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{command}: the content has errors (python3 build.py check lists them); nothing was done.", file=sys.stderr)
    return content


def run_links(content_dir: Path, cache_dir: Path | None = None, max_age_hours: float = CACHE_HOURS,
              client: PoliteClient | None = None) -> int:
    """The `links` command: report every problem; status 1 only for a dead source without an archived copy."""
    content = valid_content(content_dir, "links")
    if content is None:
        return 1
    cache = LinkCache(cache_dir or default_cache())
    report = check_links(content, client or PoliteClient(), cache, max_age_hours)
    cache.save(report.keys)
    for problem in sorted(report.problems):
        print(problem)
    checked = len({s.id for s in content.sources.values() if s.url})
    print(f"links: {checked} source(s) checked, {len(report.problems)} problem(s), "
          f"{report.stranded} dead without an archived copy.")
    return 1 if report.stranded else 0

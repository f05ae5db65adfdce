"""A PDF of every fact sheet, in US Letter and A4, printed by headless Chromium from the sheet page
itself with the print stylesheet (so the PDF is what a browser prints).

Pages are served to the browser from memory, before anything is written, at the site's public
address (so a printed sheet's links lead to the site, not to where it was printed). PDFs are cached by a hash
of the page and every file it uses, so an unchanged sheet is not printed again. The document's
metadata, fixed dates and identifier are patched into Chromium's PDF, so the same sheet always
gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import re
from pathlib import Path

from ..web.jobs import PdfJob
from .headless import Headless, ImageCache, render_cached

PDF_VERSION = "4"  # 4: printed from the site's own origin, so the links are its public addresses
PAPER_FORMATS = {"letter": "Letter", "a4": "A4"}
_REFERENCE_RE = re.compile(r'(?:src|href|srcset)="(/[^"#?]+)')


def _cache_key(job: PdfJob, files: dict[str, bytes]) -> str:
    digest = hashlib.sha256(f"{PDF_VERSION}\n{job}\n".encode())
    html = files[job.page_output]
    digest.update(html)
    for reference in sorted(set(_REFERENCE_RE.findall(html.decode("utf-8")))):
        data = files.get(reference.lstrip("/"))
        if data is not None:
            digest.update(reference.encode() + hashlib.sha256(data).digest())
    return digest.hexdigest()


def _serve_from_memory(files: dict[str, bytes], origins: set[str]):
    """A route for every request: the sheets are printed from the site's public origin (their links
    in the PDF resolve against it), but what that origin serves is `files`, never the network."""
    async def handle(route) -> None:
        url = route.request.url
        origin = next((o for o in origins if url.startswith(o + "/")), None)
        path = url.removeprefix(origin or "").split("?")[0].split("#")[0]
        relative = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
        if origin is not None and relative in files:
            kind = mimetypes.guess_type(relative)[0] or "application/octet-stream"
            await route.fulfill(status=200, body=files[relative], content_type=kind)
        else:
            await route.fulfill(status=404, body=b"")  # nothing leaves the machine

    return handle


def _info(job: PdfJob) -> dict[str, str]:
    """The document information the PDF carries: the sheet's, dated the sheet's date, not the print's."""
    stamp = "D:" + (job.date.replace("-", "") + "0101")[:8] + "000000Z"
    return {"/Title": job.title, "/Author": job.author, "/Subject": job.subject, "/Creator": "factsite",
            "/Producer": "factsite (Chromium, pypdf)", "/CreationDate": stamp, "/ModDate": stamp}


def _with_metadata(pdf: bytes, job: PdfJob, key: str) -> bytes:
    """Chromium's PDF with the sheet's metadata, fixed dates and a file identifier from `key`, so that
    the same sheet always gives the same bytes (Chromium dates its PDFs with the clock and gives them
    no identifier). Patched in place when the PDF is laid out as Chromium writes it (a millisecond),
    else rewritten by pypdf (a twentieth of a second)."""
    identifier = bytes.fromhex(key[:32])
    return _patched(pdf, _info(job), identifier) or _rewritten(pdf, _info(job), identifier)


_STARTXREF = re.compile(rb"startxref\n(\d+)\n%%EOF\n?$")
_XREF = re.compile(rb"xref\n0 (\d+)\n")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])(?: \n|\r\n| \r)")
_TRAILER = re.compile(rb"trailer\n<</Size (\d+)\n/Root (\d+) 0 R\n/Info (\d+) 0 R>>\n")


def _patched(pdf: bytes, info: dict[str, str], identifier: bytes) -> bytes | None:
    """`pdf` with its document information object replaced by `info`, the cross-reference table's
    offsets moved to match and the identifier added to the trailer; None unless `pdf` is exactly as
    Chromium (Skia) writes it: one classic cross-reference table, a trailer of /Size, /Root and /Info
    only, and a catalogue that names the language. The objects the pages are made of are kept byte
    for byte: pypdf's full rewrite of them was most of a PDF's CPU."""
    end = _STARTXREF.search(pdf)
    table = _XREF.match(pdf, int(end.group(1))) if end else None
    if end is None or table is None:
        return None
    size = int(table.group(1))
    entries = [_ENTRY.fullmatch(pdf, table.end() + 20 * n, table.end() + 20 * n + 20) for n in range(size)]
    trailer = _TRAILER.match(pdf, table.end() + 20 * size)
    if not all(entries) or trailer is None or trailer.end() != end.start() or int(trailer.group(1)) != size:
        return None
    offsets = [int(entry.group(1)) if entry.group(3) == b"n" else None for entry in entries]  # type: ignore[union-attr]
    root, number = int(trailer.group(2)), int(trailer.group(3))
    if not (0 < root < size and 0 < number < size) or offsets[root] is None or offsets[number] is None:
        return None
    starts = sorted({offset for offset in offsets if offset is not None} | {int(end.group(1))})

    def extent(n: int) -> tuple[int, int]:  # object n's bytes: up to the next object or the table
        start = offsets[n]
        return start, starts[starts.index(start) + 1]

    for n in (root, number):
        start, stop = extent(n)
        if not pdf.startswith(b"%d 0 obj\n" % n, start) or not pdf[start:stop].rstrip().endswith(b"endobj"):
            return None
    if b"/Lang (" not in pdf[slice(*extent(root))]:  # Chromium names it from <html lang>; pypdf adds one
        return None
    start, stop = extent(number)
    replaced = b"%d 0 obj\n" % number + _serialised(info) + b"\nendobj\n"
    moved = len(replaced) - (stop - start)
    body = pdf[:start] + replaced + pdf[stop:int(end.group(1))]
    rows = b"".join(entry.group(0) if offsets[n] is None or offsets[n] < stop  # type: ignore[union-attr,operator]
                    else b"%010d" % (offsets[n] + moved) + entry.group(0)[10:]  # type: ignore[union-attr,operator]
                    for n, entry in enumerate(entries))
    return (body + b"xref\n0 %d\n" % size + rows
            + b"trailer\n<</Size %d\n/Root %d 0 R\n/Info %d 0 R\n/ID [<%s> <%s>]>>\n" % (
                size, root, number, identifier.hex().encode(), identifier.hex().encode())
            + b"startxref\n%d\n%%%%EOF\n" % len(body))


def _serialised(info: dict[str, str]) -> bytes:
    """The information dictionary as pypdf writes it (PDFDocEncoding, or UTF-16 where a title needs it)."""
    from pypdf.generic import DictionaryObject, NameObject, create_string_object  # an HTML-only build never needs pypdf

    out = io.BytesIO()
    DictionaryObject({NameObject(name): create_string_object(value) for name, value in info.items()}).write_to_stream(out)
    return out.getvalue()


def _rewritten(pdf: bytes, info: dict[str, str], identifier: bytes) -> bytes:
    """`pdf` with `info` and `identifier`, written anew by pypdf: for a PDF `_patched` does not know."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.metadata = None
    writer.add_metadata(info)
    writer._ID = ArrayObject([ByteStringObject(identifier), ByteStringObject(identifier)])
    writer._root_object[NameObject("/Lang")] = writer._root_object.get("/Lang", NameObject("/en"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_pdfs(jobs: list[PdfJob], files: dict[str, bytes], cache: ImageCache, headless: Headless) -> tuple[dict[str, Path], int]:
    """Every job's PDF as output path -> its file in the cache; returns how many had to be printed.
    Sheets are printed on several pages at once (headless.pages), a sheet's papers one after the other
    on one page, each page's sheets into one document (`_load`)."""

    async def open_page():
        page = await headless.page()
        await page.route("**/*", _serve_from_memory(files, {job.origin for job in jobs}))
        await page.emulate_media(media="print")
        return page

    async def print_sheet(page, job: PdfJob, key: str) -> bytes:
        if page.url != job.origin + job.page_url:  # a sheet's papers come one after the other: loaded once
            await _load(page, job, files)
        pdf = await page.pdf(format=PAPER_FORMATS[job.paper], print_background=True, prefer_css_page_size=False,
                             tagged=True, outline=False)
        return _with_metadata(pdf, job, key)

    return render_cached(jobs, cache, "pdf", lambda job: _cache_key(job, files), headless, open_page, print_sheet,
                         "PDFs", group=lambda job: job.page_url)


async def _load(page, job: PdfJob, files: dict[str, bytes]) -> None:
    """The sheet's page in `page`, at the sheet's address. A page's first sheet is navigated to; the
    next ones are written into the same document (`set_content`) once its address has moved to the
    sheet's (history.replaceState, so that the page's address and its relative links are the sheet's):
    about 50 ms of CPU, where a navigation (a new document, its requests, a commit in the browser
    process) took 150, and the same printed bytes."""
    if not page.url.startswith(job.origin + "/"):  # replaceState moves only within one origin
        await page.goto(job.origin + job.page_url, wait_until="load")
        return
    await page.evaluate("url => history.replaceState(null, '', url)", job.origin + job.page_url)
    await page.set_content(files[job.page_output].decode("utf-8"), wait_until="load")

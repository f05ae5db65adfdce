"""A PDF of every fact sheet, in US Letter and A4, printed by headless Chromium from the sheet page
itself with the print stylesheet (so the PDF is what a browser prints).

Pages are served to the browser from memory, before anything is written. PDFs are cached by a hash
of the page and every file it uses, so an unchanged sheet is not printed again. pypdf sets the
document's metadata and fixed dates, so the same sheet always gives the same bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import mimetypes
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..content.parallel import usable_cores
from ..web.jobs import PdfJob
from .headless import Headless, ImageCache, render_cached

PDF_VERSION = "2"
PAPER_FORMATS = {"letter": "Letter", "a4": "A4"}
ORIGIN = "http://sheet.invalid"  # never resolved: every request is answered from memory
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


def _serve_from_memory(files: dict[str, bytes]):
    async def handle(route) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?")[0].split("#")[0]
        relative = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
        if route.request.url.startswith(ORIGIN) and relative in files:
            kind = mimetypes.guess_type(relative)[0] or "application/octet-stream"
            await route.fulfill(status=200, body=files[relative], content_type=kind)
        else:
            await route.fulfill(status=404, body=b"")  # nothing leaves the machine

    return handle


def _with_metadata(pdf: bytes, job: PdfJob, key: str) -> bytes:
    from pypdf import PdfReader, PdfWriter  # imported here: an HTML-only build never needs it
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject

    stamp = "D:" + (job.date.replace("-", "") + "0101")[:8] + "000000Z"
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.metadata = None
    writer.add_metadata({
        "/Title": job.title, "/Author": job.author, "/Subject": job.subject,
        "/Creator": "factsite", "/Producer": "factsite (Chromium, pypdf)",
        "/CreationDate": stamp, "/ModDate": stamp,
    })
    # Chromium's own file identifier changes on every run; this one comes from what the PDF shows.
    identifier = ByteStringObject(bytes.fromhex(key[:32]))
    writer._ID = ArrayObject([identifier, identifier])
    writer._root_object[NameObject("/Lang")] = writer._root_object.get("/Lang", NameObject("/en"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_pdfs(jobs: list[PdfJob], files: dict[str, bytes], cache: ImageCache, headless: Headless) -> tuple[dict[str, Path], int]:
    """Every job's PDF as output path -> its file in the cache; returns how many had to be printed.
    Sheets are printed on several pages at once (headless.pages), a sheet's papers one after the other
    on one page; pypdf's rewrite (most of a PDF's time, all of it Python) runs in worker processes."""

    async def open_page():
        page = await headless.page()
        await page.route("**/*", _serve_from_memory(files))
        await page.emulate_media(media="print")
        return page

    with _MetadataWorkers(headless.pages) as workers:
        async def print_sheet(page, job: PdfJob, key: str) -> bytes:
            if page.url != ORIGIN + job.page_url:  # a sheet's papers come one after the other: loaded once
                await page.goto(ORIGIN + job.page_url, wait_until="load")
            pdf = await page.pdf(format=PAPER_FORMATS[job.paper], print_background=True, prefer_css_page_size=False,
                                 tagged=True, outline=False)
            return await workers.with_metadata(pdf, job, key)

        return render_cached(jobs, cache, "pdf", lambda job: _cache_key(job, files), headless, open_page, print_sheet,
                             "PDFs", group=lambda job: job.page_url, before_drawing=workers.expect)


class _MetadataWorkers:
    """pypdf's rewrite of each printed PDF (a quarter of a second of Python each) in worker processes
    started at the first PDF, one per usable core. For a few PDFs (a rebuild after one change) or on one
    core it runs in this process: starting the workers would cost more than it saves. Spawned, not
    forked: the build has threads (the writer's, Pagefind's) by now."""

    IN_PROCESS_UP_TO = 4  # PDFs

    def __init__(self, pages: int):
        self.pages = pages
        self.workers = 1
        self._pool: Any = None

    def expect(self, missing: int) -> None:
        self.workers = 1 if missing <= self.IN_PROCESS_UP_TO else min(usable_cores(), self.pages)

    def __enter__(self) -> "_MetadataWorkers":
        return self

    async def with_metadata(self, pdf: bytes, job: PdfJob, key: str) -> bytes:
        if self.workers <= 1:
            return _with_metadata(pdf, job, key)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return await asyncio.get_running_loop().run_in_executor(self._pool, _with_metadata, pdf, job, key)

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

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
import os
import pickle
import re
import sys
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

    workers = _MetadataWorkers(min(usable_cores(), headless.pages))

    async def print_sheet(page, job: PdfJob, key: str) -> bytes:
        if page.url != ORIGIN + job.page_url:  # a sheet's papers come one after the other: loaded once
            await page.goto(ORIGIN + job.page_url, wait_until="load")
        pdf = await page.pdf(format=PAPER_FORMATS[job.paper], print_background=True, prefer_css_page_size=False,
                             tagged=True, outline=False)
        return await workers.with_metadata(pdf, job, key)

    try:
        return render_cached(jobs, cache, "pdf", lambda job: _cache_key(job, files), headless, open_page, print_sheet,
                             "PDFs", group=lambda job: job.page_url, before_drawing=workers.expect)
    finally:
        if workers.started:
            headless.run(workers.close())


class _MetadataWorkers:
    """pypdf's rewrite of each printed PDF (a quarter of a second of Python each) in worker processes,
    one per usable core, started when the PDFs to print are counted. For a few PDFs (a rebuild after
    one change) or on one core it runs in this process: starting the workers would cost more than it
    saves. The workers are plain `python -c` processes, neither forked (the build has threads by now:
    the writer's, Pagefind's) nor multiprocessing's spawned ones (which import the caller's main
    script again); each takes one PDF at a time over its stdin and stdout."""

    IN_PROCESS_UP_TO = 4  # PDFs

    def __init__(self, cores: int):
        self.cores = cores
        self.count = 0  # worker processes started
        self._idle: asyncio.Queue | None = None
        self._processes: list[Any] = []

    @property
    def started(self) -> bool:
        return bool(self._processes)

    def expect(self, missing: int) -> None:
        self.count = 0 if missing <= self.IN_PROCESS_UP_TO or self.cores <= 1 else self.cores

    async def _start(self) -> None:
        self._idle = asyncio.Queue()
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        for _ in range(self.count):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "from factsite.images.pdf import _metadata_worker; _metadata_worker()",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env)
            self._processes.append(process)
            self._idle.put_nowait(process)

    async def with_metadata(self, pdf: bytes, job: PdfJob, key: str) -> bytes:
        if self.count == 0:
            return _with_metadata(pdf, job, key)
        if self._idle is None:
            await self._start()
        assert self._idle is not None
        process = await self._idle.get()
        try:
            request = pickle.dumps((pdf, job, key))
            process.stdin.write(len(request).to_bytes(8, "big") + request)
            await process.stdin.drain()
            size = int.from_bytes(await process.stdout.readexactly(8), "big")
            ok, answer = pickle.loads(await process.stdout.readexactly(size))
        except (OSError, asyncio.IncompleteReadError) as error:
            raise RuntimeError(f"a PDF worker process stopped ({error})") from None
        self._idle.put_nowait(process)  # not when it failed: a broken worker is not reused
        if not ok:
            raise RuntimeError(f"pypdf failed on {job.output}: {answer}")
        return answer

    async def close(self) -> None:
        for process in self._processes:
            if process.stdin is not None and not process.stdin.is_closing():
                process.stdin.close()  # a worker ends at the end of its input
        for process in self._processes:
            try:
                await asyncio.wait_for(process.wait(), 10)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
        self._processes.clear()
        self._idle = None


def _metadata_worker() -> None:
    """A PDF worker process's loop: read a request (pdf, job, key), answer (True, pdf) or (False, why)."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = source.read(8)
        if len(header) < 8:
            return
        pdf, job, key = pickle.loads(source.read(int.from_bytes(header, "big")))
        try:
            answer = (True, _with_metadata(pdf, job, key))
        except Exception as error:  # noqa: BLE001 - sent back and raised in the build
            answer = (False, f"{type(error).__name__}: {error}")
        reply = pickle.dumps(answer)
        sink.write(len(reply).to_bytes(8, "big") + reply)
        sink.flush()

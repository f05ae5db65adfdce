"""The sheet's metadata patched into Chromium's own PDF (pdf._patched), or pypdf's rewrite where the
patch does not apply: a valid file, as readers see it, the same bytes whenever it is printed."""

from __future__ import annotations

import io
import re
import asyncio

import pytest
from pypdf import PdfReader

from factsite.images import pdf as pdf_module
from factsite.images.headless import Headless
from factsite.web.jobs import PdfJob

JOB = PdfJob("sheets/s/s-a4.pdf", "sheets/s/index.html", "/sheets/s/", "a4", "Hoja: niños víctimas – 2026 ✓",
             "Trafficking Facts", "Lo que muestran los casos.", "2026-03-04",
             "https://trafficking-facts.netlify.app")
KEY = "0123456789abcdef" * 4
PAGE = "<!doctype html><html lang='es'><title>Hoja</title><body><h1>Hoja</h1><p><a href='https://example.org/'>enlace</a></p></body></html>"


@pytest.fixture(scope="module")
def printed() -> list[bytes]:
    """One page printed by Chromium twice, a second apart: its own dates differ."""
    with Headless(pages=1) as browser:
        async def print_twice() -> list[bytes]:
            page = await browser.page()
            await page.set_content(PAGE)
            first = await page.pdf(format="A4", tagged=True)
            await asyncio.sleep(1.1)
            return [first, await page.pdf(format="A4", tagged=True)]

        return browser.run(print_twice())


def _objects_where_the_table_says(pdf: bytes) -> bool:
    """Every in-use entry of the cross-reference table points at the start of its own object."""
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF", pdf).group(1))  # type: ignore[union-attr]
    size = int(re.match(rb"xref\n0 (\d+)\n", pdf[start:]).group(1))  # type: ignore[union-attr]
    table = pdf[start:].split(b"\n", 2)[2]
    entries = [table[20 * n:20 * n + 20] for n in range(size)]
    return all(pdf.startswith(b"%d 0 obj" % n, int(entry[:10])) for n, entry in enumerate(entries) if entry[17:18] == b"n")


def _read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf), strict=True)  # strict: a broken table raises, not repaired in silence


def test_chromiums_pdf_is_patched_not_rewritten(printed: list[bytes]) -> None:
    patched = pdf_module._patched(printed[0], pdf_module._info(JOB), bytes.fromhex(KEY[:32]))
    assert patched is not None, "Chromium's PDF is no longer laid out as _patched expects: each PDF costs a pypdf rewrite"
    assert patched == pdf_module._with_metadata(printed[0], JOB, KEY)
    assert _objects_where_the_table_says(patched)
    # All but the information object is Chromium's, byte for byte: the pages are not rewritten.
    assert len(patched) - len(printed[0]) < 1000


@pytest.mark.parametrize("how", ["patched", "rewritten"])
def test_the_pdf_carries_the_sheets_metadata(printed: list[bytes], how: str) -> None:
    info, identifier = pdf_module._info(JOB), bytes.fromhex(KEY[:32])
    pdf = (pdf_module._patched if how == "patched" else pdf_module._rewritten)(printed[0], info, identifier)
    assert pdf is not None
    reader = _read(pdf)
    assert dict(reader.metadata or {}) == {
        "/Title": JOB.title, "/Author": JOB.author, "/Subject": JOB.subject, "/Creator": "factsite",
        "/Producer": "factsite (Chromium, pypdf)", "/CreationDate": "D:20260304000000Z", "/ModDate": "D:20260304000000Z"}
    assert [getattr(part, "original_bytes", part) for part in reader.trailer["/ID"]] == [identifier, identifier]
    assert reader.trailer["/Root"]["/Lang"] == "es" and reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    assert len(reader.pages) == 1 and "enlace" in reader.pages[0].extract_text()
    assert [annotation.get_object()["/A"]["/URI"] for annotation in reader.pages[0]["/Annots"]] == ["https://example.org/"]


def test_the_same_sheet_printed_at_another_time_gives_the_same_bytes(printed: list[bytes]) -> None:
    assert printed[0] != printed[1]  # Chromium dates its PDF with the clock
    assert pdf_module._with_metadata(printed[0], JOB, KEY) == pdf_module._with_metadata(printed[1], JOB, KEY)


def test_a_pdf_laid_out_otherwise_is_rewritten_by_pypdf(printed: list[bytes]) -> None:
    rewritten = pdf_module._rewritten(printed[0], pdf_module._info(JOB), bytes.fromhex(KEY[:32]))
    other = pdf_module._rewritten(printed[0], {"/Title": "another"}, b"\0" * 16)  # pypdf's own layout
    assert pdf_module._patched(other, pdf_module._info(JOB), bytes.fromhex(KEY[:32])) is None
    assert pdf_module._with_metadata(other, JOB, KEY) == pdf_module._rewritten(other, pdf_module._info(JOB), bytes.fromhex(KEY[:32]))
    assert _read(rewritten).metadata == _read(pdf_module._with_metadata(other, JOB, KEY)).metadata
    catalogue = b"/DisplayDocTitle true>>\n/Lang (es)>>"
    assert printed[0].count(catalogue) == 1
    no_language = printed[0].replace(catalogue, catalogue.replace(b"/Lang", b"/Lanx"))  # same length: the table holds
    assert pdf_module._patched(no_language, pdf_module._info(JOB), bytes.fromhex(KEY[:32])) is None
    assert _read(pdf_module._with_metadata(no_language, JOB, KEY)).trailer["/Root"]["/Lang"] == "/en"

"""Printed fact sheets: the PDFs, as a PDF reader, a text extractor and a phone camera see them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from factsite.content.figures import display
from factsite.content.model import Figure
from factsite.web.pages import readable_date

from .conftest import ROOT, run_build, copy_good_tree
from .site_pages import parse

BASE = "https://trafficking-facts.netlify.app"
SHEETS = sorted(p.stem for p in (ROOT / "content/sheets").glob("*.yaml"))


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("slug", SHEETS)
def test_sheet_pdf(shipped_site: Path, slug: str, paper: str, tmp_path: Path) -> None:
    sheet = yaml.safe_load((ROOT / f"content/sheets/{slug}.yaml").read_text())
    pdf = shipped_site / "sheets" / slug / f"{slug}-{paper}.pdf"
    info = pdf_info(pdf)
    assert 1 <= int(info["Pages"]) <= 3, info["Pages"]
    assert info["Page size"].endswith("(letter)" if paper == "letter" else "(A4)")
    assert info["Title"] == sheet["title"] and info["Subject"] == sheet["summary"]
    assert info["Author"].startswith("Trafficking Facts")
    text = pdf_text(pdf)
    for stat_slug in sheet["statistics"]:
        stat = yaml.safe_load((ROOT / f"content/stats/{stat_slug}.yaml").read_text())
        figure = display(Figure(**stat["figure"]))
        assert figure in text, f"{figure} ({stat_slug}) missing from {pdf.name}"
    sources = [li.get_text(" ", strip=True) for li in parse(shipped_site / "sheets" / slug / "index.html").select(".print-sources li")]
    assert sources
    for source in sources:
        assert re.sub(r"\s+", " ", source)[:40] in text
    assert "1-888-373-7888" in text and "Content last reviewed" in text
    # The QR code, read from the printed page as a phone would, leads back to the sheet.
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "page")], check=True)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", *sorted(map(str, tmp_path.glob("page*.png")))],
                             capture_output=True, text=True).stdout.split()
    assert decoded == [f"{BASE}/sheets/{slug}/"]


def word_boxes(pdf: Path) -> list[tuple[int, float, float, str]]:
    """(page number, box height in pt, bottom of the box as a share of the page height, word) for
    every word pdftotext finds, chart labels included (the chart images are vector, their text text)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = []
    for number, (height, body) in enumerate(re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', xml, re.S), 1):
        for y_min, y_max, word in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', body):
            words.append((number, float(y_max) - float(y_min), float(y_max) / float(height), word))
    return words


# pdftotext's word box is 1.164 times the type size for the font the sheets print in (DejaVu Sans).
BOX_PER_POINT = 1.164


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("slug", SHEETS)
def test_page_one_of_a_printed_sheet_stands_alone(shipped_site: Path, slug: str, paper: str, tmp_path: Path) -> None:
    """A single-sided print of page 1 is what most people are handed: it carries the help line, the
    sheet's address (unbroken), its QR code, the short source line and the date as the web pages write it."""
    pdf = shipped_site / "sheets" / slug / f"{slug}-{paper}.pdf"
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    reviewed = readable_date(yaml.safe_load((ROOT / "content/site.yaml").read_text())["last_reviewed"])
    assert "Confidential help, 24/7" in first and "1-888-373-7888" in first and "233733" in first
    assert f"{BASE}/sheets/{slug}/" in first.split()  # on one line: never broken at the domain's hyphen
    assert f"Content last reviewed {reviewed}." in " ".join(first.split())
    masthead = parse(shipped_site / "sheets" / slug / "index.html").select_one(".print-masthead").get_text(" ", strip=True)
    source = re.search(r"Source: (.+?) \(each figure", masthead).group(1)  # the sheet's credits, as its share card gives them
    assert f"Source: {source[:40]}" in " ".join(first.split())
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "first")], check=True)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", *map(str, tmp_path.glob("first*.png"))], capture_output=True, text=True).stdout.split()
    assert decoded == [f"{BASE}/sheets/{slug}/"]


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("slug", SHEETS)
def test_printed_text_is_large_enough_and_no_page_but_the_last_is_left_half_empty(shipped_site: Path, slug: str, paper: str) -> None:
    words = word_boxes(shipped_site / "sheets" / slug / f"{slug}-{paper}.pdf")
    smallest = min(words, key=lambda word: word[1])
    assert smallest[1] >= 7 * BOX_PER_POINT, f"{smallest[3]!r} on page {smallest[0]} is {smallest[1] / BOX_PER_POINT:.1f} pt"
    help_line = [height for page, height, _, word in words if page == 1 and word in ("call", "text")]
    assert help_line and min(help_line) >= 9 * BOX_PER_POINT
    pages = max(page for page, *_ in words)
    for number in range(1, pages):
        reach = max(bottom for page, _, bottom, _ in words if page == number)
        assert reach > 0.7, f"page {number} of {pages} ends {reach:.0%} of the way down"


def pdf_links(path: Path) -> list[str]:
    """Every link annotation's address in a PDF, as a reader following the link would open it."""
    from pypdf import PdfReader

    return [str(annotation.get_object()["/A"]["/URI"]) for page in PdfReader(path).pages
            for annotation in page.get("/Annots") or [] if "/URI" in annotation.get_object().get("/A", {})]


def test_printed_links_lead_to_the_public_site(shipped_site: Path) -> None:
    """A printed sheet's links are the site's public addresses, never the origin it was printed from,
    and the internal ones name pages that exist: every sheet, both papers, every language (a page's
    later sheets are loaded by history.replaceState, not navigated to)."""
    pdfs = sorted(shipped_site.glob("**/sheets/*/*.pdf"))
    assert len(pdfs) == 2 * len(SHEETS) * len(yaml.safe_load((ROOT / "content/site.yaml").read_text())["languages"])
    for pdf in pdfs:
        links = pdf_links(pdf)
        assert all(re.match(r"https?://", link) for link in links), (pdf, links)
        assert not [link for link in links if urlsplit(link).hostname.endswith(".invalid")], (pdf, links)
        internal = [link for link in links if link.startswith(BASE + "/")]
        assert internal, pdf
        for link in internal:
            path = urlsplit(link).path
            assert (shipped_site / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))).is_file(), (pdf, link)


def test_sheet_page_links_its_pdfs(shipped_site: Path) -> None:
    links = [a["href"] for a in parse(shipped_site / "sheets/victims/index.html").select(".sheet-downloads a")]
    assert links == ["/sheets/victims/victims-letter.pdf", "/sheets/victims/victims-a4.pdf"]


def test_unchanged_sheets_are_not_printed_again(tmp_path: Path, monkeypatch) -> None:
    content = copy_good_tree(tmp_path)
    monkeypatch.setenv("FACTSITE_CACHE", str(tmp_path / "cache"))
    first = run_build("--content", str(content), "--out", str(tmp_path / "site"))
    assert "2 PDF(s) rendered" in first.stdout, first.stdout
    second = run_build("--content", str(content), "--out", str(tmp_path / "site"))
    assert "0 chart image(s), 0 card(s) and 0 PDF(s) rendered" in second.stdout, second.stdout
    (content / "sheets/main-sheet.yaml").write_text((content / "sheets/main-sheet.yaml").read_text().replace("The main sheet", "The main fact sheet"))
    third = run_build("--content", str(content), "--out", str(tmp_path / "site"))
    assert "2 PDF(s) rendered" in third.stdout, third.stdout


def test_statistic_and_sources_pages_print_cleanly(fixture_site: Path) -> None:
    from playwright.sync_api import sync_playwright

    from factsite.images.browser import launch
    from factsite.publish.serve import start_server

    server = start_server(fixture_site, ROOT / "netlify.toml")
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page()
            page.emulate_media(media="print")
            for path in ["/stats/cases-2020/", "/stats/cases-2020/sources/"]:
                page.goto(f"http://127.0.0.1:{server.server_port}{path}")
                hidden = page.evaluate("""() => ['.quick-exit-bar', '.helpline-bar', '.site-header nav', '.share',
                    '.chart-actions', '.site-footer'].map(s => document.querySelector(s))
                    .filter(e => e && getComputedStyle(e).display !== 'none').map(e => e.className)""")
                assert hidden == [], (path, hidden)
                assert page.locator(".big-figure").is_visible()
                assert len(page.pdf(format="Letter")) > 1000
            browser.close()
    finally:
        server.shutdown()


def test_sheets_are_printed_from_the_origin_the_site_is_published_at() -> None:
    """The address a deploy sets (URL, or base_url) is the one printed from, spelled as a browser
    spells it, so the route that answers it and the browser agree on every request."""
    from factsite.content.load import load_content
    from factsite.content.validate import validate
    from factsite.pipeline import plan_site

    content, problems = validate(load_content(ROOT / "content"))
    assert content is not None, problems
    models = plan_site(content, "https://Facts.Example.org:443/")
    assert {job.origin for model in models for job in model.pdf_jobs()} == {"https://facts.example.org"}

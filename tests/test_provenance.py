"""Provenance travels with every figure: no output credits a source alone with a figure that no
citation read in that source. A source the site only ever read in coverage (the HTI report, NCMEC's
release) must always be named with the coverage: "..., as reported by <outlet>"."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from factsite.content.load import load_content
from factsite.web.dates import readable_date
from factsite.web.pages import SiteModel
from factsite.web.provenance import provenance
from factsite.content.validate import validate

from .conftest import GOOD, ROOT
from .site_pages import parse

AS_REPORTED = ", as reported by "


def _content(folder: Path):
    content, problems = validate(load_content(folder))
    assert content is not None, problems
    return content


def read_only_in_coverage(content) -> dict[str, object]:
    """The sources no citation read first-hand: every citation of them has a via."""
    direct = {c.source for stat in content.stats.values() for c in stat.citations if c.via is None}
    cited = {c.source for stat in content.stats.values() for c in stat.citations}
    return {sid: content.sources[sid] for sid in sorted(cited - direct)}


def bare(text: str, name: str) -> list[str]:
    """Where `text` names `name` as a figure's source without the coverage it was read in."""
    found, start = [], text.find(name)
    while start != -1:
        after = text[start + len(name):start + len(name) + len(AS_REPORTED)]
        if after != AS_REPORTED:
            found.append(text[max(0, start - 40):start + len(name) + 40])
        start = text.find(name, start + 1)
    return found


def credit_texts(site: Path, content) -> dict[str, str]:
    """Every place a built site credits figures, as text: output -> what it says."""
    places: dict[str, str] = {}
    for page in sorted(site.glob("sheets/*/index.html")):
        places[f"{page.relative_to(site)} (printed sources)"] = " | ".join(
            li.get_text() for li in parse(page).select(".print-sources li"))
    for pdf in sorted(site.glob("sheets/*/*.pdf")):
        places[str(pdf.relative_to(site))] = "\n".join(p.extract_text() or "" for p in PdfReader(pdf).pages).replace("\n", " ")
    for page in sorted(site.glob("embed/*/index.html")):
        places[f"{page.relative_to(site)} (source line)"] = parse(page).select_one(".embed-source").get_text()
    for page in sorted(site.glob("stats/*/index.html")):
        places[f"{page.relative_to(site)} (sources)"] = parse(page).select_one(".sources-link").get_text()
    for page in sorted(site.glob("stats/*/sources/index.html")):
        soup = parse(page)
        places[f"{page.relative_to(site)} (cite this)"] = " | ".join(f.get_text() for f in soup.select("#cite pre"))
    for chart in sorted(site.glob("charts/*.csv")):
        places[f"{chart.relative_to(site)} (sources)"] = " | ".join(
            row["sources"] for row in csv.DictReader(io.StringIO(chart.read_text())))
    rows = csv.DictReader(io.StringIO((site / "data/statistics.csv").read_text()))
    places["data/statistics.csv (sources)"] = " | ".join(row["sources"] for row in rows)
    statistics = json.loads((site / "data/statistics.json").read_text())["statistics"]
    places["data/statistics.json (credits)"] = " | ".join(c["credit"] for s in statistics for c in s["citations"])
    model = SiteModel(content, "https://example.org")
    places["share cards (source lines)"] = " | ".join(card.source_line for card in model.cards())
    return places


def _check_site(site: Path, content) -> int:
    only_in_coverage = read_only_in_coverage(content)
    problems, checked = [], 0
    for where, text in credit_texts(site, content).items():
        checked += 1
        for source in only_in_coverage.values():
            # The printed forms name a source by its short name, the data files by publisher and title;
            # the longer name first, then blanked, since a short name may begin the long one.
            for name in sorted({source.short_name, f"{source.publisher}, {source.title}"}, key=len, reverse=True):
                problems += [f"{where}: ...{snippet}..." for snippet in bare(text, name)]
                text = text.replace(name, "\0")
    assert not problems, "credited without the coverage it was read in:\n" + "\n".join(problems[:20])
    return checked


def test_no_output_credits_the_report_alone_for_figures_read_in_coverage(shipped_site: Path) -> None:
    content = _content(ROOT / "content")
    assert set(read_only_in_coverage(content)) >= {"hti-fhtr-2020", "ncmec-2020"}
    assert _check_site(shipped_site, content) > 100


def test_the_fixture_site_keeps_its_credits_too(fixture_site: Path) -> None:
    assert _check_site(fixture_site, _content(GOOD)) > 5


def test_structured_data_and_json_keep_the_chain(shipped_site: Path) -> None:
    """JSON-LD names the page a passage was read on, based on the report; statistics.json gives the via's address."""
    content = _content(ROOT / "content")
    only = read_only_in_coverage(content)
    statistics = {s["slug"]: s for s in json.loads((shipped_site / "data/statistics.json").read_text())["statistics"]}
    for slug, stat in content.stats.items():
        for exported, citation in zip(statistics[slug]["citations"], stat.citations):
            if citation.via:
                assert exported["via_url"] == content.sources[citation.via].url
        page = parse(shipped_site / "stats" / slug / "index.html")
        data = json.loads(page.select_one('script[type="application/ld+json"]').string)
        for work in data["citation"]:
            assert work["name"] not in {s.title for s in only.values()}, (slug, work["name"])  # never the report alone
        credited = [c.text() for c in provenance(stat, content.sources).credits]
        assert len(data["citation"]) == len(credited)


@pytest.mark.parametrize("style", ["APA", "MLA", "Chicago", "BibTeX", "CSL-JSON"])
def test_cite_this_names_every_supporting_source(shipped_site: Path, style: str) -> None:
    content = _content(ROOT / "content")
    for slug, stat in content.stats.items():
        soup = parse(shipped_site / "stats" / slug / "sources" / "index.html")
        text = next(f.select_one("pre").get_text() for f in soup.select("#cite .cite-format") if f.select_one("h3").get_text() == style)
        for citation in stat.citations:
            for source_id in filter(None, (citation.source, citation.via)):
                title = content.sources[source_id].title
                shown = title if style != "BibTeX" else title.replace("&", r"\&").replace("%", r"\%").replace("#", r"\#").replace("_", r"\_")
                assert shown in text or json.dumps(title)[1:-1] in text, (slug, style, title)


def test_bibtex_parses_and_escapes_what_latex_would_read(shipped_site: Path) -> None:
    """Every statistic's BibTeX parses as one entry whose fields hold no unescaped LaTeX special character."""
    import re

    import bibtexparser

    from factsite.web.cite import latex_escape

    assert latex_escape("A & B: 50% of #1_x {y} ~ ^ \\") == \
        r"A \& B: 50\% of \#1\_x \{y\} \textasciitilde{} \textasciicircum{} \textbackslash{}"
    checked = 0
    for page in sorted(shipped_site.glob("stats/*/sources/index.html")):
        soup = parse(page)
        text = next(f.select_one("pre").get_text() for f in soup.select("#cite .cite-format") if f.select_one("h3").get_text() == "BibTeX")
        library = bibtexparser.parse_string(text)
        assert len(library.entries) == 1 and not library.failed_blocks, (page, text)
        entry = library.entries[0]
        for key in ("title", "author", "note"):
            value = entry.fields_dict[key].value
            assert not re.search(r"(?<!\\)[&%$#_]", value), (page, key, value)
        checked += 1
    assert checked > 40


def test_a_downloaded_chart_image_says_what_it_shows_and_where_it_comes_from(shipped_site: Path) -> None:
    """The PNG and SVG behind "Download" carry the title, the sources as read, the page's address and the date;
    the images on the page itself do not repeat what its caption says."""
    from bs4 import BeautifulSoup

    content = _content(ROOT / "content")
    downloads = sorted(shipped_site.glob("charts/*-download.svg"))
    assert downloads and len(downloads) == len(list(shipped_site.glob("charts/*.csv")))
    for svg in downloads:
        chart_id = svg.name.removesuffix("-download.svg")
        soup = BeautifulSoup(svg.read_text(), "xml")
        text = " ".join(t.get_text(" ") for t in soup.find_all("text"))
        page = next(p for p in sorted(shipped_site.glob("*/*/index.html"))
                    if "embed" not in p.parts and f'id="chart-{chart_id}"' in p.read_text())
        title = parse(page).select_one(f"#chart-{chart_id} .chart-title").get_text()
        assert title in text, (svg.name, title)
        assert "Source: " in text and AS_REPORTED.strip(", ") in text, svg.name
        assert f"https://trafficking-facts.netlify.app/{page.parent.relative_to(shipped_site).as_posix()}/" in text, svg.name
        assert readable_date(content.site.last_reviewed) in text, svg.name
        on_page = BeautifulSoup((shipped_site / "charts" / f"{chart_id}.svg").read_text(), "xml")
        assert "Source: " not in " ".join(t.get_text(" ") for t in on_page.find_all("text")), chart_id
        links = parse(page).select(f"#chart-{chart_id} .downloads a")
        assert {a["href"] for a in links} >= {f"/charts/{chart_id}.png", f"/charts/{chart_id}-download.svg"}

"""Open data: the downloads parse, match their schemas and say what the pages say; citations are complete."""

from __future__ import annotations

import csv
import functools
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from .site_pages import file_for, parse

BASE = "https://trafficking-facts.netlify.app"


def load(site: Path, name: str):
    return json.loads((site / "data" / name).read_text(encoding="utf-8"))


def test_json_files_match_their_schemas(shipped_site: Path) -> None:
    jsonschema.validate(load(shipped_site, "statistics.json"), load(shipped_site, "statistics.schema.json"))
    jsonschema.validate(load(shipped_site, "sources.json"), load(shipped_site, "sources.schema.json"))
    broken = load(shipped_site, "statistics.json")
    broken["statistics"][0]["value"] = "many"
    try:
        jsonschema.validate(broken, load(shipped_site, "statistics.schema.json"))
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema accepted a text value")


def test_downloads_say_what_the_pages_say(shipped_site: Path) -> None:
    statistics = load(shipped_site, "statistics.json")["statistics"]
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO((shipped_site / "data/statistics.csv").read_text()))}
    pages = sorted(p.parent.name for p in (shipped_site / "stats").glob("*/index.html"))
    assert sorted(s["slug"] for s in statistics) == sorted(rows) == pages
    for stat in statistics:
        page = parse(file_for(shipped_site, f"/stats/{stat['slug']}/"))
        printed = page.select_one(".big-figure a.figure").get_text()
        assert stat["as_printed"] == rows[stat["slug"]]["as_printed"] == printed
        for column in ("value", "lower_bound", "upper_bound", "range_low", "range_high"):
            cell = rows[stat["slug"]][column]
            assert (float(cell) if cell else None) == stat[column], (stat["slug"], column)
        assert rows[stat["slug"]]["bound_unit"] == (stat["bound_unit"] or "")
        assert page.select_one("p.sentence").get_text() == stat["sentence"] == rows[stat["slug"]]["sentence"]
        assert stat["page_url"] == f"{BASE}/stats/{stat['slug']}/"
        sources_page = parse(file_for(shipped_site, f"/stats/{stat['slug']}/sources/"))
        quotes = [q.get_text(strip=True) for q in sources_page.select("ol.citations blockquote")]
        assert [c["quote"] for c in stat["citations"]] == quotes
    sources = load(shipped_site, "sources.json")["sources"]
    cited = {c["source_id"] for s in statistics for c in s["citations"]}
    assert cited <= {s["id"] for s in sources}


def test_every_citation_format_names_the_source_and_the_page(shipped_site: Path) -> None:
    for sources_page in sorted((shipped_site / "stats").glob("*/sources/index.html")):
        slug = sources_page.parent.parent.name
        soup = parse(sources_page)
        formats = {f.select_one("h3").get_text(): f.select_one("pre").get_text() for f in soup.select("#cite .cite-format")}
        assert set(formats) == {"APA", "MLA", "Chicago", "BibTeX", "CSL-JSON"}
        publisher = soup.select_one("ol.citations .source-details dd:nth-of-type(2)").get_text()
        for style, text in formats.items():
            assert f"{BASE}/stats/{slug}/" in text, (slug, style)
            shown = text.replace(r"\&", "&") if style == "BibTeX" else text  # BibTeX escapes LaTeX's specials
            assert publisher in shown, (slug, style)
        csl = json.loads(formats["CSL-JSON"])
        assert csl[0]["URL"] == f"{BASE}/stats/{slug}/" and csl[0]["type"] == "webpage"


def test_data_page_explains_every_column(shipped_site: Path) -> None:
    header = (shipped_site / "data/statistics.csv").read_text().splitlines()[0].split(",")
    explained = [c.get_text() for c in parse(file_for(shipped_site, "/data/")).select("table.columns code")]
    assert explained == header


def test_data_files_are_indented_utf8_json_with_sorted_keys() -> None:
    import json

    from factsite.web.opendata import _json

    data = {"value": 0.5, "title": 'Víctimas "identified"\n', "citations": [], "count": 1499, "nested": {"b": [1, {}], "a": None}}
    written = _json(data)
    assert json.loads(written) == data
    # The layout the json module gives with indent=2: readable in any editor, keys in a fixed order.
    assert written == (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    assert "Víctimas".encode("utf-8") in written


def test_a_figure_in_words_is_published_as_a_bound_not_a_number(shipped_site: Path) -> None:
    """"Over one third" is more than 33.3%, not the number 0.33: the files say which bound it is."""
    statistics = {s["slug"]: s for s in load(shipped_site, "statistics.json")["statistics"]}
    words = {slug: s for slug, s in statistics.items() if s["unit"] == "words"}
    assert words, "the shipped content has figures in words"
    for slug, stat in words.items():
        assert stat["value"] is None, slug
        assert (stat["lower_bound"] is None) != (stat["upper_bound"] is None), slug
        assert stat["bound_unit"] in ("percent", "times"), slug
    referrals = statistics["victim-contact-referrals-2020"]
    assert (referrals["as_printed"], referrals["lower_bound"], referrals["bound_unit"]) == ("Over one third", 33.3, "percent")
    schema = load(shipped_site, "statistics.schema.json")
    described = schema["$defs"]["ExportStatistic"]["properties"]
    assert "bound" in described["value"]["description"] and "over one third" in described["lower_bound"]["description"]


def test_a_figure_worked_out_from_rounded_figures_is_published_with_its_range(shipped_site: Path) -> None:
    """The range is computed by the build, the same on the page, in the data files and in the chart's CSV."""
    statistics = {s["slug"]: s for s in load(shipped_site, "statistics.json")["statistics"]}
    charged = statistics["defendants-charged-2019"]
    # 257 defendants in 2020, down a rounded 8%: 2019 had 278, 279 or 280 (281 would be a fall of 8.5%, 9%).
    assert (charged["range_low"], charged["range_high"]) == (278, 280)
    page = parse(file_for(shipped_site, "/stats/defendants-charged-2019/"))
    assert "278 to 280" in page.select_one("p.range").get_text()
    chart = {row["label"] + row["series"]: row for row in csv.DictReader(
        io.StringIO((shipped_site / "charts/prosecutions-2019-2020.csv").read_text()))}
    assert (chart["Defendants charged2019 (derived)"]["range_low"], chart["Defendants charged2019 (derived)"]["range_high"]) == ("278", "280")
    assert chart["Defendants charged2020"]["range_low"] == ""
    sheet = parse(file_for(shipped_site, "/sheets/prosecutions/"))
    assert "278 to 280" in sheet.select_one("#chart-prosecutions-2019-2020 .chart-ranges").get_text()


def test_the_data_package_validates_and_types_every_column(shipped_site: Path) -> None:
    """Frictionless reads the descriptor and the CSV as any data tool would: no errors, numbers as numbers."""
    from frictionless import Package, validate

    report = validate(shipped_site / "data" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = Package(shipped_site / "data" / "datapackage.json")
    rows = package.get_resource("statistics").read_rows()
    by_slug = {row["slug"]: row for row in rows}
    statistics = load(shipped_site, "statistics.json")["statistics"]
    assert sorted(by_slug) == sorted(s["slug"] for s in statistics)
    assert by_slug["victims-identified-2020"]["value"] == 1499
    assert by_slug["victim-contact-referrals-2020"]["value"] is None
    assert float(by_slug["victim-contact-referrals-2020"]["lower_bound"]) == 33.3
    assert by_slug["defendants-charged-2019"]["approximate"] is True


def test_each_figure_has_its_own_record_at_a_stable_address(shipped_site: Path) -> None:
    statistics = {s["slug"]: s for s in load(shipped_site, "statistics.json")["statistics"]}
    for slug, stat in statistics.items():
        own = json.loads((shipped_site / "data" / "statistics" / f"{slug}.json").read_text())
        assert own["statistic"] == stat and own["licence"] == "CC BY 4.0"


def test_the_published_fields_are_declared_once_and_name_real_fields() -> None:
    from factsite.content.model import Statistic
    from factsite.web.data_columns import SHAPED_FIELDS, UNPUBLISHED_FIELDS

    # A renamed field would otherwise be published twice, or silently left out.
    assert SHAPED_FIELDS | UNPUBLISHED_FIELDS <= set(Statistic.model_fields) and not SHAPED_FIELDS & UNPUBLISHED_FIELDS


# A statistic field added to the content model, and nothing else: the downloads and the data page have it.
ADDED_FIELD = '''
import csv, io, json, shutil, sys
from pathlib import Path
import factsite.content.model as model

class Statistic(model.Statistic):
    reviewed_by: str | None = None
    """Who last checked the figure against its sources."""

model.Statistic = Statistic  # before anything reads the model
from factsite.content.load import load_content
from factsite.content.validate import validate
from factsite.web.opendata import data_files
from factsite.web.pages import SiteModel

tree = Path(sys.argv[2])
shutil.copytree(sys.argv[1], tree)
path = tree / "stats" / "cases-rise.yaml"
path.write_text(path.read_text() + "reviewed_by: '=A. Checker'\\n")
content, problems = validate(load_content(tree))
model = SiteModel(content, "https://facts.example")
files = data_files(model)
rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(files["data/statistics.csv"].decode()))}
print(json.dumps({
    "csv": [rows["cases-rise"]["reviewed_by"], rows["cases-2020"]["reviewed_by"]],
    "json": json.loads(files["data/statistics/cases-rise.json"])["statistic"]["reviewed_by"],
    "schema": json.loads(files["data/statistics.schema.json"])["$defs"]["ExportStatistic"]["properties"]["reviewed_by"].get("description"),
    "package": [f for f in json.loads(files["data/datapackage.json"])["resources"][0]["schema"]["fields"] if f["name"] == "reviewed_by"],
    "data_page": [meaning for page in model.pages() if page.url == "/data/" for name, meaning in page.columns if name == "reviewed_by"],
}))
'''


def test_a_field_added_to_the_statistic_model_is_published_without_other_edits(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from .conftest import GOOD, ROOT

    script = tmp_path / "added_field.py"  # a file, not -c: pydantic reads a field's docstring from its source
    script.write_text(ADDED_FIELD)
    result = subprocess.run([sys.executable, str(script), str(GOOD), str(tmp_path / "content")], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    published = json.loads(result.stdout)
    description = "Who last checked the figure against its sources."
    assert published["csv"] == ["'=A. Checker", ""]  # a text cell never starts as a formula
    assert published["json"] == "=A. Checker"
    assert published["schema"] == description and published["data_page"] == [description]
    assert published["package"] == [{"name": "reviewed_by", "description": description, "type": "string"}]


# statistics.json and statistics.csv after a change: the entries and rows of the figures carried over
# (their records in `kept`) are taken from the last build's files; the files are the bytes a full
# computation writes, whatever the cells hold and whatever order the old files had.

from hypothesis import given, settings, strategies as st  # noqa: E402

from factsite.web import opendata  # noqa: E402
from factsite.web.history import published_figures  # noqa: E402


def good_model(tree: Path | None = None):
    from factsite.content.load import load_content
    from factsite.content.validate import validate
    from factsite.web.pages import SiteModel

    from .conftest import GOOD

    content, problems = validate(load_content(tree or GOOD))
    assert content is not None, problems
    return SiteModel(content, BASE)


def published(files: dict[str, bytes]) -> opendata.PublishedData:
    """What the pipeline gives data_files of the last build's files (both intact)."""
    data = opendata.published_data(files[opendata.STATISTICS_JSON])
    assert data is not None
    return opendata.PublishedData(data.entries, data.figures, files[opendata.STATISTICS_CSV])


def kept_but(model, *slugs: str) -> set[str]:
    return {opendata.record_output(slug) for slug in model.stats if slug not in slugs}


def statistics_files(files: dict[str, bytes]) -> tuple[bytes, bytes]:
    return files[opendata.STATISTICS_JSON], files[opendata.STATISTICS_CSV]


class Built:
    """opendata._export, spied on: which records were built, each with `cells` (slug -> fields) laid over it."""

    def __init__(self, monkeypatch, cells: dict[str, dict] | None = None):
        self.slugs: list[str] = []
        self.cells = cells or {}
        export = opendata._export

        def spy(model, slug, added):
            self.slugs.append(slug)
            return export(model, slug, added).model_copy(update=self.cells.get(slug, {}))

        monkeypatch.setattr(opendata, "_export", spy)


def test_a_change_builds_only_its_record_and_gives_the_bytes_of_a_full_computation(monkeypatch) -> None:
    model = good_model()
    built = Built(monkeypatch)
    old = opendata.data_files(model)
    built.cells = {"girls-share": {"title": "Girls, now \"quoted\"", "value": 51.0, "as_printed": "51%"}}
    built.slugs.clear()
    full = opendata.data_files(model)
    built.slugs.clear()
    incremental = opendata.data_files(model, kept_but(model, "girls-share"), published(old))
    assert built.slugs == ["girls-share"]  # the others were taken from the old files
    assert statistics_files(incremental) == statistics_files(full)
    assert json.loads(incremental[opendata.STATISTICS_JSON]) == json.loads(full[opendata.STATISTICS_JSON])
    assert list(csv.reader(io.StringIO(incremental[opendata.STATISTICS_CSV].decode()))) == list(
        csv.reader(io.StringIO(full[opendata.STATISTICS_CSV].decode())))
    assert set(incremental) == set(full) - kept_but(model, "girls-share")  # and only the changed record's own file


def test_the_new_files_follow_the_models_order_whatever_the_old_files_had(monkeypatch) -> None:
    model = good_model()
    old = published(opendata.data_files(model))
    header, *rows = old.statistics_csv.split(b"\n")[:-1]
    backwards = opendata.PublishedData(dict(reversed(old.entries.items())), old.figures,
                                       b"\n".join([header, *reversed(rows)]) + b"\n")
    built = Built(monkeypatch)
    incremental = opendata.data_files(model, kept_but(model, "cases-rise"), backwards)
    assert built.slugs == ["cases-rise"]
    assert statistics_files(incremental) == statistics_files(opendata.data_files(model))


def test_an_added_figure_is_built_and_a_removed_one_left_out(tmp_path: Path, monkeypatch) -> None:
    from .conftest import GOOD

    tree = tmp_path / "content"
    shutil.copytree(GOOD, tree)
    old = published(opendata.data_files(good_model(tree)))
    # women-share goes (out of the sheet and its chart); men-share comes, between girls-share and the end.
    women = tree / "stats" / "women-share.yaml"
    (tree / "stats" / "men-share.yaml").write_text(women.read_text().replace("slug: women-share", "slug: men-share"))
    women.unlink()
    sheet = tree / "sheets" / "main-sheet.yaml"
    sheet.write_text(sheet.read_text().replace("      - {stat: women-share, label: Women}\n", "")
                     .replace("women-share]", "men-share]"))
    model = good_model(tree)
    assert list(model.stats) == ["cases-2019", "cases-2020", "cases-rise", "girls-share", "men-share"]
    built = Built(monkeypatch)
    incremental = opendata.data_files(model, kept_but(model, "men-share") | {opendata.record_output("women-share")}, old)
    assert built.slugs == ["men-share"]
    assert statistics_files(incremental) == statistics_files(opendata.data_files(model))
    assert b"women-share" not in b"".join(statistics_files(incremental))


def test_files_not_as_this_code_writes_them_are_a_full_computation(monkeypatch) -> None:
    model = good_model()
    files = opendata.data_files(model)
    data = json.loads(files[opendata.STATISTICS_JSON])
    # Another writer's JSON (the same data), an entry without its slug, another CSV header: nothing taken.
    assert opendata.published_data(json.dumps(data, indent=2, sort_keys=True).encode()) is None
    del data["statistics"][0]["slug"]
    assert opendata.published_data(opendata._json(data)) is None
    good = published(files)
    other_header = opendata.PublishedData(good.entries, good.figures, good.statistics_csv.replace(b"slug,", b"id,", 1))
    built = Built(monkeypatch)
    assert statistics_files(opendata.data_files(model, kept_but(model), other_header)) == statistics_files(files)
    assert built.slugs == list(model.stats)


# Text that the formats must carry through: quotes, commas, newlines, a lone carriage return (which
# csv.writer leaves unquoted with "\n" lines, and csv.reader reads as a row's end), formula starts,
# JSON's escapes, non-ASCII, and the very lines that separate statistics.json's entries.
PIECES = ['"', ",", "\n", "\r", "\r\n", "=", "+", "-", "@", "\t", "'", " ", "a", "\\", "é", "☃", "\u2028", "\x00",
          "\n    },\n    {\n", '\n      "slug": "x",', "𝄞"]
tricky = st.one_of(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), st.text(max_size=8))
numbers = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**6, 10**6).map(float))
fields = st.fixed_dictionaries({}, optional={"title": tricky, "sentence": tricky, "scope": tricky, "period": tricky,
                                             "as_printed": tricky, "value": numbers, "range_low": numbers,
                                             "caveats": st.lists(tricky, max_size=2)})
shared_model = functools.cache(good_model)  # one for every example: only its records' cells change
SLUGS = ["cases-2019", "cases-2020", "cases-rise", "girls-share", "women-share"]


@settings(max_examples=60, deadline=None)
@given(before=st.dictionaries(st.sampled_from(SLUGS), fields), after=st.dictionaries(st.sampled_from(SLUGS), fields),
       changed=st.sets(st.sampled_from(SLUGS)))
def test_carried_over_entries_and_rows_are_byte_identical_whatever_the_cells_hold(before, after, changed) -> None:
    model = shared_model()
    with pytest.MonkeyPatch.context() as patch:
        built = Built(patch, before)
        files = opendata.data_files(model)
        old = published(files)
        # The published figures, read from the entries' lines, are those of a parse of the whole file.
        assert old.figures == published_figures(files[opendata.STATISTICS_JSON])
        built.cells = {slug: (after.get(slug, {}) if slug in changed else before.get(slug, {})) for slug in SLUGS}
        built.slugs.clear()
        incremental = opendata.data_files(model, kept_but(model, *changed), old)
        assert sorted(built.slugs) == sorted(changed)
        assert statistics_files(incremental) == statistics_files(opendata.data_files(model))

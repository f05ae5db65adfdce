"""Open data: every statistic and source as CSV and JSON, with the JSON Schemas of those files.

The export records are pydantic models, so the published schema and the files come from one definition.
A field added to the content model's `Statistic` or `Source` is published as written, with no edit
here: in the JSON files, and as a last column of statistics.csv, described on the data page by its
docstring. Only what is shaped for readers (the figure as numbers, the citations as read) is written out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, create_model

from ..content.figures import display
from ..content.model import Source, Statistic
from . import urls
from .csv_cells import text_cell
from .data_columns import DATA_LICENCE, UNPUBLISHED_SOURCE_FIELDS, added_fields, csv_columns
from .pages import SiteModel
from .provenance import Credit


class Exported(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExportCitation(Exported):
    credit: str = Field(description="How the figure is credited: the source, and the coverage it was read in ('..., as reported by ...').")
    source_id: str
    source_title: str
    publisher: str
    url: str | None = Field(description="The source's address. Where via_source_id is set, the quote is on the via page, not here.")
    locator: str = Field(description="Where the quote is: in the via page when via_source_id is set, else in the source.")
    quote: str
    via_source_id: str | None = Field(description="The coverage the quote was read in, when the source itself was not read.")
    via_title: str | None
    via_publisher: str | None
    via_url: str | None = Field(description="The address of the page that holds the quote, when it was read in coverage.")
    note: str = Field(description="What this passage gets wrong or leaves out, in the site's words; empty when nothing.")


class ShapedStatistic(Exported):
    slug: str
    title: str
    sentence: str
    value: float | None = Field(description="The figure as a number; null for a figure stated in words, which is a bound (see lower_bound, upper_bound).")
    lower_bound: float | None = Field(description="For a figure in words such as 'over one third': the value it exceeds (33.3), in bound_unit.")
    upper_bound: float | None = Field(description="For a figure in words such as 'under half': the value it stays below, in bound_unit.")
    bound_unit: str | None = Field(description="The unit of lower_bound and upper_bound: percent, or times ('over twice as many' is a lower bound of 2 times).")
    range_low: float | None = Field(description="For a figure worked out from rounded figures: the lowest value the rounding allows.")
    range_high: float | None = Field(description="For a figure worked out from rounded figures: the highest value the rounding allows.")
    unit: str
    as_printed: str
    approximate: bool
    period: str
    scope: str
    status: str
    derivation: str | None
    sheets: list[str]
    caveats: list[str]
    citations: list[ExportCitation]
    page_url: str
    sources_page_url: str


# A statistic as published: the shaped fields above, then each added field as written.
ExportStatistic = create_model(
    "ExportStatistic", __base__=ShapedStatistic,
    **{name: (info.annotation, Field(description=info.description)) for name, info in added_fields().items()},
)  # type: ignore[call-overload]
# A source as published: every field of the content model but how it is checked, and who cites it.
ExportSource = create_model(
    "ExportSource", __base__=Exported,
    **{name: (info.annotation, ...) for name, info in Source.model_fields.items() if name not in UNPUBLISHED_SOURCE_FIELDS},
    cited_by=(list[str], ...),
)  # type: ignore[call-overload]


class StatisticsFile(Exported):
    licence: str
    statistics: list[ExportStatistic]  # type: ignore[valid-type]


class SourcesFile(Exported):
    licence: str
    sources: list[ExportSource]  # type: ignore[valid-type]


def _export(model: SiteModel, slug: str, added: Container[str]) -> Any:
    stat, sources = model.stats[slug], model.content.sources
    # The working alone, not the whole view: a view is made when first read (see LazyViews).
    worked = model.derivation(stat)
    derivation = (f"{worked.arithmetic} = {worked.result}" if worked else None)
    figure = stat.figure
    span = model.content.derived_ranges.get(slug)
    return ExportStatistic(
        slug=slug, title=stat.short_title, sentence=model.plain_sentence(slug),
        value=None if figure.bound else figure.value,
        lower_bound=figure.value if figure.bound == "lower" else None,
        upper_bound=figure.value if figure.bound == "upper" else None,
        bound_unit=figure.bound_unit,
        range_low=span.low if span else None, range_high=span.high if span else None,
        unit=stat.figure.unit, as_printed=display(stat.figure), approximate=stat.figure.approximate,
        period=stat.period, scope=stat.scope, status=stat.status, derivation=derivation,
        sheets=list(stat.sheets), caveats=list(stat.caveats),
        citations=[_citation(sources[c.source], sources[c.via] if c.via else None, c.locator, c.quote, c.note)
                   for c in stat.citations],
        page_url=model.absolute(urls.stat(slug)), sources_page_url=model.absolute(urls.stat_sources(slug)),
        **{name: getattr(stat, name) for name in added},
    )


def _citation(source: Source, via: Source | None, locator: str, quote: str, note: str) -> ExportCitation:
    return ExportCitation(
        credit=Credit(source=source, via=via).text(), source_id=source.id, source_title=source.title, publisher=source.publisher,
        url=source.url, locator=locator, quote=quote, via_source_id=via.id if via else None,
        via_title=via.title if via else None, via_publisher=via.publisher if via else None,
        via_url=via.url if via else None, note=note,
    )


def export_sources(model: SiteModel) -> list[Any]:
    return [
        ExportSource(**{name: getattr(view.source, name) for name in ExportSource.model_fields if name != "cited_by"},
                     cited_by=[link.slug for link in view.cited_by])
        for view in model.sources.values()
    ]


def _json(data: object) -> bytes:
    """Indented, keys sorted, UTF-8. orjson writes this ten times as fast as the json module, whose
    indented output is pure Python: 0.3-0.6 s for statistics.json at 10,000 statistics.

    Copied to bytes of its own length: orjson's bytes keep the buffer it wrote into, 8 KB for a
    record of 2 KB, and the 10,000 records' files held 80 MB until written (the build's peak)."""
    return bytes(memoryview(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)))


def _number_cell(number: float | None) -> str:
    return "" if number is None else f"{number:g}"


def _added_cell(value: object) -> str:
    """An added field's cell: a list joined by semicolons, true/false, a number as a number, text as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return _number_cell(value)
    if isinstance(value, (list, tuple)):
        return text_cell(";".join(str(item) for item in value))
    return text_cell(str(value))


def statistics_csv(records: list[Any]) -> bytes:
    added = list(added_fields())
    return _csv_text([_csv_header(), *(_csv_row(r, added) for r in records)]).encode("utf-8")


def _csv_text(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _csv_header() -> list[str]:
    return [name for name, _ in csv_columns()]


def _csv_row(r: Any, added: list[str]) -> list[str]:
    sources = " | ".join(  # each as read: the report, as reported by the outlet, and the page that holds the quote
        f"{c.publisher}, {c.source_title}"
        + (f", as reported by {c.via_publisher}, {c.via_title} ({c.locator}){' ' + c.via_url if c.via_url else ''}"
           if c.via_source_id else f" ({c.locator}){' ' + c.url if c.url else ''}")
        for c in r.citations
    )
    # Numbers as numbers, which a spreadsheet reads as such, sign and all; text never starts as a formula.
    return [r.slug, text_cell(r.title), text_cell(r.sentence), *map(_number_cell, (r.value, r.lower_bound, r.upper_bound)),
            r.bound_unit or "", *map(_number_cell, (r.range_low, r.range_high)), r.unit,
            text_cell(r.as_printed), str(r.approximate).lower(), *map(text_cell, [r.period, r.scope]),
            r.status, text_cell(r.derivation or ""), ";".join(r.sheets), text_cell(sources),
            r.page_url, r.sources_page_url, *(_added_cell(getattr(r, name)) for name in added)]


def _column_type(name: str) -> str:
    if name in NUMBER_COLUMNS:
        return "number"
    if name == "approximate":
        return "boolean"
    annotation = Statistic.model_fields[name].annotation if name in added_fields() else str
    return {bool: "boolean", int: "number", float: "number"}.get(annotation, "string")  # type: ignore[call-overload]


NUMBER_COLUMNS = {"value", "lower_bound", "upper_bound", "range_low", "range_high"}
LICENCE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
           "path": "https://creativecommons.org/licenses/by/4.0/"}


def datapackage(model: SiteModel) -> dict:
    """A Frictionless Data Package describing the files, so tools read the CSV's columns with their types."""
    site = model.content.site
    fields = [{"name": name, "description": meaning, "type": _column_type(name)} for name, meaning in csv_columns()]
    return {
        "profile": "data-package", "name": "trafficking-facts", "title": site.title, "description": site.description,
        "homepage": model.absolute(urls.data()), "version": site.last_reviewed, "created": f"{site.last_reviewed}T00:00:00Z",
        "licenses": [LICENCE],
        "resources": [
            {"name": "statistics", "path": "statistics.csv", "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8",
             "description": "Every figure, one a row, with its sources as read.",
             "schema": {"fields": fields, "primaryKey": ["slug"], "missingValues": [""]}},
            {"name": "statistics-json", "path": "statistics.json", "format": "json", "mediatype": "application/json",
             "description": "The same figures with every citation in full; its JSON Schema is statistics.schema.json."},
            {"name": "sources-json", "path": "sources.json", "format": "json", "mediatype": "application/json",
             "description": "Every source, with the figures that cite it; its JSON Schema is sources.schema.json."},
        ],
    }


def record_output(slug: str) -> str:
    """Where a figure's own record is written."""
    return urls.output_path(urls.data_statistic(slug))


STATISTICS_JSON, STATISTICS_CSV = "data/statistics.json", "data/statistics.csv"


@dataclass(frozen=True)
class PublishedData:
    """The last build's statistics.json, entry by entry as written (the pipeline gives it only while the
    file is as that build wrote it), and its statistics.csv, if that is too."""

    entries: dict[str, bytes]  # slug -> its entry's lines between its braces, in the file's order
    figures: dict[str, str]  # slug -> as_printed: history.published_figures, without parsing the file
    statistics_csv: bytes | None = None


def data_files(model: SiteModel, kept: Container[str] = frozenset(),
               published: PublishedData | None = None) -> dict[str, bytes]:
    """Output path -> bytes of the /data/ files: `each_data_file`'s, together."""
    return dict(each_data_file(model, kept, published))


def each_data_file(model: SiteModel, kept: Container[str] = frozenset(),
                   published: PublishedData | None = None) -> Iterator[tuple[str, bytes]]:
    """Each figure's own record at /data/statistics/<slug>.json (but those in `kept`), then
    /data/statistics.json and .csv, sources.json, their schemas and the Data Package descriptor, one
    at a time.

    A figure whose record is in `kept` reads what it read when `published` was made (deps.py): its
    entry and row there are what it would be given now, and are taken as they are, unbuilt. The
    others are made one by one, each dumped once for its own file and its entry: statistics.json is
    their entries joined (test_opendata holds these bytes to those of the whole file dumped as one
    object, which held it twice over beside the object: 100 MB at 10,000 statistics)."""
    if model.stats:
        carried = _carried_over(model, kept, published) or {}
        added = added_fields()
        columns = list(added)
        entries, rows = [], []
        for slug in model.stats:
            if slug in carried:
                entry, row = carried[slug]
            else:
                record = _export(model, slug, added)
                dumped = record.model_dump(mode="json")
                entry, row = _json_entry(dumped), _csv_text([_csv_row(record, columns)])[:-1].encode("utf-8")
                output = record_output(slug)
                if output not in kept:
                    yield output, _json({"licence": DATA_LICENCE, "statistic": dumped})
            entries.append(entry)
            rows.append(row)
        # Each file joined once: `head + body + tail` made two more copies (18 MB each at 10,000 statistics).
        yield STATISTICS_JSON, b"".join(_between(_JSON_HEAD, entries, _BETWEEN_ENTRIES, _JSON_TAIL))
        yield STATISTICS_CSV, b"".join(_between(_csv_text([_csv_header()]).encode("utf-8"), rows, b"\n", b"\n"))
    else:  # no statistics: the files as the whole dump writes them, with no entries to join
        yield STATISTICS_CSV, statistics_csv([])
        yield STATISTICS_JSON, _json(StatisticsFile(licence=DATA_LICENCE, statistics=[]).model_dump(mode="json"))
    sources = SourcesFile(licence=DATA_LICENCE, sources=export_sources(model))
    yield "data/sources.json", _json(sources.model_dump(mode="json"))
    yield "data/statistics.schema.json", _json(StatisticsFile.model_json_schema())
    yield "data/sources.schema.json", _json(SourcesFile.model_json_schema())
    yield "data/datapackage.json", _json(datapackage(model))


# statistics.json as _json writes it: its entries two levels in, and never a raw newline inside a
# string, so that an entry's braces are the only lines at four spaces and its own keys the only ones at six.
_JSON_HEAD = b'{\n  "licence": ' + orjson.dumps(DATA_LICENCE) + b',\n  "statistics": [\n    {\n'
_JSON_TAIL = b"\n    }\n  ]\n}\n"
_BETWEEN_ENTRIES = b"\n    },\n    {\n"


def published_data(statistics_json: bytes) -> PublishedData | None:
    """statistics.json as the last build wrote it, split into its entries; None if it is not in the
    shape _json writes this code's statistics file in (another licence, no statistics, not orjson's)."""
    if not (statistics_json.startswith(_JSON_HEAD) and statistics_json.endswith(_JSON_TAIL)):
        return None
    entries: dict[str, bytes] = {}
    figures: dict[str, str] = {}
    for entry in statistics_json[len(_JSON_HEAD):-len(_JSON_TAIL)].split(_BETWEEN_ENTRIES):
        slug, figure = _own_string(entry, b"slug", near_end=True), _own_string(entry, b"as_printed")
        if slug is None or figure is None or slug in entries:
            return None
        entries[slug], figures[slug] = entry, figure
    return PublishedData(entries, figures)


def _own_string(entry: bytes, key: bytes, near_end: bool = False) -> str | None:
    """The value of an entry's own key (not a citation's), if it is a string: its line, parsed alone.
    `near_end`: looked for from the end (a key sorted after the citations, the entry's longest part)."""
    line = b'      "' + key + b'": '  # six spaces: the entry's own keys, a citation's are at ten
    if entry.startswith(line):
        at = 0
    else:
        at = (entry.rfind if near_end else entry.find)(b"\n" + line) + 1
        if at == 0:
            return None
    end = entry.find(b"\n", at)
    value = entry[at + len(line):end if end >= 0 else len(entry)]
    value = value[:-1] if value.endswith(b'",') else value  # a comma after it, not inside it
    try:
        found = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, str) else None


def _carried_over(model: SiteModel, kept: Container[str],
                  published: PublishedData | None) -> dict[str, tuple[bytes, bytes]] | None:
    """Each carried-over figure's entry in statistics.json and row in statistics.csv, as published; None
    (a full computation) without both files. A figure missing from either is built."""
    if published is None or published.statistics_csv is None or not model.stats:
        return None
    rows = _published_rows(published.statistics_csv)
    if rows is None:
        return None
    carried = {}
    for slug in model.stats:
        entry, row = published.entries.get(slug), rows.get(slug.encode())
        if entry is not None and row is not None and record_output(slug) in kept:
            carried[slug] = (entry, row)
    return carried


def _published_rows(data: bytes) -> dict[bytes, bytes] | None:
    """statistics.csv's rows as written (without their last newline), by their first cell; None if its
    header is not this code's. Bytes, not csv.reader's cells: a cell with a lone carriage return is
    written unquoted, and read back as two rows."""
    lines = data.split(b"\n")
    if lines[0] + b"\n" != _csv_text([_csv_header()]).encode("utf-8") or lines[-1] != b"":
        return None
    rows: dict[bytes, bytes] = {}
    row: bytes | None = None  # a row whose quoted cell goes on over the next line
    for line in lines[1:-1]:
        row = line if row is None else row + b"\n" + line
        if row.count(b'"') % 2 == 0:  # else that newline is inside a quoted cell
            rows[row.partition(b",")[0]] = row
            row = None
    return rows if row is None else None


def _between(head: bytes, items: Sequence[bytes], separator: bytes, tail: bytes) -> list[bytes]:
    """head + separator.join(items) + tail, as the parts of one join."""
    parts = [head]
    for item in items:
        parts += (item, separator)
    if items:
        parts.pop()  # no separator after the last item
    parts.append(tail)
    return parts


def _json_entry(record: dict) -> bytes:
    """A record (dumped) as _json writes it in statistics.json, two levels in, between its braces."""
    dumped = orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    return b"    " + dumped[2:-2].replace(b"\n", b"\n    ")  # "{\n" and "\n}" off: the entry's braces are the file's

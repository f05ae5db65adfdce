"""Open data: every statistic and source as CSV and JSON, with the JSON Schemas of those files.

The export records are pydantic models, so the published schema and the files come from one definition.
A field added to the content model's `Statistic` or `Source` is published as written, with no edit
here: in the JSON files, and as a last column of statistics.csv, described on the data page by its
docstring. Only what is shaped for readers (the figure as numbers, the citations as read) is written out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Container
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


def export_statistics(model: SiteModel) -> list[Any]:
    records, sources = [], model.content.sources
    added = added_fields()
    for slug, stat in model.stats.items():
        # The working alone, not the whole view: a view is made when first read (see LazyViews).
        worked = model.derivation(stat)
        derivation = (f"{worked.arithmetic} = {worked.result}" if worked else None)
        figure = stat.figure
        span = model.content.derived_ranges.get(slug)
        records.append(ExportStatistic(
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
        ))
    return records


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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    added = list(added_fields())
    writer.writerow([name for name, _ in csv_columns()])
    for r in records:
        sources = " | ".join(  # each as read: the report, as reported by the outlet, and the page that holds the quote
            f"{c.publisher}, {c.source_title}"
            + (f", as reported by {c.via_publisher}, {c.via_title} ({c.locator}){' ' + c.via_url if c.via_url else ''}"
               if c.via_source_id else f" ({c.locator}){' ' + c.url if c.url else ''}")
            for c in r.citations
        )
        # Numbers as numbers, which a spreadsheet reads as such, sign and all; text never starts as a formula.
        writer.writerow([r.slug, text_cell(r.title), text_cell(r.sentence), *map(_number_cell, (r.value, r.lower_bound, r.upper_bound)),
                         r.bound_unit or "", *map(_number_cell, (r.range_low, r.range_high)), r.unit,
                         text_cell(r.as_printed), str(r.approximate).lower(), *map(text_cell, [r.period, r.scope]),
                         r.status, text_cell(r.derivation or ""), ";".join(r.sheets), text_cell(sources),
                         r.page_url, r.sources_page_url, *(_added_cell(getattr(r, name)) for name in added)])
    return buffer.getvalue().encode("utf-8")


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


def data_files(model: SiteModel, kept: Container[str] = frozenset()) -> dict[str, bytes]:
    """/data/statistics.csv, statistics.json, sources.json, their schemas, the Data Package descriptor,
    and each figure's own record at /data/statistics/<slug>.json (but those in `kept`)."""
    statistics = StatisticsFile(licence=DATA_LICENCE, statistics=export_statistics(model))
    sources = SourcesFile(licence=DATA_LICENCE, sources=export_sources(model))
    files = {
        "data/statistics.csv": statistics_csv(statistics.statistics),
        "data/statistics.json": _json(statistics.model_dump(mode="json")),
        "data/sources.json": _json(sources.model_dump(mode="json")),
        "data/statistics.schema.json": _json(StatisticsFile.model_json_schema()),
        "data/sources.schema.json": _json(SourcesFile.model_json_schema()),
        "data/datapackage.json": _json(datapackage(model)),
    }
    for record in statistics.statistics:
        output = record_output(record.slug)
        if output not in kept:
            files[output] = _json({"licence": DATA_LICENCE, "statistic": record.model_dump(mode="json")})
    return files

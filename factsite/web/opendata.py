"""Open data: every statistic and source as CSV and JSON, with the JSON Schemas of those files.

The export records are pydantic models, so the published schema and the files come from one definition.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from . import urls
from .csv_cells import text_cell
from ..content.figures import display
from .pages import DATA_COLUMNS, SiteModel
from .provenance import Credit

DATA_LICENCE = "CC BY 4.0"


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


class ExportStatistic(Exported):
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


class ExportSource(Exported):
    id: str
    title: str
    short_name: str
    publisher: str
    authors: list[str]
    date_published: str
    url: str | None
    date_accessed: str | None
    archive_url: str | None = Field(description="A dated Wayback Machine capture of url, when one is recorded (never guessed).")
    archive_date: str | None = Field(description="The day of that capture, YYYY-MM-DD.")
    url_status: Literal["live", "dead", "moved"] = Field(
        description="live, dead (the page is gone: read archive_url) or moved (url now leads elsewhere).")
    checked: str | None = Field(description="When the link and its quotes were last confirmed, YYYY-MM-DD.")
    kind: str
    notes: str
    cited_by: list[str]


class StatisticsFile(Exported):
    licence: str
    statistics: list[ExportStatistic]


class SourcesFile(Exported):
    licence: str
    sources: list[ExportSource]


CSV_COLUMNS = ["slug", "title", "sentence", "value", "lower_bound", "upper_bound", "bound_unit", "range_low", "range_high",
               "unit", "as_printed", "approximate", "period", "scope", "status",
               "derivation", "sheets", "sources", "page_url", "sources_page_url"]


def export_statistics(model: SiteModel) -> list[ExportStatistic]:
    records, sources = [], model.content.sources
    for slug, stat in model.stats.items():
        view = model.views[slug]
        derivation = (f"{view.derivation.arithmetic} = {view.derivation.result}" if view.derivation else None)
        figure = stat.figure
        span = model.content.derived_ranges.get(slug)
        records.append(ExportStatistic(
            slug=slug, title=stat.short_title, sentence=view.plain_sentence,
            value=None if figure.bound else figure.value,
            lower_bound=figure.value if figure.bound == "lower" else None,
            upper_bound=figure.value if figure.bound == "upper" else None,
            bound_unit=figure.bound_unit,
            range_low=span.low if span else None, range_high=span.high if span else None,
            unit=stat.figure.unit, as_printed=display(stat.figure), approximate=stat.figure.approximate,
            period=stat.period, scope=stat.scope, status=stat.status, derivation=derivation,
            sheets=list(stat.sheets), caveats=list(stat.caveats),
            citations=[ExportCitation(
                credit=Credit(sources[c.source.id], sources[c.via.id] if c.via else None).text(),
                source_id=c.source.id, source_title=c.source.title, publisher=c.source.publisher, url=c.source.url,
                locator=c.locator, quote=c.quote, via_source_id=c.via.id if c.via else None,
                via_title=c.via.title if c.via else None, via_publisher=c.via.publisher if c.via else None,
                via_url=c.via.url if c.via else None, note=c.note,
            ) for c in view.citations],
            page_url=model.absolute(urls.stat(slug)), sources_page_url=model.absolute(urls.stat_sources(slug)),
        ))
    return records


def export_sources(model: SiteModel) -> list[ExportSource]:
    return [
        ExportSource(
            id=source.id, title=source.title, short_name=source.short_name, publisher=source.publisher,
            authors=list(source.authors), date_published=source.date_published, url=source.url,
            date_accessed=source.date_accessed, archive_url=source.archive_url, archive_date=source.archive_date,
            url_status=source.url_status, checked=source.checked, kind=source.kind, notes=source.notes,
            cited_by=[link.slug for link in model.sources[source.id].cited_by],
        )
        for source in model.content.sources.values()
    ]


def _json(data: object) -> bytes:
    """Indented, keys sorted, UTF-8. orjson writes this ten times as fast as the json module, whose
    indented output is pure Python: 0.3-0.6 s for statistics.json at 10,000 statistics."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def _number_cell(number: float | None) -> str:
    return "" if number is None else f"{number:g}"


def statistics_csv(records: list[ExportStatistic]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
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
                         r.page_url, r.sources_page_url])
    return buffer.getvalue().encode("utf-8")


NUMBER_COLUMNS = {"value", "lower_bound", "upper_bound", "range_low", "range_high"}
LICENCE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
           "path": "https://creativecommons.org/licenses/by/4.0/"}


def datapackage(model: SiteModel) -> dict:
    """A Frictionless Data Package describing the files, so tools read the CSV's columns with their types."""
    site = model.content.site
    meaning = dict(DATA_COLUMNS)
    fields = [{"name": name, "description": meaning[name],
               "type": "number" if name in NUMBER_COLUMNS else "boolean" if name == "approximate" else "string"}
              for name in CSV_COLUMNS]
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


def data_files(model: SiteModel) -> dict[str, bytes]:
    """/data/statistics.csv, statistics.json, sources.json, their schemas, the Data Package descriptor,
    and each figure's own record at /data/statistics/<slug>.json."""
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
        files[urls.output_path(urls.data_statistic(record.slug))] = _json(
            {"licence": DATA_LICENCE, "statistic": record.model_dump(mode="json")})
    return files

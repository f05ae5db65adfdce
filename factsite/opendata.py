"""Open data: every statistic and source as CSV and JSON, with the JSON Schemas of those files.

The export records are pydantic models, so the published schema and the files come from one definition.
"""

from __future__ import annotations

import csv
import io

import orjson
from pydantic import BaseModel, ConfigDict

from . import urls
from .csv_cells import text_cell
from .figures import display
from .pages import SiteModel

DATA_LICENCE = "CC BY 4.0"


class Exported(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExportCitation(Exported):
    source_id: str
    source_title: str
    publisher: str
    url: str | None
    locator: str
    quote: str
    via_source_id: str | None


class ExportStatistic(Exported):
    slug: str
    title: str
    sentence: str
    value: float
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
    kind: str
    notes: str
    cited_by: list[str]


class StatisticsFile(Exported):
    licence: str
    statistics: list[ExportStatistic]


class SourcesFile(Exported):
    licence: str
    sources: list[ExportSource]


CSV_COLUMNS = ["slug", "title", "sentence", "value", "unit", "as_printed", "approximate", "period", "scope", "status",
               "derivation", "sheets", "sources", "page_url", "sources_page_url"]


def export_statistics(model: SiteModel) -> list[ExportStatistic]:
    records = []
    for slug, stat in model.stats.items():
        view = model.views[slug]
        derivation = (f"{view.derivation.arithmetic} = {view.derivation.result}" if view.derivation else None)
        records.append(ExportStatistic(
            slug=slug, title=stat.short_title, sentence=view.plain_sentence, value=stat.figure.value,
            unit=stat.figure.unit, as_printed=display(stat.figure), approximate=stat.figure.approximate,
            period=stat.period, scope=stat.scope, status=stat.status, derivation=derivation,
            sheets=list(stat.sheets), caveats=list(stat.caveats),
            citations=[ExportCitation(
                source_id=c.source.id, source_title=c.source.title, publisher=c.source.publisher, url=c.source.url,
                locator=c.locator, quote=c.quote, via_source_id=c.via.id if c.via else None,
            ) for c in view.citations],
            page_url=model.absolute(urls.stat(slug)), sources_page_url=model.absolute(urls.stat_sources(slug)),
        ))
    return records


def export_sources(model: SiteModel) -> list[ExportSource]:
    return [
        ExportSource(
            id=source.id, title=source.title, short_name=source.short_name, publisher=source.publisher,
            authors=list(source.authors), date_published=source.date_published, url=source.url,
            date_accessed=source.date_accessed, kind=source.kind, notes=source.notes,
            cited_by=[link.slug for link in model.sources[source.id].cited_by],
        )
        for source in model.content.sources.values()
    ]


def _json(data: object) -> bytes:
    """Indented, keys sorted, UTF-8. orjson writes this ten times as fast as the json module, whose
    indented output is pure Python: 0.3-0.6 s for statistics.json at 10,000 statistics."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def statistics_csv(records: list[ExportStatistic]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        sources = " | ".join(
            f"{c.publisher}, {c.source_title} ({c.locator}{', quoted via ' + c.via_source_id if c.via_source_id else ''})"
            f"{' ' + c.url if c.url else ''}"
            for c in r.citations
        )
        value = f"{r.value:g}"  # a number, which a spreadsheet reads as one, sign and all
        writer.writerow([r.slug, text_cell(r.title), text_cell(r.sentence), value, r.unit, text_cell(r.as_printed), str(r.approximate).lower(),
                         *map(text_cell, [r.period, r.scope]), r.status, text_cell(r.derivation or ""), ";".join(r.sheets),
                         text_cell(sources), r.page_url, r.sources_page_url])
    return buffer.getvalue().encode("utf-8")


def data_files(model: SiteModel) -> dict[str, bytes]:
    """/data/statistics.csv, statistics.json, sources.json and the schemas of the JSON files."""
    statistics = StatisticsFile(licence=DATA_LICENCE, statistics=export_statistics(model))
    sources = SourcesFile(licence=DATA_LICENCE, sources=export_sources(model))
    return {
        "data/statistics.csv": statistics_csv(statistics.statistics),
        "data/statistics.json": _json(statistics.model_dump(mode="json")),
        "data/sources.json": _json(sources.model_dump(mode="json")),
        "data/statistics.schema.json": _json(StatisticsFile.model_json_schema()),
        "data/sources.schema.json": _json(SourcesFile.model_json_schema()),
    }

"""Turn loaded records into checked models, and apply every rule that spans files.

Every problem is collected; nothing stops at the first one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from . import derive
from .errors import Problem
from .figures import display, display_matches_value, quote_states, quote_states_text
from .load import RawContent, Record
from .model import Chart, Sheet, SiteConfig, Source, Statistic

Model = TypeVar("Model", bound=BaseModel)

PLACEHOLDER_RE = re.compile(r"\{figure(?::([^}]*))?\}")
ROUNDING_TOLERANCE = 1.5  # a breakdown of rounded percentages may miss 100 by this much


@dataclass
class Content:
    site: SiteConfig
    sources: dict[str, Source]
    stats: dict[str, Statistic]
    sheets: list[Sheet]
    methodology: str
    derived_values: dict[str, float] = field(default_factory=dict)  # slug -> unrounded result
    origin: dict[str, Record] = field(default_factory=dict)  # "stat:slug" -> its record
    warnings: list[Problem] = field(default_factory=list)


def _field_name(loc: tuple[str | int, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _message(error: dict) -> str:
    kind, text = error["type"], error["msg"]
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return "this field is not known: check its spelling (see the README's field reference)"
    if kind == "literal_error":
        return text.replace("Input should be", "must be one of")
    if kind == "string_too_long":
        return f"is {len(str(error['input']))} characters long; at most {error['ctx']['max_length']} are allowed"
    if kind == "too_short":
        return "needs at least one entry"
    if kind == "string_pattern_mismatch":
        return "must be a date written YYYY, YYYY-MM or YYYY-MM-DD"
    return text.removeprefix("Value error, ")


def parse_record(record: Record, model: type[Model], problems: list[Problem]) -> Model | None:
    """Validate one record against its model; each pydantic error becomes a located problem."""
    try:
        return model.model_validate(record.data)
    except ValidationError as error:
        for detail in error.errors():
            loc = tuple(part for part in detail["loc"] if not str(part).startswith("function-"))
            problems.append(Problem(record.shown_path, record.line_of(loc), _field_name(loc), _message(detail)))
        return None


class _Checker:
    """Cross-file rules over validated models; appends to `problems`."""

    def __init__(self, problems: list[Problem], warnings: list[Problem], broken: set[str]):
        self.problems, self.warnings = problems, warnings
        self.broken = broken  # names of records that already failed: references to them are not errors again

    def error(self, record: Record, loc: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(record.shown_path, record.line_of(loc), _field_name(loc), message))

    def unknown(self, name: str, known) -> bool:
        """True when `name` names nothing, not even a record that failed validation."""
        return name not in known and name not in self.broken

    def warn(self, record: Record, loc: tuple[str | int, ...], message: str) -> None:
        self.warnings.append(Problem(record.shown_path, record.line_of(loc), _field_name(loc), message, "warning"))


def _unique(items: list[tuple[Record, Model]], key: str, kind: str, check: _Checker) -> dict[str, tuple[Record, Model]]:
    seen: dict[str, tuple[Record, Model]] = {}
    for record, item in items:
        name = getattr(item, key)
        if record.path.stem != name:
            check.error(record, (key,), f"the file must be named {name}.yaml, after its {key}, so that URLs and files agree")
        if name in seen:
            check.error(record, (key,), f"{kind} {name!r} is already defined in {seen[name][0].shown_path}")
            continue
        seen[name] = (record, item)
    return seen


def validate(raw: RawContent) -> tuple[Content | None, list[Problem]]:
    """Check everything; returns the content (None when there are errors) and all problems."""
    problems = list(raw.problems)
    warnings: list[Problem] = []
    check = _Checker(problems, warnings, _broken_names(raw))

    site = parse_record(raw.site, SiteConfig, problems) if raw.site else None
    sources = _unique(_parse_all(raw.sources, Source, problems), "id", "source", check)
    stats = _unique(_parse_all(raw.stats, Statistic, problems), "slug", "statistic", check)
    sheets = _unique(_parse_all(raw.sheets, Sheet, problems), "slug", "fact sheet", check)

    cited: set[str] = set()
    for record, stat in stats.values():
        _check_statistic(record, stat, sources, stats, sheets, cited, check)
    derived_values = _check_derivations(stats, check)
    chart_ids: dict[str, Record] = {}
    for record, stat in stats.values():
        if stat.chart:
            _check_chart(record, ("chart",), stat.chart, stat.slug, stats, chart_ids, check)
    for record, sheet in sheets.values():
        _check_sheet(record, sheet, stats, chart_ids, check)
        for i, statement in enumerate(sheet.statements):
            if check.unknown(statement.source, sources):
                check.error(record, ("statements", i, "source"), f"no source has the id {statement.source!r}")
            elif statement.source in sources:
                cited.add(statement.source)
    for record, source in sources.values():
        if source.id not in cited:
            check.warn(record, ("id",), "no statistic cites this source")

    if problems or site is None:
        return None, sorted(problems) + sorted(warnings)
    content = Content(
        site=site,
        sources={k: v for k, (_, v) in sorted(sources.items())},
        stats={k: v for k, (_, v) in stats.items()},
        sheets=sorted((s for _, s in sheets.values()), key=lambda s: (s.order, s.slug)),
        methodology=raw.methodology,
        derived_values=derived_values,
        origin={f"stat:{k}": r for k, (r, _) in stats.items()},
        warnings=sorted(warnings),
    )
    return content, sorted(warnings)


def _broken_names(raw: RawContent) -> set[str]:
    """Names of records that fail on their own, so one mistake is reported once, not at every reference."""
    names = {path.stem for path in raw.unreadable}
    models: dict[str, type[BaseModel]] = {"sources": Source, "stats": Statistic, "sheets": Sheet}
    for record in raw.sources + raw.stats + raw.sheets:
        try:
            models[record.path.parent.name].model_validate(record.data)
        except ValidationError:
            names.add(record.path.stem)
            names.update(record.data[key] for key in ("id", "slug") if isinstance(record.data.get(key), str))
    return names


def _parse_all(records: list[Record], model: type[Model], problems: list[Problem]) -> list[tuple[Record, Model]]:
    parsed = []
    for record in records:
        item = parse_record(record, model, problems)
        if item is not None:
            parsed.append((record, item))
    return parsed


def _check_placeholders(record: Record, loc: tuple[str | int, ...], text: str, stats: dict, check: _Checker) -> None:
    for match in PLACEHOLDER_RE.finditer(text):
        slug = match.group(1)
        if slug is not None and check.unknown(slug, stats):
            check.error(record, loc, f"{{figure:{slug}}} names no statistic")


def _check_statistic(record, stat: Statistic, sources, stats, sheets, cited: set[str], check: _Checker) -> None:
    if not display_matches_value(stat.figure):
        check.error(record, ("figure", "display"), f"{stat.figure.display!r} does not print the value {stat.figure.value:g}")
    shown = display(stat.figure)
    for i, citation in enumerate(stat.citations):
        for key in ("source", "via"):
            source_id = getattr(citation, key)
            if source_id is None:
                continue
            if check.unknown(source_id, sources):
                check.error(record, ("citations", i, key), f"no source has the id {source_id!r} (sources live in content/sources/)")
            elif source_id in sources:
                cited.add(source_id)
        if stat.status != "derived" and not quote_states(citation.quote, stat.figure):
            check.error(
                record, ("citations", i, "quote"),
                f"the quoted passage does not contain the figure {shown!r}: quote the passage that states it, "
                "or mark the statistic derived",
            )
    for i, item in enumerate(stat.discrepancies):
        if check.unknown(item.source, sources):
            check.error(record, ("discrepancies", i, "source"), f"no source has the id {item.source!r}")
        elif item.source in sources:
            cited.add(item.source)
        if item.figure and not quote_states_text(item.quote, item.figure):
            check.error(record, ("discrepancies", i, "quote"), f"the quoted passage does not contain the competing figure {item.figure!r}")
    for i, sheet_slug in enumerate(stat.sheets):
        if check.unknown(sheet_slug, sheets):
            check.error(record, ("sheets", i), f"no fact sheet has the slug {sheet_slug!r}")
        elif sheet_slug in sheets and stat.slug not in sheets[sheet_slug][1].statistics:
            check.error(record, ("sheets", i), f"fact sheet {sheet_slug!r} does not list this statistic: add it to its statistics")
    for i, other in enumerate(stat.related):
        if check.unknown(other, stats):
            check.error(record, ("related", i), f"no statistic has the slug {other!r}")
    _check_placeholders(record, ("sentence",), stat.sentence, stats, check)


def _check_derivations(stats: dict[str, tuple[Record, Statistic]], check: _Checker) -> dict[str, float]:
    """Recompute every derived figure from its inputs; the stated figure must agree."""
    results: dict[str, float] = {}
    for record, stat in stats.values():
        if not stat.derivation:
            continue
        derivation = stat.derivation
        values: dict[str, float] = {}
        for name, slug in derivation.inputs.items():
            if slug not in stats:
                if check.unknown(slug, stats):
                    check.error(record, ("derivation", "inputs", name), f"no statistic has the slug {slug!r}")
            elif stats[slug][1].status == "derived":
                check.error(record, ("derivation", "inputs", name), f"{slug!r} is itself derived: derive from reported figures")
            else:
                values[name] = stats[slug][1].figure.value
        if len(values) != len(derivation.inputs):
            continue
        try:
            result = derive.evaluate(derivation.expression, values)
        except derive.DerivationError as error:
            check.error(record, ("derivation", "expression"), str(error))
            continue
        results[stat.slug] = result
        if round(result, derivation.round_to) != round(stat.figure.value, derivation.round_to):
            check.error(
                record, ("figure", "value"),
                f"the derivation gives {result:.{derivation.round_to + 2}f}, which rounds to "
                f"{round(result, derivation.round_to):g}, but the figure says {stat.figure.value:g}",
            )
    return results


def _check_chart(record, loc, chart: Chart, default_id: str, stats, chart_ids: dict[str, Record], check: _Checker) -> None:
    chart_id = chart.id or default_id
    if chart_id in chart_ids:
        check.error(record, loc + ("id",), f"chart id {chart_id!r} is already used in {chart_ids[chart_id].shown_path}")
    chart_ids[chart_id] = record
    units = set()
    for i, point in enumerate(chart.points):
        if check.unknown(point.stat, stats):
            check.error(record, loc + ("points", i, "stat"), f"no statistic has the slug {point.stat!r}")
        elif point.stat in stats:
            units.add(stats[point.stat][1].figure.unit)
    if len(units) > 1:
        check.error(record, loc + ("points",), f"a chart's points must share one unit, not {', '.join(sorted(units))}")
    if units & {"words"}:
        check.error(record, loc + ("points",), "a figure written in words cannot be charted")
    if chart.kind == "grouped-column" and any(p.series is None for p in chart.points):
        check.error(record, loc + ("points",), "every point of a grouped chart needs a series")
    if chart.whole is not None and len(units) == 1 and all(p.stat in stats for p in chart.points):
        total = sum(stats[p.stat][1].figure.value for p in chart.points)
        if total > chart.whole + ROUNDING_TOLERANCE:
            check.error(record, loc + ("whole",), f"the parts add up to {total:g}, more than the whole ({chart.whole:g})")


def _check_sheet(record, sheet: Sheet, stats, chart_ids, check: _Checker) -> None:
    for i, slug in enumerate(sheet.statistics):
        if check.unknown(slug, stats):
            check.error(record, ("statistics", i), f"no statistic has the slug {slug!r}")
        elif slug in stats and sheet.slug not in stats[slug][1].sheets:
            check.error(record, ("statistics", i), f"statistic {slug!r} does not list this sheet in its sheets")
    if len(set(sheet.statistics)) != len(sheet.statistics):
        check.error(record, ("statistics",), "a statistic is listed twice")
    for i, chart in enumerate(sheet.charts):
        if chart.id is None:
            check.error(record, ("charts", i, "id"), "a fact sheet's chart needs an id (it names the chart's files)")
        _check_chart(record, ("charts", i), chart, f"{sheet.slug}-{i + 1}", stats, chart_ids, check)
    _check_placeholders(record, ("introduction",), sheet.introduction, stats, check)

"""Turn loaded records into checked models, and apply every rule that spans files.

Every problem is collected; nothing stops at the first one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from . import derive, hints, overlay, text_rules
from .cache import ContentCache, Reads, still_true
from .errors import Problem, display_path
from .figures import FIGURE_MARK_RE, display, display_problem, quote_states, quote_states_text
from .load import RawContent, RawLanguage, Record
from .markdown_safe import MAX_MARKDOWN_CHARS, markdown_problem, render_markdown, text_segments
from .model import Chart, Sheet, SiteConfig, Source, Statistic, check_origin

Model = TypeVar("Model", bound=BaseModel)

CHART_HEADROOM = 1.45  # the value axis of a chart runs this far past its longest bar (charts.build_chart)
# A chart's phone image is /charts/<id>-narrow.svg and its download image /charts/<id>-download.svg
# (urls.chart_file): an id ending so would name another chart's file.
IMAGE_SUFFIXES = {"-narrow": "phone-sized image", "-download": "downloadable image"}
ROUNDING_TOLERANCE = 1.5  # a breakdown of rounded percentages may miss 100 by this much


@dataclass
class Content:
    site: SiteConfig
    sources: dict[str, Source]
    stats: dict[str, Statistic]
    sheets: list[Sheet]
    methodology: str
    derived_values: dict[str, float] = field(default_factory=dict)  # slug -> unrounded result
    derived_ranges: dict[str, derive.Range] = field(default_factory=dict)  # slug -> results its rounded inputs allow
    origin: dict[str, Record] = field(default_factory=dict)  # "stat:slug", "sheet:slug", "source:id" -> its record
    translations: dict[str, overlay.Translations] = field(default_factory=dict)  # language -> its overlays


def _field_name(loc: tuple[str | int, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _plain(problems: list[Problem]) -> tuple:
    return tuple((p.path, p.line, p.field, p.message, p.severity) for p in problems)


_VALID = (True, ())  # what most records' entries say: one tuple for all of them


def _cacheable(*records: Record) -> bool:
    return all(record.digest is not None for record in records)


def parse_record(record: Record, model: type[Model], problems: list[Problem], cache: ContentCache | None = None) -> Model | None:
    """Validate one record against its model; each pydantic error becomes a located problem. With
    `cache`, a record of the same file and model as before skips the checks of its text (most of
    the time), only the model is built again; its problems are those found then."""
    if cache is None or not _cacheable(record):
        return _parse_record(record, model, problems)
    key = ("parse", model.__name__, record.shown_path, record.digest)
    stored = cache.checked.get(key)
    if stored is not None:
        valid, found = stored
        problems.extend(Problem(*problem) for problem in found)
        if not valid:
            return None
        if cache.reuse is not None:  # the dev server's memory: the model itself (frozen), as built last time
            # The data is read only to make the model again (a translation's record is packed: load.PackedRecord).
            return cache.reuse.get(key, (), lambda: model.model_validate(record.data))
        return model.model_validate(record.data)
    new: list[Problem] = []
    item = _parse_record(record, model, new)
    problems.extend(new)
    if not record.changed:  # its lines are those of its digest
        cache.checked[key] = _VALID if item is not None and not new else (item is not None, _plain(new))
        cache.changed = True
        if cache.reuse is not None and item is not None:
            cache.reuse.keep(key, (), item)
    return item


def _parse_record(record: Record, model: type[Model], problems: list[Problem]) -> Model | None:
    data = record.data  # read once: a packed record unpacks it at each read (load.PackedRecord)
    waiting = hints.unfilled(data)
    for loc, value in waiting:
        problems.append(Problem(record.shown_path, record.line_of(loc), _field_name(loc),
                                f"replace the placeholder {value!r} (written by build.py new) with the real value"))
    # Invisible characters make a record fail like an unfilled value does: its text cannot be published as it is.
    invisible = text_rules.text_problems(data, model.__name__)
    for loc, message in invisible:
        problems.append(Problem(record.shown_path, record.line_of(loc), _field_name(loc), message))
    try:
        item = model.model_validate(data)
    except ValidationError as error:
        held = {loc for loc, _ in waiting}  # one message for an unfilled value, not a type error as well
        for detail in error.errors():
            loc = tuple(part for part in detail["loc"] if not str(part).startswith("function-"))
            if loc not in held:
                problems.append(Problem(record.shown_path, record.line_of(loc), _field_name(loc), hints.message(detail, model)))
        return None
    return None if waiting or invisible else item


class _Checker:
    """Cross-file rules over validated models; appends to `problems`."""

    def __init__(self, problems: list[Problem], warnings: list[Problem], broken: set[str],
                 cache: ContentCache | None = None):
        self.problems, self.warnings = problems, warnings
        self.broken = broken  # names of records that already failed: references to them are not errors again
        self.cache = cache  # results of checks of one record (and what they read of others), from earlier builds

    def error(self, record: Record, loc: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(record.shown_path, record.line_of(loc), _field_name(loc), message))

    def unknown(self, name: str, known) -> bool:
        """True when `name` names nothing, not even a record that failed validation."""
        return name not in known and name not in self.broken

    def missing(self, record: Record, loc: tuple[str | int, ...], kind: str, name: str, known) -> None:
        """A reference to nothing: the nearest known name, or else where such records live."""
        what, key, folder = {"source": ("source", "id", "sources"), "statistic": ("statistic", "slug", "stats"),
                             "sheet": ("fact sheet", "slug", "sheets")}[kind]
        hint = hints.did_you_mean(name, known) or f" ({what}s live in content/{folder}/)"
        self.error(record, loc, f"no {what} has the {key} {name!r}{hint}")

    def warn(self, record: Record, loc: tuple[str | int, ...], message: str) -> None:
        self.warnings.append(Problem(record.shown_path, record.line_of(loc), _field_name(loc), message, "warning"))


def _unique(items: list[tuple[Record, Model]], key: str, kind: str, check: _Checker) -> dict[str, tuple[Record, Model]]:
    seen: dict[str, tuple[Record, Model]] = {}
    for record, item in items:
        name = getattr(item, key)
        if record.stem != name:
            check.error(record, (key,), f"the file must be named {name}.yaml, after its {key}, so that URLs and files agree")
        if name in seen:
            check.error(record, (key,), f"{kind} {name!r} is already defined in {seen[name][0].shown_path}: give one of them another {key}")
            continue
        seen[name] = (record, item)
    return seen


def validate(raw: RawContent, cache: ContentCache | None = None) -> tuple[Content | None, list[Problem]]:
    """Check everything; returns the content (None when there are errors) and all problems. `cache`
    (cache.py) holds what checks of unchanged records found: the result is the same without it."""
    problems = list(raw.problems)
    warnings: list[Problem] = []
    # Names of records that fail on their own, so one mistake is reported once, not at every reference.
    broken = {path.stem for path in raw.unreadable}

    site = parse_record(raw.site, SiteConfig, problems, cache) if raw.site else None
    if raw.site is not None:
        _check_methodology(raw.methodology, str(PurePosixPath(raw.site.shown_path).parent / "pages" / "methodology.md"), problems)
    parsed_sources = _parse_all(raw.sources, Source, problems, broken, cache)
    parsed_stats = _parse_all(raw.stats, Statistic, problems, broken, cache)
    parsed_sheets = _parse_all(raw.sheets, Sheet, problems, broken, cache)
    check = _Checker(problems, warnings, broken, cache)
    sources = _unique(parsed_sources, "id", "source", check)
    stats = _unique(parsed_stats, "slug", "statistic", check)
    sheets = _unique(parsed_sheets, "slug", "fact sheet", check)

    cited: set[str] = set()
    for record, stat in stats.values():
        cited.update(_checked_statistic(record, stat, sources, stats, sheets, check))
    derived_values, derived_ranges = _check_derivations(stats, check)
    chart_ids: dict[str, Record] = {}
    for record, stat in stats.values():
        if stat.chart:
            _check_chart(record, ("chart",), stat.chart, stat.slug, stats, chart_ids, check)
    for record, sheet in sheets.values():
        _check_sheet(record, sheet, stats, chart_ids, check)
        for i, statement in enumerate(sheet.statements):
            if check.unknown(statement.source, sources):
                check.missing(record, ("statements", i, "source"), "source", statement.source, sources)
            elif statement.source in sources:
                cited.add(statement.source)
    for record, source in sources.values():
        if source.id not in cited:
            check.warn(record, ("id",), "no statistic cites this source")
    translations = {}
    if site is not None and not problems:  # translations are checked against valid English only
        for language, raw_language in raw.translations.items():
            translations[language] = _check_translation(language, raw_language, site, raw.methodology,
                                                         sources, stats, sheets, check)

    if problems or site is None:
        return None, sorted(problems) + sorted(warnings)
    content = Content(
        site=site,
        sources={k: v for k, (_, v) in sorted(sources.items())},
        stats={k: _with_chart_id(v) if cache is None or cache.reuse is None
               else cache.reuse.get(("chart id", k), (v,), partial(_with_chart_id, v)) for k, (_, v) in stats.items()},
        sheets=sorted((s for _, s in sheets.values()), key=lambda s: (s.order, s.slug)),
        methodology=raw.methodology,
        derived_values=derived_values,
        derived_ranges=derived_ranges,
        origin={**{f"stat:{k}": r for k, (r, _) in stats.items()}, **{f"sheet:{k}": r for k, (r, _) in sheets.items()},
                **{f"source:{k}": r for k, (r, _) in sources.items()}},
        translations=translations,
    )
    return content, sorted(warnings)


def _with_chart_id(stat: Statistic) -> Statistic:
    """A statistic's chart is named after it unless it has an id: decided here, once, for every reader."""
    if stat.chart is None or stat.chart.id is not None:
        return stat
    return stat.model_copy(update={"chart": stat.chart.model_copy(update={"id": stat.slug})})


def _check_methodology(text: str, shown_path: str, problems: list[Problem]) -> None:
    """The methodology page's Markdown follows the text rules of an introduction, located by line."""
    def line(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    index = text_rules.first_refused(text, multiline=True)
    if index is not None:
        message = text_rules.invisible_character(text, multiline=True) or ""
        problems.append(Problem(shown_path, line(index), "", message.replace("text fields may", "content may")))
    costly = markdown_problem(text, MAX_MARKDOWN_CHARS["methodology"])
    if costly:
        problems.append(Problem(shown_path, line(costly[0]), "", "the page " + costly[1]))


def _parse_all(records: list[Record], model: type[Model], problems: list[Problem], broken: set[str],
               cache: ContentCache | None = None) -> list[tuple[Record, Model]]:
    """Validate each record once; the names of those that fail go into `broken`."""
    parsed = []
    for record in records:
        item = parse_record(record, model, problems, cache)
        if item is not None:
            parsed.append((record, item))
        else:
            broken.add(record.stem)
            broken.update(record.data[key] for key in ("id", "slug") if isinstance(record.data.get(key), str))
    return parsed


def _check_placeholders(record: Record, loc: tuple[str | int, ...], text: str, stats: dict, check: _Checker) -> None:
    for match in FIGURE_MARK_RE.finditer(text):
        slug = match.group(1)
        if slug is not None and check.unknown(slug, stats):
            check.error(record, loc, f"{{figure:{slug}}} names no statistic{hints.did_you_mean(slug, stats)}")


YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")
# Words of a scope that change what a figure means; a sentence that travels alone (a share card, a
# post) must keep them: "federal" (not all trafficking), "criminal"/"civil", "sex trafficking".
SCOPE_WORDS = ("federal", "criminal", "civil", "sex trafficking")


def _check_sentence_stands_alone(record: Record, stat: Statistic, check: _Checker) -> None:
    """The sentence names its period and keeps the scope's defining words."""
    sentence = stat.sentence.casefold()
    missing_years = [year for year in dict.fromkeys(YEAR_RE.findall(stat.period)) if year not in sentence]
    if missing_years:
        check.error(record, ("sentence",),
                    f"the sentence does not name the period {stat.period!r} (missing {', '.join(missing_years)}): "
                    "it travels alone on cards and in shares, so say when, e.g. \"in 2020\" or \"from 2000 to 2020\"")
    scope = stat.scope.casefold()
    missing_words = [word for word in SCOPE_WORDS if word in scope and word not in sentence]
    if missing_words:
        check.error(record, ("sentence",),
                    f"the scope says {', '.join(repr(w) for w in missing_words)} but the sentence does not: "
                    "it travels alone, so say what is counted, e.g. \"in federal criminal cases\"")


def _check_markdown(record: Record, loc: tuple[str | int, ...], text: str, stats: dict, check: _Checker) -> None:
    """A sheet's introduction: cheap to render, and every placeholder names a statistic and sits in plain text."""
    costly = markdown_problem(text, MAX_MARKDOWN_CHARS[str(loc[-1])])
    if costly:
        check.error(record, loc, costly[1])
        return  # not rendered below: that is what is too costly
    _check_placeholders(record, loc, text, stats, check)
    if "{figure}" in text:
        check.error(record, loc, "a bare {figure} names no statistic here: write {figure:slug}, e.g. {figure:victims-identified-2020}")
    if FIGURE_MARK_RE.search(text):
        for is_text, piece in text_segments(str(render_markdown(text))):
            for match in FIGURE_MARK_RE.finditer(piece) if not is_text else ():
                check.error(record, loc, f"{match.group(0)} is inside a link (its address, title or text) or a tag: "
                            "a figure is itself a link, so put it in the plain text beside the link")


def _checked_statistic(record: Record, stat: Statistic, sources: dict, stats: dict, sheets: dict,
                       check: _Checker) -> tuple[str, ...]:
    """A statistic's own checks, and the sources it cites; kept while it and the names and sheets it
    refers to are unchanged."""
    def run(views: dict[str, Mapping], alone: _Checker) -> tuple[str, ...]:
        cited: set[str] = set()
        _check_statistic(record, stat, views["sources"], views["stats"], views["sheets"], cited, alone)
        return tuple(sorted(cited))

    return _remembered(("statistic", record.shown_path, record.digest), (record,),
                       {"sources": (sources, _digest_of_record), "stats": (stats, _digest_of_record),
                        "sheets": (sheets, _digest_of_record)}, check, run)


def _check_statistic(record, stat: Statistic, sources, stats, sheets, cited: set[str], check: _Checker) -> None:
    _check_sentence_stands_alone(record, stat, check)
    misstating = {d.source for d in stat.discrepancies if d.kind == "misstates"}
    wrong_display = display_problem(stat.figure)
    if wrong_display:
        check.error(record, ("figure", "display"), wrong_display)
    shown = display(stat.figure)
    for i, citation in enumerate(stat.citations):
        for key in ("source", "via"):
            source_id = getattr(citation, key)
            if source_id is None:
                continue
            if check.unknown(source_id, sources):
                check.missing(record, ("citations", i, key), "source", source_id, sources)
            elif source_id in sources:
                cited.add(source_id)
        shown_wrong = next((sid for sid in (citation.source, citation.via) if sid in misstating), None)
        if shown_wrong and not citation.note:
            check.error(record, ("citations", i, "note"),
                        f"this statistic shows {shown_wrong!r} misstating the figure (its discrepancies), "
                        "so a passage cited from it needs a note saying what the passage gets wrong or leaves out")
        if stat.status != "derived" and not quote_states(citation.quote, stat.figure):
            check.error(
                record, ("citations", i, "quote"),
                f"the quoted passage does not contain the figure {shown!r}: quote the passage that states it, "
                "or mark the statistic derived",
            )
    for i, item in enumerate(stat.discrepancies):
        if check.unknown(item.source, sources):
            check.missing(record, ("discrepancies", i, "source"), "source", item.source, sources)
        elif item.source in sources:
            cited.add(item.source)
        if item.figure and not quote_states_text(item.quote, item.figure):
            check.error(record, ("discrepancies", i, "quote"), f"the quoted passage does not contain the competing figure {item.figure!r}")
    for i, sheet_slug in enumerate(stat.sheets):
        if check.unknown(sheet_slug, sheets):
            check.missing(record, ("sheets", i), "sheet", sheet_slug, sheets)
        elif sheet_slug in sheets and stat.slug not in sheets[sheet_slug][1].statistics:
            check.error(record, ("sheets", i), f"fact sheet {sheet_slug!r} does not list this statistic: add it to its statistics")
    for i, other in enumerate(stat.related):
        if check.unknown(other, stats):
            check.missing(record, ("related", i), "statistic", other, stats)
    _check_placeholders(record, ("sentence",), stat.sentence, stats, check)


# A range typed into an explanation: "from about 278 to 281", "between 94.4% and 95.3%", "148 or 149".
TYPED_RANGE_RE = re.compile(r"\b(?:from|between|be)\s+(?:about\s+)?((?<![\d.,])\d[\d,]*(?:\.\d+)?)(?<!,)\s*(?:%|\s+million)?"
                            r"\s+(?:to|and|or|\u2013)\s+(?:about\s+)?(\d[\d,]*(?:\.\d+)?)(?<!,)")


def _check_range_text(record: Record, stat: Statistic, computed: derive.Range, check: _Checker) -> None:
    """A range is worked out by the build and printed with {range}; a typed one must agree with it."""
    explanation = stat.derivation.explanation
    computed_ends = tuple(end.replace(",", "") for end in computed.ends())
    for match in TYPED_RANGE_RE.finditer(explanation):
        typed = (match.group(1).replace(",", ""), match.group(2).replace(",", ""))
        if typed != computed_ends:
            check.error(record, ("derivation", "explanation"),
                        f"the explanation gives the range {match.group(0)!r}, but the rounded inputs allow "
                        f"{computed.text(stat.figure.unit)}: write {{range}} where the range goes, and the build prints it")
            return
    if "{range}" not in explanation and not TYPED_RANGE_RE.search(explanation):
        check.error(record, ("derivation", "explanation"),
                    f"rounded inputs allow {computed.text(stat.figure.unit)}: say so, writing {{range}} where the range goes")


def _check_derivations(stats: dict[str, tuple[Record, Statistic]],
                       check: _Checker) -> tuple[dict[str, float], dict[str, derive.Range]]:
    """Recompute every derived figure from its inputs; the stated figure must agree."""
    results: dict[str, float] = {}
    ranges: dict[str, derive.Range] = {}
    for record, stat in stats.values():
        if not stat.derivation:
            continue
        derivation = stat.derivation
        values: dict[str, float] = {}
        for name, slug in derivation.inputs.items():
            if slug not in stats:
                if check.unknown(slug, stats):
                    check.missing(record, ("derivation", "inputs", name), "statistic", slug, stats)
            elif stats[slug][1].status == "derived":
                check.error(record, ("derivation", "inputs", name), f"{slug!r} is itself derived: derive from reported figures")
            elif stats[slug][1].figure.unit == "words":
                check.error(record, ("derivation", "inputs", name), f"{slug!r} is a figure in words, a bound, not a number to compute with")
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
        unknown_rounded = [n for n in derivation.rounded_inputs if n not in derivation.inputs]
        for name in unknown_rounded:
            check.error(record, ("derivation", "rounded_inputs", derivation.rounded_inputs.index(name)),
                        f"{name!r} is not one of the inputs ({', '.join(derivation.inputs)})")
        if derivation.rounded_inputs and not unknown_rounded:
            computed = derive.rounding_range(derivation.expression, values, derivation.rounded_inputs,
                                             stat.figure.unit, derivation.round_to)
            ranges[stat.slug] = computed
            _check_range_text(record, stat, computed, check)
        elif "{range}" in derivation.explanation:
            check.error(record, ("derivation", "explanation"),
                        "{range} needs rounded_inputs: name the inputs whose figures are rounded")
        if round(result, derivation.round_to) != round(stat.figure.value, derivation.round_to):
            check.error(
                record, ("figure", "value"),
                f"the derivation gives {result:.{derivation.round_to + 2}f}, which rounds to "
                f"{round(result, derivation.round_to):g}, but the figure says {stat.figure.value:g}: "
                "correct the figure's value, or the derivation's inputs or expression",
            )
    return results, ranges


def _check_chart(record, loc, chart: Chart, default_id: str, stats, chart_ids: dict[str, Record], check: _Checker) -> None:
    chart_id = chart.id or default_id
    if chart_id in chart_ids:
        check.error(record, loc + ("id",), f"chart id {chart_id!r} is already used in {chart_ids[chart_id].shown_path}")
    chart_ids[chart_id] = record
    units = set()
    for i, point in enumerate(chart.points):
        if check.unknown(point.stat, stats):
            check.missing(record, loc + ("points", i, "stat"), "statistic", point.stat, stats)
        elif point.stat in stats:
            units.add(stats[point.stat][1].figure.unit)
    if len(units) > 1:
        check.error(record, loc + ("points",), f"a chart's points must share one unit, not {', '.join(sorted(units))}")
    if units & {"words"}:
        check.error(record, loc + ("points",), "a figure written in words cannot be charted")
    if chart.kind == "grouped-column" and any(p.series is None for p in chart.points):
        check.error(record, loc + ("points",), "every point of a grouped chart needs a series")
    values = [stats[p.stat][1].figure.value for p in chart.points if p.stat in stats]
    if values and not math.isfinite(max(abs(v) for v in values) * CHART_HEADROOM * len(values)):
        # the value axis runs past the longest bar, and the parts are summed: both must stay finite
        check.error(record, loc + ("points",), "a figure in this chart is too large to draw: check the points' statistics")
    for suffix, image in IMAGE_SUFFIXES.items():
        if chart_id.endswith(suffix):
            check.error(record, loc + ("id",) if chart.id else ("slug",),
                        f"chart id {chart_id!r} ends in {suffix!r}, which names the {image} of chart "
                        f"{chart_id.removesuffix(suffix)!r}: choose an id that does not end in {suffix!r}")
    if chart.whole is not None and len(units) == 1 and all(p.stat in stats for p in chart.points):
        total = sum(stats[p.stat][1].figure.value for p in chart.points)
        if total > chart.whole + ROUNDING_TOLERANCE:
            check.error(record, loc + ("whole",), f"the parts add up to {total:g}, more than the whole ({chart.whole:g}): "
                        "check the points' statistics, or the whole")


def _check_sheet(record, sheet: Sheet, stats, chart_ids, check: _Checker) -> None:
    for i, slug in enumerate(sheet.statistics):
        if check.unknown(slug, stats):
            check.missing(record, ("statistics", i), "statistic", slug, stats)
        elif slug in stats and sheet.slug not in stats[slug][1].sheets:
            check.error(record, ("statistics", i), f"statistic {slug!r} does not list this sheet in its sheets")
    if len(set(sheet.statistics)) != len(sheet.statistics):
        check.error(record, ("statistics",), "a statistic is listed twice: remove one")
    for i, chart in enumerate(sheet.charts):
        if chart.id is None:
            check.error(record, ("charts", i, "id"), "a fact sheet's chart needs an id (it names the chart's files)")
        _check_chart(record, ("charts", i), chart, f"{sheet.slug}-{i + 1}", stats, chart_ids, check)
    # Rendering the introduction is most of a sheet's checks: kept while the slugs it names are the same.
    _remembered(("introduction", record.shown_path, record.digest), (record,), {"stats": (stats, _digest_of_record)},
                check, lambda views, alone: _check_markdown(record, ("introduction",), sheet.introduction,
                                                            views["stats"], alone))


def environment_url_problem(value: str | None) -> Problem | None:
    """The URL environment variable (set by Netlify) replaces base_url, so it follows base_url's rule."""
    if not value:
        return None
    try:
        check_origin(value)
    except ValueError as error:
        return Problem("environment", None, "URL", f"{error}; or unset URL to use base_url from the site file")
    return None


# --- translations (overlay.py): each checked against the English it translates ------------------------

KIND_NAMES = {"stat": "statistic", "sheet": "fact sheet", "source": "source"}


def _check_translation(language: str, raw: RawLanguage, site: SiteConfig, methodology: str, sources, stats, sheets,
                       check: _Checker) -> overlay.Translations:
    """Every English record of a listed language has its overlay, and each overlay is faithful to it."""
    figures = {slug: (stat.figure.value, stat.figure.unit) for slug, (_, stat) in stats.items()}
    failed = {path.stem for path in raw.unreadable}
    root = raw.folder.parent

    def overlays(records: list[Record], model: type[Model], kind: str, english: dict, needed: set[str],
                 texts, own_figure: bool = False) -> dict:
        folder = overlay.KINDS[kind][0]
        found = {}
        for record in records:
            name = record.stem
            item = parse_record(record, model, check.problems, check.cache)
            if name not in english:
                check.error(record, (), f"this translates no {KIND_NAMES[kind]}: there is no {folder}/{name}.yaml in the English"
                                        f"{hints.did_you_mean(name, english)}")
                continue
            if item is None:
                failed.add(name)
                continue
            english_record, english_item = english[name]
            # One overlay's checks against its English, or what they found when the overlay and its English
            # were these same files, if what they read of the other statistics (a figure it must not type,
            # a slug it names) is as it was.
            _remembered(("overlay", language, record.shown_path, record.digest, english_record.digest),
                        (record, english_record), {"figures": (figures, _itself), "stats": (stats, _digest_of_record)},
                        check, lambda views, alone: _check_overlay(
                            record, item, texts(english_item), views["figures"], name if own_figure else None,
                            english_item if kind == "stat" else None, language, views["stats"], alone))
            found[name] = item
        for name in sorted(needed - set(found) - failed):
            path = raw.folder / folder / f"{name}.yaml"
            check.problems.append(Problem(display_path(path, root), None, "",
                                          f"missing translation: the {KIND_NAMES[kind]} {name!r} has no translation into "
                                          f"{language}: write one with python3 build.py new translation {language} "
                                          f"{kind} {name}"))
        return found

    site_text = None
    if raw.site is not None:
        site_text = parse_record(raw.site, overlay.SiteText, check.problems)
        if site_text is not None:
            _check_overlay(raw.site, site_text, overlay.site_texts(site), figures, None, None, language, stats, check)
            _check_locators(raw.site, site_text, stats, sheets, check)
    elif "site" not in failed:
        check.problems.append(Problem(display_path(raw.folder / "site.yaml", root), None, "",
                                      f"missing translation: the site file has no translation into {language}: "
                                      f"write one with python3 build.py new translation {language} site"))
    stat_texts = overlays(raw.stats, overlay.StatText, "stat", stats, set(stats), overlay.stat_texts, own_figure=True)
    sheet_texts = overlays(raw.sheets, overlay.SheetText, "sheet", sheets, set(sheets), overlay.sheet_texts)
    source_texts = overlays(raw.sources, overlay.SourceText, "source", sources,
                            {name for name, (_, source) in sources.items() if source.notes}, overlay.source_texts)
    return overlay.Translations(language, site_text, stat_texts, sheet_texts, source_texts,
                                _check_translated_methodology(raw, methodology, language, check))


def _check_locators(record: Record, text: overlay.SiteText, stats, sheets, check: _Checker) -> None:
    """Every locator the English writes is translated once, and the overlay translates nothing else."""
    wanted = overlay.english_locators([stat for _, stat in stats.values()], [sheet for _, sheet in sheets.values()])
    for locator in sorted(wanted - set(text.locators)):
        check.error(record, ("locators",), f"no translation of the locator {locator!r}: add it here "
                                           f"(\"{locator}\": \"...\")")
    for locator in sorted(set(text.locators) - wanted):
        check.error(record, ("locators", locator), "no English citation, discrepancy or statement has this locator: "
                                                  "remove it, or copy the locator exactly as the English writes it")


def _itself(value: Any) -> Any:
    return value


def _digest_of_record(value: tuple[Record, BaseModel]) -> bytes | None:
    return value[0].digest  # the model is of the record's data: the same digest, the same model


def _remembered(key: tuple, records: tuple[Record, ...], others: dict[str, tuple[Mapping, Callable[[Any], Any]]],
                check: _Checker, run: Callable[[dict[str, Mapping], _Checker], Any]) -> Any:
    """`run(views, check)` with a view of each of `others` (name -> the mapping, and the token that
    stands for one of its values), or, when the cache has a result of the same `key` (the records'
    digests among it) whose every read of `others` and of the broken names gives the same token
    again, what it found then. Returns what `run` returned (plain data: it is kept too)."""
    if check.cache is None or not _cacheable(*records):
        return run({name: mapping for name, (mapping, _) in others.items()}, check)
    sources = {**others, "broken": (check.broken, _itself)}
    stored = check.cache.checked.get(key)
    if stored is not None and still_true(stored[0], sources):
        if stored[1]:
            check.problems.extend(Problem(*problem) for problem in stored[1])
        if stored[2]:
            check.warnings.extend(Problem(*problem) for problem in stored[2])
        return stored[3]
    reads = Reads(sources)
    alone = _Checker([], [], reads.view("broken"))  # type: ignore[arg-type]  # read as a set: `in` only
    result = run({name: reads.view(name) for name in others}, alone)
    check.problems.extend(alone.problems)
    check.warnings.extend(alone.warnings)
    seen = reads.frozen()
    if seen is not None and not any(record.changed for record in records):  # lines of other bytes: never kept
        check.cache.checked[key] = (seen, _plain(alone.problems), _plain(alone.warnings), result)
        check.cache.changed = True
    return result


def _check_overlay(record: Record, item: overlay.Overlay, english: dict, figures: dict, own: str | None,
                   stat: Statistic | None, language: str, stats, check: _Checker) -> None:
    found = overlay.Comparison()
    overlay.compare(english, item.model_dump(), (), found)
    for loc, message in found.problems:
        check.error(record, loc, message)
    for pair in found.pairs:
        problem = overlay.placeholder_problem(pair) or overlay.typed_figure_problem(pair, figures, own)
        if problem:
            check.error(record, pair.loc, problem)
        elif pair.loc == ("introduction",):
            _check_markdown(record, pair.loc, pair.translated, stats, check)
    if stat is not None:
        for message in overlay.sentence_problems(item.sentence, stat.scope, stat.period, language, YEAR_RE, SCOPE_WORDS):
            check.error(record, ("sentence",), message)
    changed = overlay.stale_fields(item.translates, english)
    if changed:
        check.warn(record, ("translates",), overlay.stale_message(changed, overlay.translation_hash(english)))


def _check_translated_methodology(raw: RawLanguage, english: str, language: str, check: _Checker) -> str:
    path = raw.folder / "pages" / "methodology.md"
    shown = display_path(path, raw.folder.parent)
    if raw.methodology is None:
        check.problems.append(Problem(shown, None, "", f"missing translation: the methodology page has no translation "
                                                       f"into {language}: write one with python3 build.py new "
                                                       f"translation {language} methodology"))
        return ""
    _check_methodology(raw.methodology, shown, check.problems)
    if overlay.METHODOLOGY_TODO in raw.methodology:
        line = raw.methodology.count("\n", 0, raw.methodology.index(overlay.METHODOLOGY_TODO)) + 1
        check.problems.append(Problem(shown, line, "", "replace the English text below this line (written by build.py "
                                                       "new translation) with the translation, then delete the line"))
    mark = overlay.METHODOLOGY_MARK_RE.match(raw.methodology)
    new_hash = overlay.methodology_hash(english)
    if mark is None:
        check.problems.append(Problem(shown, 1, "", f"the first line must record which English version this "
                                                    f"translates: <!-- translates: {new_hash} -->"))
        return raw.methodology
    if mark.group(1) != new_hash:
        check.warnings.append(Problem(shown, 1, "translates", overlay.stale_message(["methodology"], new_hash), "warning"))
    return raw.methodology[mark.end():]

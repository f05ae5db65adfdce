"""Translations of the content as overlays: content/<lang>/ files that hold only the translatable text.

An overlay never repeats a figure, a slug or a source: those come from the English record, so the
translated page prints the validated number. Each translated text keeps exactly its English
placeholders, and each overlay records which English version it translates (`translates`), one short
digest per translatable field, so that a changed English field is named when the translation is stale.

Lists are matched to the English by what identifies their items (a citation by its source and
locator, a chart point by its statistic, a sheet's chart by its id), never by position alone, so a
reordered English list cannot attach a translation to the wrong quote.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, Field

from .figures import comparable_text, states_number
from .model import (Chart, ChartPoint, Citation, Derivation, Discrepancy, Helpline, HistoryEntry, Sheet, SiteConfig, Source,
                    Statement, Statistic, Strict)

Loc = tuple[str | int, ...]

LANGUAGE_PATTERN = r"^[a-z]{2,3}$"  # a folder content/<code>/; ISO 639 codes, as <html lang> takes them
LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)
DIGEST_CHARS = 4  # per field: a changed field goes unnoticed once in 65,536 edits
PLACEHOLDER_RE = re.compile(r"\{figure(?::[^}]*)?\}|\{range\}")
METHODOLOGY_MARK_RE = re.compile(r"\A<!-- translates: ([0-9a-f-]+) -->\n")
METHODOLOGY_TODO = "<!-- TODO translate"  # the line `build.py new translation` writes above the English text

NonEmpty = Field(min_length=1)


class Overlay(Strict):
    ENGLISH: ClassVar[type[BaseModel]]  # the model it translates: its other fields are named as untranslatable


class FileOverlay(Overlay):
    """A whole overlay file: it records which English version it translates."""

    translates: str = Field(pattern=r"^[0-9a-f]{4}(-[0-9a-f]{4})*$")
    """Which English version this translates: python3 build.py new translation writes it."""


class QuotedText(Overlay):
    """An item of a list that quotes a source (a citation, discrepancy or statement), found by its keys."""

    source: str
    """The English item's source: with locator, which item this translates."""
    locator: str = NonEmpty
    """The English item's locator, as written there."""
    quote_translation: str = NonEmpty
    """The site's own rendering of the quote (the quote itself stays in its source's words)."""


class PointText(Overlay):
    ENGLISH = ChartPoint
    stat: str
    """The slug of the English point's statistic: which bar this label is for."""
    label: str = NonEmpty
    """The bar's label, translated."""


class ChartText(Overlay):
    ENGLISH = Chart
    id: str | None = None
    """On a fact sheet: the id of the English chart this translates."""
    title: str = NonEmpty
    """The chart's title, translated."""
    description: str = NonEmpty
    """The chart's one-sentence description, translated."""
    value_label: str = NonEmpty
    """What the values are, translated."""
    points: list[PointText] = Field(min_length=1)
    """Each bar's label, by its statistic."""
    remainder_label: str | None = None
    """The remainder bar's own label, translated: present exactly when the English chart has a whole and
    names its remainder itself (the default label is the interface's, translated in the catalogue)."""


class CitationText(QuotedText):
    ENGLISH = Citation
    note: str | None = None
    """The citation's note, translated: present exactly when the English has one."""


class DiscrepancyText(QuotedText):
    ENGLISH = Discrepancy
    says: str = NonEmpty
    """What that source states, translated."""
    resolution: str = NonEmpty
    """Which reading the site uses, and why, translated."""


class DerivationText(Overlay):
    ENGLISH = Derivation
    explanation: str = NonEmpty
    """How the figure is worked out, translated; keeps {range} if the English has it."""


class HistoryText(Overlay):
    ENGLISH = HistoryEntry
    date: str
    """The English entry's date, as written there: which change this translates."""
    change: str = NonEmpty
    """What changed, translated."""
    reason: str = NonEmpty
    """Why it changed, translated."""


class StatText(FileOverlay):
    ENGLISH = Statistic
    short_title: str = NonEmpty
    """The short label, translated."""
    sentence: str = Field(min_length=1, max_length=280)
    """The sentence, translated, with exactly the English placeholders ({figure}, {figure:slug})."""
    period: str = NonEmpty
    """The period, translated."""
    scope: str = NonEmpty
    """What is counted, translated."""
    caveats: list[str] = []
    """The caveats, translated, in the English order."""
    citations: list[CitationText] = Field(min_length=1)
    """One entry per English citation, matched by source and locator."""
    discrepancies: list[DiscrepancyText] = []
    """One entry per English discrepancy, matched by source and locator."""
    derivation: DerivationText | None = None
    """For a derived statistic: its explanation, translated."""
    chart: ChartText | None = None
    """For a statistic with a chart: its texts, translated."""
    history: list[HistoryText] = []
    """One entry per English history entry (a correction or update), matched by date."""
    figure_display: str | None = None
    """For a figure written in words ("Over one third"): the words, translated; present exactly when the English figure has a display."""


class StatementText(QuotedText):
    ENGLISH = Statement
    context: str | None = None
    """The statement's context, translated: present exactly when the English has one."""


class SheetText(FileOverlay):
    ENGLISH = Sheet
    title: str = NonEmpty
    """The sheet's title, translated."""
    summary: str = NonEmpty
    """The one-sentence summary, translated."""
    introduction: str = NonEmpty
    """The introduction (Markdown), translated, with exactly the English placeholders."""
    charts: list[ChartText] = []
    """One entry per English chart, matched by id."""
    statements: list[StatementText] = []
    """One entry per English statement, matched by source and locator."""


class SourceText(FileOverlay):
    ENGLISH = Source
    notes: str = NonEmpty
    """The source's notes, translated. Its title and short_name stay in the source's own language."""


class HelplineText(Overlay):
    ENGLISH = Helpline
    name: str = NonEmpty
    """The helpline's name, as it gives it in this language."""
    hours: str = NonEmpty
    """When it answers, translated."""


class SiteText(FileOverlay):
    ENGLISH = SiteConfig
    title: str = NonEmpty
    """The site's name, translated."""
    description: str = NonEmpty
    """The site's description, translated."""
    content_note: str = NonEmpty
    """The content note, translated."""
    helpline: HelplineText
    """The helpline's wording in this language."""
    locators: dict[str, Annotated[str, Field(min_length=1)]] = {}
    """Where each quote was read, in this language: every English locator (a citation's, a
    discrepancy's or a statement's, as written there) and its translation ("6th paragraph": "6.º
    párrafo"). The site's own words, so translated; the quote itself stays in its source's."""


# What identifies an item of each list, in the English and in the overlay alike.
LIST_KEYS: dict[str, tuple[str, ...]] = {"citations": ("source", "locator"), "discrepancies": ("source", "locator"),
                                          "statements": ("source", "locator"), "points": ("stat",), "charts": ("id",),
                                          "history": ("date",)}
# An English text whose overlay field has another name: the quote stays as written, beside its rendering.
RENAMED = {"quote": "quote_translation"}
# Texts the English may leave empty: the overlay has the field exactly when the English has text.
OPTIONAL_TEXTS = {"note", "context", "figure_display", "remainder_label"}


# --- the English texts an overlay translates, one group per top-level field --------------------------

def _chart_texts(chart: Chart | None, with_id: bool = False) -> dict | None:
    if chart is None:
        return None
    texts = {"title": chart.title, "description": chart.description, "value_label": chart.value_label,
             "points": [{"stat": p.stat, "label": p.label} for p in chart.points],
             # Only a label of the chart's own: a chart with the default keeps the hash it had before.
             **({"remainder_label": chart.remainder_label} if chart.whole is not None and not chart.default_remainder else {})}
    return {"id": chart.id, **texts} if with_id else texts


def _quoted(items: list, *texts: str) -> list[dict]:
    return [{"source": item.source, "locator": item.locator, "quote": item.quote,
             **{name: getattr(item, name) for name in texts}} for item in items]


def stat_texts(stat: Statistic) -> dict[str, Any]:
    return {"short_title": stat.short_title, "sentence": stat.sentence, "period": stat.period, "scope": stat.scope,
            "caveats": list(stat.caveats), "citations": _quoted(stat.citations, "note"),
            "discrepancies": _quoted(stat.discrepancies, "says", "resolution"),
            "derivation": {"explanation": stat.derivation.explanation} if stat.derivation else None,
            "chart": _chart_texts(stat.chart),
            # Only when there is one: a statistic without history keeps the hash it had before history was translated.
            **({"history": [{"date": e.date, "change": e.change, "reason": e.reason} for e in stat.history]} if stat.history else {}),
            # A figure in words is words, so a language writes its own; a number stays the validated number.
            **({"figure_display": stat.figure.display} if stat.figure.display else {})}


def sheet_texts(sheet: Sheet) -> dict[str, Any]:
    return {"title": sheet.title, "summary": sheet.summary, "introduction": sheet.introduction,
            "charts": [_chart_texts(chart, with_id=True) for chart in sheet.charts],
            "statements": _quoted(sheet.statements, "context")}


def source_texts(source: Source) -> dict[str, Any]:
    return {"notes": source.notes}


def english_locators(stats: list[Statistic], sheets: list[Sheet]) -> set[str]:
    """Every locator the English content writes: what a language's `locators` translates."""
    return ({item.locator for stat in stats for item in [*stat.citations, *stat.discrepancies]}
            | {statement.locator for sheet in sheets for statement in sheet.statements})


def site_texts(site: SiteConfig) -> dict[str, Any]:
    return {"title": site.title, "description": site.description, "content_note": site.content_note,
            "helpline": {"name": site.helpline.name, "hours": site.helpline.hours}}


def _digest(value: Any) -> str:
    canonical = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def translation_hash(texts: dict[str, Any]) -> str:
    """`translates:` for these English texts: one digest per field, in the fields' order, joined by '-'.
    Both the build and `build.py new translation` use it."""
    return "-".join(_digest(value) for value in texts.values())


def methodology_hash(text: str) -> str:
    return _digest(text)


def stale_fields(recorded: str, texts: dict[str, Any]) -> list[str]:
    """The English fields that changed since `recorded` was written (all of them if it has another shape)."""
    old, new = recorded.split("-"), translation_hash(texts).split("-")
    if len(old) != len(new):
        return list(texts)
    return [name for name, before, now in zip(texts, old, new) if before != now]


def stale_message(fields: list[str], new_hash: str) -> str:
    named = " and ".join(fields) if len(fields) < 3 else ", ".join(fields[:-1]) + " and " + fields[-1]
    return (f"stale translation: the English {named} changed since this was translated; "
            f"update it and set translates: {new_hash}")


# --- comparing an overlay with its English ----------------------------------------------------------

def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER_RE.findall(text))


def _shown(marks: Counter[str]) -> str:
    return ", ".join(marks.elements()) or "none"  # in the order the text has them


@dataclass
class Pair:
    """One translated text beside the English text it translates, and where it is in the overlay."""

    loc: Loc
    english: str
    translated: str


@dataclass
class Comparison:
    pairs: list[Pair] = field(default_factory=list)
    problems: list[tuple[Loc, str]] = field(default_factory=list)


def _key(item: dict, names: tuple[str, ...]) -> tuple:
    return tuple(item.get(name) for name in names)


def _describe_key(names: tuple[str, ...], key: tuple) -> str:
    return ", ".join(f"{name} {value!r}" for name, value in zip(names, key))


def compare(english: dict[str, Any], overlay: dict[str, Any], loc: Loc, found: Comparison) -> None:
    """Walk the English texts and the overlay together: every English text needs its translation, and
    nothing else may be there. Text pairs are collected for the placeholder and figure rules."""
    for name, value in english.items():
        target = RENAMED.get(name, name)
        here = loc + (target,)
        if name in ("source", "locator", "stat", "id", "date") and name in overlay and not isinstance(value, (dict, list)):
            continue  # a key: matched by the list that holds it
        translated = overlay.get(target)
        empty = value in (None, "", [])
        if empty:
            if translated not in (None, "", []):
                found.problems.append((here, f"the English has no {name}, so there is nothing to translate: remove it"))
            continue
        if translated is None:
            found.problems.append((here, f"this field is required: the English has a {name}, so translate it here"))
            continue
        if isinstance(value, str):
            found.pairs.append(Pair(here, value, translated))
        elif isinstance(value, dict):
            compare(value, translated, here, found)
        elif name in LIST_KEYS:
            _compare_items(name, value, translated, here, found)
        else:  # a list of plain texts (caveats): in the English order
            if len(translated) != len(value):
                found.problems.append((here, f"the English has {len(value)} {name}, this has {len(translated)}: "
                                             f"translate each, in the English order"))
                continue
            found.pairs.extend(Pair(here + (i,), text, translated[i]) for i, text in enumerate(value))


def _compare_items(name: str, english: list[dict], overlay: list[dict], loc: Loc, found: Comparison) -> None:
    names = LIST_KEYS[name]
    wanted = {_key(item, names): item for item in english}
    if len(wanted) < len(english):  # two English items one key names: a translation could not tell them apart
        twice = next(key for key in wanted if sum(_key(item, names) == key for item in english) > 1)
        found.problems.append((loc, f"the English has two items of {name} with {_describe_key(names, twice)}: "
                                    "make their locators differ (e.g. the paragraph), so each translation finds its quote"))
        return
    seen: set[tuple] = set()
    for i, item in enumerate(overlay):
        key = _key(item, names)
        if key not in wanted:
            known = "; ".join(_describe_key(names, k) for k in wanted)
            found.problems.append((loc + (i,) + (names[-1],), f"the English has no item of {name} with "
                                   f"{_describe_key(names, key)}: copy the keys of the one this translates ({known})"))
            continue
        if key in seen:
            found.problems.append((loc + (i,), f"{_describe_key(names, key)} is translated twice: keep one"))
            continue
        seen.add(key)
        compare(wanted[key], item, loc + (i,), found)
    for key in wanted:
        if key not in seen:
            found.problems.append((loc, f"the English item of {name} with {_describe_key(names, key)} "
                                        "has no translation: add it"))


# Scope words (validate.SCOPE_WORDS) and what a Spanish sentence says for each; any one form will do.
SCOPE_WORDS_IN: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {"federal": ("federal", "federales"), "criminal": ("penal", "penales"),
           "civil": ("civil", "civiles"), "sex trafficking": ("trata con fines de explotación sexual",)},
}


def placeholder_problem(pair: Pair) -> str | None:
    english, translated = placeholders(pair.english), placeholders(pair.translated)
    if english == translated:
        return None
    return (f"the translation's placeholders ({_shown(translated)}) are not the English's ({_shown(english)}): "
            "keep exactly the English placeholders, so the page prints the validated figure")


def typed_figure_problem(pair: Pair, figures: dict[str, tuple[float, str]], own: str | None) -> str | None:
    """A figure typed as digits where the English prints it from a placeholder."""
    text = comparable_text(pair.translated)
    for mark in placeholders(pair.english):
        if mark == "{range}":
            continue
        slug = own if mark == "{figure}" else mark[len("{figure:"):-1]
        if slug not in figures:
            continue
        value, unit = figures[slug]
        if unit != "words" and states_number(text, value, unit):
            return (f"the translation types the figure of {slug!r} ({value:g}) where the English has {mark}: "
                    "write the placeholder alone, and the build prints the validated figure")
    return None


def sentence_problems(translated: str, english_scope: str, period: str, language: str,
                      year_re: re.Pattern[str], scope_words: tuple[str, ...]) -> list[str]:
    """The Spanish sentence travels alone as the English one does: it names the period's years and the
    scope's defining words, in the language's own forms."""
    found = []
    sentence = translated.casefold()
    missing_years = [year for year in dict.fromkeys(year_re.findall(period)) if year not in sentence]
    if missing_years:
        found.append(f"the translated sentence does not name the period {period!r} (missing {', '.join(missing_years)}): "
                     "it travels alone on cards and in shares, so say when")
    forms = SCOPE_WORDS_IN.get(language, {})
    scope = english_scope.casefold()
    for word in scope_words:
        if word in scope and word in forms and not any(re.search(rf"\b{re.escape(f)}\b", sentence) for f in forms[word]):
            found.append(f"the English scope says {word!r} but the translated sentence does not: "
                         f"write {' or '.join(repr(f) for f in forms[word])}, so it says what is counted")
    return found


@dataclass
class Translations:
    """One language's overlays, validated against the English: what the pages in that language print."""

    language: str
    site: SiteText
    stats: dict[str, StatText]
    sheets: dict[str, SheetText]
    sources: dict[str, SourceText]
    methodology: str  # the translated Markdown, without its translates line


# kind as `build.py new translation <lang> <kind>` takes it -> (folder under content/<lang>/, overlay model)
KINDS: dict[str, tuple[str, type[Overlay]]] = {"stat": ("stats", StatText), "sheet": ("sheets", SheetText),
                                               "source": ("sources", SourceText), "site": ("", SiteText)}


SUMMARY_NAMES = 8  # files a summary line names; the problems above it name every one


def _some(paths: list[str]) -> str:
    more = len(paths) - SUMMARY_NAMES
    return ", ".join(paths[:SUMMARY_NAMES]) + (f" and {more} more" if more > 0 else "")


def translation_summary(problems: list, languages: list[str]) -> list[str]:
    """For `check`: per language, which overlays are missing or stale (from the problems' own words)."""
    found: dict[str, dict[str, list[str]]] = {language: {"missing": [], "stale": []} for language in languages}
    for problem in problems:
        for state in ("missing", "stale"):
            parts = problem.path.split("/")
            if problem.message.startswith(f"{state} translation") and len(parts) > 2:
                found.setdefault(parts[1], {"missing": [], "stale": []})[state].append(problem.path)
    lines = []
    for language, states in sorted(found.items()):
        if not states["missing"] and not states["stale"]:
            lines.append(f"translations: {language}: complete and up to date")
            continue
        said = [f"{len(paths)} {state} ({_some(sorted(set(paths)))})" for state, paths in states.items() if paths]
        lines.append(f"translations: {language}: {'; '.join(said)}")
    return lines

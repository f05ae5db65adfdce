"""The content in another language: the English models with each translatable field replaced by its
validated overlay (see overlay.py). Pure: the figures, slugs, sources and quotes stay the English
ones, so every number printed in any language is the validated number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from .cache import Reuse
from .model import Chart, Sheet, SiteConfig, Source, Statistic
from .overlay import ChartText, QuotedText, SheetText, SiteText, SourceText, StatText, Translations
from .validate import Content

M = TypeVar("M")


def translated(content: Content, language: str, reuse: Reuse | None = None) -> Content:
    """`content` as its `language` pages print it; the default language's content as it is. With
    `reuse` (the dev server's memory), a record translated last time of the same English and overlay
    objects is that translation again."""
    overlays = content.translations.get(language)
    if overlays is None:
        return content

    def made(kind: str, name: str, translate: Callable[[M, Any], M], english: M, text: Any) -> M:
        if reuse is None:
            return translate(english, text)
        return reuse.get(("translated", language, kind, name), (english, text), partial(translate, english, text))

    return dataclasses.replace(
        content,
        site=_site(content.site, overlays.site),
        stats={slug: made("stat", slug, _stat, stat, overlays.stats[slug]) for slug, stat in content.stats.items()},
        sheets=[made("sheet", sheet.slug, _sheet, sheet, overlays.sheets[sheet.slug]) for sheet in content.sheets],
        sources={source_id: made("source", source_id, _source, source, overlays.sources.get(source_id))
                 for source_id, source in content.sources.items()},
        methodology=overlays.methodology,
    )


class QuoteTranslations:
    """The site's own rendering of each quote, by (file key, source, locator): the quote itself is
    printed in its source's words, and this beside it, marked as the site's translation. A record's
    are read from its overlay when first asked: a build after one change prints a few records' quotes."""

    def __init__(self, overlays: Translations | None):
        self._overlays = overlays
        self._by_record: dict[str, dict[tuple[str, str], str]] = {}

    def get(self, key: tuple[str, str, str], default: str = "") -> str:
        record, source, locator = key
        found = self._by_record.get(record)
        if found is None:
            found = self._by_record[record] = self._read(record)
        return found.get((source, locator), default)

    def _read(self, record: str) -> dict[tuple[str, str], str]:
        kind, _, slug = record.partition(":")
        items: list[QuotedText] = []
        if self._overlays is not None and kind == "stat" and slug in self._overlays.stats:
            stat = self._overlays.stats[slug]
            items = [*stat.citations, *stat.discrepancies]
        elif self._overlays is not None and kind == "sheet" and slug in self._overlays.sheets:
            items = self._overlays.sheets[slug].statements
        return {(item.source, item.locator): item.quote_translation for item in items}


def _by_keys(items: list[QuotedText]) -> dict[tuple[str, str], QuotedText]:
    return {(item.source, item.locator): item for item in items}


def _site(site: SiteConfig, text: SiteText) -> SiteConfig:
    helpline = site.helpline.model_copy(update={"name": text.helpline.name, "hours": text.helpline.hours})
    return site.model_copy(update={"title": text.title, "description": text.description, "content_note": text.content_note,
                                   "helpline": helpline})


def _chart(chart: Chart, text: ChartText | None) -> Chart:
    if text is None:
        return chart
    labels = {point.stat: point.label for point in text.points}
    points = [point.model_copy(update={"label": labels.get(point.stat, point.label)}) for point in chart.points]
    return chart.model_copy(update={"title": text.title, "description": text.description, "value_label": text.value_label,
                                    "points": points, "remainder_label": text.remainder_label or chart.remainder_label})


def _stat(stat: Statistic, text: StatText) -> Statistic:
    citations = _by_keys(text.citations)
    discrepancies = _by_keys(text.discrepancies)
    update: dict = {
        "short_title": text.short_title, "sentence": text.sentence, "period": text.period, "scope": text.scope,
        "caveats": list(text.caveats),
        "citations": [c.model_copy(update={"note": citations[(c.source, c.locator)].note or ""}) if (c.source, c.locator) in citations
                      else c for c in stat.citations],
        "discrepancies": [d.model_copy(update={"says": discrepancies[(d.source, d.locator)].says,
                                               "resolution": discrepancies[(d.source, d.locator)].resolution})
                          if (d.source, d.locator) in discrepancies else d for d in stat.discrepancies],
    }
    history = {entry.date: entry for entry in text.history}
    update["history"] = [e.model_copy(update={"change": history[e.date].change, "reason": history[e.date].reason})
                         if e.date in history else e for e in stat.history]
    if stat.figure.display and text.figure_display:
        update["figure"] = stat.figure.model_copy(update={"display": text.figure_display})
    if stat.derivation is not None and text.derivation is not None:
        update["derivation"] = stat.derivation.model_copy(update={"explanation": text.derivation.explanation})
    if stat.chart is not None:
        update["chart"] = _chart(stat.chart, text.chart)
    return stat.model_copy(update=update)


def _sheet(sheet: Sheet, text: SheetText) -> Sheet:
    charts = {chart.id: chart for chart in text.charts}
    statements = _by_keys(text.statements)
    return sheet.model_copy(update={
        "title": text.title, "summary": text.summary, "introduction": text.introduction,
        "charts": [_chart(chart, charts.get(chart.id)) for chart in sheet.charts],
        "statements": [s.model_copy(update={"context": statements[(s.source, s.locator)].context or s.context})
                       if (s.source, s.locator) in statements else s for s in sheet.statements],
    })


def _source(source: Source, text: SourceText | None) -> Source:
    return source if text is None else source.model_copy(update={"notes": text.notes})

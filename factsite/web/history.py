"""Corrections and updates: every change to a figure is dated and visible, and none goes unrecorded."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape  # quotes too: some of these go into attributes

import orjson

from ..content.locales import DEFAULT_LANGUAGE
from . import urls
from ..content.errors import Problem
from ..content.figures import display
from ..content.validate import Content


@dataclass(frozen=True)
class Change:
    date: str
    kind: str
    change: str
    reason: str
    previous: str | None
    slug: str
    title: str
    figure: str
    url: str


def all_changes(content: Content, language: str = DEFAULT_LANGUAGE) -> list[Change]:
    """Every history entry of every statistic, newest first (ties in a stable order); each links to
    the statistic's page in `language`."""
    changes = [
        Change(entry.date, entry.kind, entry.change, entry.reason, entry.previous, slug, stat.short_title,
               display(stat.figure, language), urls.localized(urls.stat(slug), language))
        for slug, stat in content.stats.items() for entry in stat.history
    ]
    return sorted(changes, key=lambda c: (c.date, c.slug, c.change), reverse=True)


def published_figures(statistics_json: bytes | None) -> dict[str, str]:
    """The figures as last published (the bytes of the previous build's data/statistics.json), by slug;
    nothing for a file that is not one. A whole parse, for a file the last build did not leave as it is
    (else the pipeline takes them from opendata.published_data's split, without a parse)."""
    try:
        data = orjson.loads(statistics_json or b"")
        return {item["slug"]: item["as_printed"] for item in data["statistics"]}
    except (ValueError, KeyError, TypeError):
        return {}


def unrecorded_changes(content: Content, published: dict[str, str]) -> list[Problem]:
    """A warning for each figure that changed since it was published without a history entry saying so."""
    warnings = []
    for slug, stat in content.stats.items():
        before, now = published.get(slug), display(stat.figure)
        if before is None or before == now or any(entry.previous == before for entry in stat.history):
            continue
        record = content.origin[f"stat:{slug}"]
        warnings.append(Problem(
            record.shown_path, record.line_of(("figure",)), "figure",
            f"the figure changed from {before!r} to {now!r} since it was last published, but history has no entry "
            f"with previous: {before!r}; add one (date, kind, change, reason, previous) so readers can see the change",
            "warning",
        ))
    return warnings


def atom_feed(changes: list[Change], base_url: str, site_title: str, fallback_date: str,
              language: str = DEFAULT_LANGUAGE) -> bytes:
    """An Atom feed of corrections and updates, one per language; dates come from content, so it is reproducible."""
    site_urls = urls.SiteUrls(language)
    feed_url = urls.absolute(base_url, site_urls.feed())
    updated = (changes[0].date if changes else fallback_date) + "T00:00:00Z"
    entries = []
    for change in changes:
        link = urls.absolute(base_url, change.url)
        entry_id = f"{link}#change-{change.date}"
        summary = f"{change.change} {change.reason}" + (f" (Previously: {change.previous}.)" if change.previous else "")
        entries.append(
            "  <entry>\n"
            f"    <id>{escape(entry_id)}</id>\n"
            f"    <title>{escape(change.kind.capitalize() + ': ' + change.title)}</title>\n"
            f"    <link href=\"{escape(link)}\"/>\n"
            f"    <updated>{change.date}T00:00:00Z</updated>\n"
            f"    <summary>{escape(summary)}</summary>\n"
            "  </entry>\n"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <id>{escape(feed_url)}</id>\n"
        f"  <title>{escape(site_title)}: corrections and updates</title>\n"
        f"  <link rel=\"self\" href=\"{escape(feed_url)}\"/>\n"
        f"  <link href=\"{escape(urls.absolute(base_url, site_urls.corrections()))}\"/>\n"
        f"  <updated>{updated}</updated>\n"
        f"  <author><name>{escape(site_title)}</name></author>\n"
        + "".join(entries) + "</feed>\n"
    ).encode("utf-8")

"""Which input files each page is made from: its fingerprint, compared with the last build's.

A page's fingerprint is a digest of the *global* inputs (everything that is not one statistic's,
sheet's or source's file: templates, static files, catalogues, site.yaml, the methodology, and the
list of content files itself) and of the files of the records it reads, each named with its digest.
Its dependencies are declared here, per page kind, over-approximated on purpose (a Spanish edit
re-renders the English page of the same statistic too):

- a statistic's page and its sources page read the statistic, the statistics its sentence names,
  its related figures, its derivation's inputs (all the way down: a derived range comes from
  theirs), the figures of the chart it shows (its own, or every sheet chart that draws it) and the
  sources all of those cite, the sheets it belongs to, and the sheets whose charts draw it;
- a fact sheet reads itself, everything each of its statistics' pages reads, the statistics its
  introduction names, its charts' figures and the sources its statements quote;
- an embed page reads its chart's owner and figures (and their sources and derivations);
- every other page (home, sources, methodology, data, corrections, search, help, privacy, 404)
  lists the whole site: it has no fingerprint and is always rendered.

Some files besides pages have a fingerprint too, and are carried over like pages (outputs.py
leaves them out): a figure's open-data record (/data/statistics/<slug>.json) reads what its page
reads, a chart's CSV what its embed page reads, and the sitemap only the pages' addresses. The
site-wide data files and the feeds are made every time (statistics.json and .csv with the entries
of the records carried over taken from the last build's files: see opendata.data_files).

Since fingerprints are made from the new content's dependencies, a dependency added or removed by
the change changes the fingerprint too. tests/test_incremental_random.py compares incremental
builds with full ones after random edits: a dependency missing here fails it.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass

from .content.figures import FIGURE_MARK_RE
from .content.model import Chart, Sheet, Statistic
from .content.validate import Content
from .web.kinds import EmbedPage, Page, SheetPage, StatPage, StatSourcesPage
from .web.opendata import record_output
from .web.outputs import SITEMAP, chart_csv_output, sitemap_reads
from .web.pages import SiteModel

Digests = Mapping[str, bytes]  # input name ("content/stats/x.yaml") -> SHA-256

_FOLDERS = {"stat": "stats", "sheet": "sheets", "source": "sources"}


def _marks(text: str) -> set[str]:
    return {slug for slug in (match.group(1) for match in FIGURE_MARK_RE.finditer(text)) if slug}


class Dependencies:
    """The records each page reads, as "stat:x", "sheet:y", "source:z", over every language's content."""

    def __init__(self, models: list[SiteModel]):
        self.contents: list[Content] = [model.content for model in models]
        english = self.contents[0]
        self.stats = english.stats
        self.drawn_by: dict[str, set[str]] = {}  # stat slug -> the sheets whose charts draw it
        for sheet in english.sheets:
            for chart in sheet.charts:
                for point in chart.points:
                    self.drawn_by.setdefault(point.stat, set()).add(sheet.slug)
        self.sheets: dict[str, list[Sheet]] = {}  # slug -> the sheet in each language
        for content in self.contents:
            for sheet in content.sheets:
                self.sheets.setdefault(sheet.slug, []).append(sheet)
        self._stat: dict[str, frozenset[str]] = {}
        self._sheet: dict[str, frozenset[str]] = {}
        self._sheet_charts: dict[str, frozenset[str]] = {}
        self._derived: dict[str, frozenset[str]] = {}
        self._figure: dict[str, frozenset[str]] = {}

    def _translations(self, slug: str) -> list[Statistic]:
        return [content.stats[slug] for content in self.contents if slug in content.stats]

    def derivation_closure(self, slug: str) -> frozenset[str]:
        """The statistic and every statistic its derivation reads, all the way down."""
        if slug not in self._derived:
            self._derived[slug] = frozenset({slug})  # a cycle is refused by validation; this only stops the walk
            stat = self.stats.get(slug)
            inputs = stat.derivation.inputs.values() if stat is not None and stat.derivation else ()
            self._derived[slug] = frozenset({slug}.union(*(self.derivation_closure(s) for s in inputs)))
        return self._derived[slug]

    def figure(self, slug: str) -> frozenset[str]:
        """What printing a figure (its link, its value, its credits) reads (worked out once: every
        page and chart that prints it asks)."""
        if slug not in self._figure:
            found = {_record("stat", s) for s in self.derivation_closure(slug)}
            stat = self.stats.get(slug)
            if stat is not None:
                found |= _cited(stat)
            self._figure[slug] = frozenset(found)
        return self._figure[slug]

    def chart(self, stats: Iterable[str], owner: str) -> set[str]:
        """What a chart reads: its owner (a statistic or a sheet) and each figure it draws."""
        found = {owner}
        for slug in stats:
            found |= self.figure(slug)
        return found

    def sheet_charts(self, slug: str) -> frozenset[str]:
        """What a fact sheet's charts read, in every language (worked out once: the sheet and every
        figure its charts draw ask, and a chart draws several)."""
        if slug not in self._sheet_charts:
            found: set[str] = set()
            for sheet in self.sheets.get(slug, ()):
                for chart in sheet.charts:
                    found |= self.chart(_points(chart), _record("sheet", slug))
            self._sheet_charts[slug] = frozenset(found)
        return self._sheet_charts[slug]

    def stat(self, slug: str) -> frozenset[str]:
        """What a statistic's page (and its sources page) reads."""
        if slug not in self._stat:
            stat = self.stats[slug]
            found = set(self.figure(slug))
            named = set(stat.related)
            for version in self._translations(slug):
                named |= _marks(version.sentence)
            for other in named:
                found |= self.figure(other)
            if stat.chart is not None:
                found |= self.chart(_points(stat.chart), _record("stat", slug))
            found |= {_record("sheet", s) for s in stat.sheets}
            for sheet_slug in self.drawn_by.get(slug, ()):
                found.add(_record("sheet", sheet_slug))
                found |= self.sheet_charts(sheet_slug)
            self._stat[slug] = frozenset(found)
        return self._stat[slug]

    def sheet(self, slug: str) -> frozenset[str]:
        """What a fact sheet's page reads (the same in every language: worked out once)."""
        if slug not in self._sheet:
            found = {_record("sheet", slug)} | self.sheet_charts(slug)
            versions = self.sheets.get(slug, [])
            # Each statistic once, however many languages list it (all do: a translation keeps the list).
            for stat_slug in dict.fromkeys(stat_slug for sheet in versions for stat_slug in sheet.statistics):
                found |= self.stat(stat_slug)
            for sheet in versions:
                for other in _marks(sheet.introduction):
                    found |= self.figure(other)
                found |= {_record("source", statement.source) for statement in sheet.statements}
            self._sheet[slug] = frozenset(found)
        return self._sheet[slug]

    def of(self, page: Page) -> frozenset[str] | None:
        """The records `page` reads, or None: a page that lists the whole site. The pages of one
        statistic or sheet (its page in each language, a statistic's sources page) get the same set,
        not a copy."""
        if isinstance(page, (StatPage, StatSourcesPage)):
            return self.stat(page.slug)
        if isinstance(page, SheetPage):
            return self.sheet(page.sheet.slug)
        if isinstance(page, EmbedPage):
            return frozenset(self.chart(page.chart.stats, sys.intern(page.owner)))
        return None


def _record(kind: str, name: str) -> str:
    """A record's name ("stat:x"), one string however many sets and tuples hold it: the dev server keeps
    10,000 tuples of them at 10,000 bilingual statistics (Fingerprints.reads)."""
    return sys.intern(f"{kind}:{name}")


def _points(chart: Chart) -> list[str]:
    return [point.stat for point in chart.points]


def _cited(stat: Statistic) -> set[str]:
    ids = {c.source for c in stat.citations} | {c.via for c in stat.citations if c.via}
    return {_record("source", i) for i in ids | {d.source for d in stat.discrepancies}}


def record_files(inputs: Iterable[str], languages: list[str]) -> dict[str, list[str]]:
    """Each record ("stat:x") -> its input files: its own and its translations' (content/<lang>/...)."""
    folders = {f"content/{folder}/": kind for kind, folder in _FOLDERS.items()}
    folders.update({f"content/{language}/{folder}/": kind for language in languages for kind, folder in _FOLDERS.items()})
    files: dict[str, list[str]] = {}
    for name in inputs:
        folder, _, file_name = name.rpartition("/")
        kind = folders.get(folder + "/")
        if kind is not None and file_name.endswith(".yaml") and "/" not in file_name:
            files.setdefault(f"{kind}:{file_name[:-5]}", []).append(name)
    return files


def global_digest(inputs: Digests, owned: set[str], key: str) -> bytes:
    """Everything no record owns, and the names of every input: a file added or removed changes it."""
    digest = hashlib.sha256(key.encode() + b"\0")
    for name in sorted(inputs):
        digest.update(name.encode() + b"\0")
        if name not in owned:
            digest.update(inputs[name])
    return digest.digest()


@dataclass(frozen=True)
class Fingerprints:
    """Each output's fingerprint, and what it was worked out from: the dev server keeps it, for the
    next build to work out again only the fingerprints a change can alter (see `fingerprints`)."""

    prints: dict[str, bytes]  # output -> fingerprint (the sitemap's too)
    key: str
    languages: list[str]
    inputs: Digests
    files: dict[str, list[str]]  # record_files
    owner: dict[str, str]  # input file -> the record it is a file of (the others are global)
    base: bytes  # global_digest
    # output -> the records it reads, in order: a tuple, a quarter of a set's memory, one object for all
    # the outputs that read the same (10,000 of them at 10,000 bilingual statistics: 1.2 MB, not 9.4).
    reads: dict[str, tuple[str, ...]]


def fingerprints(pages: list[Page], models: list[SiteModel], inputs: Digests, key: str,
                 last: Fingerprints | None = None) -> Fingerprints:
    """Output -> fingerprint, for the pages that have one and the other files that do (see _outputs_read).

    With `last` (the dev server's last build), an output that read none of the records the change
    touched keeps its last fingerprint and records, not worked out again. That holds while the
    global inputs are the same (no file added or removed either: `base` names every input) and no
    fact sheet changed: every record that a set of records is worked out from is then in the set,
    but the sheets (which sheet charts draw a statistic). Any other change works every set out again."""
    languages = [model.language for model in models]
    touched = _touched_records(last, key, languages, inputs)
    if last is not None and touched is not None:
        files, owner, base, last_reads = last.files, last.owner, last.base, last.reads
    else:
        files = record_files(inputs, languages)
        owner = {name: record for record, names in files.items() for name in names}
        base, last_reads = global_digest(inputs, set(owner), key), None
    deps = Dependencies(models)
    named: dict[str, bytes] = {}  # record -> its name and its files' names and digests, as hashed

    def record_bytes(record: str) -> bytes:
        if record not in named:  # a record with no file (a dangling name) still counts by name
            named[record] = record.encode() + b"\0" + b"".join(name.encode() + b"\0" + inputs[name]
                                                               for name in files.get(record, ()))
        return named[record]

    # A set of records is hashed once, however many outputs read it (a statistic's four pages in two
    # languages and its open-data record), and that digest is the fingerprint of each: a fingerprint
    # is only ever compared with the last build's of the same output, so it need not name it.
    of_set: dict[Collection[str], tuple[bytes, tuple[str, ...]]] = {}  # records -> fingerprint, records in order
    found: dict[str, bytes] = {}
    reads: dict[str, tuple[str, ...]] = {}
    for output, records in _outputs_read(pages, models, deps, last_reads, touched or frozenset()):
        known = of_set.get(records)
        if known is None:
            if last_reads is not None and last_reads.get(output) is records:  # as the last build read them
                known = (last.prints[output], records)
            else:
                ordered = tuple(sorted(records))
                known = (hashlib.sha256(base + b"".join(record_bytes(record) for record in ordered)).digest(), ordered)
            of_set[records] = known
        found[output], reads[output] = known
    # The sitemap lists every page, but reads only their addresses (and the site's settings, in `base`).
    found[SITEMAP] = hashlib.sha256(base + SITEMAP.encode() + b"\0" + sitemap_reads(pages)).digest()
    return Fingerprints(found, key, languages, inputs, files, owner, base, reads)


def _touched_records(last: Fingerprints | None, key: str, languages: list[str], inputs: Digests) -> frozenset[str] | None:
    """The records whose files changed since `last`, if only such files changed (the same files, each
    of a record) and none is a fact sheet's (see fingerprints); else None: every set is worked out again."""
    if last is None or last.key != key or last.languages != languages or last.inputs.keys() != inputs.keys():
        return None
    touched = set()
    for name, digest in inputs.items():
        if last.inputs[name] != digest:
            record = last.owner.get(name)
            if record is None or record.startswith("sheet:"):  # a global input, or a sheet
                return None
            touched.add(record)
    return frozenset(touched)


def _outputs_read(pages: list[Page], models: list[SiteModel], deps: Dependencies,
                  last: Mapping[str, tuple[str, ...]] | None = None,
                  touched: frozenset[str] = frozenset()) -> Iterator[tuple[str, Collection[str]]]:
    """Each page's output and the records it reads (see the module's docstring), and those of the
    other files made from a few records each: a figure's open-data record reads what its page reads
    (its sentence's figures, its derivation's inputs, its sources), a chart's CSV what the chart's
    embed page reads. With `last`, an output that read none of the `touched` records reads what it
    read then (the very tuple)."""
    last = last or {}

    def still(output: str) -> tuple[str, ...] | None:  # what it read last time, if none of it was touched
        records = last.get(output)
        return records if records is not None and touched.isdisjoint(records) else None

    for page in pages:
        output = page.output
        records: Collection[str] | None = still(output)
        if records is None:
            records = deps.of(page)
        if records is not None:
            yield output, records
        if isinstance(page, EmbedPage):  # its chart's CSV reads what it reads
            yield chart_csv_output(page.chart), records
    for slug in models[0].stats:
        output = record_output(slug)
        records = still(output)
        yield output, records if records is not None else deps.stat(slug)

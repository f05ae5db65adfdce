"""Content translations as overlays (content/<lang>/): loaded, and checked against the English they translate.

The fixture site's Spanish overlays are tests/fixtures/good-es/es/; each case below changes one file
of a copy and expects its exact, located message.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from factsite.content import overlay
from factsite.content.load import load_content
from factsite.content.translate import QuoteTranslations
from factsite.content.validate import validate
from factsite.pipeline import check_content

from .conftest import FIXTURES, ROOT, copy_good_tree, run_build

SPANISH = FIXTURES / "good-es" / "es"


def spanish_tree(tmp_path: Path, listed: bool = True) -> Path:
    """The fixture site with its Spanish overlays, es listed in site.yaml's languages (unless not `listed`)."""
    content = copy_good_tree(tmp_path)
    shutil.copytree(SPANISH, content / "es")
    if listed:
        with open(content / "site.yaml", "a", encoding="utf-8") as handle:
            handle.write("languages: [en, es]\n")
    return content


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def messages(content: Path, severity: str = "error") -> list[str]:
    _, problems = validate(load_content(content))
    return [str(p) for p in problems if p.severity == severity]


def test_spanish_overlays_load_and_validate(tmp_path: Path) -> None:
    content, problems = validate(load_content(spanish_tree(tmp_path)))
    assert content is not None, [str(p) for p in problems]
    assert problems == []
    spanish = content.translations["es"]
    assert spanish.stats["cases-2020"].sentence == ("En 2020 se presentaron {figure} casos federales, "
                                                   "un aumento del {figure:cases-rise}.")
    assert spanish.stats["cases-2020"].citations[1].quote_translation == "El informe contó 1,499 casos."
    assert spanish.sheets["main-sheet"].statements[0].quote_translation == "No lo permitimos."
    assert spanish.sources["paper"].notes == "Se conserva en el archivo impreso del periódico."
    assert spanish.site.helpline.name == "Línea de Prueba"
    assert spanish.methodology.startswith("## Acerca del sitio")  # without its translates line
    assert set(spanish.stats) == set(content.stats)


def test_each_quote_translation_is_found_by_its_record_source_and_locator(tmp_path: Path) -> None:
    """The plan reads a record's quote translations from its overlay when first asked (QuoteTranslations):
    every quote of the Spanish overlays is found under its own record, source and locator, and
    nothing else is (a quote of another record, a sheet's statement under "stat:", no overlays)."""
    content, problems = validate(load_content(spanish_tree(tmp_path)))
    assert content is not None, [str(p) for p in problems]
    spanish = content.translations["es"]
    found = QuoteTranslations(spanish)
    quotes = [(f"stat:{slug}", item) for slug, stat in spanish.stats.items() for item in [*stat.citations, *stat.discrepancies]]
    quotes += [(f"sheet:{slug}", item) for slug, sheet in spanish.sheets.items() for item in sheet.statements]
    assert len(quotes) > 5
    for record, item in quotes:
        assert found.get((record, item.source, item.locator)) == item.quote_translation
    statement = spanish.sheets["main-sheet"].statements[0]
    assert found.get(("stat:main-sheet", statement.source, statement.locator)) == ""
    assert found.get(("stat:cases-2019", "paper", "no such place")) == ""
    assert QuoteTranslations(None).get(("stat:cases-2020", "paper", "p. 1")) == ""


def test_english_only_site_has_no_translations(tmp_path: Path) -> None:
    content, _ = validate(load_content(copy_good_tree(tmp_path)))
    assert content.site.languages == ["en"]
    assert content.translations == {}


def test_wrong_placeholders_name_both_texts(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/cases-2020.yaml", "un aumento del {figure:cases-rise}", "un aumento del 11 %")
    assert messages(content) == [
        "content/es/stats/cases-2020.yaml:12: sentence: the translation's placeholders ({figure}) are not the "
        "English's ({figure}, {figure:cases-rise}): keep exactly the English placeholders, so the page prints "
        "the validated figure"]


def test_range_is_a_placeholder_too(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/cases-2019.yaml", "podría ser {range}", "podría ser de 1,349 a 1,351")
    assert messages(content) == [
        "content/es/stats/cases-2019.yaml:25: derivation.explanation: the translation's placeholders (none) are not "
        "the English's ({range}): keep exactly the English placeholders, so the page prints the validated figure"]


def test_a_figure_typed_beside_its_placeholder_is_refused(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/cases-2020.yaml", "se presentaron {figure} casos", "se presentaron {figure} (1,499) casos")
    assert messages(content) == [
        "content/es/stats/cases-2020.yaml:12: sentence: the translation types the figure of 'cases-2020' (1499) "
        "where the English has {figure}: write the placeholder alone, and the build prints the validated figure"]


def test_unknown_field_is_located_with_a_guess(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/cases-rise.yaml", "sentence:", "sentense:")
    errors = messages(content)
    assert "content/es/stats/cases-rise.yaml:12: sentense: this field is not known: did you mean 'sentence'? " \
           "(see the README's field reference)" in errors
    assert "content/es/stats/cases-rise.yaml:8: sentence: this field is required: add it (the sentence, " \
           "translated, with exactly the English placeholders ({figure}, {figure:slug}))" in errors


def test_untranslatable_field_is_refused(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/cases-rise.yaml", "period:", "figure: {value: 12, unit: percent}\nperiod:")
    assert messages(content) == [
        "content/es/stats/cases-rise.yaml:14: figure: this field is not translated: the page takes it from the "
        "English file, so remove it here (the fields here are caveats, chart, citations, derivation, discrepancies, "
        "figure_display, history, period, scope, sentence, short_title, translates)"]


def test_stale_translation_names_the_changed_field(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "stats/cases-2020.yaml", "caveats: [Federal cases only.]", "caveats: [Federal cases filed only.]")
    assert messages(content) == []
    new_hash = overlay.translation_hash(overlay.stat_texts(validate(load_content(content))[0].stats["cases-2020"]))
    assert messages(content, "warning") == [
        f"content/es/stats/cases-2020.yaml:8: warning: translates: stale translation: the English caveats changed "
        f"since this was translated; update it and set translates: {new_hash}"]
    result = check_content(content, tmp_path / "no-site", strict=True)
    assert not result.ok  # --strict fails on a stale translation
    assert result.summary.splitlines()[-1] == "translations: es: 1 stale (content/es/stats/cases-2020.yaml)"


def test_missing_translation_of_a_shipped_language(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    (content / "es/stats/girls-share.yaml").unlink()
    (content / "es/pages/methodology.md").unlink()
    assert messages(content) == [
        "content/es/pages/methodology.md: missing translation: the methodology page has no translation into es: "
        "write one with python3 build.py new translation es methodology",
        "content/es/stats/girls-share.yaml: missing translation: the statistic 'girls-share' has no translation "
        "into es: write one with python3 build.py new translation es stat girls-share"]
    summary = check_content(content, tmp_path / "no-site").summary.splitlines()
    assert summary[-1] == ("translations: es: 2 missing (content/es/pages/methodology.md, "
                           "content/es/stats/girls-share.yaml)")


def test_listed_language_without_its_folder(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    with open(content / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("languages: [en, es]\n")
    errors = messages(content)
    assert len(errors) == 9  # site, methodology, five statistics, the sheet and the source with notes
    assert "content/es/site.yaml: missing translation: the site file has no translation into es: write one " \
           "with python3 build.py new translation es site" in errors
    assert "content/es/sources/paper.yaml: missing translation: the source 'paper' has no translation into es: " \
           "write one with python3 build.py new translation es source paper" in errors


def test_unlisted_language_folder_is_an_error(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path, listed=False)
    assert messages(content) == [
        "content/es: a translation into 'es', which site.yaml's languages (en) does not list, so nothing in it "
        "would be published: add 'es' to languages (every file must then be translated), or move the folder "
        "out of content/"]


def test_english_folder_is_an_error(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    (content / "en").mkdir()
    assert messages(content) == ["content/en: the English content is content/ itself: move these files up into "
                                 "content/, or remove the folder"]


def test_languages_must_start_with_english(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "site.yaml", "languages: [en, es]", "languages: [es, en]")
    assert messages(content) == ["content/site.yaml:14: languages: languages starts with en, the language of "
                                 "content/ itself, and lists each translation once, e.g. [en, es]"]


def test_reordered_english_citations_keep_their_translations(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    stat = content / "stats/cases-2020.yaml"
    text = stat.read_text(encoding="utf-8")
    first = "  - source: report\n    locator: page 1\n    quote: \"There were 1499 cases.\"\n"
    second = "  - source: paper\n    locator: paragraph 2\n    quote: \"The report counted 1,499 cases.\"\n"
    stat.write_text(text.replace(first + second, second + first), encoding="utf-8")
    loaded, problems = validate(load_content(content))
    assert [str(p) for p in problems if p.severity == "error"] == []
    # the order is part of what is translated (the page shows them in order), so it is stale, not wrong
    assert [str(p).split(": warning: ")[1].split(";")[0] for p in problems] == [
        "translates: stale translation: the English citations changed since this was translated"]
    by_locator = {c.locator: c.quote_translation for c in loaded.translations["es"].stats["cases-2020"].citations}
    assert by_locator == {"page 1": "Hubo 1499 casos.", "paragraph 2": "El informe contó 1,499 casos."}


def test_a_translation_of_no_english_citation(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/cases-2020.yaml", 'locator: "paragraph 2"', 'locator: "paragraph 4"')
    assert messages(content) == [
        "content/es/stats/cases-2020.yaml:20: citations: the English item of citations with source 'paper', "
        "locator 'paragraph 2' has no translation: add it",
        "content/es/stats/cases-2020.yaml:26: citations[1].locator: the English has no item of citations with "
        "source 'paper', locator 'paragraph 4': copy the keys of the one this translates (source 'report', "
        "locator 'page 1'; source 'paper', locator 'paragraph 2')"]


def test_note_present_exactly_when_the_english_has_one(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/cases-rise.yaml", 'quote_translation: "Los casos', 'note: "Una nota."\n    quote_translation: "Los casos')
    assert messages(content) == ["content/es/stats/cases-rise.yaml:21: citations[0].note: the English has no note, "
                                 "so there is nothing to translate: remove it"]


def test_caveats_are_translated_one_for_one(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/cases-2020.yaml", '  - "Solo casos federales."\n', '  - "Solo casos federales."\n  - "Otra."\n')
    assert messages(content) == ["content/es/stats/cases-2020.yaml:17: caveats: the English has 1 caveats, this has "
                                 "2: translate each, in the English order"]


def test_translated_sentence_names_the_period(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/stats/girls-share.yaml", "víctimas en 2020 eran", "víctimas eran")
    assert messages(content) == ["content/es/stats/girls-share.yaml:12: sentence: the translated sentence does not "
                                 "name the period '2020' (missing 2020): it travels alone on cards and in shares, "
                                 "so say when"]


def test_translated_sentence_keeps_the_scope_words_in_spanish(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "stats/cases-rise.yaml", "scope: New federal cases", "scope: New federal criminal cases")
    edit(content / "stats/cases-rise.yaml", "Federal cases rose", "Federal criminal cases rose")
    assert messages(content) == ["content/es/stats/cases-rise.yaml:12: sentence: the English scope says 'criminal' "
                                 "but the translated sentence does not: write 'penal' or 'penales', so it says what "
                                 "is counted"]
    edit(content / "es/stats/cases-rise.yaml", "casos federales aumentaron", "casos penales federales aumentaron")
    assert messages(content) == []


def test_spanish_introduction_follows_the_markdown_rules(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "es/sheets/main-sheet.yaml", "Los casos sumaron {figure:cases-2020}. Consulte [el informe]",
         "Los casos sumaron. Consulte [el informe {figure:cases-2020}]")
    assert messages(content) == ["content/es/sheets/main-sheet.yaml:14: introduction: {figure:cases-2020} is inside "
                                 "a link (its address, title or text) or a tag: a figure is itself a link, so put it "
                                 "in the plain text beside the link"]


def test_methodology_records_its_english_version(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "pages/methodology.md", "Fixture methodology.", "Fixture methodology, revised.")
    assert messages(content) == []
    new_hash = overlay.methodology_hash((content / "pages/methodology.md").read_text(encoding="utf-8"))
    assert messages(content, "warning") == [
        "content/es/pages/methodology.md:1: warning: translates: stale translation: the English methodology changed "
        f"since this was translated; update it and set translates: {new_hash}"]
    edit(content / "es/pages/methodology.md", "<!-- translates", "<!-- translated")
    assert messages(content) == ["content/es/pages/methodology.md:1: the first line must record which English "
                                 f"version this translates: <!-- translates: {new_hash} -->"]


def test_a_translation_of_nothing(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    shutil.copy(content / "es/stats/cases-2020.yaml", content / "es/stats/cases-2021.yaml")
    assert messages(content) == ["content/es/stats/cases-2021.yaml:8: this translates no statistic: there is no "
                                 "stats/cases-2021.yaml in the English (did you mean 'cases-2020'?)"]


def fill_todos(text: str) -> str:
    """What a translator does to a skeleton, mechanically: each TODO value becomes the text after TODO."""
    text = re.sub(r'"TODO ', '"', text)
    return re.sub(r"(?m)^(\s+)TODO ", r"\1", text)


@pytest.mark.parametrize("kind, name, target", [
    ("stat", "cases-2020", "es/stats/cases-2020.yaml"),
    ("stat", "cases-2019", "es/stats/cases-2019.yaml"),
    ("sheet", "main-sheet", "es/sheets/main-sheet.yaml"),
    ("source", "paper", "es/sources/paper.yaml"),
    ("site", None, "es/site.yaml"),
])
def test_new_translation_writes_a_skeleton_that_validates_once_filled(tmp_path: Path, kind: str, name: str | None,
                                                                      target: str) -> None:
    content = spanish_tree(tmp_path)
    english = (SPANISH.parent / target).read_text(encoding="utf-8")
    (content / target).unlink()
    result = run_build("new", "translation", "es", kind, *([name] if name else []), "--content", str(content))
    assert result.returncode == 0, result.stderr
    written = (content / target).read_text(encoding="utf-8")
    assert "translates: " in written and "# en: " in written
    unfilled = [p for p in messages(content) if "replace the placeholder 'TODO" in p or 'replace the placeholder "TODO' in p]
    assert unfilled, "a skeleton left as written must not validate"
    (content / target).write_text(fill_todos(written), encoding="utf-8")
    assert messages(content) == []
    assert messages(content, "warning") == []  # the hash it wrote is the English's current one
    # the skeleton's translates line is the fixture's own: both come from the same English
    assert re.search(r"(?m)^translates: .*$", written).group(0) == re.search(r"(?m)^translates: .*$", english).group(0)


def test_new_translation_keeps_placeholders_and_the_english_as_comments(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    result = run_build("new", "translation", "es", "stat", "cases-2020", "--content", str(content))
    assert result.returncode == 0, result.stderr
    written = (content / "es/stats/cases-2020.yaml").read_text(encoding="utf-8")
    assert "# en: In 2020, {figure} federal cases were filed, a rise of {figure:cases-rise}.\n" \
           'sentence: "TODO In 2020, {figure} federal cases were filed, a rise of {figure:cases-rise}."\n' in written
    assert '  - source: "report"\n    locator: "page 1"\n' in written
    assert "figure:" not in written.replace("{figure", "")  # figures are never copied into a translation


def test_new_translation_of_the_methodology(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    (content / "es/pages/methodology.md").unlink()
    assert run_build("new", "translation", "es", "methodology", "--content", str(content)).returncode == 0
    assert messages(content) == ["content/es/pages/methodology.md:2: replace the English text below this line "
                                 "(written by build.py new translation) with the translation, then delete the line"]
    page = content / "es/pages/methodology.md"
    page.write_text("".join(line for line in page.read_text().splitlines(True) if overlay.METHODOLOGY_TODO not in line))
    assert messages(content) == []


def test_new_translation_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    exists = run_build("new", "translation", "es", "stat", "cases-2020", "--content", str(content))
    assert exists.returncode == 1 and "exists already" in exists.stderr
    nothing = run_build("new", "translation", "es", "stat", "no-such-stat", "--content", str(content))
    assert nothing.returncode == 1 and "there is no" in nothing.stderr and "no-such-stat.yaml to translate" in nothing.stderr
    english = run_build("new", "translation", "en", "stat", "cases-2020", "--content", str(content))
    assert english.returncode == 1 and "'en' is not a language to translate into" in english.stderr


def test_a_linked_language_folder_is_refused(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    shutil.copytree(SPANISH, tmp_path / "elsewhere")
    (content / "es").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert messages(content) == ["content/es: this is a symbolic link: content is read only from files and folders "
                                 "inside content/, so replace the link with what it points to"]


def test_english_items_a_translation_cannot_tell_apart(tmp_path: Path) -> None:
    content = spanish_tree(tmp_path)
    edit(content / "stats/cases-2020.yaml", "locator: paragraph 2", "locator: page 1")
    edit(content / "stats/cases-2020.yaml", "source: paper\n    locator: page 1", "source: report\n    locator: page 1")
    errors = messages(content)
    assert "content/es/stats/cases-2020.yaml:20: citations: the English has two items of citations with source " \
           "'report', locator 'page 1': make their locators differ (e.g. the paragraph), so each translation finds " \
           "its quote" in errors


def test_spanish_examples_of_shipped_statistics(tmp_path: Path) -> None:
    """Two shipped statistics in Spanish (tests/fixtures/shipped-es/): faithful to their English, while
    the rest of a shipped language would be missing, each named with its command."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content, ignore=lambda folder, names: ["es"] if Path(folder) == ROOT / "content" else [])
    site_yaml = (content / "site.yaml").read_text(encoding="utf-8")
    if "languages:" in site_yaml:  # the shipped site may publish its Spanish already: English only here first
        (content / "site.yaml").write_text(re.sub(r"^languages:.*\n", "", site_yaml, flags=re.M), encoding="utf-8")
    english, _ = validate(load_content(content))
    shutil.copytree(FIXTURES / "shipped-es" / "es", content / "es")
    with open(content / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("languages: [en, es]\n")
    _, problems = validate(load_content(content))
    examples = {f"content/es/stats/{slug}.yaml" for slug in ("victims-identified-2020", "defendants-charged-2020")}
    assert [str(p) for p in problems if p.path in examples] == []
    assert all(p.message.startswith("missing translation: ") for p in problems)
    with_notes = sum(bool(source.notes) for source in english.sources.values())
    assert len(problems) == len(english.stats) - 2 + len(english.sheets) + with_notes + 2  # + site and methodology
    summary = check_content(content, tmp_path / "no-site").summary.splitlines()[-1]
    assert summary.startswith(f"translations: es: {len(problems)} missing (content/es/pages/methodology.md, ")
    assert summary.endswith(f" and {len(problems) - overlay.SUMMARY_NAMES} more)")


def test_a_charts_own_remainder_label_is_translated(tmp_path: Path) -> None:
    """A chart that names its remainder bar itself needs that name translated; the default name is the
    interface's (in the catalogue), so a chart without one asks for nothing."""
    from factsite.pipeline import render_in_memory

    content = spanish_tree(tmp_path)
    assert messages(content) == []  # the fixture's chart keeps the default label: nothing to translate
    edit(content / "sheets/main-sheet.yaml", "    whole: 100\n", "    whole: 100\n    remainder_label: Other or unknown\n")
    assert [m for m in messages(content) if "remainder_label" in m] == [
        "content/es/sheets/main-sheet.yaml:16: charts[0].remainder_label: this field is required: the English has a "
        "remainder_label, so translate it here"]
    edit(content / "es/sheets/main-sheet.yaml", '    value_label: "Proporción de víctimas (%)"\n',
         '    value_label: "Proporción de víctimas (%)"\n    remainder_label: "Otro o desconocido"\n')
    translated, problems = validate(load_content(content))
    assert translated is not None, [str(p) for p in problems]
    warnings = [str(p) for p in problems if p.severity == "warning"]  # the English changed: the overlay is stale
    assert len(warnings) == 1 and "stale translation: the English charts changed" in warnings[0], warnings
    site = render_in_memory(translated, "https://example.org")
    english, spanish = site["sheets/main-sheet/index.html"].decode(), site["es/sheets/main-sheet/index.html"].decode()
    assert "Other or unknown" in english and "Otro o desconocido" not in english
    assert "Otro o desconocido" in spanish and "Other or unknown" not in spanish


def test_every_locator_is_translated_once_in_the_site_overlay(tmp_path: Path) -> None:
    """Where a quote was read ("paragraph 2") is the site's own text: each English locator needs its
    translation in content/<lang>/site.yaml, and a translation of no English locator is refused."""
    content = spanish_tree(tmp_path)
    edit(content / "es/site.yaml", '  "paragraph 2": "párrafo 2"\n', '  "paragraph 9": "párrafo 9"\n')
    assert messages(content) == [
        "content/es/site.yaml:21: locators: no translation of the locator 'paragraph 2': add it here "
        '("paragraph 2": "...")',
        "content/es/site.yaml:25: locators.paragraph 9: no English citation, discrepancy or statement has this "
        "locator: remove it, or copy the locator exactly as the English writes it"]


def test_a_spanish_page_says_where_a_quote_was_read_in_spanish(tmp_path: Path) -> None:
    from bs4 import BeautifulSoup

    from factsite.pipeline import render_in_memory

    translated, problems = validate(load_content(spanish_tree(tmp_path)))
    assert translated is not None, [str(p) for p in problems]
    site = render_in_memory(translated, "https://example.org")
    english = BeautifulSoup(site["stats/cases-2020/sources/index.html"], "html.parser")
    spanish = BeautifulSoup(site["es/stats/cases-2020/sources/index.html"], "html.parser")
    attributions = [p.get_text(" ", strip=True) for p in spanish.select(".attribution")]
    assert any("página 1" in text for text in attributions), attributions
    assert not any("page 1" in text for text in attributions), attributions
    assert any("page 1" in p.get_text() for p in english.select(".attribution"))
    assert not [span for span in spanish.select(".attribution span[lang]") if "page" in span.get_text()]

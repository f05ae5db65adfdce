"""Authoring: `check` explains every problem, `new` starts a file that passes once filled, the schemas
are current, and `serve` rebuilds and reloads on every change, showing problems in the page."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import pytest
import yaml

from factsite.content import hints
from factsite.content.model import Sheet, Source, Statistic
from factsite.content.scaffold import skeleton
from factsite.content.schema import KIND_MODELS, SCHEMA_DIR, schema_for, stale_schemas

from .conftest import ROOT, copy_good_tree, run_build

# path:line: field: what is wrong: how to fix it (the fix may also follow in brackets)
LOCATED = re.compile(r"^content/[\w/.-]+\.yaml:\d+: [\w.\[\]]+: .+")


def test_check_lists_every_problem_with_place_and_fix(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    stat = content / "stats" / "cases-rise.yaml"
    text = stat.read_text()
    text = text.replace("short_title:", "short_titel:")  # a misspelt field
    text = text.replace('period: "2019 to 2020"', "period: 2020")  # a number where text belongs
    stat.write_text(text)
    other = content / "stats" / "cases-2020.yaml"
    other.write_text(other.read_text().replace("source: report", "source: reprt"))  # a misspelt reference
    source = content / "sources" / "paper.yaml"
    source.write_text(source.read_text().replace("publisher: The Paper\n", ""))  # a missing field
    result = run_build("check", "--content", str(content))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("content/")]
    assert errors == sorted(errors), "problems come in file and line order"
    expected = [
        "content/sources/paper.yaml:1: publisher: this field is required: add it "
        "(who published it (an organisation, a newspaper))",
        "content/stats/cases-rise.yaml:2: short_titel: this field is not known: did you mean 'short_title'? "
        "(see the README's field reference)",
        "content/stats/cases-rise.yaml:5: period: Input should be a valid string: put the value in quotes, e.g. \"2020\"",
        "content/stats/cases-2020.yaml:10: citations[0].source: no source has the id 'reprt' (did you mean 'report'?)",
        'content/stats/cases-rise.yaml:1: short_title: this field is required: add it (a short label, e.g. "Victims identified")',
    ]
    for message in expected:
        assert message in errors, f"{message!r} not among:\n" + "\n".join(errors)
    assert all(LOCATED.match(line) for line in errors), errors
    assert "nothing was built" in result.stderr
    assert not (tmp_path / "site").exists()


def test_yaml_mistakes_say_how_to_fix_them(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    (content / "stats" / "cases-rise.yaml").write_text("slug: cases-rise\nsentence: Cases: {figure}\n")
    result = run_build("check", "--content", str(content))
    assert "content/stats/cases-rise.yaml:2: this is not valid YAML: mapping values are not allowed in this context: " \
           "a text containing ': ' must be put in quotes" in result.stderr


@pytest.mark.parametrize("kind, model", [("statistic", Statistic), ("source", Source), ("sheet", Sheet)])
def test_skeletons_explain_every_field(kind: str, model, tmp_path: Path) -> None:
    text = skeleton(kind, "example-slug", tmp_path / "content" / "stats" / "example-slug.yaml")
    for name, field in model.model_fields.items():
        assert re.search(rf"^(# )?{name}:", text, re.MULTILINE), f"{name} is missing from the {kind} skeleton"
        assert field.description, f"{model.__name__}.{name} has no description (a docstring under the field)"
        assert field.description.split()[0] in text
    yaml.safe_load(text)  # a skeleton is valid YAML as written


def _fill(path: Path, values: dict[str, str]) -> None:
    """Replace the value of each `name: "TODO ..."` line (or list item) with the given YAML text."""
    text = path.read_text()
    for name, value in values.items():
        pattern = rf'^(\s*(?:- )?{re.escape(name)}): (?:"TODO[^"\n]*"|TODO)$'
        text, count = re.subn(pattern, lambda m: f"{m.group(1)}: {value}", text, flags=re.MULTILINE)
        assert count == 1, f"no placeholder for {name} in {path.name}"
    text = re.sub(r'^  - "TODO[^"\n]*"$', "  - new-victims", text, flags=re.MULTILINE)  # the sheet's list item
    text = re.sub(r"^  TODO .*\n.*\n", "  New cases: {figure:new-victims}.\n", text, flags=re.MULTILINE)  # introduction
    path.write_text(text)


def test_new_files_pass_check_once_filled(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    for kind, name in [("source", "new-report"), ("stat", "new-victims"), ("sheet", "new-sheet")]:
        result = run_build("new", kind, name, "--content", str(content))
        assert result.returncode == 0, result.stderr
        assert "Replace every TODO" in result.stdout
    stat = content / "stats" / "new-victims.yaml"
    first_line = stat.read_text().splitlines()[0]
    assert first_line.startswith("# yaml-language-server: $schema=")
    assert (stat.parent / first_line.split("=", 1)[1]).resolve() == SCHEMA_DIR / "statistic.schema.json"

    # Unfilled, each placeholder is an error at its line, and nothing else is reported for it.
    result = run_build("check", "--content", str(content))
    assert result.returncode == 1
    todo = [line for line in result.stderr.splitlines() if "placeholder" in line]
    assert "content/stats/new-victims.yaml:10: short_title: replace the placeholder" in "\n".join(todo)
    assert any(line.startswith("content/stats/new-victims.yaml:17: figure.value: replace the placeholder 'TODO'")
               for line in todo)
    assert not any("new-victims.yaml" in line and "valid number" in line for line in result.stderr.splitlines())

    _fill(content / "sources" / "new-report.yaml", {
        "short_name": '"New report, 2021"', "title": "A new report", "publisher": "An institute",
        "date_published": '"2021-06-18"', "kind": "primary report", "url": "https://example.org/new-report"})
    _fill(stat, {
        "short_title": "New victims", "sentence": '"{figure} new victims were identified in federal cases in 2021."', "value": "321",
        "period": '"2021"', "scope": "New victims in federal cases", "source": "new-report",
        "locator": "page 3", "quote": '"It identified 321 new victims."'})
    (stat).write_text(stat.read_text().replace("sheets: []", "sheets: [new-sheet]"))
    _fill(content / "sheets" / "new-sheet.yaml", {"title": "New victims", "summary": "New victims in 2021."})
    result = run_build("check", "--content", str(content))
    assert result.returncode == 0, result.stderr
    assert "content is valid (6 statistics, 3 sources, 2 fact sheets" in result.stdout


def test_new_refuses_bad_slugs_and_existing_files(tmp_path: Path) -> None:
    content = copy_good_tree(tmp_path)
    bad = run_build("new", "stat", "Victims 2021", "--content", str(content))
    assert bad.returncode == 1 and "is not a valid slug" in bad.stderr
    traversal = run_build("new", "stat", "../../evil", "--content", str(content))
    assert traversal.returncode == 1 and not (tmp_path / "evil.yaml").exists()
    before = (content / "stats" / "cases-rise.yaml").read_text()
    taken = run_build("new", "stat", "cases-rise", "--content", str(content))
    assert taken.returncode == 1 and "exists already" in taken.stderr
    assert (content / "stats" / "cases-rise.yaml").read_text() == before
    unknown = run_build("new", "chart", "a-chart", "--content", str(content))
    assert unknown.returncode == 1 and "use stat, source or sheet" in unknown.stderr


def test_schemas_are_current() -> None:
    assert stale_schemas() == [], "the models changed: run `python3 build.py schema` and commit schema/"


def test_schemas_accept_good_content_and_flag_typos(tmp_path: Path) -> None:
    good = copy_good_tree(tmp_path)
    folders = {"source": "sources", "statistic": "stats", "sheet": "sheets"}
    for kind, folder in folders.items():
        for path in (good / folder).glob("*.yaml"):
            jsonschema.validate(_typed(path), schema_for(kind))
    jsonschema.validate(_typed(good / "site.yaml"), schema_for("site"))
    stat = _typed(good / "stats" / "cases-rise.yaml")
    with pytest.raises(jsonschema.ValidationError, match="citaton"):
        jsonschema.validate({**stat, "citaton": []}, schema_for("statistic"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**stat, "slug": "Not A Slug"}, schema_for("statistic"))
    assert set(KIND_MODELS) == {"source", "statistic", "sheet", "site"}


def _typed(path: Path) -> dict:
    """The file as an editor's YAML 1.2 reading sees it: dates stay text."""
    return json.loads(json.dumps(yaml.load(path.read_text(), Loader=_NoDates), default=str))


class _NoDates(yaml.SafeLoader):
    pass


_NoDates.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def test_unfilled_values_are_found_wherever_they_are() -> None:
    data = {"a": "TODO x", "b": [{"c": "fine"}, {"c": "TODO y"}], "d": 3}
    assert hints.unfilled(data) == [(("a",), "TODO x"), (("b", 1, "c"), "TODO y")]


# --- serve -----------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


def _wait_for(check, what: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def dev_server(tmp_path: Path):
    """`build.py serve` on a free port over a copy of the fixture content (draft: no browser needed)."""
    content, site, port = copy_good_tree(tmp_path), tmp_path / "site", _free_port()
    log = open(tmp_path / "serve.log", "w+")
    env = {**os.environ, "FACTSITE_CACHE": str(tmp_path / "cache")}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "serve", "--draft", "--port", str(port),
         "--content", str(content), "--out", str(site)],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _get(base + "/")[0] == 200, "the first build")
        yield base, content, site, process, lambda: (log.flush(), (tmp_path / "serve.log").read_text())[1]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _page(base: str, path: str) -> str:
    return _get(base + path)[1]


def _wait_for_page(base: str, path: str, test, what: str) -> str:
    def check() -> str:
        page = _page(base, path)
        return page if test(page) else ""
    return _wait_for(check, what)


def test_serve_rebuilds_on_change_and_shows_problems_in_the_page(dev_server) -> None:
    base, content, site, process, output = dev_server
    page = _page(base, "/stats/cases-rise/")
    assert "Rise in cases: 11%" in page
    assert '<script src="/__factsite/live.js"' in page  # the reload script, added as the page is sent...
    assert not any("__factsite" in p.read_text() for p in site.rglob("*.html"))  # ...never written to site/
    assert _get(base + "/__factsite/live.js")[0] == 200

    stat = content / "stats" / "cases-rise.yaml"
    good = stat.read_text()
    changed = good.replace("{value: 11, unit: percent}", "{value: 12, unit: percent}").replace("rose 11 percent", "rose 12 percent")
    # cases-2019 is derived from this figure: keep it consistent (1499 / 1.12 = 1338.4)
    derived = content / "stats" / "cases-2019.yaml"
    derived.write_text(derived.read_text().replace("value: 1350,", "value: 1338,"))
    stat.write_text(changed)
    _wait_for(lambda: "Rise in cases: 12%" in _page(base, "/stats/cases-rise/"), "the changed figure")

    stat.write_text(changed.replace("source: report", "source: nowhere"))
    page = _wait_for_page(base, "/stats/cases-rise/", lambda p: "factsite-dev-problems" in p, "the problems in the page")
    assert "content/stats/cases-rise.yaml:9: citations[0].source: no source has the id &#39;nowhere&#39;" in page
    assert "Rise in cases: 12%" in page  # the last good build stays readable under the list
    assert process.poll() is None, "the server keeps running after a content error"
    assert "no source has the id 'nowhere'" in _wait_for(lambda: "nowhere" in output() and output(), "the terminal")

    stat.write_text(changed.replace("rose 12 percent", "rose 13 percent").replace("value: 12,", "value: 13,"))
    derived.write_text(derived.read_text().replace("value: 1338,", "value: 1327,"))
    # The new site goes live a moment before the server records that the build succeeded (the open
    # page then gets the new status over its event stream), so wait for both.
    _wait_for_page(base, "/stats/cases-rise/", lambda p: "Rise in cases: 13%" in p and "factsite-dev-problems" not in p,
                   "recovery, with the problems gone")


def test_an_open_page_gets_the_same_escaped_panel_as_a_page_sent_after_the_failure() -> None:
    from bs4 import BeautifulSoup

    from factsite.devserver import BuildStatus, problems_panel

    status = BuildStatus()
    hostile = "content/stats/x.yaml:3: title: no source has the id '<img src=x onerror=alert(1)>'"
    status.publish(False, [hostile, "build: 1 error(s); site was left as it was."])
    event = json.loads(status.as_json())
    assert event["ok"] is False and event["panel"] == problems_panel(status.problems)  # one panel, made once
    panel = BeautifulSoup(event["panel"], "html.parser").select_one("#factsite-dev-problems")
    assert [item.get_text() for item in panel.select("li")] == status.problems  # as text, never as markup
    assert panel.select("img") == []
    status.publish(True, [])
    assert json.loads(status.as_json())["panel"] == ""


def test_serve_reloads_the_open_page(dev_server) -> None:
    from playwright.sync_api import sync_playwright

    from factsite.images.browser import launch

    base, content, _site, _process, _output = dev_server
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/sheets/main-sheet/")
            page.wait_for_function("() => !!document.querySelector('script[src=\"/__factsite/live.js\"]')")
            page.evaluate("window.__notReloaded = true")
            sheet = content / "sheets" / "main-sheet.yaml"
            good = sheet.read_text()
            sheet.write_text(good.replace("title: The main sheet", "title: The renamed sheet"))
            page.wait_for_function("() => document.querySelector('h1').textContent.includes('renamed')", timeout=60000)
            assert page.evaluate("window.__notReloaded") is None  # a real reload, by the page itself
            sheet.write_text(good.replace("statistics: [", "statistics: [not-there, "))
            panel = page.wait_for_selector("#factsite-dev-problems", timeout=60000)
            assert "no statistic has the slug 'not-there'" in panel.text_content()
            sheet.write_text(good)
            page.wait_for_function("() => !document.querySelector('#factsite-dev-problems')"
                                   " && document.querySelector('h1').textContent.includes('main')", timeout=60000)
            assert errors == []
        finally:
            browser.close()

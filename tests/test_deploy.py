"""netlify.toml's build command does what it says: installs the build's packages and a headless
Chromium (Netlify's image has none), builds the site, and keeps the renders where the cache plugin
saves them between deploys. Run here without network: the installs as dry runs, the build for real."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from factsite.images import browser

from .conftest import GOOD, ROOT
from .tools import copy_checkout

NETLIFY = tomllib.loads((ROOT / "netlify.toml").read_text())
STEPS = [step.strip() for step in NETLIFY["build"]["command"].split("&&")]
ENVIRONMENT = NETLIFY["build"]["environment"]
CACHED = next(p["inputs"]["paths"] for p in NETLIFY.get("plugins", []) if p["package"] == "netlify-plugin-cache")


def _inside_cached(path: str) -> bool:
    return any(Path(path) == Path(kept) or Path(kept) in Path(path).parents for kept in CACHED)


def _argv(step: str) -> list[str]:
    words = shlex.split(step)
    return [sys.executable if word == "python3" else word for word in words]


def _offline(step: str) -> list[str]:
    """The step as run in a test: installs become dry runs that need no network."""
    argv = _argv(step)
    if argv[1:4] == ["-m", "pip", "install"]:
        return argv + ["--dry-run", "--no-index"]  # every pinned package must already be satisfied
    if argv[1:4] == ["-m", "playwright", "install"]:
        return argv + ["--dry-run"]
    return argv


def test_the_command_installs_packages_then_a_browser_then_builds() -> None:
    assert [_argv(step)[1:4] for step in STEPS] == [["-m", "pip", "install"], ["-m", "playwright", "install"], ["build.py", "--strict"]]
    assert "-r requirements.txt" in STEPS[0]
    assert NETLIFY["build"]["publish"] == "site"
    pinned = re.search(r"^playwright==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned, "requirements.txt pins playwright"


def test_the_browser_is_installed_where_the_cache_keeps_it() -> None:
    env = {**os.environ, **ENVIRONMENT}
    result = subprocess.run(_offline(STEPS[1]), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # Headless launches use Playwright's headless shell: that is what is installed, and nothing else.
    assert "chromium-headless-shell" in result.stdout and "Firefox" not in result.stdout
    locations = re.findall(r"Install location:\s+(\S+)", result.stdout)
    expected = (ROOT / ENVIRONMENT["PLAYWRIGHT_BROWSERS_PATH"]).resolve()
    assert locations and all(Path(location).is_relative_to(expected) for location in locations), result.stdout
    assert _inside_cached(ENVIRONMENT["PLAYWRIGHT_BROWSERS_PATH"])
    assert _inside_cached(ENVIRONMENT["FACTSITE_CACHE"])


def test_the_command_builds_the_site_and_the_next_deploy_reuses_the_renders(tmp_path: Path) -> None:
    """A checkout with the fixture content, built by the configured steps, twice, as two deploys."""
    checkout = tmp_path / "repo"
    copy_checkout(checkout, ".git", "site", ".site-*", ".site.lock", ".cache", "node_modules", "content", "tests", "bench", "schema")
    shutil.copytree(GOOD, checkout / "content")
    # Playwright's download does not work on this machine: the system Chromium stands in for it.
    env = {**os.environ, **ENVIRONMENT}
    env.pop("URL", None)
    outputs = []
    for _deploy in range(2):
        for step in STEPS:
            result = subprocess.run(_offline(step), cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
            assert result.returncode == 0, (step, result.stdout, result.stderr)
        outputs.append(result.stdout)
    assert (checkout / "site" / "index.html").is_file()
    assert (checkout / "site" / "charts" / "victims-breakdown.png").is_file()
    renders = list((checkout / ENVIRONMENT["FACTSITE_CACHE"]).rglob("*.png"))
    assert renders, "the renders are kept in the cached folder"
    assert re.search(r"\(([1-9]\d*) chart image\(s\)", outputs[0])
    assert "(0 chart image(s), 0 card(s) and 0 PDF(s) rendered" in outputs[1], outputs[1]


class _FakeChromium:
    def __init__(self, error: Exception | None = None):
        self.calls: list[dict] = []
        self.error = error

    def launch(self, **options):
        self.calls.append(options)
        if self.error:
            raise self.error
        return "browser"


class _FakePlaywright:
    def __init__(self, chromium: _FakeChromium):
        self.chromium = chromium


def test_without_a_system_chromium_playwrights_own_is_used(monkeypatch) -> None:
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    chromium = _FakeChromium()
    assert browser.launch(_FakePlaywright(chromium)) == "browser"
    assert "executable_path" not in chromium.calls[0] and chromium.calls[0]["headless"] is True


def test_without_any_chromium_the_message_says_how_to_get_one(monkeypatch) -> None:
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    missing = _FakeChromium(RuntimeError("Executable doesn't exist at /x/chrome-headless-shell\n"
                                         "Looks like Playwright was just installed: playwright install"))
    with pytest.raises(browser.NoChromium, match="playwright install chromium"):
        browser.launch(_FakePlaywright(missing))

"""Shared fixtures: content trees in tmp_path, and the shipped site built once per session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playwright.sync_api import sync_playwright

from factsite.images.browser import launch
from factsite.pipeline import build_site
from factsite.publish.serve import start_server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOD = FIXTURES / "good"


def copy_good_tree(tmp_path: Path) -> Path:
    """A fresh copy of the small complete fixture site, as tmp_path/content."""
    target = tmp_path / "content"
    shutil.copytree(GOOD, target)
    return target


def change_one_statistic(content: Path) -> None:
    """A small change to the good tree: one figure (girls-share, 50% -> 51%) and the sentence that
    prints it; a third of its files, so published in place (write.IN_PLACE_SHARE)."""
    stat = content / "stats" / "girls-share.yaml"
    stat.write_text(stat.read_text().replace("value: 50,", "value: 51,").replace("50% were girls", "51% were girls"))


def retitle(content: Path, title: str) -> None:
    """A change to every page of the good tree: the site's title."""
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("title: Fixture facts\n", f"title: {title}\n", 1))


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    """Write {relative path: text or bytes} under root."""
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


def run_build(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def good_tree(tmp_path: Path) -> Path:
    return copy_good_tree(tmp_path)


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory) -> Path:
    """The shipped content/, built once for all the tests that read pages."""
    out = tmp_path_factory.mktemp("shipped") / "site"
    assert build_site(ROOT / "content", out).ok
    return out


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fixture") / "site"
    assert build_site(GOOD, out).ok
    return out


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "nightly: long runs (many more fuzzing examples); run them with `pytest -m nightly`")


def pytest_collection_modifyitems(config, items) -> None:
    """Nightly tests run only when asked for by name in `-m` (CI's normal run stays at a few minutes)."""
    if "nightly" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="nightly: run with `pytest -m nightly`")
    for item in items:
        if "nightly" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter) -> None:
    """What each quality gate checked, and Lighthouse's scores, in CI's output (no `pytest -s` there)."""
    from .tools import GATE_REPORT

    if not GATE_REPORT:
        return
    terminalreporter.write_sep("=", "quality gates")
    for gate in sorted(GATE_REPORT):
        for line in GATE_REPORT[gate]:
            terminalreporter.write_line(f"{gate}: {line}")


# Browser tests: one headless Chromium per test module (a session-wide one would clash with the
# builds that start their own), and both sites served with netlify.toml's headers.
@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        instance = launch(playwright)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def served(shipped_site: Path, fixture_site: Path):
    servers = {name: start_server(site, ROOT / "netlify.toml") for name, site in
               (("shipped_site", shipped_site), ("fixture_site", fixture_site))}
    yield {name: f"http://127.0.0.1:{server.server_port}" for name, server in servers.items()}
    for server in servers.values():
        server.shutdown()


@pytest.fixture(scope="module")
def served_fixture(served: dict[str, str]) -> str:
    return served["fixture_site"]


@pytest.fixture(scope="module")
def served_shipped(served: dict[str, str]) -> str:
    return served["shipped_site"]

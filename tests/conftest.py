"""Shared fixtures: content trees in tmp_path, and the shipped site built once per session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from factsite.pipeline import build_site

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOD = FIXTURES / "good"


def copy_good_tree(tmp_path: Path) -> Path:
    """A fresh copy of the small complete fixture site, as tmp_path/content."""
    target = tmp_path / "content"
    shutil.copytree(GOOD, target)
    return target


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
    assert build_site(ROOT / "content", out) == 0
    return out


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fixture") / "site"
    assert build_site(GOOD, out) == 0
    return out


def pytest_terminal_summary(terminalreporter) -> None:
    """What each quality gate checked, and Lighthouse's scores, in CI's output (no `pytest -s` there)."""
    from .tools import GATE_REPORT

    if not GATE_REPORT:
        return
    terminalreporter.write_sep("=", "quality gates")
    for gate in sorted(GATE_REPORT):
        for line in GATE_REPORT[gate]:
            terminalreporter.write_line(f"{gate}: {line}")

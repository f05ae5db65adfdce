"""The external checkers the quality gates run, all installed by `make test-deps`, and the gates' report.

Java (for the Nu HTML Checker) comes from Debian (scripts/install-system-deps.sh test); vnu.jar, axe-core
and Lighthouse from npm (`npm ci` into node_modules/, pinned by package-lock.json). A missing tool fails
the test that needs it, with the command that installs it: a gate that silently skips is no gate.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
from fnmatch import fnmatch
import threading
from pathlib import Path

import pytest

from factsite.pipeline import BuildResult

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
LIGHTHOUSE_CLI = NODE_MODULES / "lighthouse" / "cli" / "index.js"

# What each gate checked, and Lighthouse's scores: printed at the end of the run by conftest.py's
# pytest_terminal_summary, so they appear in CI's output without `pytest -s`.
GATE_REPORT: dict[str, list[str]] = {}


def snapshot(folder: Path, *, identity: bool = False) -> dict[str, str] | dict[str, tuple[str, int, int]]:
    """Each file under `folder`: relative path -> SHA-256 of its bytes. With `identity`, (digest,
    modification time, inode): a file rewritten with the same bytes then shows as changed too."""

    def entry(path: Path) -> str | tuple[str, int, int]:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if not identity:
            return digest
        status = path.stat()
        return digest, status.st_mtime_ns, status.st_ino

    return {p.relative_to(folder).as_posix(): entry(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def build_succeeded(result: BuildResult) -> bool:
    """Whether an in-process `build_site(...)` succeeded."""
    return result.ok


def report(gate: str, line: str) -> None:
    GATE_REPORT.setdefault(gate, []).append(line)


def need_file(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make test-deps` (it runs `npm ci`)", pytrace=False)
    return path


def need_program(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not installed: run `make test-deps` (as root it installs Debian's {package})", pytrace=False)
    return found


def copy_checkout(target: Path, *skipped: str) -> None:
    """A copy of the repository as a checkout would have it, without the named top-level entries
    (and never the caches and bytecode anywhere): `content` leaves out content/, not factsite/content/."""
    everywhere = shutil.ignore_patterns("__pycache__", ".pytest_cache")

    def ignore(folder: str, names: list[str]) -> set[str]:
        top = {name for name in names if any(fnmatch(name, pattern) for pattern in skipped)} if Path(folder) == ROOT else set()
        return top | everywhere(folder, names)

    shutil.copytree(ROOT, target, ignore=ignore)


def serve_folder(folder: Path, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A quiet static server for `folder` on a free port, in a thread; call .shutdown() when done.
    `host` "localhost" gives a second origin beside a server on 127.0.0.1."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((host, 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server

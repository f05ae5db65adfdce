"""Headless Chromium for build-time rendering (chart images, PDFs) and for tests: which
binary to launch, and which engine draws (`engine_identity`, part of every render's cache key).

Debian's chromium is used through Playwright's `executable_path`; set CHROMIUM to use another binary.
Where there is none (Netlify's build image), Playwright's own Chromium is used, as installed by
`python3 -m playwright install chromium` (netlify.toml's build command does this).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

INSTALL_HELP = (
    "Static chart images are drawn by a headless Chromium, and none was found.\n"
    "  On Debian or Ubuntu: sudo apt-get install chromium   (make site does this when run as root)\n"
    "  Elsewhere: install Chromium or Chrome and set CHROMIUM=/path/to/the/binary\n"
    "  Or let Playwright download its own: python3 -m playwright install chromium   (as on Netlify)\n"
    "  Or build a draft without static chart images: python3 build.py --draft"
)


class NoChromium(RuntimeError):
    pass


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def launch(playwright, **options):
    """A headless Chromium; raises NoChromium with install instructions when there is none."""
    path = chromium_path()
    if path is not None:
        return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True, **options)
    try:  # no system Chromium: Playwright's own, if `playwright install chromium` has fetched it
        return playwright.chromium.launch(args=CHROMIUM_ARGS, headless=True, **options)
    except Exception as error:
        _no_chromium(error)
        raise


async def launch_async(playwright, **options):
    """`launch` through Playwright's async API (the build's `Headless`)."""
    path = chromium_path()
    if path is not None:
        return await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True, **options)
    try:
        return await playwright.chromium.launch(args=CHROMIUM_ARGS, headless=True, **options)
    except Exception as error:
        _no_chromium(error)
        raise


def _no_chromium(error: Exception) -> None:
    if "Executable doesn't exist" in str(error) or "playwright install" in str(error):
        raise NoChromium(INSTALL_HELP) from None


def engine_identity(memo_dir: Path) -> str:
    """Which browser and fonts draw the images, as a short hash: part of every rendered image's cache key.

    A new Chromium or a new set of fonts may draw text a pixel wider, so images drawn by another
    engine are never reused. `chromium --version` takes a third of a second, so its answer is
    remembered in `memo_dir` by the binary's path, size and time (a package upgrade changes them).
    """
    path = chromium_path()
    if path is None:  # Playwright's own build: each Playwright version pins one Chromium revision
        return _identity(f"playwright-chromium-{version('playwright')}")
    real = os.path.realpath(path)
    try:
        stat = os.stat(real)
    except OSError:
        return "missing-browser"  # launching will fail and say why
    stamp = f"{real}:{stat.st_size}:{stat.st_mtime_ns}"
    if stamp not in _identities:  # asked already in this process (the dev server, tests)
        _identities[stamp] = _identity(_browser_version(real, stamp, memo_dir / "browser-version.json"))
    return _identities[stamp]


_identities: dict[str, str] = {}  # the binary's stamp -> its engine identity


def _identity(browser: str) -> str:
    return hashlib.sha256(f"{browser}\n{_fonts()}".encode()).hexdigest()[:16]


def _browser_version(path: str, stamp: str, memo: Path) -> str:
    """`path --version`, remembered in `memo` while the binary's stamp (path, size, time) is `stamp`."""
    try:
        remembered = json.loads(memo.read_text())
    except (OSError, ValueError):
        remembered = {}
    if remembered.get("stamp") == stamp:
        return remembered["version"]
    run = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    remembered = {"stamp": stamp, "version": run.stdout.strip() or stamp}
    memo.parent.mkdir(parents=True, exist_ok=True)
    temporary = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(remembered))
    temporary.replace(memo)  # builds may share the cache: never a half-written memo
    return remembered["version"]


def _fonts() -> str:
    """The installed fonts (fontconfig's list, with sizes), or '' where there is no fontconfig."""
    try:
        listed = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    entries = []
    for name in sorted(set(listed.splitlines())):
        try:
            entries.append(f"{name}:{os.stat(name).st_size}")
        except OSError:
            continue
    return "\n".join(entries)

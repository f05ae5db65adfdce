"""Headless Chromium for build-time rendering (chart images) and for tests.

Debian's chromium is used through Playwright's `executable_path`; set CHROMIUM to use another binary.
"""

from __future__ import annotations

import os
import shutil

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

INSTALL_HELP = (
    "Static chart images are drawn by a headless Chromium, and none was found.\n"
    "  On Debian or Ubuntu: sudo apt-get install chromium   (make site does this when run as root)\n"
    "  Elsewhere: install Chromium or Chrome and set CHROMIUM=/path/to/the/binary\n"
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
    if path is None:
        raise NoChromium(INSTALL_HELP)
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True, **options)

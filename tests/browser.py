"""Headless Chromium for tests: Debian's chromium, driven by Playwright (its own download is not used)."""

from __future__ import annotations

import os
import shutil

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright, **options):
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is needed: run `make test` (it installs Debian's chromium) or set CHROMIUM")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True, **options)

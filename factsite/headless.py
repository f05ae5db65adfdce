"""One headless Chromium for the whole build, started only when something is not in the cache."""

from __future__ import annotations

from typing import Any


class Headless:
    """Use as a context manager; `page()` launches the browser on first use, then reuses it."""

    def __init__(self) -> None:
        self._playwright_manager: Any = None
        self._browser: Any = None

    def __enter__(self) -> "Headless":
        return self

    def new_page(self, **options: Any) -> Any:
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            from .browser import launch

            self._playwright_manager = sync_playwright()
            playwright = self._playwright_manager.__enter__()
            try:
                self._browser = launch(playwright)
            except BaseException:
                self._playwright_manager.__exit__(None, None, None)
                self._playwright_manager = None
                raise
        return self._browser.new_page(**options)

    @property
    def started(self) -> bool:
        return self._browser is not None

    def __exit__(self, *exc: object) -> None:
        if self._browser is not None:
            self._browser.close()
            self._playwright_manager.__exit__(None, None, None)
            self._browser = self._playwright_manager = None

"""Screenshots of built pages at phone and desktop width: python scripts/screenshot.py /stats/x/ [...]"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from factsite.serve import start_server  # noqa: E402
from factsite.browser import launch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = Path("/tmp/shots")


def main(paths: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    server = start_server(ROOT / "site", ROOT / "netlify.toml")
    with sync_playwright() as p:
        browser = launch(p)
        for width, height, name in [(360, 780, "phone"), (1280, 900, "desktop")]:
            page = browser.new_page(viewport={"width": width, "height": height})
            for target in paths:
                path, _, selector = target.partition(" ")  # "/page/ .css-selector" shoots one element
                page.goto(f"http://127.0.0.1:{server.server_port}{path}")
                page.wait_for_timeout(500)
                stem = (path.strip("/").replace("/", "_") or "home") + ("-" + selector.strip(".#").replace(" ", "_") if selector else "")
                file = OUT / f"{stem}-{name}.png"
                if selector:
                    page.locator(selector).first.screenshot(path=str(file))
                else:
                    page.screenshot(path=str(file), full_page=True)
                print(file)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:] or ["/"])

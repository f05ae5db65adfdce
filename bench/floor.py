"""The floor: a plain Jinja2 loop over the same pages, with none of the site's checks.

What any Python generator pays for this content: read every YAML file (libyaml's CSafeLoader, no
line marks, no validation), render every HTML page of the site with the site's own templates and
the same page data, in one process, and write each page to its own file. No validation, no
cross-file rules, no search index, no data downloads, no temporary folder.

The page data (what the templates are given) is built first, by the site's own code, and that part
is not the floor's: it is timed apart and printed as "untimed", and the benchmark subtracts it from
the floor's wall time.

Run: python3 bench/floor.py CONTENT_DIR OUT_DIR
"""

from __future__ import annotations

import functools
import gc
import os
import shutil
import sys
import time
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parent.parent


def page_data(content_dir: Path):
    """The site's pages and what its templates need, built by the site's own code (not timed)."""
    sys.path.insert(0, str(ROOT))
    from build import GC_THRESHOLD
    from factsite.web.assets import collect_assets
    from factsite.pipeline import load_and_validate
    from factsite.web.pages import SiteModel
    from factsite.web.dates import readable_date
    from factsite.web.render import shared_context
    from factsite.web.views import figure_anchor, figure_link, titled_figure

    gc.set_threshold(*GC_THRESHOLD)  # as build.py sets it: loading 10,000 statistics is 15 times faster
    content, _ = load_and_validate(content_dir)
    model = SiteModel(content, content.site.base_url)
    # What every page shares, as the site gives it (its addresses, language, assets).
    common = {**shared_context(model, collect_assets(ROOT / "static").urls, draft=True),
              "figure_link": figure_link, "titled_figure": titled_figure, "figure_anchor": figure_anchor,
              "readable_date": readable_date}
    # All page data, built before the clock starts: each page with its structured data and context.
    return [(page, {"structured_data": page.structured_data(), **page.context()}) for page in model.pages()], common


def build(content: Path, out: Path, pages, common) -> int:
    for folder in ("sources", "stats", "sheets"):
        for path in sorted((content / folder).glob("*.yaml")):
            yaml.load(path.read_bytes(), Loader=Loader)
    yaml.load((content / "site.yaml").read_bytes(), Loader=Loader)
    env = Environment(loader=FileSystemLoader(ROOT / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, extensions=["jinja2.ext.i18n"])
    env.install_null_translations(newstyle=True)  # the templates' strings are gettext calls; English is the msgids
    env.globals["translated"] = str
    env.filters["script_json"] = lambda text: text
    env.filters["figure_link"] = common.pop("figure_link")
    env.filters["titled_figure"] = common.pop("titled_figure")
    env.filters["readable_date"] = common.pop("readable_date")
    # The templates take what every page shares from the environment's globals, and render the
    # pieces that are the same on every page once (`constant`), as the site's renderer does.
    env.globals.update(common, constant=functools.cache(lambda name: Markup(env.get_template(name).render())))
    if out.exists():
        shutil.rmtree(out)
    for page, context in pages:
        html = env.get_template(page.template).render(page=page, **context)
        target = out / page.output
        os.makedirs(target.parent, exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(html)
    return len(pages)


if __name__ == "__main__":
    started = time.perf_counter()
    pages, common = page_data(Path(sys.argv[1]))
    untimed = time.perf_counter() - started
    count = build(Path(sys.argv[1]), Path(sys.argv[2]), pages, common)
    print(f"floor: wrote {count} pages; untimed {untimed:.3f} s (building the page data)")

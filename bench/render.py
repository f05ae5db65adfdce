"""Benchmark of the image work, cold (empty caches): chart images, share cards, sheet PDFs.

  python3 bench/render.py [--charts 100,1000] [--cards 100]

Charts: N distinct bar charts, 3 images each (narrow SVG, wide SVG, PNG), all in one browser.
Cards: N distinct statistic cards. PDFs: every shipped sheet in Letter and A4, from a draft build.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from factsite.images.cards import render_cards  # noqa: E402
from factsite.web.jobs import Card  # noqa: E402
from factsite.images.chart_export import export_images  # noqa: E402
from factsite.images.headless import ImageCache  # noqa: E402
from factsite.web.charts import build_chart, image_jobs  # noqa: E402
from factsite.images.headless import Headless  # noqa: E402
from factsite.content.load import load_content  # noqa: E402
from factsite.content.model import Chart, ChartPoint, Figure, Statistic  # noqa: E402
from factsite.web.pages import SiteModel  # noqa: E402
from factsite.images.pdf import render_pdfs  # noqa: E402
from factsite.pipeline import render_in_memory  # noqa: E402
from factsite.web.render import make_environment  # noqa: E402
from factsite.content.validate import validate  # noqa: E402


def _stat(slug: str, value: float) -> Statistic:
    return Statistic(slug=slug, sentence="{figure} of something.", short_title=slug, figure=Figure(value=value, unit="percent"),
                     period="2020", scope="Synthetic", citations=[{"source": "s", "locator": "p", "quote": f"{value:g}%"}])


def chart_jobs(count: int) -> list:
    jobs = []
    for i in range(count):
        stats = {f"s{i}-{k}": _stat(f"s{i}-{k}", 1 + (i * 4 + k) / 10) for k in range(4)}  # every chart distinct
        chart = Chart(kind="bar", title=f"Chart {i}", description="Synthetic.", value_label="Share (%)",
                      points=[ChartPoint(stat=slug, label=f"Group {k}") for k, slug in enumerate(stats)])
        jobs += image_jobs(build_chart(chart, f"chart-{i}", stats))
    return jobs


def timed(label: str, work, browser: bool = True) -> None:
    started = time.perf_counter()
    count = work()
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.1f} s ({elapsed / count * 1000:.0f} ms each{', browser start included' if browser else ''})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--charts", default="100,1000")
    parser.add_argument("--cards", type=int, default=100)
    args = parser.parse_args()
    env = make_environment(ROOT / "templates")
    for count in [int(n) for n in args.charts.split(",")]:
        jobs = chart_jobs(count)
        with tempfile.TemporaryDirectory() as tmp, Headless() as headless:
            timed(f"{count} charts cold ({len(jobs)} images)", lambda: export_images(jobs, ImageCache(Path(tmp)), headless)[1] // 3)
    cards = [Card(output=f"cards/c{i}.png", url=f"/stats/c{i}/", alt="", kicker=f"Statistic {i}", figure=f"{i % 97}%",
                  sentence=f"Synthetic sentence number {i} that states a figure of {i % 97}% for the benchmark.",
                  source_line="Human Trafficking Institute, 2020 Federal Human Trafficking Report", site_name="Trafficking Facts")
             for i in range(args.cards)]
    with tempfile.TemporaryDirectory() as tmp:  # drawn without the browser
        timed(f"{args.cards} cards cold", lambda: render_cards(cards, env, ImageCache(Path(tmp)))[1], browser=False)
    content, _ = validate(load_content(ROOT / "content"))
    model = SiteModel(content, content.site.base_url)
    files = render_in_memory(content, content.site.base_url, draft=False)
    with tempfile.TemporaryDirectory() as tmp, Headless() as headless:
        cache = ImageCache(Path(tmp))
        jobs = [job for chart in model.all_charts() for job in image_jobs(chart)]
        files.add_all(export_images(jobs, cache, headless)[0])  # the images as bytes, as the build serves them
        timed(f"{len(model.pdf_jobs())} sheet PDFs cold", lambda: render_pdfs(model.pdf_jobs(), files, cache, headless)[1])
        started = time.perf_counter()
        again = render_pdfs(model.pdf_jobs(), files, cache, headless)[1]
        print(f"sheet PDFs with nothing changed: {again} printed in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()

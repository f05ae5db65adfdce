#!/usr/bin/env python3
"""Build the fact-sheet site from content/.

  python3 build.py                     validate content/ and build site/
  python3 build.py --strict            the same, but any warning fails the build (site/ is left as it was)
  python3 build.py check               validate only; list every problem, with how to fix it (--strict too)
  python3 build.py serve [--port N]    build, serve on 127.0.0.1, rebuild and reload on every change
  python3 build.py new stat <slug>     start a statistic from a commented skeleton (also: source, sheet)
  python3 build.py new translation es stat <slug>
                                       start a translation (also: sheet, source <id>, site, methodology)
  python3 build.py schema              regenerate schema/*.schema.json (editor support) from the models
  python3 build.py links               (network) check every source's link, archived copy and quotes
  python3 build.py archive             (network) record a Wayback Machine capture of each source without one
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from factsite.pipeline import BuildResult, build_site, check_content

ROOT = Path(__file__).resolve().parent
COMMANDS = ["build", "check", "serve", "new", "schema", "links", "archive"]

# A build makes millions of small objects that live to its end (records, models, page views) and
# frees few: with the default thresholds the collector scanned them over and over, and loading
# 10,000 statistics took 15 times as long as 1,000. Young objects are collected 70 times less often.
# Set here because the process is the command line's (bench/ sets it too, for the same reason).
GC_THRESHOLD = (50_000, 50, 50)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="build", choices=COMMANDS)
    parser.add_argument("names", nargs="*", help="for new: the kind (stat, source or sheet) and the slug or id")
    parser.add_argument("--content", type=Path, default=ROOT / "content", help="content folder (default: content/)")
    parser.add_argument("--out", type=Path, default=ROOT / "site",
                        help="output folder (default: site/); check compares the content with the site published there")
    parser.add_argument("--strict", action="store_true", help="for build and check: fail on warnings, not only on errors")
    parser.add_argument("--draft", action="store_true", help="skip static chart images (no Chromium needed); pages say so")
    parser.add_argument("--timings", action="store_true", help="after the build, print the time each step took")
    parser.add_argument("--port", type=int, default=8000, help="for serve: the port on 127.0.0.1 (default: 8000; 0 picks a free one)")
    parser.add_argument("--max-age", type=float, default=20.0, help="for links: fetch again pages older than this many hours (0: all)")
    parser.add_argument("--within", type=int, default=30, help="for archive: a capture this many days old is recent enough")
    args = parser.parse_args(argv)
    if args.command != "new" and args.names:
        parser.error(f"unexpected arguments: {' '.join(args.names)}")
    gc.set_threshold(*GC_THRESHOLD)
    if args.command == "check":
        return reported(check_content(args.content, args.out, strict=args.strict))
    if args.command == "serve":
        from factsite.devserver import serve

        return serve(args.content, args.out, ROOT, args.port, draft=args.draft)
    if args.command == "new":
        return new(parser, args)
    if args.command == "links":  # the two commands that use the network; nothing else does
        from factsite.links import run_links

        return run_links(args.content, max_age_hours=args.max_age)
    if args.command == "archive":
        from factsite.archive import archive_command

        return archive_command(args.content, args.within)
    if args.command == "schema":
        from factsite.content.schema import write_schemas

        changed = write_schemas()
        print(f"schema: {len(changed)} file(s) updated in schema/" if changed else "schema: already up to date")
        return 0
    return reported(build_site(args.content, args.out, draft=args.draft, timings=args.timings, strict=args.strict))


def reported(result: BuildResult) -> int:
    """Print a build's or check's result; its exit status."""
    result.report()
    return 0 if result.ok else 1


def new(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from factsite.content.scaffold import ScaffoldError, new_file, new_translation

    translating = args.names[:1] == ["translation"]
    if not (3 <= len(args.names) <= 4 if translating else len(args.names) == 2):
        parser.error("usage: python3 build.py new stat|source|sheet <slug>, or "
                     "new translation <lang> stat|sheet|source <slug>, or new translation <lang> site|methodology")
    try:
        path = (new_translation(args.names[1], args.names[2], (args.names[3:] or [None])[0], args.content) if translating
                else new_file(args.names[0], args.names[1], args.content))
    except ScaffoldError as error:
        print(f"new: {error}", file=sys.stderr)
        return 1
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    where = "" if args.content == ROOT / "content" else f" --content {args.content}"
    print(f"new: wrote {shown}. Replace every TODO in it, then run: python3 build.py check{where}")
    return 0


if __name__ == "__main__":
    status = main()
    # Skip freeing every object one by one at exit (half a second at 10,000 statistics): all files
    # are closed and every context (browser, temporary folders) has been left by now.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)

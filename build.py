#!/usr/bin/env python3
"""Build the fact-sheet site: `python build.py` (build) or `python build.py check` (validate only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from factsite.pipeline import build_site, check_content

ROOT = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", nargs="?", default="build", choices=["build", "check"])
    parser.add_argument("--content", type=Path, default=ROOT / "content", help="content folder (default: content/)")
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="output folder (default: site/)")
    parser.add_argument("--draft", action="store_true", help="skip static chart images (no Chromium needed); pages say so")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check_content(args.content)
    return build_site(args.content, args.out, draft=args.draft)


if __name__ == "__main__":
    sys.exit(main())

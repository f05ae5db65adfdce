"""The golden tree, tests/golden/: what the fixture site (tests/fixtures/good) renders to, file by file.

tests/test_golden.py compares a fresh render with it, so that any change to the output shows up as a
diff, intended or not. After an intended change, regenerate it with one command and read the diff
(it is the change the site's readers get):

    python3 -m tests.golden --update && git diff --stat tests/golden

Without --update the command only compares, as the test does (exit status 1 when they differ).

What is kept: the draft HTML build (`render_in_memory`: every page, the static assets, the CSVs, the
data downloads, the feed, the sitemap and robots.txt) at a fixed base URL. What is not: the chart
images, share cards and PDFs (drawn by Chromium, and tested for their bytes in test_determinism.py)
and the search index (Pagefind's). A file larger than LARGE (the plotly.js bundle) is kept as its
name and SHA-256 in large-files.sha256, not as its bytes. Nothing in the render depends on the clock,
the time zone or the hash seed, so regenerating twice gives the same tree.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
GOOD = TESTS / "fixtures" / "good"
GOLDEN = TESTS / "golden"
SITE = "site"  # the rendered files, under GOLDEN/site/
LARGE_FILES = "large-files.sha256"  # `sha256sum` format: "<digest>  site/<path>"
LARGE = 256 * 1024  # bytes
BASE_URL = "https://golden.example.org"  # fixed: the tree must not depend on the URL a deploy sets


def rendered() -> dict[str, bytes]:
    """The fixture site rendered now, in the golden tree's form: relative path under GOLDEN -> bytes."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from factsite.pipeline import load_and_validate, render_in_memory

    content, problems = load_and_validate(GOOD)
    if content is None:
        raise SystemExit("tests/fixtures/good is not valid content:\n" + "\n".join(map(str, problems)))
    return golden_form(render_in_memory(content, BASE_URL, draft=True))


def golden_form(site: Mapping[str, bytes]) -> dict[str, bytes]:
    """Each small file's bytes under site/; the large ones as lines of the hash list."""
    files = {f"{SITE}/{name}": data for name, data in site.items() if len(data) <= LARGE}
    large = sorted(name for name, data in site.items() if len(data) > LARGE)
    files[LARGE_FILES] = "".join(f"{hashlib.sha256(site[name]).hexdigest()}  {SITE}/{name}\n" for name in large).encode()
    return files


def stored(folder: Path = GOLDEN) -> dict[str, bytes]:
    """The committed golden tree: relative path -> bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def differences(expected: Mapping[str, bytes], actual: Mapping[str, bytes], diffs_shown: int = 3,
                lines_per_diff: int = 60) -> str:
    """"" when the trees are equal; otherwise the missing and extra files, and a unified diff of the
    first few files that differ (the others by name)."""
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(name for name in expected.keys() & actual.keys() if expected[name] != actual[name])
    if not (missing or extra or changed):
        return ""
    report = []
    if missing:
        report.append(f"{len(missing)} file(s) in the golden tree but no longer rendered:\n" + "".join(f"  {n}\n" for n in missing))
    if extra:
        report.append(f"{len(extra)} file(s) rendered but not in the golden tree:\n" + "".join(f"  {n}\n" for n in extra))
    if changed:
        report.append(f"{len(changed)} file(s) differ:\n" + "".join(f"  {n}\n" for n in changed))
    for name in changed[:diffs_shown]:
        old = expected[name].decode("utf-8", errors="replace").splitlines(keepends=True)
        new = actual[name].decode("utf-8", errors="replace").splitlines(keepends=True)
        diff = list(difflib.unified_diff(old, new, f"golden/{name}", f"rendered/{name}", n=2))
        cut = f"  ... {len(diff) - lines_per_diff} more diff line(s)\n" if len(diff) > lines_per_diff else ""
        report.append("".join(line if line.endswith("\n") else line + "\n" for line in diff[:lines_per_diff]) + cut)
    return "\n".join(report)


def update(folder: Path = GOLDEN) -> None:
    """Replace the golden tree by what renders now (files no longer rendered go)."""
    files = rendered()
    shutil.rmtree(folder / SITE, ignore_errors=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tests.golden", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="regenerate tests/golden/ from the fixture site")
    args = parser.parse_args(argv)
    os.environ.pop("URL", None)  # a deploy's URL must not fail the fixture's validation
    if args.update:
        update()
        print(f"golden: {GOLDEN.relative_to(ROOT)} regenerated; review it with `git diff --stat {GOLDEN.relative_to(ROOT)}`")
        return 0
    found = differences(stored(), rendered())
    print(found or "golden: the fixture site renders as tests/golden/ holds it")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

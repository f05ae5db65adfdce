"""The benchmark's synthetic content must stay valid as the content rules grow, or `make bench` measures nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from factsite.content.load import load_content
from factsite.content.validate import validate

from .conftest import ROOT


def test_the_benchmark_content_passes_every_rule(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "bench"))
    content, problems = validate(load_content(synth.generate(tmp_path, 60, 3)))
    assert content is not None and not [p for p in problems if p.severity == "error"], [str(p) for p in problems][:10]
    assert len(content.stats) >= 60


def test_the_floor_renders_every_page_the_build_writes(tmp_path: Path) -> None:
    """bench/floor.py renders the site's own templates outside the build: a template that comes to
    need something the build gives (a global, a filter) must not leave the benchmark without a floor."""
    import subprocess

    from factsite.pipeline import build_site

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "bench"))
    content = synth.generate(tmp_path, 60, 3)
    floor = subprocess.run([sys.executable, str(ROOT / "bench" / "floor.py"), str(content), str(tmp_path / "floor")],
                           capture_output=True, text=True, timeout=300)
    assert floor.returncode == 0, floor.stderr[-2000:]
    assert build_site(content, tmp_path / "site", draft=True, cache_dir=tmp_path / "cache").ok
    pages = sorted(path.relative_to(tmp_path / "site") for path in (tmp_path / "site").rglob("*.html")
                   if not path.relative_to(tmp_path / "site").parts[0] == "es")
    assert sorted(path.relative_to(tmp_path / "floor") for path in (tmp_path / "floor").rglob("*.html")) == pages

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

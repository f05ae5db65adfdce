"""Determinism: the same content always builds the same bytes, whatever the machine's state.

Two builds of the shipped content, each with its own empty image cache (as on a fresh clone) and a
different hash seed and time zone, must be byte-identical, file for file; and a build that took its
images from a warm cache must equal them too (or the cache key misses something the images depend on).
That pages rendered in worker processes equal those rendered in one is tested in test_render.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT
from .tools import report, snapshot


def differences(one: dict[str, str], two: dict[str, str]) -> list[str]:
    return sorted({name for name in one.keys() | two.keys() if one.get(name) != two.get(name)})


def test_two_fresh_builds_of_the_shipped_content_are_byte_identical(tmp_path: Path, shipped_site: Path) -> None:
    builds = {}
    for name, seed, zone in (("one", "1", "UTC"), ("two", "2", "Pacific/Auckland")):
        env = {**os.environ, "FACTSITE_CACHE": str(tmp_path / f"cache-{name}"), "PYTHONHASHSEED": seed, "TZ": zone}
        env.pop("URL", None)
        command = [sys.executable, str(ROOT / "build.py"), "--content", str(ROOT / "content"), "--out", str(tmp_path / name)]
        builds[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for name, process in builds.items():  # both at once: two cores, and most of the time is Chromium drawing
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, f"build {name} failed:\n{out}\n{err}"
        assert any((tmp_path / f"cache-{name}").rglob("*")), "the build did not use its own cache"
    one, two = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert len(one) > 100
    assert differences(one, two) == []
    assert differences(one, snapshot(shipped_site)) == [], "a build from the warm image cache differs from a fresh one"
    report("determinism", f"shipped content built twice from empty image caches (and once from a warm one): "
                          f"{len(one)} files, byte-identical")

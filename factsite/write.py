"""The only module that writes the site: into a temporary folder, swapped in whole at the end."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .urls import UnsafePath


def _target(root: Path, relative: str) -> Path:
    target = (root / relative).resolve()
    if root.resolve() not in target.parents:
        raise UnsafePath(f"{relative!r} would write outside the site folder")
    return target


def write_site(files: dict[str, bytes], out_dir: Path) -> None:
    """Write every file, then replace `out_dir` in one step; on any failure `out_dir` is untouched."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
    try:
        for relative in sorted(files):
            target = _target(staging, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[relative])
        os.chmod(staging, 0o755)
        if out_dir.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
            out_dir.rename(retired / "site")
            staging.rename(out_dir)
            shutil.rmtree(retired)
        else:
            staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

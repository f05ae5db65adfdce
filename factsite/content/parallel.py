"""Forked worker processes, for the steps that spread over the cores: reading content, rendering pages.

Workers are forked, so they start at once and share what the parent has already built. Forking is
done before the build starts any thread of its own (a forked thread's locks would stay held), but
for the share cards' workers (images/cards.py): they fork beside the site writer's and Pagefind's
threads, with everything they import imported first, and only draw and write cache files.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from typing import Any


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def can_fork(workers: int) -> bool:
    """Whether `workers` forked processes are worth starting here (Linux forks cheaply; macOS does not
    fork safely, Windows not at all)."""
    return workers > 1 and sys.platform == "linux"


def fork_pool(workers: int) -> Any:
    return multiprocessing.get_context("fork").Pool(workers)

"""What reading and checking each content file found, kept between builds by the file's SHA-256.

A build after one edit reads, parses and checks only that file: every other file's parsed data and
the problems of the checks of it alone (and of its translation beside its English) are taken from
here, found by the SHA-256 of its bytes (which the dependency record has just computed). A check
that reads other records (a figure a translation must not type) keeps what it read, and is run
again when any of it differs. The cache belongs to one build key (another code version, other
packages: ignored) and is written whole or not at all; one that cannot be read is an empty one, so
the worst it can cost is a full load. It holds only plain data (marshal), never objects of the code.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

CACHE_FORMAT = 1  # bump when what an entry holds changes
CheckKey = tuple  # ("what", shown path, digest of each file it is of, ...)
MISSING = ("missing",)  # the token of a key a mapping does not hold


class ContentCache:
    """Parsed files by digest, and check results by what they checked; the entries this build used
    are kept, with the others whose files are all still there (a translation checked again after an
    English edit leaves an entry a revert would use)."""

    def __init__(self, key: str, parsed: dict[bytes, bytes] | None = None,
                 checked: dict[CheckKey, Any] | None = None):
        self.key = key
        self.parsed = parsed or {}  # digest -> marshal of (data, line, field, message), as load.py packs it
        self.checked = checked or {}  # CheckKey -> (reads, result)
        self.changed = False  # something new to write

    def parsed_file(self, digest: bytes | None) -> bytes | None:
        return self.parsed.get(digest) if digest is not None else None

    def store_parsed(self, digest: bytes, packed: bytes) -> None:
        self.parsed[digest] = packed
        self.changed = True

    def prune(self, digests: set[bytes]) -> None:
        """Forget what is of files no longer there: the cache stays the size of the content."""
        stale = [digest for digest in self.parsed if digest not in digests]
        gone = [key for key in self.checked if not all(part in digests for part in key if isinstance(part, bytes))]
        for digest in stale:
            del self.parsed[digest]
        for key in gone:
            del self.checked[key]
        self.changed = self.changed or bool(stale or gone)


def cache_path(cache_dir: Path, content_dir: Path) -> Path:
    name = hashlib.sha256(os.path.abspath(content_dir).encode()).hexdigest()[:24]
    return cache_dir / "content" / f"{name}.marshal"


def load_cache(path: Path, key: str) -> ContentCache:
    """The cache of this build key, or an empty one: a missing, corrupt or foreign file is never trusted."""
    try:
        with open(path, "rb") as handle:
            stored = marshal.load(handle)
        fmt, stored_key, parsed, checked = stored
        if fmt != CACHE_FORMAT or stored_key != key or not isinstance(parsed, dict) or not isinstance(checked, dict):
            return ContentCache(key)
    except Exception:  # missing, truncated, garbage: a normal full load
        return ContentCache(key)
    return ContentCache(key, parsed, checked)


def save_cache(path: Path, cache: ContentCache) -> None:
    """Whole or not at all: written beside, then renamed over the old one. A cache that cannot be
    written only costs the next build its shortcut."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            marshal.dump((CACHE_FORMAT, cache.key, cache.parsed, cache.checked), handle)
        os.replace(temporary, path)
        cache.changed = False
    except OSError:
        pass
    finally:
        if temporary.exists():
            temporary.unlink()


class Reads:
    """What a check read of the other records, key by key, so that its cached result can be proved
    still true: every key must give the same token (a value, a digest, presence) again."""

    def __init__(self, sources: Mapping[str, tuple[Mapping, Callable[[Any], Any]]]):
        self.sources = sources  # name -> (the mapping as it is now, the token of one of its values)
        self.seen: dict[tuple[str, str, Any], Any] = {}
        self.whole = False  # a check that lists a whole mapping (a "did you mean") is not kept

    def view(self, name: str) -> "_Tracked":
        return _Tracked(self, name)

    def token(self, name: str, how: str, key: Any) -> Any:
        mapping, token = self.sources[name]
        if how == "in":
            return key in mapping
        return token(mapping[key]) if key in mapping else MISSING

    def frozen(self) -> tuple | None:
        """The reads, as plain data to store; None if they cannot be replayed."""
        if self.whole or None in self.seen.values():  # None: a record of no known digest
            return None
        return tuple((name, how, key, value) for (name, how, key), value in self.seen.items())

    def still_true(self, stored: tuple) -> bool:
        return all(self.token(name, how, key) == value for name, how, key, value in stored)


class _Tracked(Mapping):
    """A read-only view of one of the mappings a check reads, noting each key it looks at."""

    def __init__(self, reads: Reads, name: str):
        self._reads, self._name = reads, name
        self._mapping = reads.sources[name][0]

    def _note(self, how: str, key: Any) -> Any:
        value = self._reads.token(self._name, how, key)
        self._reads.seen[(self._name, how, key)] = value
        return value

    def __contains__(self, key: object) -> bool:
        return bool(self._note("in", key))

    def __getitem__(self, key: Any) -> Any:
        if self._note("get", key) is MISSING:
            raise KeyError(key)
        return self._mapping[key]

    def __iter__(self) -> Iterator:
        self._reads.whole = True
        return iter(self._mapping)

    def __len__(self) -> int:
        self._reads.whole = True
        return len(self._mapping)

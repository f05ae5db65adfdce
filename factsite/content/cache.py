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
import operator
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

CACHE_FORMAT = 1  # bump when what an entry holds changes
CheckKey = tuple  # ("what", shown path, digest of each file it is of, ...)
MISSING = ("missing",)  # the token of a key a mapping does not hold


class ContentCache:
    """Parsed files by digest, and check results by what they checked.

    The parsed files are packed end to end in one buffer, as they are in the file: one object to
    load, keep in the dev server's memory and free, not 20,000 (the memory it saves at the build's
    peak was within the noise of measuring it).
    """

    def __init__(self, key: str, blob: bytes = b"", index: dict[bytes, tuple[int, int]] | None = None,
                 checked: dict[CheckKey, Any] | None = None):
        self.key = key
        self._blob = blob  # the packed files as loaded
        self._index = index or {}  # digest -> (start, end) in _blob
        self._added = bytearray()  # files parsed by this build, packed the same way
        self._added_index: dict[bytes, tuple[int, int]] = {}
        # CheckKey -> what it found: ("parse", model, path, digest) -> (valid, problems) (validate.parse_record);
        # a check's key -> (reads, problems, warnings, result) (validate._remembered)
        self.checked = checked or {}
        self.changed = False  # something new to write
        self.reuse: Reuse | None = None  # in the dev server's memory: the last build's records and models

    def digests(self) -> set[bytes]:
        return set(self._index) | set(self._added_index)

    def parsed_file(self, digest: bytes | None) -> tuple | None:
        """The packed result of parsing the file of this digest (data, line, field, message), if kept."""
        if digest is None:
            return None
        if digest in self._added_index:
            start, end = self._added_index[digest]
            packed: Any = bytes(self._added[start:end])  # a copy: a view would stop the buffer growing
        elif digest in self._index:
            start, end = self._index[digest]
            packed = memoryview(self._blob)[start:end]
        else:
            return None
        try:
            found = marshal.loads(packed)
        except (ValueError, EOFError, TypeError):  # a damaged entry: the file is read instead
            return None
        return found if isinstance(found, tuple) and len(found) == 4 else None

    def store_parsed(self, digest: bytes, packed: bytes) -> None:
        start = len(self._added)
        self._added += packed
        self._added_index[digest] = (start, len(self._added))
        self.changed = True

    def prune(self, digests: set[bytes]) -> None:
        """Forget what is of files no longer there: the cache stays the size of the content."""
        before = len(self._index) + len(self._added_index) + len(self.checked)
        self._index = {digest: where for digest, where in self._index.items() if digest in digests}
        self._added_index = {digest: where for digest, where in self._added_index.items() if digest in digests}
        self.checked = {key: value for key, value in self.checked.items()
                        if all(part in digests for part in key if isinstance(part, bytes))}
        self.changed = self.changed or len(self._index) + len(self._added_index) + len(self.checked) < before

    def packed(self) -> tuple[dict[bytes, tuple[int, int]], bytes]:
        """Every kept file in one new buffer, and where each is in it: what is written, and kept."""
        parts, index, at = [], {}, 0
        for digest, (start, end) in self._index.items():
            parts.append(memoryview(self._blob)[start:end])
            index[digest], at = (at, at + end - start), at + end - start
        for digest, (start, end) in self._added_index.items():
            parts.append(memoryview(self._added)[start:end])
            index[digest], at = (at, at + end - start), at + end - start
        blob = b"".join(parts)
        del parts
        self._blob, self._index, self._added, self._added_index = blob, index, bytearray(), {}
        return index, blob


def cache_path(cache_dir: Path, content_dir: Path) -> Path:
    name = hashlib.sha256(os.path.abspath(content_dir).encode()).hexdigest()[:24]
    return cache_dir / "content" / f"{name}.marshal"


def load_cache(path: Path, key: str) -> ContentCache:
    """The cache of this build key, or an empty one: a missing, corrupt or foreign file is never trusted."""
    try:
        with open(path, "rb") as handle:
            fmt, stored_key, index, checked, blob = marshal.load(handle)
        if (fmt != CACHE_FORMAT or stored_key != key or not isinstance(index, dict) or not isinstance(checked, dict)
                or not isinstance(blob, bytes)
                or not all(0 <= start <= end <= len(blob) for start, end in index.values())):
            return ContentCache(key)
    except Exception:  # missing, truncated, garbage, another shape: a normal full load
        return ContentCache(key)
    return ContentCache(key, blob, index, checked)


def save_cache(path: Path, cache: ContentCache) -> None:
    """Whole or not at all: written beside, then renamed over the old one. A cache that cannot be
    written only costs the next build its shortcut."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    index, blob = cache.packed()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            marshal.dump((CACHE_FORMAT, cache.key, index, cache.checked, blob), handle)
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
        return still_true(stored, self.sources)


def still_true(stored: tuple, sources: Mapping[str, tuple[Mapping, Callable[[Any], Any]]]) -> bool:
    """Does every read of `stored` (Reads.frozen) give the same token from `sources` again? Reads.token,
    written out: a build replays some 100,000 reads at 10,000 bilingual statistics."""
    for name, how, key, value in stored:
        mapping, token = sources[name]
        if how == "in":
            if (key in mapping) != value:
                return False
        elif (token(mapping[key]) if key in mapping else MISSING) != value:
            return False
    return True


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


class Reuse:
    """Objects the last build made, handed back when this one makes them again of the same inputs:
    the dev server's memory only (a build of the command line starts with none, and keeps none).

    An object is reused when its key is the same and each of its inputs is the very object it was
    made of last time (`is`). Inputs and results are immutable (the content's models are frozen
    pydantic models; records are read, never changed), so an object made again of the same inputs
    would be equal to the one kept. What a build does not ask for again is forgotten: two
    generations, this build's and the last one's, and `next_build` turns this one into the last.
    """

    def __init__(self) -> None:
        self._last: dict[Any, tuple[tuple, Any]] = {}
        self._now: dict[Any, tuple[tuple, Any]] = {}

    def get(self, key: Any, inputs: tuple, make: Callable[[], T]) -> T:
        """The object of `key` made of `inputs`: last build's if it was made of these very objects, else
        `make()` (a None from it is not kept: nothing was made)."""
        result = self.last(key, inputs)
        if result is None:
            result = make()
        if result is not None:
            self.keep(key, inputs, result)
        return result

    def last(self, key: Any, inputs: tuple) -> Any:
        """What the last build kept of `key`, if it was made of these very `inputs`; else None (nothing is
        kept of it for the next build: `keep` what is made in its place)."""
        kept = self._last.get(key)
        if kept is not None and len(kept[0]) == len(inputs) and all(map(operator.is_, kept[0], inputs)):
            return kept[1]
        return None

    def keep(self, key: Any, inputs: tuple, result: Any) -> None:
        """`result`, made of `inputs`, for the next build to ask for."""
        self._now[key] = (inputs, result)

    def next_build(self, whole: bool) -> None:
        """What this build made becomes the last build's. A build that stopped early (`whole` false: a
        content error) asked for only some of it: the rest is kept, still of the inputs it was made of."""
        self._last = self._now if whole else {**self._last, **self._now}
        self._now = {}

"""The only module that reads content: YAML records with the line of every field."""

from __future__ import annotations

import difflib
import errno
import hashlib
import marshal
import multiprocessing
import os
import re
import signal
import stat
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import yaml

from .cache import ContentCache
from .errors import Problem, display_path
from .hints import yaml_hint
from .locales import DEFAULT_LANGUAGE  # the language of content/ itself
from .parallel import can_fork, usable_cores

try:  # libyaml is much faster and keeps the same line marks
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 50_000  # guards against alias bombs ("billion laughs")
MAX_DEPTH = 50  # no content field nests deeper than a few levels

# What content/ may hold; anything else is reported, so that a misspelt folder cannot drop content.
FOLDERS = ("sources", "stats", "sheets")
PAGES = ("methodology.md",)
TOP_LEVEL = ("site.yaml", "pages", *FOLDERS)
CONTENT_SUFFIXES = (".yaml", ".yml")  # the files of a folder of content that are read

FieldPath = tuple[str | int, ...]


@dataclass
class Record:
    """One YAML file's data, and its text: the line of a field is looked up only when a message needs it."""

    path: Path
    shown_path: str
    data: Any
    text: str | None = field(repr=False, default=None)  # None: read again when a line is asked for
    _lines: dict[FieldPath, int] | None = field(default=None, repr=False, compare=False)
    digest: bytes | None = field(default=None, repr=False, compare=False)  # SHA-256 of the bytes `data` is of
    changed: bool = field(default=False, repr=False, compare=False)  # read again for its lines, it was not `digest`

    @property
    def lines(self) -> dict[FieldPath, int]:
        """The line (1-based) where each field starts. Built on first use: a valid record never needs
        it, and keeping it for every record was a third of the memory of loading 10,000 of them."""
        if self._lines is None:
            self._lines = {}
            try:
                text = self.text if self.text is not None else self._read_again()
                _to_python(yaml.compose(text, Loader=Loader), (), self._lines, [MAX_NODES])
            except (OSError, _LoadError, yaml.YAMLError):  # changed since it was read: lines unknown
                self.changed = self.text is None
        return self._lines

    def _read_again(self) -> str:
        raw = read_bytes(self.path)
        if self.digest is not None and hashlib.sha256(raw).digest() != self.digest:
            raise _LoadError(None, "changed since it was read")  # its lines would not be those of `data`
        return _decode(raw)

    @property
    def stem(self) -> str:
        """The file's name without its suffix: the slug or id it must hold."""
        return self.path.stem

    def line_of(self, loc: FieldPath) -> int:
        """The line of the deepest known field along `loc` (a pydantic error location)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1


class PackedRecord(Record):
    """A record as the dev server keeps a translation's between builds: its data stays packed in the
    content cache, and is unpacked each time it is read. A build reads it only to check a file it has
    not checked before; an unchanged overlay's model is the one the last build made (validate.parse_record).
    Kept whole, the translations' records held 40 MB at 10,000 bilingual statistics; unpacked at
    each build, they cost 0.1 s."""

    def __init__(self, folder: Path, name: str, shown_path: str, digest: bytes, cache: ContentCache):
        self.shown_path, self.digest, self._folder, self._name = shown_path, digest, folder, name
        self.text, self._lines, self.changed = None, None, False
        self._cache = cache

    @property  # type: ignore[override]  # made when asked for: a Path each was half of what these records held
    def path(self) -> Path:
        return self._folder / self._name

    @property
    def stem(self) -> str:
        return os.path.splitext(self._name)[0]

    @property  # type: ignore[override]  # read-only: the data is the cache's, of `digest`
    def data(self) -> Any:
        found = self._cache.parsed_file(self.digest)
        if found is None:  # dropped from the cache since (it keeps the current files'): read again
            record = _parsed(self.path, self.shown_path)
            if record.digest != self.digest:
                raise _LoadError(None, "changed since it was read")
            return record.data
        return found[0]


@dataclass
class RawLanguage:
    """The overlays of one language listed in site.yaml: content/<lang>/ (overlay.py)."""

    folder: Path
    site: Record | None = None
    sources: list[Record] = field(default_factory=list)
    stats: list[Record] = field(default_factory=list)
    sheets: list[Record] = field(default_factory=list)
    methodology: str | None = None  # None: there is no pages/methodology.md
    unreadable: list[Path] = field(default_factory=list)  # overlays that could not be parsed: not "missing" too


@dataclass
class RawContent:
    site: Record | None
    sources: list[Record]
    stats: list[Record]
    sheets: list[Record]
    methodology: str
    problems: list[Problem]
    unreadable: list[Path] = field(default_factory=list)  # files that could not be parsed at all
    translations: dict[str, RawLanguage] = field(default_factory=dict)  # language -> its overlays


class _LoadError(Exception):
    def __init__(self, line: int | None, message: str, field: str = ""):
        self.line, self.message, self.field = line, message, field


def _field_name(loc: FieldPath) -> str:
    """`citations[0].source`, as validation messages name fields."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


_scalar_constructor = yaml.constructor.SafeConstructor()
_AS_WRITTEN = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"}
# The tags plain YAML resolves to on its own. Any other tag, written by the author, is refused on every
# node: on a list or a mapping it used to be dropped silently, and !!binary hides text from review.
_SCALAR_TAGS = _AS_WRITTEN | {f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null")}
_SEQ_TAG, _MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_PLAIN_TEXT_TAG = "tag:yaml.org,2002:value"  # what a bare `=` resolves to: it is just that text


def _refuse_tag(node: yaml.Node, loc: FieldPath) -> None:
    shown = node.tag.replace("tag:yaml.org,2002:", "!!")
    if node.tag == "tag:yaml.org,2002:merge":
        message = "merge keys (<<) are not supported: write the fields out in full"
    else:
        message = f"the tag {shown} is not allowed: content holds plain text, numbers, lists and fields; remove the tag"
    raise _LoadError(node.start_mark.line + 1, message, _field_name(loc))


def _to_python(node: yaml.Node, loc: FieldPath, lines: dict[FieldPath, int] | None, budget: list[int]) -> Any:
    """The node as Python data; with `lines`, also records the line where each field starts."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _LoadError(node.start_mark.line + 1, "the file is too deeply nested or uses too many aliases")
    if len(loc) > MAX_DEPTH:
        raise _LoadError(node.start_mark.line + 1, f"the file nests lists or fields too deeply (more than {MAX_DEPTH} levels)")
    if lines is not None:
        lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP_TAG:
            _refuse_tag(node, loc)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _LoadError(key_node.start_mark.line + 1, "a field name must be plain text")
            if key_node.tag not in _SCALAR_TAGS:
                _refuse_tag(key_node, loc)
            key = key_node.value
            if key in result:
                raise _LoadError(key_node.start_mark.line + 1, f"field {key!r} is given twice: keep one")
            if lines is not None:
                lines[loc + (key,)] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, loc + (key,), lines, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            _refuse_tag(node, loc)
        return [_to_python(item, loc + (i,), lines, budget) for i, item in enumerate(node.value)]
    if node.tag in _AS_WRITTEN or node.tag == _PLAIN_TEXT_TAG:
        return node.value  # text as is; dates stay as the author wrote them ("2021-06")
    if node.tag not in _SCALAR_TAGS:
        _refuse_tag(node, loc)
    try:
        return _scalar_constructor.construct_object(node, deep=True)
    except (ValueError, KeyError, IndexError, TypeError, OverflowError):  # an explicit tag can ask for any value: `!!bool maybe`, `!!float` of nothing
        line = node.start_mark.line + 1
        if len(node.value) > 4000:  # an integer of thousands of digits, which Python refuses to convert
            raise _LoadError(line, "this value cannot be read as a number: it is far too long") from None
        shown = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise _LoadError(line, f"this value cannot be read as {shown}: remove the tag", _field_name(loc)) from None


# Characters YAML does not allow in a file (C0 and C1 controls other than tab and line breaks,
# lone surrogates, U+FFFE/U+FFFF). Found here, the message can name the line: libyaml names only an
# offset into "<unicode string>".
_NOT_YAML_TEXT = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BLOCK_INDENT = re.compile(r"(?m)^[ \t?:-]*")


def _line_and_column(text: str, position: int) -> tuple[int, int]:
    return text.count("\n", 0, position) + 1, position - text.rfind("\n", 0, position)


def _check_characters(text: str) -> None:
    bad = _NOT_YAML_TEXT.search(text)
    if bad is None:
        return
    line, column = _line_and_column(text, bad.start())
    code = f"U+{ord(bad.group()):04X}"
    if bad.group() == "\0":
        raise _LoadError(line, f"the file contains a NUL character ({code}) at column {column}: if your editor saved "
                               "it as UTF-16, save it as UTF-8; otherwise delete the character")
    raise _LoadError(line, f"the file contains the control character {code} at column {column}, which YAML does not "
                           "allow: delete it (it is invisible in most editors: retype the text around it)")


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before libyaml composes the text: its composer recurses in C
    and crashes the process (SIGSEGV) at about 30,000 levels, which a 60 KB file reaches.

    A cheap bound first: every flow collection opens with [ or {, and a block collection needs its own
    indentation (a sequence under a key may share the key's), written as the spaces, dashes, ? and : at
    a line's start. Only a file whose bound is over the limit has its parser events counted; libyaml
    parses events with a stack of its own, and counting stops at the first level too many.
    """
    bound = text.count("[") + text.count("{") + 2 * (max(map(len, _BLOCK_INDENT.findall(text)), default=0) + 1)
    if bound <= MAX_DEPTH:
        return
    depth = 0
    try:
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _LoadError(event.start_mark.line + 1,
                                     f"the file nests lists or fields too deeply (more than {MAX_DEPTH} levels)")
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # not valid YAML: composing it reports where


def parse_yaml(text: str, path: Path, shown_path: str) -> Record:
    """Parse one YAML document, keeping line numbers; raises _LoadError with a line."""
    _check_characters(text)
    _check_depth(text)
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = str(error.problem or error)
        raise _LoadError(line, f"this is not valid YAML: {problem}{yaml_hint(problem)}") from None
    except yaml.reader.ReaderError as error:  # a character the check above let through: located all the same
        line, column = _line_and_column(text, error.position) if 0 <= error.position <= len(text) else (None, 0)
        raise _LoadError(line, f"the character at column {column} is not allowed in YAML: delete it") from None
    except yaml.YAMLError as error:
        raise _LoadError(None, f"this is not valid YAML: {error}") from None
    if node is None:
        raise _LoadError(None, "the file is empty: it needs the fields of its kind (see README)")
    try:
        data = _to_python(node, (), None, [MAX_NODES])
    except yaml.constructor.ConstructorError as error:
        raise _LoadError(error.problem_mark.line + 1 if error.problem_mark else None, str(error.problem)) from None
    except RecursionError:
        raise _LoadError(None, f"the file nests lists or fields too deeply (more than {MAX_DEPTH} levels)") from None
    if not isinstance(data, dict):
        raise _LoadError(1, "the file must hold fields (name: value), not a single value or a list")
    return Record(path, shown_path, data, text)


LINK_MESSAGE = ("this is a symbolic link: content is read only from files and folders inside content/, "
                "so replace the link with what it points to")


def _refuse_unless_regular(mode: int) -> None:
    if stat.S_ISLNK(mode):
        raise _LoadError(None, LINK_MESSAGE)
    if stat.S_ISDIR(mode):
        raise _LoadError(None, "this is a folder, not a content file: move it out of this folder")
    if not stat.S_ISREG(mode):
        raise _LoadError(None, "this is not a regular file (a device, pipe or socket): replace it with a plain text file")


def _too_big(size: int) -> _LoadError:
    return _LoadError(None, f"the file is {size:,} bytes; content files may be at most {MAX_FILE_BYTES:,}")


def read_bytes(path: Path) -> bytes:
    """A content file's bytes, only if it is a regular file (never a link, device or pipe) of at most
    MAX_FILE_BYTES: the size is checked before reading, and no more than one byte over it is read."""
    try:
        _refuse_unless_regular(os.lstat(path).st_mode)
        # O_NOFOLLOW: a link put in place after the lstat is refused too; O_NONBLOCK: opening a pipe never waits.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise _LoadError(None, "the file is missing (it was removed while the build read the folder)") from None
    except PermissionError:
        raise _LoadError(None, "this file cannot be read (permission denied): make it readable, "
                               "e.g. chmod a+r on it") from None
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise _LoadError(None, LINK_MESSAGE) from None
        raise _LoadError(None, f"this file cannot be read: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        _refuse_unless_regular(info.st_mode)
        if info.st_size > MAX_FILE_BYTES:
            raise _too_big(info.st_size)
        chunks, left = [], MAX_FILE_BYTES + 1
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise _LoadError(None, f"this file cannot be read: {error.strerror}") from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_FILE_BYTES:  # it grew after the size was checked
        raise _too_big(len(raw))
    return raw


def read_text(path: Path) -> str:
    """Read a content file as UTF-8; raises _LoadError naming the line of a bad byte."""
    return _decode(read_bytes(path))


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - raw.rfind(b"\n", 0, error.start)
        raise _LoadError(line, f"the character at column {column} is not UTF-8 text: save the file as UTF-8") from None


@dataclass(frozen=True)
class Cached:
    """Parsed files kept from earlier builds, and the SHA-256 of every content file now, by its path
    under content/ (what the dependency record just hashed): a file found in the cache by its digest
    is neither read nor parsed again."""

    cache: ContentCache
    digests: Mapping[str, bytes]


def load_record(path: Path, root: Path, problems: list[Problem], cached: Cached | None = None) -> Record | None:
    loaded = _load_files(path.parent, [path.name], root, cached)[0]
    if isinstance(loaded, Problem):
        problems.append(loaded)
        return None
    return loaded


PARALLEL_FROM = 1000  # files in a folder: below this, starting worker processes costs more than it saves
CHUNK = 128  # files a worker parses per task
FILE_TIMEOUT = 60.0  # seconds a worker may spend on one file: libyaml parses the largest allowed file in well under one

# Which file each worker is on: (pid, start time) per file, in memory shared with the forked workers,
# so that when a worker crashes or hangs the parent can name the file it was reading.
_worker_pid: Any = None
_started: Any = None  # 0: not started; -1: done; else time.monotonic() when it started
_Packed = tuple[Any, int | None, str, str]  # data, or None and the problem's line, field and message
_Parsed = tuple[bytes | None, bytes]  # the digest of the bytes parsed (None: a problem), and the marshalled _Packed


def _parse_in_worker(path: Path) -> _Parsed:
    """One file's data, or its problem, packed with marshal: plain YAML data unpacks several times
    faster than a pickle of it, and the parent unpacks every file. With the SHA-256 of the bytes read,
    which the cache keeps the data under; None with a problem (only parsed data is cached)."""
    try:
        record = _parsed(path, "")
    except _LoadError as error:
        return None, marshal.dumps((None, error.line, error.field, error.message))
    return record.digest, marshal.dumps((record.data, None, "", ""))


def _parse_chunk(chunk: list[tuple[int, Path]]) -> list[_Parsed]:
    packed = []
    for index, path in chunk:
        _worker_pid[index], _started[index] = os.getpid(), time.monotonic()
        packed.append(_parse_in_worker(path))
        _started[index] = -1.0
    return packed


def _kill_hung(indexes: list[int]) -> list[int]:
    """Kill the worker of every file that has taken longer than FILE_TIMEOUT; the pool then breaks."""
    now, hung = time.monotonic(), []
    for index in indexes:
        if _started[index] > 0 and now - _started[index] > FILE_TIMEOUT:
            hung.append(index)
            try:
                os.kill(_worker_pid[index], signal.SIGKILL)
            except ProcessLookupError:
                pass
    return hung


def _run_pool(indexes: list[int], paths: list[Path], workers: int, results: dict[int, _Parsed]) -> list[int]:
    """Parse `indexes` on `workers` forked processes into `results`. Returns the files that were being
    read when a worker crashed or was killed as hung (an empty list: the pool did not break)."""
    hung: list[int] = []
    for index in indexes:  # marks left by an earlier, broken pool
        _started[index] = 0.0
    chunks = [indexes[i:i + CHUNK] for i in range(0, len(indexes), CHUNK)]
    try:
        # ProcessPoolExecutor, not multiprocessing.Pool: a worker that dies (a crash in C code, the OOM
        # killer) breaks the pool with BrokenProcessPool, where Pool replaced it and waited forever.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(_parse_chunk, [(i, paths[i]) for i in chunk]): chunk for chunk in chunks}
            waiting = set(futures)
            while waiting:
                done, waiting = wait(waiting, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    for index, item in zip(futures[future], future.result()):
                        results[index] = item
                if not done:  # a second without progress: is a worker stuck on one file?
                    hung += _kill_hung([i for chunk in (futures[f] for f in waiting) for i in chunk])
    except BrokenProcessPool:
        suspects = [i for i in indexes if i not in results and _started[i] > 0]
        return sorted(set(suspects) | set(hung)) or [i for i in indexes if i not in results]
    return []


def _parse_in_workers(paths: list[Path], workers: int) -> list[_Parsed]:
    """Every file parsed on `workers` forked processes. A file that crashes its worker or hangs it
    becomes a located problem; the others are parsed again on a fresh pool."""
    global _worker_pid, _started
    context = multiprocessing.get_context("fork")
    _worker_pid, _started = context.Array("i", len(paths), lock=False), context.Array("d", len(paths), lock=False)
    results: dict[int, _Parsed] = {}
    pending = list(range(len(paths)))
    while pending:
        suspects = _run_pool(pending, paths, workers, results)
        for index in suspects:  # each alone: only the file that breaks a pool of its own is to blame
            if _run_pool([index], paths, 1, results):
                took_long = _started[index] > 0 and time.monotonic() - _started[index] > FILE_TIMEOUT
                what = (f"reading this file took more than {FILE_TIMEOUT:.0f} s and was stopped" if took_long
                        else "reading this file crashed the process that parsed it")
                results[index] = (None, marshal.dumps((None, None, "", f"{what}: check it for very long or deeply "
                                                                        "nested lines, and simplify them")))
        pending = [i for i in pending if i not in results]
    return [results[i] for i in range(len(paths))]


def _load_files(folder: Path, names: list[str], root: Path, cached: Cached | None = None,
                keep: bool = True) -> list[Record | Problem]:
    """The record of each file of `folder` named, or the problem that stopped it being read, in order.
    With `cached`, a file whose digest the cache holds is taken from it; only the others are read.
    Parsing YAML is most of reading the content, so many files are parsed on every core; those
    records leave their text behind and read it again if a message needs a line number. With the dev
    server's `cached.cache.reuse` and `keep`, the records themselves are kept for its next build: the
    English ones, which the content refers to while the site is built anyway (not a translation's,
    read only to check its overlay: 40 MB at 10,000 bilingual statistics, otherwise freed once checked)."""
    if not names:
        return []
    first = folder / names[0]
    # Siblings' names as messages show them, and under content/, differ only in their last part: made
    # from the first one's, where a Path for each would be most of the time of reading a cached folder.
    shown_in = display_path(first, root)[:-len(names[0])]
    shown = [shown_in + name for name in names]
    if cached is None:
        return [loaded for loaded, _ in _read_files([folder / name for name in names], shown)]
    try:
        under = first.relative_to(root).as_posix()[:-len(names[0])]
    except ValueError:
        under = None  # not inside content/: nothing of it was hashed
    results: dict[int, Record | Problem] = {}
    reuse = cached.cache.reuse
    # The dev server keeps the English records whole; a translation's without its data (PackedRecord).
    unpack = _cached_file if keep else _packed_file
    for index, name in enumerate(names):
        digest = cached.digests.get(under + name) if under is not None else None
        if digest is None:
            continue
        if reuse is not None:  # the dev server's: the record itself, made by an earlier build (its Path and all)
            kept = reuse.get(("file", shown[index], digest), (), partial(unpack, cached.cache, folder, name, shown[index], digest))
            if isinstance(kept, Record) and kept.changed:  # its lines were lost to an edit: made afresh
                kept = unpack(cached.cache, folder, name, shown[index], digest)
        else:
            kept = _cached_file(cached.cache, folder, name, shown[index], digest)
        if kept is not None:
            results[index] = kept
    missed = [i for i in range(len(names)) if i not in results]
    for index, (loaded, packed) in zip(missed, _read_files([folder / names[i] for i in missed], [shown[i] for i in missed])):
        if isinstance(loaded, Record):  # read and parsed: it has its digest
            cached.cache.store_parsed(loaded.digest, packed or marshal.dumps((loaded.data, None, "", "")))
            if reuse is not None:
                reuse.keep(("file", shown[index], loaded.digest), (),
                           loaded if keep else PackedRecord(folder, names[index], loaded.shown_path, loaded.digest, cached.cache))
        results[index] = loaded
    return [results[i] for i in range(len(names))]


def _cached_file(cache: ContentCache, folder: Path, name: str, shown: str, digest: bytes) -> Record | Problem | None:
    """The file of this digest as an earlier build parsed it, if the cache holds it."""
    found = cache.parsed_file(digest)
    return _unpacked(folder / name, shown, digest, found) if found is not None else None


def _packed_file(cache: ContentCache, folder: Path, name: str, shown: str, digest: bytes) -> Record | Problem | None:
    """As _cached_file, but a record is a PackedRecord: its data left in the cache."""
    found = cache.parsed_file(digest)
    if found is None or found[0] is None:
        return _unpacked(folder / name, shown, digest, found) if found is not None else None
    return PackedRecord(folder, name, shown, digest, cache)


def _read_files(paths: list[Path], shown: list[str]) -> list[tuple[Record | Problem, bytes | None]]:
    """Each file read and parsed, with its data as the workers packed it (None: parsed here)."""
    workers = usable_cores()
    if len(paths) < PARALLEL_FROM or not can_fork(workers):
        return [(_load_one(path, name), None) for path, name in zip(paths, shown)]
    return [(_unpacked(path, name, digest, marshal.loads(packed)), packed)
            for path, name, (digest, packed) in zip(paths, shown, _parse_in_workers(paths, workers))]


def _unpacked(path: Path, shown: str, digest: bytes | None, found: _Packed) -> Record | Problem:
    data, line, field_name, message = found
    return Record(path, shown, data, digest=digest) if data is not None else Problem(shown, line, field_name, message)


def _load_one(path: Path, shown: str) -> Record | Problem:
    try:
        return _parsed(path, shown)
    except _LoadError as error:
        return Problem(shown, error.line, error.field, error.message)


def _parsed(path: Path, shown: str) -> Record:
    """One file read, decoded and parsed, with the SHA-256 of its bytes; raises _LoadError."""
    raw = read_bytes(path)
    record = parse_yaml(_decode(raw), path, shown)
    record.digest = hashlib.sha256(raw).digest()
    return record


def _problem(path: Path, root: Path, message: str) -> Problem:
    return Problem(display_path(path, root), None, "", message)


def _scan(folder: Path, root: Path, problems: list[Problem]) -> list[os.DirEntry]:
    """The entries of a folder of content, hidden ones (.DS_Store, .git) left out, by name."""
    try:
        with os.scandir(folder) as entries:
            return sorted((entry for entry in entries if not entry.name.startswith(".")), key=lambda e: e.name)
    except PermissionError:
        problems.append(_problem(folder, root, "this folder cannot be read (permission denied): make it readable, e.g. chmod a+rx on it"))
    except OSError as error:
        problems.append(_problem(folder, root, f"this folder cannot be read: {error.strerror}"))
    return []


def _is_real_folder(entry: os.DirEntry | None, root: Path, problems: list[Problem]) -> bool:
    """A folder of content must be a folder itself: a link could lead anywhere on the machine."""
    if entry is None:
        return False
    if entry.is_symlink():
        problems.append(_problem(Path(entry.path), root, LINK_MESSAGE))
    elif not entry.is_dir(follow_symlinks=False):
        problems.append(_problem(Path(entry.path), root, "this must be a folder (of .yaml files), not a file"))
    else:
        return True
    return False


def _load_folder(entry: os.DirEntry | None, root: Path, problems: list[Problem], unreadable: list[Path],
                 cached: Cached | None = None, keep: bool = True) -> list[Record]:
    if not _is_real_folder(entry, root, problems):
        return []
    folder = Path(entry.path)
    entries = _scan(folder, root, problems)
    content_files = [e.name for e in entries if e.is_file(follow_symlinks=False) and e.name.endswith(CONTENT_SUFFIXES)]
    loaded = dict(zip(content_files, _load_files(folder, content_files, root, cached, keep)))
    records = []
    for item in entries:  # problems in the order of the files
        if item.name in loaded and isinstance(loaded[item.name], Record):  # the usual case first: no Path made
            records.append(loaded[item.name])
            continue
        path = Path(item.path)
        if item.is_symlink():
            problems.append(_problem(path, root, LINK_MESSAGE))
            unreadable.append(path)
        elif item.is_dir(follow_symlinks=False):
            problems.append(_problem(path, root, "this is a folder, not a content file: move it out of this folder"))
            unreadable.append(path)
        elif not item.is_file(follow_symlinks=False):
            problems.append(_problem(path, root, "this is not a regular file (a device, pipe or socket): "
                                                 "replace it with a plain text file"))
            unreadable.append(path)
        elif item.name not in loaded:
            problems.append(_problem(path, root, "only .yaml files belong in this folder"))
        else:
            problems.append(loaded[item.name])
            unreadable.append(path)
    return records


def _unknown_entry(entry: os.DirEntry, root: Path) -> Problem:
    folder = entry.is_dir(follow_symlinks=False)
    kind = "folder" if folder else "file"
    # "statistics" for stats/, "site.yml" for site.yaml; but not "notes.yaml" for site.yaml
    close = difflib.get_close_matches(entry.name, ("pages", *FOLDERS) if folder else ("site.yaml",), n=1,
                                      cutoff=0.6 if folder else 0.8)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return _problem(Path(entry.path), root, f"the build reads no {kind} of this name, so nothing in it would be published: "
                                            f"{hint}content/ holds site.yaml, pages/methodology.md and the folders "
                                            "sources/, stats/ and sheets/")


def _load_methodology(pages: os.DirEntry | None, root: Path, problems: list[Problem], missing: str | None = "") -> str | None:
    if not _is_real_folder(pages, root, problems):
        return missing
    text = missing
    for entry in _scan(Path(pages.path), root, problems):
        path = Path(entry.path)
        if entry.name not in PAGES:
            problems.append(_problem(path, root, "only methodology.md belongs in this folder: the build reads no other page"))
            continue
        try:
            text = read_text(path)
        except _LoadError as error:
            problems.append(Problem(display_path(path, root), error.line, "", error.message))
    return text


LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")  # as overlay.LANGUAGE_PATTERN: a folder named like a language code


def _languages(site: Record | None) -> list[str]:
    """The languages site.yaml lists (validation checks the field itself); English only if it lists none."""
    listed = site.data.get("languages") if site is not None else None
    if not isinstance(listed, list) or not all(isinstance(code, str) for code in listed):
        return [DEFAULT_LANGUAGE]
    return listed


def _load_language(entry: os.DirEntry, root: Path, problems: list[Problem], cached: Cached | None) -> RawLanguage:
    """content/<lang>/: the same layout as content/, each file holding only translated text."""
    language = RawLanguage(Path(entry.path))
    top: dict[str, os.DirEntry] = {}
    for item in _scan(language.folder, root, problems):
        if item.name in TOP_LEVEL:
            top[item.name] = item
        else:
            problems.append(_problem(Path(item.path), root, "a translation folder holds what content/ does (site.yaml, "
                                                            "pages/methodology.md, sources/, stats/, sheets/), only "
                                                            "translated: the build reads nothing of this name"))
    if "site.yaml" in top:
        language.site = load_record(language.folder / "site.yaml", root, problems, cached)
        if language.site is None:
            language.unreadable.append(language.folder / "site.yaml")
    language.methodology = _load_methodology(top.get("pages"), root, problems, missing=None)
    for name in FOLDERS:
        setattr(language, name, _load_folder(top.get(name), root, problems, language.unreadable, cached, keep=False))
    return language


def load_content(root: Path, cached: Cached | None = None) -> RawContent:
    """Read every content file under `root`; problems are collected, never raised. Only regular files
    and folders inside `root` are read (never a link); anything the build would not read is reported.
    With `cached`, a file the cache holds by its digest now is taken from it, unread."""
    problems: list[Problem] = []
    top: dict[str, os.DirEntry] = {}
    language_folders: list[os.DirEntry] = []
    entries = _scan(root, root, problems) if root.is_dir() else []
    for entry in entries:
        if entry.name in TOP_LEVEL:
            top[entry.name] = entry
        elif LANGUAGE_RE.fullmatch(entry.name) and entry.is_symlink():
            problems.append(_problem(Path(entry.path), root, LINK_MESSAGE))
        elif LANGUAGE_RE.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
            language_folders.append(entry)
        else:
            problems.append(_unknown_entry(entry, root))
    site_path = root / "site.yaml"
    site = load_record(site_path, root, problems, cached) if "site.yaml" in top else None
    if "site.yaml" not in top:
        problems.append(Problem(display_path(site_path, root), None, "", "the site file is missing"))
    methodology = _load_methodology(top.get("pages"), root, problems) or ""
    unreadable: list[Path] = []
    languages = _languages(site)
    translations: dict[str, RawLanguage] = {}
    for entry in language_folders:
        if entry.name == DEFAULT_LANGUAGE:
            problems.append(_problem(Path(entry.path), root, "the English content is content/ itself: move these "
                                                             "files up into content/, or remove the folder"))
        elif entry.name not in languages:
            problems.append(_problem(Path(entry.path), root, f"a translation into {entry.name!r}, which site.yaml's "
                                                             f"languages ({', '.join(languages)}) does not list, so "
                                                             f"nothing in it would be published: add {entry.name!r} "
                                                             "to languages (every file must then be translated), "
                                                             "or move the folder out of content/"))
        else:
            translations[entry.name] = _load_language(entry, root, problems, cached)
    for code in languages:  # listed but never started: every file is missing, and validate says which
        if code != DEFAULT_LANGUAGE and code not in translations:
            translations[code] = RawLanguage(root / code)
    return RawContent(
        site=site,
        sources=_load_folder(top.get("sources"), root, problems, unreadable, cached),
        stats=_load_folder(top.get("stats"), root, problems, unreadable, cached),
        sheets=_load_folder(top.get("sheets"), root, problems, unreadable, cached),
        methodology=methodology,
        problems=problems,
        unreadable=unreadable,
        translations=translations,
    )

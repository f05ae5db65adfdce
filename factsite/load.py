"""The only module that reads content: YAML records with the line of every field."""

from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, display_path
from .hints import yaml_hint
from .parallel import can_fork, fork_pool, usable_cores

try:  # libyaml is much faster and keeps the same line marks
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 50_000  # guards against alias bombs ("billion laughs")
MAX_DEPTH = 50  # no content field nests deeper than a few levels

FieldPath = tuple[str | int, ...]


@dataclass
class Record:
    """One YAML file's data, and its text: the line of a field is looked up only when a message needs it."""

    path: Path
    shown_path: str
    data: Any
    text: str | None = field(repr=False, default=None)  # None: read again when a line is asked for
    _lines: dict[FieldPath, int] | None = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> dict[FieldPath, int]:
        """The line (1-based) where each field starts. Built on first use: a valid record never needs
        it, and keeping it for every record was a third of the memory of loading 10,000 of them."""
        if self._lines is None:
            self._lines = {}
            try:
                text = self.text if self.text is not None else read_text(self.path)
                _to_python(yaml.compose(text, Loader=Loader), (), self._lines, [MAX_NODES])
            except (OSError, _LoadError, yaml.YAMLError):  # changed since it was read: lines unknown
                pass
        return self._lines

    def line_of(self, loc: FieldPath) -> int:
        """The line of the deepest known field along `loc` (a pydantic error location)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1


@dataclass
class RawContent:
    site: Record | None
    sources: list[Record]
    stats: list[Record]
    sheets: list[Record]
    methodology: str
    problems: list[Problem]
    unreadable: list[Path] = field(default_factory=list)  # files that could not be parsed at all


class _LoadError(Exception):
    def __init__(self, line: int | None, message: str):
        self.line, self.message = line, message


_scalar_constructor = yaml.constructor.SafeConstructor()
_AS_WRITTEN = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"}


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
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _LoadError(key_node.start_mark.line + 1, "a field name must be plain text")
            key = key_node.value
            if key in result:
                raise _LoadError(key_node.start_mark.line + 1, f"field {key!r} is given twice: keep one")
            if lines is not None:
                lines[loc + (key,)] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, loc + (key,), lines, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, loc + (i,), lines, budget) for i, item in enumerate(node.value)]
    if node.tag in _AS_WRITTEN:
        return node.value  # text as is; dates stay as the author wrote them ("2021-06")
    try:
        return _scalar_constructor.construct_object(node, deep=True)
    except ValueError:  # e.g. an integer of thousands of digits, which Python refuses to convert
        raise _LoadError(node.start_mark.line + 1, "this value cannot be read as a number: it is far too long") from None


def parse_yaml(text: str, path: Path, shown_path: str) -> Record:
    """Parse one YAML document, keeping line numbers; raises _LoadError with a line."""
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = str(error.problem or error)
        raise _LoadError(line, f"this is not valid YAML: {problem}{yaml_hint(problem)}") from None
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


def read_text(path: Path) -> str:
    """Read a content file as UTF-8; raises _LoadError naming the line of a bad byte."""
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise _LoadError(None, f"the file is {len(raw):,} bytes; content files may be at most {MAX_FILE_BYTES:,}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - raw.rfind(b"\n", 0, error.start)
        raise _LoadError(line, f"the character at column {column} is not UTF-8 text: save the file as UTF-8") from None


def load_record(path: Path, root: Path, problems: list[Problem]) -> Record | None:
    loaded = _load_one(path, root)
    if isinstance(loaded, Problem):
        problems.append(loaded)
        return None
    return loaded


PARALLEL_FROM = 1000  # files in a folder: below this, starting worker processes costs more than it saves


def _parse_in_worker(path: Path) -> bytes:
    """One file's data, or its problem, packed with marshal: plain YAML data unpacks several times
    faster than a pickle of it, and the parent unpacks every file."""
    try:
        return marshal.dumps((parse_yaml(read_text(path), path, "").data, None, ""))
    except _LoadError as error:
        return marshal.dumps((None, error.line, error.message))


def _load_files(paths: list[Path], root: Path) -> list[Record | Problem]:
    """Each file's record, or the problem that stopped it being read, in order. Parsing YAML is most
    of reading the content, so a large folder is parsed on every core; those records leave their
    text behind and read it again if a message needs a line number."""
    workers = usable_cores()
    if len(paths) < PARALLEL_FROM or not can_fork(workers):
        return [_load_one(path, root) for path in paths]
    with fork_pool(workers) as pool:
        packed = pool.map(_parse_in_worker, paths, chunksize=128)
    results: list[Record | Problem] = []
    for path, item in zip(paths, packed):
        data, line, message = marshal.loads(item)
        shown = display_path(path, root)
        results.append(Record(path, shown, data) if data is not None else Problem(shown, line, "", message))
    return results


def _load_one(path: Path, root: Path) -> Record | Problem:
    shown = display_path(path, root)
    try:
        return parse_yaml(read_text(path), path, shown)
    except _LoadError as error:
        return Problem(shown, error.line, "", error.message)


def _load_folder(folder: Path, root: Path, problems: list[Problem], unreadable: list[Path]) -> list[Record]:
    if not folder.is_dir():
        return []
    entries = [path for path in sorted(folder.iterdir()) if not path.name.startswith(".")]
    content_files = [path for path in entries if path.is_file() and path.suffix in (".yaml", ".yml")]
    loaded = dict(zip(content_files, _load_files(content_files, root)))
    records = []
    for path in entries:  # problems in the order of the files
        if not path.is_file():
            problems.append(Problem(display_path(path, root), None, "", "this is a folder, not a content file: move it out of this folder"))
            unreadable.append(path)
        elif path not in loaded:
            problems.append(Problem(display_path(path, root), None, "", "only .yaml files belong in this folder"))
        elif isinstance(loaded[path], Record):
            records.append(loaded[path])
        else:
            problems.append(loaded[path])
            unreadable.append(path)
    return records


def load_content(root: Path) -> RawContent:
    """Read every content file under `root`; problems are collected, never raised."""
    problems: list[Problem] = []
    site_path = root / "site.yaml"
    site = load_record(site_path, root, problems) if site_path.is_file() else None
    if site is None and not site_path.is_file():
        problems.append(Problem(display_path(site_path, root), None, "", "the site file is missing"))
    methodology_path = root / "pages" / "methodology.md"
    methodology = ""
    if methodology_path.is_file():
        try:
            methodology = read_text(methodology_path)
        except _LoadError as error:
            problems.append(Problem(display_path(methodology_path, root), error.line, "", error.message))
    unreadable: list[Path] = []
    return RawContent(
        site=site,
        sources=_load_folder(root / "sources", root, problems, unreadable),
        stats=_load_folder(root / "stats", root, problems, unreadable),
        sheets=_load_folder(root / "sheets", root, problems, unreadable),
        methodology=methodology,
        problems=problems,
        unreadable=unreadable,
    )

"""Fuzzing the loader and the validator (Hypothesis): whatever a content file holds, the build ends with
located messages, never a traceback.

Generated YAML documents (the fixture's records with fields replaced, removed or added, dumped in
block and flow style), YAML text made of syntax pieces (tags, anchors, aliases, merge keys, block
scalars, deep brackets, control characters), and raw bytes, each written over one file of a copy of
the fixture content and read by the real `load_content` and `validate`. Every problem must read
`content/<path>[:line]: ...`, and content that is refused must say why.

The normal run tries several thousand examples in a few seconds; `pytest -m nightly` runs the same
properties on many more.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from factsite.content.load import load_content
from factsite.content.validate import validate

from .conftest import GOOD

CI_EXAMPLES = 1000  # per property; four properties
NIGHTLY_EXAMPLES = 25_000

TARGETS = ["stats/cases-rise.yaml", "sources/paper.yaml", "sheets/main-sheet.yaml", "site.yaml", "pages/methodology.md"]
LOCATED = re.compile(r"content/[^\s:]+(:[1-9]\d*)?: (warning: )?\S")
LEAKS = ("<unicode string>", "Traceback", "object at 0x", "position ")


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    content = tmp_path_factory.mktemp("fuzz") / "content"
    shutil.copytree(GOOD, content)
    return content


def check_file(tree: Path, target: str, data: bytes) -> None:
    """Write `data` over `target`, load and validate: only located problems, and a reason for refusal."""
    path = tree / target
    original = (GOOD / target).read_bytes()
    path.write_bytes(data)
    try:
        content, problems = validate(load_content(tree))
    finally:
        path.write_bytes(original)
    for problem in problems:
        text = str(problem)
        assert LOCATED.match(text), text
        assert not any(leak in text for leak in LEAKS), text
    if content is None:
        assert any(p.severity == "error" for p in problems), problems


def _records() -> dict[str, object]:
    return {target: yaml.safe_load((GOOD / target).read_text(encoding="utf-8")) for target in TARGETS if target.endswith(".yaml")}


def _keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [name for key, item in value.items() for name in [key, *_keys(item)]]
    if isinstance(value, list):
        return [name for item in value for name in _keys(item)]
    return []


RECORDS = _records()
FIELD_NAMES = sorted({name for record in RECORDS.values() for name in _keys(record)})

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(FIELD_NAMES),
    st.sampled_from(["{figure}", "{figure:cases-2020}", "{figure:nope}", "2020-02-30", "2021-13", "https://example.org/",
                     "javascript:alert(1)", "report", "paper", "main-sheet", "cases-2020", "percent", "count", "derived",
                     "disputed", "11", "11%", "1e309", "-0", "../x", "\u202e", "\x00"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8)), inner, max_size=4)),
    max_leaves=12)


@st.composite
def mutated_documents(draw) -> tuple[str, bytes]:
    """A fixture record with a few fields (at any depth) replaced, removed or added, as YAML."""
    target = draw(st.sampled_from(sorted(RECORDS)))
    record = yaml.safe_load(yaml.safe_dump(RECORDS[target]))
    for _ in range(draw(st.integers(1, 4))):
        node = record
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node, key=str) if isinstance(node, dict) else list(range(len(node)))))
            if not isinstance(node[key], (dict, list)):
                break
            node = node[key]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if isinstance(node, dict) and node and action != "add":
            key = draw(st.sampled_from(sorted(node)))
            if action == "remove":
                del node[key]
            else:
                node[key] = draw(VALUES)
        elif isinstance(node, dict):
            node[draw(st.sampled_from(FIELD_NAMES))] = draw(VALUES)
        elif isinstance(node, list):
            node.append(draw(VALUES)) if action == "add" or not node else node.__setitem__(draw(st.integers(0, len(node) - 1)), draw(VALUES))
    text = yaml.safe_dump(record, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.sampled_from([False, None, True])),
                          sort_keys=False)
    return target, text.encode("utf-8")


PIECES = ["- ", ": ", "\n", "  ", "    ", "[", "]", "{", "}", ", ", "'", '"', "#", "? ", "|\n", ">-\n", "&a ", "*a", "*b",
          "<<: ", "<<: *a\n", "!!binary ", "!!set ", "!!python/object/apply:os.system ", "!!str ", "!!int ", "!!float ",
          "!!bool ", "!!null ", "!!timestamp ", "!!map ", "!!seq ", "!local ", "!<tag:x> ", "---\n", "...\n", "%YAML 1.1\n",
          "%TAG ! tag:x,2000:\n", "\t", "\x07", "\x00", "\x85", "\u2028", "\ufeff", "\ud7ff", "\uffff", "=", "~", "null",
          "yes", "on", ".nan", ".inf", "-.inf", "1e309", "0x1F", "0o17", "1_000", "9" * 40, "2020-02-30", "2021-06",
          "slug", "figure", "value", "citations", "source", "quote", "caveats", "related", "sheets", "chart", "points",
          "\\x", "\\u12", "@", "`", "%", "café", "[" * 60, "]" * 60, "- " * 30]
YAML_TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=40).map("".join)


@st.composite
def yaml_texts(draw) -> tuple[str, bytes]:
    """YAML syntax pieces on their own, or spliced into a fixture file at any point."""
    target = draw(st.sampled_from(TARGETS))
    original = (GOOD / target).read_text(encoding="utf-8")
    piece = draw(YAML_TEXT)
    if draw(st.booleans()):
        return target, piece.encode("utf-8", "surrogatepass")
    at = draw(st.integers(0, len(original)))
    return target, (original[:at] + piece + original[at:]).encode("utf-8", "surrogatepass")


@st.composite
def byte_strings(draw) -> tuple[str, bytes]:
    """Any bytes: on their own, or a fixture file with bytes inserted, overwritten or cut off."""
    target = draw(st.sampled_from(TARGETS))
    original = (GOOD / target).read_bytes()
    noise = draw(st.binary(max_size=64))
    kind = draw(st.sampled_from(["alone", "insert", "overwrite", "truncate", "utf16"]))
    at = draw(st.integers(0, len(original)))
    if kind == "alone":
        return target, noise
    if kind == "insert":
        return target, original[:at] + noise + original[at:]
    if kind == "overwrite":
        return target, original[:at] + noise + original[at + len(noise):]
    if kind == "truncate":
        return target, original[:at]
    return target, original.decode("utf-8").encode(draw(st.sampled_from(["utf-16-le", "utf-16-be", "utf-16", "utf-32", "latin-1"])))


KNOWN = [  # inputs that once crashed, hung or slipped through the loader: always tried first
    ("stats/cases-rise.yaml", b"deepx: " + b"[" * 30000 + b"]" * 30000),
    ("stats/cases-rise.yaml", b"a:\n" + b"- " * 30000 + b"x\n"),
    ("stats/cases-rise.yaml", b"slug: x\ncaveats: !!python/object/apply:os.system [ls]\n"),
    ("stats/cases-rise.yaml", b"slug: cases-rise\nshort_title: \"a\x07b\"\n"),
    ("stats/cases-rise.yaml", "slug: cases-rise\n".encode("utf-16-le")),
    ("site.yaml", b"a: !!bool maybe\n"),
    ("stats/cases-rise.yaml", b"!!float "),  # found by this fuzz: IndexError in PyYAML's constructor
    ("stats/cases-rise.yaml", b"slug: !!int\n"),
    ("sheets/main-sheet.yaml", b"x: &a [*a]\n"),
]


def _property(strategy, examples: int, nightly: bool = False, known: bool = False):
    """One property, tried on `examples` generated files (and the known cases first)."""
    def run(tree: Path, case: tuple[str, bytes]) -> None:
        check_file(tree, *case)

    test = given(case=strategy)(run)
    for case in KNOWN if known else []:
        test = example(case=case)(test)
    test = settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])(test)
    return pytest.mark.nightly(test) if nightly else test


test_generated_documents_give_located_messages = _property(mutated_documents(), CI_EXAMPLES)
test_yaml_syntax_gives_located_messages = _property(yaml_texts(), CI_EXAMPLES)
test_any_bytes_give_located_messages = _property(byte_strings(), CI_EXAMPLES)
test_random_bytes_alone_give_located_messages = _property(st.tuples(st.sampled_from(TARGETS), st.binary(max_size=200)),
                                                          CI_EXAMPLES, known=True)

test_generated_documents_nightly = _property(mutated_documents(), NIGHTLY_EXAMPLES, nightly=True)
test_yaml_syntax_nightly = _property(yaml_texts(), NIGHTLY_EXAMPLES, nightly=True)
test_any_bytes_nightly = _property(byte_strings(), NIGHTLY_EXAMPLES, nightly=True, known=True)

"""How to fix it: the second half of every problem message an author reads.

Messages name what is wrong; these helpers add the fix: the field's own description (from the
models' field docstrings), the closest known name for a misspelling, and what to write instead of a
value of the wrong type. `unfilled` finds the values a `build.py new` skeleton left as "TODO ...".
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

Loc = tuple[str | int, ...]

# How an unfilled value starts in the skeletons that `build.py new` writes; `check` refuses it until
# replaced. (Not the {figure} placeholder of a sentence: validate.PLACEHOLDER_RE.)
UNFILLED_PREFIX = "TODO"

_TYPE_HINTS = {
    "float_parsing": "write a plain number such as 1499 or 21.4, without quotes, commas or a % sign",
    "float_type": "write a plain number such as 1499 or 21.4, without quotes, commas or a % sign",
    "finite_number": "write a plain number such as 1499 or 21.4 (YAML reads .inf and .nan as numbers, but no figure is)",
    "int_parsing": "write a whole number such as 0 or 2",
    "int_type": "write a whole number such as 0 or 2",
    "int_from_float": "write a whole number such as 0 or 2",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": 'put the value in quotes, e.g. "2020"',
    "list_type": "write a list: [first, second] on one line, or one '- item' per line below it",
    "dict_type": "write its fields indented below it, one 'name: value' a line",
    "model_type": "write its fields indented below it, one 'name: value' a line",
    "model_attributes_type": "write its fields indented below it, one 'name: value' a line",
}


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside `Chart | None`, `list[Citation]` and the like; None for plain values."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, dict, tuple):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model that holds the fields at `loc` (list indexes skipped); None below a plain value."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return None
        current = _inner_model(current.model_fields[part].annotation)
    return current


def describe(model: type[BaseModel], loc: Loc) -> str:
    """The description of the field at `loc`, or ''."""
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return ""
    owner = model_at(model, tuple(loc[: max(i for i, part in enumerate(loc) if isinstance(part, str))]))
    field = owner.model_fields.get(names[-1]) if owner else None
    return (field.description or "") if field else ""


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name `name` is most likely a misspelling of, if any."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return close[0] if close else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    guess = closest(name, known)
    return f" (did you mean {guess!r}?)" if guess else ""


def _aside(description: str) -> str:
    """' (a short label, e.g. ...)': a field's description, set in brackets after a message."""
    if not description:
        return ""
    text = description.rstrip(".")
    first = text.split()[0]
    if not (len(first) > 1 and first.isupper()):  # keep "YYYY-MM-DD", "URL"
        text = text[0].lower() + text[1:]
    return f" ({text})"


def message(error: dict, model: type[BaseModel]) -> str:
    """A pydantic error as an author-facing message: what is wrong, then how to fix it."""
    kind, text = error["type"], error["msg"]
    loc: Loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
    about = describe(model, loc)
    if kind == "missing":
        return "this field is required: add it" + _aside(about)
    if kind == "extra_forbidden":
        owner = model_at(model, loc[:-1])
        known = sorted(owner.model_fields) if owner else []
        english = getattr(owner, "ENGLISH", None)  # an overlay (overlay.py): it holds only translated text
        if english is not None and loc[-1] in english.model_fields and loc[-1] not in known:
            return (f"this field is not translated: the page takes it from the English file, so remove it here "
                    f"(the fields here are {', '.join(known)})")
        guess = closest(str(loc[-1]), known)
        if guess:
            return f"this field is not known: did you mean {guess!r}? (see the README's field reference)"
        listed = f"; the fields here are {', '.join(known)}" if known else ""
        return f"this field is not known: check its spelling{listed} (see the README's field reference)"
    if kind == "literal_error":
        return text.replace("Input should be", "must be one of")
    if kind == "string_too_long":
        return f"is {len(str(error['input']))} characters long; at most {error['ctx']['max_length']} are allowed"
    if kind == "too_short":
        return "needs at least one entry" + _aside(about)
    if kind == "string_too_short":
        return "is empty: write something here" + _aside(about)
    if kind == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        if pattern == r"^\d{4}-\d{2}-\d{2}$":
            return 'must be a date written YYYY-MM-DD, in quotes (e.g. "2021-06-18")'
        if pattern.startswith(r"^\d{4}"):
            return 'must be a date written YYYY, YYYY-MM or YYYY-MM-DD, in quotes (e.g. "2021-06-18")'
        return f"is not written as expected (the pattern {pattern})" + _aside(about)
    if kind in _TYPE_HINTS:
        return f"{text}: {_TYPE_HINTS[kind]}"
    return text.removeprefix("Value error, ")


def unfilled(data: Any, loc: Loc = ()) -> list[tuple[Loc, str]]:
    """Every value still as `build.py new` wrote it ("TODO ..."), with its location."""
    if isinstance(data, str):
        return [(loc, data)] if data.startswith(UNFILLED_PREFIX) else []
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in unfilled(value, loc + (key,))]
    if isinstance(data, list):
        return [found for i, value in enumerate(data) for found in unfilled(value, loc + (i,))]
    return []


# The YAML mistakes authors make most, by the start of the parser's own words.
_YAML_HINTS = [
    ("mapping values are not allowed", "a text containing ': ' must be put in quotes"),
    ("found character '\\t'", "indent with spaces, not tabs"),
    ("could not find expected ':'", "each line must be 'name: value': check the indentation, and close any quotes"),
    ("found unexpected end of stream", "a quote is not closed"),
    ("expected <block end>", "check the indentation of this line against the lines above it"),
    ("did not find expected key", "check the indentation of this line against the lines above it"),
    ("did not find expected ',' or ']'", "a [list] is not closed, or an item in it needs quotes"),
    ("did not find expected ',' or '}'", "a {...} is not closed, or a value in it needs quotes"),
    ("found undefined alias", "a value starting with * must be put in quotes"),
    ("found character that cannot start any token", "a value starting with @ or ` must be put in quotes"),
]


def yaml_hint(problem: str) -> str:
    """': how to fix it' for a known YAML parser complaint, else ''."""
    for start, hint in _YAML_HINTS:
        if start in problem:
            return f": {hint}"
    return ""

"""Turn raw file data into validated records, with located, plain-words errors.

Pydantic checks types and each record's own rules; this module translates
its messages for a finance lead, points each one at a file line and field
path, and attaches a :class:`~pooledfund.core.errors.Source` to every record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pooledfund.core.errors import InputError, Source
from pooledfund.core.locations import LineMap, PathKey, format_path, key_line, line_for
from pooledfund.model.records import Record, set_source

ModelT = TypeVar("ModelT", bound=BaseModel)

_TYPE_WORDS = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list (lines starting with '- ')",
    "dict_type": "expected a set of 'name: value' lines",
    "model_type": "expected a set of 'name: value' lines",
    "model_attributes_type": "expected a set of 'name: value' lines",
    "decimal_parsing": "expected a number",
    "decimal_type": "expected a number",
    "float_parsing": "expected a number",
    "greater_than_equal": "must not be negative",
}
_EMPTY_TEXT = "must not be empty; write some text"
# Error types a union branch that does not apply produces; dropped when a
# more useful error exists for the same field.
_BRANCH_NOISE = {"string_type", "dict_type", "literal_error", "list_type", "model_type", "model_attributes_type"}


def _data_path(data: Any, loc: tuple[Any, ...], error_type: str) -> PathKey:
    """Follow ``loc`` through the raw data, dropping union tags pydantic adds."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            path.append(part)
            current = current[part]
        elif last and error_type in {"missing", "extra_forbidden"}:
            path.append(part)
        # anything else is a union tag or branch name: not part of the file
    return tuple(path)


def _message(error: ErrorDetails, docs: str) -> str:
    """Say what pydantic found wrong in a finance lead's words, pointing misspelt names at ``docs``."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return f"is not a field here; check the spelling (see {docs})"
    if kind == "union_tag_invalid":
        expected = ctx.get("expected_tags", "")
        discriminator = str(ctx.get("discriminator", "kind")).strip("'")
        return f"{ctx.get('tag')!r} is not a known {discriminator}; use one of {expected}"
    if kind == "union_tag_not_found":
        field = str(ctx.get("discriminator", "kind")).strip("'")
        return f"say which kind this is with '{field}:'"
    if kind == "enum":
        expected = str(ctx.get("expected", ""))
        close = _near_misses(str(error.get("input")), re.findall(r"'([^']+)'", expected))
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return f"{error.get('input')!r} is not recognised; expected one of {expected}{hint}"
    if kind == "literal_error":
        return f"{error.get('input')!r} is not allowed; expected {ctx.get('expected', '')}"
    if kind == "string_too_short":
        return _EMPTY_TEXT
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind in {"value_error", "assertion_error"}:
        return re.sub(r"^(Value|Assertion) error, ", "", error["msg"])
    if kind in _TYPE_WORDS:
        return f"{_TYPE_WORDS[kind]} (got {error.get('input')!r})"
    return str(error["msg"])


def _lines_under(lines: LineMap, path: PathKey) -> Callable[[PathKey], int | None]:
    """Look up the file line of a field path given relative to the record at ``path``."""

    def lookup(inner: PathKey) -> int | None:
        return line_for(lines, (*path, *inner))

    return lookup


def _attach_sources(value: Any, path: PathKey, file: str, lines: LineMap) -> None:
    """Give every record in the tree its file, line and field path."""
    if isinstance(value, Record):
        set_source(value, Source(file, line_for(lines, path), format_path(path)), _lines_under(lines, path))
        for field_name in type(value).model_fields:
            child = getattr(value, field_name)
            alias = type(value).model_fields[field_name].alias or field_name
            _attach_sources(child, (*path, alias), file, lines)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _attach_sources(item, (*path, index), file, lines)
    elif isinstance(value, dict):
        for key, item in value.items():
            _attach_sources(item, (*path, key), file, lines)


def validate_document(
    model: type[ModelT],
    data: Any,
    lines: LineMap,
    file: str,
    *,
    root: PathKey = (),
    docs: str = "docs/agreement-format.md",
) -> tuple[ModelT | None, list[InputError]]:
    """Validate ``data`` as ``model``; return the record or every error found.

    ``root`` is the path of ``data`` inside the file (e.g. ``("scenario",)``);
    ``docs`` is the page a misspelt field name is sent to.
    """
    try:
        record = model.model_validate(data)
    except ValidationError as exc:
        found: dict[tuple[PathKey, str], ErrorDetails] = {}
        for error in exc.errors(include_url=False):
            path = (*root, *_data_path(data, tuple(error["loc"]), error["type"]))
            if error["type"] == "union_tag_invalid":
                # The mistake is in the kind/layer/rule field itself: point there.
                path = (*path, str((error.get("ctx") or {}).get("discriminator", "kind")).strip("'"))
            found.setdefault((path, _message(error, docs)), error)
        useful_paths = {p for (p, _), e in found.items() if e["type"] not in _BRANCH_NOISE}
        errors = []
        for (path, message), error in found.items():
            noisy = error["type"] in _BRANCH_NOISE
            if noisy and any(u[: len(path)] == path for u in useful_paths):
                continue
            # A misspelt name is on its key's line; anything else on its value's.
            line = key_line(lines, path) if error["type"] == "extra_forbidden" else line_for(lines, path)
            errors.append(InputError(Source(file, line, format_path(path)), message))
        return None, errors
    _attach_sources(record, root, file, lines)
    return record, []


def _near_misses(word: str, names: list[str]) -> list[str]:
    """The names ``word`` is a slip away from: a letter wrong, missing, added or two swapped (``dgf`` for ``dfg``).

    Stricter than a similarity ratio on purpose: "did you mean 'other'?" for
    ``lottery`` would send a finance lead the wrong way.
    """
    allowed = 1 if len(word) <= 6 else 2
    return [name for name in names if _slips(word.lower(), name.lower()) <= allowed]


def _slips(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn ``a`` into ``b``."""
    rows = [list(range(len(b) + 1))]
    for i, char_a in enumerate(a, start=1):
        row = [i]
        for j, char_b in enumerate(b, start=1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


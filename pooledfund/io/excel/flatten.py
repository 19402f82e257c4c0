"""Nested input data as rows of (field path, type, value), and back.

The Assumptions sheet lists every input this way, one value a row, so a
finance lead can read (and filter) them and the importer can rebuild the
agreement exactly. A path reads ``arrangements[0].schemes[3].budget.2025-26``;
a key with other characters is quoted: ``shares["a.b"]``. The type column
says how to read the value back, whatever a spreadsheet did to the cell.
"""

from __future__ import annotations

import json
import re
from typing import Any

TEXT, NUMBER, YES_NO, NONE = "text", "number", "yes/no", "none"
EMPTY_LIST, EMPTY_MAPPING = "empty list", "empty mapping"
TYPES = (TEXT, NUMBER, YES_NO, NONE, EMPTY_LIST, EMPTY_MAPPING)
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")
_TOKEN = re.compile(r'\.?([A-Za-z0-9_\-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


class PathError(ValueError):
    """A field path or value that cannot be read back."""


def _segment(key: str | int, first: bool) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    if _PLAIN_KEY.match(key):
        return key if first else f".{key}"
    return "[" + json.dumps(key) + "]"


def join_path(parts: list[str | int]) -> str:
    """A field path from its keys and indexes, written as :func:`flatten` writes it."""
    text = ""
    for part in parts:
        text += _segment(part, not text)
    return text


def flatten(data: Any, path: str = "") -> list[tuple[str, str, Any]]:
    """Every leaf of ``data`` as (path, type, value)."""
    if isinstance(data, dict):
        if not data:
            return [(path, EMPTY_MAPPING, None)]
        rows = []
        for key, value in data.items():
            rows += flatten(value, path + _segment(str(key), not path))
        return rows
    if isinstance(data, list):
        if not data:
            return [(path, EMPTY_LIST, None)]
        rows = []
        for index, value in enumerate(data):
            rows += flatten(value, path + _segment(index, not path))
        return rows
    if data is None:
        return [(path, NONE, None)]
    if isinstance(data, bool):
        return [(path, YES_NO, "yes" if data else "no")]
    if isinstance(data, (int, float)):
        return [(path, NUMBER, data)]
    return [(path, TEXT, str(data))]


def record_of(path: str) -> tuple[str, str]:
    """Split a field path into the record it belongs to and the field within that record.

    The record is the item of a list inside a list (``arrangements[0].schemes[3]``),
    else the item of a top-level list (``partners[1]``), else the top-level
    section (``agreement``, ``assumptions``): ``arrangements[0].schemes[3].budget.2025-26``
    gives ``("arrangements[0].schemes[3]", "budget.2025-26")``.
    """
    tokens: list[tuple[int, bool]] = []  # (end, is an index) of each part
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if match is None:
            return path, ""
        tokens.append((match.end(), match.group(2) is not None))
        position = match.end()
    if not tokens:
        return path, ""
    indexes = [end for end, is_index in tokens if is_index]
    if len(indexes) >= 2:
        cut = indexes[1]
    elif len(tokens) >= 2 and tokens[1][1]:
        cut = tokens[1][0]
    else:
        cut = tokens[0][0]
    return path[:cut], path[cut:].lstrip(".")


def parse_path(path: str) -> list[str | int]:
    """The keys and indexes of a path; raises :class:`PathError` if it is not one."""
    parts: list[str | int] = []
    position = 0
    while position < len(path):
        match = _TOKEN.match(path, position)
        if not match or (position == 0 and path.startswith(".")):
            raise PathError(f"{path!r} is not a field path (stopped at {path[position:]!r})")
        if match.group(1) is not None:
            parts.append(match.group(1))
        elif match.group(2) is not None:
            parts.append(int(match.group(2)))
        else:
            parts.append(json.loads(match.group(3)))
        position = match.end()
    if not parts:
        raise PathError("the field path is empty")
    return parts


def read_value(kind: str, value: Any) -> Any:
    """The value of a row as data, by its type; raises :class:`PathError` if they disagree."""
    if kind == TEXT:
        return "" if value is None else str(value)
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PathError(f"expected a number, found {value!r}")
        return value
    if kind == YES_NO:
        if value in ("yes", True):
            return True
        if value in ("no", False):
            return False
        raise PathError(f"expected yes or no, found {value!r}")
    if kind == NONE:
        return None
    if kind == EMPTY_LIST:
        return []
    if kind == EMPTY_MAPPING:
        return {}
    raise PathError(f"{kind!r} is not a type; expected one of {', '.join(TYPES)}")


def unflatten(rows: list[tuple[list[str | int], Any]]) -> Any:
    """Rebuild nested data from (path parts, value) rows; raises :class:`PathError` on a clash or a gap."""
    root: dict[str, Any] = {}
    for parts, value in rows:
        container: Any = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            following = None if last else parts[depth + 1]
            fresh: Any = value if last else ([] if isinstance(following, int) else {})
            if isinstance(container, dict):
                if isinstance(part, int):
                    raise PathError(f"[{part}] follows a set of named fields")
                if last:
                    if part in container:
                        raise PathError(f"{part} is given twice")
                    container[part] = fresh
                else:
                    container = container.setdefault(part, fresh)
            elif isinstance(container, list):
                if not isinstance(part, int):
                    raise PathError(f".{part} follows a list")
                if part == len(container):
                    container.append(fresh)
                elif part > len(container):
                    raise PathError(f"item [{part}] comes before item [{len(container)}]")
                elif last:
                    raise PathError(f"[{part}] is given twice")
                container = container[part] if not last else container
            else:
                raise PathError("a value is given where a set of fields was expected")
    return root

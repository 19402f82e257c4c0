"""Where a value sits in an input file: field paths and the line map.

A :data:`LineMap` maps a field path (``("arrangements", 0, "schemes", 3,
"budget")``) to the line it was written on. The YAML reader builds one for
every file; validation and the cross-checks look lines up in it, so every
problem can be reported as ``file:line field.path: message``. Pure: reads no
file.
"""

from __future__ import annotations

__all__ = ["KEY_LINE", "LineMap", "PathKey", "format_path", "key_line", "line_for"]

PathKey = tuple[str | int, ...]
LineMap = dict[PathKey, int]

#: Last element of a line-map path that holds the line of a mapping *key*
#: (the value's own line is under the plain path). They differ for a block:
#: ``underspend:`` on one line, its content from the next.
KEY_LINE = "\x00key"


def format_path(path: PathKey) -> str:
    """Render a field path as ``arrangements[0].schemes[3].budget``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def line_for(lines: LineMap, path: PathKey) -> int | None:
    """The line of ``path``, or of its nearest parent that has one."""
    current = tuple(path)
    while True:
        if current in lines:
            return lines[current]
        if not current:
            return None
        current = current[:-1]


def key_line(lines: LineMap, path: PathKey) -> int | None:
    """The line of the key that names ``path`` (a block's heading), else the value's line."""
    return lines.get((*path, KEY_LINE)) or line_for(lines, path)

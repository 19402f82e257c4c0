"""Safe YAML reading that remembers the line of every value.

Only PyYAML's safe loader is used (no Python objects can be built from a
file). Files over :data:`MAX_YAML_BYTES`, duplicate keys and documents that
expand past :data:`MAX_NODES` values (alias bombs) are refused with a
located message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pooledfund.core.errors import InputError, Source
from pooledfund.core.locations import KEY_LINE, LineMap, PathKey, format_path

# Writing outputs lives in pooledfund.io.outputs; these names stay importable from here.
from pooledfund.io.outputs import check_output as check_output
from pooledfund.io.outputs import write_atomic as write_atomic

MAX_YAML_BYTES = 5 * 1024 * 1024
MAX_NODES = 500_000

class _Builder:
    """Turns a composed YAML node tree into plain Python data plus a line map."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: LineMap = {}
        self.errors: list[InputError] = []
        self.count = 0
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: PathKey, line: int | None = None) -> Any:
        """Build ``node``; ``line`` is its key's line when it is a mapping's value.

        Both lines are kept: a mistake in the value points at the value, a
        mistake in the name (misspelt, unknown) at the key (see :func:`key_line`).
        """
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBigError
        self.lines[path] = node.start_mark.line + 1
        if line is not None:
            self.lines[(*path, KEY_LINE)] = line
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._constructor.construct_object(key_node, deep=True)
                if isinstance(key, (dict, list)):
                    where = Source(self.file, key_node.start_mark.line + 1, format_path(path))
                    self.errors.append(InputError(where, "a key must be plain text"))
                    continue
                # Keys are names (ids, years): 2025 read as a number is still the name '2025'.
                key = key if isinstance(key, str) else str(key)
                if key in result:
                    self.errors.append(
                        InputError(
                            Source(self.file, key_node.start_mark.line + 1, format_path((*path, key))),
                            f"{key!s} is given twice; keep one",
                        )
                    )
                    continue
                result[key] = self.build(value_node, (*path, key), key_node.start_mark.line + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._constructor.construct_object(node, deep=True)


class _TooBigError(Exception):
    pass


def read_yaml(path: str | Path, display_name: str | None = None) -> tuple[Any, LineMap, list[InputError]]:
    """Read a YAML file safely into plain data, a line map and any errors.

    ``display_name`` is the name used in messages (defaults to the path as given).
    """
    name = display_name or str(path)
    file_path = Path(path)
    try:
        size = file_path.stat().st_size
    except OSError as exc:
        return None, {}, [InputError(Source(name), f"cannot read the file: {exc.strerror or exc}")]
    if size > MAX_YAML_BYTES:
        return None, {}, [
            InputError(Source(name), f"the file is {size:,} bytes; files over {MAX_YAML_BYTES:,} bytes are refused")
        ]
    try:
        text = file_path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, {}, [InputError(Source(name), "the file is not UTF-8 text; save it as UTF-8")]
    except OSError as exc:
        return None, {}, [InputError(Source(name), f"cannot read the file: {exc.strerror or exc}")]
    return parse_yaml_text(text, name)


def parse_yaml_text(text: str, name: str) -> tuple[Any, LineMap, list[InputError]]:
    """Parse YAML text (already read) into plain data, a line map and errors."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        return None, {}, [InputError(Source(name), f"the text is over {MAX_YAML_BYTES:,} bytes and is refused")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        return None, {}, [_syntax_error(exc, name)]
    except yaml.YAMLError as exc:
        return None, {}, [InputError(Source(name), f"this is not valid YAML: {exc}")]
    if node is None:
        return None, {}, [InputError(Source(name), "the file is empty")]
    builder = _Builder(name)
    try:
        data = builder.build(node, ())
    except _TooBigError:
        message = f"the document expands to more than {MAX_NODES:,} values and is refused"
        return None, {}, [InputError(Source(name), message)]
    except yaml.MarkedYAMLError as exc:
        return None, {}, [_syntax_error(exc, name)]
    except yaml.YAMLError as exc:
        return None, {}, [InputError(Source(name), f"this is not valid YAML: {exc}")]
    return data, builder.lines, builder.errors


def _syntax_error(exc: yaml.MarkedYAMLError, name: str) -> InputError:
    """One located line for a YAML mistake, pointing where the user must look.

    PyYAML notices an unclosed quote or bracket only further on (at the end of
    the file for a quote); the line that needs fixing is where it was opened.
    A tag that would build a Python object is refused by the safe loader.
    """
    problem = (exc.problem or str(exc)).strip()
    context = (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and ("quoted scalar" in context or "flow" in context):
        opened = exc.context_mark.line + 1
        what = "quote" if "quoted scalar" in context else "bracket"
        return InputError(
            Source(name, opened),
            f"this is not valid YAML: the {what} opened on line {opened} is not closed ({problem})",
        )
    if "could not determine a constructor for the tag" in problem:
        tag = problem.rsplit("tag", 1)[-1].strip(" '")
        problem = f"the tag {tag!r} is not allowed; write plain values (text, numbers, lists, 'name: value' lines)"
    return InputError(Source(name, mark.line + 1 if mark else None), f"this is not valid YAML: {problem}")

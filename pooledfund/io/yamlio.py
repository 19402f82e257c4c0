"""Safe YAML reading that remembers the line of every value.

Only PyYAML's safe loader is used (no Python objects can be built from a
file), with numbers read by the YAML 1.2 core schema: plain digits, a decimal
point and an exponent. The YAML 1.1 forms a finance lead does not mean (a
leading zero read as octal, ``0x`` hexadecimal, ``1:25:00`` base 60, ``1_000``)
are refused where they are written rather than silently misread.

Limits, each refused with one located line (see docs/limits.md): only regular
files are read, and never more than :data:`MAX_YAML_BYTES`; documents nested
deeper than :data:`MAX_DEPTH`, expanding past :data:`MAX_NODES` values or
:data:`MAX_EXPANDED_CHARS` characters of text (alias bombs), and numbers
longer than :data:`MAX_NUMBER_CHARS` characters. Duplicate keys, including
one financial year written two ways (``2025/26`` and ``2025-26``), are errors.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from pooledfund.core.errors import InputError, Source
from pooledfund.core.locations import KEY_LINE, LineMap, PathKey, format_path
from pooledfund.core.money import MAX_POUNDS
from pooledfund.core.years import parse_year

# Writing outputs lives in pooledfund.io.outputs; these names stay importable from here.
from pooledfund.io.outputs import check_output as check_output
from pooledfund.io.outputs import write_atomic as write_atomic

MAX_YAML_BYTES = 5 * 1024 * 1024
MAX_NODES = 500_000
#: Characters of text a document may expand to through aliases: a file without
#: aliases never comes near it (its text is at most MAX_YAML_BYTES).
MAX_EXPANDED_CHARS = 4 * MAX_YAML_BYTES
#: Levels of nesting; an agreement needs about six.
MAX_DEPTH = 64
#: Characters in one number: the largest amount, 100000000000.00, has 15.
MAX_NUMBER_CHARS = 40

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
#: Scalars YAML 1.1 reads as numbers but the 1.2 core schema does not (or reads differently).
_AMBIGUOUS_TAG = "tag:pooledfund,2025:ambiguous-number"

_CORE_INT = re.compile(r"^[-+]?[0-9]+$")
_CORE_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_AMBIGUOUS = re.compile(
    r"""^[-+]?(?:0[0-9_]+
    |0[xX][0-9a-fA-F_]+
    |0[oO][0-7_]+
    |0[bB][01_]+
    |[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
    |[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?)$""",
    re.VERBOSE,
)
_NUMBER_START = "-+0123456789"


def _core_schema_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """SafeLoader's implicit resolvers with its YAML 1.1 int and float rules replaced by 1.2 core ones.

    The 1.1 forms are resolved to a tag of our own, checked first, so the
    builder can refuse them where they are written.
    """
    resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {
        first: [(tag, regexp) for tag, regexp in rules if tag not in (_INT_TAG, _FLOAT_TAG)]
        for first, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    ours = [(_AMBIGUOUS_TAG, _AMBIGUOUS, _NUMBER_START), (_INT_TAG, _CORE_INT, _NUMBER_START),
            (_FLOAT_TAG, _CORE_FLOAT, _NUMBER_START + ".")]
    for first in _NUMBER_START + ".":
        mine = [(tag, regexp) for tag, regexp, starts in ours if first in starts]
        resolvers[first] = [*mine, *resolvers.get(first, [])]
    return resolvers


class _RefusedError(Exception):
    """The whole document is refused (too deep, too big); ``line`` is where, when known."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _too_deep(line: int) -> _RefusedError:
    return _RefusedError(
        line,
        f"the document is nested more than {MAX_DEPTH} levels deep here and is refused; "
        "an agreement or scenario needs only a few levels: check the indentation and the brackets",
    )


class _DepthLimited(yaml.composer.Composer):
    """A composer that refuses a node before going deeper than :data:`MAX_DEPTH` (checked while composing)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose one node, or refuse the document if it would be nested too deep."""
        if self._depth >= MAX_DEPTH:
            raise _too_deep(self.peek_event().start_mark.line + 1)  # type: ignore[attr-defined]
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Loader(_DepthLimited, yaml.SafeLoader):
    """The safe loader, with YAML 1.2 core numbers and the nesting limit.

    Pure Python throughout: used where PyYAML has no libyaml, and to read
    again text libyaml refuses (see :func:`_compose`).
    """

    yaml_implicit_resolvers = _core_schema_resolvers()


try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml: every file is read in pure Python
    _LIBYAML = False
else:
    _LIBYAML = True

    class _LibyamlLoader(_DepthLimited, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """:class:`_Loader` with libyaml's scanner and parser (in C) under the same Python composer.

        Reading the text is most of the time a load takes (30 ms of the BCF
        example's 45 in pure Python); libyaml does it about eight times
        faster. The nodes are composed in Python as before, so the nesting
        limit, the YAML 1.2 numbers and the safe constructor are the same.
        """

        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


def _compose(text: str) -> yaml.Node | None:
    """The document's node tree, read by libyaml where PyYAML has it, else in pure Python.

    Text libyaml refuses is read again in pure Python, so a mistake is always
    reported in the same words (and at the same line) whichever is installed;
    only text that reads cleanly takes the fast way.
    """
    if _LIBYAML:
        loader = _LibyamlLoader(text)
        try:
            return loader.get_single_node()
        except (yaml.YAMLError, ValueError):
            pass
        finally:
            loader.dispose()
    return yaml.compose(text, Loader=_Loader)


def _number_form(text: str) -> str:
    """Why a YAML 1.1 number form is not a plain number, in words."""
    digits = text.lstrip("+-").lower()
    if ":" in digits:
        return "':' makes it a base 60 number to some programs (1:25:00 would be 5,100)"
    if digits.startswith("0x"):
        return "0x makes it a hexadecimal number"
    if digits.startswith("0o"):
        return "0o makes it an octal number"
    if digits.startswith("0b"):
        return "0b makes it a binary number"
    if digits.startswith("0") and digits[1:2].isdigit():
        return "a leading zero makes it an octal number to some programs (01000000 would be 262,144)"
    return "'_' between digits is read differently by different programs"


def _shown(text: str) -> str:
    """A scalar's text for a message, shortened when it is long."""
    return text if len(text) <= 40 else f"{text[:20]}...{text[-10:]}"


#: A plain whole number, and a plain number of exactly three digits: the pieces a thousands
#: comma makes of an amount inside a [...] list.
_DIGITS = re.compile(r"[+-]?\d+", re.ASCII)
_THREE_DIGITS = re.compile(r"\d{3}(\.\d+)?", re.ASCII)


class _Builder:
    """Turns a composed YAML node tree into plain Python data plus a line map."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: LineMap = {}
        self.errors: list[InputError] = []
        self.count = 0
        self.chars = 0
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: PathKey, line: int | None = None, depth: int = 1) -> Any:
        """Build ``node``; ``line`` is its key's line when it is a mapping's value.

        Both lines are kept: a mistake in the value points at the value, a
        mistake in the name (misspelt, unknown) at the key (see :func:`key_line`).
        ``depth`` counts levels as aliases are followed, so nesting built up
        through aliases is limited like nesting written out.
        """
        self.count += 1
        if self.count > MAX_NODES:
            raise _RefusedError(None, f"the document expands to more than {MAX_NODES:,} values and is refused")
        if depth > MAX_DEPTH:
            raise _too_deep(node.start_mark.line + 1)
        self.lines[path] = node.start_mark.line + 1
        if line is not None:
            self.lines[(*path, KEY_LINE)] = line
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.flow_style:
                self._check_run_together(node, path)
            return [self.build(item, (*path, index), depth=depth + 1) for index, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _check_run_together(self, node: yaml.SequenceNode, path: PathKey) -> None:
        """Refuse ``[2,215,500, 2,190,250]``: YAML reads six values where a finance lead wrote two.

        (A plain value's style is ``None`` from the pure-Python parser and ``""`` from libyaml.)

        In a ``[...]`` list a comma separates values, so thousands commas split
        an amount into pieces (£2, £215, £500...) without a word. A plain value
        of exactly three digits straight after a comma with no space is read as
        such a piece and refused at its line; ``[100, 200]`` (with spaces) and
        ``['2,215,500']`` (quoted) are read as written.
        """
        for before, after in itertools.pairwise(node.value):
            if (isinstance(before, yaml.ScalarNode) and isinstance(after, yaml.ScalarNode)
                    and not before.style and not after.style
                    and _DIGITS.fullmatch(before.value) and _THREE_DIGITS.fullmatch(after.value)
                    and after.start_mark.index == before.end_mark.index + 1):
                self.errors.append(InputError(
                    Source(self.file, after.start_mark.line + 1, format_path(path)),
                    f"'{before.value},{after.value}' in a [...] list is read as two values, {before.value} and "
                    f"{after.value}: a comma separates values there. Write amounts without thousands commas "
                    f"([2215500, 2190250]), or put a space after each comma that separates values"))
                return

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        """A mapping's keys and values; a key given twice (a year in two spellings too) is an error."""
        result: dict[str, Any] = {}
        years: dict[str, tuple[str, int]] = {}
        for key_node, value_node in node.value:
            key_at = key_node.start_mark.line + 1
            key = self._key(key_node, path)
            if key is None:
                continue
            if key in result:
                where = Source(self.file, key_at, format_path((*path, key)))
                self.errors.append(InputError(where, f"{key!s} is given twice; keep one"))
                continue
            year = _as_year(key)
            if year is not None and year in years:
                first, first_at = years[year]
                where = Source(self.file, key_at, format_path((*path, year)))
                self.errors.append(InputError(
                    where, f"{year} is given twice: as {first} on line {first_at} and {key} on line {key_at}; keep one"
                ))
                continue
            if year is not None:
                years[year] = (key, key_at)
            result[key] = self.build(value_node, (*path, key), key_at, depth + 1)
        return result

    def _key(self, node: yaml.Node, path: PathKey) -> str | None:
        """A mapping key as text, or ``None`` (with an error) when it is a list or a mapping.

        Keys are names (ids, years): 2025 read as a number is still the name
        '2025', and a key that is not a plain number (007, or 2025-02-30,
        which is no date) is kept as written.
        """
        if not isinstance(node, yaml.ScalarNode):
            where = Source(self.file, node.start_mark.line + 1, format_path(path))
            self.errors.append(InputError(where, "a key must be plain text"))
            return None
        self._count_chars(node)
        if node.tag == _AMBIGUOUS_TAG:
            return str(node.value)
        try:
            key = self._constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            self._constructor.recursive_objects.pop(node, None)
            return str(node.value)
        return key if isinstance(key, str) else str(key)

    def _scalar(self, node: yaml.Node, path: PathKey) -> Any:
        """A single value; a number in a misleading form or an impossible date is an error where it is written."""
        self._count_chars(node)
        text = str(node.value)
        problem = None
        is_number = node.tag in (_INT_TAG, _FLOAT_TAG, _AMBIGUOUS_TAG)
        if is_number and len(text) > MAX_NUMBER_CHARS:
            problem = (f"this number is {len(text):,} characters long; numbers are limited to {MAX_NUMBER_CHARS} "
                       f"characters (the largest amount accepted is £{MAX_POUNDS:,}); check the figure")
        elif node.tag == _AMBIGUOUS_TAG or (is_number and not (_CORE_INT.match(text) or _CORE_FLOAT.match(text))):
            problem = (f"{text} is not written as a plain number: {_number_form(text)}; write the amount as plain "
                       "digits, e.g. 1000000 or 1,000,000, or put it in quotes if it is a code or a name")
        else:
            try:
                value = self._constructor.construct_object(node, deep=True)
            except (ValueError, OverflowError) as exc:
                self._constructor.recursive_objects.pop(node, None)
                if node.tag == _TIMESTAMP_TAG:
                    problem = f"{text} is not a real date; check the day and the month (write dates like 2025-10-01)"
                else:
                    problem = f"{_shown(text)} cannot be read ({exc})"
            else:
                problem = _out_of_range(node.tag, text, value)
                if problem is None:
                    return value
        self.errors.append(InputError(Source(self.file, node.start_mark.line + 1, format_path(path)), problem))
        return None

    def _count_chars(self, node: yaml.Node) -> None:
        """Add a scalar's text to the document's expanded size; refuse past :data:`MAX_EXPANDED_CHARS`."""
        self.chars += len(node.value)
        if self.chars > MAX_EXPANDED_CHARS:
            raise _RefusedError(
                node.start_mark.line + 1,
                f"the document expands to more than {MAX_EXPANDED_CHARS:,} characters of text and is refused; "
                "the long value here is probably repeated with an alias (&name ... *name): write it out once",
            )


def _out_of_range(tag: str, text: str, value: Any) -> str | None:
    """Why a number written in digits came out as infinity or zero (too large or too small to hold), if it did."""
    if tag != _FLOAT_TAG or not isinstance(value, float) or "." + text.lstrip("+-.").lower() in (".inf", ".nan"):
        return None
    mantissa = text.lower().split("e")[0]
    if math.isinf(value) or (value == 0 and any(digit in mantissa for digit in "123456789")):
        return (f"{text} is too {'large' if math.isinf(value) else 'small'} a number to be a figure "
                f"(the largest amount accepted is £{MAX_POUNDS:,}); check the figure")
    return None


def _as_year(key: str) -> str | None:
    """``key`` as a financial year "2025-26" if it is one in any accepted spelling, else ``None``."""
    try:
        return parse_year(key)
    except ValueError:
        return None


_FOLDER = "cannot read the file: it is a folder, not a file; give the path of a YAML file"
_FILE_KINDS = ((stat.S_ISFIFO, "a pipe"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
               (stat.S_ISSOCK, "a socket"))


def _not_a_file(mode: int) -> str | None:
    """Why something that is not a regular file cannot be read, or ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return _FOLDER
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "something else")
    return f"cannot read the file: it is {kind}, not a regular file; give the path of a YAML file"


def _read_bounded(path: Path, name: str) -> tuple[bytes | None, list[InputError]]:
    """At most :data:`MAX_YAML_BYTES` of a regular file; anything else is refused before reading.

    The file is opened without waiting (a pipe would otherwise wait for a
    writer) and checked after opening, so what is checked is what is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags)
    except IsADirectoryError:
        return None, [InputError(Source(name), _FOLDER)]
    except OSError as exc:
        return None, [InputError(Source(name), f"cannot read the file: {exc.strerror or exc}")]
    try:
        info = os.fstat(handle)
        refused = _not_a_file(info.st_mode)
        if refused is not None:
            return None, [InputError(Source(name), refused)]
        if info.st_size > MAX_YAML_BYTES:
            return None, [_too_big(name, f"{info.st_size:,} bytes")]
        with os.fdopen(os.dup(handle), "rb") as stream:
            data = stream.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        return None, [InputError(Source(name), f"cannot read the file: {exc.strerror or exc}")]
    finally:
        os.close(handle)
    if len(data) > MAX_YAML_BYTES:
        return None, [_too_big(name, f"over {MAX_YAML_BYTES:,} bytes")]
    return data, []


def _too_big(name: str, size: str) -> InputError:
    return InputError(Source(name), f"the file is {size}; files over {MAX_YAML_BYTES:,} bytes are refused")


def read_yaml(path: str | Path, display_name: str | None = None) -> tuple[Any, LineMap, list[InputError]]:
    """Read a YAML file safely into plain data, a line map and any errors.

    ``display_name`` is the name used in messages (defaults to the path as given).
    """
    name = display_name or str(path)
    data, errors = _read_bounded(Path(path), name)
    if data is None:
        return None, {}, errors
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, {}, [InputError(Source(name), "the file is not UTF-8 text; save it as UTF-8")]
    # Line endings as Python's text mode reads them (Windows and old Mac files alike).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return parse_yaml_text(text, name)


def parse_yaml_text(text: str, name: str) -> tuple[Any, LineMap, list[InputError]]:
    """Parse YAML text (already read) into plain data, a line map and errors."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        return None, {}, [InputError(Source(name), f"the text is over {MAX_YAML_BYTES:,} bytes and is refused")]
    builder = _Builder(name)
    try:
        node = _compose(text)
        if node is None:
            return None, {}, [InputError(Source(name), "the file is empty")]
        data = builder.build(node, ())
    except _RefusedError as exc:
        return None, {}, [InputError(Source(name, exc.line), exc.message)]
    except RecursionError:
        message = "the document is nested too deeply and is refused; check the indentation and the brackets"
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

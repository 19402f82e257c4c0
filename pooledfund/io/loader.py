"""Load agreement files: safe YAML -> validated records -> cross-checks."""

from __future__ import annotations

from pathlib import Path

from pooledfund.core.errors import InputError, InvalidInputError, Source
from pooledfund.core.locations import LineMap, key_line
from pooledfund.io.yamlio import read_yaml
from pooledfund.model.agreement import Agreement
from pooledfund.model.checks import check_agreement
from pooledfund.model.records import set_source, source_of
from pooledfund.model.validation import validate_document


def load_agreement(path: str | Path, display_name: str | None = None) -> tuple[Agreement | None, list[InputError]]:
    """Read an agreement file; return the agreement or every problem found.

    The file's top level has ``agreement`` (title, years, host...),
    ``partners`` and ``arrangements`` (see docs/agreement-format.md).
    """
    name = display_name or str(path)
    data, lines, errors = read_yaml(path, name)
    if errors:
        return None, errors
    return agreement_from_data(data, lines, name)


def agreement_from_data(data: object, lines: LineMap, name: str) -> tuple[Agreement | None, list[InputError]]:
    """Validate already-parsed agreement data (from YAML or a workbook)."""
    if not isinstance(data, dict):
        message = "the file must be a set of sections: agreement, partners, arrangements"
        return None, [InputError(Source(name, 1), message)]
    unknown = [k for k in data if k not in {"agreement", "partners", "arrangements", "assumptions"}]
    errors = [
        InputError(
            Source(name, key_line(lines, (k,)), str(k)),
            "is not a section of an agreement file (agreement, partners, arrangements, assumptions)",
        )
        for k in unknown
    ]
    header = data.get("agreement")
    if not isinstance(header, dict):
        errors.append(InputError(Source(name, lines.get(("agreement",), 1), "agreement"),
                                 "the 'agreement' section (id, title, years, host_partner) is missing"))
        return None, errors
    merged = dict(header)
    for section in ("partners", "arrangements", "assumptions"):
        if section in data:
            if section in header:
                errors.append(InputError(Source(name, key_line(lines, ("agreement", section)), f"agreement.{section}"),
                                         f"give {section} as its own section, not inside 'agreement'"))
            merged[section] = data[section]
    # The header's fields are validated at the top level of one record, so
    # their lines are looked up without the leading "agreement" key; the
    # paths are put back under agreement.* for messages (_relocate).
    shifted_lines: LineMap = {}
    for path, line in lines.items():
        if path and path[0] == "agreement":
            shifted_lines[path[1:]] = line
        elif path:
            shifted_lines[path] = line
    record, structural = validate_document(Agreement, merged, shifted_lines, name)
    errors += [_relocate(e) for e in structural]
    if record is None or errors:
        return None, errors
    _relocate_sources(record)
    cross = check_agreement(record)
    if cross:
        return None, cross
    return record, []


def _header_path(path: str) -> str:
    """Put a header field's path back under ``agreement.`` (sections keep their own paths)."""
    first = path.split(".", 1)[0].split("[", 1)[0]
    if path and first not in {"partners", "arrangements", "assumptions"}:
        return f"agreement.{path}"
    return path


def _relocate(error: InputError) -> InputError:
    """The same error, with its field path as it is written in the file (header fields under ``agreement.``)."""
    source = error.source
    return InputError(Source(source.file, source.line, _header_path(source.path)), error.message)


def _relocate_sources(record: Agreement) -> None:
    """Point the agreement record at its ``agreement`` section, where its header fields are written."""
    source = source_of(record)
    if source is not None:
        set_source(record, Source(source.file, source.line, "agreement"))


def require_agreement(path: str | Path) -> Agreement:
    """Load an agreement or raise :class:`InvalidInputError` listing every problem."""
    agreement, errors = load_agreement(path)
    if agreement is None:
        raise InvalidInputError(errors)
    return agreement

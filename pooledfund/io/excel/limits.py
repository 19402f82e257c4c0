"""What a workbook can hold, checked on the inputs before the pack is built.

An Excel cell holds at most 32,767 characters, and a text constant inside a
formula at most 255. Text over either limit would be cut (or the formula
broken) when the workbook is opened, so the agreement and the scenarios are
checked first and every such field is reported where it is written, as a
located :class:`~pooledfund.core.errors.InputError`: nothing is written.
"""

from __future__ import annotations

from typing import Any

from pooledfund.core.errors import InputError, Source
from pooledfund.io.agreement_yaml import agreement_to_data
from pooledfund.io.excel.cells import CELL_TEXT_MAX, FORMULA_TEXT_MAX
from pooledfund.io.excel.flatten import TEXT, flatten, parse_path
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import Record, field_line, source_of
from pooledfund.model.scenario import Scenario


def _where(record: Record, fallback: str, path: str, *, header: bool = False) -> Source:
    """The file and line of the field at ``path`` (the record's own name when it was not read from a file).

    ``header``: the path starts with the ``agreement`` section, whose fields
    the agreement record holds directly.
    """
    source = source_of(record)
    if source is None:
        return Source(fallback, None, path)
    parts = parse_path(path)
    if header and parts and parts[0] == "agreement":
        parts = parts[1:]
    return Source(source.file, field_line(record, *parts), path)


def _long_texts(record: Record, fallback: str, data: Any, *, header: bool = False) -> list[InputError]:
    """An error for every text value of ``data`` longer than a cell holds."""
    return [
        InputError(_where(record, fallback, path, header=header),
                   f"is {len(value):,} characters; a workbook cell holds at most {CELL_TEXT_MAX:,}")
        for path, kind, value in flatten(data)
        if kind == TEXT and len(value) > CELL_TEXT_MAX
    ]


def _long_ids(agreement: Agreement) -> list[InputError]:
    """An error for every partner or arrangement id too long to be compared inside a formula."""
    ids = [(f"partners[{i}].id", p.id) for i, p in enumerate(agreement.partners)]
    ids += [(f"arrangements[{i}].id", a.id) for i, a in enumerate(agreement.arrangements)]
    return [
        InputError(_where(agreement, "agreement", path),
                   f"is {len(value):,} characters; the pack's formulas compare ids as text, and a workbook formula "
                   f"holds text of at most {FORMULA_TEXT_MAX} characters: use a shorter id")
        for path, value in ids
        if len(value) > FORMULA_TEXT_MAX
    ]


def workbook_text_errors(agreement: Agreement, scenarios: list[Scenario]) -> list[InputError]:
    """Every text of the agreement and the scenarios that a workbook cannot hold, located in its file."""
    errors = _long_texts(agreement, "agreement", agreement_to_data(agreement), header=True)
    errors += _long_ids(agreement)
    for scenario in scenarios:
        data = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        errors += _long_texts(scenario, f"scenario {scenario.id!r}", data)
    return errors

"""Assumptions: the inputs behind the figures, the source files and the tool version.

Printed: the tool, run and scenarios; each source file by name with its
SHA-256 and size; the thresholds of the national conditions with their
public sources; and the inputs in brief, one row per record (a partner, a
scheme, a risk-share layer, a scenario's change), leaving out what the
Expenditure plan and Contributions sheets already print.

Below, folded away and outside the print area, the Inputs table lists the
agreement (and each scenario) one value a row as field path, type and value
(:mod:`pooledfund.io.excel.flatten`); the importer rebuilds the agreement
from the agreement's rows, so the round trip agreement -> workbook ->
agreement is lossless. A 200-scheme agreement has some 4,000 such rows:
printed, they would be most of the pack.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath
from typing import Any

from pooledfund.core.money import format_gbp
from pooledfund.core.version import __version__
from pooledfund.io.agreement_yaml import agreement_to_data
from pooledfund.io.excel import layout, styles
from pooledfund.io.excel.context import PackContext
from pooledfund.io.excel.flatten import EMPTY_LIST, EMPTY_MAPPING, NONE, flatten, record_of
from pooledfund.io.excel.formulas import where
from pooledfund.io.excel.inputmap import (
    FIXED_PREFIX,
    LAYOUT_NAME,
    LAYOUT_TABLE,
    MAP_HEADINGS,
    MAP_TITLE,
    Bound,
)
from pooledfund.io.excel.tables import add_table, header, title

SHEET = layout.SHEET_INPUTS
INPUT_OF, FIELD, TYPE, VALUE = "Input of", "Field", "Type", "Value"
AGREEMENT_ROWS = "agreement"
#: A scheme's fields the Expenditure plan prints, and a contribution's the Contributions sheet prints.
SHOWN_ELSEWHERE = {
    "schemes": ("name", "description", "scheme_type", "sub_type", "area_of_spend", "commissioner", "provider",
                "funding_source", "budget", "new_or_existing"),
    "contributions": ("partner", "year", "source", "cash", "in_kind", "in_kind_description", "schedule.kind",
                      "schedule.withheld", "schedule.withheld_until", "schedule.instalments"),
}


def file_name(name: str) -> str:
    """A source file's name without the folders it was read from (a path names someone's machine).

    A file of a recorded version (``@2/examples/plan.yaml``) keeps its whole
    name: it says which version the file came from and names no machine.
    """
    if name.startswith("@"):
        return name
    return PurePath(name.replace("\\", "/")).name or name


def _shown_elsewhere(record: str, field: str) -> bool:
    kind = record.rsplit(".", 1)[-1].split("[")[0]
    return any(field == name or field.startswith((f"{name}.", f"{name}[")) for name in SHOWN_ELSEWHERE.get(kind, ()))


#: The longest value the brief shows; a longer one is shortened there and given in full in the Inputs table.
BRIEF_VALUE_MAX = 300


def _value_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if len(text) > BRIEF_VALUE_MAX:
        return f"{text[:BRIEF_VALUE_MAX]}... ({len(text):,} characters: in full in the Inputs table)"
    return text


def brief(data: Any) -> list[tuple[str, str]]:
    """Each record of ``data`` as (record, "field: value; ...") without empty values or what other sheets print.

    A record with nothing left is left out. A very long value is shortened
    here (the brief is a summary) and named as such; the Inputs table holds it whole.
    """
    records: dict[str, list[str]] = {}
    for path, kind, value in flatten(data):
        record, field = record_of(path)
        if kind in (NONE, EMPTY_LIST, EMPTY_MAPPING) or value == "" or _shown_elsewhere(record, field):
            records.setdefault(record, [])
            continue
        records.setdefault(record, []).append(f"{field}: {_value_text(value)}" if field else _value_text(value))
    return [(record, "; ".join(values)) for record, values in records.items() if values]


def write(ctx: PackContext) -> None:
    """Fill the Assumptions sheet."""
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    title(ws, f"Appendix: Assumptions - {ctx.agreement.title}",
          "The inputs that produced the figures in this pack, in brief; every value is in the Inputs table at the "
          "foot of the sheet, which 'pooledfund import-xlsx' reads back.")
    facts = [("Tool", f"pooledfund {__version__}"), ("Run id (hash of the inputs)", ctx.run_id),
             ("Created", ctx.created.isoformat()),
             ("Scenarios", "; ".join(f"{s.id} ({s.label})" for s in ctx.scenarios))]
    row = 3
    for label, value in facts:
        row += 1
        sheet.text(row, 1, label, font=styles.BOLD)
        sheet.value(row, 2, value)
    row += 2
    sheet.text(row, 1, "Source files", font=styles.SUBTITLE_FONT)
    header(ws, row + 1, 1, ["File", "SHA-256", "Bytes"])
    row += 1
    if not ctx.source_files:
        row += 1
        sheet.text(row, 1, "(built in memory: no source files given)", font=styles.NOTE_FONT)
    for name, data in ctx.source_files.items():
        row += 1
        sheet.value(row, 1, file_name(name))
        sheet.value(row, 2, hashlib.sha256(data).hexdigest())
        sheet.value(row, 3, len(data), "#,##0")
    row = _write_thresholds(ctx, row + 2)
    row = _write_brief(ctx, row + 2)
    _write_inputs(ctx, row + 2)
    styles.set_widths(ws, {1: 34, 2: 72, 3: 12, 4: 40})
    ws.sheet_properties.outlinePr.summaryBelow = False
    styles.print_setup(ws, scale=90)


def _write_thresholds(ctx: PackContext, row: int) -> int:
    """The national conditions' thresholds and their source from ``row``; returns the last row written."""
    sheet = ctx.sheet(SHEET)
    sheet.text(row, 1, "Thresholds of the national conditions", font=styles.SUBTITLE_FONT)
    row += 1
    sheet.text(row, 1, "Source", font=styles.BOLD)
    sheet.text(row, 2, ctx.thresholds.source, wrap=True)
    for year, pct in sorted(ctx.thresholds.uplift_pct.items()):
        row += 1
        sheet.text(row, 1, f"Uplift {year}")
        sheet.value(row, 2, float(pct), styles.PERCENT)
    for label, values in (("NHS minimum", ctx.thresholds.nhs_minimum),
                          ("ASC maintenance", ctx.thresholds.asc_maintenance),
                          ("Out-of-hospital ring-fence", ctx.thresholds.out_of_hospital)):
        for year, pence in sorted(values.items()):
            row += 1
            sheet.text(row, 1, f"{label} {year} (configured)")
            sheet.value(row, 2, format_gbp(pence))
    return row


def _write_brief(ctx: PackContext, row: int) -> int:
    """The inputs in brief from ``row``, one row per record; returns the last row written."""
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    sheet.text(row, 1, "Inputs in brief", font=styles.SUBTITLE_FONT)
    sheet.text(row + 1, 1, "Schemes' names, types, commissioners, providers, sources and budgets are on the "
                           "Expenditure plan, and contributions on the Contributions sheet; they are not repeated "
                           "here.", font=styles.NOTE_FONT)
    header_row = row + 2
    header(ws, header_row, 1, ["Record", "Values"])
    row = header_row
    groups = [("agreement", agreement_to_data(ctx.agreement))]
    groups += [(f"scenario: {s.id}", s.model_dump(mode="json", by_alias=True, exclude_defaults=True))
               for s in ctx.scenarios]
    for group, data in groups:
        for record, values in brief(data):
            row += 1
            sheet.text(row, 1, record if group == AGREEMENT_ROWS else f"{group}: {record}", wrap=True)
            sheet.text(row, 2, values, wrap=True)
    add_table(ws, "InputsInBrief", header_row, row, 1, 2)
    return row


def _write_inputs(ctx: PackContext, start: int) -> None:
    """The Inputs table, one value a row, from ``start``: folded away and outside the print area."""
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    sheet.text(start, 1, "Every input, one value a row, as 'pooledfund import-xlsx' reads it back. Unfold the rows "
                         "under Inputs (the + in the margin) to see them; they are not printed.", font=styles.NOTE_FONT)
    ws.print_area = f"A1:C{start}"
    sheet.text(start + 1, 1, "Inputs", font=styles.SUBTITLE_FONT)
    header_row = start + 2
    header(ws, header_row, 1, [INPUT_OF, FIELD, TYPE, VALUE])
    row = header_row
    groups = [(AGREEMENT_ROWS, agreement_to_data(ctx.agreement))]
    groups += [(f"scenario: {s.id}", s.model_dump(mode="json", by_alias=True, exclude_defaults=True))
               for s in ctx.scenarios]
    for group, group_data in groups:
        for path, kind, value in flatten(group_data):
            row += 1
            sheet.value(row, 1, group)
            sheet.value(row, 2, path)
            sheet.value(row, 3, kind)
            sheet.value(row, 4, value)
            ws.row_dimensions[row].outlineLevel = 1
            ws.row_dimensions[row].hidden = True
    add_table(ws, "Inputs", header_row, row, 1, 4)
    _write_input_cells(ctx, row + 3)


def _write_input_cells(ctx: PackContext, start: int) -> None:
    """The input map: every input cell of the other sheets, the field it shows and the value written there.

    First the Excel tables and defined names of those sheets (Excel moves
    them when rows or columns are inserted, so the importer can tell), then
    one row per cell. ``import-xlsx`` compares each cell with the value as
    exported and reads a change into its field (:mod:`.edits`).
    """
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    sheet.text(start, 1, MAP_TITLE, font=styles.SUBTITLE_FONT)
    sheet.text(start + 1, 1, "Where each yellow cell of the other sheets is read back to (Field), how it reads, and "
                             "the value written there; 'not read' cells say where to make that change instead.",
               font=styles.NOTE_FONT)
    header_row = start + 2
    header(ws, header_row, 1, MAP_HEADINGS)
    row = header_row
    sheets = list(dict.fromkeys(entry.sheet for entry in ctx.inputs.entries))
    for name in sheets:
        for table_name, ref in sorted(ctx.workbook[name].tables.items()):
            row += 1
            for col, value in enumerate((where(name, "").rstrip("!"), table_name, LAYOUT_TABLE, "", ref), start=1):
                sheet.value(row, col, value)
    for defined in sorted(ctx.workbook.defined_names.values(), key=lambda d: d.name):
        for name, ref in defined.destinations:
            if name in sheets:
                row += 1
                for col, value in enumerate((where(name, "").rstrip("!"), defined.name, LAYOUT_NAME, "", ref),
                                            start=1):
                    sheet.value(row, col, value)
    for entry in ctx.inputs.entries:
        row += 1
        binding = entry.binding
        reads = binding.unit if isinstance(binding, Bound) else FIXED_PREFIX + binding.reason
        partner = binding.partner if isinstance(binding, Bound) else ""
        for col, value in enumerate((where(entry.sheet, entry.coordinate), binding.path, reads, partner,
                                     entry.exported_text), start=1):
            sheet.value(row, col, value)
    add_table(ws, "InputCells", header_row, row, 1, len(MAP_HEADINGS))
    for folded in range(start - 2, row + 1):  # folded away with the Inputs table, and outside the print area
        ws.row_dimensions[folded].outlineLevel = 1
        ws.row_dimensions[folded].hidden = True

"""Assumptions: every input behind the figures, the source files and the tool version.

The inputs table lists the agreement (and each scenario) one value a row as
field path, type and value (:mod:`pooledfund.io.excel.flatten`); the importer
rebuilds the agreement from the agreement's rows, so the round trip
agreement -> workbook -> agreement is lossless.
"""

from __future__ import annotations

import hashlib

from pooledfund.core.money import format_gbp
from pooledfund.core.version import __version__
from pooledfund.io.agreement_yaml import agreement_to_data
from pooledfund.io.excel import layout, styles
from pooledfund.io.excel.context import PackContext
from pooledfund.io.excel.flatten import flatten
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


def write(ctx: PackContext) -> None:
    """Fill the Assumptions sheet."""
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    title(ws, f"Assumptions - {ctx.agreement.title}",
          "Every input that produced the figures in this pack. The agreement's rows are read back by "
          "'pooledfund import-xlsx'.")
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
        sheet.value(row, 1, name)
        sheet.value(row, 2, hashlib.sha256(data).hexdigest())
        sheet.value(row, 3, len(data), "#,##0")
    row += 2
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
    row += 2
    sheet.text(row, 1, "Inputs", font=styles.SUBTITLE_FONT)
    header_row = row + 1
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
    add_table(ws, "Inputs", header_row, row, 1, 4)
    _write_input_cells(ctx, row + 3)
    styles.set_widths(ws, {1: 30, 2: 66, 3: 14, 4: 70})
    styles.print_setup(ws, f"{header_row}:{header_row}", landscape=False)


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

"""Read a workbook back into an agreement: a pack this package exported, or a BCF expenditure plan.

* **An exported pack** (it has the Assumptions sheet's inputs table): the
  agreement is rebuilt from its rows, then every yellow input cell the pack
  records in its Input cells table is compared with the value exported and
  a change read into its field, or refused at its cell (:mod:`.edits`), and
  the schemes are taken from the Expenditure plan sheet, so edits made
  there count. Unchanged, the round trip is lossless.
* **A plain expenditure plan** in the template's layout: the schemes are
  read from it and an agreement is built around them (see
  :func:`agreement_from_plan`): a council and an ICB, one pooled fund, each
  source's income equal to its planned spend.

Formulas in the cells read are worked out and checked against the value
the workbook saved (:mod:`.formulas`): never read as blank, never trusted
blindly (unless ``trust_saved_values`` is given, and then only for formulas
beyond simple arithmetic). What was read is described in notes: which
rows and headings of the plan, and which input cells changed.

Every problem is reported as a located :class:`~pooledfund.core.errors.InputError`
(``book.xlsx 'Expenditure plan'!L7: ...``), at most :data:`MAX_ERRORS` of
them and then a count of the rest. Files over :data:`MAX_WORKBOOK_BYTES`
are refused unread; before openpyxl reads a workbook, :mod:`.scan` checks
its parts against :data:`MAX_UNPACKED_BYTES`, :data:`MAX_PART_BYTES` and
:data:`MAX_PARTS`, parses every XML part with defusedxml (a damaged part is
reported with its sheet, line and column) and counts each sheet's rows and
cells against :data:`MAX_ROWS` and :data:`MAX_CELLS`, and the text of every
part against :data:`MAX_TEXT_CHARS`, stopping at the first over a limit.
openpyxl uses defusedxml too (this module insists on it).
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl.xml
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.core.errors import InputError, PooledfundError, Source
from pooledfund.core.money import pounds
from pooledfund.core.vocabulary import FundingSource
from pooledfund.io.excel import layout
from pooledfund.io.excel.commissioners import reconcile
from pooledfund.io.excel.edits import Change, read_input_cells, relocate
from pooledfund.io.excel.flatten import PathError, parse_path, read_value, unflatten
from pooledfund.io.excel.formulas import UNREADABLE, CellValues, where
from pooledfund.io.excel.plan import PlanScheme, find_header, read_plan
from pooledfund.io.excel.scan import Limits, scan_workbook
from pooledfund.io.excel.sheet_assumptions import AGREEMENT_ROWS, FIELD, INPUT_OF, TYPE, VALUE
from pooledfund.io.loader import agreement_from_data
from pooledfund.model.agreement import Agreement

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: The most one part (a sheet's XML, the shared strings) may unpack to.
MAX_PART_BYTES = 50 * 1024 * 1024
#: The most parts (files inside the zip) a workbook may have.
MAX_PARTS = 10_000
#: The furthest row of any sheet.
MAX_ROWS = 100_000
#: The most cells in the whole workbook, and the most in any sheet's used rectangle.
MAX_CELLS = 500_000
#: The most characters of text in the workbook's XML, the spaces between elements included.
MAX_TEXT_CHARS = 40_000_000
#: The most problems listed; the rest are counted in one more line.
MAX_ERRORS = 50
_NHS_SOURCES = {FundingSource.NHS_MINIMUM, FundingSource.ADDITIONAL_NHS, FundingSource.ICB_DISCHARGE}
#: Sheets only a pooledfund pack has; with Risk share and one other, a workbook is taken to be a pack.
PACK_SHEETS = ["Cover", "Summary", "Contributions", "Projection", "Risk share", "Checks"]
_RESTORE = ("export the pack again, or import the plan alone by copying the Expenditure plan sheet into a new "
            "workbook")


def _where(name: str, sheet: str, cell: str = "") -> Source:
    return Source(name, None, f"'{sheet}'!{cell}" if cell else f"'{sheet}'")


def check_container(data: bytes, name: str) -> list[InputError]:
    """Refuse what is too big, not a workbook, over a reading limit or damaged, before openpyxl reads it."""
    if not openpyxl.xml.DEFUSEDXML:
        raise PooledfundError("defusedxml is not installed; it is needed to read workbooks safely")
    if len(data) > MAX_WORKBOOK_BYTES:
        return [InputError(Source(name), f"the file is {len(data):,} bytes; workbooks over "
                                         f"{MAX_WORKBOOK_BYTES:,} bytes are refused")]
    limits = Limits(unpacked_bytes=MAX_UNPACKED_BYTES, part_bytes=MAX_PART_BYTES, parts=MAX_PARTS, rows=MAX_ROWS,
                    cells=MAX_CELLS, text_chars=MAX_TEXT_CHARS)
    return scan_workbook(data, name, limits)


_UNREADABLE_BOOK = (InvalidFileException, KeyError, ValueError, TypeError, zipfile.BadZipFile, ParseError)


def _open(data: bytes, name: str) -> tuple[Workbook | None, list[InputError]]:
    """The workbook with its formulas as text (the values it saved are read only if a formula is met)."""
    errors = check_container(data, name)
    if errors:
        return None, errors
    try:
        return load_workbook(io.BytesIO(data)), []
    except _UNREADABLE_BOOK as exc:
        return None, [InputError(Source(name), f"the workbook cannot be read ({exc}); open it in Excel and save it "
                                               "again as an Excel workbook (.xlsx)")]


def _capped(errors: list[InputError], name: str) -> list[InputError]:
    """The first :data:`MAX_ERRORS` problems, and one line counting the rest."""
    if len(errors) <= MAX_ERRORS:
        return errors
    rest = len(errors) - MAX_ERRORS
    return [*errors[:MAX_ERRORS], InputError(Source(name), f"{rest:,} further problems are not listed; correct the "
                                                           "ones above and import again")]


def agreement_from_workbook_bytes(
    data: bytes, name: str, sheet: str | None = None, *, trust_saved_values: bool = False,
    notes: list[str] | None = None,
) -> tuple[Agreement | None, list[InputError]]:
    """Read a workbook's bytes into an agreement, or every problem found.

    Args:
        data: the workbook's bytes.
        name: the file name used in messages.
        sheet: the sheet holding the expenditure plan; by default the
            "Expenditure plan" sheet, else the first sheet with a "Scheme ID" heading.
        trust_saved_values: use the saved value of a formula beyond simple
            arithmetic instead of refusing it (a formula with no saved value is still refused).
        notes: if given, lines saying what was read are added to it: the plan's
            rows and the heading each field came from, and each input cell changed on a pack.

    Returns:
        The agreement (None if anything is wrong) and every problem, cut to
        :data:`MAX_ERRORS` and a count.
    """
    agreement, errors = _read_workbook(data, name, sheet, trust_saved_values,
                                       notes if notes is not None else [])
    return agreement, _capped(errors, name)


def _read_workbook(
    data: bytes, name: str, sheet: str | None, trust_saved_values: bool, notes: list[str]
) -> tuple[Agreement | None, list[InputError]]:
    """What :func:`agreement_from_workbook_bytes` returns, every problem listed."""
    workbook, errors = _open(data, name)
    if workbook is None:
        return None, errors

    def saved() -> Workbook | None:
        try:
            return load_workbook(io.BytesIO(data), data_only=True)
        except _UNREADABLE_BOOK:
            return None  # it was read once with its formulas; without saved values none is trusted

    values = CellValues(workbook, saved, name, trust_saved_values=trust_saved_values)
    agreement, errors = _read_books(workbook, values, name, sheet, notes)
    if values.errors:
        # what follows from a cell that could not be read (a budget left out, a pool out of balance) is noise
        return None, values.errors
    return agreement, errors


def _read_books(
    workbook: Workbook, values: CellValues, name: str, sheet: str | None, notes: list[str]
) -> tuple[Agreement | None, list[InputError]]:
    """The agreement from the opened workbook; the formula reader keeps its own problems."""
    if sheet is not None and sheet not in workbook.sheetnames:
        return None, [InputError(Source(name), f"there is no sheet called {sheet!r}; the sheets are "
                                               f"{', '.join(repr(s) for s in workbook.sheetnames)}")]
    inputs_data, inputs_cells, errors = _read_inputs(workbook, name, values)
    if errors:
        return None, errors
    changes: list[Change] = []
    if inputs_data is not None:
        changes, change_notes, errors = read_input_cells(workbook, values, inputs_data, inputs_cells, name,
                                                         layout.SHEET_INPUTS)
        notes += change_notes
        if errors:
            return None, errors
    if sheet is None and inputs_data is not None and layout.SHEET_PLAN not in workbook.sheetnames:
        return None, [InputError(Source(name), f"this pack has no {layout.SHEET_PLAN!r} sheet; the schemes are read "
                                               "from it: put it back (or name the plan's sheet with --sheet)")]
    plan_sheet = sheet or _find_plan_sheet(workbook)
    if plan_sheet is None and inputs_data is None:
        return None, [InputError(Source(name), "no sheet has an expenditure plan: expected a header row with "
                                               f"{', '.join(layout.REQUIRED)} and Expenditure columns by year")]
    schemes: list[PlanScheme] = []
    years: list[str] = []
    if plan_sheet is not None:
        schemes, years, errors = read_plan(workbook[plan_sheet], name, values.value, notes)
        if errors:
            return None, errors
    if inputs_data is not None:
        if plan_sheet is not None:
            errors = _apply_plan(inputs_data, schemes, name, plan_sheet, find_header(workbook[plan_sheet]) or 0)
            if errors:
                return None, errors
        agreement, errors = agreement_from_data(inputs_data, {}, name)
        return agreement, relocate(errors, changes, name)
    return agreement_from_data(agreement_from_plan(schemes, years, name), {}, name)


def import_workbook(
    path: str | Path, sheet: str | None = None, *, trust_saved_values: bool = False, notes: list[str] | None = None
) -> tuple[Agreement | None, list[InputError]]:
    """Read a workbook file into an agreement (see :func:`agreement_from_workbook_bytes`)."""
    file_path = Path(path)
    try:
        size = file_path.stat().st_size
        if size > MAX_WORKBOOK_BYTES:
            return None, [InputError(Source(str(path)), f"the file is {size:,} bytes; workbooks over "
                                                        f"{MAX_WORKBOOK_BYTES:,} bytes are refused")]
        data = file_path.read_bytes()
    except OSError as exc:
        return None, [InputError(Source(str(path)), f"cannot read the file: {exc.strerror or exc}")]
    return agreement_from_workbook_bytes(data, str(path), sheet, trust_saved_values=trust_saved_values, notes=notes)


def _find_plan_sheet(workbook: Workbook) -> str | None:
    if layout.SHEET_PLAN in workbook.sheetnames:
        return layout.SHEET_PLAN
    for ws in workbook.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 30), values_only=True):
            if any(isinstance(v, str) and layout.ALIASES.get(layout.header_key(v)) == layout.SCHEME_ID for v in row):
                return ws.title
    return None


def pack_signs(workbook: Workbook) -> str:
    """Why the workbook looks like a pack this package exported ("" if it does not)."""
    names = [str(n) for n in workbook.defined_names if str(n).startswith("pf_")]
    if names:
        return f"it has the pack's defined names, such as {min(names)}"  # the first in order, whoever wrote the file
    sheets = [s for s in PACK_SHEETS if s in workbook.sheetnames]
    if "Risk share" in sheets and len(sheets) >= 2:
        return f"it has the pack's {', '.join(sheets)} sheets"
    return ""


def _read_inputs(
    workbook: Workbook, name: str, values: CellValues
) -> tuple[dict | None, dict[str, str], list[InputError]]:
    """The agreement's rows of an exported pack's inputs table, rebuilt as data (None if there is none).

    Also returns each field path's Value cell, to name it when a field is
    changed both there and in an input cell.

    A workbook that is recognisably a pack (:func:`pack_signs`) but whose
    inputs table cannot be found is an error, not a plain plan: building a
    generic agreement around it would quietly lose the agreement's partners
    and rules.
    """
    signs = pack_signs(workbook)
    if layout.SHEET_INPUTS not in workbook.sheetnames:
        if signs:
            return None, {}, [InputError(Source(name), f"this is a pooledfund pack ({signs}) but its "
                                                       f"{layout.SHEET_INPUTS!r} sheet is missing; the agreement is "
                                                       f"rebuilt from that sheet's Inputs table: {_RESTORE}")]
        return None, {}, []
    ws = workbook[layout.SHEET_INPUTS]
    header_row = _inputs_header_row(ws)
    if header_row is None:
        return None, {}, _missing_inputs_table(ws, name, signs)
    rows, cells, errors = _agreement_rows(ws, header_row, name, values)
    if errors:
        return None, {}, errors
    if not rows:
        return None, {}, [InputError(_where(name, ws.title, f"A{header_row}:D{header_row}"),
                                     f"the Inputs table has no {AGREEMENT_ROWS!r} rows; they hold the agreement: "
                                     f"{_RESTORE}")]
    try:
        return unflatten(rows), cells, []
    except PathError as exc:
        return None, {}, [InputError(_where(name, ws.title), f"the agreement's inputs do not fit together: {exc}")]


def _inputs_header_row(ws: Worksheet) -> int | None:
    """The row of the Inputs table's headings (Input of, Field, Type, Value), if it is there intact."""
    for row in ws.iter_rows(min_col=1, max_col=4):
        if [c.value for c in row] == [INPUT_OF, FIELD, TYPE, VALUE]:
            return row[0].row
    return None


def _agreement_rows(
    ws: Worksheet, header_row: int, name: str, values: CellValues
) -> tuple[list[tuple[list[str | int], object]], dict[str, str], list[InputError]]:
    """The agreement's rows of the Inputs table as (field path, value), and an error for each unreadable cell.

    Also each field path's Value cell, as ``'Assumptions'!D120``.
    """
    rows: list[tuple[list[str | int], object]] = []
    where_of: dict[str, str] = {}
    errors: list[InputError] = []
    for cells in ws.iter_rows(min_row=header_row + 1, min_col=1, max_col=4):
        group, path, kind = (c.value for c in cells[:3])
        if group != AGREEMENT_ROWS:
            continue
        value = values.value(cells[3])
        if value is UNREADABLE:
            continue  # the formula's problem is already listed
        where_of[str(path)] = where(ws.title, cells[3].coordinate)
        try:
            parts = parse_path(str(path or ""))
        except PathError as exc:
            errors.append(InputError(_where(name, ws.title, cells[1].coordinate), str(exc)))
            continue
        try:
            rows.append((parts, read_value(str(kind or ""), value)))
        except PathError as exc:
            # a wrong type word is the Type cell's fault; anything else is the Value cell's
            cell = cells[2] if "is not a type" in str(exc) else cells[3]
            errors.append(InputError(_where(name, ws.title, cell.coordinate), f"{path}: {exc}"))
    return rows, where_of, errors


def _missing_inputs_table(ws: Worksheet, name: str, signs: str) -> list[InputError]:
    """The error for a pack whose Inputs table header is damaged (nothing if the workbook is not a pack)."""
    if not signs:
        return []
    expected = f"{INPUT_OF}, {FIELD}, {TYPE}, {VALUE}"
    for cells in ws.iter_rows(min_col=1, max_col=4):
        if cells[0].value == "Inputs" or cells[0].value == INPUT_OF:
            row = cells[0].row + (1 if cells[0].value == "Inputs" else 0)
            found = ", ".join(repr(ws.cell(row=row, column=c).value) for c in range(1, 5))
            return [InputError(_where(name, ws.title, f"A{row}:D{row}"),
                               f"the Inputs table's headings should read {expected} in columns A to D, but they are "
                               f"{found}; a column has been deleted or moved, so the agreement cannot be rebuilt: "
                               f"undo that, or {_RESTORE}")]
    return [InputError(_where(name, ws.title), f"this is a pooledfund pack ({signs}) but its Inputs table (headed "
                                               f"{expected}) cannot be found, so the agreement cannot be rebuilt: "
                                               f"{_RESTORE}")]


def _scheme_data(scheme: PlanScheme) -> dict[str, object]:
    return {
        "id": scheme.id,
        "name": scheme.name,
        "description": scheme.description,
        "scheme_type": scheme.scheme_type.value,
        "sub_type": scheme.sub_type,
        "area_of_spend": scheme.area_of_spend.value,
        "commissioner": scheme.commissioner,
        "provider": scheme.provider.value,
        "funding_source": scheme.funding_source.value,
        "budget": {year: str(pounds(pence)) for year, pence in scheme.budget.items()},
        "new_or_existing": scheme.new_or_existing,
    }


def _apply_plan(data: dict, schemes: list[PlanScheme], name: str, sheet: str, header_row: int) -> list[InputError]:
    """Put the plan's schemes into the rebuilt agreement, keeping the fields the plan does not show."""
    arrangements = data.get("arrangements")
    if not isinstance(arrangements, list):
        return []
    # Keyed by the id as text: a scheme's Arrangement cell is read as text.
    by_id = {str(a.get("id")): a for a in arrangements if isinstance(a, dict)}
    listing = ", ".join(str(k) for k in by_id)
    if schemes and not any(s.arrangement_cell for s in schemes):
        return [InputError(_where(name, sheet, f"{header_row}:{header_row}"),
                           f"the column {layout.ARRANGEMENT!r} is missing from the header row (row {header_row}); "
                           f"the pack needs it to know which arrangement each scheme belongs to ({listing})")]
    kinds = {str(p.get("id")): str(p.get("kind")) for p in data.get("partners", []) if isinstance(p, dict)}
    new_lists: dict[str, list[dict]] = {key: [] for key in by_id}
    errors = []
    for scheme in schemes:
        arrangement = by_id.get(scheme.arrangement)
        if arrangement is None:
            said = (f"{scheme.arrangement!r} is not one of" if scheme.arrangement
                    else "the Arrangement is empty; expected")
            errors.append(InputError(_where(name, sheet, scheme.arrangement_cell),
                                     f"{said} the agreement's arrangements ({listing})"))
            continue
        commissioner = reconcile(scheme, kinds, name, sheet)
        if isinstance(commissioner, InputError):
            errors.append(commissioner)
            continue
        old = {s.get("id"): s for s in arrangement.get("schemes", []) if isinstance(s, dict)}
        merged = dict(old.get(scheme.id, {}))
        merged.update(_scheme_data(dataclasses.replace(scheme, commissioner=commissioner)))
        new_lists[scheme.arrangement].append(merged)
    for key, arrangement in by_id.items():
        arrangement["schemes"] = new_lists[key]
    return errors


def agreement_from_plan(schemes: list[PlanScheme], years: list[str], name: str) -> dict:
    """An agreement around a plain expenditure plan: what the template alone can say.

    Two partners (``council``, a unitary council recovering VAT under s.33 and
    the host; ``icb``), one pooled fund holding every scheme, and for each
    year and source a contribution equal to the planned spend, from the ICB
    for NHS sources and from the council otherwise. The risk share is pro
    rata to contributions and an underspend is returned pro rata: edit the
    written agreement to state the real ones.
    """
    stem = Path(name).stem or "imported"
    slug = "".join(ch if ch.isalnum() else "-" for ch in stem.lower()).strip("-") or "imported"
    contributions = []
    for year in years:
        for source in FundingSource:
            total = sum(s.budget.get(year, 0) for s in schemes if s.funding_source == source)
            if total:
                contributions.append({"partner": "icb" if source in _NHS_SOURCES else "council", "year": year,
                                      "source": source.value, "cash": str(pounds(total))})
    return {
        "agreement": {"id": slug, "title": f"Better Care Fund plan imported from {Path(name).name}", "years": years,
                      "host_partner": "council"},
        "partners": [
            {"id": "council", "name": "Council", "kind": "unitary_council", "vat": "council_s33"},
            {"id": "icb", "name": "Integrated care board", "kind": "integrated_care_board",
             "vat": "nhs_limited_recovery"},
        ],
        "arrangements": [{
            "id": "bcf_pool", "kind": "pooled_fund", "name": "Better Care Fund pooled fund",
            "contributions": contributions,
            "risk_share": [{"layer": "proportional", "note": "assumed on import: edit to the agreement's schedule"}],
            "underspend": [{"rule": "return_proportional", "note": "assumed on import: edit to the agreement's rules"}],
            "schemes": [_scheme_data(s) for s in schemes],
        }],
    }

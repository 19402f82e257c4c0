"""Write the pack's openpyxl document with XlsxWriter, every formula saved with the engine's figure.

The sheet modules build the pack as an openpyxl workbook in memory; openpyxl
can save a formula but not the value it comes to, so a workbook it saves
shows blanks in pandas, file previewers and Excel's protected view until
something recalculates it. XlsxWriter writes a formula and its result
together. This module copies the document cell by cell into XlsxWriter,
giving each formula the figure recorded for it when it was written
(:class:`~pooledfund.io.excel.cells.Expectations`: money as pounds from
pence, plain numbers, text). A formula with no recorded figure is a bug in
the pack and is refused, never saved blank.

Text is written with ``write_string`` (never ``write``, which could read it
as a formula, a number or a link) and the workbook is opened with every
string conversion off. Everything else the pack uses is copied: formats
(one XlsxWriter format per distinct style, see
:mod:`~pooledfund.io.excel.xlsx_formats`), column widths, row heights,
hidden and grouped rows and columns, merged cells, Excel tables, links,
comments, conditional formats, data validation, defined names, charts
(:mod:`~pooledfund.io.excel.xlsx_charts`), print set-up and view
(:mod:`~pooledfund.io.excel.xlsx_page`), the active sheet and the document
properties. What XlsxWriter cannot write is refused with the sheet and cell.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from typing import Any

import xlsxwriter
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.formatting.rule import Rule
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.workbook import Workbook as XlsxBook
from xlsxwriter.worksheet import Worksheet as XlsxSheet

from pooledfund.core.errors import PooledfundError
from pooledfund.core.money import pounds_float
from pooledfund.io.excel.cells import Expectations, Expected, quote
from pooledfund.io.excel.xlsx_charts import copy_charts
from pooledfund.io.excel.xlsx_formats import FormatCache
from pooledfund.io.excel.xlsx_page import copy_page_setup, copy_print_ranges, copy_view

#: XlsxWriter's options for the pack: everything in memory, and text never turned into formulas, links or numbers.
BOOK_OPTIONS = {"constant_memory": False, "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}
#: Pixels per character of column width in Excel's default font (Calibri 11), as XlsxWriter counts them.
PIXELS_PER_CHARACTER = 7
CELL_OPERATORS = {
    "between": "between", "notBetween": "not between", "equal": "equal to", "notEqual": "not equal to",
    "greaterThan": "greater than", "lessThan": "less than", "greaterThanOrEqual": "greater than or equal to",
    "lessThanOrEqual": "less than or equal to",
}
TEXT_OPERATORS = {"containsText": "containing", "notContains": "not containing", "beginsWith": "begins with",
                  "endsWith": "ends with"}
VALIDATION_TYPES = {None: "any", "whole": "integer", "decimal": "decimal", "list": "list", "date": "date",
                    "time": "time", "textLength": "length", "custom": "custom"}


#: Excel's dynamic-array functions, which XlsxWriter writes with their ``_xlfn.`` prefix (the pack uses none).
_DYNAMIC_FUNCTIONS = frozenset((
    "ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER", "HSTACK", "LAMBDA",
    "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "SINGLE", "SEQUENCE", "SORT", "SORTBY", "SWITCH", "TAKE",
    "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE", "VSTACK", "WRAPCOLS", "WRAPROWS", "XLOOKUP"))
#: A function name and its opening bracket.
_FUNCTION_CALL = re.compile(r"([A-Z][A-Z0-9._]*)\(")


class PackWorksheet(XlsxSheet):
    """XlsxWriter's worksheet, quicker with long classic formulas.

    XlsxWriter runs some thirty regular expressions over every formula to
    prefix dynamic-array functions; on the risk share's long split formulas
    that took 11 s of a 17 s export. A formula calling none of those
    functions (its function names found in one pass) needs no change but the
    leading "=" taken off; any other formula is left to XlsxWriter.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        calls = _FUNCTION_CALL.findall(formula.upper())
        if expand_future_functions or self.use_future_functions or not _DYNAMIC_FUNCTIONS.isdisjoint(calls):
            return str(super()._prepare_formula(formula, expand_future_functions))
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        return formula[:-1] if formula.endswith("}") else formula


def plain_text(value: str) -> str:
    """``value`` as every reader gets it back: a carriage return is a line break.

    XML reads a carriage return written as it is back as a line feed; XlsxWriter
    would write it as Excel's escape ``_x000D_``, which openpyxl (and so
    ``import-xlsx``) does not decode. Writing the line feed keeps what every
    reader sees the same as before.
    """
    return value.replace("\r\n", "\n").replace("\r", "\n")


def saved_value(expected: Expected) -> float | str:
    """What a formula cell is saved as showing: pounds for money (from pence), the number, or the text."""
    if expected.kind == "money":
        return pounds_float(int(expected.value))
    if expected.kind == "number":
        return float(expected.value)
    return plain_text(expected.value) if isinstance(expected.value, str) else float(expected.value)


def _checked(result: int | None, where: str, what: str) -> None:
    """Refuse when XlsxWriter reports that it did not write something in full (a negative result)."""
    if result is not None and result < 0:
        raise PooledfundError(f"{where}: {what} could not be written (XlsxWriter code {result}); nothing was saved")


def _refused(result: int | None) -> bool:
    """Whether XlsxWriter reports that it did not write a cell in full (checked first, the message made only then)."""
    return result is not None and result < 0


class _SheetWriter:
    """Copies one openpyxl worksheet into one XlsxWriter worksheet."""

    def __init__(self, ws: Worksheet, out: XlsxSheet, book: XlsxBook, formats: FormatCache,
                 expectations: Expectations) -> None:
        self.ws = ws
        self.out = out
        self.book = book
        self.formats = formats
        self.expectations = expectations

    def where(self, row: int | None = None, col: int | None = None) -> str:
        """The sheet (and cell) for a message."""
        if row is None or col is None:
            return f"sheet {quote(self.ws.title)}"
        return f"{quote(self.ws.title)}!{get_column_letter(col)}{row}"

    def write(self) -> None:
        """Everything on the sheet, in an order XlsxWriter accepts (tables and merges before their cells)."""
        if self.ws.protection.sheet:
            raise PooledfundError(f"{self.where()} is protected, which the pack's writer does not copy")
        if self.ws._images:  # openpyxl keeps a sheet's pictures here; there is no public list
            raise PooledfundError(f"{self.where()} has a picture, which the pack's writer does not copy")
        self.columns()
        self.rows()
        self.tables()
        self.merges()
        # openpyxl keeps the cells written so far in this mapping; iterating it visits only those
        # (iter_rows would create an empty cell at every gap of the used rectangle).
        for cell in list(self.ws._cells.values()):
            self.cell(cell)
        self.conditional_formats()
        self.validations()
        copy_charts(self.ws, self.book, self.out)
        copy_page_setup(self.ws, self.out)
        copy_print_ranges(self.ws, self.out)
        copy_view(self.ws, self.out)

    def columns(self) -> None:
        """Widths (the same width Excel stores), formats, hidden columns and outline levels."""
        for key, dim in self.ws.column_dimensions.items():
            first = dim.min or range_boundaries(f"{key}1")[0]
            last = dim.max or first
            pixels = round(dim.width * PIXELS_PER_CHARACTER) if dim.customWidth and dim.width else None
            options = {"hidden": bool(dim.hidden), "level": int(dim.outlineLevel or 0),
                       "collapsed": bool(dim.collapsed)}
            fmt = self.formats.of(dim) if dim.has_style else None
            if pixels is None and fmt is None and not any(options.values()):
                continue
            _checked(self.out.set_column_pixels(first - 1, last - 1, pixels, fmt, options), self.where(),
                     f"column {key}")

    def rows(self) -> None:
        """Heights, formats, hidden rows and outline levels."""
        for index, dim in self.ws.row_dimensions.items():
            height = float(dim.ht) if dim.ht is not None else None
            options = {"hidden": bool(dim.hidden), "level": int(dim.outlineLevel or 0),
                       "collapsed": bool(dim.collapsed)}
            fmt = self.formats.of(dim) if dim.has_style else None
            if height is None and fmt is None and not any(options.values()):
                continue
            _checked(self.out.set_row(index - 1, height, fmt, options), self.where(), f"row {index}")

    def tables(self) -> None:
        """Excel tables with their names, styles and filter buttons; the cells are written after."""
        for table in self.ws.tables.values():
            first_col, first_row, last_col, last_row = range_boundaries(table.ref)
            header_row = table.headerRowCount != 0
            headers = []
            for col in range(first_col, last_col + 1):
                value = self.ws.cell(row=first_row, column=col).value if header_row else None
                headers.append({"header": plain_text(str(value)) if value is not None
                                else f"Column{col - first_col + 1}"})
            style = table.tableStyleInfo
            options: dict[str, Any] = {
                "name": table.displayName, "columns": headers, "header_row": header_row,
                "autofilter": header_row, "total_row": bool(table.totalsRowCount),
                "style": style.name if style is not None else None,
                "banded_rows": bool(style.showRowStripes) if style is not None else False,
                "banded_columns": bool(style.showColumnStripes) if style is not None else False,
                "first_column": bool(style.showFirstColumn) if style is not None else False,
                "last_column": bool(style.showLastColumn) if style is not None else False,
            }
            _checked(self.out.add_table(first_row - 1, first_col - 1, last_row - 1, last_col - 1, options),
                     self.where(first_row, first_col), f"the table {table.displayName}")

    def merges(self) -> None:
        """Merged ranges; their first cell's value and every cell's format are written with the cells."""
        for merged in self.ws.merged_cells.ranges:
            if merged.min_row == merged.max_row and merged.min_col == merged.max_col:
                continue
            top_left = self.ws.cell(row=merged.min_row, column=merged.min_col)
            _checked(self.out.merge_range(merged.min_row - 1, merged.min_col - 1, merged.max_row - 1,
                                          merged.max_col - 1, "", self.formats.of(top_left)),
                     self.where(merged.min_row, merged.min_col), f"the merged range {merged.coord}")

    def cell(self, cell: Cell | MergedCell) -> None:
        """One cell: its value (text as text, a formula with its saved figure), format, link and comment."""
        row, col = cell.row - 1, cell.column - 1
        fmt = self.formats.of(cell)
        value = cell.value
        result: int | None = 0
        what = "the value"
        if cell.hyperlink is not None:
            self.link(cell, fmt)
        elif value is None:
            if fmt is not None:
                result, what = self.out.write_blank(row, col, None, fmt), "the cell's format"
        elif cell.data_type == "f":
            result, what = self.formula(cell, fmt), "the formula"
        elif isinstance(value, str):
            result, what = self.out.write_string(row, col, plain_text(value), fmt), "the text"
        elif isinstance(value, bool):
            result = self.out.write_boolean(row, col, value, fmt)
        elif isinstance(value, (int, float)):
            if not math.isfinite(value):
                raise PooledfundError(f"{self.where(cell.row, cell.column)}: {value} is not a number a workbook "
                                      "can hold")
            result = self.out.write_number(row, col, value, fmt)
        elif isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
            result = self.out.write_datetime(row, col, value, fmt)
        else:
            raise PooledfundError(f"{self.where(cell.row, cell.column)}: the pack's writer cannot save a "
                                  f"{type(value).__name__} value")
        if _refused(result):
            _checked(result, self.where(cell.row, cell.column), what)
        if cell.comment is not None:
            comment = cell.comment
            options = {"author": comment.author or "", "width": round(comment.width * 4 / 3),
                       "height": round(comment.height * 4 / 3)}
            _checked(self.out.write_comment(row, col, plain_text(comment.text), options),
                     self.where(cell.row, cell.column), "the comment")

    def formula(self, cell: Cell, fmt: Any) -> int | None:
        """A formula and the figure the engine gives for it (XlsxWriter's result); one with no figure is refused."""
        if not isinstance(cell.value, str):
            raise PooledfundError(f"{self.where(cell.row, cell.column)}: the pack's writer saves plain formulas "
                                  f"only, not a {type(cell.value).__name__}")
        expected = self.expectations.cells.get((self.ws.title, cell.coordinate))
        if expected is None:
            raise PooledfundError(f"{self.where(cell.row, cell.column)}: the formula {cell.value} has no figure "
                                  "recorded for it, so the pack would show it blank until recalculated; every "
                                  "formula must be written through cells.Sheet.formula")
        result: int | None = self.out.write_formula(cell.row - 1, cell.column - 1, cell.value, fmt,
                                                    saved_value(expected))
        return result

    def link(self, cell: Cell, fmt: Any) -> None:
        """A link to a place in the workbook or a web address, showing the cell's text."""
        where = self.where(cell.row, cell.column)
        link = cell.hyperlink
        if link.location:
            url = f"internal:{link.location}"
        elif link.target and link.target.startswith("#"):
            url = f"internal:{link.target[1:]}"
        elif link.target and link.target.startswith(("http://", "https://", "ftp://", "mailto:")):
            url = link.target
        else:
            raise PooledfundError(f"{where}: the link {link.target!r} is neither a place in the workbook nor a web "
                                  "or mail address")
        if cell.value is not None and not isinstance(cell.value, str):
            raise PooledfundError(f"{where}: a link must show text")
        # The built-in Hyperlink style is XlsxWriter's own link format (None); any other style is copied.
        link_format = None if cell.style == "Hyperlink" else fmt
        shown = plain_text(cell.value) if cell.value is not None else None
        _checked(self.out.write_url(cell.row - 1, cell.column - 1, url, link_format, shown, link.tooltip),
                 where, "the link")

    def conditional_formats(self) -> None:
        """Rules that colour cells by their value, in priority order (Pass green, Fail red)."""
        found: list[tuple[int, str, Rule]] = []
        for formatting in self.ws.conditional_formatting:
            for rule in formatting.rules:
                found.append((int(rule.priority or 0), str(formatting.sqref), rule))
        for _, sqref, rule in sorted(found, key=lambda item: item[0]):
            options = self.rule_options(rule, sqref)
            ranges = sqref.split()
            first_col, first_row, last_col, last_row = range_boundaries(ranges[0])
            if len(ranges) > 1:
                options["multi_range"] = sqref
            _checked(self.out.conditional_format(first_row - 1, first_col - 1, last_row - 1, last_col - 1, options),
                     self.where(first_row, first_col), f"the conditional format on {sqref}")

    def rule_options(self, rule: Rule, sqref: str) -> dict[str, Any]:
        """XlsxWriter options for one conditional-formatting rule (cell value, formula or text)."""
        options: dict[str, Any] = {}
        formulas = list(rule.formula or [])
        if rule.type == "cellIs" and rule.operator in CELL_OPERATORS:
            options.update(type="cell", criteria=CELL_OPERATORS[rule.operator])
            if rule.operator in ("between", "notBetween"):
                options.update(minimum=formulas[0], maximum=formulas[1])
            else:
                options["value"] = formulas[0]
        elif rule.type == "expression":
            options.update(type="formula", criteria="=" + formulas[0])
        elif rule.type in TEXT_OPERATORS and rule.text is not None:
            options.update(type="text", criteria=TEXT_OPERATORS[rule.type], value=rule.text)
        else:
            raise PooledfundError(f"{self.where()}: the conditional format on {sqref} is a {rule.type} rule, which "
                                  "the pack's writer does not copy")
        fmt = self.formats.differential(rule.dxf)
        if fmt is not None:
            options["format"] = fmt
        if rule.stopIfTrue:
            options["stop_if_true"] = True
        return options

    def validations(self) -> None:
        """Data validation (allowed values, drop-down lists, input and error messages)."""
        for validation in self.ws.data_validations.dataValidation:
            kind = VALIDATION_TYPES.get(validation.type)
            if kind is None:
                raise PooledfundError(f"{self.where()}: data validation of type {validation.type!r} is not copied")
            options: dict[str, Any] = {"validate": kind, "ignore_blank": bool(validation.allow_blank),
                                       "dropdown": not validation.showDropDown,
                                       "show_input": bool(validation.showInputMessage),
                                       "show_error": bool(validation.showErrorMessage),
                                       "error_type": validation.errorStyle or "stop"}
            if kind not in ("any", "list", "custom"):
                options["criteria"] = CELL_OPERATORS[validation.operator or "between"]
            if validation.formula1 is not None:
                options["value"] = validation.formula1
            if validation.formula2 is not None:
                options["maximum"] = validation.formula2
            for key, text in (("input_title", validation.promptTitle), ("input_message", validation.prompt),
                              ("error_title", validation.errorTitle), ("error_message", validation.error)):
                if text:
                    options[key] = text
            if kind == "any" and "input_title" not in options and "input_message" not in options:
                continue  # allows anything and says nothing: there is nothing to copy
            ranges = str(validation.sqref).split()
            first_col, first_row, last_col, last_row = range_boundaries(ranges[0])
            if len(ranges) > 1:
                options["multi_range"] = " ".join(ranges)
            _checked(self.out.data_validation(first_row - 1, first_col - 1, last_row - 1, last_col - 1, options),
                     self.where(first_row, first_col), f"the data validation on {validation.sqref}")


def _properties(workbook: Workbook, book: XlsxBook) -> None:
    """Title, author and the other document properties, and any custom ones."""
    props = workbook.properties
    mapping: dict[str, Any] = {"title": props.title, "subject": props.subject, "author": props.creator,
                               "keywords": props.keywords, "comments": props.description,
                               "category": props.category, "status": props.contentStatus}
    options = {key: value for key, value in mapping.items() if value}
    if props.created is not None:
        options["created"] = props.created
    book.set_properties(options)
    for prop in workbook.custom_doc_props.props:
        _checked(book.set_custom_property(prop.name, prop.value), "the workbook",
                 f"the document property {prop.name}")


def _defined_names(workbook: Workbook, book: XlsxBook) -> None:
    """Workbook and sheet names (print areas and titles are set on each sheet)."""
    scoped: list[tuple[str, Any]] = [("", name) for name in workbook.defined_names.values()]
    for ws in workbook.worksheets:
        scoped += [(ws.title, name) for name in ws.defined_names.values()]
    for sheet, name in scoped:
        if name.name.startswith("_xlnm."):
            continue
        if name.hidden:
            raise PooledfundError(f"the defined name {name.name} is hidden, which the pack's writer cannot copy")
        full = f"{quote(sheet)}!{name.name}" if sheet else name.name
        _checked(book.define_name(full, "=" + str(name.attr_text)), "the workbook", f"the defined name {name.name}")


def write_xlsx(workbook: Workbook, expectations: Expectations, target: io.BytesIO) -> None:
    """Write ``workbook`` to ``target`` with XlsxWriter, every formula saved with its expected figure.

    Raises:
        PooledfundError: a formula has no expected figure, or the document uses something the writer
            cannot copy (named with its sheet and cell); nothing usable is written to ``target`` then.
    """
    if workbook.chartsheets:
        raise PooledfundError("the workbook has a chart sheet, which the pack's writer does not copy")
    options = dict(BOOK_OPTIONS, date_1904=workbook.epoch == CALENDAR_MAC_1904)
    book = xlsxwriter.Workbook(target, options)
    formats = FormatCache(book)
    try:
        # Every sheet is added first, so formulas and charts may refer to any of them.
        writers = [_SheetWriter(ws, book.add_worksheet(ws.title, worksheet_class=PackWorksheet), book, formats,
                               expectations)
                   for ws in workbook.worksheets]
        for writer in writers:
            writer.write()
        _defined_names(workbook, book)
        _properties(workbook, book)
        book.worksheets()[workbook.worksheets.index(workbook.active)].activate()
        book.close()
    except XlsxWriterException as error:
        raise PooledfundError(f"the pack could not be written: {error}") from error


def xlsx_bytes(workbook: Workbook, expectations: Expectations) -> bytes:
    """The .xlsx bytes of ``workbook`` as written by :func:`write_xlsx`."""
    buffer = io.BytesIO()
    write_xlsx(workbook, expectations, buffer)
    return buffer.getvalue()

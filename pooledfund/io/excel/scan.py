"""A workbook's zip and XML checked before openpyxl reads it: sizes, rows, cells and well-formed XML.

openpyxl reads a whole workbook into memory, several times the size of its
XML, and raises a bare parse error (a traceback) on damaged XML. So every
part is checked first, as a stream that is never held whole in memory:

* the number of parts, their total unpacked size and each part's size, from
  the zip's directory (the zip module never unpacks more than a part says it
  holds, so these sizes bound what is read);
* every XML part parsed with defusedxml (entity declarations and external
  references refused), a damaged one reported with its part, its sheet's name,
  the line and the column;
* in each worksheet, the rows, the cells and the furthest cell, counted as
  they are parsed, and in every part the characters of text (cell text,
  shared strings, formulas, and the spaces between elements, which a
  workbook can be padded with): the scan stops at the first one over a limit.

The first problem found is the only one reported: a workbook over a limit
or with damaged XML cannot be read any further.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from pooledfund.core.errors import InputError, Source

_ROOT_RELS = "_rels/.rels"
_DEFAULT_WORKBOOK = "xl/workbook.xml"
_XML_ENDINGS = (".xml", ".rels")
_REFERENCE = re.compile(r"^([A-Za-z]+)(\d+)$")
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)


@dataclass(frozen=True)
class Limits:
    """How much of a workbook is read at most (see docs/limits.md, section Workbooks)."""

    unpacked_bytes: int
    part_bytes: int
    parts: int
    rows: int
    cells: int
    #: The most characters of text in all the workbook's XML (openpyxl keeps every one in memory).
    text_chars: int = 50_000_000


class _Refused(Exception):
    """Raised from inside the parser when a sheet passes a limit: parsing stops there."""


@dataclass
class _Count:
    """What the scan has seen so far: cells in the whole workbook, and the furthest cell of this sheet."""

    cells: int = 0
    chars: int = 0
    row: int = 0
    column: int = 0
    last_row: int = 0
    last_column: int = 0


@dataclass
class _Relations:
    """The workbook's sheets as the scan meets them: name by relation id, and part by relation id."""

    names: dict[str, str] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)


def _local(qname: str) -> str:
    """An element's name without its namespace prefix."""
    return qname[qname.find(":") + 1:]


class _Handler(ContentHandler):
    """Collects the workbook's sheet list and relations, and counts a worksheet's rows and cells."""

    def __init__(self, limits: Limits, count: _Count, relations: _Relations, *, worksheet: bool) -> None:
        super().__init__()
        self.limits = limits
        self.count = count
        self.relations = relations
        self.worksheet = worksheet
        self.columns: dict[str, int] = {}

    def startElement(self, name: str, attrs: AttributesImpl[str]) -> None:
        """Count a row or a cell of a worksheet; note a sheet or a relation of the workbook."""
        local = _local(name)
        if self.worksheet:
            if local == "c":
                self._cell(attrs.get("r", ""))
            elif local == "row":
                self._row(attrs.get("r", ""))
        elif local == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            self.relations.names[rid] = attrs.get("name", "")
        elif local == "Relationship":
            rid = attrs.get("Id", "")
            self.relations.targets[rid] = attrs.get("Target", "")
            self.relations.kinds[rid] = attrs.get("Type", "")

    def characters(self, content: str) -> None:
        """Count the text (and spaces) between elements: a workbook padded with text is refused once over the limit."""
        count = self.count
        count.chars += len(content)
        if count.chars > self.limits.text_chars:
            raise _Refused(f"the workbook holds more than {self.limits.text_chars:,} characters of text; a workbook "
                           "that big is refused (reading stopped there): copy the expenditure plan alone into a new "
                           "workbook")

    def _row(self, number: str) -> None:
        count = self.count
        count.row = int(number) if number.isdigit() else count.row + 1
        count.column = 0
        self._reach()

    def _cell(self, reference: str) -> None:
        count = self.count
        count.cells += 1
        if count.cells > self.limits.cells:
            raise _Refused(f"the workbook has more than {self.limits.cells:,} cells; a workbook that big is refused: "
                           "copy the expenditure plan alone into a new workbook")
        if reference:
            count.column, count.row = self._position(reference)
        else:
            count.column += 1
        if count.row > count.last_row or count.column > count.last_column:
            self._reach()

    def _position(self, reference: str) -> tuple[int, int]:
        """The column and row of a cell reference such as ``B7`` (the column's number is remembered)."""
        match = _REFERENCE.match(reference)
        row = int(match.group(2)) if match else 0
        if match is None or row < 1 or len(match.group(1)) > 3:
            raise _Refused(f"a cell's reference {reference[:20]!r} is not a cell such as B7; open the workbook in "
                           "Excel and save it again")
        letters = match.group(1)
        column = self.columns.get(letters)
        if column is None:
            column = self.columns[letters] = column_index_from_string(letters.upper())
        return column, row

    def _reach(self) -> None:
        """Check how far the sheet now reaches: its last row, and the rectangle openpyxl would fill."""
        count = self.count
        if count.row > self.limits.rows:
            raise _Refused(f"the sheet reaches row {count.row:,}; a sheet of more than {self.limits.rows:,} rows is "
                           "refused (reading stopped there): delete the rows below the plan, or copy the plan into a "
                           "new workbook")
        count.last_row = max(count.last_row, count.row)
        count.last_column = max(count.last_column, count.column)
        if count.last_row * count.last_column > self.limits.cells:
            corner = f"{get_column_letter(count.last_column)}{count.last_row}"
            raise _Refused(f"the sheet's cells reach as far as {corner}, which makes {count.last_row:,} rows by "
                           f"{count.last_column:,} columns to read; more than "
                           f"{self.limits.cells:,} cells is refused: delete the rows and columns beyond the plan")


def _part_source(name: str, part: str, sheet: str, where: str = "") -> Source:
    """``book.xlsx xl/worksheets/sheet1.xml (sheet 'Plan') line 2, column 7``: where a problem is."""
    label = f"{part} (sheet {sheet!r})" if sheet else part
    return Source(name, None, f"{label} {where}".rstrip())


def _parse(stream: IO[bytes], handler: _Handler) -> str:
    """Parse one part with defusedxml; "" if it is well formed, else what is wrong and where."""
    parser = make_parser()
    parser.setContentHandler(handler)
    try:
        parser.parse(stream)
    except SAXParseException as exc:
        message = exc.getMessage()
        where = f"line {exc.getLineNumber() or 1}, column {(exc.getColumnNumber() or 0) + 1}"
        if message.startswith(("no element found", "unclosed token")):
            return f"{where}\0the XML stops part-way ({message}): the file was cut short; save it again from Excel"
        return f"{where}\0the XML is damaged ({message}); open the workbook in Excel and save it again"
    except DefusedXmlException as exc:
        return f"\0{_refused_declaration(exc)}"
    return ""


def _refused_declaration(exc: DefusedXmlException) -> str:
    """What defusedxml refused, in words: an entity, a document type or a reference to another file."""
    kind = {"DTDForbidden": "a document type", "ExternalReferenceForbidden": "a reference to another file"}.get(
        type(exc).__name__, "an entity")
    name = getattr(exc, "name", None)
    target = getattr(exc, "system_id", None) or getattr(exc, "sysid", None)
    named = f" named {name!r}" if name else ""
    pointing = f" pointing at {target}" if target else ""
    return (f"the XML declares {kind}{named}{pointing}, which is refused: a workbook never needs one, and it can be "
            "used to read other files or exhaust memory")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, handler: _Handler, name: str,
               sheet: str) -> InputError | None:
    """Parse one XML part as a stream; the problem found, located, or None."""
    try:
        with archive.open(info) as stream:
            problem = _parse(stream, handler)
    except _Refused as exc:
        return InputError(_part_source(name, info.filename, sheet), str(exc))
    except _DAMAGED as exc:
        return InputError(_part_source(name, info.filename, sheet),
                          f"the part is damaged and cannot be unpacked ({exc}); open the workbook in Excel and save "
                          "it again")
    if not problem:
        return None
    where, _, message = problem.partition("\0")
    return InputError(_part_source(name, info.filename, sheet, where), message)


def _size_errors(infos: list[zipfile.ZipInfo], name: str, limits: Limits) -> list[InputError]:
    """The workbook's parts against the limits on their number and total size (from the zip's directory)."""
    if len(infos) > limits.parts:
        return [InputError(Source(name), f"the workbook has {len(infos):,} parts; over {limits.parts:,} is refused")]
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.unpacked_bytes:
        return [InputError(Source(name), f"the workbook unpacks to {unpacked:,} bytes; over "
                                         f"{limits.unpacked_bytes:,} bytes is refused")]
    return []


def _too_big(info: zipfile.ZipInfo, name: str, sheet: str, limits: Limits) -> InputError | None:
    if info.file_size <= limits.part_bytes:
        return None
    return InputError(_part_source(name, info.filename, sheet),
                      f"this part unpacks to {info.file_size:,} bytes; a part over {limits.part_bytes:,} bytes is "
                      "refused: copy the expenditure plan alone into a new workbook")


def _resolve(base: str, target: str) -> str:
    """A relation's target as a part name (relative to the folder of ``base``, or absolute)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo | None, name: str, limits: Limits,
               relations: _Relations) -> InputError | None:
    """Check and parse one of the package's own parts (relations, the workbook), noting what it lists."""
    if info is None:
        return None
    handler = _Handler(limits, _Count(), relations, worksheet=False)
    return _too_big(info, name, "", limits) or _scan_part(archive, info, handler, name, "")


def _scan_structure(archive: zipfile.ZipFile, name: str,
                    limits: Limits) -> tuple[dict[str, str], set[str], InputError | None]:
    """The worksheets' parts with their sheet names, and the parts read to find them (or the problem found).

    The package's relations say which part is the workbook; the workbook
    lists the sheets by relation id; its relations give each sheet's part.
    """
    by_name = {info.filename: info for info in archive.infolist()}
    package = _Relations()
    problem = _read_part(archive, by_name.get(_ROOT_RELS), name, limits, package)
    workbook_part = next((_resolve("", target) for rid, target in package.targets.items()
                          if package.kinds[rid].endswith("/officeDocument")), _DEFAULT_WORKBOOK)
    rels_part = posixpath.join(posixpath.dirname(workbook_part), "_rels", posixpath.basename(workbook_part) + ".rels")
    book = _Relations()
    problem = (problem or _read_part(archive, by_name.get(workbook_part), name, limits, book)
               or _read_part(archive, by_name.get(rels_part), name, limits, book))
    sheets = {_resolve(workbook_part, target): book.names.get(rid, "")
              for rid, target in book.targets.items() if book.kinds[rid].endswith("/worksheet")}
    return sheets, {_ROOT_RELS, workbook_part, rels_part}, problem


def scan_workbook(data: bytes, name: str, limits: Limits) -> list[InputError]:
    """Every check above on a workbook's bytes; the first problem found, located (empty if none)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return [InputError(Source(name), "this is not an Excel workbook (.xlsx); save it as an Excel workbook")]
    with archive:
        infos = archive.infolist()
        errors = _size_errors(infos, name, limits)
        if errors:
            return errors
        sheets, done, problem = _scan_structure(archive, name, limits)
        problem = problem or next((p for info in infos
                                   if (p := _too_big(info, name, sheets.get(info.filename, ""), limits))), None)
        count = _Count()
        for info in infos:
            if problem is not None:
                return [problem]
            if info.filename in done or not info.filename.endswith(_XML_ENDINGS):
                continue
            count.row = count.column = count.last_row = count.last_column = 0
            handler = _Handler(limits, count, _Relations(), worksheet=info.filename in sheets)
            problem = _scan_part(archive, info, handler, name, sheets.get(info.filename, ""))
    return [problem] if problem is not None else []

"""LibreOffice (headless) as a second opinion: recalculate a workbook, or render a sheet to PNG.

* :func:`recalculate_xlsx`: every formula recalculated on load (a throw-away
  profile sets "recalculation on file load" to always), saved as .xlsx whose
  cached values openpyxl can read; the tests compare them with the engine.
* :func:`render_sheet_png`: every other sheet hidden, the pack printed to PDF
  and page 1 turned into a PNG by pdftoppm, to check the print layout by eye.
* :func:`print_pdf` and :func:`printed_pages`: the whole pack printed to PDF
  as a board member would print it (recalculated, each sheet's own page
  set-up), then every page's words with their printed heights and the sheet
  they belong to (read from the footer), from poppler's ``pdftotext -bbox``.

They need ``soffice`` (and ``pdftoppm`` or ``pdftotext``) on PATH.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pooledfund.core.errors import PooledfundError
from pooledfund.io.excel.export import build_pack, pack_bytes
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def _soffice() -> str:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise PooledfundError("LibreOffice (soffice) is not installed")
    return soffice


def _convert(book: Path, work: Path, target: str, timeout: float) -> None:
    """Run soffice --convert-to with a fresh profile that recalculates every formula on load."""
    profile = work / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
    (work / "out").mkdir(exist_ok=True)
    subprocess.run(
        [_soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nolockcheck",
         "--convert-to", target, "--outdir", str(work / "out"), str(book)],
        check=True, capture_output=True, timeout=timeout,
    )


def _converted_copy(book: str | Path, out: str | Path, target: str, failure: str, timeout: float) -> Path:
    """Convert a copy of ``book`` with LibreOffice (``target``: its filter) and move the result to ``out``."""
    with tempfile.TemporaryDirectory(prefix="pooledfund_libreoffice_") as folder:
        work = Path(folder)
        copy = work / "book.xlsx"
        shutil.copyfile(book, copy)
        _convert(copy, work, target, timeout)
        result = work / "out" / f"book.{target.split(':')[0]}"
        if not result.exists():
            raise PooledfundError(failure)
        destination = Path(out)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(result), destination)
    return destination


def recalculate_xlsx(book: str | Path, out: str | Path, *, timeout: float = 180) -> Path:
    """Recalculate every formula of ``book`` with LibreOffice and save the result as ``out``."""
    return _converted_copy(book, out, "xlsx:Calc MS Excel 2007 XML", f"LibreOffice could not load {book}", timeout)


def render_sheet_png(
    agreement: Agreement, scenarios: list[Scenario], sheet: str, out_png: str | Path, *, dpi: int = 110,
    timeout: float = 180,
) -> Path:
    """Write page 1 of ``sheet`` as printed (A4, as set up) to ``out_png``; return its path."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise PooledfundError("rendering needs poppler (pdftoppm) installed")
    workbook, expectations = build_pack(agreement, scenarios)
    if sheet not in workbook.sheetnames:
        raise PooledfundError(f"the pack has no sheet {sheet!r}")
    for ws in workbook.worksheets:
        ws.sheet_state = "visible" if ws.title == sheet else "hidden"
        if ws.title != sheet:
            ws.print_area = None  # LibreOffice prints a hidden sheet's print area all the same
    workbook.active = workbook.sheetnames.index(sheet)
    with tempfile.TemporaryDirectory(prefix="pooledfund_render_") as folder:
        work = Path(folder)
        book = work / "pack.xlsx"
        book.write_bytes(pack_bytes(workbook, expectations))
        _convert(book, work, "pdf", timeout)
        pdf = work / "out" / "pack.pdf"
        if not pdf.exists():
            raise PooledfundError("LibreOffice did not produce a PDF of the pack")
        subprocess.run([pdftoppm, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(work / "page")], check=True, capture_output=True, timeout=timeout)
        target = Path(out_png)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(work / "page.png"), target)
    return target


def print_pdf(book: str | Path, out_pdf: str | Path, *, timeout: float = 300) -> Path:
    """Recalculate ``book`` and print every sheet to ``out_pdf`` with LibreOffice, as its page set-up says."""
    return _converted_copy(book, out_pdf, "pdf", f"LibreOffice did not print {book} to PDF", timeout)


@dataclass(frozen=True)
class PrintedPage:
    """One printed page: its number, the sheet it shows, and each word with its height in points."""

    number: int
    sheet: str
    words: list[tuple[str, float]]
    #: The page's height in points, and each word with its top and bottom (points down from the page's top).
    height: float = 0.0
    boxes: tuple[tuple[str, float, float], ...] = ()
    #: Each word (in the order of ``boxes``) with its left and right edges, in points from the page's left.
    spans: tuple[tuple[str, float, float], ...] = ()

    @property
    def smallest(self) -> float:
        """The height of the smallest word with a letter, digit or £ in it (punctuation alone is smaller)."""
        return min((h for w, h in self.words if _READABLE.search(w)), default=0.0)


_READABLE = re.compile(r"[A-Za-z0-9£]")
_PAGE_HEIGHT = re.compile(r'width="[\d.]+" height="([\d.]+)"')
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def printed_pages(pdf: str | Path, sheets: list[str], *, timeout: float = 120) -> list[PrintedPage]:
    """Every page of ``pdf`` with its words' heights; its sheet is the one its footer names (``Name - page N``).

    A page whose footer names none of ``sheets`` gets the sheet ``""``.
    """
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        raise PooledfundError("reading a printed pack needs poppler (pdftotext) installed")
    text = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], check=True, capture_output=True, timeout=timeout,
                          text=True, encoding="utf-8", errors="replace").stdout
    footer = re.compile("(" + "|".join(re.escape(s) for s in sorted(sheets, key=len, reverse=True))
                        + r") - page \d+ of \d+")
    pages = []
    for number, page in enumerate(re.split(r"<page ", text)[1:], start=1):
        found_words = _WORD.findall(page)
        boxes = tuple((html.unescape(word), float(top), float(bottom)) for _, top, _, bottom, word in found_words)
        spans = tuple((html.unescape(word), float(left), float(right)) for left, _, right, _, word in found_words)
        words = [(word, bottom - top) for word, top, bottom in boxes]
        found = footer.search(" ".join(w for w, _ in words))
        size = _PAGE_HEIGHT.match(page)
        pages.append(PrintedPage(number, found.group(1) if found else "", words,
                                 float(size.group(1)) if size else 0.0, boxes, spans))
    return pages

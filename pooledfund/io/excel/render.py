"""LibreOffice (headless) as a second opinion: recalculate a workbook, or render a sheet to PNG.

* :func:`recalculate_xlsx`: every formula recalculated on load (a throw-away
  profile sets "recalculation on file load" to always), saved as .xlsx whose
  cached values openpyxl can read; the tests compare them with the engine.
* :func:`render_sheet_png`: every other sheet hidden, the pack printed to PDF
  and page 1 turned into a PNG by pdftoppm, to check the print layout by eye.

Both need ``soffice`` (and ``pdftoppm`` for PNG) on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
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


def recalculate_xlsx(book: str | Path, out: str | Path, *, timeout: float = 180) -> Path:
    """Recalculate every formula of ``book`` with LibreOffice and save the result as ``out``."""
    with tempfile.TemporaryDirectory(prefix="pooledfund_recalc_") as folder:
        work = Path(folder)
        copy = work / "book.xlsx"
        shutil.copyfile(book, copy)
        _convert(copy, work, "xlsx:Calc MS Excel 2007 XML", timeout)
        result = work / "out" / "book.xlsx"
        if not result.exists():
            raise PooledfundError(f"LibreOffice could not load {book}")
        shutil.move(str(result), out)
    return Path(out)


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

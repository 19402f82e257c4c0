"""Time and memory to refuse hostile or damaged workbooks on import, each in a fresh process.

Run: python benchmarks/bench_import_limits.py
Builds, in a temporary folder:

* a 1 MB workbook whose one sheet unpacks to ~190 MB (rows padded with spaces);
* a ~410 KB workbook of ~177 MB spread over four sheets, each part under the
  part limit and the whole under the unpacked limit (so the XML is parsed);
* a sheet with 1,048,576 rows (Excel's most);
* a sheet whose XML stops part-way (truncated);
* a sheet declaring an external entity (file:///etc/passwd);

then runs ``pooledfund import-xlsx`` on each in a child process and prints
the exit code, seconds, peak memory (the child's own high-water mark,
VmHWM) and the number of error lines on stderr, with whether any
traceback reached the user. Target: each refused in seconds, under 500 MB,
with one error line (plus the count line).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
SHEET = "xl/worksheets/sheet1.xml"


def _plain_plan(sheets: int = 1) -> bytes:
    """A small, valid template plan (and blank extra sheets), the base every hostile workbook is built on."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Plan"
    ws.append(["Scheme ID", "Scheme Name", "Scheme Type", "Area of Spend", "Commissioner", "Provider",
               "Source of Funding", "Expenditure 2025-26"])
    ws.append(["R1", "Reablement", "Home-based intermediate care services", "Social Care", "LA", "LA",
               "Minimum NHS Contribution", 1_000_000])
    for index in range(2, sheets + 1):
        workbook.create_sheet(f"Sheet{index}")["A1"] = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_parts(path: Path, base: bytes, parts: dict[str, Callable[[], Iterator[bytes]]]) -> None:
    """Copy ``base`` to ``path``, writing each named part from its stream of chunks (never whole in memory)."""
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info.filename, source.read(info.filename))
                continue
            with target.open(info.filename, "w", force_zip64=True) as part:
                for chunk in parts[info.filename]():
                    part.write(chunk)


def _rows(count: int, row_xml: Callable[[int], str], head: bytes = b"") -> Callable[[], Iterator[bytes]]:
    """A sheet part of ``count`` rows, in chunks of 10,000 rows."""

    def stream() -> Iterator[bytes]:
        yield (b'<?xml version="1.0" encoding="UTF-8"?>' + head +
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        for start in range(1, count + 1, 10_000):
            yield "".join(row_xml(n) for n in range(start, min(start + 10_000, count + 1))).encode()
        yield b"</sheetData></worksheet>"

    return stream


def build(folder: Path) -> list[tuple[str, Path]]:
    """Every hostile workbook, with what it is."""
    books = []
    padded = '<row r="{n}"><c r="A{n}"><v>1</v></c></row>' + " " * 3000
    book = folder / "unpacks_to_190mb.xlsx"
    _with_parts(book, _plain_plan(), {SHEET: _rows(63_000, lambda n: padded.format(n=n))})
    books.append(("1 MB workbook, one sheet of ~190 MB", book))

    # four sheets of ~44 MB each: every part under the 50 MB part limit, ~177 MB in all under the 200 MB limit,
    # few rows and cells (spaces between them), so only the text limit stops it
    spaced = '<row r="{n}"><c r="A{n}"><v>1</v></c></row>' + " " * 4400
    book = folder / "four_sheets_177mb.xlsx"
    _with_parts(book, _plain_plan(4), {f"xl/worksheets/sheet{i}.xml": _rows(10_000, lambda n: spaced.format(n=n))
                                       for i in (1, 2, 3, 4)})
    books.append(("~410 KB workbook, four sheets of ~44 MB (~177 MB)", book))

    # the same size as cells of text: 420,000 cells (under the cell limit) of 400 characters
    cell = '<c r="{col}{n}" t="inlineStr"><is><t>' + "x" * 400 + "</t></is></c>"
    wide = "".join(cell.replace("{col}", letter) for letter in "ABCDEFGHIJ")
    book = folder / "four_sheets_of_text.xlsx"
    _with_parts(book, _plain_plan(4), {f"xl/worksheets/sheet{i}.xml": _rows(
        10_500, lambda n: f'<row r="{n}">{wide.replace("{n}", str(n))}</row>') for i in (1, 2, 3, 4)})
    books.append(("four sheets of text cells (~177 MB, 420,000 cells)", book))

    book = folder / "million_rows.xlsx"
    _with_parts(book, _plain_plan(), {SHEET: _rows(1_048_576, lambda n: f'<row r="{n}"><c><v>{n}</v></c></row>')})
    books.append(("1,048,576-row sheet", book))

    base = _plain_plan()
    with zipfile.ZipFile(io.BytesIO(base)) as source:
        whole = source.read(SHEET)
    book = folder / "truncated.xlsx"
    _with_parts(book, base, {SHEET: lambda: iter([whole[: len(whole) // 2]])})
    books.append(("sheet XML truncated half-way", book))

    entity = b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    book = folder / "external_entity.xlsx"
    _with_parts(book, base, {SHEET: lambda: iter([entity + whole.replace(b"<v>1000000</v>",
                                                                         b"<is><t>&e;</t></is>", 1)])})
    books.append(("external entity (file:///etc/passwd)", book))
    return books


def refuse(book: Path, out: Path) -> dict:
    """Import ``book`` through the command line in a fresh process: exit code, seconds, peak MB, stderr lines."""
    script = textwrap.dedent(f"""
        import json, resource, sys, time
        start = time.perf_counter()
        from pooledfund.cli.app import main
        code = main(["import-xlsx", {str(book)!r}, "-o", {str(out)!r}])
        seconds = time.perf_counter() - start
        try:
            with open("/proc/self/status") as status:
                peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        except OSError:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"code": code, "seconds": seconds, "peak_mb": peak / 1024}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=False)
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {"code": done.returncode, "seconds": float("nan"),
                                                  "peak_mb": float("nan")}
    result["stderr"] = done.stderr.strip().splitlines()
    return result


def main() -> None:
    """Build each workbook, refuse it in a child process, print the figures."""
    print("pooledfund import-xlsx: refusing hostile workbooks (each in a fresh process)")
    print(f"{'workbook':52} {'file':>9} {'unpacked':>9} {'exit':>4} {'seconds':>8} {'peak MB':>8} {'lines':>5}")
    with tempfile.TemporaryDirectory() as folder:
        for what, book in build(Path(folder)):
            with zipfile.ZipFile(book) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
            result = refuse(book, Path(folder) / "out.yaml")
            errors = [line for line in result["stderr"] if not line.endswith("found.")]
            traceback = any(line.startswith("Traceback") for line in result["stderr"])
            print(f"{what:52} {book.stat().st_size / 1e3:>7.0f}kB {unpacked / 1e6:>7.1f}MB {result['code']:>4} "
                  f"{result['seconds']:>8.2f} {result['peak_mb']:>8.0f} {len(errors):>5}"
                  + ("  TRACEBACK" if traceback else ""))
            for line in errors[:2]:
                print(f"    {line[:160]}")


if __name__ == "__main__":
    main()

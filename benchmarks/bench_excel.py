"""Time the Excel sign-off pack: export, import back, and (if LibreOffice is installed) recalculation.

Run: python benchmarks/bench_excel.py
Prints the median wall-clock time of building the pack's bytes for each
example and for the generated 200-scheme, 6-partner, 5-year pooled fund of
bench_engine.py (target: under 3 s), split into building the sheets and
saving them with XlsxWriter (beside openpyxl's own save, for comparison),
the number of formula cells, the time to read the pack back into an
agreement, one LibreOffice recalculation, and the generated pack printed to
PDF: the time, its pages per sheet and the smallest printed word.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from pathlib import Path

from bench_engine import generated_agreement, median_seconds

from pooledfund.io.excel import agreement_from_workbook_bytes, build_pack, workbook_bytes
from pooledfund.io.excel.export import pack_bytes
from pooledfund.io.excel.render import print_pdf, printed_pages, recalculate_xlsx
from pooledfund.io.loader import load_agreement
from pooledfund.model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Print the timings."""
    shock = Scenario(id="shock", inflation={"care_fees": {"2025-26": 6}},
                     demand=[{"driver": "non_elective_admissions", "change_pct": 15}])
    print("pooledfund Excel pack benchmark (median of 3 runs, wall clock)")
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        agreement, _ = load_agreement(path)
        if agreement is None:
            continue
        export_s = median_seconds(lambda a=agreement: workbook_bytes(a, [shock]), 3)
        print(f"{path.name}: export {export_s * 1000:.0f} ms")
    big = generated_agreement()
    export_s = median_seconds(lambda: workbook_bytes(big, [shock]), 3)
    build_s = median_seconds(lambda: build_pack(big, [shock]), 3)
    workbook, expectations = build_pack(big, [shock])
    write_s = median_seconds(lambda: pack_bytes(workbook, expectations), 3)
    openpyxl_s = median_seconds(lambda: workbook.save(io.BytesIO()), 3)
    data = workbook_bytes(big, [shock])
    import_s = median_seconds(lambda: agreement_from_workbook_bytes(data, "generated.xlsx"), 3)
    print(f"generated 200 schemes x 6 partners x 5 years: export {export_s:.2f} s (target < 3 s), "
          f"{len(expectations.cells):,} formula cells, {len(data) / 1e6:.1f} MB; import back {import_s:.2f} s")
    print(f"  of which building the sheets {build_s:.2f} s, saving with XlsxWriter (every formula with its value) "
          f"{write_s:.2f} s; openpyxl's save of the same document (no saved values) takes {openpyxl_s:.2f} s")
    if shutil.which("soffice"):
        with tempfile.TemporaryDirectory() as folder:
            book = Path(folder) / "generated.xlsx"
            book.write_bytes(data)
            start = time.perf_counter()
            recalculate_xlsx(book, Path(folder) / "recalculated.xlsx")
            print(f"LibreOffice recalculation of the generated pack: {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            pdf = print_pdf(book, Path(folder) / "generated.pdf")
            seconds = time.perf_counter() - start
            pages = printed_pages(pdf, build_pack(big, [shock])[0].sheetnames)
            counts: dict[str, int] = {}
            for page in pages:
                counts[page.sheet] = counts.get(page.sheet, 0) + 1
            print(f"LibreOffice print of the generated pack: {seconds:.1f} s, {len(pages)} pages "
                  f"({', '.join(f'{sheet} {n}' for sheet, n in counts.items())}); smallest word "
                  f"{min(p.smallest for p in pages):.1f} pt high")


if __name__ == "__main__":
    main()

"""A pack opened and saved in LibreOffice imports to the same agreement.

LibreOffice rewrites the pack's per-cent cell format ``0.####"%"`` (a
printed sign; the cell holds 60 for 60 per cent) as ``0.####\\%`` when it
saves. The importer must read both as "already in per cent" and only a bare
``%`` (Excel's percentage format, 0.6 shown as 60%) as ×100. Every bundled
example's pack goes through a real LibreOffice save (one module-scoped
fixture, since each save takes seconds), plus a split edited on Risk share.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pooledfund.agreements.aligned_budget import AlignedBudget
from pooledfund.io.agreement_yaml import agreement_to_data
from pooledfund.io.excel import agreement_from_workbook_bytes, workbook_bytes
from pooledfund.io.excel.edits import find_map, read_map
from pooledfund.io.excel.numberformats import scales_by_hundred
from pooledfund.io.inputs import load_inputs
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import FixedSplitLayer
from tests.tools import recalculate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
LD = ROOT / "examples" / "ld_pooled_budget.yaml"
EDITED = "ld_edited_split"


def _agreement(path: Path) -> Agreement:
    agreement, _ = load_inputs(str(path), [])
    return agreement


def _ld_pack_with_split_edited() -> bytes:
    """The LD pack with the first risk-share layer's fixed split typed as council 60, ICB 40."""
    workbook = load_workbook(io.BytesIO(workbook_bytes(_agreement(LD), [])))
    ws = workbook["Assumptions"]
    header_row = find_map(ws)
    assert header_row is not None
    for row in read_map(ws, header_row):
        if row.path == "arrangements[0].risk_share[0].shares" and not row.reads_as.startswith("layout"):
            workbook[row.sheet][row.coordinate].value = {"council": 60, "icb": 40}[row.partner]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each example's pack (and the edited LD pack) after LibreOffice opened and saved it, by name."""
    folder = tmp_path_factory.mktemp("libreoffice")
    books = {path.stem: workbook_bytes(_agreement(path), []) for path in EXAMPLES}
    books[EDITED] = _ld_pack_with_split_edited()
    saved: dict[str, bytes] = {}
    for name, data in books.items():
        book, out = folder / f"{name}.xlsx", folder / f"{name}_lo.xlsx"
        book.write_bytes(data)
        recalculate(str(book), str(out))
        saved[name] = out.read_bytes()
    return saved


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_pack_saved_by_libreoffice_imports_to_the_original_agreement(
        path: Path, saved_by_libreoffice: dict[str, bytes]) -> None:
    data = saved_by_libreoffice[path.stem]
    # the premise: LibreOffice did rewrite the quoted per-cent sign as an escaped one
    formats = {c.number_format for ws in load_workbook(io.BytesIO(data)) for row in ws.iter_rows() for c in row}
    assert any("\\%" in f for f in formats)
    back, errors = agreement_from_workbook_bytes(data, "pack.xlsx")
    assert [str(e) for e in errors] == []
    assert back is not None and agreement_to_data(back) == agreement_to_data(_agreement(path))


def test_a_split_edited_on_risk_share_survives_a_libreoffice_save(saved_by_libreoffice: dict[str, bytes]) -> None:
    back, errors = agreement_from_workbook_bytes(saved_by_libreoffice[EDITED], "pack.xlsx")
    assert [str(e) for e in errors] == []
    assert back is not None
    arrangement = back.arrangements[0]
    assert not isinstance(arrangement, AlignedBudget)
    layer = arrangement.risk_share[0]
    assert isinstance(layer, FixedSplitLayer)
    assert {k: Decimal(str(v)) for k, v in layer.shares.items()} == {"council": Decimal(60), "icb": Decimal(40)}


@pytest.mark.parametrize(("number_format", "number", "scaled"), [
    ("0%", 0.6, True),  # Excel's percentage format: 0.6 shows as 60%
    ("0.00%", 0.605, True),
    ("#,##0.0%;[Red]-#,##0.0%", 0.5, True),
    ('0.####"%"', 60, False),  # the pack's own: a printed sign, the cell holds 60
    ("0.####\\%", 60, False),  # as LibreOffice saves it
    ('0.####" %"', 60, False),
    ('0"%";-0"%"', -5, False),
    ("[$%-809]0", 60, False),  # a sign in a [$...] block is printed text
    ("0_%", 60, False),  # a spacer the width of a sign
    ("General", 60, False),
    ("", 60, False),
    (None, 60, False),
    ('0"%";-0%', -0.05, True),  # the negative section is Excel's percentage format
    ('0"%";-0%', 5, False),
    ('0"%";-0"%";0%', 0, True),  # the zero section decides for zero
])
def test_only_a_bare_percent_sign_scales_by_a_hundred(number_format: str | None, number: float, scaled: bool) -> None:
    assert scales_by_hundred(number_format, number) is scaled

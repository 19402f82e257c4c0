"""The pack's shape, presentation and safety, and the export command (no LibreOffice needed)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pooledfund.cli.app import main
from pooledfund.core.errors import OutputExistsError
from pooledfund.io.excel import build_pack, export_workbook, workbook_bytes
from pooledfund.io.inputs import load_inputs

ROOT = Path(__file__).resolve().parent.parent
NORTHMOOR = str(ROOT / "examples" / "bcf_northmoor.yaml")
RISKY = ["=1+1", "+44 20 7946 0000", "-minus", "@SUM(A1)", "\tTabbed", "\rReturn"]


@pytest.fixture(scope="module")
def northmoor_book():
    agreement, scenarios = load_inputs(NORTHMOOR, [str(ROOT / "scenarios" / "high_inflation.yaml")])
    data = workbook_bytes(agreement, scenarios, {"bcf_northmoor.yaml": b"agreement: {}"})
    return data, load_workbook(io.BytesIO(data))


def test_one_scenario_makes_no_scenarios_sheet(northmoor_book) -> None:
    _, workbook = northmoor_book
    # The Board's sheets first, then the appendices (Projection's monthly detail, the Assumptions).
    assert workbook.sheetnames == ["Cover", "Summary", "Contributions", "Expenditure plan", "Risk share", "Checks",
                                   "Projection", "Assumptions"]
    assert workbook.active.title == "Summary"


def test_money_years_frozen_headers_tables_and_print_setup(northmoor_book) -> None:
    _, workbook = northmoor_book
    summary = workbook["Summary"]
    assert summary["A5"].value == "2025-26" and summary["C5"].number_format == "£#,##0.00;(£#,##0.00);£0.00"
    plan = workbook["Expenditure plan"]
    assert [c.value for c in plan[4]][11:13] == ["Expenditure 2025-26", "Expenditure 2026-27"]
    # Printed at a fixed scale that keeps the smallest font (10 pt notes) at 8 pt or more, never shrunk to one page
    # wide (that printed at 2 to 4 pt); wide sheets repeat their title columns on every page across.
    for name in ("Summary", "Contributions", "Expenditure plan", "Projection", "Checks"):
        ws = workbook[name]
        assert ws.freeze_panes is not None, name
        fit = ws.sheet_properties.pageSetUpPr
        assert ws.page_setup.orientation == "landscape" and (fit is None or not fit.fitToPage), name
        # XlsxWriter leaves out scale="100", the OOXML default.
        assert int(ws.page_setup.scale or 100) * 10 / 100 >= 8, name
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4), name
        assert ws.tables, name
        assert ws.column_dimensions["B"].width >= 8, name
    for name in ("Contributions", "Expenditure plan", "Projection", "Checks"):
        assert workbook[name].print_title_rows == "$4:$4", name
    for name in ("Contributions", "Expenditure plan", "Projection"):
        assert workbook[name].print_title_cols, name
    assert {"pf_bcf_pool_layer1_limit", "pf_bcf_pool_cap_icb", "pf_bcf_pool_cap_council",
            "pf_bcf_pool_rule1_limit"} <= set(workbook.defined_names)


def test_cover_names_place_period_run_and_every_signatory(northmoor_book) -> None:
    _, workbook = northmoor_book
    values = [c.value for row in workbook["Cover"].iter_rows() for c in row if c.value]
    assert "Northmoor Health and Wellbeing Board" in values
    assert "2025-26 to 2026-27 (1 April 2025 to 31 March 2027)" in values
    assert any(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{16}", v) for v in values)
    roles = [v for v in values if isinstance(v, str) and ("Chief executive" in v or "151" in v or "Chair" in v)]
    assert roles == ["Chief executive", "Chief executive (accountable officer)",
                     "Section 151 officer (chief finance officer)", "Chair, Health and Wellbeing Board"]


def test_assumptions_list_the_source_files_hash_and_version(northmoor_book) -> None:
    _, workbook = northmoor_book
    values = [c.value for row in workbook["Assumptions"].iter_rows() for c in row if c.value is not None]
    assert "bcf_northmoor.yaml" in values
    assert hashlib.sha256(b"agreement: {}").hexdigest() in values
    assert "pooledfund 0.1.0" in values
    assert "scenario: high_inflation" in values


def test_text_that_looks_like_a_formula_is_written_as_text(load_doc, tmp_path: Path) -> None:
    text = (ROOT / "examples" / "ld_pooled_budget.yaml").read_text(encoding="utf-8")
    names = re.findall(r"^        name: (.*)$", text, flags=re.MULTILINE)
    for old, new in zip(names, RISKY, strict=False):  # the first len(RISKY) scheme names become risky text
        text = text.replace(f"        name: {old}\n", f"        name: {json.dumps(new)}\n", 1)
    agreement = load_doc(text)
    data = workbook_bytes(agreement, [])
    workbook = load_workbook(io.BytesIO(data))
    cells = {c.value: c for c in workbook["Expenditure plan"]["B"] if isinstance(c.value, str)}
    for risky in RISKY:
        cell = cells[risky.replace("\r", "\n")]  # XML reads a carriage return back as a line feed
        assert cell.data_type == "s" and cell.quotePrefix, risky
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    formulas = [f for xml in sheets for f in re.findall(r"<f>(.*?)</f>", xml)]
    assert formulas and not any(f == "1+1" or f.startswith("SUM(A1)") for f in formulas)


def test_export_is_atomic_and_never_replaces_a_file_without_force(tmp_path: Path) -> None:
    agreement, _ = load_inputs(NORTHMOOR, [])
    target = tmp_path / "pack.xlsx"
    target.write_bytes(b"someone's work")
    with pytest.raises(OutputExistsError):
        export_workbook(agreement, [], target)
    assert target.read_bytes() == b"someone's work"
    export_workbook(agreement, [], target, force=True)
    assert target.read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.xlsx"]  # no temporary file left behind


def test_export_command_with_two_scenarios_a_combination_and_thresholds(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    scenarios = ROOT / "scenarios"
    thresholds = tmp_path / "thresholds.yaml"
    thresholds.write_text("source: Northmoor allocation letter\nnhs_minimum: {2025-26: 20150000}\n", encoding="utf-8")
    out = tmp_path / "pack.xlsx"
    code = main(["export", NORTHMOOR, "--scenario", str(scenarios / "high_inflation.yaml"),
                 "--scenario", f"{scenarios / 'council_cut.yaml'}+{scenarios / 'demand_shock.yaml'}",
                 "--thresholds", str(thresholds), "--xlsx", str(out)])
    assert code == 0, capsys.readouterr().err
    workbook = load_workbook(out)
    header = [c.value for c in workbook["Scenarios"][4]]
    assert header[2].startswith("Net cost: High inflation") and header[3].startswith("Net cost: Council contribution")
    assert "+" in header[3]  # the combined scenario is named after both
    sources = [c.value for row in workbook["Checks"].iter_rows(min_row=5) for c in row[7:8]]
    assert "Northmoor allocation letter" in sources
    assert main(["export", NORTHMOOR, "--xlsx", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_export_command_reports_bad_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    thresholds = tmp_path / "t.yaml"
    thresholds.write_text("uplift: {2025-26: 3}\n", encoding="utf-8")
    assert main(["export", NORTHMOOR, "--thresholds", str(thresholds), "--xlsx", str(tmp_path / "x.xlsx")]) == 1
    assert "uplift: is not a threshold" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing.yaml"), "--xlsx", str(tmp_path / "x.xlsx")]) == 1
    assert "cannot read the file" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_build_pack_records_an_expected_figure_for_every_formula() -> None:
    agreement, _ = load_inputs(NORTHMOOR, [])
    workbook, expectations = build_pack(agreement, [])
    formulas = {(ws.title, c.coordinate) for ws in workbook.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"}
    assert formulas == set(expectations.cells)
    risk = [f for (sheet, _), f in expectations.cells.items() if sheet == "Risk share"]
    assert len(risk) > 200
    assert not any("XLOOKUP" in str(c.value) or "LET(" in str(c.value) for ws in workbook.worksheets
                   for row in ws.iter_rows() for c in row if c.data_type == "f")

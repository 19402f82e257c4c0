"""The Excel pack's writing and reading limits (hardening review).

* Text longer than a workbook cell holds is refused before anything is written,
  naming the file and field.
* Ids that read the same once made into defined names (``p-2`` and ``p_2``,
  ``P2`` and ``p2``) get distinct names, and the formulas still equal the engine.
* A damaged XML part is reported with the part, the sheet, the line and the
  column, never a traceback; external entities stay refused.
* Reading is bounded: a zip bomb and a million-row sheet are refused in seconds
  and well under 500 MB, with one error line; long lists of errors are capped.

The bombs are built here with zipfile (never committed).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import load_agreement_text
from openpyxl import Workbook, load_workbook
from test_excel_recalc import _error_cells, _mismatches, stale
from tools import recalculate

from pooledfund.cli.app import main
from pooledfund.core.errors import InvalidInputError
from pooledfund.io.excel import agreement_from_workbook_bytes, build_pack, importer, workbook_bytes
from pooledfund.io.excel.export import pack_bytes

ROOT = Path(__file__).resolve().parent.parent
HEADINGS = ["Scheme ID", "Scheme Name", "Scheme Type", "Area of Spend", "Commissioner", "Provider",
            "Source of Funding", "Expenditure 2025-26"]
ROW = ["R1", "Reablement", "Home-based intermediate care services", "Social Care", "LA", "LA",
       "Minimum NHS Contribution", 1000]

AGREEMENT = """
agreement:
  id: testshire
  title: Testshire pool
  place: Testshire Health and Wellbeing Board
  years: [2025-26]
  host_partner: council
partners:
  - {id: council, name: NAME, kind: county_council, vat: council_s33}
  - {id: icb, name: NHS Testshire ICB, kind: integrated_care_board, vat: nhs_limited_recovery}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Testshire pooled fund
    contributions:
      - {partner: council, year: 2025-26, source: local_authority_better_care_grant, cash: 500000}
      - {partner: icb, year: 2025-26, source: nhs_minimum, cash: 500000}
    risk_share:
      - {layer: proportional, basis: total}
    underspend:
      - {rule: return_proportional, basis: total}
    schemes:
      - {id: S1, name: Reablement, scheme_type: home_based_intermediate_care, area_of_spend: social_care,
         commissioner: council, provider: la, funding_source: local_authority_better_care_grant,
         budget: {2025-26: 1000000}}
"""


def _plan_bytes(rows: list[list[object]], sheet: str = "Plan") -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(HEADINGS)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one part's bytes changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == part else content)
    return out.getvalue()


def _refused(data: bytes, name: str = "book.xlsx") -> list[str]:
    agreement, errors = agreement_from_workbook_bytes(data, name)
    assert agreement is None
    return [str(e) for e in errors]


# --- 1. text longer than a cell holds ----------------------------------------------------------


def test_text_longer_than_a_cell_is_refused_before_any_file_is_written(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "agreement.yaml"
    path.write_text(textwrap.dedent(AGREEMENT).replace("NAME", "C" * 40_000), encoding="utf-8")
    out = tmp_path / "pack.xlsx"
    assert main(["export", str(path), "--xlsx", str(out)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith(f"{path}:")
    assert lines[0].endswith("partners[0].name: is 40,000 characters; a workbook cell holds at most 32,767")
    assert lines[1:] == ["1 problem found."]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]


def test_text_of_exactly_a_cells_size_is_written_and_read_back(tmp_path: Path) -> None:
    agreement = load_agreement_text(AGREEMENT.replace("NAME", "C" * 32_767), tmp_path)
    back, errors = agreement_from_workbook_bytes(workbook_bytes(agreement, []), "pack.xlsx")
    assert errors == []
    assert back is not None and back.partners[0].name == "C" * 32_767


def test_long_scenario_text_is_refused_naming_the_scenario_field(tmp_path: Path) -> None:
    from pooledfund.model.scenario import Scenario

    agreement = load_agreement_text(AGREEMENT.replace("NAME", "Testshire County Council"), tmp_path)
    with pytest.raises(InvalidInputError) as caught:
        workbook_bytes(agreement, [Scenario(id="long", name="N" * 33_000)])
    assert [str(e) for e in caught.value.errors] == [
        "scenario 'long' name: is 33,000 characters; a workbook cell holds at most 32,767"]


def test_an_id_too_long_for_a_formula_is_refused(tmp_path: Path) -> None:
    long_id = "c" * 300
    agreement_text = AGREEMENT.replace("NAME", "Testshire County Council").replace(": council,", f": {long_id},")
    agreement_text = agreement_text.replace("host_partner: council", f"host_partner: {long_id}")
    agreement = load_agreement_text(agreement_text, tmp_path, "long.yaml")
    with pytest.raises(InvalidInputError) as caught:
        workbook_bytes(agreement, [])
    assert [str(e).split(" ", 1)[1] for e in caught.value.errors] == [
        "partners[0].id: is 300 characters; the pack's formulas compare ids as text, and a workbook formula holds "
        "text of at most 255 characters: use a shorter id"]


# --- 2. defined names that collide once sanitised ----------------------------------------------

COLLIDING = """
agreement:
  id: names
  title: Colliding ids
  place: Testshire Health and Wellbeing Board
  years: [2025-26]
  host_partner: p_2
partners:
  - {id: p-2, name: Dash Council, kind: county_council, vat: council_s33}
  - {id: p_2, name: Underscore ICB, kind: integrated_care_board, vat: nhs_limited_recovery}
  - {id: P3, name: Upper Trust, kind: nhs_trust, vat: nhs_limited_recovery}
  - {id: p3, name: Lower Trust, kind: nhs_trust, vat: nhs_limited_recovery}
arrangements:
  - id: pool-a
    kind: pooled_fund
    name: Dash pool
    contributions:
      - {partner: p-2, year: 2025-26, source: local_authority_better_care_grant, cash: 100000}
      - {partner: p_2, year: 2025-26, source: nhs_minimum, cash: 100000}
      - {partner: P3, year: 2025-26, source: additional_nhs, cash: 100000}
      - {partner: p3, year: 2025-26, source: additional_nhs, cash: 100000}
    risk_share:
      - {layer: fixed_split, shares: {p-2: 40, p_2: 30, P3: 20, p3: 10}, limit: 1000}
      - {layer: proportional, basis: total}
      - {layer: cap, partner: p-2, cap: 5000}
      - {layer: cap, partner: p_2, cap: 90000}
      - {layer: cap, partner: P3, cap: 7000}
      - {layer: cap, partner: p3, cap: 8000}
    underspend:
      - {rule: carry_forward, cap: 1000}
      - {rule: return_proportional, basis: cash}
    schemes:
      - {id: A1, name: Reablement, scheme_type: home_based_intermediate_care, area_of_spend: social_care,
         commissioner: p-2, provider: la, funding_source: local_authority_better_care_grant, budget: {2025-26: 400000}}
  - id: pool_a
    kind: pooled_fund
    name: Underscore pool
    contributions:
      - {partner: p-2, year: 2025-26, source: local_authority_better_care_grant, cash: 100000}
      - {partner: p_2, year: 2025-26, source: nhs_minimum, cash: 100000}
    risk_share:
      - {layer: fixed_split, shares: {p-2: 50, p_2: 50}, limit: 20000}
      - {layer: proportional, basis: cash}
    underspend:
      - {rule: carry_forward, cap: 3000}
      - {rule: return_proportional, basis: total}
    schemes:
      - {id: B1, name: Beds, scheme_type: bed_based_intermediate_care, area_of_spend: community_health,
         commissioner: p_2, provider: nhs_community, funding_source: nhs_minimum, budget: {2025-26: 200000}}
"""
OVERSPEND = {"id": "over", "name": "Overspend in both pools",
             "shocks": [{"scheme": "A1", "month": "2025-10", "amount": 60000},
                        {"scheme": "B1", "month": "2025-10", "amount": 50000}]}


def test_ids_that_differ_only_in_punctuation_or_case_get_distinct_defined_names(tmp_path: Path) -> None:
    from pooledfund.model.scenario import Scenario

    agreement = load_agreement_text(COLLIDING, tmp_path)
    workbook, _ = build_pack(agreement, [Scenario.model_validate(OVERSPEND)])
    names = [str(n) for n in workbook.defined_names]
    assert len({n.lower() for n in names}) == len(names), names
    caps = {cell for n in names if "_cap_" in n for cell in [workbook.defined_names[n].attr_text]}
    assert len(caps) == 4  # one name for each partner's cap, each pointing at its own cell
    limits = [workbook.defined_names[n].attr_text for n in names if n.endswith("layer1_limit") or "layer1_limit_" in n]
    assert len(set(limits)) == 2  # each pool's first layer has its own limit cell
    # ids made only of letters, digits and underscores keep their readable names
    assert "pf_pool_a_layer1_limit" in names and "pf_pool_a_layer2_basis" in names


def test_the_risk_share_formulas_of_colliding_ids_recalculate_to_the_engines_pence(tmp_path: Path) -> None:
    from pooledfund.model.scenario import Scenario

    agreement = load_agreement_text(COLLIDING, tmp_path)
    workbook, expectations = build_pack(agreement, [Scenario.model_validate(OVERSPEND)])
    book, out = tmp_path / "pack.xlsx", tmp_path / "recalculated.xlsx"
    book.write_bytes(pack_bytes(workbook, stale(expectations)))
    recalculate(str(book), str(out))
    calculated = load_workbook(out, data_only=True)
    assert _mismatches(load_workbook(book), calculated, expectations) == []
    assert _error_cells(calculated) == []


RUN_TOGETHER = """
agreement:
  id: runs
  title: Ids that run together
  place: Testshire Health and Wellbeing Board
  years: [2025-26]
  host_partner: council
partners:
  - {id: council, name: Council, kind: county_council, vat: council_s33}
  - {id: layer1_limit, name: Trust, kind: nhs_trust, vat: nhs_limited_recovery}
arrangements:
  - id: a_cap
    kind: pooled_fund
    name: First pool
    contributions:
      - {partner: council, year: 2025-26, source: local_authority_better_care_grant, cash: 100000}
      - {partner: layer1_limit, year: 2025-26, source: additional_nhs, cash: 100000}
    risk_share:
      - {layer: fixed_split, shares: {council: 50, layer1_limit: 50}, limit: 1000}
      - {layer: proportional, basis: total}
    underspend:
      - {rule: return_proportional, basis: total}
    schemes:
      - {id: A1, name: Reablement, scheme_type: home_based_intermediate_care, area_of_spend: social_care,
         commissioner: council, provider: la, funding_source: local_authority_better_care_grant,
         budget: {2025-26: 200000}}
  - id: a
    kind: pooled_fund
    name: Second pool
    contributions:
      - {partner: council, year: 2025-26, source: local_authority_better_care_grant, cash: 100000}
      - {partner: layer1_limit, year: 2025-26, source: additional_nhs, cash: 100000}
    risk_share:
      - {layer: proportional, basis: total}
      - {layer: cap, partner: layer1_limit, cap: 5000}
    underspend:
      - {rule: return_proportional, basis: total}
    schemes:
      - {id: B1, name: Beds, scheme_type: bed_based_intermediate_care, area_of_spend: community_health,
         commissioner: layer1_limit, provider: nhs_community, funding_source: additional_nhs,
         budget: {2025-26: 200000}}
"""


def test_ids_that_run_together_into_one_name_are_refused_not_moved(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # arrangement "a_cap"'s first limit and arrangement "a"'s cap on partner "layer1_limit" both read
    # pf_a_cap_layer1_limit; moving the name would send a_cap's formulas to the cap cell
    path = tmp_path / "agreement.yaml"
    path.write_text(textwrap.dedent(RUN_TOGETHER), encoding="utf-8")
    out = tmp_path / "pack.xlsx"
    assert main(["export", str(path), "--xlsx", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pooledfund: the pack cannot give the input at 'Risk share'!$")
    assert "pf_a_cap_layer1_limit" in err[0] and err[0].endswith("rename one of them")
    assert not out.exists()


def test_a_cell_never_holds_cut_text() -> None:
    from pooledfund.core.errors import PooledfundError
    from pooledfund.io.excel.cells import write_text_cell

    ws = Workbook().active
    ws.title = "Notes"
    with pytest.raises(PooledfundError, match=r"^'Notes'!B3: the text is 40,000 characters; a workbook cell holds"):
        write_text_cell(ws["B3"], "x" * 40_000)
    assert ws["B3"].value is None


# --- 3. damaged XML is reported where it is ----------------------------------------------------


def test_malformed_sheet_xml_names_the_part_the_sheet_the_line_and_the_column() -> None:
    data = _rewrite(_plan_bytes([ROW]), "xl/worksheets/sheet1.xml",
                    lambda b: b.replace(b"<sheetData>", b"<sheetData>\n<oops>"))
    errors = _refused(data)
    assert len(errors) == 1
    assert errors[0].startswith("book.xlsx xl/worksheets/sheet1.xml (sheet 'Plan') line 2, column ")
    assert "the XML is damaged (mismatched tag)" in errors[0]
    assert "\n" not in errors[0]


def test_a_truncated_sheet_is_a_located_error_not_a_traceback() -> None:
    data = _rewrite(_plan_bytes([ROW] * 20), "xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2])
    errors = _refused(data)
    assert len(errors) == 1
    assert errors[0].startswith("book.xlsx xl/worksheets/sheet1.xml (sheet 'Plan') line ")
    assert "the XML stops part-way" in errors[0]


def test_a_damaged_part_outside_the_sheets_is_named_too() -> None:
    data = _rewrite(_plan_bytes([ROW]), "xl/styles.xml", lambda b: b[:-20])
    errors = _refused(data)
    assert len(errors) == 1 and errors[0].startswith("book.xlsx xl/styles.xml line ")


def test_an_external_entity_is_refused_and_located() -> None:
    def inject(content: bytes) -> bytes:
        doctype = b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        return doctype + content.replace(b"<t>R1</t>", b"<t>&e;</t>", 1)

    errors = _refused(_rewrite(_plan_bytes([ROW]), "xl/worksheets/sheet1.xml", inject))
    assert len(errors) == 1
    assert errors[0].startswith("book.xlsx xl/worksheets/sheet1.xml (sheet 'Plan')")
    assert "entity" in errors[0] and "refused" in errors[0]


def test_a_damaged_xml_part_via_the_cli_is_one_line_and_exit_1(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "plan.xlsx"
    book.write_bytes(_rewrite(_plan_bytes([ROW] * 20), "xl/worksheets/sheet1.xml", lambda b: b[:-100]))
    assert main(["import-xlsx", str(book), "-o", str(tmp_path / "a.yaml")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith(f"{book} xl/worksheets/sheet1.xml (sheet 'Plan') line ")
    assert err[1] == "1 problem found."
    assert not (tmp_path / "a.yaml").exists()


# --- 4. bounded reading ------------------------------------------------------------------------


def _bomb(path: Path, rows: int, row_xml: Callable[[int], str]) -> None:
    """A one-sheet workbook whose sheet XML holds ``rows`` rows (streamed: never all in memory)."""
    good = _plan_bytes([ROW])
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, source.read(info.filename))
                continue
            head, _, _ = source.read(info.filename).partition(b"<sheetData>")
            with target.open(info.filename, "w", force_zip64=True) as part:
                part.write(head.replace(b'<dimension ref="A1:H2"/>', b"") + b"<sheetData>")
                chunk: list[str] = []
                for number in range(1, rows + 1):
                    chunk.append(row_xml(number))
                    if len(chunk) == 10_000:
                        part.write("".join(chunk).encode())
                        chunk = []
                part.write("".join(chunk).encode() + b"</sheetData></worksheet>")


def _refuse_in_child(book: Path, tmp_path: Path) -> dict:
    """Import ``book`` through the CLI in a fresh process; its exit code, stderr, seconds and peak memory.

    The peak is the process's own high-water mark (VmHWM, which starts afresh
    at exec; ru_maxrss would carry over the size of the forked test process).
    """
    script = textwrap.dedent(f"""
        import json, resource, sys, time
        start = time.perf_counter()
        from pooledfund.cli.app import main
        code = main(["import-xlsx", {str(book)!r}, "-o", {str(tmp_path / "out.yaml")!r}])
        seconds = time.perf_counter() - start
        try:
            with open("/proc/self/status") as status:
                peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        except OSError:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"code": code, "seconds": seconds, "peak_mb": peak / 1024}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip(), done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["stderr"] = done.stderr.strip().splitlines()
    print(f"{book.name}: refused in {result['seconds']:.2f} s, peak {result['peak_mb']:.0f} MB")
    return result


def test_a_small_workbook_that_unpacks_to_190_mb_is_refused_in_seconds(tmp_path: Path) -> None:
    book = tmp_path / "bomb.xlsx"
    padded_row = '<row r="{n}" spans="1:8"><c r="A{n}"><v>1</v></c></row>' + " " * 3000
    _bomb(book, 63_000, lambda n: padded_row.format(n=n))
    assert book.stat().st_size < 2_000_000
    with zipfile.ZipFile(book) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 190_000_000
    result = _refuse_in_child(book, tmp_path)
    assert result["code"] == 1
    assert len(result["stderr"]) == 2 and result["stderr"][1] == "1 problem found."
    assert result["stderr"][0].startswith(f"{book} xl/worksheets/sheet1.xml (sheet 'Plan'): ")
    assert result["seconds"] < 20 and result["peak_mb"] < 500
    assert not (tmp_path / "out.yaml").exists()


def test_a_million_row_workbook_is_refused_in_seconds_with_one_line(tmp_path: Path) -> None:
    book = tmp_path / "million.xlsx"
    _bomb(book, 1_048_576, lambda n: f'<row r="{n}"><c><v>{n}</v></c></row>')
    with zipfile.ZipFile(book) as archive:  # under the part limit: the rows are what is refused
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size < importer.MAX_PART_BYTES
    result = _refuse_in_child(book, tmp_path)
    assert result["code"] == 1
    assert len(result["stderr"]) == 2, result["stderr"][:5]
    assert result["stderr"][0].startswith(f"{book} xl/worksheets/sheet1.xml (sheet 'Plan'): ")
    assert "rows" in result["stderr"][0]
    assert result["seconds"] < 20 and result["peak_mb"] < 500


def test_a_single_cell_far_down_and_across_is_refused_before_the_grid_is_built() -> None:
    data = _rewrite(_plan_bytes([ROW]), "xl/worksheets/sheet1.xml",
                    lambda b: b.replace(b"</sheetData>", b'<row r="60000"><c r="XFD60000"><v>1</v></c></row>'
                                                         b"</sheetData>"))
    errors = _refused(data)
    assert len(errors) == 1
    assert errors[0].startswith("book.xlsx xl/worksheets/sheet1.xml (sheet 'Plan'): ")
    assert "as far as XFD60000, which makes 60,000 rows by 16,384 columns" in errors[0]


def test_a_part_over_the_part_limit_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MAX_PART_BYTES", 20_000)
    errors = _refused(_plan_bytes([ROW] * 100))
    assert len(errors) == 1
    assert errors[0].startswith("book.xlsx xl/worksheets/sheet1.xml (sheet 'Plan'): this part unpacks to ")
    assert "a part over 20,000 bytes is refused" in errors[0]


def test_rows_and_cells_over_the_limits_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MAX_ROWS", 30)
    errors = _refused(_plan_bytes([ROW] * 40))
    assert len(errors) == 1 and "more than 30 rows" in errors[0]
    monkeypatch.setattr(importer, "MAX_ROWS", 1000)
    monkeypatch.setattr(importer, "MAX_CELLS", 100)
    errors = _refused(_plan_bytes([ROW] * 40))
    assert len(errors) == 1 and "more than 100 cells" in errors[0]


def test_text_over_the_limit_is_refused_before_openpyxl_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # a plan row holds about 100 characters of text; 40 rows are more than 2,000
    monkeypatch.setattr(importer, "MAX_TEXT_CHARS", 2_000)
    errors = _refused(_plan_bytes([ROW] * 40))
    assert len(errors) == 1 and "holds more than 2,000 characters of text" in errors[0]


def test_a_long_list_of_problems_is_cut_to_50_lines_and_a_count(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    rows = [[f"R{n}", "Reablement", "Home-based intermediate care services", "Social Care", "LA", "LA",
             "Minimum NHS Contribution", "TBC"] for n in range(300)]
    errors = _refused(_plan_bytes(rows))
    assert len(errors) == 51
    assert errors[-1] == "book.xlsx: 250 further problems are not listed; correct the ones above and import again"
    book = tmp_path / "plan.xlsx"
    book.write_bytes(_plan_bytes(rows))
    assert main(["import-xlsx", str(book), "-o", str(tmp_path / "a.yaml")]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 52


def test_a_good_pack_and_plan_still_read_back_within_the_limits(tmp_path: Path) -> None:
    agreement = load_agreement_text(AGREEMENT.replace("NAME", "Testshire County Council"), tmp_path)
    back, errors = agreement_from_workbook_bytes(workbook_bytes(agreement, []), "pack.xlsx")
    assert errors == [] and back is not None
    dfg = ["R2", "Adaptations", "DFG Related Schemes", "Social Care", "LA", "LA", "DFG", 500]
    back, errors = agreement_from_workbook_bytes(_plan_bytes([ROW, dfg]), "plan.xlsx")
    assert errors == [] and back is not None

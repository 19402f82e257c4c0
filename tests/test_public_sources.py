"""What a user sees cites public sources only: no internal working documents, notes or machine paths.

Every exported pack's text (each example's, every cell of every sheet), the
``explain`` text of every example and year, and the user-facing files (docs,
README, examples, scenarios, the package's messages and docstrings, the
dashboard) are scanned for the names of internal documents and folders.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pooledfund.engine.runner import run
from pooledfund.io.excel import workbook_bytes
from pooledfund.io.inputs import load_inputs
from pooledfund.model.scenario import BASE
from pooledfund.reports.conditions import planning_requirements, policy_framework
from pooledfund.reports.explain import explain

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
#: Names of internal documents, notes and folders that must never reach a user.
FORBIDDEN = ("domain brief", "domain.md", "style.md", "shared/", "working doc", "/work/", "research notes",
             "internal note", "scratch")


def _forbidden_in(text: str) -> list[str]:
    lowered = text.lower()
    return [name for name in FORBIDDEN if name in lowered]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_the_pack_and_explain_name_no_internal_document(example: Path) -> None:
    agreement, _ = load_inputs(str(example), [])
    data = workbook_bytes(agreement, [], {str(example): example.read_bytes()})
    workbook = load_workbook(io.BytesIO(data))
    found = [(ws.title, cell.coordinate, name) for ws in workbook.worksheets for row in ws.iter_rows() for cell in row
             if isinstance(cell.value, str) for name in _forbidden_in(cell.value)]
    assert found == []
    result = run(agreement, BASE)
    for year in agreement.years:
        assert _forbidden_in(explain(result, agreement, year)) == [], year


def test_the_pack_names_source_files_without_their_folders() -> None:
    example = EXAMPLES[0]
    agreement, _ = load_inputs(str(example), [])
    data = workbook_bytes(agreement, [], {str(example): example.read_bytes()})
    values = [c.value for row in load_workbook(io.BytesIO(data))["Assumptions"].iter_rows() for c in row]
    assert example.name in values and str(example) not in values


def test_user_facing_files_name_no_internal_document() -> None:
    files = [ROOT / "README.md", ROOT / "dashboard.py", *(ROOT / "docs").rglob("*.md"),
             *(ROOT / "examples").rglob("*.yaml"), *(ROOT / "scenarios").rglob("*.yaml"),
             *(ROOT / "pooledfund").rglob("*.py"), *(ROOT / "pooledfund").rglob("*.md")]
    found = [(str(f.relative_to(ROOT)), name) for f in files for name in _forbidden_in(f.read_text(encoding="utf-8"))]
    assert found == []


def test_each_years_published_source_is_named_by_title_and_year() -> None:
    assert policy_framework("2025-26") == ("Better Care Fund policy framework 2025 to 2026 (DHSC and MHCLG, 2025); "
                                           "BCF planning requirements 2025-26 (NHS England, 2025)")
    assert policy_framework("2023-24").startswith("Better Care Fund policy framework 2023 to 2025 (DHSC and DLUHC")
    assert policy_framework("2022-23") == "2022 to 2023 Better Care Fund policy framework (DHSC and DLUHC, 2022)"
    assert policy_framework("2026-27").endswith("the latest published")
    assert planning_requirements("2024-25") == "Better Care Fund planning requirements 2023-25 (NHS England, 2023)"
    assert planning_requirements("2025-26") == "BCF planning requirements 2025-26 (NHS England, 2025)"

"""The Several agreements section wired to the roll-up's refusals, warnings and workbook.

* Two uncertainty sections that correlate a shared driver differently are
  refused before Simulate is offered, located, in the command line's words.
* A body matched as two (a council with its ``gss_code`` in one file and none
  in another) is warned of on the page, and the roll-up still shows.
* The roll-up workbook names each agreement's scenario and counts, in a year,
  only the agreements that run in it; ``simulate``'s JSON leaves out a year
  none of a body's agreements runs in.
"""

from __future__ import annotations

import shutil
from io import BytesIO
from pathlib import Path

import numpy as np
from openpyxl import load_workbook
from rollup_fixtures import MOORLAND_ICB, NORTHMOOR, example_bytes, independent_copy, moorland_ld
from streamlit.testing.v1 import AppTest
from test_dashboard_rollup import SECTION, choose, open_section, picker

from pooledfund.cli.uncertainty import exposure_json
from pooledfund.dashboard.rollup import (
    RollupEntry,
    ScenarioRead,
    read_scenario_file,
    rollup_entries,
    run_rollup,
    workbook_scenarios,
)
from pooledfund.dashboard.uploads import InputFile, agreement_from_file
from pooledfund.engine.rollup import Rollup, match_partners, roll_up
from pooledfund.engine.runner import run
from pooledfund.io.excel.rollup_book import rollup_workbook_bytes
from pooledfund.uncertainty.rollup import SIMULATION_MEASURES

ROOT = Path(__file__).resolve().parents[1]
UNCERTAIN_BCF = "scenarios/uncertainty/uncertain_bcf.yaml"
#: uncertain_bcf.yaml with care fee inflation and the pay award correlated 0.3 rather than 0.6.
OTHER_BCF = "scenarios/uncertainty/uncertain_bcf_other.yaml"


def app_with_other_bcf(tmp_path: Path) -> AppTest:
    """The page run from a copy of the project whose bundled scenarios include :data:`OTHER_BCF`.

    The page offers each agreement the scenario files beside ``dashboard.py``; a copy of it, with the
    examples and a copy of the scenarios, offers one more without touching the project's own folder.
    """
    shutil.copy(ROOT / "dashboard.py", tmp_path / "dashboard.py")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    text = (ROOT / UNCERTAIN_BCF).read_text(encoding="utf-8")
    # A name of its own too: the page offers scenarios by name.
    for old, new in (("  id: uncertain_bcf\n", "  id: uncertain_bcf_other\n"),
                     ("  name: Northmoor BCF - uncertain", "  name: Southmoor BCF - uncertain"),
                     ("      - [1.0, 0.5, 0.6]\n", "      - [1.0, 0.5, 0.3]\n"),
                     ("      - [0.6, 0.4, 1.0]\n", "      - [0.3, 0.4, 1.0]\n")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (tmp_path / OTHER_BCF).write_text(text, encoding="utf-8")
    at = AppTest.from_file(str(tmp_path / "dashboard.py"), default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return open_section(at, SECTION)


def test_shared_drivers_correlated_differently_are_refused_before_simulate_located(tmp_path: Path) -> None:
    app = app_with_other_bcf(tmp_path)
    choose(app, [NORTHMOOR], [("southmoor.yaml", independent_copy())])
    app.radio(key="rollup_scenario_mode").set_value("own").run()
    app.multiselect(key=picker(NORTHMOOR)).set_value([UNCERTAIN_BCF])
    app.multiselect(key=picker("southmoor.yaml", independent_copy())).set_value([OTHER_BCF]).run()
    assert not app.exception, [e.message for e in app.exception]
    shown = "\n".join(e.value for e in app.error)
    # The second file's matrix, row 1 column 3 (line 71), against the first's: the command line's words.
    assert "No simulation: the agreements' uncertainty sections cannot move together: 1 problem found." in shown
    assert (f"{OTHER_BCF}:71 uncertainty.correlation.matrix[0][2]: 'care_fee_inflation' and 'pay_award' are "
            f"correlated 0.3 here but 0.6 in {UNCERTAIN_BCF}:71 uncertainty.correlation.matrix[0][2]; a driver "
            "named the same in several agreements takes the same score on every path") in shown
    # Nothing to press, nothing drawn; the roll-up above it still shows.
    assert "rollup_simulate" not in [b.key for b in app.button]
    assert not app.get("plotly_chart")
    assert any("to the penny" in s.value for s in app.success)
    # The same file for both: no refusal, Simulate offered.
    app.multiselect(key=picker("southmoor.yaml", independent_copy())).set_value([UNCERTAIN_BCF]).run()
    assert not app.error and "rollup_simulate" in [b.key for b in app.button]


def no_gss_copy() -> bytes:
    """Northmoor under its own id, its council without a gss_code (matched by id): probably one body as two."""
    text = example_bytes(NORTHMOOR).decode("utf-8")
    for old, new in (("  id: bcf-northmoor\n", "  id: bcf-northmoor-nocode\n"), ("    gss_code: E06999001\n", "")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text.encode("utf-8")


def test_a_council_with_a_code_in_one_file_and_none_in_another_is_warned_of_and_the_roll_up_shows() -> None:
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    app.run()
    open_section(app, SECTION)
    choose(app, [NORTHMOOR], [("nocode.yaml", no_gss_copy())])
    warnings = [w.value for w in app.warning]
    assert len(warnings) == 1, warnings
    # The command line's warning, word for word after "Warning: ", located at the copy's council name.
    agreement, problems = agreement_from_file(InputFile("nocode.yaml", no_gss_copy()))
    assert agreement is not None and not problems
    assert warnings[0].startswith("Warning: nocode.yaml:")
    assert ("'Northmoor Borough Council' is counted as a different body from 'Northmoor Borough Council' in "
            f"{NORTHMOOR}: it is matched by ") in warnings[0]
    # The roll-up goes on: the council twice (one row each), the ICB once (ODS Q99 in both).
    partners = next(t.value for t in app.table if "Agreements" in t.value.columns)
    assert partners["Partner"].tolist().count("Northmoor Borough Council") == 2
    assert partners["Partner"].tolist().count(MOORLAND_ICB) == 1
    assert not app.error


def entries_and_rollup(scenario_names: dict[str, list[str]]) -> tuple[list[RollupEntry], Rollup]:
    """Northmoor (2025-27) and the learning disability pool sharing its ICB (2025-28), as the page chooses them."""
    files = [InputFile(NORTHMOOR, example_bytes(NORTHMOOR)), InputFile("moorland_ld.yaml", moorland_ld())]
    chosen = []
    for file in files:
        agreement, problems = agreement_from_file(file)
        reads: list[ScenarioRead] = [read_scenario_file(InputFile(name, (ROOT / name).read_bytes()),
                                                        ROOT / "scenarios", ROOT / name)
                                     for name in scenario_names.get(file.name, [])]
        chosen.append((file, agreement, problems, reads))
    entries, matching, errors = rollup_entries(chosen)
    assert matching is not None and not errors, errors
    results = [run(entry.agreement, entry.scenario) for entry in entries]
    return entries, run_rollup(entries, results, matching)


def test_the_workbook_from_the_page_names_each_agreement_s_scenario() -> None:
    entries, rollup = entries_and_rollup({NORTHMOOR: ["scenarios/council_cut.yaml", "scenarios/demand_shock.yaml"]})
    book = load_workbook(BytesIO(rollup_workbook_bytes(rollup, [e.agreement.title for e in entries],
                                                       workbook_scenarios(entries))))
    heading = [book["Roll-up"].cell(row=row, column=1).value for row in (2, 3)]
    cut = entries[0].scenario.label
    assert heading[0].endswith(f"; scenario: {cut} (scenarios/council_cut.yaml then scenarios/demand_shock.yaml)")
    assert heading[1].endswith("; scenario: Base (budget as agreed): no scenario file")
    by_agreement = {(row[2], row[3]) for row in book["By agreement"].iter_rows(min_row=2, values_only=True)}
    assert {label for label, _ in by_agreement} == {NORTHMOOR, "moorland_ld.yaml"}
    assert all("not recorded" not in str(cell.value) for sheet in book for line in sheet.iter_rows() for cell in line)


def test_the_workbook_counts_in_a_year_only_the_agreements_that_run_in_it() -> None:
    _, rollup = entries_and_rollup({})
    book = load_workbook(BytesIO(rollup_workbook_bytes(rollup, ["Northmoor", "Learning disability"])))
    sheet = book["Roll-up"]
    counts = {(row[0], row[1]): row[3] for row in sheet.iter_rows(min_row=5, values_only=True) if row[3] is not None}
    # The ICB is party to both; Northmoor runs 2025-27, the learning disability pool 2025-28.
    assert [counts[(year, MOORLAND_ICB)] for year in ("2025-26", "2026-27", "2027-28", "All years")] == [2, 2, 1, 2]
    # Northmoor's council runs in Northmoor only: no row for 2027-28 at all.
    assert ("2027-28", "Northmoor Borough Council") not in counts
    assert counts[("2026-27", "Northmoor Borough Council")] == 1


def test_simulate_json_leaves_out_a_year_none_of_a_body_s_agreements_runs_in() -> None:
    agreements = [agreement_from_file(InputFile(NORTHMOOR, example_bytes(NORTHMOOR)))[0],
                  agreement_from_file(InputFile("moorland_ld.yaml", moorland_ld()))[0]]
    assert all(a is not None for a in agreements)
    pairs = [(name, a) for name, a in zip((NORTHMOOR, "moorland_ld.yaml"), agreements, strict=True) if a is not None]
    matching, problems = match_partners(pairs)
    assert not problems
    paths = 3
    # Every figure 1p on every path, so each year a body's agreements run in gives it 1p per agreement.
    figures = [{year: {m: np.ones((paths, len(a.partners)), dtype=np.int64) for m in SIMULATION_MEASURES}
                for year in a.years} for _, a in pairs]
    rolled = roll_up([name for name, _ in pairs], figures, matching, SIMULATION_MEASURES)
    data = exposure_json(rolled, 0)
    partners = data["partners"]
    assert isinstance(partners, list)
    by_name = {p["name"]: p["figures"] for p in partners}
    assert list(by_name["Northmoor Borough Council"]) == ["2025-26", "2026-27", "all_years"]
    assert list(by_name[MOORLAND_ICB]) == ["2025-26", "2026-27", "2027-28", "all_years"]
    # All years: net cost 1p x 2 agreements x 2 years + 1p (2027-28) = 5p = £0.05 on every path.
    assert by_name[MOORLAND_ICB]["all_years"]["net_cost"]["p50"] == 0.05

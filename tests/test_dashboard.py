"""The Streamlit dashboard, driven headless with ``streamlit.testing.v1.AppTest``.

Each figure the page shows is compared with what the engine gives for the
same inputs, to the penny.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pooledfund.core.money import format_gbp
from pooledfund.dashboard.budget_edits import BUDGET_COLUMN, apply_budget_edits
from pooledfund.dashboard.formats import short_gbp
from pooledfund.dashboard.whatif import AdhocSettings, adhoc_scenario, apply_adhoc
from pooledfund.engine.runner import run
from pooledfund.io.loader import load_agreement
from pooledfund.io.yamlio import MAX_YAML_BYTES, read_yaml
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
YEAR = "2025-26"
TITLE = "Pooled budget dashboard: who pays what if…"
COUNCIL, ICB = 0, 1
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    agreement, errors = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert not errors and agreement is not None
    return agreement


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def exact(element: object) -> str:
    """The exact figure a short headline figure stands for: its hover text reads "Exactly £1,234.56. ..."."""
    text = str(element.proto.help)  # type: ignore[attr-defined]
    assert text.startswith("Exactly "), text
    return text.removeprefix("Exactly ").split(". ")[0].rstrip(".")


def metric(at: AppTest, label: str, partner: int) -> str:
    """The exact figure (to the penny, from its hover text) of the ``label`` metric of the ``partner``-th partner."""
    return exact([m for m in at.metric if m.label == label][partner])


def shown(at: AppTest, label: str, index: int = 0) -> str:
    """The short figure on screen of the ``index``-th ``label`` metric (£23.4m)."""
    return str([m.value for m in at.metric if m.label == label][index])


def engine_figures(agreement: Agreement, scenario: Scenario, partner: int, year: str = YEAR) -> dict[str, str]:
    """The headline figures the engine gives, formatted as the page shows them."""
    totals = run(agreement, scenario).partner_totals(year)
    base = run(agreement, BASE).partner_totals(year)
    net = int(totals["net_cost"][0, partner])
    change = net - int(base["net_cost"][0, partner])
    return {
        "Contribution": format_gbp(int(totals["cash_contribution"][0, partner] + totals["in_kind"][0, partner]),
                                   brackets=True),
        "Overspend share": format_gbp(int(totals["overspend_share"][0, partner]), brackets=True),
        "Underspend returned": format_gbp(int(totals["underspend_return"][0, partner]), brackets=True),
        "Net cost": format_gbp(net, brackets=True),
        "Change v base": ("+" if change > 0 else "") + format_gbp(change, brackets=True),
    }


def open_section(at: AppTest, section: str) -> None:
    """Bring a section's tab into view and rerun (the tabs are lazy: only the tab in view runs)."""
    at.session_state["section"] = section
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def shown_figures(at: AppTest, partner: int) -> dict[str, str]:
    labels = ("Contribution", "Overspend share", "Underspend returned", "Net cost", "Change v base")
    return {label: metric(at, label, partner) for label in labels}


def test_the_app_opens_on_the_bcf_example_with_charts_a_click_away(app: AppTest, bcf: Agreement) -> None:
    assert app.title[0].value == TITLE
    assert "Northmoor Better Care Fund Section 75 Agreement 2025-27" in app.caption[0].value
    assert app.radio(key="example").value == "examples/bcf_northmoor.yaml"
    # the pickers show names, not file paths
    assert "Northmoor Better Care Fund Section 75 Agreement 2025-27" in app.radio(key="example").options
    assert "Council contribution cut 10% from January 2026" in app.multiselect(key="scenarios").options
    assert "In use: **bcf_northmoor.yaml (bundled example)**" in [c.value for c in app.sidebar.caption]
    assert app.selectbox(key="year").value == YEAR
    # The page opens on the Summary tab, a table and no chart (so no plotly in the browser before the board
    # summary is drawn). The tabs are lazy: each tab's charts are built when it is opened.
    assert app.tabs[0].label == "Summary"
    assert len(app.get("plotly_chart")) == 0
    assert any("**Money in**" in m.value for m in app.markdown)
    charts: list = []
    for section in ("Money flow", "Scenarios and cash", "Spend"):
        open_section(app, section)
        assert len(app.get("plotly_chart")) == 2
        charts += list(app.get("plotly_chart"))
    kinds = {json.loads(c.proto.spec)["data"][0]["type"] for c in charts}
    assert {"waterfall", "bar", "scatter"} <= kinds
    for partner in (COUNCIL, ICB):
        assert shown_figures(app, partner) == engine_figures(bcf, BASE, partner)
    # With the budget as agreed the council's net cost is its contributions: £23,405,000.00
    assert metric(app, "Net cost", COUNCIL) == "£23,405,000.00"
    assert shown(app, "Net cost", COUNCIL) == "£23.4m"  # short on screen, exact on hover
    for m in app.metric:
        if m.label != "Variance, all arrangements":
            figure = exact(m)
            sign = "+" if figure.startswith("+") else ""
            pence = round(float(figure.strip("+()£").replace(",", "")) * 100) * (-1 if figure.startswith("(") else 1)
            assert m.value == sign + short_gbp(pence), (m.label, m.value, figure)
    assert not app.error
    assert [b.label for b in app.download_button] == ["Download the Excel sign-off pack", "Download results (JSON)"]
    open_section(app, "Checks")
    checks = next(d.value for d in app.dataframe if "Check" in d.value.columns)
    assert "Books balance" in checks["Check"].tolist()
    assert set(checks["Result"]) == {"pass"}


def test_every_widget_has_a_key(app: AppTest) -> None:
    widgets = [*app.slider, *app.selectbox, *app.multiselect, *app.number_input, *app.button, *app.file_uploader,
               *app.download_button]
    assert len(widgets) >= 15
    assert all(w.key for w in widgets), [w.label for w in widgets if not w.key]


def test_moving_the_inflation_slider_changes_a_partner_by_what_the_engine_gives(app: AppTest, bcf: Agreement) -> None:
    before = metric(app, "Net cost", COUNCIL)
    app.slider(key="adhoc_inflation").set_value(2.0).run()
    assert not app.exception
    adhoc, errors = adhoc_scenario(AdhocSettings(inflation_points=2.0), bcf, BASE)
    assert not errors
    expected = engine_figures(bcf, apply_adhoc(BASE, adhoc), COUNCIL)
    assert shown_figures(app, COUNCIL) == expected
    assert metric(app, "Net cost", COUNCIL) != before
    assert expected["Change v base"].startswith("+£")


def test_a_council_cut_slider_moves_its_contribution_by_the_hand_worked_amount(app: AppTest) -> None:
    # The Northmoor pool with shortfall: waterfall, so the cut is shared by the waterfall (by
    # default the council would bear its own cut in full).
    text = (ROOT / "examples" / "bcf_northmoor.yaml").read_text(encoding="utf-8").replace(
        "    host_partner: council\n", "    host_partner: council\n    shortfall: waterfall\n", 1)
    app.file_uploader(key="agreement_upload").set_value(
        ("bcf_northmoor.yaml", text.encode("utf-8"), "application/x-yaml")).run()
    # the change and its month wait (disabled) until a partner is chosen, as in a browser
    assert app.slider(key="adhoc_contribution").disabled
    app.selectbox(key="adhoc_partner").set_value("council").run()
    assert not app.slider(key="adhoc_contribution").disabled
    app.selectbox(key="adhoc_contribution_from").set_value("2026-01")
    app.slider(key="adhoc_contribution").set_value(-10).run()
    assert not app.exception
    # 10% of the council's £15,660,000 pool contribution for January to March = £391,500:
    # 23,405,000 - 391,500 = 23,013,500. The pool is then £91,500 short after its £300,000
    # contingency, which the council's band takes: net cost 23,013,500 + 91,500 = 23,105,000,
    # £300,000 less than the base (where the unspent contingency is carried forward).
    assert metric(app, "Contribution", COUNCIL) == "£23,013,500.00"
    assert metric(app, "Overspend share", COUNCIL) == "£91,500.00"
    assert metric(app, "Net cost", COUNCIL) == "£23,105,000.00"
    assert metric(app, "Change v base", COUNCIL) == "(£300,000.00)"


def test_editing_a_scheme_budget_in_the_table_reruns_the_model(app: AppTest, bcf: Agreement) -> None:
    open_section(app, "Schemes (edit budgets)")
    editor = next(e for e in app.data_editor if e.key == f"schemes_editor_{YEAR}")
    row = editor.value["Scheme"].tolist().index("NM01")
    app.session_state[f"schemes_editor_{YEAR}"] = {
        "edited_rows": {str(row): {BUDGET_COLUMN: 3_950_000.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception
    edited = apply_budget_edits(bcf, {("NM01", YEAR): 3_950_000_00})
    assert shown_figures(app, COUNCIL) == engine_figures(edited, BASE, COUNCIL)
    # NM01 (council) is £500,000 over its agreed £3,450,000; less the £300,000 contingency the
    # pool is £200,000 short, which falls in the council's £250,000 host band.
    assert metric(app, "Overspend share", COUNCIL) == "£200,000.00"
    assert any("1 budget(s) edited: NM01 2025-26 £3,950,000.00" in i.value for i in app.info)
    # the edit stays in the model with its tab out of view
    open_section(app, "Checks")
    assert metric(app, "Overspend share", COUNCIL) == "£200,000.00"
    checks = next(d.value for d in app.dataframe if "Check" in d.value.columns)
    balance = checks[checks["Check"] == "Pool balances as agreed"].iloc[0]
    assert (balance["Result"], balance["Figure"], balance["Should be"]) == ("FAIL", "£38,680,000.00", "£39,180,000.00")
    assert any("checks fail for 2025-26 (failures first)" in e.value for e in app.error)


def test_the_board_summary_shows_the_pool_and_the_packs_checks_failures_first(app: AppTest) -> None:
    # Budget as agreed: the £300,000 contingency is unspent, an underspend, carried forward; all 23 checks pass.
    figures = [shown(app, label) for label in ("Variance, all arrangements", "Contingency left", "Carried forward")]
    assert figures == ["(£300k)", "£300k", "£300k"]
    variance = next(m for m in app.metric if m.label == "Variance, all arrangements")
    assert variance.proto.delta == "underspend"
    assert variance.proto.help.startswith("Exactly (£300,000.00) underspend: Northmoor Better Care Fund pooled fund "
                                          "(£300,000.00) underspend; ")
    assert any(s.value.startswith("**All 23 checks pass**") for s in app.success)
    # NM01 £500,000 over its agreed £3,450,000, contributions as agreed: spend £38,880,000 against
    # £38,680,000 in is £200,000 over; the £300,000 contingency met the first £300,000 of the schemes'
    # £500,000 overspend and is used up, so nothing is carried forward.
    open_section(app, "Schemes (edit budgets)")
    editor = next(e for e in app.data_editor if e.key == f"schemes_editor_{YEAR}")
    row = editor.value["Scheme"].tolist().index("NM01")
    app.session_state[f"schemes_editor_{YEAR}"] = {
        "edited_rows": {str(row): {BUDGET_COLUMN: 3_950_000.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception
    assert shown(app, "Variance, all arrangements") == "£200k"
    variance = next(m for m in app.metric if m.label == "Variance, all arrangements")
    assert variance.proto.delta == "overspend"
    assert (metric(app, "Contingency used", 0), metric(app, "Contingency left", 0),
            metric(app, "Carried forward", 0)) == ("£300,000.00", "£0.00", "£0.00")
    # The pack's counts (tests/test_dashboard_summary.py recalculates the pack): 20 pass, 3 fail,
    # the failures first, each with its sentence.
    failures = next(e.value for e in app.error if "checks fail**" in e.value)
    assert failures.startswith("**3 of 23 checks fail**, 20 pass")
    assert failures.index("NHS-funded adult social care maintained") < failures.index("pool balances")
    assert "falls short of planned spend £22,270,000.00 by £500,000.00" in failures
    assert any("Totals that do not reconcile in 2025-26" in e.value and "Pool balances as agreed" in e.value
               for e in app.error)


def test_a_negative_budget_in_the_table_is_refused_with_its_location(app: AppTest) -> None:
    open_section(app, "Schemes (edit budgets)")
    app.session_state[f"schemes_editor_{YEAR}"] = {
        "edited_rows": {"2": {BUDGET_COLUMN: -1.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception
    assert any("schemes table NM03.budget.2025-26: amount must not be negative (got -£1.00)" in e.value
               for e in app.error)
    assert metric(app, "Net cost", COUNCIL) == "£23,405,000.00"


def _cli_messages(tmp_path: Path, name: str, data: bytes) -> list[str]:
    path = tmp_path / name
    path.write_bytes(data)
    _, _, errors = read_yaml(path, name)
    if errors:
        return [str(e) for e in errors]
    _, errors = load_agreement(path, display_name=name)
    return [str(e) for e in errors]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.yaml", b"agreement:\n  id: x\n  title: [unclosed\n"),
        ("big.yaml", b"#" * (MAX_YAML_BYTES + 1)),
        ("errors.yaml", (ROOT / "tests" / "data" / "errors.yaml").read_bytes()),
    ],
)
def test_a_bad_upload_shows_the_cli_message_and_keeps_the_last_good_state(
    app: AppTest, tmp_path: Path, name: str, data: bytes
) -> None:
    good = metric(app, "Net cost", ICB)
    app.file_uploader(key="agreement_upload").set_value((name, data, "application/x-yaml")).run()
    assert not app.exception
    expected = _cli_messages(tmp_path, name, data)
    assert expected
    assert len(app.error) == 1
    shown = app.error[0].value
    assert shown.startswith(f"{name} could not be used; examples/bcf_northmoor.yaml stays in use: "
                            f"{len(expected)} problem")
    assert "\n".join(expected) in shown
    assert app.title[0].value == TITLE
    assert metric(app, "Net cost", ICB) == good
    assert len(app.get("plotly_chart")) == 0  # the Summary tab: the money flow as a table, no chart
    assert any("**Left in the pool** | **£0.00**" in m.value for m in app.markdown)


def test_a_good_upload_replaces_the_example(app: AppTest) -> None:
    data = (ROOT / "examples" / "ld_pooled_budget.yaml").read_bytes()
    app.file_uploader(key="agreement_upload").set_value(("my_ld.yaml", data, "application/x-yaml")).run()
    assert not app.exception
    assert "file: my_ld.yaml (uploaded)" in app.caption[0].value
    assert not app.error


def test_a_bad_scenario_upload_is_left_out_with_its_message(app: AppTest, bcf: Agreement) -> None:
    data = b"scenario:\n  id: oops\n  shocks:\n    - {scheme: NOPE, month: 2025-12, amount: 1000}\n"
    app.file_uploader(key="scenario_upload").set_value([("oops.yaml", data, "application/x-yaml")]).run()
    assert not app.exception
    assert len(app.error) == 1
    assert "oops.yaml:4 scenario.shocks[0].scheme: 'NOPE' is not a scheme in bcf-northmoor" in app.error[0].value
    assert shown_figures(app, COUNCIL) == engine_figures(bcf, BASE, COUNCIL)


def test_a_broken_replacement_scenario_keeps_the_last_valid_upload_of_it(app: AppTest, bcf: Agreement) -> None:
    from pooledfund.io.scenario_files import load_scenario

    good = (ROOT / "scenarios" / "council_cut.yaml").read_bytes()
    app.file_uploader(key="scenario_upload").set_value([("mine.yaml", good, "application/x-yaml")]).run()
    assert not [e for e in app.error if "mine.yaml" in e.value]  # (the cut fails some of the pack's checks)
    in_use = "In use: **Council contribution cut 10% from January 2026 (mine.yaml, uploaded)**"
    assert in_use in [c.value for c in app.sidebar.caption]
    cut = load_scenario(ROOT / "scenarios" / "council_cut.yaml")[0]
    assert cut is not None
    expected = engine_figures(bcf, cut, COUNCIL)
    assert shown_figures(app, COUNCIL) == expected
    app.file_uploader(key="scenario_upload").set_value(
        [("mine.yaml", b"scenario: [unclosed\n", "application/x-yaml")]).run()
    assert not app.exception
    [problem] = [e.value for e in app.error if "mine.yaml" in e.value]
    assert problem.startswith("mine.yaml could not be used; the last valid upload of it stays in use")
    assert "mine.yaml:1: this is not valid YAML" in problem
    assert in_use in [c.value for c in app.sidebar.caption]
    assert shown_figures(app, COUNCIL) == expected


def test_choosing_bundled_scenarios_applies_them_in_order(app: AppTest, bcf: Agreement) -> None:
    from pooledfund.io.inputs import combine_scenarios
    from pooledfund.io.scenario_files import load_scenario

    app.multiselect(key="scenarios").set_value(["scenarios/council_cut.yaml", "scenarios/high_inflation.yaml"])
    app.selectbox(key="year").set_value("2026-27").run()
    assert not app.exception
    scenarios = [load_scenario(ROOT / "scenarios" / n)[0] for n in ("council_cut.yaml", "high_inflation.yaml")]
    combined = combine_scenarios([s for s in scenarios if s is not None])
    for partner in (COUNCIL, ICB):
        assert shown_figures(app, partner) == engine_figures(bcf, combined, partner, "2026-27")
    open_section(app, "Scenarios and cash")
    compare = next(c for c in app.get("plotly_chart")
                   if "scenario" in json.loads(c.proto.spec)["layout"]["title"]["text"])
    # base, each chosen scenario, and the two together
    assert len(json.loads(compare.proto.spec)["data"]) == 4
    open_section(app, "Explain")
    assert "2026-27, scenario" in app.code[0].value.splitlines()[0]


def test_resetting_the_what_if_puts_the_base_back(app: AppTest) -> None:
    app.slider(key="adhoc_inflation").set_value(3.0)
    app.selectbox(key="adhoc_shock_scheme").set_value("NM01").run()
    assert app.selectbox(key="adhoc_shock_scheme").format_func("NM01") == "Northmoor Reablement Service"
    app.number_input(key="adhoc_shock_amount").set_value(50_000.0)
    app.selectbox(key="adhoc_shock_month").set_value("2025-12").run()
    assert metric(app, "Change v base", ICB) != "£0.00"
    app.button(key="adhoc_reset").click().run()
    assert not app.exception
    assert app.slider(key="adhoc_inflation").value == 0.0
    # the choices are cleared too, and what waits for them is disabled again
    assert app.selectbox(key="adhoc_shock_scheme").value == "(none)"
    assert app.selectbox(key="adhoc_shock_month").value == "2025-04"
    assert app.number_input(key="adhoc_shock_amount").value == 0.0
    assert app.number_input(key="adhoc_shock_amount").disabled
    assert metric(app, "Change v base", ICB) == "£0.00"


def test_the_explain_text_is_for_the_chosen_year(app: AppTest) -> None:
    app.selectbox(key="year").set_value("2026-27").run()
    open_section(app, "Explain")
    assert app.code[0].value.startswith("Northmoor Better Care Fund Section 75 Agreement 2025-27: 2026-27, scenario ")


def test_the_uncertainty_tab_runs_a_simulation_on_request(app: AppTest) -> None:
    from pooledfund.io.uncertainty_files import load_uncertain_scenario
    from pooledfund.uncertainty import simulate

    assert len(app.get("plotly_chart")) == 0  # the Summary tab: a table, no chart
    open_section(app, "Uncertainty")
    assert app.selectbox(key="mc_file").value == "scenarios/uncertainty/uncertain_bcf.yaml"
    assert len(app.get("plotly_chart")) == 0  # only the tab in view runs, and nothing is simulated until asked
    app.number_input(key="mc_paths").set_value(300)
    app.number_input(key="mc_seed").set_value(7)
    app.button(key="mc_run").click().run()
    assert not app.exception
    charts = app.get("plotly_chart")
    assert len(charts) == 4  # only the tab in view runs: two fans (variance, net cost), the histogram, the tornado
    _, spec, errors = load_uncertain_scenario(ROOT / "scenarios" / "uncertainty" / "uncertain_bcf.yaml")
    assert not errors
    agreement, _ = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert agreement is not None
    sim = simulate(agreement, BASE, spec, paths=300, seed=7)
    partners = next(t.value for t in app.table if "Partner" in t.value.columns)  # a static table: names wrap
    council = sim.partner_summary("council", YEAR)
    assert partners.loc[0, "Year-end position P50"] == council.year_end_position.p50
    assert partners.loc[0, "Chance of paying overspend"] == f"{council.probability_of_paying_overspend:.0%}"
    # moving a slider keeps the results, marked stale (see tests/test_dashboard_uncertainty.py)
    app.slider(key="adhoc_inflation").set_value(1.0).run()
    assert len(app.get("plotly_chart")) == 4
    assert any("These results are for the inputs before your last change" in w.value for w in app.warning)


def _cli_workbook_messages(tmp_path: Path, name: str, data: bytes) -> list[str]:
    """What reading the workbook file gives (the CLI's reader), with ``name`` as its path."""
    from pooledfund.io.excel import import_workbook

    path = tmp_path / name
    path.write_bytes(data)
    _, errors = import_workbook(path)
    return [str(e).replace(str(path), name) for e in errors]


def _empty_workbook() -> bytes:
    import io

    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "Not a plan"
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [("wrong.xlsx", None), ("zipless.xlsx", b"this is not a zip file"),
     ("huge.xlsx", b"PK\x03\x04" + b"0" * (20 * 1024 * 1024))],
)
def test_a_wrong_workbook_shows_the_cli_message(app: AppTest, tmp_path: Path, name: str, data: bytes | None) -> None:
    data = data if data is not None else _empty_workbook()
    app.file_uploader(key="agreement_upload").set_value((name, data, XLSX)).run()
    assert not app.exception
    expected = _cli_workbook_messages(tmp_path, name, data)
    assert expected
    assert len(app.error) == 1
    assert "\n".join(expected) in app.error[0].value
    assert metric(app, "Net cost", COUNCIL) == "£23,405,000.00"


def test_a_sign_off_pack_uploaded_back_gives_the_same_figures(app: AppTest, bcf: Agreement) -> None:
    from pooledfund.io.excel import workbook_bytes

    pack = workbook_bytes(bcf, [BASE])
    app.file_uploader(key="agreement_upload").set_value(("northmoor_pack.xlsx", pack, XLSX)).run()
    assert not app.exception
    assert not app.error
    assert "file: northmoor_pack.xlsx (uploaded)" in app.caption[0].value
    for partner in (COUNCIL, ICB):
        assert shown_figures(app, partner) == engine_figures(bcf, BASE, partner)

"""pooledfund dashboard: who pays what if... (``streamlit run dashboard.py``).

Thin on purpose: widgets and layout only. Reading files, the what-if
scenario, the model run, tables, checks and figures all come from the
package (:mod:`pooledfund.dashboard.uploads`, :mod:`pooledfund.dashboard.whatif`,
:mod:`pooledfund.dashboard.data`, :mod:`pooledfund.dashboard.figures`), which never
imports streamlit. Nothing is written to disk: uploads are read in memory
and downloads are built in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from pooledfund.core import palette
from pooledfund.core.counts import plural
from pooledfund.core.errors import InputError, InvalidInputError, PooledfundError
from pooledfund.core.money import MAX_POUNDS, format_gbp
from pooledfund.core.palette import translucent
from pooledfund.dashboard.budget_edits import (
    BUDGET_COLUMN,
    apply_budget_edits,
    edits_key,
    read_budget_edits,
    schemes_table,
)
from pooledfund.dashboard.data import ALL_YEARS, ModelOutputs, build_outputs
from pooledfund.dashboard.fan_charts import FAN_WORDS, net_cost_fan, variance_fan
from pooledfund.dashboard.figures import (
    MEASURE_WORDS,
    bridge_waterfall,
    cumulative_spend,
    host_cash_position,
    money_flow_waterfall,
    risk_share_waterfall,
    scenario_comparison,
    spend_by_scheme_type,
)
from pooledfund.dashboard.formats import SIGN_CONVENTION, exactly, short_gbp, signed_gbp, variance_words
from pooledfund.dashboard.money_flow import money_flow_markdown, money_flow_table
from pooledfund.dashboard.monitoring import (
    HeadlineChange,
    bridge_frame,
    bridge_mismatches,
    headline_changes,
    scheme_changes,
)
from pooledfund.dashboard.rollup import (
    ALL_YEARS as ROLLUP_ALL_YEARS,
)
from pooledfund.dashboard.rollup import (
    TOGETHER_WORDS,
    KeptUpload,
    RollupEntry,
    ScenarioRead,
    add_uploads,
    contents_key,
    exposure_frame,
    exposure_paths,
    matching_frame,
    partner_frame,
    read_scenario_file,
    reconciles,
    reconciliation_frame,
    rollup_differences,
    rollup_entries,
    rollup_json_bytes,
    run_rollup,
    shared_drivers,
    simulation_clashes,
    simulation_rollup,
    source_partners,
    sources_frame,
    threshold_pence,
    workbook_scenarios,
)
from pooledfund.dashboard.simulation_inputs import SimulationInputs, SimulationRun
from pooledfund.dashboard.tables import (
    METRIC_COLUMNS,
    BoardSummary,
    agreement_months,
    assumptions_frame,
    board_summary,
    demand_drivers,
    partner_metrics,
    scenario_changes,
    simulation_tables,
)
from pooledfund.dashboard.uploads import InputFile, agreement_from_file, bundled_files, content_hash, scenario_from_file
from pooledfund.dashboard.versions import (
    UPLOAD_MB as VERSIONS_UPLOAD_MB,
)
from pooledfund.dashboard.versions import (
    VersionsDatabase,
    default_baseline,
    last_month,
    list_versions,
    read_file,
    read_version,
    version_records,
    version_title,
)
from pooledfund.dashboard.whatif import AdhocSettings, adhoc_scenario, apply_adhoc
from pooledfund.engine.results import RunResult
from pooledfund.engine.rollup import Matching, Rollup
from pooledfund.engine.runner import run
from pooledfund.io.excel import workbook_bytes
from pooledfund.io.excel.importer import MAX_WORKBOOK_BYTES
from pooledfund.io.inputs import combine_scenarios
from pooledfund.io.store.errors import StoreError
from pooledfund.io.store.records import AGREEMENT_ROLE, Version, VersionInfo
from pooledfund.io.uncertainty_files import load_uncertain_scenario
from pooledfund.io.yamlio import MAX_YAML_BYTES
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario, check_scenario
from pooledfund.reports.bridge import CAUSE_WORDS, BridgeLine, bridge
from pooledfund.uncertainty import (
    SensitivityResult,
    SimulationResult,
    UncertaintySpec,
    check_uncertainty,
    sensitivity,
    simulate,
)
from pooledfund.uncertainty.figures import position_histogram, tornado_chart
from pooledfund.uncertainty.sentences import chance_sentences

ROOT = Path(__file__).resolve().parent
EXAMPLES = bundled_files(ROOT / "examples", "examples")
SCENARIOS = bundled_files(ROOT / "scenarios", "scenarios")
UNCERTAINTY = bundled_files(ROOT / "scenarios" / "uncertainty", "scenarios/uncertainty")
DEFAULT_EXAMPLE = "examples/bcf_northmoor.yaml"
#: The versions database the monitoring view opens with, when it is there (a path from this folder).
DEFAULT_VERSIONS = "examples/monitoring/northmoor_versions.db"
#: The page's sections, one tab each; only the tab in view runs (lazy tabs), so the first screen is quick.
#: The page opens on the Summary (the money flow as a table): no chart, so the browser need not load plotly's
#: 4.7 MB script, which holds up everything on the page, before the board summary is drawn (docs/dashboard.md 4).
SECTIONS = ("Summary", "Money flow", "Scenarios and cash", "Spend", "Monitoring", "Schemes (edit budgets)",
            "Checks", "Assumptions", "Explain", "Uncertainty", "Several agreements")
#: The scenario files the Several agreements section offers each agreement: the bundled ones and the uncertain ones.
ROLLUP_SCENARIOS = {**SCENARIOS, **UNCERTAINTY}
#: The Several agreements section's scenario choice: the sidebar's for every agreement, or its own for each.
SHARED, OWN = "sidebar", "own"
#: The Several agreements section's choices, kept outside its widgets (widget key -> value): a tab out of view is
#: not drawn, and Streamlit forgets the values of widgets not drawn.
ROLLUP_KEPT = "rollup_kept"
#: The agreements uploaded to the Several agreements section: contents' hash -> KeptUpload, in the order uploaded.
ROLLUP_UPLOADED = "rollup_uploaded"
#: How many times its file chooser has been emptied (the chooser's key ends in it, so each is a new, empty one).
ROLLUP_CHOOSER = "rollup_chooser_round"
#: What the last upload refused (the same contents twice), said once after the page reruns.
ROLLUP_NOTES = "rollup_upload_notes"
T = TypeVar("T")
FILES = 0  # the "version on screen" choice meaning: the files chosen above, no recorded version
TITLE = "Pooled budget dashboard: who pays what if…"
NONE = "(none)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIB = 1024 * 1024
#: Upload limits shown by the file choosers: the readers' own limits (.streamlit/config.toml agrees).
AGREEMENT_UPLOAD_MB = MAX_WORKBOOK_BYTES // MIB
SCENARIO_UPLOAD_MB = MAX_YAML_BYTES // MIB
WHAT_IF_KEYS = ("adhoc_inflation", "adhoc_demography", "adhoc_driver", "adhoc_demand", "adhoc_demand_from",
                "adhoc_partner", "adhoc_contribution", "adhoc_contribution_from", "adhoc_shock_scheme",
                "adhoc_shock_amount", "adhoc_shock_month")

st.set_page_config(page_title="pooledfund dashboard", page_icon="£", layout="wide")
# Fit a laptop screen (1280x720): less space above the title, labels that wrap rather than end in "…",
# long messages that wrap inside their box, and section tabs that wrap onto a second row rather than hide the
# last ones off the edge of the screen behind a scroll arrow. st.html with only a style in it takes no room on the
# page and, unlike st.markdown(unsafe_allow_html=True), needs no HTML parser in the browser before the first screen.
st.html("<style>"
        "[data-testid='stMainBlockContainer'] {padding-top: 2.5rem;} "
        "h1 {font-size: 2rem !important;} "
        "[data-testid='stMetricValue'] {font-size: 1.6rem;} "
        "[data-testid='stMetricLabel'], [data-testid='stMetricLabel'] * {white-space: normal !important; "
        "overflow: visible !important; text-overflow: clip !important;} "
        "[data-testid='stFileUploaderDropzoneInstructions'] * {white-space: normal !important; "
        "overflow: visible !important; text-overflow: clip !important;} "
        "[data-testid='stAlert'] pre, [data-testid='stAlert'] pre code "
        "{white-space: pre-wrap !important; overflow-wrap: anywhere;} "
        "[role='tablist'] {flex-wrap: wrap; row-gap: 0.25rem;}</style>")


# --- Cached steps (keyed by content hash) ------------------------------------------------------
# Agreements and scenarios keep, on every record, a closure that finds a field's
# line in its file; closures cannot be pickled, so st.cache_data cannot hold them.
# They are frozen, so one shared copy per content hash is safe (st.cache_resource).


@st.cache_resource(max_entries=16, show_spinner=False)
def read_agreement(digest: str, _file: InputFile) -> tuple[Agreement | None, list[InputError]]:
    """The agreement in a file (YAML or workbook), or every problem found."""
    del digest
    return agreement_from_file(_file)


@st.cache_resource(max_entries=64, show_spinner=False)
def read_scenario(digest: str, _file: InputFile) -> tuple[Scenario | None, list[InputError]]:
    """The scenario in a file, following ``extends`` into the bundled scenarios."""
    del digest
    return scenario_from_file(_file, ROOT / "scenarios")


@st.cache_resource(max_entries=16, show_spinner=False)
def read_uncertainty(path: str, digest: str) -> tuple[UncertaintySpec | None, str, list[InputError]]:
    """The ``uncertainty:`` section of a bundled file and its scenario's name, or every problem found."""
    del digest
    scenario, spec, errors = load_uncertain_scenario(path)
    return spec, (scenario.name if scenario is not None else ""), errors


@st.cache_data(max_entries=8, show_spinner="Running the simulation…")
def simulation(agreement_key: str, scenario_key: str, spec_key: str, paths: int, seed: int, *,
               _agreement: Agreement, _scenario: Scenario, _spec: UncertaintySpec) -> SimulationResult:
    """A Monte Carlo run (plain arrays, so st.cache_data can keep it)."""
    del agreement_key, scenario_key, spec_key
    return simulate(_agreement, _scenario, _spec, paths=paths, seed=seed)


@st.cache_data(max_entries=8, show_spinner=False)
def sensitivity_run(agreement_key: str, scenario_key: str, spec_key: str, _agreement: Agreement,
                    _scenario: Scenario, _spec: UncertaintySpec) -> SensitivityResult:
    """Each driver at its P10 and P90 with the others at their medians, for the tornado."""
    del agreement_key, scenario_key, spec_key
    return sensitivity(_agreement, _scenario, _spec)


@st.cache_data(max_entries=64, show_spinner=False)
def model_outputs(agreement_key: str, scenario_key: str, _agreement: Agreement, _scenario: Scenario) -> ModelOutputs:
    """One model run's figures, tables and texts (plain data, so st.cache_data can keep it)."""
    del agreement_key, scenario_key
    return build_outputs(_agreement, _scenario)[0]


@st.cache_data(max_entries=8, show_spinner=False)
def versions_held(digest: str, shown: str, _data: bytes) -> list[VersionInfo]:
    """Every version in a database (read from its copy in memory; StoreError in words if it is not one)."""
    del digest
    return list_versions(_data, shown)


@st.cache_data(max_entries=32, show_spinner=False)
def version_whole(digest: str, version_id: int, shown: str, _data: bytes) -> Version:
    """One version whole (details, files, figures), plain records so st.cache_data can keep it."""
    del digest
    return read_version(_data, shown, version_id)


@st.cache_resource(max_entries=16, show_spinner=False)
def version_inputs(digest: str, version_id: int, _version: Version) -> tuple[Agreement, list[Scenario]]:
    """The agreement and scenarios a version ran, rebuilt from its recorded files (frozen records, shared)."""
    del digest, version_id
    return version_records(_version)


@st.cache_data(max_entries=16, show_spinner="Working out the bridge…")
def bridge_lines(agreement_key: str, previous_key: str, current_key: str, year: str, *, _agreement: Agreement,
                 _previous: Scenario, _current: Scenario) -> list[BridgeLine]:
    """Each scheme's movement in forecast outturn from one scenario to another, by cause (five engine runs)."""
    del agreement_key, previous_key, current_key
    return bridge(_agreement, _previous, _current, year)


@st.cache_resource(max_entries=64, show_spinner=False)
def read_rollup_scenario(digest: str, _file: InputFile) -> ScenarioRead:
    """A scenario file for the Several agreements section, with its ``uncertainty:`` section if it has one."""
    del digest
    path = ROLLUP_SCENARIOS.get(_file.name)
    bundled = path is not None and path.read_bytes() == _file.data
    return read_scenario_file(_file, ROOT / "scenarios", path if bundled else None)


@st.cache_resource(max_entries=32, show_spinner="Running the agreements…")
def rollup_run(agreement_key: str, scenario_key: str, _agreement: Agreement, _scenario: Scenario) -> RunResult:
    """One agreement of the roll-up run under its scenario (it keeps records, so one shared copy, never changed)."""
    del agreement_key, scenario_key
    return run(_agreement, _scenario)


@st.cache_data(max_entries=4, show_spinner="Running the simulation of every agreement…")
def rollup_simulation(inputs_key: str, paths: int, seed: int, *,
                      _runs: list[tuple[Agreement, Scenario, UncertaintySpec]]) -> list[SimulationResult]:
    """Every agreement of the roll-up simulated together, a driver named the same sharing its draws."""
    del inputs_key
    from pooledfund.uncertainty.rollup import simulate_several

    return simulate_several(_runs, paths=paths, seed=seed)


def open_database(shown: str, data: bytes) -> VersionsDatabase:
    """A versions database's contents, with the versions it holds (StoreError in words if it is not one)."""
    digest = content_hash(shown, data)
    return VersionsDatabase(shown, data, digest, tuple(versions_held(digest, shown, _data=data)))


def scenario_key(scenario: Scenario) -> str:
    """The content hash of a scenario: equal scenarios share one cached run."""
    return content_hash(scenario.model_dump_json())


# --- Small widget helpers -----------------------------------------------------------------------


def keep_valid(key: str, options: Sequence[object], default: object) -> None:
    """Reset a widget whose remembered choice is not offered any more (another agreement)."""
    if key in st.session_state and st.session_state[key] not in options:
        st.session_state[key] = default


def show_problems(title: str, errors: list[InputError]) -> None:
    """Every located problem, one a line, as the command line prints them."""
    count = len(errors)
    lines = "\n".join(str(e) for e in errors)
    st.error(f"{title}: {count} problem{'s' if count != 1 else ''} found.\n\n```\n{lines}\n```", icon="⚠️")


@contextmanager
def located_errors(title: str) -> Iterator[None]:
    """Show a problem the model reports (located, in words) and stop the page, instead of an error box.

    Anything else is left to Streamlit, which (``client.showErrorDetails =
    "none"`` in .streamlit/config.toml) shows a generic message, never a traceback.
    """
    try:
        yield
    except InvalidInputError as exc:
        show_problems(title, exc.errors)
        st.stop()
    except PooledfundError as exc:
        st.error(f"{title}: {exc}", icon="⚠️")
        st.stop()


def uploaded(upload: UploadedFile) -> InputFile:
    """An uploaded file as an in-memory input (never written to disk)."""
    return InputFile(str(upload.name), bytes(upload.getvalue()))


def reset_what_if() -> None:
    """Put every what-if widget back to "no change": values to zero, choices to (none), months to the first."""
    for key in WHAT_IF_KEYS:
        st.session_state.pop(key, None)


def forget_upload() -> None:
    """Choosing a bundled example is a choice: a later broken upload falls back to it, not to an old upload."""
    st.session_state.pop("last_good_upload", None)


def agreement_title(name: str) -> str:
    """A bundled example's title, for the picker (its file name if it does not load)."""
    file = InputFile(name, EXAMPLES[name].read_bytes())
    agreement = read_agreement(file.digest, file)[0]
    return agreement.title if agreement is not None else name


def scenario_title(name: str) -> str:
    """A bundled scenario's name, for the picker (its file name if it does not load)."""
    file = InputFile(name, SCENARIOS[name].read_bytes())
    scenario = read_scenario(file.digest, file)[0]
    return scenario.name if scenario is not None and scenario.name else name


def usable_scenario(file: InputFile, agreement: Agreement) -> tuple[Scenario | None, list[InputError]]:
    """The scenario in a file, checked against the agreement on screen, or every problem found."""
    scenario, errors = read_scenario(file.digest, file)
    if scenario is not None:
        errors = check_scenario(scenario, agreement, file.name)
    return (scenario if not errors else None), errors


def metric(cell: st.delta_generator.DeltaGenerator, label: str, pence: int, words: str = "", *,
           change: bool = False) -> None:
    """A headline figure, short (£23.4m), with the exact figure to the penny on hover."""
    value = signed_gbp(pence, short=True) if change else short_gbp(pence)
    exact = f"Exactly {signed_gbp(pence)}." if change else exactly(pence)
    cell.metric(label, value, help=f"{exact} {words}".strip())


def money_columns(frame: pd.DataFrame, columns: list[str]) -> object:
    """A table whose pence columns read £1,234.56, negatives in brackets (numbers stay numbers)."""
    return frame.style.format(lambda v: format_gbp(int(v), brackets=True), subset=columns)


def checks_table(frame: pd.DataFrame) -> object:
    """The checks with the Result cell shaded: failures vermillion, passes bluish green (the words say it too)."""
    shades = {"FAIL": f"background-color: {translucent(palette.VERMILLION, 0.25)}; font-weight: bold",
              "pass": f"background-color: {translucent(palette.BLUISH_GREEN, 0.15)}"}
    return frame.style.map(lambda v: shades.get(v, ""), subset=["Result"])


def show_board_summary(summary: BoardSummary, year: str) -> None:
    """The figures a board asks for first, and the pack's checks, failures first and in words."""
    st.subheader(f"Board summary, {year}")
    cells = st.columns(4)
    direction = "overspend" if summary.variance > 0 else "underspend" if summary.variance < 0 else "on budget"
    cells[0].metric("Variance, all arrangements", short_gbp(summary.variance), delta=direction, delta_arrow="off",
                    delta_color="orange" if summary.variance > 0 else "blue" if summary.variance < 0 else "gray",
                    help=f"Exactly {variance_words(summary.variance)}: "
                         + "; ".join(f"{name} {variance_words(v)}" for name, v in summary.by_arrangement)
                         + f". {SIGN_CONVENTION}")
    pool_words = ("Contingency" if not summary.brought_forward else "Contingency + brought forward")
    detail = (f"The contingency {format_gbp(summary.contingency)}"
              + (f" plus {format_gbp(summary.brought_forward)} brought forward" if summary.brought_forward else "")
              + ", held back from the schemes to meet their overspends first.")
    metric(cells[1], f"{pool_words} used", summary.risk_pool_used, detail)
    metric(cells[2], f"{pool_words} left", summary.risk_pool_left, detail)
    metric(cells[3], "Carried forward", summary.carried_forward, "Underspend carried into next year.")
    words = [f"{SIGN_CONVENTION}"]
    if summary.unfunded:
        words.append(f"**Unfunded: {format_gbp(summary.unfunded)}**, which no partner covers (for the board).")
    st.caption(" ".join(words))
    total = len(summary.checks)
    if summary.failed:
        lines = "\n".join(f"- **{c.check}** ({c.year}): {c.words}"
                          for c in summary.checks[~summary.checks["passed"]].itertuples(index=False))
        st.error(f"**{summary.failed} of {total} checks fail**, {summary.passed} pass "
                 f"(the sign-off pack's Checks sheet, every year):\n\n{lines}", icon="✖")
    else:
        st.success(f"**All {total} checks pass** (the sign-off pack's Checks sheet, every year): "
                   "the BCF national conditions and income equal to expenditure by source.", icon="✔")
    broken = summary.reconciliations[~summary.reconciliations["passed"]]
    if not broken.empty:
        st.error("**Totals that do not reconcile in " + year + ":**\n\n" + "\n".join(
            f"- **{c.check}**, {c.where}: {c.figure}, should be {c.should_be}. {c.words}"
            for c in broken.itertuples(index=False)), icon="✖")
    with st.expander(f"The {summary.passed} checks that pass"):
        for c in summary.checks[summary.checks["passed"]].itertuples(index=False):
            st.caption(f"✔ {c.check} ({c.year}): {c.words}")


def money_text(pence: int | None, *, change: bool = False) -> str:
    """A figure to the penny for a table (a change signed), or a dash where there is none."""
    if pence is None:
        return "–"
    return signed_gbp(pence) if change else format_gbp(pence, brackets=True)


def show_headline_changes(changes: list[HeadlineChange], baseline: VersionInfo, last: VersionInfo | None) -> None:
    """The pool's variance and each partner's net cost on screen, with their movement against the baseline."""
    cells = st.columns(len(changes))
    for cell, change in zip(cells, changes, strict=True):
        movement = change.against_baseline
        words = "not in the baseline" if movement is None else f"{signed_gbp(movement, short=True)} v baseline"
        cell.metric(change.label, short_gbp(change.on_screen), delta=words, delta_arrow="off",
                    delta_color="gray" if not movement else "orange" if movement > 0 else "blue",
                    help=f"Exactly {format_gbp(change.on_screen, brackets=True)} on screen; "
                         f"{money_text(change.baseline)} at @{baseline.id} {baseline.label}, a movement of "
                         f"{money_text(movement, change=True)}.")
    last_words = f"Last month (@{last.id})" if last is not None else "Last month (none recorded)"
    st.dataframe(pd.DataFrame({
        "Figure": [c.label for c in changes],
        "On screen": [money_text(c.on_screen) for c in changes],
        f"Baseline (@{baseline.id})": [money_text(c.baseline) for c in changes],
        "Movement v baseline": [money_text(c.against_baseline, change=True) for c in changes],
        last_words: [money_text(c.last_month) for c in changes],
        "Movement v last month": [money_text(c.against_last_month, change=True) for c in changes],
    }), hide_index=True, width="stretch", key="monitoring_headline")


def show_bridge(database: VersionsDatabase, previous: Version, agreement: Agreement, agreement_key: str,
                current: Scenario, year: str, names: dict[str, str]) -> None:
    """The movement in forecast outturn since ``previous``, by cause or by scheme: a waterfall and its table."""
    try:
        previous_agreement, previous_scenarios = version_inputs(database.digest, previous.info.id, previous)
    except InvalidInputError as exc:
        show_problems(f"Version {previous.info.id}'s recorded files could not be used for the bridge", exc.errors)
        return
    if previous_agreement.id != agreement.id:
        st.info(f"No bridge: version {previous.info.id} ran the agreement {previous_agreement.id}, the screen shows "
                f"{agreement.id}; a bridge compares two forecasts of one agreement.")
        return
    with located_errors("The bridge could not be worked out"):
        lines = bridge_lines(agreement_key, content_hash(database.digest, str(previous.info.id)),
                             scenario_key(current), year, _agreement=agreement,
                             _previous=combine_scenarios(previous_scenarios), _current=current)
    mismatches = bridge_mismatches(lines, previous, year)
    if mismatches:
        st.error(f"No bridge: version {previous.info.id}'s scenario run on the agreement on screen does not give "
                 f"the figures it recorded, so the agreement has changed since (edited budgets?) and a bridge "
                 f"would mix the two. {len(mismatches)} scheme(s) differ, e.g. " + "; ".join(mismatches[:3]) + ".",
                 icon="✖")
        return
    frame = bridge_frame(lines, names)
    total = frame.iloc[-1]
    by = st.segmented_control("Bridge by", ["cause", "scheme"], key="bridge_by", default="cause", required=True,
                              format_func=lambda b: {"cause": "Cause", "scheme": "Scheme"}[b])
    st.plotly_chart(bridge_waterfall(
        frame, by or "cause", CAUSE_WORDS, f"Movement in forecast outturn since @{previous.info.id}, {year}",
        subtitle=f"{previous.info.label}: {format_gbp(int(total['previous']))}; on screen: "
                 f"{format_gbp(int(total['current']))}"), key="chart_bridge")
    causes = " + ".join(f"{CAUSE_WORDS[c].lower()} {money_text(int(total[c]), change=True)}" for c in CAUSE_WORDS)
    st.caption(f"The causes add up to the movement exactly: {causes} = "
               f"{money_text(int(total['movement']), change=True)}. Each cause is the change when only that is "
               "updated, in the order shown.")
    shown = frame.rename(columns={"scheme": "Scheme", "name": "Name", "previous": f"@{previous.info.id} outturn",
                                  **CAUSE_WORDS, "current": "Outturn on screen", "movement": "Movement"})
    money = [c for c in shown.columns if c not in ("Scheme", "Name")]
    st.dataframe(shown.assign(**{c: [money_text(int(v), change=c not in (money[0], "Outturn on screen"))
                                     for v in shown[c]] for c in money}),
                 hide_index=True, width="stretch", key="monitoring_bridge")


def show_monitoring(database: VersionsDatabase | None, on_screen: int, baseline_id: int | None, *,
                    outputs: ModelOutputs, year: str, agreement: Agreement, agreement_key: str,
                    current: Scenario) -> None:
    """The Monitoring tab: the figures on screen against the baseline and last month, and the bridge."""
    if database is None or baseline_id is None:
        st.info("No versions database with versions is open. Give one under Recorded versions in the sidebar to "
                "compare the figures on screen with the signed-off plan and last month's forecast.")
        return
    baseline = version_whole(database.digest, baseline_id, database.shown, _data=database.data)
    last_info = last_month(list(database.versions), None if on_screen == FILES else on_screen)
    last = (version_whole(database.digest, last_info.id, database.shown, _data=database.data)
            if last_info is not None else None)
    screen = ("the agreement and scenarios chosen in the sidebar" if on_screen == FILES
              else version_title(database.info(on_screen)))
    st.caption(f"On screen: **{screen}**. Baseline: **{version_title(baseline.info)}**. Last month: "
               f"**{version_title(last_info) if last_info is not None else 'none recorded before it'}**. "
               f"Recorded versions are shown as recorded, never run again. {SIGN_CONVENTION}")
    st.subheader(f"Movement, {year}")
    show_headline_changes(headline_changes(outputs, year, baseline, last), baseline.info, last_info)
    moved = scheme_changes(outputs, year, baseline, last)
    if not moved.empty:
        with st.expander(f"Schemes whose outturn moved: {len(moved)}"):
            st.dataframe(pd.DataFrame({
                "Scheme": moved["scheme"], "Name": moved["name"],
                "On screen": [money_text(v) for v in moved["on_screen"]],
                f"Baseline (@{baseline.info.id})": [money_text(None if pd.isna(v) else int(v))
                                                    for v in moved["baseline"]],
                "Movement v baseline": [money_text(None if pd.isna(v) else int(v), change=True)
                                        for v in moved["against_baseline"]],
                f"Last month (@{last.info.id})" if last is not None else "Last month": [
                    money_text(None if pd.isna(v) else int(v)) for v in moved["last_month"]],
                "Movement v last month": [money_text(None if pd.isna(v) else int(v), change=True)
                                          for v in moved["against_last_month"]],
            }), hide_index=True, width="stretch", key="monitoring_schemes")
    st.subheader("Bridge: what moved the forecast, and why")
    sources: dict[str, Version] = {"baseline": baseline} if last is None else {"last": last, "baseline": baseline}
    keep_valid("bridge_from", list(sources), next(iter(sources)))
    start = st.segmented_control(
        "Bridge from", list(sources), key="bridge_from", default=next(iter(sources)), required=True,
        format_func=lambda k: f"{'Last month' if k == 'last' else 'Baseline'}: @{sources[k].info.id} "
                              f"{sources[k].info.label}")
    previous = sources[start or next(iter(sources))]
    names = {s.id: s.name for _, s in agreement.schemes()}
    show_bridge(database, previous, agreement, agreement_key, current, year, names)


# --- Sidebar: what to model ---------------------------------------------------------------------

problems = st.container()
sidebar = st.sidebar
sidebar.title("pooledfund")
sidebar.header("Agreement")
example_names = list(EXAMPLES)
example = sidebar.radio("Bundled example", example_names, key="example", format_func=agreement_title,
                            index=example_names.index(DEFAULT_EXAMPLE) if DEFAULT_EXAMPLE in example_names else 0,
                            on_change=forget_upload)
agreement_upload = sidebar.file_uploader(
    "…or upload an agreement", type=["yaml", "yml", "xlsx", "xlsm"], key="agreement_upload",
    max_upload_size=AGREEMENT_UPLOAD_MB,
    help=f"A YAML agreement (up to {SCENARIO_UPLOAD_MB} MB) or an Excel workbook (up to {AGREEMENT_UPLOAD_MB} MB): "
         "a BCF expenditure plan or a sign-off pack. Read in memory, never saved.")
agreement_note = sidebar.container()  # "In use: ..." once the agreement is known

# --- Sidebar: recorded versions (the monthly monitoring) -------------------------------------------
sidebar.header("Recorded versions")
versions_path = sidebar.text_input(
    "Versions database (a file path)", value=DEFAULT_VERSIONS if (ROOT / DEFAULT_VERSIONS).is_file() else "",
    key="versions_path", help="The SQLite file 'pooledfund record' writes, from this dashboard's folder or a full "
                              "path. Read for viewing only: the file is never changed. Leave empty for none.")
versions_upload = sidebar.file_uploader(
    "…or upload a versions database", type=["db", "sqlite", "sqlite3"], key="versions_upload",
    max_upload_size=VERSIONS_UPLOAD_MB, help="A copy of a versions database, read in memory, never saved.")
database: VersionsDatabase | None = None
try:
    if versions_upload is not None:
        database = open_database(str(versions_upload.name), bytes(versions_upload.getvalue()))
    elif versions_path.strip():
        typed = Path(versions_path.strip()).expanduser()
        database = open_database(versions_path.strip(), read_file(typed if typed.is_absolute() else ROOT / typed,
                                                                 versions_path.strip()))
except StoreError as exc:
    with problems:
        st.error(f"The versions database could not be read: {exc}", icon="⚠️")
    sidebar.caption("No versions database in use.")
on_screen = FILES
baseline_id: int | None = None
version_scenarios: list[Scenario] = []
version_files: list[InputFile] = []
if database is not None and not database.versions:
    sidebar.caption(f"{database.shown} holds no versions yet.")
elif database is not None:
    held: VersionsDatabase = database
    ids: list[int] = [v.id for v in held.versions]
    first_choice = default_baseline(list(held.versions)) or ids[0]

    def screen_words(choice: int) -> str:
        """What the "On screen" picker says for a choice: the files chosen here, or a version by title."""
        return "The agreement and scenarios chosen here" if choice == FILES else version_title(held.info(choice))

    keep_valid("version_on_screen", [FILES, *ids], FILES)
    on_screen = int(sidebar.selectbox(
        "On screen", [FILES, *ids], key="version_on_screen", format_func=screen_words,
        help="A recorded version's own agreement and scenarios, run again (the what-if still applies on top).")
        or FILES)
    keep_valid("baseline", ids, first_choice)
    baseline_id = sidebar.selectbox(
        "Baseline", ids, key="baseline", index=ids.index(first_choice),
        format_func=lambda i: version_title(held.info(i)),
        help="What the Monitoring tab measures the figures on screen against: the signed-off plan unless you "
             "choose another.")
    sidebar.caption(f"In use: **{database.shown}** ({len(ids)} version{'s' if len(ids) != 1 else ''}), "
                    "read only.")

example_file = InputFile(example, EXAMPLES[example].read_bytes())
# While a file is being replaced the chooser is briefly empty (the page reruns on the example), so a
# broken replacement falls back to the last valid *upload*, remembered until an example is chosen.
chosen_file = uploaded(agreement_upload) if agreement_upload is not None else example_file
if database is not None and on_screen != FILES:
    shown_version = version_whole(database.digest, on_screen, database.shown, _data=database.data)
    prefix = f"@{on_screen}/"
    try:
        version_scenarios = version_inputs(database.digest, on_screen, shown_version)[1]
    except InvalidInputError as exc:
        with problems:
            show_problems(f"Version {on_screen}'s recorded files could not be used; the files chosen here stay in "
                          "use", exc.errors)
        on_screen = FILES
    else:
        chosen_file = next(InputFile(prefix + i.name, i.text.encode("utf-8")) for i in shown_version.inputs
                           if i.role == AGREEMENT_ROLE)
        version_files = [InputFile(prefix + i.name, i.text.encode("utf-8")) for i in shown_version.inputs
                         if i.role != AGREEMENT_ROLE]
agreement, agreement_errors = read_agreement(chosen_file.digest, chosen_file)
if agreement is None:
    fallback = st.session_state.get("last_good_upload") or example_file
    with problems:
        show_problems(f"{chosen_file.name} could not be used; {fallback.name} stays in use", agreement_errors)
    chosen_file = fallback
    agreement = read_agreement(chosen_file.digest, chosen_file)[0]
    if agreement is None:  # a bundled example that does not load: say so rather than show another
        st.stop()
elif agreement_upload is not None and on_screen == FILES:
    st.session_state["last_good_upload"] = chosen_file
is_example = chosen_file.name in EXAMPLES and chosen_file.data == EXAMPLES[chosen_file.name].read_bytes()
in_use = f"{Path(chosen_file.name).name} (bundled example)" if is_example else f"{chosen_file.name} (uploaded)"
if database is not None and on_screen != FILES:
    in_use = f"@{on_screen} {database.info(on_screen).label} (recorded version)"
agreement_note.caption(f"In use: **{in_use}**")

years = list(agreement.years)
keep_valid("year", years, years[0])
year = sidebar.selectbox("Year", years, key="year")

sidebar.header("Scenario")
chosen_names = sidebar.multiselect("Bundled scenarios (applied in order)", list(SCENARIOS), key="scenarios",
                                   format_func=scenario_title,
                                   help="None chosen: the budget as agreed. "
                                        "Later scenarios apply on top of earlier ones.")
scenario_uploads = sidebar.file_uploader(
    "…or upload scenarios", type=["yaml", "yml"], accept_multiple_files=True, key="scenario_upload",
    max_upload_size=SCENARIO_UPLOAD_MB,
    help=f"Scenario files (YAML, up to {SCENARIO_UPLOAD_MB} MB each), applied after the bundled ones. "
         "Read in memory, never saved.")



scenarios: list[Scenario] = list(version_scenarios)
used_files: list[InputFile] = list(version_files)
scenario_words: list[str] = [f"{s.name or s.id} (@{on_screen}, recorded)" for s in version_scenarios]
# An uploaded scenario that fails keeps the last valid upload of the same name in use, if there was one.
last_good_scenarios: dict[str, InputFile] = st.session_state.setdefault("last_good_scenarios", {})
# The scenario files chosen in the sidebar, as chosen: the Several agreements section checks each against every
# agreement it runs, so one that does not fit (or a broken re-upload) is refused there, never left out or swapped.
sidebar_scenarios = [InputFile(n, SCENARIOS[n].read_bytes()) for n in chosen_names] + [
    uploaded(u) for u in scenario_uploads or []]
for number, file in enumerate(sidebar_scenarios):
    bundled = number < len(chosen_names)
    scenario, errors = usable_scenario(file, agreement)
    if scenario is None:
        earlier = None if bundled else last_good_scenarios.get(file.name)
        scenario = usable_scenario(earlier, agreement)[0] if earlier is not None else None
        with problems:
            show_problems(f"{file.name} could not be used; "
                          + ("the last valid upload of it stays in use" if scenario is not None else "it is left out"),
                          errors)
        if scenario is None or earlier is None:
            continue
        file = earlier
    elif not bundled:
        last_good_scenarios[file.name] = file
    scenarios.append(scenario)
    used_files.append(file)
    where = "bundled" if bundled else "uploaded"
    scenario_words.append(f"{scenario.name or scenario.id} ({Path(file.name).name}, {where})")
sidebar.caption("In use: " + ("; ".join(f"**{w}**" for w in scenario_words)
                              if scenario_words else "**none**: the budget as agreed"))
chosen = combine_scenarios(scenarios)

partner_names = {p.id: p.name for p in agreement.partners}
arrangement_ids = [a.id for a in agreement.arrangements]
arrangement_names = {a.id: a.name for a in agreement.arrangements}
scheme_names = {s.id: s.name for _, s in agreement.schemes()}
drivers = demand_drivers(agreement)
month_words = agreement_months(agreement)
months = list(month_words)

with sidebar.expander("What if… (ad-hoc scenario)", expanded=True):
    inflation = st.slider("Inflation above plan (percentage points a year)", -5.0, 10.0, 0.0, 0.5,
                          key="adhoc_inflation")
    demography = st.slider("Demographic growth above plan (points a year)", -3.0, 5.0, 0.0, 0.5, key="adhoc_demography")
    # A change needs its subject: the sliders and months wait, greyed out, until one is chosen.
    keep_valid("adhoc_driver", [NONE, *drivers], NONE)
    driver = st.selectbox("Demand driver", [NONE, *drivers], key="adhoc_driver",
                          format_func=lambda d: d.replace("_", " "))
    demand = st.slider("Demand change (%)", -30, 50, 0, 1, key="adhoc_demand", disabled=driver == NONE)
    keep_valid("adhoc_demand_from", months, months[0])
    demand_from = st.selectbox("Demand change from", months, key="adhoc_demand_from",
                               format_func=lambda m: month_words[m], disabled=driver == NONE)
    keep_valid("adhoc_partner", [NONE, *partner_names], NONE)
    partner = st.selectbox("Partner changing its contribution", [NONE, *partner_names], key="adhoc_partner",
                           format_func=lambda p: partner_names.get(p, p))
    contribution = st.slider("Contribution change (%)", -50, 50, 0, 1, key="adhoc_contribution",
                             disabled=partner == NONE)
    keep_valid("adhoc_contribution_from", months, months[0])
    contribution_from = st.selectbox("Contribution change from", months, key="adhoc_contribution_from",
                                     format_func=lambda m: month_words[m], disabled=partner == NONE)
    keep_valid("adhoc_shock_scheme", [NONE, *scheme_names], NONE)
    shock_scheme = st.selectbox("Scheme with a one-off cost", [NONE, *scheme_names], key="adhoc_shock_scheme",
                                format_func=lambda s: scheme_names.get(s, s))
    shock_amount = st.number_input("One-off cost (£; negative for a saving)", value=0.0, step=10000.0,
                                   format="%.2f", key="adhoc_shock_amount", disabled=shock_scheme == NONE)
    keep_valid("adhoc_shock_month", months, months[0])
    shock_month = st.selectbox("One-off cost in", months, key="adhoc_shock_month",
                               format_func=lambda m: month_words[m], disabled=shock_scheme == NONE)
    st.button("Reset what-if", key="adhoc_reset", on_click=reset_what_if,
              help="Every what-if value back to no change and every choice back to (none)")

settings = AdhocSettings(
    inflation_points=inflation, demography_points=demography,
    demand_driver=None if driver == NONE else driver, demand_change_pct=demand, demand_from=demand_from,
    partner=None if partner == NONE else partner, contribution_change_pct=contribution,
    contribution_from=contribution_from,
    shock_scheme=None if shock_scheme == NONE else shock_scheme, shock_amount=shock_amount, shock_month=shock_month,
)
what_if, what_if_errors = adhoc_scenario(settings, agreement, chosen)
if what_if_errors:
    with problems:
        show_problems("The what-if values could not be used and are left out", what_if_errors)
current = apply_adhoc(chosen, what_if)

# --- Main area ------------------------------------------------------------------------------------

st.title(TITLE)
st.caption(f"**{agreement.title}** · file: {in_use} · scenario: **{current.label}** · year **{year}**")
headline = st.container()
downloads = st.container()
# One tab per section; only the tab in view runs (on_change="rerun" makes the tabs lazy), so opening the
# page builds the board summary and the Summary tab's table, not every chart, table and text at once.
(tab_summary, tab_flow, tab_scenarios, tab_spend, tab_monitoring, tab_schemes, tab_checks, tab_assumptions, tab_explain,
 tab_uncertainty, tab_rollup) = st.tabs(SECTIONS, key="section", on_change="rerun")

# The schemes table comes first in the script (though lower on the page) so that
# the budgets typed into it are in the model run the rest of the page shows.
# With its tab out of view the budgets typed earlier still apply (kept per agreement).
edit_store: dict[str, dict] = st.session_state.setdefault("budget_edits", {})
edits = edit_store.get(chosen_file.digest, {})
if tab_schemes.open:
    with tab_schemes:
        st.caption("Type a new budget for any scheme in the chosen year and the whole page reruns with it. "
                   "Contributions stay as agreed, so in a balanced pool a higher budget shows as an overspend "
                   "(see the Checks tab).")
        table = schemes_table(agreement, year, edits)
        edited = st.data_editor(
            table, key=f"schemes_editor_{year}", hide_index=True, width="stretch",
            disabled=[c for c in table.columns if c != BUDGET_COLUMN],
            column_config={BUDGET_COLUMN: st.column_config.NumberColumn(BUDGET_COLUMN, min_value=0.0, step=0.01,
                                                                        format="accounting", required=True)},
        )
        edits, edit_errors = read_budget_edits(agreement, edited, year, edits)
        edit_store[chosen_file.digest] = edits
        if edit_errors:
            show_problems("Some budgets typed in the table could not be used", edit_errors)
        if edits:
            st.info(f"{len(edits)} budget(s) edited: " + ", ".join(
                f"{sid} {y} {format_gbp(p)}" for (sid, y), p in sorted(edits.items())))
            if st.button("Put every budget back as agreed", key="reset_budgets"):
                edit_store[chosen_file.digest] = {}
                for key in [k for k in st.session_state if str(k).startswith("schemes_editor_")]:
                    del st.session_state[key]
                st.rerun()

model_agreement = apply_budget_edits(agreement, edits)
agreement_key = content_hash(chosen_file.digest, edits_key(edits))
with located_errors("The model could not be run"):
    outputs = model_outputs(agreement_key, scenario_key(current), model_agreement, current)
    base = model_outputs(agreement_key, scenario_key(BASE), model_agreement, BASE)

# The Several agreements section is about other agreements: the sidebar agreement's figures and downloads
# are left out above it, so the roll-up is on the first screen and never read beside another agreement's.
if not tab_rollup.open:
    with headline:
        summary = board_summary(outputs, year)
        show_board_summary(summary, year)
        if not outputs.triggers.empty:  # triggers move no money: crossed ones as warnings, the rest folded away
            this_year = outputs.triggers[outputs.triggers["year"] == year]
            for trigger in this_year[this_year["crossed"]].itertuples(index=False):
                st.warning(f"{trigger.name}: {trigger.sentence}")
            quiet = this_year[~this_year["crossed"]]
            if not quiet.empty:
                with st.expander(f"Triggers not crossed in {year}: {len(quiet)}"):
                    for trigger in quiet.itertuples(index=False):
                        st.caption(f"{trigger.name}: {trigger.sentence}")
        st.subheader(f"Each partner, {year}")
        metrics = partner_metrics(outputs, base, year)
        for row in metrics.itertuples(index=False):
            with st.container(border=True):
                st.markdown(f"**{row.partner_name}**")
                cells = st.columns(5)
                metric(cells[0], METRIC_COLUMNS["contribution"], row.contribution,
                       "Cash plus in kind, after any contribution change.")
                metric(cells[1], METRIC_COLUMNS["overspend_share"], row.overspend_share,
                       "This partner's share of the pool's overspend.")
                metric(cells[2], METRIC_COLUMNS["underspend_return"], row.underspend_return,
                       "Underspend paid back to this partner.")
                metric(cells[3], METRIC_COLUMNS["net_cost"], row.net_cost,
                       "Contribution plus overspend share less underspend returned.")
                metric(cells[4], METRIC_COLUMNS["change"], row.change,
                       f"Net cost under this scenario less net cost with the budget as agreed "
                       f"({format_gbp(row.base_net_cost, brackets=True)}).", change=True)

    with downloads:
        # The pack shows the scenario on screen; the base and each chosen scenario sit beside it.
        pack_scenarios = list({scenario_key(s): s for s in (current, BASE, *scenarios)}.values())
        sources = {f.name: f.data for f in (chosen_file, *used_files)}
        left, right, _ = st.columns([3, 3, 2])
        left.download_button("Download the Excel sign-off pack", key="download_pack", on_click="ignore",
                             data=partial(workbook_bytes, model_agreement, pack_scenarios, sources),
                             file_name=f"{agreement.id}_{outputs.scenario_id}_sign_off.xlsx", mime=XLSX,
                             help="Built when you click: summary, contributions, expenditure plan, projection, risk "
                                  "share with live formulas, scenarios, checks and assumptions")
        right.download_button("Download results (JSON)", data=outputs.json_bytes(), mime="application/json",
                              file_name=f"{agreement.id}_{outputs.scenario_id}.json", key="download_json",
                              on_click="ignore")

if tab_summary.open:
    with tab_summary:
        st.subheader(f"Money in, spend and who bears the result, {year}")
        st.markdown(money_flow_markdown(money_flow_table(outputs, year)))
        st.caption(f"Money into the pool +, out of it (brackets); each column adds up to nothing left in the pool, "
                   f"the books balancing. {SIGN_CONVENTION} The same figures as charts, and the risk share step by "
                   "step: the Money flow tab.")

if tab_flow.open:
    with tab_flow:
        keep_valid("arrangement", ["all", *arrangement_ids], "all")
        choice = st.selectbox("Arrangement", ["all", *arrangement_ids], key="arrangement",
                              format_func=lambda a: "All arrangements" if a == "all" else arrangement_names[a])
        arrangement = None if choice == "all" else choice
        st.plotly_chart(money_flow_waterfall(outputs, year, arrangement), key="chart_flow")
        funded: list[str] = outputs.risk_steps["arrangement"].drop_duplicates().tolist() or arrangement_ids
        keep_valid("risk_arrangement", funded, funded[0])
        risk_arrangement = st.selectbox("Risk share for", funded, key="risk_arrangement",
                                        index=funded.index(arrangement) if arrangement in funded else 0,
                                        format_func=lambda a: arrangement_names.get(a, a))
        st.plotly_chart(risk_share_waterfall(outputs, year, risk_arrangement), key="chart_risk")

if tab_scenarios.open:
    with tab_scenarios, located_errors("The model could not be run"):
        compared = [base] + [model_outputs(agreement_key, scenario_key(s), model_agreement, s) for s in scenarios]
        left, right = st.columns(2)
        with left:
            measure = st.selectbox("Compare scenarios by", list(MEASURE_WORDS), key="compare_measure",
                                   format_func=lambda m: MEASURE_WORDS[m])
            if compared[-1].scenario_name != outputs.scenario_name:
                compared.append(outputs)
            st.plotly_chart(scenario_comparison(compared, year, measure), key="chart_compare")
        with right:
            st.plotly_chart(host_cash_position(outputs, year), key="chart_cash")

if tab_spend.open:
    with tab_spend:
        keep_valid("spend_arrangement", ["all", *arrangement_ids], "all")
        spend_choice = st.selectbox("Arrangement", ["all", *arrangement_ids], key="spend_arrangement",
                                    format_func=lambda a: "All arrangements" if a == "all" else arrangement_names[a])
        left, right = st.columns(2)
        left.plotly_chart(cumulative_spend(outputs, year, None if spend_choice == "all" else spend_choice),
                          key="chart_cumulative")
        right.plotly_chart(spend_by_scheme_type(outputs), key="chart_types")

if tab_monitoring.open:
    with tab_monitoring:
        show_monitoring(database, on_screen, baseline_id, outputs=outputs, year=year, agreement=model_agreement,
                        agreement_key=agreement_key, current=current)

if tab_checks.open:
    with tab_checks:
        checks = outputs.checks
        shown = checks[checks["year"].isin([year, ALL_YEARS])].sort_values("passed", kind="stable")
        failed = int((~shown["passed"]).sum())
        if failed:
            st.error(f"{failed} of {len(shown)} checks fail for {year} (failures first).", icon="✖")
        else:
            st.success(f"All {len(shown)} checks pass for {year}: every total reconciles to the penny.", icon="✔")
        st.dataframe(
            checks_table(shown.assign(passed=shown["passed"].map({True: "pass", False: "FAIL"}))
                         .drop(columns=["arrangement"]).rename(columns={
                "check": "Check", "where": "Where", "year": "Year", "figure": "Figure", "should_be": "Should be",
                "passed": "Result", "words": "What is checked"})),
            hide_index=True, width="stretch")

if tab_assumptions.open:
    with tab_assumptions:
        st.caption(f"Rates the budgets were set with ({agreement.assumptions.reference or 'no reference given'}) "
                   f"beside the rates this scenario uses, % a year.")
        st.dataframe(assumptions_frame(model_agreement, current), hide_index=True, width="stretch")
        changes = scenario_changes(current, agreement)
        if not changes.empty:
            st.subheader("Other changes in this scenario")
            st.dataframe(changes, hide_index=True, width="stretch")

if tab_explain.open:
    with tab_explain:
        st.code(outputs.explanations[year], language=None, wrap_lines=True)


def show_uncertainty(agreement: Agreement, model_agreement: Agreement, agreement_key: str, chosen: Scenario,
                     current: Scenario, year: str) -> None:
    """The Uncertainty tab: pick the uncertain drivers, Simulate, then the chances in words and the fan charts.

    A run is kept (in the session) with the fingerprint of its inputs; when
    any input changes its results stay on screen, greyed, under a warning
    saying what changed, until Simulate is pressed again (docs/dashboard.md).
    """
    fitting: dict[str, tuple[UncertaintySpec, str, str]] = {}  # file -> (spec, content key, scenario's name)
    for name, path in UNCERTAINTY.items():
        file = InputFile(name, path.read_bytes())
        spec, title, errors = read_uncertainty(str(path), file.digest)
        if spec is not None and not errors and not check_uncertainty(spec, agreement, name):
            fitting[name] = (spec, file.digest, title or Path(name).stem)
    kept: SimulationRun | None = st.session_state.get("mc_results")
    if not fitting and kept is None:
        st.info("None of the bundled uncertainty files (scenarios/uncertainty/) fits this agreement.")
        return
    st.caption("Monte Carlo: the uncertain drivers and events of a bundled file, drawn on top of the scenario "
               "on screen (including the what-if), run through the same engine path by path.")
    now: SimulationInputs | None = None
    if fitting:
        # The file's scenario name is long: it has a row to itself so it is never cut off.
        keep_valid("mc_file", list(fitting), next(iter(fitting)))
        spec_name = st.selectbox("Uncertain drivers and events", list(fitting), key="mc_file",
                                 format_func=lambda n: fitting[n][2])
        run_cells = st.columns([1, 1, 1, 2], vertical_alignment="bottom")
        paths = int(run_cells[0].number_input("Paths", 100, 100_000, 2_000, step=500, key="mc_paths"))
        seed = int(run_cells[1].number_input("Seed", 0, 2**31 - 1, 42, step=1, key="mc_seed"))
        pressed = run_cells[2].button("Simulate", key="mc_run", type="primary", width="stretch")
        spec, spec_digest, spec_title = fitting[spec_name]
        now = SimulationInputs(agreement_key, scenario_key(chosen), scenario_key(current), spec_digest, paths, seed,
                               agreement_title=agreement.title, scenario_name=current.label,
                               uncertainty_name=spec_title)
        if pressed:
            with located_errors("The simulation could not be run"):
                sim = simulation(agreement_key, scenario_key(current), spec_digest, paths, seed,
                                 _agreement=model_agreement, _scenario=current, _spec=spec)
                sens = sensitivity_run(agreement_key, scenario_key(current), spec_digest, model_agreement, current,
                                       spec)
            kept = SimulationRun(now, sim, sens)
            st.session_state["mc_results"] = kept
    else:
        st.info("None of the bundled uncertainty files (scenarios/uncertainty/) fits this agreement.")
    if kept is None:
        st.caption("Choose the uncertain drivers and events, the paths and the seed, then press Simulate.")
        return
    stale = kept.stale_note(now) if now is not None else (
        "These results are for an agreement no uncertainty file fits: choose another agreement to simulate again.")
    if stale:
        st.warning(stale, icon="⏳")
        st.markdown("<style>.st-key-mc_results_stale {opacity: 0.5; filter: grayscale(100%);}</style>",
                    unsafe_allow_html=True)
    with st.container(key="mc_results_stale" if stale else "mc_results"):
        show_simulation(kept, year)


def percentile_table(frame: pd.DataFrame) -> None:
    """A static table (long names wrap rather than push columns out of sight), P10/P50/P90 columns as £."""
    money = [c for c in frame.columns if str(c).endswith(("P10", "P50", "P90"))]
    st.table(frame.style.format(lambda v: format_gbp(int(v), brackets=True), subset=money).hide(axis="index"))


def show_simulation(kept: SimulationRun, year: str) -> None:
    """A kept run's results: what it was run on, the chances in words, the fan charts, tables and the tornado."""
    sim, sens = kept.simulation, kept.sensitivity
    shown_year = year if year in sim.years else sim.years[0]
    st.caption(f"Results for: {kept.inputs.described()}")
    st.markdown(f"**The chances in {shown_year}**")
    for sentence in chance_sentences(sim, shown_year):
        st.markdown(f"- {sentence.text}", help=sentence.exact)
    arrangement_names = dict(sim.arrangements)
    st.caption(FAN_WORDS)
    choice_cells = st.columns(2)
    keep_valid("mc_arrangement", list(arrangement_names), next(iter(arrangement_names)))
    keep_valid("mc_partner", sim.partners, sim.partners[0])
    mc_arrangement = choice_cells[0].selectbox("Variance of", list(arrangement_names), key="mc_arrangement",
                                               format_func=lambda a: arrangement_names[a])
    mc_partner = choice_cells[1].selectbox("Net cost of", sim.partners, key="mc_partner",
                                           format_func=lambda p: sim.partner_names[p])
    choice_cells[0].plotly_chart(variance_fan(sim.variance_fan(mc_arrangement), arrangement_names[mc_arrangement],
                                              sim.paths), key="chart_fan")
    choice_cells[1].plotly_chart(net_cost_fan(sim.net_cost_fan(mc_partner), sim.partner_names[mc_partner], sim.paths),
                                 key="chart_net_cost_fan")
    by_arrangement, by_partner = simulation_tables(sim, shown_year)
    percentile_table(by_arrangement)
    percentile_table(by_partner)
    chart_cells = st.columns(2)
    chart_cells[0].plotly_chart(position_histogram(sim, mc_partner, shown_year), key="chart_histogram")
    chart_cells[1].plotly_chart(tornado_chart(sens, mc_partner, shown_year), key="chart_tornado")


if tab_uncertainty.open:
    with tab_uncertainty:
        show_uncertainty(agreement, model_agreement, agreement_key, chosen, current, year)


# --- Several agreements: the roll-up ----------------------------------------------------------------


def rollup_scenario_title(name: str) -> str:
    """A scenario file the Several agreements section offers, by its scenario's name (its file if it does not load)."""
    file = InputFile(name, ROLLUP_SCENARIOS[name].read_bytes())
    read = read_rollup_scenario(file.digest, file)
    title = read.scenario.name if read.scenario is not None and read.scenario.name else name
    return f"{title} (uncertain)" if name in UNCERTAINTY else title


def money_table(frame: pd.DataFrame) -> None:
    """A static table (names wrap, every figure in view and in the page's text) of pence read as £1,234.56."""
    columns = [c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c]) and c != "Agreements"]
    st.table(frame.style.format(lambda v: format_gbp(int(v), brackets=True), subset=columns).hide(axis="index"))


def kept_choice(key: str, default: object) -> None:
    """Put a Several agreements widget's last choice back before it is drawn, or its default the first time.

    The tabs are lazy: while another tab is in view (or, for an agreement's own
    scenarios, the other scenario mode, or the agreement is not chosen) the
    widget is not drawn and Streamlit forgets its value. The value kept by
    :func:`keep_choice`, outside any widget, is put back, so nothing chosen is
    lost on the way back.
    """
    if key not in st.session_state:
        st.session_state[key] = st.session_state.setdefault(ROLLUP_KEPT, {}).get(key, default)


def keep_choice(key: str, value: T) -> T:
    """Keep a Several agreements widget's value outside the widget (see :func:`kept_choice`), and return it."""
    st.session_state.setdefault(ROLLUP_KEPT, {})[key] = value
    return value


def remove_rollup_upload(key: str) -> None:
    """Take one uploaded agreement out of the Several agreements section (the Remove button beside it)."""
    st.session_state.get(ROLLUP_UPLOADED, {}).pop(key, None)


def chosen_rollup_files() -> list[InputFile]:
    """The agreements chosen for the roll-up: bundled examples in the order picked, then the uploads kept.

    An upload is kept (its bytes, by the hash of its contents) until its Remove
    button is pressed: the chooser empties whenever another tab is in view, so
    each file chosen in it is moved to the list below it, and the chooser
    starts again empty.
    """
    cells = st.columns(2)
    kept_choice("rollup_examples", [])
    names = keep_choice("rollup_examples", cells[0].multiselect(
        "Bundled examples", list(EXAMPLES), key="rollup_examples", format_func=agreement_title,
        help="Each agreement chosen is run and added to the roll-up."))
    round_ = int(st.session_state.get(ROLLUP_CHOOSER, 0))
    uploads = cells[1].file_uploader(
        "…and/or upload agreements", type=["yaml", "yml", "xlsx", "xlsm"], accept_multiple_files=True,
        key=f"rollup_uploads:{round_}", max_upload_size=AGREEMENT_UPLOAD_MB,
        help=f"YAML agreements (up to {SCENARIO_UPLOAD_MB} MB each) or Excel workbooks (up to {AGREEMENT_UPLOAD_MB} "
             "MB each): BCF expenditure plans or sign-off packs. Read in memory, never saved; kept while the page "
             "is open, listed below, until removed.")
    kept: dict[str, KeptUpload] = st.session_state.setdefault(ROLLUP_UPLOADED, {})
    if uploads:
        kept, notes = add_uploads(kept, [uploaded(u) for u in uploads], names)
        st.session_state[ROLLUP_UPLOADED] = kept
        st.session_state[ROLLUP_NOTES] = notes
        st.session_state[ROLLUP_CHOOSER] = round_ + 1  # a new, empty chooser; the files are listed below it
        st.rerun()
    for note in st.session_state.pop(ROLLUP_NOTES, []):
        cells[1].warning(note, icon="⚠️")
    for key, upload in list(kept.items()):
        agreement = read_agreement(upload.file.digest, upload.file)[0]
        words = f"**{upload.file.name}**" + ("" if upload.uploaded_as == upload.file.name
                                             else f" (uploaded as {upload.uploaded_as})")
        words += f": {agreement.title}" if agreement is not None else ": could not be read (below)"
        row = cells[1].columns([3, 1], vertical_alignment="center")
        row[0].caption(words)
        row[1].button("Remove", key=f"rollup_remove:{key}", on_click=remove_rollup_upload, args=(key,),
                      help=f"Take {upload.file.name} out of the roll-up")
    return [InputFile(name, EXAMPLES[name].read_bytes()) for name in names] + [u.file for u in kept.values()]


def rollup_scenario_files(files: list[InputFile], sidebar_files: list[InputFile]) -> dict[str, list[InputFile]]:
    """The scenario files each agreement runs under (by its contents' hash): the sidebar's for all, or its own.

    With the sidebar's, every file chosen there is given to every agreement,
    as chosen (not only those that fit the sidebar's agreement), so each is
    checked against each agreement and one that does not fit is refused,
    located, rather than left out.
    """
    kept_choice("rollup_scenario_mode", SHARED)
    mode = keep_choice("rollup_scenario_mode", st.radio(
        "Scenario", [SHARED, OWN], key="rollup_scenario_mode", horizontal=True,
        format_func=lambda m: {SHARED: "The sidebar's scenarios, for every agreement",
                               OWN: "Its own scenarios for each agreement"}[m],
        help="The sidebar's bundled and uploaded scenarios, or, for each agreement, bundled scenarios "
             "applied in order (the uncertain ones carry an 'uncertainty:' section for a simulation). "
             "The what-if and edited budgets apply to the sidebar's agreement only."))
    if mode == SHARED:
        words = ", ".join(Path(f.name).name for f in sidebar_files) or "none: the budget as agreed"
        st.caption(f"Every agreement runs under the sidebar's scenarios, each checked against every agreement "
                   f"here: **{words}**.")
        return {contents_key(file): sidebar_files for file in files}
    chosen: dict[str, list[InputFile]] = {}
    for file in files:
        key = contents_key(file)
        if key in chosen:
            continue  # the same contents twice: refused below, so one chooser for them
        widget = f"rollup_scenario:{key}"
        kept_choice(widget, [])
        picks = keep_choice(widget, st.multiselect(
            f"Scenarios for {file.name}", list(ROLLUP_SCENARIOS), key=widget, format_func=rollup_scenario_title,
            help="Applied in order; none: the budget as agreed."))
        chosen[key] = [InputFile(name, ROLLUP_SCENARIOS[name].read_bytes()) for name in picks]
    return chosen


def show_rollup(sidebar_files: list[InputFile]) -> None:
    """The Several agreements section: choose agreements and scenarios, then the roll-up, its sources and downloads."""
    st.caption("Several agreements run together, each partner's figures summed over the agreements it is party "
               "to, to the penny (as `pooledfund run A B` prints them). Partners are matched by `gss_code` "
               "(councils) and `ods_code` (NHS bodies), or by `id` without a code. The sidebar's agreement, what-if "
               "and edited budgets are not used here.")
    files = chosen_rollup_files()
    if len(files) < 2:
        st.info("Choose two or more agreements: bundled examples, uploaded files, or both.")
        return
    scenario_files = rollup_scenario_files(files, sidebar_files)
    chosen = []
    for file in files:
        agreement, errors = read_agreement(file.digest, file)
        reads = [read_rollup_scenario(f.digest, f) for f in scenario_files[contents_key(file)]]
        chosen.append((file, agreement, errors, reads))
    entries, matching, errors = rollup_entries(chosen)
    if matching is None:
        show_problems("No roll-up: correct or remove the files named", errors)
        return
    for warning in matching.warnings:  # bodies matched as different but named alike: the CLI warns of them too
        st.warning(f"Warning: {warning}", icon="⚠️")
    with located_errors("The agreements could not be run"):
        results = [rollup_run(entry.file.digest, scenario_key(entry.scenario), entry.agreement, entry.scenario)
                   for entry in entries]
    rollup = run_rollup(entries, results, matching)
    periods = [*rollup.years, ROLLUP_ALL_YEARS]
    kept_choice("rollup_year", ROLLUP_ALL_YEARS)
    keep_valid("rollup_year", periods, ROLLUP_ALL_YEARS)
    period = keep_choice("rollup_year", st.columns([1, 3])[0].selectbox("Year", periods, key="rollup_year"))
    st.subheader(f"Each partner across its agreements, {period.lower() if period == ROLLUP_ALL_YEARS else period}")
    money_table(partner_frame(rollup, period))
    st.caption("Each figure is the sum of the partner's figures in the agreements it is party to that run in the "
               "year (Agreements), to the penny; net cost is cash plus in kind plus overspend share less underspend "
               "returned. Negative figures are in brackets.")
    own = reconciliation_frame(entries, results, rollup, period)
    differences = rollup_differences(entries, results, rollup, period)
    if reconciles(own) and not differences:
        st.success("The roll-up's figures equal each agreement's own run, partner by partner and in total, to the "
                   "penny.", icon="✔")
    else:
        lines = "\n".join(f"- {difference}" for difference in differences)
        st.error("The roll-up's figures differ from the agreements' own runs: do not use these figures, and report "
                 "the files used.\n\n" + lines, icon="✖")
    st.markdown("**Each agreement's own totals (every partner) and the roll-up's**")
    money_table(own)
    st.markdown("**Where a partner's totals come from**")
    order = source_partners(rollup, period)
    keep_valid("rollup_partner", order, order[0])
    partner = st.selectbox("Partner", order, key="rollup_partner", format_func=lambda i: rollup.partners[i].name)
    money_table(sources_frame(rollup, partner, period))
    with st.expander("Which partner is which body"):
        st.table(matching_frame(rollup).style.hide(axis="index"))
    titles = [entry.agreement.title for entry in entries]
    left, right, _ = st.columns([3, 3, 2])
    left.download_button("Download the roll-up workbook", key="rollup_download_xlsx", on_click="ignore",
                         data=partial(rollup_workbook, rollup, titles, entries),
                         file_name="rollup.xlsx", mime=XLSX,
                         help="The workbook `pooledfund export A B --folder` writes beside the packs: the roll-up "
                              "per year with a total row, and each partner agreement by agreement.")
    right.download_button("Download the roll-up (JSON)", key="rollup_download_json", on_click="ignore",
                          data=rollup_json_bytes(entries, results, rollup), file_name="rollup.json",
                          mime="application/json", help="As `pooledfund run A B --json` writes it.")
    show_rollup_uncertainty(entries, matching, period)


def rollup_workbook(rollup: Rollup, titles: list[str], entries: list[RollupEntry]) -> bytes:
    """The roll-up workbook, each agreement's scenario named, built when the download is clicked (openpyxl then)."""
    from pooledfund.io.excel.rollup_book import rollup_workbook_bytes

    return rollup_workbook_bytes(rollup, titles, workbook_scenarios(entries))


def show_rollup_uncertainty(entries: list[RollupEntry], matching: Matching, period: str) -> None:
    """Each partner's total exposure across its agreements, when every agreement's scenario carries uncertainty."""
    st.subheader("Under uncertainty: each partner's total exposure")
    problems = [problem for entry in entries for problem in entry.spec_problems]
    if not any(entry.uncertainty_files for entry in entries):
        st.caption("To see each partner's total exposure under uncertainty, choose *Its own scenarios for each "
                   "agreement* above and, for each agreement, an uncertain scenario (marked so) that fits it.")
        return
    if problems:
        lines = "\n".join(f"- {problem}" for problem in problems)
        st.info("To simulate the roll-up, each agreement needs one scenario file with an `uncertainty:` section that "
                "fits it (choose *Its own scenarios for each agreement* above, and the uncertain ones):\n\n" + lines)
        return
    clashes = simulation_clashes(entries)
    if clashes:
        show_problems("No simulation: the agreements' uncertainty sections cannot move together", clashes)
        return
    together = shared_drivers(entries)
    moving = ("; ".join(f"**{name}** moves {', '.join(labels)} together" for name, labels in together.items())
              if together else "No driver is named the same in two agreements here, so each moves on its own")
    st.caption(f"{TOGETHER_WORDS} {moving}. Exposure is what a partner pays beyond what it put in: overspend shares "
               "less underspends returned, summed over its agreements path by path.")
    cells = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    for key, default in (("rollup_paths", 2_000), ("rollup_seed", 42), ("rollup_over", 0.0)):
        kept_choice(key, default)
    paths = keep_choice("rollup_paths", int(cells[0].number_input("Paths", 100, 100_000, step=500,
                                                                  key="rollup_paths")))
    seed = keep_choice("rollup_seed", int(cells[1].number_input("Seed", 0, 2**31 - 1, step=1, key="rollup_seed")))
    # At most the largest amount accepted anywhere (the command line's --over refuses more), so it always reads.
    over_pounds = keep_choice("rollup_over", cells[2].number_input(
        "Chance of paying more than (£)", min_value=0.0, max_value=float(MAX_POUNDS), step=50_000.0, format="%.2f",
        key="rollup_over", help=f"From £0 to £{MAX_POUNDS:,}, the largest amount accepted anywhere."))
    pressed = cells[3].button("Simulate", key="rollup_simulate", type="primary", width="stretch")
    over, refused = threshold_pence(over_pounds)
    if over is None:
        st.error(refused, icon="⚠️")
        return
    inputs_key = content_hash(*(part for entry in entries for part in (
        entry.file.digest, scenario_key(entry.scenario), entry.spec.model_dump_json() if entry.spec else "")))
    if pressed:
        st.session_state["rollup_mc"] = (inputs_key, paths, seed)
    kept = st.session_state.get("rollup_mc")
    if kept is None:
        st.caption("Choose the paths and the seed, then press Simulate.")
        return
    if kept != (inputs_key, paths, seed):
        st.warning("The agreements, scenarios, paths or seed have changed since the last simulation: press Simulate "
                   "to update.", icon="⏳")
        return
    with located_errors("The simulation could not be run"):
        sims = rollup_simulation(inputs_key, paths, seed,
                                 _runs=[(e.agreement, e.scenario, e.spec) for e in entries if e.spec is not None])
    rolled = simulation_rollup(entries, sims, matching)
    st.caption(f"{paths:,} paths, seed {seed}; {period.lower() if period == ROLLUP_ALL_YEARS else period}.")
    frame = exposure_frame(rolled, period, over)
    chance = next(c for c in frame.columns if str(c).startswith("Chance"))
    money = [c for c in frame.columns if c not in ("Partner", chance)]
    st.table(frame.style.format(lambda v: format_gbp(int(v), brackets=True), subset=money)
             .format("{:.1%}", subset=[chance]).hide(axis="index"))
    from pooledfund.dashboard.rollup_figures import exposure_histogram
    from pooledfund.uncertainty.rollup import exposure_summary

    covered = [i for i in range(len(rolled.partners)) if rolled.covers(i, None if period == ROLLUP_ALL_YEARS
                                                                       else period)]
    keep_valid("rollup_mc_partner", covered, covered[0])
    partner = st.selectbox("Exposure of", covered, key="rollup_mc_partner",
                           format_func=lambda i: rolled.partners[i].name)
    summary = exposure_summary(rolled, partner, None if period == ROLLUP_ALL_YEARS else period, over)
    body = rolled.partners[partner]
    words = period.lower() if period == ROLLUP_ALL_YEARS else period
    st.plotly_chart(exposure_histogram(
        exposure_paths(rolled, partner, period), summary.exposure, over, f"Total exposure, {words}: {body.name}",
        f"{plural(len(body.agreements), 'agreement')}, {paths:,} paths; {summary.probability_over:.1%} chance of "
        f"more than {format_gbp(over)} (the dashed black line)"), key="chart_rollup_exposure")


if tab_rollup.open:
    with tab_rollup:
        show_rollup(sidebar_scenarios)

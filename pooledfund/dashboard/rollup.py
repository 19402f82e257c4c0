"""The Several agreements section as plain data: the agreements chosen, checked, run and rolled up.

The sums are the command line's (:func:`pooledfund.engine.rollup.match_partners`,
:func:`~pooledfund.engine.rollup.roll_up`, :func:`~pooledfund.uncertainty.rollup.exposure_summary`);
this module gathers what the page chose, lists every problem in the
command line's words, and lays the roll-up out as tables in pence:

* :func:`add_uploads`: the agreements uploaded, kept by their contents'
  hash while the page is open (the tab's file chooser is emptied whenever
  another tab is in view), each under a name of its own (a second
  ``agreement.yaml`` is ``agreement (2).yaml``), the same contents refused
  as given twice;
* :func:`rollup_entries`: each agreement with its scenario (and its
  ``uncertainty:`` section, if a file it is run with has one), refusing the
  same file given twice, two files holding one agreement id and a code two
  files give different names, all located, before anything is run;
* :func:`partner_frame`, :func:`sources_frame`, :func:`reconciliation_frame`,
  :func:`matching_frame`: the tables, every figure integer pence; a year
  counts only the agreements that run in it;
* :func:`rollup_differences`: the roll-up checked against each agreement's
  own run, summed body by body here (not by the roll-up's code);
* :func:`workbook_scenarios`: each agreement's scenario, named in the roll-up workbook as the command line
  names it;
* :func:`simulation_clashes`, :func:`exposure_frame`, :func:`shared_drivers`: the Monte Carlo roll-up, refused
  (located, in the command line's words) when shared drivers are correlated differently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import IntArray, MoneyError, format_gbp, to_pence
from pooledfund.dashboard.uploads import InputFile, content_hash, scenario_from_file, uncertainty_from_file
from pooledfund.engine.results import RunResult
from pooledfund.engine.rollup import (
    RUN_MEASURES,
    Matching,
    Rollup,
    match_partners,
    repeated_agreements,
    roll_up,
    run_figures,
)
from pooledfund.io.inputs import combine_scenarios
from pooledfund.io.scenario_files import load_scenario
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario, check_scenario
from pooledfund.reports.rollup import agreements_in, agreements_running, code_label, rollup_json
from pooledfund.reports.tables import POSITION_COLUMNS

if TYPE_CHECKING:
    from pooledfund.uncertainty.results import SimulationResult
    from pooledfund.uncertainty.spec import UncertaintySpec

#: The year choice meaning every year added together.
ALL_YEARS = "All years"
#: How each body was matched, in the agreement file's own words.
MATCHED_BY = {"GSS": "gss_code", "ODS": "ods_code", "id": "id (no code given)"}
#: A driver named the same moves every agreement together: the page says so beside the simulation
#: (in the words of docs/uncertainty.md section 7).
TOGETHER_WORDS = ("A driver named the same in several agreements' uncertainty sections moves them all together: "
                  "on each path it is at the same percentile in every area (care fee inflation high in one area is "
                  "high in all). An agreement's own drivers keep the correlations its file gives them with the "
                  "shared ones, and two shared drivers are correlated as the files give them (alike in each); "
                  "otherwise drivers with different names are independent, and every event (a provider failing) "
                  "is each agreement's own.")


@dataclass(frozen=True)
class ScenarioRead:
    """One scenario file as read, before it is checked against an agreement.

    Attributes:
        name: the file as the page names it (``scenarios/demand_shock.yaml``, or the upload's name).
        scenario: its scenario, or None when it could not be read.
        spec: its ``uncertainty:`` section, or None when it has none (or the section has problems).
        errors: every problem reading the scenario.
        spec_errors: every problem in its ``uncertainty:`` section (they matter only to a simulation).
    """

    name: str
    scenario: Scenario | None
    spec: UncertaintySpec | None = None
    errors: tuple[InputError, ...] = ()
    spec_errors: tuple[InputError, ...] = ()


@dataclass(frozen=True)
class RollupEntry:
    """One agreement in the roll-up, with the scenario it runs under.

    Attributes:
        file: the agreement's file (its name is the agreement's label everywhere on the page).
        agreement: the agreement.
        scenario: its scenario files applied in order (the base scenario when none).
        scenario_files: the names of those files.
        spec: the one ``uncertainty:`` section among its scenario files, or None.
        spec_problems: why it cannot be simulated (no section, two sections, a section that does not fit).
        uncertainty_files: the scenario files with an ``uncertainty:`` section (sound or not).
    """

    file: InputFile
    agreement: Agreement
    scenario: Scenario
    scenario_files: tuple[str, ...]
    spec: UncertaintySpec | None
    spec_problems: tuple[InputError, ...]
    uncertainty_files: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The agreement's file name, as every table and message names it."""
        return self.file.name


@dataclass(frozen=True)
class KeptUpload:
    """An agreement uploaded to the section, kept (with its bytes) while the page is open.

    Attributes:
        file: the file under the name the page gives it: its own, or, when an
            upload kept earlier has that name, the name numbered (``agreement (2).yaml``).
        uploaded_as: the name it was uploaded under.
    """

    file: InputFile
    uploaded_as: str


def contents_key(file: InputFile) -> str:
    """The SHA-256 of a file's contents alone (not its name): one agreement whatever it is called.

    It keys what the page keeps for an agreement (its upload, its own scenarios), so two files that share a
    name never share a choice, and a file renamed keeps its choices.
    """
    return content_hash(file.data)


def _numbered(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (2).suffix`` (then 3, ...) when it is taken: the suffix kept, so a workbook stays one."""
    if name not in taken:
        return name
    suffix = PurePosixPath(name).suffix
    stem = name[: len(name) - len(suffix)]
    number = 2
    while f"{stem} ({number}){suffix}" in taken:
        number += 1
    return f"{stem} ({number}){suffix}"


def add_uploads(kept: Mapping[str, KeptUpload], uploads: Sequence[InputFile], taken: Sequence[str] = ()
                ) -> tuple[dict[str, KeptUpload], list[str]]:
    """The uploads kept so far with the new ones added, each under a name of its own, and a note for each refused.

    Five pools each saved as ``agreement.yaml`` in its own folder are five
    agreements: the second is kept as ``agreement (2).yaml`` (named so in every
    table and message). A file whose contents are already kept is the same
    agreement given twice and is refused, in words, rather than counted twice.

    Args:
        kept: the uploads kept, by :func:`contents_key`, in the order uploaded.
        uploads: the files just uploaded, in the order given.
        taken: other names in use (the bundled examples chosen).

    Returns:
        Every upload kept, by contents, in order; and one sentence for each file refused.
    """
    result = dict(kept)
    notes: list[str] = []
    names = {upload.file.name for upload in result.values()} | set(taken)
    for upload in uploads:
        key = contents_key(upload)
        if key in result:
            notes.append(f"{upload.name} is given twice: it has the same contents as {result[key].file.name}, "
                         "uploaded already; each agreement is counted once, so it is kept once")
            continue
        name = _numbered(upload.name, names)
        names.add(name)
        result[key] = KeptUpload(InputFile(name, upload.data), upload.name)
    return result, notes


def repeated_files(files: Sequence[InputFile]) -> list[InputError]:
    """A file given twice (by name, or the same contents under another name) would be counted twice: refuse it."""
    errors: list[InputError] = []
    names: set[str] = set()
    contents: dict[bytes, str] = {}
    for file in files:
        if file.name in names:
            errors.append(InputError(Source(file.name), f"{file.name} is given twice; each agreement is counted "
                                                        "once, so give it once (or give the two files different "
                                                        "names if they are different agreements)"))
        elif file.data in contents:
            errors.append(InputError(Source(file.name), f"{file.name} is already given by {contents[file.data]} (the "
                                                        "same contents); each agreement is counted once, so give "
                                                        "it once"))
        names.add(file.name)
        contents.setdefault(file.data, file.name)
    return errors


def _entry(file: InputFile, agreement: Agreement, reads: Sequence[ScenarioRead]
           ) -> tuple[RollupEntry | None, list[InputError]]:
    """An agreement with its scenario files checked against it (every problem), and its uncertainty section."""
    from pooledfund.uncertainty.spec import check_uncertainty

    errors: list[InputError] = []
    scenarios: list[Scenario] = []
    for read in reads:
        errors += read.errors
        if read.scenario is not None:
            errors += check_scenario(read.scenario, agreement, read.name)
            scenarios.append(read.scenario)
    if errors:
        return None, errors
    specs = [(read.name, read.spec, read.spec_errors) for read in reads if read.spec is not None or read.spec_errors]
    problems: list[InputError] = []
    for _, _, spec_errors in specs:
        problems += spec_errors
    if not specs:
        problems.append(InputError(Source(file.name), "none of its scenario files has an 'uncertainty:' section; "
                                                      "choose one that has (scenarios/uncertainty/) to simulate it"))
    elif len(specs) > 1:
        problems.append(InputError(Source(specs[1][0]), f"only one scenario file may have an 'uncertainty:' section; "
                                                        f"{specs[0][0]} has one too"))
    spec = specs[0][1] if len(specs) == 1 else None
    if spec is not None and not problems:
        problems += check_uncertainty(spec, agreement, specs[0][0])
    return RollupEntry(file, agreement, combine_scenarios(scenarios), tuple(r.name for r in reads),
                       spec if not problems else None, tuple(problems), tuple(name for name, _, _ in specs)), []


def _new(found: Sequence[InputError], listed: Sequence[InputError]) -> list[InputError]:
    """The problems not listed yet, compared as printed (file, line and words): a shared scenario's problem once.

    (:class:`InputError` equality ignores where a problem is, so two files with the same mistake would be one.)
    """
    shown = {str(error) for error in listed}
    return [error for error in found if str(error) not in shown]


def rollup_entries(
    chosen: Sequence[tuple[InputFile, Agreement | None, Sequence[InputError], Sequence[ScenarioRead]]],
) -> tuple[list[RollupEntry], Matching | None, list[InputError]]:
    """Every agreement chosen with its scenario, its partners matched to bodies, or every problem (each once).

    Args:
        chosen: each agreement file in the order chosen, with the agreement read
            from it (None if it could not be), the problems reading it, and its
            scenario files as read.

    Returns:
        The entries, the matching (None when there are problems), and every
        problem: files given twice, unreadable agreements, scenarios that do
        not fit, repeated agreement ids and a code two files give different names.
    """
    errors = repeated_files([file for file, _, _, _ in chosen])
    repeated = {error.source.file for error in errors}
    entries: list[RollupEntry] = []
    for number, (file, agreement, found, reads) in enumerate(chosen):
        if file.name in repeated and any(earlier.name == file.name or earlier.data == file.data
                                         for earlier, _, _, _ in chosen[:number]):
            continue  # refused above: its own problems would only repeat its first copy's
        errors += _new(found, errors)
        if agreement is None:
            continue
        entry, problems = _entry(file, agreement, reads)
        errors += _new(problems, errors)
        if entry is not None:
            entries.append(entry)
    errors += repeated_agreements([(entry.label, entry.agreement) for entry in entries])
    matching, conflicts = match_partners([(entry.label, entry.agreement) for entry in entries])
    errors += conflicts
    return entries, (None if errors else matching), errors


def run_rollup(entries: Sequence[RollupEntry], results: Sequence[RunResult], matching: Matching) -> Rollup:
    """Each body's figures summed over the agreements' runs (exact pence), labelled by the agreements' files."""
    return roll_up([entry.label for entry in entries], [run_figures(result) for result in results], matching)


def _year(year: str) -> str | None:
    return None if year == ALL_YEARS else year


def matching_frame(rollup: Rollup) -> pd.DataFrame:
    """Which body each partner was matched to: its name, code, how it was matched and its agreements."""
    return pd.DataFrame({
        "Partner": [p.name for p in rollup.partners],
        "Code": [code_label(p) for p in rollup.partners],
        "Matched by": [MATCHED_BY[p.key.split(" ", 1)[0]] for p in rollup.partners],
        "Agreements": ["; ".join(p.agreements) for p in rollup.partners],
    })


def partner_frame(rollup: Rollup, year: str) -> pd.DataFrame:
    """Each body's cash, in kind, shares and net cost in a year (or all years), in pence, then the Total row.

    A body none of whose agreements runs in the year is left out, as the command line leaves it out, and
    Agreements counts only those of its agreements that run in the year (the Total row: all that run in it).
    """
    chosen = _year(year)
    rows = [{"Partner": partner.name, "Code": code_label(partner),
             "Agreements": len(agreements_in(rollup, index, chosen)),
             **{words: int(rollup.values(measure, index, chosen)[0]) for measure, words in POSITION_COLUMNS.items()}}
            for index, partner in enumerate(rollup.partners) if rollup.covers(index, chosen)]
    frame = pd.DataFrame(rows, columns=["Partner", "Code", "Agreements", *POSITION_COLUMNS.values()])
    total = {"Partner": "Total", "Code": "", "Agreements": agreements_running(rollup, chosen),
             **{words: int(frame[words].sum()) for words in POSITION_COLUMNS.values()}}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def source_partners(rollup: Rollup, year: str) -> list[int]:
    """The bodies whose sources can be shown for a year: those in an agreement that runs in it, in two or more first."""
    chosen = _year(year)
    return sorted((index for index in range(len(rollup.partners)) if rollup.covers(index, chosen)),
                  key=lambda index: len(agreements_in(rollup, index, chosen)) < 2)


def sources_frame(rollup: Rollup, partner: int, year: str) -> pd.DataFrame:
    """Where one body's totals come from: its figures in each agreement it is party to, then all of them.

    In one year, only the agreements that run in it are listed: one that has ended is not a £0.00 source.
    """
    chosen = _year(year)
    rows = []
    for number in agreements_in(rollup, partner, chosen):
        parts = {measure: rollup.part(number, measure, partner, chosen) for measure in RUN_MEASURES}
        rows.append({"Agreement": rollup.labels[number],
                     **{POSITION_COLUMNS[m]: int(v[0]) for m, v in parts.items() if v is not None}})
    rows.append({"Agreement": "All its agreements", **{words: int(rollup.values(measure, partner, chosen)[0])
                                                       for measure, words in POSITION_COLUMNS.items()}})
    return pd.DataFrame(rows, columns=["Agreement", *POSITION_COLUMNS.values()])


def reconciliation_frame(entries: Sequence[RollupEntry], results: Sequence[RunResult], rollup: Rollup,
                         year: str) -> pd.DataFrame:
    """Each agreement's own totals (its run, every partner), their sum, and the roll-up's total, which must agree.

    The agreements' totals come from each run's own partner totals, not from
    the roll-up, so the last two rows check the roll-up against them.
    """
    chosen = _year(year)
    rows = []
    for entry, result in zip(entries, results, strict=True):
        own = {measure: 0 for measure in RUN_MEASURES}
        for one in result.years:
            if chosen is None or one == chosen:
                totals = result.partner_totals(one)
                for measure in RUN_MEASURES:
                    own[measure] += int(totals[measure][0].sum())
        rows.append({"Agreement": entry.label, "Title": entry.agreement.title, "Scenario": entry.scenario.label,
                     **{POSITION_COLUMNS[m]: v for m, v in own.items()}})
    frame = pd.DataFrame(rows, columns=["Agreement", "Title", "Scenario", *POSITION_COLUMNS.values()])
    summed = {"Agreement": "Sum of the agreements' own totals", "Title": "", "Scenario": "",
              **{words: int(frame[words].sum()) for words in POSITION_COLUMNS.values()}}
    rolled = {"Agreement": "Roll-up total (every partner)", "Title": "", "Scenario": "",
              **{words: sum(int(rollup.values(m, i, chosen)[0]) for i in range(len(rollup.partners)))
                 for m, words in POSITION_COLUMNS.items()}}
    return pd.concat([frame, pd.DataFrame([summed, rolled])], ignore_index=True)


def reconciles(frame: pd.DataFrame) -> bool:
    """Whether the roll-up's total equals the sum of the agreements' own totals in every column (last two rows)."""
    return bool((frame.iloc[-1][list(POSITION_COLUMNS.values())]
                 == frame.iloc[-2][list(POSITION_COLUMNS.values())]).all())


def rollup_differences(entries: Sequence[RollupEntry], results: Sequence[RunResult], rollup: Rollup,
                       year: str) -> list[str]:
    """Every body and figure where the roll-up differs from its agreements' own runs: empty when it reconciles.

    The expected figures are summed here from each run's own partner totals
    (:meth:`RunResult.partner_totals`), each partner found by its own code (or
    id) among the roll-up's bodies, not through the roll-up's matching or its
    sums; so a figure added to the wrong body, to the wrong year or twice is
    named, even when the grand total still agrees.
    """
    chosen = _year(year)
    body = {partner.key: index for index, partner in enumerate(rollup.partners)}
    expected = {measure: [0] * len(rollup.partners) for measure in POSITION_COLUMNS}
    differences: list[str] = []
    for entry, result in zip(entries, results, strict=True):
        # The run's own partner columns (its ids), each found by the code (else id) its agreement gives it.
        partners = {partner.id: partner for partner in entry.agreement.partners}
        bodies = [body.get(partners[partner_id].match_key) for partner_id in result.partners]
        differences += [f"{partners[partner_id].name} ({entry.label}) is not in the roll-up"
                        for partner_id, index in zip(result.partners, bodies, strict=True) if index is None]
        for one in result.years:
            if chosen is not None and one != chosen:
                continue
            totals = result.partner_totals(one)
            for column, index in enumerate(bodies):
                if index is None:
                    continue
                for measure in POSITION_COLUMNS:
                    expected[measure][index] += int(totals[measure][0, column])
    for index, partner in enumerate(rollup.partners):
        for measure, words in POSITION_COLUMNS.items():
            shown = int(rollup.values(measure, index, chosen)[0])
            own = expected[measure][index]
            if shown != own:
                gap = format_gbp(abs(shown - own))
                differences.append(f"{partner.name}, {words.lower()}: the roll-up gives {format_gbp(shown)}, its "
                                   f"agreements' own runs {format_gbp(own)} ({gap} too "
                                   f"{'much' if shown > own else 'little'})")
    return differences


def rollup_json_bytes(entries: Sequence[RollupEntry], results: Sequence[RunResult], rollup: Rollup) -> bytes:
    """Every agreement's results and the roll-up, as ``pooledfund run A B --json`` writes them."""
    data = {"agreements": [{"file": entry.label, **result.to_json()} for entry, result in zip(entries, results,
                                                                                               strict=True)],
            "rollup": rollup_json(rollup)}
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


# --- Under uncertainty ------------------------------------------------------------------------------


def simulation_clashes(entries: Sequence[RollupEntry]) -> list[InputError]:
    """Why the agreements' uncertainty sections cannot be simulated together (empty when they can), located.

    The command line's refusal (:func:`pooledfund.uncertainty.rollup.shared_driver_errors`): two drivers named
    the same in several sections must be correlated alike in each, and their correlations put together must not
    contradict each other. Checked before Simulate is offered, so the page names the files rather than failing.
    """
    from pooledfund.uncertainty.rollup import shared_driver_errors

    return shared_driver_errors([entry.spec for entry in entries if entry.spec is not None])


def workbook_scenarios(entries: Sequence[RollupEntry]) -> list[str]:
    """Each agreement's scenario as the roll-up workbook names it: its name and its files, in the order applied.

    As ``pooledfund export A B --folder`` names them, so the workbook from the page never says "not recorded".
    """
    from pooledfund.io.excel.rollup_book import scenario_used

    return [scenario_used(entry.scenario.label, entry.scenario_files) for entry in entries]


def shared_drivers(entries: Sequence[RollupEntry]) -> dict[str, list[str]]:
    """Each driver name in more than one agreement's uncertainty section, with those agreements: they move together."""
    found: dict[str, list[str]] = {}
    for entry in entries:
        for driver in entry.spec.drivers if entry.spec is not None else ():
            found.setdefault(driver.id, []).append(entry.label)
    return {name: labels for name, labels in found.items() if len(labels) > 1}


def simulation_rollup(entries: Sequence[RollupEntry], sims: Sequence[SimulationResult], matching: Matching) -> Rollup:
    """Each body's overspend shares, underspends returned and net cost summed over its agreements, path by path."""
    from pooledfund.uncertainty.rollup import SIMULATION_MEASURES, simulation_figures

    return roll_up([entry.label for entry in entries], [simulation_figures(sim) for sim in sims], matching,
                   SIMULATION_MEASURES)


def exposure_frame(rollup: Rollup, year: str, over: int) -> pd.DataFrame:
    """Each body's total exposure across its agreements: contributions, P10/P50/P90 and mean, the chance, net cost.

    Money in pence; the chance (``P(exposure > £X)``) a fraction of the paths. The body's code and agreements
    are in the roll-up's table above it, so this one fits a laptop screen.
    """
    from pooledfund.uncertainty.rollup import exposure_summary

    chosen = _year(year)
    rows = []
    for index, partner in enumerate(rollup.partners):
        if not rollup.covers(index, chosen):
            continue
        s = exposure_summary(rollup, index, chosen, over)
        rows.append({"Partner": partner.name, "Contributions": s.contributions, "Exposure P10": s.exposure.p10,
                     "Exposure P50": s.exposure.p50, "Exposure P90": s.exposure.p90, "Exposure mean": s.exposure.mean,
                     f"Chance exposure > {format_gbp(over)}": s.probability_over, "Net cost P50": s.net_cost.p50})
    return pd.DataFrame(rows)


def threshold_pence(pounds: float) -> tuple[int | None, str]:
    """The "chance of paying more than" amount typed, in pence, or why it cannot be read, in words.

    The page's input stops at the largest amount accepted anywhere (``MAX_POUNDS``, as the command line's
    ``--over`` does), so this refusal is for anything that still gets past it (an amount beyond it, or not
    a number at all), never a traceback.
    """
    try:
        return to_pence(f"{pounds:.2f}"), ""
    except MoneyError as exc:
        return None, f"Chance of paying more than (£): {exc}"


def exposure_paths(rollup: Rollup, partner: int, year: str) -> IntArray:
    """A body's total exposure on every path (overspend shares less underspends returned), pence."""
    chosen = _year(year)
    values: IntArray = (rollup.values("overspend_share", partner, chosen)
                        - rollup.values("underspend_return", partner, chosen)).astype(np.int64)
    return values


def read_scenario_file(file: InputFile, library: Path, on_disk: Path | None = None) -> ScenarioRead:
    """A scenario file and its ``uncertainty:`` section, each with its own problems, named as the page names it.

    Args:
        file: the file's name and bytes.
        library: the bundled scenarios an upload's ``extends`` may name.
        on_disk: where a bundled file lives, so its ``extends`` (``../base.yaml``) is followed from there.
    """
    scenario, errors = (load_scenario(on_disk, file.name) if on_disk is not None
                        else scenario_from_file(file, library))
    spec, spec_errors = uncertainty_from_file(file) if scenario is not None else (None, [])
    return ScenarioRead(file.name, scenario, spec, tuple(errors), tuple(spec_errors))

"""The ``validate``, ``run``, ``compare`` and ``explain`` commands: an agreement under its scenarios.

``pooledfund validate FILE...`` checks agreement and scenario files and lists
every problem; ``pooledfund run AGREEMENT [--scenario S]...`` prints every
partner's position per year (and can write JSON or CSV);
``pooledfund compare AGREEMENT SCENARIO...`` puts several scenarios side by
side (or, as ``compare @1 @3``, recorded versions with the movement);
``pooledfund explain AGREEMENT --year Y`` walks through one year's
risk-share waterfall in words. Where an agreement file is taken, ``run`` and
``explain`` also take a recorded version (``@3``, ``@latest``,
``@signed-off``; see :mod:`pooledfund.cli.recorded`). Problems with the input files are raised as
:class:`~pooledfund.core.errors.InvalidInputError` for
:func:`pooledfund.cli.app.main` to list.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pooledfund.cli.recorded import (
    compare_versions,
    database_file,
    load_run,
    note_if_figures_moved,
)
from pooledfund.cli.several import AgreementInput, load_each, match_agreements, parse_agreement_arguments
from pooledfund.cli.shared import every_input, run_inputs, say
from pooledfund.core.errors import InputError, InvalidInputError, PooledfundError, Source
from pooledfund.core.years import parse_year
from pooledfund.engine.results import RunResult
from pooledfund.engine.runner import run
from pooledfund.io.inputs import combine_scenarios, load_inputs
from pooledfund.io.loader import load_agreement
from pooledfund.io.outputs import check_folder_output, check_output, write_atomic, write_folder_atomic
from pooledfund.io.store.references import is_reference
from pooledfund.io.yamlio import read_yaml
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario, check_scenario
from pooledfund.reports.tables import (
    arrangement_frame,
    cash_flow_frame,
    compare_text,
    partner_frame,
    positions_text,
    scheme_frame,
    to_pounds_csv,
)

if TYPE_CHECKING:  # validate and explain import what only they use, so `run` starts quickly
    from pooledfund.uncertainty.spec import UncertaintySpec

EXIT_OK = 0
CSV_NAMES = ["partners.csv", "arrangements.csv", "schemes.csv", "cash_flow.csv"]


def cmd_validate(args: argparse.Namespace) -> int:
    """Check agreement and scenario files and report every problem.

    When exactly one agreement is among the files, each scenario is also
    checked against it (scheme, partner and arrangement names, years).
    """
    from pooledfund.io.uncertainty_files import load_uncertain_scenario
    from pooledfund.uncertainty.spec import check_uncertainty

    errors: list[InputError] = []
    agreements: list[Agreement] = []
    scenarios: list[tuple[str, Scenario]] = []
    specs: list[tuple[str, UncertaintySpec]] = []
    for path in args.files:
        data, _, read_errors = read_yaml(path)
        if read_errors:
            errors += read_errors
            continue
        if isinstance(data, dict) and "scenario" in data:
            scenario, spec, found = load_uncertain_scenario(path)
            kind = "scenario" if spec is None else "scenario with uncertainty"
            if scenario is not None:
                scenarios.append((path, scenario))
            if spec is not None:
                specs.append((path, spec))
        else:
            agreement, found = load_agreement(path)
            kind = "agreement"
            if agreement is not None:
                agreements.append(agreement)
        errors += found
        if not found:
            say(f"{path}: valid {kind}")
    if len(agreements) == 1:
        for path, scenario in scenarios:
            errors += check_scenario(scenario, agreements[0], path)
        for path, spec in specs:
            errors += check_uncertainty(spec, agreements[0], path)
    if errors:
        raise InvalidInputError(errors)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run one or several agreements (or a recorded version) and print every partner's position.

    With several agreements, each one's tables and then the roll-up across them.
    """
    if any(is_reference(text) for text in args.agreements):
        return _run_version(args)
    inputs = parse_agreement_arguments(args.agreements, args.scenario)
    if args.json:  # refuse a bad output before the run, not after
        check_output(args.json, force=args.force, inputs=every_input(inputs))
    if args.csv and len(inputs) > 1:
        raise PooledfundError("--csv writes one agreement's tables; with several agreements use --json, which "
                              "holds each agreement's results and the roll-up")
    if args.csv and Path(args.csv).exists() and not Path(args.csv).is_dir():
        raise PooledfundError(f"--csv {args.csv} is a file; give a folder for the CSV files")
    if args.csv:
        check_folder_output(args.csv, CSV_NAMES, force=args.force)
    if len(inputs) > 1:
        return _run_several(args, inputs)
    agreement, scenarios = load_inputs(inputs[0].path, inputs[0].scenarios)
    _print_and_write(args, run(agreement, combine_scenarios(scenarios)))
    return EXIT_OK


def _print_and_write(args: argparse.Namespace, result: RunResult) -> None:
    """Print one run's positions and write its JSON and CSV files where asked."""
    say(positions_text(result))
    if args.json:
        _write_json(result, args.json, args.force)
        say(f"\nJSON written to {args.json}")
    if args.csv:
        _write_csv(result, Path(args.csv), args.force)
        say(f"CSV files written to {Path(args.csv)}/")


def _run_version(args: argparse.Namespace) -> int:
    """Run one recorded version (``@3``) under any further scenario files, as it was recorded."""
    if len(args.agreements) > 1:
        reference = next(text for text in args.agreements if is_reference(text))
        raise InvalidInputError([InputError(Source(reference), (
            "a recorded version runs on its own, not with other agreements: run it alone "
            f"(pooledfund run {reference}), or compare versions with pooledfund compare"))])
    agreement = args.agreements[0]
    inputs = _protected(agreement, args.scenario, args.db)
    if args.json:  # refuse a bad output before the run, not after
        check_output(args.json, force=args.force, inputs=inputs)
    if args.csv and Path(args.csv).exists() and not Path(args.csv).is_dir():
        raise PooledfundError(f"--csv {args.csv} is a file; give a folder for the CSV files")
    if args.csv:
        check_folder_output(args.csv, CSV_NAMES, force=args.force)
    loaded = load_run(agreement, args.scenario, args.db)
    result = run(loaded.agreement, combine_scenarios(loaded.scenarios))
    note_if_figures_moved(loaded, result)
    _print_and_write(args, result)
    return EXIT_OK


def _run_several(args: argparse.Namespace, inputs: list[AgreementInput]) -> int:
    """Run each agreement under its scenario, print each (unless --rollup-only), then the roll-up."""
    from pooledfund.engine.rollup import roll_up, run_figures  # only with several: not a plain run's start-up
    from pooledfund.reports.rollup import rollup_json, rollup_text

    loaded = load_each(inputs, lambda item: load_inputs(item.path, item.scenarios))
    matching = match_agreements(inputs, [agreement for agreement, _ in loaded])
    results = [run(agreement, combine_scenarios(scenarios)) for agreement, scenarios in loaded]
    labels = [item.path for item in inputs]
    rollup = roll_up(labels, [run_figures(result) for result in results], matching)
    if not args.rollup_only:
        for result in results:
            say(positions_text(result))
            say("")
    say(rollup_text(rollup, [r.agreement_title for r in results], [r.scenario_name for r in results]))
    if args.json:
        data = {"agreements": [{"file": label, **result.to_json()} for label, result in zip(labels, results,
                                                                                              strict=True)],
                "rollup": rollup_json(rollup)}
        write_atomic(args.json, (json.dumps(data, indent=2) + "\n").encode("utf-8"), force=args.force)
        say(f"\nJSON written to {args.json}")
    return EXIT_OK


def _write_json(result: RunResult, path: str, force: bool) -> None:
    """Write the run's results as indented JSON, refusing to replace a file unless ``force``."""
    text = json.dumps(result.to_json(), indent=2) + "\n"
    write_atomic(path, text.encode("utf-8"), force=force)


def _write_csv(result: RunResult, folder: Path, force: bool) -> None:
    """Write the partner, arrangement, scheme and cash-flow tables as CSV files in pounds into ``folder``.

    The four files are one set: they are written into a new folder that then
    takes the place of ``folder``, so a reader (or a run killed half way)
    sees the old set or the new one, never a mixture.
    """
    outputs = {
        "partners.csv": (partner_frame(result),
                         ["cash_contribution", "in_kind", "overspend_share", "underspend_return", "net_cost"]),
        "arrangements.csv": (arrangement_frame(result), ["budget", "spend", "variance", "brought_forward",
                                                         "carry_forward", "unfunded", "reinvested"]),
        "schemes.csv": (scheme_frame(result), ["budget", "spend", "variance"]),
        "cash_flow.csv": (cash_flow_frame(result), ["received", "paid_out", "year_end_settlement", "position"]),
    }
    files = {name: to_pounds_csv(frame, money).encode("utf-8") for name, (frame, money) in outputs.items()}
    write_folder_atomic(folder, files, force=force)


def _protected(agreement: str, scenarios: list[str], db: str | None) -> tuple[Path, ...]:
    """Every file the run reads, none of which may be an output (the versions database too, for a version)."""
    files = [path for path in scenarios if not is_reference(path)]
    if is_reference(agreement):
        return (*run_inputs(files[0], files[1:]), *database_file(db)) if files else database_file(db)
    return run_inputs(agreement, files)


def _agreements_named_as_scenarios(paths: list[str]) -> list[InputError]:
    """Files given to ``compare`` as scenarios that are agreements: say how to compare two agreements."""
    errors = []
    for path in paths:
        data, _, found = read_yaml(path)
        if not found and isinstance(data, dict) and "agreement" in data and "scenario" not in data:
            errors.append(InputError(Source(path, 1), (
                "is an agreement, not a scenario: compare sets scenarios of one agreement side by side. To compare "
                "two versions of an agreement, record each (pooledfund record FILE --label ... --kind plan) and "
                "compare the versions: pooledfund compare @1 @2")))
    return errors


def cmd_compare(args: argparse.Namespace) -> int:
    """Partner positions under several scenarios side by side, or several recorded versions with the movement."""
    if is_reference(args.agreement):
        say(compare_text(compare_versions([args.agreement, *args.scenarios], args.db)))
        return EXIT_OK
    references = [path for path in args.scenarios if is_reference(path)]
    if references:
        raise InvalidInputError([InputError(Source(references[0]), (
            "a recorded version is compared with other versions, not run as a scenario of an agreement file: "
            f"give only versions (pooledfund compare @1 {references[0]})"))])
    misplaced = _agreements_named_as_scenarios(args.scenarios)
    if misplaced:
        raise InvalidInputError(misplaced)
    agreement, scenarios = load_inputs(args.agreement, args.scenarios)
    results = [run(agreement, s) for s in scenarios]
    say(compare_text(results))
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    """The risk-share waterfall for one year, step by step, in words."""
    from pooledfund.reports.explain import explain

    loaded = load_run(args.agreement, args.scenario, args.db)
    agreement, scenarios = loaded.agreement, loaded.scenarios
    try:
        year = parse_year(args.year)
    except ValueError as exc:
        raise InvalidInputError([InputError(Source("--year"), str(exc))]) from None
    if year not in agreement.years:
        raise InvalidInputError(
            [InputError(Source("--year"), f"{year} is not one of the agreement's years ({', '.join(agreement.years)})")]
        )
    result = run(agreement, combine_scenarios(scenarios))
    say(explain(result, agreement, year))
    return EXIT_OK

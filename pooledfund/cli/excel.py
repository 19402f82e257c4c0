"""The ``export`` and ``import-xlsx`` commands: the Excel sign-off pack and reading workbooks back.

``pooledfund export AGREEMENT [--scenario S]... --xlsx OUT [--thresholds T] [--force]``
writes the Health and Wellbeing Board pack. Each ``--scenario`` is one
scenario of the pack (the first is the main one, the rest sit beside it on
the Scenarios sheet); ``a.yaml+b.yaml`` applies two files in order as one.
AGREEMENT may be a recorded version (``@signed-off``): its own files, as
recorded, make the main scenario and any ``--scenario`` sits beside it.
``pooledfund export A.yaml B.yaml:cut.yaml --folder DIR`` writes one pack per
agreement and a roll-up workbook of the same figures ``pooledfund run`` gives
for the same arguments. There ``--scenario`` may be given once (``a.yaml+b.yaml``
applies two files in order, as ``run --scenario a.yaml --scenario b.yaml``
does): several would be side by side in a pack but one after the other in
``run``, so the roll-up could mean either, and it is refused.

``pooledfund export AGREEMENT ACTUALS_SCENARIO --return Q2 -o OUT [--thresholds T] [--force]``
writes the Better Care Fund quarterly return (``Q4`` or ``year-end``: the
end-of-year return) of the actuals' year: see :mod:`pooledfund.cli.returns`.

``pooledfund import-xlsx BOOK.xlsx [--sheet NAME] [--trust-saved-values] -o agreement.yaml [--force]``
reads a BCF expenditure plan, or a pack exported by this tool, into an
agreement file; once it is read, what was read (the plan's rows and
headings, each input cell changed on a pack) is said on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pooledfund.cli.recorded import database_file, load_run
from pooledfund.cli.several import AgreementInput, load_each, match_agreements, parse_agreement_arguments
from pooledfund.cli.shared import every_input, run_inputs, say
from pooledfund.core.errors import InputError, InvalidInputError, PooledfundError, Source
from pooledfund.core.version import __version__
from pooledfund.io.inputs import combine_scenarios, load_inputs
from pooledfund.io.outputs import check_folder_output, check_output, write_atomic, write_folder_atomic
from pooledfund.io.store.references import is_reference
from pooledfund.io.yamlio import read_yaml
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario
from pooledfund.reports.tables import printable

if TYPE_CHECKING:  # the pack's modules load only when export or import-xlsx runs, so other commands start quickly
    from pooledfund.reports.conditions import ConditionThresholds


def _scenario_groups(values: list[str]) -> list[list[str]]:
    """Each --scenario value as the files it applies in order (``a.yaml+b.yaml``)."""
    return [[value] if Path(value).exists() or "+" not in value else value.split("+") for value in values]


def _thresholds(path: str | None) -> ConditionThresholds | None:
    """The national-condition thresholds read from ``path``, or None to use the published uplifts."""
    from pooledfund.reports.conditions import thresholds_from_data

    if path is None:
        return None
    data, _, errors = read_yaml(path)
    if errors:
        raise InvalidInputError(errors)
    thresholds, errors = thresholds_from_data(data, path)
    if thresholds is None:
        raise InvalidInputError(errors)
    return thresholds


def _pack_scenarios(groups: list[list[str]], loaded: list[Scenario]) -> list[Scenario]:
    """The pack's scenarios: each group of files (``a.yaml+b.yaml``) combined in order into one."""
    scenarios: list[Scenario] = []
    position = 0
    for group in groups:
        scenarios.append(combine_scenarios(loaded[position:position + len(group)]))
        position += len(group)
    return scenarios


def cmd_export(args: argparse.Namespace) -> int:
    """Write the sign-off pack for an agreement under one or more scenarios (several: a folder of packs).

    With ``--return`` the Better Care Fund quarterly or end-of-year return instead.
    """
    from pooledfund.io.excel import export_workbook  # openpyxl: only this command loads it

    if args.quarter is not None:
        return _export_return(args)
    if args.output is not None:
        args.usage_error("ACTUALS_SCENARIO and -o are for a quarterly return (--return Q1 ... Q4 or year-end); "
                         "for the sign-off pack give --scenario S and --xlsx OUT")
    if any(is_reference(text) for text in args.agreements):
        return _export_version(args)
    if args.folder:
        return _export_several(args)
    if args.xlsx is None:
        args.usage_error("give --xlsx OUT for the sign-off pack (or, for several agreements, a folder with --folder "
                         "DIR), or ACTUALS_SCENARIO --return Q2 -o OUT for a quarterly return")
    if len(args.agreements) > 1:
        args.usage_error("--xlsx writes one agreement's pack: ACTUALS_SCENARIO and -o are for a quarterly return "
                         "(--return Q1 ... Q4 or year-end), a scenario of the pack goes after --scenario S, and "
                         "several agreements need --folder DIR")
    inputs = parse_agreement_arguments(args.agreements, args.scenario)
    if Path(inputs[0].path).is_dir():
        raise InvalidInputError([InputError(Source("--xlsx"), "--xlsx writes one agreement's pack; for several "
                                                              "agreements or a folder give --folder DIR")])
    item = inputs[0]
    if Path(args.xlsx).suffix.lower() != ".xlsx":
        raise PooledfundError(f"--xlsx {args.xlsx}: give the pack a name ending in .xlsx")
    groups = _groups_of(item)
    files = [path for group in groups for path in group]
    thresholds_file = (args.thresholds,) if args.thresholds else ()
    check_output(args.xlsx, force=args.force, inputs=run_inputs(item.path, files, *thresholds_file))
    agreement, _, scenarios = _loaded_pack(item)
    thresholds = _thresholds(args.thresholds)
    export_workbook(agreement, scenarios, args.xlsx, force=args.force,
                    source_files=_sources(item.path, files, args.thresholds), thresholds=thresholds)
    say(f"Sign-off pack written to {args.xlsx}")
    return 0


def _export_return(args: argparse.Namespace) -> int:
    """The quarterly or end-of-year return: the agreement and its actuals scenario, as two arguments."""
    from pooledfund.cli.returns import cmd_return

    if is_reference(args.agreements[0]) and len(args.agreements) == 1 and not args.folder:
        from pooledfund.cli.returns import cmd_return_version

        return cmd_return_version(args)
    if len(args.agreements) > 2 or args.folder or any(is_reference(text) for text in args.agreements):
        args.usage_error("--return takes one agreement file and its actuals scenario (pooledfund export "
                         "AGREEMENT.yaml ACTUALS.yaml --return Q2 -o return.xlsx), or one recorded version on its "
                         "own (pooledfund export @3 --return Q2 -o return.xlsx)")
    args.agreement = args.agreements[0]
    args.actuals = args.agreements[1] if len(args.agreements) == 2 else None
    return cmd_return(args)


def _export_version(args: argparse.Namespace) -> int:
    """The pack of a recorded version: its own files, as recorded, make the main scenario; --scenario sits beside."""
    from pooledfund.io.excel import export_workbook  # openpyxl: only this command loads it

    reference = next(text for text in args.agreements if is_reference(text))
    if len(args.agreements) > 1 or args.folder:
        raise InvalidInputError([InputError(Source(reference), (
            "a recorded version's pack is written on its own: give only the version and --xlsx OUT.xlsx"))])
    if args.xlsx is None:
        raise InvalidInputError([InputError(Source("--xlsx"), "give the pack's file name with --xlsx OUT.xlsx")])
    if Path(args.xlsx).suffix.lower() != ".xlsx":
        raise PooledfundError(f"--xlsx {args.xlsx}: give the pack a name ending in .xlsx")
    groups = _scenario_groups(args.scenario)
    files = [path for group in groups for path in group]
    thresholds_file = (args.thresholds,) if args.thresholds else ()
    protected = (*run_inputs(files[0], files[1:], *thresholds_file), *database_file(args.db)) if files else (
        *(Path(t) for t in thresholds_file), *database_file(args.db))
    check_output(args.xlsx, force=args.force, inputs=protected)
    loaded = load_run(reference, files, args.db)
    own = len(loaded.scenarios) - len(files)
    # The version's own scenarios are the pack's main scenario; each --scenario sits beside it.
    scenarios = [combine_scenarios(loaded.scenarios[:own]), *_pack_scenarios(groups, loaded.scenarios[own:])]
    sources = loaded.sources()
    if args.thresholds:
        sources[args.thresholds] = Path(args.thresholds).read_bytes()
    export_workbook(loaded.agreement, scenarios, args.xlsx, force=args.force, source_files=sources,
                    thresholds=_thresholds(args.thresholds))
    say(f"Sign-off pack written to {args.xlsx}")
    return 0


def _sources(agreement_path: str, files: list[str], thresholds: str | None) -> dict[str, bytes]:
    """The input files whose fingerprints the pack records."""
    sources = {agreement_path: Path(agreement_path).read_bytes()}
    sources.update({path: Path(path).read_bytes() for path in files})
    if thresholds:
        sources[thresholds] = Path(thresholds).read_bytes()
    return sources


#: The roll-up workbook's name in the folder of packs.
ROLLUP_BOOK = "rollup.xlsx"


def _export_several(args: argparse.Namespace) -> int:
    """One pack per agreement and the roll-up workbook, written together as one folder (atomically)."""
    from pooledfund.engine.rollup import roll_up, run_figures
    from pooledfund.engine.runner import run
    from pooledfund.io.excel import workbook_bytes
    from pooledfund.io.excel.rollup_book import rollup_workbook_bytes, scenario_used

    if args.xlsx is not None:
        raise InvalidInputError([InputError(Source("--folder"), "give --xlsx (one agreement's pack) or --folder "
                                                                "(a pack per agreement and the roll-up), not both")])
    _one_scenario_option(args.scenario)
    inputs = parse_agreement_arguments(args.agreements, args.scenario)
    names = _pack_names(inputs)
    check_folder_output(args.folder, [*names, ROLLUP_BOOK], force=args.force)
    thresholds_file = (args.thresholds,) if args.thresholds else ()
    refused = [path for path in every_input(inputs, *thresholds_file)
               if Path(args.folder).resolve() in path.resolve().parents]
    if refused:
        raise PooledfundError(f"cannot write into {args.folder}: it holds {refused[0]}, one of the input files; "
                              "give a new folder")
    packs = load_each(inputs, _loaded_pack)
    matching = match_agreements(inputs, [agreement for agreement, _, _ in packs])
    thresholds = _thresholds(args.thresholds)
    files: dict[str, bytes] = {}
    results = []
    for name, item, (agreement, groups, scenarios) in zip(names, inputs, packs, strict=True):
        files[name] = workbook_bytes(agreement, scenarios, _sources(item.path, [f for g in groups for f in g],
                                                                     args.thresholds), thresholds)
        # One scenario a pack at most (_one_scenario_option): the pack's scenario is what run applies.
        results.append(run(agreement, combine_scenarios(scenarios)))
    rollup = roll_up([item.path for item in inputs], [run_figures(result) for result in results], matching)
    used = [scenario_used(result.scenario_name, [f for g in groups for f in g])
            for result, (_, groups, _) in zip(results, packs, strict=True)]
    files[ROLLUP_BOOK] = rollup_workbook_bytes(rollup, [result.agreement_title for result in results],
                                               scenarios=used)
    write_folder_atomic(args.folder, files, force=args.force)
    say(f"{len(inputs)} sign-off packs and {ROLLUP_BOOK} written to {Path(args.folder)}/")
    return 0


def _one_scenario_option(values: list[str]) -> None:
    """Refuse several ``--scenario`` with ``--folder``: ``run`` applies them in order, a pack side by side.

    The roll-up must be what ``pooledfund run`` gives for the same
    arguments, and each pack's main scenario what the roll-up adds up; with
    two ``--scenario`` the packs would show the second beside the first
    while ``run`` applies both, one after the other. Rather than pick one
    meaning silently, the command asks for the one meant.
    """
    if len(values) < 2:
        return
    joined = "+".join(values)
    raise InvalidInputError([InputError(Source("--scenario"), (
        f"given {len(values)} times with --folder: pooledfund run applies several --scenario one after the other, "
        "but a sign-off pack shows them side by side, so the roll-up could mean either. To apply them in order, "
        f"as run does, give them as one: --scenario {joined}; to show scenarios side by side, write each "
        "agreement's pack on its own with --xlsx"))])


def _loaded_pack(item: AgreementInput) -> tuple[Agreement, list[list[str]], list[Scenario]]:
    """An agreement with its pack's scenarios: its own (after ':', applied in order as one) or every --scenario."""
    groups = _groups_of(item)
    agreement, loaded = load_inputs(item.path, [path for group in groups for path in group])
    return agreement, groups, _pack_scenarios(groups, loaded)


def _groups_of(item: AgreementInput) -> list[list[str]]:
    """The pack's scenarios as groups of files: its own (after ':') as one, or each --scenario (``a+b``) as one."""
    return [list(item.scenarios)] if item.own_scenario else _scenario_groups(list(item.scenarios))


def _pack_names(inputs: list[AgreementInput]) -> list[str]:
    """Each pack's file name: the agreement file's name with .xlsx (a name used twice is refused, located)."""
    names = [f"{Path(item.path).stem}.xlsx" for item in inputs]
    errors = [InputError(Source(item.argument), f"its pack would be {name}, the same name as another agreement's "
                                                "pack: rename one of the files")
              for position, (item, name) in enumerate(zip(inputs, names, strict=True))
              if name in names[:position] or name == ROLLUP_BOOK]
    if errors:
        raise InvalidInputError(errors)
    return names


def cmd_import_xlsx(args: argparse.Namespace) -> int:
    """Read a workbook into an agreement file."""
    from pooledfund.io.agreement_yaml import agreement_yaml
    from pooledfund.io.excel import import_workbook  # openpyxl: only this command loads it

    check_output(args.output, force=args.force, inputs=(args.book,))
    notes: list[str] = []
    agreement, errors = import_workbook(args.book, args.sheet, trust_saved_values=args.trust_saved_values,
                                        notes=notes)
    if agreement is None:
        raise InvalidInputError(errors)
    for note in notes:  # what was read, once it has all been read
        print(printable(note), file=sys.stderr)
    comment = (f"Imported from {Path(args.book).name} by pooledfund {__version__}.\n"
               "Check the partners, contributions, risk share and underspend rules before use.")
    write_atomic(args.output, agreement_yaml(agreement, comment).encode("utf-8"), force=args.force)
    say(f"Agreement written to {args.output}")
    return 0

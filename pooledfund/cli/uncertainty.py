"""The ``simulate`` and ``sensitivity`` commands (Monte Carlo and tornado).

``pooledfund simulate AGREEMENT --scenario S --paths 10000 --seed 42 [--json OUT]``
``pooledfund sensitivity AGREEMENT --scenario S [--break-even DRIVER] [--json OUT]``

Problems in the files or the options are listed, located, and exit with 1,
like every other command (the errors are raised as ``InvalidInputError`` and
printed by :func:`pooledfund.cli.app.main`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pooledfund.cli.several import AgreementInput, load_each, match_agreements, parse_agreement_arguments
from pooledfund.cli.shared import every_input, run_inputs, say
from pooledfund.core.errors import InputError, InvalidInputError, Source
from pooledfund.core.money import MoneyError, format_gbp, pounds_float, to_pence
from pooledfund.core.years import parse_year
from pooledfund.engine.rollup import Rollup, roll_up
from pooledfund.io.inputs import combine_scenarios
from pooledfund.io.loader import load_agreement
from pooledfund.io.outputs import check_output, write_atomic
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario, check_scenario
from pooledfund.reports.rollup import code_label
from pooledfund.reports.tables import table_text

if TYPE_CHECKING:  # the simulation modules (scipy) and the uncertainty records load only when a command runs
    from pooledfund.uncertainty.results import SimulationResult
    from pooledfund.uncertainty.sensitivity_analysis import BreakEven, SensitivityResult
    from pooledfund.uncertainty.spec import UncertaintySpec


def load_uncertain_inputs(
    agreement_path: str, scenario_paths: Sequence[str]
) -> tuple[Agreement, Scenario, UncertaintySpec]:
    """The agreement, the combined scenario and the one ``uncertainty:`` section among the files.

    Raises ``InvalidInputError`` listing every problem in any file; exactly
    one scenario file must carry an ``uncertainty:`` section.
    """
    from pooledfund.io.uncertainty_files import load_uncertain_scenario
    from pooledfund.uncertainty.spec import check_uncertainty

    agreement, errors = load_agreement(agreement_path)
    scenarios: list[Scenario] = []
    specs: list[tuple[str, UncertaintySpec]] = []
    for path in scenario_paths:
        scenario, spec, found = load_uncertain_scenario(path)
        errors += found
        if scenario is not None:
            scenarios.append(scenario)
            if agreement is not None:
                errors += check_scenario(scenario, agreement, path)
        if spec is not None:
            specs.append((path, spec))
            if agreement is not None:
                errors += check_uncertainty(spec, agreement, path)
    if not errors and not specs:
        errors.append(InputError(Source("--scenario"),
                                 "none of the scenario files has an 'uncertainty:' section; "
                                 "add one to say which drivers are uncertain (docs/uncertainty.md)"))
    if len(specs) > 1:
        errors.append(InputError(Source(specs[1][0]), f"only one scenario file may have an 'uncertainty:' section; "
                                                      f"{specs[0][0]} has one too"))
    if errors or agreement is None:
        raise InvalidInputError(errors)
    return agreement, combine_scenarios(scenarios), specs[0][1]


def _write_json(data: object, path: str, force: bool) -> None:
    """Write ``data`` as indented JSON, refusing to replace a file unless ``force``."""
    write_atomic(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"), force=force)


def _pct(value: float) -> str:
    """A probability as a percentage to one decimal place, as the tables show it."""
    return f"{value * 100:.1f}%"


def simulation_text(sim: SimulationResult) -> str:
    """The run's summaries as text tables, arrangements then partners, then the chances in words, per year."""
    from pooledfund.uncertainty.sentences import chance_sentences  # loaded with the simulation it reads

    lines = [f"{sim.agreement_title}", f"Scenario: {sim.scenario_name}",
             f"{sim.paths:,} paths, seed {sim.seed}. P10/P50/P90: 10%/50%/90% of paths are at or below.",
             "Variance is spend less money in: positive is an overspend. Negative figures are in brackets.",
             *sim.clipping_notes(), ""]
    # Names are shown whole: the first column is as wide as the longest one.
    w = max(len(name) for name in [*(n for _, n in sim.arrangements), *sim.partner_names.values(), "Arrangement"]) + 2
    for year in sim.years:
        lines.append(f"== {year} ==")
        lines.append(f"{'Arrangement':<{w}}{'P(over)':>9}{'Variance P10':>16}{'P50':>16}{'P90':>16}{'Mean':>16}"
                     f"{'E[carry fwd]':>16}{'P(cap)':>8}{'P(unfunded)':>12}")
        for arrangement_id, name in sim.arrangements:
            s = sim.arrangement_summary(arrangement_id, year)
            lines.append(f"{name:<{w}}{_pct(s.probability_of_overspend):>9}"
                         f"{format_gbp(s.variance.p10, brackets=True):>16}"
                         f"{format_gbp(s.variance.p50, brackets=True):>16}"
                         f"{format_gbp(s.variance.p90, brackets=True):>16}"
                         f"{format_gbp(s.variance.mean, brackets=True):>16}{format_gbp(s.expected_carry_forward):>16}"
                         f"{_pct(s.probability_cap_binds):>8}{_pct(s.probability_unfunded):>12}")
        lines.append("")
        lines.append(f"{'Partner':<{w}}{'Figure':<17}{'P10':>16}{'P50':>16}{'P90':>16}{'Mean':>16}")
        for partner_id in sim.partners:
            p = sim.partner_summary(partner_id, year)
            name = sim.partner_names[partner_id]
            for label, summary in (("overspend share", p.overspend_share), ("net cost", p.net_cost)):
                lines.append(f"{name:<{w}}{label:<17}{format_gbp(summary.p10):>16}{format_gbp(summary.p50):>16}"
                             f"{format_gbp(summary.p90):>16}{format_gbp(summary.mean):>16}")
                name = ""
        lines.append("")
        lines.append("In words:")
        lines += [f"  {s.text} (P90 exactly {format_gbp(s.share_p90)})" for s in chance_sentences(sim, year)]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _positive_int(option: str, value: int, most: int) -> None:
    """Refuse a count option (paths, chunk size) outside 1 to ``most``, naming the option."""
    if not 1 <= value <= most:
        raise InvalidInputError([InputError(Source(option), f"must be between 1 and {most:,} (got {value:,})")])


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run the Monte Carlo paths and print each arrangement's and partner's percentiles.

    With several agreements, each body's total exposure across them follows.
    """
    from pooledfund.uncertainty.simulation import MAX_PATHS, simulate

    _positive_int("--paths", args.paths, MAX_PATHS)
    if args.chunk_size is not None:
        _positive_int("--chunk-size", args.chunk_size, MAX_PATHS)
    if args.seed < 0:
        raise InvalidInputError([InputError(Source("--seed"), f"must be 0 or more (got {args.seed:,})")])
    over = _over_option(args.over)
    inputs = parse_agreement_arguments(args.agreements, args.scenario)
    if args.json:  # refuse a bad output before minutes of simulation, not after
        check_output(args.json, force=args.force, inputs=every_input(inputs))
    if len(inputs) > 1:
        return _simulate_several(args, inputs, over)
    agreement, scenario, spec = load_uncertain_inputs(inputs[0].path, inputs[0].scenarios)
    sim = simulate(agreement, scenario, spec, paths=args.paths, seed=args.seed, chunk_size=args.chunk_size,
                   progress=sys.stderr.isatty())
    say(simulation_text(sim), end="")
    if args.json:
        _write_json(sim.to_json(), args.json, args.force)
        say(f"\nJSON written to {args.json}")
    return 0


def _over_option(text: str | None) -> int:
    """``--over`` in pence: the exposure whose chance the roll-up reports (default £0: paying anything extra)."""
    if text is None:
        return 0
    try:
        pence = to_pence(text)
    except MoneyError as exc:
        raise InvalidInputError([InputError(Source("--over"), str(exc))]) from None
    if pence < 0:
        raise InvalidInputError([InputError(Source("--over"), f"must be £0 or more (got {format_gbp(pence)})")])
    return pence


def _simulate_several(args: argparse.Namespace, inputs: list[AgreementInput], over: int) -> int:
    """Simulate every agreement with shared driver draws, print each (unless --rollup-only), then the roll-up."""
    from pooledfund.uncertainty.rollup import SIMULATION_MEASURES, simulate_several, simulation_figures

    runs = load_each(inputs, lambda item: load_uncertain_inputs(item.path, item.scenarios))
    matching = match_agreements(inputs, [agreement for agreement, _, _ in runs])
    sims = simulate_several(runs, paths=args.paths, seed=args.seed, chunk_size=args.chunk_size,
                            progress=sys.stderr.isatty())
    labels = [item.path for item in inputs]
    rollup = roll_up(labels, [simulation_figures(sim) for sim in sims], matching, SIMULATION_MEASURES)
    if not args.rollup_only:
        for sim in sims:
            say(simulation_text(sim))
    say(exposure_text(rollup, sims, over), end="")
    if args.json:
        _write_json({"agreements": [{"file": label, **sim.to_json()} for label, sim in zip(labels, sims, strict=True)],
                     "rollup": exposure_json(rollup, over)}, args.json, args.force)
        say(f"\nJSON written to {args.json}")
    return 0


def exposure_text(rollup: Rollup, sims: Sequence[SimulationResult], over: int) -> str:
    """Each body's total exposure across its agreements: per year and all years, P10/P50/P90 and the chance."""
    from pooledfund.uncertainty.rollup import exposure_summary

    first = sims[0]
    lines = [f"Roll-up of {len(sims)} agreements: each partner's exposure summed over its agreements on every path",
             f"{first.paths:,} paths, seed {first.seed}. A driver named the same is at the same percentile in every "
             "agreement on each path; other drivers move only as each file's correlation says, and events are "
             "independent (docs/uncertainty.md, section 7).",
             "Exposure is overspend shares less underspends returned: what a partner pays beyond what it put in. "
             "Negative figures are in brackets.", ""]
    header = ["Partner", "Code", "Agreements", "Contributions", "Exposure P10", "P50", "P90", "Mean",
              f"P(exposure > {format_gbp(over)})", "Net cost P50"]
    for year in [*rollup.years, None]:
        lines.append(f"== {year or 'All years'} ==")
        rows = []
        for index, partner in enumerate(rollup.partners):
            if not rollup.covers(index, year):
                continue
            s = exposure_summary(rollup, index, year, over)
            rows.append([partner.name, code_label(partner), str(len(partner.agreements)),
                         *(format_gbp(v, brackets=True) for v in (s.contributions, s.exposure.p10, s.exposure.p50,
                                                                  s.exposure.p90, s.exposure.mean)),
                         _pct(s.probability_over), format_gbp(s.net_cost.p50, brackets=True)])
        lines += [table_text(header, rows, left_columns=2), ""]
    return "\n".join(lines).rstrip() + "\n"


def exposure_json(rollup: Rollup, over: int) -> dict[str, object]:
    """The exposure roll-up in pounds: each body, its agreements and its summaries per year and in all.

    A body's figures list only the years one of its agreements runs in (then ``all_years``), as ``run``'s JSON
    does: a year none of them covers is left out rather than given as zeros, which would read as a year in
    which it could pay nothing more.
    """
    from pooledfund.uncertainty.rollup import exposure_summary

    partners = []
    for index, partner in enumerate(rollup.partners):
        figures = {}
        for year in [*rollup.years, None]:
            if not rollup.covers(index, year):
                continue
            s = exposure_summary(rollup, index, year, over)
            figures[year or "all_years"] = {"contributions": pounds_float(s.contributions),
                                            "exposure": s.exposure.to_json(), "net_cost": s.net_cost.to_json(),
                                            "probability_exposure_over": round(s.probability_over, 4)}
        partners.append({"key": partner.key, "name": partner.name, "agreements": list(partner.agreements),
                         "figures": figures})
    return {"agreements": list(rollup.labels), "years": list(rollup.years), "over": pounds_float(over),
            "partners": partners}


def sensitivity_text(sens: SensitivityResult, year: str | None, found: list[BreakEven]) -> str:
    """Each partner's tornado as a table, then any break-even values."""
    period = year or f"{sens.years[0]} to {sens.years[-1]}"
    lines = [f"Tornado: each driver at its P10 and P90, the others at their medians; net cost over {period}", ""]
    for partner_id in sens.partners:
        lines.append(f"{sens.partner_names[partner_id]}: net cost {format_gbp(sens.base_net_cost(partner_id, year))} "
                     "with every driver at its median")
        bars = sens.tornado(partner_id, year)
        w = max([len(bar.label) for bar in bars] + [len("Driver")]) + 2
        lines.append(f"  {'Driver':<{w}}{'Low':>10}{'High':>17}{'Net cost low':>18}{'Net cost high':>18}{'Swing':>16}")
        for bar in bars:
            low, high = ((f"{bar.low_value:.2f}%", f"{bar.high_value:.2f}%") if bar.kind == "driver"
                         else ("no", f"+{format_gbp(int(bar.high_value))}"))
            lines.append(f"  {bar.label:<{w}}{low:>10}{high:>17}{format_gbp(bar.net_cost_low):>18}"
                         f"{format_gbp(bar.net_cost_high):>18}{format_gbp(bar.swing):>16}")
        lines.append("")
    for item in found:
        where = f"{item.arrangement_id} {item.year}"
        if item.value is None:
            side = "overspend" if item.variance_low > 0 else "underspend"
            lines.append(f"Break-even of {item.driver_id} for {where}: none between {item.low:g}% and {item.high:g}% "
                         f"(stays in {side}: {format_gbp(item.variance_low)} to {format_gbp(item.variance_high)})")
        else:
            direction = "above" if item.overspend_above else "below"
            lines.append(f"Break-even of {item.driver_id} for {where}: {item.value:.4f}% "
                         f"(overspend {direction} it)")
    return "\n".join(lines).rstrip() + "\n"


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Print each partner's tornado and, if asked, a driver's break-even value."""
    from pooledfund.uncertainty.sensitivity_analysis import sensitivity

    if args.json:
        check_output(args.json, force=args.force, inputs=run_inputs(args.agreement, args.scenario))
    agreement, scenario, spec = load_uncertain_inputs(args.agreement, args.scenario)
    year = _year_option(args.year, agreement)
    found = _break_evens(args, agreement, scenario, spec, year) if args.break_even else []
    sens = sensitivity(agreement, scenario, spec)
    say(sensitivity_text(sens, year, found), end="")
    if args.json:
        data = sens.to_json()
        data["break_even"] = [
            {"driver": b.driver_id, "arrangement": b.arrangement_id, "year": b.year, "value": b.value,
             "overspend_above": b.overspend_above, "low": b.low, "high": b.high}
            for b in found
        ]
        _write_json(data, args.json, args.force)
        say(f"\nJSON written to {args.json}")
    return 0


def _break_evens(
    args: argparse.Namespace, agreement: Agreement, scenario: Scenario, spec: UncertaintySpec, year: str | None
) -> list[BreakEven]:
    """Where ``--break-even``'s driver turns each asked-for pool from under- to overspend, per year.

    Checks the driver and ``--arrangement`` names first, so a typo is reported
    rather than searched for.
    """
    from pooledfund.uncertainty.sensitivity_analysis import break_even

    ids = [d.id for d in spec.drivers]
    if args.break_even not in ids:
        raise InvalidInputError([InputError(Source("--break-even"), f"{args.break_even!r} is not an uncertain driver; "
                                                                    f"use one of {', '.join(ids) or '(none)'}")])
    arrangement_ids = [a.id for a in agreement.arrangements]
    if args.arrangement and args.arrangement not in arrangement_ids:
        raise InvalidInputError([InputError(Source("--arrangement"), f"{args.arrangement!r} is not an arrangement; "
                                                                     f"use one of {', '.join(arrangement_ids)}")])
    low, high = _search_range(args.range)
    return [
        break_even(agreement, scenario, spec, args.break_even, arrangement_id, y, low, high)
        for arrangement_id in ([args.arrangement] if args.arrangement else arrangement_ids)
        for y in ([year] if year else agreement.years)
    ]


def _search_range(values: Sequence[float] | None) -> tuple[float | None, float | None]:
    """``--range LOW HIGH`` checked: LOW below HIGH, both a % a driver can take; (None, None) when not given.

    Without a range the search picks its own, from the driver's spread.
    """
    if not values:
        return None, None
    low, high = values
    if not low < high:
        raise InvalidInputError([InputError(Source("--range"), f"LOW must be below HIGH (got {low} and {high})")])
    if not (low > -100 and high <= 1000):
        raise InvalidInputError([InputError(Source("--range"), "a driver's % must lie above -100 and at most 1000 "
                                                                f"(got {low} to {high})")])
    return low, high


def _year_option(text: str | None, agreement: Agreement) -> str | None:
    """``--year`` as a financial year of the agreement, or None for all years; anything else is refused."""
    if text is None:
        return None
    try:
        year = parse_year(text)
    except ValueError as exc:
        raise InvalidInputError([InputError(Source("--year"), str(exc))]) from None
    if year not in agreement.years:
        raise InvalidInputError([InputError(Source("--year"), f"{year} is not one of the agreement's years "
                                                              f"({', '.join(agreement.years)})")])
    return year

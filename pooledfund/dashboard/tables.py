"""Tables the dashboard shows beside its charts, built from model outputs or the agreement.

Each partner's headline figures against the base, a measure compared across
scenarios, the budgeted and scenario rates, a scenario's changes in words,
the agreement's months and demand drivers (for the what-if widgets), and the
Monte Carlo summaries. Money is in pence; the dashboard formats it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from pooledfund.core.money import format_gbp
from pooledfund.core.years import month_label, parse_month
from pooledfund.dashboard.data import NATIONAL_CONDITIONS, ModelOutputs
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario
from pooledfund.uncertainty import SimulationResult

# --- Headline figures per partner ---------------------------------------------------------

METRIC_COLUMNS = {
    "contribution": "Contribution",
    "overspend_share": "Overspend share",
    "underspend_return": "Underspend returned",
    "net_cost": "Net cost",
    "change": "Change v base",
}


def partner_metrics(outputs: ModelOutputs, base: ModelOutputs, year: str) -> pd.DataFrame:
    """Each partner's headline figures for a year, with the change in net cost against ``base``.

    Contribution is cash plus in kind after the scenario's contribution changes.
    """
    now = outputs.partners_frame[outputs.partners_frame["year"] == year].set_index("partner")
    then = base.partners_frame[base.partners_frame["year"] == year].set_index("partner")
    rows = []
    for partner in outputs.partners:
        current = now.loc[partner]
        rows.append({
            "partner": partner,
            "partner_name": outputs.partner_names[partner],
            "contribution": int(current["cash_contribution"]) + int(current["in_kind"]),
            "overspend_share": int(current["overspend_share"]),
            "underspend_return": int(current["underspend_return"]),
            "net_cost": int(current["net_cost"]),
            "base_net_cost": int(then.loc[partner, "net_cost"]),
            "change": int(current["net_cost"]) - int(then.loc[partner, "net_cost"]),
        })
    return pd.DataFrame(rows)


# --- The board summary ----------------------------------------------------------------------


@dataclass(frozen=True)
class BoardSummary:
    """What a board member asks first, for one year, all arrangements together. Money in pence.

    Attributes:
        variance: spend less money in: positive an overspend, negative an underspend.
        contingency: the contingencies held back from the schemes this year.
        risk_pool: the contingency plus what the pooled funds brought forward from last year.
        risk_pool_used: how much of the risk pool the schemes' overspends used.
        carried_forward: the underspend carried into next year.
        unfunded: what no partner covers (for the board to decide).
        checks: the sign-off pack's checks (the BCF national conditions and per-source
            reconciliations, every year), failures first: check, year, passed, words.
        reconciliations: the dashboard's own totals checks for the year, failures first.
        by_arrangement: each arrangement's name and variance, in the agreement's order.
    """

    variance: int
    contingency: int
    risk_pool: int
    risk_pool_used: int
    carried_forward: int
    unfunded: int
    checks: pd.DataFrame
    reconciliations: pd.DataFrame
    by_arrangement: tuple[tuple[str, int], ...] = ()

    @property
    def risk_pool_left(self) -> int:
        """The risk pool the overspends did not use (carried forward or returned under the rules)."""
        return self.risk_pool - self.risk_pool_used

    @property
    def brought_forward(self) -> int:
        """The part of the risk pool brought forward from last year."""
        return self.risk_pool - self.contingency

    @property
    def passed(self) -> int:
        """How many of the pack's checks pass (its Summary sheet's "passed" count)."""
        return int(self.checks["passed"].sum())

    @property
    def failed(self) -> int:
        """How many of the pack's checks fail (its Summary sheet's "failed" count)."""
        return len(self.checks) - self.passed


def board_summary(outputs: ModelOutputs, year: str) -> BoardSummary:
    """The year's pool figures and the checks, as the sign-off pack counts them.

    The checks are the rows :func:`pooledfund.reports.conditions.national_conditions`
    gave (the pack's Checks sheet: every year, so the counts match its
    Summary); the reconciliations are the engine's totals checks for ``year``.
    Both are sorted failures first, each group kept in the order the checks were made.
    """
    rows = outputs.arrangements_frame[outputs.arrangements_frame["year"] == year]
    checks = outputs.checks
    national = checks["where"] == NATIONAL_CONDITIONS
    own = checks[~national & (checks["year"] == year)]
    return BoardSummary(
        variance=int(rows["variance"].sum()),
        contingency=int(rows["contingency"].sum()),
        risk_pool=int(rows["risk_pool"].sum()),
        risk_pool_used=int(rows["risk_pool_used"].sum()),
        carried_forward=int(rows["carry_forward"].sum()),
        unfunded=int(rows["unfunded"].sum()),
        checks=_failures_first(checks[national]),
        reconciliations=_failures_first(own),
        by_arrangement=tuple((str(name), int(v)) for name, v in zip(rows["name"], rows["variance"], strict=True)),
    )


def _failures_first(checks: pd.DataFrame) -> pd.DataFrame:
    """Failing checks first; a stable sort keeps each group in the order the checks were made."""
    return checks.sort_values("passed", kind="stable").reset_index(drop=True)


def comparison_frame(outputs: list[ModelOutputs], year: str, measure: str = "net_cost") -> pd.DataFrame:
    """One row per scenario and partner: ``measure`` in pence and its change against the first scenario."""
    rows = []
    first = outputs[0].partners_frame
    first = first[first["year"] == year].set_index("partner")
    for item in outputs:
        frame = item.partners_frame[item.partners_frame["year"] == year].set_index("partner")
        for partner in item.partners:
            value = int(frame.loc[partner, measure])
            rows.append({"scenario": item.scenario_name, "partner": partner,
                         "partner_name": item.partner_names[partner], "value": value,
                         "change": value - int(first.loc[partner, measure])})
    return pd.DataFrame(rows)


def agreement_months(agreement: Agreement) -> dict[str, str]:
    """Every month of the agreement, "2025-04" -> "Apr 2025", April of the first year first."""
    months = {}
    for year in agreement.years:
        start = int(year[:4])
        for index in range(12):
            calendar_year = start if index < 9 else start + 1
            months[f"{calendar_year}-{(index + 3) % 12 + 1:02d}"] = month_label(year, index)
    return months


def demand_drivers(agreement: Agreement) -> list[str]:
    """The demand drivers the agreement's schemes respond to (their ``cost_drivers``), sorted."""
    return sorted({link.driver for _, scheme in agreement.schemes() for link in scheme.cost_drivers})



# --- Assumptions ---------------------------------------------------------------------------


def assumptions_frame(agreement: Agreement, scenario: Scenario) -> pd.DataFrame:
    """The budgeted inflation and demography rates beside the scenario's, % a year."""
    rows = []
    budget = agreement.assumptions
    for kind, budgeted, chosen in (("Inflation", budget.inflation, scenario.inflation),
                                   ("Demography", budget.demography, scenario.demography)):
        for key in sorted(set(budgeted) | set(chosen)):
            for year in agreement.years:
                planned = budgeted.get(key, {}).get(year)
                used = chosen.get(key, {}).get(year)
                rows.append({
                    "Driver": kind, "Key": key.replace("_", " "), "Year": year,
                    "Budgeted %": _pct(planned if planned is not None else Decimal(0)),
                    "Scenario %": _pct(used if used is not None else planned if planned is not None else Decimal(0)),
                })
    for year in agreement.years:
        if year in scenario.efficiency:
            rows.append({"Driver": "Efficiency", "Key": "all schemes", "Year": year, "Budgeted %": "0",
                         "Scenario %": _pct(scenario.efficiency[year])})
    return pd.DataFrame(rows, columns=["Driver", "Key", "Year", "Budgeted %", "Scenario %"])


def _pct(value: Decimal) -> str:
    """A rate as plain text without trailing zeros: 2.50 -> "2.5", 3.00 -> "3"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def scenario_changes(scenario: Scenario, agreement: Agreement) -> pd.DataFrame:
    """The scenario's listed changes (demand, contributions, shocks, actuals) in words."""
    names = {p.id: p.name for p in agreement.partners}
    rows = []
    for d in scenario.demand:
        when = f"from {d.effective_from:%d %b %Y}" if d.effective_from else "throughout"
        what = f"{d.driver.replace('_', ' ')} {d.change_pct:+f}%".replace(".0000", "")
        rows.append({"Change": "Demand", "What": what, "When": when})
    for c in scenario.contribution_changes:
        amount = f"{c.change_pct:+}%" if c.change_pct is not None else format_gbp(c.change_amount or 0) + " a year"
        rows.append({"Change": "Contribution", "What": f"{names.get(c.partner, c.partner)} {amount}"
                     + (f" ({c.arrangement})" if c.arrangement else ""), "When": f"from {c.effective_from:%d %b %Y}"})
    for s in scenario.shocks:
        year, month = parse_month(s.month)
        rows.append({"Change": "One-off", "What": f"{format_gbp(s.amount)} on {s.scheme}: {s.description}".rstrip(": "),
                     "When": month_label(year, month)})
    for a in scenario.actuals:
        year, month = parse_month(a.to_month)
        what = f"{len(a.schemes)} schemes, rest forecast by {a.forecast_method.replace('_', ' ')}"
        rows.append({"Change": "Actuals", "What": what, "When": f"April to {month_label(year, month)}"})
    return pd.DataFrame(rows, columns=["Change", "What", "When"])


# --- Monte Carlo summaries ------------------------------------------------------------------------


def simulation_tables(sim: SimulationResult, year: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per arrangement and per partner for ``year``: probabilities (%) and P10/P50/P90 (pence)."""
    return _arrangement_simulation_frame(sim, year), _partner_simulation_frame(sim, year)


def _arrangement_simulation_frame(sim: SimulationResult, year: str) -> pd.DataFrame:
    """Each arrangement's chance of overspend, variance percentiles and chances a cap binds or money is unfunded."""
    rows = []
    for arrangement_id, name in sim.arrangements:
        summary = sim.arrangement_summary(arrangement_id, year)
        rows.append({
            "Arrangement": name,
            "Chance of overspend": f"{summary.probability_of_overspend:.0%}",
            "Variance P10": summary.variance.p10, "Variance P50": summary.variance.p50,
            "Variance P90": summary.variance.p90,
            "Chance a cap binds": f"{summary.probability_cap_binds:.0%}",
            "Chance of unfunded": f"{summary.probability_unfunded:.0%}",
        })
    return pd.DataFrame(rows)


def _partner_simulation_frame(sim: SimulationResult, year: str) -> pd.DataFrame:
    """Each partner's chance of paying an overspend share, year-end position percentiles and median net cost."""
    rows = []
    for partner in sim.partners:
        summary = sim.partner_summary(partner, year)
        rows.append({
            "Partner": sim.partner_names[partner],
            "Chance of paying overspend": f"{summary.probability_of_paying_overspend:.0%}",
            "Year-end position P10": summary.year_end_position.p10,
            "Year-end position P50": summary.year_end_position.p50,
            "Year-end position P90": summary.year_end_position.p90,
            "Net cost P50": summary.net_cost.p50,
        })
    return pd.DataFrame(rows)

"""What the dashboard shows, as plain data: one run's figures in frames, texts and checks.

:func:`build_outputs` runs the engine once and turns the result into a
:class:`ModelOutputs` of pandas frames (pence), the ``explain`` text of each
year, the JSON contract and the reconciliation checks. Everything in it can
be pickled, so the dashboard caches it by content hash (``st.cache_data``);
:mod:`pooledfund.dashboard.figures` draws from it without touching the engine.

The tables built from one or more ModelOutputs are in
:mod:`pooledfund.dashboard.tables`; the editable schemes table in
:mod:`pooledfund.dashboard.budget_edits`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pooledfund.agreements import FundedArrangement
from pooledfund.core.money import format_gbp
from pooledfund.core.years import month_label, parse_month
from pooledfund.engine.results import ArrangementYear, RunResult
from pooledfund.engine.riskshare import Step
from pooledfund.engine.runner import run
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import AttributableLayer, AttributableRule
from pooledfund.model.scenario import Scenario
from pooledfund.reports.conditions import ConditionCheck, national_conditions
from pooledfund.reports.explain import explain, own_lines_settled, trigger_sentence
from pooledfund.reports.tables import arrangement_frame, cash_flow_frame, partner_frame, scheme_frame


@dataclass
class ModelOutputs:
    """One run of one agreement under one scenario, ready to show. Money in pence.

    Attributes:
        scenario_id / scenario_name: which scenario (as in the JSON contract).
        years: the agreement's years, in order.
        partners / partner_names: partner ids in order and their names.
        partners_frame: per year and partner: cash, in kind, shares, net cost.
        arrangements_frame: per year and arrangement: budget, spend, variance, carry-forwards, the
            contingency, the risk pool (contingency and what the shared pool brought forward) and how much
            of it the schemes' overspends used (both 0 for an aligned budget, which has no pool)...
        arrangement_partners: per year, arrangement and partner: cash, in kind, shares.
        schemes_frame: per year and scheme: budget, spend, variance, type, name.
        monthly_frame: per year, arrangement and month: budget and projected spend.
        cash_frame: the host's month-end cash position on each funded arrangement.
        risk_steps: the risk-share waterfall (or underspend rules), step by step, who took what.
        actuals_to: per year, the last month (0 = April) with actuals, if any.
        explanations: per year, the ``explain`` text.
        result_json: the JSON contract (``RunResult.to_json()``).
        checks: reconciliation checks and the BCF national conditions, one row each.
        triggers: per year, arrangement and trigger: its threshold (pence), the forecast variance in
            its direction, whether it is crossed, the month it was first crossed, the action and the
            explanation's sentence. Empty when no arrangement has triggers. Triggers move no money.
    """

    scenario_id: str
    scenario_name: str
    years: list[str]
    partners: list[str]
    partner_names: dict[str, str]
    partners_frame: pd.DataFrame
    arrangements_frame: pd.DataFrame
    arrangement_partners: pd.DataFrame
    schemes_frame: pd.DataFrame
    monthly_frame: pd.DataFrame
    cash_frame: pd.DataFrame
    risk_steps: pd.DataFrame
    actuals_to: dict[str, int]
    explanations: dict[str, str]
    result_json: dict[str, Any]
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    triggers: pd.DataFrame = field(default_factory=pd.DataFrame)

    def json_bytes(self) -> bytes:
        """The JSON contract as the CLI's ``--json`` writes it."""
        return (json.dumps(self.result_json, indent=2) + "\n").encode("utf-8")


def build_outputs(agreement: Agreement, scenario: Scenario) -> tuple[ModelOutputs, RunResult]:
    """Run the engine and gather everything the dashboard shows (and the raw result)."""
    result = run(agreement, scenario)
    schemes = {s.id: s for _, s in agreement.schemes()}
    scheme_rows = scheme_frame(result)
    scheme_rows["name"] = [schemes[s].name for s in scheme_rows["scheme"]]
    scheme_rows["scheme_type"] = [schemes[s].scheme_type.label for s in scheme_rows["scheme"]]
    arrangements = arrangement_frame(result)
    arrangements["name"] = [r.name for r in result.arrangement_years]
    arrangements["contingency"] = [r.contingency for r in result.arrangement_years]
    arrangements["risk_pool"] = [int(r.risk_pool[0]) if r.overspend is not None else 0
                                 for r in result.arrangement_years]
    arrangements["risk_pool_used"] = [int(r.risk_pool_used[0]) if r.overspend is not None else 0
                                      for r in result.arrangement_years]
    actuals_to: dict[str, int] = {}
    for actual in scenario.actuals:
        last = parse_month(actual.to_month)[1]
        actuals_to[actual.year] = max(actuals_to.get(actual.year, -1), last)
    conditions = conditions_frame(national_conditions(agreement, result))
    checks = pd.concat([reconciliation_checks(result, agreement), conditions],
                       ignore_index=True)
    outputs = ModelOutputs(
        scenario_id=result.scenario_id,
        scenario_name=result.scenario_name,
        years=list(result.years),
        partners=list(result.partners),
        partner_names=dict(result.partner_names),
        partners_frame=partner_frame(result),
        arrangements_frame=arrangements,
        arrangement_partners=_arrangement_partners(result),
        schemes_frame=scheme_rows,
        monthly_frame=_monthly(result),
        cash_frame=cash_flow_frame(result),
        risk_steps=_risk_steps(result),
        actuals_to=actuals_to,
        explanations={year: explain(result, agreement, year) for year in result.years},
        result_json=result.to_json(),
        checks=checks,
        triggers=trigger_frame(result),
    )
    return outputs, result


def trigger_frame(result: RunResult, path: int = 0) -> pd.DataFrame:
    """Every trigger in every arrangement-year: crossed or not, since when, and the action due (money in pence)."""
    rows = []
    for row in result.arrangement_years:
        for status in row.triggers:
            variance = int(row.variance[path])
            rows.append({
                "year": row.year, "arrangement": row.arrangement_id, "name": row.name,
                "trigger": status.index + 1, "direction": status.trigger.direction,
                "threshold": status.threshold,
                "forecast": variance if status.trigger.direction == "overspend" else -variance,
                "crossed": bool(status.crossed[path]),
                "first_month": status.first_month_label(row.year, path) or "",
                "action": status.trigger.action,
                "sentence": trigger_sentence(result, row, status, path),
            })
    return pd.DataFrame(rows)


def _arrangement_partners(result: RunResult) -> pd.DataFrame:
    rows = []
    for row in result.arrangement_years:
        for i, partner in enumerate(row.partners):
            rows.append({
                "year": row.year, "arrangement": row.arrangement_id, "partner": partner,
                "partner_name": result.partner_names[partner],
                "cash": int(row.cash[i]), "in_kind": int(row.in_kind[i]),
                "overspend_share": int(row.overspend_shares[0, i]),
                "underspend_return": int(row.underspend_returns[0, i]),
            })
    return pd.DataFrame(rows)


def _monthly(result: RunResult) -> pd.DataFrame:
    rows = []
    for arrangement, spend in result.monthly_spend.items():
        budget = result.monthly_budget[arrangement]
        spend_months = spend[0].sum(axis=1)  # (years, 12)
        budget_months = budget.sum(axis=1)
        for y_index, year in enumerate(result.years):
            for month in range(12):
                rows.append({
                    "year": year, "arrangement": arrangement, "month": month, "label": month_label(year, month),
                    "budget": int(budget_months[y_index, month]), "spend": int(spend_months[y_index, month]),
                })
    return pd.DataFrame(rows)


# --- The risk-share waterfall as rows ---------------------------------------------------


def _short_gbp(pence: int) -> str:
    """£500,000 -> "£500k", £1,250,000 -> "£1.25m": labels that fit under a bar."""
    pounds_value = pence / 100
    if abs(pounds_value) >= 1_000_000:
        return f"£{pounds_value / 1_000_000:,.2f}".rstrip("0").rstrip(".") + "m"
    if abs(pounds_value) >= 1_000:
        return f"£{pounds_value / 1_000:,.1f}".rstrip("0").rstrip(".") + "k"
    return f"£{pounds_value:,.0f}"


def step_label(step: Step, names: dict[str, str]) -> str:
    """A short label for one layer or rule, for a chart axis: its number, its label words and its limit."""
    number = "" if step.default else f"{step.index + 1}. "
    limit = step.limit_words(_short_gbp)
    return f"{number}{step.words('label', names)}" + (f" ({limit})" if limit else "")


def _risk_steps(result: RunResult) -> pd.DataFrame:
    """Every funded arrangement-year's waterfall: one row per (step, who), amounts in pence.

    ``stage`` is ``start`` (the variance to deal with), ``step`` (a layer or
    rule; ``remaining`` is what is left after it) or ``end`` (unfunded).
    """
    rows: list[dict[str, Any]] = []
    for row in result.arrangement_years:
        if row.overspend is not None and row.underspend is not None:
            rows += _steps_of(row, result.partner_names)
    columns = ["year", "arrangement", "order", "stage", "label", "who", "amount", "remaining"]
    return pd.DataFrame(rows, columns=columns)


def _steps_of(row: ArrangementYear, names: dict[str, str]) -> list[dict[str, Any]]:
    """One funded arrangement-year's waterfall rows (see :func:`_risk_steps`)."""
    rows: list[dict[str, Any]] = []

    def add(order: int, stage: str, label: str, who: str, amount: int, remaining: int) -> None:
        rows.append({"year": row.year, "arrangement": row.arrangement_id, "order": order, "stage": stage,
                     "label": label, "who": who, "amount": amount, "remaining": remaining})

    own, left = own_lines_settled(row, 0)
    if own:
        add(0, "start", "Variance", "", int(row.shared_variance[0]), 0)
        for order, step in enumerate(own, start=1):
            _split_rows(row, names, add, order, step, left)
        if left > 0:
            _shared_overspend_steps(row, names, add, len(own))
        elif left < 0:
            _shared_underspend_steps(row, names, add, len(own))
        return rows
    # The waterfall deals with the shared result: own contribution cuts and ring-fenced sources are settled apart.
    variance = int(row.shared_variance[0])
    if variance > 0:
        _overspend_steps(row, names, add)
    elif variance < 0:
        _underspend_steps(row, names, add)
    return rows


_Add = Callable[[int, str, str, str, int, int], None]


def _split_rows(row: ArrangementYear, names: dict[str, str], add: _Add, order: int, step: Step, remaining: int) -> None:
    """A layer's or rule's row for each partner it placed money on (one empty row if none)."""
    taken = step.taken[0].tolist()
    label = step_label(step, names)
    if not any(taken):
        add(order, "step", label, "", 0, remaining)
    for partner, amount in zip(row.partners, taken, strict=True):
        if amount:
            add(order, "step", label, names[partner], int(amount), remaining)


def _overspend_steps(row: ArrangementYear, names: dict[str, str], add: _Add) -> None:
    """The overspend (before the risk pool, if it used any), each layer, and what is unfunded."""
    assert row.overspend is not None  # only funded arrangement-years are listed
    variance, used = int(row.shared_variance[0]), int(row.risk_pool_used[0])
    order = 0
    if used:
        add(order, "start", "Scheme overspends", "", variance + used, 0)
        order += 1
        add(order, "step", "Risk pool", "Risk pool (contingency and brought forward)", used, variance)
    else:
        add(order, "start", "Overspend to share", "", variance, 0)
    _shared_overspend_steps(row, names, add, order)


def _shared_overspend_steps(row: ArrangementYear, names: dict[str, str], add: _Add, order: int) -> None:
    """Each layer that shares what is left (not the own lines), then what is unfunded."""
    assert row.overspend is not None  # only funded arrangement-years are listed
    for step in row.overspend.steps:
        if isinstance(step.rule, AttributableLayer):
            continue
        order += 1
        _split_rows(row, names, add, order, step, int(step.available[0]) - int(step.taken[0].sum()))
    add(order + 1, "end", "Unfunded", "Unfunded (for the board)", int(row.unfunded[0]), 0)


def _underspend_steps(row: ArrangementYear, names: dict[str, str], add: _Add) -> None:
    """The underspend, then each rule: carried forward, reinvested or returned."""
    assert row.underspend is not None  # only funded arrangement-years are listed
    add(0, "start", "Underspend", "", -int(row.shared_variance[0]), 0)
    _shared_underspend_steps(row, names, add, 0)


def _shared_underspend_steps(row: ArrangementYear, names: dict[str, str], add: _Add, first: int) -> None:
    """Each underspend rule that deals with what is left (not the own lines): carried, reinvested or returned."""
    assert row.underspend is not None  # only funded arrangement-years are listed
    shared = [s for s in row.underspend.steps if not isinstance(s.rule, AttributableRule)]
    for order, step in enumerate(shared, start=first + 1):
        remaining = int(step.available[0]) - int(step.target[0])
        if step.carried is not None:
            add(order, "step", step_label(step, names), "Carried forward", int(step.carried[0]), remaining)
        elif step.reinvested is not None:
            add(order, "step", step_label(step, names), "Reinvested", int(step.reinvested[0]), remaining)
        else:
            _split_rows(row, names, add, order, step, remaining)


# --- Checks -----------------------------------------------------------------------------

#: ``where`` names the arrangement (or "National conditions"); ``arrangement`` is its id ("" for the conditions).
CHECK_COLUMNS = ["check", "where", "year", "figure", "should_be", "passed", "words", "arrangement"]
ALL_YEARS = "all years"
#: The ``where`` of the pack's checks (:func:`pooledfund.reports.conditions.national_conditions`).
NATIONAL_CONDITIONS = "National conditions"


def reconciliation_checks(result: RunResult, agreement: Agreement) -> pd.DataFrame:
    """Does every total agree with every other? One row per check, arrangement and year.

    * the books balance: partners' net cost = spend + reinvested - brought
      forward + carried forward - unfunded (the engine's conservation identity);
    * the variance is dealt with in full: shares + unfunded = overspend, or
      returns + carried + reinvested = underspend;
    * schemes add up to the arrangement's spend;
    * a balanced pool's contributions as agreed equal its scheme budgets plus
      contingency (fails when budgets are edited in the dashboard).
    """
    arrangements = {a.id: a for a in agreement.arrangements}
    rows: list[dict[str, Any]] = []
    for row in result.arrangement_years:
        where = row.name
        rows += [{**check, "arrangement": row.arrangement_id} for check in _row_checks(row, where)]
        arrangement = arrangements[row.arrangement_id]
        if isinstance(arrangement, FundedArrangement) and arrangement.balanced:
            paid = sum(c.total for c in arrangement.all_contributions(agreement.years) if c.year == row.year)
            budgets = sum(s.budget.get(row.year, 0) for s in arrangement.schemes)
            needed = budgets + arrangement.contingency.get(row.year, 0)
            rows.append({**_check(
                "Pool balances as agreed", where, row.year, paid, needed,
                "contributions as agreed = scheme budgets + contingency"
                + ("" if paid == needed else f"; {format_gbp(abs(paid - needed))} too "
                   f"{'much' if paid > needed else 'little'} (budgets edited?)"),
            ), "arrangement": row.arrangement_id})
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def _check(name: str, where: str, year: str, figure: int, should_be: int, words: str) -> dict[str, Any]:
    return {"check": name, "where": where, "year": year, "figure": format_gbp(figure, brackets=True),
            "should_be": format_gbp(should_be, brackets=True), "passed": figure == should_be, "words": words}


def _row_checks(row: ArrangementYear, where: str) -> list[dict[str, Any]]:
    net = int(row.net_cost[0].sum())
    spend = int(row.spend[0])
    reinvested, bf = int(row.reinvested[0].sum()), int(row.brought_forward[0])
    cf, unfunded = int(row.carry_forward[0]), int(row.unfunded[0])
    checks = [
        _check("Books balance", where, row.year, net, spend + reinvested - bf + cf - unfunded,
               "partners' net cost = spend + reinvested - brought forward + carried forward - unfunded"),
        _check("Schemes add up", where, row.year, int(row.scheme_spend[0].sum()), spend,
               "the schemes' spend adds up to the arrangement's spend"),
    ]
    if row.overspend is None or row.underspend is None:  # an aligned budget: each partner keeps its own variance
        return checks
    # What the waterfall and the underspend rules dealt with: the variance less each partner's own
    # contribution cut and the ring-fenced sources, which are settled apart before them.
    variance = int(row.shared_variance[0])
    shares, returns = int(row.overspend.shares[0].sum()), int(row.underspend.returns[0].sum())
    cf = int(row.underspend.carried_forward[0])
    if own_lines_settled(row, 0)[0]:
        settled = shares + unfunded - returns - cf - reinvested
        checks.append(_check("Variance settled in full", where, row.year, settled, variance,
                             "own lines and shares + unfunded - returned - carried forward - reinvested = variance"))
    elif variance >= 0:
        checks.append(_check("Overspend shared in full", where, row.year, shares + unfunded, variance,
                             "partners' overspend shares + unfunded = overspend"))
    else:
        checks.append(_check("Underspend dealt with in full", where, row.year, returns + cf + reinvested, -variance,
                             "returned + carried forward + reinvested = underspend"))
    return checks


def conditions_frame(conditions: list[ConditionCheck]) -> pd.DataFrame:
    """National condition checks (:mod:`pooledfund.reports.conditions`) in the checks table's columns.

    A check that covers every year has the year ``all years``.
    """
    rows = []
    for c in conditions:
        figure, threshold = ((format_gbp(c.figure, brackets=True), format_gbp(c.threshold, brackets=True))
                             if c.unit == "pence" else (f"{c.figure:,}", f"{c.threshold:,}"))
        rows.append({
            "check": c.name, "where": NATIONAL_CONDITIONS, "year": c.year or ALL_YEARS,
            "figure": figure, "should_be": f"{c.comparison} {threshold}", "passed": bool(c.passed), "words": c.words,
            "arrangement": "",
        })
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)

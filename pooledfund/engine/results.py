"""Results of a run: arrays per arrangement and year, and the JSON contract.

Every money array is integer pence with a leading *paths* axis. The JSON
contract (read by other tools; extend, never rename) reports path 0, the
deterministic run, in pounds with two decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pooledfund.core.money import IntArray, format_gbp, pounds_float
from pooledfund.core.years import month_label, year_start
from pooledfund.engine.funding import FundingSplit
from pooledfund.engine.riskshare import OverspendOutcome, UnderspendOutcome
from pooledfund.model.records import CAPITAL_SOURCES, Trigger


def month_code(year: str, month: int) -> str:
    """A month of a financial year (0 = April) as files write it: "2025-08"."""
    calendar_year = year_start(year) + (1 if month >= 9 else 0)
    return f"{calendar_year}-{(month + 3) % 12 + 1:02d}"


@dataclass
class TriggerStatus:
    """One trigger in one arrangement-year: its threshold, whether the forecast is past it, and since when.

    A trigger moves no money: it only says that the agreement's action is due.

    Attributes:
        trigger: the agreement's trigger (threshold, direction, action).
        index: its place in the arrangement's list of triggers (0 first).
        threshold: the threshold this year, in pence.
        crossed: ``(paths,)`` whether the year's forecast variance is past the threshold.
        month_forecasts: ``(paths, months)`` the forecast variance as it stood at the end of each
            month with actuals, April first: actual spend to that month plus the projection of the
            rest of the year, less the money in. No columns when the scenario has no actuals that year.
        first_month: ``(paths,)`` the month (0 = April) at whose end the forecast first passed the
            threshold; -1 if it never did, or if there are no actuals to date it.
    """

    trigger: Trigger
    index: int
    threshold: int
    crossed: np.ndarray
    month_forecasts: IntArray
    first_month: IntArray

    def past(self, variance: IntArray) -> np.ndarray:
        """Whether a variance (positive: overspend) is past this trigger's threshold in its direction."""
        signed = variance if self.trigger.direction == "overspend" else -variance
        return signed > self.threshold

    def threshold_words(self, partner_names: dict[str, str], figure_format: str = "{words} ({amount})") -> str:
        """The trigger's words, with this year's threshold in pounds when the words do not already say it.

        "a forecast overspend above 2% of the pool (£773,600.00)", but "a
        forecast overspend above £50,000.00" alone: a pound threshold is its own figure.
        """
        words, amount = self.trigger.words(partner_names), format_gbp(self.threshold)
        return words if amount in words else figure_format.format(words=words, amount=amount)

    def first_month_label(self, year: str, path: int = 0) -> str | None:
        """The month the forecast first passed the threshold ("Aug 2025"), or None."""
        month = int(self.first_month[path])
        return month_label(year, month) if month >= 0 else None


@dataclass(frozen=True)
class SourceFigures:
    """One funding source in one arrangement-year, in pence (one path).

    Attributes:
        source: the funding source's key (``dfg``).
        capital: whether it is capital money (the DFG) rather than revenue.
        ring_fenced: whether its variance is settled within the source.
        money_in: the partners' contributions from it, after the scenario's changes.
        budget: its schemes' budgets.
        spend: its schemes' spend.
    """

    source: str
    capital: bool
    ring_fenced: bool
    money_in: int
    budget: int
    spend: int


@dataclass
class ArrangementYear:
    """One arrangement in one year, every figure in pence per path.

    ``budget`` is the money the arrangement has for the year: contributions
    plus anything brought forward (for an aligned budget, the schemes'
    budgets). ``variance`` is spend minus budget: positive is an overspend.
    """

    arrangement_id: str
    name: str
    kind: str
    year: str
    host: str | None
    partners: list[str]
    scheme_ids: list[str]
    scheme_budget: IntArray  # (schemes,)
    scheme_spend: IntArray  # (paths, schemes)
    contingency: int
    cash: IntArray  # (partners,)
    in_kind: IntArray  # (partners,)
    budget: IntArray  # (paths,)
    spend: IntArray  # (paths,)
    brought_forward: IntArray  # (paths,)
    carry_forward: IntArray  # (paths,)
    unfunded: IntArray  # (paths,)
    reinvested: IntArray  # (paths, schemes)
    overspend_shares: IntArray  # (paths, partners)
    underspend_returns: IntArray  # (paths, partners)
    cash_by_source: dict[str, IntArray] = field(default_factory=dict)  # source -> (partners,)
    scheme_sources: list[str] = field(default_factory=list)  # each scheme's funding source, in scheme order
    overspend: OverspendOutcome | None = None
    underspend: UnderspendOutcome | None = None
    funding: FundingSplit | None = None  # own contribution cuts and ring-fenced sources, settled before the waterfall
    cash_in: IntArray | None = None  # (12,) pool receipts by month
    cash_out: IntArray | None = None  # (paths, 12) pool payments by month
    settlement: IntArray | None = None  # (paths,) year-end settlement in March
    triggers: list[TriggerStatus] = field(default_factory=list)  # the arrangement's triggers this year

    @property
    def variance(self) -> IntArray:
        """Spend minus budget, per path: positive is an overspend."""
        return self.spend - self.budget

    @property
    def contributions(self) -> IntArray:
        """Each partner's contribution, cash plus in kind, ``(partners,)``."""
        return self.cash + self.in_kind

    @property
    def scheme_variance(self) -> IntArray:
        """Each scheme's spend less its budget, per path: positive is an overspend, ``(paths, schemes)``."""
        return self.scheme_spend - self.scheme_budget[None, :]

    def by_source(self, path: int = 0) -> list[SourceFigures]:
        """Money in, budget and spend by funding source (in the order first met: contributions, then schemes)."""
        fenced = {f.source for f in self.funding.ring_fenced} if self.funding is not None else set()
        budgets: dict[str, list[int]] = {key: [int(money.sum()), 0, 0] for key, money in self.cash_by_source.items()}
        for index, source in enumerate(self.scheme_sources):
            figures = budgets.setdefault(source, [0, 0, 0])
            figures[1] += int(self.scheme_budget[index])
            figures[2] += int(self.scheme_spend[path, index])
        return [SourceFigures(key, key in CAPITAL_SOURCES, key in fenced, *figures) for key, figures in budgets.items()]

    @property
    def shared_variance(self) -> IntArray:
        """What the waterfall or the underspend rules dealt with, per path: positive is an overspend.

        The variance less what was settled apart before them: each partner's
        own contribution cut (unless the agreement shares cuts) and every
        ring-fenced source's result (unless it sends its overspend to the waterfall).
        """
        if self.funding is None:
            return self.variance
        return self.funding.shared_variance

    @property
    def risk_pool(self) -> IntArray:
        """The contingency and what the shared pool brought forward, per path: money held back from the schemes.

        Ring-fenced money brought forward stays in its source, so it is no risk pool.
        """
        if self.funding is None:
            return self.contingency + self.brought_forward
        return self.contingency + self.funding.shared_brought_forward

    @property
    def risk_pool_used(self) -> IntArray:
        """How much of the risk pool the schemes' overspends used before anything was shared, per path.

        The schemes overspend by the shared result plus the risk pool; the
        pool meets that first, up to all of it. Only an overspend leaves it used up.
        """
        return np.clip(self.shared_variance + self.risk_pool, 0, self.risk_pool)

    @property
    def net_cost(self) -> IntArray:
        """Each partner's net cost: cash + in kind + overspend share - underspend returned."""
        return self.contributions[None, :] + self.overspend_shares - self.underspend_returns

    @property
    def cash_position(self) -> IntArray | None:
        """The host's month-end balance on the arrangement's account, ``(paths, 12)``."""
        if self.cash_in is None or self.cash_out is None or self.settlement is None:
            return None
        flows = self.cash_in[None, :] - self.cash_out
        flows[:, 11] += self.settlement
        return self.brought_forward[:, None] + np.cumsum(flows, axis=1)


@dataclass
class RunResult:
    """Everything one run produced."""

    agreement_id: str
    agreement_title: str
    scenario_id: str
    scenario_name: str
    years: list[str]
    partners: list[str]
    partner_names: dict[str, str]
    paths: int
    arrangement_years: list[ArrangementYear]
    monthly_spend: dict[str, IntArray]  # arrangement -> (paths, years, schemes, 12)
    monthly_budget: dict[str, IntArray]  # arrangement -> (years, schemes, 12)
    agreed_values: dict[str, list[Any]] = field(default_factory=dict)
    months: bool = True  # False: a year-end run (run(..., months=False)): no monthly spend, cash flow or triggers

    def for_year(self, year: str) -> list[ArrangementYear]:
        """The arrangements' results for one year, in agreement order."""
        return [a for a in self.arrangement_years if a.year == year]

    def partner_totals(self, year: str) -> dict[str, IntArray]:
        """Each partner's totals across arrangements for a year, ``(paths, partners)`` each."""
        rows = self.for_year(year)
        paths, n = self.paths, len(self.partners)
        totals = {key: np.zeros((paths, n), dtype=np.int64) for key in
                  ("cash_contribution", "in_kind", "overspend_share", "underspend_return", "net_cost")}
        for row in rows:
            totals["cash_contribution"] += row.cash[None, :]
            totals["in_kind"] += row.in_kind[None, :]
            totals["overspend_share"] += row.overspend_shares
            totals["underspend_return"] += row.underspend_returns
            totals["net_cost"] += row.net_cost
        return totals

    def to_json(self, path: int = 0) -> dict[str, Any]:
        """The JSON contract for one path (0: the deterministic run), money in pounds."""
        years = []
        for year in self.years:
            arrangements = []
            for row in self.for_year(year):
                arrangements.append(
                    {
                        "id": row.arrangement_id,
                        "name": row.name,
                        "kind": row.kind,
                        "host": row.host,
                        "budget": pounds_float(row.budget[path]),
                        "spend": pounds_float(row.spend[path]),
                        "variance": pounds_float(row.variance[path]),
                        "brought_forward": pounds_float(row.brought_forward[path]),
                        "carry_forward": pounds_float(row.carry_forward[path]),
                        "unfunded": pounds_float(row.unfunded[path]),
                        "reinvested": pounds_float(row.reinvested[path].sum()),
                        "contingency": pounds_float(row.contingency),
                        "overspend_shares": {
                            p: pounds_float(v)
                            for p, v in zip(row.partners, row.overspend_shares[path], strict=True)
                            if v
                        },
                        "underspend_returns": {
                            p: pounds_float(v)
                            for p, v in zip(row.partners, row.underspend_returns[path], strict=True)
                            if v
                        },
                        **_funding_json(row, path),
                        "schemes": [
                            {
                                "id": sid,
                                "budget": pounds_float(row.scheme_budget[i]),
                                "spend": pounds_float(row.scheme_spend[path, i]),
                                "variance": pounds_float(row.scheme_spend[path, i] - row.scheme_budget[i]),
                            }
                            for i, sid in enumerate(row.scheme_ids)
                        ],
                        **({"triggers": [_trigger_json(row.year, t, path) for t in row.triggers]}
                           if row.triggers else {}),
                    }
                )
            totals = self.partner_totals(year)
            partners = [
                {
                    "id": pid,
                    "name": self.partner_names[pid],
                    **{key: pounds_float(values[path, i]) for key, values in totals.items()},
                }
                for i, pid in enumerate(self.partners)
            ]
            years.append({"year": year, "arrangements": arrangements, "partners": partners})
        return {
            "agreement": self.agreement_id,
            "agreement_title": self.agreement_title,
            "scenario": self.scenario_id,
            "scenario_name": self.scenario_name,
            "years": years,
        }


def _trigger_json(year: str, status: TriggerStatus, path: int) -> dict[str, Any]:
    """A trigger in the JSON contract: threshold in pounds, whether crossed, and the first month if dated.

    The first month is given only for a trigger crossed at the year's forecast: a forecast that was past
    the threshold in April but is not now has not crossed it, and a month beside ``crossed: false`` would
    contradict it.
    """
    first = int(status.first_month[path]) if bool(status.crossed[path]) else -1
    return {
        "direction": status.trigger.direction,
        "threshold": pounds_float(status.threshold),
        "action": status.trigger.action,
        "crossed": bool(status.crossed[path]),
        "first_crossed_month": month_code(year, first) if first >= 0 else None,
    }
def _money_map(partners: list[str], amounts: IntArray) -> dict[str, float]:
    """Partner -> pounds, for the partners with a figure."""
    return {p: pounds_float(v) for p, v in zip(partners, amounts, strict=True) if v}


def _funding_json(row: ArrangementYear, path: int) -> dict[str, Any]:
    """The contract's fields for funding sources, contribution cuts and ring-fenced sources (added, never renamed).

    ``by_source`` is money in, budget, spend and variance by funding source;
    ``revenue`` and ``capital`` total them apart. ``shortfall_rule``,
    ``own_cuts`` (each partner's cut) and ``own_cuts_borne`` (the part it bore
    itself, inside its overspend share) say who bore a contribution cut;
    ``ring_fenced`` each ring-fenced source's own settlement; ``shared_variance``
    what the waterfall or underspend rules dealt with.
    """
    sources = row.by_source(path)
    out: dict[str, Any] = {
        "by_source": [
            {"source": f.source, "capital": f.capital, "ring_fenced": f.ring_fenced,
             "money_in": pounds_float(f.money_in), "budget": pounds_float(f.budget), "spend": pounds_float(f.spend),
             "variance": pounds_float(f.spend - f.budget)}
            for f in sources
        ],
    }
    for kind, capital in (("revenue", False), ("capital", True)):
        chosen = [f for f in sources if f.capital is capital]
        budget, spend = sum(f.budget for f in chosen), sum(f.spend for f in chosen)
        out[kind] = {"budget": pounds_float(budget), "spend": pounds_float(spend),
                     "variance": pounds_float(spend - budget)}
    funding = row.funding
    if funding is None:
        return out
    out["shortfall_rule"] = funding.rule
    out["own_cuts"] = _money_map(row.partners, funding.shortfall)
    out["own_cuts_borne"] = _money_map(row.partners, funding.shortfall_borne)
    out["shared_variance"] = pounds_float(funding.shared_variance[path])
    out["ring_fenced"] = [
        {"source": f.source, "capital": f.capital, "underspend_rule": f.fence.underspend,
         "overspend_rule": f.fence.overspend, "money_in": pounds_float(f.held.sum()),
         "spend": pounds_float(f.spend[path].sum()), "brought_forward": pounds_float(f.brought_forward[path].sum()),
         "carried_forward": _money_map(row.partners, f.carried_forward[path]),
         "returned": _money_map(row.partners, f.returned[path]),
         "overspend_borne": _money_map(row.partners, f.overspend_borne[path]),
         "to_waterfall": pounds_float(f.to_waterfall[path])}
        for f in funding.ring_fenced
    ]
    return out

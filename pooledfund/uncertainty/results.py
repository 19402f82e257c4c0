"""What a Monte Carlo run keeps: the figures of every path, and their summaries.

Only what the statistics, charts and JSON need is kept (per arrangement and
year: variance, carry-forward, unfunded, whether a cap bound; per partner and
year: overspend share, underspend return, net cost; per arrangement: monthly
spend), so 100,000 paths stay small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from pooledfund.core.money import IntArray, pounds_float
from pooledfund.uncertainty.statistics import PERCENTILES, Fan, Summary, fan, mean_pence, probability, summarise

PartnerMeasure = Literal["overspend_share", "underspend_return", "net_cost", "year_end_position"]


class MonthlySource(Protocol):
    """What works out a simulation's monthly spend when it is first asked for (see ``simulate.MonthlySpend``)."""

    def compute(self) -> dict[str, IntArray]:
        """Arrangement -> spend by month on every path, ``(paths, years, 12)`` pence."""


@dataclass(frozen=True)
class ArrangementSummary:
    """One arrangement in one year across paths.

    Attributes:
        probability_of_overspend: share of paths where spend exceeds the budget.
        variance: spend minus budget (positive is an overspend).
        expected_carry_forward: mean underspend carried into next year.
        probability_cap_binds: share of paths where some partner reaches its cap.
        probability_unfunded: share of paths with an overspend no partner can take.
        unfunded: the unfunded remainder.
    """

    arrangement_id: str
    year: str
    probability_of_overspend: float
    variance: Summary
    expected_carry_forward: int
    probability_cap_binds: float
    probability_unfunded: float
    unfunded: Summary


@dataclass(frozen=True)
class PartnerSummary:
    """One partner in one year (all arrangements together) across paths.

    ``year_end_position`` is the overspend share minus the underspend
    returned: what the partner pays in (positive) or gets back (negative)
    at year end beyond its agreed contribution.
    """

    partner_id: str
    year: str
    probability_of_paying_overspend: float
    overspend_share: Summary
    underspend_return: Summary
    net_cost: Summary
    year_end_position: Summary


@dataclass
class ArrangementPaths:
    """One arrangement-year's figures on every path (pence).

    Attributes:
        variance: spend less money in, ``(paths,)``: positive is an overspend.
        carry_forward: the underspend carried into next year, ``(paths,)``.
        unfunded: the overspend no partner takes, ``(paths,)``.
        cap_binds: whether some partner's share reached its cap, ``(paths,)``.
        overspend_shares: each partner's share of this arrangement's
            overspend, ``(paths, partners)`` in the agreement's partner order.
        contributions: each partner's contribution, cash plus in kind, after
            the scenario's changes, ``(partners,)`` (the same on every path).
    """

    variance: IntArray
    carry_forward: IntArray
    unfunded: IntArray
    cap_binds: npt.NDArray[np.bool_]
    overspend_shares: IntArray
    contributions: IntArray


@dataclass
class SimulationResult:
    """Every path's figures from a Monte Carlo run, and their summaries."""

    agreement_id: str
    agreement_title: str
    scenario_id: str
    scenario_name: str
    years: list[str]
    partners: list[str]
    partner_names: dict[str, str]
    arrangements: list[tuple[str, str]]  # (id, name) in agreement order
    paths: int
    seed: int
    driver_ids: list[str]
    driver_values: npt.NDArray[np.float64]  # (paths, drivers) in %
    event_ids: list[str]
    event_happens: npt.NDArray[np.bool_]  # (paths, events)
    arrangement_paths: dict[tuple[str, str], ArrangementPaths]
    partner_paths: dict[str, dict[str, IntArray]]  # year -> measure -> (paths, partners)
    monthly_budget: dict[str, IntArray]  # arrangement -> (years, 12)
    driver_clipped: list[int] = field(default_factory=list)  # draws held at a bound of the driver's range
    driver_ranges: list[tuple[float, float]] = field(default_factory=list)  # the range each driver is held to
    monthly_source: MonthlySource | None = field(default=None, repr=False)  # works out monthly_spend when asked
    _monthly_spend: dict[str, IntArray] | None = field(default=None, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the monthly spend itself, not what works it out (the agreement holds its file's line look-up)."""
        state = dict(self.__dict__)
        state["_monthly_spend"] = self.monthly_spend
        state["monthly_source"] = None
        return state

    @property
    def monthly_spend(self) -> dict[str, IntArray]:
        """Arrangement -> spend by month on every path, ``(paths, years, 12)`` pence (worked out on first use)."""
        if self._monthly_spend is None:
            self._monthly_spend = self.monthly_source.compute() if self.monthly_source is not None else {}
        return self._monthly_spend

    def clipping_notes(self) -> list[str]:
        """One sentence per driver some of whose draws fell outside the range a scenario allows for it.

        Such draws are held at the bound (see docs/uncertainty.md), so a
        reader knows the distribution was cut there on that many paths.
        """
        notes = []
        for index, count in enumerate(self.driver_clipped):
            if count:
                low, high = self.driver_ranges[index]
                notes.append(f"{count:,} of {self.paths:,} draws of {self.driver_ids[index]} fell outside "
                             f"{low:g}% to {high:g}%, the range a scenario allows, and were held at {low:g}% "
                             f"or {high:g}%.")
        return notes

    def arrangement_summary(self, arrangement_id: str, year: str) -> ArrangementSummary:
        """The summary of one arrangement in one year."""
        figures = self.arrangement_paths[(arrangement_id, year)]
        return ArrangementSummary(
            arrangement_id=arrangement_id,
            year=year,
            probability_of_overspend=probability(figures.variance > 0),
            variance=summarise(figures.variance),
            expected_carry_forward=mean_pence(figures.carry_forward),
            probability_cap_binds=probability(figures.cap_binds),
            probability_unfunded=probability(figures.unfunded > 0),
            unfunded=summarise(figures.unfunded),
        )

    def partner_values(self, partner_id: str, year: str, measure: PartnerMeasure = "net_cost") -> IntArray:
        """One partner's figure for a year on every path, ``(paths,)`` pence."""
        column = self.partners.index(partner_id)
        table = self.partner_paths[year]
        if measure == "year_end_position":
            return table["overspend_share"][:, column] - table["underspend_return"][:, column]
        return table[measure][:, column]

    def partner_summary(self, partner_id: str, year: str) -> PartnerSummary:
        """The summary of one partner in one year."""
        return PartnerSummary(
            partner_id=partner_id,
            year=year,
            probability_of_paying_overspend=probability(self.partner_values(partner_id, year, "overspend_share") > 0),
            overspend_share=summarise(self.partner_values(partner_id, year, "overspend_share")),
            underspend_return=summarise(self.partner_values(partner_id, year, "underspend_return")),
            net_cost=summarise(self.partner_values(partner_id, year, "net_cost")),
            year_end_position=summarise(self.partner_values(partner_id, year, "year_end_position")),
        )

    def arrangement_partners(self, arrangement_id: str) -> list[str]:
        """The partners taking part in an arrangement: contributing to it, or sharing its overspend, in some year."""
        taking_part = np.zeros(len(self.partners), dtype=bool)
        for year in self.years:
            figures = self.arrangement_paths[(arrangement_id, year)]
            taking_part |= (figures.contributions != 0) | (figures.overspend_shares != 0).any(axis=0)
        return [p for p, part in zip(self.partners, taking_part, strict=True) if part]

    def share_values(self, arrangement_id: str, partner_id: str, year: str) -> IntArray:
        """One partner's share of one arrangement's overspend in a year, on every path, ``(paths,)`` pence."""
        return self.arrangement_paths[(arrangement_id, year)].overspend_shares[:, self.partners.index(partner_id)]

    def variance_fan(self, arrangement_id: str) -> Fan:
        """An arrangement's year-end variance year by year (P10 to P90), against a plan of £0 (on budget)."""
        values = np.stack([self.arrangement_paths[(arrangement_id, y)].variance for y in self.years], axis=1)
        return fan(self.years, values, [0] * len(self.years))

    def planned_net_cost(self, partner_id: str, year: str) -> int:
        """A partner's net cost if every arrangement spends exactly its money in: its contributions, all together."""
        column = self.partners.index(partner_id)
        return sum(int(self.arrangement_paths[(a, year)].contributions[column]) for a, _ in self.arrangements)

    def net_cost_fan(self, partner_id: str) -> Fan:
        """A partner's net cost year by year (P10 to P90), against its planned net cost (its contributions)."""
        values = np.stack([self.partner_values(partner_id, y, "net_cost") for y in self.years], axis=1)
        return fan(self.years, values, [self.planned_net_cost(partner_id, y) for y in self.years])

    def cumulative_spend(self, arrangement_id: str) -> IntArray:
        """Spend to the end of each month from the start of the agreement, ``(paths, years x 12)``."""
        monthly = self.monthly_spend[arrangement_id]
        return np.cumsum(monthly.reshape(monthly.shape[0], -1), axis=1)

    def cumulative_budget(self, arrangement_id: str) -> IntArray:
        """The schemes' phased budgets to the end of each month, ``(years x 12,)``."""
        return np.cumsum(self.monthly_budget[arrangement_id].reshape(-1))

    def to_json(self) -> dict[str, Any]:
        """Summaries for every arrangement and partner, money in pounds (see docs/uncertainty.md)."""
        years = []
        for year in self.years:
            arrangements = []
            for arrangement_id, name in self.arrangements:
                summary = self.arrangement_summary(arrangement_id, year)
                arrangements.append({
                    "id": arrangement_id,
                    "name": name,
                    "probability_of_overspend": round(summary.probability_of_overspend, 4),
                    "variance": summary.variance.to_json(),
                    "expected_carry_forward": pounds_float(summary.expected_carry_forward),
                    "probability_cap_binds": round(summary.probability_cap_binds, 4),
                    "probability_unfunded": round(summary.probability_unfunded, 4),
                    "unfunded": summary.unfunded.to_json(),
                })
            partners = []
            for partner_id in self.partners:
                summary_p = self.partner_summary(partner_id, year)
                partners.append({
                    "id": partner_id,
                    "name": self.partner_names[partner_id],
                    "probability_of_paying_overspend": round(summary_p.probability_of_paying_overspend, 4),
                    "overspend_share": summary_p.overspend_share.to_json(),
                    "underspend_return": summary_p.underspend_return.to_json(),
                    "net_cost": summary_p.net_cost.to_json(),
                    "year_end_position": summary_p.year_end_position.to_json(),
                })
            years.append({"year": year, "arrangements": arrangements, "partners": partners})
        return {
            "agreement": self.agreement_id,
            "agreement_title": self.agreement_title,
            "scenario": self.scenario_id,
            "scenario_name": self.scenario_name,
            "paths": self.paths,
            "seed": self.seed,
            "percentiles": list(PERCENTILES),
            "drivers": self.driver_ids,
            **({"clipped_draws": dict(zip(self.driver_ids, self.driver_clipped, strict=True))}
               if any(self.driver_clipped) else {}),
            "events": [
                {"id": e, "probability_happened": round(probability(self.event_happens[:, i]), 4)}
                for i, e in enumerate(self.event_ids)
            ],
            "years": years,
        }

"""Summaries of many paths: percentiles, means and probabilities, in whole pence.

Definitions (the same everywhere: CLI, JSON, dashboard):

* **Pn** (P10, P50, P90): the value below which n% of paths fall, by linear
  interpolation between the two nearest paths (numpy's default "linear"
  method), rounded half up to the penny. P50 is the median.
* **mean**: the sum over paths divided by the number of paths, rounded half
  up to the penny (exact integer arithmetic).
* **probability**: the share of paths on which something happens (0 to 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pooledfund.core.money import IntArray, pounds_array_to_pence, pounds_float

PERCENTILES = (10, 50, 90)
#: The fan charts' percentiles: the outer band P10-P90, the inner band P25-P75 and the median.
FAN_PERCENTILES = (10, 25, 50, 75, 90)


@dataclass(frozen=True)
class Summary:
    """P10, P50, P90 and mean of a money figure across paths, in pence."""

    p10: int
    p50: int
    p90: int
    mean: int

    def to_json(self) -> dict[str, float]:
        """Pounds with two decimals, for the JSON output."""
        return {"p10": pounds_float(self.p10), "p50": pounds_float(self.p50),
                "p90": pounds_float(self.p90), "mean": pounds_float(self.mean)}


def mean_pence(values: IntArray) -> int:
    """The mean of integer pence, rounded half up (away from zero) to the penny."""
    total = int(values.sum(dtype=np.int64))
    count = int(values.shape[0])
    magnitude = (2 * abs(total) + count) // (2 * count)
    return magnitude if total >= 0 else -magnitude


def summarise(values: IntArray) -> Summary:
    """The :class:`Summary` of one figure's value on every path."""
    p10, p50, p90 = pounds_array_to_pence(np.percentile(values, PERCENTILES) / 100)
    return Summary(int(p10), int(p50), int(p90), mean_pence(values))


def probability(flags: npt.NDArray[np.bool_]) -> float:
    """The share of paths where ``flags`` is true."""
    return float(np.count_nonzero(flags)) / flags.shape[0]


def percentile_bands(values: IntArray, percentiles: tuple[int, ...] = PERCENTILES) -> IntArray:
    """Percentiles of each column of ``(paths, points)`` values, ``(len(percentiles), points)`` pence."""
    return pounds_array_to_pence(np.percentile(values, percentiles, axis=0) / 100)


@dataclass(frozen=True)
class Fan:
    """A figure's spread year by year, for a fan chart: P10, P25, P50, P75 and P90 of each year, in pence.

    Attributes:
        years: the years, in order ("2025-26", ...).
        p10, p25, p50, p75, p90: one value per year, the percentile of that
            year's figure across paths (the rule in this module's docstring).
        plan: one value per year: what the figure is if everything goes to
            plan (a variance of £0; a partner's contribution as agreed).
    """

    years: tuple[str, ...]
    p10: tuple[int, ...]
    p25: tuple[int, ...]
    p50: tuple[int, ...]
    p75: tuple[int, ...]
    p90: tuple[int, ...]
    plan: tuple[int, ...]


def fan(years: list[str], values: IntArray, plan: list[int]) -> Fan:
    """The :class:`Fan` of ``(paths, years)`` values: each year's P10, P25, P50, P75 and P90."""
    p10, p25, p50, p75, p90 = (tuple(int(v) for v in row) for row in percentile_bands(values, FAN_PERCENTILES))
    return Fan(tuple(years), p10, p25, p50, p75, p90, tuple(int(v) for v in plan))

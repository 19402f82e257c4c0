"""Random draws: each distribution against its closed form, the copula, and the seed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from pooledfund.uncertainty import spec_from_simple
from pooledfund.uncertainty.sampling import draw, mixing_matrix, percentile_value, quantile

Z90 = 1.2815515655446004  # the standard normal's 90th percentile


def one(distribution: dict) -> object:
    return spec_from_simple(drivers=[{"id": "d", "type": "efficiency", "distribution": distribution}]).drivers[0]


def test_normal_percentiles_are_mean_plus_z_sd() -> None:
    driver = one({"kind": "normal", "mean": 6, "sd": 1.5})
    # P10 = 6 - 1.28155 x 1.5 = 4.07767; P90 = 7.92233
    assert percentile_value(driver.distribution, 10) == pytest.approx(6 - Z90 * 1.5, abs=1e-9)
    assert percentile_value(driver.distribution, 50) == pytest.approx(6.0, abs=1e-12)
    assert percentile_value(driver.distribution, 90) == pytest.approx(6 + Z90 * 1.5, abs=1e-9)


def test_uniform_triangular_and_pert_against_scipy() -> None:
    u = np.linspace(0.01, 0.99, 99)
    z = stats.norm.ppf(u)
    uniform = one({"kind": "uniform", "min": 2, "max": 5}).distribution
    np.testing.assert_allclose(quantile(uniform, z), 2 + 3 * u, atol=1e-12)
    triangular = one({"kind": "triangular", "min": -5, "mode": 2, "max": 15}).distribution
    np.testing.assert_allclose(quantile(triangular, z), stats.triang.ppf(u, c=7 / 20, loc=-5, scale=20), atol=1e-9)
    pert = one({"kind": "pert", "min": 0, "mode": 1, "max": 3}).distribution
    # PERT(0, 1, 3), shape 4: Beta(1 + 4 x 1/3, 1 + 4 x 2/3) on [0, 3]; mean (0 + 4 + 3) / 6 = 7/6
    np.testing.assert_allclose(quantile(pert, z), 3 * stats.beta.ppf(u, 1 + 4 / 3, 1 + 8 / 3), atol=1e-9)
    assert float(stats.beta.mean(1 + 4 / 3, 1 + 8 / 3)) * 3 == pytest.approx(7 / 6)


def test_lognormal_has_the_mean_and_sd_given() -> None:
    driver = one({"kind": "lognormal", "mean": 2, "sd": 1})
    spec = spec_from_simple(
        drivers=[{"id": "d", "type": "efficiency", "distribution": driver.distribution.model_dump()}])
    values = draw(spec, 200_000, 7).drivers[:, 0]
    assert values.mean() == pytest.approx(2.0, abs=0.02)
    assert values.std() == pytest.approx(1.0, abs=0.02)
    assert values.min() > 0


@pytest.mark.parametrize("distribution", [
    {"kind": "normal", "mean": 4.25, "sd": 0},
    {"kind": "lognormal", "mean": 4.25, "sd": 0},
    {"kind": "uniform", "min": 4.25, "max": 4.25},
    {"kind": "triangular", "min": 4.25, "mode": 4.25, "max": 4.25},
    {"kind": "pert", "min": 4.25, "mode": 4.25, "max": 4.25},
])
def test_no_spread_gives_exactly_the_value(distribution: dict) -> None:
    values = quantile(one(distribution).distribution, np.array([-3.0, 0.0, 2.5]))
    assert values.tolist() == [4.25, 4.25, 4.25]


def test_percentile_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 100"):
        percentile_value(one({"kind": "normal", "mean": 1, "sd": 1}).distribution, 100)


CORRELATED = spec_from_simple(
    drivers=[
        {"id": "fees", "type": "inflation", "key": "care_fees", "distribution": {"kind": "normal", "mean": 6, "sd": 2}},
        {"id": "pay", "type": "inflation", "key": "pay",
         "distribution": {"kind": "pert", "min": 2, "mode": 4, "max": 9}},
        {"id": "other", "type": "efficiency", "distribution": {"kind": "uniform", "min": 0, "max": 1}},
    ],
    events=[{"id": "e", "scheme": "S1", "probability_pct": 10, "window": {"from": "2025-10", "to": "2026-03"},
             "impact": 100}],
    correlation={"drivers": ["pay", "fees"], "matrix": [[1, 0.6], [0.6, 1]]},
)


def test_correlation_is_recovered_from_the_samples() -> None:
    draws = draw(CORRELATED, 50_000, 3)
    # Rank correlation survives the change of marginal; for a Gaussian copula
    # Spearman's rho = (6/pi) asin(r/2) = 0.5821 at r = 0.6.
    rho = stats.spearmanr(draws.drivers[:, 0], draws.drivers[:, 1]).statistic
    assert rho == pytest.approx(6 / np.pi * np.arcsin(0.3), abs=0.01)
    assert abs(stats.spearmanr(draws.drivers[:, 0], draws.drivers[:, 2]).statistic) < 0.02
    assert draws.event_happens.mean() == pytest.approx(0.10, abs=0.005)
    assert sorted(set(draws.event_month[:, 0].tolist())) == [0, 1, 2, 3, 4, 5]  # any of October to March


def test_a_perfect_correlation_has_no_cholesky_factor_but_still_works() -> None:
    spec = spec_from_simple(
        drivers=[{"id": a, "type": "efficiency", "distribution": {"kind": "normal", "mean": 0, "sd": 1}} for a in "ab"],
        correlation={"drivers": ["a", "b"], "matrix": [[1, 1], [1, 1]]},
    )
    factor = mixing_matrix(spec)
    np.testing.assert_allclose(factor @ factor.T, [[1, 1], [1, 1]], atol=1e-12)
    values = draw(spec, 1000, 1).drivers
    np.testing.assert_allclose(values[:, 0], values[:, 1], atol=1e-9)


def test_the_same_seed_draws_the_same_numbers_and_another_does_not() -> None:
    first, again, other = draw(CORRELATED, 500, 42), draw(CORRELATED, 500, 42), draw(CORRELATED, 500, 43)
    assert np.array_equal(first.drivers, again.drivers)
    assert np.array_equal(first.event_happens, again.event_happens)
    assert not np.array_equal(first.drivers, other.drivers)


def test_at_least_one_path() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        draw(CORRELATED, 0, 1)


@settings(max_examples=40, deadline=None)
@given(low=st.integers(-50, 50), width=st.integers(0, 40), mode_at=st.floats(0, 1), u=st.floats(0.001, 0.999))
def test_bounded_distributions_stay_within_min_and_max(low: int, width: int, mode_at: float, u: float) -> None:
    high = low + width
    mode = round(low + mode_at * width, 2)
    z = np.array([stats.norm.ppf(u)])
    for kind in ("triangular", "pert"):
        value = quantile(one({"kind": kind, "min": low, "mode": mode, "max": high}).distribution, z)[0]
        assert low - 1e-9 <= value <= high + 1e-9

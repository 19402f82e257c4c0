"""Random draws for a Monte Carlo run: driver values and events, per path.

Every driver is drawn through one standard normal per path. Correlated drivers
share a Gaussian copula: independent normals are mixed by a factor of the
correlation matrix, then each driver's normal is turned into its own
distribution by the inverse of that distribution's CDF. A driver outside the
matrix keeps its own independent normal.

When some drivers' scores are fixed beforehand (a driver shared with other
agreements run together, :mod:`pooledfund.uncertainty.rollup`), the others
are drawn *conditionally* on them (:func:`conditional_mixing`): given scores
``z_g`` with correlations ``S_gg``, the other drivers' scores are
``S_og S_gg^-1 z_g + R e`` with ``R R' = S_oo - S_og S_gg^-1 S_go`` and ``e``
independent normals. The fixed scores stay exactly as given, and all the
scores together still have the section's correlation matrix.

Every draw is then held to the range a scenario accepts for its kind of
driver (:data:`DRIVER_RANGES`): a value past a bound is set to the bound, so
the distribution's mass beyond it sits at the bound (a demand driver drawn
from normal(0, 40) falls below -100% on about 0.6% of paths: those paths
lose all of that demand, never more). How many draws were held is counted
per driver and shown by ``simulate``.

All draws for a run are made up front from one generator in a fixed order
(driver normals, then each event's "does it happen" and "which month"
uniforms), so the same seed gives the same paths whatever the chunk size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.special import betaincinv, ndtr, ndtri

from pooledfund.uncertainty.spec import (
    Distribution,
    Event,
    Lognormal,
    Normal,
    Pert,
    Triangular,
    UncertaintySpec,
    Uniform,
    window_months,
)

FloatArray = npt.NDArray[np.float64]

DRIVER_RANGES: dict[str, tuple[float, float]] = {
    # RatePercent in core/types.py: above -100% (a price or a need cannot fall
    # to nothing), at most 1000%; percentages are kept to 4 decimal places.
    "inflation": (-99.9999, 1000.0),
    "demography": (-99.9999, 1000.0),
    # ChangePercent: -100% (all of the demand gone) to 1000%.
    "demand": (-100.0, 1000.0),
    # SavingPercent: above -100%, at most 100% of spend saved.
    "efficiency": (-99.9999, 100.0),
}
"""The lowest and highest % a scenario accepts for each type of driver; draws are held inside."""


@dataclass(frozen=True)
class Draws:
    """The random numbers of a whole run.

    Attributes:
        drivers: each uncertain driver's value per path, ``(paths, drivers)``, in %.
        event_happens: whether each event happens on each path, ``(paths, events)``.
        event_month: the position within its window of the month each event falls in, ``(paths, events)``.
        clipped: how many of each driver's draws were outside :data:`DRIVER_RANGES`
            and held at the bound, ``(drivers,)`` (over the whole run, not a chunk).
    """

    drivers: FloatArray
    event_happens: npt.NDArray[np.bool_]
    event_month: npt.NDArray[np.int64]
    clipped: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def paths(self) -> int:
        """The number of paths drawn."""
        return int(self.drivers.shape[0])

    def chunk(self, start: int, stop: int) -> Draws:
        """Paths ``start`` to ``stop - 1``."""
        return Draws(self.drivers[start:stop], self.event_happens[start:stop], self.event_month[start:stop],
                     self.clipped)


def quantile(distribution: Distribution, z: FloatArray) -> FloatArray:
    """Values of ``distribution`` at standard-normal scores ``z`` (its inverse CDF at ``Phi(z)``).

    A distribution with no spread (sd 0, or min = max) gives exactly its
    value on every path, so such a run reproduces the deterministic one.
    """
    z = np.asarray(z, dtype=np.float64)
    if isinstance(distribution, Normal):
        return float(distribution.mean) + float(distribution.sd) * z
    if isinstance(distribution, Lognormal):
        mean, sd = float(distribution.mean), float(distribution.sd)
        if sd == 0:
            return np.full_like(z, mean)
        sigma2 = np.log1p((sd / mean) ** 2)
        return np.exp(np.log(mean) - sigma2 / 2 + np.sqrt(sigma2) * z)
    low, high = float(distribution.min), float(distribution.max)
    if low == high:
        return np.full_like(z, low)
    u = ndtr(z)
    if isinstance(distribution, Uniform):
        return low + (high - low) * u
    mode = float(distribution.mode)
    if isinstance(distribution, Triangular):
        cut = (mode - low) / (high - low)
        rising = low + np.sqrt(u * (high - low) * (mode - low))
        falling = high - np.sqrt((1 - u) * (high - low) * (high - mode))
        return np.where(u < cut, rising, falling)
    assert isinstance(distribution, Pert)
    shape = float(distribution.shape)
    alpha = 1 + shape * (mode - low) / (high - low)
    beta = 1 + shape * (high - mode) / (high - low)
    return low + (high - low) * betaincinv(alpha, beta, u)


def percentile_value(distribution: Distribution, pct: float) -> float:
    """The value of ``distribution`` at percentile ``pct`` (0 to 100)."""
    if pct <= 0 or pct >= 100:
        raise ValueError(f"percentile must be strictly between 0 and 100 (got {pct})")
    return float(quantile(distribution, np.array([ndtri(pct / 100)]))[0])


def correlation_matrix(spec: UncertaintySpec) -> FloatArray:
    """The drivers' full correlation matrix, in the section's driver order (drivers outside the block: identity)."""
    n = len(spec.drivers)
    full = np.eye(n)
    if spec.correlation is not None:
        position = {d.id: i for i, d in enumerate(spec.drivers)}
        index = [position[name] for name in spec.correlation.drivers]
        full[np.ix_(index, index)] = np.array(spec.correlation.matrix, dtype=np.float64)
    return full


def square_root(matrix: FloatArray) -> FloatArray:
    """A matrix ``L`` with ``L @ L.T`` equal to ``matrix`` (symmetric, positive semi-definite).

    The Cholesky factor when there is one; a matrix that is only
    semi-definite (e.g. two drivers correlated 1) has none, so the symmetric
    square root from its eigenvalues is used, tiny negative ones (rounding)
    taken as 0.
    """
    if matrix.shape[0] == 0:
        return np.zeros((0, 0))
    try:
        # numpy's stubs type the factor as any float; a float64 matrix gives float64 (no copy is made).
        return np.linalg.cholesky(matrix).astype(np.float64, copy=False)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(matrix)
        return vectors * np.sqrt(np.clip(values, 0, None))[None, :]


def mixing_matrix(spec: UncertaintySpec) -> FloatArray:
    """A matrix ``L`` with ``L @ L.T`` equal to the drivers' full correlation matrix.

    Drivers outside the correlation block are independent (identity). A
    matrix that is only semi-definite (e.g. two drivers correlated 1) has no
    Cholesky factor, so the symmetric square root from its eigenvalues is used.
    """
    return square_root(correlation_matrix(spec))


@dataclass(frozen=True)
class ConditionalMixing:
    """How a section's other drivers are drawn once some drivers' scores are fixed.

    Attributes:
        given: the positions (in the section's driver order) of the drivers whose scores are fixed.
        others: the positions of the rest, drawn here.
        regression: ``(others, given)``: ``S_og S_gg^+``, the part of each other driver's score the
            fixed scores explain (``S`` the correlation matrix, ``^+`` the pseudo-inverse, the inverse
            whenever the fixed drivers are not perfectly correlated among themselves).
        residual: ``(others, others)``: a square root of ``S_oo - regression S_go``, what is left to draw.
    """

    given: list[int]
    others: list[int]
    regression: FloatArray
    residual: FloatArray


def conditional_mixing(spec: UncertaintySpec, given: Sequence[str]) -> ConditionalMixing:
    """The regression and residual factor drawing ``spec``'s drivers not in ``given`` conditionally on those in it.

    With ``z_g`` the fixed scores (correlated as ``S_gg`` says) and ``e``
    independent standard normals, ``z_o = regression z_g + residual e`` has
    ``Cov(z_o, z_g) = S_og`` and ``Cov(z_o) = S_oo``: the section's whole
    correlation matrix holds, and the fixed scores are untouched.
    """
    known = set(given)
    fixed = [i for i, d in enumerate(spec.drivers) if d.id in known]
    others = [i for i, d in enumerate(spec.drivers) if d.id not in known]
    full = correlation_matrix(spec)
    s_gg = full[np.ix_(fixed, fixed)]
    s_og = full[np.ix_(others, fixed)]
    regression = s_og @ np.linalg.pinv(s_gg, hermitian=True) if fixed else np.zeros((len(others), 0))
    left = full[np.ix_(others, others)] - regression @ s_og.T
    return ConditionalMixing(fixed, others, regression, square_root((left + left.T) / 2))


def conditional_scores(spec: UncertaintySpec, given: Mapping[str, FloatArray], normals: FloatArray) -> FloatArray:
    """Every driver's standard-normal score, ``(paths, drivers)``: ``given`` ones as given, the rest conditionally.

    Args:
        spec: the section.
        given: fixed scores by driver id, each ``(paths,)`` (ids the section lacks are ignored).
        normals: independent standard normals for the section's other drivers, ``(paths, others)``
            in the section's order.
    """
    mixing = conditional_mixing(spec, [d.id for d in spec.drivers if d.id in given])
    paths = normals.shape[0]
    scores = np.empty((paths, len(spec.drivers)))
    fixed = (np.column_stack([given[spec.drivers[i].id] for i in mixing.given]) if mixing.given
             else np.empty((paths, 0)))
    scores[:, mixing.given] = fixed
    scores[:, mixing.others] = fixed @ mixing.regression.T + normals @ mixing.residual.T
    return scores


def draw(spec: UncertaintySpec, paths: int, seed: int) -> Draws:
    """Draw every random number of a run of ``paths`` paths from ``seed``."""
    if paths < 1:
        raise ValueError(f"paths must be at least 1 (got {paths})")
    rng = np.random.default_rng(seed)
    normals = rng.standard_normal((paths, len(spec.drivers)))
    return draws_from_normals(spec, normals, rng)


def draws_from_normals(spec: UncertaintySpec, normals: FloatArray, rng: np.random.Generator) -> Draws:
    """The run's draws from each driver's independent standard normals ``(paths, drivers)``; events from ``rng``.

    The section's correlation mixes the normals (the Gaussian copula), then
    :func:`draws_from_scores` turns them into values and draws the events.
    """
    if spec.correlation is not None:
        normals = normals @ mixing_matrix(spec).T
    return draws_from_scores(spec, normals, rng)


def draws_from_scores(spec: UncertaintySpec, scores: FloatArray, rng: np.random.Generator) -> Draws:
    """The run's draws from each driver's (already correlated) standard-normal score ``(paths, drivers)``.

    Each driver's distribution turns its score into a value, held to the
    range a scenario allows; then each event's "does it happen" and "which
    month" uniforms are drawn from ``rng``.
    """
    paths, n = scores.shape
    values = np.empty((paths, n))
    clipped = np.zeros(n, dtype=np.int64)
    for index, driver in enumerate(spec.drivers):
        low, high = DRIVER_RANGES[driver.type]
        column = quantile(driver.distribution, scores[:, index])
        clipped[index] = int(np.count_nonzero((column < low) | (column > high)))
        values[:, index] = np.clip(column, low, high)
    happen_u = rng.random((paths, len(spec.events)))
    month_u = rng.random((paths, len(spec.events)))
    probability = np.array([float(e.probability_pct) / 100 for e in spec.events])
    window = np.array([window_length(e) for e in spec.events], dtype=np.int64)
    month = np.minimum((month_u * window).astype(np.int64), window - 1) if spec.events else month_u.astype(np.int64)
    return Draws(values, happen_u < probability, month, clipped)


def window_length(event: Event) -> int:
    """How many months an event's window spans."""
    return len(window_months(event))

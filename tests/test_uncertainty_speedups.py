"""The Monte Carlo speed-ups in money.py and riskshare.py give exactly what the plain methods gave."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pooledfund.core.money import _remainder_rank, allocate_paths, pounds_array_to_pence
from pooledfund.engine.riskshare import ShareContext, _commissioner_weights


def plain_pence(values: np.ndarray) -> np.ndarray:
    """The original formula: round to 6 places of a penny, then halves away from zero."""
    pence = np.round(np.asarray(values, dtype=np.float64) * 100, 6)
    return (np.sign(pence) * np.floor(np.abs(pence) + 0.5)).astype(np.int64)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 50),
                  elements=st.floats(-1e9, 1e9, allow_nan=False)
                  | st.sampled_from([2.675, -2.675, 0.005, 1.005, -0.0])))
def test_pounds_to_pence_matches_the_plain_formula(values: np.ndarray) -> None:
    assert np.array_equal(pounds_array_to_pence(values), plain_pence(values))


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.int64, st.tuples(st.integers(1, 20), st.integers(1, 7)), elements=st.integers(-1, 6)))
def test_remainder_rank_is_a_stable_sort(remainders: np.ndarray) -> None:
    order = np.argsort(-remainders, axis=1, kind="stable")
    expected = np.empty_like(order)
    np.put_along_axis(expected, order, np.arange(remainders.shape[1])[None, :].repeat(remainders.shape[0], 0), axis=1)
    assert np.array_equal(_remainder_rank(remainders), expected)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 5).flatmap(lambda n: st.tuples(
        hnp.arrays(np.int64, st.tuples(st.integers(1, 8), st.just(n)), elements=st.integers(0, 100)),
        st.integers(1, 6),
    )),
    st.data(),
)
def test_commissioner_split_matches_one_split_per_scheme(shape: tuple[np.ndarray, int], data: st.DataObject) -> None:
    weights, paths = shape
    schemes, n = weights.shape
    overspend = data.draw(hnp.arrays(np.int64, (paths, schemes), elements=st.integers(0, 10**9)))
    context = ShareContext(partners=[f"p{i}" for i in range(n)], contribution_total=np.ones(n, dtype=np.int64),
                           contribution_cash=np.ones(n, dtype=np.int64), scheme_overspend=overspend,
                           commissioner_weights=weights, scheme_ids=[f"s{i}" for i in range(schemes)], host="p0")
    # The plain method: split every (path, scheme) overspend by the scheme's commissioner weights.
    expected = (allocate_paths(overspend.reshape(-1), np.tile(weights, (paths, 1)))
                .reshape(paths, schemes, n).sum(axis=1))
    assert np.array_equal(_commissioner_weights(context), expected)

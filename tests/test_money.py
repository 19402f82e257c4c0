"""Money in integer pence: reading pounds, largest-remainder splits, rounding, display.

Every expected figure is worked by hand in the comment next to it.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from conftest import exact_shares

from pooledfund.core.money import (
    MoneyError,
    allocate,
    allocate_paths,
    format_gbp,
    pounds,
    pounds_array_to_pence,
    pounds_float,
    round_half_up,
    to_pence,
)

# --- allocate: largest remainder, ties to the part listed first ----------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        # 100 / 3 = 33.33 each: floors 33+33+33 = 99, 1p left; remainders all equal
        # (100 mod 3 = 1 each), so the tie goes to the first part listed.
        (100, [1, 1, 1], [34, 33, 33]),
        # 101 / 3 = 33.67 each: floors 99, 2p left, ties -> first two.
        (101, [1, 1, 1], [34, 34, 33]),
        # 1000 x 2/3 = 666.67, 1000 x 1/3 = 333.33: floors 666 + 333 = 999, 1p left;
        # remainders 2000 mod 3 = 2 and 1000 mod 3 = 1, so the first (larger) gets it.
        (1000, [2, 1], [667, 333]),
        # 1000 x 1/3 = 333.33, 1000 x 2/3 = 666.67: the second part's remainder (2)
        # beats the first's (1), so the penny goes to the second although it is listed later.
        (1000, [1, 2], [333, 667]),
        # 10 x 3/7 = 4.29, 4.29, 10 x 1/7 = 1.43: floors 4+4+1 = 9, 1p left;
        # remainders 30 mod 7 = 2, 2, 10 mod 7 = 3 -> the smallest part gets it.
        (10, [3, 3, 1], [4, 4, 2]),
        # Exact: 10 x 1/10, 2/10, 3/10, 4/10 = 1, 2, 3, 4; nothing left.
        (10, [1, 2, 3, 4], [1, 2, 3, 4]),
        # 7 / 4 = 1.75 each: floors 4, 3p left, ties -> first three.
        (7, [1, 1, 1, 1], [2, 2, 2, 1]),
        # Zero weight gets nothing, even the leftover penny: 5 / 2 = 2.5 each for the
        # two weighted parts; the 1p left goes to the first *weighted* part.
        (5, [0, 1, 1], [0, 3, 2]),
        # Only one part has weight: it gets everything.
        (1, [0, 0, 5], [0, 0, 1]),
        # Nothing to share.
        (0, [1, 2, 3], [0, 0, 0]),
        # Percent weights as the engine uses them (x 10,000): 33.3333 / 33.3333 / 33.3334 of
        # £1.00: 100 x 333,333 / 1,000,000 = 33.33 (twice), 100 x 333,334 / 1,000,000 = 33.33;
        # floors 99, 1p left; remainders 33,300,000 / 33,300,000 / 33,400,000 mod 1e6 =
        # 333,300 / 333,300 / 333,400 -> the third (largest) gets it.
        (100, [333333, 333333, 333334], [33, 33, 34]),
    ],
)
def test_allocate_hand_worked(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected
    assert sum(expected) == total


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        # A negative total is the mirror of the positive: -(34, 33, 33), not (-33, -33, -34).
        (-100, [1, 1, 1], [-34, -33, -33]),
        # -(667, 333).
        (-1000, [2, 1], [-667, -333]),
        # -(4, 4, 2): the largest remainder still decides, not the sign.
        (-10, [3, 3, 1], [-4, -4, -2]),
        # -(0, 3, 2).
        (-5, [0, 1, 1], [0, -3, -2]),
    ],
)
def test_allocate_negative_totals_mirror_positive(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected
    assert allocate(-total, weights) == [-x for x in expected]


def test_allocate_all_zero_weights_gives_nothing() -> None:
    # The caller decides what to do with an unplaceable total; allocate places none of it.
    assert allocate(700, [0, 0]) == [0, 0]
    assert allocate(-700, [0, 0, 0]) == [0, 0, 0]


def test_allocate_refuses_negative_weights() -> None:
    with pytest.raises(ValueError, match="negative"):
        allocate(100, [1, -1])


def test_allocate_returns_python_ints() -> None:
    result = allocate(100, [1, 1, 1])
    assert all(type(x) is int for x in result)


def test_allocate_paths_splits_each_path_separately() -> None:
    totals = np.array([100, -100, 7, 1000], dtype=np.int64)
    weights = np.array([[1, 1, 1], [1, 1, 1], [0, 0, 0], [1, 2, 0]], dtype=np.int64)
    result = allocate_paths(totals, weights)
    assert result.dtype == np.int64
    assert result.shape == (4, 3)
    # Path 0: (34, 33, 33); path 1: the mirror; path 2: no weight, nothing placed;
    # path 3: 1000 x 1/3 = 333.33, x 2/3 = 666.67 -> (333, 667, 0).
    assert result.tolist() == [[34, 33, 33], [-34, -33, -33], [0, 0, 0], [333, 667, 0]]


def test_allocate_paths_broadcasts_one_dimensional_weights() -> None:
    # Same weights (2, 1) on every path: 1000 -> (667, 333); 3 -> (2, 1); 1 -> (1, 0).
    result = allocate_paths(np.array([1000, 3, 1]), np.array([2, 1]))
    assert result.tolist() == [[667, 333], [2, 1], [1, 0]]


def test_allocate_paths_with_no_parts() -> None:
    result = allocate_paths(np.array([100, 200]), np.zeros((2, 0), dtype=np.int64))
    assert result.shape == (2, 0)


# --- the int64-overflow fallback --------------------------------------------------------


def test_allocate_overflow_fallback_hand_worked() -> None:
    # £1,000,000,000.01 = 100,000,000,001p split 2 : 1 with weights 2e10 : 1e10.
    # total x weight = 2e21, far past int64 (9.2e18), so Python integers are used.
    # Exact shares: 66,666,666,667.33 and 33,333,333,333.67 -> floors sum to
    # 100,000,000,000, 1p left; remainders .33 vs .67 -> the second part gets it.
    total = 100_000_000_001
    result = allocate(total, [20_000_000_000, 10_000_000_000])
    assert result == [66_666_666_667, 33_333_333_334]
    assert sum(result) == total


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (100_000_000_007, [30_000_000_001, 10_000_000_000, 20_000_000_003]),
        (-100_000_000_007, [30_000_000_001, 10_000_000_000, 20_000_000_003]),
        (99_999_999_999, [12_345_678_901, 0, 98_765_432_109, 1]),
        # Just at the int64-safe boundary (2**31 x 2**31 = 2**62) and just below it.
        (2**31, [2**31, 1, 2**31 - 1]),
        (2**31 - 1, [2**31, 1, 2**31 - 1]),
        (2**31, [2**31 - 1, 1]),
    ],
)
def test_allocate_overflow_fallback_matches_python_integers(total: int, weights: list[int]) -> None:
    result = allocate(total, weights)
    assert result == exact_shares(total, weights)
    assert sum(result) == total


def test_allocate_paths_overflow_on_one_path_only() -> None:
    # One huge path forces the Python-integer route for every path; the small
    # path must still come out as it would alone: 100 -> (34, 33, 33).
    totals = np.array([100_000_000_007, 100], dtype=np.int64)
    weights = np.array([[10_000_000_000, 10_000_000_000, 10_000_000_000], [1, 1, 1]], dtype=np.int64)
    result = allocate_paths(totals, weights)
    # 100,000,000,007 / 3 = 33,333,333,335.67: floors 100,000,000,005, 2p left, ties -> first two.
    assert result.tolist() == [[33_333_333_336, 33_333_333_336, 33_333_333_335], [34, 33, 33]]


# --- to_pence ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "pence"),
    [
        ("£1,234.56", 123456),
        (1234.56, 123456),  # the float 1234.56 is read by its shortest repr, "1234.56"
        ("(12.00)", -1200),  # accountants' brackets mean negative
        ("(£1,000.50)", -100050),
        (7, 700),
        (0, 0),
        (1_200_000, 120_000_000),
        (-5, -500),
        ("-£5.50", -550),
        ("  £2,000  ", 200000),
        (0.1, 10),
        (0.01, 1),
        (Decimal("1.10"), 110),
        ("1250000.00", 125000000),
        (12.5, 1250),
    ],
)
def test_to_pence_reads_pounds(value: object, pence: int) -> None:
    result = to_pence(value)
    assert result == pence
    assert type(result) is int


@pytest.mark.parametrize(
    "value",
    [
        "1.234",  # three decimal places: a fraction of a penny
        1.234,
        0.001,
        1.005,
        "0.005",
        Decimal("2.675"),
        float("nan"),
        float("inf"),
        float("-inf"),
        "NaN",
        "Infinity",
        True,  # a bool is an int in Python, but never an amount of money
        False,
        "abc",
        "",
        "£",
        "twelve pounds",
        None,
        [100],
        {"cash": 100},
    ],
)
def test_to_pence_refuses(value: object) -> None:
    with pytest.raises(MoneyError):
        to_pence(value)


def test_to_pence_error_is_a_value_error_with_a_plain_message() -> None:
    with pytest.raises(ValueError, match="at most 2 decimal places"):
        to_pence("1.234")


# --- rounding pounds to pence, halves away from zero (like Excel) -------------------------


@pytest.mark.parametrize(
    ("value", "pence"),
    [
        # 2.675 x 100 is 267.49999999999997 in binary floating point; Excel shows 2.68.
        (2.675, 268),
        (-2.675, -268),
        # Half a penny rounds away from zero: 0.5p -> 1p, -0.5p -> -1p.
        (0.005, 1),
        (-0.005, -1),
        # 1.005 x 100 = 100.49999999999999 in floats; Excel's ROUND(1.005, 2) = 1.01.
        (1.005, 101),
        # 12.5p: Python's round() would give 12 (banker's); half up gives 13.
        (0.125, 13),
        (-0.125, -13),
        (1.234, 123),
        (1.236, 124),
        (0.0, 0),
        (105000.0, 10500000),
        (1_000_000.004, 100000000),
    ],
)
def test_pounds_array_to_pence_rounds_half_away_from_zero(value: float, pence: int) -> None:
    result = pounds_array_to_pence(np.array([value]))
    assert result.dtype == np.int64
    assert result.tolist() == [pence]


def test_pounds_array_to_pence_keeps_the_shape() -> None:
    # 2.675 -> 268, -2.675 -> -268, 0.005 -> 1, 3 -> 300.
    result = pounds_array_to_pence([[2.675, -2.675], [0.005, 3.0]])
    assert result.shape == (2, 2)
    assert result.tolist() == [[268, -268], [1, 300]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.675, "2.68"), (-2.675, "-2.68"), (0.125, "0.13"), (-0.125, "-0.13"), (1.005, "1.01"),
     (Decimal("2.665"), "2.67")],
)
def test_round_half_up(value: float | Decimal, expected: str) -> None:
    assert round_half_up(value) == Decimal(expected)


def test_round_half_up_other_places() -> None:
    # 1234.5 to 0 places -> 1235; 0.0005 to 3 places -> 0.001.
    assert round_half_up(1234.5, 0) == Decimal(1235)
    assert round_half_up(0.0005, 3) == Decimal("0.001")


# --- pounds and display -----------------------------------------------------------------


def test_pounds_is_exact_with_two_places() -> None:
    assert pounds(123456) == Decimal("1234.56")
    assert str(pounds(123456)) == "1234.56"
    assert str(pounds(-5)) == "-0.05"
    assert str(pounds(100)) == "1.00"
    assert str(pounds(np.int64(6_000_000))) == "60000.00"


def test_pounds_float() -> None:
    assert pounds_float(123456) == 1234.56
    assert pounds_float(-1) == -0.01
    assert isinstance(pounds_float(np.int64(5)), float)


@pytest.mark.parametrize(
    ("pence", "brackets", "text"),
    [
        (123456, False, "£1,234.56"),
        (-123456, False, "-£1,234.56"),
        (-123456, True, "(£1,234.56)"),
        (123456, True, "£1,234.56"),
        (5, False, "£0.05"),
        (-5, False, "-£0.05"),
        (0, False, "£0.00"),
        (0, True, "£0.00"),
        (100_000_000, False, "£1,000,000.00"),
        (6_000_000, False, "£60,000.00"),
        (np.int64(-99), True, "(£0.99)"),
    ],
)
def test_format_gbp(pence: int, brackets: bool, text: str) -> None:
    assert format_gbp(pence, brackets=brackets) == text

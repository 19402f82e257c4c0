"""Money arithmetic in integer pence.

Every figure the engine shows is an integer number of pence. Pounds arrive
from files as decimals and leave as decimals with two places; in between,
nothing is a float except the driver-scaled projection, which is rounded to
pence (half up, as Excel and LibreOffice do) before any sum is taken.

Apportionments use the largest-remainder method so that the parts always add
up exactly to the whole: each part first gets the floor of its exact share,
then the pence left over go one each to the parts with the largest
fractional remainders, ties going to the part listed first.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt

PENCE_PER_POUND = 100
_INT64_SAFE = 2**62

IntArray = npt.NDArray[np.int64]


class MoneyError(ValueError):
    """A value could not be read as an amount of money in pounds and pence."""


#: The largest amount accepted anywhere (£100 billion): far above any English
#: pooled budget, and far below where pence would lose exactness in the engine.
MAX_POUNDS = 100_000_000_000

#: The longest amount accepted as text; the largest amount, "-£100,000,000,000.00", has 20 characters.
MAX_AMOUNT_CHARS = 100

#: How an amount may be written as text: an optional sign, then an optional £,
#: then either digits with commas between every group of three
#: ("1,234,567.89") or plain digits, optionally with an exponent ("1e3").
_AMOUNT = re.compile(
    r"""(?P<sign>[-+]?)£?[ ]*
    (?P<number>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?
    |(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)""",
    re.VERBOSE,
)
_ACCEPTED_FORMS = (
    "write it like 1250000.00, 1,250,000 or £1,250,000.50 (commas only between groups of three digits, "
    "£ only at the start)"
)
_DIGITS = re.compile(r"[0-9]")


def value_for_message(value: object) -> str:
    """A value for a message, shortened when it is long (a pasted column, a number of thousands of digits)."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"a number of about {int(value.bit_length() * 0.30103):,} digits"
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:24]}...{text[-10:]}"


def _amount_from_text(value: str) -> Decimal:
    """An amount written as text, in one of the accepted forms only.

    Commas and £ signs are not simply removed: "6,5,0,5,5,0,0,0" or
    "65£055000" is a typing mistake, not 65,055,000. Accountants' brackets
    "(1,000.00)" mean a negative amount.
    """
    text = value.strip()
    if len(text) > MAX_AMOUNT_CHARS:
        raise MoneyError(f"{value_for_message(value)} is too long to be an amount: "
                         f"the largest accepted is £{MAX_POUNDS:,}; check the figure")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    match = _AMOUNT.fullmatch(text)
    if match is None or (negative and match["sign"]):
        # Words ("six hundred") need no lesson in commas; figures written oddly do.
        forms = f"; {_ACCEPTED_FORMS}" if _DIGITS.search(text) else ""
        raise MoneyError(f"expected an amount in pounds such as 1250000.00, got {value_for_message(value)}{forms}")
    amount = Decimal(match["number"].replace(",", ""))
    return amount.copy_negate() if negative or match["sign"] == "-" else amount


def _exact_pence(amount: Decimal, value: object) -> int:
    """A finite amount of pounds as integer pence, refusing fractions of a penny and amounts over the limit.

    Worked on the digits themselves, so a long or tiny figure is never
    rounded by decimal arithmetic into a plausible but wrong amount.
    """
    if amount.is_zero():
        return 0
    if amount.copy_abs() > MAX_POUNDS:
        raise MoneyError(f"{value_for_message(value)} is more than £{MAX_POUNDS:,}, far beyond any pooled budget; "
                         "check the figure")
    fractions = f"{value_for_message(value)} has fractions of a penny; give pounds with at most 2 decimal places"
    if amount.adjusted() < -2:
        raise MoneyError(fractions)
    sign, digits, exponent = amount.as_tuple()
    coefficient = int("".join(str(digit) for digit in digits))
    shift = int(exponent) + 2
    if shift >= 0:
        pence = coefficient * 10**shift
    else:
        pence, remainder = divmod(coefficient, 10**-shift)
        if remainder:
            raise MoneyError(fractions)
    return -pence if sign else pence


def to_pence(value: object) -> int:
    """Convert pounds (a number or text such as "£1,250.50") to integer pence.

    Amounts with more than two decimal places are refused rather than
    silently rounded, because a pooled-fund figure that is not a whole number
    of pence is almost always a typing mistake. Text must be in one of the
    forms of :data:`_AMOUNT`; anything else is refused with an example.
    """
    if isinstance(value, bool):
        raise MoneyError(f"expected an amount in pounds, got {value!r}")
    if isinstance(value, int):
        if abs(value) > MAX_POUNDS:
            raise MoneyError(f"{value_for_message(value)} is more than £{MAX_POUNDS:,}, far beyond any pooled budget; "
                             "check the figure")
        return value * PENCE_PER_POUND
    if isinstance(value, float):
        if not np.isfinite(value):
            raise MoneyError(f"expected an amount in pounds, got {value!r}")
        amount = Decimal(repr(value))
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        amount = _amount_from_text(value)
    else:
        raise MoneyError(f"expected an amount in pounds, got {value_for_message(value)}")
    if not amount.is_finite():
        raise MoneyError(f"expected an amount in pounds, got {value!r}")
    return _exact_pence(amount, value)


def pounds(pence: int | np.integer) -> Decimal:
    """Integer pence as an exact ``Decimal`` number of pounds with two places."""
    return (Decimal(int(pence)) / PENCE_PER_POUND).quantize(Decimal("0.01"))


def pounds_float(pence: int | np.integer) -> float:
    """Integer pence as pounds for JSON; exact because the value has two decimals."""
    return float(pounds(pence))


def format_gbp(pence: int | np.integer, *, brackets: bool = False) -> str:
    """Render pence as ``£1,234.56`` (``-£1,234.56`` or ``(£1,234.56)``)."""
    value = int(pence)
    text = f"£{abs(value) // 100:,}.{abs(value) % 100:02d}"
    if value < 0:
        return f"({text})" if brackets else f"-{text}"
    return text


def round_half_up(value: float | Decimal, places: int = 2) -> Decimal:
    """Round like Excel's ROUND: halves away from zero (Python's round does not)."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def pounds_array_to_pence(values: npt.ArrayLike) -> IntArray:
    """Round an array of pounds to integer pence, halves away from zero.

    The product is first rounded to 6 decimal places of a penny to remove
    binary floating-point noise (2.675 * 100 is 267.49999999999997), which is
    what Excel's 15-significant-digit arithmetic effectively does; then halves
    go away from zero.
    """
    # The same operations as np.round(values * 100, 6) followed by
    # sign(p) * floor(|p| + 0.5), done in place on two buffers: Monte Carlo
    # runs pass arrays of tens of millions of values through here.
    pence = np.multiply(np.asarray(values, dtype=np.float64), PENCE_PER_POUND)
    pence *= 1e6
    np.rint(pence, out=pence)
    pence /= 1e6
    magnitude = np.abs(pence)
    magnitude += 0.5
    np.floor(magnitude, out=magnitude)
    np.copysign(magnitude, pence, out=magnitude)
    return magnitude.astype(np.int64)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` pence by non-negative integer ``weights``, summing exactly.

    A convenience wrapper around :func:`allocate_paths` for a single figure.
    """
    result = allocate_paths(np.array([total], dtype=np.int64), np.array([weights], dtype=np.int64))
    return [int(x) for x in result[0]]


def allocate_paths(totals: npt.ArrayLike, weights: npt.ArrayLike) -> IntArray:
    """Largest-remainder split of each path's total by that path's weights.

    Args:
        totals: integer pence, shape ``(paths,)``; may be negative (the split of
            a negative total is the negated split of its absolute value, so
            shares of a refund mirror shares of a charge).
        weights: non-negative integers, shape ``(paths, parts)`` or ``(parts,)``.
            A path whose weights are all zero gets nothing (the caller decides
            what to do with the unallocated total).

    Returns:
        integer pence of shape ``(paths, parts)``; on every path with some
        positive weight the row sums exactly to the total. Leftover pence go
        to the largest fractional remainders; ties go to the part listed first.
    """
    totals_arr = np.asarray(totals, dtype=np.int64)
    weights_arr = np.asarray(weights, dtype=np.int64)
    if weights_arr.ndim == 1:
        weights_arr = np.broadcast_to(weights_arr, (totals_arr.shape[0], weights_arr.shape[0]))
    if np.any(weights_arr < 0):
        raise ValueError("allocation weights must not be negative")
    paths, parts = weights_arr.shape
    if parts == 0:
        return np.zeros((paths, 0), dtype=np.int64)
    sign = np.where(totals_arr < 0, -1, 1).astype(np.int64)
    magnitude = np.abs(totals_arr)
    weight_sum = weights_arr.sum(axis=1)
    has_weight = weight_sum > 0
    safe_sum = np.where(has_weight, weight_sum, 1)
    # Exact integer arithmetic; fall back to Python integers when the product
    # of a total and a weight could overflow 64 bits (pools over ~£400m).
    biggest = int(magnitude.max(initial=0)) * int(weights_arr.max(initial=0))
    if biggest >= _INT64_SAFE:
        numer = magnitude.astype(object)[:, None] * weights_arr.astype(object)
        floors = (numer // safe_sum.astype(object)[:, None]).astype(np.int64)
        remainders = (numer % safe_sum.astype(object)[:, None]).astype(np.int64)
    else:
        numer = magnitude[:, None] * weights_arr
        # Remainders share one denominator per path, so compare them as integers.
        floors, remainders = np.divmod(numer, safe_sum[:, None])
    leftover = magnitude - floors.sum(axis=1)
    # Rank parts by remainder, largest first, ties in listed order. Parts
    # with zero weight never receive a leftover penny.
    remainders = np.where(weights_arr > 0, remainders, -1)
    rank = _remainder_rank(remainders)
    extra = (rank < leftover[:, None]).astype(np.int64)
    shares = (floors + extra) * has_weight[:, None]
    return shares * sign[:, None]


def _remainder_rank(remainders: IntArray) -> IntArray:
    """Each part's place when a row is sorted by remainder, largest first, ties in listed order.

    The place of part i is the number of parts with a larger remainder plus
    the number listed before it with an equal one: what a stable sort gives.
    For a few parts (up to 8: six partners is common), counting pairwise is much faster than sorting each row.
    """
    paths, parts = remainders.shape
    if parts > 8:
        order = np.argsort(-remainders, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(parts)[None, :].repeat(paths, axis=0), axis=1)
        return rank
    rank = np.zeros((paths, parts), dtype=np.int64)
    for i in range(parts):
        for j in range(parts):
            if j < i:
                rank[:, i] += remainders[:, j] >= remainders[:, i]
            elif j > i:
                rank[:, i] += remainders[:, j] > remainders[:, i]
    return rank

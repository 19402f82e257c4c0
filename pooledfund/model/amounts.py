"""Amounts a risk-share clause may state in pounds, as a percentage, or year by year.

A limit, a band, a cap, a carry-forward or reinvest cap, a trigger's
threshold and a contingency may be written in the agreement file as:

* a plain number: pounds, exactly as before (``limit: 250000``);
* a percentage of the pool: ``limit: 5%`` or ``limit: 5% of pool`` (the
  arrangement's contributions that year, cash and in kind);
* a percentage of one partner's contribution to the arrangement that year:
  ``cap: 10% of council``;
* a percentage of the agreed value (lead commissioning only):
  ``limit: 2% of agreed_value``;
* a different value each year, any of the above: ``{2025-26: 5%, 2026-27: 4%}``.
  Every year of the agreement must then be given: a missing year is an
  error at its line, never silently unlimited.

The engine resolves each amount to pence for the arrangement-year before the
waterfall (a percentage is rounded half up to the penny, like Excel's
ROUND), so the waterfall itself only ever sees pence.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, TypeAdapter, WithJsonSchema

from pooledfund.core.money import MoneyError, format_gbp, pounds, to_pence
from pooledfund.core.types import Percent
from pooledfund.core.years import parse_year

POOL = "pool"
AGREED_VALUE = "agreed_value"
_PERCENT = re.compile(r"^\s*([-+]?[0-9.]+)\s*%\s*(?:of\s+(?:the\s+)?(\S+(?:\s+\S+)?))?\s*$", re.IGNORECASE)
_MAX_PERCENT = Decimal(1000)


@cache
def _percent_reader() -> TypeAdapter[Decimal]:
    """The one reader of a percentage, built on first use: building it costs every command's start-up."""
    return TypeAdapter(Percent)


@dataclass(frozen=True)
class PercentOf:
    """A percentage of a base that is known only for the year: the pool, a partner's contribution, the agreed value.

    Attributes:
        percent: the percentage, exact to 4 decimal places (5 means 5%).
        of: ``pool``, ``agreed_value`` or a partner's id.
    """

    percent: Decimal
    of: str = POOL

    def words(self, names: Mapping[str, str]) -> str:
        """"5% of the pool", "10% of Council's contribution", "2% of the agreed value"."""
        if self.of == POOL:
            base = "the pool"
        elif self.of == AGREED_VALUE:
            base = "the agreed value"
        else:
            base = f"{names.get(self.of, self.of)}'s contribution"
        return f"{_percent_text(self.percent)}% of {base}"

    def text(self) -> str:
        """As the file writes it: ``5%`` (of the pool) or ``10% of council``."""
        pct = _percent_text(self.percent)
        return f"{pct}%" if self.of == POOL else f"{pct}% of {self.of}"


AmountPart = int | PercentOf
"""One year's value: pence, or a percentage of a base."""


@dataclass(frozen=True)
class ByYear:
    """A different value each financial year (every year of the agreement must be given).

    Attributes:
        values: financial year ("2025-26") -> pence or a percentage of a base.
    """

    values: dict[str, AmountPart]


AmountValue = int | PercentOf | ByYear
"""An amount as the file states it: pence, a percentage of a base, or one of those per year."""


@dataclass(frozen=True)
class AmountBasis:
    """What a percentage is of, in one arrangement-year (pence).

    Attributes:
        year: the financial year being resolved.
        pool: the arrangement's contributions that year, cash and in kind (after any scenario changes).
        contributions: each partner's contribution to the arrangement that year, cash and in kind.
        agreed_value: the agreed value transferred that year (lead commissioning), else None.
    """

    year: str
    pool: int
    contributions: Mapping[str, int]
    agreed_value: int | None = None


class AmountError(ValueError):
    """An amount cannot be resolved for an arrangement-year (the loader's cross-checks prevent this)."""


def _percent_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def percent_of(percent: Decimal, base: int) -> int:
    """``percent``% of ``base`` pence, rounded half up to the penny (as Excel's ROUND does)."""
    return int((Decimal(base) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def resolve_part(part: AmountPart, basis: AmountBasis) -> int:
    """One year's value in pence."""
    if isinstance(part, int):
        return part
    if part.of == POOL:
        return percent_of(part.percent, basis.pool)
    if part.of == AGREED_VALUE:
        if basis.agreed_value is None:
            raise AmountError(f"{part.text()}: only lead commissioning has an agreed value")
        return percent_of(part.percent, basis.agreed_value)
    if part.of not in basis.contributions:
        raise AmountError(f"{part.text()}: {part.of!r} is not a partner")
    return percent_of(part.percent, basis.contributions[part.of])


def resolve(amount: AmountValue, basis: AmountBasis) -> int:
    """An amount in pence for the basis's year; a by-year amount without that year is an error."""
    if isinstance(amount, ByYear):
        if basis.year not in amount.values:
            raise AmountError(f"no value is given for {basis.year} (years given: {', '.join(amount.values)})")
        return resolve_part(amount.values[basis.year], basis)
    return resolve_part(amount, basis)


def resolve_optional(amount: AmountValue | None, basis: AmountBasis) -> int | None:
    """:func:`resolve`, keeping None (no limit) as None."""
    return None if amount is None else resolve(amount, basis)


def is_plain(amount: AmountValue | None) -> bool:
    """Whether the amount is plain pounds (or absent): the same figure every year."""
    return amount is None or isinstance(amount, int)


def amount_words(amount: AmountValue, names: Mapping[str, str]) -> str:
    """The amount as stated, in words: "£250,000.00", "5% of the pool", "2025-26: 5% of the pool; ..."."""
    if isinstance(amount, ByYear):
        return "; ".join(f"{year}: {amount_words(part, names)}" for year, part in amount.values.items())
    if isinstance(amount, PercentOf):
        return amount.words(names)
    return format_gbp(amount)


def bases_named(amount: AmountValue | None) -> list[str]:
    """What the amount's percentages are of (``pool``, ``agreed_value`` or partner ids)."""
    if isinstance(amount, ByYear):
        return [name for part in amount.values.values() for name in bases_named(part)]
    if isinstance(amount, PercentOf):
        return [amount.of]
    return []


def unknown_base_message(name: str, partner_ids: list[str]) -> str:
    """Say that ``name`` is not something a percentage can be of, suggesting what it could have meant."""
    known = [POOL, AGREED_VALUE, *partner_ids]
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"{name!r} is not the pool, the agreed value or a partner ({', '.join(known)}){hint}"


# --- reading and writing -------------------------------------------------------------------


def _parse_part(value: object, *, positive: bool) -> AmountPart:
    """One value: pounds (a number), or "5%" / "5% of council"."""
    if isinstance(value, PercentOf):
        return value
    if isinstance(value, str) and "%" in value:
        match = _PERCENT.match(value)
        if not match:
            raise ValueError(f"{value!r} is not an amount; write pounds (250000), a percentage of the pool (5%) "
                             "or of a partner's contribution (10% of council)")
        try:
            percent = _percent_reader().validate_python(match.group(1))  # the one reading of a percentage
        except ValueError:
            raise ValueError(f"{value!r} is not a percentage such as 5%") from None
        if percent < 0 or (positive and percent == 0) or percent > _MAX_PERCENT:
            floor = "more than 0%" if positive else "0% or more"
            raise ValueError(f"a percentage here must be {floor} and at most 1000% (got {value!r})")
        of = (match.group(2) or POOL).strip().lower().replace(" ", "_")
        return PercentOf(percent, AGREED_VALUE if of in {"agreed_value", "value"} else of)
    try:
        pence = to_pence(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None
    if pence < 0 or (positive and pence == 0):
        raise ValueError(f"amount must be more than £0.00 (got {format_gbp(pence)})" if positive
                         else f"amount must not be negative (got {format_gbp(pence)})")
    return pence


def parse_amount_part(value: object) -> AmountPart:
    """One value as a file writes it (pounds, or "5%" / "5% of council"); zero allowed."""
    return _parse_part(value, positive=False)


def _parse(value: object, *, positive: bool) -> AmountValue:
    if isinstance(value, ByYear):
        return value
    if isinstance(value, dict):
        if not value:
            raise ValueError("give a value for each year, e.g. {2025-26: 5%, 2026-27: 4%}")
        parts: dict[str, AmountPart] = {}
        for key, part in value.items():
            try:
                year = parse_year(key)
            except ValueError as exc:
                raise ValueError(f"{key!r}: {exc}") from None
            try:
                parts[year] = _parse_part(part, positive=positive)
            except ValueError as exc:
                raise ValueError(f"{year}: {exc}") from None
        return ByYear(parts)
    return _parse_part(value, positive=positive)


def _dump_part(part: AmountPart) -> float | str:
    return part.text() if isinstance(part, PercentOf) else float(pounds(part))


def _dump(amount: AmountValue) -> Any:
    if isinstance(amount, ByYear):
        return {year: _dump_part(part) for year, part in amount.values.items()}
    return _dump_part(amount)


_AMOUNT_SCHEMA = WithJsonSchema({
    "description": "pounds, a percentage of the pool ('5%') or of a partner ('10% of council'), or one per year",
    "anyOf": [{"type": "number"}, {"type": "string"}, {"type": "object"}],
})

#: A limit, band, cap or threshold: more than £0 (or 0%), in pounds, as a percentage, or year by year.
PositiveAmount = Annotated[
    AmountValue,
    PlainValidator(lambda value: _parse(value, positive=True)),
    PlainSerializer(_dump),
    _AMOUNT_SCHEMA,
]


def _parse_cap(value: object) -> CapValue:
    if isinstance(value, str) and value.strip().lower() == "contribution":
        return "contribution"
    return _parse(value, positive=True)


def _dump_cap(value: CapValue) -> Any:
    return value if value == "contribution" else _dump(value)


CapValue = Literal["contribution"] | AmountValue
"""A cap as the file states it: ``contribution`` (the partner's own, that year) or an amount."""

#: A cap on a partner's overspend share: ``contribution``, or an amount as :data:`PositiveAmount`.
CapAmount = Annotated[
    CapValue,
    PlainValidator(_parse_cap),
    PlainSerializer(_dump_cap),
    WithJsonSchema({"description": "'contribution' or an amount", "anyOf": [{"type": "number"}, {"type": "string"},
                                                                           {"type": "object"}]}),
]

"""Financial years, months and the field types (money, percentages, dates) files are read with."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from pooledfund.core.money import MoneyError, format_gbp, to_pence
from pooledfund.core.types import (
    Date,
    Money,
    Month,
    NonNegativeMoney,
    Percent,
    PositiveMoney,
    SharePercent,
    Year,
    percent_weight,
)
from pooledfund.core.years import (
    month_from_label,
    month_label,
    month_of,
    next_year,
    parse_month,
    parse_year,
    year_start,
)

# --- years ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-26", "2025-26"),
        ("2025/26", "2025-26"),
        ("2025-2026", "2025-26"),
        ("2025/2026", "2025-26"),
        (" 2025-26 ", "2025-26"),
        ("1998-99", "1998-99"),
        ("1999-00", "1999-00"),
        ("1999/2000", "1999-00"),
        ("2000-01", "2000-01"),
        ("2099-00", "2099-00"),
    ],
)
def test_parse_year_accepts(text: str, expected: str) -> None:
    assert parse_year(text) == expected


def test_parse_year_output_is_accepted_again() -> None:
    # What parse_year writes it must read: "1999/2000" becomes "1999-00", which must still parse.
    for text in ("2025/26", "1999/2000", "2099-2100"):
        normal = parse_year(text)
        assert parse_year(normal) == normal


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2025", ["'2025'", "not a financial year", "2025-26"]),
        (2025, ["'2025'", "not a financial year"]),
        ("2025-27", ["'2025-27'", "one April to the next March"]),
        ("2025-2027", ["one April to the next March"]),
        ("2025-25", ["one April to the next March"]),
        ("2026-25", ["one April to the next March"]),
        ("1999-01", ["one April to the next March"]),
        ("abc", ["'abc'", "not a financial year"]),
        ("", ["not a financial year"]),
        ("2025 - 26", ["not a financial year"]),
        ("25-26", ["not a financial year"]),
        (None, ["not a financial year"]),
    ],
)
def test_parse_year_refuses(text: object, words: list[str]) -> None:
    with pytest.raises(ValueError) as caught:
        parse_year(text)
    for word in words:
        assert word in str(caught.value)


def test_year_start_and_next_year() -> None:
    assert year_start("2025-26") == 2025
    assert year_start("2025/2026") == 2025
    assert next_year("2025-26") == "2026-27"
    assert next_year("1998-99") == "1999-00"
    assert next_year("2009-10") == "2010-11"


def test_years_across_the_century() -> None:
    assert year_start("1999-00") == 1999
    assert next_year("1999-00") == "2000-01"
    assert month_label("1999-00", 11) == "Mar 2000"


# --- months -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-04", ("2025-26", 0)),
        ("2025-10", ("2025-26", 6)),
        ("2025-12", ("2025-26", 8)),
        ("2026-01", ("2025-26", 9)),
        ("2026-03", ("2025-26", 11)),
        ("2026-04", ("2026-27", 0)),
        ("2025-04-15", ("2025-26", 0)),
        ("2026-1", ("2025-26", 9)),
        (" 2025-10 ", ("2025-26", 6)),
        (dt.date(2025, 10, 3), ("2025-26", 6)),
        (dt.datetime(2026, 2, 1, 5, 30), ("2025-26", 10)),
        ("2000-03", ("1999-00", 11)),
    ],
)
def test_parse_month(value: object, expected: tuple[str, int]) -> None:
    assert parse_month(value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("October", ["'October'", "not a month", "2025-10"]),
        ("2025/10", ["not a month"]),
        ("10-2025", ["not a month"]),
        ("2025-13", ["'2025-13'", "not a real date"]),
        ("2025-00", ["not a real date"]),
        ("2025-02-30", ["not a real date"]),
        ("", ["not a month"]),
    ],
)
def test_parse_month_refuses(value: str, words: list[str]) -> None:
    with pytest.raises(ValueError) as caught:
        parse_month(value)
    for word in words:
        assert word in str(caught.value)


def test_month_of() -> None:
    assert month_of(dt.date(2025, 3, 31)) == ("2024-25", 11)
    assert month_of(dt.date(2025, 4, 1)) == ("2025-26", 0)


@pytest.mark.parametrize(
    ("year", "index", "label"),
    [("2025-26", 0, "Apr 2025"), ("2025-26", 6, "Oct 2025"), ("2025-26", 8, "Dec 2025"),
     ("2025-26", 9, "Jan 2026"), ("2025-26", 11, "Mar 2026"), ("2025/26", 3, "Jul 2025")],
)
def test_month_label(year: str, index: int, label: str) -> None:
    assert month_label(year, index) == label


def test_month_label_round_trips_through_month_from_label() -> None:
    for index in range(12):
        name = month_label("2025-26", index).split()[0]
        assert month_from_label("2025-26", name) == index
    assert month_from_label("2025-26", "october") == 6
    assert month_from_label("2025-26", " March ") == 11
    with pytest.raises(ValueError, match="not a month name"):
        month_from_label("2025-26", "Foo")


# --- money --------------------------------------------------------------------------------------------

MONEY = TypeAdapter(Money)
NON_NEGATIVE = TypeAdapter(NonNegativeMoney)
POSITIVE = TypeAdapter(PositiveMoney)


def _refused(adapter: TypeAdapter, value: object) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    errors = caught.value.errors(include_url=False)
    assert len(errors) == 1
    return str(errors[0]["msg"])


@pytest.mark.parametrize(
    ("value", "pence"),
    [
        (1250, 125_000),
        (0, 0),
        ("£1,250.50", 125_050),
        ("  12 ", 1_200),
        ("(1,000)", -100_000),
        ("-£5", -500),
        (0.1, 10),
        (19.99, 1_999),
        (1_234_567.89, 123_456_789),
        (Decimal("2.5"), 250),
        ("1e3", 100_000),
        (-5, -500),
        (45_200_000, 4_520_000_000),
    ],
)
def test_money_is_read_as_pence(value: object, pence: int) -> None:
    assert MONEY.validate_python(value) == pence
    assert to_pence(value) == pence


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (1.005, ["1.005", "2 decimal places"]),
        (2.675, ["2 decimal places"]),
        ("400000.125", ["'400000.125'", "fractions of a penny"]),
        ("abc", ["'abc'", "amount in pounds"]),
        ("", ["amount in pounds"]),
        (True, ["True"]),
        (None, ["None"]),
        ([1], ["[1]"]),
        (float("nan"), ["nan"]),
        (float("inf"), ["inf"]),
        ("NaN", ["amount in pounds"]),
    ],
)
def test_money_refuses(value: object, words: list[str]) -> None:
    message = _refused(MONEY, value)
    for word in words:
        assert word in message
    with pytest.raises(MoneyError):
        to_pence(value)


def test_money_limits() -> None:
    assert NON_NEGATIVE.validate_python(0) == 0
    assert "must not be negative" in _refused(NON_NEGATIVE, -1)
    assert POSITIVE.validate_python("0.01") == 1
    assert "more than £0.00" in _refused(POSITIVE, 0)
    assert "more than £0.00" in _refused(POSITIVE, -1)


def test_money_messages_write_negative_amounts_as_finance_does() -> None:
    assert format_gbp(-500_000) == "-£5,000.00"
    message = _refused(NON_NEGATIVE, -5000)
    assert "-£5,000.00" in message, message


def test_money_is_written_back_as_pounds() -> None:
    assert MONEY.dump_python(125_050) == 1250.5
    assert MONEY.dump_python(-1) == -0.01
    assert MONEY.dump_python(MONEY.validate_python("£1,234,567.89")) == 1_234_567.89


# --- percentages ------------------------------------------------------------------------------------

PERCENT = TypeAdapter(Percent)
SHARE = TypeAdapter(SharePercent)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3.5", Decimal("3.5")),
        ("3.5%", Decimal("3.5")),
        (" 3.5 % ", Decimal("3.5")),
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),
        (1.2345, Decimal("1.2345")),
        (-2, Decimal(-2)),
        (Decimal("12.3456"), Decimal("12.3456")),
    ],
)
def test_percent_is_exact(value: object, expected: Decimal) -> None:
    result = PERCENT.validate_python(value)
    assert result == expected and isinstance(result, Decimal)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("abc", ["percentage", "3.5", "'abc'"]),
        (True, ["percentage", "True"]),
        ("nan", ["percentage"]),
        ("inf", ["percentage"]),
        ("", ["percentage"]),
        (None, ["percentage"]),
        (1.23456, ["1.23456", "4 decimal places"]),
    ],
)
def test_percent_refuses(value: object, words: list[str]) -> None:
    message = _refused(PERCENT, value)
    for word in words:
        assert word in message


def test_share_percent_is_between_0_and_100() -> None:
    assert SHARE.validate_python(0) == 0
    assert SHARE.validate_python("100%") == 100
    assert SHARE.validate_python(33.3333) == Decimal("33.3333")
    assert "between 0% and 100%" in _refused(SHARE, 101)
    assert "between 0% and 100%" in _refused(SHARE, -1)
    assert "4 decimal places" in _refused(SHARE, 33.33333)


def test_percent_written_back() -> None:
    assert PERCENT.dump_python(Decimal("3.5")) == 3.5
    assert PERCENT.dump_python(Decimal(3)) == 3 and isinstance(PERCENT.dump_python(Decimal(3)), int)


def test_percent_weight_is_exact() -> None:
    assert percent_weight(Decimal("12.3456")) == 123_456
    assert percent_weight(Decimal(100)) == 1_000_000
    assert percent_weight(Decimal("33.3333")) * 3 == 999_999


# --- years, months and dates as field types -------------------------------------------------------------


def test_year_month_and_date_types() -> None:
    year = TypeAdapter(Year)
    assert year.validate_python("2025/26") == "2025-26"
    with pytest.raises(ValidationError, match="not a financial year"):
        year.validate_python("2025")
    month = TypeAdapter(Month)
    assert month.validate_python("2025-10-15") == "2025-10"
    assert month.validate_python("2026-1") == "2026-01"
    assert month.validate_python(dt.date(2026, 3, 31)) == "2026-03"
    with pytest.raises(ValidationError, match="not a month"):
        month.validate_python("Dec")
    date = TypeAdapter(Date)
    assert date.validate_python("2025-10-01") == dt.date(2025, 10, 1)
    assert date.validate_python(dt.datetime(2025, 1, 1, 3)) == dt.date(2025, 1, 1)
    assert date.validate_python(dt.date(2025, 1, 2)) == dt.date(2025, 1, 2)
    with pytest.raises(ValidationError, match="write it like 2025-10-01"):
        date.validate_python("01/10/2025")

"""The ledger map: how a council's or ICB's ledger extract becomes a scenario's actuals.

A finance lead's ledger codes spend by cost centre and account; the pooled
fund's agreement by scheme. The map says which columns of the extract hold
what, which way round the amounts are signed, which codes to leave out and
which scheme each code belongs to (or how one code is split across schemes),
and how each scheme's remaining months are forecast. The file format is in
docs/monitoring.md; reading the file is :mod:`pooledfund.io.ledger.map_file`.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from pooledfund.core.errors import InputError, Source
from pooledfund.core.types import Month, SharePercent, SingleLine, Year
from pooledfund.core.years import parse_month
from pooledfund.model.records import Record, check_percentages_total, field_line, source_of
from pooledfund.model.scenario import DefaultForecastMethod, SchemeForecast, close_hint

if TYPE_CHECKING:
    from decimal import Decimal

    from pooledfund.model.agreement import Agreement


#: The cell separators a CSV extract may use, by the name the map gives them.
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}


class LedgerColumns(Record):
    """The column headings of the ledger extract, exactly as its header row spells them.

    Attributes:
        cost_centre: the cost centre column (give it, ``account``, or both).
        account: the account (subjective / nominal code) column.
        period: the column holding the period: ``2025-09``, ``P6`` (P1 is
            April), ``Sep-25`` or a date.
        amount: one signed amount column; give this or ``debit`` and ``credit``.
        debit: the debit column (expenditure); with ``credit``.
        credit: the credit column (income, refunds, reversals); with ``debit``.
        reference: a transaction reference (journal or invoice number), used
            to tell a duplicate row from two payments of the same amount.
        description: a narrative column, shown next to listed rows.
    """

    cost_centre: str | None = None
    account: str | None = None
    period: str
    amount: str | None = None
    debit: str | None = None
    credit: str | None = None
    reference: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _enough_columns(self) -> LedgerColumns:
        if self.cost_centre is None and self.account is None:
            raise ValueError("name the cost_centre column, the account column or both: the map assigns codes "
                             "from them to schemes")
        split = self.debit is not None or self.credit is not None
        if (self.amount is None) == (not split) or (split and (self.debit is None or self.credit is None)):
            raise ValueError("give either 'amount' (one signed column) or both 'debit' and 'credit', not both "
                             "or neither")
        return self

    def code_columns(self) -> list[tuple[str, str]]:
        """The code columns given, as (field name, heading): cost centre first, then account."""
        found = [("cost_centre", self.cost_centre), ("account", self.account)]
        return [(name, heading) for name, heading in found if heading is not None]

    def amount_headings(self) -> list[str]:
        """The headings of the columns holding money: ``amount``, or ``debit`` and ``credit``."""
        return [heading for heading in (self.amount, self.debit, self.credit) if heading is not None]

    def headings(self) -> list[tuple[str, str]]:
        """Every heading the map names, as (field name, heading), in field order."""
        return [(name, value) for name, value in self.model_dump().items() if value is not None]


class CodeMatch(Record):
    """The codes a rule matches: a cost centre, an account, or both (a row must match each given).

    A code is matched exactly or by a pattern: ``*`` any run of characters,
    ``?`` one character, ``[0-4]`` one of a set. Case and spaces around the
    code do not matter.

    Attributes:
        cost_centre: the cost centre code or pattern, e.g. ``CC4101`` or ``CC41*``.
        account: the account code or pattern, e.g. ``5*``.
    """

    cost_centre: str | None = Field(default=None, min_length=1)
    account: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _some_code(self) -> CodeMatch:
        if self.cost_centre is None and self.account is None:
            raise ValueError("give the cost_centre, the account or both that this rule matches")
        return self

    def matches(self, codes: dict[str, str]) -> bool:
        """Whether a row with these codes (field name -> code, upper case, trimmed) matches every given pattern."""
        for name, pattern in (("cost_centre", self.cost_centre), ("account", self.account)):
            if pattern is not None and not fnmatchcase(codes.get(name, ""), pattern.strip().upper()):
                return False
        return True

    def label(self) -> str:
        """The rule's codes in words: ``cost centre CC41*, account 5*``."""
        parts = [f"cost centre {self.cost_centre}" if self.cost_centre else "",
                 f"account {self.account}" if self.account else ""]
        return ", ".join(part for part in parts if part)


class CodeRule(CodeMatch):
    """Codes assigned to one scheme, or split across schemes by percentage.

    Attributes:
        scheme: the scheme the codes' spend belongs to.
        split: scheme -> % of the codes' spend, adding up to exactly 100; each
            month's total is split by largest remainder in pence, so the parts
            add up to it exactly.
    """

    scheme: str | None = None
    split: dict[str, SharePercent] | None = None

    @field_validator("split")
    @classmethod
    def _split_adds_up(cls, value: dict[str, Decimal] | None) -> dict[str, Decimal] | None:
        return None if value is None else check_percentages_total(value)

    @model_validator(mode="after")
    def _one_target(self) -> CodeRule:
        if (self.scheme is None) == (self.split is None):
            raise ValueError("give either 'scheme' (all of it to one scheme) or 'split' (scheme: % ...), not both "
                             "or neither")
        return self

    def schemes(self) -> list[str]:
        """The schemes this rule puts spend into."""
        return [self.scheme] if self.scheme is not None else list(self.split or {})


class Exclusion(CodeMatch):
    """Codes left out of the actuals on purpose (recharges between partners, capital, income codes).

    Attributes:
        reason: why they are left out; shown with their total in the reconciliation.
    """

    reason: SingleLine = Field(min_length=1)


class ForecastChoice(Record):
    """How the months after the actuals are forecast.

    Attributes:
        default: the method for every scheme with actuals not named under ``schemes``.
        schemes: a scheme's own method (and, for ``last_year`` and ``manual``, its figures).
    """

    default: DefaultForecastMethod = "budget_profile"
    schemes: dict[str, SchemeForecast] = Field(default_factory=dict)


class ScenarioHeading(Record):
    """The id, name and description the produced actuals scenario is given.

    Attributes:
        id: the scenario's id (default ``actuals_2025_09`` for actuals to September 2025).
        name: its name in reports (default ``Actuals to Sep 2025``).
        description: what it is (default: the ledger file and the months it covers).
    """

    id: str = ""
    name: SingleLine = ""
    description: str = ""


class LedgerMap(Record):
    """Everything needed to turn one ledger extract into an actuals scenario.

    Attributes:
        agreement: the agreement file, relative to the map's folder.
        year: the financial year of the actuals.
        as_at: the last month that counts as actual; default the last month
            of the year with mapped spend (a row a code rule matches, not
            excluded, not £0). Rows after it are listed, with their total, as
            after the as-at month. ``--as-at`` on the command line overrides it.
        scenario: the produced scenario's id, name and description (each has a default).
        sheet: the worksheet to read, for an XLSX extract (default the first).
        header_row: the row holding the column headings, as Excel numbers it.
        columns: the headings of the columns used.
        delimiter: what separates the cells of a CSV extract: ``comma``,
            ``semicolon``, ``tab`` or ``pipe``; default found from the header
            row (the one that splits it into the map's headings). Not used
            for a workbook.
        sign: ``expenditure_positive`` (spend is a positive amount) or
            ``expenditure_negative`` (spend is negative, as some ledgers
            export); only with an ``amount`` column. With ``debit`` and
            ``credit``, spend is debit less credit.
        credit_sign: with ``debit`` and ``credit`` columns, how the credit
            column is written: ``positive`` (the default: a credit of £200 is
            ``200.00``, and spend is debit less credit) or ``negative`` (it is
            ``-200.00``, and spend is debit plus credit). A figure of the other
            sign in the credit column, or a negative debit, is refused at its
            cell: it would count the wrong way.
        period_13: ``refuse`` (the default: a P13 or P14 of the map's year is
            an error at its row) or ``march`` (P13 and P14, the year-end
            adjustment periods, count in March).
        unmapped: ``stop`` (the default: a row no rule matches stops the run,
            listed) or ``report`` (listed, left out, reconciled).
        duplicates: ``report`` (the default: listed and kept) or ``drop``
            (listed and left out, the first of each kept).
        exclude: codes left out on purpose, each with its reason.
        codes: the rules assigning codes to schemes. A row matching two rules
            is an error: rules may not overlap.
        forecast: the forecast method, by default and by scheme.
    """

    agreement: str = Field(min_length=1)
    year: Year
    as_at: Month | None = None
    scenario: ScenarioHeading = Field(default_factory=ScenarioHeading)
    sheet: str | None = None
    header_row: int = Field(default=1, ge=1, le=1000)
    columns: LedgerColumns
    delimiter: Literal["comma", "semicolon", "tab", "pipe"] | None = None
    sign: Literal["expenditure_positive", "expenditure_negative"] = "expenditure_positive"
    credit_sign: Literal["positive", "negative"] = "positive"
    period_13: Literal["refuse", "march"] = "refuse"
    unmapped: Literal["stop", "report"] = "stop"
    duplicates: Literal["report", "drop"] = "report"
    exclude: list[Exclusion] = Field(default_factory=list)
    codes: list[CodeRule] = Field(min_length=1)
    forecast: ForecastChoice = Field(default_factory=ForecastChoice)

    @model_validator(mode="after")
    def _consistent(self) -> LedgerMap:
        if "sign" in self.model_fields_set and self.columns.amount is None:
            raise ValueError("'sign' is for a single amount column; with debit and credit columns spend is always "
                             "debit less credit: remove 'sign'")
        if "credit_sign" in self.model_fields_set and self.columns.amount is not None:
            raise ValueError("'credit_sign' is for debit and credit columns; with one amount column say which way "
                             "it is signed with 'sign': remove 'credit_sign'")
        if self.as_at is not None and parse_month(self.as_at)[0] != self.year:
            raise ValueError(f"as_at {self.as_at} is not in {self.year}")
        for rule in [*self.codes, *self.exclude]:
            for name, _ in (("cost_centre", rule.cost_centre), ("account", rule.account)):
                if getattr(rule, name) is not None and getattr(self.columns, name) is None:
                    raise ValueError(f"a rule matches on {name.replace('_', ' ')} ({rule.label()}) but 'columns' "
                                     f"names no {name} column")
        return self

    def delimiter_character(self) -> str | None:
        """The character the map's ``delimiter`` names (``tab`` is a tab), or None to find it from the header row."""
        return None if self.delimiter is None else DELIMITERS[self.delimiter]

    def mapped_schemes(self) -> list[str]:
        """Every scheme some rule puts spend into, in the order first named."""
        return list(dict.fromkeys(scheme for rule in self.codes for scheme in rule.schemes()))


def _map_error(record: Record, field: str, message: str, file: str) -> InputError:
    """An error on ``field`` of a map record, on its line in the map file."""
    src = source_of(record) or Source(file, None, "ledger_map")
    line = field_line(record, *field.split("."))
    return InputError(Source(src.file, line, f"{src.path}.{field}"), message)


def check_ledger_map(ledger_map: LedgerMap, agreement: Agreement, file: str) -> list[InputError]:
    """Check the map's schemes against the agreement: every scheme named must be one of its schemes.

    A scheme the agreement does not have would take spend no run could
    show, so it is refused at its line, with the closest scheme ids.
    """
    scheme_ids = {s.id for _, s in agreement.schemes()}
    errors: list[InputError] = []
    if ledger_map.year not in agreement.years:
        listed = ", ".join(agreement.years)
        errors.append(_map_error(ledger_map, "year", f"{ledger_map.year} is not one of {agreement.id}'s years "
                                                     f"({listed})", file))
    for rule in ledger_map.codes:
        for scheme in rule.schemes():
            if scheme not in scheme_ids:
                field = "scheme" if rule.scheme is not None else f"split.{scheme}"
                hint = close_hint(scheme, scheme_ids, "schemes")
                errors.append(_map_error(rule, field, f"{scheme!r} is not a scheme in {agreement.id}{hint}", file))
    mapped = set(ledger_map.mapped_schemes())
    for scheme in ledger_map.forecast.schemes:
        if scheme not in mapped:
            listed = ", ".join(sorted(mapped))
            message = (f"{scheme!r} is given a forecast method but no code is mapped to it, so it has no actuals "
                       f"and the method would change nothing; the mapped schemes are: {listed}")
            errors.append(_map_error(ledger_map.forecast, f"schemes.{scheme}", message, file))
    return errors

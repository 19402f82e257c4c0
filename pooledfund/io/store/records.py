"""What a recorded version is: its details, its input files, its figures, and the words for its kind.

Plain frozen records with no database in them, so the text the commands
print and the comparisons between versions are worked out without
SQLAlchemy, and tested the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A version is a draft until the board signs it off; then it is fixed for good.
DRAFT, SIGNED_OFF = "draft", "signed off"
STATUSES = (DRAFT, SIGNED_OFF)

#: The months of a financial year a forecast can be made at: month 1 is April, month 12 March.
FORECAST_MONTHS = range(1, 13)
#: Every kind a version may have: the plan, a forecast at the end of a month of the year, the outturn.
KINDS = ("plan", *(f"month-{n}" for n in FORECAST_MONTHS), "outturn")

#: Where a figure belongs: a partner's totals, an arrangement's, or one scheme's.
PARTNER, ARRANGEMENT, SCHEME = "partner", "arrangement", "scheme"
LEVELS = (PARTNER, ARRANGEMENT, SCHEME)

#: The figures kept for each level, in the order they are shown, with the words a finance lead reads.
MEASURES: dict[str, dict[str, str]] = {
    PARTNER: {"cash_contribution": "Cash", "in_kind": "In kind", "overspend_share": "Overspend share",
              "underspend_return": "Underspend returned", "net_cost": "Net cost"},
    ARRANGEMENT: {"budget": "Budget", "spend": "Spend", "variance": "Variance (over)",
                  "brought_forward": "Brought forward", "carry_forward": "Carried forward",
                  "unfunded": "Unfunded", "reinvested": "Reinvested", "contingency": "Risk pool"},
    SCHEME: {"budget": "Budget", "spend": "Spend", "variance": "Variance (over)"},
}

#: The longest label a version may have: ``history`` prints it on one line of a table.
LABEL_MAX_CHARS = 200

#: The input files a version keeps, by the part they play in the run.
AGREEMENT_ROLE, SCENARIO_ROLE = "agreement", "scenario"

_MONTH_KIND = re.compile(r"month[- ]?(\d{1,2})", re.IGNORECASE)


def parse_kind(text: str) -> str:
    """A kind as typed (``plan``, ``month-3``, ``month 3``, ``outturn``) in its stored form, or ValueError.

    The month is the month of the financial year the forecast was made at
    the end of: 1 is April, 3 is June (the quarter 1 return), 12 is March.
    """
    word = text.strip().lower()
    if word in ("plan", "outturn"):
        return word
    match = _MONTH_KIND.fullmatch(word)
    if match and int(match.group(1)) in FORECAST_MONTHS:
        return f"month-{int(match.group(1))}"
    if match:
        raise ValueError(f"{text!r}: a forecast is made at the end of month 1 (April) to month 12 (March) of the "
                         "financial year; give month-1 to month-12")
    raise ValueError(f"{text!r} is not a kind of version; give plan, month-N (a forecast at the end of month N "
                     "of the year, 1 = April) or outturn")


def kind_words(kind: str) -> str:
    """A stored kind in words: ``plan``, ``month 3 forecast``, ``outturn``."""
    if kind.startswith("month-"):
        return f"month {kind.removeprefix('month-')} forecast"
    return kind


@dataclass(frozen=True)
class SignOff:
    """Who signed a version off, at which meeting, on which date.

    Attributes:
        by: the person who signed it off (as given to ``signoff --by``).
        meeting: the meeting that approved it ("Health and Wellbeing Board 2026-03-18").
        date: the date it was signed off, ``YYYY-MM-DD``.
        recorded_at: when the sign-off was entered in the database (UTC, ISO 8601).
    """

    by: str
    meeting: str
    date: str
    recorded_at: str

    def words(self) -> str:
        """The sign-off in one phrase: "by Jo Bloggs at Health and Wellbeing Board 2026-03-18 on 2026-03-18"."""
        return f"by {self.by} at {self.meeting} on {self.date}"


@dataclass(frozen=True)
class VersionInfo:
    """One version's details, without its files or figures.

    Attributes:
        id: the version's number in the database (1, 2, ...); never reused.
        label: the finance lead's name for it ("Plan 2025-26 as approved").
        kind: ``plan``, ``month-N`` or ``outturn`` (see :data:`KINDS`).
        agreement_id: the id of the agreement it ran.
        agreement_title: that agreement's title.
        scenario_name: the scenario it ran under ("Base (budget as agreed)" with none).
        recorded_by: who recorded it.
        recorded_at: when, in UTC (ISO 8601, ``2026-03-18T10:15:02Z``).
        tool_version: the pooledfund version that worked out its figures.
        status: ``draft`` or ``signed off``.
        sign_off: the sign-off, for a signed-off version.
    """

    id: int
    label: str
    kind: str
    agreement_id: str
    agreement_title: str
    scenario_name: str
    recorded_by: str
    recorded_at: str
    tool_version: str
    status: str
    sign_off: SignOff | None = None

    @property
    def signed_off(self) -> bool:
        """Whether the board has signed this version off (it can then never change)."""
        return self.status == SIGNED_OFF

    def describe(self) -> str:
        """The version in one line: "version 3 'Plan 2025-26' (plan, signed off)"."""
        return f"version {self.id} '{self.label}' ({kind_words(self.kind)}, {self.status})"


@dataclass(frozen=True)
class InputText:
    """One input file a version ran, as it was read.

    Attributes:
        role: ``agreement`` or ``scenario``.
        position: the order of the scenarios given (0 first; the agreement is 0).
        part: 0 for the file itself; 1 for the file a scenario extends, 2 for the one that extends, and so on.
        name: the file's name as it was given (a parent named as its child's ``extends`` finds it).
        sha256: the SHA-256 of the file's bytes, in hexadecimal.
        text: the file's text (UTF-8), exactly as read.
    """

    role: str
    position: int
    part: int
    name: str
    sha256: str
    text: str


@dataclass(frozen=True)
class Figure:
    """One figure of a version's results, in pence (the deterministic run).

    Attributes:
        year: the financial year ("2025-26").
        level: ``partner``, ``arrangement`` or ``scheme``.
        arrangement: the arrangement's id for an arrangement or scheme; empty for a partner.
        item: the partner's, arrangement's or scheme's id.
        name: its name, for reading.
        measure: which figure (see :data:`MEASURES`), e.g. ``net_cost``.
        pence: the amount in pence.
        position: the order the run lists it in, so tables follow the agreement.
    """

    year: str
    level: str
    arrangement: str
    item: str
    name: str
    measure: str
    pence: int
    position: int

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """What the figure is, without its amount: the same key in two versions is the same figure."""
        return (self.year, self.level, self.arrangement, self.item, self.measure)


@dataclass(frozen=True)
class Version:
    """A recorded version: its details, the files it ran and its figures."""

    info: VersionInfo
    inputs: tuple[InputText, ...]
    figures: tuple[Figure, ...]

    @property
    def years(self) -> list[str]:
        """The financial years its figures cover, in order."""
        return sorted({f.year for f in self.figures})

    def variance_by_year(self) -> dict[str, int]:
        """Spend less budget of all its arrangements, per year, in pence: positive is an overspend."""
        totals: dict[str, int] = {}
        for figure in self.figures:
            if figure.level == ARRANGEMENT and figure.measure == "variance":
                totals[figure.year] = totals.get(figure.year, 0) + figure.pence
        return totals


@dataclass(frozen=True)
class NewVersion:
    """A version about to be recorded (the database gives it its number and its time).

    Attributes are those of :class:`VersionInfo` that the recorder decides,
    plus the input files and the figures, and ``warnings``: what the
    recorder is told about it (a plan run on actuals), never kept.
    """

    label: str
    kind: str
    recorded_by: str
    agreement_id: str
    agreement_title: str
    scenario_name: str
    inputs: tuple[InputText, ...]
    figures: tuple[Figure, ...]
    warnings: tuple[str, ...] = ()

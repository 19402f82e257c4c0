"""The records an agreement is made of: partners, schemes, contributions, rules.

Every record is an immutable pydantic model that forbids unknown fields (a
misspelt field is an error, not silently ignored) and can say where it was
read from (:func:`source_of`). Money fields hold integer pence and are written
in files as pounds; percentages are exact decimals.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from pooledfund.core.errors import Source
from pooledfund.core.types import (
    GssCode,
    Identifier,
    Month,
    NonNegativeMoney,
    OdsCode,
    Percent,
    RatePercent,
    SharePercent,
    SingleLine,
    Year,
)
from pooledfund.core.vocabulary import (
    AreaOfSpend,
    FundingSource,
    PartnerKind,
    ProviderKind,
    SchemeType,
    VatPosition,
    Wording,
)
from pooledfund.model.amounts import AmountValue, ByYear, CapAmount, PercentOf, PositiveAmount, amount_words


class Record(BaseModel):
    """Base of every agreement record: frozen, strict about field names, located."""

    # defer_build: a record's validator is built the first time it is used, and the agreement's validator
    # holds every record's schema inside it, so a command builds one validator, not one per record class
    # (most never validate alone); that is 15 ms off every command's start (docs/performance.md, section 2).
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)
    _source: Source | None = PrivateAttr(default=None)
    _field_lines: Callable[[tuple[str | int, ...]], int | None] | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Records are equal when their fields are: where they were read from does not count."""
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__


def source_of(record: Record) -> Source | None:
    """Where ``record`` was read from, if it was read from a file."""
    return record._source


def set_source(
    record: Record, source: Source, field_lines: Callable[[tuple[str | int, ...]], int | None] | None = None
) -> None:
    """Attach a source to a record after validation (records are otherwise frozen).

    ``field_lines`` maps a path inside the record (``("shares", "nhs")``) to
    its line in the file, so a cross-check can point at the very field at fault.
    """
    record._source = source
    if field_lines is not None:
        record._field_lines = field_lines


def field_line(record: Record, *inner: str | int) -> int | None:
    """The file line of a field inside ``record`` (or of its nearest parent), if known."""
    lookup = record._field_lines
    line = lookup(inner) if lookup is not None else None
    if line is not None:
        return line
    source = source_of(record)
    return source.line if source else None


def check_percentages_total(shares: dict[str, Decimal]) -> dict[str, Decimal]:
    """Refuse a split whose percentages do not add up to exactly 100%."""
    total = sum(shares.values(), Decimal(0))
    if not shares:
        raise ValueError("give at least one partner and its percentage")
    if total != 100:
        listing = " + ".join(f"{k} {v}%" for k, v in shares.items())
        gap = abs(100 - total)
        direction = "short of" if total < 100 else "over"
        raise ValueError(
            f"percentages add up to {total}%, they must add up to 100% ({listing}; {gap}% {direction} 100%)"
        )
    return shares


class Partner(Record):
    """A body that is party to the agreement.

    Attributes:
        id: short identifier used everywhere else in the file (``icb``, ``council``).
        name: the body's legal name as it appears on the agreement.
        kind: integrated care board, NHS trust, unitary / county / district council, or other.
        vat: how the partner recovers VAT: a council under VATA s.33, an NHS body
            only through the contracted-out services refund (HMRC VATGPB6640).
        ods_code: an NHS body's Organisation Data Service code (``QHL``), optional.
        gss_code: a council's ONS GSS code (``E08000025``), optional.
        chief_executive: the name of the chief executive (an NHS body's
            accountable officer), who signs the plan; blank leaves a line to fill in.
        finance_officer: the name of the chief finance officer (a council's
            section 151 officer), who signs for a council before submission and
            for any other partner when named; blank leaves a council's line to fill in.

    The codes say which body a partner is when several agreements are run
    together: a council party to three pools is one body in the roll-up
    because its GSS code is the same in all three files. A partner has at
    most one code; without one it is matched by its ``id``.
    """

    id: Identifier = Field(min_length=1, description="Short identifier used elsewhere in the file")
    name: SingleLine = Field(min_length=1, description="The body's legal name")
    kind: PartnerKind = Field(description="Kind of public body")
    vat: VatPosition = Field(description="How the partner recovers VAT")
    ods_code: OdsCode | None = Field(default=None, description="NHS organisation (ODS) code, e.g. QHL")
    gss_code: GssCode | None = Field(default=None, description="Council's ONS GSS code, e.g. E08000025")
    chief_executive: SingleLine = Field(default="", description="Name of the chief executive who signs the plan")
    finance_officer: SingleLine = Field(default="", description="Name of the chief finance (s.151) officer")

    @model_validator(mode="after")
    def _one_code(self) -> Partner:
        if self.ods_code is not None and self.gss_code is not None:
            raise ValueError(f"give one code: ods_code ({self.ods_code}) for an NHS body or gss_code "
                             f"({self.gss_code}) for a council, not both")
        return self

    @property
    def match_key(self) -> str:
        """What says this partner is the same body in another agreement: its code, else its id."""
        if self.gss_code is not None:
            return f"GSS {self.gss_code}"
        if self.ods_code is not None:
            return f"ODS {self.ods_code}"
        return f"id {self.id}"


class DriverLink(Record):
    """A cost driver a scheme's spend responds to, with its elasticity.

    Attributes:
        driver: name of a demand driver used by scenarios (``non_elective_admissions``).
        elasticity: how much of a change in the driver flows into cost: 1 means a
            10% rise in the driver raises cost 10%; 0.5 means 5%.
    """

    driver: str = Field(min_length=1)
    elasticity: Percent = Field(default=Decimal(1), description="Share of the driver's change that flows into cost")

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: object) -> object:
        return {"driver": data} if isinstance(data, str) else data


class Scheme(Record):
    """A service line the arrangement pays for (one row of the BCF expenditure plan).

    Attributes:
        id: the scheme ID (unique across the agreement).
        name: scheme name as in the plan.
        description: brief description.
        scheme_type: one of the BCF scheme types.
        sub_type: the template's sub type, free text.
        area_of_spend: BCF area of spend (social care, community health, ...).
        commissioner: the commissioning partner's id, or for a joint scheme a
            mapping of partner id to percentage adding up to 100.
        provider: BCF provider category.
        funding_source: the BCF source of funding this line is paid from.
        budget: the budget for each financial year, in pounds.
        phasing: ``flat`` (1/12 a month) or twelve monthly weights from April.
        cost_category: the inflation category that applies to this scheme's cost
            (``care_fees``, ``pay``, ``prices``; ``general`` by default).
        cost_drivers: demand drivers this scheme's cost responds to.
        new_or_existing: whether the scheme is new or existing in the plan.
    """

    id: Identifier = Field(min_length=1)
    name: SingleLine = Field(min_length=1)
    description: str = ""
    scheme_type: SchemeType
    sub_type: str = ""
    area_of_spend: AreaOfSpend
    commissioner: str | dict[str, SharePercent]
    provider: ProviderKind
    funding_source: FundingSource
    budget: dict[Year, NonNegativeMoney]
    phasing: Literal["flat"] | list[Annotated[Decimal, Field(ge=0)]] = "flat"
    cost_category: str = Field(default="general", min_length=1)
    cost_drivers: list[DriverLink] = Field(default_factory=list)
    new_or_existing: Literal["new", "existing"] = "existing"

    @field_validator("commissioner")
    @classmethod
    def _joint_split_totals_100(cls, value: str | dict[str, Decimal]) -> str | dict[str, Decimal]:
        if isinstance(value, dict):
            check_percentages_total(value)
        return value

    @field_validator("phasing", mode="before")
    @classmethod
    def _flat_or_a_list(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() != "flat":
            raise ValueError(
                f"{value!r} is not a phasing; write flat (a twelfth each month) or 12 monthly weights from April"
            )
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("phasing")
    @classmethod
    def _twelve_months(cls, value: str | list[Decimal]) -> str | list[Decimal]:
        if isinstance(value, list):
            if len(value) != 12:
                raise ValueError(f"give 12 monthly weights from April to March (got {len(value)})")
            if sum(value) <= 0:
                raise ValueError("monthly weights must not all be zero")
        return value

    def commissioner_split(self) -> dict[str, Decimal]:
        """The commissioner as a partner -> percentage mapping (100% for a single commissioner)."""
        if isinstance(self.commissioner, str):
            return {self.commissioner: Decimal(100)}
        return dict(self.commissioner)


class Instalment(Record):
    """One payment in an instalment schedule: a month and either an amount or a percentage."""

    month: Month
    amount: NonNegativeMoney | None = None
    percent: SharePercent | None = None

    @model_validator(mode="after")
    def _amount_or_percent(self) -> Instalment:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give either amount or percent for each instalment, not both or neither")
        return self


class PaymentSchedule(Record):
    """When a contribution's cash is paid into the pool.

    Attributes:
        kind: ``monthly`` (1/12 each month from April), ``quarterly_in_advance``
            (a quarter each on 1 April, 1 July, 1 October and 1 January) or
            ``instalments`` (the listed months and amounts).
        instalments: for ``instalments`` only, the payments in order.
        withheld: an amount held back (e.g. a pay-for-performance element) and
            paid only when earned; it is not part of the schedule above.
        withheld_until: the month in which the withheld amount is paid once earned.
        withheld_condition: what must happen for the withheld amount to be paid.
    """

    kind: Literal["monthly", "quarterly_in_advance", "instalments"] = "monthly"
    instalments: list[Instalment] = Field(default_factory=list)
    withheld: NonNegativeMoney = 0
    withheld_until: Month | None = None
    withheld_condition: str = ""

    @model_validator(mode="wrap")
    @classmethod
    def _withheld_needs_a_month(
        cls, data: object, handler: ModelWrapValidatorHandler[PaymentSchedule]
    ) -> PaymentSchedule:
        """Say when a withheld amount is paid, even if another field of the schedule is also wrong.

        Checked on the raw data so the mistake is reported in the same pass as
        (and not hidden by) a mistake in an instalment.
        """
        missing_month = (
            isinstance(data, dict) and data.get("withheld") not in (None, 0, "0") and data.get("withheld_until") is None
        )
        message = "say in which month the withheld amount is paid once earned (withheld_until)"
        try:
            schedule = handler(data)
        except ValidationError as exc:
            if not missing_month:
                raise
            details: list[InitErrorDetails] = [
                {"type": e["type"], "loc": e["loc"], "input": e["input"], "ctx": e.get("ctx", {})}
                for e in exc.errors()
            ]
            details.append({"type": PydanticCustomError("value_error", message), "loc": (), "input": data})
            raise ValidationError.from_exception_data(cls.__name__, details) from None
        if missing_month:
            raise ValueError(message)
        return schedule

    @model_validator(mode="after")
    def _consistent(self) -> PaymentSchedule:
        if self.kind == "instalments" and not self.instalments:
            raise ValueError("an instalments schedule needs its instalments listed")
        if self.kind != "instalments" and self.instalments:
            raise ValueError(f"instalments are listed but the schedule kind is {self.kind}; use kind: instalments")
        percents = [i.percent for i in self.instalments if i.percent is not None]
        if percents and len(percents) == len(self.instalments):
            check_percentages_total({f"instalment {n + 1}": p for n, p in enumerate(percents)})
        return self


class Contribution(Record):
    """What one partner puts into an arrangement for one year from one funding source.

    Attributes:
        partner: the contributing partner's id.
        year: the financial year.
        source: the BCF funding source.
        cash: cash paid into the pool, in pounds.
        in_kind: value of contributions in kind (seconded staff, premises), in
            pounds, always shown apart from cash.
        in_kind_description: what the in-kind contribution is.
        schedule: when the cash is paid.
    """

    partner: str = Field(min_length=1)
    year: Year
    source: FundingSource = FundingSource.OTHER
    cash: NonNegativeMoney = 0
    in_kind: NonNegativeMoney = 0
    in_kind_description: str = ""
    schedule: PaymentSchedule = Field(default_factory=PaymentSchedule)

    @property
    def total(self) -> int:
        """Cash plus in kind, in pence."""
        return self.cash + self.in_kind


def one_of(value: object, choices: tuple[str, ...], what: str) -> object:
    """Refuse a word that is not one of ``choices``, naming the ones it could have meant.

    Spaces, hyphens and capitals are forgiven (``Return to giver`` reads as
    ``return_to_giver``), so a planner can write the words as they say them.
    """
    if not isinstance(value, str):
        return value
    key = "_".join(value.strip().lower().replace("-", " ").split())
    if key in choices:
        return key
    close = difflib.get_close_matches(key, choices, n=2, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise ValueError(f"{value!r} is not a {what}{hint} (use one of {', '.join(choices)})")


RING_FENCE_UNDERSPEND = ("carry_forward", "return_to_commissioner", "return_to_giver")
RING_FENCE_OVERSPEND = ("commissioner", "giver", "waterfall")


class RingFence(Record):
    """A funding source whose money must stay within it (the DFG always; any other the agreement names).

    A ring-fenced source is kept apart from the rest of the pool at the year
    end: its schemes' spend is measured against its own money, held for the
    partner that commissions (spends) each of its schemes. Its underspend is
    never netted against another source's overspend nor returned to a partner
    other than its own; its overspend follows its own rule.

    Attributes:
        source: the ring-fenced funding source (``dfg``, or e.g. ``other`` for a
            time-limited grant paid in under the agreement).
        underspend: what happens to money left unspent in the source:
            ``carry_forward`` (the default: kept in the source for next year,
            for the same partner), ``return_to_commissioner`` (paid back to the
            partner whose schemes underspent: in a two-tier area the district
            that receives its DFG) or ``return_to_giver`` (paid back to the
            partners that paid the source in, pro rata to what they paid).
        overspend: who bears spend above the source's money: ``commissioner``
            (the default: the partner whose schemes overspent, as it owns what
            it buys), ``giver`` (the partners that paid the source in, pro rata)
            or ``waterfall`` (the overspend joins the pool's and is shared by
            the risk-share layers like any other).
        note: the clause or grant condition, in the agreement's words.
    """

    source: FundingSource
    underspend: Literal["carry_forward", "return_to_commissioner", "return_to_giver"] = "carry_forward"
    overspend: Literal["commissioner", "giver", "waterfall"] = "commissioner"
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: object) -> object:
        """A bare source name (``- dfg``) ring-fences it with the default rules."""
        return {"source": data} if isinstance(data, str) else data

    @field_validator("underspend", mode="before")
    @classmethod
    def _underspend_word(cls, value: object) -> object:
        return one_of(value, RING_FENCE_UNDERSPEND, "ring-fenced underspend rule")

    @field_validator("overspend", mode="before")
    @classmethod
    def _overspend_word(cls, value: object) -> object:
        return one_of(value, RING_FENCE_OVERSPEND, "ring-fenced overspend rule")


ALWAYS_RING_FENCED = (FundingSource.DFG,)
"""Sources ring-fenced whatever the agreement says: the DFG is a capital grant
(Local Government Act 2003 s.31) that may be spent only on adaptations."""

CAPITAL_SOURCES = frozenset({FundingSource.DFG.value})
"""Funding sources that are capital rather than revenue (reported apart)."""


# --- Risk-share layers (overspend) ------------------------------------------------
#
# Each layer and rule carries its own words (``wording``): the words sit next to
# the fields that fill them in, so a new kind cannot be added without them and
# no report needs its own list of kinds to describe one.

WordKind = Literal["label", "short", "long"]
"""Which of a kind's words: a chart ``label``, a ``short`` sheet phrase, a ``long`` sentence phrase."""

LEFTOVER = Wording(
    label="Rest returned pro rata",
    short="what the rules leave: returned pro rata to contributions",
    long="what the rules leave is returned to partners pro rata to their contributions (cash and in kind)",
)
"""The words for the last step of every underspend: what no rule took goes back pro rata to contributions."""

_BASIS_WORDS = {"total": "contributions (cash and in kind)", "cash": "cash contributions"}


class Worded(Record):
    """A risk-share layer or underspend rule that can say what it does.

    ``limit`` on a layer or rule is the size of its slice of what remains
    (a band's width); a ``cap`` (:class:`CapLayer`) limits one partner's
    total overspend share for the year across every layer. The words keep
    the two apart: "up to" a limit, "capped at" a cap.
    """

    wording: ClassVar[Wording]
    if TYPE_CHECKING:
        note: str  # every kind has a free-text note, declared as a field on each kind (fields keep their order)

    @property
    def stated_limit(self) -> AmountValue | None:
        """The limit as the file states it (pounds in pence, a percentage, or by year); None for none."""
        value = getattr(self, "limit", None)
        return value if isinstance(value, (int, PercentOf, ByYear)) else None

    def words(self, which: WordKind, names: Mapping[str, str]) -> str:
        """This layer's or rule's label, short or long words, with its partners' names filled in."""
        text: str = getattr(self.wording, which)
        return text.format(**self._fill(names))

    def _fill(self, names: Mapping[str, str]) -> dict[str, str]:
        """The wordings' ``{fields}`` from this record's fields: the same field reads the same in every kind."""
        fields = self.__dict__
        fill: dict[str, str] = {}
        if "partner" in fields:
            fill["partner"] = names.get(fields["partner"], fields["partner"])
        if "scheme" in fields:
            fill["scheme"] = fields["scheme"]
        if "shares" in fields:
            fill["shares"] = ", ".join(f"{names.get(p, p)} {v}%" for p, v in fields["shares"].items())
        if "basis" in fields:
            fill["basis"] = _BASIS_WORDS[fields["basis"]]
        if "partners" in fields:
            chosen = fields["partners"]
            fill["among"] = f" among {', '.join(names.get(p, p) for p in chosen)}" if chosen else ""
        if fields.get("cap") is not None:
            cap = fields["cap"]
            fill["cap"] = "its contribution" if cap == "contribution" else amount_words(cap, names)
        return fill



class CommissionerLayer(Worded):
    """The overspend is borne by the commissioners of the schemes that overspent.

    Each partner's slice is pro rata to the overspends of the schemes it
    commissions (joint schemes by their split). ``limit`` is the size of the
    layer's slice (the first so many pounds of the overspend).
    """

    wording: ClassVar[Wording] = Wording(
        label="Commissioners",
        short="the commissioners of the overspending schemes (joint schemes by their split)",
        long="attributable to the commissioners of the schemes that overspent, pro rata to those overspends "
        "(joint schemes by their split)",
        limit="first",
    )
    layer: Literal["commissioner"]
    limit: PositiveAmount | None = None
    note: str = ""


class AttributableLayer(Worded):
    """Each commissioner bears the whole overspend of its own schemes, netted against nobody else's underspend.

    This is the clause "each partner bears the overspends on the services it
    commissions". It differs from :class:`CommissionerLayer`, which shares
    what is left *after* the schemes' variances are netted inside the pool:
    there, one partner's underspend pays for another's overspend first.

    Here each scheme's overspend goes to its commissioner (a joint scheme's
    by its commissioner split) before anything is netted, so the partners'
    own lines are settled first; what is left (usually the unspent risk pool)
    follows the later layers or the underspend rules. It must be the first
    layer. Pair it with the :class:`AttributableRule` underspend rule to give
    each commissioner its own schemes' underspends back as well. A partner's
    cap still applies: what a capped partner cannot bear of its own lines is
    left in the remainder.

    Attributes:
        layer: always ``attributable``.
        note: free text shown beside the layer in reports.
    """

    wording: ClassVar[Wording] = Wording(
        label="Own lines (attributable)",
        short="each commissioner bears its own schemes' overspends in full, not netted",
        long="each commissioner bears the whole overspend of the schemes it commissions (joint schemes by their "
        "split), with nothing netted against other commissioners' underspends",
    )
    layer: Literal["attributable"]
    note: str = ""

    @property
    def limit(self) -> None:
        """No limit: the whole of each commissioner's own overspends."""
        return None


class BandLayer(Worded):
    """One partner bears a band of the overspend, e.g. the host's first £250,000 (``limit``)."""

    wording: ClassVar[Wording] = Wording(
        label="{partner} band", short="a band borne by {partner}", long="a band borne by {partner} alone"
    )
    layer: Literal["band"]
    partner: str
    limit: PositiveAmount
    note: str = ""



class FixedSplitLayer(Worded):
    """The overspend (or a slice of it, up to ``limit``) is split by fixed percentages."""

    wording: ClassVar[Wording] = Wording(label="Fixed split", short="a fixed split", long="a fixed split ({shares})")
    layer: Literal["fixed_split"]
    shares: dict[str, SharePercent]
    limit: PositiveAmount | None = None
    note: str = ""

    @field_validator("shares")
    @classmethod
    def _total_100(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        return check_percentages_total(value)



class ProportionalLayer(Worded):
    """The overspend is split pro rata to each partner's contribution that year.

    ``basis`` is ``total`` (cash plus in kind, the default) or ``cash``;
    ``partners`` limits the layer to some partners (all contributors by default).
    """

    wording: ClassVar[Wording] = Wording(
        label="Pro rata to contributions", short="pro rata to contributions", long="pro rata to {basis}{among}"
    )
    layer: Literal["proportional"]
    basis: Literal["total", "cash"] = "total"
    partners: list[str] = Field(default_factory=list)
    limit: PositiveAmount | None = None
    note: str = ""



class CapLayer(Worded):
    """A cap on one partner's total overspend share for the year, across every layer.

    ``cap`` is ``contribution`` (the partner's contribution to the arrangement
    that year) or an amount in pounds. Wherever it is listed, it applies to the
    whole waterfall; the excess passes to the uncapped partners of the layer
    being shared, then to later layers, and finally is left unfunded for the board.
    """

    wording: ClassVar[Wording] = Wording(
        label="{partner} cap",
        short="cap on {partner}'s overspend share for the year",
        long="{partner}'s overspend share for the year is capped at {cap}",
    )
    layer: Literal["cap"]
    partner: str
    cap: CapAmount
    note: str = ""



_SHARING_KEYS = {"partner", "shares", "pro_rata"}


class Sharing(Record):
    """Who bears a part of the overspend under a switch: one partner, a fixed split, or pro rata to contributions.

    The file writes it briefly: a partner's id (``council``), ``pro_rata``
    (pro rata to contributions, cash and in kind), ``pro_rata_cash`` (pro
    rata to cash contributions only), or partners' percentages adding up to
    100 (``{council: 50, icb: 50}``).

    Attributes:
        partner: the one partner that bears all of it (None when it is split).
        shares: fixed percentages by partner, adding up to 100 (empty unless a fixed split).
        pro_rata: ``total`` (cash and in kind) or ``cash`` when it is shared pro rata to
            contributions that year (None otherwise).
    """

    partner: str | None = Field(default=None, min_length=1)
    shares: dict[str, SharePercent] = Field(default_factory=dict)
    pro_rata: Literal["total", "cash"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _brief(cls, data: object) -> object:
        """Read the brief forms: a partner's id, ``pro_rata``/``pro_rata_cash``, or percentages by partner."""
        if isinstance(data, str):
            text = data.strip()
            if text.lower() in ("pro_rata", "pro rata"):
                return {"pro_rata": "total"}
            if text.lower() in ("pro_rata_cash", "pro rata cash"):
                return {"pro_rata": "cash"}
            return {"partner": text}
        if isinstance(data, dict) and data and not set(data) <= _SHARING_KEYS:
            return {"shares": data}
        return data

    @model_validator(mode="after")
    def _one_way(self) -> Sharing:
        given = [name for name in ("partner", "shares", "pro_rata") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("say who bears it in one way: a partner's id, pro_rata, pro_rata_cash, or "
                             "percentages by partner adding up to 100")
        if self.shares:
            check_percentages_total(self.shares)
        return self

    def named_partners(self) -> list[str]:
        """The partners this sharing names (none for pro rata, which follows the contributions)."""
        if self.partner is not None:
            return [self.partner]
        return list(self.shares)

    def words(self, names: Mapping[str, str]) -> str:
        """"by Council alone", "by a fixed split (Council 50%, ICB 50%)", "pro rata to cash contributions"."""
        if self.partner is not None:
            return f"by {names.get(self.partner, self.partner)} alone"
        if self.shares:
            split = ", ".join(f"{names.get(p, p)} {v}%" for p, v in self.shares.items())
            return f"by a fixed split ({split})"
        return f"pro rata to {_BASIS_WORDS[self.pro_rata or 'total']}"


class SwitchLayer(Worded):
    """One sharing at or below a threshold, a different sharing for the WHOLE overspend once past it.

    "The host absorbs an overspend up to 2% of the pool; once past 2%, the
    whole overspend is shared 50/50." With a pool of £40m the threshold is
    £800,000: an overspend of £700,000 falls on the host alone; one of
    £900,000 is shared 50/50 from the first pound (£450,000 each), not
    £800,000 on the host and the £100,000 above it shared.

    The threshold is compared with what reaches the layer: the overspend
    left after the risk pool and any earlier layers. At exactly the
    threshold the ``below`` sharing applies; only past it does ``above``.
    The layer takes all that reaches it (it has no limit), so later layers
    receive only what caps leave: a capped partner's excess goes first to
    the other partners of the chosen sharing, then to later layers, and
    what nobody can take is unfunded, as in every layer.

    Attributes:
        layer: always ``switch``.
        threshold: the switch point: pounds, a percentage of the pool (``2%``) or of a
            partner's contribution, or one per year.
        below: who bears the overspend while it is no more than the threshold.
        above: who bears the whole overspend, from the first pound, once it is past the threshold.
        note: free text shown beside the layer in reports.
    """

    wording: ClassVar[Wording] = Wording(
        label="Switch at {threshold}",
        short="switch at {threshold}: {below} up to it; past it, the whole overspend {above}",
        long="a switch at {threshold}: an overspend no more than that is borne {below}; once past it, the whole "
        "overspend, from the first pound, is borne {above}",
    )
    layer: Literal["switch"]
    threshold: PositiveAmount
    below: Sharing
    above: Sharing
    note: str = ""

    @property
    def limit(self) -> None:
        """No limit: the layer takes all that reaches it."""
        return None

    def _fill(self, names: Mapping[str, str]) -> dict[str, str]:
        fill = super()._fill(names)
        fill.update(threshold=amount_words(self.threshold, names), below=self.below.words(names),
                    above=self.above.words(names))
        return fill


RiskLayer = Annotated[
    CommissionerLayer | BandLayer | FixedSplitLayer | ProportionalLayer | CapLayer | AttributableLayer | SwitchLayer,
    Field(discriminator="layer"),
]


class Trigger(Record):
    """A threshold that moves no money but must be reported when the forecast passes it.

    "If the forecast overspend is above 2% of the pool, the partners agree a
    recovery plan within 30 days." The run, the explanation, the pack's
    Checks sheet and the dashboard say whether each year's forecast is past
    the threshold and, where the scenario has actuals, in which month the
    forecast first passed it.

    Attributes:
        threshold: pounds, a percentage of the pool (``2%``) or of a partner's contribution, or one
            per year; the variance must be more than this to trigger.
        direction: ``overspend`` (spend more than the money in by more than the threshold) or
            ``underspend`` (spend less than the money in by more than the threshold).
        action: what the agreement says must happen ("partners agree a recovery plan within 30 days").
        note: free text shown beside the trigger in reports.
    """

    threshold: PositiveAmount
    direction: Literal["overspend", "underspend"] = "overspend"
    action: str = Field(min_length=1)
    note: str = ""

    def words(self, names: Mapping[str, str]) -> str:
        """"a forecast overspend above 2% of the pool"."""
        return f"a forecast {self.direction} above {amount_words(self.threshold, names)}"


# --- Underspend rules ------------------------------------------------------------------


class AttributableRule(Worded):
    """Each commissioner gets back the whole underspend of its own schemes, netted against nobody else's overspend.

    The underspend half of "each partner bears (and keeps) the variance on
    the services it commissions": each scheme's underspend is returned to its
    commissioner (a joint scheme's by its split) before anything is netted.
    It must be the first underspend rule, and it works whether the pool as a
    whole is over or under: with the :class:`AttributableLayer` it settles
    every scheme's whole variance on its commissioners first.

    Attributes:
        rule: always ``attributable``.
        note: free text shown beside the rule in reports.
    """

    wording: ClassVar[Wording] = Wording(
        label="Own lines returned",
        short="each commissioner gets its own schemes' underspends back in full, not netted",
        long="each commissioner gets back the whole underspend of the schemes it commissions (joint schemes by "
        "their split), with nothing netted against other commissioners' overspends",
    )
    rule: Literal["attributable"]
    note: str = ""

    @property
    def limit(self) -> None:
        """No limit: the whole of each commissioner's own underspends."""
        return None


class CarryForwardRule(Worded):
    """Carry the underspend into next year's pool (its risk pool), up to ``cap``.

    The file calls this rule's slice its ``cap``; it is a limit like every other
    rule's (see :attr:`limit`), not a cap on a partner.
    """

    wording: ClassVar[Wording] = Wording(
        label="Carry forward", short="carry forward to next year's risk pool",
        long="carry forward into next year's risk pool",
    )
    rule: Literal["carry_forward"]
    cap: PositiveAmount | None = None
    note: str = ""

    @property
    def limit(self) -> AmountValue | None:
        """The most this rule takes (the file's ``cap``); None for all that remains."""
        return self.cap


class ReinvestRule(Worded):
    """Spend the underspend in-year, non-recurrently, on a named scheme, up to ``cap`` (its limit)."""

    wording: ClassVar[Wording] = Wording(
        label="Reinvest in {scheme}", short="reinvest in scheme {scheme}",
        long="reinvest in scheme {scheme}, non-recurrently, this year",
    )
    rule: Literal["reinvest"]
    scheme: str
    cap: PositiveAmount | None = None
    note: str = ""

    @property
    def limit(self) -> AmountValue | None:
        """The most this rule takes (the file's ``cap``); None for all that remains."""
        return self.cap



class ReturnFixedSplitRule(Worded):
    """Return the underspend (up to ``limit``) to partners by fixed percentages."""

    wording: ClassVar[Wording] = Wording(
        label="Return by fixed split", short="return by a fixed split", long="return by a fixed split ({shares})"
    )
    rule: Literal["fixed_split"]
    shares: dict[str, SharePercent]
    limit: PositiveAmount | None = None
    note: str = ""

    @field_validator("shares")
    @classmethod
    def _total_100(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        return check_percentages_total(value)



class ReturnProportionalRule(Worded):
    """Return the underspend (up to ``limit``) pro rata to contributions."""

    wording: ClassVar[Wording] = Wording(
        label="Return pro rata", short="return pro rata to contributions",
        long="return to partners pro rata to their {basis}",
    )
    rule: Literal["return_proportional"]
    basis: Literal["total", "cash"] = "total"
    limit: PositiveAmount | None = None
    note: str = ""



class RetainByHostRule(Worded):
    """The host partner keeps the underspend (up to ``limit``)."""

    wording: ClassVar[Wording] = Wording(label="Host keeps", short="the host keeps it", long="the host keeps it")
    rule: Literal["retain_by_host"]
    limit: PositiveAmount | None = None
    note: str = ""


UnderspendRule = Annotated[
    CarryForwardRule | ReinvestRule | ReturnFixedSplitRule | ReturnProportionalRule | RetainByHostRule
    | AttributableRule,
    Field(discriminator="rule"),
]


class BudgetAssumptions(Record):
    """The inflation and demography the budgets were set with.

    Scenarios compare their own rates with these: spend moves by the ratio of
    scenario to budgeted price level, so the base scenario reproduces the budget.

    Attributes:
        inflation: % a year by cost category (``care_fees``, ``pay``...) and year.
        demography: % a year by scheme type key (or ``all``) and year.
        reference: where the rates came from (e.g. "ICB financial plan 2025-26").
    """

    inflation: dict[str, dict[Year, RatePercent]] = Field(default_factory=dict)
    demography: dict[str, dict[Year, RatePercent]] = Field(default_factory=dict)
    reference: str = ""

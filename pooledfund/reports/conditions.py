"""The BCF national conditions and reconciliations, as figures with a threshold and a verdict.

Shared by the Excel sign-off pack (the Checks sheet, which recomputes the
same figures with live formulas) and the dashboard. Pure: no file formats.

What is checked (Better Care Fund policy frameworks and NHS England's BCF
planning requirements; the income and expenditure tests are the planning
template's running balance per funding source):

* **NHS minimum contribution**: the partners' NHS minimum contribution
  (cash and in kind, after the scenario's changes) is at least the required
  minimum for the year. Where several partners pay it (a Health and Wellbeing
  Board with several ICBs on its footprint), each partner's contribution is
  also checked against its own required figure, then the total.
* **Adult social care maintained**: spend from the NHS minimum on social
  care, commissioned by the council (its share of joint schemes), is at least
  the maintenance figure.
* **NHS-commissioned out-of-hospital spend**: spend from the NHS minimum on
  any area but acute, commissioned by NHS bodies (their share of joint
  schemes), is at least the ring-fence.
* **DFG on DFG schemes**: no Disabled Facilities Grant money is planned on
  schemes that are not DFG Related Schemes.
* **Joint splits**: every scheme's NHS and LA percentages add up to 100%.
* **Income equals expenditure per source**: in each balanced pool, each
  funding source's income equals the schemes it pays for (the template's
  running balance); an additional or "other" source may exceed them by the
  risk pool it funds. This applies to pools with a mandatory BCF source; every
  balanced pool as a whole must equal scheme budgets plus the contingency.

A required figure for a year is the amount configured for that year; or, for
the adult social care and out-of-hospital figures, a configured share of that
year's required NHS minimum contribution; or else last year's required figure
uplifted by the year's published percentage (rounded half up to the penny).
"Last year" may be the year before the plan (a 2024-25 baseline for a
2025-26 plan). With nothing configured, the first plan year is its own
baseline: the words then say the local figure should be set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from pooledfund.agreements import FundedArrangement
from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import MoneyError, format_gbp, to_pence
from pooledfund.core.vocabulary import AreaOfSpend, FundingSource, PartnerKind, SchemeType
from pooledfund.core.years import parse_year, year_start
from pooledfund.engine.results import RunResult
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import Scheme

#: Partner kinds whose commissioning counts as NHS (the template's "% NHS").
NHS_KINDS = frozenset({PartnerKind.INTEGRATED_CARE_BOARD, PartnerKind.NHS_TRUST})

#: Sources the BCF policy framework requires to be spent in full (running balance zero).
MANDATORY_SOURCES = frozenset(
    {FundingSource.NHS_MINIMUM, FundingSource.IBCF, FundingSource.DFG, FundingSource.LA_DISCHARGE,
     FundingSource.ICB_DISCHARGE, FundingSource.LA_BETTER_CARE_GRANT}
)

#: Published uplifts of the NHS minimum and of the ASC maintenance figure, % on the year before.
PUBLISHED_UPLIFTS: dict[str, Decimal] = {
    "2021-22": Decimal("5.3"),
    "2022-23": Decimal("5.66"),
    "2023-24": Decimal("5.66"),
    "2024-25": Decimal("5.66"),
    "2025-26": Decimal("3.9"),
}
PUBLISHED_SOURCE = (
    "Better Care Fund policy frameworks 2021 to 2022, 2022 to 2023 and 2023 to 2025 (DHSC and DLUHC) and 2025 to "
    "2026 (DHSC and MHCLG, 2025); Better Care Fund planning requirements (NHS England, 2023 and 2025)"
)
"""Where the published uplifts come from, all years together (each check names its own year's documents)."""


def policy_framework(year: str) -> str:
    """The published Better Care Fund policy framework and planning requirements that set ``year``'s uplift.

    By title and year, as a reader would search for them. A year after the
    last published one names the latest, marked as such.
    """
    start = int(year[:4])
    if start <= 2021:
        return "Better Care Fund policy framework 2021 to 2022 (DHSC and DLUHC, 2021)"
    if start == 2022:
        return "2022 to 2023 Better Care Fund policy framework (DHSC and DLUHC, 2022)"
    if start <= 2024:
        return ("Better Care Fund policy framework 2023 to 2025 (DHSC and DLUHC, 2023); "
                "Better Care Fund planning requirements 2023-25 (NHS England, 2023)")
    latest = ("Better Care Fund policy framework 2025 to 2026 (DHSC and MHCLG, 2025); "
              "BCF planning requirements 2025-26 (NHS England, 2025)")
    return latest if start == 2025 else f"{latest}, the latest published"


def planning_requirements(year: str) -> str:
    """NHS England's Better Care Fund planning requirements for ``year`` (the latest for a later year), by title."""
    start = int(year[:4]) if year else 2025
    if start in (2023, 2024):
        return "Better Care Fund planning requirements 2023-25 (NHS England, 2023)"
    if start >= 2025:
        return "BCF planning requirements 2025-26 (NHS England, 2025)" + (", the latest published" if start > 2025
                                                                          else "")
    return f"Better Care Fund planning requirements {year} (NHS England)"


#: The regulations that require a pooled fund's agreement to set out each partner's contribution.
REGULATIONS = ("NHS Bodies and Local Authorities Partnership Arrangements Regulations 2000 (SI 2000/617), "
               "regulation 7")

#: The thresholds a file may set in pounds, by year.
AMOUNT_KEYS = ("nhs_minimum", "asc_maintenance", "out_of_hospital")
#: The thresholds that may instead be set as a % of the year's required NHS minimum contribution.
SHARE_KEYS = ("asc_maintenance", "out_of_hospital")
#: Where each partner paying the NHS minimum (each ICB on the footprint) has its own threshold.
BY_PARTNER_KEY = "nhs_minimum.by_partner"


@dataclass(frozen=True)
class ConditionThresholds:
    """The required figures the conditions are measured against, per year.

    Attributes:
        uplift_pct: % uplift of each required figure on the year before, by year.
            Years after the last listed use the last rate (an assumption, said so
            in the words); years before the first use the first.
        nhs_minimum: the local NHS minimum contribution required, pence by year.
        asc_maintenance: the required NHS-funded adult social care spend, pence by year.
        out_of_hospital: the NHS-commissioned out-of-hospital ring-fence, pence by year.
        source: where the uplifts come from (shown next to every check without a source of its own).
        shares: the adult social care and out-of-hospital figures given as a % of the year's
            required NHS minimum contribution instead of in pounds: threshold key, then year.
        nhs_minimum_by_partner: each partner's own required NHS minimum contribution (an
            ICB's part of the Health and Wellbeing Board's minimum), pence by partner id and year.
        sources: the public source of one threshold, in words (title and year), by its key
            (``out_of_hospital``, ``nhs_minimum.by_partner.icb_a``...).
    """

    uplift_pct: dict[str, Decimal] = field(default_factory=lambda: dict(PUBLISHED_UPLIFTS))
    nhs_minimum: dict[str, int] = field(default_factory=dict)
    asc_maintenance: dict[str, int] = field(default_factory=dict)
    out_of_hospital: dict[str, int] = field(default_factory=dict)
    source: str = PUBLISHED_SOURCE
    shares: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    nhs_minimum_by_partner: dict[str, dict[str, int]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def source_for(self, key: str) -> str:
        """The source named next to the checks of threshold ``key``: its own, its parent's, or the file's.

        ``nhs_minimum.by_partner.icb_a`` falls back to ``nhs_minimum.by_partner``,
        then ``nhs_minimum``, then the file's ``source``.
        """
        while key:
            if key in self.sources:
                return self.sources[key]
            key = key.rpartition(".")[0]
        return self.source

    def uplift(self, year: str) -> tuple[Decimal, bool]:
        """The uplift for ``year`` and whether it was published for that year (not rolled on)."""
        if year in self.uplift_pct:
            return self.uplift_pct[year], True
        known = sorted(self.uplift_pct)
        if not known:
            return Decimal(0), False
        return self.uplift_pct[known[-1] if year > known[-1] else known[0]], False


DEFAULT_THRESHOLDS = ConditionThresholds()


@dataclass(frozen=True)
class ConditionCheck:
    """One condition in one year, with its figure, threshold and verdict.

    Attributes:
        name: what is tested, in a finance lead's words.
        year: the financial year ("" when the check covers every year).
        figure: the plan's figure: pence, or a count (see ``unit``).
        threshold: what the figure is measured against, in the same unit.
        passed: whether the condition is met.
        words: the result in a sentence, with both figures.
        source: where the threshold comes from.
        key: a stable identifier of the condition (``asc_maintenance``...).
        unit: ``pence`` or ``count``.
        comparison: how figure meets threshold: ``>=``, ``<=`` or ``==``.
        funding_source: for a per-source reconciliation, the source's key.
        arrangement: for a reconciliation of one pool, the arrangement's id.
        partner: for one partner's NHS minimum contribution, the partner's id.
    """

    name: str
    year: str
    figure: int
    threshold: int
    passed: bool
    words: str
    source: str
    key: str = ""
    unit: str = "pence"
    comparison: str = ">="
    funding_source: str = ""
    arrangement: str = ""
    partner: str = ""


def nhs_share(agreement: Agreement, scheme: Scheme) -> Decimal:
    """The % of a scheme commissioned by NHS bodies; the rest counts as the council's (% LA)."""
    kinds = {p.id: p.kind for p in agreement.partners}
    return sum(
        (pct for partner, pct in scheme.commissioner_split().items() if kinds.get(partner) in NHS_KINDS), Decimal(0)
    )


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _uplifted(pence: int, pct: Decimal) -> int:
    return _half_up(Decimal(pence) * (100 + pct) / 100)


def _passes(figure: int, threshold: int, comparison: str) -> bool:
    if comparison == ">=":
        return figure >= threshold
    if comparison == "<=":
        return figure <= threshold
    return figure == threshold


@dataclass(frozen=True)
class _Measure:
    """One condition on the NHS minimum: what is measured, the plan's figures and how the threshold is set.

    Attributes:
        key: the condition's key (``nhs_minimum``, ``asc_maintenance``...).
        name: the check's name.
        what: the plan's figure in words, for the sentence.
        figures: the plan's figure, pence by year.
        configured: the configured required figures, pence by year.
        shares: the required figure as a % of ``base``, by year (configured as a share).
        base: the year's required NHS minimum contribution, pence by year (what a share is of).
        partner: the partner the check is about ("" for the whole Health and Wellbeing Board).
    """

    key: str
    name: str
    what: str
    figures: dict[str, int]
    configured: dict[str, int]
    shares: dict[str, Decimal] = field(default_factory=dict)
    base: dict[str, int] = field(default_factory=dict)
    partner: str = ""


def _year_before(year: str) -> str:
    start = year_start(year) - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _required(years: list[str], measure: _Measure, thresholds: ConditionThresholds) -> dict[str, tuple[int, str]]:
    """Each year's required figure and where it came from (configured, a share, baseline or uplifted).

    A figure configured for the year before the plan is the baseline the
    first plan year is uplifted from (the 2024-25 baseline of a 2025-26 plan).
    """
    required: dict[str, tuple[int, str]] = {}
    before = _year_before(years[0]) if years else ""
    previous = measure.configured.get(before)
    last = "last year's required figure"
    if previous is not None:
        last = f"the configured {before} figure {format_gbp(previous)}"
    for year in years:
        if year in measure.configured:
            value, how = measure.configured[year], "the configured local figure"
        elif year in measure.shares and year in measure.base:
            pct = measure.shares[year]
            value = _half_up(Decimal(measure.base[year]) * pct / 100)
            how = f"the configured {pct}% of the required NHS minimum contribution {format_gbp(measure.base[year])}"
        elif previous is None:
            value = measure.figures[year]
            how = "the plan's own figure taken as the baseline (configure the published local figure)"
        else:
            pct, published = thresholds.uplift(year)
            value = _uplifted(previous, pct)
            assumed = "" if published else ", assumed: the latest published rate rolled forward"
            how = f"{last} uplifted by {pct}%{assumed}"
        required[year] = (value, how)
        previous, last = value, "last year's required figure"
    return required


def _minimum_checks(years: list[str], measure: _Measure, thresholds: ConditionThresholds) -> list[ConditionCheck]:
    checks = []
    source = thresholds.source_for(f"{BY_PARTNER_KEY}.{measure.partner}" if measure.partner else measure.key)
    for year, (threshold, how) in _required(years, measure, thresholds).items():
        figure = measure.figures[year]
        passed = figure >= threshold
        verdict = "is at least" if passed else "is below"
        gap = "" if passed else f", {format_gbp(threshold - figure)} short"
        words = (f"{year}: {measure.what} {format_gbp(figure)} {verdict} the required {format_gbp(threshold)}{gap} "
                 f"(required figure: {how}).")
        named = policy_framework(year) if source == PUBLISHED_SOURCE else source
        checks.append(ConditionCheck(measure.name, year, figure, threshold, passed, words, named, measure.key,
                                     partner=measure.partner))
    return checks


def planned_spend(agreement: Agreement, year: str, source: FundingSource, *, area: str = "", not_area: str = "",
                  share: str = "") -> int:
    """Planned scheme spend from ``source`` in ``year`` (optionally one area, or all but one, and one side's share).

    ``share`` is ``nhs`` or ``la`` to take only that side's percentage of each
    scheme; the total is rounded half up to the penny once, as the workbook does.
    """
    total = Decimal(0)
    for _, scheme in agreement.schemes():
        if scheme.funding_source != source or (area and scheme.area_of_spend != area):
            continue
        if not_area and scheme.area_of_spend == not_area:
            continue
        budget = Decimal(scheme.budget.get(year, 0))
        if share:
            nhs = nhs_share(agreement, scheme)
            total += budget * (nhs if share == "nhs" else 100 - nhs) / 100
        else:
            total += budget
    return _half_up(total)


def _income_by_source(result: RunResult, arrangement_id: str, year: str) -> dict[str, int]:
    for row in result.for_year(year):
        if row.arrangement_id == arrangement_id:
            return {source: int(values.sum()) for source, values in row.cash_by_source.items()}
    return {}


def national_conditions(
    agreement: Agreement, result: RunResult, thresholds: ConditionThresholds | None = None
) -> list[ConditionCheck]:
    """Every national condition and reconciliation for every year of the run.

    Conditions on the NHS minimum apply only when the agreement has an NHS
    minimum contribution or scheme; the DFG condition only when there is DFG.
    Contributions are taken from ``result`` (after the scenario's changes);
    spend is the planned scheme budgets.
    """
    thresholds = thresholds or DEFAULT_THRESHOLDS
    years = list(agreement.years)
    checks: list[ConditionCheck] = []
    sources_used = {s.funding_source for _, s in agreement.schemes()}
    funded = [a for a in agreement.arrangements if isinstance(a, FundedArrangement)]
    sources_used |= {c.source for a in funded for c in a.all_contributions(years)}
    if FundingSource.NHS_MINIMUM in sources_used:
        checks += _nhs_minimum_checks(agreement, result, {a.id for a in funded}, thresholds)
    if FundingSource.DFG in sources_used:
        checks += _dfg_checks(agreement, years)
    checks.append(_joint_split_check(agreement))
    for arrangement in funded:
        if arrangement.balanced:
            checks += _balance_checks(arrangement, result, years)
    return checks


def nhs_minimum_by_partner(result: RunResult, arrangement_ids: set[str]) -> dict[str, dict[str, int]]:
    """Each partner's NHS minimum contribution to the arrangements, pence by partner and year.

    Only partners that pay some NHS minimum in some year are listed; every
    year of the run is filled in (0 where the partner paid nothing).
    """
    paid: dict[str, dict[str, int]] = {}
    for row in result.arrangement_years:
        values = row.cash_by_source.get(FundingSource.NHS_MINIMUM.value)
        if row.arrangement_id not in arrangement_ids or values is None:
            continue
        for partner, value in zip(row.partners, values.tolist(), strict=True):
            if value:
                by_year = paid.setdefault(partner, dict.fromkeys(result.years, 0))
                by_year[row.year] += int(value)
    return paid


def _nhs_minimum_checks(
    agreement: Agreement, result: RunResult, arrangement_ids: set[str], thresholds: ConditionThresholds
) -> list[ConditionCheck]:
    """The NHS minimum contribution (each payer's when there are several, then the total) and its two ring-fences."""
    years = list(agreement.years)
    checks: list[ConditionCheck] = []
    payers = nhs_minimum_by_partner(result, arrangement_ids)
    names = {p.id: p.name for p in agreement.partners}
    per_partner = sorted(payers) if len(payers) > 1 else []
    per_partner += sorted(set(thresholds.nhs_minimum_by_partner) - set(per_partner))
    for partner in per_partner:
        name = names.get(partner, partner)
        checks += _minimum_checks(years, _Measure(
            "nhs_minimum_partner", f"NHS minimum contribution: {name}", f"{name}'s NHS minimum contribution",
            payers.get(partner, dict.fromkeys(years, 0)), thresholds.nhs_minimum_by_partner.get(partner, {}),
            partner=partner), thresholds)
    contributed = {y: sum(by_year[y] for by_year in payers.values()) for y in years}
    what = f"the total NHS minimum contribution ({len(payers)} partners pay it)" if len(payers) > 1 else (
        "the NHS minimum contribution")
    total = _Measure("nhs_minimum", "NHS minimum contribution", what, contributed, thresholds.nhs_minimum)
    checks += _minimum_checks(years, total, thresholds)
    base = {year: value for year, (value, _) in _required(years, total, thresholds).items()}
    asc = {y: planned_spend(agreement, y, FundingSource.NHS_MINIMUM, area=AreaOfSpend.SOCIAL_CARE, share="la")
           for y in years}
    checks += _minimum_checks(years, _Measure(
        "asc_maintenance", "NHS-funded adult social care maintained",
        "NHS minimum spend on social care commissioned by the council", asc, thresholds.asc_maintenance,
        thresholds.shares.get("asc_maintenance", {}), base), thresholds)
    ooh = {y: planned_spend(agreement, y, FundingSource.NHS_MINIMUM, not_area=AreaOfSpend.ACUTE, share="nhs")
           for y in years}
    checks += _minimum_checks(years, _Measure(
        "out_of_hospital", "NHS-commissioned out-of-hospital ring-fence",
        "NHS minimum spend on out-of-hospital services commissioned by the NHS", ooh, thresholds.out_of_hospital,
        thresholds.shares.get("out_of_hospital", {}), base), thresholds)
    return checks


def dfg_elsewhere(agreement: Agreement, year: str) -> int:
    """DFG-funded planned spend on schemes that are not DFG Related Schemes, in pence."""
    return sum(
        s.budget.get(year, 0) for _, s in agreement.schemes()
        if s.funding_source == FundingSource.DFG and s.scheme_type != SchemeType.DFG_RELATED
    )


def _dfg_checks(agreement: Agreement, years: list[str]) -> list[ConditionCheck]:
    checks = []
    for year in years:
        figure = dfg_elsewhere(agreement, year)
        total = planned_spend(agreement, year, FundingSource.DFG)
        passed = figure == 0
        words = (f"{year}: all {format_gbp(total)} of DFG-funded spend is on DFG Related Schemes."
                 if passed else f"{year}: {format_gbp(figure)} of the {format_gbp(total)} DFG-funded spend is on "
                 "schemes that are not DFG Related Schemes; the DFG is a capital grant for adaptations.")
        checks.append(ConditionCheck(
            "DFG spent on DFG schemes", year, figure, 0, passed, words,
            f"Disabled Facilities Grant determination {year} (grant under the Local Government Act 2003, s.31)", "dfg",
            "pence", "=="))
    return checks


def _joint_split_check(agreement: Agreement) -> ConditionCheck:
    wrong = [s.id for _, s in agreement.schemes() if sum(s.commissioner_split().values(), Decimal(0)) != 100]
    joint = sum(1 for _, s in agreement.schemes() if len(s.commissioner_split()) > 1)
    words = (f"All {joint} joint schemes' NHS and LA percentages add up to 100%." if not wrong
             else f"The splits of {', '.join(wrong)} do not add up to 100%.")
    return ConditionCheck("Joint splits add up to 100%", "", len(wrong), 0, not wrong, words,
                          "Better Care Fund planning requirements (NHS England): % NHS and % LA of joint schemes",
                          "joint_splits", "count", "==")


def _balance_checks(arrangement: FundedArrangement, result: RunResult, years: list[str]) -> list[ConditionCheck]:
    """Each funding source's income against its planned spend, per year, as the BCF template's running balance.

    Mandatory sources must balance exactly; other sources may bring in more than they fund.
    """
    checks = []
    for year in years:
        source_text = f"{planning_requirements(year)}: each funding source spent on the plan's schemes"
        income = _income_by_source(result, arrangement.id, year)
        spend: dict[str, int] = {}
        for scheme in arrangement.schemes:
            key = scheme.funding_source.value
            spend[key] = spend.get(key, 0) + scheme.budget.get(year, 0)
        # The running balance per source is a BCF template rule: a pool with no
        # mandatory BCF source (a learning disability pool, say) is checked as a whole only.
        bcf_pool = any(source.value in income or source.value in spend for source in MANDATORY_SOURCES)
        for source in FundingSource:
            if not bcf_pool or (source.value not in income and source.value not in spend):
                continue
            paid, planned = income.get(source.value, 0), spend.get(source.value, 0)
            balance = paid - planned
            mandatory = source in MANDATORY_SOURCES
            comparison = "==" if mandatory else ">="
            passed = _passes(balance, 0, comparison)
            if balance == 0:
                words = f"{year}: {source.label} income {format_gbp(paid)} equals planned spend."
            elif balance > 0:
                words = (f"{year}: {source.label} income {format_gbp(paid)} exceeds planned spend "
                         f"{format_gbp(planned)} by {format_gbp(balance)}"
                         + (" (held in the risk pool)." if not mandatory else "; the source must be spent in full."))
            else:
                words = (f"{year}: {source.label} income {format_gbp(paid)} falls short of planned spend "
                         f"{format_gbp(planned)} by {format_gbp(-balance)}.")
            checks.append(ConditionCheck(
                f"{arrangement.name}: income equals expenditure, {source.label}", year, balance, 0, passed, words,
                source_text, "income_expenditure", "pence", comparison, source.value, arrangement.id))
        total_in = sum(income.values())
        total_out = sum(spend.values())
        contingency = arrangement.contingency.get(year, 0)
        figure = total_in - total_out
        passed = figure == contingency
        words = (f"{year}: income {format_gbp(total_in)} less scheme budgets {format_gbp(total_out)} leaves "
                 f"{format_gbp(figure)}, {'equal to' if passed else 'not equal to'} the risk pool "
                 f"{format_gbp(contingency)}.")
        checks.append(ConditionCheck(
            f"{arrangement.name}: pool balances (income = schemes + risk pool)", year, figure, contingency, passed,
            words, f"{REGULATIONS}: the pooled fund's contributions and spend", "pool_balance", "pence",
            "==", "", arrangement.id))
    return checks


@dataclass
class _ThresholdReader:
    """Reads one thresholds file into the fields of :class:`ConditionThresholds`, collecting located errors."""

    name: str
    errors: list[InputError] = field(default_factory=list)
    amounts: dict[str, dict[str, int]] = field(default_factory=dict)
    shares: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    uplifts: dict[str, Decimal] = field(default_factory=dict)
    by_partner: dict[str, dict[str, int]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def error(self, path: str, message: str) -> None:
        self.errors.append(InputError(Source(self.name, None, path), message))

    def years(self, key: str, raw: object) -> dict[str, object]:
        """The ``year: value`` lines of ``key`` (its ``source``, if any, kept aside), or {} after an error."""
        if not isinstance(raw, dict):
            self.error(key, "expected years with a value each, like 2025-26: 3.9")
            return {}
        if "source" in raw:
            self.sources[key] = str(raw["source"])
        return {str(year): value for year, value in raw.items() if year not in ("source", "by_partner")}

    def uplift_pct(self, raw: object) -> None:
        for year_text, value in self.years("uplift_pct", raw).items():
            try:
                self.uplifts[parse_year(year_text)] = Decimal(str(value))
            except (ValueError, ArithmeticError) as exc:
                self.error(f"uplift_pct.{year_text}", str(exc) or f"{value!r} is not a number")

    def amounts_or_shares(self, key: str, raw: object, into: dict[str, int]) -> None:
        """Read ``key``'s years: pounds, or (for the two ring-fences) a share such as ``30%``."""
        for year_text, value in self.years(key, raw).items():
            path = f"{key}.{year_text}"
            try:
                year = parse_year(year_text)
                if isinstance(value, str) and value.strip().endswith("%"):
                    self._share(key, path, year, value)
                else:
                    into[year] = to_pence(value)
            except (ValueError, MoneyError, ArithmeticError) as exc:
                self.error(path, str(exc) or f"{value!r} is not a number")

    def _share(self, key: str, path: str, year: str, value: str) -> None:
        if key.split(".")[0] not in SHARE_KEYS:
            self.error(path, f"{value!r} is a share; the NHS minimum contribution is given in pounds (a share of "
                       "the NHS minimum is for asc_maintenance or out_of_hospital)")
            return
        try:
            pct = Decimal(value.strip().removesuffix("%").strip())
        except ArithmeticError:
            self.error(path, f"{value!r} is not a number")
            return
        if not 0 <= pct <= 100:
            self.error(path, f"{value!r} is not a share between 0% and 100%")
            return
        self.shares.setdefault(key, {})[year] = pct

    def nhs_minimum(self, raw: object) -> None:
        """The Health and Wellbeing Board's NHS minimum, and under ``by_partner`` each ICB's own."""
        self.amounts_or_shares("nhs_minimum", raw, self.amounts.setdefault("nhs_minimum", {}))
        partners = raw.get("by_partner") if isinstance(raw, dict) else None
        if partners is None:
            return
        if not isinstance(partners, dict):
            self.error("nhs_minimum.by_partner", "expected each partner's id with its years, like icb_a: "
                       "{2025-26: 30000000}")
            return
        for partner, years in partners.items():
            if partner == "source":
                self.sources[BY_PARTNER_KEY] = str(years)
                continue
            self.amounts_or_shares(f"nhs_minimum.by_partner.{partner}", years,
                                   self.by_partner.setdefault(str(partner), {}))


def thresholds_from_data(data: object, name: str) -> tuple[ConditionThresholds | None, list[InputError]]:
    """Read configured thresholds (``uplift_pct``, ``nhs_minimum``, ``asc_maintenance``, ``out_of_hospital``).

    Each is a mapping of financial year to a percentage (uplifts) or pounds;
    ``asc_maintenance`` and ``out_of_hospital`` may give a year as a share of
    that year's required NHS minimum contribution (``30%``); ``nhs_minimum``
    may list ``by_partner`` each ICB's own required figure. Each may name its
    own ``source``; the top-level ``source`` names where the rest come from.
    Unknown keys are errors.
    """
    if not isinstance(data, dict):
        return None, [InputError(Source(name, 1), "expected a set of 'name: value' lines (uplift_pct, nhs_minimum, "
                                                   "asc_maintenance, out_of_hospital, source)")]
    reader = _ThresholdReader(name)
    for key, raw in data.items():
        if key == "source":
            continue
        if key == "uplift_pct":
            reader.uplift_pct(raw)
        elif key == "nhs_minimum":
            reader.nhs_minimum(raw)
        elif key in AMOUNT_KEYS:
            reader.amounts_or_shares(key, raw, reader.amounts.setdefault(key, {}))
        else:
            reader.error(str(key), "is not a threshold; use uplift_pct, nhs_minimum, asc_maintenance, "
                         "out_of_hospital or source")
    if reader.errors:
        return None, reader.errors
    return ConditionThresholds(
        uplift_pct={**PUBLISHED_UPLIFTS, **reader.uplifts},
        nhs_minimum=reader.amounts.get("nhs_minimum", {}),
        asc_maintenance=reader.amounts.get("asc_maintenance", {}),
        out_of_hospital=reader.amounts.get("out_of_hospital", {}),
        source=str(data.get("source") or PUBLISHED_SOURCE),
        shares=reader.shares,
        nhs_minimum_by_partner=reader.by_partner,
        sources=reader.sources,
    ), []

"""Contribution shortfalls and ring-fenced funding sources, in integer pence per path.

Before an arrangement's year-end result goes down the risk-share waterfall
(or the underspend rules), two kinds of money are taken out of it:

* **A partner's shortfall.** A partner that pays in less than it agreed
  (a scenario's contribution cut) leaves a gap. By default the partner that
  reduced its contribution bears that gap itself, so it cannot pass its own
  cut to the others; the agreement may instead say the gap is shared by the
  waterfall (``shortfall: waterfall``).
* **Ring-fenced sources.** The money of a ring-fenced source (the DFG always;
  any other the agreement lists) is measured against its own schemes only and
  held for the partner that commissions each of them. Its underspend is
  carried forward in the source or paid back to its own partner, never
  netted against another source's overspend; its overspend follows its own
  rule.

What is left, the *shared* result, is what the waterfall and the underspend
rules deal with. Every split is exact to the penny, and the pieces add back
to the whole: the books still balance (see :func:`pooledfund.engine.runner.check_conservation`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pooledfund.core.money import IntArray, allocate, allocate_paths
from pooledfund.model.records import CAPITAL_SOURCES, RingFence, Scheme


@dataclass(frozen=True)
class SourceMoney:
    """One arrangement-year's contributions by funding source and partner (cash plus in kind), in pence.

    Attributes:
        agreed: source -> each partner's contribution as the agreement sets it, ``(partners,)``.
        changed: source -> the same after the scenario's contribution changes, ``(partners,)``.
    """

    agreed: dict[str, IntArray]
    changed: dict[str, IntArray]

    def shortfall(self, source: str) -> IntArray:
        """Each partner's cut to this source: what it agreed less what it pays, never below nothing."""
        return np.maximum(self.agreed[source] - self.changed[source], 0)

    def made_good(self, source: str) -> IntArray:
        """The source's money once every cut is made good: what was agreed, or more where a partner pays more."""
        return self.changed[source] + self.shortfall(source)


@dataclass
class RingFencedResult:
    """One ring-fenced source in one arrangement-year, for each partner that holds some of its money.

    The holder of a ring-fenced scheme's money is its commissioner (joint
    schemes by their split): the partner that spends it, which in a two-tier
    area is the district that receives its DFG.

    Attributes:
        fence: the source and its rules.
        money_in: what each partner paid into the source (cut made good), ``(partners,)``.
        held: that money as held for each commissioner, in proportion to its schemes' budgets, ``(partners,)``.
        budget: the source's schemes' budgets by commissioner, ``(partners,)``.
        spend: the source's schemes' spend by commissioner, ``(paths, partners)``.
        brought_forward: the source's money each holder brought forward from last year, ``(paths, partners)``.
        overspend_borne: overspend placed on partners by the source's own rule, ``(paths, partners)``.
        returned: underspend paid back to partners, ``(paths, partners)``.
        carried_forward: underspend kept in the source for each holder next year, ``(paths, partners)``.
        to_waterfall: overspend passed to the pool's waterfall (``overspend: waterfall``), ``(paths,)``.
    """

    fence: RingFence
    money_in: IntArray
    held: IntArray
    budget: IntArray
    spend: IntArray
    brought_forward: IntArray
    overspend_borne: IntArray
    returned: IntArray
    carried_forward: IntArray
    to_waterfall: IntArray

    @property
    def source(self) -> str:
        """The ring-fenced source's key (``dfg``)."""
        return self.fence.source.value

    @property
    def capital(self) -> bool:
        """Whether the source is capital money (the DFG) rather than revenue."""
        return self.source in CAPITAL_SOURCES

    @property
    def result(self) -> IntArray:
        """Each holder's spend less its money and what it brought forward: positive is an overspend."""
        return self.spend - self.held[None, :] - self.brought_forward

    @property
    def variance(self) -> IntArray:
        """The source's spend less its money in and brought forward, per path: positive is an overspend."""
        return self.result.sum(axis=1)


@dataclass
class FundingSplit:
    """What is taken out of an arrangement-year's result before the waterfall, and what is left to share.

    Attributes:
        rule: the arrangement's shortfall rule (``reducing_partner`` or ``waterfall``).
        shortfall: each partner's cut to its contributions this year, ``(partners,)``.
        shortfall_borne: the part of it each partner bears itself, ``(partners,)``.
        ring_fenced: each ring-fenced source's result.
        contribution_total: each partner's contribution the waterfall weighs by (cash and in kind), ``(partners,)``.
        contribution_cash: the same in cash only, ``(partners,)``.
        shared_variance: what the waterfall or underspend rules deal with, ``(paths,)``: positive an overspend.
        shared_brought_forward: what was brought forward into the shared pool (its risk pool), ``(paths,)``.
        in_waterfall: for each scheme, whether its overspend counts in the waterfall's commissioner
            weights, ``(schemes,)``: not when a ring-fenced source settles it apart.
    """

    rule: str
    shortfall: IntArray
    shortfall_borne: IntArray
    ring_fenced: list[RingFencedResult] = field(default_factory=list)
    contribution_total: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    contribution_cash: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shared_variance: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shared_brought_forward: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    in_waterfall: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def shortfall_shared(self) -> int:
        """The part of the partners' cuts shared by the waterfall (``shortfall: waterfall``)."""
        return int(self.shortfall.sum() - self.shortfall_borne.sum())

    def borne(self, paths: int) -> IntArray:
        """Everything placed on partners before the waterfall: own cuts and ring-fenced overspends, per path."""
        total = np.broadcast_to(self.shortfall_borne, (paths, self.shortfall_borne.shape[0])).copy()
        for fenced in self.ring_fenced:
            total += fenced.overspend_borne
        return total

    def returned(self, paths: int) -> IntArray:
        """Ring-fenced underspend paid back to partners, ``(paths, partners)``."""
        total = np.zeros((paths, self.shortfall.shape[0]), dtype=np.int64)
        for fenced in self.ring_fenced:
            total += fenced.returned
        return total

    def carried_forward(self) -> dict[str, IntArray]:
        """Ring-fenced underspend kept in each source for next year, by holder: source -> ``(paths, partners)``."""
        return {fenced.source: fenced.carried_forward for fenced in self.ring_fenced}

    def ring_fenced_brought_forward(self, paths: int) -> IntArray:
        """Ring-fenced money brought forward from last year, all sources, ``(paths,)``."""
        total = np.zeros(paths, dtype=np.int64)
        for fenced in self.ring_fenced:
            total += fenced.brought_forward.sum(axis=1)
        return total

    def ring_fenced_carried_forward(self, paths: int) -> IntArray:
        """Ring-fenced money carried into next year, all sources, ``(paths,)``."""
        total = np.zeros(paths, dtype=np.int64)
        for fenced in self.ring_fenced:
            total += fenced.carried_forward.sum(axis=1)
        return total


@dataclass(frozen=True)
class SchemeFigures:
    """An arrangement's schemes for one year: what the split needs to know.

    Attributes:
        schemes: the schemes, in order.
        commissioner_weights: each scheme's commissioner split as integer weights, ``(schemes, partners)``.
        budget: each scheme's budget for the year, ``(schemes,)``.
        spend: each scheme's spend for the year, ``(paths, schemes)``.
        sources: each scheme's funding source key (worked out from the schemes when not given).
        total_spend: the schemes' spend added up, ``(paths,)`` (added up here when not given).
    """

    schemes: list[Scheme]
    commissioner_weights: IntArray
    budget: IntArray
    spend: IntArray
    sources: list[str] | None = None
    total_spend: IntArray | None = None

    def source_keys(self) -> list[str]:
        """Each scheme's funding source key, in scheme order."""
        return self.sources if self.sources is not None else [s.funding_source.value for s in self.schemes]

    def in_source(self, source: str) -> list[int]:
        """The positions of the schemes paid from ``source``."""
        return [i for i, key in enumerate(self.source_keys()) if key == source]

    def spend_of(self, schemes: list[int]) -> IntArray:
        """The chosen schemes' spend added up, ``(paths,)``."""
        if len(schemes) == self.spend.shape[1]:
            return self.spend.sum(axis=1) if self.total_spend is None else self.total_spend
        return self.spend[:, schemes].sum(axis=1)


def _by_commissioner(figures: SchemeFigures, schemes: list[int]) -> tuple[IntArray, IntArray]:
    """The chosen schemes' budgets ``(partners,)`` and spend ``(paths, partners)`` by commissioner split."""
    paths, n = figures.spend.shape[0], figures.commissioner_weights.shape[1]
    budget = np.zeros(n, dtype=np.int64)
    spend = np.zeros((paths, n), dtype=np.int64)
    for s in schemes:
        weights = figures.commissioner_weights[s]
        budget += np.array(allocate(int(figures.budget[s]), list(weights)), dtype=np.int64)
        spend += allocate_paths(figures.spend[:, s], weights)
    return budget, spend


def _to_partners(amount: IntArray, weights: IntArray, fallback: IntArray) -> IntArray:
    """Split each path's ``amount`` by ``weights`` (by ``fallback``, each holder its own, when nobody has a weight)."""
    if weights.sum() == 0:
        return fallback
    return allocate_paths(amount.sum(axis=1), weights)


def ring_fenced_result(
    fence: RingFence, money: IntArray, figures: SchemeFigures, brought_forward: IntArray
) -> RingFencedResult:
    """Settle one ring-fenced source for the year, keeping its money within it.

    The source's money is held for the commissioners of its schemes in
    proportion to their budgets (for the partners that paid it in, when it
    funds no scheme). Each holder's spend less its money and what it brought
    forward is its own result: an underspend is carried forward for it or paid
    back (to it, or to the partners that paid the source in); an overspend is
    borne by the rule (the holder, the payers, or the pool's waterfall).
    """
    paths = figures.spend.shape[0]
    budget, spend = _by_commissioner(figures, figures.in_source(fence.source.value))
    total = int(money.sum())
    held = np.array(allocate(total, list(budget)), dtype=np.int64) if budget.sum() > 0 else money.copy()
    result = spend - held[None, :] - brought_forward
    over, under = np.maximum(result, 0), np.maximum(-result, 0)
    zero = np.zeros_like(result)
    outcome = RingFencedResult(fence, money, held, budget, spend, brought_forward, overspend_borne=zero.copy(),
                               returned=zero.copy(), carried_forward=zero.copy(),
                               to_waterfall=np.zeros(paths, dtype=np.int64))
    if fence.underspend == "carry_forward":
        outcome.carried_forward = under
    elif fence.underspend == "return_to_commissioner":
        outcome.returned = under
    else:
        outcome.returned = _to_partners(under, money, under)
    if fence.overspend == "commissioner":
        outcome.overspend_borne = over
    elif fence.overspend == "giver":
        outcome.overspend_borne = _to_partners(over, money, over)
    else:
        outcome.to_waterfall = over.sum(axis=1)
    return outcome


@dataclass(frozen=True)
class YearMoney:
    """One arrangement-year's money as the split needs it.

    Attributes:
        by_source: contributions by source, as agreed and after the scenario.
        cash: each partner's cash after the scenario, ``(partners,)``.
        in_kind: each partner's in-kind contribution, ``(partners,)``.
        brought_forward: what the shared pool brought forward from last year, ``(paths,)``.
        ring_fenced_brought_forward: source -> what each holder brought forward in it, ``(paths, partners)``.
    """

    by_source: SourceMoney
    cash: IntArray
    in_kind: IntArray
    brought_forward: IntArray
    ring_fenced_brought_forward: dict[str, IntArray]


def split_funding(rule: str, fences: list[RingFence], money: YearMoney, figures: SchemeFigures) -> FundingSplit:
    """Take partners' own shortfalls and the ring-fenced sources out of the year's result; return the rest.

    The shared variance is the spend on the schemes of sources that are not
    ring-fenced, less those sources' money (every cut made good) and what the
    shared pool brought forward, plus whatever the agreement sends to the
    waterfall: the partners' cuts under ``shortfall: waterfall`` and a
    ring-fenced overspend under ``overspend: waterfall``.
    """
    paths, n = figures.spend.shape[0], money.cash.shape[0]
    sources = money.by_source
    shortfall = np.zeros(n, dtype=np.int64)
    for source in sources.agreed:
        shortfall += sources.shortfall(source)
    borne = shortfall.copy() if rule == "reducing_partner" else np.zeros(n, dtype=np.int64)
    fenced_sources = {fence.source.value for fence in fences}
    ring_fenced = []
    for fence in fences:
        key = fence.source.value
        present = key in sources.agreed or figures.in_source(key) or key in money.ring_fenced_brought_forward
        if not present:
            continue
        source_money = sources.made_good(key) if key in sources.agreed else np.zeros(n, dtype=np.int64)
        carried_in = money.ring_fenced_brought_forward.get(key, np.zeros((paths, n), dtype=np.int64))
        ring_fenced.append(ring_fenced_result(fence, source_money, figures, carried_in))
    keys = figures.source_keys()
    shared_schemes = [i for i, key in enumerate(keys) if key not in fenced_sources]
    shared_money = sum((int(sources.made_good(s).sum()) for s in sources.agreed if s not in fenced_sources), 0)
    shared_variance = (figures.spend_of(shared_schemes) - shared_money - money.brought_forward
                       + int(shortfall.sum() - borne.sum()))
    for fenced in ring_fenced:
        shared_variance = shared_variance + fenced.to_waterfall
    settled_apart = {fence.source.value for fence in fences if fence.overspend != "waterfall"}
    in_waterfall = np.array([key not in settled_apart for key in keys], dtype=bool)
    # A partner that makes its cut good has, in the end, paid what it agreed: the waterfall weighs it so.
    made_good = borne
    return FundingSplit(
        rule=rule, shortfall=shortfall, shortfall_borne=borne, ring_fenced=ring_fenced,
        contribution_total=money.cash + money.in_kind + made_good, contribution_cash=money.cash + made_good,
        shared_variance=shared_variance, shared_brought_forward=money.brought_forward, in_waterfall=in_waterfall,
    )

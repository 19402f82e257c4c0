"""The risk-share waterfall and the underspend rules, in integer pence per path.

An overspend (what is left after the risk pool: the contingency and any
underspend brought forward) passes down the agreement's ordered layers. Each
layer takes a slice of what remains (all of it, or up to its ``limit``) and
splits the slice among its partners by largest remainder. Caps limit a
partner's total share for the year across all layers: what a capped partner
cannot take passes to the layer's other partners in their shares, then to
later layers; what no layer can place is *unfunded* and goes to the board.

An underspend passes down the ordered underspend rules the same way: carry
forward (to next year's risk pool), reinvest in a named scheme, return by
fixed split or in proportion to contributions, or let the host keep it.
Whatever the rules leave is returned in proportion to contributions.

A ``switch`` layer shares all that reaches it one way while it is no more
than its threshold and the other way (the whole of it, from the first
pound) once it is past; caps then apply as in any layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from pooledfund.core.money import IntArray, allocate_paths
from pooledfund.core.types import percent_weight
from pooledfund.model.amounts import AmountBasis, AmountValue, resolve, resolve_optional
from pooledfund.model.records import (
    LEFTOVER,
    AttributableLayer,
    AttributableRule,
    BandLayer,
    CapLayer,
    CarryForwardRule,
    CommissionerLayer,
    FixedSplitLayer,
    ProportionalLayer,
    ReinvestRule,
    RetainByHostRule,
    ReturnFixedSplitRule,
    ReturnProportionalRule,
    RiskLayer,
    Sharing,
    SwitchLayer,
    UnderspendRule,
    Worded,
    WordKind,
)

NO_CAP = 100 * 1_000_000_000_000
"""The room of a partner without a cap, in pence: £1tn, far above any pool (the Excel pack uses the same)."""


@dataclass(frozen=True)
class ShareContext:
    """What the rules need to know about one arrangement-year.

    Attributes:
        partners: partner ids in listed order (ties go to the earlier one).
        contribution_total: each partner's cash + in kind, ``(partners,)``.
        contribution_cash: each partner's cash, ``(partners,)``.
        scheme_overspend: each scheme's overspend against budget, 0 if under, ``(paths, schemes)``.
        commissioner_weights: each scheme's commissioner split as integer weights, ``(schemes, partners)``.
        scheme_ids: scheme ids in order.
        host: the host partner's id (None for none).
        scheme_underspend: each scheme's underspend against budget, 0 if over, ``(paths, schemes)``
            (needed only by the ``attributable`` underspend rule; None counts as none).
        year: the financial year, for amounts given year by year.
        agreed_value: the agreed value transferred this year (lead commissioning), for amounts
            given as a percentage of it.
    """

    partners: list[str]
    contribution_total: IntArray
    contribution_cash: IntArray
    scheme_overspend: IntArray
    commissioner_weights: IntArray
    scheme_ids: list[str]
    host: str | None
    scheme_underspend: IntArray | None = None
    year: str = ""
    agreed_value: int | None = None

    @property
    def basis(self) -> AmountBasis:
        """What a percentage amount is of this year: the pool, each partner's contribution, the agreed value."""
        return AmountBasis(
            year=self.year,
            pool=int(self.contribution_total.sum()),
            contributions={p: int(v) for p, v in zip(self.partners, self.contribution_total, strict=True)},
            agreed_value=self.agreed_value,
        )

    def pence(self, amount: AmountValue | None) -> int | None:
        """A limit, band or cap in pence for this arrangement-year (None: no limit)."""
        return resolve_optional(amount, self.basis)


@dataclass(frozen=True)
class Round:
    """One round of sharing a layer's slice among the partners with room under their caps.

    The first round shares the whole slice; each later round shares again what
    partners at their caps could not take. The Excel pack lays its rounds out
    from these records, so the sheet and the engine cannot drift apart.
    """

    room: IntArray  # (paths, partners) room left under each partner's cap as the round starts
    weights: IntArray  # (paths, partners) the layer's weights of partners with room, 0 for the rest
    to_share: IntArray  # (paths,) what this round shares
    split: IntArray  # (paths, partners) the split by largest remainder, in whole pence
    taken: IntArray  # (paths, partners) the split as far as each partner's room allows


@dataclass
class Step:
    """One layer or rule as it applied: what was there, what it took, from whom."""

    index: int
    kind: str
    rule: Worded
    available: IntArray  # (paths,) what remained before this step
    target: IntArray  # (paths,) the slice this step tried to place
    taken: IntArray  # (paths, partners) placed on each partner (or returned to)
    passed_on: IntArray  # (paths,) part of the slice no partner here could take
    capped: np.ndarray  # (paths, partners) bool: partner reached its cap in this step
    carried: IntArray | None = None  # (paths,) for carry-forward
    reinvested: IntArray | None = None  # (paths,) for reinvest
    default: bool = False
    limit: int | None = None  # the most this step could take, in pence (None: all that remained)
    weights: IntArray | None = None  # (paths, partners) what the slice was split by, if it was split
    rounds: list[Round] = field(default_factory=list)  # an overspend layer's rounds of sharing
    threshold: int | None = None  # a switch's threshold this year, in pence
    switched: np.ndarray | None = None  # (paths,) bool: a switch's overspend was past its threshold

    def words(self, which: WordKind, names: Mapping[str, str]) -> str:
        """The layer's or rule's words (the closing default step's own words for what the rules leave)."""
        if self.default:
            text: str = getattr(LEFTOVER, which)
            return text
        return self.rule.words(which, names)

    def limit_words(self, amount: Callable[[int], str]) -> str:
        """The limit in words ("up to £250,000", the commissioners' "first ..."), or "" for none."""
        if not self.limit:
            return ""
        return f"{self.rule.wording.limit} {amount(self.limit)}"


@dataclass
class OverspendOutcome:
    """The result of sharing an overspend."""

    shares: IntArray  # (paths, partners)
    unfunded: IntArray  # (paths,)
    caps: IntArray  # (partners,) the cap in pence, or -1 for none
    steps: list[Step] = field(default_factory=list)
    cap_layers: list[CapLayer] = field(default_factory=list)  # the caps that applied, as the agreement lists them


@dataclass
class UnderspendOutcome:
    """The result of dealing with an underspend."""

    returns: IntArray  # (paths, partners)
    carried_forward: IntArray  # (paths,)
    reinvested: IntArray  # (paths, schemes)
    steps: list[Step] = field(default_factory=list)


def cap_rounds(caps: IntArray) -> int:
    """How many rounds of sharing a layer may need: one, and one more per partner with a cap.

    A round that leaves something to share again has taken at least one capped
    partner to its cap, so after every capped partner is there, a last round
    places the rest on uncapped partners (or finds nobody left to take it).
    """
    return int((caps >= 0).sum()) + 1


def _share_with_caps(
    target: IntArray, weights: IntArray, room: IntArray, rounds: int
) -> tuple[IntArray, IntArray, list[Round]]:
    """Split ``target`` by ``weights`` without taking anyone past ``room``, in ``rounds`` rounds.

    What a partner at its cap cannot take is split again among the layer's
    partners that still have room, in their weights, until nothing is left or
    nobody has room. Returns (taken, left over, the rounds as they went).
    """
    paths, parts = weights.shape
    taken = np.zeros((paths, parts), dtype=np.int64)
    room_left = room.copy()
    active = (weights > 0) & (room_left > 0)
    to_share = np.where(active.any(axis=1), target, 0)
    left_over = target - to_share
    record: list[Round] = []
    for _ in range(rounds):
        masked = np.where(active, weights, 0)
        split = allocate_paths(to_share, masked) if to_share.any() else np.zeros((paths, parts), dtype=np.int64)
        part = np.minimum(split, room_left)
        record.append(Round(room_left.copy(), masked, to_share, split, part))
        taken += part
        room_left -= part
        to_share = (split - part).sum(axis=1)
        active &= room_left > 0
        stuck = ~active.any(axis=1)
        left_over += np.where(stuck, to_share, 0)
        to_share = np.where(stuck, 0, to_share)
    return taken, left_over + to_share, record


def _commissioner_weights(context: ShareContext) -> IntArray:
    """Each partner's overspend on the schemes it commissions, ``(paths, partners)``."""
    return by_commissioner(context.scheme_overspend, context)


def by_commissioner(per_scheme: IntArray, context: ShareContext) -> IntArray:
    """Each partner's part of a per-scheme amount ``(paths, schemes)``, joint schemes by their split.

    Each joint scheme's amount is split among its own commissioners by
    largest remainder, so every partner's part is whole pence and the parts
    add up to the schemes' total exactly.
    """
    paths = per_scheme.shape[0]
    weights = context.commissioner_weights
    totals = np.zeros((paths, len(context.partners)), dtype=np.int64)
    # A scheme with one commissioner passes its whole overspend to it (what
    # the split would give), so only joint schemes need a largest-remainder
    # split, and only among their own commissioners: schemes with the same
    # commissioners share one vectorised call.
    commissioners = weights > 0
    sole = commissioners.sum(axis=1) == 1
    for partner in np.nonzero(commissioners[sole].any(axis=0))[0]:
        # Adding up each partner's own columns is several times quicker than an integer matrix product.
        totals[:, partner] += per_scheme[:, np.nonzero(sole & commissioners[:, partner])[0]].sum(axis=1)
    # The distinct sets of commissioners, found in Python: there are few, and np.unique(axis=0)
    # would import numpy.ma on first use (about 10 ms, as long as the rest of a small run).
    for row in sorted({tuple(row) for row in commissioners[~sole].tolist()}):
        pattern = np.array(row, dtype=bool)
        schemes = np.nonzero((commissioners == pattern).all(axis=1) & ~sole)[0]
        parts = np.nonzero(pattern)[0]
        if not parts.size:
            continue
        amounts = per_scheme[:, schemes]
        if parts.size == 2 and _two_way_fits(amounts, weights[schemes]):
            first = _first_of_two(amounts, weights[schemes, parts[0]], weights[schemes, parts[1]])
            totals[:, parts[0]] += first.sum(axis=1)
            totals[:, parts[1]] += amounts.sum(axis=1) - first.sum(axis=1)
            continue
        split = allocate_paths(
            amounts.reshape(-1), np.tile(weights[np.ix_(schemes, parts)], (paths, 1))
        ).reshape(paths, schemes.size, parts.size)
        totals[:, parts] += split.sum(axis=1)
    return totals


def _two_way_fits(amounts: IntArray, weights: IntArray) -> bool:
    """Whether :func:`_first_of_two` can work on these amounts without going past 64-bit integers."""
    biggest = max(int(amounts.max(initial=0)), -int(amounts.min(initial=0)))
    return 4 * biggest * int(weights.sum(axis=1).max(initial=0)) < 2**62


def _first_of_two(amounts: IntArray, first: IntArray, second: IntArray) -> IntArray:
    """The first of two parts of each amount split by largest remainder, as allocate_paths does, ``(paths, schemes)``.

    With two parts at most one penny is left over, and it goes to the part
    with the larger remainder (the first on a tie). The two remainders add up
    to the whole weight, so the first part gets it when twice its remainder
    is at least the whole weight: the first part is its exact share rounded
    half up, ``floor((2 x amount x first + total) / (2 x total))``. A negative
    amount is split as its size, negated (as allocate_paths does).
    """
    total = first + second
    if amounts.min(initial=0) >= 0:  # overspends and underspends never are negative: one pass fewer each way
        share = amounts * (2 * first)
        share += total
        share //= 2 * total
        return share
    size = np.abs(amounts)
    share = (2 * size * first + total) // (2 * total)
    return np.where(amounts < 0, -share, share)


def _proportional_weights(context: ShareContext, basis: str, only: list[str]) -> IntArray:
    weights = context.contribution_cash if basis == "cash" else context.contribution_total
    if only:
        mask = np.array([p in only for p in context.partners])
        weights = np.where(mask, weights, 0)
    return weights.astype(np.int64)


def _split_weights(context: ShareContext, shares: dict[str, object]) -> IntArray:
    return np.array([percent_weight(shares.get(p, 0)) for p in context.partners], dtype=np.int64)  # type: ignore[arg-type]


def sharing_weights(sharing: Sharing, context: ShareContext) -> IntArray:
    """What a switch's sharing splits by, ``(partners,)``: one partner, fixed percentages or contributions."""
    if sharing.partner is not None:
        return np.array([1 if p == sharing.partner else 0 for p in context.partners], dtype=np.int64)
    if sharing.shares:
        return _split_weights(context, dict(sharing.shares))
    return _proportional_weights(context, sharing.pro_rata or "total", [])


def switch_weights(
    layer: SwitchLayer, remaining: IntArray, context: ShareContext
) -> tuple[int, np.ndarray, IntArray]:
    """A switch's threshold in pence, whether each path is past it, and the weights it shares by, ``(paths, partners)``.

    At exactly the threshold the ``below`` sharing applies; only past it
    does the ``above`` sharing take the whole overspend.
    """
    threshold = resolve(layer.threshold, context.basis)
    past = remaining > threshold
    weights = np.where(past[:, None], sharing_weights(layer.above, context)[None, :],
                       sharing_weights(layer.below, context)[None, :])
    return threshold, past, weights.astype(np.int64)


def _layer_weights(layer: RiskLayer, context: ShareContext) -> IntArray:
    """What a layer splits its slice by: ``(partners,)`` or, for the commissioners, ``(paths, partners)``."""
    if isinstance(layer, CommissionerLayer):
        return _commissioner_weights(context)
    if isinstance(layer, BandLayer):
        return np.array([1 if p == layer.partner else 0 for p in context.partners], dtype=np.int64)
    if isinstance(layer, FixedSplitLayer):
        return _split_weights(context, dict(layer.shares))
    if isinstance(layer, ProportionalLayer):
        return _proportional_weights(context, layer.basis, layer.partners)
    raise TypeError(f"a {layer.layer} layer splits nothing")  # pragma: no cover - caps are not shared


def partner_caps(layers: list[RiskLayer], context: ShareContext) -> IntArray:
    """Each partner's cap on its overspend share for the year in pence, -1 for none, ``(partners,)``."""
    caps = np.full(len(context.partners), -1, dtype=np.int64)
    for layer in layers:
        if isinstance(layer, CapLayer) and layer.partner in context.partners:
            i = context.partners.index(layer.partner)
            caps[i] = context.contribution_total[i] if layer.cap == "contribution" else resolve(layer.cap,
                                                                                                 context.basis)
    return caps


@dataclass(frozen=True)
class OwnLines:
    """The commissioners' own lines, settled before anything is shared (``attributable`` layer and rule).

    Attributes:
        overspends: each partner's own schemes' overspends, ``(paths, partners)``.
        borne: what each partner bears of them (its overspends, up to its cap), ``(paths, partners)``.
        underspends: each partner's own schemes' underspends, returned to it, ``(paths, partners)``.
    """

    overspends: IntArray
    borne: IntArray
    underspends: IntArray


def own_lines(layers: list[RiskLayer], rules: list[UnderspendRule], context: ShareContext, paths: int) -> OwnLines:
    """What the ``attributable`` layer and rule settle on each commissioner before anything is netted.

    Each scheme's overspend goes to its commissioner(s) if the risk share
    starts with an ``attributable`` layer, each scheme's underspend back to
    them if the underspend rules start with an ``attributable`` rule. A
    partner bears its own overspends up to its cap (the layer is the first,
    so its whole cap is room).
    """
    n = len(context.partners)
    zero = np.zeros((paths, n), dtype=np.int64)
    over = zero
    if any(isinstance(layer, AttributableLayer) for layer in layers):
        over = by_commissioner(np.broadcast_to(context.scheme_overspend, (paths, context.scheme_overspend.shape[1])),
                               context)
    caps = partner_caps(layers, context)
    borne = np.minimum(over, np.where(caps >= 0, caps, NO_CAP)[None, :])
    under = zero
    if context.scheme_underspend is not None and any(isinstance(rule, AttributableRule) for rule in rules):
        under = by_commissioner(
            np.broadcast_to(context.scheme_underspend, (paths, context.scheme_underspend.shape[1])), context)
    return OwnLines(over, borne, under)


def settle(
    variance: IntArray, layers: list[RiskLayer], rules: list[UnderspendRule], context: ShareContext
) -> tuple[OverspendOutcome, UnderspendOutcome]:
    """Deal with a year's variance (spend less money in, pence per path): the whole of it, either way.

    Without ``attributable`` clauses an overspend goes down the waterfall
    and an underspend down the underspend rules. With them, each
    commissioner's own lines are settled first (its schemes' overspends
    borne, its schemes' underspends returned, nothing netted across
    commissioners); what is left, spend less money in less what the own
    lines settled, goes down the later layers if it is an overspend or the
    later rules if it is an underspend. So the risk pool (contingency and
    brought forward) is never drawn on for one commissioner's lines: it is
    what is left, and follows the underspend rules.
    """
    paths = variance.shape[0]
    own = own_lines(layers, rules, context, paths)
    remainder = variance - own.borne.sum(axis=1) + own.underspends.sum(axis=1)
    over = share_overspend(np.maximum(remainder, 0), layers, context, own)
    under = deal_with_underspend(np.maximum(-remainder, 0), rules, context, own)
    return over, under


def _own_step(index: int, rule: AttributableLayer | AttributableRule, gross: IntArray, taken: IntArray,
              caps: IntArray) -> Step:
    """The own-lines layer or rule as a step: each partner's own amount, and what it bore or got back."""
    total, placed = gross.sum(axis=1), taken.sum(axis=1)
    capped = (taken < gross) & (caps >= 0)[None, :]
    kind = rule.layer if isinstance(rule, AttributableLayer) else rule.rule
    return Step(index, kind, rule, total, total.copy(), taken, total - placed, capped, weights=gross)


def share_overspend(
    overspend: IntArray, layers: list[RiskLayer], context: ShareContext, own: OwnLines | None = None
) -> OverspendOutcome:
    """Pass an overspend (pence per path, >= 0) down the waterfall.

    ``own`` is what :func:`settle` settled on the commissioners' own lines;
    an ``attributable`` layer records it as its step (``overspend`` is then
    what is left after the own lines, not the year's whole variance).
    """
    paths = overspend.shape[0]
    n = len(context.partners)
    caps = partner_caps(layers, context)
    rounds = cap_rounds(caps)
    room = np.broadcast_to(np.where(caps >= 0, caps, NO_CAP), (paths, n)).copy()
    remaining = overspend.astype(np.int64).copy()
    shares = np.zeros((paths, n), dtype=np.int64)
    steps: list[Step] = []
    for index, layer in enumerate(layers):
        if isinstance(layer, CapLayer):
            continue
        if isinstance(layer, AttributableLayer):
            if own is None:
                raise ValueError("an attributable layer settles the own lines first: use settle()")
            steps.append(_own_step(index, layer, own.overspends, own.borne, caps))
            shares += own.borne
            room -= own.borne
            continue
        limit = context.pence(layer.limit)
        target = remaining if limit is None else np.minimum(remaining, limit)
        threshold, switched = None, None
        if isinstance(layer, SwitchLayer):
            threshold, switched, weights = switch_weights(layer, remaining, context)
        else:
            weights = np.broadcast_to(_layer_weights(layer, context), (paths, n))
        taken, passed_on, record = _share_with_caps(target, weights, room, rounds)
        shares += taken
        room -= taken
        reached = (room <= 0) & (caps >= 0)[None, :] & (taken > 0)
        steps.append(Step(index, layer.layer, layer, remaining.copy(), target.copy(), taken, passed_on, reached,
                          limit=limit, weights=weights, rounds=record, threshold=threshold, switched=switched))
        remaining = remaining - taken.sum(axis=1)
    cap_layers = [layer for layer in layers if isinstance(layer, CapLayer) and layer.partner in context.partners]
    return OverspendOutcome(shares=shares, unfunded=remaining, caps=caps, steps=steps, cap_layers=cap_layers)


def return_weights(
    rule: ReturnFixedSplitRule | ReturnProportionalRule | RetainByHostRule, context: ShareContext
) -> IntArray:
    """Who an underspend is returned to, ``(partners,)``: by the rule, else to the host, else the first partner.

    Nobody may have a weight on the rule's basis (no contributions, say): then
    the host keeps it, or with no host the first partner listed.
    """
    host = np.array([1 if p == context.host else 0 for p in context.partners], dtype=np.int64)
    if isinstance(rule, ReturnFixedSplitRule):
        weights = _split_weights(context, dict(rule.shares))
    elif isinstance(rule, ReturnProportionalRule):
        weights = _proportional_weights(context, rule.basis, [])
    else:
        weights = host
    if weights.sum() == 0:
        weights = host
    if weights.sum() == 0:
        weights = np.array([1] + [0] * (len(context.partners) - 1), dtype=np.int64)
    return weights


SharedRule = CarryForwardRule | ReinvestRule | ReturnFixedSplitRule | ReturnProportionalRule | RetainByHostRule
"""An underspend rule that takes a slice of what remains (every kind but the own lines)."""


def _underspend_step(index: int, rule: SharedRule, remaining: IntArray, context: ShareContext, *,
                     default: bool = False) -> Step:
    """One underspend rule applied to what remains: its slice carried, reinvested or returned."""
    paths, n = remaining.shape[0], len(context.partners)
    limit = context.pence(rule.limit)
    target = remaining if limit is None else np.minimum(remaining, limit)
    step = Step(index, rule.rule, rule, remaining.copy(), target.copy(), np.zeros((paths, n), dtype=np.int64),
                np.zeros(paths, dtype=np.int64), np.zeros((paths, n), dtype=bool), default=default, limit=limit)
    if isinstance(rule, CarryForwardRule):
        step.carried = target.copy()
    elif isinstance(rule, ReinvestRule):
        step.reinvested = target.copy()
    else:
        step.weights = np.broadcast_to(return_weights(rule, context), (paths, n))
        step.taken = allocate_paths(target, step.weights)
    return step


def deal_with_underspend(
    underspend: IntArray, rules: list[UnderspendRule], context: ShareContext, own: OwnLines | None = None
) -> UnderspendOutcome:
    """Pass an underspend (pence per path, >= 0) down the underspend rules.

    What the rules leave is returned pro rata to contributions (a closing
    ``default`` step, only when something is left on some path). ``own`` is
    what :func:`settle` settled on the commissioners' own lines; an
    ``attributable`` rule records its returns as its step (``underspend`` is
    then what is left after the own lines).
    """
    paths = underspend.shape[0]
    remaining = underspend.astype(np.int64).copy()
    returns = np.zeros((paths, len(context.partners)), dtype=np.int64)
    carried = np.zeros(paths, dtype=np.int64)
    reinvested = np.zeros((paths, len(context.scheme_ids)), dtype=np.int64)
    steps = []
    no_caps = np.full(len(context.partners), -1, dtype=np.int64)
    for index, rule in enumerate(rules):
        if isinstance(rule, AttributableRule):
            if own is None:
                raise ValueError("an attributable rule settles the own lines first: use settle()")
            steps.append(_own_step(index, rule, own.underspends, own.underspends, no_caps))
            continue
        steps.append(_underspend_step(index, rule, remaining, context))
        remaining = remaining - steps[-1].target
    if remaining.any():
        leftover = ReturnProportionalRule(rule="return_proportional", note="default: what the rules leave is returned")
        steps.append(_underspend_step(len(rules), leftover, remaining, context, default=True))
    for step in steps:
        returns += step.taken
        if step.carried is not None:
            carried += step.carried
        if isinstance(step.rule, ReinvestRule) and step.reinvested is not None:
            reinvested[:, context.scheme_ids.index(step.rule.scheme)] += step.reinvested
    return UnderspendOutcome(returns=returns, carried_forward=carried, reinvested=reinvested, steps=steps)

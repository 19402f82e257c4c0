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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pooledfund.core.money import IntArray, allocate_paths
from pooledfund.core.types import percent_weight
from pooledfund.model.records import (
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
    UnderspendRule,
)

_NO_CAP = np.iinfo(np.int64).max // 4


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
    """

    partners: list[str]
    contribution_total: IntArray
    contribution_cash: IntArray
    scheme_overspend: IntArray
    commissioner_weights: IntArray
    scheme_ids: list[str]
    host: str | None


@dataclass
class Step:
    """One layer or rule as it applied: what was there, what it took, from whom."""

    index: int
    kind: str
    rule: object
    available: IntArray  # (paths,) what remained before this step
    target: IntArray  # (paths,) the slice this step tried to place
    taken: IntArray  # (paths, partners) placed on each partner (or returned to)
    passed_on: IntArray  # (paths,) part of the slice no partner here could take
    capped: np.ndarray  # (paths, partners) bool: partner reached its cap in this step
    carried: IntArray | None = None  # (paths,) for carry-forward
    reinvested: IntArray | None = None  # (paths,) for reinvest
    default: bool = False


@dataclass
class OverspendOutcome:
    """The result of sharing an overspend."""

    shares: IntArray  # (paths, partners)
    unfunded: IntArray  # (paths,)
    caps: IntArray  # (partners,) the cap in pence, or -1 for none
    steps: list[Step] = field(default_factory=list)


@dataclass
class UnderspendOutcome:
    """The result of dealing with an underspend."""

    returns: IntArray  # (paths, partners)
    carried_forward: IntArray  # (paths,)
    reinvested: IntArray  # (paths, schemes)
    steps: list[Step] = field(default_factory=list)


def _share_with_caps(target: IntArray, weights: IntArray, room: IntArray) -> tuple[IntArray, IntArray, np.ndarray]:
    """Split ``target`` by ``weights`` without taking anyone past ``room``.

    What a partner at its cap cannot take is split again among the layer's
    partners that still have room, in their weights, until nothing is left or
    nobody has room. Returns (taken, left over, reached cap).
    """
    paths, parts = weights.shape
    taken = np.zeros((paths, parts), dtype=np.int64)
    room_left = room.copy()
    active = (weights > 0) & (room_left > 0)
    to_share = np.where(active.any(axis=1), target, 0)
    left_over = target - to_share
    for _ in range(parts + 1):
        if not to_share.any():
            break
        part = allocate_paths(to_share, np.where(active, weights, 0))
        excess = np.maximum(part - room_left, 0)
        part -= excess
        taken += part
        room_left -= part
        to_share = excess.sum(axis=1)
        active &= room_left > 0
        stuck = ~active.any(axis=1)
        left_over += np.where(stuck, to_share, 0)
        to_share = np.where(stuck, 0, to_share)
    reached = (room_left <= 0) & (room < _NO_CAP) & (taken > 0)
    return taken, left_over, reached


def _commissioner_weights(context: ShareContext) -> IntArray:
    """Each partner's overspend on the schemes it commissions, ``(paths, partners)``."""
    paths, _ = context.scheme_overspend.shape
    weights = context.commissioner_weights
    totals = np.zeros((paths, len(context.partners)), dtype=np.int64)
    # A scheme with one commissioner passes its whole overspend to it (what
    # the split would give), so only joint schemes need a largest-remainder
    # split, and only among their own commissioners: schemes with the same
    # commissioners share one vectorised call.
    commissioners = weights > 0
    sole = commissioners.sum(axis=1) == 1
    if sole.any():
        totals += context.scheme_overspend[:, sole] @ commissioners[sole].astype(np.int64)
    for pattern in np.unique(commissioners[~sole], axis=0):
        schemes = np.nonzero((commissioners == pattern).all(axis=1) & ~sole)[0]
        parts = np.nonzero(pattern)[0]
        if not parts.size:
            continue
        split = allocate_paths(
            context.scheme_overspend[:, schemes].reshape(-1), np.tile(weights[np.ix_(schemes, parts)], (paths, 1))
        ).reshape(paths, schemes.size, parts.size)
        totals[:, parts] += split.sum(axis=1)
    return totals


def _proportional_weights(context: ShareContext, basis: str, only: list[str]) -> IntArray:
    weights = context.contribution_cash if basis == "cash" else context.contribution_total
    if only:
        mask = np.array([p in only for p in context.partners])
        weights = np.where(mask, weights, 0)
    return weights.astype(np.int64)


def _split_weights(context: ShareContext, shares: dict[str, object]) -> IntArray:
    return np.array([percent_weight(shares.get(p, 0)) for p in context.partners], dtype=np.int64)  # type: ignore[arg-type]


def share_overspend(overspend: IntArray, layers: list[RiskLayer], context: ShareContext) -> OverspendOutcome:
    """Pass an overspend (pence per path, >= 0) down the waterfall."""
    paths = overspend.shape[0]
    n = len(context.partners)
    caps = np.full(n, -1, dtype=np.int64)
    for layer in layers:
        if isinstance(layer, CapLayer) and layer.partner in context.partners:
            i = context.partners.index(layer.partner)
            caps[i] = context.contribution_total[i] if layer.cap == "contribution" else layer.cap
    room = np.broadcast_to(np.where(caps >= 0, caps, _NO_CAP), (paths, n)).copy()
    remaining = overspend.astype(np.int64).copy()
    shares = np.zeros((paths, n), dtype=np.int64)
    steps: list[Step] = []
    for index, layer in enumerate(layers):
        if isinstance(layer, CapLayer):
            continue
        limit = getattr(layer, "limit", None)
        target = remaining if limit is None else np.minimum(remaining, limit)
        if isinstance(layer, CommissionerLayer):
            weights = _commissioner_weights(context)
        elif isinstance(layer, BandLayer):
            weights = np.array([1 if p == layer.partner else 0 for p in context.partners], dtype=np.int64)
        elif isinstance(layer, FixedSplitLayer):
            weights = _split_weights(context, dict(layer.shares))
        elif isinstance(layer, ProportionalLayer):
            weights = _proportional_weights(context, layer.basis, layer.partners)
        else:  # pragma: no cover - the schema admits no other layer
            raise TypeError(f"unknown layer {layer!r}")
        weights = np.broadcast_to(weights, (paths, n))
        taken, passed_on, reached = _share_with_caps(target, weights, room)
        shares += taken
        room -= taken
        steps.append(
            Step(index, layer.layer, layer, remaining.copy(), target.copy(), taken, passed_on, reached)
        )
        remaining = remaining - taken.sum(axis=1)
    return OverspendOutcome(shares=shares, unfunded=remaining, caps=caps, steps=steps)


def deal_with_underspend(
    underspend: IntArray, rules: list[UnderspendRule], context: ShareContext
) -> UnderspendOutcome:
    """Pass an underspend (pence per path, >= 0) down the underspend rules."""
    paths = underspend.shape[0]
    n = len(context.partners)
    remaining = underspend.astype(np.int64).copy()
    returns = np.zeros((paths, n), dtype=np.int64)
    carried = np.zeros(paths, dtype=np.int64)
    reinvested = np.zeros((paths, len(context.scheme_ids)), dtype=np.int64)
    steps: list[Step] = []
    no_cap = np.zeros((paths, n), dtype=bool)
    zero = np.zeros(paths, dtype=np.int64)
    for index, rule in enumerate([*rules, None]):
        default = rule is None
        if default:
            if not remaining.any():
                break
            rule = ReturnProportionalRule(rule="return_proportional", note="default: what the rules leave is returned")
        limit = getattr(rule, "cap", None) if isinstance(rule, (CarryForwardRule, ReinvestRule)) else getattr(rule, "limit", None)
        target = remaining if limit is None else np.minimum(remaining, limit)
        taken = np.zeros((paths, n), dtype=np.int64)
        step = Step(index, rule.rule, rule, remaining.copy(), target.copy(), taken, zero.copy(), no_cap, default=default)
        if isinstance(rule, CarryForwardRule):
            carried += target
            step.carried = target.copy()
        elif isinstance(rule, ReinvestRule):
            reinvested[:, context.scheme_ids.index(rule.scheme)] += target
            step.reinvested = target.copy()
        else:
            if isinstance(rule, ReturnFixedSplitRule):
                weights = _split_weights(context, dict(rule.shares))
            elif isinstance(rule, ReturnProportionalRule):
                weights = _proportional_weights(context, rule.basis, [])
            elif isinstance(rule, RetainByHostRule):
                weights = np.array([1 if p == context.host else 0 for p in context.partners], dtype=np.int64)
            else:  # pragma: no cover
                raise TypeError(f"unknown rule {rule!r}")
            if weights.sum() == 0:
                # Nobody to return to on this basis (e.g. no contributions): the host keeps it.
                weights = np.array([1 if p == context.host else 0 for p in context.partners], dtype=np.int64)
                if weights.sum() == 0:
                    weights = np.array([1] + [0] * (n - 1), dtype=np.int64)
            taken[:] = allocate_paths(target, np.broadcast_to(weights, (paths, n)))
            returns += taken
        remaining = remaining - target
        steps.append(step)
    return UnderspendOutcome(returns=returns, carried_forward=carried, reinvested=reinvested, steps=steps)

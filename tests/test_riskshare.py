"""The overspend waterfall and the underspend rules, worked on paper.

Amounts are written in pounds and turned into pence with ``P`` (layers and
rules are built from dicts, so their limits and caps are pounds as in a
file). Partners are listed council first, so ties go to the council.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import P
from pydantic import TypeAdapter

from pooledfund.core.types import percent_weight
from pooledfund.engine.riskshare import (
    OverspendOutcome,
    ShareContext,
    UnderspendOutcome,
    deal_with_underspend,
    share_overspend,
)
from pooledfund.model.records import RiskLayer, UnderspendRule

_LAYERS = TypeAdapter(list[RiskLayer])
_RULES = TypeAdapter(list[UnderspendRule])


def context(
    contributions: dict[str, str | int],
    *,
    in_kind: dict[str, str | int] | None = None,
    schemes: dict[str, dict[str, int]] | None = None,
    scheme_overspend: list[list[str | int]] | None = None,
    host: str | None = "council",
) -> ShareContext:
    """A ShareContext: partners in the order given, cash and in kind in pounds.

    ``schemes`` maps scheme id -> commissioner split (partner -> %);
    ``scheme_overspend`` is pounds per path per scheme.
    """
    partners = list(contributions)
    in_kind = in_kind or {}
    cash = np.array([P(contributions[p]) for p in partners], dtype=np.int64)
    kind = np.array([P(in_kind.get(p, 0)) for p in partners], dtype=np.int64)
    schemes = schemes or {"S1": {partners[0]: 100}}
    weights = np.array(
        [[percent_weight(split.get(p, 0)) for p in partners] for split in schemes.values()], dtype=np.int64
    ).reshape(len(schemes), len(partners))
    over = scheme_overspend or [[0] * len(schemes)]
    return ShareContext(
        partners=partners,
        contribution_total=cash + kind,
        contribution_cash=cash,
        scheme_overspend=np.array([[P(x) for x in row] for row in over], dtype=np.int64),
        commissioner_weights=weights,
        scheme_ids=list(schemes),
        host=host,
    )


def share(overspend: str | int | list[str | int], layers: list[dict], ctx: ShareContext) -> OverspendOutcome:
    amounts = overspend if isinstance(overspend, list) else [overspend]
    outcome = share_overspend(np.array([P(x) for x in amounts], dtype=np.int64), _LAYERS.validate_python(layers), ctx)
    # Whatever else is tested, nothing is lost or made up.
    assert (outcome.shares.sum(axis=1) + outcome.unfunded).tolist() == [P(x) for x in amounts]
    return outcome


def underspend(amount: str | int | list[str | int], rules: list[dict], ctx: ShareContext) -> UnderspendOutcome:
    amounts = amount if isinstance(amount, list) else [amount]
    outcome = deal_with_underspend(np.array([P(x) for x in amounts], dtype=np.int64), _RULES.validate_python(rules),
                                   ctx)
    total = outcome.returns.sum(axis=1) + outcome.carried_forward + outcome.reinvested.sum(axis=1)
    assert total.tolist() == [P(x) for x in amounts]
    return outcome


def pence_row(*pounds: str | int) -> list[int]:
    return [P(x) for x in pounds]


COUNCIL_ICB = {"council": 400, "icb": 600}
THREE = {"council": 400, "icb": 500, "trust": 100}


# --- commissioner layer ---------------------------------------------------------------------


def test_commissioner_layer_with_a_joint_scheme() -> None:
    # S1 is the council's, S2 is joint council 25% / ICB 75%.
    # Scheme overspends: S1 £400, S2 £1,200.
    # Commissioner weights: council 400 + 25% x 1,200 = 700; ICB 75% x 1,200 = 900.
    # The pool's overspend is only £800 (other lines underspent): 800 x 7/16 = 350, x 9/16 = 450.
    ctx = context(
        COUNCIL_ICB,
        schemes={"S1": {"council": 100}, "S2": {"council": 25, "icb": 75}},
        scheme_overspend=[[400, 1200]],
    )
    outcome = share(800, [{"layer": "commissioner"}], ctx)
    assert outcome.shares.tolist() == [pence_row(350, 450)]
    assert outcome.unfunded.tolist() == [0]


def test_commissioner_layer_with_limit_then_proportional() -> None:
    # Weights as above (700 : 900). Overspend £1,600; the commissioner layer takes
    # only its limit of £500: 500 x 7/16 = 218.75, x 9/16 = 281.25.
    # The £1,100 left is shared by contribution 400 : 600 = 440 and 660.
    # Council 218.75 + 440 = 658.75; ICB 281.25 + 660 = 941.25.
    ctx = context(
        COUNCIL_ICB,
        schemes={"S1": {"council": 100}, "S2": {"council": 25, "icb": 75}},
        scheme_overspend=[[400, 1200]],
    )
    outcome = share(1600, [{"layer": "commissioner", "limit": 500}, {"layer": "proportional"}], ctx)
    assert outcome.shares.tolist() == [pence_row("658.75", "941.25")]
    assert outcome.steps[0].taken.tolist() == [pence_row("218.75", "281.25")]
    assert outcome.steps[1].taken.tolist() == [pence_row(440, 660)]


def test_commissioner_layer_with_no_scheme_overspent_passes_everything_on() -> None:
    # No scheme overspent (the pool is short because a contribution fell), so no
    # commissioner has a weight; the whole £500 passes to the proportional layer:
    # 500 x 400/1000 = 200, x 600/1000 = 300.
    ctx = context(COUNCIL_ICB, schemes={"S1": {"council": 100}}, scheme_overspend=[[0]])
    outcome = share(500, [{"layer": "commissioner"}, {"layer": "proportional"}], ctx)
    assert outcome.steps[0].taken.tolist() == [[0, 0]]
    assert outcome.shares.tolist() == [pence_row(200, 300)]


# --- band layer ------------------------------------------------------------------------------


def test_band_takes_up_to_its_limit_and_passes_the_rest_on() -> None:
    # Council bears the first £250; the other £750 is split 50/50 = 375 each.
    # Council 250 + 375 = 625; ICB 375.
    ctx = context(COUNCIL_ICB)
    layers = [{"layer": "band", "partner": "council", "limit": 250},
              {"layer": "fixed_split", "shares": {"council": 50, "icb": 50}}]
    outcome = share(1000, layers, ctx)
    assert outcome.shares.tolist() == [pence_row(625, 375)]
    assert outcome.steps[0].target.tolist() == [P(250)]


def test_band_takes_all_of_an_overspend_below_its_limit() -> None:
    # £100 is inside the council's £250 band: council 100, ICB nothing.
    ctx = context(COUNCIL_ICB)
    layers = [{"layer": "band", "partner": "council", "limit": 250},
              {"layer": "fixed_split", "shares": {"council": 50, "icb": 50}}]
    outcome = share(100, layers, ctx)
    assert outcome.shares.tolist() == [pence_row(100, 0)]


def test_remainder_after_limited_layers_is_unfunded() -> None:
    # Band council £250, then a 50/50 split limited to £500 (250 each), then nothing:
    # of £1,000, 250 + 500 = 750 is placed; £250 is unfunded (for the board).
    ctx = context(COUNCIL_ICB)
    layers = [
        {"layer": "band", "partner": "council", "limit": 250},
        {"layer": "fixed_split", "shares": {"council": 50, "icb": 50}, "limit": 500},
    ]
    outcome = share(1000, layers, ctx)
    assert outcome.shares.tolist() == [pence_row(500, 250)]
    assert outcome.unfunded.tolist() == [P(250)]


def test_no_layers_leaves_everything_unfunded() -> None:
    outcome = share(1000, [], context(COUNCIL_ICB))
    assert outcome.shares.tolist() == [[0, 0]]
    assert outcome.unfunded.tolist() == [P(1000)]


# --- fixed split -----------------------------------------------------------------------------


def test_fixed_split_with_limit_then_another_split() -> None:
    # First £500 split 60/40 = 300 / 200; the other £500 split 20/80 = 100 / 400.
    # Council 400, ICB 600.
    ctx = context(COUNCIL_ICB)
    layers = [
        {"layer": "fixed_split", "shares": {"council": 60, "icb": 40}, "limit": 500},
        {"layer": "fixed_split", "shares": {"council": 20, "icb": 80}},
    ]
    outcome = share(1000, layers, ctx)
    assert outcome.steps[0].taken.tolist() == [pence_row(300, 200)]
    assert outcome.steps[1].taken.tolist() == [pence_row(100, 400)]
    assert outcome.shares.tolist() == [pence_row(400, 600)]


def test_fixed_split_odd_penny_goes_to_the_partner_listed_first() -> None:
    # 1p split 50/50: 0.5p each, a tie, so the council (listed first) takes it.
    outcome = share("0.01", [{"layer": "fixed_split", "shares": {"icb": 50, "council": 50}}], context(COUNCIL_ICB))
    assert outcome.shares.tolist() == [[1, 0]]


def test_fixed_split_thirds() -> None:
    # £100 split 33.3333 / 33.3333 / 33.3334: 33.33 each and 1p left; the largest
    # remainder is the trust's (33.3334%), so it gets the penny: 33.33 / 33.33 / 33.34.
    layers = [{"layer": "fixed_split", "shares": {"council": "33.3333", "icb": "33.3333", "trust": "33.3334"}}]
    outcome = share(100, layers, context(THREE))
    assert outcome.shares.tolist() == [pence_row("33.33", "33.33", "33.34")]


# --- proportional ----------------------------------------------------------------------------


def test_proportional_on_total_includes_in_kind() -> None:
    # Council £300 cash + £100 in kind = 400; ICB £600 cash. £100 on total: 40 / 60.
    ctx = context({"council": 300, "icb": 600}, in_kind={"council": 100})
    outcome = share(100, [{"layer": "proportional"}], ctx)
    assert outcome.shares.tolist() == [pence_row(40, 60)]


def test_proportional_on_cash_leaves_out_in_kind() -> None:
    # Cash 300 : 600. £100 = 10,000p: 3,333.33p and 6,666.67p; floors 3,333 + 6,666 = 9,999,
    # 1p left; remainders .33 vs .67 -> ICB: 33.33 / 66.67.
    ctx = context({"council": 300, "icb": 600}, in_kind={"council": 100})
    outcome = share(100, [{"layer": "proportional", "basis": "cash"}], ctx)
    assert outcome.shares.tolist() == [[3333, 6667]]


def test_proportional_restricted_to_some_partners() -> None:
    # Contributions 400 / 500 / 100, layer limited to ICB and trust: 500 : 100 of £600
    # = 500 / 100; the council takes nothing.
    outcome = share(600, [{"layer": "proportional", "partners": ["icb", "trust"]}], context(THREE))
    assert outcome.shares.tolist() == [pence_row(0, 500, 100)]


def test_proportional_with_limit() -> None:
    # Proportional up to £500 (200 / 300), then the council's band of up to £1,000 takes the other £300.
    layers = [{"layer": "proportional", "limit": 500}, {"layer": "band", "partner": "council", "limit": 1000}]
    outcome = share(800, layers, context(COUNCIL_ICB))
    assert outcome.shares.tolist() == [pence_row(500, 300)]


# --- caps ------------------------------------------------------------------------------------


def test_cap_at_contribution_passes_excess_to_the_other_partner() -> None:
    # 50/50 of £1,000 = 500 each, but the council is capped at its contribution (£400):
    # council 400, the £100 excess goes to the ICB: 600. The cap is listed after the
    # layer it limits; caps apply wherever they are listed.
    layers = [
        {"layer": "fixed_split", "shares": {"council": 50, "icb": 50}},
        {"layer": "cap", "partner": "council", "cap": "contribution"},
    ]
    outcome = share(1000, layers, context(COUNCIL_ICB))
    assert outcome.shares.tolist() == [pence_row(400, 600)]
    assert outcome.unfunded.tolist() == [0]
    assert outcome.caps.tolist() == [P(400), -1]
    assert outcome.steps[0].capped.tolist() == [[True, False]]


def test_cap_at_contribution_includes_in_kind() -> None:
    # Council £300 cash + £100 in kind: cap at contribution = £400 (cash plus in kind).
    ctx = context({"council": 300, "icb": 600}, in_kind={"council": 100})
    layers = [
        {"layer": "cap", "partner": "council", "cap": "contribution"},
        {"layer": "fixed_split", "shares": {"council": 50, "icb": 50}},
    ]
    outcome = share(1000, layers, ctx)
    assert outcome.caps.tolist() == [P(400), -1]
    assert outcome.shares.tolist() == [pence_row(400, 600)]


def test_cap_in_pounds_excess_goes_to_uncapped_partners_in_their_shares() -> None:
    # 50/30/20 of £1,000 = 500 / 300 / 200; the council is capped at £200, so its £300
    # excess is split between ICB and trust in their shares at this layer, 30 : 20
    # = 180 / 120. ICB 300 + 180 = 480; trust 200 + 120 = 320.
    layers = [
        {"layer": "cap", "partner": "council", "cap": 200},
        {"layer": "fixed_split", "shares": {"council": 50, "icb": 30, "trust": 20}},
    ]
    outcome = share(1000, layers, context(THREE))
    assert outcome.shares.tolist() == [pence_row(200, 480, 320)]
    assert outcome.caps.tolist() == [P(200), -1, -1]


def test_cap_applies_to_the_total_across_layers() -> None:
    # Council band £150 (room left under its £200 cap: £50). The other £850 split
    # 50/30/20 = 425 / 255 / 170; the council can take only 50, so its excess 375 goes
    # 3 : 2 = 225 / 150. Council 150 + 50 = 200; ICB 255 + 225 = 480; trust 170 + 150 = 320.
    layers = [
        {"layer": "band", "partner": "council", "limit": 150},
        {"layer": "fixed_split", "shares": {"council": 50, "icb": 30, "trust": 20}},
        {"layer": "cap", "partner": "council", "cap": 200},
    ]
    outcome = share(1000, layers, context(THREE))
    assert outcome.shares.tolist() == [pence_row(200, 480, 320)]
    assert outcome.steps[1].taken.tolist() == [pence_row(50, 480, 320)]


def test_capped_partner_alone_in_a_layer_passes_excess_to_later_layers() -> None:
    # Layer 1 is all the council's, but it is capped at £200: it takes 200 and the
    # £800 it cannot take passes on. Layer 2 (proportional 400 : 600) would give 320 / 480,
    # but the council is at its cap, so the ICB takes all 800.
    layers = [
        {"layer": "fixed_split", "shares": {"council": 100}},
        {"layer": "proportional"},
        {"layer": "cap", "partner": "council", "cap": 200},
    ]
    outcome = share(1000, layers, context(COUNCIL_ICB))
    assert outcome.steps[0].taken.tolist() == [pence_row(200, 0)]
    assert outcome.steps[0].passed_on.tolist() == [P(800)]
    assert outcome.shares.tolist() == [pence_row(200, 800)]
    assert outcome.unfunded.tolist() == [0]


def test_all_partners_capped_leaves_the_rest_unfunded() -> None:
    # Proportional 400 : 600 of £1,000 = 400 / 600. Council capped at its contribution
    # (£400, reached exactly), ICB capped at £300: ICB's excess £300 has nobody to go to.
    # Council 400, ICB 300, unfunded 300.
    layers = [
        {"layer": "proportional"},
        {"layer": "cap", "partner": "council", "cap": "contribution"},
        {"layer": "cap", "partner": "icb", "cap": 300},
    ]
    outcome = share(1000, layers, context(COUNCIL_ICB))
    assert outcome.shares.tolist() == [pence_row(400, 300)]
    assert outcome.unfunded.tolist() == [P(300)]
    assert outcome.steps[0].passed_on.tolist() == [P(300)]


def test_partner_with_no_contribution_capped_at_contribution_takes_nothing() -> None:
    # Trust contributed nothing and is capped at its contribution (£0): of £100 split
    # 50/50 with the council, the council takes it all.
    ctx = context({"council": 400, "trust": 0})
    layers = [
        {"layer": "fixed_split", "shares": {"council": 50, "trust": 50}},
        {"layer": "cap", "partner": "trust", "cap": "contribution"},
    ]
    outcome = share(100, layers, ctx)
    assert outcome.shares.tolist() == [pence_row(100, 0)]


# --- several paths ---------------------------------------------------------------------------


def test_overspend_paths_are_shared_independently() -> None:
    # Band council £250 then 50/50, on three paths:
    #   £1,000 -> council 250 + 375 = 625, ICB 375;
    #   £0     -> nothing;
    #   £100   -> council 100 (inside the band).
    # With the council capped at £500 too, path 0 becomes council 500, ICB 500.
    ctx = context(COUNCIL_ICB, scheme_overspend=[[0], [0], [0]])
    layers = [{"layer": "band", "partner": "council", "limit": 250},
              {"layer": "fixed_split", "shares": {"council": 50, "icb": 50}}]
    outcome = share([1000, 0, 100], layers, ctx)
    assert outcome.shares.tolist() == [pence_row(625, 375), [0, 0], pence_row(100, 0)]
    capped = share([1000, 0, 100], [*layers, {"layer": "cap", "partner": "council", "cap": 500}], ctx)
    assert capped.shares.tolist() == [pence_row(500, 500), [0, 0], pence_row(100, 0)]


def test_commissioner_weights_follow_each_paths_scheme_overspends() -> None:
    # Path 0: only S1 (council's) overspent £100 -> council takes £100.
    # Path 1: only S2 (ICB's) overspent £100 -> ICB takes £100.
    # Path 2: both overspent £100 -> £100 split 50/50.
    ctx = context(
        COUNCIL_ICB,
        schemes={"S1": {"council": 100}, "S2": {"icb": 100}},
        scheme_overspend=[[100, 0], [0, 100], [100, 100]],
    )
    outcome = share([100, 100, 100], [{"layer": "commissioner"}], ctx)
    assert outcome.shares.tolist() == [pence_row(100, 0), pence_row(0, 100), pence_row(50, 50)]


# --- underspend --------------------------------------------------------------------------------


def test_carry_forward_with_cap_then_return_proportional() -> None:
    # £1,000 underspent: carry forward up to £300; the £700 left is returned
    # 400 : 600 = 280 / 420.
    rules = [{"rule": "carry_forward", "cap": 300}, {"rule": "return_proportional"}]
    outcome = underspend(1000, rules, context(COUNCIL_ICB))
    assert outcome.carried_forward.tolist() == [P(300)]
    assert outcome.returns.tolist() == [pence_row(280, 420)]
    assert not any(step.default for step in outcome.steps)


def test_carry_forward_without_cap_carries_everything() -> None:
    outcome = underspend(1000, [{"rule": "carry_forward"}], context(COUNCIL_ICB))
    assert outcome.carried_forward.tolist() == [P(1000)]
    assert outcome.returns.tolist() == [[0, 0]]


def test_reinvest_in_a_scheme_then_default_remainder() -> None:
    # Reinvest up to £200 in S2; no more rules, so the £800 left is returned by
    # default in proportion to contributions: 400 : 600 = 320 / 480.
    ctx = context(COUNCIL_ICB, schemes={"S1": {"council": 100}, "S2": {"icb": 100}}, scheme_overspend=[[0, 0]])
    outcome = underspend(1000, [{"rule": "reinvest", "scheme": "S2", "cap": 200}], ctx)
    assert outcome.reinvested.tolist() == [[0, P(200)]]
    assert outcome.returns.tolist() == [pence_row(320, 480)]
    assert outcome.carried_forward.tolist() == [0]
    assert outcome.steps[-1].default


def test_retain_by_host() -> None:
    # The ICB hosts and keeps the whole £500.
    outcome = underspend(500, [{"rule": "retain_by_host"}], context(COUNCIL_ICB, host="icb"))
    assert outcome.returns.tolist() == [pence_row(0, 500)]


def test_retain_by_host_with_limit_then_fixed_split() -> None:
    # Host (ICB) keeps up to £100; the £400 left is returned 70/30 = 280 / 120.
    # Council 280; ICB 100 + 120 = 220.
    rules = [{"rule": "retain_by_host", "limit": 100}, {"rule": "fixed_split", "shares": {"council": 70, "icb": 30}}]
    outcome = underspend(500, rules, context(COUNCIL_ICB, host="icb"))
    assert outcome.returns.tolist() == [pence_row(280, 220)]


def test_fixed_split_returns() -> None:
    # £1,000 returned 25/75 = 250 / 750 (contributions are 400 / 600: the split is fixed, not proportional).
    outcome = underspend(1000, [{"rule": "fixed_split", "shares": {"council": 25, "icb": 75}}], context(COUNCIL_ICB))
    assert outcome.returns.tolist() == [pence_row(250, 750)]


def test_fixed_split_return_with_limit_then_default() -> None:
    # First £100 returned 100% to the ICB; the £900 left by default 400 : 600 = 360 / 540.
    # Council 360; ICB 100 + 540 = 640.
    outcome = underspend(1000, [{"rule": "fixed_split", "shares": {"icb": 100}, "limit": 100}], context(COUNCIL_ICB))
    assert outcome.returns.tolist() == [pence_row(360, 640)]
    assert outcome.steps[-1].default


def test_no_rules_returns_everything_in_proportion() -> None:
    # £1,000 by default 400 : 600 (total basis, in kind counted): 400 / 600.
    outcome = underspend(1000, [], context({"council": 300, "icb": 600}, in_kind={"council": 100}))
    assert outcome.returns.tolist() == [pence_row(400, 600)]
    assert [s.default for s in outcome.steps] == [True]


def test_return_proportional_on_cash() -> None:
    # Cash 300 : 600 of £90 = 30 / 60 (the council's £100 in kind is left out).
    rules = [{"rule": "return_proportional", "basis": "cash"}]
    outcome = underspend(90, rules, context({"council": 300, "icb": 600}, in_kind={"council": 100}))
    assert outcome.returns.tolist() == [pence_row(30, 60)]


def test_return_proportional_with_limit_then_carry_forward() -> None:
    # Return up to £500 by contribution (200 / 300); carry forward the other £500.
    rules = [{"rule": "return_proportional", "limit": 500}, {"rule": "carry_forward"}]
    outcome = underspend(1000, rules, context(COUNCIL_ICB))
    assert outcome.returns.tolist() == [pence_row(200, 300)]
    assert outcome.carried_forward.tolist() == [P(500)]


def test_return_with_no_contributions_goes_to_the_host() -> None:
    # Nobody contributed, so a proportional return has no basis: the host (ICB) keeps it.
    outcome = underspend(100, [{"rule": "return_proportional"}], context({"council": 0, "icb": 0}, host="icb"))
    assert outcome.returns.tolist() == [pence_row(0, 100)]


def test_zero_underspend_places_nothing() -> None:
    outcome = underspend(0, [{"rule": "carry_forward", "cap": 300}], context(COUNCIL_ICB))
    assert outcome.returns.tolist() == [[0, 0]]
    assert outcome.carried_forward.tolist() == [0]


def test_underspend_paths_are_dealt_with_independently() -> None:
    # Carry forward up to £300, then return 400 : 600:
    #   £1,000 -> carry 300, return 280 / 420;
    #   £0     -> nothing;
    #   £200   -> carry 200, return nothing.
    ctx = context(COUNCIL_ICB, scheme_overspend=[[0], [0], [0]])
    rules = [{"rule": "carry_forward", "cap": 300}, {"rule": "return_proportional"}]
    outcome = underspend([1000, 0, 200], rules, ctx)
    assert outcome.carried_forward.tolist() == [P(300), 0, P(200)]
    assert outcome.returns.tolist() == [pence_row(280, 420), [0, 0], [0, 0]]


@pytest.mark.parametrize("rule",
                         [{"rule": "carry_forward", "cap": 300}, {"rule": "reinvest", "scheme": "S1", "cap": 300}])
def test_carry_and_reinvest_caps_limit_the_slice(rule: dict) -> None:
    # Whichever of the two it is, the rule takes £300 of £1,000 and leaves £700 to the default.
    outcome = underspend(1000, [rule], context(COUNCIL_ICB))
    assert outcome.steps[0].target.tolist() == [P(300)]
    assert outcome.returns.tolist() == [pence_row(280, 420)]

"""Property tests: the books balance to the penny whatever the numbers.

* largest-remainder splits add up exactly and are never more than 1p from the exact share;
* the overspend waterfall and underspend rules place exactly what they were given;
* generated agreements (2-4 partners, 1-5 schemes, 1-3 years, random contributions,
  layers, rules and scenarios) run through the engine with net costs reconciling and
  carry-forwards linking the years.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import exact_shares, load_agreement_text
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from pooledfund.core.money import allocate_paths, format_gbp, pounds, pounds_array_to_pence, to_pence
from pooledfund.engine.riskshare import ShareContext, deal_with_underspend, share_overspend
from pooledfund.engine.runner import run
from pooledfund.model.records import CapLayer, RiskLayer, UnderspendRule
from pooledfund.model.scenario import Scenario

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINE = settings(max_examples=120, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_LAYERS = TypeAdapter(list[RiskLayer])
_RULES = TypeAdapter(list[UnderspendRule])


def money(pence: int) -> float:
    """Pence as pounds for a YAML or model field (a float with at most 2 decimals, exact by repr)."""
    return float(pounds(pence))


# --- money --------------------------------------------------------------------------------------


@st.composite
def splits(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    paths = draw(st.integers(1, 5))
    parts = draw(st.integers(1, 6))
    big = draw(st.booleans())  # big: totals ~1e11-1e12 pence and weights ~1e10 (the overflow route)
    total_bound = 10**12 if big else 10**7
    weight_bound = 10**10 if big else 1000
    totals = draw(st.lists(st.integers(-total_bound, total_bound), min_size=paths, max_size=paths))
    weights = draw(
        st.lists(
            st.lists(st.one_of(st.just(0), st.integers(0, weight_bound)), min_size=parts, max_size=parts),
            min_size=paths,
            max_size=paths,
        )
    )
    return np.array(totals, dtype=np.int64), np.array(weights, dtype=np.int64)


@FAST
@given(splits())
def test_allocate_paths_sums_exactly_and_stays_within_a_penny(case: tuple[np.ndarray, np.ndarray]) -> None:
    totals, weights = case
    result = allocate_paths(totals, weights)
    assert result.shape == weights.shape
    for total, row_weights, row in zip(totals.tolist(), weights.tolist(), result.tolist(), strict=True):
        weight_sum = sum(row_weights)
        if weight_sum == 0:
            assert row == [0] * len(row)
            continue
        assert sum(row) == total
        for weight, share in zip(row_weights, row, strict=True):
            exact = Fraction(total * weight, weight_sum)
            assert abs(share - exact) < 1
            if weight == 0:
                assert share == 0
        assert row == exact_shares(total, row_weights)


@FAST
@given(st.integers(-(10**13), 10**13), st.booleans())
def test_format_gbp_reads_back_with_to_pence(pence: int, brackets: bool) -> None:
    assert to_pence(format_gbp(pence, brackets=brackets)) == pence


@FAST
@given(st.integers(-(10**11), 10**11))
def test_whole_pence_survive_the_float_round_trip(pence: int) -> None:
    # Up to £1bn, pounds as a float always round back to the same pence.
    assert pounds_array_to_pence(np.array([pence / 100])).tolist() == [pence]
    assert to_pence(float(pounds(pence))) == pence


# --- risk share ---------------------------------------------------------------------------------

PARTNER_POOL = ["council", "icb", "trust", "district"]


def _percent_split(draw: st.DrawFn, names: list[str]) -> dict[str, int]:
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(names) - 1, max_size=len(names) - 1)))
    bounds = [0, *cuts, 100]
    return {name: bounds[i + 1] - bounds[i] for i, name in enumerate(names)}


def _subset(draw: st.DrawFn, names: list[str]) -> list[str]:
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    return [n for n in names if n in chosen]


def _limit(draw: st.DrawFn, required: bool = False) -> float | None:
    if not required and draw(st.booleans()):
        return None
    return money(draw(st.integers(1, 2_000_000)))


@st.composite
def risk_layers(draw: st.DrawFn, partners: list[str], schemes: list[str] | None = None) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["commissioner", "band", "fixed_split", "proportional"]))
        if kind == "commissioner":
            layer: dict[str, Any] = {"layer": "commissioner"}
            limit = _limit(draw)
        elif kind == "band":
            layer = {"layer": "band", "partner": draw(st.sampled_from(partners))}
            limit = _limit(draw, required=True)
        elif kind == "fixed_split":
            layer = {"layer": "fixed_split", "shares": _percent_split(draw, _subset(draw, partners))}
            limit = _limit(draw)
        else:
            layer = {"layer": "proportional", "basis": draw(st.sampled_from(["total", "cash"]))}
            if draw(st.booleans()):
                layer["partners"] = _subset(draw, partners)
            limit = _limit(draw)
        if limit is not None:
            layer["limit"] = limit
        layers.append(layer)
    for partner in draw(st.lists(st.sampled_from(partners), unique=True, max_size=len(partners))):
        cap: object = "contribution" if draw(st.booleans()) else money(draw(st.integers(1, 3_000_000)))
        position = draw(st.integers(0, len(layers)))
        layers.insert(position, {"layer": "cap", "partner": partner, "cap": cap})
    del schemes
    return layers


@st.composite
def underspend_rules(draw: st.DrawFn, partners: list[str], schemes: list[str]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(
            ["carry_forward", "reinvest", "fixed_split", "return_proportional", "retain_by_host"]))
        rule: dict[str, Any] = {"rule": kind}
        if kind == "reinvest":
            rule["scheme"] = draw(st.sampled_from(schemes))
        if kind == "fixed_split":
            rule["shares"] = _percent_split(draw, _subset(draw, partners))
        if kind == "return_proportional":
            rule["basis"] = draw(st.sampled_from(["total", "cash"]))
        value = _limit(draw)
        if value is not None:
            rule["cap" if kind in {"carry_forward", "reinvest"} else "limit"] = value
        rules.append(rule)
    return rules


@st.composite
def share_cases(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 4))
    partners = PARTNER_POOL[:n]
    schemes = [f"S{i}" for i in range(draw(st.integers(1, 4)))]
    paths = draw(st.integers(1, 4))
    cash = draw(st.lists(st.integers(0, 5_000_000), min_size=n, max_size=n))
    in_kind = draw(st.lists(st.one_of(st.just(0), st.integers(0, 1_000_000)), min_size=n, max_size=n))
    commissioner = []
    for _ in schemes:
        split = _percent_split(draw, _subset(draw, partners))
        commissioner.append([split.get(p, 0) * 10_000 for p in partners])
    scheme_overspend = draw(
        st.lists(st.lists(st.integers(0, 3_000_000), min_size=len(schemes), max_size=len(schemes)),
                 min_size=paths, max_size=paths)
    )
    amounts = draw(st.lists(st.integers(0, 8_000_000), min_size=paths, max_size=paths))
    host = draw(st.sampled_from([*partners, None]))
    return {
        "context": ShareContext(
            partners=partners,
            contribution_total=np.array(cash, dtype=np.int64) + np.array(in_kind, dtype=np.int64),
            contribution_cash=np.array(cash, dtype=np.int64),
            scheme_overspend=np.array(scheme_overspend, dtype=np.int64),
            commissioner_weights=np.array(commissioner, dtype=np.int64),
            scheme_ids=schemes,
            host=host,
        ),
        "amounts": np.array(amounts, dtype=np.int64),
        "layers": draw(risk_layers(partners)),
        "rules": draw(underspend_rules(partners, schemes)),
    }


@FAST
@given(share_cases())
def test_share_overspend_places_exactly_the_overspend_within_caps(case: dict[str, Any]) -> None:
    ctx: ShareContext = case["context"]
    layers = _LAYERS.validate_python(case["layers"])
    overspend = case["amounts"]
    outcome = share_overspend(overspend, layers, ctx)
    assert outcome.shares.dtype == np.int64
    assert (outcome.shares >= 0).all()
    assert (outcome.unfunded >= 0).all()
    assert (outcome.shares.sum(axis=1) + outcome.unfunded == overspend).all()
    for layer in layers:
        if isinstance(layer, CapLayer):
            i = ctx.partners.index(layer.partner)
            cap = int(ctx.contribution_total[i]) if layer.cap == "contribution" else layer.cap
            assert outcome.caps[i] == cap
            assert (outcome.shares[:, i] <= cap).all()
    # The steps account for every share.
    assert (sum(step.taken for step in outcome.steps) == outcome.shares).all()


@FAST
@given(share_cases())
def test_unlimited_uncapped_last_layer_leaves_nothing_unfunded(case: dict[str, Any]) -> None:
    # A last layer giving 100% to one partner, without limit and with no caps anywhere,
    # always takes whatever the earlier layers left.
    ctx: ShareContext = case["context"]
    layers = [layer for layer in case["layers"] if layer["layer"] != "cap"]
    layers.append({"layer": "fixed_split", "shares": {p: (100 if i == 0 else 0) for i, p in enumerate(ctx.partners)}})
    outcome = share_overspend(case["amounts"], _LAYERS.validate_python(layers), ctx)
    assert (outcome.unfunded == 0).all()


@FAST
@given(share_cases())
def test_deal_with_underspend_places_exactly_the_underspend(case: dict[str, Any]) -> None:
    ctx: ShareContext = case["context"]
    rules = _RULES.validate_python(case["rules"])
    underspend = case["amounts"]
    outcome = deal_with_underspend(underspend, rules, ctx)
    assert (outcome.returns >= 0).all()
    assert (outcome.carried_forward >= 0).all()
    assert (outcome.reinvested >= 0).all()
    placed = outcome.returns.sum(axis=1) + outcome.carried_forward + outcome.reinvested.sum(axis=1)
    assert (placed == underspend).all()
    # Carry-forward and reinvestment never exceed their caps (summed over the rules that
    # carry forward, or that reinvest in the same scheme, when every one of them is capped).
    carry = [r for r in case["rules"] if r["rule"] == "carry_forward"]
    if carry and all("cap" in r for r in carry):
        assert (outcome.carried_forward <= sum(to_pence(r["cap"]) for r in carry)).all()
    if not carry:
        assert (outcome.carried_forward == 0).all()
    for s_index, scheme in enumerate(ctx.scheme_ids):
        into = [r for r in case["rules"] if r["rule"] == "reinvest" and r["scheme"] == scheme]
        if into and all("cap" in r for r in into):
            assert (outcome.reinvested[:, s_index] <= sum(to_pence(r["cap"]) for r in into)).all()
        if not into:
            assert (outcome.reinvested[:, s_index] == 0).all()


# --- generated agreements through the engine ---------------------------------------------------

YEARS = ["2025-26", "2026-27", "2027-28"]
SCHEME_TYPES = ["home_care_or_domiciliary_care", "residential_placements", "carers_services", "other"]


@st.composite
def agreements(draw: st.DrawFn, shortfall: str = "waterfall") -> tuple[dict[str, Any], dict[str, Any]]:
    """An agreement document (as data for YAML) and a scenario's fields.

    ``shortfall`` is every funded arrangement's rule for a partner's contribution
    cut: ``waterfall`` (the cut is part of the overspend, so every result is one
    overspend or one underspend, as the checks below expect) or ``reducing_partner``.
    """
    n = draw(st.integers(2, 4))
    partners = PARTNER_POOL[:n]
    years = YEARS[: draw(st.integers(1, 3))]
    scheme_total = draw(st.integers(1, 5))
    kinds = draw(
        st.lists(
            st.sampled_from(
                ["pooled_fund", "pooled_fund", "integrated_provision", "lead_commissioning", "aligned_budget"]
            ),
            min_size=1,
            max_size=min(2, scheme_total),
        )
    )
    # Share the schemes out among the arrangements, at least one each.
    counts = [1] * len(kinds)
    for _ in range(scheme_total - len(kinds)):
        counts[draw(st.integers(0, len(kinds) - 1))] += 1
    arrangements = []
    number = 0
    for a_index, (kind, count) in enumerate(zip(kinds, counts, strict=True)):
        schemes = _schemes(draw, partners, years, range(number, number + count))
        number += count
        arrangement: dict[str, Any] = {"id": f"A{a_index}", "kind": kind, "name": f"Arrangement {a_index}",
                                       "schemes": schemes}
        if kind != "aligned_budget":
            arrangement.update(_funded_fields(draw, kind, partners, years, schemes))
            arrangement["shortfall"] = shortfall
        arrangements.append(arrangement)
    document = {
        "agreement": {"id": "generated", "title": "Generated", "years": years,
                      "host_partner": draw(st.sampled_from(partners))},
        "partners": [
            {"id": p, "name": p.title(), "kind": "other", "vat": "none"} for p in partners
        ],
        "arrangements": arrangements,
    }
    all_schemes = [s["id"] for a in arrangements for s in a["schemes"]]
    return document, _scenario_fields(draw, partners, years, all_schemes)


def _schemes(draw: st.DrawFn, partners: list[str], years: list[str], numbers: range) -> list[dict[str, Any]]:
    schemes = []
    for number in numbers:
        commissioner: object = draw(st.sampled_from(partners))
        if draw(st.booleans()):
            commissioner = _percent_split(draw, _subset(draw, partners))
        schemes.append(
            {
                "id": f"S{number}",
                "name": f"Scheme {number}",
                "scheme_type": draw(st.sampled_from(SCHEME_TYPES)),
                "area_of_spend": "social_care",
                "commissioner": commissioner,
                "provider": "la",
                "funding_source": "other",
                "cost_category": draw(st.sampled_from(["general", "care_fees"])),
                "budget": {y: money(draw(st.integers(0, 300_000_000))) for y in years},
            }
        )
    return schemes


def _funded_fields(
    draw: st.DrawFn, kind: str, partners: list[str], years: list[str], schemes: list[dict[str, Any]]
) -> dict[str, Any]:
    n = len(partners)
    fields: dict[str, Any] = {}
    contingency = {y: draw(st.one_of(st.just(0), st.integers(0, 20_000_000))) for y in years}
    contributions = []
    for year in years:
        needed = sum(to_pence(s["budget"][year]) for s in schemes) + contingency[year]
        weights = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))
        weights[draw(st.integers(0, n - 1))] += 1  # somebody pays
        if kind == "lead_commissioning":
            weights = [0] * n  # the agreed value is the delegating partner's contribution
            weights[0] = 1
        parts = exact_shares(needed, weights)
        for partner, total in zip(partners, parts, strict=True):
            in_kind = draw(st.integers(0, total)) if kind == "integrated_provision" and draw(st.booleans()) else 0
            contributions.append({"partner": partner, "year": year, "cash": money(total - in_kind),
                                  "in_kind": money(in_kind)})
    fields["contributions"] = contributions
    fields["contingency"] = {y: money(v) for y, v in contingency.items()}
    if kind == "pooled_fund" or draw(st.booleans()):
        fields["risk_share"] = draw(risk_layers(partners))
        fields["underspend"] = draw(underspend_rules(partners, [s["id"] for s in schemes]))
    if kind == "integrated_provision":
        fields["provider"] = draw(st.sampled_from(partners))
    if kind == "lead_commissioning":
        lead, delegating = draw(st.permutations(partners))[:2]
        fields.update({"lead_commissioner": lead, "delegating_partner": delegating, "balanced": False})
        fields["agreed_value"] = {
            "base_year": years[0],
            "base_value": money(draw(st.integers(10_000_000, 500_000_000))),
            "uplifts": {
                y: {
                    "inflation_pct": draw(st.integers(0, 80)) / 10,
                    "efficiency_pct": draw(st.integers(0, 30)) / 10,
                    "planned_changes": money(draw(st.integers(-1_000_000, 1_000_000))),
                }
                for y in years[1:]
            },
        }
    return fields


def _scenario_fields(draw: st.DrawFn, partners: list[str], years: list[str], all_schemes: list[str]) -> dict[str, Any]:
    scenario: dict[str, Any] = {
        "id": "generated",
        "inflation": {
            category: {y: draw(st.integers(-50, 150)) / 10 for y in years if draw(st.booleans())}
            for category in draw(st.lists(st.sampled_from(["general", "care_fees"]), unique=True))
        },
    }
    if draw(st.booleans()):
        scenario["efficiency"] = {y: draw(st.integers(0, 50)) / 10 for y in years}
    scenario["shocks"] = [
        {
            "scheme": draw(st.sampled_from(all_schemes)),
            "month": f"{draw(st.sampled_from([2025, 2026]))}-{draw(st.integers(4, 12)):02d}",
            "amount": money(draw(st.integers(-2_000_000, 20_000_000))),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    scenario["contribution_changes"] = [
        {"partner": draw(st.sampled_from(partners)), "from": f"{years[0][:4]}-{draw(st.integers(4, 12)):02d}-01",
         "change_pct": draw(st.integers(-30, 30))}
        for _ in range(draw(st.integers(0, 1)))
    ]
    return scenario


@pytest.fixture(scope="module")
def generated_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


@ENGINE
@given(case=agreements())
def test_generated_agreements_balance_and_carry_forward(generated_folder: Path, case: tuple[dict, dict]) -> None:
    document, scenario_fields = case
    agreement = load_agreement_text(yaml.safe_dump(document, sort_keys=False), generated_folder, "generated.yaml")
    scenario = Scenario.model_validate(scenario_fields)
    result = run(agreement, scenario)
    years = list(agreement.years)
    for arrangement in agreement.arrangements:
        rows = [r for r in result.arrangement_years if r.arrangement_id == arrangement.id]
        assert [r.year for r in rows] == years
        assert (rows[0].brought_forward == 0).all()
        for before, after in itertools.pairwise(rows):
            # Carry-forward conserved across years.
            assert (after.brought_forward == before.carry_forward).all()
        for row in rows:
            net = row.net_cost.sum(axis=1)
            expected = row.spend + row.reinvested.sum(axis=1) - row.brought_forward + row.carry_forward - row.unfunded
            assert (net == expected).all()
            assert (row.spend == row.scheme_spend.sum(axis=1)).all()
            assert (row.overspend_shares >= 0).all() and (row.underspend_returns >= 0).all()
            assert (row.unfunded >= 0).all() and (row.carry_forward >= 0).all()
            if arrangement.kind != "aligned_budget":
                variance = row.spend - row.budget
                assert (row.budget == row.cash.sum() + row.in_kind.sum() + row.brought_forward).all()
                assert (row.overspend_shares.sum(axis=1) + row.unfunded == np.maximum(variance, 0)).all()
                placed = row.underspend_returns.sum(axis=1) + row.carry_forward + row.reinvested.sum(axis=1)
                assert (placed == np.maximum(-variance, 0)).all()
                assert row.overspend is not None
                for i, cap in enumerate(row.overspend.caps.tolist()):
                    if cap >= 0:
                        assert (row.overspend_shares[:, i] <= cap).all()
                outcome = "overspend" if variance[0] > 0 else "underspend" if variance[0] < 0 else "on budget"
                event(f"{arrangement.kind}: {outcome}")
                if row.unfunded[0]:
                    event("some overspend unfunded")
                if row.brought_forward[0]:
                    event("an underspend brought forward")
                if row.overspend is not None and (row.overspend.caps >= 0).any() and row.overspend_shares[0].any():
                    event("overspend shared with a cap in force")
                position = row.cash_position
                assert position is not None
                assert (position[:, -1] == row.carry_forward - row.unfunded).all()
    # The JSON, in pounds, tells the same story: per year, partners' net costs add up to
    # spend + reinvested - brought forward + carried forward - unfunded over the arrangements.
    for year in result.to_json()["years"]:
        net = sum(Decimal(str(p["net_cost"])) for p in year["partners"])
        expected = sum(
            Decimal(str(a["spend"])) + Decimal(str(a["reinvested"])) - Decimal(str(a["brought_forward"]))
            + Decimal(str(a["carry_forward"])) - Decimal(str(a["unfunded"]))
            for a in year["arrangements"]
        )
        assert net == expected


@ENGINE
@given(case=agreements())
def test_generated_agreements_base_scenario_spends_the_budget(generated_folder: Path, case: tuple[dict, dict]) -> None:
    document, _ = case
    agreement = load_agreement_text(yaml.safe_dump(document, sort_keys=False), generated_folder, "generated_base.yaml")
    result = run(agreement)
    for arrangement in agreement.arrangements:
        for row in (r for r in result.arrangement_years if r.arrangement_id == arrangement.id):
            budgets = [s.budget.get(row.year, 0) for s in arrangement.schemes]
            assert row.scheme_spend.tolist() == [budgets]

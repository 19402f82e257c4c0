"""The chances in words, the fans' percentiles and the fan charts, worked by hand on tiny path sets.

Each case builds a :class:`SimulationResult` by hand from a few paths whose
figures are written out, so every percentile can be worked with pencil and
paper by the rule in :mod:`pooledfund.uncertainty.statistics` (numpy's
"linear" method: with ``n`` paths sorted, Pq sits at position
``h = (n - 1) x q/100``, between the values either side of it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pooledfund.core.money import IntArray
from pooledfund.dashboard.fan_charts import net_cost_fan, span_ticks, variance_fan
from pooledfund.dashboard.figures import gbp_tick
from pooledfund.io.loader import load_agreement
from pooledfund.io.uncertainty_files import load_uncertain_scenario
from pooledfund.model.scenario import BASE
from pooledfund.uncertainty import simulate
from pooledfund.uncertainty.results import ArrangementPaths, SimulationResult
from pooledfund.uncertainty.sentences import chance_sentence, chance_sentences, chance_words, rounded_pounds
from pooledfund.uncertainty.statistics import fan

ROOT = Path(__file__).resolve().parents[1]
YEAR = "2025-26"
K = 100_000  # £1,000 in pence


def tiny_sim(variances: list[list[int]], shares: dict[str, list[list[int]]], contributions: dict[str, list[int]],
             returns: dict[str, list[list[int]]] | None = None, years: tuple[str, ...] = (YEAR,)) -> SimulationResult:
    """A one-arrangement run ("Test pool") written out path by path, in pence.

    ``variances[y]`` holds the pool's variance on each path in year ``y``;
    ``shares[partner][y]`` the partner's overspend share on each path;
    ``contributions[partner][y]`` its contribution; ``returns`` any
    underspend returned. Net cost = contribution + share - returned.
    """
    partners = list(shares)
    paths = len(variances[0])
    arrangement_paths = {}
    partner_paths: dict[str, dict[str, IntArray]] = {}
    for y, year in enumerate(years):
        share_table = np.array([shares[p][y] for p in partners], dtype=np.int64).T  # (paths, partners)
        return_table = (np.array([returns[p][y] for p in partners], dtype=np.int64).T if returns
                        else np.zeros_like(share_table))
        paid = np.array([contributions[p][y] for p in partners], dtype=np.int64)
        arrangement_paths[("pool", year)] = ArrangementPaths(
            np.array(variances[y], dtype=np.int64), np.zeros(paths, dtype=np.int64), np.zeros(paths, dtype=np.int64),
            np.zeros(paths, dtype=bool), share_table, paid)
        partner_paths[year] = {"overspend_share": share_table, "underspend_return": return_table,
                               "net_cost": paid[None, :] + share_table - return_table}
    return SimulationResult(
        agreement_id="test", agreement_title="Test agreement", scenario_id="base", scenario_name="Base",
        years=list(years), partners=partners, partner_names={"council": "Council", "icb": "ICB", "trust": "Trust"},
        arrangements=[("pool", "Test pool")], paths=paths, seed=0, driver_ids=[], driver_values=np.zeros((paths, 0)),
        event_ids=[], event_happens=np.zeros((paths, 0), dtype=bool), arrangement_paths=arrangement_paths,
        partner_paths=partner_paths, monthly_budget={})


# --- Ten paths with known variances: the pool overspends on 8 of them ------------------------------

# Variances in £k, deliberately out of order; sorted: -300, -100, 50, 120, 200, 250, 400, 600, 800, 1,500.
VARIANCES_K = [400, -100, 1500, 50, 250, -300, 800, 120, 600, 200]
# The council takes 60% of each overspend and the ICB 40% (nothing on an underspend).
COUNCIL_K = [v * 0.6 if v > 0 else 0 for v in VARIANCES_K]
ICB_K = [v * 0.4 if v > 0 else 0 for v in VARIANCES_K]


def ten_paths() -> SimulationResult:
    return tiny_sim([[v * K for v in VARIANCES_K]],
                    {"council": [[round(v * K) for v in COUNCIL_K]], "icb": [[round(v * K) for v in ICB_K]]},
                    {"council": [2_000 * K], "icb": [3_000 * K]})


def test_the_sentence_gives_the_chance_of_overspend_and_the_p90_of_the_share() -> None:
    sentences = chance_sentences(ten_paths(), YEAR)
    # 8 of the 10 variances are above £0: an 80% chance.
    # Council shares sorted (£k): 0, 0, 30, 72, 120, 150, 240, 360, 480, 900.
    # P90 at h = 9 x 0.9 = 8.1: 480 + 0.1 x (900 - 480) = 522, so £522,000, which reads £520k.
    # ICB shares sorted (£k): 0, 0, 20, 48, 80, 100, 160, 240, 320, 600.
    # P90: 320 + 0.1 x (600 - 320) = 348, so £348,000, which reads £340k (two figures, rounded down so that
    # "pays over" stays true).
    assert [s.text for s in sentences] == [
        "80% chance the Test pool overspends in 2025-26; 1 in 10 chance Council pays over £520k towards it.",
        "80% chance the Test pool overspends in 2025-26; 1 in 10 chance ICB pays over £340k towards it.",
    ]
    council = sentences[0]
    assert (council.overspending_paths, council.paths, council.share_p90) == (8, 10, 522 * K)
    assert council.probability_of_overspend == 0.8
    # the exact figures go on hover
    assert council.exact == ("Test pool overspends in 2025-26 on 8 of 10 paths (80.0%). P90 of Council's share "
                             "of the overspend: exactly £522,000.00.")


def test_a_pool_that_never_overspends_says_so() -> None:
    sim = tiny_sim([[-K, 0, -5 * K]], {"council": [[0, 0, 0]]}, {"council": [10 * K]})
    # A variance of exactly £0 is on budget, not an overspend.
    assert chance_sentence(sim, "pool", "council", YEAR).text == (
        "The Test pool overspends in 2025-26 on none of the 3 paths, so Council pays no overspend share.")


def test_a_pool_that_always_overspends_says_every_path() -> None:
    # Shares 10, 20, 30 (£k) over 3 paths: P90 at h = 2 x 0.9 = 1.8: 20 + 0.8 x 10 = 28, so £28,000 -> £28k.
    sim = tiny_sim([[10 * K, 20 * K, 30 * K]], {"council": [[10 * K, 20 * K, 30 * K]]}, {"council": [0]})
    assert chance_sentence(sim, "pool", "council", YEAR).text == (
        "The Test pool overspends in 2025-26 on every one of the 3 paths; "
        "1 in 10 chance Council pays over £28k towards it.")


def test_a_share_whose_p90_is_nothing_says_nine_in_ten_pays_nothing() -> None:
    # 20 paths, the pool overspends on one (1 in 20 = 5%) and the council takes £50k of it.
    # Sorted shares: nineteen £0 then £50k; P90 at h = 19 x 0.9 = 17.1 lies between two £0s, so £0.
    variances = [0] * 19 + [80 * K]
    shares = [0] * 19 + [50 * K]
    sim = tiny_sim([variances], {"council": [shares], "icb": [[0] * 20]}, {"council": [K], "icb": [K]})
    assert [s.text for s in chance_sentences(sim, YEAR)] == [
        "5% chance the Test pool overspends in 2025-26; at least 9 in 10 chance Council pays nothing towards it.",
        "5% chance the Test pool overspends in 2025-26; ICB pays none of it on any path.",
    ]


def test_a_partner_with_no_part_in_the_arrangement_gets_no_sentence() -> None:
    sim = tiny_sim([[K, -K]], {"council": [[K, 0]], "trust": [[0, 0]]}, {"council": [K], "trust": [0]})
    assert [s.partner_id for s in chance_sentences(sim, YEAR)] == ["council"]


@pytest.mark.parametrize(("count", "paths", "words"), [
    (817, 1000, "82% chance"),  # 81.7% rounds to 82%
    (825, 1000, "83% chance"),  # 82.5%: halves up
    (1, 1000, "Under 1% chance"),  # 0.1% would read 0%
    (5, 1000, "1% chance"),  # 0.5% rounds up to 1%
    (995, 1000, "Over 99% chance"),  # 99.5% would read 100%
    (999, 1000, "Over 99% chance"),
    (1, 2, "50% chance"),
])
def test_chances_are_whole_percentages_never_zero_or_certain(count: int, paths: int, words: str) -> None:
    assert chance_words(count, paths) == words


@pytest.mark.parametrize("count", [0, 10])
def test_none_or_every_path_is_not_a_chance(count: int) -> None:
    with pytest.raises(ValueError, match="some but not all paths"):
        chance_words(count, 10)


@pytest.mark.parametrize(("pence", "words"), [
    (78_765_432, "£780k"),  # £787,654.32: two significant figures, rounded down: 780 thousand
    (34_800_000, "£340k"),  # £348,000: down, never up, so "pays over £340k" stays true of a P90 of £348,000
    (123_456_789, "£1.2m"),
    (99_999_999, "£990k"),  # £999,999.99: down to 990 thousand, not up to a million
    (9_500_000, "£95k"),
    (950_000, "£9.5k"),
    (87_049, "£870"),
    (12_345, "£120"),
    (99, "£0.99"),  # under £1: to the penny
    (-78_765_432, "(£780k)"),
    (123_456_789_000, "£1.2bn"),
])
def test_amounts_in_sentences_have_two_significant_figures_rounded_down(pence: int, words: str) -> None:
    assert rounded_pounds(pence) == words


# --- The fans' percentiles ------------------------------------------------------------------------


def test_the_variance_fan_is_each_years_percentiles_by_hand() -> None:
    # Ten variances (£), out of order; sorted: -500, -300, -100, 0, 100, 200, 400, 700, 900, 2,000.
    # P10 at h = 0.9: -500 + 0.9 x 200 = -320;  P25 at h = 2.25: -100 + 0.25 x 100 = -75;
    # P50 at h = 4.5: 100 + 0.5 x 100 = 150;    P75 at h = 6.75: 400 + 0.75 x 300 = 625;
    # P90 at h = 8.1: 900 + 0.1 x 1,100 = 1,010.
    # Second year, every value doubled and £1 added: each percentile is 2 x that + £1.
    first = [700, -100, 2000, 0, -500, 200, 900, -300, 100, 400]
    second = [2 * v + 1 for v in first]
    sim = tiny_sim([[v * 100 for v in first], [v * 100 for v in second]],
                   {"council": [[0] * 10, [0] * 10]}, {"council": [0, 0]}, years=("2025-26", "2026-27"))
    band = sim.variance_fan("pool")
    assert band.years == ("2025-26", "2026-27")
    assert band.p10 == (-32_000, -63_900)
    assert band.p25 == (-7_500, -14_900)
    assert band.p50 == (15_000, 30_100)
    assert band.p75 == (62_500, 125_100)
    assert band.p90 == (101_000, 202_100)
    assert band.plan == (0, 0)  # the plan is on budget

    figure = variance_fan(band, "Test pool", sim.paths)
    outer, inner, plan, median = figure.data  # the plan under the median, so a median on plan shows
    # the bars float from P10 to P90 and from P25 to P75, in pounds
    assert list(outer.base) == [-320, -639] and list(outer.y) == [1_330, 2_660]
    assert list(inner.base) == [-75, -149] and list(inner.y) == [700, 1_400]
    assert list(median.y) == [150, 301] and list(plan.y) == [0, 0]
    assert list(outer.x) == ["2025-26", "2026-27"]
    assert [shape.y0 for shape in figure.layout.shapes] == [0]  # the plan line at £0
    # the axis is the variance itself (ticks in brackets below £0), fitted to the bands, not to cumulative spend
    ticks = list(figure.layout.yaxis.tickvals)
    assert ticks[0] <= -639 and ticks[-1] >= 1_563 and ticks[-1] - ticks[0] < 5_000
    assert list(figure.layout.yaxis.ticktext) == [gbp_tick(t) for t in ticks]
    assert "(£" in figure.layout.yaxis.ticktext[0]
    # hover gives each figure to the penny, underspends in brackets
    assert "P10 (£320.00)" in outer.customdata[0] and "Median £150.00" in outer.customdata[0]


def test_the_net_cost_fan_bands_around_the_contributions() -> None:
    # The council pays £2,000 in; its shares on 5 paths (£): 0, 0, 100, 300, 600; nothing returned.
    # Net cost sorted: 2,000, 2,000, 2,100, 2,300, 2,600.  h = 4q:
    # P10 at 0.4: 2,000;  P25 at 1: 2,000;  P50 at 2: 2,100;  P75 at 3: 2,300;  P90 at 3.6: 2,300 + 0.6 x 300 = 2,480.
    sim = tiny_sim([[-1, 1, 100, 300, 600]], {"council": [[0, 0, 10_000, 30_000, 60_000]]}, {"council": [200_000]})
    band = sim.net_cost_fan("council")
    assert (band.p10, band.p25, band.p50, band.p75, band.p90) == ((200_000,), (200_000,), (210_000,), (230_000,),
                                                                  (248_000,))
    assert band.plan == (200_000,)  # its contribution: what it pays if the pool is on budget
    figure = net_cost_fan(band, "Council", sim.paths)
    assert [t.name for t in figure.data] == ["P10 to P90", "P25 to P75", "Plan", "Median"]
    assert list(figure.data[2].y) == [2_000] and list(figure.data[3].y) == [2_100]
    assert figure.layout.title.text == "Net cost, 5 paths<br>Council"
    # the axis need not run down to £0: it covers the band, so £480 of spread on £2,000 is visible
    ticks = list(figure.layout.yaxis.tickvals)
    assert ticks[0] > 0 and ticks[0] <= 2_000 and ticks[-1] >= 2_480


def test_fan_rounds_interpolated_pence_half_up() -> None:
    # Two paths, 0p and 1p: the median is half way, 0.5p, which rounds up to 1p; P10 at h = 0.1 is 0.1p -> 0p.
    band = fan([YEAR], np.array([[0], [1]], dtype=np.int64), [0])
    assert (band.p10, band.p50, band.p90) == ((0,), (1,), (1,))


@pytest.mark.parametrize(("low", "high", "first", "last"), [
    # A net cost, nowhere near £0: (24,626,000 - 23,355,000) / 5 = 254,200 a tick, so steps of £500k
    # (2.5 x £100k is too small), from £23m (23,355,000 rounded down to a step) to £25m.
    (23_355_000.0, 24_626_000.0, 23_000_000.0, 25_000_000.0),
    # A variance either side of £0: 2,009,000 / 5 = 401,800, so steps of £500k, (£1.5m) to £1m.
    (-1_102_000.0, 907_000.0, -1_500_000.0, 1_000_000.0),
    # No spread at all: 5% room either side (4.75 to 5.25), then steps of 0.1 from 4.7 to 5.3.
    (5.0, 5.0, 4.7, 5.3),
])
def test_span_ticks_cover_the_values_with_round_steps(low: float, high: float, first: float, last: float) -> None:
    ticks = span_ticks(low, high)
    assert ticks[0] == pytest.approx(first) and ticks[-1] == pytest.approx(last)
    assert ticks[0] <= low and ticks[-1] >= high


# --- On a real run ---------------------------------------------------------------------------------


def test_on_the_northmoor_run_the_sentences_agree_with_the_summaries() -> None:
    agreement, _ = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    _, spec, _ = load_uncertain_scenario(ROOT / "scenarios" / "uncertainty" / "uncertain_bcf.yaml")
    assert agreement is not None and spec is not None
    sim = simulate(agreement, BASE, spec, paths=400, seed=3)
    for year in sim.years:
        # each partner's shares of the arrangements' overspends add up to its overspend share, path by path
        for partner in sim.partners:
            total = sum(sim.share_values(a, partner, year) for a, _ in sim.arrangements)
            assert np.array_equal(total, sim.partner_values(partner, year, "overspend_share"))
        sentences = chance_sentences(sim, year)
        assert {(s.arrangement_id, s.partner_id) for s in sentences} == {
            (a, p) for a in ("bcf_pool", "aligned_community") for p in ("council", "icb")}
        for s in sentences:
            summary = sim.arrangement_summary(s.arrangement_id, year)
            assert s.probability_of_overspend == summary.probability_of_overspend
            assert s.share_p90 == int(np.round(np.percentile(sim.share_values(s.arrangement_id, s.partner_id, year),
                                                             90)))
    # the net cost fan's plan is the contribution: the page's net cost with the budget as agreed (£23,405,000.00)
    assert sim.net_cost_fan("council").plan[0] == 2_340_500_000

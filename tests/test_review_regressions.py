"""Regressions for what the second review of the clauses found (each failed before its fix).

The inputs are in tests/data/review/: a two-partner pool (council £24m, ICB £16m)
with a switch at 2% of the pool, and a pool with triggers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tools import recalculate, require_tool

from pooledfund.cli.app import main
from pooledfund.engine.runner import run
from pooledfund.io.inputs import combine_scenarios, load_inputs
from pooledfund.io.loader import load_agreement
from pooledfund.reports.tables import partner_frame

DATA = Path(__file__).resolve().parent / "data" / "review"


def test_a_percentage_of_the_pool_is_the_same_pool_in_the_engine_and_the_pack(tmp_path: Path) -> None:
    # The ICB cuts £4m (shortfall: reducing_partner, the default: it makes its own cut good), and a council
    # scheme overspends £750k. The switch's threshold is 2% of the pool as the rules weigh it, cut made good:
    # 2% x £40m = £800k, so £750k is below it and the council bears it alone. The pack used the cut pool
    # (2% x £36m = £720k) and split it £375k / £375k: it must give the engine's figure.
    require_tool("soffice")
    agreement, scenarios = load_inputs(str(DATA / "switch_pct_pool.yaml"), [str(DATA / "icb_cut_and_shock.yaml")])
    result = run(agreement, combine_scenarios(scenarios))
    shares = partner_frame(result).set_index("partner")["overspend_share"].to_dict()
    assert shares == {"council": 750_000_00, "icb": 4_000_000_00}  # the ICB's own £4m cut, nothing of the £750k
    book, out = tmp_path / "pack.xlsx", tmp_path / "recalculated.xlsx"
    assert main(["export", str(DATA / "switch_pct_pool.yaml"), "--scenario", str(DATA / "icb_cut_and_shock.yaml"),
                 "--xlsx", str(book)]) == 0
    recalculate(str(book), str(out))
    sheet = load_workbook(out, data_only=True)["Risk share"]
    labels = {str(row[0].value): [c.value for c in row[1:4]] for row in sheet.iter_rows() if row[0].value}
    assert labels["Overspend shares"][1:3] == [750_000, 4_000_000]


def test_a_trigger_not_crossed_at_the_year_forecast_has_no_first_month(tmp_path: Path) -> None:
    # Actuals of £1.90m, £1.95m, £1.90m against £2m a month: April's run-rate forecast is an underspend of
    # £1.2m (past the £1m trigger), May's £900k and June's about £1m: not past. The year's forecast has not
    # crossed, so no first month may sit beside "crossed": false.
    out = tmp_path / "run.json"
    assert main(["run", str(DATA / "triggers_pool.yaml"), "--scenario", str(DATA / "underspend_early_actuals.yaml"),
                 "--json", str(out)]) == 0
    triggers = json.loads(out.read_text())["years"][0]["arrangements"][0]["triggers"]
    assert [(t["crossed"], t["first_crossed_month"]) for t in triggers] == [(False, None), (False, None)]


def test_a_ring_fence_on_a_source_the_pool_does_not_use_is_refused(tmp_path: Path) -> None:
    text = (DATA / "switch_pct_pool.yaml").read_text().replace(
        "    risk_share:\n", "    ring_fenced: [other]\n    risk_share:\n", 1)
    path = tmp_path / "fence.yaml"
    path.write_text(text)
    agreement, errors = load_agreement(path)
    assert agreement is None
    assert [e.source.path for e in errors] == ["arrangements[0].ring_fenced[0].source"]
    assert errors[0].message == ("'other' is ring-fenced, but no contribution or scheme of pool uses it, so the "
                                 "ring-fence would do nothing; the sources used here are: additional_la, nhs_minimum")


@pytest.mark.parametrize(("typed", "hint"), [("dgf", "; did you mean 'dfg'?"), ("lottery", "")])
def test_a_misspelt_source_suggests_the_one_meant_and_only_a_near_miss(tmp_path: Path, typed: str, hint: str) -> None:
    text = (DATA / "switch_pct_pool.yaml").read_text().replace("source: nhs_minimum, cash", f"source: {typed}, cash")
    path = tmp_path / "typo.yaml"
    path.write_text(text)
    _, errors = load_agreement(path)
    assert len(errors) == 1
    assert errors[0].message.startswith(f"'{typed}' is not recognised; expected one of ")
    assert errors[0].message.endswith("or 'other'" + hint)

"""Every risk-share layer and underspend rule has one set of words, and every report uses them.

The words live on the records (``wording``: a label, a short and a long
phrase). The explanation, the dashboard and the Excel pack must all show
those exact words, so a layer cannot read one way in one place and another
way elsewhere. The stress agreement of the Excel recalculation test goes down
every layer and every rule, so each kind's words must appear in each report.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from conftest import load_agreement_text
from test_excel_recalc import STRESS, STRESS_SCENARIO

from pooledfund.agreements import FundedArrangement
from pooledfund.dashboard.data import build_outputs
from pooledfund.io.excel import build_pack
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import LEFTOVER, CapLayer, RiskLayer, UnderspendRule, Worded
from pooledfund.model.scenario import Scenario


def _kinds(union: object) -> list[type[Worded]]:
    """The record classes of an annotated discriminated union."""
    members = typing.get_args(typing.get_args(union)[0])
    return list(members)


LAYER_KINDS = _kinds(RiskLayer)
RULE_KINDS = _kinds(UnderspendRule)


def _kind_of(record_class: type[Worded]) -> str:
    field = "layer" if "layer" in record_class.model_fields else "rule"
    (kind,) = typing.get_args(record_class.model_fields[field].annotation)
    return str(kind)


def test_the_unions_hold_every_kind() -> None:
    assert sorted(_kind_of(k) for k in LAYER_KINDS) == [
        "attributable", "band", "cap", "commissioner", "fixed_split", "proportional", "switch"]
    assert sorted(_kind_of(k) for k in RULE_KINDS) == [
        "attributable", "carry_forward", "fixed_split", "reinvest", "retain_by_host", "return_proportional"]


@pytest.mark.parametrize("record_class", LAYER_KINDS + RULE_KINDS, ids=_kind_of)
def test_every_kind_has_a_label_a_short_and_a_long_wording(record_class: type[Worded]) -> None:
    wording = record_class.wording
    for text in (wording.label, wording.short, wording.long, wording.limit):
        assert isinstance(text, str) and text.strip(), record_class.__name__
    assert wording.label[:1].isupper() or wording.label.startswith("{"), "a label starts with a capital"
    assert (wording.short[:1].islower() and wording.long[:1].islower()) or wording.long.startswith("{")


def test_the_closing_underspend_step_has_its_words() -> None:
    assert LEFTOVER.label and LEFTOVER.short and LEFTOVER.long


def test_a_limit_is_a_slice_and_a_cap_limits_a_partner() -> None:
    # Every layer and rule but the cap says "up to" (or "first") its limit; only the cap speaks of capping.
    for record_class in LAYER_KINDS + RULE_KINDS:
        words = " ".join((record_class.wording.label, record_class.wording.short, record_class.wording.long))
        if record_class is CapLayer:
            assert "cap" in words
        else:
            assert "cap" not in words.lower(), record_class.__name__
            assert record_class.wording.limit in ("up to", "first")


@pytest.fixture(scope="module")
def stress(tmp_path_factory: pytest.TempPathFactory) -> tuple[Agreement, Scenario]:
    agreement = load_agreement_text(STRESS, Path(tmp_path_factory.mktemp("wording")))
    return agreement, Scenario.model_validate(STRESS_SCENARIO)


def _records(agreement: Agreement) -> list[Worded]:
    pools = [a for a in agreement.arrangements if isinstance(a, FundedArrangement)]
    return [record for pool in pools for record in (*pool.effective_risk_share(), *pool.effective_underspend())]


def test_the_stress_agreement_has_every_kind(stress: tuple[Agreement, Scenario]) -> None:
    agreement, _ = stress
    assert {type(r) for r in _records(agreement)} == set(LAYER_KINDS + RULE_KINDS)


def test_explain_dashboard_and_excel_use_the_same_words(stress: tuple[Agreement, Scenario]) -> None:
    agreement, scenario = stress
    names = {p.id: p.name for p in agreement.partners}
    outputs, _ = build_outputs(agreement, scenario)
    explained = "\n".join(outputs.explanations.values())
    labels = set(outputs.risk_steps["label"])
    workbook, _ = build_pack(agreement, [scenario])
    sheet_text = {str(c.value) for row in workbook["Risk share"].iter_rows(max_col=1) for c in row if c.value}

    for record in _records(agreement):
        assert record.words("long", names) in explained, type(record).__name__
        if isinstance(record, CapLayer):
            continue  # caps are not steps: no bar of their own, one row of caps on the sheet
        assert any(label.split(". ", 1)[-1].startswith(record.words("label", names)) for label in labels), record
        assert any(record.words("short", names) in line for line in sheet_text), record
    cap_row = CapLayer.wording.short.format(partner="each partner")
    assert any(line.lower().startswith(cap_row) for line in sheet_text)
    assert LEFTOVER.label in labels
    assert LEFTOVER.long in explained
    assert any(LEFTOVER.short in line.lower() for line in sheet_text)

"""Reading and validating agreement files: every mistake is found, located and explained.

Each test starts from a small valid agreement (``BASE``), makes one mistake
and checks the error's file, line, field path and the key words of its
message. The line expected is always *the line where the mistake is* (found
by a marker string in the mutated text), so a test fails if an error points
at the start of the record instead of at the field a finance lead must fix.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SMALL_AGREEMENT

from pooledfund.core import locations
from pooledfund.core.errors import InputError, InvalidInputError, OutputExistsError, PooledfundError
from pooledfund.io import yamlio
from pooledfund.io.loader import load_agreement, require_agreement
from pooledfund.io.yamlio import parse_yaml_text, read_yaml, write_atomic
from pooledfund.model.records import source_of

BASE = SMALL_AGREEMENT

COUNCIL_CONTRIBUTION = "      - {partner: council, year: 2025-26, source: additional_la, cash: 400000}\n"
ICB_CONTRIBUTION = "      - {partner: icb, year: 2025-26, source: nhs_minimum, cash: 600000}\n"
RISK_SHARE = (
    "    risk_share:\n"
    "      - layer: fixed_split\n"
    "        shares: {council: 50, icb: 50}\n"
    "      - layer: proportional\n"
)
UNDERSPEND = "    underspend:\n      - rule: return_proportional\n"

LEAD_COMMISSIONING = """\
  - id: lc
    kind: lead_commissioning
    name: Care homes
    lead_commissioner: icb
    delegating_partner: council
    agreed_value:
      base_year: 2025-26
      base_value: 500000
      uplifts:
        2026-27: {inflation_pct: 3, efficiency_pct: 1}
    schemes:
      - id: S2
        name: Care homes
        scheme_type: residential_placements
        area_of_spend: social_care
        commissioner: icb
        provider: private_sector
        funding_source: other
        budget: {2025-26: 500000, 2026-27: 510000}
"""
UPLIFTS = "      uplifts:\n        2026-27: {inflation_pct: 3, efficiency_pct: 1}\n"

ALIGNED = """\
  - id: aligned  # second arrangement
    kind: aligned_budget
    name: Aligned budgets
    schemes:
      - id: S1  # second scheme
        name: Carers
        scheme_type: carers_services
        area_of_spend: social_care
        commissioner: council
        provider: la
        funding_source: other
        budget: {2025-26: 20000}
"""


# --- helpers -----------------------------------------------------------------------------


def mutate(old: str, new: str, text: str = BASE) -> str:
    """Replace the one occurrence of ``old``; fail loudly if the base changed."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the base"
    return text.replace(old, new)


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the one line containing ``marker``."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(found) == 1, f"{marker!r} is on lines {found}"
    return found[0]


def load_text(tmp_path: Path, text: str, name: str = "a.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_agreement(path, display_name=name)


def errors_of(tmp_path: Path, text: str) -> list[InputError]:
    agreement, errors = load_text(tmp_path, text)
    assert agreement is None, "the mistake was not caught: the agreement loaded"
    assert errors, "no agreement and no errors"
    return errors


def listing(errors: list[InputError]) -> str:
    return "\n".join(str(e) for e in errors)


def the_error(errors: list[InputError], path: str) -> InputError:
    matches = [e for e in errors if e.source.path == path]
    assert len(matches) == 1, f"expected one error at {path!r}, got:\n{listing(errors)}"
    return matches[0]


def check(
    error: InputError, *, path: str, lines: int | set[int], words: list[str], file: str = "a.yaml"
) -> None:
    allowed = {lines} if isinstance(lines, int) else lines
    assert error.source.file == file, str(error)
    assert error.source.path == path, str(error)
    assert error.source.line in allowed, f"line {error.source.line}, expected {sorted(allowed)}: {error}"
    text = str(error)
    assert text == f"{file}:{error.source.line} {path}: {error.message}"
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"
    # One plain line for a finance lead: no traceback, no pydantic jargon.
    assert "\n" not in text
    assert "pydantic" not in text.lower() and "Traceback" not in text


# --- a valid agreement ---------------------------------------------------------------------


def test_base_agreement_is_valid(tmp_path: Path) -> None:
    agreement, errors = load_text(tmp_path, BASE)
    assert errors == []
    assert agreement is not None
    assert agreement.years == ["2025-26", "2026-27"]
    scheme = agreement.arrangements[0].schemes[0]
    assert scheme.budget == {"2025-26": 100_000_000}  # pence
    assert agreement.arrangements[0].contributions[1].cash == 60_000_000


def test_valid_records_carry_their_sources(tmp_path: Path) -> None:
    agreement, errors = load_text(tmp_path, BASE)
    assert errors == [] and agreement is not None
    scheme = source_of(agreement.arrangements[0].schemes[0])
    assert scheme is not None
    assert (scheme.file, scheme.line, scheme.path) == (
        "a.yaml",
        line_of(BASE, "- id: S1"),
        "arrangements[0].schemes[0]",
    )
    partner = source_of(agreement.partners[1])
    assert (partner.line, partner.path) == (line_of(BASE, "{id: icb"), "partners[1]")
    contribution = source_of(agreement.arrangements[0].contributions[1])
    assert (contribution.line, contribution.path) == (
        line_of(BASE, "{partner: icb"),
        "arrangements[0].contributions[1]",
    )
    layer = source_of(agreement.arrangements[0].risk_share[1])
    assert (layer.line, layer.path) == (line_of(BASE, "layer: proportional"), "arrangements[0].risk_share[1]")
    rule = source_of(agreement.arrangements[0].underspend[0])
    assert (rule.line, rule.path) == (line_of(BASE, "rule: return_proportional"), "arrangements[0].underspend[0]")
    arrangement = source_of(agreement.arrangements[0])
    assert (arrangement.line, arrangement.path) == (line_of(BASE, "- id: pool"), "arrangements[0]")
    top = source_of(agreement)
    assert top is not None and top.path == "agreement" and top.file == "a.yaml"


def test_lead_commissioning_and_aligned_budget_are_valid(tmp_path: Path) -> None:
    agreement, errors = load_text(tmp_path, BASE + LEAD_COMMISSIONING + ALIGNED.replace("id: S1", "id: S3"))
    assert errors == [], listing(errors)
    assert agreement is not None
    assert [a.id for a in agreement.arrangements] == ["pool", "lc", "aligned"]


def test_template_wording_and_pounds_text_are_accepted(tmp_path: Path) -> None:
    text = mutate("cash: 400000}", "cash: '£400,000.00'}")
    text = mutate("years: [2025-26, 2026-27]", "years: [2025/26, 2026-2027]", text)
    text = mutate("commissioner: {council: 50, icb: 50}", "commissioner: {council: 50%, icb: '50 %'}", text)
    agreement, errors = load_text(tmp_path, text)
    assert errors == [], listing(errors)
    assert agreement is not None
    assert agreement.years == ["2025-26", "2026-27"]
    assert agreement.arrangements[0].contributions[0].cash == 40_000_000


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    agreement, errors = load_agreement(path, display_name="bom.yaml")
    assert errors == [] and agreement is not None


def test_display_name_defaults_to_the_path_given(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(mutate("vat: council_s33", "vat: s33"))
    _, errors = load_agreement(path)
    assert [e.source.file for e in errors] == [str(path)]


# --- reading the file ----------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    agreement, errors = load_agreement(tmp_path / "nope.yaml", display_name="nope.yaml")
    assert agreement is None
    assert len(errors) == 1
    assert errors[0].source.file == "nope.yaml" and errors[0].source.line is None
    assert str(errors[0]).startswith("nope.yaml: cannot read the file")
    assert "No such file" in errors[0].message


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    agreement, errors = load_agreement(tmp_path, display_name="folder")
    assert agreement is None and len(errors) == 1
    assert str(errors[0]).startswith("folder: cannot read the file")


def test_require_agreement_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(mutate("vat: council_s33", "vat: s33").replace("provider: la", "provider: council"))
    with pytest.raises(InvalidInputError) as caught:
        require_agreement(path)
    assert len(caught.value.errors) == 2
    assert str(caught.value).startswith("2 problems found:\n")
    assert isinstance(caught.value, PooledfundError)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"], ids=["empty", "blank", "comment"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    errors = errors_of(tmp_path, text)
    assert [str(e) for e in errors] == ["a.yaml: the file is empty"]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(mutate("Test pool", "Caf\u00e9 pool").encode("latin-1"))
    agreement, errors = load_agreement(path, display_name="latin.yaml")
    assert agreement is None
    assert [str(e) for e in errors] == ["latin.yaml: the file is not UTF-8 text; save it as UTF-8"]


def test_oversized_file_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_YAML_BYTES", 100)
    errors = errors_of(tmp_path, BASE)
    assert len(errors) == 1
    size = len(BASE.encode("utf-8"))
    assert str(errors[0]) == f"a.yaml: the file is {size:,} bytes; files over 100 bytes are refused"


def test_oversized_text_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_YAML_BYTES", 10)
    data, lines, errors = parse_yaml_text("a: 12345678901\n", "t.yaml")
    assert data is None and lines == {}
    assert len(errors) == 1 and "refused" in errors[0].message and errors[0].source.file == "t.yaml"


def test_file_at_the_size_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_YAML_BYTES", len(BASE.encode("utf-8")))
    agreement, errors = load_text(tmp_path, BASE)
    assert errors == [] and agreement is not None


@pytest.mark.parametrize(
    ("old", "new", "marker", "words"),
    [
        ("    name: Pool\n", "    name: Pool: x\n", "name: Pool: x", ["mapping values are not allowed"]),
        ("    name: Pool\n", "\tname: Pool\n", "\tname: Pool", ["'\\t'"]),
        ("    name: Pool\n", "   name: Pool\n", "   name: Pool", []),
    ],
    ids=["colon-in-value", "tab", "bad-indent"],
)
def test_invalid_yaml_reports_the_line(tmp_path: Path, old: str, new: str, marker: str, words: list[str]) -> None:
    text = mutate(old, new)
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    error = errors[0]
    assert error.source.file == "a.yaml"
    assert error.source.line == line_of(text, marker)
    assert error.message.startswith("this is not valid YAML: ")
    assert str(error) == f"a.yaml:{error.source.line}: {error.message}"
    for word in words:
        assert word in error.message


@pytest.mark.parametrize(
    ("new", "marker"),
    [("    name: 'Pool\n", "name: 'Pool"), ("    name: [Pool\n", "name: [Pool")],
    ids=["unclosed-quote", "unclosed-bracket"],
)
def test_unclosed_quote_or_bracket_points_at_where_it_was_opened(tmp_path: Path, new: str, marker: str) -> None:
    # PyYAML notices the problem only later (the end of the file for a quote);
    # the user must be sent to the line where the quote or bracket was opened.
    text = mutate("    name: Pool\n", new)
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    opened = line_of(text, marker)
    error = errors[0]
    assert error.source.line == opened or f"line {opened}" in error.message, str(error)


def test_python_tags_are_refused_with_a_located_one_line_message(tmp_path: Path) -> None:
    text = mutate("    name: Pool\n", "    name: !!python/name:os.system\n")
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    error = errors[0]
    assert error.message.startswith("this is not valid YAML")
    assert "\n" not in str(error), f"multi-line message: {str(error)!r}"
    assert "<unicode string>" not in error.message
    assert error.source.line == line_of(text, "!!python"), str(error)


def test_duplicate_key_is_reported_at_the_second_key(tmp_path: Path) -> None:
    text = mutate("    name: Pool\n", "    name: Pool\n    name: Pool fund\n")
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    check(errors[0], path="arrangements[0].name", lines=line_of(text, "name: Pool fund"), words=["twice"])


def test_every_duplicate_key_is_reported(tmp_path: Path) -> None:
    text = mutate("    name: Pool\n", "    name: Pool\n    name: Pool fund\n")
    text = mutate("        provider: la\n", "        provider: la\n        provider: nhs_community\n", text)
    text += "partners: []\n"
    errors = errors_of(tmp_path, text)
    assert len(errors) == 3, listing(errors)
    check(the_error(errors, "partners"), path="partners", lines=line_of(text, "partners: []"), words=["twice"])
    check(
        the_error(errors, "arrangements[0].schemes[0].provider"),
        path="arrangements[0].schemes[0].provider",
        lines=line_of(text, "provider: nhs_community"),
        words=["given twice"],
    )


def test_alias_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_NODES", 50)
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: [*b, *b, *b, *b, *b, *b]\n"
    )
    errors = errors_of(tmp_path, bomb)
    assert [str(e) for e in errors] == ["a.yaml: the document expands to more than 50 values and is refused"]


def test_billion_laughs_is_refused_at_the_default_limit() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    data, _, errors = parse_yaml_text("\n".join(lines) + "\n", "bomb.yaml")
    assert data is None
    assert [str(e) for e in errors] == ["bomb.yaml: the document expands to more than 500,000 values and is refused"]


def test_small_aliases_are_allowed(tmp_path: Path) -> None:
    text = mutate("shares: {council: 50, icb: 50}", "shares: &split {council: 50, icb: 50}")
    text = mutate("rule: return_proportional", "rule: fixed_split\n        shares: *split", text)
    agreement, errors = load_text(tmp_path, text)
    assert errors == [], listing(errors)
    assert agreement is not None


def test_key_that_is_not_text(tmp_path: Path) -> None:
    text = mutate("    name: Pool\n", "    name: Pool\n    [a, b]: 1\n")
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    check(errors[0], path="arrangements[0]", lines=line_of(text, "[a, b]: 1"), words=["plain text"])


def test_read_yaml_line_map() -> None:
    data, lines, errors = parse_yaml_text("a: 1\nb: [1, 2]\nc:\n  d: x\n  e: [3]\n", "t.yaml")
    assert errors == []
    assert data == {"a": 1, "b": [1, 2], "c": {"d": "x", "e": [3]}}
    assert lines[("a",)] == 1 and lines[("b", 1)] == 2 and lines[("c", "d")] == 4 and lines[("c", "e", 0)] == 5
    assert locations.line_for(lines, ("c", "d", "missing", 3)) == 4
    assert locations.line_for({}, ("x",)) is None


def test_read_yaml_refuses_a_missing_file(tmp_path: Path) -> None:
    data, lines, errors = read_yaml(tmp_path / "gone.yaml", "gone.yaml")
    assert data is None and lines == {}
    assert len(errors) == 1 and errors[0].source.file == "gone.yaml"


def test_format_path() -> None:
    assert locations.format_path(()) == ""
    assert locations.format_path(("arrangements", 0, "schemes", 3, "budget")) == "arrangements[0].schemes[3].budget"
    assert locations.format_path((0, "a")) == "[0].a"


# --- the shape of the file -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["hello\n", "- a\n- b\n", "42\n"], ids=["text", "list", "number"])
def test_top_level_must_be_sections(tmp_path: Path, text: str) -> None:
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    assert errors[0].source.line == 1
    assert "agreement, partners, arrangements" in errors[0].message


def test_unknown_top_level_section(tmp_path: Path) -> None:
    text = BASE + "extras: draft\n"
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    check(errors[0], path="extras", lines=line_of(text, "extras:"), words=["not a section", "arrangements"])


def test_unknown_block_section_points_at_its_heading(tmp_path: Path) -> None:
    # The message is about the heading's name, so the heading's line is the one to give.
    text = BASE + "extras:\n  note: draft\n"
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    check(errors[0], path="extras", lines=line_of(text, "extras:"), words=["not a section"])


def test_misspelt_agreement_section(tmp_path: Path) -> None:
    text = mutate("agreement:\n", "agreemnt:\n")
    errors = errors_of(tmp_path, text)
    assert len(errors) == 2, listing(errors)
    check(the_error(errors, "agreemnt"), path="agreemnt", lines=1, words=["not a section"])
    check(the_error(errors, "agreement"), path="agreement", lines=1, words=["'agreement' section", "missing"])


def test_sections_given_inside_agreement(tmp_path: Path) -> None:
    text = mutate("  host_partner: council\n", "  host_partner: council\n  partners: []\n")
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    check(errors[0], path="agreement.partners", lines=line_of(text, "partners: []"), words=["own section"])


# --- one mistake at a time: structural (pydantic) errors ---------------------------------------

S0 = "arrangements[0].schemes[0]"
C0 = "arrangements[0].contributions[0]"
SCHEDULE_MARK = "schedule: {"


def _schedule(schedule: str) -> str:
    return mutate(
        COUNCIL_CONTRIBUTION,
        f"      - {{partner: council, year: 2025-26, source: additional_la, cash: 400000, schedule: {schedule}}}\n",
    )


STRUCTURAL = [
    # (id, text, path, marker of the line at fault, words)
    ("misspelt-field", mutate("        provider: la\n", "        provder: la\n"), f"{S0}.provder", "provder:",
     ["not a field here", "spelling"]),
    ("missing-name", mutate("        name: Reablement\n", ""), f"{S0}.name", "- id: S1", ["required", "missing"]),
    ("missing-title", mutate("  title: Test pool\n", ""), "agreement.title", None, ["required"]),
    ("scheme-type", mutate("Home-based intermediate care services", "Home visits"), f"{S0}.scheme_type",
     "scheme_type:", ["'Home visits'", "not recognised", "home_based_intermediate_care"]),
    ("partner-kind", mutate("kind: unitary_council", "kind: parish_council"), "partners[0].kind", "parish_council",
     ["'parish_council'", "not recognised", "unitary_council"]),
    ("vat", mutate("vat: council_s33", "vat: s33"), "partners[0].vat", "vat: s33",
     ["'s33'", "not recognised", "council_s33", "nhs_limited_recovery"]),
    ("scheme-funding-source", mutate("        funding_source: nhs_minimum", "        funding_source: lottery"),
     f"{S0}.funding_source", "lottery", ["'lottery'", "not recognised", "nhs_minimum", "ibcf"]),
    ("contribution-source", mutate("source: additional_la", "source: lottery"), f"{C0}.source", "lottery",
     ["'lottery'", "not recognised", "additional_la"]),
    ("area-of-spend", mutate("area_of_spend: social_care", "area_of_spend: leisure"), f"{S0}.area_of_spend",
     "leisure", ["'leisure'", "social_care"]),
    ("provider", mutate("        provider: la\n", "        provider: council\n"), f"{S0}.provider", "provider:",
     ["'council'", "not recognised", "'la'", "'nhs_community'"]),
    ("schedule-kind", _schedule("{kind: weekly}"), f"{C0}.schedule.kind", SCHEDULE_MARK,
     ["'weekly'", "monthly", "quarterly_in_advance", "instalments"]),
    ("missing-kind", mutate("    kind: pooled_fund\n", ""), "arrangements[0]", "- id: pool", ["kind:"]),
    ("money-3-decimals", mutate("cash: 400000}", "cash: 400000.125}"), f"{C0}.cash", "400000.125",
     ["400000.125", "2 decimal places"]),
    ("negative-budget", mutate("budget: {2025-26: 1000000}", "budget: {2025-26: -5000}"), f"{S0}.budget.2025-26",
     "budget:", ["must not be negative"]),
    ("negative-cash", mutate("cash: 400000}", "cash: -400000}"), f"{C0}.cash", "-400000",
     ["must not be negative"]),
    ("text-budget", mutate("budget: {2025-26: 1000000}", "budget: {2025-26: lots}"), f"{S0}.budget.2025-26",
     "budget:", ["expected an amount in pounds", "'lots'"]),
    ("text-cash", mutate("cash: 400000}", "cash: four hundred thousand}"), f"{C0}.cash", "four hundred",
     ["expected an amount in pounds", "'four hundred thousand'"]),
    ("year-2025", mutate("years: [2025-26, 2026-27]", "years: [2025, 2026-27]"), "agreement.years[0]", "years:",
     ["'2025'", "not a financial year", "2025-26"]),
    ("year-2025-27", mutate("years: [2025-26, 2026-27]", "years: [2025-27]"), "agreement.years[0]", "years:",
     ["'2025-27'", "not a financial year", "April"]),
    ("contribution-year", mutate("year: 2025-26, source: additional_la", "year: 2025, source: additional_la"),
     f"{C0}.year", "additional_la", ["'2025'", "not a financial year"]),
    ("years-not-consecutive", mutate("years: [2025-26, 2026-27]", "years: [2025-26, 2027-28]"), "agreement.years",
     "years:", ["consecutive", "2027-28 does not follow 2025-26"]),
    ("years-out-of-order", mutate("years: [2025-26, 2026-27]", "years: [2026-27, 2025-26]"), "agreement.years",
     "years:", ["consecutive", "in order"]),
    ("years-not-a-list", mutate("years: [2025-26, 2026-27]", "years: 2025-26"), "agreement.years", "years:",
     ["expected a list"]),
    ("years-empty", mutate("years: [2025-26, 2026-27]", "years: []"), "agreement.years", "years:",
     ["at least 1"]),
    ("one-partner", mutate(
        "  - {id: icb, name: ICB, kind: integrated_care_board, vat: nhs_limited_recovery}\n", ""),
     "partners", "{id: council", ["at least 2"]),
    ("joint-split", mutate("commissioner: {council: 50, icb: 50}", "commissioner: {council: 50, icb: 40}"),
     f"{S0}.commissioner", "commissioner:",
     ["percentages add up to 90%", "must add up to 100%", "10% short of 100%"]),
    ("fixed-split-short", mutate("shares: {council: 50, icb: 50}", "shares: {council: 50, icb: 40}"),
     "arrangements[0].risk_share[0].shares", "shares:", ["percentages add up to 90%", "must add up to 100%"]),
    ("fixed-split-over", mutate("shares: {council: 50, icb: 50}", "shares: {council: 70, icb: 40}"),
     "arrangements[0].risk_share[0].shares", "shares:", ["110%", "10% over 100%"]),
    ("share-over-100", mutate("commissioner: {council: 50, icb: 50}", "commissioner: {council: 150, icb: -50}"),
     f"{S0}.commissioner.council", "commissioner:", ["between 0% and 100%", "150%"]),
    ("percent-text", mutate("commissioner: {council: 50, icb: 50}", "commissioner: {council: half, icb: 50}"),
     f"{S0}.commissioner.council", "commissioner:", ["percentage", "'half'"]),
    ("percent-5-decimals",
     mutate("shares: {council: 50, icb: 50}", "shares: {council: 50.00001, icb: 49.99999}"),
     "arrangements[0].risk_share[0].shares.council", "shares:", ["more than 4 decimal places"]),
    ("phasing-3-months", mutate("        budget: {2025-26: 1000000}\n",
                                "        budget: {2025-26: 1000000}\n        phasing: [1, 1, 1]\n"),
     f"{S0}.phasing", "phasing:", ["12 monthly weights", "got 3"]),
    ("phasing-13-months", mutate("        budget: {2025-26: 1000000}\n",
                                 "        budget: {2025-26: 1000000}\n        phasing: [1,1,1,1,1,1,1,1,1,1,1,1,1]\n"),
     f"{S0}.phasing", "phasing:", ["12 monthly weights", "got 13"]),
    ("phasing-all-zero", mutate("        budget: {2025-26: 1000000}\n",
                                "        budget: {2025-26: 1000000}\n        phasing: [0,0,0,0,0,0,0,0,0,0,0,0]\n"),
     f"{S0}.phasing", "phasing:", ["must not all be zero"]),
    ("phasing-negative", mutate("        budget: {2025-26: 1000000}\n",
                                "        budget: {2025-26: 1000000}\n        phasing: [-1,1,1,1,1,1,1,1,1,1,1,1]\n"),
     f"{S0}.phasing[0]", "phasing:", ["must not be negative"]),
    ("instalment-amount-and-percent",
     _schedule("{kind: instalments, instalments: [{month: 2025-04, amount: 200000, percent: 50},"
               " {month: 2025-10, amount: 200000}]}"),
     f"{C0}.schedule.instalments[0]", SCHEDULE_MARK, ["either amount or percent", "not both"]),
    ("instalment-neither",
     _schedule("{kind: instalments, instalments: [{month: 2025-04}, {month: 2025-10, amount: 400000}]}"),
     f"{C0}.schedule.instalments[0]", SCHEDULE_MARK, ["either amount or percent"]),
    ("instalment-percents-90",
     _schedule("{kind: instalments, instalments: [{month: 2025-04, percent: 50}, {month: 2025-10, percent: 40}]}"),
     f"{C0}.schedule", SCHEDULE_MARK, ["90%", "100%"]),
    ("instalment-bad-month", _schedule("{kind: instalments, instalments: [{month: October, amount: 400000}]}"),
     f"{C0}.schedule.instalments[0].month", SCHEDULE_MARK, ["'October'", "not a month", "2025-10"]),
    ("instalment-month-13", _schedule("{kind: instalments, instalments: [{month: 2025-13, amount: 400000}]}"),
     f"{C0}.schedule.instalments[0].month", SCHEDULE_MARK, ["'2025-13'", "not a real date"]),
    ("instalments-without-kind", _schedule("{instalments: [{month: 2025-04, amount: 400000}]}"),
     f"{C0}.schedule", SCHEDULE_MARK, ["kind: instalments"]),
    ("instalments-kind-empty", _schedule("{kind: instalments}"), f"{C0}.schedule", SCHEDULE_MARK,
     ["instalments listed"]),
    ("withheld-without-until", _schedule("{kind: monthly, withheld: 50000}"), f"{C0}.schedule", SCHEDULE_MARK,
     ["withheld_until"]),
    ("balanced-not-bool", mutate("    name: Pool\n", "    name: Pool\n    balanced: maybe\n"),
     "arrangements[0].balanced", "balanced:", ["true or false", "'maybe'"]),
    ("name-not-text", mutate("    name: Pool\n", "    name: 42\n"), "arrangements[0].name", "name: 42",
     ["expected text", "42"]),
    ("cap-negative", mutate(RISK_SHARE, RISK_SHARE + "      - {layer: cap, partner: council, cap: -5}\n"),
     "arrangements[0].risk_share[2].cap", "layer: cap", ["more than £0.00"]),
    ("cap-word", mutate(RISK_SHARE, RISK_SHARE + "      - {layer: cap, partner: council, cap: everything}\n"),
     "arrangements[0].risk_share[2].cap", "layer: cap", ["'everything'"]),
    ("limit-zero", mutate("      - layer: proportional\n", "      - {layer: proportional, limit: 0}\n"),
     "arrangements[0].risk_share[1].limit", "layer: proportional", ["more than £0.00"]),
    ("partners-as-mapping", mutate(
        "  - {id: council, name: Council, kind: unitary_council, vat: council_s33}\n"
        "  - {id: icb, name: ICB, kind: integrated_care_board, vat: nhs_limited_recovery}\n",
        "  council: {name: Council}\n"),
     "partners", "council: {name", ["expected a list"]),
    ("efficiency-negative", BASE + LEAD_COMMISSIONING.replace("efficiency_pct: 1}", "efficiency_pct: -1}"),
     "arrangements[1].agreed_value.uplifts.2026-27.efficiency_pct", "efficiency_pct",
     ["positive saving", "got -1"]),
    ("agreed-value-missing",
     BASE + LEAD_COMMISSIONING.replace("    agreed_value:\n      base_year: 2025-26\n      base_value: 500000\n"
                                       + UPLIFTS, ""),
     "arrangements[1].agreed_value", "- id: lc", ["required"]),
    ("provider-missing-integrated",
     BASE + "  - {id: ip, kind: integrated_provision, name: Community services}\n",
     "arrangements[1].provider", "id: ip", ["required"]),
]


@pytest.mark.parametrize(
    ("text", "path", "marker", "words"), [c[1:] for c in STRUCTURAL], ids=[c[0] for c in STRUCTURAL]
)
def test_structural_mistake(tmp_path: Path, text: str, path: str, marker: str | None, words: list[str]) -> None:
    errors = errors_of(tmp_path, text)
    lines = {1, 2} if marker is None else line_of(text, marker)
    check(the_error(errors, path), path=path, lines=lines, words=words)


def test_misspelt_field_is_the_only_other_error(tmp_path: Path) -> None:
    # A misspelling gives exactly two messages: the unknown name and the missing field.
    text = mutate("        provider: la\n", "        provder: la\n")
    errors = errors_of(tmp_path, text)
    assert sorted(e.source.path for e in errors) == [f"{S0}.provder", f"{S0}.provider"]
    check(the_error(errors, f"{S0}.provider"), path=f"{S0}.provider", lines=line_of(text, "- id: S1"),
          words=["required but missing"])


def test_misspelt_block_field_points_at_its_name(tmp_path: Path) -> None:
    text = mutate("    underspend:\n", "    underspends:\n")
    errors = errors_of(tmp_path, text)
    check(the_error(errors, "arrangements[0].underspends"), path="arrangements[0].underspends",
          lines=line_of(text, "underspends:"), words=["not a field here"])


@pytest.mark.parametrize(
    ("old", "new", "field", "bad", "choices"),
    [
        ("kind: pooled_fund", "kind: pooled_budget", "kind", "'pooled_budget'",
         ["pooled_fund", "aligned_budget", "lead_commissioning", "integrated_provision"]),
        ("layer: proportional", "layer: pro_rata", "layer", "'pro_rata'",
         ["fixed_split", "proportional", "cap", "band"]),
        ("rule: return_proportional", "rule: give_back", "rule", "'give_back'",
         ["carry_forward", "reinvest", "return_proportional", "retain_by_host"]),
    ],
    ids=["arrangement-kind", "risk-share-layer", "underspend-rule"],
)
def test_unknown_kind_layer_or_rule_points_at_that_field(
    tmp_path: Path, old: str, new: str, field: str, bad: str, choices: list[str]
) -> None:
    text = mutate(old, new)
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1, listing(errors)
    record = {
        "kind": "arrangements[0]",
        "layer": "arrangements[0].risk_share[1]",
        "rule": "arrangements[0].underspend[0]",
    }
    check(errors[0], path=f"{record[field]}.{field}", lines=line_of(text, new), words=[bad, "not a known", *choices])


def test_year_key_written_as_a_number_is_shown_as_a_field(tmp_path: Path) -> None:
    # budget: {2025: ...} -- YAML reads 2025 as a number; the path must still read budget.2025, not budget[2025].
    text = mutate("budget: {2025-26: 1000000}", "budget: {2025: 1000000}")
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1, listing(errors)
    check(errors[0], path=f"{S0}.budget.2025", lines=line_of(text, "budget:"), words=["'2025'", "not a financial year"])


def test_negative_amount_is_shown_as_minus_pounds(tmp_path: Path) -> None:
    # format_gbp's house style is -£5,000.00; "£-5,000.00" is not how a finance lead writes it.
    text = mutate("budget: {2025-26: 1000000}", "budget: {2025-26: -5000}")
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    assert "-£5,000.00" in errors[0].message, errors[0].message
    assert "£-" not in errors[0].message


def test_phasing_word_gives_one_clear_message(tmp_path: Path) -> None:
    text = mutate(
        "        budget: {2025-26: 1000000}\n", "        budget: {2025-26: 1000000}\n        phasing: monthly\n"
    )
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1, f"one mistake, several messages:\n{listing(errors)}"
    check(errors[0], path=f"{S0}.phasing", lines=line_of(text, "phasing:"), words=["'monthly'", "flat", "12"])


def test_empty_name_message_is_plain_words(tmp_path: Path) -> None:
    text = mutate("    name: Pool\n", "    name: ''\n")
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    check(errors[0], path="arrangements[0].name", lines=line_of(text, "name: ''"), words=["empty"])
    assert "String should" not in errors[0].message


def test_several_structural_mistakes_are_all_reported_in_one_pass(tmp_path: Path) -> None:
    text = mutate("years: [2025-26, 2026-27]", "years: [2025, 2026-27]")
    text = mutate("vat: council_s33", "vat: s33", text)
    text = mutate("        provider: la\n", "        provder: la\n", text)
    text = mutate("cash: 400000}", "cash: 400000.125}", text)
    text = mutate("shares: {council: 50, icb: 50}", "shares: {council: 50, icb: 40}", text)
    text = mutate("rule: return_proportional", "rule: give_back", text)
    text = mutate("    name: Pool\n", "    name: Pool\n    balanced: maybe\n", text)
    text += "extras: 1\n"
    errors = errors_of(tmp_path, text)
    paths = sorted(e.source.path for e in errors)
    assert len(errors) == 9, listing(errors)
    assert paths == sorted([
        "extras",
        "agreement.years[0]",
        "partners[0].vat",
        f"{S0}.provder",
        f"{S0}.provider",
        f"{C0}.cash",
        "arrangements[0].balanced",
        "arrangements[0].risk_share[0].shares",
        next(e.source.path for e in errors if e.source.path.startswith("arrangements[0].underspend[0]")),
    ])
    assert all(e.source.file == "a.yaml" and e.source.line for e in errors)
    assert len({str(e) for e in errors}) == len(errors), "an error is repeated"


def test_schedule_mistake_is_not_hidden_by_a_bad_instalment(tmp_path: Path) -> None:
    # Two independent mistakes in one schedule: a bad instalment month and a
    # withheld amount with no month to pay it. Both must be reported at once.
    text = _schedule("{kind: instalments, withheld: 100000, instalments: [{month: October, amount: 300000}]}")
    errors = errors_of(tmp_path, text)
    paths = sorted(e.source.path for e in errors)
    assert f"{C0}.schedule.instalments[0].month" in paths, listing(errors)
    withheld = [e for e in errors if e.source.path.startswith(f"{C0}.schedule") and "withheld_until" in e.message]
    assert len(withheld) == 1, listing(errors)


def test_cross_checks_wait_until_the_structure_is_valid(tmp_path: Path) -> None:
    # An unknown host would be a cross-check error; with a structural mistake
    # present only the structural one is reported (checks need valid records).
    text = mutate("host_partner: council", "host_partner: county")
    text = mutate("vat: council_s33", "vat: s33", text)
    errors = errors_of(tmp_path, text)
    assert [e.source.path for e in errors] == ["partners[0].vat"]


# --- one mistake at a time: cross-checks ------------------------------------------------------

class Block:
    """A block field: its heading line, or the line its content starts on, are both right."""

    def __init__(self, marker: str) -> None:
        self.marker = marker


Marker = str | Block | tuple


def resolve(text: str, marker: Marker) -> set[int]:
    if isinstance(marker, Block):
        line = line_of(text, marker.marker)
        return {line, line + 1}
    if isinstance(marker, tuple):
        return set().union(*(resolve(text, m) for m in marker))
    return {line_of(text, marker)}


A0 = "arrangements[0]"
CONTRIBUTIONS_KEY = Block("    contributions:")


def _block_schedule(extra: str) -> str:
    return mutate(
        COUNCIL_CONTRIBUTION,
        "      - partner: council\n"
        "        year: 2025-26\n"
        "        source: additional_la\n"
        "        cash: 400000\n"
        "        schedule:\n"
        "          kind: monthly\n" + extra,
    )


CROSS = [
    # (id, text, path, marker (or a set of allowed lines), words)
    ("host-unknown", mutate("host_partner: council", "host_partner: county"), "agreement.host_partner", "county",
     ["'county'", "not one of the agreement's partners", "council, icb"]),
    ("contribution-partner-unknown", mutate("{partner: icb,", "{partner: nhs,"),
     "arrangements[0].contributions[1].partner", "partner: nhs", ["'nhs'", "not one of the agreement's partners"]),
    ("commissioner-unknown", mutate("commissioner: {council: 50, icb: 50}", "commissioner: {council: 50, ccg: 50}"),
     f"{S0}.commissioner", "ccg", ["'ccg'", "not one of the agreement's partners"]),
    ("single-commissioner-unknown", mutate("commissioner: {council: 50, icb: 50}", "commissioner: ccg"),
     f"{S0}.commissioner", "ccg", ["'ccg'", "not one of the agreement's partners"]),
    ("fixed-split-partner-unknown", mutate("shares: {council: 50, icb: 50}", "shares: {council: 50, nhs: 50}"),
     "arrangements[0].risk_share[0].shares", "nhs: 50}", ["'nhs'", "not one of the agreement's partners"]),
    ("band-partner-unknown",
     mutate("      - layer: proportional\n",
            "      - {layer: band, partner: county, limit: 1000}\n      - layer: proportional\n"),
     "arrangements[0].risk_share[1].partner", "county", ["'county'", "not one of"]),
    ("cap-partner-unknown",
     mutate(RISK_SHARE, RISK_SHARE + "      - {layer: cap, partner: county, cap: contribution}\n"),
     "arrangements[0].risk_share[2].partner", "county", ["'county'", "not one of"]),
    ("proportional-partner-unknown", mutate("      - layer: proportional\n",
                                            "      - {layer: proportional, partners: [council, nhs]}\n"),
     "arrangements[0].risk_share[1].partners", "partners: [council, nhs]", ["'nhs'", "not one of"]),
    ("underspend-share-partner-unknown",
     mutate("rule: return_proportional", "rule: fixed_split\n        shares: {council: 50, nhs: 50}"),
     "arrangements[0].underspend[0].shares", "nhs: 50", ["'nhs'", "not one of"]),
    ("arrangement-host-unknown", mutate("    name: Pool\n", "    name: Pool\n    host_partner: county\n"),
     f"{A0}.host_partner", "county", ["'county'", "not one of"]),
    ("duplicate-partner", mutate("{id: icb, name: ICB", "{id: council, name: ICB"),
     "partners[1].id", "name: ICB", ["partner id 'council'", "2 times", "unique"]),
    ("duplicate-scheme", BASE + ALIGNED, "arrangements[1].schemes[0].id", "# second scheme",
     ["scheme id 'S1'", "2 times"]),
    ("duplicate-arrangement", BASE + ALIGNED.replace("id: aligned", "id: pool").replace("id: S1", "id: S3"),
     "arrangements[1].id", "# second arrangement", ["arrangement id 'pool'", "2 times"]),
    ("budget-year-outside", mutate("budget: {2025-26: 1000000}", "budget: {2025-26: 1000000, 2027-28: 5}"),
     f"{S0}.budget.2027-28", "2027-28", ["2027-28 is outside the agreement's years", "2025-26, 2026-27"]),
    ("contribution-year-outside",
     mutate(ICB_CONTRIBUTION,
            ICB_CONTRIBUTION + "      - {partner: icb, year: 2028-29, source: nhs_minimum, cash: 1}\n"),
     "arrangements[0].contributions[2].year", "2028-29", ["2028-29 is outside the agreement's years"]),
    ("contingency-year-outside", mutate("    name: Pool\n", "    name: Pool\n    contingency: {2030-31: 100}\n"),
     f"{A0}.contingency.2030-31", "2030-31", ["2030-31 is outside the agreement's years"]),
    ("uplift-year-outside",
     BASE + LEAD_COMMISSIONING.replace(UPLIFTS, UPLIFTS + "        2029-30: {inflation_pct: 3}\n"),
     "arrangements[1].agreed_value.uplifts.2029-30", "2029-30", ["2029-30 is outside the agreement's years"]),
    ("uplift-for-base-year",
     BASE + LEAD_COMMISSIONING.replace(UPLIFTS, UPLIFTS + "        2025-26: {inflation_pct: 3}\n"),
     "arrangements[1].agreed_value.uplifts.2025-26", "2025-26: {inflation", ["not after the base year"]),
    ("base-year-outside", BASE + LEAD_COMMISSIONING.replace("base_year: 2025-26", "base_year: 2024-25"),
     "arrangements[1].agreed_value.base_year", "2024-25", ["2024-25 is outside the agreement's years"]),
    ("value-change-outside",
     BASE + LEAD_COMMISSIONING.replace(UPLIFTS, "      changes:\n        - {from: 2027-10-01, annual_change: 100}\n"
                                       + UPLIFTS),
     "arrangements[1].agreed_value.changes[0].from", "2027-10-01", ["outside the agreement's years"]),
    ("uplift-year-missing", BASE + LEAD_COMMISSIONING.replace(UPLIFTS, ""),
     "arrangements[1].agreed_value.uplifts", Block("agreed_value:"), ["no uplift is given for 2026-27"]),
    ("lead-equals-delegating",
     BASE + LEAD_COMMISSIONING.replace("delegating_partner: council", "delegating_partner: icb"),
     "arrangements[1].delegating_partner", "delegating_partner", ["must differ"]),
    ("lead-unknown", BASE + LEAD_COMMISSIONING.replace("lead_commissioner: icb", "lead_commissioner: nhs"),
     "arrangements[1].lead_commissioner", "lead_commissioner", ["'nhs'", "not one of"]),
    ("pool-too-little", mutate("cash: 600000}", "cash: 560000}"), f"{A0}.contributions", CONTRIBUTIONS_KEY,
     ["2025-26", "£960,000.00", "£1,000,000.00", "(£40,000.00 too little)", "balanced: false"]),
    ("pool-too-much", mutate("cash: 600000}", "cash: 640000}"), f"{A0}.contributions", CONTRIBUTIONS_KEY,
     ["£1,040,000.00", "£1,000,000.00", "(£40,000.00 too much)"]),
    ("pool-with-contingency", mutate("    name: Pool\n", "    name: Pool\n    contingency: {2025-26: 50000}\n"),
     f"{A0}.contributions", CONTRIBUTIONS_KEY,
     ["contingency £50,000.00", "£1,050,000.00", "(£50,000.00 too little)"]),
    ("pool-one-contributor", mutate("{partner: icb, year", "{partner: council, year"), f"{A0}.contributions",
     CONTRIBUTIONS_KEY, ["two or more partners", "found 1"]),
    ("pool-without-risk-share", mutate(RISK_SHARE, ""), f"{A0}.risk_share", "- id: pool", ["risk_share", "overspend"]),
    ("pool-without-underspend", mutate(UNDERSPEND, ""), f"{A0}.underspend", "- id: pool", ["underspend"]),
    ("reinvest-unknown-scheme", mutate("rule: return_proportional", "rule: reinvest\n        scheme: S9"),
     "arrangements[0].underspend[0].scheme", "scheme: S9", ["'S9'", "not a scheme of this arrangement"]),
    ("two-caps", mutate(RISK_SHARE, RISK_SHARE + "      - {layer: cap, partner: council, cap: contribution}\n"
                                                 "      - {layer: cap, partner: council, cap: 100}\n"),
     f"{A0}.risk_share", (Block("    risk_share:"), "cap: contribution}", "cap: 100}"),
     ["'council' has 2 caps", "one cap"]),
    ("instalments-short", _schedule("{kind: instalments, instalments: [{month: 2025-04, amount: 200000},"
                                    " {month: 2025-10, amount: 150000}]}"),
     f"{C0}.schedule.instalments", SCHEDULE_MARK,
     ["£350,000.00", "£400,000.00", "(£50,000.00 too little)"]),
    ("instalments-over", _schedule("{kind: instalments, instalments: [{month: 2025-04, amount: 200000},"
                                   " {month: 2025-10, amount: 250000}]}"),
     f"{C0}.schedule.instalments", SCHEDULE_MARK, ["£450,000.00", "(£50,000.00 too much)"]),
    ("instalments-ignore-withheld",
     _schedule("{kind: instalments, withheld: 100000, withheld_until: 2026-03,"
               " instalments: [{month: 2025-04, amount: 200000}, {month: 2025-10, amount: 200000}]}"),
     f"{C0}.schedule.instalments", SCHEDULE_MARK, ["£300,000.00", "(£100,000.00 too much)"]),
    ("instalments-mixed", _schedule("{kind: instalments, instalments: [{month: 2025-04, percent: 50},"
                                    " {month: 2025-10, amount: 200000}]}"),
     f"{C0}.schedule.instalments", SCHEDULE_MARK, ["every instalment as an amount", "percent"]),
    ("instalment-outside-year", _schedule("{kind: instalments, instalments: [{month: 2026-04, amount: 400000}]}"),
     f"{C0}.schedule.instalments[0].month", SCHEDULE_MARK, ["2026-04 is not in 2025-26"]),
    ("withheld-more-than-cash", _schedule("{kind: monthly, withheld: 500000, withheld_until: 2026-03}"),
     f"{C0}.schedule.withheld", SCHEDULE_MARK, ["£500,000.00", "more than the cash", "£400,000.00"]),
    ("withheld-until-outside-year", _schedule("{kind: monthly, withheld: 5000, withheld_until: 2026-06}"),
     f"{C0}.schedule.withheld_until", SCHEDULE_MARK, ["2026-06 is not in 2025-26"]),
    ("withheld-more-than-cash-block",
     _block_schedule("          withheld: 500000\n          withheld_until: 2026-03\n"),
     f"{C0}.schedule.withheld", "withheld: 500000", ["more than the cash"]),
]


@pytest.mark.parametrize(("text", "path", "marker", "words"), [c[1:] for c in CROSS], ids=[c[0] for c in CROSS])
def test_cross_check(tmp_path: Path, text: str, path: str, marker: Marker, words: list[str]) -> None:
    errors = errors_of(tmp_path, text)
    check(the_error(errors, path), path=path, lines=resolve(text, marker), words=words)


def test_contribution_partner_error_is_the_only_one(tmp_path: Path) -> None:
    # An unknown contributor must not also unbalance the pool or count as a missing partner elsewhere.
    text = mutate("{partner: icb,", "{partner: nhs,")
    errors = errors_of(tmp_path, text)
    assert [e.source.path for e in errors] == ["arrangements[0].contributions[1].partner"]


def test_several_cross_check_mistakes_are_all_reported_in_one_pass(tmp_path: Path) -> None:
    text = mutate("host_partner: council", "host_partner: county")
    text = mutate("cash: 600000}", "cash: 560000}", text)
    text = mutate("rule: return_proportional", "rule: reinvest\n        scheme: S9", text)
    text = mutate("budget: {2025-26: 1000000}", "budget: {2025-26: 1000000, 2027-28: 5}", text)
    text = text + ALIGNED
    errors = errors_of(tmp_path, text)
    paths = sorted(e.source.path for e in errors)
    assert paths == sorted([
        "agreement.host_partner",
        f"{A0}.contributions",
        "arrangements[0].underspend[0].scheme",
        f"{S0}.budget.2027-28",
        "arrangements[1].schemes[0].id",
    ]), listing(errors)


# --- write_atomic -------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or p.name.startswith("."))


def test_write_atomic_writes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_atomic(target, b"first")
    assert target.read_bytes() == b"first"
    assert _leftovers(tmp_path) == []


def test_write_atomic_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"the user's work")
    with pytest.raises(OutputExistsError) as caught:
        write_atomic(target, b"new")
    assert target.read_bytes() == b"the user's work"
    assert caught.value.path == str(target)
    assert "--force" in str(caught.value) and "already exists" in str(caught.value)
    assert isinstance(caught.value, PooledfundError)
    assert _leftovers(tmp_path) == []


def test_write_atomic_replaces_with_force(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old contents that are longer")
    write_atomic(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_write_atomic_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(PooledfundError) as caught:
        write_atomic(tmp_path / "no" / "out.json", b"x")
    assert "does not exist" in str(caught.value)
    assert not (tmp_path / "no").exists()


def test_write_atomic_failure_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, b"new", force=True)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_write_atomic_to_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_atomic("here.txt", b"x")
    assert (tmp_path / "here.txt").read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here.txt"]


# --- golden file: a deliberately broken agreement ----------------------------------------------------

DATA = Path(__file__).resolve().parent / "data"
GOLDEN_YAML = DATA / "errors.yaml"
GOLDEN_EXPECTED = DATA / "errors_expected.txt"


def _golden_errors() -> list[InputError]:
    agreement, errors = load_agreement(GOLDEN_YAML, display_name="tests/data/errors.yaml")
    assert agreement is None
    return errors


def test_golden_broken_agreement() -> None:
    """Every error of tests/data/errors.yaml, exactly as printed.

    UPDATE_GOLDEN=1 rewrites errors_expected.txt from the current output; the
    expected file is checked by hand, so review its diff before keeping it.
    """
    actual = [str(e) for e in _golden_errors()]
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN_EXPECTED.write_text("\n".join(actual) + "\n", encoding="utf-8")
    expected = GOLDEN_EXPECTED.read_text(encoding="utf-8").splitlines()
    assert actual == expected


def test_golden_every_marked_mistake_is_reported_on_its_line() -> None:
    text = GOLDEN_YAML.read_text(encoding="utf-8")
    marked = [n for n, line in enumerate(text.splitlines(), start=1) if "# MISTAKE" in line]
    assert len(marked) >= 20
    reported = {e.source.line for e in _golden_errors()}
    missed = [n for n in marked if n not in reported]
    assert missed == [], f"mistakes on these lines of errors.yaml are not reported there: {missed}"
    assert all(e.source.file == "tests/data/errors.yaml" for e in _golden_errors())


def test_the_same_file_loaded_twice_gives_equal_records(tmp_path: Path) -> None:
    # Where a record was read from (file, lines) is not part of its value.
    first, _ = load_text(tmp_path, BASE)
    second, _ = load_text(tmp_path, BASE, name="b.yaml")
    assert first is not None and second is not None
    assert first == second
    assert first.partners[0] == second.partners[0] and hash(first.partners[0]) == hash(second.partners[0])
    changed, _ = load_text(tmp_path, mutate("Test pool", "Another pool"), name="c.yaml")
    assert changed != first


YAML_FILES = sorted(
    str(path.relative_to(Path(__file__).resolve().parent.parent))
    for folder in ("examples", "scenarios", "tests/data")
    for path in (Path(__file__).resolve().parent.parent / folder).rglob("*.yaml")
)


@pytest.mark.parametrize("name", YAML_FILES)
def test_libyaml_and_pure_python_read_every_shipped_file_alike(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # libyaml is only a faster way to the same nodes: the data, every line and every error are the same.
    root = Path(__file__).resolve().parent.parent
    assert yamlio._LIBYAML  # PyYAML's wheels carry libyaml; without it this test would compare nothing
    fast = read_yaml(root / name, name)
    monkeypatch.setattr(yamlio, "_LIBYAML", False)
    assert read_yaml(root / name, name) == fast


@pytest.mark.parametrize(
    "text",
    ["a: [2,215,500, 2,190,250]\n", "a:\n\tb: 1\n", "a: 'open\n", "a: 1\na: 2\n", "a: 0x1F\n", "a: [[[[1]]]]\n",
     "a: &x [1, 2]\nb: *x\n", "a: !!python/object:os.system x\n", "a: b: c\n", "- 1\n- {a: 2}\n", "\ufeffa: 1\n"],
    ids=["run-together", "tab", "unclosed", "duplicate", "hex", "nested", "alias", "python-tag", "colon", "list",
         "bom"],
)
def test_libyaml_and_pure_python_agree_on_mistakes_too(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Text libyaml refuses is read again in pure Python, so a mistake reads the same either way.
    fast = parse_yaml_text(text, "t.yaml")
    monkeypatch.setattr(yamlio, "_LIBYAML", False)
    assert parse_yaml_text(text, "t.yaml") == fast

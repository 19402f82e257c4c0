"""Hardening of reading: numbers, amounts, years and files that would mislead or break the reader.

Each test is one input an adversarial review found misread, merged silently,
crashing with a traceback or exhausting memory. Every one must now give a
clear, located, one-line error (or, for plain forms, the value a finance lead
meant), quickly and without reading more than the size limit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import SMALL_AGREEMENT
from pydantic import TypeAdapter, ValidationError

from pooledfund.core.errors import InputError
from pooledfund.core.money import MoneyError, to_pence
from pooledfund.core.types import Money, Percent, RatePercent
from pooledfund.io import yamlio
from pooledfund.io.loader import load_agreement
from pooledfund.io.scenario_files import MAX_EXTENDS, load_scenario, scenario_from_text
from pooledfund.io.yamlio import MAX_DEPTH, MAX_EXPANDED_CHARS, MAX_NUMBER_CHARS, parse_yaml_text, read_yaml

ROOT = Path(__file__).resolve().parents[1]


def _one(errors: list[InputError]) -> InputError:
    assert len(errors) == 1, [str(e) for e in errors]
    error = errors[0]
    assert "\n" not in str(error), str(error)
    return error


def _agreement(tmp_path: Path, old: str, new: str) -> tuple[Any, list[InputError]]:
    assert SMALL_AGREEMENT.count(old) == 1, old
    path = tmp_path / "a.yaml"
    path.write_text(SMALL_AGREEMENT.replace(old, new), encoding="utf-8")
    return load_agreement(path, display_name="a.yaml")


# --- 1. numbers are read by the YAML 1.2 core schema; ambiguous forms are refused -------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("01000000", "leading zero"),
        ("-0100", "leading zero"),
        ("0x10", "hexadecimal"),
        ("0o17", "octal"),
        ("0b101", "binary"),
        ("1:25:00", "base 60"),
        ("1_000_000", "_"),
    ],
)
def test_ambiguous_number_forms_are_refused_where_they_are(text: str, why: str) -> None:
    data, _, errors = parse_yaml_text(f"title: Pool\nlimit: {text}\n", "t.yaml")
    error = _one(errors)
    assert data == {"title": "Pool", "limit": None}
    assert (error.source.file, error.source.line, error.source.path) == ("t.yaml", 2, "limit")
    assert text in error.message and why in error.message
    assert "plain digits, e.g. 1000000 or 1,000,000" in error.message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1000000", 1000000),
        ("-3", -3),
        ("+7", 7),
        ("0", 0),
        ("1.5", 1.5),
        ("0.25", 0.25),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("1,000,000", "1,000,000"),
        ("2025-26", "2025-26"),
        ("'0123'", "0123"),
        ("true", True),
    ],
)
def test_plain_numbers_and_text_are_read_as_written(text: str, value: object) -> None:
    data, _, errors = parse_yaml_text(f"a: {text}\n", "t.yaml")
    assert errors == []
    assert data == {"a": value} and type(data["a"]) is type(value)


def test_a_key_is_a_name_so_a_leading_zero_is_kept() -> None:
    data, _, errors = parse_yaml_text("codes:\n  007: agent\n  0x1: hex\n  2025: year\n", "t.yaml")
    assert errors == []
    assert data == {"codes": {"007": "agent", "0x1": "hex", "2025": "year"}}


def test_an_octal_looking_budget_is_refused_in_an_agreement(tmp_path: Path) -> None:
    agreement, errors = _agreement(tmp_path, "budget: {2025-26: 1000000}", "budget: {2025-26: 01000000}")
    assert agreement is None
    error = _one(errors)
    assert error.source.line == 24
    assert "01000000" in error.message and "1,000,000" in error.message


# --- 2. amounts written as text: £ only at the start, commas only between groups of three ----------


@pytest.mark.parametrize(
    "text",
    ["6,5,0,5,5,0,0,0", "65£055000", "1,2345", "1,234,56", "12,34.50", ",123", "123,", "1,000.5,0", "£1£000",
     "5£", "1,000£", "--5", "-(5)", "(-5)", "£-5", "1 000", "1.234,56", "1,,000", "0x10", "1_000", "+-5"],
)
def test_misplaced_commas_and_pound_signs_are_refused(text: str) -> None:
    with pytest.raises(MoneyError, match=r"amount in pounds.*1,250,000") as raised:
        to_pence(text)
    assert "\n" not in str(raised.value)


def test_digits_of_other_scripts_are_not_an_amount() -> None:
    with pytest.raises(MoneyError, match="amount in pounds"):
        to_pence("\u0661\u0662\u0663")


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("1,234,567.89", 123_456_789),
        ("£1,234,567.89", 123_456_789),
        ("-£1,234.50", -123_450),
        ("+£12", 1_200),
        ("£ 2,000", 200_000),
        ("(£1,000.50)", -100_050),
        ("(1,000)", -100_000),
        ("123", 12_300),
        ("1234567", 123_456_700),
        ("999,999", 99_999_900),
        ("1e3", 100_000),
        ("0.5", 50),
        (".5", 50),
        ("12.", 1_200),
        ("  12 ", 1_200),
    ],
)
def test_amounts_in_the_accepted_forms_are_read(text: str, pence: int) -> None:
    assert to_pence(text) == pence


def test_a_misplaced_comma_names_the_field(tmp_path: Path) -> None:
    agreement, errors = _agreement(tmp_path, "budget: {2025-26: 1000000}", "budget: {2025-26: '6,5,0,5,5,0,0,0'}")
    assert agreement is None
    error = _one(errors)
    assert error.source.path == "arrangements[0].schemes[0].budget.2025-26"
    assert error.source.line == 24
    assert "'6,5,0,5,5,0,0,0'" in error.message and "1,250,000" in error.message


def test_long_and_tiny_amounts_are_refused_not_rounded() -> None:
    with pytest.raises(MoneyError, match="fractions of a penny"):
        to_pence("99999999999.000000000000000000000001")
    with pytest.raises(MoneyError, match="fractions of a penny"):
        to_pence("1e-99999999")
    with pytest.raises(MoneyError, match="100,000,000,000"):
        to_pence("1e999999999999")
    assert to_pence("0e-99999999") == 0


def test_a_huge_whole_number_amount_is_refused_with_a_short_message() -> None:
    with pytest.raises(MoneyError, match="100,000,000,000") as raised:
        to_pence(10**5000)
    assert len(str(raised.value)) < 300
    with pytest.raises(ValidationError, match="100,000,000,000"):
        TypeAdapter(Money).validate_python("9" * 5000)


# --- 3. one year written two ways in the same mapping ----------------------------------------------


def test_a_year_written_two_ways_is_an_error_naming_both_lines() -> None:
    text = "budget:\n  2025/26: 100\n  2026-27: 200\n  2025-26: 300\n"
    data, _, errors = parse_yaml_text(text, "t.yaml")
    error = _one(errors)
    assert data is not None
    assert (error.source.line, error.source.path) == (4, "budget.2025-26")
    assert error.message == "2025-26 is given twice: as 2025/26 on line 2 and 2025-26 on line 4; keep one"


def test_a_year_written_two_ways_in_an_agreement(tmp_path: Path) -> None:
    agreement, errors = _agreement(tmp_path, "budget: {2025-26: 1000000}", "budget: {2025-26: 1000000, 2025-2026: 5}")
    assert agreement is None
    error = _one(errors)
    assert error.source.line == 24
    assert "2025-26 is given twice: as 2025-26 on line 24 and 2025-2026 on line 24" in error.message


# --- 4. inputs that raised a traceback ---------------------------------------------------------------


def test_an_impossible_date_is_a_located_error() -> None:
    data, _, errors = parse_yaml_text("scenario:\n  shocks:\n    - {date: 2025-06-31}\n", "t.yaml")
    error = _one(errors)
    assert data == {"scenario": {"shocks": [{"date": None}]}}
    assert (error.source.line, error.source.path) == (3, "scenario.shocks[0].date")
    assert "2025-06-31 is not a real date" in error.message


def test_an_impossible_date_as_a_key_is_kept_as_text() -> None:
    data, _, errors = parse_yaml_text("2025-02-30: x\n", "t.yaml")
    assert errors == [] and data == {"2025-02-30": "x"}


def test_an_aliased_impossible_date_is_reported_each_place_it_is_used() -> None:
    data, _, errors = parse_yaml_text("a: &d 2025-02-30\nb: *d\n", "t.yaml")
    assert data == {"a": None, "b": None}
    # Both point at the line where the date is written, each at the field that uses it.
    assert [(e.source.line, e.source.path) for e in errors] == [(1, "a"), (1, "b")]


@pytest.mark.parametrize("digits", [MAX_NUMBER_CHARS + 1, 5000])
def test_a_number_with_thousands_of_digits_is_refused(digits: int) -> None:
    data, _, errors = parse_yaml_text(f"a: 1\nb: {'9' * digits}\n", "t.yaml")
    error = _one(errors)
    assert data == {"a": 1, "b": None}
    assert (error.source.line, error.source.path) == (2, "b")
    assert f"{digits:,} characters" in error.message and "£100,000,000,000" in error.message


@pytest.mark.parametrize(
    ("text", "words"), [("1e999999", "too large"), ("-1e400", "too large"), ("1e-400", "too small")]
)
def test_a_number_beyond_what_can_be_held_is_refused(text: str, words: str) -> None:
    data, _, errors = parse_yaml_text(f"a: {text}\n", "t.yaml")
    error = _one(errors)
    assert data == {"a": None} and error.source.path == "a"
    assert words in error.message and "£100,000,000,000" in error.message


@pytest.mark.parametrize("text", [".inf", "-.inf", ".nan", "0e5", "0.0", "-0.0"])
def test_infinity_and_zero_written_as_such_are_read(text: str) -> None:
    data, _, errors = parse_yaml_text(f"a: {text}\n", "t.yaml")
    assert errors == [] and isinstance(data["a"], float)


def test_a_long_but_plain_number_is_still_read() -> None:
    data, _, errors = parse_yaml_text(f"a: {'1' * MAX_NUMBER_CHARS}\n", "t.yaml")
    assert errors == [] and data == {"a": int("1" * MAX_NUMBER_CHARS)}


@pytest.mark.parametrize("value", ["1e999999", "9" * 5000, 1e30, "-1e40", 10**50])
def test_a_huge_percentage_is_refused_saying_the_largest(value: object) -> None:
    with pytest.raises(ValidationError, match="1,000,000%") as raised:
        TypeAdapter(Percent).validate_python(value)
    assert len(raised.value.errors()[0]["msg"]) < 200
    with pytest.raises(ValidationError):
        TypeAdapter(RatePercent).validate_python(value)


def test_a_huge_percentage_in_an_agreement_is_a_located_error(tmp_path: Path) -> None:
    agreement, errors = _agreement(tmp_path, "shares: {council: 50, icb: 50}", "shares: {council: 1e30, icb: 50}")
    assert agreement is None
    error = _one(errors)
    assert error.source.line == 27 and error.source.path.endswith("shares.council")


def test_a_percentage_at_the_limit_is_read() -> None:
    assert TypeAdapter(Percent).validate_python("1000000") == Decimal(1_000_000)
    assert TypeAdapter(Percent).validate_python("-0.0001%") == Decimal("-0.0001")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 100_000])
def test_deep_nesting_is_refused_before_building(depth: int) -> None:
    text = "a:\n  b: " + "[" * depth + "]" * depth + "\n"
    started = time.perf_counter()
    data, _, errors = parse_yaml_text(text, "t.yaml")
    error = _one(errors)
    assert data is None
    assert error.source.line == 2
    assert f"more than {MAX_DEPTH} levels" in error.message
    assert time.perf_counter() - started < 5


def test_nesting_at_the_limit_is_read() -> None:
    depth = MAX_DEPTH - 1  # the document's own mapping is the first level
    data, _, errors = parse_yaml_text("a: " + "[" * depth + "]" * depth + "\n", "t.yaml")
    assert errors == [] and data is not None


def test_deep_nesting_built_up_through_aliases_is_refused() -> None:
    step = MAX_DEPTH // 2
    lines = ["a0: &a0 " + "[" * step + "]" * step]
    lines += [f"a{i}: &a{i} " + "[" * step + f"*a{i - 1}" + "]" * step for i in range(1, 6)]
    data, _, errors = parse_yaml_text("\n".join(lines) + "\n", "t.yaml")
    assert data is None
    assert errors and all(f"more than {MAX_DEPTH} levels" in e.message for e in errors)


def _chain(folder: Path, length: int) -> Path:
    """``s0.yaml`` extends ``s1.yaml`` ... extends ``s{length}.yaml`` (which extends nothing)."""
    for index in range(length + 1):
        extends = f"  extends: s{index + 1}.yaml\n" if index < length else ""
        (folder / f"s{index}.yaml").write_text(f"scenario:\n  id: s{index}\n  name: S{index}\n{extends}",
                                               encoding="utf-8")
    return folder / "s0.yaml"


def test_an_extends_chain_at_the_limit_is_read(tmp_path: Path) -> None:
    scenario, errors = load_scenario(_chain(tmp_path, MAX_EXTENDS))
    assert errors == [] and scenario is not None


@pytest.mark.parametrize("length", [MAX_EXTENDS + 1, 490])
def test_an_extends_chain_too_long_is_a_located_error(tmp_path: Path, length: int) -> None:
    first = _chain(tmp_path, length)
    scenario, errors = load_scenario(first, "s0.yaml")
    assert scenario is None
    error = _one(errors)
    assert error.source.file == f"s{MAX_EXTENDS}.yaml"
    assert (error.source.line, error.source.path) == (4, "scenario.extends")
    assert f"more than {MAX_EXTENDS}" in error.message


def test_an_uploaded_extends_chain_counts_the_same(tmp_path: Path) -> None:
    _chain(tmp_path, MAX_EXTENDS + 1)
    text = (tmp_path / "s0.yaml").read_text(encoding="utf-8")
    scenario, errors = scenario_from_text(text, "upload.yaml", tmp_path)
    assert scenario is None
    assert f"more than {MAX_EXTENDS}" in _one(errors).message


# --- 5. only regular files are read, and never more than the size limit ------------------------------


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result: list[list[InputError]] = []
    reader = threading.Thread(target=lambda: result.append(read_yaml(fifo, "pipe.yaml")[2]), daemon=True)
    reader.start()
    reader.join(5)
    if reader.is_alive():  # the old reader blocks in open(); let it go before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(5)
        pytest.fail("reading a FIFO blocked")
    error = _one(result[0])
    assert error.source.file == "pipe.yaml"
    assert "not a regular file" in error.message and "pipe" in error.message


def test_a_folder_is_refused(tmp_path: Path) -> None:
    error = _one(read_yaml(tmp_path, "folder")[2])
    assert error.source.file == "folder"
    assert error.message == "cannot read the file: it is a folder, not a file; give the path of a YAML file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_is_refused_without_reading_it() -> None:
    # Run in a child with a 1 GB address-space limit so a regression fails fast instead of eating memory.
    code = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))\n"
        "from pooledfund.io.yamlio import read_yaml\n"
        "print(read_yaml('/dev/zero')[2][0])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == (
        "/dev/zero: cannot read the file: it is a device, not a regular file; give the path of a YAML file"
    )


def test_an_oversized_file_is_refused_from_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a: 1\n" * 100, encoding="utf-8")
    monkeypatch.setattr(yamlio, "MAX_YAML_BYTES", 50)
    error = _one(read_yaml(path, "a.yaml")[2])
    assert error.message == "the file is 500 bytes; files over 50 bytes are refused"


# --- 6. a large anchor repeated many times -----------------------------------------------------------


def test_a_large_anchor_repeated_is_refused_by_expanded_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "MAX_EXPANDED_CHARS", 1000)
    text = "a: &big " + "x" * 300 + "\nb: [" + ", ".join(["*big"] * 4) + "]\n"
    data, _, errors = parse_yaml_text(text, "t.yaml")
    error = _one(errors)
    assert data is None
    assert error.source.line == 1  # where the repeated value is written
    assert "more than 1,000 characters" in error.message and "*name" in error.message


def test_a_2mb_anchor_used_300_times_is_refused_quickly() -> None:
    text = "a: &big " + "x" * (2 * 1024 * 1024) + "\nb: [" + ", ".join(["*big"] * 300) + "]\n"
    started = time.perf_counter()
    data, _, errors = parse_yaml_text(text, "t.yaml")
    elapsed = time.perf_counter() - started
    assert data is None
    assert f"more than {MAX_EXPANDED_CHARS:,} characters" in _one(errors).message
    assert elapsed < 10


def test_ordinary_files_are_far_below_the_expanded_size_limit() -> None:
    assert MAX_EXPANDED_CHARS >= 4 * yamlio.MAX_YAML_BYTES
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert read_yaml(path)[2] == [], path


# --- Found by the adversarial review after the first hardening pass ---------------------------


@pytest.mark.parametrize("text", ["-10_0%", "-١٠", "-１０", "-10%%%%", "10 %%", "ten%"])
def test_a_percentage_written_as_text_is_plain_ascii_digits_with_one_percent_sign(text: str) -> None:
    # Decimal() alone reads "-10_0" as -100, fullwidth and Arabic-Indic digits as -10 and
    # ignored repeated "%": none is how a finance lead writes a percentage.
    with pytest.raises(ValidationError, match=r"expected a percentage such as 3\.5"):
        TypeAdapter(Percent).validate_python(text)


@pytest.mark.parametrize(("text", "value"), [("5%", Decimal(5)), ("5 %", Decimal(5)), ("-2.5", Decimal("-2.5")),
                                              ("+4%", Decimal(4)), (".5", Decimal("0.5"))])
def test_plain_percentages_written_as_text_are_still_read(text: str, value: Decimal) -> None:
    assert TypeAdapter(Percent).validate_python(text) == value


def test_thousands_commas_inside_a_flow_list_are_refused_not_split_into_values() -> None:
    # [2,215,500, 2,190,250] is six values to YAML (£2, £215, £500, £2, £190, £250): refused at its line.
    _, _, errors = parse_yaml_text("scenario:\n  id: a\n  actuals:\n    LD01: [2,215,500, 2,190,250]\n", "s.yaml")
    assert [str(e) for e in errors] == [
        "s.yaml:4 scenario.actuals.LD01: '2,215' in a [...] list is read as two values, 2 and 215: a comma "
        "separates values there. Write amounts without thousands commas ([2215500, 2190250]), or put a space "
        "after each comma that separates values"
    ]


@pytest.mark.parametrize("text", ["[100, 200, 300]", "['2,215,500', 2190250]", "[1,2,3]", "[2215500, 2190250]"])
def test_flow_lists_written_plainly_are_read_as_written(text: str) -> None:
    _, _, errors = parse_yaml_text(f"a: {text}\n", "s.yaml")
    assert errors == []


def test_a_change_dated_after_the_agreement_ends_is_refused(tmp_path: Path) -> None:
    from pooledfund.core.errors import InvalidInputError
    from pooledfund.io.readers import read_agreement, read_scenario

    root = Path(__file__).resolve().parents[1]
    agreement = read_agreement(root / "examples/bcf_northmoor.yaml")  # 2025-26 and 2026-27: ends 31 March 2027
    path = tmp_path / "late.yaml"
    path.write_text("scenario:\n  id: late\n  contribution_changes:\n"
                    "    - {partner: icb, from: 2029-01-01, change_pct: -10}\n"
                    "  demand:\n    - {driver: non_elective_admissions, change_pct: 5, from: 2030-10-01}\n")
    with pytest.raises(InvalidInputError) as caught:
        read_scenario(path, agreement)
    assert [str(e).split(": ", 1)[1] for e in caught.value.errors] == [
        "2030-10-01 is after the agreement ends (31 March 2027), so this change would do nothing; "
        "give a date within the agreement's years",
        "2029-01-01 is after the agreement ends (31 March 2027), so this change would do nothing; "
        "give a date within the agreement's years",
    ]
    assert [e.source.line for e in caught.value.errors] == [6, 4]


@pytest.mark.parametrize(("find", "replace", "where", "why"), [
    ("  id: test\n", '  id: "test pool"\n', "agreement.id", "'test pool' is not one word"),
    ("- id: pool\n", '- id: "po\\tol"\n', "arrangements[0].id", "is not one word"),
    ("{id: icb, name: ICB,", '{id: "i\\ncb", name: ICB,', "partners[1].id", "is not one word"),
    ("{id: icb, name: ICB,", '{id: icb, name: "ICB\\nNet cost  £0.00",', "partners[1].name", "holds a line break"),
    ("  title: Test pool\n", '  title: "Test\\u2028pool"\n', "agreement.title", "holds a line break"),
])
def test_ids_are_one_word_and_names_one_line(tmp_path: Path, find: str, replace: str, where: str, why: str) -> None:
    # An id with a space or line break would make two ids look alike; a name with a line break splits a
    # printed table row, so a name could fake a row of figures in run, explain or the CSV.
    assert find in SMALL_AGREEMENT
    path = tmp_path / "a.yaml"
    path.write_text(SMALL_AGREEMENT.replace(find, replace, 1))
    agreement, errors = load_agreement(path)
    assert agreement is None
    assert [e.source.path for e in errors] == [where]
    assert why in errors[0].message

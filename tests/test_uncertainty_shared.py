"""Several agreements simulated together: a shared driver's score is the same in every agreement, always.

A driver named the same in several agreements' uncertainty sections takes
one standard-normal score per path in all of them, even when a section's
``correlation`` block ties it to the section's own drivers; those are drawn
conditionally on the shared scores, so each section's correlation matrix
still holds. Sections that correlate shared drivers differently are
refused, located.

Most drivers here are normal(0, 1) demand drivers: a value is then exactly
its score (0 + 1 x z, far inside the demand range), so the scores can be
read straight from the draws.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uncertainty_fixtures import PROPORTIONAL_POOL

from pooledfund.cli.app import main
from pooledfund.core.errors import InvalidInputError
from pooledfund.io.uncertainty_files import load_uncertainty
from pooledfund.uncertainty import spec_from_simple
from pooledfund.uncertainty.rollup import _name_stream, shared_draws, shared_driver_errors, shared_names
from pooledfund.uncertainty.sampling import DRIVER_RANGES, conditional_mixing, correlation_matrix, draw, quantile
from pooledfund.uncertainty.spec import UncertaintySpec

ROOT = Path(__file__).resolve().parent.parent
WORLD = ["w0", "w1", "w2", "w3"]  # names several sections may share


def standard(name: str) -> dict[str, object]:
    """A normal(0, 1) demand driver: its value is its score."""
    return {"id": name, "type": "demand", "key": "k", "distribution": {"kind": "normal", "mean": 0, "sd": 1}}


def section(names: list[str], matrix: np.ndarray | None = None) -> UncertaintySpec:
    """A section of standard drivers, all of them in one correlation block when ``matrix`` is given."""
    correlation = None if matrix is None else {"drivers": names, "matrix": matrix.tolist()}
    return spec_from_simple(drivers=[standard(n) for n in names], correlation=correlation)


def unit_rows(rows: list[list[float]]) -> np.ndarray:
    """Factor rows scaled to length 1, so ``F @ F.T`` is a correlation matrix (a zero row becomes a unit one)."""
    factor = np.array(rows, dtype=np.float64)
    for row in factor:
        if not np.any(row):
            row[0] = 1.0
    return factor / np.linalg.norm(factor, axis=1, keepdims=True)


def correlation(factor: np.ndarray) -> np.ndarray:
    """``F @ F.T`` with exactly 1 on the diagonal, exactly symmetric and inside [-1, 1] (as a file must be)."""
    matrix = np.clip(factor @ factor.T, -1.0, 1.0)
    matrix = (matrix + matrix.T) / 2
    np.fill_diagonal(matrix, 1.0)
    return matrix


coordinates = st.floats(-1, 1, allow_nan=False).map(lambda x: round(x, 2))


@st.composite
def sections(draw_: st.DrawFn) -> list[UncertaintySpec]:
    """2-4 sections over the shared world names and names of their own, with and without correlation blocks.

    The world's correlations come from one factor (so every section that
    correlates two world drivers says the same); a section's own drivers get
    factor rows of their own on two more dimensions, so its whole block is a
    correlation matrix. A section without a block has at most one world
    driver (two would be 0 there but the world's correlation elsewhere).
    """
    world = unit_rows([[draw_(coordinates) for _ in range(3)] for _ in WORLD])
    world_matrix = correlation(world)
    specs = []
    for number in range(draw_(st.integers(2, 4))):
        with_block = draw_(st.booleans())
        most = len(WORLD) if with_block else 1
        mine = draw_(st.lists(st.sampled_from(WORLD), max_size=most, unique=True))
        own = [f"own{number}_{k}" for k in range(draw_(st.integers(0 if mine else 1, 2)))]
        names = mine + own
        if not with_block or len(names) < 2:
            specs.append(section(names))
            continue
        rows = np.zeros((len(names), 5))
        rows[:len(mine), :3] = world[[WORLD.index(n) for n in mine]]
        rows[len(mine):] = unit_rows([[draw_(coordinates) for _ in range(5)] for _ in own]) if own else rows[:0]
        matrix = correlation(rows)
        # The world part exactly as the world says, so the sections agree to the last bit.
        matrix[:len(mine), :len(mine)] = world_matrix[np.ix_([WORLD.index(n) for n in mine],
                                                             [WORLD.index(n) for n in mine])]
        specs.append(section(names, matrix))
    return specs


def scores(specs: list[UncertaintySpec], paths: int = 20_000, seed: int = 11) -> list[dict[str, np.ndarray]]:
    """Each section's drivers' values (= scores) by name."""
    return [{d.id: drawn.drivers[:, i] for i, d in enumerate(spec.drivers)}
            for spec, drawn in zip(specs, shared_draws(specs, paths, seed), strict=True)]


def put_together(specs: list[UncertaintySpec]) -> np.ndarray:
    """The shared drivers' correlations as the sections give them (0 for a pair no section has together)."""
    shared = shared_names(specs)
    matrix = np.eye(len(shared))
    for spec in specs:
        full = correlation_matrix(spec)
        ids = [d.id for d in spec.drivers]
        for a in shared:
            for b in shared:
                if a != b and a in ids and b in ids:
                    matrix[shared.index(a), shared.index(b)] = full[ids.index(a), ids.index(b)]
    return matrix


@settings(max_examples=60, deadline=None)
@given(sections())
def test_shared_scores_are_identical_and_each_section_s_correlations_hold(specs: list[UncertaintySpec]) -> None:
    together = put_together(specs)
    if together.size and np.linalg.eigvalsh(together).min() < -1e-9:
        # World drivers that no section has together are independent, and with that the world's
        # correlations can contradict each other: refused, never drawn.
        assert shared_driver_errors(specs)
        with pytest.raises(InvalidInputError, match="contradict each other once put together"):
            shared_draws(specs, 10, 1)
        return
    assert shared_driver_errors(specs) == []
    drawn = scores(specs)
    for name in shared_names(specs):
        having = [one[name] for one in drawn if name in one]
        assert len(having) >= 2
        for other in having[1:]:
            assert np.array_equal(other, having[0])  # the same score, to the last bit, on every path
    for spec, one in zip(specs, drawn, strict=True):
        if len(spec.drivers) < 2:
            continue
        sample = np.corrcoef(np.column_stack([one[d.id] for d in spec.drivers]), rowvar=False)
        # 20,000 paths: a sample correlation's standard error is at most 1/sqrt(20,000) = 0.007.
        np.testing.assert_allclose(sample, correlation_matrix(spec), atol=0.05)
        for column in one.values():
            assert abs(column.mean()) < 0.05 and abs(column.std() - 1) < 0.05  # standard normal scores


@settings(max_examples=60, deadline=None)
@given(sections(), st.data())
def test_the_conditional_draw_reproduces_the_section_s_matrix_exactly(specs: list[UncertaintySpec],
                                                                       data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(specs))
    ids = [d.id for d in spec.drivers]
    given_ids = data.draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    mixing = conditional_mixing(spec, given_ids)
    full = correlation_matrix(spec)
    s_gg = full[np.ix_(mixing.given, mixing.given)]
    s_og = full[np.ix_(mixing.others, mixing.given)]
    s_oo = full[np.ix_(mixing.others, mixing.others)]
    # z_o = B z_g + R e, with Cov(z_g) = S_gg and e independent of z_g:
    # Cov(z_o, z_g) = B S_gg must be S_og, and Cov(z_o) = B S_gg B' + R R' must be S_oo.
    np.testing.assert_allclose(mixing.regression @ s_gg, s_og, atol=1e-9)
    np.testing.assert_allclose(mixing.regression @ s_gg @ mixing.regression.T + mixing.residual @ mixing.residual.T,
                               s_oo, atol=1e-9)


def test_an_own_driver_correlated_with_a_shared_one_worked_by_hand() -> None:
    # Section A: shared s and its own a, correlated 0.6. Section B: s alone.
    # s's score is its name's normals in both; a = 0.6 s + sqrt(1 - 0.36) e = 0.6 s + 0.8 e, e being a's normals.
    a = section(["s", "a"], np.array([[1.0, 0.6], [0.6, 1.0]]))
    b = section(["s"])
    first, second = shared_draws([a, b], 5, seed=3)
    s = np.random.default_rng([3, _name_stream("s")]).standard_normal(5)
    e = np.random.default_rng([3, _name_stream("a")]).standard_normal(5)
    assert np.array_equal(first.drivers[:, 0], s) and np.array_equal(second.drivers[:, 0], s)
    np.testing.assert_allclose(first.drivers[:, 1], 0.6 * s + 0.8 * e, rtol=0, atol=1e-12)


def test_two_shared_drivers_correlated_in_one_section_only_are_correlated_in_every_section() -> None:
    # A correlates shared x and y 0.5; B has x, C has y. The shared scores are drawn together:
    # x = e_x, y = 0.5 e_x + sqrt(0.75) e_y (Cholesky of [[1, 0.5], [0.5, 1]], names in order), in A, B and C.
    specs = [section(["x", "y"], np.array([[1.0, 0.5], [0.5, 1.0]])), section(["x"]), section(["y"])]
    drawn = scores(specs, paths=6, seed=5)
    e_x = np.random.default_rng([5, _name_stream("x")]).standard_normal(6)
    e_y = np.random.default_rng([5, _name_stream("y")]).standard_normal(6)
    np.testing.assert_allclose(drawn[0]["x"], e_x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(drawn[0]["y"], 0.5 * e_x + np.sqrt(0.75) * e_y, rtol=0, atol=1e-12)
    assert np.array_equal(drawn[1]["x"], drawn[0]["x"]) and np.array_equal(drawn[2]["y"], drawn[0]["y"])


def test_the_bundled_bcf_section_with_another_sharing_its_pay_award() -> None:
    # The review's case: Northmoor's section correlates pay_award with care fee inflation; another area has
    # pay_award alone, described alike. The same score, so the same value, on every path; and Northmoor's
    # correlations as its file gives them (pay_award 0.6 with care_fee_inflation, 0.4 with 2026-27's).
    bcf, errors = load_uncertainty(ROOT / "scenarios" / "uncertainty" / "uncertain_bcf.yaml")
    assert bcf is not None, errors
    alone = spec_from_simple(drivers=[bcf.driver("pay_award").model_dump(by_alias=True, exclude_none=True)])
    mine, other = shared_draws([bcf, alone], 40_000, seed=42)
    ids = [d.id for d in bcf.drivers]
    assert np.array_equal(mine.drivers[:, ids.index("pay_award")], other.drivers[:, 0])
    # Normal and PERT values: correlations of the values are near those of the scores (Gaussian copula).
    fees = mine.drivers[:, ids.index("care_fee_inflation")]
    fees_2026 = mine.drivers[:, ids.index("care_fee_inflation_2026")]
    assert np.corrcoef(fees, fees_2026)[0, 1] == pytest.approx(0.5, abs=0.03)
    assert np.corrcoef(fees, other.drivers[:, 0])[0, 1] == pytest.approx(0.6, abs=0.04)


def test_one_agreement_alone_is_drawn_as_before() -> None:
    # Simulating one agreement does not go through the shared draws: its normals come from the seed in the
    # section's order, mixed by the Cholesky factor of its whole correlation matrix, then each driver's
    # quantile, held to its range; then the events from the same generator. Written out here step by step.
    bcf, errors = load_uncertainty(ROOT / "scenarios" / "uncertainty" / "uncertain_bcf.yaml")
    assert bcf is not None, errors
    drawn = draw(bcf, 2000, 42)
    rng = np.random.default_rng(42)
    normals = rng.standard_normal((2000, len(bcf.drivers))) @ np.linalg.cholesky(correlation_matrix(bcf)).T
    for index, driver in enumerate(bcf.drivers):
        low, high = DRIVER_RANGES[driver.type]
        assert np.array_equal(drawn.drivers[:, index], np.clip(quantile(driver.distribution, normals[:, index]),
                                                               low, high))
    assert np.array_equal(drawn.event_happens[:, 0], rng.random((2000, 1))[:, 0] < 0.10)


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


SECTION = """\
scenario:
  id: {id}
uncertainty:
  drivers:
    - {{id: x, type: demand, key: k, distribution: {{kind: normal, mean: 0, sd: 1}}}}
    - {{id: y, type: demand, key: k, distribution: {{kind: normal, mean: 0, sd: 1}}}}
{correlation}"""

BLOCK = """\
  correlation:
    drivers: [x, y]
    matrix:
      - [1, {r}]
      - [{r}, 1]
"""


def loaded(path: str) -> UncertaintySpec:
    spec, errors = load_uncertainty(path)
    assert spec is not None, errors
    return spec


def test_two_sections_correlating_shared_drivers_differently_are_refused_where_the_second_says_so(
    tmp_path: Path,
) -> None:
    first = write(tmp_path, "a.yaml", SECTION.format(id="a", correlation=BLOCK.format(r=0.5)))
    second = write(tmp_path, "b.yaml", SECTION.format(id="b", correlation=BLOCK.format(r=0.3)))
    (error,) = shared_driver_errors([loaded(first), loaded(second)])
    # The second file's matrix row 1 column 2 (line 10: correlation at 7, drivers 8, matrix 9, first row 10).
    assert (error.source.file, error.source.line, error.source.path) == (
        second, 10, "uncertainty.correlation.matrix[0][1]")
    assert error.message.startswith(f"'x' and 'y' are correlated 0.3 here but 0.5 in {first}:10 "
                                    "uncertainty.correlation.matrix[0][1]; a driver named the same in several "
                                    "agreements takes the same score on every path in all of them")
    with pytest.raises(InvalidInputError) as refused:
        shared_draws([loaded(first), loaded(second)], 10, 1)
    assert refused.value.errors == [error]


def test_a_section_without_a_correlation_for_two_shared_drivers_says_0(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", SECTION.format(id="a", correlation=BLOCK.format(r=0.5)))
    second = write(tmp_path, "b.yaml", SECTION.format(id="b", correlation=""))
    (error,) = shared_driver_errors([loaded(first), loaded(second)])
    # Located at the later of the two drivers in the second file: y, line 6.
    assert (error.source.file, error.source.line, error.source.path) == (second, 6, "uncertainty.drivers[1].id")
    assert error.message.startswith("'x' and 'y' are correlated 0 (no correlation given for them) here but 0.5 in")
    # The other way round, the block is the second: located at its matrix entry.
    (error,) = shared_driver_errors([loaded(second), loaded(first)])
    assert (error.source.file, error.source.line) == (first, 10)
    assert "correlated 0.5 here but 0 (no correlation given for them) in" in error.message


def test_shared_correlations_that_contradict_each_other_put_together_are_refused() -> None:
    # x-y 0.9 (A) and y-z 0.9 (B) make x and z correlated at least 2 x 0.81 - 1 = 0.62, but C has x and z
    # without a correlation (0): no set of scores has all three (eigenvalue 1 - 0.9 sqrt 2 < 0).
    strong = np.array([[1.0, 0.9], [0.9, 1.0]])
    specs = [section(["x", "y"], strong), section(["y", "z"], strong), section(["x", "z"])]
    (error,) = shared_driver_errors(specs)
    assert "contradict each other once put together (smallest eigenvalue -0.2728)" in error.message
    assert "'x' and 'y' 0.9" in error.message and "'y' and 'z' 0.9" in error.message
    with pytest.raises(InvalidInputError):
        shared_draws(specs, 10, 1)


def test_sections_sharing_nothing_or_alike_are_never_refused() -> None:
    block = np.array([[1.0, 0.7], [0.7, 1.0]])
    assert shared_driver_errors([section(["x", "y"], block), section(["x", "y"], block)]) == []
    assert shared_driver_errors([section(["x", "y"], block), section(["u", "v"], block)]) == []
    assert shared_driver_errors([section(["x", "y"], block), section(["x", "v"], block)]) == []
    assert shared_names([section(["x", "y"], block), section(["x", "v"], block)]) == ["x"]


def test_the_command_line_refuses_them_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = write(tmp_path, "one.yaml", PROPORTIONAL_POOL)
    two = write(tmp_path, "two.yaml", PROPORTIONAL_POOL.replace("id: prop", "id: prop2"))
    driven = SECTION.replace("key: k", "key: care_home_admissions")
    first = write(tmp_path, "a.yaml", driven.format(id="a", correlation=BLOCK.format(r=0.5)))
    second = write(tmp_path, "b.yaml", driven.format(id="b", correlation=BLOCK.format(r=-0.5)))
    assert main(["simulate", f"{one}:{first}", f"{two}:{second}", "--paths", "10"]) == 1
    err = capsys.readouterr().err
    assert f"{second}:10 uncertainty.correlation.matrix[0][1]: 'x' and 'y' are correlated -0.5 here but 0.5 in " \
           f"{first}:10" in err
    assert err.strip().endswith("1 problem found.")

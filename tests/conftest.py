"""Shared helpers for the money, risk-share, engine and property tests.

* ``load_doc`` (fixture): YAML text of an agreement -> a loaded ``Agreement``,
  written to ``tmp_path`` and read back through ``pooledfund.io.loader``, failing
  the test with every loader message if the text is not a valid agreement.
* :func:`load_agreement_text`: the same as a plain function taking a folder,
  for hypothesis tests (which must not use function-scoped fixtures).
* :func:`exact_shares`: a reference largest-remainder split in Python integers.
* :func:`P`: pounds (as text, to stay exact) -> integer pence, for readable sums.
* ``snapshot`` (fixture) and the ``--snapshot-update`` option: golden files of what
  a finance lead reads, in ``tests/__snapshots__/`` (the logic is in ``snapshot.py``;
  see docs/testing.md).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from snapshot import SNAPSHOT_DIR, UPDATE_OPTION, Snapshot, safe_name

from pooledfund.io.loader import load_agreement
from pooledfund.model.agreement import Agreement

_COUNTER = itertools.count()

#: The versions database fixtures (``db``, ``location``, the recorded Northmoor runs): see store_fixtures.py.
pytest_plugins = ["store_fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(UPDATE_OPTION, action="store_true", default=False,
                     help="(re)write the golden files in tests/__snapshots__ instead of comparing with them")


@pytest.fixture(scope="session")
def _snapshot_claims() -> dict[Path, str]:
    """Golden files used so far in this session, to catch two tests sharing one file."""
    return {}


@pytest.fixture
def snapshot(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _snapshot_claims: dict[Path, str]
) -> Snapshot:
    """Compare text or JSON with this test's golden file (``--snapshot-update`` rewrites it)."""
    return Snapshot(
        folder=SNAPSHOT_DIR / safe_name(request.path.stem),
        base_name=safe_name(request.node.name),
        update=bool(request.config.getoption(UPDATE_OPTION)),
        temp_roots=(tmp_path_factory.getbasetemp(),),
        claimed=_snapshot_claims,
        owner=request.node.nodeid,
    )


def P(pounds: str | int) -> int:
    """Pounds to integer pence exactly: ``P("1,234.56") == 123456``."""
    value = Decimal(str(pounds).replace(",", "")) * 100
    assert value == value.to_integral_value(), f"{pounds} is not a whole number of pence"
    return int(value)


def load_agreement_text(text: str, folder: Path, name: str | None = None) -> Agreement:
    """Write ``text`` (dedented) into ``folder`` and load it, asserting it is valid."""
    path = folder / (name or f"agreement_{next(_COUNTER)}.yaml")
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    agreement, errors = load_agreement(path)
    assert not errors, "the test agreement should be valid, but:\n" + "\n".join(str(e) for e in errors)
    assert agreement is not None
    return agreement


@pytest.fixture
def load_doc(tmp_path: Path) -> Callable[[str], Agreement]:
    """Load an agreement from YAML text (see module docstring)."""

    def _load(text: str) -> Agreement:
        return load_agreement_text(text, tmp_path)

    return _load


def exact_shares(total: int, weights: list[int]) -> list[int]:
    """Reference largest-remainder split in Python integers (no numpy, no overflow).

    Negative totals mirror positive ones; ties go to the part listed first;
    zero weights get nothing; all-zero weights give all zeros.
    """
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [0] * len(weights)
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    leftover = magnitude - sum(floors)
    order = sorted((i for i, w in enumerate(weights) if w > 0), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return [sign * f for f in floors]


PARTNERS_YAML = """\
partners:
  - {id: council, name: Council, kind: unitary_council, vat: council_s33}
  - {id: icb, name: ICB, kind: integrated_care_board, vat: nhs_limited_recovery}
"""

#: A one-year pooled fund of two schemes monitored month by month (the ledger and forecast tests).
MONITORED_POOL = f"""
agreement:
  id: monitored
  title: Monitored pool
  years: [2025-26]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contributions:
      - {{partner: council, year: 2025-26, cash: 600000}}
      - {{partner: icb, year: 2025-26, cash: 1200000}}
    schemes:
      - {{id: S1, name: Home care, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: other, budget: {{2025-26: 1200000}}}}
      - {{id: S2, name: Nursing, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: icb, provider: nhs_community, funding_source: other, budget: {{2025-26: 600000}}}}
    risk_share:
      - layer: commissioner
    underspend:
      - rule: return_proportional
"""
"""The two usual partners, council first (so ties go to the council)."""


#: A small valid two-partner pooled fund: the starting point of the loader and scenario tests.
SMALL_AGREEMENT = """\
agreement:
  id: test
  title: Test pool
  years: [2025-26, 2026-27]
  host_partner: council
partners:
  - {id: council, name: Council, kind: unitary_council, vat: council_s33}
  - {id: icb, name: ICB, kind: integrated_care_board, vat: nhs_limited_recovery}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contributions:
      - {partner: council, year: 2025-26, source: additional_la, cash: 400000}
      - {partner: icb, year: 2025-26, source: nhs_minimum, cash: 600000}
    schemes:
      - id: S1
        name: Reablement
        scheme_type: Home-based intermediate care services
        area_of_spend: social_care
        commissioner: {council: 50, icb: 50}
        provider: la
        funding_source: nhs_minimum
        budget: {2025-26: 1000000}
    risk_share:
      - layer: fixed_split
        shares: {council: 50, icb: 50}
      - layer: proportional
    underspend:
      - rule: return_proportional
"""
